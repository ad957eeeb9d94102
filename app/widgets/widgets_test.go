package widgets

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	stheme "suyuan/app/theme"
	"suyuan/device/scanner"
)

func TestScanEntryClassifies(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	const lot = "GXXP01-260501-0007-5"
	cases := []struct {
		name      string
		prefix    string // typed slowly first
		burst     string
		gap       time.Duration
		enter     bool
		flush     bool
		wantScans []string
		wantText  string
		wantSubmt int
	}{
		{name: "scanner burst with Enter", burst: lot, gap: 5 * time.Millisecond, enter: true, wantScans: []string{lot}, wantText: ""},
		{name: "person typing then Enter", burst: "abc123", gap: 90 * time.Millisecond, enter: true, wantText: "abc123", wantSubmt: 1},
		{name: "scan after typed text is removed from field", prefix: "备注", burst: lot, gap: 4 * time.Millisecond, enter: true, wantScans: []string{lot}, wantText: "备注"},
		{name: "scanner without suffix, flushed", burst: lot, gap: 5 * time.Millisecond, flush: true, wantScans: []string{lot}, wantText: ""},
		{name: "short fast burst is typed", burst: "ab", gap: 5 * time.Millisecond, enter: true, wantText: "ab", wantSubmt: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			test.NewTempApp(t)
			e := NewScanEntry()
			w := test.NewTempWindow(t, e)
			w.Canvas().Focus(e)
			var scans []scanner.Scan
			submitted := 0
			e.OnScan = func(s scanner.Scan) { scans = append(scans, s) }
			e.OnSubmitted = func(string) { submitted++ }
			at := t0
			if c.prefix != "" {
				at = TypeBurst(e, c.prefix, at, 200*time.Millisecond, false)
				at = at.Add(time.Second)
			}
			at = TypeBurst(e, c.burst, at, c.gap, c.enter)
			if c.flush {
				e.FlushAt(at.Add(time.Second))
			}
			if len(scans) != len(c.wantScans) {
				t.Fatalf("scans = %d, want %d", len(scans), len(c.wantScans))
			}
			for i, s := range scans {
				if s.Raw != c.wantScans[i] {
					t.Errorf("scan %d raw = %q, want %q", i, s.Raw, c.wantScans[i])
				}
			}
			if e.Text != c.wantText {
				t.Errorf("field = %q, want %q", e.Text, c.wantText)
			}
			if submitted != c.wantSubmt {
				t.Errorf("submitted %d times, want %d", submitted, c.wantSubmt)
			}
		})
	}
}

func TestScanEntryWithoutOnScanKeepsText(t *testing.T) {
	test.NewTempApp(t)
	e := NewScanEntry()
	test.NewTempWindow(t, e)
	TypeBurst(e, "ABCDEFG", time.Unix(0, 0), 3*time.Millisecond, true)
	if e.Text != "ABCDEFG" {
		t.Errorf("text = %q", e.Text)
	}
}

func TestStatusPill(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(stheme.New(false))
	p := NewStatusPill("打印机 正常", PillOK)
	w := test.NewTempWindow(t, p)
	w.Resize(p.MinSize().Add(fyne.NewSize(20, 20)))
	colors := map[PillState]string{}
	for _, s := range []PillState{PillIdle, PillOK, PillWarn, PillBad} {
		p.Set("状态", s)
		r, g, b, _ := p.color().RGBA()
		key := string(rune(r>>8)) + string(rune(g>>8)) + string(rune(b>>8))
		for other, k := range colors {
			if k == key {
				t.Errorf("state %d has the same colour as %d", s, other)
			}
		}
		colors[s] = key
	}
	if p.MinSize().Width <= 0 || p.MinSize().Height <= 0 {
		t.Error("pill has no size")
	}
}
