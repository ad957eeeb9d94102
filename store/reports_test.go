package store

import (
	"strings"
	"testing"
	"time"
)

func TestCompleteness(t *testing.T) {
	s := newD2Site(t)
	from, to := d2Day(t, "2026-06-01"), d2Day(t, "2026-11-28")
	status := func() map[string]CompletenessItem {
		c, err := s.db.Completeness(s.ctx, s.orange, from, to)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]CompletenessItem{}
		for _, it := range c.Items {
			m[it.Area] = it
		}
		return m
	}
	steps := []struct {
		name string
		do   func()
		want map[string]string
		cnt  map[string]int
	}{
		{"nothing recorded", func() {}, map[string]string{"environment": StatusMissing, "inputs": StatusMissing, "tests": StatusMissing, "processing": StatusNotApplicable}, nil},
		{"env test + spray", func() {
			s.envTest("2025-03-01")
			s.apply(s.plotID, s.pesticide, "2026-09-01")
			s.apply(s.plotID, s.fertilizer, "2026-05-01")
		},
			map[string]string{"environment": StatusPresent, "inputs": StatusPresent, "tests": StatusMissing}, map[string]int{"inputs": 1}},
		{"harvest and test", func() { s.negative(s.harvest(s.plotID, "2026-11-10", 100, false)) },
			map[string]string{"tests": StatusPresent, "processing": StatusNotApplicable}, map[string]int{"tests": 1}},
		{"packing recorded", func() {
			if _, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{1, 10}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 10}}}); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"processing": StatusPresent}, map[string]int{"processing": 1}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			got := status()
			for area, want := range st.want {
				if got[area].Status != want {
					t.Fatalf("%s: %s, want %s", area, got[area].Status, want)
				}
			}
			for area, n := range st.cnt {
				if got[area].Count != n {
					t.Fatalf("%s count %d, want %d", area, got[area].Count, n)
				}
			}
		})
	}
	c, _ := s.db.Completeness(s.ctx, s.orange, from, to)
	if !c.Complete || c.Lots != 2 {
		t.Fatalf("complete %+v", c)
	}
	h, err := s.db.HomeSummary(s.ctx, to)
	if err != nil || h.Unsynced != -1 || len(h.IncompleteProducts) != 1 || !strings.HasPrefix(h.IncompleteProducts[0], "橙汁") {
		t.Fatalf("home %+v %v", h, err)
	}
}

