package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"suyuan/store/rules"
)

func d2Readings(n int) []ReadingInput {
	base := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	out := make([]ReadingInput, n)
	for i := range out {
		out[i] = ReadingInput{Instrument: "DY-3500", Model: "DY-3500(I)", SerialNo: "SN2026001", RecordNo: fmt.Sprint(100 + i),
			TestedAt: base.Add(time.Duration(i) * time.Minute), Channel: i%8 + 1, SampleNo: fmt.Sprintf("S%03d", i), SampleName: "冰糖橙",
			Item: "有机磷和氨基甲酸酯类", ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.5), Raw: fmt.Sprintf("$%d,0.600,0.500*", i)}
	}
	return out
}

func TestImportReadingsIdempotent(t *testing.T) {
	s := newD2Site(t)
	rs := d2Readings(10)
	cases := []struct {
		name       string
		in         []ReadingInput
		added, dup int
		pending    int
	}{
		{"first import", rs, 10, 0, 10},
		{"same ten again", rs, 0, 10, 10},
		{"overlapping batch with a repeat inside", append(append([]ReadingInput{}, rs[5:]...), d2Readings(12)[10:]...), 2, 5, 12},
		{"duplicate within one batch", []ReadingInput{d2Readings(13)[12], d2Readings(13)[12]}, 1, 1, 13},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			added, dup, err := s.db.ImportReadings(s.ctx, d2Tech, tc.in)
			if err != nil || added != tc.added || dup != tc.dup {
				t.Fatalf("added %d dup %d err %v", added, dup, err)
			}
			n, _ := s.db.CountPendingReadings(s.ctx, ListQuery{})
			if n != tc.pending {
				t.Fatalf("pending %d", n)
			}
		})
	}
	// A bad reading refuses the whole batch, so nothing is half-imported.
	bad := d2Readings(15)[13:]
	bad[1].Instrument = ""
	if _, _, err := s.db.ImportReadings(s.ctx, d2Tech, bad); ErrorCode(err) != CodeInvalid {
		t.Fatalf("bad batch: %v", err)
	}
	if n, _ := s.db.CountPendingReadings(s.ctx, ListQuery{}); n != 13 {
		t.Fatalf("bad batch partly imported: %d", n)
	}
	if ReadingKey(rs[0]) == ReadingKey(rs[1]) || ReadingKey(rs[0]) != ReadingKey(d2Readings(1)[0]) {
		t.Fatal("reading key not a function of identity")
	}
}

func TestBindReading(t *testing.T) {
	s := newD2Site(t)
	rs := d2Readings(4)
	rs[1].SampleDeltaA = d2f(0.1) // 83 %: positive
	rs[2].Suspect = true          // negative by rule, but flagged suspect
	rs[3].ControlDeltaA, rs[3].SampleDeltaA, rs[3].Result = nil, nil, "阳性"
	if _, _, err := s.db.ImportReadings(s.ctx, d2Tech, rs); err != nil {
		t.Fatal(err)
	}
	pend, err := s.db.PendingReadings(s.ctx, ListQuery{})
	if err != nil || len(pend) != 4 || pend[0].Status != "pending" {
		t.Fatalf("pending %+v %v", pend, err)
	}
	lotA := s.harvest(s.plotID, "2026-11-20", 10, false)
	lotB := s.harvest(s.plotID, "2026-11-20", 10, false)
	code := func(id int64) string { return s.lot(id).Code }
	cases := []struct {
		name    string
		reading int64
		lot     int64
		verdict string
		hold    bool
	}{
		{"negative", pend[0].ID, lotA, "negative", false},
		{"positive holds", pend[1].ID, lotB, "positive", true},
		{"suspect never passes", pend[2].ID, lotA, "invalid", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ins, err := s.db.BindReading(s.ctx, d2Tech, tc.reading, code(tc.lot))
			if err != nil {
				t.Fatal(err)
			}
			if ins.Verdict != tc.verdict || ins.Source != "serial" || ins.ReadingID != tc.reading || ins.Raw == "" || ins.LotID != tc.lot || s.lot(tc.lot).Hold != tc.hold {
				t.Fatalf("inspection %+v hold %v", ins, s.lot(tc.lot).Hold)
			}
			r, _ := s.db.ReadingByID(s.ctx, tc.reading)
			if r.Status != "bound" || r.InspectionID != ins.ID {
				t.Fatalf("reading %+v", r)
			}
		})
	}
	if _, err := s.db.BindReading(s.ctx, d2Tech, pend[0].ID, code(lotA)); ErrorCode(err) != CodeConflict {
		t.Fatalf("bound twice: %v", err)
	}
	if _, err := s.db.BindReading(s.ctx, d2Tech, pend[3].ID, "NO-SUCH-LOT"); !IsNotFound(err) {
		t.Fatalf("unknown lot: %v", err)
	}
	ext, err := s.db.BindReadingExternal(s.ctx, d2Tech, pend[3].ID, "农户王五", "")
	if err != nil || ext.Verdict != "positive" || ext.ExternalEntity != "农户王五" {
		t.Fatalf("external %+v %v", ext, err)
	}
	more := d2Readings(6)[4:]
	s.db.ImportReadings(s.ctx, d2Tech, more)
	pend, _ = s.db.PendingReadings(s.ctx, ListQuery{})
	if err := s.db.DiscardReading(s.ctx, d2Tech, pend[0].ID, ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("discard without reason: %v", err)
	}
	if err := s.db.DiscardReading(s.ctx, d2Tech, pend[0].ID, "校准"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.db.CountPendingReadings(s.ctx, ListQuery{}); n != 1 {
		t.Fatalf("pending after discard %d", n)
	}
}

