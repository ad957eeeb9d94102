package analyzerimport_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"suyuan/app/analyzerimport"
	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
	"suyuan/store"
	"suyuan/store/rules"

	_ "modernc.org/sqlite"
)

// site is a real store in t.TempDir() with an admin, a technician and the
// master data a harvest needs.
type site struct {
	t           testing.TB
	ctx         context.Context
	db          *store.DB
	path        string
	admin, tech store.Actor
	plot, prod  int64
}

func newSite(t testing.TB) *site {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.DefaultFile)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &site{t: t, ctx: ctx, db: db, path: path}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass"})
	must(err)
	s.admin = store.Actor{UserID: a.ID, Username: a.Username, Name: a.DisplayName, Role: a.Role}
	_, err = db.CreateUser(ctx, s.admin, store.NewUser{Username: "zhang", DisplayName: "张检测", Role: store.RoleTechnician, Password: "tech-pass"})
	must(err)
	s.tech, err = db.Login(ctx, "zhang", "tech-pass")
	must(err)
	c, err := rules.USCCCheckChar("93530427MA6K7Q8R1")
	must(err)
	_, err = db.SaveEntity(ctx, s.admin, store.Entity{Name: "示例柑橘专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: "93530427MA6K7Q8R1" + string(c), DivisionCode: "530427", SiteCode: "GSXP01", ContactName: "李四", ContactPhone: "13800000000"})
	must(err)
	b, err := db.AddBase(ctx, s.admin, store.Base{Name: "戛洒基地", DivisionCode: "530427", AreaMu: 120})
	must(err)
	p, err := db.AddPlot(ctx, s.admin, store.Plot{BaseID: b.ID, Name: "一号地", AreaMu: 30, Crop: "冰糖橙", CropCategory: "瓜果"})
	must(err)
	pr, err := db.AddProduct(ctx, s.admin, store.Product{Name: "冰糖橙", Crop: "冰糖橙", CropCategory: "瓜果", Unit: "kg"})
	must(err)
	s.plot, s.prod = p.ID, pr.ID
	return s
}

func (s *site) harvest() store.Lot {
	s.t.Helper()
	l, err := s.db.Harvest(s.ctx, s.admin, store.HarvestInput{PlotID: s.plot, ProductID: s.prod, Date: time.Now(), Quantity: 500})
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

func (s *site) pending() []store.Reading {
	s.t.Helper()
	var all []store.Reading
	for off := 0; ; off += 100 {
		page, err := s.db.PendingReadings(s.ctx, store.ListQuery{Offset: off, Limit: 100})
		if err != nil {
			s.t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
	}
}

// lineProfile is a requested CSV profile carrying both ΔA, so readings
// whose verdict the rule must compute (and refuse) can be simulated.
func lineProfile() *analyzer.Profile {
	return &analyzer.Profile{
		Name: "test-line", Model: "Generic-Line", Serial: analyzer.SerialParams{Baud: 19200},
		Encoding: "utf-8", Framing: "line", RecordPrefix: "$", EndMarker: "END",
		Request: "D{from}D{to}\r\n", RequestDateLayout: "2006-01-02",
		CSV: &analyzer.CSVMap{Separator: ",", Fields: map[string]int{"sample_no": 0, "record_no": 1, "channel": 2, "item": 3,
			"control_delta_a": 4, "sample_delta_a": 5, "unit": 6, "time": 7}},
		Checksum: "xor",
	}
}

type run struct {
	driver   string
	profile  *analyzer.Profile
	readings []analyzer.Reading
	noise    bool
	seed     int64
	serialNo string
}

// importOnce runs the simulator on a fresh pty and Import against it.
func importOnce(ctx context.Context, t testing.TB, s *site, r run, progress func(analyzerimport.Progress)) (analyzerimport.Summary, error) {
	t.Helper()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	simCtx, stopSim := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := sim.Run(simCtx, master, r.driver, sim.Options{Readings: r.readings, Noise: r.noise, Seed: r.seed, Profile: r.profile}); err != nil {
			t.Errorf("simulator: %v", err)
		}
	}()
	defer func() { stopSim(); wg.Wait() }()
	d, err := analyzer.New(r.driver, analyzer.Options{Profile: r.profile, SerialNo: r.serialNo, Timeout: 300 * time.Millisecond, MaxPasses: 8})
	if err != nil {
		t.Fatal(err)
	}
	sp := d.Serial()
	port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: sp.Baud, Parity: sp.Parity})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	return analyzerimport.Import(ctx, s.db, s.tech, port, d, progress)
}

