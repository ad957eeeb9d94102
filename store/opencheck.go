package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The open-time check. Every Open runs QuickCheck, a bounded subset of
// Verify that costs the same on a million-entry store as on a new one (a few
// milliseconds: docs/performance.md): the journal's protection triggers, the
// newest openCheckTail entries' hashes recomputed and chained, the rows those
// entries wrote (when they exist), the last platform receipt against the
// chain, and the upload cursor against the chain head. A store that fails it stays readable (lists,
// reports, trace, verify, backup) but refuses every write and upload with a
// message that names the problem and says how to restore a backup: writing
// new evidence on top of a file that has been altered would mix the two.
// PRAGMA quick_check is not part of it: it reads every page (3.6 s on a 1M-
// entry store); suyuan verify runs it.

// openCheckTail is how many of the newest journal entries every Open
// rechecks.
const openCheckTail = 256

// OpenProblem returns the finding of the check Open ran, as a store error
// that says what to do, or nil when the store passed.
func (db *DB) OpenProblem() error {
	if db.openProblem != nil {
		return db.openProblem
	}
	return nil
}

// openCheck runs QuickCheck and, on a finding, blocks writes (see Write).
func (db *DB) openCheck(ctx context.Context) {
	p, err := db.QuickCheck(ctx)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		p = &Problem{Zh: "无法读取数据文件进行检查（" + err.Error() + "）", En: "the store could not be read for the check (" + err.Error() + ")"}
	}
	if p != nil {
		db.openProblem = blockedError(*p)
	}
}

// blockedError is what every write returns on a store that failed the
// open-time check.
func blockedError(p Problem) *Error {
	return &Error{Code: CodeCorrupt, Err: errors.New(p.En),
		Zh: "数据文件未通过打开时的检查：" + p.Zh + "。为保护已有证据，已停止写入和上传（查看、查询、核验和备份仍可使用）。" +
			"请运行 suyuan verify 查看全部问题，保留此文件原样，并恢复最近一次正常的备份（suyuan backup 制作的副本，恢复步骤见 docs/sync.md“恢复备份”）。",
		En: "the store failed its open-time check: " + p.En + ". To protect the evidence already recorded, writing and uploading are stopped (viewing, search, verify and backup still work). " +
			"Run suyuan verify to list every problem, keep this file as it is, and restore the latest good backup (a copy made with suyuan backup; see 'Restoring a backup' in docs/sync.md)"}
}

// QuickCheck is the open-time check (see above). It returns the first
// problem found, or nil. It reads in one read transaction.
func (db *DB) QuickCheck(ctx context.Context) (*Problem, error) {
	c, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	defer c.ExecContext(context.Background(), "ROLLBACK")
	var schema int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='journal'").Scan(&schema); err != nil {
		return nil, err
	}
	if schema == 0 {
		return nil, nil // not initialised yet
	}
	for _, trg := range []string{"journal_no_update", "journal_no_delete"} {
		var n int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name=?", trg).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return &Problem{Zh: "日志保护触发器 " + trg + " 被删除", En: "journal protection trigger " + trg + " was removed"}, nil
		}
	}
	tail, err := journalTail(ctx, c, openCheckTail+1)
	if err != nil {
		return nil, err
	}
	var head int64
	if len(tail) > 0 {
		head = tail[0].seq
	}
	if p := checkSyncAgainstHead(ctx, c, head); p != nil {
		return p, nil
	}
	if p, err := checkTail(ctx, c, tail); p != nil || err != nil {
		return p, err
	}
	return nil, nil
}

