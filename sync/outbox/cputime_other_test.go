//go:build !unix

package outbox_test

import "time"

// cpuTime is not measured off unix; benchmarks then report wall time only.
func cpuTime() time.Duration { return 0 }
