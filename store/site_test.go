package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"suyuan/store/rules"
)

func TestSaveEntityValidation(t *testing.T) {
	cases := []struct {
		name   string
		modify func(e *Entity)
		want   string
	}{
		{"demo cooperative", func(e *Entity) {}, ""},
		{"GB 32100 vector 1", func(e *Entity) { e.CreditCode = "91350100M000100Y43" }, ""},
		{"GB 32100 vector 2", func(e *Entity) { e.CreditCode = "915101007130545948" }, ""},
		{"lower case and full width normalised", func(e *Entity) { e.CreditCode = " 91350100m000100y43 " }, ""},
		{"wrong check char", func(e *Entity) { e.CreditCode = "91350100M000100Y44" }, "rule:" + rules.RuleUSCCCheck},
		{"17 chars", func(e *Entity) { e.CreditCode = "91350100M000100Y4" }, "rule:" + rules.RuleUSCCFormat},
		{"letter O", func(e *Entity) { e.CreditCode = "91350100O000100Y43" }, "rule:" + rules.RuleUSCCFormat},
		{"ID number not accepted for a cooperative", func(e *Entity) { e.CreditCode = "11010519491231002X" }, "rule:" + rules.RuleUSCCCheck},
		{"ID number for an individual", func(e *Entity) { e.Scale = ScaleIndividual; e.CreditCode = "11010519491231002X" }, ""},
		{"bad ID number for an individual", func(e *Entity) { e.Scale = ScaleIndividual; e.CreditCode = "110105194912310021" }, "rule:" + rules.RuleUSCCCheck},
		{"bad division code", func(e *Entity) { e.DivisionCode = "990427" }, "rule:" + rules.RuleDivisionCode},
		{"short division code", func(e *Entity) { e.DivisionCode = "5304" }, "rule:" + rules.RuleDivisionCode},
		{"no name", func(e *Entity) { e.Name = " " }, string(CodeInvalid)},
		{"bad scale", func(e *Entity) { e.Scale = "company" }, string(CodeInvalid)},
		{"bad type", func(e *Entity) { e.EntityType = "x" }, string(CodeInvalid)},
		{"no site code", func(e *Entity) { e.SiteCode = "" }, string(CodeInvalid)},
		{"site code starting with I", func(e *Entity) { e.SiteCode = "IXPJ" }, string(CodeInvalid)},
		{"site code lower case is upper-cased", func(e *Entity) { e.SiteCode = "xpjs02" }, ""},
		{"latitude out of range", func(e *Entity) { v := 124.0; e.Latitude = &v }, string(CodeInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newEmptySite(t)
			e := demoEntity(t)
			tc.modify(&e)
			got, err := f.db.SaveEntity(f.ctx, fxRecorder, e)
			wantErr(t, err, tc.want)
			if tc.want != "" {
				if _, err := f.db.GetEntity(f.ctx); !IsNotFound(err) {
					t.Fatalf("refused profile was stored: %v", err)
				}
				return
			}
			back, err := f.db.GetEntity(f.ctx)
			if err != nil || !sameEntity(back, got) || back.ID == 0 || *back.Latitude != *e.Latitude {
				t.Fatalf("stored %+v, %v; returned %+v", back, err, got)
			}
			if back.CreditCode != strings.ToUpper(strings.TrimSpace(e.CreditCode)) || back.SiteCode != strings.ToUpper(e.SiteCode) {
				t.Fatalf("not normalised: %+v", back)
			}
		})
	}
}

// sameEntity compares two profiles by value (coordinates are pointers).
func sameEntity(a, b Entity) bool {
	eq := func(x, y *float64) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	if !eq(a.Longitude, b.Longitude) || !eq(a.Latitude, b.Latitude) {
		return false
	}
	a.Longitude, a.Latitude, b.Longitude, b.Latitude = nil, nil, nil, nil
	return a == b
}

