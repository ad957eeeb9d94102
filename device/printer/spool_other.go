//go:build !windows

package printer

import "context"

func openSpool(_ context.Context, name string) (Transport, error) {
	return nil, UnsupportedError("spool://"+name,
		"spool:// 只能在 Windows 上使用；Linux 请用 usb://、lp:///dev/usb/lp0 或 tcp://。",
		"spool:// works on Windows only; on Linux use usb://, lp:///dev/usb/lp0 or tcp://.")
}

// SpoolPrinters lists the printers installed in Windows; there are none
// elsewhere.
func SpoolPrinters() ([]SpoolPrinter, error) { return nil, nil }
