package tracecode

import (
	"strconv"
	"strings"
	"time"
)

// alphabet is the ISO 7064 MOD 37,36 alphabet: a character's value is its index.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

const (
	minSiteLen = 4
	maxSiteLen = 8
	minSeqLen  = 4 // sequences are zero-padded to 4 digits and grow past 9999
	// MaxSeq is the largest sequence number (8 digits): far beyond any site's daily lots, and
	// it keeps codes short enough for small labels.
	MaxSeq = 99999999
)

// Code is a parsed local trace code (or 合格证 number). Day is the creation date at 00:00 UTC:
// it is a calendar date, compare it with Year/Month/Day.
type Code struct {
	Site string
	Day  time.Time
	Seq  int
}

// value returns the MOD 37,36 value of an upper-case ASCII letter or digit, or -1.
func value(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// CheckChar returns the ISO 7064 MOD 37,36 (hybrid system) check character for s, which must be
// a non-empty string of 0–9 and A–Z (upper case). For each character, left to right:
//
//	p starts at 36; s = p + value; r = s mod 36, with 0 replaced by 36; p = 2r mod 37
//
// and the check value c makes (p + c) mod 36 = 1, i.e. c = (37 − p) mod 36.
// The hybrid system detects every single-character substitution; it misses an adjacent
// transposition only of two consecutive alphabet values (e.g. 0↔1, 8↔9) at one of 36 running
// states — about 1 in 36 of such swaps. See docs/trace-codes.md.
func CheckChar(s string) (byte, error) {
	if s == "" {
		return 0, newError(KindFormat, s, "check input is empty", "校验输入为空")
	}
	p := 36
	for i := 0; i < len(s); i++ {
		v := value(s[i])
		if v < 0 {
			return 0, newError(KindFormat, s, "check input may only contain 0-9 and A-Z", "校验输入只能含0-9和A-Z")
		}
		r := (p + v) % 36
		if r == 0 {
			r = 36
		}
		p = r * 2 % 37
	}
	return alphabet[(37-p)%36], nil
}

// ValidSite checks a site code: 4–8 characters of 0–9 and A–Z, upper case (the site code is
// configured once; it is not normalised silently so that one site never has two spellings).
//
// A site code must not start with I: in MOD 37,36 a leading character of value 18 (I) leaves
// the running state unchanged, so a code whose site starts with I would still pass its check
// after that I was dropped or an extra I was typed in front (XIAB… vs IXIAB…). With the
// restriction, losing or adding the first character is always detected.
func ValidSite(site string) error {
	if len(site) < minSiteLen || len(site) > maxSiteLen {
		return newError(KindSite, site, "site code must be 4-8 characters", "站点代码须为4–8个字符")
	}
	for i := 0; i < len(site); i++ {
		if value(site[i]) < 0 {
			return newError(KindSite, site, "site code may only contain digits and capital letters A-Z", "站点代码只能包含数字和大写字母A–Z")
		}
	}
	if site[0] == 'I' {
		return newError(KindSite, site, "site code must not start with I (the check character could not see it)", "站点代码不能以字母I开头（校验位无法检出其遗漏）")
	}
	return nil
}

// Format mints the trace code <SITE>-<YYMMDD>-<SEQ>-<C> for the seq-th lot of site on the
// calendar day of day (in day's location). seq must be 1..MaxSeq; the day must be in
// 2000–2099 because the year has two digits. The store owns the sequence: it allocates seq
// inside the same transaction that stores the lot, so codes are unique per site.
func Format(site string, day time.Time, seq int) (string, error) {
	if err := ValidSite(site); err != nil {
		return "", err
	}
	y, m, d := day.Date()
	if y < 2000 || y > 2099 {
		return "", newError(KindDate, strconv.Itoa(y), "trace codes only cover the years 2000-2099", "追溯码日期只能在2000–2099年")
	}
	if seq < 1 || seq > MaxSeq {
		return "", newError(KindSeq, strconv.Itoa(seq), "sequence must be 1-99999999", "流水号须在1–99999999之间")
	}
	b := make([]byte, 0, len(site)+1+6+1+8+2)
	b = append(b, site...)
	b = append(b, '-')
	b = append2(b, y%100)
	b = append2(b, int(m))
	b = append2(b, d)
	b = append(b, '-')
	b = appendSeq(b, seq, minSeqLen)
	c, err := checkOf(b)
	if err != nil {
		return "", err
	}
	b = append(b, '-', c)
	return string(b), nil
}

// checkOf computes the check character over the code body without its hyphens.
func checkOf(body []byte) (byte, error) {
	var buf [32]byte
	s := buf[:0]
	for _, c := range body {
		if c != '-' {
			s = append(s, c)
		}
	}
	return CheckChar(string(s))
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func appendSeq(b []byte, seq, width int) []byte {
	s := strconv.Itoa(seq)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Parse reads a trace code as typed or scanned: surrounding spaces and lower case are
// accepted. It refuses anything else that is not exactly what Format produces (so one lot has
// one code string), and a wrong check character with a KindCheck error whose UserMessage says
// the code was mistyped or misread.
func Parse(code string) (Code, error) {
	s, ok := canon(code)
	if !ok {
		return Code{}, newError(KindFormat, code, "a trace code may only contain letters, digits and '-'", "追溯码只能包含字母、数字和“-”")
	}
	parts := strings.Split(s, "-")
	if len(parts) != 4 {
		return Code{}, newError(KindFormat, code, "a trace code has the form SITE-YYMMDD-SEQ-C", "追溯码格式应为“站点-年月日-流水号-校验位”")
	}
	site, date, seqs, check := parts[0], parts[1], parts[2], parts[3]
	if err := ValidSite(site); err != nil {
		return Code{}, newError(KindSite, code, "the site part must be 4-8 letters or digits", "追溯码中的站点代码须为4–8位字母或数字")
	}
	day, ok := parseDigitsDate(date, 2000)
	if !ok {
		return Code{}, newError(KindDate, code, "the date part must be a valid YYMMDD", "追溯码中的日期须为有效的“年月日”（6位）")
	}
	seq, ok := parseSeq(seqs)
	if !ok {
		return Code{}, newError(KindSeq, code, "the sequence part must be at least 4 digits without extra leading zeros", "追溯码中的流水号须为至少4位数字")
	}
	if len(check) != 1 || value(check[0]) < 0 {
		return Code{}, newError(KindFormat, code, "the last part must be one check character", "追溯码最后一段应为1位校验字符")
	}
	want, err := checkOf([]byte(s[:len(s)-2]))
	if err != nil {
		return Code{}, err
	}
	if check[0] != want {
		return Code{}, newError(KindCheck, code, "the check character does not match", "追溯码校验位不符")
	}
	return Code{Site: site, Day: day, Seq: seq}, nil
}

// canon trims surrounding whitespace and upper-cases ASCII letters; it refuses any byte that is
// not an ASCII letter, digit or '-'.
func canon(code string) (string, bool) {
	s := strings.TrimSpace(code)
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		default:
			return "", false
		}
	}
	return string(b), true
}

// parseDigitsDate parses YYMMDD (century base 2000) or YYYYMMDD (base 0) into UTC midnight.
func parseDigitsDate(s string, century int) (time.Time, bool) {
	if len(s) != 6 && len(s) != 8 || !allDigits(s) {
		return time.Time{}, false
	}
	n := len(s) - 4
	y, _ := strconv.Atoi(s[:n])
	m, _ := strconv.Atoi(s[n : n+2])
	d, _ := strconv.Atoi(s[n+2:])
	if len(s) == 6 {
		y += century
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false // 2026-02-30 normalises to March: not a real date
	}
	return t, true
}

// parseSeq accepts the canonical sequence form: exactly 4 digits (zero padded), or more digits
// without a leading zero; value 1..MaxSeq.
func parseSeq(s string) (int, bool) {
	if len(s) < minSeqLen || len(s) > 8 || !allDigits(s) || len(s) > minSeqLen && s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxSeq {
		return 0, false
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
