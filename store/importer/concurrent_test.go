package importer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"suyuan/store"
)

// appFile is an n-row 用药施肥 CSV for the fixture's plot and material.
func appFile(n int, tag string) []byte {
	var sb strings.Builder
	sb.WriteString(appHeader + "\n")
	for r := 0; r < n; r++ {
		d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r%300)
		fmt.Fprintf(&sb, "%s,戛洒基地,1号地块,柑橘,阿维菌素,%d,ml/亩,10,喷雾,红蜘蛛,李明,%s-%d\n", d.Format(time.DateOnly), 20+r%30, tag, r)
	}
	return []byte(sb.String())
}

// packingLine is a second program on the same store file (the desktop app
// while `suyuan import` runs in a terminal): its own store.Open, so its
// writes wait for SQLite's write lock, at most the busy timeout.
type packingLine struct {
	db *store.DB
	in store.ApplicationInput
}

func newPackingLine(t testing.TB, f *fixture) *packingLine {
	t.Helper()
	db := openAt(t, f.path)
	t.Cleanup(func() { db.Close() })
	var plot, mat int64
	if err := db.Reader().QueryRow("SELECT id FROM plots WHERE name = '1号地块'").Scan(&plot); err != nil {
		t.Fatal(err)
	}
	if err := db.Reader().QueryRow("SELECT id FROM materials WHERE name = '阿维菌素'").Scan(&mat); err != nil {
		t.Fatal(err)
	}
	return &packingLine{db: db, in: store.ApplicationInput{Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), PlotID: plot, MaterialID: mat,
		Dose: 30, DoseUnit: "ml/亩", Notes: "packing line"}}
}

func (p *packingLine) write(ctx context.Context, actor store.Actor) error {
	_, err := p.db.AddApplication(ctx, actor, p.in)
	return err
}

// inBatch sets testHookInBatch to close the returned channel once the
// import's write transaction has begun (and so holds the write lock).
func inBatch(t testing.TB) <-chan struct{} {
	started := make(chan struct{})
	var once sync.Once
	testHookInBatch = func() { once.Do(func() { close(started) }) }
	t.Cleanup(func() { testHookInBatch = nil })
	return started
}

// TestWriteDuringLargeImport: while a 10,000-row import holds the write
// lock, a single write from another program waits for it and succeeds —
// it does not run into the busy timeout (5 s) as it did when the import
// wrote row by row for many seconds — and both land whole.
func TestWriteDuringLargeImport(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	f := newFixture(t)
	line := newPackingLine(t, f)
	const n = 10000
	data := appFile(n, "big")
	started := inBatch(t)
	done := make(chan error, 1)
	go func() {
		res, err := Import(f.ctx, f.db, f.admin, "big.csv", data, Options{})
		if err == nil && res.Rows != n {
			err = fmt.Errorf("imported %d rows, want %d", res.Rows, n)
		}
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("import ended before its write transaction was seen: %v", err)
	}
	if err := line.write(f.ctx, f.admin); err != nil {
		t.Fatalf("a write during the import failed: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var big, packed int
	_ = f.db.Reader().QueryRow("SELECT count(*) FROM applications WHERE notes LIKE 'big-%'").Scan(&big)
	_ = f.db.Reader().QueryRow("SELECT count(*) FROM applications WHERE notes = 'packing line'").Scan(&packed)
	if big != n || packed != 1 {
		t.Fatalf("%d imported rows, %d packing-line rows", big, packed)
	}
	f.verify(t)
}

// BenchmarkImportWithWriter imports a 10,000-row applications file while
// another program on the same store (the packing line) writes one
// application every 20 ms, and reports the import's rows/s, how long its
// write transaction held the lock (lock-ms: from its first statement after
// BEGIN to the end of COMMIT), and the longest any of the
// other program's writes took while the import ran (max-wait-ms, the
// packing line's worst pause; a write alone takes about a millisecond).
func BenchmarkImportWithWriter(b *testing.B) {
	const n = 10000
	data := appFile(n, "bench")
	var total, locked time.Duration
	var waits []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		line := newPackingLine(b, f)
		var lockStart, lockEnd time.Time
		testHookInBatch = func() { lockStart = time.Now() }
		testHookWritten = func() { lockEnd = time.Now() }
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var maxWait time.Duration
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				t0 := time.Now()
				if err := line.write(f.ctx, f.admin); err != nil {
					b.Errorf("packing-line write: %v", err)
					return
				}
				mu.Lock()
				maxWait = max(maxWait, time.Since(t0))
				mu.Unlock()
			}
		}()
		b.StartTimer()
		start := time.Now()
		res, err := Import(f.ctx, f.db, f.admin, "bench.csv", data, Options{})
		end := time.Now()
		b.StopTimer()
		close(stop)
		wg.Wait()
		testHookInBatch, testHookWritten = nil, nil
		if err != nil || res.Rows != n {
			b.Fatalf("import: %d rows, %v", res.Rows, err)
		}
		total += end.Sub(start)
		locked += lockEnd.Sub(lockStart)
		waits = append(waits, maxWait)
		b.StartTimer()
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(locked.Milliseconds())/float64(b.N), "lock-ms")
	b.ReportMetric(float64(waits[len(waits)-1].Microseconds())/1000, "max-wait-ms")
}
