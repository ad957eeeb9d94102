package scanner

import (
	"testing"
	"time"
)

// step is one synthetic keyboard event: after gap ms, a rune, '\r' (Enter),
// '\t' (Tab) or 0 (a Flush tick).
type step struct {
	gapMS int
	r     rune
}

func typeAt(s string, gapMS int) []step {
	var out []step
	for _, r := range s {
		out = append(out, step{gapMS, r})
	}
	return out
}

func seq(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func runWedge(cfg WedgeConfig, steps []step) []WedgeEvent {
	w := NewWedgeClassifier(cfg)
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	var evs []WedgeEvent
	for _, s := range steps {
		at = at.Add(time.Duration(s.gapMS) * time.Millisecond)
		switch s.r {
		case '\r':
			evs = append(evs, w.Enter(at)...)
		case '\t':
			evs = append(evs, w.Tab(at)...)
		case 0:
			evs = append(evs, w.Flush(at)...)
		default:
			evs = append(evs, w.Key(s.r, at)...)
		}
	}
	return evs
}

func TestWedgeClassifier(t *testing.T) {
	const code = "XP01-250301-0001-V"
	type want struct {
		kind WedgeEventKind
		text string
		term rune
	}
	tests := []struct {
		name  string
		cfg   WedgeConfig
		steps []step
		want  []want
	}{
		{name: "scanner burst with Enter", steps: seq(typeAt(code, 5), []step{{4, '\r'}}),
			want: []want{{WedgeScan, code, '\r'}}},
		{name: "scanner burst with Tab", steps: seq(typeAt(code, 8), []step{{8, '\t'}}),
			want: []want{{WedgeScan, code, '\t'}}},
		{name: "human typing then Enter", steps: seq(typeAt("白菜 10kg", 90), []step{{150, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "fast human Enter right after slow typing", steps: seq(typeAt("1234", 80), []step{{20, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "human presses Enter on empty field", steps: []step{{0, '\r'}},
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "short fast burst is not a scan", steps: seq(typeAt("abc", 5), []step{{5, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "human typed then scanned in the same field", steps: seq(typeAt("ab", 90), []step{{200, 'X'}}, typeAt(code[1:], 6), []step{{6, '\r'}}),
			want: []want{{WedgeScan, code, '\r'}}},
		{name: "burst interrupted by a pause then human finishes", steps: seq(typeAt("XP01-25", 5), []step{{400, '0'}}, typeAt("301", 100), []step{{100, '\r'}}),
			// The first 7 keys ended by quiet timeout (no suffix): emitted when
			// the next key arrives; the rest was typed.
			want: []want{{WedgeScan, "XP01-25", 0}, {WedgeTyped, "", '\r'}}},
		{name: "burst interrupted, suffix required", cfg: WedgeConfig{QuietTimeout: -1}, steps: seq(typeAt("XP01-25", 5), []step{{400, '0'}}, typeAt("301", 100), []step{{100, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "suffix-less scanner caught by Flush", steps: seq(typeAt(code, 5), []step{{100, 0}, {100, 0}}),
			want: []want{{WedgeScan, code, 0}}},
		{name: "one hiccup inside a burst is tolerated", steps: seq(typeAt("XP01-2503", 5), []step{{55, '0'}}, typeAt("1-0001-V", 5), []step{{5, '\r'}}),
			want: []want{{WedgeScan, code, '\r'}}},
		{name: "two scans back to back", steps: seq(typeAt("11593966828965943445", 3), []step{{3, '\r'}, {300, 'X'}}, typeAt(code[1:], 3), []step{{3, '\r'}}),
			want: []want{{WedgeScan, "11593966828965943445", '\r'}, {WedgeScan, code, '\r'}}},
		{name: "mixed: scan, human note, human Enter", steps: seq(typeAt(code, 4), []step{{4, '\r'}, {1200, '好'}, {110, '的'}, {300, '\r'}}),
			want: []want{{WedgeScan, code, '\r'}, {WedgeTyped, "", '\r'}}},
		{name: "slower scanner with a wider threshold", cfg: WedgeConfig{MaxAvgGap: 45 * time.Millisecond}, steps: seq(typeAt(code, 40), []step{{40, '\r'}}),
			want: []want{{WedgeScan, code, '\r'}}},
		{name: "same slow scanner at default threshold is typing", steps: seq(typeAt(code, 40), []step{{40, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
		{name: "clock going backwards splits the burst", steps: seq(typeAt("XP01", 5), []step{{-1000, '-'}}, typeAt("25", 5), []step{{5, '\r'}}),
			want: []want{{WedgeTyped, "", '\r'}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runWedge(tt.cfg, tt.steps)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Kind != w.kind || g.Text != w.text || g.Terminator != w.term {
					t.Errorf("event %d = {%v %q %q}, want {%v %q %q}", i, g.Kind, g.Text, g.Terminator, w.kind, w.text, w.term)
				}
				if g.Kind == WedgeScan {
					if g.Runes != len([]rune(w.text)) {
						t.Errorf("Runes = %d", g.Runes)
					}
					if g.Scan.Raw != w.text {
						t.Errorf("Scan.Raw = %q", g.Scan.Raw)
					}
				}
			}
		})
	}
}

func TestWedgeScanIsParsed(t *testing.T) {
	evs := runWedge(WedgeConfig{}, seq(typeAt("XP01-250301-0001-V", 5), []step{{5, '\r'}}))
	if len(evs) != 1 || evs[0].Scan.Kind != KindLocalLot || evs[0].Scan.Err != nil {
		t.Fatalf("%+v", evs)
	}
}

func TestWedgeMaxLength(t *testing.T) {
	w := NewWedgeClassifier(WedgeConfig{MaxLength: 10})
	at := time.Unix(0, 0)
	for i := 0; i < 50; i++ {
		at = at.Add(time.Millisecond)
		w.Key('1', at)
	}
	if w.Pending() != 10 {
		t.Errorf("pending %d", w.Pending())
	}
	evs := w.Enter(at.Add(time.Millisecond))
	if len(evs) != 1 || evs[0].Kind != WedgeTyped {
		t.Errorf("overflowed burst must not be a scan: %+v", evs)
	}
}
