package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file is the store side of sync to the national platform. The journal
// is the outbox; the bookkeeping below (cursor, receipts, rejections, code
// ranges) lives in tables created by migration 0010 and is not journaled,
// except where it changes a domain row (a lot's national code), which is.

// LocalOnlyKind reports whether journal entries of kind never leave the PC.
// users.* entries carry password hashes: they are skipped by the uploader and
// by file export, and do not count as pending.
func LocalOnlyKind(kind string) bool { return strings.HasPrefix(kind, "users.") }

// EntryHashOf recomputes the chain hash of e from its fields (PrevHash
// included). The uploader uses it to refuse to send an entry whose stored
// hash does not match its content, and tests use it to check wire records.
func EntryHashOf(e Entry) string { return entryHash(&e) }

// Sync settings keys in the settings table. The secret is stored encrypted
// with a key kept beside the store (secret.go); the settings table is not
// journaled and never uploaded; see docs/sync.md.
const (
	SettingSyncURL     = "sync.url"
	SettingSyncAccount = "sync.account"
	SettingSyncSecret  = "sync.secret"
	SettingSyncSiteID  = "sync.site_id"
)

// SyncConfig is how this site reaches the platform.
type SyncConfig struct {
	URL     string
	Account string
	Secret  string
}

// SyncConfig reads the platform URL, account and secret ("" when unset).
// The secret is decrypted (see secret.go); when its key file is lost the
// error has CodeSecretKey and c still holds the URL and account, so a
// settings screen can show them and take a new secret.
func (db *DB) SyncConfig(ctx context.Context) (SyncConfig, error) {
	var c SyncConfig
	for k, dst := range map[string]*string{SettingSyncURL: &c.URL, SettingSyncAccount: &c.Account} {
		v, err := db.setting(ctx, k)
		if err != nil {
			return c, err
		}
		*dst = v
	}
	var err error
	c.Secret, err = db.PlatformSecret(ctx)
	return c, err
}

// SetSyncConfig stores the platform URL, account and secret. It needs the
// sync permission. Settings are local configuration, not evidence: nothing is
// journaled, so the secret never reaches the outbox.
func (db *DB) SetSyncConfig(ctx context.Context, actor Actor, c SyncConfig) error {
	if err := actor.Require(PermSyncAdmin); err != nil {
		return err
	}
	sealed, err := db.sealSecret(SettingSyncSecret, c.Secret)
	if err != nil {
		return err
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		for k, v := range map[string]string{SettingSyncURL: c.URL, SettingSyncAccount: c.Account} {
			if err := tx.putSetting(ctx, k, v); err != nil {
				return err
			}
		}
		return putSecretSetting(ctx, tx, sealed)
	})
}

func (db *DB) setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// SyncSiteID is the site part of every idempotency key: the credit code of
// the 主体 (or its site code, or a random id when no profile exists yet). It
// is fixed the first time it is asked for, so later edits of the profile do
// not change the keys of entries already sent.
func (db *DB) SyncSiteID(ctx context.Context) (string, error) {
	if v, err := db.setting(ctx, SettingSyncSiteID); err != nil || v != "" {
		return v, err
	}
	var id string
	var credit, site sql.NullString
	err := db.r.QueryRowContext(ctx, "SELECT credit_code, site_code FROM entity ORDER BY id LIMIT 1").Scan(&credit, &site)
	switch {
	case err == nil && credit.String != "":
		id = credit.String
	case err == nil && site.String != "":
		id = site.String
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("read entity: %w", err)
	default:
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		id = "S" + hex.EncodeToString(b)
	}
	err = db.Write(ctx, systemActor, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO settings(key,value) VALUES(?,?) ON CONFLICT(key) DO NOTHING", SettingSyncSiteID, id)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("save site id: %w", err)
	}
	return db.setting(ctx, SettingSyncSiteID)
}

// SyncCursor returns the ack floor: entries with seq <= cursor are settled.
// A cursor beyond the chain head means settled entries were deleted: the
// next entry written would reuse a settled seq and never be sent, so that is
// an error (CodeCorrupt) that stops every upload and export.
func (db *DB) SyncCursor(ctx context.Context) (int64, error) {
	var c int64
	if err := db.r.QueryRowContext(ctx, "SELECT cursor FROM sync_state WHERE id = 1").Scan(&c); err != nil {
		return 0, fmt.Errorf("read sync cursor: %w", err)
	}
	// Read after the cursor: the head can only have grown since.
	head, _, err := db.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("read journal head: %w", err)
	}
	if err := db.settledProblem(ctx, c, head); err != nil {
		return 0, err
	}
	return c, nil
}

