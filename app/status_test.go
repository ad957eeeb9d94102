package app

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
)

// countingPrinter is a loopback TCP listener that counts connections.
func countingPrinter(t *testing.T) (uri string, n *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return "tcp://" + ln.Addr().String(), n
}

func waitCount(n *atomic.Int32, want int32) int32 {
	for i := 0; i < 100 && n.Load() < want; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond) // and no more arrive
	return n.Load()
}

// TestStatusRecheckDoesNotProbePrinter: the timed check dials the printer;
// a recheck (after each upload batch) does not, unless the address changed.
func TestStatusRecheckDoesNotProbePrinter(t *testing.T) {
	db, _ := seededStore(t)
	ctx := context.Background()
	admin, err := db.Login(ctx, "admin", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	a, na := countingPrinter(t)
	b, nb := countingPrinter(t)
	if err := db.SetSetting(ctx, admin, store.SettingPrinterURI, a); err != nil {
		t.Fatal(err)
	}
	m := NewStatusMonitor(db, StatusOptions{})
	steps := []struct {
		name  string
		full  bool
		uri   string
		wantA int32
		wantB int32
	}{
		{"timed check", true, a, 1, 0},
		{"recheck, same printer", false, a, 1, 0},
		{"recheck, new printer", false, b, 1, 1},
		{"timed check again", true, b, 1, 2},
	}
	for _, st := range steps {
		if err := db.SetSetting(ctx, admin, store.SettingPrinterURI, st.uri); err != nil {
			t.Fatal(err)
		}
		m.refresh(ctx, st.full)
		if ga, gb := waitCount(na, st.wantA), waitCount(nb, st.wantB); ga != st.wantA || gb != st.wantB {
			t.Errorf("%s: dials a=%d b=%d, want %d %d", st.name, ga, gb, st.wantA, st.wantB)
		}
	}
}
