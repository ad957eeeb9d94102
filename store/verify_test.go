package store

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fast paths of Verify must agree byte for byte with the definitions
// they replace: entryHash for the chain, CanonicalJSON for a row.

func TestChainHasherMatchesEntryHash(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	strs := []string{"", "lots.create", "冰糖橙", "a:b\n", "bad\xffutf8", strings.Repeat("x", 700)}
	var h chainHasher
	for i := 0; i < 3000; i++ {
		at := time.Date(2020+rng.Intn(10), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60), rng.Intn(60), rng.Intn(1e9), time.UTC)
		e := Entry{Seq: rng.Int63n(1e7), At: at.Truncate(time.Microsecond), Actor: strs[rng.Intn(len(strs))], Kind: strs[rng.Intn(len(strs))],
			Ref: strs[rng.Intn(len(strs))], Payload: []byte(strs[rng.Intn(len(strs))]), Reason: strs[rng.Intn(len(strs))], PrevHash: strs[rng.Intn(len(strs))]}
		if rng.Intn(2) == 0 {
			e.Supersedes = rng.Int63n(1e7) + 1
		}
		raw := rawEntry{seq: e.Seq, at: e.At.Format(timeFormat), actor: e.Actor, kind: e.Kind, ref: e.Ref, payload: string(e.Payload), reason: e.Reason, prevHash: e.PrevHash}
		raw.supersedes.Int64, raw.supersedes.Valid = e.Supersedes, e.Supersedes > 0
		got, err := h.sum(&raw)
		if err != nil {
			t.Fatal(err)
		}
		if want := entryHash(&e); string(got) != want {
			t.Fatalf("entry %+v: fast %s, entryHash %s", e, got, want)
		}
	}
	// A time text that parses but is not in the fixed-width form is hashed
	// as entryHash would see it (parsed, formatted again).
	raw := rawEntry{seq: 3, at: "2026-11-28T8:00:00.000000Z", prevHash: genesisHash}
	got, err := h.sum(&raw)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Seq: 3, At: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC), PrevHash: genesisHash}
	if string(got) != entryHash(&e) {
		t.Fatalf("short hour: fast %s, entryHash %s", got, entryHash(&e))
	}
	if _, err := h.sum(&rawEntry{seq: 4, at: "yesterday"}); err == nil {
		t.Fatal("a time that does not parse was hashed")
	}
}

// rowValues draws one SQLite row: what the driver hands Verify.
func rowValues(rng *rand.Rand, n int) ([]string, []any) {
	strs := []string{"", "冰糖橙", "<a&b>", "line\nbreak\t\"q\"\\", "\u2028\u2029", "bad\xffutf8\xc3", "\x00\x1f\x7f\b\f\r", "emoji 🍊", "é"}
	floats := []float64{0, math.Copysign(0, -1), 1.5, 1e21, 1e-7, 123456789.125, -3.25e-10, 0.1 + 0.2, 5e-324, math.MaxFloat64, 1e20, 1e-6}
	cols := []string{"id", "jseq"}
	vals := []any{rng.Int63(), rng.Int63()}
	for j := 0; j < n; j++ {
		cols = append(cols, strs[rng.Intn(len(strs))]+strconv.Itoa(j))
		switch rng.Intn(5) {
		case 0:
			vals = append(vals, nil)
		case 1:
			vals = append(vals, rng.Int63()-rng.Int63())
		case 2:
			f := floats[rng.Intn(len(floats))] * float64(rng.Intn(1000)-500)
			if math.IsInf(f, 0) {
				f = math.MaxFloat64
			}
			vals = append(vals, f)
		case 3:
			vals = append(vals, strs[rng.Intn(len(strs))]+strs[rng.Intn(len(strs))])
		case 4:
			b := make([]byte, rng.Intn(20))
			rng.Read(b)
			vals = append(vals, b)
		}
	}
	// Columns in table order, not name order.
	rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i]; vals[i], vals[j] = vals[j], vals[i] })
	return cols, vals
}

func TestRowEncoderMatchesCanonicalJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 3000; i++ {
		cols, vals := rowValues(rng, rng.Intn(12))
		enc := newRowEncoder(cols)
		fast, ok := enc.encode(vals)
		if !ok {
			t.Fatalf("fast path refused %v", vals)
		}
		want, err := enc.slow(vals)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, want) {
			t.Fatalf("fast %s\nCanonicalJSON %s", fast, want)
		}
	}
	// What the fast path does not know goes to CanonicalJSON.
	enc := newRowEncoder([]string{"id", "t"})
	if _, ok := enc.encode([]any{int64(1), time.Now()}); ok {
		t.Fatal("a time.Time took the fast path")
	}
	if _, ok := enc.encode([]any{int64(1), math.NaN()}); ok {
		t.Fatal("NaN took the fast path")
	}
}

