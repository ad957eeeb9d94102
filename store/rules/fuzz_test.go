package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// mustBeViolation fails unless err is nil or a *Violation with a known rule and messages.
func mustBeViolation(t *testing.T, err error) *Violation {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *Violation
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T) is not a *Violation", err, err)
	}
	if _, ok := messages[v.Rule]; !ok {
		t.Fatalf("unknown rule %q", v.Rule)
	}
	if v.UserMessage("zh") == "" || v.UserMessage("en") == "" {
		t.Fatalf("empty message for %q", v.Rule)
	}
	return v
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "915101007130545948", "91350100M000100Y44", "91350100m000100y43",
		"93530427MA6K000000", "", "9135010", "91350100I000100Y43", "９１350100M000100Y43"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateUSCC(s)
		mustBeViolation(t, err)
		if err == nil {
			c, cerr := USCCCheckChar(s[:17])
			if cerr != nil || c != s[17] {
				t.Fatalf("%q valid but USCCCheckChar = %c, %v", s, c, cerr)
			}
			if NormalizeID(s) != s {
				t.Fatalf("valid code %q is not canonical", s)
			}
		}
		if len(s) >= 17 {
			if c, cerr := USCCCheckChar(s[:17]); cerr == nil {
				if c != refUSCCCheck(s[:17]) {
					t.Fatalf("check of %q disagrees with reference", s[:17])
				}
				fixed := s[:17] + string(c)
				if err := ValidateUSCC(fixed); err != nil && !IsRule(err, RuleUSCCFormat) {
					t.Fatalf("%q with its own check char refused: %v", fixed, err)
				}
			}
		}
	})
}

func FuzzValidateDivisionCode(f *testing.F) {
	for _, s := range []string{"530427", "990101", "53042", "５３0427", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateDivisionCode(s)
		mustBeViolation(t, err)
		if err == nil {
			if _, perr := strconv.Atoi(s); perr != nil || len(s) != 6 {
				t.Fatalf("%q accepted but is not 6 digits", s)
			}
		}
	})
}

func FuzzPesticideRegNo(f *testing.F) {
	for _, s := range []string{"PD20080005", "WP20080012", "LS20071573", "PD20080005F120001", "PD84104-9", "pd20080005", "PD20080005F", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidatePesticideRegNo(s)
		mustBeViolation(t, err)
		if err == nil {
			if NormalizeID(s) != s || !isASCII(s) || !strings.HasPrefix(s, "PD") && !strings.HasPrefix(s, "WP") &&
				!strings.HasPrefix(s, "LS") && !strings.HasPrefix(s, "WL") {
				t.Fatalf("accepted non-canonical %q", s)
			}
		}
		// Normalising never makes a valid number invalid.
		if err == nil && ValidatePesticideRegNo(NormalizeID(" "+strings.ToLower(s)+" ")) != nil {
			t.Fatalf("normalised %q refused", s)
		}
	})
}

func FuzzFertilizerRegNo(f *testing.F) {
	for _, s := range []string{"农肥(2019)准字1234号", "微生物肥(2019)准字(6245)号", "云农肥(2019)准字0123号", "GB/T 15063-2020", "NY 525", "Q/YN 1", "农肥（2019）准字1234号", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := ClassifyFertilizerRegNo(s)
		mustBeViolation(t, err)
		switch kind {
		case FertilizerNational, FertilizerMicrobial, FertilizerProvincial, FertilizerStandard:
			if err != nil || !utf8.ValidString(s) {
				t.Fatalf("kind %q with err %v for %q", kind, err, s)
			}
		case "":
			if err == nil {
				t.Fatalf("no kind and no error for %q", s)
			}
		default:
			t.Fatalf("unknown kind %q", kind)
		}
		if (ValidateFertilizerRegNo(s) == nil) != (err == nil) {
			t.Fatalf("Validate and Classify disagree on %q", s)
		}
	})
}

