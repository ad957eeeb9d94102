package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sync"
	"time"
)

// Problem is one finding of Verify, in both languages.
type Problem struct {
	Seq int64  // journal entry concerned, 0 if none
	Ref string // record concerned, "" if none
	Zh  string
	En  string
}

// VerifyReport is the result of Verify.
type VerifyReport struct {
	Entries  int64     // journal entries checked
	Rows     int64     // domain rows checked against the journal
	Receipts int64     // platform receipts checked against the chain
	HeadSeq  int64     // last entry
	HeadHash string    // its hash: the fingerprint of the whole history
	Problems []Problem // empty when the file is sound; the first is the earliest found
}

// OK reports whether nothing was found.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds the report: the first bad entry is what the user needs;
// a tampered file could otherwise produce millions of lines.
const maxProblems = 100

// verifyMmap is the memory map Verify asks SQLite for on its connection: the
// journal rows a table's rows point at are read in near-random order, and
// through SQLite's small page cache every miss was a pread system call
// (a third of Verify's time on a 1M-entry file). The mapping is released
// when Verify ends.
const verifyMmap = 1 << 30

// Verify checks the SQLite file's integrity and references (foreign keys),
// the journal's append-only triggers, the hash chain from the first entry to
// the last (gapless seq, each prev_hash equal to the previous hash, each hash
// recomputed), that every platform receipt's chain hash is still the hash of
// the entry it names (a receipt is evidence that entry existed: an entry
// deleted after it was uploaded is found even when the chain before it is
// intact), that the upload cursor is not beyond the chain head, and that
// every row of every journaled table (a table with a jseq column) is exactly
// what its latest journal entry says.
//
// It reads the journal once in seq order and each table once in id order,
// on separate read connections that run at the same time (SQLite's
// quick_check on a third), each in one read transaction over the same
// snapshot (the connections' chain heads are compared and the snapshot is
// taken again if a write came in between). The journal pass keeps, per
// record, the seq and a 64-bit digest (SHA-256, truncated) of its latest
// entry's payload; the table pass keeps each row's jseq and the digest of its
// canonical JSON; the two are compared at the end, and a row whose digest
// differs is compared in full (a column added by a later migration and still
// at its default is not a change). The slots take about 40 bytes per
// record (the heap peaked at 77 MB verifying a 1M-entry store); nothing else
// grows with the file. progress, if not
// nil, is called with the entries checked so far, on the calling goroutine.
func (db *DB) Verify(ctx context.Context, progress func(done int64)) (*VerifyReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rep := &VerifyReport{}
	var mu sync.Mutex // guards rep.Problems across the passes
	add := func(p Problem) bool {
		mu.Lock()
		defer mu.Unlock()
		if len(rep.Problems) >= maxProblems {
			return false
		}
		rep.Problems = append(rep.Problems, p)
		return len(rep.Problems) < maxProblems
	}
	// Three connections at once, for one Verify at a time in the process
	// and only if the pool has room: a Verify holding two connections and
	// waiting for a third could otherwise wait forever on another one.
	// Otherwise everything runs, one pass after the other, on one.
	parallel := false
	if n := db.r.Stats().MaxOpenConnections; n == 0 || n >= 4 {
		select {
		case verifySlot <- struct{}{}:
			parallel = true
			defer func() { <-verifySlot }()
		default:
		}
	}
	var main, rowsConn *verifyConn
	var err error
	if parallel {
		main, rowsConn, err = db.verifyConns(ctx)
	} else {
		main, _, err = db.beginRead(ctx)
		rowsConn = main
	}
	if err != nil {
		return nil, err
	}
	defer main.release()
	if rowsConn != main {
		defer rowsConn.release()
	}

	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // no pass outlives Verify
	// SQLite's own structure check reads every page; it needs no snapshot
	// shared with the others, so it runs on its own connection.
	var qcProblem *Problem
	var qcErr error
	var fkProblems []Problem
	if parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.r.Conn(ctx)
			if err != nil {
				qcErr = err
				return
			}
			defer c.Close()
			qcProblem, fkProblems, qcErr = quickCheckPass(ctx, c)
		}()
	}

	for _, trg := range []string{"journal_no_update", "journal_no_delete"} {
		var n int
		if err := main.c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name=?", trg).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			add(Problem{Zh: "日志保护触发器 " + trg + " 被删除", En: "journal protection trigger " + trg + " was removed"})
		}
	}
	tables, err := journaledTables(ctx, main.c)
	if err != nil {
		return nil, err
	}
	idx, err := newRefIndex(ctx, main.c, tables)
	if err != nil {
		return nil, err
	}

	// The table pass runs beside the journal pass.
	var rowErr error
	tablePass := func() {
		for _, t := range idx.tables {
			if err := scanTableRows(ctx, rowsConn.c, t, rep, &mu); err != nil {
				rowErr = err
				cancel()
				return
			}
		}
	}
	if parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tablePass()
		}()
	}
	chainErr := verifyChain(ctx, main.c, rep, add, progress, idx)
	if chainErr != nil {
		cancel()
	}
	if !parallel && chainErr == nil {
		tablePass()
		if rowErr == nil {
			qcProblem, fkProblems, qcErr = quickCheckPass(ctx, main.c)
		}
	}
	wg.Wait()
	for _, err := range []error{chainErr, rowErr, qcErr} {
		if err != nil {
			return nil, err
		}
	}
	if qcProblem != nil {
		rep.Problems = append([]Problem{*qcProblem}, rep.Problems...)
	}
	for _, p := range fkProblems {
		if !add(p) {
			break
		}
	}
	if err := verifySyncEvidence(ctx, main.c, rep, add); err != nil {
		return nil, err
	}
	for _, t := range idx.tables {
		if err := compareTable(ctx, main.c, t, add); err != nil {
			return nil, err
		}
	}
	if len(rep.Problems) > maxProblems {
		rep.Problems = rep.Problems[:maxProblems]
	}
	if progress != nil {
		progress(rep.Entries)
	}
	return rep, nil
}

