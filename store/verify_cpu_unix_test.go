//go:build unix

package store

import "time"

// cpuTime is the process's user + system CPU time (BenchmarkVerify).
func cpuTime() time.Duration { return processCPU() }
