package analyzer_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
)

// tl310Session runs one tl310 session against the simulator over a real pty.
func tl310Session(t *testing.T, o analyzer.Options, so sim.Options) (*collector, analyzer.Stats, error) {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	col := newCollector(-1)
	st, err := ptySession(t, "tl310", o, func(ctx context.Context, master *os.File) { sim.Run(ctx, master, "tl310", so) }, col.deliver)
	return col, st, err
}

// TestTL310EmptyMemory: an instrument with no records answers the read
// request with silence; the session ends without error and without
// readings after two silent requests (decision, docs/analyzers.md).
func TestTL310EmptyMemory(t *testing.T) {
	t.Parallel()
	start := time.Now()
	col, st, err := tl310Session(t, analyzer.Options{}, sim.Options{Readings: []analyzer.Reading{}})
	if err != nil || len(col.byKey) != 0 || st.Requests != 1 {
		t.Fatalf("empty instrument: err=%v readings=%d stats=%v", err, len(col.byKey), st)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("empty memory took %v", el)
	}
}

// TestTL310DateRange: the instrument sends its whole memory; the host keeps
// [From, To] by whole days, and a record with an impossible clock (month 0)
// is kept, suspect, because it cannot be placed outside the range. The
// instrument here is scripted byte by byte (the simulator only encodes
// valid times) and reports model code 07, which must show in Model.
func TestTL310DateRange(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CST", 8*3600)
	rec := func(idx int, at time.Time) []byte {
		return analyzer.TL310RecordData(analyzer.TL310Record{Total: 5, Index: idx, Channel: 1, At: at, Rate10: 125, Conclusion: 2})
	}
	frames := [][]byte{
		rec(1, time.Date(2024, 4, 30, 23, 59, 59, 0, loc)), // the day before From: out
		rec(2, time.Date(2024, 5, 1, 0, 0, 0, 0, loc)),     // From's first second: in
		rec(3, time.Date(2024, 5, 3, 23, 59, 59, 0, loc)),  // To's last second: in
		rec(4, time.Date(2024, 5, 4, 0, 0, 0, 0, loc)),     // the day after To: out
		rec(5, time.Date(2024, 5, 2, 0, 0, 0, 0, loc)),
	}
	frames[4][8] = 0 // month 0: the clock was never set
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	go func() {
		var df analyzer.DayuanDeframer
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			for _, f := range df.Feed(buf[:n]) {
				switch f.Raw[1] {
				case analyzer.TL310CmdTest:
					master.Write(analyzer.DayuanFrame(analyzer.TL310CmdTestReply, []byte{0xFF, 0x07, 0x10, 0x10}))
				case analyzer.TL310CmdRead:
					for _, d := range frames {
						master.Write(analyzer.DayuanFrame(analyzer.TL310CmdRecord, d))
					}
				}
			}
		}
	}()
	d, _ := analyzer.New("tl310", analyzer.Options{Location: loc, Timeout: 300 * time.Millisecond,
		From: time.Date(2024, 5, 1, 12, 0, 0, 0, loc), To: time.Date(2024, 5, 3, 8, 0, 0, 0, loc)})
	port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: d.Serial().Baud})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	col := newCollector(-1)
	if _, err := analyzer.Session(ctx, port, d, col.deliver); err != nil {
		t.Fatal(err)
	}
	got := map[string]analyzer.Reading{} // by the record's index on the wire (frame bytes 7-8)
	for _, r := range col.byKey {
		got[fmt.Sprint(r.Raw[7])] = r
	}
	if len(got) != 3 || got["2"].RecordNo == "" || got["3"].RecordNo == "" || !got["5"].Suspect {
		t.Errorf("kept %v, want records 2, 3 and suspect 5", got)
	}
	for no, r := range got {
		if r.Model != "Dayuan-TL-07" {
			t.Errorf("record %s: model %q, want Dayuan-TL-07 from the comm-test reply", no, r.Model)
		}
	}
}
