package scanner

import (
	"time"
	"unicode/utf8"
)

// WedgeConfig tunes the keyboard-wedge classifier. Zero values take the
// defaults (see docs/scanning.md for the measurements behind them).
type WedgeConfig struct {
	// MaxAvgGap: a burst is a scan only if its mean inter-key gap is at
	// most this. Default 30 ms: scanners send 1–20 ms/char, people rarely
	// sustain < 50 ms.
	MaxAvgGap time.Duration
	// MaxKeyGap: a single gap longer than this ends the burst (the keys
	// before it belong to someone typing). Default 60 ms, twice the average
	// threshold, so one scheduler hiccup on an old PC does not split a scan.
	MaxKeyGap time.Duration
	// MinLength: shorter bursts are never scans. Default 4.
	MinLength int
	// QuietTimeout: a qualifying burst with no Enter/Tab suffix is emitted
	// once no key has arrived for this long (Flush). Default 150 ms.
	// Negative disables it (then a suffix is required).
	QuietTimeout time.Duration
	// MaxLength caps the buffered burst. Default 8192 runes.
	MaxLength int
}

func (c WedgeConfig) withDefaults() WedgeConfig {
	if c.MaxAvgGap <= 0 {
		c.MaxAvgGap = 30 * time.Millisecond
	}
	if c.MaxKeyGap <= 0 {
		c.MaxKeyGap = 2 * c.MaxAvgGap
	}
	if c.MinLength <= 0 {
		c.MinLength = 4
	}
	if c.QuietTimeout == 0 {
		c.QuietTimeout = 150 * time.Millisecond
	}
	if c.MaxLength <= 0 {
		c.MaxLength = 8192
	}
	return c
}

// WedgeEventKind says what the GUI should do.
type WedgeEventKind int

const (
	// WedgeScan: the last Runes runes that went into the field were a
	// scanner burst. Take them back out of the field and handle Scan. If
	// the burst ended with Enter/Tab, that key is consumed too.
	WedgeScan WedgeEventKind = iota + 1
	// WedgeTyped: the Enter/Tab was a person's; let the widget handle it
	// as usual (submit, move focus).
	WedgeTyped
)

// WedgeEvent is one decision of the classifier.
type WedgeEvent struct {
	Kind       WedgeEventKind
	Scan       Scan   // WedgeScan only
	Text       string // the burst text (WedgeScan)
	Runes      int    // runes of Text, i.e. how many to remove from the field
	Terminator rune   // '\r' (Enter), '\t', or 0 when ended by quiet timeout
}

// WedgeClassifier tells keyboard-wedge scanner bursts apart from a person
// typing. It is fed key events with their timestamps (from the widget's
// TypedRune/TypedKey) and has no clock of its own: callers pass time, tests
// use synthetic timestamps. Keys are meant to go into the field as usual —
// nothing is held back, so typing never lags — and a WedgeScan event tells
// the GUI to take the burst back out. Not safe for concurrent use; Fyne
// calls key handlers on one goroutine.
type WedgeClassifier struct {
	cfg   WedgeConfig
	buf   []rune
	first time.Time // time of buf[0]
	last  time.Time // time of the last key
	// gapSum is the sum of gaps inside buf (len(buf)-1 gaps).
	gapSum   time.Duration
	overflow bool
	has      bool
}

// NewWedgeClassifier returns a classifier with cfg (zero fields = defaults).
func NewWedgeClassifier(cfg WedgeConfig) *WedgeClassifier {
	return &WedgeClassifier{cfg: cfg.withDefaults()}
}

// Config returns the effective configuration.
func (w *WedgeClassifier) Config() WedgeConfig { return w.cfg }

// qualifies: the current burst is a scan if long enough and fast enough.
func (w *WedgeClassifier) qualifies() bool {
	n := len(w.buf)
	if !w.has || n < w.cfg.MinLength || w.overflow {
		return false
	}
	return w.gapSum <= w.cfg.MaxAvgGap*time.Duration(n-1)
}

func (w *WedgeClassifier) reset() {
	w.buf = w.buf[:0]
	w.gapSum = 0
	w.overflow = false
	w.has = false
}

// gap returns at-last, treating a clock going backwards as a long gap.
func (w *WedgeClassifier) gap(at time.Time) (time.Duration, bool) {
	d := at.Sub(w.last)
	if d < 0 {
		return 0, false
	}
	return d, true
}

// timedOut emits the pending burst if it qualifies and has been quiet for
// QuietTimeout by time at.
func (w *WedgeClassifier) timedOut(at time.Time) []WedgeEvent {
	if !w.has || w.cfg.QuietTimeout < 0 {
		return nil
	}
	d, ok := w.gap(at)
	if !ok || d < w.cfg.QuietTimeout {
		// Not quiet long enough — or the clock went backwards, in which
		// case we cannot tell and leave the keys in the field as typed.
		return nil
	}
	if !w.qualifies() {
		return nil
	}
	ev := w.emit(0)
	return []WedgeEvent{ev}
}

func (w *WedgeClassifier) emit(term rune) WedgeEvent {
	text := string(w.buf)
	ev := WedgeEvent{Kind: WedgeScan, Scan: Parse(text), Text: text, Runes: utf8.RuneCountInString(text), Terminator: term}
	w.reset()
	return ev
}

// Key records one typed character at time at. It returns an event only
// when a previous burst is completed by the quiet timeout.
func (w *WedgeClassifier) Key(r rune, at time.Time) []WedgeEvent {
	evs := w.timedOut(at)
	if w.has {
		d, ok := w.gap(at)
		if !ok || d > w.cfg.MaxKeyGap {
			// Too slow: whatever was buffered was typed (or already
			// emitted); the burst restarts at this key.
			w.reset()
		} else {
			w.gapSum += d
		}
	}
	if !w.has {
		w.first = at
		w.has = true
	}
	if len(w.buf) >= w.cfg.MaxLength {
		w.overflow = true
	} else {
		w.buf = append(w.buf, r)
	}
	w.last = at
	return evs
}

// Enter records an Enter key at time at.
func (w *WedgeClassifier) Enter(at time.Time) []WedgeEvent { return w.terminator('\r', at) }

// Tab records a Tab key (scanners are often configured with a Tab suffix).
func (w *WedgeClassifier) Tab(at time.Time) []WedgeEvent { return w.terminator('\t', at) }

func (w *WedgeClassifier) terminator(term rune, at time.Time) []WedgeEvent {
	evs := w.timedOut(at)
	if w.has {
		if d, ok := w.gap(at); ok && d <= w.cfg.MaxKeyGap && w.qualifies() {
			return append(evs, w.emit(term))
		}
	}
	w.reset()
	return append(evs, WedgeEvent{Kind: WedgeTyped, Terminator: term})
}

// Flush is called from a timer (e.g. every 50 ms while the scan field has
// focus). It emits a suffix-less scan whose burst has been quiet for
// QuietTimeout, and otherwise does nothing.
func (w *WedgeClassifier) Flush(now time.Time) []WedgeEvent {
	evs := w.timedOut(now)
	if w.has {
		if d, ok := w.gap(now); !ok || d > w.cfg.MaxKeyGap && d >= w.cfg.QuietTimeout {
			w.reset() // a typed fragment nobody will finish as a scan
		}
	}
	return evs
}

// Pending reports how many runes are buffered in the current burst.
func (w *WedgeClassifier) Pending() int { return len(w.buf) }
