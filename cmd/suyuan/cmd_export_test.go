package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoData makes a data folder holding the citrus demo store.
func demoData(t *testing.T) string { t.Helper(); return demoDataSeed(t, "1") }

func demoDataSeed(t *testing.T, seed string) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, errs := cli(t, dir, "", "demo", "--seed", seed); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	return dir
}

func TestExportHelpAndList(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"export", "-h"}, {"export", "--help"}, {"export", "list", "-h"}, {"export", "verify", "--help"}} {
		code, out, _ := cli(t, dir, "", args...)
		if code != 0 || !strings.Contains(out, "usage: suyuan export") {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
	}
	code, out, _ := cli(t, dir, "", "export", "list")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"applications", "用药施肥", "voids", "作废与更正", "users", "all", "可导入"} {
		if !strings.Contains(out, want) {
			t.Errorf("export list lacks %s:\n%s", want, out)
		}
	}
	if code, _, errs := cli(t, dir, "", "export"); code != 1 || !strings.Contains(errs, "用法：suyuan export") {
		t.Errorf("no kind: exit %d, %q", code, errs)
	}
}

func TestExportKindsAndFormats(t *testing.T) {
	data := demoData(t)
	out := t.TempDir()
	// A folder: a name is made; CSV by default.
	code, stdout, errs := cli(t, data, "", "export", "applications", "--out", out)
	if code != 0 || !strings.Contains(stdout, "已导出用药施肥") {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	files, _ := filepath.Glob(filepath.Join(out, "applications-*.csv"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !bytes.HasPrefix(b, []byte("\ufeff施用日期,基地名称,地块名称")) || !bytes.Contains(b, []byte("\r\n")) {
		t.Errorf("not the template's header with a BOM: %.80q", b)
	}
	// A file name chooses the format; --headers en writes English headers and words.
	x := filepath.Join(out, "检测.xlsx")
	if code, _, errs := cli(t, data, "", "export", "inspections", "--out", x, "--headers", "en"); code != 0 {
		t.Fatal(errs)
	}
	if b, _ := os.ReadFile(x); !bytes.HasPrefix(b, []byte("PK")) {
		t.Errorf("%s is not an xlsx", x)
	}
	for _, tc := range []struct {
		args []string
		zh   string
	}{
		{[]string{"export", "spaceships"}, "未知的记录类别"},
		{[]string{"export", "bases", "--format", "pdf"}, "--format 只能是 csv 或 xlsx"},
		{[]string{"export", "bases", "--out", filepath.Join(out, "b.txt")}, "以 .csv 或 .xlsx 结尾"},
		{[]string{"export", "bases", "--out", filepath.Join(out, "b.csv"), "--format", "xlsx"}, "不一致"},
		{[]string{"export", "all", "--out", filepath.Join(out, "a.csv")}, "zip 导出包"},
		{[]string{"export", "applications", "--from", "2026-05-01", "--to", "2026-03-01"}, "晚于结束日期"},
		{[]string{"export", "shipments", "--lot", "XPJS01-000000-0000-0"}, "找不到追溯码"},
		{[]string{"export", "applications", "--plot", "9号地块"}, "找不到地块"},
		{[]string{"export", "lots", "--product", "苹果"}, "没有名为“苹果”的产品"},
		{[]string{"export", "materials", "--from", "2026-01-01"}, "不能按日期筛选"},
		{[]string{"export", "bases", "--out", filepath.Join(out, "missing", "b.csv")}, "不存在"},
	} {
		before, _ := os.ReadDir(out)
		code, _, errs := cli(t, data, "", tc.args...)
		if code != 1 || !strings.Contains(errs, tc.zh) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errs, tc.zh)
		}
		if after, _ := os.ReadDir(out); len(after) != len(before) {
			t.Errorf("%v left a file behind", tc.args)
		}
	}
	// English messages with --lang en.
	if code, _, errs := cli(t, data, "", "--lang", "en", "export", "applications", "--from", "2026-05-01", "--to", "2026-03-01"); code != 1 || !strings.Contains(errs, "swap the dates") {
		t.Errorf("exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, t.TempDir(), "", "export", "bases"); code != 1 || !strings.Contains(errs, "找不到数据文件") {
		t.Errorf("no store: exit %d, %q", code, errs)
	}
}

func TestExportAllVerifyAndProgress(t *testing.T) {
	data := demoData(t)
	out := t.TempDir()
	old := exportProgressEvery
	exportProgressEvery = 5
	defer func() { exportProgressEvery = old }()
	zipPath := filepath.Join(out, "全部.zip")
	code, stdout, errs := cli(t, data, "", "export", "all", "--out", zipPath, "--format", "xlsx")
	if code != 0 || !strings.Contains(stdout, "已导出全部记录") || !strings.Contains(stdout, "suyuan export verify") {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	if !strings.Contains(errs, "用药施肥：已导出 5 行") {
		t.Errorf("no progress on stderr: %q", errs)
	}
	if code, stdout, errs := cli(t, data, "", "export", "verify", zipPath); code != 0 || !strings.Contains(stdout, "校验通过") || !strings.Contains(stdout, "与本站日志一致") {
		t.Fatalf("verify: exit %d %s %s", code, stdout, errs)
	}
	// Another store of the same site (a different history): the archive
	// verifies by itself but does not match that journal.
	other := demoDataSeed(t, "2")
	if code, stdout, errs := cli(t, other, "", "export", "verify", zipPath); code != 1 || !strings.Contains(stdout, "校验通过") || !strings.Contains(errs, "另一份历史不同的数据") {
		t.Errorf("verify against another history: exit %d %s %s", code, stdout, errs)
	}
	// No store in the data folder: the archive alone is checked.
	if code, stdout, _ := cli(t, t.TempDir(), "", "export", "verify", zipPath); code != 0 || strings.Contains(stdout, "本站日志") {
		t.Errorf("verify without a store: exit %d %s", code, stdout)
	}
	// One byte of one file changed: verify names it and fails.
	bad := filepath.Join(out, "bad.zip")
	tamperZip(t, zipPath, bad, "certificates.xlsx")
	if code, _, errs := cli(t, data, "", "export", "verify", bad); code != 1 || !strings.Contains(errs, "certificates.xlsx") {
		t.Errorf("tampered archive: exit %d, %q", code, errs)
	}
	// A folder as --out: the archive gets the site's name.
	if code, _, errs := cli(t, data, "", "export", "all", "--out", out, "--from", "2026-01-01"); code != 0 {
		t.Fatal(errs)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "suyuan-XPJS01-*.zip")); len(m) != 1 {
		t.Errorf("archive name: %v", m)
	}
}

// tamperZip copies the zip src to dst with one bit of the member name
// flipped, in the middle of its bytes.
func tamperZip(t *testing.T, src, dst, name string) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			b[len(b)/2] ^= 1
			found = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s has no member %s", src, name)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
