package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"suyuan/store/rules"
)

func TestCorrectVoidHistory(t *testing.T) {
	f := newSite(t)
	a := f.mustApply("2026-11-20", f.citrus, f.abamectin)
	if err := f.db.Correct(f.ctx, fxRecorder, "applications", a.ID, map[string]any{"dose": 25.5, "notes": "按说明书稀释3000倍"}, "剂量抄错"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.GetApplication(f.ctx, a.ID)
	if got.Dose != 25.5 || got.Notes != "按说明书稀释3000倍" || got.PlotID != a.PlotID || got.Date != a.Date {
		t.Fatalf("corrected %+v", got)
	}
	if err := f.db.Void(f.ctx, fxAdmin, "applications", a.ID, "该次未实际施药"); err != nil {
		t.Fatal(err)
	}
	h, err := f.db.History(f.ctx, "applications", a.ID)
	if err != nil || len(h) != 3 {
		t.Fatalf("history %+v %v", h, err)
	}
	want := []struct{ kind, actor, reason string }{
		{"applications.create", "li", ""},
		{"applications.correct", "li", "剂量抄错"},
		{"applications.void", "admin", "该次未实际施药"},
	}
	for i, w := range want {
		if h[i].Kind != w.kind || h[i].Actor != w.actor || h[i].Reason != w.reason {
			t.Fatalf("entry %d: %+v, want %+v", i, h[i], w)
		}
		if i > 0 && h[i].Supersedes != h[i-1].Seq {
			t.Fatalf("entry %d supersedes %d, want %d", i, h[i].Supersedes, h[i-1].Seq)
		}
	}
	var v0, v1, v2 map[string]any
	json.Unmarshal(h[0].Payload, &v0)
	json.Unmarshal(h[1].Payload, &v1)
	json.Unmarshal(h[2].Payload, &v2)
	if v0["dose"] != 30.0 || v1["dose"] != 25.5 || v1["voided"] != 0.0 || v2["voided"] != 1.0 {
		t.Fatalf("payloads: %v / %v / %v", v0, v1, v2)
	}
	// Voided: no longer listed, no more corrections or voids.
	if n, _ := f.db.CountApplications(f.ctx, ListQuery{}, 0); n != 0 {
		t.Fatalf("voided application still listed")
	}
	wantErr(t, f.db.Correct(f.ctx, fxAdmin, "applications", a.ID, map[string]any{"dose": 20}, "再改"), string(CodeConflict))
	wantErr(t, f.db.Void(f.ctx, fxAdmin, "applications", a.ID, "再作废"), string(CodeConflict))
}

func TestCorrectRefusals(t *testing.T) {
	f := newSite(t)
	a := f.mustApply("2026-11-20", f.citrus, f.abamectin)
	cert, err := f.db.AddCertification(f.ctx, fxRecorder, Certification{Kind: CertGreen, Number: "LB-15-19012700330A", ProductName: "冰糖橙",
		ValidFrom: day(t, "2025-01-01"), ValidTo: day(t, "2027-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	pu, err := f.db.AddPurchase(f.ctx, fxRecorder, Purchase{MaterialID: f.abamectin.ID, PurchasedOn: day(t, "2026-11-01"), Supplier: "农资店", Quantity: 5, Unit: "瓶"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		actor   Actor
		table   string
		id      int64
		changes map[string]any
		reason  string
		want    string
	}{
		{"plot cannot change", fxAdmin, "applications", a.ID, map[string]any{"plot_id": f.rice.ID}, "改地块", string(CodeInvalid)},
		{"material cannot change", fxAdmin, "applications", a.ID, map[string]any{"material_id": f.fertilizer.ID}, "改药", string(CodeInvalid)},
		{"date cannot change", fxAdmin, "applications", a.ID, map[string]any{"applied_on": "2026-11-01"}, "改日期", string(CodeInvalid)},
		{"voided flag is not a correction", fxAdmin, "applications", a.ID, map[string]any{"voided": 1}, "作废", string(CodeInvalid)},
		{"dose 0 breaks the quantity rule", fxAdmin, "applications", a.ID, map[string]any{"dose": 0}, "改剂量", "rule:" + rules.RuleQuantity},
		{"dose as text", fxAdmin, "applications", a.ID, map[string]any{"dose": "三十"}, "改剂量", string(CodeInvalid)},
		{"empty dose unit", fxAdmin, "applications", a.ID, map[string]any{"dose_unit": " "}, "改单位", string(CodeInvalid)},
		{"no reason", fxAdmin, "applications", a.ID, map[string]any{"dose": 20}, " ", string(CodeInvalid)},
		{"nothing changes", fxAdmin, "applications", a.ID, map[string]any{"dose": 30}, "无变化", string(CodeInvalid)},
		{"no changes", fxAdmin, "applications", a.ID, nil, "无变化", string(CodeInvalid)},
		{"unknown table", fxAdmin, "journal", 1, map[string]any{"actor": "eve"}, "改日志", string(CodeInvalid)},
		{"lots are not generic", fxAdmin, "lots", 1, map[string]any{"quantity": 1}, "改批次", string(CodeInvalid)},
		{"missing record", fxAdmin, "applications", 999, map[string]any{"dose": 20}, "改", string(CodeNotFound)},
		{"technician", fxTech, "applications", a.ID, map[string]any{"dose": 20}, "改", string(CodeForbidden)},
		{"another recorder's record", fxRecorder2, "applications", a.ID, map[string]any{"dose": 20}, "改", string(CodeForbidden)},
		{"cert dates reversed", fxAdmin, "certifications", cert.ID, map[string]any{"valid_to": "2024-12-31"}, "改有效期", string(CodeInvalid)},
		{"cert date invalid", fxAdmin, "certifications", cert.ID, map[string]any{"valid_to": "2027-02-30"}, "改有效期", "rule:" + rules.RuleDate},
		{"cert bad green number", fxAdmin, "certifications", cert.ID, map[string]any{"number": "LB-15"}, "改编号", string(CodeInvalid)},
		{"purchase quantity", fxAdmin, "purchases", pu.ID, map[string]any{"quantity": -5}, "改数量", "rule:" + rules.RuleQuantity},
		{"material PHI 400", fxAdmin, "materials", f.abamectin.ID, map[string]any{"phi_days": 400}, "改间隔期", string(CodeInvalid)},
		{"material PHI removed", fxAdmin, "materials", f.abamectin.ID, map[string]any{"phi_days": nil}, "改间隔期", string(CodeInvalid)},
		{"material to 高毒 bad class", fxAdmin, "materials", f.abamectin.ID, map[string]any{"toxicity": "很毒"}, "改毒性", "rule:" + rules.RuleToxicityUnknown},
		{"material ingredients cannot change", fxAdmin, "materials", f.abamectin.ID, map[string]any{"active_ingredients": `["甲胺磷"]`}, "改成分", string(CodeInvalid)},
		{"plot category unknown", fxAdmin, "plots", f.citrus.ID, map[string]any{"crop_category": "水果"}, "改类别", string(CodeInvalid)},
		{"fertilizer gets a PHI", fxAdmin, "materials", f.fertilizer.ID, map[string]any{"phi_days": 7}, "加间隔期", string(CodeInvalid)},
		{"packer on a product", fxPacker, "products", f.orange.ID, map[string]any{"spec": "5kg/箱"}, "改规格", string(CodeForbidden)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before string
			if tc.id != 999 && tc.table != "journal" && tc.table != "lots" {
				p, _, _ := rowPayload(f.ctx, f.db.r, tc.table, tc.id)
				before = string(p)
			}
			err := f.db.Correct(f.ctx, tc.actor, tc.table, tc.id, tc.changes, tc.reason)
			wantErr(t, err, tc.want)
			if before != "" {
				p, _, _ := rowPayload(f.ctx, f.db.r, tc.table, tc.id)
				if string(p) != before {
					t.Fatalf("refused correction changed the row: %s -> %s", before, p)
				}
			}
		})
	}
	// Allowed corrections of master data and evidence.
	ok := []struct {
		table   string
		id      int64
		changes map[string]any
	}{
		{"materials", f.abamectin.ID, map[string]any{"phi_days": 21, "manufacturer": "某某生物"}},
		{"plots", f.citrus.ID, map[string]any{"area_mu": 0, "crop": "冰糖橙"}},
		{"products", f.orange.ID, map[string]any{"spec": "5kg/箱", "certification_id": cert.ID}},
		{"certifications", cert.ID, map[string]any{"valid_to": day(t, "2028-01-31"), "number": "lb-15-19012700330aa"}},
		{"purchases", pu.ID, map[string]any{"quantity": 6, "batch_no": "B2"}},
		{"applications", a.ID, map[string]any{"area_mu": 12.5, "operator": "王某"}},
		{"bases", f.base.ID, map[string]any{"altitude_m": 900, "longitude": 101.6}},
	}
	for _, c := range ok {
		if err := f.db.Correct(f.ctx, fxAdmin, c.table, c.id, c.changes, "核对原始单据后更正"); err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
	}
	// The new PHI counts at once: 2026-11-20 + 21 days.
	e, inside, _ := f.db.PHIStatus(f.ctx, f.citrus.ID, day(t, "2026-11-28"))
	if !inside || !e.Equal(day(t, "2026-12-11")) {
		t.Fatalf("PHI after correction: %v %v", e, inside)
	}
	p, _ := f.db.GetPlot(f.ctx, f.citrus.ID)
	c, _ := f.db.GetCertification(f.ctx, cert.ID)
	if p.AreaMu != 0 || p.Crop != "冰糖橙" || c.Number != "LB-15-19012700330AA" || !c.ValidTo.Equal(day(t, "2028-01-31")) {
		t.Fatalf("plot %+v cert %+v", p, c)
	}
}

// TestAmendOwnRecordSameDayOnly: a recorder may fix their own record on the
// day they entered it; the next day it takes an administrator.
func TestAmendOwnRecordSameDayOnly(t *testing.T) {
	f := newSite(t)
	a := f.mustApply("2026-11-20", f.citrus, f.abamectin)
	b := f.mustApply("2026-11-21", f.citrus, f.abamectin)
	if err := f.db.Correct(f.ctx, fxRecorder, "applications", a.ID, map[string]any{"target": "锈壁虱"}, "防治对象写错"); err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { next = next.Add(time.Second); return next }
	wantErr(t, f.db.Correct(f.ctx, fxRecorder, "applications", a.ID, map[string]any{"target": "红蜘蛛"}, "又写错"), string(CodeForbidden))
	err := f.db.Void(f.ctx, fxRecorder, "applications", b.ID, "重复")
	wantErr(t, err, string(CodeForbidden))
	if !strings.Contains(userMessage(err, "zh"), "li") || !strings.Contains(userMessage(err, "zh"), "2026-11-28") {
		t.Fatalf("message does not say who and when: %s", userMessage(err, "zh"))
	}
	if err := f.db.Void(f.ctx, fxAdmin, "applications", b.ID, "重复"); err != nil {
		t.Fatal(err)
	}
	// Void refusals.
	cases := []struct {
		name, table string
		id          int64
		reason      string
		want        string
	}{
		{"no reason", "applications", a.ID, "", string(CodeInvalid)},
		{"not voidable", "plots", f.citrus.ID, "退耕", string(CodeInvalid)},
		{"unknown table", "users", 1, "x", string(CodeInvalid)},
		{"missing", "purchases", 42, "x", string(CodeNotFound)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, f.db.Void(f.ctx, fxAdmin, tc.table, tc.id, tc.reason), tc.want)
		})
	}
}

