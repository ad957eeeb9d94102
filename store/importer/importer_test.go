package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"suyuan/store"
	"suyuan/store/rules"
)

// testNow is the fixture clock: late November 2026, after a citrus season's
// first harvests. It ticks one second per call like the store's tests.
var testStart = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

type fixture struct {
	ctx   context.Context
	db    *store.DB
	admin store.Actor
	path  string
}

func tickingClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return testStart.Add(time.Duration(n.Add(1)) * time.Second) }
}

func openAt(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.WithClock(tickingClock()))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newFixture opens a store with one admin, a base 戛洒基地 with plot 1号地块
// (citrus, 瓜果), a pesticide 阿维菌素 (PHI 14 d) and a product 冰糖橙.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "suyuan.db")
	db := openAt(t, path)
	t.Cleanup(func() { db.Close() })
	f := &fixture{ctx: context.Background(), db: db, path: path}
	seedFixture(t, f)
	return f
}

func seedFixture(t testing.TB, f *fixture) {
	t.Helper()
	ctx, db := f.ctx, f.db
	u, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass"})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = store.Actor{UserID: u.ID, Username: "admin", Role: store.RoleAdmin}
	first17 := "93530427MA6KXP3T1"
	c, err := rules.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveEntity(ctx, f.admin, store.Entity{Name: "新平戛洒示例柑橘种植专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: first17 + string(c), DivisionCode: "530427", SiteCode: "XPJS01"}); err != nil {
		t.Fatal(err)
	}
	b, err := db.AddBase(ctx, f.admin, store.Base{Name: "戛洒基地", DivisionCode: "530427"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddPlot(ctx, f.admin, store.Plot{BaseID: b.ID, Name: "1号地块", Crop: "柑橘", CropCategory: "瓜果"}); err != nil {
		t.Fatal(err)
	}
	phi := 14
	if _, err := db.AddMaterial(ctx, f.admin, store.Material{Kind: store.MaterialPesticide, Name: "阿维菌素", RegNo: "PD20080005",
		ActiveIngredients: []string{"阿维菌素"}, Toxicity: "低毒", PHIDays: &phi}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddProduct(ctx, f.admin, store.Product{Name: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果"}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) head(t testing.TB) int64 {
	t.Helper()
	seq, _, err := f.db.Head(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func (f *fixture) verify(t testing.TB) {
	t.Helper()
	rep, err := f.db.Verify(f.ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func (f *fixture) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func csvOf(rows ...string) []byte { return []byte(strings.Join(rows, "\r\n") + "\r\n") }

const appHeader = "施用日期,基地名称,地块名称,作物,投入品名称,用量,用量单位,施用面积(亩),施用方法,防治对象,操作人,备注"

func TestImportApplicationsOnceOnly(t *testing.T) {
	f := newFixture(t)
	data := csvOf(appHeader,
		"示例：2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026/4/1,戛洒基地,1号地块,,PD20080005,35,ml/亩,,喷雾,锈壁虱,李明,按登记证号",
		"",
		"2026年5月2日,戛洒基地,1号地块,柑橘,阿维菌素,30,ml/亩,12,喷雾,潜叶蛾,王芳,",
	)
	res, err := Import(f.ctx, f.db, f.admin, "apps.csv", data, Options{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Kind != KindApplications || res.Rows != 3 || res.Skipped != 1 || res.Already {
		t.Fatalf("result %+v", res)
	}
	apps, err := f.db.ListApplications(f.ctx, store.ListQuery{}, 0)
	if err != nil || len(apps) != 3 {
		t.Fatalf("applications %d %v", len(apps), err)
	}
	got := map[string]string{}
	for _, a := range apps {
		got[a.Date.Format(time.DateOnly)] = a.Target + "/" + a.Crop
	}
	want := map[string]string{"2026-03-05": "红蜘蛛/柑橘", "2026-04-01": "锈壁虱/柑橘", "2026-05-02": "潜叶蛾/柑橘"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	head := f.head(t)
	again, err := Import(f.ctx, f.db, f.admin, "renamed.csv", data, Options{})
	if err != nil || !again.Already || again.ImportedAt.IsZero() {
		t.Fatalf("second import: %+v %v", again, err)
	}
	if f.head(t) != head || f.count(t, "applications") != 3 {
		t.Fatalf("second import wrote something")
	}
	f.verify(t)
}

func TestImportBadRowsWriteNothing(t *testing.T) {
	f := newFixture(t)
	before := f.head(t)
	data := csvOf(appHeader,
		"2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026-03-06,戛洒基地,1号地块,柑橘,甲胺磷,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026-03-07,戛洒基地,9号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026-02-30,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,",
		"2026-03-08,戛洒基地,1号地块,柑橘,阿维菌素,abc,ml/亩,10,喷雾,红蜘蛛,李明,",
	)
	_, err := Import(f.ctx, f.db, f.admin, "bad.csv", data, Options{})
	var re *RowErrors
	if !errors.As(err, &re) {
		t.Fatalf("want RowErrors, got %v", err)
	}
	byRow := map[int]RowError{}
	for _, e := range re.Errors {
		byRow[e.Row] = e
	}
	cases := []struct {
		row      int
		col      string
		contains string
	}{
		{3, "投入品名称", "禁用农药"},
		{4, "地块名称", "9号地块"},
		{5, "施用日期", "2026-02-30"},
		{6, "用量", "不是数字"},
	}
	for _, c := range cases {
		e, ok := byRow[c.row]
		if !ok || e.Column != c.col || !strings.Contains(e.Message("zh"), c.contains) {
			t.Errorf("row %d: got %+v (%s)", c.row, e, e.Message("zh"))
		}
	}
	if _, ok := byRow[2]; ok || len(byRow) != 4 {
		t.Errorf("rows with errors: %v", byRow)
	}
	if !strings.Contains(byRow[3].Message("zh"), "第 3 行「投入品名称」：") {
		t.Errorf("message form: %s", byRow[3].Message("zh"))
	}
	if f.head(t) != before || f.count(t, "applications") != 0 || f.count(t, "imports") != 0 {
		t.Fatalf("a refused file wrote something")
	}
}

// A row only the store can refuse (PHI: harvest 5 days after a spray with a
// 14-day interval) rolls back the good rows before it in the same file.
func TestImportStoreRefusalRollsBackWholeFile(t *testing.T) {
	f := newFixture(t)
	if _, err := Import(f.ctx, f.db, f.admin, "a.csv", csvOf(appHeader, "2026-10-20,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,"), Options{}); err != nil {
		t.Fatal(err)
	}
	before := f.head(t)
	data := csvOf("采收日期,基地名称,地块名称,产品名称,数量,单位",
		"2026-11-05,戛洒基地,1号地块,冰糖橙,1200,kg",
		"2026-10-25,戛洒基地,1号地块,冰糖橙,300,kg",
	)
	_, err := Import(f.ctx, f.db, f.admin, "h.csv", data, Options{Kind: "采收"})
	var re *RowErrors
	if !errors.As(err, &re) || len(re.Errors) != 1 || re.Errors[0].Row != 3 || !strings.Contains(re.Errors[0].Message("zh"), "安全间隔期") {
		t.Fatalf("want one PHI error on row 3, got %v", err)
	}
	if re.Errors[0].Column != "采收日期" {
		t.Errorf("column %q", re.Errors[0].Column)
	}
	if f.head(t) != before || f.count(t, "lots") != 0 {
		t.Fatalf("the good harvest row was written although the file failed")
	}
	// The corrected file imports whole and reports the new lot codes.
	res, err := Import(f.ctx, f.db, f.admin, "h.csv", csvOf("采收日期,基地名称,地块名称,产品名称,数量,单位", "2026-11-05,戛洒基地,1号地块,冰糖橙,1200,kg"), Options{})
	if err != nil || res.Kind != KindHarvests || len(res.Created) != 1 {
		t.Fatalf("harvest import: %+v %v", res, err)
	}
	if _, err := f.db.LotByCode(f.ctx, res.Created[0]); err != nil {
		t.Fatalf("lot %s: %v", res.Created[0], err)
	}
	f.verify(t)
}

func TestImportGB18030AndBOM(t *testing.T) {
	f := newFixture(t)
	text := "基地名称,地块名称,面积(亩),作物,作物类别\r\n戛洒基地,2号地块,20,柑橘,瓜果\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, []byte(text)) {
		t.Fatal("encoding did nothing")
	}
	res, err := Import(f.ctx, f.db, f.admin, "plots.csv", gb, Options{})
	if err != nil || res.Encoding != "gb18030" || res.Kind != KindPlots || res.Rows != 1 {
		t.Fatalf("gb18030: %+v %v", res, err)
	}
	bom := append([]byte("\ufeff"), []byte(strings.ReplaceAll(text, "2号", "3号"))...)
	res, err = Import(f.ctx, f.db, f.admin, "plots2.csv", bom, Options{})
	if err != nil || res.Encoding != "utf-8-bom" || res.Rows != 1 {
		t.Fatalf("bom: %+v %v", res, err)
	}
	plots, _ := f.db.ListPlots(f.ctx, store.ListQuery{}, 0)
	names := []string{}
	for _, p := range plots {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "1号地块,2号地块,3号地块" {
		t.Fatalf("plots %v", names)
	}
	// English headers are accepted too.
	res, err = Import(f.ctx, f.db, f.admin, "en.csv", csvOf("base,name,area (mu),crop,crop category", "戛洒基地,4号地块,5,柑橘,瓜果"), Options{})
	if err != nil || res.Kind != KindPlots {
		t.Fatalf("english headers: %+v %v", res, err)
	}
	// Duplicates of existing master data are refused.
	_, err = Import(f.ctx, f.db, f.admin, "dup.csv", csvOf("基地名称,地块名称,作物类别", "戛洒基地,1号地块,瓜果"), Options{})
	var re *RowErrors
	if !errors.As(err, &re) || !strings.Contains(re.Errors[0].Zh, "已有地块") {
		t.Fatalf("duplicate plot: %v", err)
	}
}

func TestTemplateXLSXRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, spec := range Specs {
		var buf bytes.Buffer
		if err := WriteTemplate(&buf, string(spec.Kind), "xlsx", "zh"); err != nil {
			t.Fatalf("%s: %v", spec.Kind, err)
		}
		tb, err := ParseXLSX(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", spec.Kind, err)
		}
		got, err := inferKind(tb.Sheet, tb.Header)
		if err != nil || got.Kind != spec.Kind || len(tb.Rows) != 1 || !isExample(tb.Rows[0].Cells) {
			t.Fatalf("%s: inferred %v %v, rows %v", spec.Kind, got.Kind, err, tb.Rows)
		}
		// Header-only inference (CSV has no sheet name) must also find it.
		var cbuf bytes.Buffer
		if err := WriteTemplate(&cbuf, string(spec.Kind), "csv", "zh"); err != nil {
			t.Fatal(err)
		}
		ct, err := ParseCSV(cbuf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := inferKind("", ct.Header); err != nil || got.Kind != spec.Kind {
			t.Errorf("%s: csv header inferred %v %v", spec.Kind, got.Kind, err)
		}
	}
	// Fill the materials template in Excel's way (a typed number, a drop-down value).
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, "materials", "xlsx", "zh"); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if dvs, err := x.GetDataValidations("投入品"); err != nil || len(dvs) < 2 {
		t.Fatalf("data validations %d %v", len(dvs), err)
	}
	if cs, err := x.GetComments("投入品"); err != nil || len(cs) != len(Specs[3].Fields) {
		t.Fatalf("comments %d %v", len(cs), err)
	}
	if rows, err := x.GetRows("说明"); err != nil || len(rows) < len(Specs[3].Fields)+1 {
		t.Fatalf("notes sheet %v", err)
	}
	_ = x.SetSheetRow("投入品", "A3", &[]any{"农药", "螺螨酯", "PD20121234", "螺螨酯", "低毒", "悬浮剂", "某农化", 30})
	_ = x.SetSheetRow("投入品", "A4", &[]any{"肥料", "有机肥", "NY/T 525-2021", "", "", "", "", nil})
	out, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(f.ctx, f.db, f.admin, "m.xlsx", out.Bytes(), Options{})
	if err != nil || res.Kind != KindMaterials || res.Rows != 2 || res.Skipped != 1 {
		t.Fatalf("xlsx import: %+v %v", res, err)
	}
	ms, _ := f.db.ListMaterials(f.ctx, store.ListQuery{Search: "螺螨酯"}, "")
	if len(ms) != 1 || ms[0].PHIDays == nil || *ms[0].PHIDays != 30 || ms[0].RegNo != "PD20121234" {
		t.Fatalf("material %+v", ms)
	}
	f.verify(t)
}

func TestParseDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2026-03-05", "2026-03-05"}, {"2026/3/5", "2026-03-05"}, {"2026.3.5", "2026-03-05"}, {"2026年3月5日", "2026-03-05"},
		{"20260305", "2026-03-05"}, {"46086", "2026-03-05"}, {"2026-03-05 08:30", "2026-03-05"},
		{"2026-02-30", ""}, {"05/03/2026", ""}, {"abc", ""}, {"", ""},
	}
	for _, c := range cases {
		d, err := parseDate(c.in)
		got := ""
		if err == nil {
			got = d.Format(time.DateOnly)
		}
		if got != c.want {
			t.Errorf("parseDate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "基地名称\t地址\n戛洒基地\t戛洒镇\n" {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("基地名称\n戛洒基地\n"))
	cases := []struct {
		name, enc, first string
		data             []byte
	}{
		{"utf-8", "utf-8", "戛洒基地", []byte("基地名称\n戛洒基地\n")},
		{"bom", "utf-8-bom", "戛洒基地", []byte("\ufeff基地名称\n戛洒基地\n")},
		{"utf-16le tabs", "utf-16le", "戛洒基地", utf16le},
		{"gb18030", "gb18030", "戛洒基地", gb},
	}
	for _, c := range cases {
		tb, err := ParseCSV(c.data)
		if err != nil || tb.Encoding != c.enc || tb.Header[0] != "基地名称" || len(tb.Rows) != 1 || tb.Rows[0].Cells[0] != c.first || tb.Rows[0].Num != 2 {
			t.Errorf("%s: %+v %v", c.name, tb, err)
		}
	}
	if _, err := ParseCSV([]byte("\ufeff\xff\xfe")); err == nil {
		t.Error("a BOM with invalid UTF-8 was accepted")
	}
}
