package store

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
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

// benchStore opens a store with benchEntries generated entries. With
// SUYUAN_BENCH_STORE=FILE the store is generated into FILE once and reused
// by later runs (a 1M-entry store takes minutes to generate).
func benchStore(b *testing.B) *DB {
	ctx := context.Background()
	n := benchEntries()
	path := os.Getenv("SUYUAN_BENCH_STORE")
	if path == "" {
		path = filepath.Join(b.TempDir(), DefaultFile)
	}
	if _, err := os.Stat(path); err == nil {
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := GenerateJournal(ctx, db, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d entries in %s", n, time.Since(t0).Round(time.Millisecond))
	return db
}

// BenchmarkVerify measures suyuan verify on a generated history: quick_check,
// the whole hash chain and every domain row compared with its journal entry.
// cpu-s/op is the CPU time of all its goroutines: on a shared machine it
// varies less than the wall clock.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b)
	defer db.Close()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() { // peak heap in use while verifying, sampled
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	b.ResetTimer()
	c0 := cpuTime()
	var rep *VerifyReport
	var err error
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
	close(stop)
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "heap-MB")
	b.ReportMetric(float64(rep.Entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(rep.Rows), "rows")
}

// BenchmarkOpenCheck measures the check every Open runs (QuickCheck), and
// Open itself, on the same store.
func BenchmarkOpenCheck(b *testing.B) {
	ctx := context.Background()
	db := benchStore(b)
	path := db.Path()
	if p, err := db.QuickCheck(ctx); err != nil || p != nil {
		b.Fatalf("quick check: %v %+v", err, p)
	}
	db.Close()
	b.Run("QuickCheck", func(b *testing.B) {
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if p, err := db.QuickCheck(ctx); err != nil || p != nil {
				b.Fatalf("quick check: %v %+v", err, p)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			db, err := Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if db.OpenProblem() != nil {
				b.Fatal(db.OpenProblem())
			}
			db.Close()
		}
	})
}