// verifySlot admits one Verify at a time to the three-connection mode.
var verifySlot = make(chan struct{}, 1)

// verifyConn is a read connection inside one read transaction.
type verifyConn struct{ c *sql.Conn }

func (v *verifyConn) release() {
	_, _ = v.c.ExecContext(context.Background(), "ROLLBACK")
	_, _ = v.c.ExecContext(context.Background(), "PRAGMA mmap_size=0")
	v.c.Close()
}

// beginRead takes a read connection, maps the file and starts a read
// transaction, returning the chain head its snapshot sees.
func (db *DB) beginRead(ctx context.Context) (*verifyConn, int64, error) {
	c, err := db.r.Conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	_, _ = c.ExecContext(ctx, "PRAGMA mmap_size="+strconv.Itoa(verifyMmap))
	v := &verifyConn{c: c}
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		c.Close()
		return nil, 0, err
	}
	var head int64
	// The first read fixes the transaction's snapshot.
	if err := c.QueryRowContext(ctx, "SELECT coalesce(max(seq),0) FROM journal").Scan(&head); err != nil {
		v.release()
		return nil, 0, fmt.Errorf("journal head: %w", err)
	}
	return v, head, nil
}

// verifyConns returns two read transactions on the same snapshot: every
// write of a journaled table appends to the journal in the same
// transaction, so equal chain heads mean equal journaled data. After a few
// attempts with writes coming in between, both passes share one connection.
func (db *DB) verifyConns(ctx context.Context) (main, rows *verifyConn, err error) {
	main, head, err := db.beginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	for range 5 {
		r, h, err := db.beginRead(ctx)
		if err != nil {
			break
		}
		if h == head {
			return main, r, nil
		}
		r.release()
	}
	return main, main, nil
}

