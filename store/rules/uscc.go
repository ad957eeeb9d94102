package rules

import (
	"strconv"
	"strings"
)

// usccAlphabet is the GB 32100-2015 code alphabet: digits and capitals without I, O, S, V, Z.
// A character's value is its index here (not ord(c)-55, a common bug in public snippets).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar returns the GB 32100-2015 check character for the first 17 characters of a
// 统一社会信用代码: (31 − Σ(value·weight) mod 31) mod 31, mapped back through the alphabet.
// The input must be exactly 17 characters of the alphabet (upper case); otherwise the error is a
// RuleUSCCFormat Violation.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, usccFormat(first17,
			"长度为"+strconv.Itoa(len(first17))+"个字节，前17位必须正好17个字符",
			"has "+strconv.Itoa(len(first17))+" bytes where the first part must be exactly 17 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, usccBadChar(first17, i)
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// ValidateUSCC checks an 18-character 统一社会信用代码: length, alphabet (upper case only,
// no I O S V Z), positions 3–8 numeric (登记管理机关行政区划码), and the check character.
// Lower-case input is refused rather than fixed; run NormalizeID on user input first.
// The 组织机构代码 check inside positions 9–17 is not enforced: GB 32100 does not require it
// and codes issued to 个体工商户 need not carry one.
//
// Violations: RuleUSCCFormat (Args code, reason_zh, reason_en) or RuleUSCCCheck (Args code,
// expected, got).
func ValidateUSCC(code string) error {
	if len(code) != 18 {
		return usccFormat(code,
			"长度为"+strconv.Itoa(len([]rune(code)))+"个字符，应为18位",
			"has "+strconv.Itoa(len([]rune(code)))+" characters instead of 18")
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccAlphabet, code[i]) < 0 {
			return usccBadChar(code, i)
		}
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return usccFormat(code,
				"第3–8位（行政区划码）必须是数字",
				"must have digits in positions 3–8 (the administrative division code)")
		}
	}
	want, err := USCCCheckChar(code[:17])
	if err != nil {
		return err
	}
	if code[17] != want {
		return newViolation(RuleUSCCCheck, "code", code, "expected", string(want), "got", string(code[17]))
	}
	return nil
}

func usccFormat(code, zh, en string) *Violation {
	return newViolation(RuleUSCCFormat, "code", code, "reason_zh", zh, "reason_en", en)
}

func usccBadChar(code string, i int) *Violation {
	c := code[i]
	pos := strconv.Itoa(i + 1)
	switch {
	case c >= 'a' && c <= 'z':
		return usccFormat(code, "第"+pos+"位是小写字母，须用大写", "has a lower-case letter at position "+pos+"; use capitals")
	case strings.IndexByte("IOSVZ", c) >= 0:
		return usccFormat(code, "第"+pos+"位含有不允许的字母"+string(c)+"（代码不用I、O、S、V、Z）",
			"has the letter "+string(c)+" at position "+pos+", which the code never uses (no I, O, S, V, Z)")
	default:
		return usccFormat(code, "第"+pos+"位含有非法字符", "has an invalid character at position "+pos)
	}
}

// provincePrefixes are the first two digits of GB/T 2260 province-level divisions (including
// 71 台湾, 81 香港, 82 澳门, which appear in national tables).
var provincePrefixes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// ValidateDivisionCode checks the shape of a 6-digit GB/T 2260 行政区划代码 (e.g. 530427 新平县):
// six ASCII digits and a known province prefix. It does not look the code up in a table:
// divisions are renamed and merged every year, and a stale table would refuse real sites.
// Violation: RuleDivisionCode (Args code, reason_zh, reason_en).
func ValidateDivisionCode(code string) error {
	if len(code) != 6 {
		return newViolation(RuleDivisionCode, "code", code, "reason_zh", "不是6位", "reason_en", "is not 6 digits long")
	}
	for i := 0; i < 6; i++ {
		if code[i] < '0' || code[i] > '9' {
			return newViolation(RuleDivisionCode, "code", code, "reason_zh", "含有非数字字符", "reason_en", "contains a non-digit")
		}
	}
	if !provincePrefixes[code[:2]] {
		return newViolation(RuleDivisionCode, "code", code,
			"reason_zh", "的前两位"+code[:2]+"不是省级代码", "reason_en", "starts with "+code[:2]+", which is not a province code")
	}
	return nil
}