// settledProblem checks what the receipts and the cursor say against the
// chain: the cursor cannot be beyond the head, and the receipt that reaches
// furthest must name an entry that still exists with the hash it recorded.
// Either failing means settled entries were deleted or replaced; a new entry
// under a settled number would never be sent. The error is CodeCorrupt and
// says what to do.
func (db *DB) settledProblem(ctx context.Context, cursor, head int64) error {
	if cursor > head {
		return cursorAheadError(cursor, head)
	}
	var pid, chain string
	var last int64
	err := db.r.QueryRowContext(ctx, "SELECT platform_id, last_seq, chain_hash FROM upload_receipts ORDER BY last_seq DESC, id DESC LIMIT 1").Scan(&pid, &last, &chain)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("last receipt: %w", err)
	}
	h, ok, err := db.EntryHashAt(ctx, last)
	if err != nil {
		return err
	}
	if ok && h == chain {
		return nil
	}
	p := receiptMismatchProblem(pid, last)
	if !ok {
		p = receiptMissingProblem(pid, last, head)
	}
	return settledError(p)
}

func settledError(p Problem) *Error {
	return &Error{Code: CodeCorrupt, Err: errors.New(p.En),
		Zh: p.Zh + "。未上传任何数据。请运行 suyuan verify，保留此文件原样，并恢复最近一次正常的备份（见 docs/sync.md“恢复备份”）。",
		En: p.En + ". Nothing was uploaded. Run suyuan verify, keep this file as it is and restore the latest good backup (see 'Restoring a backup' in docs/sync.md)"}
}

func cursorAheadError(cursor, head int64) *Error {
	return settledError(cursorAheadProblem(cursor, head))
}

// EntryHashAt returns the hash of journal entry seq (ok=false if there is
// none).
func (db *DB) EntryHashAt(ctx context.Context, seq int64) (hash string, ok bool, err error) {
	err = db.r.QueryRowContext(ctx, "SELECT hash FROM journal WHERE seq = ?", seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read journal entry %d: %w", seq, err)
	}
	return hash, true, nil
}

// SettingPlatformAhead holds what the uploader found when the platform held
// more of this site's history than this store (see PlatformAhead).
const SettingPlatformAhead = "sync.platform_ahead"

// PlatformAhead is the platform's chain head for this site when it is not
// part of this store's history: the platform holds an entry beyond our head
// (Seq > OurHead), or a different entry at Seq (OurHash != Hash). This store
// is then an older copy (an old backup restored, perhaps written to since):
// nothing may be uploaded, or the platform would get two histories.
type PlatformAhead struct {
	Seq        int64     `json:"seq"`
	Hash       string    `json:"hash"`
	OurHead    int64     `json:"our_head"`
	OurHash    string    `json:"our_hash"` // our hash at Seq, "" if we have no entry Seq
	DetectedAt time.Time `json:"detected_at"`
}

// Error is the user's explanation: what happened and what to do.
func (p *PlatformAhead) Error() *Error {
	what := fmt.Sprintf("平台已有本站点日志第 %d 条，本机日志只到第 %d 条", p.Seq, p.OurHead)
	whatEn := fmt.Sprintf("the platform holds this site's journal up to entry %d, this store only up to %d", p.Seq, p.OurHead)
	if p.OurHash != "" {
		what = fmt.Sprintf("平台上本站点的日志第 %d 条与本机的第 %d 条内容不同", p.Seq, p.Seq)
		whatEn = fmt.Sprintf("the platform's entry %d for this site differs from this store's entry %d", p.Seq, p.Seq)
	}
	return &Error{Code: CodeConflict,
		Zh: "本机数据是比平台上更旧的副本（" + what + "，可能恢复了旧的备份）。未上传任何数据。请恢复最新的备份（最近一次 suyuan backup 制作的副本），或联系技术支持；在此之前本机新增的记录会保留，但不会上传。",
		En: "this store is an older copy than what the platform holds (" + whatEn + "; an old backup may have been restored). Nothing was uploaded. Restore the newest backup (the latest copy made with suyuan backup) or contact support; records added here meanwhile are kept but not uploaded"}
}

// SetPlatformAhead records (p != nil) or clears (p == nil) the finding that
// the platform holds history this store does not have. It is local state,
// not evidence: not journaled.
func (db *DB) SetPlatformAhead(ctx context.Context, p *PlatformAhead) error {
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		if p == nil {
			_, err := tx.Exec(ctx, "DELETE FROM settings WHERE key = ?", SettingPlatformAhead)
			return err
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return tx.putSetting(ctx, SettingPlatformAhead, string(b))
	})
}

// PlatformAheadState returns the recorded finding, or nil.
func (db *DB) PlatformAheadState(ctx context.Context) (*PlatformAhead, error) {
	v, err := db.setting(ctx, SettingPlatformAhead)
	if err != nil || v == "" {
		return nil, err
	}
	var p PlatformAhead
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, fmt.Errorf("read %s: %w", SettingPlatformAhead, err)
	}
	return &p, nil
}

// UploadReceipt is one acknowledged batch: the upload ledger's line.
type UploadReceipt struct {
	ID         int64
	PlatformID string // the platform's receipt id
	BatchKey   string
	ReceivedAt time.Time // platform time
	StoredAt   time.Time // local time the receipt was stored
	FirstSeq   int64     // journal range settled by this batch
	LastSeq    int64
	Records    int // records sent (accepted + duplicates + rejected)
	Accepted   int
	Duplicates int // already held by the platform (a resend after a lost reply)
	Rejected   int
	Skipped    int    // local-only entries in the range, not sent
	ChainHash  string // hash of journal entry LastSeq: our chain head at that point
	Via        string // "http" or "file"
}

