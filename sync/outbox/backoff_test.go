package outbox

import (
	"testing"
	"time"
)

func TestOutboxBackoffIsCappedWithJitter(t *testing.T) {
	u := New(nil, nil, Options{MinBackoff: 5 * time.Second, MaxBackoff: 5 * time.Minute})
	for _, tc := range []struct {
		fails int
		full  time.Duration
	}{
		{1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second}, {6, 160 * time.Second}, {7, 5 * time.Minute}, {8, 5 * time.Minute}, {100, 5 * time.Minute},
	} {
		full := min(tc.full, 5*time.Minute)
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := u.backoff(tc.fails)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", tc.fails, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) has no jitter: %d distinct values", tc.fails, len(seen))
		}
	}
}
