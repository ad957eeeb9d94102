package store

import (
	"strings"
	"testing"
	"time"

	"suyuan/store/rules"
	"suyuan/store/tracecode"
)

func TestHarvestPHIGate(t *testing.T) {
	// Today is 2026-11-28. 阿维菌素 has a 14-day PHI.
	cases := []struct {
		name      string
		applied   []string // on the citrus plot
		voidFirst bool
		actor     Actor
		override  *Override
		want      string
		override1 bool // lot flagged phi_override
	}{
		{"no applications", nil, false, fxRecorder, nil, "", false},
		{"after the window", []string{"2026-11-01", "2026-11-14"}, false, fxRecorder, nil, "", false},
		{"inside, recorder", []string{"2026-11-01", "2026-11-20"}, false, fxRecorder, nil, string(CodeRule), false},
		{"inside, recorder with a reason", []string{"2026-11-20"}, false, fxRecorder, &Override{Reason: "客户急需"}, string(CodeRule), false},
		{"inside, admin without reason", []string{"2026-11-20"}, false, fxAdmin, nil, string(CodeRule), false},
		{"inside, admin with blank reason", []string{"2026-11-20"}, false, fxAdmin, &Override{Reason: "  "}, string(CodeRule), false},
		{"inside, admin with reason", []string{"2026-11-20"}, false, fxAdmin, &Override{Reason: "冰雹将至，抢收后单独存放待检"}, "", true},
		{"voided application does not count", []string{"2026-11-20"}, true, fxRecorder, nil, "", false},
		{"override ignored outside the window", []string{"2026-11-01"}, false, fxAdmin, &Override{Reason: "不需要"}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newSite(t)
			for i, d := range tc.applied {
				a := f.mustApply(d, f.citrus, f.abamectin)
				if tc.voidFirst && i == 0 {
					if err := f.db.Void(f.ctx, fxAdmin, "applications", a.ID, "药未施用，记录作废"); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Fertiliser applied yesterday never blocks a harvest.
			f.mustApply("2026-11-27", f.citrus, f.fertilizer)
			lot, err := f.db.Harvest(f.ctx, tc.actor, HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, "2026-11-28"), Quantity: 1250.5, Override: tc.override})
			wantErr(t, err, tc.want)
			if err != nil {
				// 2026-11-20 + 14 days.
				for _, lang := range []string{"zh", "en"} {
					if msg := userMessage(err, lang); !strings.Contains(msg, "2026-12-04") {
						t.Fatalf("%s message lacks the earliest date: %s", lang, msg)
					}
				}
				if !rules.IsRule(err, rules.RulePHIWindow) {
					t.Fatalf("cause is not the PHI rule: %v", err)
				}
				var n int
				f.db.r.QueryRowContext(f.ctx, "SELECT count(*) FROM lots").Scan(&n)
				if n != 0 {
					t.Fatal("refused harvest created a lot")
				}
				return
			}
			stored := f.lot(lot.ID)
			if stored != lot {
				t.Fatalf("stored %+v, returned %+v", stored, lot)
			}
			if stored.PHIOverride != tc.override1 || stored.Source != LotHarvest || stored.PlotID != f.citrus.ID || stored.Unit != "kg" || stored.Quantity != 1250.5 {
				t.Fatalf("lot %+v", stored)
			}
			h, _ := f.db.History(f.ctx, "lots", lot.ID)
			if len(h) != 1 || h[0].Kind != "lots.create" || h[0].Actor != tc.actor.Username {
				t.Fatalf("history %+v", h)
			}
			if tc.override1 {
				if stored.OverrideReason != tc.override.Reason || !strings.Contains(h[0].Reason, tc.override.Reason) {
					t.Fatalf("override reason not on the lot/journal: %+v / %q", stored, h[0].Reason)
				}
			} else if stored.OverrideReason != "" || h[0].Reason != "" {
				t.Fatalf("unexpected override reason: %+v", stored)
			}
		})
	}
}

func TestHarvestInputChecks(t *testing.T) {
	f := newSite(t)
	retired, _ := f.db.AddProduct(f.ctx, fxAdmin, Product{Name: "旧品种", CropCategory: "瓜果"})
	f.db.Correct(f.ctx, fxAdmin, "products", retired.ID, map[string]any{"retired": 1}, "不再种植")
	in := HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, "2026-11-28"), Quantity: 10, Unit: "箱"}
	cases := []struct {
		name   string
		modify func(in *HarvestInput)
		want   string
	}{
		{"ok", func(in *HarvestInput) {}, ""},
		{"future", func(in *HarvestInput) { in.Date = day(t, "2026-11-29") }, string(CodeInvalid)},
		{"zero quantity", func(in *HarvestInput) { in.Quantity = 0 }, "rule:" + rules.RuleQuantity},
		{"unknown plot", func(in *HarvestInput) { in.PlotID = 999 }, string(CodeNotFound)},
		{"unknown product", func(in *HarvestInput) { in.ProductID = 999 }, string(CodeNotFound)},
		{"retired product", func(in *HarvestInput) { in.ProductID = retired.ID }, string(CodeInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := in
			tc.modify(&x)
			l, err := f.db.Harvest(f.ctx, fxRecorder, x)
			wantErr(t, err, tc.want)
			if err == nil && l.Unit != "箱" {
				t.Fatalf("unit %q", l.Unit)
			}
		})
	}
}

