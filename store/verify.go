package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
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
	HeadSeq  int64     // last entry
	HeadHash string    // its hash: the fingerprint of the whole history
	Problems []Problem // empty when the file is sound; the first is the earliest found
}

// OK reports whether nothing was found.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds the report: the first bad entry is what the user needs;
// a tampered file could otherwise produce millions of lines.
const maxProblems = 100

// Verify checks the SQLite file's integrity and references (foreign keys),
// the journal's append-only triggers, the hash chain from the first entry to the last (gapless seq,
// each prev_hash equal to the previous hash, each hash recomputed), and that
// every row of every journaled table (a table with a jseq column) is exactly
// what its latest journal entry says. It streams, so memory stays flat on
// large files. progress, if not nil, is called with the entries checked so far.
func (db *DB) Verify(ctx context.Context, progress func(done int64)) (*VerifyReport, error) {
	rep := &VerifyReport{}
	add := func(p Problem) bool {
		rep.Problems = append(rep.Problems, p)
		return len(rep.Problems) < maxProblems
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// One read transaction: every check below sees the same snapshot.
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	var ic string
	if err := conn.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&ic); err != nil {
		return nil, fmt.Errorf("quick_check: %w", err)
	}
	if ic != "ok" {
		add(Problem{Zh: "SQLite 文件结构损坏：" + ic, En: "SQLite file structure is damaged: " + ic})
	}
	for _, trg := range []string{"journal_no_update", "journal_no_delete"} {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name=?", trg).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			add(Problem{Zh: "日志保护触发器 " + trg + " 被删除", En: "journal protection trigger " + trg + " was removed"})
		}
	}

	// References (Open checks them only after a migration).
	fk, err := conn.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, fmt.Errorf("foreign_key_check: %w", err)
	}
	for fk.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := fk.Scan(&table, &rowid, &parent, &fkid); err != nil {
			fk.Close()
			return nil, err
		}
		ref := table + ":" + strconv.FormatInt(rowid.Int64, 10)
		if !add(Problem{Ref: ref,
			Zh: fmt.Sprintf("记录 %s 引用的 %s 不存在（外键关系损坏）", ref, parent),
			En: fmt.Sprintf("record %s has a broken reference to %s (foreign key)", ref, parent)}) {
			break
		}
	}
	fk.Close()
	if err := fk.Err(); err != nil {
		return nil, err
	}

	rows, err := conn.QueryContext(ctx, "SELECT "+entryCols+" FROM journal ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	prevHash, want := genesisHash, int64(1)
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		rep.Entries++
		ok := true
		switch {
		case e.Seq != want:
			ok = add(Problem{Seq: e.Seq, Ref: e.Ref,
				Zh: fmt.Sprintf("日志第 %d 条缺失或顺序被改动（此处出现第 %d 条）", want, e.Seq),
				En: fmt.Sprintf("journal entry %d is missing or out of order (found %d here)", want, e.Seq)})
		case e.PrevHash != prevHash:
			ok = add(Problem{Seq: e.Seq, Ref: e.Ref,
				Zh: fmt.Sprintf("日志第 %d 条与前一条的链接不符（前一条被修改、删除或重排）", e.Seq),
				En: fmt.Sprintf("journal entry %d does not link to the entry before it (that entry was edited, deleted or reordered)", e.Seq)})
		case entryHash(&e) != e.Hash:
			ok = add(Problem{Seq: e.Seq, Ref: e.Ref,
				Zh: fmt.Sprintf("日志第 %d 条的内容被修改（哈希不符）", e.Seq),
				En: fmt.Sprintf("journal entry %d was edited (hash mismatch)", e.Seq)})
		}
		if !ok {
			break
		}
		prevHash, want = e.Hash, e.Seq+1
		rep.HeadSeq, rep.HeadHash = e.Seq, e.Hash
		if progress != nil && rep.Entries%10000 == 0 {
			progress(rep.Entries)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(rep.Problems) >= maxProblems {
		return rep, nil
	}

	tables, err := journaledTables(ctx, conn)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := verifyTable(ctx, conn, t, rep, add); err != nil {
			return nil, err
		}
		if len(rep.Problems) >= maxProblems {
			break
		}
	}
	if progress != nil {
		progress(rep.Entries)
	}
	return rep, nil
}

