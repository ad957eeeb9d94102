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

// TestReadiness builds a journal history month by month with a controlled
// clock.
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
			s := newD2Site(t) // its setup entries are journaled "now" (2026-11-28), after every on
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
