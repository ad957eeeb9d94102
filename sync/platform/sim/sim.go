// Package sim is a simulator of the national traceability platform that
// speaks sync/platform's protocol: a real HTTP server with its own SQLite
// file. It deduplicates by idempotency key, assigns national trace codes,
// pre-allocates code ranges, accepts signed outbox packages, serves the
// public trace page /t/{code}, and injects faults (drop, delay, 5xx, reset
// mid-body, stale duplicate replies) at seeded random rates, for tests and
// for training site staff without touching the real platform.
package sim

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"suyuan/assets"
	"suyuan/sync/platform"
)

// Account is one platform account (a 主体).
type Account struct {
	Account    string
	Secret     string
	CreditCode string // 18-char 统一社会信用代码, part of every long code
	Category   string // 主体类别: 0 生产, 1 经营, 2 生产经营
	Name       string
}

// Faults are injected into /api/ requests, each with its own rate in [0,1].
type Faults struct {
	Drop      float64       // close the connection without a reply, before processing
	Delay     float64       // wait up to MaxDelay before processing
	Err5xx    float64       // answer 503 without processing
	Reset     float64       // process, then cut the connection half-way through the reply (RST)
	Duplicate float64       // process, then answer with the previous reply (a stale duplicate)
	MaxDelay  time.Duration // default 200 ms
	Seed      uint64        // RNG seed: the same seed gives the same fault sequence per request order
}

// Options configure a simulator.
type Options struct {
	DataDir      string // where sim.db lives (created if missing)
	Accounts     []Account
	Faults       Faults
	Logger       *slog.Logger
	Now          func() time.Time
	TokenTTL     time.Duration // default 1 h; short values exercise re-auth
	RejectMarker string        // a record whose data contains it is rejected; default "REJECT-ME"
	Seed         uint64        // seed for short codes
}

// Server is a running simulator.
type Server struct {
	db   *sql.DB
	opts Options
	log  *slog.Logger

	mu        sync.Mutex // guards rng, faults, lastReply, tokens
	rng       *mrand.Rand
	codeRng   *mrand.Rand
	faults    Faults
	lastReply []byte
	tokens    map[string]tokenInfo
	logins    int
}

// RevokeTokens forgets every token, as a platform restart or a session
// timeout would: the next call gets 401 and the client must log in again.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]tokenInfo{}
}

// Logins counts successful token exchanges.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

type tokenInfo struct {
	account string
	expires time.Time
}

const schema = `
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, secret TEXT NOT NULL, credit_code TEXT NOT NULL, category TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS receipts (id INTEGER PRIMARY KEY, account TEXT NOT NULL, batch_key TEXT NOT NULL, received_at TEXT NOT NULL, reply TEXT NOT NULL, UNIQUE(account, batch_key));
CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, account TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, type TEXT NOT NULL,
	content_hash TEXT NOT NULL, data TEXT NOT NULL, receipt_id TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rejections (key TEXT PRIMARY KEY, account TEXT NOT NULL, code TEXT NOT NULL, reason_zh TEXT NOT NULL, reason_en TEXT NOT NULL, receipt_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (account TEXT NOT NULL, ref TEXT NOT NULL, type TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY(account, ref));
CREATE INDEX IF NOT EXISTS objects_type ON objects(account, type);
CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, short_code TEXT NOT NULL UNIQUE, account TEXT NOT NULL, ref TEXT NOT NULL DEFAULT '', local_code TEXT NOT NULL DEFAULT '',
	range_id TEXT NOT NULL DEFAULT '', assigned_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS codes_ref ON codes(account, ref);
CREATE TABLE IF NOT EXISTS code_seq (prefix TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chain (account TEXT NOT NULL, site TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, prev_hash TEXT NOT NULL,
	PRIMARY KEY(account, site, seq));
`

