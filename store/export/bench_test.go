package export

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchRows is the store size of the benchmarks: SUYUAN_BENCH_ROWS, or def.
func benchRows(def int) int {
	if n, err := strconv.Atoi(os.Getenv("SUYUAN_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return def
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes, and
// resetPeakRSS starts a new peak (Linux: clear_refs 5); 0 elsewhere.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// heapSampler records the peak of the Go heap in use while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > s.peak.Load() {
				s.peak.Store(m.HeapInuse)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) done() uint64 { close(s.stop); s.wg.Wait(); return s.peak.Load() }

// BenchmarkExportCSV: applications as CSV, rows/s (goal >= 50,000).
func BenchmarkExportCSV(b *testing.B) {
	n := benchRows(200000)
	f := bigStore(b, b.TempDir(), n)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := WriteKind(ctx, f.db, "applications", io.Discard, Options{})
		if err != nil || res.Rows != n {
			b.Fatal(res.Rows, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkExportCSVFile is BenchmarkExportCSV into a file (temporary
// file, fsync, rename).
func BenchmarkExportCSVFile(b *testing.B) {
	n := benchRows(200000)
	f := bigStore(b, b.TempDir(), n)
	ctx := context.Background()
	out := filepath.Join(b.TempDir(), "a.csv")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := ExportKind(ctx, f.db, "applications", out, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkExportXLSX: applications as XLSX with the streaming writer into
// a file; reports rows/s, the peak Go heap and the peak RSS of the export
// (goal with SUYUAN_BENCH_ROWS=1000000: < 200 MB RSS).
func BenchmarkExportXLSX(b *testing.B) {
	n := benchRows(200000)
	f := bigStore(b, b.TempDir(), n)
	ctx := context.Background()
	out := filepath.Join(b.TempDir(), "a.xlsx")
	runtime.GC()
	resetPeakRSS()
	heap := sampleHeap()
	b.ResetTimer()
	start := time.Now()
	var size int64
	for i := 0; i < b.N; i++ {
		res, err := ExportKind(ctx, f.db, "applications", out, Options{Format: "xlsx"})
		if err != nil || res.Rows != n {
			b.Fatal(res.Rows, err)
		}
		size = res.Bytes
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(heap.done())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}

// BenchmarkArchive: the whole store (n applications and the rest) as a zip
// of CSV files with the manifest.
func BenchmarkArchive(b *testing.B) {
	n := benchRows(200000)
	f := bigStore(b, b.TempDir(), n)
	ctx := context.Background()
	out := filepath.Join(b.TempDir(), "all.zip")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := ExportArchive(ctx, f.db, out, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}