func eqF(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

// checkPending asserts the store holds exactly the simulator's readings as
// pending, field by field, with the raw frame that decodes back to them.
func checkPending(t *testing.T, s *site, d analyzer.Driver, want []analyzer.Reading) {
	t.Helper()
	got := map[string]store.Reading{}
	for _, r := range s.pending() {
		got[r.Key] = r
	}
	if len(got) != len(want) {
		t.Errorf("pending readings: %d, want %d", len(got), len(want))
	}
	for _, w := range want {
		in := analyzerimport.ToInput(w)
		g, ok := got[store.ReadingKey(in)]
		if !ok {
			t.Errorf("reading %s not stored", w.Key())
			continue
		}
		if g.Status != "pending" || g.Instrument != w.Instrument || g.Model != w.Model || g.SerialNo != w.SerialNo || g.RecordNo != w.RecordNo ||
			!g.TestedAt.Equal(w.TestedAt) || g.Channel != w.Channel || g.SampleNo != w.SampleNo || g.SampleName != w.SampleName ||
			g.Item != w.Item || g.Unit != w.Unit || g.Result != w.Result || g.Suspect != w.Suspect ||
			!eqF(g.Rate, w.Rate) || !eqF(g.Value, w.Value) || !eqF(g.SampleDeltaA, w.SampleDeltaA) || !eqF(g.ControlDeltaA, w.ControlDeltaA) {
			t.Errorf("stored reading differs from what the simulator sent:\n got %+v\nwant %+v", g, w)
		}
		raw, err := hex.DecodeString(g.Raw)
		if err != nil || len(raw) == 0 {
			t.Errorf("raw %q is not the hex of a frame: %v", g.Raw, err)
			continue
		}
		// The evidence must be the frame itself: decoding it again gives
		// the same reading.
		rs, err := d.Decode(analyzer.Frame{Raw: raw})
		found := false
		for _, x := range rs {
			if x.Instrument == "" {
				x.Instrument = d.Name()
			}
			found = found || x.Key() == w.Key()
		}
		if err != nil || !found {
			t.Errorf("raw frame of %s does not decode back to it (err %v, %d readings)", w.Key(), err, len(rs))
		}
	}
}

var drivers = []struct {
	name    string
	profile *analyzer.Profile
}{{"lz4000t", nil}, {"taiyang", nil}, {"dy723pc", nil}, {"generic", lineProfile()}, {"tl310", nil}}

func generate(t testing.TB, driver string, p *analyzer.Profile, n int, seed int64) []analyzer.Reading {
	t.Helper()
	if driver == "generic" {
		return verdictReadings(n, seed)
	}
	rs, err := sim.Generate(driver, n, seed, p)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// verdictReadings makes n generic-profile readings with both ΔA.
func verdictReadings(n int, seed int64) []analyzer.Reading {
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	out := make([]analyzer.Reading, n)
	for i := range out {
		c := 0.5 + float64((int(seed)+i)%7)/10
		sa := float64((int(seed)*3+i)%9) / 10
		out[i] = analyzer.Reading{Instrument: "generic:test-line", Model: "Generic-Line", RecordNo: fmt.Sprintf("R%03d", i+1),
			TestedAt: base.Add(time.Duration(i) * time.Minute), Channel: 1 + i%8, SampleNo: fmt.Sprintf("S%03d", i+1),
			Item: "有机磷和氨基甲酸酯类", ControlDeltaA: &c, SampleDeltaA: &sa, Unit: "%"}
		rate := (c - sa) / c * 100
		out[i].Rate = &rate
		if rate < 0 || rate > 100 {
			out[i].Suspect = true
		}
	}
	return out
}

// TestImportEachDriver: N readings over a pty land as N pending readings
// equal to what the simulator sent; the same readings again add nothing;
// a noisy line still gives exactly N, with the damage counted.
func TestImportEachDriver(t *testing.T) {
	const n = 12
	for i, drv := range drivers {
		t.Run(drv.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			want := generate(t, drv.name, drv.profile, n, int64(100+i))
			d, _ := analyzer.New(drv.name, analyzer.Options{Profile: drv.profile})

			s := newSite(t)
			var seen []analyzerimport.Progress
			sum, err := importOnce(ctx, t, s, run{driver: drv.name, profile: drv.profile, readings: want, seed: 1},
				func(p analyzerimport.Progress) { seen = append(seen, p) })
			if err != nil || sum.Added != n || sum.Duplicates != 0 {
				t.Fatalf("first import: %v, %v", sum, err)
			}
			if len(seen) != n || seen[n-1].Added != n || seen[0].Duplicate {
				t.Fatalf("progress: %d reports, last %+v", len(seen), seen[len(seen)-1])
			}
			checkPending(t, s, d, want)

			sum, err = importOnce(ctx, t, s, run{driver: drv.name, profile: drv.profile, readings: want, seed: 2}, nil)
			if err != nil || sum.Added != 0 || sum.Duplicates != n {
				t.Fatalf("second import of the same readings: %v, %v", sum, err)
			}
			checkPending(t, s, d, want)

			// Noise is random per seed; try seeds until the line damaged at
			// least one frame, each on a fresh store: every run must still
			// give exactly n.
			var damaged bool
			for seed := int64(1); seed <= 6 && !damaged; seed++ {
				noisy := newSite(t)
				sum, err = importOnce(ctx, t, noisy, run{driver: drv.name, profile: drv.profile, readings: want, noise: true, seed: seed*10 + int64(i)}, nil)
				if err != nil || sum.Added != n || sum.Duplicates != 0 {
					t.Fatalf("noisy import (seed %d): %v, %v", seed, sum, err)
				}
				checkPending(t, noisy, d, want)
				if drv.name == "taiyang" { // no checksum: noise shows as resyncs
					damaged = sum.Stats.Resyncs > 0 && sum.Stats.BytesDropped > 0
				} else {
					damaged = sum.Stats.CRCErrors > 0
				}
			}
			if !damaged {
				t.Errorf("six noisy imports counted no damage: %v", sum)
			}
			t.Logf("%s noise: %v", drv.name, sum)
		})
	}
}

// TestInterruptedImportKeepsCommitted: the import is cancelled after k
// readings (the technician pulls the plug on the session); exactly those k
// are stored, and a rerun completes without duplicating them.
func TestInterruptedImportKeepsCommitted(t *testing.T) {
	const n, k = 12, 5
	for i, drv := range drivers {
		t.Run(drv.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			want := generate(t, drv.name, drv.profile, n, int64(200+i))
			s := newSite(t)
			ictx, stop := context.WithCancel(ctx)
			sum, err := importOnce(ictx, t, s, run{driver: drv.name, profile: drv.profile, readings: want}, func(p analyzerimport.Progress) {
				if p.Added == k {
					stop()
				}
			})
			stop()
			var ie *analyzerimport.Error
			if !errors.As(err, &ie) || ie.Summary.Added != k || sum.Added != k {
				t.Fatalf("cancelled import: want *Error after %d, got %v (%v)", k, err, sum)
			}
			if got := len(s.pending()); got != k {
				t.Fatalf("after the cancelled import %d readings are stored, want %d", got, k)
			}
			sum, err = importOnce(ctx, t, s, run{driver: drv.name, profile: drv.profile, readings: want}, nil)
			if err != nil || sum.Added != n-k || sum.Duplicates != k {
				t.Fatalf("rerun: %v, %v", sum, err)
			}
			d, _ := analyzer.New(drv.name, analyzer.Options{Profile: drv.profile})
			checkPending(t, s, d, want)
		})
	}
}