// quickCheckPass runs PRAGMA quick_check and the foreign key check
// (references; Open checks them only after a migration) on their own read
// connection. Neither needs the other passes' snapshot: a write keeps both
// the structure and the references intact.
func quickCheckPass(ctx context.Context, c *sql.Conn) (*Problem, []Problem, error) {
	// quick_check reads every page once: mapped, not a pread each.
	if _, err := c.ExecContext(ctx, "PRAGMA mmap_size="+strconv.Itoa(verifyMmap)); err == nil {
		defer c.ExecContext(context.Background(), "PRAGMA mmap_size=0")
	}
	var qc *Problem
	var ic string
	if err := c.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&ic); err != nil {
		return nil, nil, fmt.Errorf("quick_check: %w", err)
	}
	if ic != "ok" {
		qc = &Problem{Zh: "SQLite 文件结构损坏：" + ic, En: "SQLite file structure is damaged: " + ic}
	}
	var fks []Problem
	err := verifyForeignKeys(ctx, c, func(p Problem) bool {
		fks = append(fks, p)
		return len(fks) < maxProblems
	})
	return qc, fks, err
}

func verifyForeignKeys(ctx context.Context, conn *sql.Conn, add func(Problem) bool) error {
	fk, err := conn.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign_key_check: %w", err)
	}
	defer fk.Close()
	for fk.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := fk.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		ref := table + ":" + strconv.FormatInt(rowid.Int64, 10)
		if !add(Problem{Ref: ref,
			Zh: fmt.Sprintf("记录 %s 引用的 %s 不存在（外键关系损坏）", ref, parent),
			En: fmt.Sprintf("record %s has a broken reference to %s (foreign key)", ref, parent)}) {
			break
		}
	}
	return fk.Err()
}

// verifyChain walks the journal once in seq order and checks every link,
// noting for each record of a journaled table its latest entry.
func verifyChain(ctx context.Context, conn *sql.Conn, rep *VerifyReport, add func(Problem) bool, progress func(int64), idx *refIndex) error {
	rows, err := conn.QueryContext(ctx, "SELECT "+entryCols+" FROM journal ORDER BY seq")
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var h chainHasher
	var e rawEntry
	prevHash, want := genesisHash, int64(1)
	for rows.Next() {
		if err := e.scan(rows); err != nil {
			return err
		}
		rep.Entries++
		ok := true
		switch {
		case e.seq != want:
			ok = add(Problem{Seq: e.seq, Ref: e.ref,
				Zh: fmt.Sprintf("日志第 %d 条缺失或顺序被改动（此处出现第 %d 条）", want, e.seq),
				En: fmt.Sprintf("journal entry %d is missing or out of order (found %d here)", want, e.seq)})
		case e.prevHash != prevHash:
			ok = add(Problem{Seq: e.seq, Ref: e.ref,
				Zh: fmt.Sprintf("日志第 %d 条与前一条的链接不符（前一条被修改、删除或重排）", e.seq),
				En: fmt.Sprintf("journal entry %d does not link to the entry before it (that entry was edited, deleted or reordered)", e.seq)})
		default:
			match, err := h.matches(&e)
			if err != nil {
				return err
			}
			if !match {
				ok = add(Problem{Seq: e.seq, Ref: e.ref,
					Zh: fmt.Sprintf("日志第 %d 条的内容被修改（哈希不符）", e.seq),
					En: fmt.Sprintf("journal entry %d was edited (hash mismatch)", e.seq)})
			}
		}
		if !ok {
			return nil
		}
		idx.noteEntry(e.ref, e.seq, e.payload)
		prevHash, want = e.hash, e.seq+1
		rep.HeadSeq, rep.HeadHash = e.seq, e.hash
		if progress != nil && rep.Entries%10000 == 0 {
			progress(rep.Entries)
		}
	}
	return rows.Err()
}