func TestReadingWithoutTimeIsKeptNotDropped(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	admin, _ := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	act := Actor{UserID: admin.ID, Username: "admin", Role: RoleAdmin}
	rate := 61.5
	r := ReadingInput{Instrument: "generic", RecordNo: "7", Channel: 2, Rate: &rate, Raw: "52 30 37 2c 36 31 2e 35"}
	for i, want := range []int{1, 0} { // the second import of the same frame adds nothing
		added, dup, err := db.ImportReadings(ctx, act, []ReadingInput{r})
		if err != nil || added != want || dup != 1-want {
			t.Fatalf("import %d: added %d dup %d err %v", i, added, dup, err)
		}
	}
	got, err := db.PendingReadings(ctx, ListQuery{})
	if err != nil || len(got) != 1 {
		t.Fatalf("pending %v %v", got, err)
	}
	if !got[0].Suspect || got[0].TestedAt.IsZero() || !strings.Contains(got[0].Result, "no test time") {
		t.Fatalf("stored reading %+v", got[0])
	}
	// A different frame without time is a different reading.
	r.Raw = "52 30 38"
	if added, _, _ := db.ImportReadings(ctx, act, []ReadingInput{r}); added != 1 {
		t.Fatal("a different frame without time was not kept")
	}
}

func TestReadingVerdictFromInstrumentText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"阳性", "positive"}, {"超标", "positive"}, {"不合格", "positive"}, {"Positive", "positive"},
		{"阴性", "negative"}, {"合格", "negative"}, {"pass", "negative"},
		{"", "invalid"}, {"无效", "invalid"}, {"???", "invalid"},
	} {
		if got := readingVerdict(c.in); got != c.want {
			t.Errorf("readingVerdict(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestReadingVerdictAtImport: a reading has its verdict the moment it is
// stored (positive ≥ 50 %, from ΔA, from a rate or from the instrument's
// text; suspect never passes), the same verdict binding it records, and a
// positive pending reading is on Home until it is bound or discarded.
func TestReadingVerdictAtImport(t *testing.T) {
	s := newD2Site(t)
	rs := d2Readings(7)
	rs[0].ControlDeltaA, rs[0].SampleDeltaA = d2f(0.6), d2f(0.3) // exactly 50 %: positive
	rs[1].ControlDeltaA, rs[1].SampleDeltaA = d2f(0.6), d2f(0.5) // 16.7 %: negative
	rs[2].ControlDeltaA, rs[2].SampleDeltaA, rs[2].Rate = nil, nil, d2f(68)
	rs[3].ControlDeltaA, rs[3].SampleDeltaA, rs[3].Rate = nil, nil, d2f(49.9)
	rs[4].ControlDeltaA, rs[4].SampleDeltaA, rs[4].Result = nil, nil, "阳性"
	rs[5].Suspect = true                                         // negative by rule, flagged: invalid
	rs[6].ControlDeltaA, rs[6].SampleDeltaA = d2f(0.0), d2f(0.1) // control ΔA ≤ 0: invalid
	want := []string{"positive", "negative", "positive", "negative", "positive", "invalid", "invalid"}
	if _, _, err := s.db.ImportReadings(s.ctx, d2Tech, rs); err != nil {
		t.Fatal(err)
	}
	pend, err := s.db.PendingReadings(s.ctx, ListQuery{})
	if err != nil || len(pend) != len(want) {
		t.Fatalf("pending %d %v", len(pend), err)
	}
	bySample := map[string]Reading{}
	for i, r := range pend {
		bySample[r.SampleNo] = r
		if r.Verdict != want[i] || ReadingVerdict(rs[i]) != want[i] {
			t.Errorf("reading %s: verdict %q (ReadingVerdict %q), want %q", r.SampleNo, r.Verdict, ReadingVerdict(rs[i]), want[i])
		}
	}
	h, err := s.db.HomeSummary(s.ctx, d2Day(t, "2026-11-28"))
	if err != nil {
		t.Fatal(err)
	}
	if h.PositiveReadingsCount != 3 || len(h.PositiveReadings) != 3 || h.PendingReadings != 7 {
		t.Fatalf("home: %d positive pending %+v of %d", h.PositiveReadingsCount, h.PositiveReadings, h.PendingReadings)
	}
	if h.PositiveReadings[0].SampleNo != "S004" || h.PositiveReadings[2].SampleNo != "S000" {
		t.Errorf("home positives not newest first: %+v", h.PositiveReadings)
	}
	// Binding records the verdict shown at import; binding and discarding
	// take positives off Home.
	lot := s.harvest(s.plotID, "2026-11-27", 10, false)
	for _, no := range []string{"S000", "S003", "S005"} {
		ins, err := s.db.BindReading(s.ctx, d2Tech, bySample[no].ID, s.lot(lot).Code)
		if err != nil || ins.Verdict != bySample[no].Verdict {
			t.Fatalf("bind %s: verdict %q, shown %q, %v", no, ins.Verdict, bySample[no].Verdict, err)
		}
	}
	if err := s.db.DiscardReading(s.ctx, d2Tech, bySample["S002"].ID, "重复测定"); err != nil {
		t.Fatal(err)
	}
	h, _ = s.db.HomeSummary(s.ctx, d2Day(t, "2026-11-28"))
	if h.PositiveReadingsCount != 1 || h.PositiveReadings[0].SampleNo != "S004" {
		t.Fatalf("home after bind/discard: %+v", h.PositiveReadings)
	}
}

// TestBindTestDateRule: a reading tested more than BindTestDateLimit days
// before the lot's harvest date is refused for a technician and for an
// administrator without a reason; an administrator's reason binds it and
// is in the journal entry of the bind. Up to the limit needs nothing.
func TestBindTestDateRule(t *testing.T) {
	s := newD2Site(t)
	old := d2Readings(3)
	old[0].TestedAt = time.Date(2021, 3, 1, 2, 0, 0, 0, time.UTC)   // years before the lot
	old[1].TestedAt = time.Date(2026, 11, 12, 2, 0, 0, 0, time.UTC) // 8 days before
	old[2].TestedAt = time.Date(2026, 11, 13, 2, 0, 0, 0, time.UTC) // 7 days before: field sample, allowed
	if _, _, err := s.db.ImportReadings(s.ctx, d2Tech, old); err != nil {
		t.Fatal(err)
	}
	pend, _ := s.db.PendingReadings(s.ctx, ListQuery{})
	lot := s.harvest(s.plotID, "2026-11-20", 10, false)
	code := s.lot(lot).Code
	for _, r := range pend[:2] {
		for _, c := range []struct {
			who    Actor
			reason string
		}{{d2Tech, ""}, {d2Tech, "确属该批次"}, {d2Admin, ""}, {d2Admin, "  "}} {
			_, err := s.db.BindReadingOverride(s.ctx, c.who, r.ID, code, c.reason)
			if !rules.IsRule(err, RuleDateOrder) {
				t.Fatalf("reading %s by %s, reason %q: %v", r.TestedAt, c.who.Role, c.reason, err)
			}
			var ue interface{ UserMessage(string) string }
			if !errors.As(err, &ue) || !strings.Contains(ue.UserMessage("zh"), code) || !strings.Contains(ue.UserMessage("en"), "days before") {
				t.Errorf("message: %v", err)
			}
		}
		if got, _ := s.db.ReadingByID(s.ctx, r.ID); got.Status != "pending" {
			t.Fatalf("refused bind changed the reading: %+v", got)
		}
	}
	if _, err := s.db.BindReading(s.ctx, d2Tech, pend[2].ID, code); err != nil {
		t.Fatalf("7 days before: %v", err)
	}
	ins, err := s.db.BindReadingOverride(s.ctx, d2Admin, pend[0].ID, code, "样品冷藏保存，仪器时钟未校准")
	if err != nil || ins.LotID != lot {
		t.Fatalf("admin override: %+v %v", ins, err)
	}
	hist, err := s.db.History(s.ctx, "readings", pend[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if last.Kind != "readings.bind" || !strings.Contains(last.Reason, "样品冷藏保存，仪器时钟未校准") || !strings.Contains(last.Reason, "2021-03-01") {
		t.Fatalf("journal entry %+v", last)
	}
}

// BenchmarkPendingPositives: Home's list of pending positives with 5000
// readings waiting, one in ten positive.
func BenchmarkPendingPositives(b *testing.B) {
	s := newD2Site(b)
	rs := d2Readings(5000)
	for i := range rs {
		if i%10 == 0 {
			rs[i].SampleDeltaA = d2f(0.1)
		}
	}
	if _, _, err := s.db.ImportReadings(s.ctx, d2Tech, rs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, n, err := s.db.pendingPositives(s.ctx, homeListLimit); err != nil || n != 500 {
			b.Fatal(n, err)
		}
	}
}

// TestLegacyRecordNumbersNotImportedTwice: a store written before the
// LZ-4000T and TL-310 identities stopped using undefined bytes holds
// readings under the old record numbers ("YYMMDD-index", "index").
// Re-reading the instrument after the upgrade must not add them again,
// and must still add a second record of identical content that the old
// driver never kept (an instrument that left those bytes at zero).
func TestLegacyRecordNumbersNotImportedTwice(t *testing.T) {
	s := newD2Site(t)
	at := time.Date(2026, 11, 28, 2, 30, 0, 0, time.UTC)
	mk := func(inst, serial, recNo, raw string, ch int) ReadingInput {
		return ReadingInput{Instrument: inst, SerialNo: serial, RecordNo: recNo, TestedAt: at, Channel: ch,
			SampleNo: "7", SampleName: "冰糖橙", Item: "有机磷和氨基甲酸酯类", Rate: d2f(12.5), Value: d2f(12.5), Raw: raw}
	}
	// As the old drivers stored them: LZ-A left bytes 6-7 at zero, so of
	// two identical tests only the first was kept; LZ-B numbered them, so
	// both were.
	old := []ReadingInput{
		mk("lz4000t", "LZ-A", "261128-0", "A-frame", 0),
		mk("lz4000t", "LZ-B", "261128-1", "B-frame-1", 0),
		mk("lz4000t", "LZ-B", "261128-2", "B-frame-2", 0),
		mk("tl310", "TL-1", "5", "TL-frame-5", 3),
	}
	if added, _, err := s.db.ImportReadings(s.ctx, d2Tech, old); err != nil || added != 4 {
		t.Fatalf("legacy readings: added %d, %v", added, err)
	}
	cases := []struct {
		name       string
		in         ReadingInput
		added, dup int
	}{
		{"LZ-A's record under its new number", mk("lz4000t", "LZ-A", "7-0a1b2c3d", "A-frame", 0), 0, 1},
		{"LZ-A's second identical test, never kept before", mk("lz4000t", "LZ-A", "7-0a1b2c3d#2", "A-frame", 0), 1, 0},
		{"LZ-B's first record", mk("lz4000t", "LZ-B", "7-0a1b2c3d", "B-frame-1", 0), 0, 1},
		{"LZ-B's second record", mk("lz4000t", "LZ-B", "7-0a1b2c3d#2", "B-frame-2", 0), 0, 1},
		{"LZ-B's third identical test, new", mk("lz4000t", "LZ-B", "7-0a1b2c3d#3", "B-frame-3", 0), 1, 0},
		{"the same TL-310 record", mk("tl310", "TL-1", "3-99aa88bb", "TL-frame-5", 3), 0, 1},
		{"a TL-310 record on another channel", mk("tl310", "TL-1", "4-99aa88bb", "TL-frame-5", 4), 1, 0},
		{"another instrument's reading of the same content", mk("dy3500", "LZ-A", "261128-0", "A-frame", 0), 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			added, dup, err := s.db.ImportReadings(s.ctx, d2Tech, []ReadingInput{c.in})
			if err != nil || added != c.added || dup != c.dup {
				t.Fatalf("added %d dup %d err %v, want %d %d", added, dup, err, c.added, c.dup)
			}
		})
	}
}
