package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"suyuan/store/rules"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ApplicationID marks a SQLite file as Suyuan's ("SUYU" in ASCII), so that a
// stray file chosen with --data is refused instead of being migrated.
const ApplicationID = 0x53555955

// busyTimeout is how long a connection waits for a lock before failing. The
// GUI, the uploader and a CLI import may share one file; five seconds covers
// any single write transaction on a slow site PC by a wide margin.
const busyTimeout = 5000

// DB is an open Suyuan store: one writer connection (all writes serialise on
// it, and BEGIN takes the write lock at once) and a small pool of read-only
// connections that see consistent WAL snapshots while a write is running.
type DB struct {
	path string
	w    *sql.DB
	r    *sql.DB
	// Now is the clock used for journal timestamps. Tests replace it.
	Now func() time.Time
	// AppVersion is recorded with each applied migration.
	AppVersion string

	pesticides atomic.Pointer[rules.PesticideList]
}

// Option configures Open.
type Option func(*options)

type options struct {
	readOnly   bool
	appVersion string
	now        func() time.Time
}

// ReadOnly opens the file without migrating or writing to it (verify, trace).
func ReadOnly() Option { return func(o *options) { o.readOnly = true } }

// WithAppVersion records the application version in migration bookkeeping.
func WithAppVersion(v string) Option { return func(o *options) { o.appVersion = v } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// DefaultFile is the store's file name inside the data directory.
const DefaultFile = "suyuan.db"

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	// busy_timeout comes first so the pragmas after it wait for locks too.
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout))
	v.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Add("_pragma", "journal_mode(WAL)")
		// FULL: a site PC may lose power at any moment; a committed record
		// must survive that, WAL or not.
		v.Add("_pragma", "synchronous(FULL)")
		v.Add("_txlock", "immediate")
	}
	u := fileURI(path, v.Encode())
	if readOnly {
		u.RawQuery += "&mode=ro"
	}
	return u.String()
}

// fileURI is the SQLite URI for an absolute path. SQLite wants
// file:///C:/dir/x.db for a Windows path: file://C:/... would make "C:" the
// URI's authority, which SQLite refuses ("invalid uri authority"). A UNC path
// (\\server\share\x.db) becomes file:////server/share/x.db: an empty
// authority and a path SQLite turns back into the UNC name.
func fileURI(path, rawQuery string) url.URL {
	return slashURI(filepath.ToSlash(path), rawQuery)
}

// slashURI is fileURI for a path already in slash form (testable on any OS).
func slashURI(p, rawQuery string) url.URL {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return url.URL{Scheme: "file", Path: p, RawQuery: rawQuery}
}

// Open opens (creating if needed) the store at path and brings its schema up
// to date. A file written by a newer Suyuan, or a SQLite file that is not
// Suyuan's, is refused before anything is written to it.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	// The file: URI needs an absolute path ("a/b.db" would parse "a" as a host).
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if !o.readOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, errf(CodeInvalid, err, "无法创建数据目录 %s，请检查磁盘和权限。", "cannot create the data directory %s; check the disk and permissions", filepath.Dir(path))
		}
	}
	if err := preflight(ctx, path); err != nil {
		return nil, err
	}
	db := &DB{path: path, Now: o.now, AppVersion: o.appVersion}
	if !o.readOnly {
		w, err := sql.Open("sqlite", dsn(path, false))
		if err != nil {
			return nil, fmt.Errorf("open store writer: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		db.w = w
		if err := db.migrate(ctx); err != nil {
			w.Close()
			return nil, err
		}
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store readers: %w", err)
	}
	r.SetMaxOpenConns(4)
	db.r = r
	if err := db.loadSitePesticideList(); err != nil {
		db.Close()
		return nil, err
	}
	if o.readOnly {
		if err := db.checkVersion(ctx, r); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// preflight looks at an existing file with a plain connection, before any
// pragma that could write to it, and refuses files that are not ours.
func preflight(ctx context.Context, path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat store: %w", err)
	}
	u := fileURI(path, "mode=ro&_pragma=busy_timeout(5000)")
	c, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("preflight open: %w", err)
	}
	defer c.Close()
	var appID int64
	if err := c.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return errf(CodeNotSuyuan, err, "文件 %s 不是有效的数据库文件，请选择正确的数据目录。", "%s is not a valid database file; choose the right data directory", path)
	}
	if appID != ApplicationID {
		var n int
		_ = c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
		if appID != 0 || n > 0 {
			return errf(CodeNotSuyuan, nil, "文件 %s 不是溯源站的数据文件，已拒绝打开（未做任何修改）。", "%s is not a Suyuan data file; it was not opened and nothing was changed", path)
		}
		return nil
	}
	var hasTable int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name='schema_migrations'").Scan(&hasTable); err != nil || hasTable == 0 {
		return nil
	}
	var v int
	if err := c.QueryRowContext(ctx, "SELECT coalesce(max(version),0) FROM schema_migrations").Scan(&v); err != nil {
		return fmt.Errorf("preflight read version: %w", err)
	}
	if v > latestVersion() {
		return newerFileError(path, v)
	}
	return nil
}