// journaledTables lists the tables whose rows are journaled: those with a
// jseq column.
func journaledTables(ctx context.Context, conn *sql.Conn) ([]string, error) {
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

func verifyTable(ctx context.Context, conn *sql.Conn, table string, rep *VerifyReport, add func(Problem) bool) error {
	// Every row must equal the payload of the latest entry for its ref.
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table)+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	idIdx := -1
	for i, c := range cols {
		if c == "id" {
			idIdx = i
		}
	}
	if idIdx < 0 {
		return fmt.Errorf("journaled table %s has no id column", table)
	}
	defaults, err := columnDefaults(ctx, conn, table)
	if err != nil {
		return err
	}
	latest, err := conn.PrepareContext(ctx, "SELECT seq, payload FROM journal WHERE ref = ? ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return err
	}
	defer latest.Close()
	for rows.Next() {
		payload, jseq, id, err := scanPayload(rows)
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		rep.Rows++
		ref := table + ":" + strconv.FormatInt(id, 10)
		var seq int64
		var jp string
		err = latest.QueryRowContext(ctx, ref).Scan(&seq, &jp)
		switch {
		case err == sql.ErrNoRows:
			if !add(Problem{Ref: ref, Zh: "记录 " + ref + " 没有任何日志条目（绕过程序直接写入）", En: "record " + ref + " has no journal entry (written behind the app's back)"}) {
				return nil
			}
		case err != nil:
			return err
		case seq != jseq:
			if !add(Problem{Seq: seq, Ref: ref, Zh: fmt.Sprintf("记录 %s 指向第 %d 条日志，但最新一条是第 %d 条", ref, jseq, seq), En: fmt.Sprintf("record %s points at journal entry %d but its latest entry is %d", ref, jseq, seq)}) {
				return nil
			}
		case jp != string(payload) && !addedColumnsOnly(payload, []byte(jp), defaults):
			if !add(Problem{Seq: seq, Ref: ref, Zh: fmt.Sprintf("记录 %s 与日志第 %d 条不符（被直接修改）", ref, seq), En: fmt.Sprintf("record %s differs from journal entry %d (edited behind the app's back)", ref, seq)}) {
				return nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Every ref the journal knows for this table must still have its row.
	missing, err := conn.QueryContext(ctx, `SELECT j.ref, max(j.seq) FROM journal j
		WHERE j.ref >= ? AND j.ref < ? GROUP BY j.ref
		HAVING NOT EXISTS (SELECT 1 FROM `+quoteIdent(table)+` t WHERE t.id = CAST(substr(j.ref, ?) AS INTEGER))
		ORDER BY max(j.seq) LIMIT ?`, table+":", table+";", len(table)+2, maxProblems)
	if err != nil {
		return fmt.Errorf("check deleted rows of %s: %w", table, err)
	}
	defer missing.Close()
	for missing.Next() {
		var ref string
		var seq int64
		if err := missing.Scan(&ref, &seq); err != nil {
			return err
		}
		if !add(Problem{Seq: seq, Ref: ref, Zh: "记录 " + ref + " 已被删除（日志中仍有记载）", En: "record " + ref + " was deleted (the journal still records it)"}) {
			return nil
		}
	}
	return missing.Err()
}

// columnDefaults returns each column's default as the canonical JSON value a
// row would hold when the column was added by a later migration (for
// example "0" or "\"\"" or "null").
func columnDefaults(ctx context.Context, conn *sql.Conn, table string) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT name, dflt_value FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name string
		var dflt sql.NullString
		if err := rows.Scan(&name, &dflt); err != nil {
			return nil, err
		}
		// Evaluate the default expression to get its value and type exactly
		// as a row would store it.
		if !dflt.Valid {
			out[name] = "null"
			continue
		}
		var v any
		if err := conn.QueryRowContext(ctx, "SELECT "+dflt.String).Scan(&v); err != nil {
			continue // not a constant: a row can never match it silently
		}
		b, err := CanonicalJSON(map[string]any{"v": v})
		if err != nil {
			continue
		}
		out[name] = string(b[len(`{"v":`) : len(b)-1])
	}
	return out, rows.Err()
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
