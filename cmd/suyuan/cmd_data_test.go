package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func dbCount(t *testing.T, dir, q string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "suyuan.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func dbString(t *testing.T, dir, q string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "suyuan.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var s string
	if err := raw.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func initAdmin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	if code, out, errs := cli(t, dir, "", "init", "--admin", "admin"); code != 0 {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	return dir
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func importOK(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, dir, "", append([]string{"--user", "admin", "import"}, args...)...)
	if code != 0 {
		t.Fatalf("import %v: %d %q %q", args, code, out, errs)
	}
	return out
}

func TestTemplateImportEndToEnd(t *testing.T) {
	dir := initAdmin(t)
	files := t.TempDir()

	// Templates: CSV to stdout with the Chinese header and the example row.
	code, out, _ := cli(t, dir, "", "template", "applications")
	if code != 0 || !strings.HasPrefix(out, "\ufeff施用日期,基地名称,地块名称") || !strings.Contains(out, "\r\n示例：") {
		t.Fatalf("csv template: %d %q", code, out)
	}
	if code, _, errs := cli(t, dir, "", "template", "frobs"); code == 0 || !strings.Contains(errs, "未知的记录类别") {
		t.Fatalf("unknown kind: %d %q", code, errs)
	}

	// Bases from a CSV, plots from the filled-in XLSX template.
	importOK(t, dir, writeFile(t, filepath.Join(files, "bases.csv"), []byte("基地名称,地址,行政区划代码,海拔(米)\n戛洒基地,新平县戛洒镇,530427,900\n")))
	plotsX := filepath.Join(files, "plots.xlsx")
	if code, out, errs := cli(t, dir, "", "template", "plots", "--out", plotsX); code != 0 || !strings.Contains(out, plotsX) {
		t.Fatalf("xlsx template: %d %q %q", code, out, errs)
	}
	x, err := excelize.OpenFile(plotsX)
	if err != nil {
		t.Fatal(err)
	}
	_ = x.SetSheetRow("地块", "A3", &[]any{"戛洒基地", "1号地块", 80, "柑橘", "瓜果"})
	_ = x.SetSheetRow("地块", "A4", &[]any{"戛洒基地", "2号地块", 60, "柑橘", "瓜果"})
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if out := importOK(t, dir, plotsX); !strings.Contains(out, "2 条地块记录") || !strings.Contains(out, "跳过示例行 1 行") {
		t.Fatalf("plots import said %q", out)
	}
	importOK(t, dir, writeFile(t, filepath.Join(files, "m.csv"), []byte(
		"类别,名称,登记证号,有效成分,毒性,安全间隔期(天)\n农药,阿维菌素,PD20080005,阿维菌素,低毒,14\n肥料,有机肥,NY/T 525-2021,,,\n")), "--kind", "materials")

	apps := []byte(appHeaderCLI + "\n" +
		"2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,\n" +
		"2026-03-06,戛洒基地,2号地块,柑橘,有机肥,300,kg/亩,10,沟施,,李明,\n")
	appsPath := writeFile(t, filepath.Join(files, "apps.csv"), apps)
	importOK(t, dir, appsPath)
	if n := dbCount(t, dir, "SELECT count(*) FROM applications"); n != 2 {
		t.Fatalf("applications %d", n)
	}
	if got := dbString(t, dir, "SELECT group_concat(p.name || ':' || m.name, ';') FROM applications a JOIN plots p ON p.id=a.plot_id JOIN materials m ON m.id=a.material_id ORDER BY a.id"); got != "1号地块:阿维菌素;2号地块:有机肥" {
		t.Fatalf("rows %q", got)
	}

	// The same file again: nothing added, exit 0, says when.
	before := dbCount(t, dir, "SELECT count(*) FROM journal")
	code, out, errs := cli(t, dir, "", "--user", "admin", "import", appsPath)
	if code != 0 || !strings.Contains(out, "已于") || !strings.Contains(out, "未添加") {
		t.Fatalf("second import: %d %q %q", code, out, errs)
	}
	if dbCount(t, dir, "SELECT count(*) FROM journal") != before {
		t.Fatal("second import wrote to the journal")
	}

	// One good row and three bad ones: non-zero exit, each bad row listed,
	// and nothing of the file written.
	bad := writeFile(t, filepath.Join(files, "bad.csv"), []byte(appHeaderCLI+"\n"+
		"2026-04-01,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,\n"+
		"2026-04-02,戛洒基地,1号地块,柑橘,甲胺磷,40,ml/亩,10,喷雾,红蜘蛛,李明,\n"+
		"2026-04-03,戛洒基地,7号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,\n"+
		"2026-13-01,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,\n"))
	code, _, errs = cli(t, dir, "", "--user", "admin", "import", bad)
	if code == 0 {
		t.Fatal("a file with bad rows imported")
	}
	for _, want := range []string{"第 3 行「投入品名称」：", "禁用农药", "第 4 行「地块名称」：", "7号地块", "第 5 行「施用日期」：", "2026-13-01", "整个文件均未导入"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "第 2 行") {
		t.Errorf("the good row was reported: %s", errs)
	}
	if dbCount(t, dir, "SELECT count(*) FROM journal") != before || dbCount(t, dir, "SELECT count(*) FROM applications") != 2 {
		t.Fatal("a refused file wrote something")
	}
	// English messages.
	code, _, errs = cli(t, dir, "", "--lang", "en", "--user", "admin", "import", bad)
	if code == 0 || !strings.Contains(errs, `row 4, "地块名称"`) || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("english errors: %q", errs)
	}

	// GB18030, as Excel on a Chinese Windows saves "CSV".
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("基地名称,地块名称,作物,作物类别\r\n戛洒基地,3号地块,柑橘,瓜果\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if out := importOK(t, dir, writeFile(t, filepath.Join(files, "gb.csv"), gb)); !strings.Contains(out, "gb18030") {
		t.Fatalf("gb18030 import said %q", out)
	}
	if n := dbCount(t, dir, "SELECT count(*) FROM plots WHERE name='3号地块'"); n != 1 {
		t.Fatalf("gb18030 plot %d", n)
	}
	if code, out, _ := cli(t, dir, "", "verify"); code != 0 || !strings.Contains(out, "校验通过") {
		t.Fatalf("verify: %q", out)
	}
}

