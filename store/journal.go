package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// timeFormat is how every timestamp is stored: UTC, fixed width so that text
// order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// genesisHash is the prev_hash of entry 1.
var genesisHash = strings.Repeat("0", 64)

// Entry is one journal entry.
type Entry struct {
	Seq        int64
	At         time.Time
	Actor      string
	Kind       string // e.g. "lots.create", "applications.correct"
	Ref        string // "<table>:<id>" of the record it writes
	Payload    json.RawMessage
	Reason     string
	Supersedes int64 // 0 when the entry replaces nothing
	PrevHash   string
	Hash       string
}

// entryHash is the chain link: SHA-256 over a domain tag, the previous hash
// and every field, each length-prefixed so no two different entries can
// produce the same byte string.
func entryHash(e *Entry) string {
	buf := make([]byte, 0, 160+len(e.Payload)+len(e.Reason)+len(e.Kind)+len(e.Ref)+len(e.Actor))
	buf = append(buf, "suyuan-journal-v1\x00"...)
	var num [24]byte
	var at [32]byte
	buf = hashField(buf, e.PrevHash)
	buf = hashField(buf, strconv.AppendInt(num[:0], e.Seq, 10))
	buf = hashField(buf, e.At.UTC().AppendFormat(at[:0], timeFormat))
	buf = hashField(buf, e.Actor)
	buf = hashField(buf, e.Kind)
	buf = hashField(buf, e.Ref)
	buf = hashField(buf, e.Payload)
	buf = hashField(buf, e.Reason)
	if e.Supersedes > 0 {
		buf = hashField(buf, strconv.AppendInt(num[:0], e.Supersedes, 10))
	} else {
		buf = hashField(buf, "")
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// hashField appends one length-prefixed field of the hashed byte string.
func hashField[T ~string | ~[]byte](buf []byte, s T) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	buf = append(buf, s...)
	return append(buf, '\n')
}

// CanonicalJSON encodes v with sorted object keys, no HTML escaping and no
// trailing newline: the same value always gives the same bytes.
func CanonicalJSON(v any) ([]byte, error) {
	if m, ok := v.(map[string]any); ok {
		if b, ok := canonicalRow(m); ok {
			return b, nil
		}
	}
	// Round-trip through a generic value so struct field order does not
	// matter: encoding/json sorts map keys.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// canonicalRow is CanonicalJSON's fast path for what scanPayload builds: a
// flat map of SQLite values (int64, float64, string, []byte, nil). It gives
// byte-for-byte the output of the generic path (TestCanonicalRowMatches-
// Generic), without the marshal-decode-encode round trip that dominated
// Verify and journaled writes. ok is false for any other value type.
func canonicalRow(m map[string]any) ([]byte, bool) {
	var keyBuf [32]string
	keys := keyBuf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := 2
	for _, k := range keys {
		n += len(k) + 4
		switch x := m[k].(type) {
		case string:
			n += len(x) + 2
		case []byte:
			n += base64.StdEncoding.EncodedLen(len(x)) + 2
		default:
			n += 24
		}
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		var ok bool
		if buf, ok = appendJSONValue(buf, m[k]); !ok {
			return nil, false
		}
	}
	buf = append(buf, '}')
	return buf, true
}

// appendJSONValue appends one SQLite value (nil, int64, float64, string,
// []byte) as CanonicalJSON writes it. ok is false for any other type and
// for NaN and infinities, which are not JSON.
func appendJSONValue(buf []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case int64:
		return strconv.AppendInt(buf, x, 10), true
	case float64:
		return appendJSONFloat(buf, x)
	case string:
		return appendJSONString(buf, x), true
	case []byte:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, x)
		return append(buf, '"'), true
	}
	return nil, false
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes it with HTML escaping
// off, after the generic path's round trip: each invalid UTF-8 byte becomes
// a literal U+FFFD, U+2028 and U+2029 are escaped, control characters are
// \b \f \n \r \t or \u00XX.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = utf8.AppendRune(buf, utf8.RuneError)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// appendJSONFloat appends f as encoding/json does (shortest representation,
// exponent form below 1e-6 and from 1e21, "e-07" cleaned to "e-7"); NaN and
// infinities are not JSON.
func appendJSONFloat(buf []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return buf, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, true
}

// Append adds one entry to the journal inside tx. supersedes is the seq of
// the entry this one replaces (0 for none).
func (tx *Tx) Append(ctx context.Context, kind, ref string, payload []byte, reason string, supersedes int64) (Entry, error) {
	seq, hash, err := tx.journalHead(ctx)
	if err != nil {
		return Entry{}, err
	}
	return tx.appendAfter(ctx, seq, hash, kind, ref, payload, reason, supersedes)
}

// journalHead returns the journal's last seq and hash (0 and the genesis hash for
// an empty journal) as this transaction sees it.
func (tx *Tx) journalHead(ctx context.Context) (int64, string, error) {
	var last sql.NullInt64
	var prev sql.NullString
	headQ, err := tx.cached(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return 0, "", fmt.Errorf("journal head: %w", err)
	}
	err = headQ.QueryRowContext(ctx).Scan(&last, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, genesisHash, nil
	case err != nil:
		return 0, "", fmt.Errorf("journal head: %w", err)
	}
	return last.Int64, prev.String, nil
}

// appendAfter appends the entry that follows head (seq, hash).
func (tx *Tx) appendAfter(ctx context.Context, seq int64, hash, kind, ref string, payload []byte, reason string, supersedes int64) (Entry, error) {
	e := Entry{Seq: seq + 1, PrevHash: hash, At: tx.Now, Actor: tx.Actor.Username, Kind: kind, Ref: ref, Payload: payload, Reason: reason, Supersedes: supersedes}
	if e.Actor == "" {
		e.Actor = systemActor.Username
	}
	e.Hash = entryHash(&e)
	var sup any
	if supersedes > 0 {
		sup = supersedes
	}
	ins, err := tx.cached(ctx, "INSERT INTO journal(seq,at,actor,kind,ref,payload,reason,supersedes,prev_hash,hash) VALUES(?,?,?,?,?,?,?,?,?,?)")
	if err != nil {
		return Entry{}, fmt.Errorf("journal append: %w", err)
	}
	if _, err := ins.ExecContext(ctx,
		e.Seq, e.At.Format(timeFormat), e.Actor, e.Kind, e.Ref, string(e.Payload), e.Reason, sup, e.PrevHash, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("journal append: %w", err)
	}
	return e, nil
}

// rowPayload reads one row of a journaled table and encodes every column but
// jseq as canonical JSON. It is the single definition of "what a row says",
// used both when journaling a write and when verifying the file.
func rowPayload(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string, id int64) ([]byte, int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table)+" WHERE id = ?", id)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s:%d: %w", table, id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		return nil, 0, errf(CodeNotFound, nil, "记录 %s:%d 不存在。", "record %s:%d does not exist", table, id)
	}
	p, jseq, _, err := scanPayload(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s:%d: %w", table, id, err)
	}
	return p, jseq, rows.Err()
}

