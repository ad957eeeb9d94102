package rules

import (
	"strings"
	"unicode"
)

// NormalizeID turns what a user typed or pasted into the canonical form the validators expect:
// full-width ASCII (Ｐ，１) becomes half-width, surrounding spaces go, letters are upper-cased.
// Inner spaces are kept, since some numbers (GB/T 15063) contain one. Validators themselves do
// not normalise: the stored value must be the canonical one, and a validator that silently
// fixed input would let two spellings of one code into the database.
func NormalizeID(s string) string {
	return strings.ToUpper(strings.TrimSpace(halfWidth(s)))
}

// halfWidth maps full-width ASCII forms U+FF01..U+FF5E to ASCII and the ideographic space to a
// space; other runes pass through.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

// normName is the key used to compare pesticide ingredient and crop names: half-width, no
// whitespace at all, ASCII lower-case, and the middle dots/brackets that vary between labels
// unified. "2，4-滴丁酯", "2,4-滴 丁酯" and "2,4-滴丁酯" compare equal.
func normName(s string) string {
	s = halfWidth(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r == '（' || r == '【' || r == '[':
			r = '('
		case r == '）' || r == '】' || r == ']':
			r = ')'
		case r == '－' || r == '—' || r == '–' || r == '‐':
			r = '-'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
