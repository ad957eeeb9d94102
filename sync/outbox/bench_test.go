package outbox_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform/sim"
)

// template builds a store with n generated entries once and returns its file;
// each benchmark iteration uploads a fresh copy.
func template(b testing.TB, n int) string {
	b.Helper()
	dir := b.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, store.DefaultFile))
	if err != nil {
		b.Fatal(err)
	}
	if err := store.GenerateJournal(context.Background(), db, n); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, store.DefaultFile)
}

func copyFile(b testing.TB, src, dstDir string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dstDir, store.DefaultFile))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	out.Close()
}

// BenchmarkOutboxUpload uploads 20,000 generated entries (realistic mix) to
// the simulator on loopback, no faults, batches of 500, and reports
// records/s and gzip bytes per record on the wire.
func BenchmarkOutboxUpload(b *testing.B) {
	const n = 20000
	tpl := template(b, n)
	var records, bytesOnWire int64
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var count atomic.Int64
		_, url := startSim(b, sim.Faults{}, nil, &count)
		dir := b.TempDir()
		copyFile(b, tpl, dir)
		db := openSite(b, dir, url)
		u := outbox.New(db, client(b, url), outbox.Options{BatchSize: 500})
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		sum, err := u.Once(context.Background())
		elapsed += time.Since(t0)
		cpu += cpuTime() - c0
		b.StopTimer()
		if err != nil || sum.Pending != 0 {
			b.Fatal(sum, err)
		}
		records += int64(sum.Sent)
		bytesOnWire += count.Load()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
	// CPU time of uploader + simulator together: a figure that does not
	// depend on what else the machine runs.
	b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(bytesOnWire)/float64(records), "bytes/record")
}

// TestOutboxMemoryFlatLargeBacklog uploads a large generated backlog and
// samples the Go heap while it runs: it must stay flat (the journal is
// streamed batch by batch, never loaded). make soak (SUYUAN_SOAK=1) runs it
// with 1,000,000 entries; SUYUAN_SYNC_BACKLOG=N picks another size; the simulator runs in the same process, so the
// figure is an upper bound for the uploader.
func TestOutboxMemoryFlatLargeBacklog(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SUYUAN_SYNC_BACKLOG"))
	if n <= 0 && os.Getenv("SUYUAN_SOAK") != "" {
		n = 1000000
	}
	if n <= 0 {
		t.Skip("set SUYUAN_SYNC_BACKLOG=N to upload an N-entry backlog and measure the heap")
	}
	ctx := context.Background()
	var count atomic.Int64
	_, url := startSim(t, sim.Faults{}, nil, &count)
	dir := t.TempDir()
	db := openSite(t, dir, url)
	defer db.Close()
	t0 := time.Now()
	if err := store.GenerateJournal(ctx, db, n); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d entries in %v", n, time.Since(t0).Round(time.Second))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- max
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > max {
					max = m.HeapInuse
				}
			}
		}
	}()
	t0 = time.Now()
	sum, err := outbox.New(db, client(t, url), outbox.Options{BatchSize: 500}).Once(ctx)
	d := time.Since(t0)
	close(stop)
	p := <-peak
	if err != nil || sum.Pending != 0 {
		t.Fatal(sum, err)
	}
	t.Logf("uploaded %d records in %v: %.0f records/s, %.1f bytes/record, heap in use before %.1f MB, peak %.1f MB",
		sum.Sent, d.Round(time.Second), float64(sum.Sent)/d.Seconds(), float64(count.Load())/float64(sum.Sent),
		float64(base.HeapInuse)/1e6, float64(p)/1e6)
	if p > 100e6 {
		t.Errorf("peak heap %.1f MB, want < 100 MB", float64(p)/1e6)
	}
}
