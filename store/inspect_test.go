package store

import (
	"testing"
)

func TestRapidVerdictIsComputed(t *testing.T) {
	s := newD2Site(t)
	cases := []struct {
		name     string
		in       InspectionInput
		verdict  string
		hold     bool
		overrode bool
	}{
		{"ΔA positive (83%)", InspectionInput{ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.1)}, "positive", true, false},
		{"ΔA exactly 50% is positive", InspectionInput{ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.3)}, "positive", true, false},
		{"ΔA negative", InspectionInput{ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.5)}, "negative", false, false},
		{"caller says negative, rule says positive", InspectionInput{ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.1), Verdict: "negative"}, "positive", true, true},
		{"caller says positive, rule says negative", InspectionInput{Rate: d2f(12), Verdict: "positive"}, "negative", false, true},
		{"control ΔA zero is invalid, not a pass", InspectionInput{ControlDeltaA: d2f(0), SampleDeltaA: d2f(0.1), Verdict: "negative"}, "invalid", false, true},
		{"rate above 100 invalid", InspectionInput{Rate: d2f(120)}, "invalid", false, false},
		{"rate 70 positive", InspectionInput{Rate: d2f(70)}, "positive", true, false},
		{"card read by eye", InspectionInput{Verdict: "negative"}, "negative", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lot := s.harvest(s.plotID, "2026-11-20", 10, false)
			in := tc.in
			in.LotID, in.Kind = lot, "rapid"
			got, err := s.db.RecordInspection(s.ctx, d2Tech, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != tc.verdict || got.HoldSet != tc.hold || got.CallerOverrode != tc.overrode {
				t.Fatalf("got verdict %s hold %v overrode %v", got.Verdict, got.HoldSet, got.CallerOverrode)
			}
			if l := s.lot(lot); l.Hold != tc.hold {
				t.Fatalf("lot hold %v", l.Hold)
			}
			stored, _ := s.db.InspectionByID(s.ctx, got.ID)
			if stored.Verdict != tc.verdict {
				t.Fatalf("stored %s", stored.Verdict)
			}
			if tc.hold {
				h, _ := s.db.History(s.ctx, "lots", lot)
				if last := h[len(h)-1]; last.Kind != "lots.hold" || last.Reason == "" {
					t.Fatalf("hold not journaled: %+v", last)
				}
			}
		})
	}
	t.Run("bad input", func(t *testing.T) {
		lot := s.harvest(s.plotID, "2026-11-20", 10, false)
		for _, in := range []InspectionInput{
			{LotID: lot, Kind: "rapid"},
			{LotID: lot, Kind: "lab"},
			{LotID: lot, Kind: "lab", Value: d2f(0.5), Limit: d2f(0.2), Verdict: "negative"},
			{LotID: lot, Kind: "x", Verdict: "negative"},
			{Kind: "rapid", Verdict: "negative"},
		} {
			if _, err := s.db.RecordInspection(s.ctx, d2Tech, in); ErrorCode(err) != CodeInvalid {
				t.Fatalf("%+v accepted: %v", in, err)
			}
		}
		if _, err := s.db.RecordInspection(s.ctx, d2Packer, InspectionInput{LotID: lot, Kind: "rapid", Verdict: "negative"}); ErrorCode(err) != CodeForbidden {
			t.Fatalf("packer recorded a test: %v", err)
		}
	})
}

