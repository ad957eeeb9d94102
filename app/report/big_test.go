package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
)

// bigStore is the citrus demo store grown with plain SQL to a site of
// `plots` plots and `lots` harvest lots: every 10 harvest lots merged into one
// output lot, every lot tested and shipped, ~50 applications per plot and
// year, and journal entries padded to `entries` (filler entries of kind
// bench.filler, so lookups by seq run against a journal of that size). A
// million journaled writes through the store's API would take an hour;
// reports read tables, so the shortcut does not change what they do. The
// filler entries do not pass suyuan verify: this store is a fixture only.
func bigStore(tb testing.TB, plots, lots, entries int) (*store.DB, string) {
	tb.Helper()
	ctx := context.Background()
	key := fmt.Sprintf("big-v2-%d-%d-%d", plots, lots, entries)
	cache := filepath.Join(os.TempDir(), "suyuan-report-"+key+".db")
	if _, err := os.Stat(cache + ".key"); err != nil {
		db := demoStore(tb, demo.ProfileCitrus)
		// The platform account (for the bundle's signature) is set while the
		// journal is still a valid chain: the filler entries stop writes.
		a, err := db.Login(ctx, demo.User, demo.Password)
		if err != nil {
			tb.Fatal(err)
		}
		if err := db.SetSyncConfig(ctx, a, store.SyncConfig{URL: "http://127.0.0.1:9", Account: "big-acct", Secret: "big-secret"}); err != nil {
			tb.Fatal(err)
		}
		if _, err := db.SyncSiteID(ctx); err != nil {
			tb.Fatal(err)
		}
		src := db.Path()
		db.Close()
		raw, err := sql.Open("sqlite", "file:"+src+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
		if err != nil {
			tb.Fatal(err)
		}
		var base, product, mat, head int64
		if err := raw.QueryRow(`SELECT (SELECT min(id) FROM bases), (SELECT min(id) FROM products), (SELECT min(id) FROM materials WHERE kind = 'pesticide' AND reg_no <> ''), (SELECT max(seq) FROM journal)`).Scan(&base, &product, &mat, &head); err != nil {
			tb.Fatal(err)
		}
		stmts := []string{
			// Filler journal entries up to `entries`.
			fmt.Sprintf(`INSERT INTO journal(seq, at, actor, kind, ref, payload, prev_hash, hash)
				WITH RECURSIVE c(x) AS (SELECT %d UNION ALL SELECT x + 1 FROM c WHERE x < %d)
				SELECT x, '2025-06-01T00:00:00.000000Z', 'bench', 'bench.filler', 'bench:' || x, '{}', '', lower(hex(randomblob(32))) FROM c`, head+1, max(entries, int(head)+1)),
			fmt.Sprintf(`INSERT INTO plots(id, base_id, name, area_mu, crop, crop_category, jseq)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
				SELECT 100000 + x, %d, '大田' || x || '号', 10, '柑橘', '瓜果', %d + x FROM c`, plots, base, head),
			fmt.Sprintf(`INSERT INTO applications(applied_on, plot_id, crop, material_id, dose, dose_unit, method, target, operator, jseq)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
				SELECT date('2024-01-01', '+' || ((x * 7) %% 800) || ' days'), 100001 + (x %% %d), '柑橘', %d + (x %% 3), 20, 'ml/15L水', '喷雾', '红蜘蛛', '李明', %d + (x %% %d) FROM c`,
				plots*100, plots, mat, head+1, max(entries-int(head)-1, 1)),
			fmt.Sprintf(`INSERT INTO transformations(id, kind, done_on, jseq)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
				SELECT 100000 + x, 'merge', date('2025-01-01', '+' || (x %% 400) || ' days'), %d + x FROM c`, lots/10, head),
			fmt.Sprintf(`INSERT INTO lots(id, code, product_id, source, plot_id, produced_on, quantity, unit, jseq)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
				SELECT 1000000 + x, 'BIG-H' || printf('%%07d', x), %d, 'harvest', 100001 + (x %% %d), date('2025-01-01', '+' || (((x - 1) / 10) %% 400) || ' days'), 1000, 'kg', %d + x FROM c`,
				lots, product, plots, head),
			fmt.Sprintf(`INSERT INTO lots(id, code, product_id, source, transformation_id, produced_on, quantity, unit, jseq)
				SELECT 2000000 + (id - 100000), 'BIG-M' || printf('%%07d', id - 100000), %d, 'transform', id, done_on, 4900, 'kg', jseq FROM transformations WHERE id > 100000`, product),
			`INSERT INTO transformation_inputs(transformation_id, lot_id, quantity, jseq)
				SELECT 100000 + ((id - 1000000 - 1) / 10) + 1, id, 500, jseq FROM lots WHERE id > 1000000 AND id < 2000000`,
			`INSERT INTO inspections(lot_id, kind, tested_at, item, rate, verdict, operator, source, jseq)
				SELECT id, 'rapid', produced_on || 'T02:00:00.000000Z', '有机磷和氨基甲酸酯类农药', 12.5, 'negative', '王检', 'manual', jseq FROM lots WHERE id > 1000000 AND id < 2000000`,
			`INSERT INTO shipments(lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, jseq)
				SELECT id, produced_on, '批发商' || (id % 50) || '号', '', 'market', 300, 'kg', jseq FROM lots WHERE id > 1000000 AND id < 2000000`,
			`INSERT INTO shipments(lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, jseq)
				SELECT id, date(produced_on, '+1 day'), '超市' || (id % 20) || '号', '', 'registered', 2000, 'kg', jseq FROM lots WHERE id > 2000000`,
			`INSERT INTO shipments(lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, jseq)
				SELECT id, date(produced_on, '+2 day'), '电商' || (id % 7) || '号', '', 'registered', 1500, 'kg', jseq FROM lots WHERE id > 2000000`,
			`INSERT INTO certificates(cert_no, lot_id, style, basis, promise_version, product_name, quantity, unit, origin, issuer, contact, issued_on, jseq)
				SELECT 'HGZ-BIG-' || id, id, 1, '["自行检测合格"]', '2022', '冰糖橙', 4900, 'kg', '戛洒', '合作社', '0', produced_on, jseq FROM lots WHERE id > 2000000`,
			`ANALYZE`,
		}
		for i, q := range stmts {
			if _, err := raw.Exec(q); err != nil {
				tb.Fatalf("big store statement %d: %v", i, err)
			}
		}
		if _, err := raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			tb.Fatal(err)
		}
		raw.Close()
		b, err := os.ReadFile(src)
		if err != nil {
			tb.Fatal(err)
		}
		k, err := os.ReadFile(filepath.Join(filepath.Dir(src), store.SecretKeyFile))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(cache+".key", k, 0o600); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(cache+".tmp", b, 0o600); err != nil {
			tb.Fatal(err)
		}
		os.Rename(cache+".tmp", cache)
	}
	b, err := os.ReadFile(cache)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(tb.TempDir(), "suyuan.db")
	os.WriteFile(dst, b, 0o600)
	k, err := os.ReadFile(cache + ".key")
	if err != nil {
		tb.Fatal(err)
	}
	os.WriteFile(filepath.Join(filepath.Dir(dst), store.SecretKeyFile), k, 0o600)
	db, err := store.Open(ctx, dst)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, dst
}

