package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestReportCLI(t *testing.T) {
	data := demoData(t)
	out := t.TempDir()
	db := openTestStore(t, data)
	var plot, lot, product string
	var purchase int64
	db.QueryRow(`SELECT p.name FROM plots p JOIN lots l ON l.plot_id = p.id GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`).Scan(&plot)
	db.QueryRow(`SELECT l.code FROM lots l JOIN shipments s ON s.lot_id = l.id ORDER BY l.id LIMIT 1`).Scan(&lot)
	db.QueryRow(`SELECT p.name FROM products p JOIN lots l ON l.product_id = p.id GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`).Scan(&product)
	db.QueryRow(`SELECT id FROM purchases ORDER BY id LIMIT 1`).Scan(&purchase)
	db.Close()
	from, to := "2000-01-01", "2100-12-31"

	pdf := filepath.Join(out, "records.pdf")
	if code, stdout, errs := cli(t, data, "", "report", "records", "--plot", plot, "--from", from, "--to", to, "--out", pdf); code != 0 || !strings.Contains(stdout, "已生成农产品生产记录") {
		t.Fatalf("records: %d %s %s", code, stdout, errs)
	}
	if b, _ := os.ReadFile(pdf); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("records.pdf is not a PDF")
	}
	x := filepath.Join(out, "trace.xlsx")
	if code, stdout, errs := cli(t, data, "", "report", "trace", "--lot", lot, "--out", x); code != 0 || !strings.Contains(stdout, "已生成追溯报告") || !strings.Contains(stdout, "产入") {
		t.Fatalf("trace: %d %s %s", code, stdout, errs)
	}
	if b, _ := os.ReadFile(x); !bytes.HasPrefix(b, []byte("PK")) {
		t.Fatal("trace.xlsx is not an XLSX")
	}
	code, stdout, errs := cli(t, data, "", "report", "recall", "--purchase", strconv.FormatInt(purchase, 10), "--out", filepath.Join(out, "recall.pdf"))
	if code != 0 || !strings.Contains(stdout, "受影响批次") || !strings.Contains(stdout, "用时") {
		t.Fatalf("recall: %d %s %s", code, stdout, errs)
	}
	code, stdout, _ = cli(t, data, "", "--lang", "en", "report", "recall", "--lot", lot)
	if code != 0 || !strings.Contains(stdout, "lots affected") || !strings.Contains(stdout, lot) {
		t.Fatalf("recall --lot: %d %s", code, stdout)
	}
	// Bad input: said in words, non-zero exit, nothing written.
	for _, args := range [][]string{
		{"report", "recall"},
		{"report", "recall", "--plot", plot, "--from", "2026-13-01", "--to", to},
		{"report", "trace", "--lot", "NOPE-1"},
		{"report", "records", "--plot", plot, "--from", from, "--to", to, "--out", filepath.Join(out, "x.doc")},
		{"report", "records", "--plot", plot, "--from", from, "--to", to, "--out", filepath.Join(out, "missing", "r.pdf")},
	} {
		if code, _, errs := cli(t, data, "", args...); code == 0 || errs == "" || strings.Contains(errs, "sqlite") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	// Bundle: refused without a platform secret, then signed and verified.
	zipPath := filepath.Join(out, "bundle.zip")
	if code, _, errs := cli(t, data, "", "report", "bundle", "--product", product, "--from", from, "--to", to, "--out", zipPath); code == 0 || !strings.Contains(errs, "sync setup") {
		t.Fatalf("bundle without a secret: %d %s", code, errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "demo1234")
	t.Setenv("SUYUAN_PLATFORM_SECRET", "report-secret")
	if code, _, errs := cli(t, data, "", "--user", "demo", "sync", "setup", "--url", "http://127.0.0.1:9", "--account", "demo-acct"); code != 0 {
		t.Fatalf("sync setup: %d %s", code, errs)
	}
	if code, stdout, errs := cli(t, data, "", "report", "bundle", "--product", product, "--from", from, "--to", to, "--out", zipPath); code != 0 || !strings.Contains(stdout, "已生成认证材料包") {
		t.Fatalf("bundle: %d %s %s", code, stdout, errs)
	}
	if code, stdout, errs := cli(t, data, "", "report", "verify", zipPath); code != 0 || !strings.Contains(stdout, "核验通过") {
		t.Fatalf("verify: %d %s %s", code, stdout, errs)
	}
	// One byte of records.pdf changed: verify names it.
	bad := filepath.Join(out, "bad.zip")
	tamperZip(t, zipPath, bad, "records.pdf")
	if code, _, errs := cli(t, data, "", "report", "verify", bad); code == 0 || !strings.Contains(errs, "records.pdf") {
		t.Fatalf("tampered verify: %d %s", code, errs)
	}
	if code, _, errs := cli(t, data, "", "--lang", "en", "report", "verify", bad); code == 0 || !strings.Contains(errs, "records.pdf") || !strings.Contains(errs, "altered") {
		t.Fatalf("tampered verify (en): %d %s", code, errs)
	}
}

// openTestStore opens the store file read-only with plain SQL.
func openTestStore(t *testing.T, dir string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "suyuan.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
