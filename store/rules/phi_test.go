package rules

import (
	"testing"
	"time"
)

func TestEarliestHarvest(t *testing.T) {
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cst) }
	tests := []struct {
		name string
		apps []Application
		want time.Time
	}{
		{"none", nil, time.Time{}},
		{"one", []Application{{at(2026, 3, 1, 17), 7}}, at(2026, 3, 8, 0)},
		{"zero PHI same day", []Application{{at(2026, 3, 1, 17), 0}}, at(2026, 3, 1, 0)},
		{"max over apps, not last applied", []Application{{at(2026, 3, 1, 8), 21}, {at(2026, 3, 10, 8), 3}}, at(2026, 3, 22, 0)},
		{"month and leap boundary", []Application{{at(2028, 2, 25, 23), 7}}, at(2028, 3, 3, 0)},
		{"year boundary", []Application{{at(2026, 12, 28, 6), 10}}, at(2027, 1, 7, 0)},
		{"zero dates skipped", []Application{{time.Time{}, 30}, {at(2026, 3, 1, 8), 1}}, at(2026, 3, 2, 0)},
	}
	for _, tt := range tests {
		if got := EarliestHarvest(tt.apps); !got.Equal(tt.want) {
			t.Errorf("%s: EarliestHarvest = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEarliestHarvestDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	// 2026-03-08 is the US spring-forward day: 7 calendar days are not 7×24 h.
	got := EarliestHarvest([]Application{{time.Date(2026, 3, 5, 23, 30, 0, 0, ny), 7}})
	if y, m, d := got.Date(); y != 2026 || m != 3 || d != 12 || got.Hour() != 0 {
		t.Errorf("EarliestHarvest across DST = %v, want 2026-03-12 00:00", got)
	}
}

func TestCheckPHI(t *testing.T) {
	apps := []Application{
		{time.Date(2026, 3, 1, 9, 0, 0, 0, cst), 7},
		{time.Date(2026, 3, 5, 16, 0, 0, 0, cst), 14},
	}
	// Earliest allowed: 2026-03-19 (03-05 + 14).
	if err := CheckPHI(apps, time.Date(2026, 3, 19, 0, 0, 0, 0, cst)); err != nil {
		t.Errorf("harvest on the earliest day refused: %v", err)
	}
	if err := CheckPHI(apps, time.Date(2026, 4, 1, 0, 0, 0, 0, cst)); err != nil {
		t.Errorf("late harvest refused: %v", err)
	}
	err := CheckPHI(apps, time.Date(2026, 3, 18, 23, 59, 0, 0, cst))
	v, ok := err.(*Violation)
	if !ok || v.Rule != RulePHIWindow {
		t.Fatalf("harvest a day early: %v", err)
	}
	want := map[string]string{"earliest": "2026-03-19", "harvest": "2026-03-18", "applied": "2026-03-05", "phi_days": "14"}
	for k, w := range want {
		if v.Args[k] != w {
			t.Errorf("Args[%s] = %q, want %q", k, v.Args[k], w)
		}
	}
	// A harvest instant given in UTC is judged on the application's calendar: 2026-03-18 16:30 UTC
	// is 2026-03-19 00:30 in China, which is allowed.
	if err := CheckPHI(apps, time.Date(2026, 3, 18, 16, 30, 0, 0, time.UTC)); err != nil {
		t.Errorf("UTC instant on the allowed China day refused: %v", err)
	}
	if err := CheckPHI(nil, time.Date(2026, 3, 18, 0, 0, 0, 0, cst)); err != nil {
		t.Errorf("no applications: %v", err)
	}
	for _, bad := range [][]Application{{{time.Time{}, 3}}, {{time.Date(2026, 3, 1, 0, 0, 0, 0, cst), -1}}} {
		if err := CheckPHI(bad, time.Date(2026, 4, 1, 0, 0, 0, 0, cst)); !IsRule(err, RulePHIInvalid) {
			t.Errorf("CheckPHI(%v) = %v, want %s", bad, err, RulePHIInvalid)
		}
	}
	if err := CheckPHI(apps, time.Time{}); !IsRule(err, RulePHIInvalid) {
		t.Errorf("zero harvest: %v", err)
	}
}
