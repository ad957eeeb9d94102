package scanhub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"suyuan/device/printer"
	"suyuan/device/scanner"
	"suyuan/device/serial"
	"suyuan/device/usb"
)

const wait = 5 * time.Second

// collector is a Target that keeps what it receives.
type collector struct {
	c chan scanner.SourcedScan
}

func newCollector() *collector { return &collector{c: make(chan scanner.SourcedScan, 64)} }

func (c *collector) target(ss scanner.SourcedScan) { c.c <- ss }

func (c *collector) next(t *testing.T) scanner.SourcedScan {
	t.Helper()
	select {
	case ss := <-c.c:
		return ss
	case <-time.After(wait):
		t.Fatal("no scan arrived")
	}
	return scanner.SourcedScan{}
}

func (c *collector) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ss := <-c.c:
		t.Fatalf("unexpected scan %q", ss.Scan.Raw)
	case <-time.After(d):
	}
}

// statusLog records every status the hub reports.
type statusLog struct {
	mu  sync.Mutex
	all []Status
}

func (l *statusLog) add(s Status) { l.mu.Lock(); l.all = append(l.all, s); l.mu.Unlock() }

func waitState(t *testing.T, h *Hub, want State) Status {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if st := h.Status(); st.State == want {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("state %v, want %v (err %v)", h.Status().State, want, h.Status().Err)
	return Status{}
}

// plugPTY creates a pty standing in for a USB-CDC scanner and points the
// stable link (like /dev/serial/by-id/…) at it.
func plugPTY(t *testing.T, link string) *os.File {
	t.Helper()
	m, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(link)
	if err := os.Symlink(slave, link); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newHub(t *testing.T, o Options) (*Hub, *statusLog) {
	t.Helper()
	log := &statusLog{}
	o.OnStatus = log.add
	o.MinBackoff, o.MaxBackoff = 20*time.Millisecond, 100*time.Millisecond
	h := New(o)
	t.Cleanup(h.Stop)
	return h, log
}

// TestSerialScannerLinesReachTarget: what a CDC scanner sends, with any of
// the line endings scanners are configured for, arrives parsed at the
// target in order, tagged with the port.
func TestSerialScannerLinesReachTarget(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySCANNER")
	m := plugPTY(t, link)
	h, _ := newHub(t, Options{})
	col := newCollector()
	h.SetTarget(col.target)
	if err := h.Start(context.Background(), Config{Mode: ModeSerial, Serial: serial.Config{Path: link, Baud: 9600}}); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, h, StateConnected)
	if st.Device != link || st.Mode != ModeSerial {
		t.Errorf("status %+v", st)
	}
	cases := []struct {
		send     string
		raw      string
		kind     scanner.Kind
		hasError bool
	}{
		{"https://trace.example.cn/q?c=1\r\n", "https://trace.example.cn/q?c=1", scanner.KindURL, false},
		{"HELLO-123\r", "HELLO-123", scanner.KindUnknown, false},
		{"\n\nsecond line\n", "second line", scanner.KindUnknown, false},
		// GTIN-14 with a correct GS1 check digit (2).
		{"06901234567892\n", "06901234567892", scanner.KindGS1ElementString, false},
	}
	for _, c := range cases {
		if _, err := m.Write([]byte(c.send)); err != nil {
			t.Fatal(err)
		}
		got := col.next(t)
		if got.Scan.Raw != c.raw || got.Scan.Kind != c.kind || (got.Scan.Err != nil) != c.hasError {
			t.Errorf("sent %q: got raw %q kind %v err %v", c.send, got.Scan.Raw, got.Scan.Kind, got.Scan.Err)
		}
		if got.Source != "serial:"+link {
			t.Errorf("source %q", got.Source)
		}
	}
	if st := h.Status(); st.Scans != len(cases) || st.Unrouted != 0 {
		t.Errorf("counts %+v", st)
	}
}

// TestSerialScannerUnplugAndReplug: the scanner is unplugged (master
// closed, link gone): Home sees "disconnected"; a new device at the same
// stable path is reopened by itself and scans flow again.
func TestSerialScannerUnplugAndReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySCANNER")
	m1 := plugPTY(t, link)
	h, log := newHub(t, Options{})
	col := newCollector()
	h.SetTarget(col.target)
	if err := h.Start(context.Background(), Config{Mode: ModeSerial, Serial: serial.Config{Path: link}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, h, StateConnected)
	m1.Write([]byte("before-unplug\r\n"))
	if got := col.next(t); got.Scan.Raw != "before-unplug" {
		t.Fatalf("got %q", got.Scan.Raw)
	}

	m1.Close()
	os.Remove(link)
	st := waitState(t, h, StateReconnecting)
	if st.State.String() != "disconnected" || st.Err == nil {
		t.Errorf("unplugged status %+v", st)
	}
	time.Sleep(150 * time.Millisecond) // unplugged for a while: several reopen attempts
	if h.Status().State != StateReconnecting {
		t.Fatalf("state %v while unplugged", h.Status().State)
	}

	m2 := plugPTY(t, link)
	waitState(t, h, StateConnected)
	m2.Write([]byte("after-replug\n"))
	if got := col.next(t); got.Scan.Raw != "after-replug" {
		t.Fatalf("got %q", got.Scan.Raw)
	}

	log.mu.Lock()
	var seq []State
	for _, s := range log.all {
		if len(seq) == 0 || seq[len(seq)-1] != s.State {
			seq = append(seq, s.State)
		}
	}
	log.mu.Unlock()
	want := []State{StateConnected, StateReconnecting, StateConnected}
	if len(seq) < len(want) {
		t.Fatalf("states %v, want %v", seq, want)
	}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("states %v, want %v", seq, want)
		}
	}
}

