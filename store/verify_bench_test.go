package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchEntries is the journal size for the large-file benchmarks: 100k by
// default so `make bench` stays short, SUYUAN_BENCH_ENTRIES=1000000 for the
// 1M figures in docs/performance.md.
func benchEntries() int {
	if v, err := strconv.Atoi(os.Getenv("SUYUAN_BENCH_ENTRIES")); err == nil && v > 0 {
		return v
	}
	return 100000
}

// BenchmarkVerify measures suyuan verify on a generated history: quick_check,
// the whole hash chain and every domain row compared with its journal entry.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	n := benchEntries()
	db, err := Open(ctx, filepath.Join(b.TempDir(), DefaultFile))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now()
	if err := GenerateJournal(ctx, db, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d entries in %s", n, time.Since(t0).Round(time.Millisecond))
	b.ResetTimer()
	var rep *VerifyReport
	for i := 0; i < b.N; i++ {
		rep, err = db.Verify(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("generated history does not verify: %+v", rep.Problems[0])
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rep.Entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(rep.Rows), "rows")
}