func TestSaveEntityUpdatesSingleRowAndFreezesSiteCode(t *testing.T) {
	f := newSite(t)
	e := f.entity
	e.ContactPhone = "13900000000"
	if _, err := f.db.SaveEntity(f.ctx, fxAdmin, e); err != nil {
		t.Fatal(err)
	}
	var n int
	f.db.r.QueryRowContext(f.ctx, "SELECT count(*) FROM entity").Scan(&n)
	if n != 1 {
		t.Fatalf("%d entity rows", n)
	}
	e.SiteCode = "XPJS09" // no lots yet: allowed
	if _, err := f.db.SaveEntity(f.ctx, fxAdmin, e); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Harvest(f.ctx, fxRecorder, HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, "2026-11-28"), Quantity: 100}); err != nil {
		t.Fatal(err)
	}
	e.SiteCode = "XPJS01"
	_, err := f.db.SaveEntity(f.ctx, fxAdmin, e)
	wantErr(t, err, string(CodeConflict))
	if !strings.Contains(userMessage(err, "zh"), "XPJS09") {
		t.Fatalf("message does not name the code in use: %s", userMessage(err, "zh"))
	}
	e.SiteCode = "XPJS09"
	e.Address = "戛洒镇新街"
	if _, err := f.db.SaveEntity(f.ctx, fxAdmin, e); err != nil {
		t.Fatalf("other fields must stay editable: %v", err)
	}
	h, _ := f.db.History(f.ctx, "entity", e.ID)
	if len(h) != 4 || h[0].Kind != "entity.create" || h[3].Kind != "entity.update" {
		t.Fatalf("history %+v", h)
	}
	wantErr(t, func() error { _, err := f.db.SaveEntity(f.ctx, fxPacker, e); return err }(), string(CodeForbidden))
}

func TestCertifications(t *testing.T) {
	f := newSite(t)
	cases := []struct {
		name string
		c    Certification
		want string
	}{
		{"green", Certification{Kind: CertGreen, Number: "LB-15-19012700330A", ProductName: "冰糖橙", ValidFrom: day(t, "2025-01-01"), ValidTo: day(t, "2026-12-31")}, ""},
		{"green AA, full width", Certification{Kind: CertGreen, Number: "ＬＢ-15-19012700331AA", ProductName: "沃柑", ValidFrom: day(t, "2024-01-01"), ValidTo: day(t, "2027-12-31")}, ""},
		{"green bad number", Certification{Kind: CertGreen, Number: "LB1519012700330A", ProductName: "冰糖橙", ValidFrom: day(t, "2025-01-01"), ValidTo: day(t, "2026-12-31")}, string(CodeInvalid)},
		{"organic any number", Certification{Kind: CertOrganic, Number: "124OP2300123", ProductName: "茶叶", ValidFrom: day(t, "2026-01-10"), ValidTo: day(t, "2027-01-09")}, ""},
		{"gi empty number", Certification{Kind: CertGI, Number: "", ProductName: "新平冰糖橙", ValidFrom: day(t, "2026-01-10"), ValidTo: day(t, "2027-01-09")}, string(CodeInvalid)},
		{"from after to", Certification{Kind: CertOrganic, Number: "X1", ProductName: "茶叶", ValidFrom: day(t, "2027-01-10"), ValidTo: day(t, "2026-01-09")}, string(CodeInvalid)},
		{"no dates", Certification{Kind: CertOrganic, Number: "X1", ProductName: "茶叶"}, string(CodeInvalid)},
		{"unknown kind", Certification{Kind: "halal", Number: "X1", ProductName: "茶叶", ValidFrom: day(t, "2026-01-10"), ValidTo: day(t, "2027-01-09")}, string(CodeInvalid)},
		{"expired long ago", Certification{Kind: CertPollutionFree, Number: "WNCR-YN-18-00123", ProductName: "冰糖橙", ValidFrom: day(t, "2016-01-01"), ValidTo: day(t, "2019-01-01")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.db.AddCertification(f.ctx, fxRecorder, tc.c)
			wantErr(t, err, tc.want)
		})
	}
	all, err := f.db.ListCertifications(f.ctx, ListQuery{})
	if err != nil || len(all) != 4 {
		t.Fatalf("list %d %v", len(all), err)
	}
	if all[0].Number != "LB-15-19012700331AA" || all[3].Kind != CertPollutionFree {
		t.Fatalf("full-width number not normalised or wrong order: %+v", all)
	}
	// Today is 2026-11-28: within 40 days only the green 冰糖橙 (2026-12-31) expires.
	exp, err := f.db.ExpiringCertifications(f.ctx, 40*24*time.Hour)
	if err != nil || len(exp) != 1 || exp[0].ProductName != "冰糖橙" || exp[0].Kind != CertGreen {
		t.Fatalf("expiring %+v %v", exp, err)
	}
	if err := f.db.Void(f.ctx, fxAdmin, "certifications", exp[0].ID, "证书已续展，旧证作废"); err != nil {
		t.Fatal(err)
	}
	if exp, _ := f.db.ExpiringCertifications(f.ctx, 40*24*time.Hour); len(exp) != 0 {
		t.Fatalf("voided certificate still expiring: %+v", exp)
	}
	if n, _ := f.db.CountCertifications(f.ctx, ListQuery{Search: "冰糖橙", IncludeVoided: true}); n != 2 {
		t.Fatalf("search count %d", n)
	}
}