func FuzzRowEncoder(f *testing.F) {
	f.Add("冰糖橙", 1.5, int64(3), []byte{0, 1})
	f.Add("bad\xff\u2028\"\\\x01", -0.0, int64(-1), []byte(nil))
	f.Add("", 1e21, int64(0), []byte("x"))
	f.Add("<&>", 1e-7, int64(math.MinInt64), []byte{})
	f.Fuzz(func(t *testing.T, s string, x float64, n int64, b []byte) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		cols := []string{s + "k", "id", "f", "b", "jseq", "n"}
		vals := []any{s, n, x, b, int64(9), nil}
		enc := newRowEncoder(cols)
		fast, ok := enc.encode(vals)
		if !ok {
			t.Fatal("fast path refused")
		}
		want, err := enc.slow(vals)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, want) {
			t.Fatalf("fast %s\nCanonicalJSON %s", fast, want)
		}
	})
}

// syncedStore is a generated history with every entry acknowledged by one
// platform receipt, then one more journaled change of lot 1 (a hold), also
// acknowledged: the state of a site that has just synced.
func syncedStore(t *testing.T) (db *DB, lastSeq, prevSeq int64) {
	t.Helper()
	db = openTest(t)
	ctx := context.Background()
	if err := GenerateJournal(ctx, db, 300); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowForTest(ctx, "SELECT jseq FROM lots WHERE id = 1", &prevSeq); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, systemActor, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE lots SET hold = 1, hold_reason = '复检' WHERE id = 1"); err != nil {
			return err
		}
		e, err := tx.Record(ctx, "lots", 1, "lots.hold", "复检")
		lastSeq = e.Seq
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyBatchAck(ctx, BatchAck{PlatformID: "RCPT-1", BatchKey: "k:1", ReceivedAt: time.Now(), FirstSeq: 1, LastSeq: lastSeq}); err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Verify(ctx, nil); err != nil || !rep.OK() {
		t.Fatalf("synced store does not verify: %v %+v", err, rep)
	}
	return db, lastSeq, prevSeq
}

// QueryRowForTest scans one value from the read pool.
func (db *DB) QueryRowForTest(ctx context.Context, q string, dst any) error {
	return db.r.QueryRowContext(ctx, q).Scan(dst)
}

// Finding: deleting the last journal entry together with the change it
// recorded (row reverted) left a chain that was intact up to its new head,
// and verify passed — although the platform's receipt names that entry.
func TestVerifyReceiptTestifiesToDeletedTail(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(last, prev int64) string
		want   string
	}{
		{"entry deleted and row reverted", func(last, prev int64) string {
			return "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = " + strconv.FormatInt(last, 10) +
				"; UPDATE lots SET hold = 0, hold_reason = '', jseq = " + strconv.FormatInt(prev, 10) + " WHERE id = 1" +
				"; CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
		}, "is missing: platform receipt RCPT-1"},
		{"entry replaced after upload", func(last, prev int64) string {
			return "UPDATE upload_receipts SET chain_hash = 'ab' || substr(chain_hash, 3)"
		}, "does not match the chain hash in platform receipt RCPT-1"},
		{"cursor beyond head", func(last, prev int64) string {
			return "UPDATE sync_state SET cursor = cursor + 5"
		}, "upload cursor is at entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, last, prev := syncedStore(t)
			ctx := context.Background()
			if _, err := db.w.ExecContext(ctx, "PRAGMA foreign_keys=OFF; "+tc.tamper(last, prev)+"; PRAGMA foreign_keys=ON"); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			rep, err := db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("verify passed")
			}
			if !strings.Contains(rep.Problems[0].En, tc.want) || rep.Problems[0].Zh == "" {
				t.Fatalf("problems %+v, want the first to contain %q", rep.Problems, tc.want)
			}
			if tc.name != "cursor beyond head" && rep.Problems[0].Seq != last {
				t.Fatalf("problem names entry %d, want %d", rep.Problems[0].Seq, last)
			}
		})
	}
}

// Verifies at the same time on one store: one uses three connections, the
// others one each (no Verify waits for a connection another one holds), and
// all find the same.
func TestVerifyConcurrentRunsAgree(t *testing.T) {
	db, last, _ := syncedStore(t)
	ctx := context.Background()
	if _, err := db.w.ExecContext(ctx, "UPDATE lots SET hold_reason = '无' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	const n = 4
	reps := make([]*VerifyReport, n)
	errs := make([]error, n)
	done := make(chan int, n)
	for i := range n {
		go func() {
			reps[i], errs[i] = db.Verify(ctx, nil)
			done <- i
		}()
	}
	for range n {
		<-done
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		r := reps[i]
		if r.OK() || r.Problems[0].Seq != last || !strings.Contains(r.Problems[0].En, "differs from journal entry") || r.Entries != reps[0].Entries || r.Rows != reps[0].Rows {
			t.Fatalf("run %d: %+v (run 0: %+v)", i, r, reps[0])
		}
	}
}