// TestReportsBigStore: on a generated larger store, the merged lot's trace
// reaches its ten harvest lots and both shipments, balances, and every page
// of a multi-page PDF carries the header and page numbers.
func TestReportsBigStore(t *testing.T) {
	ctx := context.Background()
	db, _ := bigStore(t, 50, 2000, 20000)
	e, _ := db.GetEntity(ctx)
	r, err := Trace(ctx, db, TraceQuery{Lot: "BIG-M0000007", Now: testStart})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.Trace(ctx, "BIG-M0000007", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lots) != 11 || st.Lots != 11 {
		t.Fatalf("lots: report %d, store trace %d, want 11", len(r.Lots), st.Lots)
	}
	rb := r.Root
	if rb.In != 4900 || rb.Shipped != 3500 || rb.Stock != 1400 || !rb.Balanced() {
		t.Fatalf("root balance %+v", rb)
	}
	for _, b := range r.Lots[1:] {
		if b.In != 1000 || b.Shipped != 300 || b.TransformedOut != 500 || b.Stock != 200 {
			t.Errorf("source lot %+v", b)
		}
	}
	pdf, err := r.PDF()
	if err != nil {
		t.Fatal(err)
	}
	pages := checkPages(t, pdf, e.Name, e.CreditCode)
	if len(pages) < 3 {
		t.Errorf("only %d pages for %d events", len(pages), len(r.Events))
	}
	all := squash(strings.Join(pages, ""))
	for _, w := range []string{"产入4900=发货3500+加工转出0+处置0+库存1400", "5000kg→4900kg", "BIG-H0000061", "6500kg"} {
		if !strings.Contains(all, w) {
			t.Errorf("PDF lacks %q", w)
		}
	}
	// Recall of one plot over the whole period: its lots and the merged lots made from them.
	rc, err := RecallAnswer(ctx, db, RecallQuery{Plot: "大田7号", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var harvest, merged int
	for _, l := range rc.Lots {
		if strings.HasPrefix(l.Lot, "BIG-H") {
			harvest++
		} else if strings.HasPrefix(l.Lot, "BIG-M") {
			merged++
		}
	}
	if harvest != 2000/50 || merged != 2000/50 {
		t.Errorf("recall of 大田7号: %d harvest lots, %d merged lots; want 40 and 40", harvest, merged)
	}
	if got := rc.Shipped["kg"]; got != float64(harvest*300+merged*3500) {
		t.Errorf("recall shipped %v", got)
	}
	b, err := Records(ctx, db, RecordsQuery{Plot: "大田7号", From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), Now: testStart})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := b.PDF()
	if err != nil {
		t.Fatal(err)
	}
	pages = checkPages(t, rp, e.Name, e.CreditCode)
	if want := strconv.Itoa(len(b.Harvests)) + "批"; !strings.Contains(squash(strings.Join(pages, "")), "合计"+want) {
		t.Errorf("record book lacks the total %s", want)
	}
	// The certification bundle of the product for one month: it holds every
	// plot's inputs, verifies, and names a changed file.
	var pname string
	db.Reader().QueryRow("SELECT name FROM products WHERE id = (SELECT product_id FROM lots WHERE code = 'BIG-H0000001')").Scan(&pname)
	start := time.Now()
	data, m, err := MakeBundle(ctx, db, BundleQuery{Product: pname, From: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), Now: testStart})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle: %d files, %d bytes, %s", len(m.Files), len(data), time.Since(start))
	if _, err := VerifyBundle(data, PlatformSecretFor(ctx, db)); err != nil {
		t.Fatal(err)
	}
	bad := rezip(t, data, func(n string, b []byte) []byte {
		if n == "completeness.pdf" {
			return append(b, ' ')
		}
		return b
	}, nil)
	var mm *ErrMismatch
	if _, err := VerifyBundle(bad, PlatformSecretFor(ctx, db)); !errors.As(err, &mm) || mm.File != "completeness.pdf" {
		t.Fatalf("tampered big bundle: %v", err)
	}
}