func TestPlotsAndBases(t *testing.T) {
	f := newSite(t)
	cases := []struct {
		name string
		p    Plot
		want string
	}{
		{"ok", Plot{BaseID: f.base.ID, Name: "二号地", Crop: "沃柑", CropCategory: "瓜果"}, ""},
		{"category required", Plot{BaseID: f.base.ID, Name: "三号地", Crop: "沃柑"}, string(CodeInvalid)},
		{"category unknown", Plot{BaseID: f.base.ID, Name: "三号地", Crop: "沃柑", CropCategory: "水果"}, string(CodeInvalid)},
		{"no base", Plot{BaseID: 999, Name: "三号地", CropCategory: "瓜果"}, string(CodeNotFound)},
		{"negative area", Plot{BaseID: f.base.ID, Name: "三号地", CropCategory: "瓜果", AreaMu: -1}, string(CodeInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.db.AddPlot(f.ctx, fxRecorder, tc.p)
			wantErr(t, err, tc.want)
		})
	}
	_, err := f.db.AddBase(f.ctx, fxAdmin, Base{Name: "坏基地", DivisionCode: "123"})
	wantErr(t, err, "rule:"+rules.RuleDivisionCode)
	ps, err := f.db.ListPlots(f.ctx, ListQuery{Search: "号地"}, f.base.ID)
	if err != nil || len(ps) != 2 || ps[1].Name != "二号地" {
		t.Fatalf("plots %+v %v", ps, err)
	}
	if ps[0].BaseName != f.base.Name {
		t.Fatalf("base name not joined: %+v", ps[0])
	}
	if n, _ := f.db.CountPlots(f.ctx, ListQuery{}, 0); n != 5 {
		t.Fatalf("count %d", n)
	}
}

