package tracecode

// Error kinds.
const (
	KindFormat = "format" // wrong shape or characters
	KindSite   = "site"   // bad site code
	KindDate   = "date"   // bad or out-of-range date
	KindSeq    = "seq"    // bad sequence number
	KindCheck  = "check"  // check character mismatch: mistyped or misread
)

// Error is a refused code or input. It implements UserMessage for the GUI and CLI.
type Error struct {
	Kind  string // one of the Kind* constants
	Input string // what was given
	en    string
	zh    string
}

func newError(kind, input, en, zh string) *Error {
	return &Error{Kind: kind, Input: input, en: en, zh: zh}
}

// Error returns the English description, for logs.
func (e *Error) Error() string {
	return "tracecode: " + e.Kind + ": " + e.en + ": " + quote(e.Input)
}

// UserMessage returns one sentence in lang ("zh" or "en") saying what is wrong and what to do.
func (e *Error) UserMessage(lang string) string {
	if e.Kind == KindCheck {
		if lang == "zh" {
			return "追溯码“" + e.Input + "”校验位不符，可能输错或扫描误读；请重新扫描，或对照标签仔细核对后重新输入。"
		}
		return "Trace code \"" + e.Input + "\" fails its check character, so it was mistyped or misread; scan it again or re-type it carefully from the label."
	}
	if lang == "zh" {
		return e.zh + "（输入：“" + e.Input + "”）；请核对后重新输入或重新扫描。"
	}
	return "Invalid code: " + e.en + " (input: " + quote(e.Input) + "); check it and enter or scan it again."
}

func quote(s string) string {
	const max = 64
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max]) + "…"
	}
	return "\"" + s + "\""
}