func newerFileError(path string, v int) error {
	return errf(CodeNewerFile, nil,
		"数据文件 %s 由更新版本的溯源站写入（结构版本 %d，本程序最高支持 %d）。请升级溯源站后再打开；文件未被修改。",
		"the data file %s was written by a newer Suyuan (schema %d, this program knows up to %d); upgrade Suyuan to open it. The file was not changed",
		path, v, latestVersion())
}

func (db *DB) checkVersion(ctx context.Context, c *sql.DB) error {
	var v int
	err := c.QueryRowContext(ctx, "SELECT coalesce(max(version),0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return errf(CodeNotSuyuan, err, "数据文件尚未初始化，请先运行 suyuan init。", "the data file is not initialised; run suyuan init first")
	}
	if v > latestVersion() {
		return newerFileError(db.path, v)
	}
	return nil
}

// Path is the file the store lives in.
func (db *DB) Path() string { return db.path }

// Close closes both pools. The WAL is checkpointed by SQLite on the last close.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

// Reader returns the read-only pool for queries in packages that build on the
// store (reports, sync status). Writes through it fail.
func (db *DB) Reader() *sql.DB { return db.r }

// Tx is one write transaction. It carries the time taken at BEGIN, used for
// every journal entry it appends, and the acting user.
type Tx struct {
	tx    *sql.Tx
	Now   time.Time
	Actor Actor
	db    *DB

	savepoints int
	// stmts caches the journal's own statements for the life of the
	// transaction: a journaled write runs the same five every time, and
	// preparing them dominated small writes and sync acknowledgements.
	stmts map[string]*sql.Stmt
}

// cached returns a prepared statement for q, bound to this transaction.
// Only single-statement SQL may go through it (Prepare compiles the first
// statement only).
func (tx *Tx) cached(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[q]; ok {
		return st, nil
	}
	st, err := tx.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[q] = st
	return st, nil
}

// Exec runs a statement inside the transaction.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, q, args...)
}

// QueryRow runs a single-row query inside the transaction.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// Query runs a query inside the transaction.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, q, args...)
}

// Write runs fn in one IMMEDIATE transaction on the writer connection and
// commits if fn returns nil. Rules, the domain write and its journal entry
// all happen inside fn, so they land together or not at all.
//
// Inside Batch, Write joins the batch's transaction instead, under a
// savepoint: a failing write is undone on its own and the batch decides
// whether anything commits.
func (db *DB) Write(ctx context.Context, actor Actor, fn func(tx *Tx) error) error {
	if outer, ok := ctx.Value(batchKey{}).(*Tx); ok && outer.db == db {
		return outer.savepoint(ctx, fn)
	}
	if db.w == nil {
		return errf(CodeForbidden, nil, "数据以只读方式打开，无法写入。", "the store is open read-only; nothing can be written")
	}
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, Now: db.Now().UTC(), Actor: actor, db: db}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type batchKey struct{}

// Batch runs fn with a context in which every db.Write (every exported
// write method of the store) joins one transaction, committed only if fn
// returns nil. Imports use it so that a file lands whole or not at all while
// still going through the same rule-checking methods as single writes; each
// inner write runs under its own savepoint, so fn can collect every failing
// row's error and still return an error at the end to write nothing.
// Reads made on the read pool inside fn do not see the batch's uncommitted
// rows.
func (db *DB) Batch(ctx context.Context, actor Actor, fn func(ctx context.Context) error) error {
	return db.Write(ctx, actor, func(tx *Tx) error {
		return fn(context.WithValue(ctx, batchKey{}, tx))
	})
}

func (tx *Tx) savepoint(ctx context.Context, fn func(tx *Tx) error) error {
	tx.savepoints++
	name := fmt.Sprintf("sp%d", tx.savepoints)
	if _, err := tx.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(tx); err != nil {
		if _, rerr := tx.tx.ExecContext(ctx, "ROLLBACK TO "+name+"; RELEASE "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
		}
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, "RELEASE "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// escapeLike escapes LIKE wildcards in user search text.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
