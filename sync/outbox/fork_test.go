package outbox_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform"
	"suyuan/sync/platform/sim"
)

// heldTwice counts the sequence numbers the simulator holds more than one
// record for (two histories of the site).
func heldTwice(t *testing.T, srv *sim.Server) int {
	t.Helper()
	seen := map[int64]int{}
	if err := srv.Records(context.Background(), func(r sim.StoredRecord) error {
		seen[r.Seq]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range seen {
		if c > 1 {
			n++
		}
	}
	return n
}

func wantUserMessage(t *testing.T, err error, zh, en string) {
	t.Helper()
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) {
		t.Fatalf("error without a user message: %v", err)
	}
	if m := um.UserMessage("zh"); !strings.Contains(m, zh) {
		t.Errorf("zh message %q, want %q in it", m, zh)
	}
	if m := um.UserMessage("en"); !strings.Contains(m, en) {
		t.Errorf("en message %q, want %q in it", m, en)
	}
}

// Finding: an old backup restored and written to got the same sequence
// numbers with other content accepted by the platform (25 sequences held
// twice). Now the uploader compares the platform's head for the site with
// its own chain first and stops, and the simulator refuses a second history
// on its own (history_fork) from a client that does not ask.
func TestOutboxRestoredBackupIsStopped(t *testing.T) {
	ctx := context.Background()
	srv, url := startSim(t, sim.Faults{}, nil, nil)
	dir := t.TempDir()
	db := openSite(t, dir, url)
	defer db.Close()
	fill(t, db, 100, 0)
	if _, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx); err != nil {
		t.Fatal(err)
	}
	// A copy of the file as it is now (the synthetic entries have no rows,
	// so suyuan backup, which verifies, would refuse it).
	backup := filepath.Join(t.TempDir(), store.DefaultFile)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.DefaultFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("VACUUM INTO ?", backup); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	fill(t, db, 50, 0)
	if _, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx); err != nil {
		t.Fatal(err)
	}
	held, _ := srv.RecordCount(ctx)

	// The backup is restored: it is behind the platform.
	old, err := store.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	sum, err := outbox.New(old, client(t, url), fastOpts()).Once(ctx)
	if store.ErrorCode(err) != store.CodeConflict || sum.Sent != 0 || sum.Attempts != 1 {
		t.Fatalf("restored backup: %+v %v", sum, err)
	}
	wantUserMessage(t, err, "更旧的副本", "older copy than what the platform holds")
	wantUserMessage(t, err, "未上传任何数据", "Nothing was uploaded")

	// Written to: 25 entries under numbers the platform already holds.
	fill(t, old, 25, 0)
	sum, err = outbox.New(old, client(t, url), fastOpts()).Once(ctx)
	if store.ErrorCode(err) != store.CodeConflict || sum.Sent != 0 || sum.Pending != 25 {
		t.Fatalf("restored backup written to: %+v %v", sum, err)
	}
	st, err := old.SyncStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Problem == nil || st.PlatformAhead == nil || st.PlatformAhead.Seq <= st.HeadSeq-25 {
		t.Fatalf("status does not show the older copy: %+v", st)
	}
	wantUserMessage(t, st.Problem, "恢复最新的备份", "Restore the newest backup")

	// A client that does not ask for the head: the platform refuses the
	// batch as a whole.
	site, err := old.SyncSiteID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cursor, err := old.SyncCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, err := outbox.BuildBatch(ctx, old, site, testAccount, cursor, 100)
	if err != nil || b == nil {
		t.Fatalf("batch: %v", err)
	}
	gz, err := platform.EncodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client(t, url).SendBatch(ctx, b, gz)
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeHistoryFork || pe.Status != 409 || pe.Class != platform.Permanent {
		t.Fatalf("forked batch: %v", err)
	}
	wantUserMessage(t, err, "更旧的副本", "older copy")
	if n, _ := srv.RecordCount(ctx); n != held {
		t.Fatalf("platform holds %d records, had %d: part of the second history was stored", n, held)
	}
	if n := heldTwice(t, srv); n != 0 {
		t.Fatalf("%d sequence numbers held twice", n)
	}

	// By USB stick, from a copy that never asked the platform (restored
	// offline): the platform refuses the package's second history too.
	offline := filepath.Join(t.TempDir(), store.DefaultFile)
	raw, err = sql.Open("sqlite", "file:"+backup+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("VACUUM INTO ?", offline); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	off, err := store.Open(ctx, offline)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if err := off.SetPlatformAhead(ctx, nil); err != nil {
		t.Fatal(err)
	}
	cfg := store.SyncConfig{URL: url, Account: testAccount, Secret: testSecret} // the copy has no secret.key
	var pkg bytes.Buffer
	if _, err := outbox.ExportPackage(ctx, off, &pkg, cfg, 500); err != nil {
		t.Fatal(err)
	}
	_, err = platform.UploadPackage(ctx, http.DefaultClient, url, &pkg)
	if !errors.As(err, &pe) || pe.Code != platform.CodeHistoryFork {
		t.Fatalf("forked package: %v", err)
	}
	if n, _ := srv.RecordCount(ctx); n != held {
		t.Fatalf("platform holds %d records, had %d: part of the package's second history was stored", n, held)
	}
	// A copy that knows it is older does not even export.
	if _, err := outbox.ExportPackage(ctx, old, &bytes.Buffer{}, cfg, 500); store.ErrorCode(err) != store.CodeConflict {
		t.Fatalf("export from a store known to be older: %v", err)
	}

	// The newest store still syncs (the finding does not leak to it).
	fill(t, db, 5, 0)
	if sum, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx); err != nil || sum.Pending != 0 {
		t.Fatalf("newest store: %+v %v", sum, err)
	}
	if n := heldTwice(t, srv); n != 0 {
		t.Fatalf("%d sequence numbers held twice", n)
	}
}

