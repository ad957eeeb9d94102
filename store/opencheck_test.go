package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Finding: a store that fails verify was still written to by the CLI and the
// GUI. Every Open now runs QuickCheck; a finding blocks writes (and so
// uploads and receipts), while reads and Verify keep working.
func TestOpenCheckBlocksWritesOnATamperedStore(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		tamper func(last, prev int64) string
		want   string // in the English message
		seq    bool   // the message names entry last
	}{
		{"tail deleted, row reverted (the receipt testifies)", func(last, prev int64) string {
			return "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = " + strconv.FormatInt(last, 10) +
				"; UPDATE lots SET hold = 0, hold_reason = '', jseq = " + strconv.FormatInt(prev, 10) + " WHERE id = 1" +
				"; CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
		}, "journal entry " + "%d is missing: platform receipt RCPT-1", true},
		{"last entry edited", func(last, prev int64) string {
			return "DROP TRIGGER journal_no_update; UPDATE journal SET reason = 'x' WHERE seq = " + strconv.FormatInt(last, 10) +
				"; CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
		}, "journal entry %d was edited", true},
		{"row of the last entry edited", func(last, prev int64) string {
			return "UPDATE lots SET hold_reason = '无' WHERE id = 1"
		}, "record lots:1 differs from journal entry %d", true},
		{"trigger dropped", func(last, prev int64) string { return "DROP TRIGGER journal_no_update" }, "trigger journal_no_update was removed", false},
		{"cursor beyond head", func(last, prev int64) string { return "UPDATE sync_state SET cursor = cursor + 3" }, "upload cursor is at entry", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, last, prev := syncedStore(t)
			if err := db.OpenProblem(); err != nil {
				t.Fatalf("healthy store: %v", err)
			}
			path := db.Path()
			if _, err := db.w.ExecContext(ctx, "PRAGMA foreign_keys=OFF; "+tc.tamper(last, prev)+"; PRAGMA foreign_keys=ON"); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			db.Close()

			db, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("a tampered store must still open (for reading): %v", err)
			}
			defer db.Close()
			want := tc.want
			if tc.seq {
				want = strings.Replace(want, "%d", strconv.FormatInt(last, 10), 1)
			}
			if err := db.OpenProblem(); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("open problem %v, want one containing %q", err, want)
			}
			// Writes are refused with a message that says what to do.
			err = db.Write(ctx, systemActor, func(tx *Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings(key,value) VALUES('x','y')")
				return err
			})
			if ErrorCode(err) != CodeCorrupt {
				t.Fatalf("write on a tampered store: %v", err)
			}
			for _, lang := range []string{"zh", "en"} {
				msg := err.(*Error).UserMessage(lang)
				for _, w := range []string{"suyuan verify", "suyuan backup"} {
					if !strings.Contains(msg, w) {
						t.Errorf("%s message %q does not mention %s", lang, msg, w)
					}
				}
			}
			if _, err := db.ApplyBatchAck(ctx, BatchAck{PlatformID: "RCPT-2", BatchKey: "k:2", ReceivedAt: time.Now(), FirstSeq: 1, LastSeq: 1}); ErrorCode(err) != CodeCorrupt {
				t.Fatalf("receipt stored on a tampered store: %v", err)
			}
			// Reads and verify still work, and verify names the problem.
			if _, _, err := db.Head(ctx); err != nil {
				t.Fatalf("read: %v", err)
			}
			rep, err := db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || strings.Contains(p.En, want)
			}
			if !found {
				t.Fatalf("verify problems %+v, want one containing %q", rep.Problems, want)
			}
			// A read-only open reports the same.
			ro, err := Open(ctx, path, ReadOnly())
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			if ro.OpenProblem() == nil {
				t.Fatal("read-only open did not report the problem")
			}
		})
	}
}

func TestOpenCheckPassesHealthyStores(t *testing.T) {
	ctx := context.Background()
	// Fresh, generated, synced, and synced then written to: all pass, and
	// keep passing across reopens.
	db, _, _ := syncedStore(t)
	if err := db.Write(ctx, systemActor, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE lots SET hold = 0, hold_reason = '' WHERE id = 1"); err != nil {
			return err
		}
		_, err := tx.Record(ctx, "lots", 1, "lots.release", "复检合格")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.OpenProblem(); err != nil {
			t.Fatalf("healthy store blocked: %v", err)
		}
		if p, err := db.QuickCheck(ctx); err != nil || p != nil {
			t.Fatalf("quick check: %v %+v", err, p)
		}
		db.Close()
	}
	fresh := openTest(t)
	if err := fresh.OpenProblem(); err != nil {
		t.Fatalf("new store blocked: %v", err)
	}
}