// rawEntry is a journal row as stored, for the chain walk: the time stays
// text (it is hashed as text) and nothing is copied.
type rawEntry struct {
	seq                                                   int64
	at, actor, kind, ref, payload, reason, prevHash, hash string
	supersedes                                            sql.NullInt64
}

// scan reads one row of SELECT entryCols into e.
func (e *rawEntry) scan(rows *sql.Rows) error {
	return rows.Scan(&e.seq, &e.at, &e.actor, &e.kind, &e.ref, &e.payload, &e.reason, &e.supersedes, &e.prevHash, &e.hash)
}

// chainHasher recomputes entryHash without allocating: one reused buffer,
// one-shot SHA-256, hex into an array. TestChainHasherMatchesEntryHash keeps
// it byte-for-byte equal to entryHash.
type chainHasher struct {
	buf []byte
	hex [64]byte
}

// sum returns the hex hash of e; the result is valid until the next call.
func (h *chainHasher) sum(e *rawEntry) ([]byte, error) {
	at := e.at
	// entryHash hashes the parsed time formatted again: the stored text is
	// that exactly when it parses and has the fixed width (the hour of the
	// layout would also accept one digit).
	t, err := time.Parse(timeFormat, at)
	if err != nil {
		return nil, fmt.Errorf("entry %d: bad time %q: %w", e.seq, at, err)
	}
	if len(at) != len(timeFormat) {
		at = t.UTC().Format(timeFormat)
	}
	b := append(h.buf[:0], "suyuan-journal-v1\x00"...)
	var num [20]byte
	b = hashField(b, e.prevHash)
	b = hashField(b, strconv.AppendInt(num[:0], e.seq, 10))
	b = hashField(b, at)
	b = hashField(b, e.actor)
	b = hashField(b, e.kind)
	b = hashField(b, e.ref)
	b = hashField(b, e.payload)
	b = hashField(b, e.reason)
	if e.supersedes.Valid && e.supersedes.Int64 > 0 {
		b = hashField(b, strconv.AppendInt(num[:0], e.supersedes.Int64, 10))
	} else {
		b = hashField(b, "")
	}
	h.buf = b
	s := sha256.Sum256(h.buf)
	hex.Encode(h.hex[:], s[:])
	return h.hex[:], nil
}

func (h *chainHasher) matches(e *rawEntry) (bool, error) {
	got, err := h.sum(e)
	if err != nil {
		return false, err
	}
	return string(got) == e.hash, nil
}