// The simulator checks prev_hash against the entry it holds before.
func TestSimRefusesBrokenPrevHash(t *testing.T) {
	ctx := context.Background()
	srv, url := startSim(t, sim.Faults{}, nil, nil)
	db := openSite(t, t.TempDir(), url)
	defer db.Close()
	fill(t, db, 10, 0)
	if _, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx); err != nil {
		t.Fatal(err)
	}
	held, _ := srv.RecordCount(ctx)
	fill(t, db, 3, 0)
	site, _ := db.SyncSiteID(ctx)
	cursor, _ := db.SyncCursor(ctx)
	b, _, _, err := outbox.BuildBatch(ctx, db, site, testAccount, cursor, 100)
	if err != nil || b == nil || len(b.Records) == 0 {
		t.Fatalf("batch: %v", err)
	}
	b.Records[0].PrevHash = strings.Repeat("ab", 32)
	gz, _ := platform.EncodeBatch(b)
	_, err = client(t, url).SendBatch(ctx, b, gz)
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeHistoryFork || !strings.Contains(pe.En, "prev_hash") {
		t.Fatalf("broken prev_hash: %v", err)
	}
	if n, _ := srv.RecordCount(ctx); n != held {
		t.Fatalf("platform holds %d records, had %d", n, held)
	}
}

// Finding: with the last uploaded entry deleted (and its row reverted) the
// cursor pointed beyond the chain head; the next new entry got the deleted
// entry's number, was taken as settled and never sent, while status said
// "pending 0". Now the uploader refuses to go on from a cursor beyond the
// head, and status says why.
func TestOutboxRefusesCursorBeyondHead(t *testing.T) {
	cases := []struct {
		name  string
		write int    // entries written after the deletion
		want  string // in the error
	}{
		{"nothing written since", 0, "upload cursor is at entry"},
		{"a new entry under the deleted one's number", 1, "platform receipt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv, url := startSim(t, sim.Faults{}, nil, nil)
			dir := t.TempDir()
			db := openSite(t, dir, url)
			defer db.Close()
			fill(t, db, 30, 0)
			if _, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx); err != nil {
				t.Fatal(err)
			}
			held, _ := srv.RecordCount(ctx)
			// Behind the app's back, while it runs: the last entry is deleted.
			raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.DefaultFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"DROP TRIGGER journal_no_delete", "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)",
				"CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			raw.Close()
			fill(t, db, tc.write, 0)
			sum, err := outbox.New(db, client(t, url), fastOpts()).Once(ctx)
			if store.ErrorCode(err) != store.CodeCorrupt || sum.Attempts != 1 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%+v %v, want a refusal naming %q", sum, err, tc.want)
			}
			wantUserMessage(t, err, "未上传任何数据", "Nothing was uploaded")
			if n, _ := srv.RecordCount(ctx); n != held {
				t.Fatalf("platform holds %d records, had %d", n, held)
			}
			st, err := db.SyncStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Problem == nil {
				t.Fatalf("status shows no problem: %+v", st)
			}
			wantUserMessage(t, st.Problem, "suyuan verify", "suyuan verify")
		})
	}
}

// Finding: an interrupted sync --once printed "still pending 0" while
// thousands were pending. Pending is now counted in the store after the run
// on every way out.
func TestOnceInterruptedCountsPendingFromStore(t *testing.T) {
	cases := []struct {
		name   string
		faults sim.Faults
		opts   func(o *outbox.Options)
		cancel func(s outbox.Status, sends int) bool // cancel when true
		want   func(t *testing.T, err error)
	}{
		{"cancelled between batches", sim.Faults{}, nil,
			func(s outbox.Status, sends int) bool { return s.State == outbox.StateSending && sends == 3 },
			func(t *testing.T, err error) {
				var in *outbox.Interrupted
				if !errors.As(err, &in) || !errors.Is(err, context.Canceled) {
					t.Fatalf("error %v, want *Interrupted wrapping context.Canceled", err)
				}
				wantUserMessage(t, err, "上传被中断", "interrupted")
			}},
		{"cancelled while backing off", sim.Faults{Err5xx: 1}, nil,
			func(s outbox.Status, sends int) bool { return s.State == outbox.StateWaiting },
			func(t *testing.T, err error) {
				var in *outbox.Interrupted
				if !errors.As(err, &in) {
					t.Fatalf("error %v, want *Interrupted", err)
				}
			}},
		{"network down, attempts used up", sim.Faults{Drop: 1}, func(o *outbox.Options) { o.MaxAttempts = 2 },
			func(outbox.Status, int) bool { return false },
			func(t *testing.T, err error) {
				if err == nil || !platform.IsRetryable(err) {
					t.Fatalf("error %v, want the network failure", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startSim(t, tc.faults, nil, nil)
			db := openSite(t, t.TempDir(), url)
			defer db.Close()
			fill(t, db, 2000, 0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := fastOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			var mu sync.Mutex
			sends := 0
			opts.OnStatus = func(s outbox.Status) {
				mu.Lock()
				defer mu.Unlock()
				if s.State == outbox.StateSending {
					sends++
				}
				if tc.cancel(s, sends) {
					cancel()
				}
			}
			sum, err := outbox.New(db, client(t, url), opts).Once(ctx)
			tc.want(t, err)
			st, serr := db.SyncStatus(context.Background())
			if serr != nil {
				t.Fatal(serr)
			}
			if st.Pending == 0 || sum.Pending != st.Pending {
				t.Fatalf("summary says %d pending, the store %d", sum.Pending, st.Pending)
			}
		})
	}
}