func TestRetestRelease(t *testing.T) {
	s := newD2Site(t)
	cases := []struct {
		name     string
		retest   InspectionInput
		released bool
		needsLab bool
	}{
		{"negative rapid re-test does not release", InspectionInput{Kind: "rapid", ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.55)}, false, true},
		{"invalid re-test does not release", InspectionInput{Kind: "rapid", ControlDeltaA: d2f(-1), SampleDeltaA: d2f(0.1)}, false, false},
		{"positive lab re-test keeps hold", InspectionInput{Kind: "lab", Value: d2f(0.9), Limit: d2f(0.5)}, false, false},
		{"negative lab re-test releases", InspectionInput{Kind: "lab", Value: d2f(0.01), Limit: d2f(0.5), Verdict: "negative"}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lot := s.harvest(s.plotID, "2026-11-20", 10, false)
			p := s.positive(lot)
			in := tc.retest
			in.LotID, in.RetestOf = lot, d2i(p.ID)
			got, err := s.db.RecordInspection(s.ctx, d2Tech, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.HoldLifted != tc.released || s.lot(lot).Hold == tc.released || got.NeedsLabRetest != tc.needsLab {
				t.Fatalf("lifted %v hold %v needsLab %v", got.HoldLifted, s.lot(lot).Hold, got.NeedsLabRetest)
			}
			if tc.released {
				h, _ := s.db.History(s.ctx, "lots", lot)
				if h[len(h)-1].Kind != "lots.release" {
					t.Fatalf("release not journaled: %+v", h[len(h)-1])
				}
				if _, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, BuyerName: "b", BuyerType: "market", Quantity: 1}); err != nil {
					t.Fatalf("released lot still blocked: %v", err)
				}
			}
		})
	}
	t.Run("two positives need two lab re-tests", func(t *testing.T) {
		lot := s.harvest(s.plotID, "2026-11-20", 10, false)
		p1, p2 := s.positive(lot), s.positive(lot)
		lab := func(of int64) Inspection {
			x, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: lot, Kind: "lab", Verdict: "negative", RetestOf: d2i(of)})
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		if lab(p1.ID).HoldLifted || !s.lot(lot).Hold {
			t.Fatal("released with a positive unresolved")
		}
		if !lab(p2.ID).HoldLifted || s.lot(lot).Hold {
			t.Fatal("not released after both re-tests")
		}
	})
	t.Run("re-test of another lot refused", func(t *testing.T) {
		a, b := s.harvest(s.plotID, "2026-11-20", 10, false), s.harvest(s.plotID, "2026-11-20", 10, false)
		p := s.positive(a)
		_, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: b, Kind: "lab", Verdict: "negative", RetestOf: d2i(p.ID)})
		if ErrorCode(err) != CodeInvalid {
			t.Fatalf("cross-lot re-test: %v", err)
		}
	})
	t.Run("admin release needs override and reason", func(t *testing.T) {
		lot := s.harvest(s.plotID, "2026-11-20", 10, false)
		s.positive(lot)
		if err := s.db.ReleaseHold(s.ctx, d2Tech, lot, "ok"); ErrorCode(err) != CodeForbidden {
			t.Fatalf("technician released: %v", err)
		}
		if err := s.db.ReleaseHold(s.ctx, d2Admin, lot, " "); ErrorCode(err) != CodeInvalid {
			t.Fatalf("released without reason: %v", err)
		}
		if err := s.db.ReleaseHold(s.ctx, d2Admin, lot, "生产者未在4小时内提出异议，经监管站复核"); err != nil || s.lot(lot).Hold {
			t.Fatalf("admin release: %v", err)
		}
	})
	t.Run("voiding the positive releases, voiding the re-test re-holds", func(t *testing.T) {
		lot := s.harvest(s.plotID, "2026-11-20", 10, false)
		p := s.positive(lot)
		if err := s.db.VoidInspection(s.ctx, d2Admin, p.ID, "样品编号录错"); err != nil || s.lot(lot).Hold {
			t.Fatalf("void positive: %v hold %v", err, s.lot(lot).Hold)
		}
		p2 := s.positive(lot)
		r, _ := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: lot, Kind: "lab", Verdict: "negative", RetestOf: d2i(p2.ID)})
		if s.lot(lot).Hold {
			t.Fatal("not released")
		}
		if err := s.db.VoidInspection(s.ctx, d2Admin, r.ID, "报告不属于该批次"); err != nil || !s.lot(lot).Hold {
			t.Fatalf("void re-test: %v hold %v", err, s.lot(lot).Hold)
		}
	})
	t.Run("testing-station mode never holds", func(t *testing.T) {
		x, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{ExternalEntity: "某农户", ExternalCode: "abc 123", Kind: "rapid", Rate: d2f(80)})
		if err != nil || x.Verdict != "positive" || x.HoldSet || x.LotID != 0 || x.ExternalCode != "ABC123" {
			t.Fatalf("%+v %v", x, err)
		}
		n, _ := s.db.CountInspections(s.ctx, InspectionQuery{ListQuery: ListQuery{Search: "某农户"}})
		if n != 1 {
			t.Fatalf("search %d", n)
		}
	})
}
