package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeID turns what a user typed or pasted into the canonical form the validators expect:
// full-width ASCII (Ｐ，１（）) becomes half-width, 〔〕【】 become (), surrounding spaces go, letters are upper-cased.
// Inner spaces are kept, since some numbers (GB/T 15063) contain one. Validators themselves do
// not normalise: the stored value must be the canonical one, and a validator that silently
// fixed input would let two spellings of one code into the database.
func NormalizeID(s string) string {
	return strings.ToUpper(strings.TrimSpace(halfWidth(s)))
}

// halfWidth maps full-width ASCII forms U+FF01..U+FF5E to ASCII, the ideographic space to a
// space and the lenticular/tortoise-shell brackets used in 文号 to ASCII parentheses; other runes
// pass through.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r == '〔' || r == '【':
			return '('
		case r == '〕' || r == '】':
			return ')'
		}
		return r
	}, s)
}

// normName is the key used to compare pesticide ingredient and crop names: half-width, no
// whitespace at all, ASCII lower-case, and the middle dots/brackets that vary between labels
// unified. "2，4-滴丁酯", "2,4-滴 丁酯" and "2,4-滴丁酯" compare equal.
func normName(s string) string {
	if isNormName(s) {
		return s // fast path: list names are stored normalised, Check runs inside write transactions
	}
	s = halfWidth(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r == '[':
			r = '('
		case r == ']':
			r = ')'
		case r == '－' || r == '—' || r == '–' || r == '‐':
			r = '-'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// isNormName reports whether normName(s) == s without allocating.
func isNormName(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r == '[', r == ']', r == 0x3000, r >= 0xFF01 && r <= 0xFF5E,
			r == '〔', r == '〕', r == '【', r == '】', r == '－', r == '—', r == '–', r == '‐',
			r == utf8.RuneError, unicode.IsSpace(r):
			return false
		case r >= 0x80 && unicode.ToLower(r) != r:
			return false
		}
	}
	return true
}
