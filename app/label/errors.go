package label

import "errors"

// ErrLayout marks every error Render returns for bad or oversized content,
// so callers can tell "fix the data" from internal faults.
var ErrLayout = errors.New("label layout")

// Error is a user-facing layout error (zh + en).
type Error struct {
	Field  string // Data field name, if one is to blame
	ZH, EN string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return "label: " + e.Field + ": " + e.EN
	}
	return "label: " + e.EN
}

// UserMessage returns the sentence in lang ("zh" or "en").
func (e *Error) UserMessage(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.ZH
}

// Is makes errors.Is(err, ErrLayout) true.
func (e *Error) Is(target error) bool { return target == ErrLayout }

func userErr(zh, en string) *Error { return &Error{ZH: zh, EN: en} }
