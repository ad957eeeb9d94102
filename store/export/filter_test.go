package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"suyuan/store"
)

func count(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func one(t testing.TB, db *store.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.Reader().QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFilters: each filter keeps exactly the records the store holds for
// it, checked against a direct count.
func TestFilters(t *testing.T) {
	db := demoStore(t)
	plotBase := one(t, db, "SELECT b.name || '/' || p.name FROM plots p JOIN bases b ON b.id = p.base_id ORDER BY p.id LIMIT 1")
	plotID := count(t, db, "SELECT id FROM plots ORDER BY id LIMIT 1")
	baseName := one(t, db, "SELECT name FROM bases ORDER BY id LIMIT 1")
	harvest := one(t, db, "SELECT l.code FROM lots l WHERE l.source = 'harvest' AND EXISTS (SELECT 1 FROM transformation_inputs ti WHERE ti.lot_id = l.id) ORDER BY l.id LIMIT 1")
	box := one(t, db, "SELECT lo.code FROM lots l JOIN transformation_inputs ti ON ti.lot_id = l.id JOIN lots lo ON lo.transformation_id = ti.transformation_id WHERE l.code = ?", harvest)
	tests := []struct {
		name, kind string
		f          Filter
		want       int
		contains   string // a cell every data row holds
		missing    string // a text no row may hold
	}{
		{"date range", "applications", Filter{From: "2026-03-01", To: "2026-05-31"},
			count(t, db, "SELECT count(*) FROM applications WHERE voided = 0 AND applied_on BETWEEN '2026-03-01' AND '2026-05-31'"), "", ""},
		{"from only", "harvests", Filter{From: "2026-10-01"},
			count(t, db, "SELECT count(*) FROM lots WHERE source = 'harvest' AND voided = 0 AND produced_on >= '2026-10-01'"), "", ""},
		{"timestamps by local day", "inspections", Filter{From: "2026-01-01", To: "2026-12-31"},
			count(t, db, "SELECT count(*) FROM inspections WHERE voided = 0 AND lot_id IS NOT NULL AND date(tested_at, 'localtime') BETWEEN '2026-01-01' AND '2026-12-31'"), "", ""},
		{"plot as base/plot", "applications", Filter{Plot: plotBase},
			count(t, db, "SELECT count(*) FROM applications WHERE voided = 0 AND plot_id = ?", plotID), strings.Split(plotBase, "/")[1], ""},
		{"base", "plots", Filter{Base: baseName}, count(t, db, "SELECT count(*) FROM plots p JOIN bases b ON b.id = p.base_id WHERE b.name = ?", baseName), baseName, ""},
		{"env tests of a plot include whole-base tests", "env-tests", Filter{Plot: plotBase},
			count(t, db, "SELECT count(*) FROM env_tests WHERE voided = 0 AND (plot_id = ? OR (plot_id IS NULL AND base_id = (SELECT base_id FROM plots WHERE id = ?)))", plotID, plotID), "", ""},
		{"product", "lots", Filter{Product: "沃柑"}, count(t, db, "SELECT count(*) FROM lots l JOIN products p ON p.id = l.product_id WHERE p.name = '沃柑'"), ",沃柑,", "冰糖橙,"},
		{"lot", "inspections", Filter{Lot: harvest}, count(t, db, "SELECT count(*) FROM inspections i JOIN lots l ON l.id = i.lot_id WHERE i.voided = 0 AND l.code = ?", harvest), harvest, ""},
		{"lot without trace", "lots", Filter{Lot: harvest}, 1, harvest, box},
		{"lot with its trace", "lots", Filter{Lot: harvest, Trace: true}, 2, "", ""},
		{"transformations of a lot", "transformations", Filter{Lot: box}, count(t, db, "SELECT count(*) FROM transformation_inputs ti JOIN lots l ON l.transformation_id = ti.transformation_id WHERE l.code = ?", box), box, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == 0 {
				t.Fatal("the demo store has no record for this filter; the test would prove nothing")
			}
			recs := readCSV(t, exportString(t, db, tc.kind, Options{Filter: tc.f}))
			if got := len(recs) - 1; got != tc.want {
				t.Errorf("%d rows, want %d", got, tc.want)
			}
			all := len(readCSV(t, exportString(t, db, tc.kind, Options{}))) - 1
			if tc.name != "base" && all <= tc.want {
				t.Errorf("the filter kept all %d rows", all)
			}
			for _, r := range recs[1:] {
				line := "," + strings.Join(r, ",") + ","
				if tc.contains != "" && !strings.Contains(line, tc.contains) {
					t.Errorf("row %v lacks %s", r, tc.contains)
				}
				if tc.missing != "" && strings.Contains(line, tc.missing) {
					t.Errorf("row %v holds %s", r, tc.missing)
				}
			}
		})
	}
	text := exportString(t, db, "lots", Options{Filter: Filter{Lot: harvest, Trace: true}})
	if !strings.Contains(text, harvest) || !strings.Contains(text, box) {
		t.Errorf("the trace of %s lacks it or its box %s:\n%s", harvest, box, text)
	}
}

// TestBadFilters: every bad input is refused with a message in both
// languages before a file exists.
func TestBadFilters(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 10)
	other, err := b.db.AddBase(ctx, b.admin, store.Base{Name: "平掌基地"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.AddPlot(ctx, b.admin, store.Plot{BaseID: other.ID, Name: "1号地块", CropCategory: "瓜果"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kind string
		opt        Options
		code       store.Code
		zh, en     string
	}{
		{"reversed range", "applications", Options{Filter: Filter{From: "2026-05-01", To: "2026-03-01"}}, store.CodeInvalid, "晚于结束日期", "swap the dates"},
		{"bad date", "applications", Options{Filter: Filter{From: "2026-02-30"}}, store.CodeInvalid, "2026-03-05 的形式", "write it as 2026-03-05"},
		{"bad date text", "all", Options{Filter: Filter{To: "昨天"}}, store.CodeInvalid, "--to 的日期", "given with --to"},
		{"unknown lot", "shipments", Options{Filter: Filter{Lot: "XPJS01-20261105-0001-X"}}, store.CodeNotFound, "找不到追溯码为“XPJS01-20261105-0001-X”的批次", "no lot has the trace code"},
		{"unknown plot", "applications", Options{Filter: Filter{Plot: "9号地块"}}, store.CodeNotFound, "找不到地块“9号地块”", "there is no plot"},
		{"ambiguous plot", "applications", Options{Filter: Filter{Plot: "1号地块"}}, store.CodeInvalid, "多个基地下都有地块", "more than one base"},
		{"plot not in base", "applications", Options{Filter: Filter{Base: "平掌基地", Plot: "戛洒基地/2号地块"}}, store.CodeInvalid, "不属于基地", "is not in the base"},
		{"unknown base", "plots", Options{Filter: Filter{Base: "无名基地"}}, store.CodeNotFound, "没有名为“无名基地”的基地", "there is no base"},
		{"unknown product", "lots", Options{Filter: Filter{Product: "苹果"}}, store.CodeNotFound, "没有名为“苹果”的产品", "there is no product"},
		{"trace without lot", "lots", Options{Filter: Filter{Trace: true}}, store.CodeInvalid, "--trace 需要和 --lot", "--trace needs --lot"},
		{"filter the kind lacks", "materials", Options{Filter: Filter{From: "2026-01-01"}}, store.CodeInvalid, "不能按日期筛选", "cannot be filtered by date"},
		{"unknown kind", "spaceships", Options{}, store.CodeInvalid, "未知的记录类别", "unknown record kind"},
		{"bad format", "bases", Options{Format: "pdf"}, store.CodeInvalid, "不支持的导出格式", "choose csv or xlsx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var err error
			if tc.kind == "all" {
				_, err = ExportArchive(ctx, b.db, filepath.Join(dir, "all.zip"), tc.opt)
			} else {
				_, err = ExportKind(ctx, b.db, tc.kind, filepath.Join(dir, "out.csv"), tc.opt)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if store.ErrorCode(err) != tc.code || !strings.Contains(userMsg(err, "zh"), tc.zh) || !strings.Contains(userMsg(err, "en"), tc.en) {
				t.Errorf("code %q\nzh: %s\nen: %s", store.ErrorCode(err), userMsg(err, "zh"), userMsg(err, "en"))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("left %d file(s) behind: %v", len(ents), ents[0].Name())
			}
		})
	}
}

// fullDisk makes the temporary file fail with ENOSPC after limit bytes.
type fullDisk struct {
	*os.File
	left int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.File.Write(p[:f.left])
		f.left = 0
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	f.left -= len(p)
	return f.File.Write(p)
}

// TestWriteFailures: a missing folder, a file given as the folder, an
// unwritable folder and a disk that fills up mid-export each give their own
// message, and leave no file behind and an existing export untouched.
func TestWriteFailures(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 50000)
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	unwritable := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(unwritable, 0o555)
	if os.Geteuid() == 0 {
		unwritable = "/sys" // root writes through permission bits; sysfs refuses new files to everyone
	}
	tests := []struct {
		name   string
		path   string
		limit  int // >0: the disk fills after this many bytes
		code   store.Code
		zh, en string
	}{
		{"missing folder", filepath.Join(dir, "nope", "a.csv"), 0, store.CodeStorage, "不存在", "does not exist"},
		{"file as folder", filepath.Join(file, "a.csv"), 0, store.CodeInvalid, "不是文件夹", "not a folder"},
		{"unwritable folder", filepath.Join(unwritable, "a.csv"), 0, store.CodeStorage, "没有写入权限", "no permission"},
		{"disk full early", filepath.Join(dir, "full.csv"), 100, store.CodeDiskFull, "磁盘已满", "the disk is full"},
		{"disk full late", filepath.Join(dir, "full.csv"), 2 << 20, store.CodeDiskFull, "没有留下不完整的文件", "nothing was left half-written"},
		{"disk full archive", filepath.Join(dir, "full.zip"), 64 << 10, store.CodeDiskFull, "磁盘已满", "the disk is full"},
	}
	const before = "the previous export\r\n"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == filepath.Join(unwritable, "a.csv") && runtime.GOOS == "windows" {
				t.Skip("Windows ignores a folder's read-only attribute (mode 0555); an unwritable folder needs an ACL")
			}
			if tc.limit > 0 {
				os.WriteFile(tc.path, []byte(before), 0o644)
				createTemp = func(dir, pattern string) (tempFile, error) {
					f, err := os.CreateTemp(dir, pattern)
					if err != nil {
						return nil, err
					}
					return &fullDisk{File: f, left: tc.limit}, nil
				}
				defer func() {
					createTemp = func(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }
				}()
			}
			var err error
			if strings.HasSuffix(tc.path, ".zip") {
				_, err = ExportArchive(ctx, b.db, tc.path, Options{})
			} else {
				_, err = ExportKind(ctx, b.db, "applications", tc.path, Options{})
			}
			if err == nil {
				t.Fatal("no error")
			}
			if store.ErrorCode(err) != tc.code || !strings.Contains(userMsg(err, "zh"), tc.zh) || !strings.Contains(userMsg(err, "en"), tc.en) {
				t.Errorf("code %q\nzh: %s\nen: %s", store.ErrorCode(err), userMsg(err, "zh"), userMsg(err, "en"))
			}
			if tc.limit > 0 {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("the cause is lost: %v", err)
				}
				if got, _ := os.ReadFile(tc.path); string(got) != before {
					t.Errorf("the previous export was changed: %.40q", got)
				}
				matches, _ := filepath.Glob(filepath.Join(dir, ".*partial"))
				if len(matches) != 0 {
					t.Errorf("half-written file left: %v", matches)
				}
			}
		})
	}
	// And the same export with room to spare replaces the old file whole.
	path := filepath.Join(dir, "full.csv")
	res, err := ExportKind(ctx, b.db, "applications", path, Options{})
	if err != nil || res.Rows != 50000 {
		t.Fatalf("%d rows, %v", res.Rows, err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), before) || int64(len(data)) != res.Bytes {
		t.Errorf("not replaced whole: %d bytes, result %d", len(data), res.Bytes)
	}
}

// TestCancelledExportLeavesNothing: an export cancelled half-way (the user
// closes the window) says so and leaves no file.
func TestCancelledExportLeavesNothing(t *testing.T) {
	b := bigStore(t, t.TempDir(), 20000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	_, err := ExportKind(ctx, b.db, "applications", filepath.Join(dir, "a.xlsx"), Options{Format: "xlsx", ProgressEvery: 5000,
		Progress: func(p Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) || !strings.Contains(userMsg(err, "zh"), "导出已取消") {
		t.Fatalf("%v / %s", err, userMsg(err, "zh"))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %s", ents[0].Name())
	}
}
