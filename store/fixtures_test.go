package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"suyuan/store/rules"
)

// Shared fixtures for the site, inputs, harvest, codes and correction tests.
// The store clock of openTest starts at 2026-11-28T08:00Z, so "today" is
// 2026-11-28 throughout.

var (
	fxAdmin     = Actor{UserID: 1, Username: "admin", Name: "管理员", Role: RoleAdmin}
	fxRecorder  = Actor{UserID: 2, Username: "li", Name: "李记录", Role: RoleRecorder}
	fxRecorder2 = Actor{UserID: 5, Username: "zhao", Name: "赵记录", Role: RoleRecorder}
	fxPacker    = Actor{UserID: 3, Username: "wang", Name: "王包装", Role: RolePacker}
	fxTech      = Actor{UserID: 4, Username: "zhang", Name: "张检测", Role: RoleTechnician}
)

// fxSite is a demo cooperative in 戛洒镇 (示例) with one base, plots of
// several crop categories, a product and a few materials.
type fxSite struct {
	t   testing.TB
	ctx context.Context
	db  *DB

	entity                 Entity
	base                   Base
	citrus, veg, tea, rice Plot
	orange                 Product
	abamectin              Material // 阿维菌素, PHI 14, 低毒
	fertilizer             Material
}

// day parses a YYYY-MM-DD test date.
func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func intp(i int) *int { return &i }

// demoUSCC is a 统一社会信用代码 for a Xinping cooperative (93530427...) with
// its check character.
func demoUSCC(t testing.TB) string {
	first := "93530427MA6N3K7Q1"
	c, err := rules.USCCCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func demoEntity(t testing.TB) Entity {
	lon, lat := 101.60, 24.08
	return Entity{Name: "新平戛洒某某柑橘种植专业合作社（示例）", Scale: ScaleCooperative, EntityType: EntityProduction,
		CreditCode: demoUSCC(t), LegalRep: "李某", ContactName: "李某", ContactPhone: "13800000000", Address: "云南省玉溪市新平县戛洒镇",
		DivisionCode: "530427", Longitude: &lon, Latitude: &lat, SiteCode: "XPJS01"}
}

// newEmptySite opens a store and checks, when the test ends, that the
// journal and every row still verify.
func newEmptySite(t testing.TB) *fxSite {
	t.Helper()
	db := openTest(t)
	seedFixtureUsers(t, db)
	f := &fxSite{t: t, ctx: context.Background(), db: db}
	t.Cleanup(func() {
		rep, err := db.Verify(context.Background(), nil)
		if err != nil {
			t.Errorf("verify: %v", err)
		} else if !rep.OK() {
			t.Errorf("verify found problems: %+v", rep.Problems)
		}
	})
	return f
}

// newSite is newEmptySite plus the demo profile and master data.
func newSite(t testing.TB) *fxSite {
	t.Helper()
	f := newEmptySite(t)
	var err error
	if f.entity, err = f.db.SaveEntity(f.ctx, fxAdmin, demoEntity(t)); err != nil {
		t.Fatal(err)
	}
	if f.base, err = f.db.AddBase(f.ctx, fxAdmin, Base{Name: "戛洒冰糖橙基地", DivisionCode: "530427", AreaMu: 320}); err != nil {
		t.Fatal(err)
	}
	f.citrus = f.plot("一号地", "柑橘", "瓜果")
	f.veg = f.plot("菜地", "白菜", "蔬菜")
	f.tea = f.plot("茶园", "茶树", "茶叶")
	f.rice = f.plot("稻田", "水稻", "粮食")
	if f.orange, err = f.db.AddProduct(f.ctx, fxAdmin, Product{Name: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果"}); err != nil {
		t.Fatal(err)
	}
	f.abamectin = f.pesticide("1.8%阿维菌素乳油", "PD20080005", "低毒", 14, "阿维菌素")
	if f.fertilizer, err = f.db.AddMaterial(f.ctx, fxAdmin, Material{Kind: MaterialFertilizer, Name: "商品有机肥", RegNo: "NY/T 525-2021"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fxSite) plot(name, crop, category string) Plot {
	f.t.Helper()
	p, err := f.db.AddPlot(f.ctx, fxAdmin, Plot{BaseID: f.base.ID, Name: name, Crop: crop, CropCategory: category, AreaMu: 20})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fxSite) pesticide(name, regNo, toxicity string, phi int, ingredients ...string) Material {
	f.t.Helper()
	m, err := f.db.AddMaterial(f.ctx, fxAdmin, Material{Kind: MaterialPesticide, Name: name, RegNo: regNo, Toxicity: toxicity,
		PHIDays: intp(phi), ActiveIngredients: ingredients})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// pesticideBannedSince registers a pesticide as a site would have before its
// ingredient was banned: under a list without the ban, which is then
// replaced by the built-in list again.
func (f *fxSite) pesticideBannedSince(name, toxicity string, phi int, ingredient string) Material {
	f.t.Helper()
	l := rules.DefaultList()
	kept := l.Rules[:0]
	for _, r := range l.Rules {
		if r.Ingredient != ingredient {
			kept = append(kept, r)
		}
	}
	l.Rules = kept
	if err := f.db.SetPesticideList(l); err != nil {
		f.t.Fatal(err)
	}
	defer f.db.SetPesticideList(nil)
	return f.pesticide(name, "PD20080123", toxicity, phi, ingredient)
}

func (f *fxSite) apply(actor Actor, date string, plot Plot, m Material) (Application, error) {
	f.t.Helper()
	return f.db.AddApplication(f.ctx, actor, ApplicationInput{Date: day(f.t, date), PlotID: plot.ID, MaterialID: m.ID,
		Dose: 30, DoseUnit: "ml/亩", Method: "喷雾", Target: "红蜘蛛", Operator: "李某"})
}

func (f *fxSite) mustApply(date string, plot Plot, m Material) Application {
	f.t.Helper()
	a, err := f.apply(fxRecorder, date, plot, m)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fxSite) lot(id int64) Lot {
	f.t.Helper()
	l, err := scanLot(f.db.r.QueryRowContext(f.ctx, "SELECT "+lotCols+" FROM lots WHERE id = ?", id))
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// userMessage returns err's user message in lang, or "" if it has none.
func userMessage(err error, lang string) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(lang)
	}
	return ""
}

// wantErr checks err against an expectation: "" no error; "rule:<id>" a
// rules violation with that id; otherwise a store error code. It also
// checks that every error has a message in both languages.
func wantErr(t testing.TB, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if zh, en := userMessage(err, "zh"), userMessage(err, "en"); zh == "" || en == "" || zh == en {
		t.Fatalf("error %v lacks a bilingual user message (zh %q, en %q)", err, zh, en)
	}
	if id, ok := strings.CutPrefix(want, "rule:"); ok {
		if !rules.IsRule(err, id) {
			t.Fatalf("error %v, want rule %s", err, id)
		}
		return
	}
	if got := ErrorCode(err); string(got) != want {
		t.Fatalf("error %v has code %q, want %q", err, got, want)
	}
}
