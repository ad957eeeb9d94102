package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// appendRaw appends one synthetic entry (the uploader only reads the journal).
func appendRaw(t testing.TB, db *DB, kind, ref, payload string, sup int64) Entry {
	t.Helper()
	var e Entry
	err := db.Write(context.Background(), systemActor, func(tx *Tx) error {
		var err error
		e, err = tx.Append(context.Background(), kind, ref, []byte(payload), "", sup)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSyncGenerateJournalVerifiesAndIsRealistic(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	appendRaw(t, db, "users.create", "users:99", `{"password_hash":"x"}`, 0)
	if err := GenerateJournal(ctx, db, 3000); err != nil {
		t.Fatal(err)
	}
	head, _, err := db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head != 3001 {
		t.Fatalf("head = %d, want 3001", head)
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// users:99 has no row: that is the only problem Verify may report.
	for _, p := range rep.Problems {
		if p.Ref != "users:99" {
			t.Errorf("verify: %s %s", p.Ref, p.En)
		}
	}
	kinds := map[string]int{}
	var bytes, n int
	if err := db.Entries(ctx, 1, 0, func(e Entry) error {
		kinds[e.Kind]++
		bytes += len(e.Payload)
		n++
		if EntryHashOf(e) != e.Hash {
			t.Fatalf("entry %d hash mismatch", e.Seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lots.create", "applications.create", "inspections.create", "certificates.create", "shipments.create", "lots.void"} {
		if kinds[k] == 0 {
			t.Errorf("no %s entries in %v", k, kinds)
		}
	}
	if avg := bytes / n; avg < 200 || avg > 700 {
		t.Errorf("average payload %d bytes, want a realistic 200..700", avg)
	}
	// A second call continues the chain.
	if err := GenerateJournal(ctx, db, 100); err != nil {
		t.Fatal(err)
	}
	rep, err = db.Verify(ctx, nil)
	if err != nil || rep.HeadSeq != 3101 {
		t.Fatalf("after second generate: %v head %d", err, rep.HeadSeq)
	}
}

func TestSyncStatusSkipsLocalOnly(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	appendRaw(t, db, "users.create", "users:1", `{}`, 0)
	appendRaw(t, db, "lots.create", "lots:1", `{"id":1}`, 0)
	appendRaw(t, db, "users.disable", "users:1", `{}`, 0)
	appendRaw(t, db, "lots.create", "lots:2", `{"id":2}`, 0)
	s, err := db.SyncStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Pending != 2 || s.Cursor != 0 || s.HeadSeq != 4 {
		t.Fatalf("status %+v, want pending 2 cursor 0 head 4", s)
	}
	// A range of only local-only entries settles without a receipt.
	if err := db.SkipLocalOnly(ctx, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.SyncCursor(ctx); c != 1 {
		t.Fatalf("cursor %d, want 1", c)
	}
	// Not contiguous with the cursor: nothing moves.
	if err := db.SkipLocalOnly(ctx, 3, 3, 1); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.SyncCursor(ctx); c != 1 {
		t.Fatalf("cursor %d after a non-contiguous skip, want 1", c)
	}
}

func TestSyncApplyBatchAck(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for i := 1; i <= 6; i++ {
		appendRaw(t, db, "applications.create", fmt.Sprintf("applications:%d", i), fmt.Sprintf(`{"id":%d}`, i), 0)
	}
	ack2 := BatchAck{PlatformID: "R2", BatchKey: "k:4-6", ReceivedAt: time.Now(), FirstSeq: 4, LastSeq: 6,
		Accepted: []AckedEntry{{4, "applications:4"}, {5, "applications:5"}, {6, "applications:6"}}}
	ack1 := BatchAck{PlatformID: "R1", BatchKey: "k:1-3", ReceivedAt: time.Now(), FirstSeq: 1, LastSeq: 3,
		Accepted: []AckedEntry{{1, "applications:1"}, {3, "applications:3"}},
		Rejected: []SyncRejection{{Seq: 2, Ref: "applications:2", Kind: "applications.create", Key: "s:2:h", Code: "validation", ReasonZh: "剂量缺失", ReasonEn: "dose missing"}}}
	// Out of order: the later receipt is stored but cannot move the cursor.
	if ok, err := db.ApplyBatchAck(ctx, ack2); err != nil || !ok {
		t.Fatalf("ack2: %v %v", ok, err)
	}
	if c, _ := db.SyncCursor(ctx); c != 0 {
		t.Fatalf("cursor %d after out-of-order receipt, want 0", c)
	}
	if ok, err := db.ApplyBatchAck(ctx, ack1); err != nil || !ok {
		t.Fatalf("ack1: %v %v", ok, err)
	}
	if c, _ := db.SyncCursor(ctx); c != 6 {
		t.Fatalf("cursor %d once the gap is filled, want 6", c)
	}
	// Same receipt again: nothing changes.
	before := fileState(t, db)
	if ok, err := db.ApplyBatchAck(ctx, ack1); err != nil || ok {
		t.Fatalf("re-apply: %v %v, want false nil", ok, err)
	}
	if after := fileState(t, db); after != before {
		t.Fatalf("re-applying a receipt changed the store:\n%s\n%s", before, after)
	}
	rs, _ := db.UploadReceipts(ctx, 0)
	if len(rs) != 2 || rs[0].PlatformID != "R1" || rs[0].ChainHash == "" || rs[0].Rejected != 1 || rs[0].Accepted != 2 {
		t.Fatalf("receipts %+v", rs)
	}
	rej, _ := db.SyncRejections(ctx, true)
	if len(rej) != 1 || rej[0].Seq != 2 || rej[0].ReasonZh != "剂量缺失" {
		t.Fatalf("open rejections %+v", rej)
	}
	// The correction supersedes entry 2 and is accepted: resolved.
	corr := appendRaw(t, db, "applications.correct", "applications:2", `{"id":2,"dose":30}`, 2)
	if _, err := db.ApplyBatchAck(ctx, BatchAck{PlatformID: "R3", BatchKey: "k:7-7", ReceivedAt: time.Now(), FirstSeq: 7, LastSeq: 7,
		Accepted: []AckedEntry{{corr.Seq, corr.Ref}}}); err != nil {
		t.Fatal(err)
	}
	all, _ := db.SyncRejections(ctx, false)
	if len(all) != 1 || all[0].ResolvedBySeq != corr.Seq || all[0].Open() {
		t.Fatalf("rejection not resolved by %d: %+v", corr.Seq, all)
	}
	s, _ := db.SyncStatus(ctx)
	if s.OpenRejections != 0 || s.Pending != 0 || s.LastReceipt == nil || s.LastReceipt.PlatformID != "R3" {
		t.Fatalf("status %+v", s)
	}
	// A receipt for entries this journal does not have is refused.
	if _, err := db.ApplyBatchAck(ctx, BatchAck{PlatformID: "RX", BatchKey: "k:99", ReceivedAt: time.Now(), FirstSeq: 90, LastSeq: 99}); ErrorCode(err) != CodeInvalid {
		t.Fatalf("foreign receipt: %v", err)
	}
}

// fileState summarises the sync tables and the journal head.
func fileState(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{"SELECT count(*) FROM upload_receipts", "SELECT count(*) FROM sync_rejections", "SELECT cursor FROM sync_state", "SELECT max(seq) FROM journal"} {
		var n int64
		if err := db.r.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d ", n)
	}
	return b.String()
}

func TestSyncNationalCodesAndPreallocation(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := GenerateJournal(ctx, db, 200); err != nil {
		t.Fatal(err)
	}
	var lot1, lot2 int64
	var lot1Code string
	if err := db.r.QueryRow("SELECT id, code FROM lots ORDER BY id LIMIT 1").Scan(&lot1, &lot1Code); err != nil {
		t.Fatal(err)
	}
	if err := db.r.QueryRow("SELECT id FROM lots ORDER BY id LIMIT 1 OFFSET 1").Scan(&lot2); err != nil {
		t.Fatal(err)
	}
	head, _, _ := db.Head(ctx)
	long := "1.0.91530427MA6K000000.01010101.20261128080000.001"
	ack := BatchAck{PlatformID: "R1", BatchKey: "k", ReceivedAt: time.Now(), FirstSeq: 1, LastSeq: head,
		Codes: []NationalCode{{Ref: fmt.Sprintf("lots:%d", lot1), Long: long, Short: "13320000012345678901"}, {Ref: "lots:999999", Long: "1.0.x", Short: "1"}}}
	if _, err := db.ApplyBatchAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.r.QueryRow("SELECT national_code FROM lots WHERE id = ?", lot1).Scan(&got); err != nil || got != long {
		t.Fatalf("lot national code %q %v", got, err)
	}
	hist, _ := db.History(ctx, "lots", lot1)
	if last := hist[len(hist)-1]; last.Kind != "lots.national_code" || last.Actor != systemActor.Username || !strings.Contains(string(last.Payload), long) {
		t.Fatalf("national code not journaled: %+v", last)
	}
	// The journaled code is itself pending (the platform learns the binding).
	if s, _ := db.SyncStatus(ctx); s.Pending != 1 {
		t.Fatalf("pending %d, want 1 (the lots.national_code entry)", s.Pending)
	}

	// The same code for another lot (a platform bug) is not applied.
	if _, err := db.ApplyBatchAck(ctx, BatchAck{PlatformID: "R2", BatchKey: "k2", ReceivedAt: time.Now(), FirstSeq: 1, LastSeq: head,
		Codes: []NationalCode{{Ref: fmt.Sprintf("lots:%d", lot2), Long: long, Short: "13320000012345678901"}}}); err != nil {
		t.Fatal(err)
	}
	var lot2Code sql.NullString
	if err := db.r.QueryRow("SELECT national_code FROM lots WHERE id = ?", lot2).Scan(&lot2Code); err != nil || lot2Code.Valid {
		t.Fatalf("a code already held by lot %d was written onto lot %d: %v %v", lot1, lot2, lot2Code, err)
	}

	// Pre-allocation.
	if _, _, err := db.TakePreallocatedCode(ctx, lot2); !IsNotFound(err) {
		t.Fatalf("no range yet: %v", err)
	}
	codes := []PreallocatedCode{{"1.0.X.00000000.20261128080000.001", "13320000000000000001"}, {"1.0.X.00000000.20261128080000.002", "13320000000000000002"}}
	if added, err := db.AddCodeRange(ctx, "RNG-1", time.Now(), codes); err != nil || !added {
		t.Fatal(added, err)
	}
	if added, err := db.AddCodeRange(ctx, "RNG-1", time.Now(), codes); err != nil || added {
		t.Fatal("second add of the same range", added, err)
	}
	l, s, err := db.TakePreallocatedCode(ctx, lot2)
	if err != nil || l != codes[0].Long || s != codes[0].Short {
		t.Fatalf("take: %q %q %v", l, s, err)
	}
	// Taking again for the same lot returns the same code.
	if l2, _, err := db.TakePreallocatedCode(ctx, lot2); err != nil || l2 != l {
		t.Fatalf("take again: %q %v", l2, err)
	}
	// A lot that already has a platform code keeps it.
	if l3, _, err := db.TakePreallocatedCode(ctx, lot1); err != nil || l3 != long {
		t.Fatalf("lot with code: %q %v", l3, err)
	}
	if st, _ := db.SyncStatus(ctx); st.FreeCodes != 1 {
		t.Fatalf("free codes %d, want 1", st.FreeCodes)
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after code updates: %v %+v", err, rep.Problems)
	}
}

func TestSyncConfigNotJournaled(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SetSyncConfig(ctx, Actor{Username: "p", Role: RolePacker}, SyncConfig{URL: "https://x", Account: "a", Secret: "s"}); ErrorCode(err) != CodeForbidden {
		t.Fatalf("packer may not set credentials: %v", err)
	}
	head0, _, _ := db.Head(ctx)
	want := SyncConfig{URL: "https://platform.example", Account: "acct", Secret: "top-secret-value"}
	if err := db.SetSyncConfig(ctx, systemActor, want); err != nil {
		t.Fatal(err)
	}
	got, err := db.SyncConfig(ctx)
	if err != nil || got != want {
		t.Fatalf("config %+v %v", got, err)
	}
	head1, _, _ := db.Head(ctx)
	if head1 != head0 {
		t.Fatalf("setting credentials journaled %d entries", head1-head0)
	}
	id1, err := db.SyncSiteID(ctx)
	if err != nil || id1 == "" {
		t.Fatal(id1, err)
	}
	if id2, _ := db.SyncSiteID(ctx); id2 != id1 {
		t.Fatalf("site id changed: %s -> %s", id1, id2)
	}
}
