package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"hold rule: lot X is held":   "Hold rule: lot X is held.",
		"Already a sentence.":        "Already a sentence.",
		"违反扣留规则：不能开具合格证。":            "违反扣留规则：不能开具合格证。",
		"ends in a bracket (rule 3)": "Ends in a bracket (rule 3)",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPayloadTextHidesIDsAndShowsFlags(t *testing.T) {
	test.NewTempApp(t)
	if err := SetLanguage("zh"); err != nil {
		t.Fatal(err)
	}
	got := payloadText(map[string]any{"id": 7.0, "plot_id": 3.0, "material_id": 2.0, "voided": 0.0, "dose": 25.0, "applied_on": "2026-11-01",
		"verdict": "positive", "tested_at": "2026-11-28T01:37:00.000000Z"})
	for _, bad := range []string{"id:", "plot_id", "material_id", ": 0", "positive", "T01:37:00"} {
		if strings.Contains(got, bad) {
			t.Errorf("history text %q shows %q", got, bad)
		}
	}
	for _, want := range []string{tr("No"), "25", "2026-11-01", tr("common.date"), tr("verdict.positive"), "2026-11-28 "} {
		if !strings.Contains(got, want) {
			t.Errorf("history text %q lacks %q", got, want)
		}
	}
}
