package scanner

import (
	"errors"
	"fmt"
)

// Reasons a scan is flagged. They are sentinels so that callers can branch
// with errors.Is; the *ScanError that wraps them carries the detail and the
// bilingual sentence a packing-line operator sees.
var (
	// ErrCheckDigit: a check digit/character did not match (GS1 mod 10,
	// GB 32100 credit code, resident ID, local MOD 37,36).
	ErrCheckDigit = errors.New("check digit mismatch")
	// ErrDate: a date or timestamp field is not a real calendar date.
	ErrDate = errors.New("invalid date")
	// ErrStructure: the scan has the recognisable start of a known kind but
	// not its full layout (wrong number of parts, wrong field length).
	ErrStructure = errors.New("malformed structure")
	// ErrUnsupportedAI: a GS1 element string uses an Application Identifier
	// this parser does not know, so the rest of the string cannot be split.
	ErrUnsupportedAI = errors.New("unsupported GS1 application identifier")
	// ErrKeyboardLayout: the characters look like a scanner typing into a
	// host with a non-US keyboard layout (e.g. AZERTY digits "&é\"'(").
	ErrKeyboardLayout = errors.New("scanner keyboard layout mismatch")
	// ErrIncomplete: input ended in the middle of a scan (device unplugged,
	// stream closed before the terminator).
	ErrIncomplete = errors.New("incomplete scan")
	// ErrTooLong: a line exceeded MaxScanLength and was cut.
	ErrTooLong = errors.New("scan too long")
)

// ScanError is the error stored in Scan.Err. It implements
// UserMessage(lang) so the GUI and CLI can show it as is.
type ScanError struct {
	Reason error  // one of the Err* sentinels
	Detail string // English detail for logs, e.g. "GTIN 09520123456789: expected check digit 8"
	Field  string // which field failed, e.g. "01", "credit_code", "time"
}

func (e *ScanError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

func (e *ScanError) Unwrap() error { return e.Reason }

// UserMessage returns one sentence saying what happened and what to do.
func (e *ScanError) UserMessage(lang string) string {
	zh, en := "扫码内容无法识别，请重新扫描或手工录入。", "The scan could not be read; scan again or enter it by hand."
	switch e.Reason {
	case ErrCheckDigit:
		zh, en = "条码校验位不正确，可能是扫错或条码印刷有误，请重新扫描并核对。", "The code's check digit is wrong (misread or misprinted); scan again and check the label."
	case ErrDate:
		zh, en = "条码中的日期不是有效日期，请核对标签。", "A date in the code is not a valid date; check the label."
	case ErrStructure:
		zh, en = "条码格式不完整，请重新扫描。", "The code is incomplete or malformed; scan again."
	case ErrUnsupportedAI:
		zh, en = "含有本软件不支持的GS1应用标识符，已保存原始内容。", "The code contains a GS1 identifier this software does not support; the raw text was kept."
	case ErrKeyboardLayout:
		zh, en = "扫码枪键盘布局不是美式（US），请把扫码枪和电脑都设为美式键盘后重扫。", "The scanner is not in US keyboard layout; set scanner and computer to US and scan again."
	case ErrIncomplete:
		zh, en = "扫码中途中断，请重新扫描。", "The scan was cut off; scan again."
	case ErrTooLong:
		zh, en = "扫码内容过长，已截断，请检查扫码枪设置。", "The scan was too long and was cut; check the scanner settings."
	}
	if e.Detail != "" {
		if lang == "en" {
			return en + " (" + e.Detail + ")"
		}
		return zh + "（" + e.Detail + "）"
	}
	if lang == "en" {
		return en
	}
	return zh
}

func newErr(reason error, field, format string, args ...any) *ScanError {
	return &ScanError{Reason: reason, Field: field, Detail: fmt.Sprintf(format, args...)}
}
