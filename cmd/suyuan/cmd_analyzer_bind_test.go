package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"suyuan/store"
)

// TestAnalyzerBindOverrideCLI: a reading tested years before the lot is
// refused for the technician and for an administrator without
// --override-reason; with it the administrator binds it and the reason is
// in the bind's journal entry.
func TestAnalyzerBindOverrideCLI(t *testing.T) {
	dir, lot := analyzerSite(t)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	tech, err := db.Login(ctx, "zhang", "tech-pass")
	if err != nil {
		t.Fatal(err)
	}
	rate := 15.0
	if _, _, err := db.ImportReadings(ctx, tech, []store.ReadingInput{{Instrument: "lz4000t", RecordNo: "7-0badc0de", SampleNo: "7",
		TestedAt: time.Date(2022, 4, 2, 9, 0, 0, 0, time.Local), Rate: &rate, Raw: "7e11"}}); err != nil {
		t.Fatal(err)
	}
	pend, _ := db.PendingReadings(ctx, store.ListQuery{})
	db.Close()
	id := fmt.Sprint(pend[0].ID)

	code, _, errs := cli(t, dir, "", "--user", "zhang", "analyzer", "bind", id, "--lot", lot.Code)
	if code != 1 || !strings.Contains(errs, "2022-04-02") || !strings.Contains(errs, "管理员") {
		t.Fatalf("technician: %d %q", code, errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	code, _, errs = cli(t, dir, "", "--lang", "en", "--user", "admin", "analyzer", "bind", id, "--lot", lot.Code)
	if code != 1 || !strings.Contains(errs, "override reason") {
		t.Fatalf("admin without a reason: %d %q", code, errs)
	}
	code, out, errs := cli(t, dir, "", "--user", "admin", "analyzer", "bind", id, "--lot", lot.Code, "--override-reason", "留样复测，仪器时钟曾重置")
	if code != 0 || !strings.Contains(out, lot.Code) {
		t.Fatalf("admin with a reason: %d %q %q", code, out, errs)
	}
	db, err = store.Open(ctx, filepath.Join(dir, store.DefaultFile), store.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hist, err := db.History(ctx, "readings", pend[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if e := hist[len(hist)-1]; e.Kind != "readings.bind" || !strings.Contains(e.Reason, "留样复测，仪器时钟曾重置") {
		t.Fatalf("journal entry %+v", e)
	}
}
