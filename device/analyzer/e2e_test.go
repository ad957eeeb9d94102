package analyzer_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"suyuan/device"
	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
)

// genericFrameProfile is a passive STX/ETX profile with a binary CRC-16.
func genericFrameProfile() analyzer.Profile {
	return analyzer.Profile{
		Name: "测试-frame", Model: "Generic-STX", Serial: analyzer.SerialParams{Baud: 9600},
		Encoding: "gb18030", Framing: "frame", StartHex: "02", EndHex: "03",
		CSV: &analyzer.CSVMap{Separator: ";", Fields: map[string]int{"record_no": 0, "sample_no": 1, "channel": 2, "item": 3,
			"sample_delta_a": 4, "value": 5, "rate": 6, "unit": 7, "result": 8, "time": 9}},
		Checksum: "crc16-modbus", TimeLayout: "20060102150405",
	}
}

// genericLineProfile is a requested, line-based UTF-8 profile with XOR.
func genericLineProfile() analyzer.Profile {
	return analyzer.Profile{
		Name: "line-xor", Model: "Generic-Line", Serial: analyzer.SerialParams{Baud: 19200, Parity: "E"},
		Encoding: "utf-8", Framing: "line", RecordPrefix: "$", EndMarker: "END",
		Request: "D{from}D{to}\r\n", RequestDateLayout: "2006-01-02",
		CSV: &analyzer.CSVMap{Separator: ",", Fields: map[string]int{"sample_no": 0, "record_no": 1, "channel": 2, "item": 3,
			"sample_delta_a": 4, "value": 5, "rate": 6, "unit": 7, "result": 8, "time": 9}},
		Checksum: "xor",
	}
}

type collector struct {
	mu        sync.Mutex
	byKey     map[string]analyzer.Reading
	delivered int
	failAt    int // fail the n-th delivery (1-based) once; 0 = never
	failed    bool
	want      int
	done      chan struct{}
}

func newCollector(want int) *collector {
	return &collector{byKey: map[string]analyzer.Reading{}, want: want, done: make(chan struct{})}
}

func (c *collector) deliver(r analyzer.Reading) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delivered++
	if c.failAt > 0 && c.delivered == c.failAt && !c.failed {
		c.failed = true
		return errors.New("disk full (simulated)")
	}
	if len(r.Raw) == 0 {
		return errors.New("reading without raw frame")
	}
	c.byKey[r.Key()] = r
	if len(c.byKey) == c.want {
		select {
		case <-c.done:
		default:
			close(c.done)
		}
	}
	return nil
}

func eqF(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func fstr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// checkSame asserts that exactly the simulator's readings arrived, field by
// field (Raw excluded; Raw is checked non-empty by the collector).
func checkSame(t *testing.T, want []analyzer.Reading, got map[string]analyzer.Reading) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d distinct readings, want %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := got[w.Key()]
		if !ok {
			t.Errorf("missing reading %s", w.Key())
			continue
		}
		if g.Model != w.Model || g.SerialNo != w.SerialNo || g.RecordNo != w.RecordNo || !g.TestedAt.Equal(w.TestedAt) ||
			g.Channel != w.Channel || g.SampleNo != w.SampleNo || g.SampleName != w.SampleName || g.Item != w.Item ||
			g.Unit != w.Unit || g.Result != w.Result || g.Suspect != w.Suspect ||
			!eqF(g.Rate, w.Rate) || !eqF(g.Value, w.Value) || !eqF(g.SampleDeltaA, w.SampleDeltaA) || !eqF(g.ControlDeltaA, w.ControlDeltaA) {
			t.Errorf("reading %s differs:\n got %+v rate=%s value=%s dA=%s\nwant %+v rate=%s value=%s dA=%s", w.Key(),
				g, fstr(g.Rate), fstr(g.Value), fstr(g.SampleDeltaA), w, fstr(w.Rate), fstr(w.Value), fstr(w.SampleDeltaA))
		}
	}
}

type e2eCase struct {
	name     string
	driver   string
	profile  *analyzer.Profile
	chunking string
	noise    bool
	passive  bool
	// undefined: what the simulated instrument puts in the bytes its
	// protocol does not define (sim.UndefinedZero or sim.UndefinedRandom).
	undefined string
	seed      int64
}

