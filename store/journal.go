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
	"sort"
	"strconv"
	"strings"
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
	h := sha256.New()
	h.Write([]byte("suyuan-journal-v1\x00"))
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
		h.Write([]byte{'\n'})
	}
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(timeFormat))
	field(e.Actor)
	field(e.Kind)
	field(e.Ref)
	field(string(e.Payload))
	field(e.Reason)
	if e.Supersedes > 0 {
		field(strconv.FormatInt(e.Supersedes, 10))
	} else {
		field("")
	}
	return hex.EncodeToString(h.Sum(nil))
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	str := func(s string) bool {
		if !utf8.ValidString(s) {
			// The generic path turns each invalid byte into U+FFFD, which
			// its second encoding writes literally; do the same.
			var b strings.Builder
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					b.WriteRune(utf8.RuneError)
				} else {
					b.WriteString(s[i : i+n])
				}
				i += n
			}
			s = b.String()
		}
		if err := enc.Encode(s); err != nil {
			return false
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return true
	}
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if !str(k) {
			return nil, false
		}
		buf.WriteByte(':')
		switch x := m[k].(type) {
		case nil:
			buf.WriteString("null")
		case int64:
			buf.WriteString(strconv.FormatInt(x, 10))
		case float64:
			f, err := json.Marshal(x)
			if err != nil {
				return nil, false
			}
			buf.Write(f)
		case string:
			if !str(x) {
				return nil, false
			}
		case []byte:
			buf.WriteByte('"')
			buf.WriteString(base64.StdEncoding.EncodeToString(x))
			buf.WriteByte('"')
		default:
			return nil, false
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), true
}

// Append adds one entry to the journal inside tx. supersedes is the seq of
// the entry this one replaces (0 for none).
func (tx *Tx) Append(ctx context.Context, kind, ref string, payload []byte, reason string, supersedes int64) (Entry, error) {
	e := Entry{At: tx.Now, Actor: tx.Actor.Username, Kind: kind, Ref: ref, Payload: payload, Reason: reason, Supersedes: supersedes}
	if e.Actor == "" {
		e.Actor = systemActor.Username
	}
	var last sql.NullInt64
	var prev sql.NullString
	headQ, err := tx.cached(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return Entry{}, fmt.Errorf("journal head: %w", err)
	}
	err = headQ.QueryRowContext(ctx).Scan(&last, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.Seq, e.PrevHash = 1, genesisHash
	case err != nil:
		return Entry{}, fmt.Errorf("journal head: %w", err)
	default:
		e.Seq, e.PrevHash = last.Int64+1, prev.String
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
	payload, _, err := rowPayload(ctx, txQuerier{tx}, table, id)
	if err != nil {
		return Entry{}, err
	}
	ref := table + ":" + strconv.FormatInt(id, 10)
	var prev sql.NullInt64
	prevQ, err := tx.cached(ctx, "SELECT max(seq) FROM journal WHERE ref = ?")
	if err != nil {
		return Entry{}, fmt.Errorf("journal previous: %w", err)
	}
	if err := prevQ.QueryRowContext(ctx, ref).Scan(&prev); err != nil {
		return Entry{}, fmt.Errorf("journal previous: %w", err)
	}
	e, err := tx.Append(ctx, kind, ref, payload, reason, prev.Int64)
	if err != nil {
		return Entry{}, err
	}
	upd, err := tx.cached(ctx, "UPDATE "+quoteIdent(table)+" SET jseq = ? WHERE id = ?")
	if err != nil {
		return Entry{}, fmt.Errorf("set jseq: %w", err)
	}
	if _, err := upd.ExecContext(ctx, e.Seq, id); err != nil {
		return Entry{}, fmt.Errorf("set jseq: %w", err)
	}
	return e, nil
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
