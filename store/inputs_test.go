package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"suyuan/store/rules"
)

func TestAddApplicationGates(t *testing.T) {
	f := newSite(t)
	dimethoate := f.pesticide("40%乐果乳油", "PD20080100", "中等毒", 7, "乐果")
	chlorpyrifos := f.pesticide("毒死蜱乳油", "PD20080101", "中等毒", 21, "毒死蜱")
	aluminium := f.pesticide("磷化铝片剂", "PD20080102", "高毒", 10, "磷化铝")
	extreme := f.pesticide("某剧毒剂", "PD20080103", "剧毒", 10, "杀鼠灵")
	methamidophos := f.pesticideBannedSince("甲胺磷乳油", "高毒", 14, "甲胺磷")
	omethoate := f.pesticideBannedSince("氧乐果乳油", "中等毒", 14, "氧乐果")
	phorate := f.pesticideBannedSince("甲拌磷颗粒剂", "中等毒", 30, "甲拌磷")
	retiredPlot := f.plot("废弃地", "柑橘", "瓜果")
	if err := f.db.Correct(f.ctx, fxAdmin, "plots", retiredPlot.ID, map[string]any{"retired": true}, "地块已退耕"); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		date   string
		plot   Plot
		m      Material
		want   string
		phrase string // in the zh message
	}{
		{"abamectin on citrus", "2026-11-20", f.citrus, f.abamectin, "", ""},
		{"fertilizer on tea", "2026-11-20", f.tea, f.fertilizer, "", ""},
		{"乐果 on 瓜果", "2026-11-20", f.citrus, dimethoate, "rule:" + rules.RuleCropBannedPesticide, "乐果"},
		{"乐果 on 茶叶", "2026-11-20", f.tea, dimethoate, "rule:" + rules.RuleCropBannedPesticide, "限定范围禁用"},
		{"乐果 on 粮食", "2026-11-20", f.rice, dimethoate, "", ""},
		{"乐果 on 瓜果 before its ban", "2019-07-31", f.citrus, dimethoate, "", ""},
		{"毒死蜱 on 蔬菜", "2026-11-20", f.veg, chlorpyrifos, "rule:" + rules.RuleCropBannedPesticide, "毒死蜱"},
		{"毒死蜱 on 瓜果", "2026-11-20", f.citrus, chlorpyrifos, "", ""},
		{"高毒 on 茶叶", "2026-11-20", f.tea, aluminium, "rule:" + rules.RuleHighlyToxic, "第三十四条"},
		{"高毒 on 蔬菜", "2026-11-20", f.veg, aluminium, "rule:" + rules.RuleHighlyToxic, "高毒"},
		{"高毒 on 粮食", "2026-11-20", f.rice, aluminium, "", ""},
		{"剧毒 on 瓜果", "2026-11-20", f.citrus, extreme, "rule:" + rules.RuleHighlyToxic, "剧毒"},
		{"甲胺磷 anywhere", "2026-11-20", f.rice, methamidophos, "rule:" + rules.RuleBannedPesticide, "甲胺磷"},
		{"氧乐果 on 柑橘 after 2026-06-01", "2026-07-01", f.citrus, omethoate, "rule:" + rules.RuleBannedPesticide, "2026-06-01"},
		{"氧乐果 on 柑橘 before 2026-06-01", "2026-05-01", f.citrus, omethoate, "rule:" + rules.RuleCropBannedPesticide, "柑橘"},
		{"氧乐果 on 粮食 before 2026-06-01", "2026-05-01", f.rice, omethoate, "", ""},
		{"甲拌磷 on 粮食 before its full ban", "2024-08-01", f.rice, phorate, "", ""},
		{"future date", "2026-11-29", f.citrus, f.abamectin, string(CodeInvalid), "未来"},
		{"retired plot", "2026-11-20", retiredPlot, f.abamectin, string(CodeInvalid), "停用"},
		{"unknown plot", "2026-11-20", Plot{ID: 999}, f.abamectin, string(CodeNotFound), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := f.db.CountApplications(f.ctx, ListQuery{IncludeVoided: true}, 0)
			a, err := f.apply(fxRecorder, tc.date, tc.plot, tc.m)
			wantErr(t, err, tc.want)
			after, _ := f.db.CountApplications(f.ctx, ListQuery{IncludeVoided: true}, 0)
			if tc.want != "" {
				if after != before {
					t.Fatal("refused application was stored")
				}
				if !strings.Contains(userMessage(err, "zh"), tc.phrase) {
					t.Fatalf("zh message %q lacks %q", userMessage(err, "zh"), tc.phrase)
				}
				return
			}
			if after != before+1 {
				t.Fatal("application not stored")
			}
			got, err := f.db.GetApplication(f.ctx, a.ID)
			if err != nil || got != a || got.Crop != tc.plot.Crop {
				t.Fatalf("stored %+v %v, returned %+v", got, err, a)
			}
		})
	}
	// A retired material is refused too.
	if err := f.db.Correct(f.ctx, fxAdmin, "materials", chlorpyrifos.ID, map[string]any{"retired": true}, "停止使用"); err != nil {
		t.Fatal(err)
	}
	_, err := f.apply(fxRecorder, "2026-11-20", f.citrus, chlorpyrifos)
	wantErr(t, err, string(CodeInvalid))
}

