package scanner

import (
	"strings"
	"time"
)

// gs1CheckDigit returns the GS1 mod-10 check digit for the digits in body
// (everything but the check digit). Weights 3,1,3,... from the right.
func gs1CheckDigit(body string) byte {
	sum := 0
	w := 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// gs1CheckOK reports whether the last digit of an all-digit string is its
// GS1 mod-10 check digit, and returns the expected digit.
func gs1CheckOK(s string) (bool, byte) {
	if len(s) < 2 || !allDigits(s) {
		return false, 0
	}
	want := gs1CheckDigit(s[:len(s)-1])
	return s[len(s)-1] == want, want
}

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// validUSCC checks a GB 32100-2015 统一社会信用代码 (18 chars, alphabet
// without I O S V Z; the value of a character is its index in the alphabet).
// Implemented here rather than imported from store/rules because device/*
// must not import store (architecture.md).
func validUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, s[i])
		if v < 0 {
			return false
		}
		sum += v * usccWeights[i]
	}
	check := (31 - sum%31) % 31
	return s[17] == usccAlphabet[check]
}

var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// validResidentID checks the ISO 7064 MOD 11-2 check character of an
// 18-character 居民身份证号 (individual producers use it as their subject id).
func validResidentID(s string) bool {
	if len(s) != 18 || !allDigits(s[:17]) {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * residentWeights[i]
	}
	return s[17] == "10X98765432"[sum%11]
}

func alnumValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allAlnumUpper(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if alnumValue(s[i]) < 0 {
			return false
		}
	}
	return true
}

// parseTimestamp14 validates yyyyMMddHHmmss and returns it in ISO form.
func parseTimestamp14(s string) (string, bool) {
	if len(s) != 14 || !allDigits(s) {
		return "", false
	}
	t, err := time.Parse("20060102150405", s)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02T15:04:05"), true
}

// parseYYMMDD validates a YYMMDD date as used by GS1 date AIs and our local
// codes. Century: 20YY (GS1's sliding window would need "now"; a
// deterministic parser is worth more here, and it is right until 2050).
// allowDay00: GS1 allows DD=00 meaning "last day of the month".
func parseYYMMDD(s string, allowDay00 bool) (string, bool) {
	if len(s) != 6 || !allDigits(s) {
		return "", false
	}
	if allowDay00 && s[4:] == "00" {
		y := 2000 + int(s[0]-'0')*10 + int(s[1]-'0')
		mo := int(s[2]-'0')*10 + int(s[3]-'0')
		if mo < 1 || mo > 12 {
			return "", false
		}
		last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC)
		return last.Format("2006-01-02"), true
	}
	t, err := time.Parse("060102", s)
	if err != nil {
		return "", false
	}
	// time.Parse maps 69-99 to 19YY; we want 20YY throughout.
	if t.Year() < 2000 {
		t = t.AddDate(100, 0, 0)
	}
	return t.Format("2006-01-02"), true
}
