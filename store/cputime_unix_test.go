//go:build unix

package store

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the user + system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a "cpu-µs/op" metric to b: the CPU the whole process used
// per operation while the timer ran. On a machine shared with other jobs it
// is steadier than ns/op, and unlike ns/op it leaves out the time a write
// spends waiting for fsync. Call it right after b.ResetTimer.
func reportCPU(b *testing.B) {
	start := processCPU()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-start).Microseconds())/float64(b.N), "cpu-µs/op")
		}
	})
}
