//go:build !unix

package store

import "testing"

// reportCPU needs getrusage; elsewhere benchmarks report wall time only.
func reportCPU(b *testing.B) {}
