package importer

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkImportApplications10k imports a 10,000-row 用药施肥 CSV into a
// fresh store (one transaction, every row through the application rules)
// and reports rows/s and the process CPU per row.
func BenchmarkImportApplications10k(b *testing.B) { benchImport(b, 10000) }

// BenchmarkImportApplications1k is the same with 1,000 rows: comparing the
// two rates shows whether the cost per row grows with the batch.
func BenchmarkImportApplications1k(b *testing.B) { benchImport(b, 1000) }

func benchImport(b *testing.B, n int) {
	var sb strings.Builder
	sb.WriteString(appHeader + "\n")
	for r := 0; r < n; r++ {
		d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r%300)
		fmt.Fprintf(&sb, "%s,戛洒基地,1号地块,柑橘,阿维菌素,%d,ml/亩,10,喷雾,红蜘蛛,李明,bench-%d\n", d.Format(time.DateOnly), 20+r%30, r)
	}
	data := []byte(sb.String())
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		res, err := Import(f.ctx, f.db, f.admin, "bench.csv", data, Options{})
		total += time.Since(start)
		cpu += processCPU() - cpu0
		if err != nil || res.Rows != n {
			b.Fatalf("import: %+v %v", res.Rows, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "rows/s")
	// CPU per row of the whole process: steadier than rows/s on a shared machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(n*b.N), "cpu-µs/row")
}