// TestLockedStoreStopsSession: another process holds the store's write lock
// (a backup tool, a second copy of the app) from the 4th reading on. The
// store write fails after the busy timeout; the session stops with what
// was committed kept, and once the lock is gone a rerun completes.
func TestLockedStoreStopsSession(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the store's 5 s busy timeout")
	}
	t.Parallel()
	const n, k = 10, 3
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	s := newSite(t)
	want := generate(t, "lz4000t", nil, n, 300)
	other, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	locked := false
	sum, err := importOnce(ctx, t, s, run{driver: "lz4000t", readings: want}, func(p analyzerimport.Progress) {
		if p.Added == k && !locked {
			if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
				t.Errorf("take the write lock: %v", err)
			}
			locked = true
		}
	})
	var de *analyzer.DeliverError
	if !errors.As(err, &de) || sum.Added != k {
		t.Fatalf("locked store: want a DeliverError after %d readings, got %v (%v)", k, err, sum)
	}
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) || !strings.Contains(um.UserMessage("zh"), fmt.Sprintf("已保存 %d 条", k)) {
		t.Errorf("user message does not say what was kept: %v", err)
	}
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got := len(s.pending()); got != k {
		t.Fatalf("stored %d, want %d", got, k)
	}
	sum, err = importOnce(ctx, t, s, run{driver: "lz4000t", readings: want}, nil)
	if err != nil || sum.Added != n-k || sum.Duplicates != k {
		t.Fatalf("rerun after the lock: %v, %v", sum, err)
	}
	d, _ := analyzer.New("lz4000t", analyzer.Options{})
	checkPending(t, s, d, want)
}