func TestAddMaterialRules(t *testing.T) {
	f := newSite(t)
	pest := func(name, reg, tox string, phi *int, ings ...string) Material {
		return Material{Kind: MaterialPesticide, Name: name, RegNo: reg, Toxicity: tox, PHIDays: phi, ActiveIngredients: ings}
	}
	cases := []struct {
		name string
		m    Material
		want string
	}{
		{"pesticide ok", pest("螺螨酯悬浮剂", "PD20121234", "低毒", intp(30), "螺螨酯"), ""},
		{"mixture ok", pest("阿维·螺螨酯", "PD20151234", "低毒", intp(21), "阿维菌素", "螺螨酯"), ""},
		{"full-width reg no", pest("矿物油", "ＰＤ２０１２１２３５", "微毒", intp(0), "矿物油"), ""},
		{"bad reg no", pest("螺螨酯", "PD2012123", "低毒", intp(30), "螺螨酯"), "rule:" + rules.RuleRegNumberFormat},
		{"no ingredient", pest("螺螨酯", "PD20121234", "低毒", intp(30)), string(CodeInvalid)},
		{"blank ingredient", pest("螺螨酯", "PD20121234", "低毒", intp(30), " "), string(CodeInvalid)},
		{"no PHI", pest("螺螨酯", "PD20121234", "低毒", nil, "螺螨酯"), string(CodeInvalid)},
		{"PHI too long", pest("螺螨酯", "PD20121234", "低毒", intp(400), "螺螨酯"), string(CodeInvalid)},
		{"negative PHI", pest("螺螨酯", "PD20121234", "低毒", intp(-1), "螺螨酯"), string(CodeInvalid)},
		{"unknown toxicity", pest("螺螨酯", "PD20121234", "有点毒", intp(30), "螺螨酯"), "rule:" + rules.RuleToxicityUnknown},
		{"banned 甲胺磷", pest("甲胺磷乳油", "PD20121236", "高毒", intp(14), "甲胺磷"), "rule:" + rules.RuleBannedPesticide},
		{"banned alias in a mixture", pest("混剂", "PD20121237", "中等毒", intp(14), "阿维菌素", "methamidophos"), "rule:" + rules.RuleBannedPesticide},
		{"banned 氧乐果 since 2026-06-01", pest("氧乐果", "PD20121238", "高毒", intp(14), "氧乐果"), "rule:" + rules.RuleBannedPesticide},
		{"crop-banned only 乐果 may be registered", pest("乐果乳油", "PD20121239", "中等毒", intp(7), "乐果"), ""},
		{"fertilizer reg no", Material{Kind: MaterialFertilizer, Name: "复合微生物肥", RegNo: "微生物肥（2019）准字（1234）号"}, ""},
		{"fertilizer standard", Material{Kind: MaterialFertilizer, Name: "复合肥", RegNo: "GB/T 15063-2020"}, ""},
		{"fertilizer nothing", Material{Kind: MaterialFertilizer, Name: "复合肥"}, "rule:" + rules.RuleRegNumberFormat},
		{"fertilizer enterprise standard", Material{Kind: MaterialFertilizer, Name: "复合肥", RegNo: "Q/XP 001-2020"}, "rule:" + rules.RuleRegNumberFormat},
		{"other", Material{Kind: MaterialOther, Name: "粘虫板"}, ""},
		{"bad kind", Material{Kind: "seed", Name: "种苗"}, string(CodeInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.db.AddMaterial(f.ctx, fxRecorder, tc.m)
			wantErr(t, err, tc.want)
			if err == nil {
				back, err := f.db.GetMaterial(f.ctx, m.ID)
				if err != nil || back.Name != m.Name || len(back.ActiveIngredients) != len(m.ActiveIngredients) || back.RegNo != m.RegNo {
					t.Fatalf("stored %+v %v, returned %+v", back, err, m)
				}
				if m.Kind == MaterialPesticide && (back.PHIDays == nil || *back.PHIDays != *tc.m.PHIDays) {
					t.Fatalf("PHI not stored: %+v", back)
				}
			}
		})
	}
	// The refusal names the rule and the notice in both languages.
	_, err := f.db.AddMaterial(f.ctx, fxRecorder, pest("甲胺磷乳油", "PD20121236", "高毒", intp(14), "甲胺磷"))
	if zh := userMessage(err, "zh"); !strings.Contains(zh, "禁用农药规则") || !strings.Contains(zh, "甲胺磷") || !strings.Contains(zh, "322") {
		t.Fatalf("zh message %q", zh)
	}
	if en := userMessage(err, "en"); !strings.Contains(en, "Banned pesticide rule") {
		t.Fatalf("en message %q", en)
	}
	ms, _ := f.db.ListMaterials(f.ctx, ListQuery{Search: "螺螨酯"}, MaterialPesticide)
	if len(ms) != 2 {
		t.Fatalf("search by ingredient: %+v", ms)
	}
	_, err = f.db.AddMaterial(f.ctx, fxTech, pest("螺螨酯悬浮剂", "PD20121234", "低毒", intp(30), "螺螨酯"))
	wantErr(t, err, string(CodeForbidden))
}

