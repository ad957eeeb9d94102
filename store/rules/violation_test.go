package rules

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func containsPlaceholder(s string) bool {
	return strings.Contains(s, "{") || strings.Contains(s, "?")
}

// sampleViolations produces one real violation per rule through the public API.
func sampleViolations(t *testing.T) map[string]error {
	t.Helper()
	l := DefaultList()
	veg := CropInfo{Category: "蔬菜", Crop: "白菜"}
	on := time.Date(2026, 11, 28, 9, 0, 0, 0, cst)
	_, qerr := ValidateDate("2026-02-30")
	_, cerr := USCCCheckChar("123")
	_, lerr := LoadList(strings.NewReader(`{"source":"s"}`))
	return map[string]error{
		RuleUSCCFormat:          ValidateUSCC("91350100I000100Y43"),
		RuleUSCCCheck:           ValidateUSCC("91350100M000100Y44"),
		RuleDivisionCode:        ValidateDivisionCode("990101"),
		RuleRegNumberFormat:     ValidatePesticideRegNo("PD2008"),
		RuleBannedPesticide:     l.Check([]string{"甲拌磷"}, veg, "", on),
		RuleCropBannedPesticide: l.Check([]string{"毒死蜱"}, veg, "", on),
		RuleHighlyToxic:         l.Check([]string{"某成分"}, veg, "高毒", on),
		RuleToxicityUnknown:     l.Check([]string{"某成分"}, veg, "很毒", on),
		RuleCropCategory:        l.Check([]string{"某成分"}, CropInfo{Category: "水果"}, "", on),
		RuleIngredientMissing:   l.Check(nil, veg, "", on),
		RulePHIWindow:           CheckPHI([]Application{{on, 7}}, on.AddDate(0, 0, 3)),
		RulePHIInvalid:          CheckPHI([]Application{{on, -1}}, on),
		RuleInhibitionInvalid:   InhibitionViolation(ReasonControlNotPositive),
		RuleQuantity:            ValidateQuantity(0.0001),
		RuleDate:                qerr,
		RulePesticideList:       lerr,
		"uscc-format/checkchar": cerr,
	}
}

func TestEveryRuleHasMessages(t *testing.T) {
	samples := sampleViolations(t)
	for rule := range messages {
		if _, ok := samples[rule]; !ok {
			t.Errorf("rule %s has no sample violation in the test", rule)
		}
	}
	for name, err := range samples {
		var v *Violation
		if !errors.As(err, &v) {
			t.Errorf("%s: %v is not a *Violation", name, err)
			continue
		}
		if !strings.HasPrefix(name, v.Rule) {
			t.Errorf("%s: got rule %s", name, v.Rule)
		}
		zh, en := v.UserMessage("zh"), v.UserMessage("en")
		if containsPlaceholder(zh) || containsPlaceholder(en) {
			t.Errorf("%s: unfilled placeholder:\n%s\n%s", name, zh, en)
		}
		if !strings.Contains(zh, "规则") && !strings.Contains(zh, "条例") {
			t.Errorf("%s: zh message does not name a rule: %s", name, zh)
		}
		if !strings.Contains(strings.ToLower(en), "rule") {
			t.Errorf("%s: en message does not name a rule: %s", name, en)
		}
		if v.UserMessage("fr") != en {
			t.Errorf("%s: unknown language should fall back to English", name)
		}
		if !strings.Contains(v.Error(), v.Rule) {
			t.Errorf("%s: Error() lacks rule id: %s", name, v.Error())
		}
		if !errors.Is(err, &Violation{Rule: v.Rule}) || errors.Is(err, &Violation{Rule: "other"}) {
			t.Errorf("%s: errors.Is by rule broken", name)
		}
	}
}

// TestMessagesGolden pins every user-facing sentence so wording changes are reviewed.
// Run `go test ./store/rules -run Golden -update` after an intended change.
func TestMessagesGolden(t *testing.T) {
	samples := sampleViolations(t)
	names := make([]string, 0, len(samples))
	for n := range samples {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		var v *Violation
		errors.As(samples[n], &v)
		fmt.Fprintf(&b, "## %s\nzh: %s\nen: %s\n\n", n, v.UserMessage("zh"), v.UserMessage("en"))
	}
	path := filepath.Join("testdata", "messages.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if b.String() != string(want) {
		t.Errorf("messages differ from %s (run with -update if intended):\n%s", path, b.String())
	}
}

func TestViolationUnwrapsCause(t *testing.T) {
	_, err := LoadList(strings.NewReader(`{"source": 1}`))
	var v *Violation
	if !errors.As(err, &v) || v.Unwrap() == nil {
		t.Fatalf("LoadList JSON error should keep its cause: %#v", err)
	}
	var nilV *Violation
	if nilV.Error() == "" || nilV.UserMessage("zh") != "" {
		t.Error("nil Violation methods must not panic")
	}
}