func TestApplicationCropDefaultAndInputChecks(t *testing.T) {
	f := newSite(t)
	base := ApplicationInput{Date: day(t, "2026-11-25"), PlotID: f.citrus.ID, MaterialID: f.abamectin.ID, Dose: 30, DoseUnit: "ml/亩"}
	cases := []struct {
		name   string
		modify func(in *ApplicationInput)
		want   string
		crop   string
	}{
		{"crop from plot", func(in *ApplicationInput) {}, "", "柑橘"},
		{"crop given", func(in *ApplicationInput) { in.Crop = "沃柑" }, "", "沃柑"},
		{"no dose", func(in *ApplicationInput) { in.Dose = 0 }, "rule:" + rules.RuleQuantity, ""},
		{"dose with 4 decimals", func(in *ApplicationInput) { in.Dose = 1.2345 }, "rule:" + rules.RuleQuantity, ""},
		{"no dose unit", func(in *ApplicationInput) { in.DoseUnit = "" }, string(CodeInvalid), ""},
		{"no date", func(in *ApplicationInput) { in.Date = day(t, "0001-01-01") }, string(CodeInvalid), ""},
		{"negative area", func(in *ApplicationInput) { in.AreaMu = -2 }, string(CodeInvalid), ""},
		{"unknown material", func(in *ApplicationInput) { in.MaterialID = 999 }, string(CodeNotFound), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.modify(&in)
			a, err := f.db.AddApplication(f.ctx, fxRecorder, in)
			wantErr(t, err, tc.want)
			if err == nil && a.Crop != tc.crop {
				t.Fatalf("crop %q, want %q", a.Crop, tc.crop)
			}
		})
	}
}

func TestPermissionMatrix(t *testing.T) {
	f := newSite(t)
	app := func(a Actor) error { _, err := f.apply(a, "2026-11-20", f.rice, f.abamectin); return err }
	harvest := func(a Actor) error {
		_, err := f.db.Harvest(f.ctx, a, HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, "2026-11-28"), Quantity: 50})
		return err
	}
	material := func(a Actor) error {
		_, err := f.db.AddMaterial(f.ctx, a, Material{Kind: MaterialOther, Name: "粘虫板"})
		return err
	}
	purchase := func(a Actor) error {
		_, err := f.db.AddPurchase(f.ctx, a, Purchase{MaterialID: f.abamectin.ID, PurchasedOn: day(t, "2026-11-01"), Supplier: "戛洒农资店", Quantity: 10, Unit: "瓶"})
		return err
	}
	ops := map[string]func(Actor) error{"application": app, "harvest": harvest, "material": material, "purchase": purchase}
	allowed := map[Role]map[string]bool{
		RoleAdmin:      {"application": true, "harvest": true, "material": true, "purchase": true},
		RoleRecorder:   {"application": true, "harvest": true, "material": true, "purchase": true},
		RolePacker:     {},
		RoleTechnician: {},
	}
	actors := map[Role]Actor{RoleAdmin: fxAdmin, RoleRecorder: fxRecorder, RolePacker: fxPacker, RoleTechnician: fxTech}
	for _, role := range Roles {
		for name, op := range ops {
			t.Run(fmt.Sprintf("%s/%s", role, name), func(t *testing.T) {
				err := op(actors[role])
				if allowed[role][name] {
					wantErr(t, err, "")
				} else {
					wantErr(t, err, string(CodeForbidden))
				}
			})
		}
	}
}