// TestPermissionCheckedFirst: a packer cannot import; the instrument is not
// even contacted.
func TestPermissionCheckedFirst(t *testing.T) {
	s := newSite(t)
	d, _ := analyzer.New("lz4000t", analyzer.Options{})
	_, err := analyzerimport.Import(context.Background(), s.db, store.Actor{Username: "wang", Role: store.RolePacker}, nil, d, nil)
	if store.ErrorCode(err) != store.CodeForbidden {
		t.Fatalf("packer import: %v", err)
	}
}

func f(v float64) *float64 { return &v }

// TestBindVerdicts imports readings through the simulator and binds them:
// the inhibition-rate rule decides (expected verdicts worked out by hand
// from rate = (ΔA₀ − ΔA)/ΔA₀ × 100, ≥ 50 % positive), a positive holds the
// lot and the certificate is refused by the hold rule, an invalid result
// neither passes nor releases, and testing-station samples are recorded
// against the other producer.
func TestBindVerdicts(t *testing.T) {
	s := newSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	mk := func(i int, c, sa float64) analyzer.Reading {
		return analyzer.Reading{Instrument: "generic:test-line", Model: "Generic-Line", RecordNo: fmt.Sprintf("B%d", i),
			TestedAt: base.Add(time.Duration(i) * time.Minute), Channel: i, SampleNo: fmt.Sprint(i), Item: "有机磷和氨基甲酸酯类",
			ControlDeltaA: f(c), SampleDeltaA: f(sa), Unit: "%"}
	}
	readings := []analyzer.Reading{
		mk(1, 0.600, 0.120),  // 80 %: positive
		mk(2, 0.000, 0.300),  // control ΔA = 0: invalid
		mk(3, 0.600, 0.500),  // 16.7 %: negative
		mk(4, -0.100, 0.200), // control ΔA < 0: invalid
		mk(5, 0.500, -0.100), // 120 %: invalid (rate above 100)
		mk(6, 0.800, 0.400),  // 50 % exactly: positive
		mk(7, 0.700, 0.560),  // 20 %: negative, testing station
		mk(8, 0.700, 0.100),  // 85.7 %: positive, testing station
	}
	if _, err := importOnce(ctx, t, s, run{driver: "generic", profile: lineProfile(), readings: readings}, nil); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, r := range s.pending() {
		ids[r.RecordNo] = r.ID
	}
	if len(ids) != len(readings) {
		t.Fatalf("pending %v", ids)
	}
	held, clean, other := s.harvest(), s.harvest(), s.harvest()

	// Scanned codes arrive with what the scanner adds (CR LF, lower case).
	cases := []struct {
		name, rec, scan       string
		entity, code          string
		verdict               string
		holdSet, lotHeldAfter bool
		lot                   *store.Lot
	}{
		{"positive holds the lot", "B1", strings.ToLower(held.Code) + "\r\n", "", "", "positive", true, true, &held},
		{"invalid on a held lot does not release it", "B2", held.Code, "", "", "invalid", false, true, &held},
		{"negative rapid does not release a positive", "B3", " " + held.Code, "", "", "negative", false, true, &held},
		{"invalid (control below zero) is not a pass", "B4", clean.Code, "", "", "invalid", false, false, &clean},
		{"rate above 100 % is invalid", "B5", clean.Code, "", "", "invalid", false, false, &clean},
		{"50 % is positive", "B6", other.Code, "", "", "positive", true, true, &other},
		{"testing station negative", "B7", "", "某某家庭农场", "", "negative", false, false, nil},
		{"testing station positive holds nothing", "B8", "", "", "upstream-0008", "positive", false, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ins store.Inspection
			var err error
			if tc.lot != nil {
				ins, err = analyzerimport.Bind(ctx, s.db, s.tech, ids[tc.rec], tc.scan)
			} else {
				ins, err = analyzerimport.BindExternal(ctx, s.db, s.tech, ids[tc.rec], tc.entity, tc.code)
			}
			if err != nil {
				t.Fatal(err)
			}
			if ins.Verdict != tc.verdict || ins.HoldSet != tc.holdSet || ins.Source != "serial" || ins.ReadingID != ids[tc.rec] || ins.Raw == "" {
				t.Fatalf("inspection %+v: want verdict %s holdSet %v", ins, tc.verdict, tc.holdSet)
			}
			r, err := s.db.ReadingByID(ctx, ids[tc.rec])
			if err != nil || r.Status != "bound" || r.InspectionID != ins.ID {
				t.Fatalf("reading after bind: %+v %v", r, err)
			}
			if tc.lot == nil {
				if ins.LotID != 0 || ins.ExternalEntity != tc.entity || ins.ExternalCode != strings.ToUpper(tc.code) {
					t.Fatalf("testing-station inspection %+v", ins)
				}
				return
			}
			if ins.LotID != tc.lot.ID {
				t.Fatalf("bound to lot %d, want %d", ins.LotID, tc.lot.ID)
			}
			l, err := s.db.LotByID(ctx, tc.lot.ID)
			if err != nil || l.Hold != tc.lotHeldAfter {
				t.Fatalf("lot hold %v, want %v (%v)", l.Hold, tc.lotHeldAfter, err)
			}
			cerr := s.db.CanCertify(ctx, tc.lot.ID, time.Now())
			_, ierr := s.db.IssueCertificate(ctx, s.admin, store.CertInput{LotID: tc.lot.ID, Style: 1, Basis: []string{store.BasisQualityControl}, Quantity: 1, Date: time.Now()})
			if tc.lotHeldAfter {
				for _, e := range []error{cerr, ierr} {
					var um interface{ UserMessage(string) string }
					if !rules.IsRule(e, store.RuleLotOnHold) || !errors.As(e, &um) || !strings.Contains(um.UserMessage("zh"), "扣留规则") ||
						!strings.Contains(um.UserMessage("en"), "hold rule") || !strings.Contains(um.UserMessage("zh"), tc.lot.Code) {
						t.Fatalf("certificate for a held lot: want the hold rule, got %v", e)
					}
				}
			} else if rules.IsRule(cerr, store.RuleLotOnHold) {
				t.Fatalf("lot not held but certificate refused for hold: %v", cerr)
			}
		})
	}
	// No lot got a passing inspection from an invalid reading.
	neg, err := s.db.ListInspections(ctx, store.InspectionQuery{LotID: clean.ID, Verdict: "negative"})
	if err != nil || len(neg) != 0 {
		t.Fatalf("invalid readings produced a pass: %+v %v", neg, err)
	}
	// A bound reading cannot be bound again, nor discarded.
	if _, err := analyzerimport.Bind(ctx, s.db, s.tech, ids["B4"], clean.Code); store.ErrorCode(err) != store.CodeConflict {
		t.Fatalf("second bind: %v", err)
	}
	if len(s.pending()) != 0 {
		t.Fatalf("pending left: %d", len(s.pending()))
	}
	// Re-importing bound readings adds nothing and leaves them bound.
	sum, err := importOnce(ctx, t, s, run{driver: "generic", profile: lineProfile(), readings: readings}, nil)
	if err != nil || sum.Added != 0 || sum.Duplicates != len(readings) || len(s.pending()) != 0 {
		t.Fatalf("re-import after binding: %v %v", sum, err)
	}
	rep, err := s.db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("store does not verify: %v %+v", err, rep)
	}
}