func FuzzInhibitionRate(f *testing.F) {
	f.Add(0.4, 0.3)
	f.Add(0.5, 0.25)
	f.Add(0.6, 0.3)
	f.Add(0.0, 0.1)
	f.Add(0.4, -0.1)
	f.Add(0.4, 0.5)
	f.Add(math.NaN(), 0.1)
	f.Add(1e-300, -1e300)
	f.Fuzz(func(t *testing.T, c, s float64) {
		rate, v, reason := InhibitionRate(c, s)
		if math.IsNaN(rate) || math.IsInf(rate, 0) {
			t.Fatalf("non-finite rate %v", rate)
		}
		switch v {
		case VerdictPositive:
			if rate < PositiveThreshold-1e-6 || rate > 100+1e-6 {
				t.Fatalf("positive with rate %v", rate)
			}
		case VerdictNegative:
			if rate < 0 || rate >= PositiveThreshold {
				t.Fatalf("negative with rate %v", rate)
			}
		case VerdictInvalid:
			if reason != ReasonNotFinite && reason != ReasonControlNotPositive && reason != ReasonRateAbove100 {
				t.Fatalf("invalid with reason %q", reason)
			}
			mustBeViolation(t, InhibitionViolation(reason))
		default:
			t.Fatalf("unknown verdict %q", v)
		}
		if c > 0 && !math.IsInf(c, 0) && s >= 0 && s <= c && v == VerdictInvalid {
			t.Fatalf("0 ≤ sample ≤ control (%v, %v) judged invalid: %s", c, s, reason)
		}
		if v != VerdictInvalid && reason != ReasonClampedToZero {
			if jv, _ := JudgeRate(rate); jv != v {
				t.Fatalf("JudgeRate(%v) = %s, InhibitionRate said %s", rate, jv, v)
			}
		}
	})
}

func FuzzJudgeRate(f *testing.F) {
	for _, r := range []float64{0, 49.9, 50, 100, 100.1, -1, math.NaN(), math.Inf(1)} {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, r float64) {
		v, reason := JudgeRate(r)
		if reason == "" {
			t.Fatal("empty reason")
		}
		finite := !math.IsNaN(r) && !math.IsInf(r, 0)
		if (v == VerdictInvalid) != (!finite || r > 100+rateEpsilon) {
			t.Fatalf("JudgeRate(%v) = %s", r, v)
		}
		if v == VerdictPositive && r < 50-rateEpsilon {
			t.Fatalf("JudgeRate(%v) positive", r)
		}
	})
}