func TestLastApplicationAndLists(t *testing.T) {
	f := newSite(t)
	if _, err := f.db.LastApplication(f.ctx, f.citrus.ID); !IsNotFound(err) {
		t.Fatalf("empty plot: %v", err)
	}
	f.mustApply("2026-11-01", f.citrus, f.abamectin)
	last := f.mustApply("2026-11-10", f.citrus, f.fertilizer)
	f.mustApply("2026-11-12", f.rice, f.abamectin)
	voided := f.mustApply("2026-11-15", f.citrus, f.abamectin)
	if err := f.db.Void(f.ctx, fxRecorder, "applications", voided.ID, "录错地块"); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.LastApplication(f.ctx, f.citrus.ID)
	if err != nil || got.ID != last.ID || got.MaterialName != "商品有机肥" || got.Dose != 30 {
		t.Fatalf("last %+v %v, want %d", got, err, last.ID)
	}
	cases := []struct {
		q    ListQuery
		plot int64
		n    int
	}{
		{ListQuery{}, 0, 3},
		{ListQuery{IncludeVoided: true}, 0, 4},
		{ListQuery{}, f.citrus.ID, 2},
		{ListQuery{Search: "阿维菌素"}, 0, 2},
		{ListQuery{Search: "阿维菌素"}, f.rice.ID, 1},
		{ListQuery{Search: "稻田"}, 0, 1},
		{ListQuery{Search: "红蜘蛛", IncludeVoided: true}, 0, 4},
	}
	for _, tc := range cases {
		n, err := f.db.CountApplications(f.ctx, tc.q, tc.plot)
		list, err2 := f.db.ListApplications(f.ctx, tc.q, tc.plot)
		if err != nil || err2 != nil || n != tc.n || len(list) != tc.n {
			t.Fatalf("%+v plot %d: count %d list %d (%v %v), want %d", tc.q, tc.plot, n, len(list), err, err2, tc.n)
		}
	}
	list, _ := f.db.ListApplications(f.ctx, ListQuery{}, 0)
	if list[0].Date != day(t, "2026-11-12") || list[2].Date != day(t, "2026-11-01") {
		t.Fatalf("not newest first: %+v", list)
	}
}

func TestAddPurchase(t *testing.T) {
	f := newSite(t)
	omethoate := f.pesticideBannedSince("氧乐果乳油", "中等毒", 14, "氧乐果")
	p := Purchase{MaterialID: f.abamectin.ID, PurchasedOn: day(t, "2026-11-01"), Supplier: "戛洒农资店", BatchNo: "20261001", Quantity: 12.5, Unit: "瓶"}
	cases := []struct {
		name   string
		modify func(p *Purchase)
		want   string
	}{
		{"ok", func(p *Purchase) {}, ""},
		{"no supplier", func(p *Purchase) { p.Supplier = "" }, string(CodeInvalid)},
		{"quantity 0.0001", func(p *Purchase) { p.Quantity = 0.0001 }, "rule:" + rules.RuleQuantity},
		{"negative quantity", func(p *Purchase) { p.Quantity = -1 }, "rule:" + rules.RuleQuantity},
		{"no unit", func(p *Purchase) { p.Unit = "" }, string(CodeInvalid)},
		{"future", func(p *Purchase) { p.PurchasedOn = day(t, "2026-12-01") }, string(CodeInvalid)},
		{"banned on the purchase date", func(p *Purchase) { p.MaterialID = omethoate.ID }, "rule:" + rules.RuleBannedPesticide},
		{"before the ban", func(p *Purchase) { p.MaterialID = omethoate.ID; p.PurchasedOn = day(t, "2026-05-01") }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := p
			tc.modify(&in)
			got, err := f.db.AddPurchase(f.ctx, fxRecorder, in)
			wantErr(t, err, tc.want)
			if err == nil {
				back, err := f.db.GetPurchase(f.ctx, got.ID)
				if err != nil || back != got {
					t.Fatalf("stored %+v %v, returned %+v", back, err, got)
				}
			}
		})
	}
	if n, _ := f.db.CountPurchases(f.ctx, ListQuery{Search: "农资"}, f.abamectin.ID); n != 1 {
		t.Fatalf("count %d", n)
	}
}

// BenchmarkAddApplication is one journaled, rule-checked application per
// transaction (FULL sync).
func BenchmarkAddApplication(b *testing.B) {
	f := newSite(b)
	in := ApplicationInput{Date: day(b, "2026-11-20"), PlotID: f.citrus.ID, MaterialID: f.abamectin.ID, Dose: 30, DoseUnit: "ml/亩", Target: "红蜘蛛"}
	b.ResetTimer()
	reportCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := f.db.AddApplication(f.ctx, fxRecorder, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareInsert is the floor AddApplication is compared with: a plain
// INSERT of the same columns into a scratch table, one transaction each, in
// the same shape (BEGIN IMMEDIATE … COMMIT on the writer connection, WAL,
// synchronous=FULL, a real file).
func BenchmarkBareInsert(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE scratch_applications (id INTEGER PRIMARY KEY, applied_on TEXT NOT NULL, plot_id INTEGER NOT NULL,
		crop TEXT NOT NULL, material_id INTEGER NOT NULL, dose REAL NOT NULL, dose_unit TEXT NOT NULL, area_mu REAL, method TEXT NOT NULL,
		target TEXT NOT NULL, operator TEXT NOT NULL, notes TEXT NOT NULL, voided INTEGER NOT NULL DEFAULT 0, jseq INTEGER NOT NULL) STRICT`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	reportCPU(b)
	for i := 0; i < b.N; i++ {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO scratch_applications(applied_on,plot_id,crop,material_id,dose,dose_unit,area_mu,method,target,operator,notes,jseq) VALUES(?,?,?,?,?,?,?,?,?,?,?,0)",
			"2026-11-20", 1, "柑橘", 1, 30.0, "ml/亩", nil, "", "红蜘蛛", "", ""); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