// scanPayload encodes the current row of rows (all columns but jseq) and
// returns it with the row's jseq and id.
func scanPayload(rows *sql.Rows) (payload []byte, jseq, id int64, err error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, 0, 0, err
	}
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		switch c {
		case "jseq":
			jseq, _ = vals[i].(int64)
			continue
		case "id":
			id, _ = vals[i].(int64)
		}
		m[c] = vals[i]
	}
	payload, err = CanonicalJSON(m)
	return payload, jseq, id, err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Record journals the current state of table row id: it snapshots the row as
// canonical JSON, appends an entry that supersedes the row's previous entry,
// and points the row's jseq at the new entry. Call it after every INSERT or
// UPDATE of a journaled table, in the same transaction.
func (tx *Tx) Record(ctx context.Context, table string, id int64, kind, reason string) (Entry, error) {
	seq, hash, err := tx.journalHead(ctx)
	if err != nil {
		return Entry{}, err
	}
	return tx.recordAfter(ctx, seq, hash, table, id, kind, reason)
}

// recordAfter is Record with the journal head (seq, hash) already known: a
// bulk write carries it from one row to the next.
func (tx *Tx) recordAfter(ctx context.Context, seq int64, hash, table string, id int64, kind, reason string) (Entry, error) {
	payload, jseq, err := rowPayload(ctx, txQuerier{tx}, table, id)
	if err != nil {
		return Entry{}, err
	}
	upd, err := tx.cached(ctx, "UPDATE "+quoteIdent(table)+" SET jseq = ? WHERE id = ?")
	if err != nil {
		return Entry{}, fmt.Errorf("set jseq: %w", err)
	}
	if jseq == 0 && seq > 0 {
		// A row just inserted with jseq 0 is a pending (deferred) foreign-key
		// violation. While one is pending, SQLite looks for rows pointing at
		// every new journal entry in every journaled table, and jseq has no
		// index: a full scan of each table per entry, so N writes in one
		// transaction (an import) cost O(N²). Pointing the row at the current
		// head first clears the violation; the UPDATE below sets the real one.
		if _, err := upd.ExecContext(ctx, seq, id); err != nil {
			return Entry{}, fmt.Errorf("set jseq: %w", err)
		}
	}
	e, err := tx.appendRow(ctx, seq, hash, table, id, kind, reason, payload)
	if err != nil {
		return Entry{}, err
	}
	if _, err := upd.ExecContext(ctx, e.Seq, id); err != nil {
		return Entry{}, fmt.Errorf("set jseq: %w", err)
	}
	return e, nil
}