func driverFor(t *testing.T, c e2eCase) analyzer.Driver {
	d, err := analyzer.New(c.driver, analyzer.Options{Profile: c.profile, Timeout: 300 * time.Millisecond, MaxPasses: 8})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEndToEnd(t *testing.T) {
	fp, lp := genericFrameProfile(), genericLineProfile()
	var cases []e2eCase
	n0 := 0 // seeds as before random undefined bytes were added: 1000 + the zero-mode case's index
	for _, drv := range []struct {
		name    string
		p       *analyzer.Profile
		passive bool
	}{{"lz4000t", nil, false}, {"taiyang", nil, false}, {"dy723pc", nil, false}, {"generic", &fp, true}, {"generic", &lp, false}, {"tl310", nil, false}} {
		label := drv.name
		if drv.p != nil {
			label += "-" + drv.p.Framing
		}
		for _, v := range []struct {
			n, chunk string
			noise    bool
		}{{"clean", "", false}, {"bytewise", "byte", false}, {"randomchunks", "random", false}, {"noise", "random", true}} {
			modes := []string{sim.UndefinedZero}
			if drv.name == "lz4000t" || drv.name == "tl310" { // the protocols with undefined bytes
				modes = append(modes, sim.UndefinedRandom)
			}
			for j, u := range modes {
				cases = append(cases, e2eCase{name: label + "/" + v.n + "/undefined-" + u, driver: drv.name, profile: drv.p, chunking: v.chunk,
					noise: v.noise, passive: drv.passive, undefined: u, seed: int64(1000+n0) + int64(500*j)})
			}
			n0++
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			const n = 25
			seed := c.seed
			want, err := sim.Generate(c.driver, n, seed, c.profile)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			master, slave, err := serial.OpenPTY()
			if err != nil {
				t.Fatal(err)
			}
			defer master.Close()
			simCtx, stopSim := context.WithCancel(ctx)
			simErr := make(chan error, 1)
			go func() {
				simErr <- sim.Run(simCtx, master, c.driver, sim.Options{Readings: want, Seed: seed, Noise: c.noise, Chunking: c.chunking, Profile: c.profile, Undefined: c.undefined})
			}()
			d := driverFor(t, c)
			sp := d.Serial()
			port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: sp.Baud, Parity: sp.Parity})
			if err != nil {
				t.Fatal(err)
			}
			defer port.Close()
			col := newCollector(len(want))
			sctx := ctx
			if c.passive {
				var stop context.CancelFunc
				sctx, stop = context.WithCancel(ctx)
				go func() {
					select {
					case <-col.done:
						time.Sleep(50 * time.Millisecond)
					case <-time.After(3 * time.Second): // the instrument has long finished printing
					case <-ctx.Done():
					}
					stop()
				}()
			}
			st, err := analyzer.Session(sctx, port, d, col.deliver)
			stopSim()
			if e := <-simErr; e != nil {
				t.Errorf("simulator: %v", e)
			}
			if c.passive && c.noise {
				// A passive stream cannot be re-requested: damaged records
				// must be reported, never silently dropped.
				if st.CRCErrors > 0 {
					var pe *device.ProtocolError
					if !errors.As(err, &pe) {
						t.Fatalf("%d damaged records not reported: err=%v", st.CRCErrors, err)
					}
					if int64(len(col.byKey))+st.CRCErrors < int64(len(want)) {
						t.Fatalf("readings %d + reported damaged %d < sent %d", len(col.byKey), st.CRCErrors, len(want))
					}
					return
				}
			}
			if err != nil {
				t.Fatalf("session: %v (stats %v)", err, st)
			}
			checkSame(t, want, col.byKey)
			if st.Readings != int64(len(want)) {
				t.Errorf("stats.Readings=%d want %d", st.Readings, len(want))
			}
			if c.noise && st.BytesDropped == 0 && st.CRCErrors == 0 {
				t.Errorf("noise run saw no noise: %v", st)
			}
			if !c.noise && (st.CRCErrors != 0 || st.BytesDropped != 0) {
				t.Errorf("clean run counted errors: %v", st)
			}
			t.Logf("%s: %v", c.name, st)
		})
	}
}