func TestProducts(t *testing.T) {
	f := newSite(t)
	_, err := f.db.AddProduct(f.ctx, fxRecorder, Product{Name: "沃柑"})
	wantErr(t, err, string(CodeInvalid))
	_, err = f.db.AddProduct(f.ctx, fxRecorder, Product{Name: "沃柑", CropCategory: "瓜果", CertificationID: 77})
	wantErr(t, err, string(CodeNotFound))
	p, err := f.db.AddProduct(f.ctx, fxRecorder, Product{Name: "沃柑", CropCategory: "瓜果"})
	if err != nil || p.Unit != "kg" {
		t.Fatalf("%+v %v", p, err)
	}
	got, err := f.db.GetProduct(f.ctx, p.ID)
	if err != nil || got != p {
		t.Fatalf("get %+v %v, want %+v", got, err, p)
	}
}

func TestListPagingAndSearch(t *testing.T) {
	f := newSite(t)
	for i := 0; i < 25; i++ {
		if _, err := f.db.AddProduct(f.ctx, fxRecorder, Product{Name: fmt.Sprintf("品种%02d", i), Variety: "100%_纯", CropCategory: "瓜果"}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		q     ListQuery
		count int
		page  int
		first string
	}{
		{ListQuery{}, 26, 26, "冰糖橙"},
		{ListQuery{Limit: 10}, 26, 10, "冰糖橙"},
		{ListQuery{Limit: 10, Offset: 20}, 26, 6, "品种19"},
		{ListQuery{Search: "品种1"}, 10, 10, "品种10"},
		{ListQuery{Search: "100%_"}, 25, 25, "品种00"},
		{ListQuery{Search: "%"}, 25, 25, "品种00"}, // escaped: matches only the literal %
		{ListQuery{Search: "_"}, 25, 25, "品种00"},
		{ListQuery{Search: "无此品种"}, 0, 0, ""},
		{ListQuery{Limit: 5000}, 26, 26, "冰糖橙"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%+v", tc.q), func(t *testing.T) {
			n, err := f.db.CountProducts(f.ctx, tc.q)
			if err != nil || n != tc.count {
				t.Fatalf("count %d %v, want %d", n, err, tc.count)
			}
			ps, err := f.db.ListProducts(f.ctx, tc.q)
			if err != nil || len(ps) != tc.page {
				t.Fatalf("page %d %v, want %d", len(ps), err, tc.page)
			}
			if tc.page > 0 && ps[0].Name != tc.first {
				t.Fatalf("first %q, want %q", ps[0].Name, tc.first)
			}
		})
	}
	if lim, _ := (ListQuery{Limit: 5000}).page(); lim != MaxListLimit {
		t.Fatalf("limit %d", lim)
	}
	if lim, off := (ListQuery{Offset: -3}).page(); lim != DefaultListLimit || off != 0 {
		t.Fatalf("limit %d offset %d", lim, off)
	}
}