// SyncRejection is an entry the platform refused, with its reason.
type SyncRejection struct {
	ID            int64
	Seq           int64
	Ref           string
	Kind          string
	Key           string // idempotency key sent
	Code          string // platform error code
	ReasonZh      string
	ReasonEn      string
	ReceiptID     int64
	RejectedAt    time.Time
	ResolvedBySeq int64 // 0 while open
	ResolvedAt    time.Time
}

// Open reports whether the rejection still waits for a correction.
func (r SyncRejection) Open() bool { return r.ResolvedBySeq == 0 }

// AckedEntry is an entry the platform accepted (or already held).
type AckedEntry struct {
	Seq int64
	Ref string
}

// NationalCode is a platform-assigned code for one of our lots.
type NationalCode struct {
	Ref   string // "lots:12"
	Long  string
	Short string
}

// BatchAck is what the platform answered for one batch, ready to store.
type BatchAck struct {
	PlatformID string
	BatchKey   string
	ReceivedAt time.Time
	FirstSeq   int64
	LastSeq    int64
	Skipped    int
	Duplicates int
	Accepted   []AckedEntry // accepted or duplicate
	Rejected   []SyncRejection
	Codes      []NationalCode
	Via        string // "http" or "file"
}

// ApplyBatchAck stores a batch acknowledgement in one short transaction: the
// receipt, the rejections, the resolution of earlier rejections whose record
// was corrected and has now been accepted, the national codes of lots, and
// the cursor. Applying the same acknowledgement again changes nothing and
// returns applied=false (a receipts file imported twice, a duplicated reply).
func (db *DB) ApplyBatchAck(ctx context.Context, ack BatchAck) (applied bool, err error) {
	if ack.PlatformID == "" || ack.BatchKey == "" || ack.FirstSeq <= 0 || ack.LastSeq < ack.FirstSeq {
		return false, errf(CodeInvalid, nil, "平台回执不完整（缺少编号或范围），已忽略。", "the platform receipt is incomplete (no id or range); it was ignored")
	}
	if ack.Via == "" {
		ack.Via = "http"
	}
	err = db.Write(ctx, systemActor, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM upload_receipts WHERE platform_id = ? AND batch_key = ?", ack.PlatformID, ack.BatchKey).Scan(&n); err != nil {
			return fmt.Errorf("find receipt: %w", err)
		}
		if n > 0 {
			return nil
		}
		var chain string
		if err := tx.QueryRow(ctx, "SELECT hash FROM journal WHERE seq = ?", ack.LastSeq).Scan(&chain); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errf(CodeInvalid, nil, "平台回执指向本机不存在的日志第 %d 条，可能来自其他站点，已拒绝。", "the platform receipt names journal entry %d, which this PC does not have (a receipt of another site?); it was refused", ack.LastSeq)
			}
			return fmt.Errorf("chain hash: %w", err)
		}
		now := tx.Now.Format(timeFormat)
		res, err := tx.Exec(ctx, `INSERT INTO upload_receipts(platform_id,batch_key,received_at,stored_at,first_seq,last_seq,records,accepted,duplicates,rejected,skipped,chain_hash,via)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			ack.PlatformID, ack.BatchKey, ack.ReceivedAt.UTC().Format(timeFormat), now, ack.FirstSeq, ack.LastSeq,
			len(ack.Accepted)+len(ack.Rejected), len(ack.Accepted)-ack.Duplicates, ack.Duplicates, len(ack.Rejected), ack.Skipped, chain, ack.Via)
		if err != nil {
			return fmt.Errorf("store receipt: %w", err)
		}
		rid, _ := res.LastInsertId()
		for _, r := range ack.Rejected {
			if _, err := tx.Exec(ctx, `INSERT INTO sync_rejections(seq,ref,kind,idem_key,code,reason_zh,reason_en,receipt_id,rejected_at)
				VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(seq) DO NOTHING`,
				r.Seq, r.Ref, r.Kind, r.Key, r.Code, r.ReasonZh, r.ReasonEn, rid, now); err != nil {
				return fmt.Errorf("store rejection %d: %w", r.Seq, err)
			}
		}
		if err := resolveRejections(ctx, tx, ack.Accepted, now); err != nil {
			return err
		}
		for _, c := range ack.Codes {
			if err := storeNationalCode(ctx, tx, c); err != nil {
				return err
			}
		}
		applied = true
		return advanceCursor(ctx, tx)
	})
	return applied, err
}

// resolveRejections marks open rejections resolved when a later entry for the
// same record has been accepted: that entry is the correction.
func resolveRejections(ctx context.Context, tx *Tx, accepted []AckedEntry, now string) error {
	rows, err := tx.Query(ctx, "SELECT ref, min(seq) FROM sync_rejections WHERE resolved_by_seq IS NULL GROUP BY ref")
	if err != nil {
		return fmt.Errorf("open rejections: %w", err)
	}
	open := map[string]int64{}
	for rows.Next() {
		var ref string
		var seq int64
		if err := rows.Scan(&ref, &seq); err != nil {
			rows.Close()
			return err
		}
		open[ref] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(open) == 0 {
		return err
	}
	for _, a := range accepted {
		if first, ok := open[a.Ref]; ok && a.Seq > first {
			if _, err := tx.Exec(ctx, "UPDATE sync_rejections SET resolved_by_seq = ?, resolved_at = ? WHERE ref = ? AND seq < ? AND resolved_by_seq IS NULL", a.Seq, now, a.Ref, a.Seq); err != nil {
				return fmt.Errorf("resolve rejection of %s: %w", a.Ref, err)
			}
		}
	}
	return nil
}

// storeNationalCode writes a platform code onto a lot that has none yet and
// journals it. A code for a lot this PC does not have, or a code already on
// another lot, is left alone: the local record stays the truth.
func storeNationalCode(ctx context.Context, tx *Tx, c NationalCode) error {
	table, idText, ok := strings.Cut(c.Ref, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || table != "lots" || err != nil || c.Long == "" {
		return nil
	}
	// One statement: set the code only on a lot without one, and only if no
	// other lot holds it (the UNIQUE constraint would abort the receipt).
	res, err := tx.Exec(ctx, `UPDATE lots SET national_code = ?1, national_short_code = ?2 WHERE id = ?3 AND coalesce(national_code,'') = ''
		AND NOT EXISTS (SELECT 1 FROM lots o WHERE (o.national_code = ?1 OR o.national_short_code = ?2) AND o.id <> ?3)`, c.Long, nullIfEmpty(c.Short), id)
	if err != nil {
		return fmt.Errorf("store national code of %s: %w", c.Ref, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if _, err := tx.Record(ctx, "lots", id, "lots.national_code", ""); err != nil {
		return err
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// advanceCursor moves the ack floor over every stored receipt that starts at
// or before it, so receipts applied out of order (two receipts files) still
// settle the journal once the gap is filled.
func advanceCursor(ctx context.Context, tx *Tx) error {
	for {
		var cur int64
		if err := tx.QueryRow(ctx, "SELECT cursor FROM sync_state WHERE id = 1").Scan(&cur); err != nil {
			return fmt.Errorf("read cursor: %w", err)
		}
		var next sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT max(last_seq) FROM upload_receipts WHERE first_seq <= ? AND last_seq > ?", cur+1, cur).Scan(&next); err != nil {
			return fmt.Errorf("next receipt: %w", err)
		}
		if !next.Valid {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE sync_state SET cursor = ?, last_error = '', last_error_at = '' WHERE id = 1", next.Int64); err != nil {
			return fmt.Errorf("advance cursor: %w", err)
		}
	}
}

// SkipLocalOnly settles a range of the journal that holds only local-only
// entries (nothing to send), when it starts right after the cursor.
func (db *DB) SkipLocalOnly(ctx context.Context, firstSeq, lastSeq int64, skipped int) error {
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "UPDATE sync_state SET cursor = ?, skipped = skipped + ? WHERE id = 1 AND cursor = ?", lastSeq, skipped, firstSeq-1)
		return err
	})
}

// SetSyncError records the uploader's last failure ("" clears it) so that a
// status screen opened later still shows it.
func (db *DB) SetSyncError(ctx context.Context, msg string) error {
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		at := ""
		if msg != "" {
			at = tx.Now.Format(timeFormat)
		}
		_, err := tx.Exec(ctx, "UPDATE sync_state SET last_error = ?, last_error_at = ? WHERE id = 1", msg, at)
		return err
	})
}

// SyncStatus is the outbox at a glance.
type SyncStatus struct {
	Cursor   int64
	HeadSeq  int64
	HeadHash string
	Pending  int64 // entries after the cursor that will be sent (counted in the store, never estimated)
	// Problem, when not nil, stops uploads until a person acts: the store
	// failed its open-time check, the cursor is beyond the chain head, the
	// last receipt does not match the chain, or the platform holds history
	// this store does not have (PlatformAhead). It carries UserMessage.
	Problem        error
	PlatformAhead  *PlatformAhead
	OpenRejections int
	LastReceipt    *UploadReceipt
	LastError      string
	LastErrorAt    time.Time
	FreeCodes      int // pre-allocated national codes not yet taken
}

// SyncStatus reads the outbox state with a few indexed queries (no scan of
// the backlog), so it is cheap enough to call after every batch.
func (db *DB) SyncStatus(ctx context.Context) (SyncStatus, error) {
	var s SyncStatus
	var err error
	if s.HeadSeq, s.HeadHash, err = db.Head(ctx); err != nil {
		return s, err
	}
	var errAt string
	if err := db.r.QueryRowContext(ctx, "SELECT cursor, last_error, last_error_at FROM sync_state WHERE id = 1").Scan(&s.Cursor, &s.LastError, &errAt); err != nil {
		return s, fmt.Errorf("sync state: %w", err)
	}
	if errAt != "" {
		s.LastErrorAt, _ = time.Parse(timeFormat, errAt)
	}
	var local int64
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM journal WHERE kind >= 'users.' AND kind < 'users/' AND seq > ?", s.Cursor).Scan(&local); err != nil {
		return s, fmt.Errorf("count local-only: %w", err)
	}
	s.Pending = max(0, s.HeadSeq-s.Cursor-local)
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM sync_rejections WHERE resolved_by_seq IS NULL").Scan(&s.OpenRejections); err != nil {
		return s, fmt.Errorf("count rejections: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM preallocated_codes WHERE lot_id IS NULL").Scan(&s.FreeCodes); err != nil {
		return s, fmt.Errorf("count free codes: %w", err)
	}
	rs, err := db.UploadReceipts(ctx, 1)
	if err != nil {
		return s, err
	}
	if len(rs) > 0 {
		s.LastReceipt = &rs[0]
	}
	if s.PlatformAhead, err = db.PlatformAheadState(ctx); err != nil {
		return s, err
	}
	s.Problem, err = db.syncProblem(ctx, s)
	return s, err
}

// syncProblem is the first reason uploads cannot go on, or nil.
func (db *DB) syncProblem(ctx context.Context, s SyncStatus) (problem, err error) {
	if err := db.OpenProblem(); err != nil {
		return err, nil
	}
	if p := db.settledProblem(ctx, s.Cursor, s.HeadSeq); p != nil {
		if ErrorCode(p) != CodeCorrupt {
			return nil, p // could not read
		}
		return p, nil
	}
	if s.PlatformAhead != nil {
		return s.PlatformAhead.Error(), nil
	}
	return nil, nil
}

const receiptCols = "id,platform_id,batch_key,received_at,stored_at,first_seq,last_seq,records,accepted,duplicates,rejected,skipped,chain_hash,via"

// UploadReceipts returns the newest receipts first (limit <= 0: all).
func (db *DB) UploadReceipts(ctx context.Context, limit int) ([]UploadReceipt, error) {
	q := "SELECT " + receiptCols + " FROM upload_receipts ORDER BY id DESC"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	defer rows.Close()
	var out []UploadReceipt
	for rows.Next() {
		var r UploadReceipt
		var recv, stored string
		if err := rows.Scan(&r.ID, &r.PlatformID, &r.BatchKey, &recv, &stored, &r.FirstSeq, &r.LastSeq, &r.Records, &r.Accepted, &r.Duplicates, &r.Rejected, &r.Skipped, &r.ChainHash, &r.Via); err != nil {
			return nil, err
		}
		r.ReceivedAt, _ = time.Parse(timeFormat, recv)
		r.StoredAt, _ = time.Parse(timeFormat, stored)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SyncRejections lists rejections, oldest first; openOnly hides resolved ones.
func (db *DB) SyncRejections(ctx context.Context, openOnly bool) ([]SyncRejection, error) {
	q := "SELECT id,seq,ref,kind,idem_key,code,reason_zh,reason_en,coalesce(receipt_id,0),rejected_at,coalesce(resolved_by_seq,0),coalesce(resolved_at,'') FROM sync_rejections"
	if openOnly {
		q += " WHERE resolved_by_seq IS NULL"
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	defer rows.Close()
	var out []SyncRejection
	for rows.Next() {
		var r SyncRejection
		var at, res string
		if err := rows.Scan(&r.ID, &r.Seq, &r.Ref, &r.Kind, &r.Key, &r.Code, &r.ReasonZh, &r.ReasonEn, &r.ReceiptID, &at, &r.ResolvedBySeq, &res); err != nil {
			return nil, err
		}
		r.RejectedAt, _ = time.Parse(timeFormat, at)
		if res != "" {
			r.ResolvedAt, _ = time.Parse(timeFormat, res)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PreallocatedCode is one national code the platform issued in advance.
type PreallocatedCode struct {
	Long  string
	Short string
}

// AddCodeRange stores a range of pre-allocated national codes. The same
// platform range stored twice adds nothing (added=false).
func (db *DB) AddCodeRange(ctx context.Context, platformRangeID string, issuedAt time.Time, codes []PreallocatedCode) (added bool, err error) {
	if platformRangeID == "" || len(codes) == 0 {
		return false, errf(CodeInvalid, nil, "平台下发的号段为空，已忽略。", "the code range from the platform is empty; it was ignored")
	}
	err = db.Write(ctx, systemActor, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "INSERT INTO code_ranges(platform_range_id,issued_at,count) VALUES(?,?,?) ON CONFLICT(platform_range_id) DO NOTHING",
			platformRangeID, issuedAt.UTC().Format(timeFormat), len(codes))
		if err != nil {
			return fmt.Errorf("store code range: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		rid, _ := res.LastInsertId()
		for _, c := range codes {
			if c.Long == "" || c.Short == "" {
				return errf(CodeInvalid, nil, "平台下发的号段含空码，已拒绝整个号段。", "the code range from the platform holds an empty code; the whole range was refused")
			}
			if _, err := tx.Exec(ctx, "INSERT INTO preallocated_codes(range_id,national_code,national_short_code) VALUES(?,?,?)", rid, c.Long, c.Short); err != nil {
				return fmt.Errorf("store code %s: %w", c.Long, err)
			}
		}
		added = true
		return nil
	})
	return added, err
}

// ErrNoPreallocatedCode is returned (wrapped in *Error) when no pre-allocated
// national code is left: the label then shows the local code and 待登记.
var ErrNoPreallocatedCode = errors.New("no pre-allocated national code left")

// TakePreallocatedCode gives lot lotID the next unused pre-allocated national
// code and journals it as lots.national_code, so a label printed offline
// already carries a national code. A lot that has a national code keeps it
// and gets it back unchanged.
func (db *DB) TakePreallocatedCode(ctx context.Context, lotID int64) (long, short string, err error) {
	err = db.Write(ctx, systemActor, func(tx *Tx) error {
		var cur, curShort sql.NullString
		if err := tx.QueryRow(ctx, "SELECT national_code, national_short_code FROM lots WHERE id = ?", lotID).Scan(&cur, &curShort); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errf(CodeNotFound, nil, "批次 %d 不存在。", "lot %d does not exist", lotID)
			}
			return fmt.Errorf("read lot: %w", err)
		}
		if cur.String != "" {
			long, short = cur.String, curShort.String
			return nil
		}
		var codeID int64
		err := tx.QueryRow(ctx, "SELECT id, national_code, national_short_code FROM preallocated_codes WHERE lot_id IS NULL ORDER BY id LIMIT 1").Scan(&codeID, &long, &short)
		if errors.Is(err, sql.ErrNoRows) {
			return errf(CodeNotFound, ErrNoPreallocatedCode, "没有可用的预分配国家追溯码：标签将只印本地追溯码并标注“待登记”，联网同步后可补领号段。",
				"no pre-allocated national trace code is left: the label will show the local code marked 'pending registration'; sync online to get a new range")
		}
		if err != nil {
			return fmt.Errorf("next free code: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE preallocated_codes SET lot_id = ?, taken_at = ? WHERE id = ?", lotID, tx.Now.Format(timeFormat), codeID); err != nil {
			return fmt.Errorf("take code: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE lots SET national_code = ?, national_short_code = ? WHERE id = ?", long, short, lotID); err != nil {
			return fmt.Errorf("store code on lot: %w", err)
		}
		_, err = tx.Record(ctx, "lots", lotID, "lots.national_code", "预分配号段 / pre-allocated range")
		return err
	})
	if err != nil {
		return "", "", err
	}
	return long, short, nil
}

// GenerateJournal appends n realistic journal entries to db, with the domain
// rows they describe, for benchmarks and soak tests of the uploader, Verify
// and reports on large files (1M entries). The mix follows a busy season at a
// cooperative: applications 30 %, harvested lots 25 %, rapid tests 25 %,
// 合格证 10 %, shipments 7 %, lot voids 3 % (corrections that supersede), plus
// a small set of master data (base, plots, products, materials) written
// first. Rows and payloads are built exactly as Tx.Record would snapshot
// them, so Verify passes on the result. It writes raw INSERTs with one
// prepared statement per table in transactions of 50,000 entries (a WAL that
// stays bounded), continuing the hash chain from the current head. Payload
// sizes match real rows (200–600 bytes of canonical JSON).
func GenerateJournal(ctx context.Context, db *DB, n int) error {
	g := &journalGen{db: db, start: db.Now().UTC().Add(-time.Duration(n) * 30 * time.Second).Truncate(time.Second)}
	const chunk = 50000
	for done := 0; done < n; {
		k := min(chunk, n-done)
		if err := db.Write(ctx, systemActor, func(tx *Tx) error { return g.run(ctx, tx, k) }); err != nil {
			return fmt.Errorf("generate journal: %w", err)
		}
		done += k
	}
	return nil
}

type journalGen struct {
	db       *DB
	start    time.Time
	started  bool
	ids      map[string]int64
	plots    []int64
	products []int64
	mats     []int64
	lots     []map[string]any // recent lots (for tests, certificates, voids)
	i        int64
}

var genCols = map[string][]string{
	"bases":        {"id", "name", "address", "division_code", "area_mu", "longitude", "latitude", "altitude_m", "manager", "phone", "retired"},
	"plots":        {"id", "base_id", "name", "area_mu", "crop", "crop_category", "retired"},
	"products":     {"id", "name", "variety", "crop", "crop_category", "unit", "spec", "platform_product_code", "certification_id", "retired"},
	"materials":    {"id", "kind", "name", "reg_no", "active_ingredients", "toxicity", "formulation", "manufacturer", "phi_days", "retired"},
	"applications": {"id", "applied_on", "plot_id", "crop", "material_id", "dose", "dose_unit", "area_mu", "method", "target", "operator", "notes", "voided"},
	"lots": {"id", "code", "national_code", "national_short_code", "product_id", "source", "plot_id", "transformation_id", "produced_on", "quantity", "unit",
		"phi_override", "override_reason", "hold", "hold_reason", "from_code", "supplier", "voided"},
	"inspections": {"id", "lot_id", "external_entity", "external_code", "kind", "sample_no", "sample_name", "tested_at", "method", "basis", "item",
		"control_delta_a", "sample_delta_a", "rate", "value", "unit", "limit_value", "verdict", "instrument", "instrument_serial", "reagent_lot",
		"operator", "retest_of", "source", "reading_id", "raw", "voided"},
	"certificates": {"id", "cert_no", "lot_id", "style", "basis", "promise_version", "product_name", "quantity", "unit", "origin", "issuer", "contact",
		"issued_on", "upstream_cert_no", "voided"},
	"shipments": {"id", "lot_id", "shipped_on", "buyer_name", "buyer_code", "buyer_type", "quantity", "unit", "to_code", "voided"},
}

func (g *journalGen) run(ctx context.Context, tx *Tx, n int) error {
	seq, prev, err := tx.head(ctx)
	if err != nil {
		return err
	}
	jins, err := tx.tx.PrepareContext(ctx, "INSERT INTO journal(seq,at,actor,kind,ref,payload,reason,supersedes,prev_hash,hash) VALUES(?,?,?,?,?,?,?,?,?,?)")
	if err != nil {
		return err
	}
	defer jins.Close()
	ins := map[string]*sql.Stmt{}
	for t, cols := range genCols {
		q := "INSERT INTO " + t + "(" + strings.Join(cols, ",") + ",jseq) VALUES(" + strings.Repeat("?,", len(cols)) + "?)"
		st, err := tx.tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", t, err)
		}
		defer st.Close()
		ins[t] = st
	}
	voidLot, err := tx.tx.PrepareContext(ctx, "UPDATE lots SET voided = 1, jseq = ? WHERE id = ?")
	if err != nil {
		return err
	}
	defer voidLot.Close()
	if g.ids == nil {
		g.ids = map[string]int64{}
		for t := range genCols {
			var m int64
			if err := tx.QueryRow(ctx, "SELECT coalesce(max(id),0) FROM "+t).Scan(&m); err != nil {
				return err
			}
			g.ids[t] = m
		}
	}
	actors := []string{"zhangsan", "lisi", "wangwu", "zhaoliu"}
	emit := func(kind, table string, row map[string]any, reason string, supersedes int64, insert bool) error {
		seq++
		id := row["id"].(int64)
		payload, err := CanonicalJSON(row)
		if err != nil {
			return err
		}
		e := Entry{Seq: seq, At: g.start.Add(time.Duration(g.i) * 30 * time.Second), Actor: actors[seq%4], Kind: kind,
			Ref: table + ":" + strconv.FormatInt(id, 10), Payload: payload, Reason: reason, Supersedes: supersedes, PrevHash: prev}
		e.Hash = entryHash(&e)
		var sup any
		if supersedes > 0 {
			sup = supersedes
		}
		if _, err := jins.ExecContext(ctx, e.Seq, e.At.Format(timeFormat), e.Actor, e.Kind, e.Ref, string(e.Payload), e.Reason, sup, e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("journal insert: %w", err)
		}
		prev = e.Hash
		g.i++
		if insert {
			cols := genCols[table]
			args := make([]any, 0, len(cols)+1)
			for _, c := range cols {
				args = append(args, row[c])
			}
			args = append(args, seq)
			if _, err := ins[table].ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
		}
		row["_seq"] = seq
		return nil
	}
	next := func(t string) int64 { g.ids[t]++; return g.ids[t] }
	add := func(kind, table string, row map[string]any) error {
		return emit(kind, table, row, "", 0, true)
	}
	left := n
	if !g.started {
		g.started = true
		bid := next("bases")
		if err := add("bases.create", "bases", map[string]any{"id": bid, "name": "新平县戛洒镇柑橘基地", "address": "云南省玉溪市新平县戛洒镇", "division_code": "530427",
			"area_mu": 320.5, "longitude": 101.57, "latitude": 24.07, "altitude_m": 680.0, "manager": "李四", "phone": "13800000000", "retired": int64(0)}); err != nil {
			return err
		}
		for i, crop := range []string{"沃柑", "芒果", "豇豆"} {
			id := next("plots")
			if err := add("plots.create", "plots", map[string]any{"id": id, "base_id": bid, "name": fmt.Sprintf("%d号地块", i+1), "area_mu": 40.0 + float64(i),
				"crop": crop, "crop_category": []string{"fruit", "fruit", "vegetable"}[i], "retired": int64(0)}); err != nil {
				return err
			}
			g.plots = append(g.plots, id)
			pid := next("products")
			if err := add("products.create", "products", map[string]any{"id": pid, "name": crop, "variety": "", "crop": crop, "crop_category": []string{"fruit", "fruit", "vegetable"}[i],
				"unit": "kg", "spec": "5kg/箱", "platform_product_code": "0101010" + strconv.Itoa(i+1), "certification_id": nil, "retired": int64(0)}); err != nil {
				return err
			}
			g.products = append(g.products, pid)
			mid := next("materials")
			if err := add("materials.create", "materials", map[string]any{"id": mid, "kind": "pesticide", "name": []string{"吡虫啉可湿性粉剂", "阿维菌素乳油", "多菌灵悬浮剂"}[i],
				"reg_no": fmt.Sprintf("PD2013%04d", 1234+i), "active_ingredients": `["吡虫啉"]`, "toxicity": "低毒", "formulation": "可湿性粉剂", "manufacturer": "云南某农药有限公司",
				"phi_days": int64(7 + 7*i), "retired": int64(0)}); err != nil {
				return err
			}
			g.mats = append(g.mats, mid)
		}
		left -= 10
	}
	for ; left > 0; left-- {
		day := g.start.Add(time.Duration(g.i) * 30 * time.Second).Format("2006-01-02")
		r := (g.i * 37) % 100 // spread the kinds instead of blocks of each
		if r >= 55 && len(g.lots) == 0 {
			r = 30 // tests, certificates and shipments need a lot first
		}
		k := int(g.i) % len(g.plots)
		switch {
		case r < 30:
			if err := add("applications.create", "applications", map[string]any{"id": next("applications"), "applied_on": day, "plot_id": g.plots[k], "crop": "沃柑",
				"material_id": g.mats[k], "dose": 30.0, "dose_unit": "g/亩", "area_mu": 12.5, "method": "喷雾", "target": "蚜虫", "operator": "张三", "notes": "", "voided": int64(0)}); err != nil {
				return err
			}
		case r < 55:
			id := next("lots")
			row := map[string]any{"id": id, "code": fmt.Sprintf("XP%s%07d", strings.ReplaceAll(day, "-", ""), id), "national_code": nil, "national_short_code": nil,
				"product_id": g.products[k], "source": "harvest", "plot_id": g.plots[k], "transformation_id": nil, "produced_on": day, "quantity": 850.0, "unit": "kg",
				"phi_override": int64(0), "override_reason": "", "hold": int64(0), "hold_reason": "", "from_code": "", "supplier": "", "voided": int64(0)}
			if err := add("lots.create", "lots", row); err != nil {
				return err
			}
			g.lots = append(g.lots, row)
			if len(g.lots) > 64 {
				g.lots = g.lots[1:]
			}
		case r < 80:
			lot := g.lots[len(g.lots)-1]
			id := next("inspections")
			if err := add("inspections.create", "inspections", map[string]any{"id": id, "lot_id": lot["id"], "external_entity": "", "external_code": "", "kind": "rapid",
				"sample_no": fmt.Sprintf("S%08d", id), "sample_name": "沃柑", "tested_at": day + "T08:30:00Z", "method": "酶抑制率法", "basis": "GB/T 5009.199-2003", "item": "有机磷和氨基甲酸酯类农药",
				"control_delta_a": 0.412, "sample_delta_a": 0.371, "rate": 9.95, "value": nil, "unit": "%", "limit_value": 50.0, "verdict": "negative", "instrument": "DY-3500",
				"instrument_serial": "DY3500-0012", "reagent_lot": "R20260301", "operator": "王五", "retest_of": nil, "source": "serial", "reading_id": nil, "raw": "", "voided": int64(0)}); err != nil {
				return err
			}
		case r < 90:
			lot := g.lots[len(g.lots)-1]
			id := next("certificates")
			if err := add("certificates.create", "certificates", map[string]any{"id": id, "cert_no": fmt.Sprintf("HGZ%s-%06d", strings.ReplaceAll(day, "-", ""), id), "lot_id": lot["id"],
				"style": int64(1), "basis": `["自我承诺","自行检测合格"]`, "promise_version": "2025", "product_name": "沃柑", "quantity": 850.0, "unit": "kg",
				"origin": "云南省玉溪市新平县戛洒镇", "issuer": "新平县某某种植专业合作社", "contact": "13800000000", "issued_on": day, "upstream_cert_no": "", "voided": int64(0)}); err != nil {
				return err
			}
		case r < 97:
			lot := g.lots[len(g.lots)-1]
			id := next("shipments")
			if err := add("shipments.create", "shipments", map[string]any{"id": id, "lot_id": lot["id"], "shipped_on": day, "buyer_name": "昆明市某某果品批发市场", "buyer_code": "",
				"buyer_type": "market", "quantity": 200.0, "unit": "kg", "to_code": "", "voided": int64(0)}); err != nil {
				return err
			}
		default:
			lot := g.lots[len(g.lots)-1]
			if lot["voided"] == int64(1) {
				if err := add("applications.create", "applications", map[string]any{"id": next("applications"), "applied_on": day, "plot_id": g.plots[k], "crop": "沃柑",
					"material_id": g.mats[k], "dose": 30.0, "dose_unit": "g/亩", "area_mu": 12.5, "method": "喷雾", "target": "红蜘蛛", "operator": "张三", "notes": "", "voided": int64(0)}); err != nil {
					return err
				}
				continue
			}
			lot["voided"] = int64(1)
			prevSeq := lot["_seq"].(int64)
			delete(lot, "_seq")
			if err := emit("lots.void", "lots", lot, "录入错误，作废重录", prevSeq, false); err != nil {
				return err
			}
			if _, err := voidLot.ExecContext(ctx, seq, lot["id"]); err != nil {
				return fmt.Errorf("void lot: %w", err)
			}
		}
	}
	return nil
}

// head reads the journal head inside tx.
func (tx *Tx) head(ctx context.Context) (int64, string, error) {
	var seq sql.NullInt64
	var h sql.NullString
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesisHash, nil
	}
	return seq.Int64, h.String, err
}