// TestRetiredMaterialStaysCorrectable: once its ingredient is banned, a
// material can still be retired and its label data fixed.
func TestRetiredMaterialStaysCorrectable(t *testing.T) {
	f := newSite(t)
	m := f.pesticideBannedSince("氧乐果乳油", "中等毒", 14, "氧乐果")
	err := f.db.Correct(f.ctx, fxAdmin, "materials", m.ID, map[string]any{"manufacturer": "某厂"}, "补厂家")
	wantErr(t, err, "rule:"+rules.RuleBannedPesticide)
	if err := f.db.Correct(f.ctx, fxAdmin, "materials", m.ID, map[string]any{"retired": true, "manufacturer": "某厂"}, "已禁用，停用并补厂家"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.GetMaterial(f.ctx, m.ID)
	if !got.Retired || got.Manufacturer != "某厂" {
		t.Fatalf("%+v", got)
	}
	if n, _ := f.db.CountMaterials(f.ctx, ListQuery{Search: "氧乐果"}, ""); n != 0 {
		t.Fatal("retired material listed by default")
	}
	if n, _ := f.db.CountMaterials(f.ctx, ListQuery{Search: "氧乐果", IncludeVoided: true}, ""); n != 1 {
		t.Fatal("retired material not listed with IncludeVoided")
	}
}