// verifySyncEvidence checks what the platform's receipts say about the
// journal: each receipt names its last entry and that entry's chain hash, so
// the entry must still exist with that hash; and the upload cursor (entries
// up to it are settled) cannot be beyond the chain head. A deleted tail —
// entry and row removed together, the chain before it intact — passes every
// other check; the receipts are what still testify to it.
func verifySyncEvidence(ctx context.Context, conn *sql.Conn, rep *VerifyReport, add func(Problem) bool) error {
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('upload_receipts','sync_state')").Scan(&n); err != nil {
		return fmt.Errorf("sync tables: %w", err)
	}
	if n < 2 {
		return nil // a file from before sync existed
	}
	var head int64
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(seq),0) FROM journal").Scan(&head); err != nil {
		return fmt.Errorf("journal head: %w", err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT r.platform_id, r.last_seq, r.chain_hash, j.hash FROM upload_receipts r
		LEFT JOIN journal j ON j.seq = r.last_seq ORDER BY r.last_seq, r.id`)
	if err != nil {
		return fmt.Errorf("read receipts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, chain string
		var last int64
		var h sql.NullString
		if err := rows.Scan(&pid, &last, &chain, &h); err != nil {
			return err
		}
		rep.Receipts++
		var p *Problem
		switch {
		case !h.Valid:
			q := receiptMissingProblem(pid, last, head)
			p = &q
		case h.String != chain:
			q := receiptMismatchProblem(pid, last)
			p = &q
		}
		if p != nil && !add(*p) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var cursor int64
	if err := conn.QueryRowContext(ctx, "SELECT cursor FROM sync_state WHERE id = 1").Scan(&cursor); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sync cursor: %w", err)
	}
	if cursor > head {
		add(cursorAheadProblem(cursor, head))
	}
	return nil
}

// journaledTables lists the tables whose rows are journaled: those with a
// jseq column.
func journaledTables(ctx context.Context, conn interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type='table' AND p.name='jseq' ORDER BY m.name`)
	if err != nil {
		return nil, fmt.Errorf("list journaled tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// rowEncoder writes a row of one table as canonical JSON (the bytes
// CanonicalJSON gives for the map scanPayload builds) into a reused buffer:
// the keys are sorted once per table, not once per row, and strings and
// numbers are appended without an encoder per value.
// TestRowEncoderMatchesCanonicalJSON keeps the two identical.
type rowEncoder struct {
	cols   []string
	order  []int    // indexes into cols, sorted by name, jseq left out
	prefix [][]byte // `{"name":` or `,"name":` per order position
	idIdx  int
	jseq   int
	buf    []byte
}

func newRowEncoder(cols []string) *rowEncoder {
	r := &rowEncoder{cols: cols, idIdx: -1, jseq: -1}
	for i, c := range cols {
		switch c {
		case "jseq":
			r.jseq = i
			continue
		case "id":
			r.idIdx = i
		}
		r.order = append(r.order, i)
	}
	sort.SliceStable(r.order, func(a, b int) bool { return cols[r.order[a]] < cols[r.order[b]] })
	for k, i := range r.order {
		p := []byte{','}
		if k == 0 {
			p = []byte{'{'}
		}
		p = appendJSONString(p, cols[i])
		r.prefix = append(r.prefix, append(p, ':'))
	}
	return r
}

// encode returns the row's canonical JSON, valid until the next call. ok is
// false for a value the fast path does not handle (the caller then uses
// CanonicalJSON).
func (r *rowEncoder) encode(vals []any) ([]byte, bool) {
	b := r.buf[:0]
	if len(r.order) == 0 {
		b = append(b, '{')
	}
	for k, i := range r.order {
		b = append(b, r.prefix[k]...)
		var ok bool
		if b, ok = appendJSONValue(b, vals[i]); !ok {
			return nil, false
		}
	}
	b = append(b, '}')
	r.buf = b
	return b, true
}

// slow is the reference encoding of the row (CanonicalJSON of the map).
func (r *rowEncoder) slow(vals []any) ([]byte, error) {
	m := make(map[string]any, len(r.order))
	for _, i := range r.order {
		m[r.cols[i]] = vals[i]
	}
	return CanonicalJSON(m)
}

// columnDefaults returns each column's default as the canonical JSON value a
// row would hold when the column was added by a later migration (for
// example "0" or "\"\"" or "null").
func columnDefaults(ctx context.Context, conn interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, table string) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT name, dflt_value FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	type col struct {
		name string
		dflt sql.NullString
	}
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.name, &c.dflt); err != nil {
			rows.Close()
			return nil, err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range cols {
		// Evaluate the default expression to get its value and type exactly
		// as a row would store it.
		if !c.dflt.Valid {
			out[c.name] = "null"
			continue
		}
		var v any
		if err := conn.QueryRowContext(ctx, "SELECT "+c.dflt.String).Scan(&v); err != nil {
			continue // not a constant: a row can never match it silently
		}
		b, err := CanonicalJSON(map[string]any{"v": v})
		if err != nil {
			continue
		}
		out[c.name] = string(b[len(`{"v":`) : len(b)-1])
	}
	return out, nil
}

// addedColumnsOnly reports whether a row differs from its journal payload
// only by columns the payload does not have (added by a migration after the
// entry was written) that still hold their default value. Any other
// difference, including a changed value in such a column, is tampering.
func addedColumnsOnly(row, journal []byte, defaults map[string]string) bool {
	var r, j map[string]json.RawMessage
	if json.Unmarshal(row, &r) != nil || json.Unmarshal(journal, &j) != nil {
		return false
	}
	for k, jv := range j {
		rv, ok := r[k]
		if !ok || string(rv) != string(jv) {
			return false
		}
	}
	for k, rv := range r {
		if _, ok := j[k]; ok {
			continue
		}
		if d, ok := defaults[k]; !ok || d != string(rv) {
			return false
		}
	}
	return true
}

// refIndex is what the journal pass and the table pass found, per record of
// each journaled table, for compareTable.
type refIndex struct {
	tables []*tableRefs
	byName map[string]*tableRefs
	buf    []byte
}

// entrySlot is a record's latest journal entry: its seq and payload digest.
type entrySlot struct {
	seq int64
	dig uint64
}

// rowSlot is a row as the table pass read it.
type rowSlot struct {
	jseq    int64
	dig     uint64
	present bool
}

// tableRefs holds the slots of one table, by id: in slices for ids 1..max(id)
// when the ids are that dense, in maps for the rest.
type tableRefs struct {
	name      string
	entries   []entrySlot
	entryMore map[int64]entrySlot
	badRefs   map[string]int64 // refs whose id part is not a number: latest seq
	rows      []rowSlot
	rowMore   map[int64]rowSlot
}

// maxDenseIDs bounds the slices: ids beyond it (a sparse or tampered table)
// go to the maps.
const maxDenseIDs = 1 << 26

func newRefIndex(ctx context.Context, conn *sql.Conn, tables []string) (*refIndex, error) {
	idx := &refIndex{byName: map[string]*tableRefs{}}
	for _, name := range tables {
		var maxID int64
		if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(id),0) FROM "+quoteIdent(name)).Scan(&maxID); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		n := min(max(maxID, 0), maxDenseIDs)
		t := &tableRefs{name: name, entries: make([]entrySlot, n+1), rows: make([]rowSlot, n+1),
			entryMore: map[int64]entrySlot{}, rowMore: map[int64]rowSlot{}, badRefs: map[string]int64{}}
		idx.tables = append(idx.tables, t)
		idx.byName[name] = t
	}
	return idx, nil
}