const appHeaderCLI = "施用日期,基地名称,地块名称,作物,投入品名称,用量,用量单位,施用面积(亩),施用方法,防治对象,操作人,备注"

func TestDemoAndTrace(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := cli(t, dir, "", "demo", "--seed", "3")
	if code != 0 || !strings.Contains(out, "demo1234") || !strings.Contains(out, "校验通过") {
		t.Fatalf("demo: %d %q %q", code, out, errs)
	}
	if code, out, _ := cli(t, dir, "", "verify"); code != 0 || !strings.Contains(out, "校验通过") {
		t.Fatalf("verify: %q", out)
	}
	for _, q := range []string{"SELECT count(*) FROM lots", "SELECT count(*) FROM inspections", "SELECT count(*) FROM certificates", "SELECT count(*) FROM lots WHERE hold=1"} {
		if n := dbCount(t, dir, q); n == 0 {
			t.Errorf("%s = 0", q)
		}
	}
	// A second demo into the same store is refused.
	if code, _, errs := cli(t, dir, "", "demo"); code == 0 || !strings.Contains(errs, "示例数据只能生成到新的空数据目录") {
		t.Fatalf("second demo: %d %q", code, errs)
	}
	// The demo admin can log in and write.
	t.Setenv("SUYUAN_PASSWORD", "demo1234")
	if code, out, errs := cli(t, dir, "", "--user", "demo", "import", writeFile(t, filepath.Join(t.TempDir(), "b.csv"), []byte("基地名称\n新基地\n"))); code != 0 {
		t.Fatalf("demo user import: %d %q %q", code, out, errs)
	}

	code = 0
	lot := dbString(t, dir, `SELECT l.code FROM lots l JOIN shipments s ON s.lot_id = l.id JOIN plots p ON p.id = l.plot_id
		WHERE l.source = 'harvest' ORDER BY l.id LIMIT 1`)
	plot := dbString(t, dir, "SELECT p.name FROM lots l JOIN plots p ON p.id = l.plot_id WHERE l.code = '"+lot+"'")
	buyer := dbString(t, dir, "SELECT s.buyer_name FROM shipments s JOIN lots l ON l.id = s.lot_id WHERE l.code = '"+lot+"' LIMIT 1")
	code, out, errs = cli(t, dir, "", "trace", lot, "--json")
	if code != 0 {
		t.Fatalf("trace json: %d %q", code, errs)
	}
	var res struct {
		Root struct {
			Lot struct {
				Code string `json:"code"`
			} `json:"lot"`
			Origin *struct {
				Plot string `json:"plot"`
			} `json:"origin"`
			Shipments []struct {
				Buyer string `json:"buyer"`
			} `json:"shipments"`
			Outputs []json.RawMessage `json:"outputs"`
		} `json:"root"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if res.Root.Lot.Code != lot || res.Root.Origin == nil || res.Root.Origin.Plot != plot || len(res.Root.Shipments) == 0 || res.Root.Shipments[0].Buyer != buyer {
		t.Fatalf("trace of %s (plot %s, buyer %s): %s", lot, plot, buyer, out)
	}
	if len(res.Root.Outputs) == 0 {
		t.Fatalf("the lot's packing is missing from the trace: %s", out)
	}
	// Text, full: the tree shows the plot, the packing and the packed lot's buyer.
	code, out, _ = cli(t, dir, "", "trace", "--full", lot)
	if code != 0 || !strings.Contains(out, plot) || !strings.Contains(out, "→ 包装") || !strings.Contains(out, "玉溪示例果品批发有限公司") || !strings.Contains(out, "合格证") {
		t.Fatalf("trace text: %d\n%s", code, out)
	}
	if code, _, errs := cli(t, dir, "", "trace", "NOPE-0000"); code == 0 || errs == "" {
		t.Fatalf("unknown code: %d %q", code, errs)
	}
}