func FuzzLoadList(f *testing.F) {
	// A slice of the real list (the whole 77-rule file makes each fuzz exec take seconds).
	small := DefaultList()
	small.Rules = small.Rules[:4]
	b, _ := json.Marshal(small)
	f.Add(string(b))
	f.Add(`{"source":"s","version":"1","date":"2026-01-01","rules":[{"ingredient":"甲","aliases":["a"],"kind":"crop-banned","crops":["蔬菜"],"from":"2020-01-01","to":"2021-01-01","notice":"n","source":"s"}]}`)
	f.Add(`{"source":"s","version":"1","date":"2026-01-01","rules":[]}`)
	f.Add(`{`)
	f.Add(`null`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := LoadList(strings.NewReader(s))
		mustBeViolation(t, err)
		if err != nil {
			if l != nil {
				t.Fatal("list returned with an error")
			}
			return
		}
		// A loaded list survives a round trip and can be used.
		b, merr := json.Marshal(l)
		if merr != nil {
			t.Fatal(merr)
		}
		l2, err := LoadList(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("round trip refused: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(l2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the list")
		}
		for i, r := range l.Rules {
			if i == 8 {
				break
			}
			mustBeViolation(t, l.Check(append(r.Aliases, r.Ingredient), CropInfo{Category: "蔬菜", Crop: "x"}, "", time.Now()))
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add("阿维菌素·毒死蜱", "蔬菜", "白菜", "中等毒", int64(1795000000))
	f.Add("２，４－滴 丁酯", "粮食", "水稻", "", int64(0))
	f.Add("", "瓜果", "柑橘", "高毒(原药剧毒)", int64(-1))
	f.Add("氰戊菊酯", "其他", "茶树", "低毒（", int64(1e10))
	f.Fuzz(func(t *testing.T, ings, cat, crop, tox string, unix int64) {
		l := DefaultList()
		err := l.Check(strings.Split(ings, ","), CropInfo{Category: cat, Crop: crop}, tox, time.Unix(unix, 0).UTC())
		v := mustBeViolation(t, err)
		if v != nil && v.Rule == RuleHighlyToxic && !restrictedCategories[v.Args["category"]] {
			t.Fatalf("Art. 34 fired on %q", v.Args["category"])
		}
	})
}

func FuzzValidateQuantity(f *testing.F) {
	for _, q := range []float64{1, 0.1, 0.001, 0.0001, 2.125, -1, 0, 1e12, math.NaN(), math.Inf(1)} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q float64) {
		err := ValidateQuantity(q)
		mustBeViolation(t, err)
		if err == nil {
			// Exactly what was typed with at most 3 decimals, and an exact integer of thousandths.
			back, perr := strconv.ParseFloat(strconv.FormatFloat(q, 'f', 3, 64), 64)
			if perr != nil || back != q || q <= 0 || q > MaxQuantity {
				t.Fatalf("accepted %v", q)
			}
			if m := math.Round(q * 1000); m < 1 || m > 1<<53 {
				t.Fatalf("accepted %v: %v thousandths", q, m)
			}
		}
	})
}

func FuzzValidateDate(f *testing.F) {
	for _, s := range []string{"2026-03-15", " 2026-03-15 ", "2026-02-30", "2026-3-5", "0226-03-15", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ValidateDate(s)
		mustBeViolation(t, err)
		if err == nil {
			if d.Format(time.DateOnly) != strings.TrimSpace(s) || d.Location() != time.UTC || !d.Equal(d.Truncate(24*time.Hour)) {
				t.Fatalf("ValidateDate(%q) = %v", s, d)
			}
		} else if !d.IsZero() {
			t.Fatal("non-zero time with an error")
		}
	})
}

func FuzzCheckPHI(f *testing.F) {
	f.Add(int64(1772330000), 7, int64(1772330000), 3, int64(1773000000))
	f.Add(int64(0), 0, int64(-1), -1, int64(0))
	f.Fuzz(func(t *testing.T, d1 int64, p1 int, d2 int64, p2 int, h int64) {
		const span = 1 << 40 // keep years printable
		if d1 > span || d1 < -span || d2 > span || d2 < -span || h > span || h < -span || p1 > 1e5 || p2 > 1e5 {
			return
		}
		apps := []Application{{time.Unix(d1, 0).In(cst), p1}, {time.Unix(d2, 0).UTC(), p2}}
		err := CheckPHI(apps, time.Unix(h, 0))
		mustBeViolation(t, err)
		if p1 < 0 || p2 < 0 {
			if !IsRule(err, RulePHIInvalid) {
				t.Fatalf("negative PHI accepted: %v", err)
			}
			return
		}
		e := EarliestHarvest(apps)
		if err := CheckPHI(apps, e.Add(48*time.Hour)); err != nil {
			t.Fatalf("harvest two days after the earliest refused: %v", err)
		}
		if err := CheckPHI(apps, e.Add(-48*time.Hour)); !IsRule(err, RulePHIWindow) {
			t.Fatalf("harvest two days before the earliest accepted: %v", err)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzNormName(f *testing.F) {
	for _, s := range []string{"甲拌磷", " Carbofuran ", "２，４－滴 丁酯", "〔x〕", "\xff", "Ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normName(s)
		if isNormName(s) && n != s {
			t.Fatalf("fast path wrong for %q: %q", s, n)
		}
		if normName(n) != n {
			t.Fatalf("normName not idempotent on %q: %q -> %q", s, n, normName(n))
		}
	})
}