// TestReadiness builds a history month by month (each record dated and, with
// a controlled clock, journaled in its month).
func TestReadiness(t *testing.T) {
	cases := []struct {
		name   string
		months []string // months with a record, "2026-05" ...
		on     string
		ready  bool
		gaps   string
	}{
		{"seven full months", []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"}, "2026-11-15", true, ""},
		{"gap in August", []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-09", "2026-10", "2026-11"}, "2026-11-15", false, "2026-08"},
		{"started too late", []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"}, "2026-11-15", false, ""},
		{"current month may be empty", []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}, "2026-11-02", true, ""},
		{"old gap outside the window is fine", []string{"2025-01", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}, "2026-11-02", true, ""},
		{"nothing recorded", nil, "2026-11-15", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newD2Site(t) // its set-up rows (entity, plots, products...) carry no record date and do not count
			for _, m := range tc.months {
				at, _ := time.Parse("2006-01-02", m+"-10")
				s.db.Now = func() time.Time { return at }
				s.apply(s.plotID, s.fertilizer, m+"-10")
			}
			r, err := s.db.Readiness(s.ctx, d2Day(t, tc.on))
			if err != nil {
				t.Fatal(err)
			}
			if r.Ready != tc.ready || strings.Join(r.Gaps, ",") != tc.gaps {
				t.Fatalf("ready %v gaps %v months %+v first %v", r.Ready, r.Gaps, r.Months, r.FirstRecord)
			}
			if len(tc.months) > 0 && (r.Months[0].Month != tc.months[0] || r.Months[len(r.Months)-1].Month != tc.on[:7]) {
				t.Fatalf("months %+v", r.Months)
			}
		})
	}
}

func TestHomeSummaryAndMonthlyStats(t *testing.T) {
	s := newD2Site(t)
	s.apply(s.plotID, s.pesticide, "2026-11-20")
	inPHI := s.harvest(s.plotID, "2026-11-25", 100, false)
	s.harvest(s.plotID, "2026-11-25", 100, true) // override: not listed
	held := s.harvest(s.plot2ID, "2026-11-20", 10, false)
	s.positive(held)
	s.negative(inPHI)
	s.db.ImportReadings(s.ctx, d2Tech, d2Readings(3))
	err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
		_, err := d2Insert(s.ctx, tx, "certifications", `INSERT INTO certifications(kind, number, product_name, valid_from, valid_to, jseq)
			VALUES('green','LB-15-19012700330A','冰糖橙','2023-01-01','2027-01-10',0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.db.HomeSummary(s.ctx, d2Day(t, "2026-11-28"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.LotsInPHI) != 1 || h.LotsInPHI[0].ID != inPHI || h.LotsInPHI[0].Reason != "2026-12-04" {
		t.Fatalf("PHI %+v", h.LotsInPHI)
	}
	if h.LotsOnHoldCount != 1 || h.LotsOnHold[0].ID != held || h.PendingReadings != 3 || len(h.CertificationsExpiring) != 1 {
		t.Fatalf("home %+v", h)
	}
	st, err := s.db.MonthlyStats(s.ctx, d2Day(t, "2026-10-01"), d2Day(t, "2026-11-28"))
	if err != nil || len(st) != 2 {
		t.Fatalf("stats %+v %v", st, err)
	}
	if st[0].Tests != 0 || st[1].Tests != 2 || st[1].Positive != 1 || st[1].PassRate != 0.5 || st[1].Applications != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestReadinessCountsRecordDates: a site that kept paper records types five
// months of them in today. Readiness counts each record in the month of its
// own date (application, harvest, test, env test), not the month it was
// journaled; voided records and records dated after on do not count.
func TestReadinessCountsRecordDates(t *testing.T) {
	typedIn := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		seed  func(s *d2Site)
		on    string
		ready bool
		first string
		gaps  string
		count map[string]int
	}{
		{"paper records of May to November typed in today", func(s *d2Site) {
			s.envTest("2026-05-03")
			for _, m := range []string{"06", "07", "08", "09", "10", "11"} {
				s.apply(s.plotID, s.fertilizer, "2026-"+m+"-10")
			}
			s.negative(s.harvest(s.plotID, "2026-10-20", 100, false)) // lot dated October, test dated today
		}, "2026-11-28", true, "2026-05-03", "", map[string]int{"2026-05": 1, "2026-06": 1, "2026-10": 2, "2026-11": 2}},
		{"a gap stays a gap however late the records are typed", func(s *d2Site) {
			for _, m := range []string{"05", "06", "07", "09", "10"} {
				s.apply(s.plotID, s.fertilizer, "2026-"+m+"-10")
			}
		}, "2026-11-28", false, "2026-05-10", "2026-08", map[string]int{"2026-08": 0, "2026-11": 0}},
		{"voided and future-dated records do not count", func(s *d2Site) {
			for _, m := range []string{"06", "07", "08", "09", "10"} {
				s.apply(s.plotID, s.fertilizer, "2026-"+m+"-10")
			}
			id := s.apply(s.plotID, s.fertilizer, "2026-04-10")
			if err := s.db.Void(s.ctx, d2Admin, "applications", id, "typed on the wrong plot"); err != nil {
				t.Fatal(err)
			}
			s.apply(s.plotID, s.fertilizer, "2026-12-05")
		}, "2026-11-28", false, "2026-06-10", "", map[string]int{"2026-06": 1, "2026-11": 0}},
		{"on the 31st the window still starts six months back (February)", func(s *d2Site) {
			for _, m := range []string{"01", "03", "04", "05", "06", "07"} {
				s.apply(s.plotID, s.fertilizer, "2026-"+m+"-10")
			}
		}, "2026-08-31", false, "2026-01-10", "2026-02", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newD2Site(t)
			s.db.Now = func() time.Time { return typedIn }
			tc.seed(s)
			r, err := s.db.Readiness(s.ctx, d2Day(t, tc.on))
			if err != nil {
				t.Fatal(err)
			}
			if r.Ready != tc.ready || dayStr(r.FirstRecord) != tc.first || strings.Join(r.Gaps, ",") != tc.gaps {
				t.Fatalf("ready %v first %v gaps %v, want %v %s %q; months %+v", r.Ready, dayStr(r.FirstRecord), r.Gaps, tc.ready, tc.first, tc.gaps, r.Months)
			}
			got := map[string]int{}
			for _, m := range r.Months {
				got[m.Month] = m.Entries
			}
			for m, n := range tc.count {
				if got[m] != n {
					t.Errorf("%s: %d records, want %d (months %+v)", m, got[m], n, r.Months)
				}
			}
		})
	}
}

func dayStr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// TestHomeAgreesWithCompletenessReport: Home's record-completeness card is
// the completeness report over CompletenessWindow, product by product and
// area by area. The month-end case is where a window computed as
// on.AddDate(0, -6, 0) drifted into March (08-31 − 6 months = "02-31" =
// 03-03): a test on 03-01 fell outside Home's window, so Home said 缺检测
// while a report for the six months to 08-31 said 齐全.
func TestHomeAgreesWithCompletenessReport(t *testing.T) {
	cases := []struct {
		name, on     string
		seed         func(s *d2Site)
		from         string
		orangeMissed string // missing areas of 冰糖橙 on Home, "" = complete
	}{
		{"test on the first day of the window, on the 31st", "2026-08-31", func(s *d2Site) {
			s.envTest("2025-03-01")
			s.apply(s.plotID, s.fertilizer, "2026-05-01")
			lot := s.harvest(s.plotID, "2026-03-01", 100, false)
			s.testOn(lot, "2026-03-01T02:00:00Z")
		}, "2026-02-28", ""},
		{"test seven months ago", "2026-11-28", func(s *d2Site) {
			s.envTest("2025-03-01")
			s.apply(s.plotID, s.fertilizer, "2026-09-01")
			lot := s.harvest(s.plotID, "2026-04-20", 100, false)
			s.testOn(lot, "2026-04-20T02:00:00Z")
		}, "2026-05-28", "tests"},
		{"nothing but an env test", "2026-11-28", func(s *d2Site) { s.envTest("2025-03-01") }, "2026-05-28", "inputs, tests"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newD2Site(t)
			tc.seed(s)
			on := d2Day(t, tc.on)
			from, to := CompletenessWindow(on)
			if dayStr(from) != tc.from || dayStr(to) != tc.on {
				t.Fatalf("window %s – %s, want %s – %s", dayStr(from), dayStr(to), tc.from, tc.on)
			}
			h, err := s.db.HomeSummary(s.ctx, on)
			if err != nil {
				t.Fatal(err)
			}
			report, err := s.db.CompletenessAll(s.ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !h.IncompleteFrom.Equal(from) || !h.IncompleteTo.Equal(to) {
				t.Fatalf("home window %v – %v, report %v – %v", h.IncompleteFrom, h.IncompleteTo, from, to)
			}
			home := map[int64]string{}
			for _, c := range h.Incomplete {
				home[c.ProductID] = strings.Join(c.Missing(), ", ")
			}
			for _, c := range report {
				got, listed := home[c.ProductID]
				if listed == c.Complete || got != strings.Join(c.Missing(), ", ") {
					t.Errorf("%s: home lists %v (missing %q), report complete=%v missing %v", c.ProductName, listed, got, c.Complete, c.Missing())
				}
			}
			if home[s.orange] != tc.orangeMissed {
				t.Errorf("冰糖橙 missing %q on Home, want %q", home[s.orange], tc.orangeMissed)
			}
			if len(h.IncompleteProducts) != len(h.Incomplete) {
				t.Errorf("IncompleteProducts %v vs Incomplete %d", h.IncompleteProducts, len(h.Incomplete))
			}
		})
	}
}

// testOn records a negative rapid test of lot at the given UTC time.
func (s *d2Site) testOn(lot int64, at string) {
	s.t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: lot, Kind: "rapid", Item: "有机磷和氨基甲酸酯类",
		TestedAt: ts, ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.5)}); err != nil {
		s.t.Fatal(err)
	}
}
