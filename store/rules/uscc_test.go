package rules

import (
	"strings"
	"testing"
)

// refUSCCCheck is an independent formulation of GB 32100-2015 for cross-checking: weights are
// 3^(i) mod 31 (the standard's weights are exactly these powers), values come from a map.
func refUSCCCheck(first17 string) byte {
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	val := map[rune]int{}
	for i, r := range alpha {
		val[r] = i
	}
	sum, w := 0, 1
	for _, r := range first17 {
		sum += val[r] * w
		w = w * 3 % 31
	}
	return alpha[(31-sum%31)%31]
}

func TestUSCCWeightsArePowersOfThree(t *testing.T) {
	w := 1
	for i, got := range usccWeights {
		if got != w {
			t.Fatalf("weight %d = %d, want 3^%d mod 31 = %d", i+1, got, i, w)
		}
		w = w * 3 % 31
	}
}

func TestValidateUSCC(t *testing.T) {
	tests := []struct {
		code string
		rule string // "" = valid
	}{
		{"91350100M000100Y43", ""}, // domain.md §10
		{"915101007130545948", ""}, // domain.md §10
		{"91350100M000100Y44", RuleUSCCCheck},
		{"915101007130545947", RuleUSCCCheck},
		{"915101007130545949", RuleUSCCCheck},
		{"91350100m000100y43", RuleUSCCFormat},  // lower case is refused, not fixed
		{"91350100M000100Y4", RuleUSCCFormat},   // 17 chars
		{"91350100M000100Y430", RuleUSCCFormat}, // 19 chars
		{"", RuleUSCCFormat},
		{"91350100I000100Y43", RuleUSCCFormat}, // I never used
		{"91350100O000100Y43", RuleUSCCFormat},
		{"91350100S000100Y43", RuleUSCCFormat},
		{"91350100V000100Y43", RuleUSCCFormat},
		{"91350100Z000100Y43", RuleUSCCFormat},
		{"9135010 M000100Y43", RuleUSCCFormat},
		{"91A50100M000100Y43", RuleUSCCFormat}, // division part must be digits
		{"９１350100M000100Y43", RuleUSCCFormat}, // full-width digits
	}
	for _, tt := range tests {
		err := ValidateUSCC(tt.code)
		if tt.rule == "" {
			if err != nil {
				t.Errorf("ValidateUSCC(%q) = %v, want nil", tt.code, err)
			}
			continue
		}
		if !IsRule(err, tt.rule) {
			t.Errorf("ValidateUSCC(%q) = %v, want rule %s", tt.code, err, tt.rule)
		}
	}
}

func TestUSCCWrongCheckNamesExpected(t *testing.T) {
	err := ValidateUSCC("91350100M000100Y44")
	v, ok := err.(*Violation)
	if !ok || v.Args["expected"] != "3" || v.Args["got"] != "4" {
		t.Fatalf("got %#v, want expected=3 got=4", err)
	}
	if zh := v.UserMessage("zh"); !strings.Contains(zh, "统一社会信用代码") || !strings.Contains(zh, "3") {
		t.Errorf("zh message %q does not name the rule and expected char", zh)
	}
}

func TestUSCCCheckCharAgainstReference(t *testing.T) {
	// Deterministic pseudo-random bodies over the whole alphabet, plus a Xinping cooperative
	// prefix (93530427); the check must agree with the independent formulation and every
	// single substitution of the check char must be refused.
	seed := uint32(12345)
	next := func() int { seed = seed*1664525 + 1013904223; return int(seed >> 8) }
	for n := 0; n < 500; n++ {
		b := []byte("93530427")
		for len(b) < 17 {
			b = append(b, usccAlphabet[next()%len(usccAlphabet)])
		}
		if n%2 == 0 { // vary the first 8 too, keeping 3–8 numeric
			b[0] = usccAlphabet[next()%len(usccAlphabet)]
			b[1] = usccAlphabet[next()%len(usccAlphabet)]
		}
		body := string(b)
		got, err := USCCCheckChar(body)
		if err != nil {
			t.Fatalf("USCCCheckChar(%q): %v", body, err)
		}
		if want := refUSCCCheck(body); got != want {
			t.Fatalf("USCCCheckChar(%q) = %c, reference %c", body, got, want)
		}
		if err := ValidateUSCC(body + string(got)); err != nil {
			t.Fatalf("ValidateUSCC(%q): %v", body+string(got), err)
		}
		for i := 0; i < len(usccAlphabet); i++ {
			if c := usccAlphabet[i]; c != got && ValidateUSCC(body+string(c)) == nil {
				t.Fatalf("%q accepted with wrong check %c", body, c)
			}
		}
	}
}

func TestUSCCCheckCharErrors(t *testing.T) {
	for _, in := range []string{"", "9135010", "91350100M000100Y4x", "91350100M000100YI", "91350100M000100Y43"} {
		if _, err := USCCCheckChar(in); !IsRule(err, RuleUSCCFormat) {
			t.Errorf("USCCCheckChar(%q) err = %v, want %s", in, err, RuleUSCCFormat)
		}
	}
}

func TestValidateDivisionCode(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"530427", true}, {"110101", true}, {"650000", true}, {"820000", true}, {"710000", true},
		{"53042", false}, {"5304270", false}, {"53O427", false}, {"000000", false}, {"990101", false},
		{"160101", false}, {"", false}, {"５３0427", false}, {" 530427", false},
	}
	for _, tt := range tests {
		err := ValidateDivisionCode(tt.code)
		if tt.ok != (err == nil) {
			t.Errorf("ValidateDivisionCode(%q) = %v, want ok=%v", tt.code, err, tt.ok)
		}
		if err != nil && !IsRule(err, RuleDivisionCode) {
			t.Errorf("ValidateDivisionCode(%q) rule = %v", tt.code, err)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 91350100m000100y43 ", "91350100M000100Y43"},
		{"ＰＤ２００８０００５", "PD20080005"},
		{"农肥（2019）准字1234号", "农肥(2019)准字1234号"},
		{"农肥〔2019〕准字1234号", "农肥(2019)准字1234号"},
		{"\u3000gb/t 15063-2020\u3000", "GB/T 15063-2020"},
	}
	for _, tt := range tests {
		if got := NormalizeID(tt.in); got != tt.want {
			t.Errorf("NormalizeID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