func TestEnvTests(t *testing.T) {
	f := newSite(t)
	cases := []struct {
		name string
		e    EnvTest
		want string
	}{
		{"soil pass", EnvTest{BaseID: f.base.ID, Kind: EnvSoil, TestedOn: day(t, "2026-03-15"), Lab: "玉溪市农产品质量安全检测中心", ReportNo: "YX-2026-031", Conclusion: EnvPass}, ""},
		{"water on a plot", EnvTest{BaseID: f.base.ID, PlotID: f.citrus.ID, Kind: EnvWater, TestedOn: day(t, "2026-03-15"), Conclusion: EnvFail}, ""},
		{"future", EnvTest{BaseID: f.base.ID, Kind: EnvSoil, TestedOn: day(t, "2026-11-29"), Conclusion: EnvPass}, string(CodeInvalid)},
		{"no date", EnvTest{BaseID: f.base.ID, Kind: EnvSoil, Conclusion: EnvPass}, string(CodeInvalid)},
		{"bad kind", EnvTest{BaseID: f.base.ID, Kind: "noise", TestedOn: day(t, "2026-03-15"), Conclusion: EnvPass}, string(CodeInvalid)},
		{"bad conclusion", EnvTest{BaseID: f.base.ID, Kind: EnvAir, TestedOn: day(t, "2026-03-15"), Conclusion: "ok"}, string(CodeInvalid)},
		{"no base", EnvTest{BaseID: 99, Kind: EnvAir, TestedOn: day(t, "2026-03-15"), Conclusion: EnvPass}, string(CodeNotFound)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := f.db.AddEnvTest(f.ctx, fxRecorder, tc.e)
			wantErr(t, err, tc.want)
			if err == nil {
				got, err := f.db.GetEnvTest(f.ctx, e.ID)
				if err != nil || got != e {
					t.Fatalf("got %+v %v, want %+v", got, err, e)
				}
			}
		})
	}
	if n, _ := f.db.CountEnvTests(f.ctx, ListQuery{Search: "YX-2026"}, f.base.ID); n != 1 {
		t.Fatalf("search count %d", n)
	}
	_, err := f.db.AddEnvTest(f.ctx, fxPacker, cases[0].e)
	wantErr(t, err, string(CodeForbidden))
}

func TestAttachments(t *testing.T) {
	f := newSite(t)
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("x"), 1000)...)
	png := []byte("\x89PNG\r\n\x1a\n0000")
	pdf := []byte("%PDF-1.4\n%%EOF")
	ref := fmt.Sprintf("bases:%d", f.base.ID)
	cases := []struct {
		name, ref, file, mime string
		data                  []byte
		actor                 Actor
		want                  string
	}{
		{"jpeg", ref, "基地照片.jpg", "image/jpeg", jpeg, fxRecorder, ""},
		{"same bytes again", ref, "copy.jpg", "IMAGE/JPEG", jpeg, fxRecorder, ""},
		{"png", "entity:1", "营业执照.png", "image/png", png, fxAdmin, ""},
		{"pdf", ref, "土壤检测报告.pdf", "application/pdf", pdf, fxRecorder, ""},
		{"png bytes declared jpeg", ref, "x.jpg", "image/jpeg", png, fxRecorder, string(CodeInvalid)},
		{"gif", ref, "x.gif", "image/gif", []byte("GIF89a"), fxRecorder, string(CodeInvalid)},
		{"empty", ref, "x.jpg", "image/jpeg", nil, fxRecorder, string(CodeInvalid)},
		{"too big", ref, "x.jpg", "image/jpeg", append(jpeg, make([]byte, MaxAttachmentSize)...), fxRecorder, string(CodeInvalid)},
		{"no file name", ref, " ", "image/jpeg", jpeg, fxRecorder, string(CodeInvalid)},
		{"missing record", "bases:999", "x.jpg", "image/jpeg", jpeg, fxRecorder, string(CodeNotFound)},
		{"unknown table", "journal:1", "x.jpg", "image/jpeg", jpeg, fxAdmin, string(CodeInvalid)},
		{"malformed ref", "bases", "x.jpg", "image/jpeg", jpeg, fxAdmin, string(CodeInvalid)},
		{"packer on a base", ref, "x.jpg", "image/jpeg", jpeg, fxPacker, string(CodeForbidden)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := f.db.Attach(f.ctx, tc.actor, tc.ref, tc.file, tc.mime, tc.data)
			wantErr(t, err, tc.want)
			if err != nil {
				return
			}
			meta, data, err := f.db.AttachmentData(f.ctx, a.ID)
			if err != nil || !bytes.Equal(data, tc.data) || meta.Size != int64(len(tc.data)) || meta.Ref != tc.ref {
				t.Fatalf("read back %+v (%d bytes) %v", meta, len(data), err)
			}
		})
	}
	var blobs int
	f.db.r.QueryRowContext(f.ctx, "SELECT count(*) FROM blobs").Scan(&blobs)
	if blobs != 3 {
		t.Fatalf("identical files must share a blob: %d blobs", blobs)
	}
	if n, _ := f.db.CountAttachments(f.ctx, ListQuery{}, ref); n != 3 {
		t.Fatalf("attachments of the base: %d", n)
	}
	// A blob changed behind the app's back is reported, not served.
	as, _ := f.db.ListAttachments(f.ctx, ListQuery{Search: "土壤"}, "")
	if len(as) != 1 {
		t.Fatalf("search: %+v", as)
	}
	if _, err := f.db.w.ExecContext(f.ctx, "UPDATE blobs SET data = ? WHERE sha256 = ?", []byte("%PDF-forged"), as[0].SHA256); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.db.AttachmentData(f.ctx, as[0].ID)
	wantErr(t, err, string(CodeCorrupt))
	f.db.w.ExecContext(f.ctx, "UPDATE blobs SET data = ? WHERE sha256 = ?", pdf, as[0].SHA256)
}

