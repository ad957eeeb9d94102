package analyzer_test

import (
	"context"
	"errors"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"suyuan/device"
	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
)

// instrument plays the instrument side of a pty until ctx ends.
type instrument func(ctx context.Context, master *os.File)

// ptySession runs driver with o against inst (nil: nothing answers) over a
// real pty, delivering every reading to deliver.
func ptySession(t *testing.T, driver string, o analyzer.Options, inst instrument, deliver func(analyzer.Reading) error) (analyzer.Stats, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	ictx, stop := context.WithCancel(ctx)
	defer stop()
	if inst != nil {
		go inst(ictx, master)
	}
	d, err := analyzer.New(driver, o)
	if err != nil {
		t.Fatal(err)
	}
	port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: d.Serial().Baud})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	return analyzer.Session(ctx, port, d, deliver)
}

// failSession runs driver against inst over a real pty, with short timeouts.
func failSession(t *testing.T, driver string, inst instrument) (int, analyzer.Stats, error) {
	t.Helper()
	now := time.Now()
	n := 0
	st, err := ptySession(t, driver, analyzer.Options{Timeout: 150 * time.Millisecond, MaxPasses: 3, From: now.AddDate(0, 0, -1), To: now},
		inst, func(analyzer.Reading) error { n++; return nil })
	return n, st, err
}

// simAs serves the simulator of another driver (wrong model on the port).
func simAs(driver string, o sim.Options) instrument {
	return func(ctx context.Context, master *os.File) {
		o.Count = 6
		sim.Run(ctx, master, driver, o)
	}
}

// answerWith answers every burst the host sends with reply(n) bytes.
func answerWith(reply func(rng *rand.Rand) []byte) instrument {
	return func(ctx context.Context, master *os.File) {
		rng := rand.New(rand.NewSource(11))
		buf := make([]byte, 256)
		for ctx.Err() == nil {
			if _, err := master.Read(buf); err != nil {
				time.Sleep(10 * time.Millisecond) // EIO until the host opens the port
				continue
			}
			master.Write(reply(rng))
		}
	}
}

func wantFailure(t *testing.T, err error, kind analyzer.FailureKind, zh, en string) *analyzer.ReadError {
	t.Helper()
	var re *analyzer.ReadError
	if !errors.As(err, &re) {
		t.Fatalf("want a ReadError (%v), got %v", kind, err)
	}
	if re.Kind != kind {
		t.Fatalf("kind %v, want %v: %v", re.Kind, kind, err)
	}
	timeout := device.ErrTimeout.(interface{ UserMessage(string) string })
	for lang, want := range map[string]string{"zh": zh, "en": en} {
		m := re.UserMessage(lang)
		if !strings.Contains(m, want) || m == timeout.UserMessage(lang) {
			t.Errorf("%s message %q, want it to contain %q", lang, m, want)
		}
	}
	return re
}

// TestSilence: nothing on the line is "no answer", with the requests sent.
func TestSilence(t *testing.T) {
	for _, drv := range []string{"lz4000t", "tl310", "taiyang", "dy723pc"} {
		t.Run(drv, func(t *testing.T) {
			t.Parallel()
			_, st, err := failSession(t, drv, nil)
			re := wantFailure(t, err, analyzer.NoAnswer, "没有应答", "did not answer")
			if st.BytesReceived != 0 || re.Passes != 3 {
				t.Errorf("stats %v passes %d", st, re.Passes)
			}
		})
	}
}

// TestWrongModel: an instrument of another model answers; the session says
// so (unexpected reply, wrong model or settings), with the bytes received.
func TestWrongModel(t *testing.T) {
	cases := []struct {
		driver, on string
	}{
		{"lz4000t", "tl310"},   // well-formed 7E…AA frames of other commands
		{"lz4000t", "taiyang"}, // another protocol altogether
		{"tl310", "taiyang"},
		{"dy723pc", "taiyang"},
	}
	for _, c := range cases {
		t.Run(c.driver+"-on-"+c.on, func(t *testing.T) {
			t.Parallel()
			n, st, err := failSession(t, c.driver, simAs(c.on, sim.Options{AnswerAny: true, Seed: 5}))
			re := wantFailure(t, err, analyzer.UnexpectedReply, "不是", "not as a")
			if n != 0 || st.BytesReceived == 0 || re.Stats.BytesReceived != st.BytesReceived {
				t.Errorf("readings %d stats %v", n, st)
			}
			if c.on == "tl310" && st.Unexpected == 0 {
				t.Errorf("TL-310 frames not counted as unexpected: %v", st)
			}
			if m := re.UserMessage("en"); !strings.Contains(m, "bytes received") {
				t.Errorf("no counts in %q", m)
			}
		})
	}
}

// TestGarbage: random bytes in answer to every request are not silence.
func TestGarbage(t *testing.T) {
	for _, drv := range []string{"lz4000t", "tl310", "taiyang", "dy723pc"} {
		t.Run(drv, func(t *testing.T) {
			t.Parallel()
			_, st, err := failSession(t, drv, answerWith(func(rng *rand.Rand) []byte {
				b := make([]byte, 40+rng.Intn(40))
				rng.Read(b)
				return b
			}))
			var re *analyzer.ReadError
			if !errors.As(err, &re) || re.Kind == analyzer.NoAnswer || st.BytesReceived == 0 {
				t.Fatalf("garbage reported as %v (%v)", err, st)
			}
			if zh := re.UserMessage("zh"); !strings.Contains(zh, "字节") || strings.Contains(zh, "没有应答") {
				t.Errorf("zh %q", zh)
			}
		})
	}
}