// appendRow appends the entry recording payload as the state of table row
// id, superseding the row's previous entry, after head (seq, hash). It does
// not touch the row: the caller points its jseq at the entry.
func (tx *Tx) appendRow(ctx context.Context, seq int64, hash, table string, id int64, kind, reason string, payload []byte) (Entry, error) {
	ref := table + ":" + strconv.FormatInt(id, 10)
	var prev sql.NullInt64
	if err := tx.queryRowCached(ctx, "SELECT max(seq) FROM journal WHERE ref = ?", ref).Scan(&prev); err != nil {
		return Entry{}, fmt.Errorf("journal previous: %w", err)
	}
	return tx.appendAfter(ctx, seq, hash, kind, ref, payload, reason, prev.Int64)
}

// txQuerier runs rowPayload's SELECT through the transaction's statement cache.
type txQuerier struct{ tx *Tx }

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.tx.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at, payload string
	var sup sql.NullInt64
	if err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Kind, &e.Ref, &payload, &e.Reason, &sup, &e.PrevHash, &e.Hash); err != nil {
		return Entry{}, err
	}
	t, err := time.Parse(timeFormat, at)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %d: bad time %q: %w", e.Seq, at, err)
	}
	e.At, e.Payload, e.Supersedes = t, json.RawMessage(payload), sup.Int64
	return e, nil
}

const entryCols = "seq,at,actor,kind,ref,payload,reason,supersedes,prev_hash,hash"