func TestPesticideListFileAndBannedList(t *testing.T) {
	f := newSite(t)
	dir := t.TempDir()
	good := filepath.Join(dir, PesticideListFile)
	list := `{"source":"test notice","version":"2027.1","date":"2026-11-01","rules":[
		{"ingredient":"测试磷","aliases":[],"kind":"banned","crops":[],"from":"2026-10-01","to":"","notice":"测试公告第1号","source":"test"},
		{"ingredient":"未来磷","aliases":[],"kind":"banned","crops":[],"from":"2027-06-01","to":"","notice":"测试公告第2号","source":"test"},
		{"ingredient":"过期磷","aliases":[],"kind":"crop-banned","crops":["蔬菜"],"from":"2020-01-01","to":"2025-12-31","notice":"测试公告第3号","source":"test"}]}`
	if err := os.WriteFile(good, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"source":"x","version":"1","date":"2026-13-01","rules":[]}`), 0o600)

	if _, err := LoadPesticideListFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	_, err := LoadPesticideListFile(bad)
	wantErr(t, err, "rule:"+rules.RulePesticideList)
	l, err := LoadPesticideListFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetPesticideList(&rules.PesticideList{Source: "empty"}); ErrorCode(err) != CodeInvalid {
		t.Fatalf("empty list accepted: %v", err)
	}
	if err := f.db.SetPesticideList(l); err != nil {
		t.Fatal(err)
	}
	if f.db.PesticideList().Version != "2027.1" {
		t.Fatal("list not in force")
	}
	_, err = f.db.AddMaterial(f.ctx, fxAdmin, Material{Kind: MaterialPesticide, Name: "测试磷乳油", RegNo: "PD20200001", PHIDays: intp(7), ActiveIngredients: []string{"测试磷"}})
	wantErr(t, err, "rule:"+rules.RuleBannedPesticide)
	// 甲胺磷 is not on this list: the loaded list replaces the built-in one.
	if _, err := f.db.AddMaterial(f.ctx, fxAdmin, Material{Kind: MaterialPesticide, Name: "甲胺磷", RegNo: "PD20200002", PHIDays: intp(7), ActiveIngredients: []string{"甲胺磷"}}); err != nil {
		t.Fatal(err)
	}
	active, err := f.db.BannedList(f.ctx)
	if err != nil || len(active) != 1 || active[0].Ingredient != "测试磷" {
		t.Fatalf("active rules on 2026-11-28: %+v %v", active, err)
	}
	f.db.SetPesticideList(nil)
	active, _ = f.db.BannedList(f.ctx)
	found := map[string]bool{}
	for _, r := range active {
		found[r.Ingredient+"/"+r.Kind] = true
	}
	if !found["甲胺磷/banned"] || !found["氧乐果/banned"] || !found["乐果/crop-banned"] {
		t.Fatalf("built-in active list: %d rules", len(active))
	}
	// A second store keeps its own list.
	other := newEmptySite(t)
	other.db.SetPesticideList(l)
	if f.db.PesticideList().Version == "2027.1" {
		t.Fatal("lists leak between stores")
	}
}
