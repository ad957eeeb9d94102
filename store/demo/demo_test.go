package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	var n atomic.Int64
	start := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "suyuan.db"),
		store.WithClock(func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fingerprint lists what a generated store holds, independent of ids.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT code || ' ' || quantity || ' ' || unit || ' ' || hold FROM lots ORDER BY code",
		"SELECT applied_on || ' ' || plot_id || ' ' || material_id FROM applications ORDER BY id",
		"SELECT tested_at || ' ' || verdict || ' ' || coalesce(rate,'') FROM inspections ORDER BY id",
		"SELECT cert_no || ' ' || quantity FROM certificates ORDER BY id",
		"SELECT shipped_on || ' ' || buyer_name || ' ' || quantity FROM shipments ORDER BY id",
		"SELECT credit_code FROM entity",
	} {
		rows, err := db.Reader().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGenerate(t *testing.T) {
	ctx := context.Background()
	for _, profile := range []string{ProfileCitrus, ProfileTea} {
		t.Run(profile, func(t *testing.T) {
			db := openStore(t)
			sum, err := Generate(ctx, db, Options{Seed: 7, Profile: profile})
			if err != nil {
				t.Fatalf("generate: %v", err)
			}
			rep, err := db.Verify(ctx, nil)
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %v %+v", err, rep)
			}
			checks := []struct {
				what string
				q    string
				min  int
			}{
				{"lots", "SELECT count(*) FROM lots", 5},
				{"harvest lots", "SELECT count(*) FROM lots WHERE source='harvest'", 4},
				{"packed lots", "SELECT count(*) FROM lots WHERE source='transform'", 1},
				{"inspections", "SELECT count(*) FROM inspections", 5},
				{"positives", "SELECT count(*) FROM inspections WHERE verdict='positive'", 3},
				{"lab retests", "SELECT count(*) FROM inspections WHERE kind='lab' AND retest_of IS NOT NULL", 1},
				{"certificates style 1", "SELECT count(*) FROM certificates WHERE style=1 AND basis LIKE '%自行检测合格%'", 1},
				{"lots on hold", "SELECT count(*) FROM lots WHERE hold=1", 1},
				{"disposals", "SELECT count(*) FROM disposals", 1},
				{"registered sales", "SELECT count(*) FROM shipments WHERE buyer_type='registered'", 1},
				{"market sales", "SELECT count(*) FROM shipments WHERE buyer_type='market'", 1},
				{"print jobs done", "SELECT count(*) FROM print_jobs WHERE status='done'", 2},
				{"purchases", "SELECT count(*) FROM purchases", 2},
				{"pesticide applications", "SELECT count(*) FROM applications a JOIN materials m ON m.id=a.material_id WHERE m.kind='pesticide'", 2},
				{"env tests", "SELECT count(*) FROM env_tests", 1},
			}
			if profile == ProfileCitrus {
				checks = append(checks, struct {
					what string
					q    string
					min  int
				}{"receipts", "SELECT count(*) FROM receipts", 1}, struct {
					what string
					q    string
					min  int
				}{"certificates style 2", "SELECT count(*) FROM certificates WHERE style=2", 1})
			}
			for _, c := range checks {
				if n := count(t, db, c.q); n < c.min {
					t.Errorf("%s: %d, want ≥ %d", c.what, n, c.min)
				}
			}
			if len(sum.HeldLots) != 1 || count(t, db, fmt.Sprintf("SELECT hold FROM lots WHERE code='%s'", sum.HeldLots[0])) != 1 {
				t.Errorf("held lots %v", sum.HeldLots)
			}
			// Every harvest respects the PHI of the sprays before it.
			if n := count(t, db, `SELECT count(*) FROM lots l JOIN applications a ON a.plot_id = l.plot_id JOIN materials m ON m.id = a.material_id
				WHERE l.source='harvest' AND m.kind='pesticide' AND a.applied_on <= l.produced_on AND date(a.applied_on, '+' || m.phi_days || ' days') > l.produced_on`); n != 0 {
				t.Errorf("%d harvests inside a PHI window", n)
			}
			if n := count(t, db, "SELECT count(*) FROM journal WHERE actor <> 'demo' AND actor <> 'system'"); n != 0 {
				t.Errorf("%d entries by other actors", n)
			}
			if n := count(t, db, "SELECT count(*) FROM lots WHERE produced_on > '2026-11-28' OR produced_on < '2025-12-01'"); n != 0 {
				t.Errorf("%d lots outside the year", n)
			}
			// A second run refuses: a store with a site profile is never filled.
			if _, err := Generate(ctx, db, Options{Seed: 7, Profile: profile}); !errors.Is(err, ErrNotEmpty) {
				t.Errorf("second generate: %v", err)
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b, c := openStore(t), openStore(t), openStore(t)
	for _, x := range []struct {
		db   *store.DB
		seed int64
	}{{a, 1}, {b, 1}, {c, 2}} {
		if _, err := Generate(ctx, x.db, Options{Seed: x.seed}); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb, fc := fingerprint(t, a), fingerprint(t, b), fingerprint(t, c)
	if fa != fb {
		t.Fatalf("same seed, different data:\n%s\n---\n%s", fa, fb)
	}
	if fa == fc {
		t.Fatal("different seeds gave the same data")
	}
}

// stopAfter is a context that is cancelled after its Done channel has been
// asked for n times: every statement the store runs asks once, so the
// demo stops at a reproducible point in the middle of the year.
type stopAfter struct {
	context.Context
	n, limit int64
	done     chan struct{}
}

func newStopAfter(limit int64) *stopAfter {
	return &stopAfter{Context: context.Background(), limit: limit, done: make(chan struct{})}
}

func (c *stopAfter) Done() <-chan struct{} {
	if atomic.AddInt64(&c.n, 1) == c.limit {
		close(c.done)
	}
	return c.done
}

func (c *stopAfter) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// TestGenerateAllOrNothing: a demo cancelled half-way leaves the store as
// it was (no account, no profile, no journal entry), and the demo then runs
// again to completion.
func TestGenerateAllOrNothing(t *testing.T) {
	// How many statements a whole run takes, to stop at half.
	probe := newStopAfter(-1)
	if _, err := Generate(probe, openStore(t), Options{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	total := atomic.LoadInt64(&probe.n)
	if total < 100 {
		t.Fatalf("a demo run asked for Done only %d times", total)
	}
	db := openStore(t)
	ctx := newStopAfter(total / 2)
	if _, err := Generate(ctx, db, Options{Seed: 3}); err == nil {
		t.Fatal("a demo cancelled half-way reported success")
	}
	for _, q := range []string{"SELECT count(*) FROM users", "SELECT count(*) FROM entity", "SELECT count(*) FROM lots", "SELECT count(*) FROM journal"} {
		if n := count(t, db, q); n != 0 {
			t.Errorf("after the cancelled demo, %s = %d", q, n)
		}
	}
	sum, err := Generate(context.Background(), db, Options{Seed: 3})
	if err != nil {
		t.Fatalf("demo after a cancelled one: %v", err)
	}
	if sum.Lots == 0 {
		t.Fatalf("summary %+v", sum)
	}
	rep, err := db.Verify(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if _, err := db.Login(context.Background(), User, Password); err != nil {
		t.Fatalf("demo login: %v", err)
	}
}