func TestLotCode(t *testing.T) {
	s := newSite(t)
	l := s.harvest()
	full := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, l.Code)
	cases := []struct {
		name, in string
		ok       bool
	}{
		{"as printed", l.Code, true},
		{"scanner suffix", l.Code + "\r\n", true},
		{"caps lock", strings.ToLower(l.Code), true},
		{"full-width IME", full, true},
		{"empty", "  \r\n", false},
		{"certificate instead of a lot", "HGZ-530427-20261128-0001", false},
		{"GS1 product barcode", "(01)09520123456788(10)ABC123", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, err := analyzerimport.LotCode(tc.in)
			if !tc.ok {
				var um interface{ UserMessage(string) string }
				if err == nil || !errors.As(err, &um) || um.UserMessage("zh") == um.UserMessage("en") {
					t.Fatalf("want a bilingual refusal, got %q %v", code, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.db.LotByCode(s.ctx, code)
			if err != nil || got.ID != l.ID {
				t.Fatalf("code %q found lot %d (%v), want %d", code, got.ID, err, l.ID)
			}
		})
	}
	// A damaged check character is refused, never guessed.
	bad := []byte(l.Code)
	last := bad[len(bad)-1]
	bad[len(bad)-1] = map[bool]byte{true: 'A', false: 'B'}[last != 'A']
	if _, err := analyzerimport.LotCode(string(bad)); err == nil {
		t.Fatalf("code with a wrong check character %q accepted", bad)
	}
}

// BenchmarkImport measures readings committed per second (one journaled
// transaction each, synchronous=FULL) through the whole path: simulator on
// a pty → LZ-4000T driver → Import → store.
func BenchmarkImport(b *testing.B) {
	const n = 200
	want, err := sim.Generate("lz4000t", n, 9, nil)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newSite(b)
		b.StartTimer()
		sum, err := importOnce(context.Background(), b, s, run{driver: "lz4000t", readings: want}, nil)
		if err != nil || sum.Added != n {
			b.Fatalf("%v %v", sum, err)
		}
		total += sum.Elapsed
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "readings/s")
}

// BenchmarkCommitReading isolates the store side: one reading per
// transaction, as Import commits them.
func BenchmarkCommitReading(b *testing.B) {
	s := newSite(b)
	rs, _ := sim.Generate("lz4000t", 1, 1, nil)
	in := analyzerimport.ToInput(rs[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in.RecordNo = fmt.Sprintf("bench-%d", i)
		if added, _, err := s.db.ImportReadings(s.ctx, s.tech, []store.ReadingInput{in}); err != nil || added != 1 {
			b.Fatal(added, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}
