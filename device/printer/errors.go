package printer

import (
	"errors"
	"fmt"
)

// Sentinel kinds, matched with errors.Is, so callers (the print queue, the
// GUI) can react — e.g. keep a job pending when the printer is unreachable.
var (
	ErrBadURI       = errors.New("bad printer URI")
	ErrUnreachable  = errors.New("printer unreachable")
	ErrNoUSBPrinter = errors.New("no USB printer found")
	ErrPermission   = errors.New("permission denied")
	ErrUnsupported  = errors.New("not supported on this system")
	ErrBadImage     = errors.New("bad label image")
	ErrWriteFailed  = errors.New("printer write failed")
	ErrAmbiguousUSB = errors.New("several USB printers match")
	udevHintZH      = "请按 docs/devices.md「USB permissions」一节安装 udev 规则后重新插拔打印机。"
	udevHintEN      = "Install the udev rule from docs/devices.md, section \"USB permissions\", then re-plug the printer."
)

// Error is a printer error a user may see. It carries one sentence in each
// language (UserMessage) and wraps the underlying cause.
type Error struct {
	Kind   error  // one of the Err* sentinels
	Target string // printer URI or device path, for the log
	ZH, EN string
	Err    error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Target != "" {
		s += " (" + e.Target + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) work on wrapped *Error values.
func (e *Error) Is(target error) bool { return target == e.Kind }

// UserMessage returns the sentence for lang ("zh" or "en").
func (e *Error) UserMessage(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.ZH
}

func newErr(kind error, target string, cause error, zh, en string) *Error {
	return &Error{Kind: kind, Target: target, Err: cause, ZH: zh, EN: en}
}

// PermissionError builds the "permission denied" error with the udev hint;
// exported for device/usb so both transports say the same thing.
func PermissionError(target string, cause error) *Error {
	return newErr(ErrPermission, target, cause,
		fmt.Sprintf("没有权限访问打印机 %s。", target)+udevHintZH,
		fmt.Sprintf("No permission to open the printer %s. ", target)+udevHintEN)
}

// NoUSBPrinterError is returned when no printer-class USB device matches.
func NoUSBPrinterError(target string, cause error) *Error {
	return newErr(ErrNoUSBPrinter, target, cause,
		"没有找到 USB 打印机：请检查数据线和电源，或在设置里选网络打印机。",
		"No USB printer found: check the cable and power, or choose a network printer in Settings.")
}

// UnsupportedError is returned for transports that this build or OS lacks.
func UnsupportedError(target, zh, en string) *Error {
	return newErr(ErrUnsupported, target, nil, zh, en)
}

// WriteError wraps a failed write to a printer that was open.
func WriteError(target string, cause error) *Error {
	return newErr(ErrWriteFailed, target, cause,
		fmt.Sprintf("向打印机 %s 发送标签失败：请检查打印机是否缺纸、开盖或断电，然后重打这一张。", target),
		fmt.Sprintf("Sending the label to %s failed: check paper, cover and power, then reprint this label.", target))
}
