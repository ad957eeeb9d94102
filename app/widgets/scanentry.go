package widgets

import (
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"suyuan/device/scanner"
)

// ScanEntry is a single-line Entry that also receives keyboard-wedge
// scanners. Every key goes into the field as usual (typing never lags); each
// is timestamped and fed to a scanner.WedgeClassifier. When the classifier
// decides that the last burst was a scan, the burst is taken back out of the
// field and OnScan is called with the parsed scan, so a scan never mixes with
// what a person was typing and the Enter that ends it does not submit the
// form. A person's Enter reaches Entry.OnSubmitted unchanged.
//
// Fyne gives key events only to the focused widget (devices.md §1.2), so the
// screen keeps a ScanEntry focused where scanning is expected.
type ScanEntry struct {
	widget.Entry

	// OnScan is called on the UI goroutine with each scan. If nil, scans
	// are left in the field as typed text.
	OnScan func(scanner.Scan)
	// Clock returns the time of a key event. Tests and the screenshot tour
	// replace it with a synthetic clock; nil means time.Now.
	Clock func() time.Time

	mu    sync.Mutex
	cls   *scanner.WedgeClassifier
	timer *time.Timer
}

// NewScanEntry returns a ScanEntry with the default classifier settings
// (scan = at least 4 characters with a mean gap of at most 30 ms).
func NewScanEntry() *ScanEntry {
	return NewScanEntryWithConfig(scanner.WedgeConfig{})
}

// NewScanEntryWithConfig returns a ScanEntry with a tuned classifier (a
// site whose scanner sends slowly raises MaxAvgGap in Settings).
func NewScanEntryWithConfig(cfg scanner.WedgeConfig) *ScanEntry {
	e := &ScanEntry{cls: scanner.NewWedgeClassifier(cfg)}
	e.ExtendBaseWidget(e)
	return e
}

func (e *ScanEntry) now() time.Time {
	if e.Clock != nil {
		return e.Clock()
	}
	return time.Now()
}

// scanClaimer is told when a ScanEntry wants device scans; see
// SetScanClaimer.
var scanClaimer atomic.Pointer[func(*ScanEntry)]

// SetScanClaimer registers f, called on the UI goroutine whenever a
// ScanEntry is shown (its renderer is created: the screen or tab holding it
// was opened) or gains focus. The GUI's scan input (serial and HID scanners,
// app/scaninput.go) makes that entry the receiver of device scans, so the
// screen the user is looking at gets them without every screen having to
// know about scanner modes. nil stops the notifications.
func SetScanClaimer(f func(*ScanEntry)) {
	if f == nil {
		scanClaimer.Store(nil)
		return
	}
	scanClaimer.Store(&f)
}

func (e *ScanEntry) claim() {
	if f := scanClaimer.Load(); f != nil {
		(*f)(e)
	}
}

// CreateRenderer claims device scans for e: a renderer is made when the
// entry's screen (or tab) is first shown.
func (e *ScanEntry) CreateRenderer() fyne.WidgetRenderer {
	r := e.Entry.CreateRenderer()
	e.claim()
	return r
}

// FocusGained claims device scans for e: the entry the user clicked into
// is the one a scan is meant for.
func (e *ScanEntry) FocusGained() {
	e.Entry.FocusGained()
	e.claim()
}

// Deliver hands e a scan from a serial or HID scanner exactly as a
// keyboard-wedge scan (typed, then Enter) would arrive: OnScan gets it, or
// without OnScan the text is typed into the field and the Enter is not
// submitted. It reports false, doing nothing, when e is disabled or hidden
// (a wedge scan could not reach it either), so the caller can say the scan
// was not taken. Call it on the UI goroutine (fyne.Do).
func (e *ScanEntry) Deliver(sc scanner.Scan) bool {
	if e.Disabled() || !e.Visible() {
		return false
	}
	if e.OnScan != nil {
		e.OnScan(sc)
		return true
	}
	for _, r := range sc.Raw {
		e.Entry.TypedRune(r)
	}
	return true
}

// TypedRune timestamps the key, lets a completed earlier burst be handled
// first, then types the rune into the field.
func (e *ScanEntry) TypedRune(r rune) {
	at := e.now()
	e.mu.Lock()
	evs := e.cls.Key(r, at)
	e.mu.Unlock()
	e.handle(evs)
	e.Entry.TypedRune(r)
	e.armFlush()
}

// TypedKey classifies Enter; other keys go to the Entry.
func (e *ScanEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyReturn && k.Name != fyne.KeyEnter {
		e.Entry.TypedKey(k)
		return
	}
	at := e.now()
	e.mu.Lock()
	evs := e.cls.Enter(at)
	e.mu.Unlock()
	typed := e.handle(evs)
	if typed {
		e.Entry.TypedKey(k)
	}
}

// FlushAt emits a scan that ended without an Enter suffix once it has been
// quiet long enough at time now. The widget arms a timer for it after each
// key; tests call it directly with synthetic time.
func (e *ScanEntry) FlushAt(now time.Time) {
	e.mu.Lock()
	evs := e.cls.Flush(now)
	e.mu.Unlock()
	e.handle(evs)
}

// armFlush schedules a Flush after the quiet timeout, for scanners
// configured without an Enter suffix. Only with the real clock: with a
// synthetic one the caller flushes.
func (e *ScanEntry) armFlush() {
	if e.Clock != nil {
		return
	}
	q := e.cls.Config().QuietTimeout
	if q <= 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timer = time.AfterFunc(q+20*time.Millisecond, func() {
		fyne.Do(func() { e.FlushAt(time.Now()) })
	})
}

// handle applies classifier events. It reports whether an Enter was a
// person's (and must reach the Entry).
func (e *ScanEntry) handle(evs []scanner.WedgeEvent) (typedEnter bool) {
	for _, ev := range evs {
		switch ev.Kind {
		case scanner.WedgeTyped:
			typedEnter = true
		case scanner.WedgeScan:
			if e.OnScan == nil {
				continue
			}
			e.removeBeforeCursor(ev.Runes)
			e.OnScan(ev.Scan)
		}
	}
	return typedEnter
}

// removeBeforeCursor deletes the n runes just before the cursor: the burst
// that was typed into the field.
func (e *ScanEntry) removeBeforeCursor(n int) {
	text := []rune(e.Text)
	pos := e.CursorColumn
	if pos > len(text) || pos < 0 {
		pos = len(text)
	}
	start := max(pos-n, 0)
	out := append(append([]rune(nil), text[:start]...), text[pos:]...)
	e.SetText(string(out))
	e.CursorColumn = start
	e.Refresh()
}

// TypeBurst types s into e one rune every gap starting at start, using a
// synthetic clock, and ends with Enter if enter is set. It returns the time
// after the last key. It is how tests and the screenshot tour "scan" without
// a scanner: a gap of 5 ms looks like a scanner, 90 ms like a person.
func TypeBurst(e *ScanEntry, s string, start time.Time, gap time.Duration, enter bool) time.Time {
	at := start
	old := e.Clock
	e.Clock = func() time.Time { return at }
	defer func() { e.Clock = old }()
	for _, r := range s {
		e.TypedRune(r)
		at = at.Add(gap)
	}
	if enter {
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		at = at.Add(gap)
	}
	return at
}
