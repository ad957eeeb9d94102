//go:build !cgo || nousb

package usb

import (
	"context"
	"io"

	"suyuan/device/printer"
)

// Available reports that this build has no libusb support (built with
// CGO_ENABLED=0, or with -tags nousb for targets without a libusb to link,
// e.g. the mingw Windows build): usb:// printing and raw HID scanners are
// unavailable; printers go through lp://, spool:// or tcp:// and scanners
// work as keyboards or virtual COM ports.
const Available = false

func unavailable() error {
	return printer.UnsupportedError("usb://",
		"此版本未包含 USB 直连功能。打印机请用 lp:///dev/usb/lp0、spool://打印机名称 或 tcp://；扫码枪请设为键盘模式。",
		"This build has no direct USB support. Use lp:///dev/usb/lp0, spool://PrinterName or tcp:// for printers, and keyboard mode for scanners.")
}

// OpenHIDScanner is unavailable without libusb.
func OpenHIDScanner(_ context.Context, _ Match) (io.ReadCloser, error) { return nil, unavailable() }