// TestDamagedFrames: an LZ-4000T whose every answer fails its CRC (the
// vendor transcripts with the CRC byte changed) is "damaged data".
func TestDamagedFrames(t *testing.T) {
	reply := analyzer.LoadHexLines(t, "dayuan-lz4000t-commtest-reply.hex")[0] // the first frame
	reply[len(reply)-2] ^= 0x01
	_, st, err := failSession(t, "lz4000t", answerWith(func(*rand.Rand) []byte { return reply }))
	re := wantFailure(t, err, analyzer.DamagedData, "损坏", "damaged")
	if st.CRCErrors == 0 || re.Stats.CRCErrors != st.CRCErrors {
		t.Errorf("stats %v", st)
	}
}

// TestTaiYangRecordGap: records 1, 2 and 4, undamaged (testdata built from
// the vendor's TTNJ-8 example): all three are imported; a gap in record
// numbers is not a transfer error.
func TestTaiYangRecordGap(t *testing.T) {
	recs := analyzer.LoadHex(t, "taiyang-ttnj8-gap.hex")
	n, st, err := failSession(t, "taiyang", taiyangScript(recs))
	if err != nil || n != 3 {
		t.Fatalf("err %v readings %d stats %v", err, n, st)
	}
}

// TestTaiYangDamagedRecord: the second record's channel float is NaN in
// every download (a record damaged on the line, no checksum to tell): the
// others are imported and the session reports damaged data, not silence.
func TestTaiYangDamagedRecord(t *testing.T) {
	recs := analyzer.LoadHex(t, "taiyang-ttnj8-gap.hex")
	copy(recs[73+9:], []byte{0x7F, 0xC0, 0x00, 0x01})
	n, st, err := failSession(t, "taiyang", taiyangScript(recs))
	re := wantFailure(t, err, analyzer.DamagedData, "损坏", "damaged")
	if n != 2 || st.CRCErrors < 3 || re.Passes != 3 {
		t.Errorf("readings %d stats %v passes %d", n, st, re.Passes)
	}
}

// taiyangScript answers 1B BF with 1B 01 and 1B B1 with 1B C1, recs, 1B FE.
func taiyangScript(recs []byte) instrument {
	return func(ctx context.Context, master *os.File) {
		buf := make([]byte, 64)
		for ctx.Err() == nil {
			n, err := master.Read(buf)
			if err != nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			for i := 0; i+1 < n; i++ {
				if buf[i] != 0x1B {
					continue
				}
				switch buf[i+1] {
				case analyzer.TaiYangHello:
					master.Write([]byte{0x1B, 0x01})
				case analyzer.TaiYangGet:
					master.Write(append(append([]byte{0x1B, analyzer.TaiYangData}, recs...), 0x1B, analyzer.TaiYangEnd))
				}
			}
		}
	}
}

// TestFrameProfileCountsEveryDamagedFrame: on a passive STX/ETX stream,
// two damaged frames in a row are two damaged records, and a damaged frame
// at the very end of the transfer is counted when the stream ends — so
// readings + damaged = records sent, and nothing is lost unreported.
// (Consecutive damaged frames used to count once and a trailing one never:
// about half of the noisy seeds lost records silently.)
func TestFrameProfileCountsEveryDamagedFrame(t *testing.T) {
	p := genericFrameProfile()
	want, _ := sim.Generate("generic", 5, 3, &p)
	var frames [][]byte
	for _, r := range want {
		b, err := p.EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
	damage := func(b []byte) []byte {
		b = append([]byte(nil), b...)
		b[len(b)/2] ^= 0x01 // inside the body: the CRC-16 no longer matches
		return b
	}
	stream := append([]byte{}, frames[0]...)
	stream = append(stream, damage(frames[1])...)
	stream = append(stream, damage(frames[2])...)
	stream = append(stream, frames[3]...)
	stream = append(stream, damage(frames[4])...)
	d := analyzer.NewProfileDeframer(&p)
	var got []analyzer.Frame
	for _, b := range stream {
		got = append(got, d.Feed([]byte{b})...)
	}
	d.Flush()
	st := d.Stats()
	if len(got) != 2 || st.CRCErrors != 3 {
		t.Fatalf("frames %d damaged %d, want 2 and 3 (%+v)", len(got), st.CRCErrors, st)
	}
	if st.BytesDropped != int64(len(stream)-len(frames[0])-len(frames[3])) {
		t.Errorf("byte accounting: %+v", st)
	}
}

// TestProfileWithoutRecordNumber: a passive profile that maps no record or
// sample number, with a clock to the minute: two different records of the
// same minute and channel are two readings (they were merged into one by
// their identity, and the second silently dropped); the same record
// printed twice is one.
func TestProfileWithoutRecordNumber(t *testing.T) {
	p := analyzer.Profile{Name: "minute-clock", Encoding: "utf-8", Framing: "line", EndMarker: "END",
		Regex: `^CH(?P<channel>\d+) RATE=(?P<rate>[-\d.]+)% (?P<time>\S+ \S+)$`, Checksum: "none", TimeLayout: "2006-01-02 15:04", Unit: "%"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	d, err := analyzer.New("generic", analyzer.Options{Profile: &p})
	if err != nil {
		t.Fatal(err)
	}
	port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	master.Write([]byte("CH1 RATE=12.5% 2024-05-02 10:11\r\nCH1 RATE=63.0% 2024-05-02 10:11\r\nCH1 RATE=63.0% 2024-05-02 10:11\r\nEND\r\n"))
	var rates []float64
	if _, err := analyzer.Session(ctx, port, d, func(r analyzer.Reading) error { rates = append(rates, *r.Rate); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rates) != 2 || rates[0] != 12.5 || rates[1] != 63 {
		t.Fatalf("readings %v, want [12.5 63]", rates)
	}
}