// BenchmarkTraceReportPDF: the lot trace report (read + PDF) of a merged
// lot on a large store. SUYUAN_REPORT_ENTRIES sets the journal size
// (default 100000; make bench uses 1000000).
func BenchmarkTraceReportPDF(b *testing.B) {
	db := benchStore(b)
	ctx := context.Background()
	b.ResetTimer()
	var last []byte
	var events int
	for i := 0; i < b.N; i++ {
		r, err := Trace(ctx, db, TraceQuery{Lot: fmt.Sprintf("BIG-M%07d", 1+i%1000)})
		if err != nil {
			b.Fatal(err)
		}
		pdf, err := r.PDF()
		if err != nil {
			b.Fatal(err)
		}
		last, events = pdf, len(r.Events)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(last)), "pdf-bytes")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(len(pdfPages(b, last))), "pages")
}

// BenchmarkRecall: the recall answer for a plot over the whole period and
// for an input purchase (the whole site's lots of one material).
func BenchmarkRecall(b *testing.B) {
	db := benchStore(b)
	ctx := context.Background()
	var pid int64
	db.Reader().QueryRow("SELECT min(id) FROM purchases").Scan(&pid)
	for _, tc := range []struct {
		name string
		q    RecallQuery
	}{
		{"plot", RecallQuery{Plot: "大田7号", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"lot", RecallQuery{Lot: "BIG-H0000007"}},
		{"purchase", RecallQuery{Purchase: pid}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var n int
			for i := 0; i < b.N; i++ {
				r, err := RecallAnswer(ctx, db, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(r.Lots)
			}
			b.ReportMetric(float64(n), "lots")
		})
	}
}

func benchStore(b *testing.B) *store.DB {
	entries := 100000
	if v, err := strconv.Atoi(os.Getenv("SUYUAN_REPORT_ENTRIES")); err == nil && v > 0 {
		entries = v
	}
	lots := entries / 10
	start := time.Now()
	db, _ := bigStore(b, lots/100, lots, entries)
	b.Logf("store: %d journal entries, %d harvest lots, %d plots (ready in %s)", entries, lots, lots/100, time.Since(start).Round(time.Millisecond))
	return db
}