// TestSerialCutOffScanIsIncomplete: bytes without their CR/LF when the
// scanner vanishes are delivered (never dropped) but as an incomplete scan,
// not as a shorter valid-looking code.
func TestSerialCutOffScanIsIncomplete(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySCANNER")
	m := plugPTY(t, link)
	h, _ := newHub(t, Options{})
	col := newCollector()
	h.SetTarget(col.target)
	if err := h.Start(context.Background(), Config{Mode: ModeSerial, Serial: serial.Config{Path: link}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, h, StateConnected)
	m.Write([]byte("https://trace.example.cn/q?c=12"))
	time.Sleep(300 * time.Millisecond) // let the port read it before the hang-up
	m.Close()
	os.Remove(link)
	got := col.next(t)
	if got.Scan.Raw != "https://trace.example.cn/q?c=12" || got.Scan.Kind != scanner.KindUnknown || !errors.Is(got.Scan.Err, scanner.ErrIncomplete) {
		t.Fatalf("cut-off scan: raw %q kind %v err %v", got.Scan.Raw, got.Scan.Kind, got.Scan.Err)
	}
}

// bootReports types s on a US boot keyboard followed by Enter: one report
// with the key down, one with all keys up.
func bootReports(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	key := func(mod, k byte) {
		out = append(out, mod, 0, k, 0, 0, 0, 0, 0)
		out = append(out, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			key(0, byte(0x04+r-'a'))
		case r >= 'A' && r <= 'Z':
			key(0x02, byte(0x04+r-'A'))
		case r >= '1' && r <= '9':
			key(0, byte(0x1E+r-'1'))
		case r == '0':
			key(0, 0x27)
		case r == '-':
			key(0, 0x2D)
		case r == '.':
			key(0, 0x37)
		case r == '/':
			key(0, 0x38)
		case r == ':':
			key(0x02, 0x33)
		default:
			t.Fatalf("no key for %q", r)
		}
	}
	key(0, 0x28)
	return out
}

// hidDevice hands out report streams in order; with none left the device
// is "unplugged".
type hidDevice struct {
	mu      sync.Mutex
	streams [][]byte
	opens   int
}

func (d *hidDevice) open(_ context.Context, _ usb.Match) (io.ReadCloser, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opens++
	if len(d.streams) == 0 {
		return nil, errors.New("usb: no matching HID scanner")
	}
	b := d.streams[0]
	d.streams = d.streams[1:]
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (d *hidDevice) plug(b []byte) {
	d.mu.Lock()
	d.streams = append(d.streams, b)
	d.mu.Unlock()
}

// TestHIDScannerThroughHub: boot-keyboard reports from the HID path come
// out of the same hub as parsed scans; the end of the device's stream is an
// unplug, after which the hub reopens it.
func TestHIDScannerThroughHub(t *testing.T) {
	dev := &hidDevice{}
	first := append(bootReports(t, "https://trace.example.cn/a"), bootReports(t, "LOT-42")...)
	dev.plug(first)
	h, _ := newHub(t, Options{OpenHID: dev.open})
	col := newCollector()
	h.SetTarget(col.target)
	cfg := Config{Mode: ModeHID, USB: usb.Match{VID: 0x0c2e, PID: 0x0b61}}
	if err := h.Start(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		raw  string
		kind scanner.Kind
	}{{"https://trace.example.cn/a", scanner.KindURL}, {"LOT-42", scanner.KindUnknown}} {
		got := col.next(t)
		if got.Scan.Raw != want.raw || got.Scan.Kind != want.kind || got.Source != "hid:usb 0c2e:0b61" {
			t.Errorf("got %q %v from %q, want %q %v", got.Scan.Raw, got.Scan.Kind, got.Source, want.raw, want.kind)
		}
	}
	waitState(t, h, StateReconnecting)
	// A half-typed scan when the device goes: reported as incomplete.
	half := bootReports(t, "again")
	dev.plug(append(half, bootReports(t, "ab")[:16*2]...))
	if got := col.next(t); got.Scan.Raw != "again" {
		t.Fatalf("after replug: %q", got.Scan.Raw)
	}
	if got := col.next(t); got.Scan.Raw != "ab" || !errors.Is(got.Scan.Err, scanner.ErrIncomplete) {
		t.Fatalf("half scan: %q %v", got.Scan.Raw, got.Scan.Err)
	}
}

// TestStartFailures: configurations that cannot work are refused with a
// user message and shown as failed, not retried forever.
func TestStartFailures(t *testing.T) {
	unsupported := func(context.Context, usb.Match) (io.ReadCloser, error) {
		return nil, printer.UnsupportedError("usb://", "无USB", "no USB")
	}
	cases := []struct {
		name     string
		cfg      Config
		startErr bool
	}{
		{"serial without port", Config{Mode: ModeSerial}, true},
		{"unknown mode", Config{Mode: "bluetooth"}, true},
		{"bad parity", Config{Mode: ModeSerial, Serial: serial.Config{Path: "/dev/null", Parity: "X"}}, false},
		{"HID without USB id", Config{Mode: ModeHID, USB: usb.Match{VID: 0x0c2e}}, true},
		{"no libusb", Config{Mode: ModeHID, USB: usb.Match{VID: 0x0c2e, PID: 0x0b61}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newHub(t, Options{OpenHID: unsupported})
			err := h.Start(context.Background(), c.cfg)
			if (err != nil) != c.startErr {
				t.Fatalf("Start: %v", err)
			}
			st := waitState(t, h, StateFailed)
			var um interface{ UserMessage(string) string }
			if !errors.As(st.Err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
				t.Errorf("status error without a user message: %v", st.Err)
			}
		})
	}
}

// TestTargets: the last screen to claim the target gets the scans; a stale
// release does not take it away; with no target the scan is reported as
// unrouted rather than parked for a later screen.
func TestTargets(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySCANNER")
	m := plugPTY(t, link)
	var unrouted []string
	var umu sync.Mutex
	h, _ := newHub(t, Options{OnUnrouted: func(ss scanner.SourcedScan) {
		umu.Lock()
		unrouted = append(unrouted, ss.Scan.Raw)
		umu.Unlock()
	}})
	a, b := newCollector(), newCollector()
	relA := h.SetTarget(a.target)
	relB := h.SetTarget(b.target)
	relA() // screen A closing late
	if err := h.Start(context.Background(), Config{Mode: ModeSerial, Serial: serial.Config{Path: link}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, h, StateConnected)
	m.Write([]byte("one\n"))
	if got := b.next(t); got.Scan.Raw != "one" {
		t.Fatalf("B got %q", got.Scan.Raw)
	}
	a.none(t, 50*time.Millisecond)
	relB()
	m.Write([]byte("two\n"))
	deadline := time.Now().Add(wait)
	for h.Status().Unrouted == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	umu.Lock()
	defer umu.Unlock()
	if len(unrouted) != 1 || unrouted[0] != "two" || h.Status().Unrouted != 1 {
		t.Fatalf("unrouted %q, status %+v", unrouted, h.Status())
	}
	b.none(t, 50*time.Millisecond)
}

// TestRestartReleasesPort: switching configuration closes the port first,
// so the same scanner can be reopened at once (one owner per port), and
// Stop leaves the hub off.
func TestRestartReleasesPort(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySCANNER")
	m := plugPTY(t, link)
	h, _ := newHub(t, Options{})
	col := newCollector()
	h.SetTarget(col.target)
	cfg := Config{Mode: ModeSerial, Serial: serial.Config{Path: link}}
	for i := 0; i < 3; i++ {
		if err := h.Start(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		waitState(t, h, StateConnected)
	}
	m.Write([]byte("once\n"))
	if got := col.next(t); got.Scan.Raw != "once" {
		t.Fatalf("got %q", got.Scan.Raw)
	}
	col.none(t, 100*time.Millisecond) // one reader, not three
	if err := h.Start(context.Background(), Config{Mode: ModeWedge}); err != nil {
		t.Fatal(err)
	}
	if st := h.Status(); st.State != StateOff || st.Mode != ModeWedge {
		t.Fatalf("wedge: %+v", st)
	}
	m.Write([]byte("ignored\n"))
	col.none(t, 100*time.Millisecond)
	h.Stop()
	if h.Status().State != StateOff {
		t.Fatal("not off after Stop")
	}
}
