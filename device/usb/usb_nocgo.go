//go:build !cgo

package usb

import (
	"context"
	"io"

	"suyuan/device/printer"
)

// Available reports that this build has no libusb support (built with
// CGO_ENABLED=0): usb:// printing and raw HID scanners are unavailable.
const Available = false

func unavailable() error {
	return printer.UnsupportedError("usb://",
		"此版本未包含 USB 直连功能。打印机请用 lp:///dev/usb/lp0、spool://打印机名称 或 tcp://；扫码枪请设为键盘模式。",
		"This build has no direct USB support. Use lp:///dev/usb/lp0, spool://PrinterName or tcp:// for printers, and keyboard mode for scanners.")
}

// OpenHIDScanner is unavailable without cgo.
func OpenHIDScanner(_ context.Context, _ Match) (io.ReadCloser, error) { return nil, unavailable() }