// TestDeliverFailureLosesNothing: the store write fails on the 7th reading;
// the session must stop with a DeliverError, and a second session must
// deliver everything (including the 7th) exactly once per key.
func TestDeliverFailureLosesNothing(t *testing.T) {
	for _, drv := range []string{"lz4000t", "taiyang", "dy723pc", "tl310"} {
		t.Run(drv, func(t *testing.T) {
			t.Parallel()
			want, _ := sim.Generate(drv, 15, 7, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			col := newCollector(len(want))
			col.failAt = 7
			for attempt := 0; attempt < 2; attempt++ {
				master, slave, err := serial.OpenPTY()
				if err != nil {
					t.Fatal(err)
				}
				simCtx, stopSim := context.WithCancel(ctx)
				// Random undefined bytes: the re-read must find the same identities.
				go sim.Run(simCtx, master, drv, sim.Options{Readings: want, Undefined: sim.UndefinedRandom, Seed: int64(attempt)})
				d := driverFor(t, e2eCase{driver: drv})
				port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: d.Serial().Baud})
				if err != nil {
					t.Fatal(err)
				}
				_, err = analyzer.Session(ctx, port, d, col.deliver)
				port.Close()
				stopSim()
				master.Close()
				var de *analyzer.DeliverError
				if attempt == 0 && !errors.As(err, &de) {
					t.Fatalf("first session: want DeliverError, got %v", err)
				}
				if attempt == 0 && len(col.byKey) != 6 {
					t.Fatalf("first session stored %d, want 6 (stopped at the failure)", len(col.byKey))
				}
				if attempt == 1 && err != nil {
					t.Fatalf("second session: %v", err)
				}
			}
			checkSame(t, want, col.byKey)
		})
	}
}

// TestDropAndReconnect: the instrument is cut mid-frame; the supervisor sees
// the disconnect, waits for the path (a stable symlink, like
// /dev/serial/by-id) to come back on a new pty, and the new session
// completes. Every reading arrives; none is lost.
func TestDropAndReconnect(t *testing.T) {
	for i, drv := range []string{"lz4000t", "taiyang", "dy723pc", "tl310"} {
		t.Run(drv, func(t *testing.T) {
			t.Parallel()
			want, _ := sim.Generate(drv, 20, int64(40+i), nil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			link := filepath.Join(t.TempDir(), "ttyANALYZER")
			m1, s1, err := serial.OpenPTY()
			if err != nil {
				t.Fatal(err)
			}
			os.Symlink(s1, link)
			var m2 *os.File
			var mu sync.Mutex
			replugged := make(chan struct{})
			go func() {
				err := sim.Run(ctx, m1, drv, sim.Options{Readings: want, Drop: true, Seed: int64(i), Undefined: sim.UndefinedRandom})
				if !errors.Is(err, sim.ErrDropped) {
					t.Errorf("first simulator: want ErrDropped, got %v", err)
				}
				m1.Close()
				os.Remove(link)
				time.Sleep(200 * time.Millisecond) // unplugged
				m, s, err := serial.OpenPTY()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				m2 = m
				mu.Unlock()
				os.Symlink(s, link)
				close(replugged)
				sim.Run(ctx, m, drv, sim.Options{Readings: want, Undefined: sim.UndefinedRandom, Seed: int64(100 + i)})
			}()
			d := driverFor(t, e2eCase{driver: drv})
			col := newCollector(len(want))
			var statuses []serial.Status
			sup := &serial.Supervisor{Config: serial.Config{Path: link, Baud: d.Serial().Baud}, MinBackoff: 50 * time.Millisecond,
				MaxBackoff: 200 * time.Millisecond, OnStatus: func(e serial.StatusEvent) { statuses = append(statuses, e.Status) }}
			sessions := 0
			err = sup.Run(ctx, func(ctx context.Context, p *serial.Port) error {
				sessions++
				_, err := analyzer.Session(ctx, p, d, col.deliver)
				return err
			})
			cancel()
			mu.Lock()
			if m2 != nil {
				m2.Close()
			}
			mu.Unlock()
			if err != nil {
				t.Fatalf("supervised import: %v", err)
			}
			select {
			case <-replugged:
			default:
				t.Fatal("finished without reconnecting: the drop did not happen")
			}
			if sessions < 2 {
				t.Fatalf("sessions=%d, want a second session after the drop", sessions)
			}
			sawReconnect := false
			for _, s := range statuses {
				sawReconnect = sawReconnect || s == serial.Reconnecting
			}
			if !sawReconnect {
				t.Errorf("statuses %v: no reconnecting", statuses)
			}
			checkSame(t, want, col.byKey)
		})
	}
}