// digest is the first 64 bits of SHA-256 of b: finding a row that differs
// from a payload but has the same digest is a 2^64 search.
func digest(b []byte) uint64 {
	s := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(s[:8])
}

// noteEntry records that entry seq is (so far) the latest for ref.
func (idx *refIndex) noteEntry(ref string, seq int64, payload string) {
	i := strings.IndexByte(ref, ':')
	if i < 0 {
		return
	}
	t := idx.byName[ref[:i]]
	if t == nil {
		return
	}
	id, err := strconv.ParseInt(ref[i+1:], 10, 64)
	if err != nil {
		t.badRefs[ref] = seq
		return
	}
	idx.buf = append(idx.buf[:0], payload...)
	s := entrySlot{seq: seq, dig: digest(idx.buf)}
	if id > 0 && id < int64(len(t.entries)) {
		t.entries[id] = s
	} else {
		t.entryMore[id] = s
	}
}

// scanTableRows reads every row of t once and notes its jseq and the digest
// of its canonical JSON.
func scanTableRows(ctx context.Context, conn *sql.Conn, t *tableRefs, rep *VerifyReport, mu *sync.Mutex) error {
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+quoteIdent(t.name)+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("read %s: %w", t.name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	enc := newRowEncoder(cols)
	if enc.idIdx < 0 {
		return fmt.Errorf("journaled table %s has no id column", t.name)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		n++
		id, _ := vals[enc.idIdx].(int64)
		var jseq int64
		if enc.jseq >= 0 {
			jseq, _ = vals[enc.jseq].(int64)
		}
		payload, ok := enc.encode(vals)
		if !ok {
			if payload, err = enc.slow(vals); err != nil {
				return fmt.Errorf("read %s: %w", t.name, err)
			}
		}
		s := rowSlot{jseq: jseq, dig: digest(payload), present: true}
		if id > 0 && id < int64(len(t.rows)) {
			t.rows[id] = s
		} else {
			t.rowMore[id] = s
		}
	}
	mu.Lock()
	rep.Rows += n
	mu.Unlock()
	return rows.Err()
}

// compareTable reports every difference between t's rows and the journal:
// a row without an entry, a row not pointing at its latest entry, a row that
// says something else than that entry, an entry whose row is gone.
func compareTable(ctx context.Context, conn *sql.Conn, t *tableRefs, add func(Problem) bool) error {
	var defaults map[string]string
	check := func(id int64, e entrySlot, r rowSlot) (bool, error) {
		ref := t.name + ":" + strconv.FormatInt(id, 10)
		switch {
		case !r.present && e.seq == 0:
			return true, nil
		case !r.present:
			return add(Problem{Seq: e.seq, Ref: ref, Zh: "记录 " + ref + " 已被删除（日志中仍有记载）", En: "record " + ref + " was deleted (the journal still records it)"}), nil
		case e.seq == 0:
			return add(Problem{Ref: ref, Zh: "记录 " + ref + " 没有任何日志条目（绕过程序直接写入）", En: "record " + ref + " has no journal entry (written behind the app's back)"}), nil
		case e.seq != r.jseq:
			return add(Problem{Seq: e.seq, Ref: ref, Zh: fmt.Sprintf("记录 %s 指向第 %d 条日志，但最新一条是第 %d 条", ref, r.jseq, e.seq), En: fmt.Sprintf("record %s points at journal entry %d but its latest entry is %d", ref, r.jseq, e.seq)}), nil
		case e.dig == r.dig:
			return true, nil
		}
		// The digests differ: compare in full. A column added by a later
		// migration and still at its default is not a change.
		payload, _, err := rowPayload(ctx, conn, t.name, id)
		if err != nil {
			return false, err
		}
		var jp string
		if err := conn.QueryRowContext(ctx, "SELECT payload FROM journal WHERE seq = ?", e.seq).Scan(&jp); err != nil {
			return false, fmt.Errorf("read entry %d: %w", e.seq, err)
		}
		if defaults == nil {
			if defaults, err = columnDefaults(ctx, conn, t.name); err != nil {
				return false, err
			}
		}
		if jp == string(payload) || addedColumnsOnly(payload, []byte(jp), defaults) {
			return true, nil
		}
		return add(Problem{Seq: e.seq, Ref: ref, Zh: fmt.Sprintf("记录 %s 与日志第 %d 条不符（被直接修改）", ref, e.seq), En: fmt.Sprintf("record %s differs from journal entry %d (edited behind the app's back)", ref, e.seq)}), nil
	}
	for id := 1; id < len(t.rows); id++ {
		ok, err := check(int64(id), t.entries[id], t.rows[id])
		if err != nil || !ok {
			return err
		}
	}
	// Ids outside the slices, in order.
	more := map[int64]bool{}
	for id := range t.entryMore {
		more[id] = true
	}
	for id := range t.rowMore {
		more[id] = true
	}
	ids := make([]int64, 0, len(more))
	for id := range more {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		var e entrySlot
		var r rowSlot
		if id > 0 && id < int64(len(t.entries)) {
			e = t.entries[id]
		} else {
			e = t.entryMore[id]
		}
		if id > 0 && id < int64(len(t.rows)) {
			r = t.rows[id]
		} else {
			r = t.rowMore[id]
		}
		ok, err := check(id, e, r)
		if err != nil || !ok {
			return err
		}
	}
	refs := make([]string, 0, len(t.badRefs))
	for ref := range t.badRefs {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	for _, ref := range refs {
		if !add(Problem{Seq: t.badRefs[ref], Ref: ref, Zh: "记录 " + ref + " 已被删除（日志中仍有记载）", En: "record " + ref + " was deleted (the journal still records it)"}) {
			return nil
		}
	}
	return nil
}