// History returns every journal entry for one record, oldest first: its
// creation and each correction with the reason and who made it.
func (db *DB) History(ctx context.Context, table string, id int64) ([]Entry, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+entryCols+" FROM journal WHERE ref = ? ORDER BY seq", table+":"+strconv.FormatInt(id, 10))
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entries streams journal entries with seq > after, in order, at most limit
// (limit <= 0: all). fn returning an error stops the walk. It is how the
// uploader reads its outbox without loading a large backlog into memory.
func (db *DB) Entries(ctx context.Context, after int64, limit int, fn func(Entry) error) error {
	q := "SELECT " + entryCols + " FROM journal WHERE seq > ? ORDER BY seq"
	args := []any{after}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("journal entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Head returns the last seq and its hash: a short fingerprint of the whole
// history that a user can note down or show an inspector.
func (db *DB) Head(ctx context.Context) (int64, string, error) {
	var seq sql.NullInt64
	var h sql.NullString
	err := db.r.QueryRowContext(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesisHash, nil
	}
	return seq.Int64, h.String, err
}

// stmtCache keeps the writer's hot statements prepared once per DB. The
// writer pool has exactly one connection, and database/sql's Tx.Stmt reuses
// a DB-level statement already prepared on the transaction's connection, so
// SQLite parses each cached statement once per open store instead of once
// per transaction. A statement seen for the first time is prepared on its
// transaction only and queued; promote prepares the queue on the pool after
// the transaction has ended, when the connection is free again (preparing
// on the pool while a transaction holds its only connection would wait for
// ever).
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

// maxCachedStmts bounds the cache; statements beyond it are prepared per
// transaction as before.
const maxCachedStmts = 256

// forTx returns q prepared for tx.
func (c *stmtCache) forTx(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	st := c.stmts[q]
	if st == nil && len(c.stmts)+len(c.pending) < maxCachedStmts {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[q] = true
	}
	c.mu.Unlock()
	if st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

// promoteWait bounds how long promote waits for the writer connection: when
// another write holds it, the statements stay queued for the next time.
const promoteWait = 20 * time.Millisecond

// promote prepares the queued statements on the writer pool w. Write calls
// it after its transaction has ended.
func (c *stmtCache) promote(w *sql.DB) {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.pending))
	for q := range c.pending {
		qs = append(qs, q)
	}
	c.pending = nil
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), promoteWait)
	defer cancel()
	for i, q := range qs {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			// Busy or closed: queue the rest again (a statement that does
			// not compile never reaches here: its transaction failed first).
			c.mu.Lock()
			if c.pending == nil {
				c.pending = map[string]bool{}
			}
			for _, q := range qs[i:] {
				c.pending[q] = true
			}
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		if _, dup := c.stmts[q]; dup {
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

// execCached runs a single-statement q through the statement cache.
func (tx *Tx) execCached(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := tx.cached(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// queryRowCached runs a single-row, single-statement q through the
// statement cache.
func (tx *Tx) queryRowCached(ctx context.Context, q string, args ...any) rowScanner {
	st, err := tx.cached(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

type rowScanner interface{ Scan(...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// bulkChunk is how many rows insertJournaledBulk writes per statement: a
// multi-row INSERT ... RETURNING and a multi-row journal INSERT per chunk
// instead of five statements per row. 64 rows of 12 values stay far below
// SQLite's limit of 32,766 parameters.
const bulkChunk = 64

// insertJournaledBulk inserts rows (values for cols, in order) into table
// and journals each new row with kind, as insertJournaled would one by one:
// each entry holds the row exactly as SELECT * reads it back (RETURNING *),
// supersedes the ref's previous entry if any, and the rows' jseq point at
// their entries. It returns the new ids in ascending order.
//
// Every row is inserted pointing at the current journal head (an existing
// entry), so no foreign-key violation is pending while entries are appended
// (see recordAfter); one UPDATE at the end points each row at its own entry.
func (tx *Tx) insertJournaledBulk(ctx context.Context, table string, cols []string, rows [][]any) ([]int64, error) {
	seq, hash, err := tx.journalHead(ctx)
	if err != nil {
		return nil, err
	}
	firstSeq := seq + 1
	kind := table + ".create"
	ids := make([]int64, 0, len(rows))
	for start := 0; start < len(rows); start += bulkChunk {
		chunk := rows[start:min(start+bulkChunk, len(rows))]
		if len(chunk) < bulkChunk {
			// The tail row by row: one cached statement per shape, not one
			// per tail length.
			for _, r := range chunk {
				e, id, err := tx.bulkInsert(ctx, table, cols, [][]any{r}, seq, hash, kind)
				if err != nil {
					return nil, err
				}
				seq, hash = e.Seq, e.Hash
				ids = append(ids, id...)
			}
			break
		}
		e, id, err := tx.bulkInsert(ctx, table, cols, chunk, seq, hash, kind)
		if err != nil {
			return nil, err
		}
		seq, hash = e.Seq, e.Hash
		ids = append(ids, id...)
	}
	if len(ids) == 0 {
		return ids, nil
	}
	t := quoteIdent(table)
	// Entries were appended in id order with consecutive seqs; when the ids
	// are consecutive too (they are, unless another row got in between),
	// each row's entry is id + a constant offset.
	consecutive := true
	for i, id := range ids {
		if id != ids[0]+int64(i) {
			consecutive = false
			break
		}
	}
	if consecutive && seq == firstSeq+int64(len(ids))-1 {
		if _, err := tx.execCached(ctx, "UPDATE "+t+" SET jseq = id + ? WHERE id BETWEEN ? AND ?", firstSeq-ids[0], ids[0], ids[len(ids)-1]); err != nil {
			return nil, fmt.Errorf("set jseq: %w", err)
		}
		return ids, nil
	}
	if _, err := tx.execCached(ctx, "UPDATE "+t+" SET jseq = (SELECT max(seq) FROM journal WHERE ref = "+sqlString(table+":")+" || "+t+".id) WHERE id BETWEEN ? AND ?",
		ids[0], ids[len(ids)-1]); err != nil {
		return nil, fmt.Errorf("set jseq: %w", err)
	}
	return ids, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// placeholders is "(?,?,?),(?,?,?)" for rows of n values.
func placeholders(rows, n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// bulkInsert writes one chunk after head (seq, hash) and returns the last
// entry appended and the chunk's ids.
func (tx *Tx) bulkInsert(ctx context.Context, table string, cols []string, chunk [][]any, seq int64, hash, kind string) (Entry, []int64, error) {
	n := len(cols) + 1
	args := make([]any, 0, len(chunk)*n)
	for _, r := range chunk {
		if len(r) != len(cols) {
			return Entry{}, nil, fmt.Errorf("bulk insert %s: %d values for %d columns", table, len(r), len(cols))
		}
		args = append(args, r...)
		args = append(args, seq)
	}
	st, err := tx.cached(ctx, "INSERT INTO "+quoteIdent(table)+"("+strings.Join(cols, ",")+",jseq) VALUES"+placeholders(len(chunk), n)+" RETURNING *")
	if err != nil {
		return Entry{}, nil, fmt.Errorf("insert %s: %w", table, err)
	}
	type newRow struct {
		id      int64
		payload []byte
	}
	got := make([]newRow, 0, len(chunk))
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("insert %s: %w", table, err)
	}
	for rows.Next() {
		p, _, id, err := scanPayload(rows)
		if err != nil {
			rows.Close()
			return Entry{}, nil, fmt.Errorf("insert %s: %w", table, err)
		}
		got = append(got, newRow{id, p})
	}
	if err := rows.Close(); err != nil {
		return Entry{}, nil, fmt.Errorf("insert %s: %w", table, err)
	}
	if err := rows.Err(); err != nil {
		return Entry{}, nil, fmt.Errorf("insert %s: %w", table, err)
	}
	if len(got) != len(chunk) {
		return Entry{}, nil, fmt.Errorf("insert %s: %d rows returned for %d", table, len(got), len(chunk))
	}
	// RETURNING's order is unspecified; journal in id order.
	sort.Slice(got, func(i, j int) bool { return got[i].id < got[j].id })

	refs := make([]any, len(got))
	for i, r := range got {
		refs[i] = table + ":" + strconv.FormatInt(r.id, 10)
	}
	prev := map[string]int64{}
	pst, err := tx.cached(ctx, "SELECT ref, max(seq) FROM journal WHERE ref IN ("+strings.TrimSuffix(strings.Repeat("?,", len(refs)), ",")+") GROUP BY ref")
	if err != nil {
		return Entry{}, nil, fmt.Errorf("journal previous: %w", err)
	}
	prows, err := pst.QueryContext(ctx, refs...)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("journal previous: %w", err)
	}
	for prows.Next() {
		var ref string
		var s int64
		if err := prows.Scan(&ref, &s); err != nil {
			prows.Close()
			return Entry{}, nil, fmt.Errorf("journal previous: %w", err)
		}
		prev[ref] = s
	}
	if err := prows.Close(); err != nil {
		return Entry{}, nil, fmt.Errorf("journal previous: %w", err)
	}

	actor := tx.Actor.Username
	if actor == "" {
		actor = systemActor.Username
	}
	at := tx.Now.Format(timeFormat)
	jargs := make([]any, 0, len(got)*10)
	ids := make([]int64, len(got))
	var e Entry
	for i, r := range got {
		ref := refs[i].(string)
		e = Entry{Seq: seq + 1, PrevHash: hash, At: tx.Now, Actor: actor, Kind: kind, Ref: ref, Payload: r.payload, Supersedes: prev[ref]}
		e.Hash = entryHash(&e)
		var sup any
		if e.Supersedes > 0 {
			sup = e.Supersedes
		}
		jargs = append(jargs, e.Seq, at, e.Actor, e.Kind, e.Ref, string(e.Payload), "", sup, e.PrevHash, e.Hash)
		seq, hash = e.Seq, e.Hash
		ids[i] = r.id
	}
	jst, err := tx.cached(ctx, "INSERT INTO journal(seq,at,actor,kind,ref,payload,reason,supersedes,prev_hash,hash) VALUES"+placeholders(len(got), 10))
	if err != nil {
		return Entry{}, nil, fmt.Errorf("journal append: %w", err)
	}
	if _, err := jst.ExecContext(ctx, jargs...); err != nil {
		return Entry{}, nil, fmt.Errorf("journal append: %w", err)
	}
	return e, ids, nil
}