func TestHarvestLotCodes(t *testing.T) {
	f := newSite(t)
	for i, d := range []string{"2026-11-27", "2026-11-27", "2026-11-28"} {
		l, err := f.db.Harvest(f.ctx, fxRecorder, HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, d), Quantity: 10})
		if err != nil {
			t.Fatal(err)
		}
		c, err := tracecode.Parse(l.Code)
		if err != nil {
			t.Fatalf("%s: %v", l.Code, err)
		}
		wantSeq := []int{1, 2, 1}[i]
		if c.Site != "XPJS01" || !c.Day.Equal(day(t, d)) || c.Seq != wantSeq || !strings.HasPrefix(l.Code, "XPJS01-"+day(t, d).Format("060102")+"-") {
			t.Fatalf("code %s parsed %+v, want day %s seq %d", l.Code, c, d, wantSeq)
		}
	}
}

func TestPHIStatusAndWindowList(t *testing.T) {
	f := newSite(t)
	if e, inside, err := f.db.PHIStatus(f.ctx, f.citrus.ID, day(t, "2026-11-28")); err != nil || !e.IsZero() || inside {
		t.Fatalf("no applications: %v %v %v", e, inside, err)
	}
	f.mustApply("2026-11-10", f.citrus, f.abamectin) // earliest 11-24
	late := f.mustApply("2026-11-20", f.citrus, f.abamectin)
	long := f.pesticide("吡虫啉", "PD20080200", "低毒", 30, "吡虫啉")
	f.mustApply("2026-11-05", f.rice, long)        // earliest 12-05
	f.mustApply("2026-10-01", f.tea, f.abamectin)  // earliest 10-15: past
	f.mustApply("2026-11-27", f.veg, f.fertilizer) // not a pesticide
	cases := []struct {
		on       string
		earliest string
		inside   bool
	}{
		{"2026-11-28", "2026-12-04", true},
		{"2026-12-03", "2026-12-04", true},
		{"2026-12-04", "2026-12-04", false},
		{"2026-11-15", "2026-11-24", true}, // applications after the day do not count
		{"2026-11-09", "", false},
	}
	for _, tc := range cases {
		e, inside, err := f.db.PHIStatus(f.ctx, f.citrus.ID, day(t, tc.on))
		if err != nil || inside != tc.inside || (tc.earliest == "" && !e.IsZero()) || (tc.earliest != "" && !e.Equal(day(t, tc.earliest))) {
			t.Fatalf("on %s: earliest %v inside %v %v; want %s %v", tc.on, e, inside, err, tc.earliest, tc.inside)
		}
	}
	w, err := f.db.LotsInPHIWindow(f.ctx, day(t, "2026-11-28"))
	if err != nil || len(w) != 2 {
		t.Fatalf("window %+v %v", w, err)
	}
	// Soonest first: citrus (2026-11-20 + 14) then rice (2026-11-05 + 30).
	if w[0].PlotID != f.citrus.ID || !w[0].Earliest.Equal(day(t, "2026-12-04")) || !w[0].LastApplied.Equal(day(t, "2026-11-20")) ||
		w[0].BaseName != f.base.Name || w[1].PlotID != f.rice.ID || !w[1].Earliest.Equal(day(t, "2026-12-05")) {
		t.Fatalf("window %+v", w)
	}
	// Voiding the late application moves citrus out of the window.
	if err := f.db.Void(f.ctx, fxRecorder, "applications", late.ID, "重复录入"); err != nil {
		t.Fatal(err)
	}
	w, _ = f.db.LotsInPHIWindow(f.ctx, day(t, "2026-11-28"))
	if len(w) != 1 || w[0].PlotID != f.rice.ID {
		t.Fatalf("after void %+v", w)
	}
	// The SQL day arithmetic agrees with rules.EarliestHarvest.
	e, _, _ := f.db.PHIStatus(f.ctx, f.rice.ID, day(t, "2026-11-28"))
	if !e.Equal(w[0].Earliest) {
		t.Fatalf("PHIStatus %v vs window %v", e, w[0].Earliest)
	}
}

// BenchmarkHarvest is one journaled harvest with the PHI gate (a plot with
// 20 past applications) and a new lot code, per transaction.
func BenchmarkHarvest(b *testing.B) {
	f := newSite(b)
	for i := 0; i < 20; i++ {
		f.mustApply(time.Date(2026, 9, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), f.citrus, f.abamectin)
	}
	in := HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(b, "2026-11-28"), Quantity: 100}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.db.Harvest(f.ctx, fxRecorder, in); err != nil {
			b.Fatal(err)
		}
	}
}