// Open opens (or creates) the simulator's store and registers the accounts.
func Open(ctx context.Context, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.RejectMarker == "" {
		opts.RejectMarker = "REJECT-ME"
	}
	if opts.Faults.MaxDelay == 0 {
		opts.Faults.MaxDelay = 200 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("sim data dir: %w", err)
	}
	dsn := "file:" + filepath.ToSlash(filepath.Join(opts.DataDir, "sim.db")) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sim schema: %w", err)
	}
	for _, a := range opts.Accounts {
		if a.Category == "" {
			a.Category = "0"
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO accounts(account,secret,credit_code,category,name) VALUES(?,?,?,?,?)
			ON CONFLICT(account) DO UPDATE SET secret=excluded.secret, credit_code=excluded.credit_code, category=excluded.category, name=excluded.name`,
			a.Account, a.Secret, a.CreditCode, a.Category, a.Name); err != nil {
			db.Close()
			return nil, fmt.Errorf("sim account: %w", err)
		}
	}
	if err := backfillChain(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sim chain: %w", err)
	}
	s := &Server{db: db, opts: opts, log: opts.Logger, faults: opts.Faults, tokens: map[string]tokenInfo{},
		rng: mrand.New(mrand.NewPCG(opts.Faults.Seed, 0x5eed)), codeRng: mrand.New(mrand.NewPCG(opts.Seed, 0xc0de))}
	return s, nil
}

// backfillChain fills the chain table of a simulator file written before it
// existed, from the keys of the records and rejections it holds (prev_hash
// unknown there: ”). Later records check their prev_hash against it.
func backfillChain(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM chain) = 0 AND ((SELECT count(*) FROM records) + (SELECT count(*) FROM rejections)) > 0").Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := db.QueryContext(ctx, "SELECT key, account FROM records UNION ALL SELECT key, account FROM rejections")
	if err != nil {
		return err
	}
	type held struct{ key, account string }
	var all []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.key, &h.account); err != nil {
			rows.Close()
			return err
		}
		all = append(all, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range all {
		site, seq, hash, ok := platform.ParseKey(h.key)
		if !ok {
			continue
		}
		if _, err := db.ExecContext(ctx, "INSERT OR IGNORE INTO chain(account,site,seq,key,hash,prev_hash) VALUES(?,?,?,?,?,'')", h.account, site, seq, h.key, hash); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the store.
func (s *Server) Close() error { return s.db.Close() }

// SetFaults changes the fault rates (e.g. switch them off to let a test end).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.MaxDelay == 0 {
		f.MaxDelay = s.faults.MaxDelay
	}
	s.faults = f
	s.rng = mrand.New(mrand.NewPCG(f.Seed, 0x5eed))
}

// Serve serves on l until ctx ends.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler returns the HTTP handler: the API under /api/v1 and the public
// trace page under /t/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+platform.PathPing, s.faulty(s.ping))
	mux.HandleFunc("POST "+platform.PathAuth, s.faulty(s.auth))
	mux.HandleFunc("POST "+platform.PathBatches, s.faulty(s.batches))
	mux.HandleFunc("POST "+platform.PathCodeRanges, s.faulty(s.codeRanges))
	mux.HandleFunc("POST "+platform.PathPackages, s.faulty(s.packages))
	mux.HandleFunc("GET "+platform.PathSites+"{site}/head", s.faulty(s.siteHead))
	mux.HandleFunc("GET /t/{code}", s.tracePage)
	mux.HandleFunc("GET "+FontCJKPath, serveFont(assets.CJKFont))
	mux.HandleFunc("GET "+FontLatinPath, serveFont(assets.LatinFont))
	mux.HandleFunc("GET /{$}", s.home)
	return mux
}

// reply is what an API handler produced, before faults decide how it leaves.
type reply struct {
	status int
	ctype  string
	body   []byte
}

func jsonReply(status int, v any) reply {
	b, _ := json.Marshal(v)
	return reply{status: status, ctype: "application/json", body: b}
}

func errReply(status int, code, zh, en string) reply {
	var eb platform.ErrorBody
	eb.Error.Code, eb.Error.MessageZh, eb.Error.MessageEn = code, zh, en
	return jsonReply(status, eb)
}

func (s *Server) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < rate
}

// faulty wraps an API handler with the configured faults.
func (s *Server) faulty(h func(r *http.Request) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		f := s.faults
		s.mu.Unlock()
		if s.roll(f.Drop) {
			s.log.Info("fault: drop", "path", r.URL.Path)
			hijackClose(w, nil)
			return
		}
		if s.roll(f.Err5xx) {
			s.log.Info("fault: 503", "path", r.URL.Path)
			writeReply(w, errReply(http.StatusServiceUnavailable, "unavailable", "平台维护中", "platform under maintenance"))
			return
		}
		if s.roll(f.Delay) {
			s.mu.Lock()
			d := time.Duration(s.rng.Int64N(int64(f.MaxDelay) + 1))
			s.mu.Unlock()
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		rep := h(r)
		if s.roll(f.Reset) {
			s.log.Info("fault: reset mid-body", "path", r.URL.Path)
			head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", rep.status, http.StatusText(rep.status), rep.ctype, len(rep.body))
			hijackClose(w, append([]byte(head), rep.body[:len(rep.body)/2]...))
			return
		}
		s.mu.Lock()
		prev := s.lastReply
		if rep.status == http.StatusOK && rep.ctype == "application/json" {
			s.lastReply = rep.body
		}
		s.mu.Unlock()
		if prev != nil && !bytes.Equal(prev, rep.body) && s.roll(f.Duplicate) {
			s.log.Info("fault: stale duplicate reply", "path", r.URL.Path)
			rep = reply{status: http.StatusOK, ctype: "application/json", body: prev}
		}
		writeReply(w, rep)
	}
}

func writeReply(w http.ResponseWriter, rep reply) {
	w.Header().Set("Content-Type", rep.ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// hijackClose takes the connection, writes partial (if any) and resets it.
func hijackClose(w http.ResponseWriter, partial []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if len(partial) > 0 {
		_, _ = buf.Write(partial)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST, not FIN: a cut cable, not a polite close
	}
	_ = conn.Close()
}

func (s *Server) ping(*http.Request) reply {
	return jsonReply(http.StatusOK, map[string]any{"ok": true, "time": s.opts.Now().UTC(), "schema_version": platform.SchemaVersion})
}

func (s *Server) auth(r *http.Request) reply {
	var ar platform.AuthRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&ar); err != nil {
		return errReply(http.StatusBadRequest, "bad_request", "登录请求格式错误", "malformed login request")
	}
	var secret string
	err := s.db.QueryRowContext(r.Context(), "SELECT secret FROM accounts WHERE account = ?", ar.Account).Scan(&secret)
	if err != nil || secret != ar.Secret {
		return errReply(http.StatusUnauthorized, "bad_credentials", "账号或密钥错误", "wrong account or secret")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	exp := s.opts.Now().Add(s.opts.TokenTTL)
	s.mu.Lock()
	s.tokens[tok] = tokenInfo{account: ar.Account, expires: exp}
	s.logins++
	s.mu.Unlock()
	return jsonReply(http.StatusOK, platform.AuthResponse{Token: tok, ExpiresAt: exp.UTC()})
}

func (s *Server) authed(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ti, ok := s.tokens[tok]
	if !ok || s.opts.Now().After(ti.expires) {
		delete(s.tokens, tok)
		return "", false
	}
	return ti.account, true
}

var errUnauthorized = errReply(http.StatusUnauthorized, "unauthorized", "未登录或登录已过期", "not logged in or session expired")

func (s *Server) batches(r *http.Request) reply {
	account, ok := s.authed(r)
	if !ok {
		return errUnauthorized
	}
	body := io.Reader(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return errReply(http.StatusBadRequest, "bad_encoding", "压缩数据损坏", "corrupt gzip body")
		}
		body = zr
	}
	var b platform.Batch
	if err := json.NewDecoder(io.LimitReader(body, 256<<20)).Decode(&b); err != nil {
		// A body cut in transit: the client will send it again.
		return errReply(http.StatusBadRequest, "bad_request", "批次数据不完整或格式错误", "batch body incomplete or malformed")
	}
	resp, err := s.process(r.Context(), account, &b)
	if err != nil {
		var he *httpErr
		if errors.As(err, &he) {
			return errReply(he.status, he.code, he.zh, he.en)
		}
		s.log.Error("process batch", "err", err)
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	return reply{status: http.StatusOK, ctype: "application/json", body: resp}
}

// siteHead answers the last entry held for one of the account's sites.
func (s *Server) siteHead(r *http.Request) reply {
	account, ok := s.authed(r)
	if !ok {
		return errUnauthorized
	}
	site := r.PathValue("site")
	h := platform.SiteHead{SchemaVersion: platform.SchemaVersion, SiteID: site}
	err := s.db.QueryRowContext(r.Context(), "SELECT seq, hash FROM chain WHERE account = ? AND site = ? ORDER BY seq DESC LIMIT 1", account, site).Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.log.Error("site head", "err", err)
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	return jsonReply(http.StatusOK, h)
}

// forkErr refuses a batch that is a second history for the site.
func forkErr(seq int64, whyZh, whyEn string) error {
	return &httpErr{http.StatusConflict, platform.CodeHistoryFork,
		fmt.Sprintf("第 %d 条：%s。这是本站点的第二份历史（可能恢复了旧的备份），整个批次未被接收", seq, whyZh),
		fmt.Sprintf("entry %d: %s. This is a second history for the site (an old backup restored?); nothing of the batch was stored", seq, whyEn)}
}

// checkChain refuses a new record that does not continue the history held
// for its site: its seq held with another entry, a prev_hash that is not
// the hash held for seq-1, or later entries already held (a gap left by a
// local-only entry in the history the platform has cannot be filled by a
// new entry either: it is another history too).
func (s *Server) checkChain(ctx context.Context, tx *ptx, account, site string, rec *platform.Record) error {
	var key string
	err := tx.QueryRowContext(ctx, "SELECT key FROM chain WHERE account = ? AND site = ? AND seq = ?", account, site, rec.Seq).Scan(&key)
	if err == nil && key != rec.Key {
		return forkErr(rec.Seq, "平台已有该序号的另一条记录", "the platform already holds another entry under this number")
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var prev string
	err = tx.QueryRowContext(ctx, "SELECT hash FROM chain WHERE account = ? AND site = ? AND seq = ?", account, site, rec.Seq-1).Scan(&prev)
	if err == nil && prev != rec.PrevHash {
		return forkErr(rec.Seq, "它的 prev_hash 与平台所存的前一条不符", "its prev_hash is not the hash of the entry the platform holds before it")
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var head sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(seq) FROM chain WHERE account = ? AND site = ?", account, site).Scan(&head); err != nil {
		return err
	}
	if head.Int64 > rec.Seq {
		return forkErr(rec.Seq, fmt.Sprintf("平台已有到第 %d 条的更新记录", head.Int64), fmt.Sprintf("the platform already holds later entries, up to %d", head.Int64))
	}
	return nil
}

// noteChain records that the platform now holds rec (accepted or rejected)
// in the history of the batch's site.
func noteChain(ctx context.Context, tx *ptx, account, siteID string, rec *platform.Record) error {
	site, seq, hash, ok := platform.ParseKey(rec.Key)
	if !ok || site != siteID {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO chain(account,site,seq,key,hash,prev_hash) VALUES(?,?,?,?,?,?)", account, site, seq, rec.Key, hash, rec.PrevHash)
	return err
}

type httpErr struct {
	status       int
	code, zh, en string
}

func (e *httpErr) Error() string { return e.en }

// process stores one batch in one transaction and returns the reply bytes.
// A batch key seen before returns the stored reply unchanged (same receipt).
func (s *Server) process(ctx context.Context, account string, b *platform.Batch) ([]byte, error) {
	if b.SchemaVersion != platform.SchemaVersion {
		return nil, &httpErr{http.StatusBadRequest, "schema_version", fmt.Sprintf("不支持的协议版本 %d", b.SchemaVersion), fmt.Sprintf("unsupported schema_version %d", b.SchemaVersion)}
	}
	if b.BatchKey == "" || b.FirstSeq <= 0 || b.LastSeq < b.FirstSeq || b.Account != account {
		return nil, &httpErr{http.StatusBadRequest, "bad_batch", "批次头信息不完整或账号不符", "batch header incomplete or account mismatch"}
	}
	rawTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer rawTx.Rollback()
	tx := newPtx(rawTx)
	defer tx.close()
	var stored string
	err = tx.QueryRowContext(ctx, "SELECT reply FROM receipts WHERE account = ? AND batch_key = ?", account, b.BatchKey).Scan(&stored)
	if err == nil {
		return []byte(stored), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var acc accountRow
	if err := tx.QueryRowContext(ctx, "SELECT credit_code, category FROM accounts WHERE account = ?", account).Scan(&acc.credit, &acc.category); err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	res, err := tx.ExecContext(ctx, "INSERT INTO receipts(account,batch_key,received_at,reply) VALUES(?,?,?,'')", account, b.BatchKey, now.Format(time.RFC3339Nano))
	if err != nil {
		return nil, err
	}
	rid, _ := res.LastInsertId()
	receiptID := fmt.Sprintf("RCPT-%s-%08d", now.Format("20060102"), rid)
	resp := platform.BatchResponse{SchemaVersion: platform.SchemaVersion, ReceiptID: receiptID, BatchKey: b.BatchKey, ReceivedAt: now,
		FirstSeq: b.FirstSeq, LastSeq: b.LastSeq, Records: len(b.Records)}
	for i := range b.Records {
		rec := &b.Records[i]
		if err := s.processRecord(ctx, tx, account, acc, b.SiteID, receiptID, now, rec, &resp); err != nil {
			return nil, err
		}
	}
	out, _ := json.Marshal(resp)
	if _, err := tx.ExecContext(ctx, "UPDATE receipts SET reply = ? WHERE id = ?", string(out), rid); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

type accountRow struct{ credit, category string }

// ptx is a transaction that prepares each statement once: a batch runs the
// same handful of statements for every record.
type ptx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
}

func newPtx(tx *sql.Tx) *ptx { return &ptx{Tx: tx, stmts: map[string]*sql.Stmt{}} }

func (p *ptx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := p.stmts[q]; ok {
		return st, nil
	}
	st, err := p.Tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	p.stmts[q] = st
	return st, nil
}

func (p *ptx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return p.Tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *ptx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (p *ptx) close() {
	for _, st := range p.stmts {
		st.Close()
	}
}

func (s *Server) processRecord(ctx context.Context, tx *ptx, account string, acc accountRow, siteID, receiptID string, now time.Time, rec *platform.Record, resp *platform.BatchResponse) error {
	reject := func(code, zh, en string) error {
		resp.Rejections = append(resp.Rejections, platform.Rejection{Key: rec.Key, Code: code, ReasonZh: zh, ReasonEn: en})
		_, err := tx.ExecContext(ctx, "INSERT INTO rejections(key,account,code,reason_zh,reason_en,receipt_id) VALUES(?,?,?,?,?,?) ON CONFLICT(key) DO NOTHING",
			rec.Key, account, code, zh, en, receiptID)
		if err != nil {
			return err
		}
		return noteChain(ctx, tx, account, siteID, rec)
	}
	// Seen before: a duplicate (same key means same content: the key holds
	// the entry hash), or a rejection that stays a rejection.
	var held int
	var code, zh, en sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM records WHERE key = ?1), r.code, r.reason_zh, r.reason_en
		FROM (SELECT 1) LEFT JOIN rejections r ON r.key = ?1`, rec.Key).Scan(&held, &code, &zh, &en); err != nil {
		return err
	}
	if held > 0 {
		resp.Duplicates++
		return s.codesFor(ctx, tx, account, rec, resp)
	}
	if code.Valid {
		resp.Rejections = append(resp.Rejections, platform.Rejection{Key: rec.Key, Code: code.String, ReasonZh: zh.String, ReasonEn: en.String})
		return nil
	}
	site, seq, _, ok := platform.ParseKey(rec.Key)
	switch {
	case !ok || seq != rec.Seq:
		return reject("bad_key", "幂等键格式错误", "malformed idempotency key")
	case site != siteID:
		return reject("site_mismatch", "幂等键中的主体与批次不符", "the idempotency key names another site")
	}
	if err := s.checkChain(ctx, tx, account, site, rec); err != nil {
		return err
	}
	switch {
	case !json.Valid(rec.Data) || len(rec.Data) == 0 || rec.Data[0] != '{':
		return reject("bad_data", "记录数据不是有效的 JSON 对象", "record data is not a JSON object")
	case s.opts.RejectMarker != "" && bytes.Contains(rec.Data, []byte(s.opts.RejectMarker)):
		return reject("validation", "字段校验失败：记录含有测试拒收标记（"+s.opts.RejectMarker+"），请更正后重新提交",
			"validation failed: the record holds the test rejection marker ("+s.opts.RejectMarker+"); correct it and submit again")
	}
	var data map[string]any
	_ = json.Unmarshal(rec.Data, &data)
	if rec.Type == "lot" {
		if tc, _ := data["traceCode"].(string); tc != "" {
			var owner, ref string
			err := tx.QueryRowContext(ctx, "SELECT account, ref FROM codes WHERE code = ?", tc).Scan(&owner, &ref)
			if err != nil || owner != account || (ref != "" && ref != rec.Ref) {
				return reject("code_not_allocated", "追溯码 "+tc+" 不是平台分配给本主体的号码", "trace code "+tc+" was not allocated to this account")
			}
			local, _ := data["insideTraceCode"].(string)
			if _, err := tx.ExecContext(ctx, "UPDATE codes SET ref = ?, local_code = ? WHERE code = ?", rec.Ref, local, tc); err != nil {
				return err
			}
		}
	}
	ch := platform.ContentHash(*rec)
	if _, err := tx.ExecContext(ctx, "INSERT INTO records(key,account,seq,kind,ref,type,content_hash,data,receipt_id,received_at) VALUES(?,?,?,?,?,?,?,?,?,?)",
		rec.Key, account, rec.Seq, rec.Kind, rec.Ref, rec.Type, ch, string(rec.Data), receiptID, now.Format(time.RFC3339Nano)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO objects(account,ref,type,seq,data) VALUES(?,?,?,?,?)
		ON CONFLICT(account,ref) DO UPDATE SET data=excluded.data, seq=excluded.seq, type=excluded.type WHERE excluded.seq > objects.seq`,
		account, rec.Ref, rec.Type, rec.Seq, string(rec.Data)); err != nil {
		return err
	}
	if err := noteChain(ctx, tx, account, siteID, rec); err != nil {
		return err
	}
	resp.Accepted++
	if rec.Type == "lot" {
		if tc, _ := data["traceCode"].(string); tc == "" {
			if err := s.assignCode(ctx, tx, account, acc, now, rec, data); err != nil {
				return err
			}
		}
	}
	return s.codesFor(ctx, tx, account, rec, resp)
}

// codesFor adds to resp the national code held for a lot record's ref, so a
// resend after a lost reply still brings the code home.
func (s *Server) codesFor(ctx context.Context, tx *ptx, account string, rec *platform.Record, resp *platform.BatchResponse) error {
	if rec.Type != "lot" {
		return nil
	}
	var code, short, local, rangeID string
	err := tx.QueryRowContext(ctx, "SELECT code, short_code, local_code, range_id FROM codes WHERE account = ? AND ref = ? ORDER BY assigned_at LIMIT 1", account, rec.Ref).Scan(&code, &short, &local, &rangeID)
	if errors.Is(err, sql.ErrNoRows) || rangeID != "" {
		return nil // no code, or one the site took from its own range
	}
	if err != nil {
		return err
	}
	resp.Codes = append(resp.Codes, platform.AssignedCode{Key: rec.Key, Ref: rec.Ref, LocalCode: local, Code: code, ShortCode: short})
	return nil
}

// assignCode gives a new lot its national code, once per lot (ref).
func (s *Server) assignCode(ctx context.Context, tx *ptx, account string, acc accountRow, now time.Time, rec *platform.Record, data map[string]any) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM codes WHERE account = ? AND ref = ?", account, rec.Ref).Scan(&n); err != nil || n > 0 {
		return err
	}
	category := "00000000"
	if pid, ok := data["productId"].(float64); ok {
		var pdata string
		if tx.QueryRowContext(ctx, "SELECT data FROM objects WHERE account = ? AND ref = ?", account, "products:"+strconv.FormatInt(int64(pid), 10)).Scan(&pdata) == nil {
			var p map[string]any
			_ = json.Unmarshal([]byte(pdata), &p)
			if pc, _ := p["productCode"].(string); pc != "" {
				category = pc
			}
		}
	}
	long, short, err := s.newCode(ctx, tx, acc, category, now)
	if err != nil {
		return err
	}
	local, _ := data["insideTraceCode"].(string)
	_, err = tx.ExecContext(ctx, "INSERT INTO codes(code,short_code,account,ref,local_code,assigned_at) VALUES(?,?,?,?,?,?)", long, short, account, rec.Ref, local, now.Format(time.RFC3339Nano))
	return err
}

// newCode mints one national code pair (domain.md §3): long
// 1.<主体类别>.<credit code>.<分类码>.<yyyyMMddHHmmss>.<seq, 3 digits or more>
// and a 20-digit short code <type><day of year><seconds of day><11 random>.
func (s *Server) newCode(ctx context.Context, tx *ptx, acc accountRow, category string, now time.Time) (string, string, error) {
	prefix := "1." + acc.category + "." + acc.credit + "." + category + "." + now.Format("20060102150405")
	var seq int64
	if err := tx.QueryRowContext(ctx, "INSERT INTO code_seq(prefix,n) VALUES(?,1) ON CONFLICT(prefix) DO UPDATE SET n = n + 1 RETURNING n", prefix).Scan(&seq); err != nil {
		return "", "", err
	}
	long := fmt.Sprintf("%s.%03d", prefix, seq)
	for {
		s.mu.Lock()
		r := s.codeRng.Int64N(1e11)
		s.mu.Unlock()
		secs := now.Hour()*3600 + now.Minute()*60 + now.Second()
		short := fmt.Sprintf("1%03d%05d%011d", now.YearDay(), secs, r)
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM codes WHERE short_code = ?", short).Scan(&n); err != nil {
			return "", "", err
		}
		if n == 0 {
			return long, short, nil
		}
	}
}

func (s *Server) codeRanges(r *http.Request) reply {
	account, ok := s.authed(r)
	if !ok {
		return errUnauthorized
	}
	var req platform.CodeRangeRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.Count <= 0 || req.Count > 1000 {
		return errReply(http.StatusBadRequest, "bad_count", "号段数量应在 1 到 1000 之间", "count must be 1..1000")
	}
	ctx := r.Context()
	rawTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	defer rawTx.Rollback()
	tx := newPtx(rawTx)
	defer tx.close()
	var acc accountRow
	if err := tx.QueryRowContext(ctx, "SELECT credit_code, category FROM accounts WHERE account = ?", account).Scan(&acc.credit, &acc.category); err != nil {
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	now := s.opts.Now().UTC()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	cr := platform.CodeRange{SchemaVersion: platform.SchemaVersion, RangeID: "RNG-" + now.Format("20060102") + "-" + hex.EncodeToString(b), IssuedAt: now}
	for range req.Count {
		long, short, err := s.newCode(ctx, tx, acc, "00000000", now)
		if err == nil {
			_, err = tx.ExecContext(ctx, "INSERT INTO codes(code,short_code,account,range_id,assigned_at) VALUES(?,?,?,?,?)", long, short, account, cr.RangeID, now.Format(time.RFC3339Nano))
		}
		if err != nil {
			return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
		}
		cr.Codes = append(cr.Codes, platform.CodeEntry{Code: long, ShortCode: short})
	}
	if err := tx.Commit(); err != nil {
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	return jsonReply(http.StatusOK, cr)
}

// packages accepts a signed outbox package (carried on a USB stick and
// uploaded from another PC) and answers with a signed receipts file.
func (s *Server) packages(r *http.Request) reply {
	ctx := r.Context()
	var batches []platform.Batch
	var secret string
	h, err := platform.ReadSigned(io.LimitReader(r.Body, 1<<30), platform.FormatPackage, func(h platform.FileHeader) (string, error) {
		err := s.db.QueryRowContext(ctx, "SELECT secret FROM accounts WHERE account = ?", h.Account).Scan(&secret)
		if err != nil {
			return "", fmt.Errorf("unknown account %q", h.Account)
		}
		return secret, nil
	}, func(line []byte) error {
		var b platform.Batch
		if err := json.Unmarshal(line, &b); err != nil {
			return err
		}
		batches = append(batches, b)
		return nil
	})
	if err != nil {
		return errReply(http.StatusBadRequest, "bad_package", "数据包无效或签名不符："+err.Error(), "invalid package or signature: "+err.Error())
	}
	var out bytes.Buffer
	sw, err := platform.NewSignedWriter(&out, platform.FileHeader{Format: platform.FormatReceipts, Account: h.Account, SiteID: h.SiteID, CreatedAt: s.opts.Now().UTC(),
		FirstSeq: h.FirstSeq, LastSeq: h.LastSeq}, secret)
	if err != nil {
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	for i := range batches {
		if batches[i].Account != h.Account {
			return errReply(http.StatusBadRequest, "bad_package", "数据包中的批次账号不符", "a batch in the package names another account")
		}
		rep, err := s.process(ctx, h.Account, &batches[i])
		var he *httpErr
		if errors.As(err, &he) && he.code == platform.CodeHistoryFork {
			return errReply(he.status, he.code, he.zh, he.en)
		}
		if err != nil {
			return errReply(http.StatusBadRequest, "bad_package", "数据包中的批次无效："+err.Error(), "invalid batch in package: "+err.Error())
		}
		if err := sw.Add(json.RawMessage(rep)); err != nil {
			return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
		}
	}
	if err := sw.Close(); err != nil {
		return errReply(http.StatusInternalServerError, "internal", "平台内部错误", "internal error")
	}
	return reply{status: http.StatusOK, ctype: "application/octet-stream", body: out.Bytes()}
}

// StoredRecord is what the simulator holds for one record (tests compare it
// with the site's journal).
type StoredRecord struct {
	Key         string
	Seq         int64
	Kind        string
	Ref         string
	ContentHash string
	ReceiptID   string
}

// Records streams every stored record in key order.
func (s *Server) Records(ctx context.Context, fn func(StoredRecord) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT key, seq, kind, ref, content_hash, receipt_id FROM records ORDER BY seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r StoredRecord
		if err := rows.Scan(&r.Key, &r.Seq, &r.Kind, &r.Ref, &r.ContentHash, &r.ReceiptID); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RecordCount is the number of records held.
func (s *Server) RecordCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM records").Scan(&n)
	return n, err
}

// Rejected returns the keys the simulator has rejected.
func (s *Server) Rejected(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT key, reason_zh FROM rejections")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, r string
		if err := rows.Scan(&k, &r); err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, rows.Err()
}

// ReceiptIDs returns every receipt id the simulator issued.
func (s *Server) ReceiptIDs(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, received_at FROM receipts")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		t, _ := time.Parse(time.RFC3339Nano, at)
		out[fmt.Sprintf("RCPT-%s-%08d", t.Format("20060102"), id)] = true
	}
	return out, rows.Err()
}