// journalTail reads the newest n entries, newest first.
func journalTail(ctx context.Context, c *sql.Conn, n int) ([]rawEntry, error) {
	rows, err := c.QueryContext(ctx, "SELECT "+entryCols+" FROM journal ORDER BY seq DESC LIMIT ?", n)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var out []rawEntry
	for rows.Next() {
		var e rawEntry
		if err := e.scan(rows); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// checkSyncAgainstHead compares the upload bookkeeping with the chain head:
// the receipt with the highest range must name an entry that exists with
// the hash it recorded, and the cursor cannot be beyond the head.
func checkSyncAgainstHead(ctx context.Context, c *sql.Conn, head int64) *Problem {
	var pid, chain string
	var last int64
	err := c.QueryRowContext(ctx, "SELECT platform_id, last_seq, chain_hash FROM upload_receipts ORDER BY last_seq DESC, id DESC LIMIT 1").Scan(&pid, &last, &chain)
	if err == nil {
		var h string
		switch herr := c.QueryRowContext(ctx, "SELECT hash FROM journal WHERE seq = ?", last).Scan(&h); {
		case errors.Is(herr, sql.ErrNoRows):
			p := receiptMissingProblem(pid, last, head)
			return &p
		case herr == nil && h != chain:
			p := receiptMismatchProblem(pid, last)
			return &p
		}
	}
	var cursor int64
	if err := c.QueryRowContext(ctx, "SELECT cursor FROM sync_state WHERE id = 1").Scan(&cursor); err == nil && cursor > head {
		p := cursorAheadProblem(cursor, head)
		return &p
	}
	return nil
}

// checkTail recomputes and links the newest entries (tail is newest first)
// and compares the rows they wrote, each with its latest entry.
func checkTail(ctx context.Context, c *sql.Conn, tail []rawEntry) (*Problem, error) {
	var h chainHasher
	for i := range tail {
		e := &tail[i]
		if i+1 < len(tail) {
			older := &tail[i+1]
			if older.seq != e.seq-1 {
				return &Problem{Seq: older.seq + 1, Zh: fmt.Sprintf("日志第 %d 条缺失", older.seq+1), En: fmt.Sprintf("journal entry %d is missing", older.seq+1)}, nil
			}
			if e.prevHash != older.hash {
				return &Problem{Seq: e.seq, Ref: e.ref,
					Zh: fmt.Sprintf("日志第 %d 条与前一条的链接不符（前一条被修改、删除或重排）", e.seq),
					En: fmt.Sprintf("journal entry %d does not link to the entry before it (that entry was edited, deleted or reordered)", e.seq)}, nil
			}
		} else if e.seq == 1 && e.prevHash != genesisHash {
			return &Problem{Seq: 1, Zh: "日志第 1 条的链接被改动", En: "journal entry 1 does not start the chain"}, nil
		}
		ok, err := h.matches(e)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &Problem{Seq: e.seq, Ref: e.ref, Zh: fmt.Sprintf("日志第 %d 条的内容被修改（哈希不符）", e.seq), En: fmt.Sprintf("journal entry %d was edited (hash mismatch)", e.seq)}, nil
		}
	}
	tables, err := journaledTables(ctx, c)
	if err != nil {
		return nil, err
	}
	journaled := map[string]bool{}
	for _, t := range tables {
		journaled[t] = true
	}
	seen := map[string]bool{}
	q := &connStmts{c: c, stmts: map[string]*sql.Stmt{}}
	defer q.close()
	for i := range tail {
		e := &tail[i]
		table, idText, ok := strings.Cut(e.ref, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil || !journaled[table] || seen[e.ref] {
			continue
		}
		seen[e.ref] = true // newest first: this is the ref's latest entry
		payload, jseq, err := rowPayload(ctx, q, table, id)
		switch {
		case IsNotFound(err):
			// A missing row is left to Verify: stores built by tests and
			// tools append entries without rows, and telling those from a
			// deleted row needs the whole journal.
			continue
		case err != nil:
			return nil, err
		case jseq != e.seq:
			return &Problem{Seq: e.seq, Ref: e.ref, Zh: fmt.Sprintf("记录 %s 指向第 %d 条日志，但最新一条是第 %d 条", e.ref, jseq, e.seq), En: fmt.Sprintf("record %s points at journal entry %d but its latest entry is %d", e.ref, jseq, e.seq)}, nil
		case string(payload) != e.payload:
			defaults, err := columnDefaults(ctx, c, table)
			if err != nil {
				return nil, err
			}
			if !addedColumnsOnly(payload, []byte(e.payload), defaults) {
				return &Problem{Seq: e.seq, Ref: e.ref, Zh: fmt.Sprintf("记录 %s 与日志第 %d 条不符（被直接修改）", e.ref, e.seq), En: fmt.Sprintf("record %s differs from journal entry %d (edited behind the app's back)", e.ref, e.seq)}, nil
			}
		}
	}
	return nil, nil
}

func receiptMissingProblem(pid string, last, head int64) Problem {
	return Problem{Seq: last,
		Zh: fmt.Sprintf("日志第 %d 条缺失：平台回执 %s 证明它曾存在并已上传（日志链头只到第 %d 条，末尾的条目被删除）", last, pid, head),
		En: fmt.Sprintf("journal entry %d is missing: platform receipt %s shows it existed and was uploaded (the chain head is %d; entries at the end were deleted)", last, pid, head)}
}

func receiptMismatchProblem(pid string, last int64) Problem {
	return Problem{Seq: last,
		Zh: fmt.Sprintf("日志第 %d 条与平台回执 %s 记录的链哈希不符（上传后被替换）", last, pid),
		En: fmt.Sprintf("journal entry %d does not match the chain hash in platform receipt %s (replaced after it was uploaded)", last, pid)}
}

func cursorAheadProblem(cursor, head int64) Problem {
	return Problem{Seq: head + 1,
		Zh: fmt.Sprintf("上传游标在第 %d 条，但日志只到第 %d 条：已上传的日志条目被删除", cursor, head),
		En: fmt.Sprintf("the upload cursor is at entry %d but the journal ends at %d: uploaded entries were deleted", cursor, head)}
}

// connStmts runs rowPayload's per-table query through one prepared
// statement per table.
type connStmts struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
}

func (q *connStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, ok := q.stmts[query]
	if !ok {
		var err error
		if st, err = q.c.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		q.stmts[query] = st
	}
	return st.QueryContext(ctx, args...)
}

func (q *connStmts) close() {
	for _, st := range q.stmts {
		st.Close()
	}
}
