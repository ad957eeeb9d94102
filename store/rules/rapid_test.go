package rules

import (
	"math"
	"testing"
)

func TestInhibitionRate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name           string
		control, sampl float64
		rate           float64
		v              Verdict
		reason         string
	}{
		{"clean sample", 0.400, 0.300, 25, VerdictNegative, ReasonNegative},
		{"exactly 50 is positive", 0.500, 0.250, 50, VerdictPositive, ReasonPositive},
		{"50 up to float rounding", 0.6, 0.3, 50, VerdictPositive, ReasonPositive},
		{"just below 50", 1.0, 0.5001, 49.99, VerdictNegative, ReasonNegative},
		{"strong inhibition", 0.5, 0.05, 90, VerdictPositive, ReasonPositive},
		{"full inhibition", 0.5, 0, 100, VerdictPositive, ReasonPositive},
		{"negative rate clamps to 0", 0.4, 0.5, 0, VerdictNegative, ReasonClampedToZero},
		{"above 100 invalid", 0.4, -0.1, 125, VerdictInvalid, ReasonRateAbove100},
		{"control zero", 0, 0.1, 0, VerdictInvalid, ReasonControlNotPositive},
		{"control negative", -0.2, 0.1, 0, VerdictInvalid, ReasonControlNotPositive},
		{"NaN control", nan, 0.1, 0, VerdictInvalid, ReasonNotFinite},
		{"Inf sample", 0.4, inf, 0, VerdictInvalid, ReasonNotFinite},
		{"overflow", 1e-300, -1e300, 0, VerdictInvalid, ReasonNotFinite},
	}
	for _, tt := range tests {
		rate, v, reason := InhibitionRate(tt.control, tt.sampl)
		if math.Abs(rate-tt.rate) > 1e-9 || v != tt.v || reason != tt.reason {
			t.Errorf("%s: InhibitionRate(%v, %v) = %v, %s, %s; want %v, %s, %s",
				tt.name, tt.control, tt.sampl, rate, v, reason, tt.rate, tt.v, tt.reason)
		}
	}
}

func TestJudgeRate(t *testing.T) {
	tests := []struct {
		rate float64
		v    Verdict
	}{
		{0, VerdictNegative}, {49.999, VerdictNegative}, {50, VerdictPositive}, {49.9999999999, VerdictPositive},
		{100, VerdictPositive}, {100.0001, VerdictInvalid}, {-3, VerdictNegative},
		{math.NaN(), VerdictInvalid}, {math.Inf(-1), VerdictInvalid}, {math.Inf(1), VerdictInvalid},
	}
	for _, tt := range tests {
		if v, _ := JudgeRate(tt.rate); v != tt.v {
			t.Errorf("JudgeRate(%v) = %s, want %s", tt.rate, v, tt.v)
		}
	}
}

func TestInhibitionViolation(t *testing.T) {
	for _, r := range []string{ReasonNotFinite, ReasonControlNotPositive, ReasonRateAbove100, "other"} {
		v := InhibitionViolation(r)
		if v.Rule != RuleInhibitionInvalid || v.Args["reason"] != r {
			t.Errorf("InhibitionViolation(%q) = %#v", r, v)
		}
		for _, lang := range []string{"zh", "en"} {
			if m := v.UserMessage(lang); m == "" || containsPlaceholder(m) {
				t.Errorf("%s message for %q: %q", lang, r, m)
			}
		}
	}
}
