package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
)

var testStart = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *store.DB {
	t.Helper()
	var n atomic.Int64
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "suyuan.db"),
		store.WithClock(func() time.Time { return testStart.Add(time.Duration(n.Add(1)) * time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// demo stores are made once per profile and copied: generating a year takes seconds.
var (
	demoMu    sync.Mutex
	demoFiles = map[string]string{}
)

func demoStore(t testing.TB, profile string) *store.DB {
	t.Helper()
	demoMu.Lock()
	src, ok := demoFiles[profile]
	if !ok {
		dir, err := os.MkdirTemp("", "report-demo-*")
		if err != nil {
			t.Fatal(err)
		}
		src = filepath.Join(dir, "suyuan.db")
		db, err := store.Open(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Generate(context.Background(), db, demo.Options{Seed: 1, Profile: profile, Today: testStart}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		demoFiles[profile] = src
	}
	demoMu.Unlock()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "suyuan.db")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pdfPages is the text of each page (pdftotext -layout, split at form feeds).
func pdfPages(t testing.TB, pdf []byte) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// squash removes spaces pdftotext puts between glyph runs.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// checkPages asserts the site name, credit code and 第 N 页 共 M 页 on every page.
func checkPages(t *testing.T, pdf []byte, site, code string) []string {
	t.Helper()
	pages := pdfPages(t, pdf)
	if len(pages) == 0 {
		t.Fatal("no pages")
	}
	for i, p := range pages {
		s := squash(p)
		if !strings.Contains(s, squash(site)) || !strings.Contains(s, code) {
			t.Errorf("page %d lacks the site name %q / credit code %s:\n%s", i+1, site, code, p)
		}
		want := "第" + itoa(i+1) + "页共" + itoa(len(pages)) + "页"
		if !strings.Contains(s, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
	return pages
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	var b bytes.Buffer
	if i == 0 {
		return "0"
	}
	var d []byte
	for i > 0 {
		d = append([]byte{byte('0' + i%10)}, d...)
		i /= 10
	}
	b.Write(d)
	return b.String()
}

// screenshot renders the first page to docs/screenshots when
// SUYUAN_REPORT_SHOTS is set (make screenshots / by hand).
func screenshot(t *testing.T, pdf []byte, name string) {
	t.Helper()
	dir := os.Getenv("SUYUAN_REPORT_SHOTS")
	if dir == "" {
		return
	}
	p := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(p, pdf, 0o600)
	out := filepath.Join(dir, name)
	if b, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", p, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
}

func fmtSscan(s string, q *float64) (int, error) { return fmt.Sscan(s, q) }

func asUM(err error, um *interface{ UserMessage(string) string }) bool { return errors.As(err, um) }

// TestMain removes the shared demo stores after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range demoFiles {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}
