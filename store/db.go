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
	"syscall"
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
	// stmts: the writer's statements prepared once per DB (journal.go).
	stmts stmtCache
	// immutable is set when a read-only open reads the main file without
	// its WAL index (a full disk): see openReaders.
	immutable bool
	// openProblem is the open-time check's finding (opencheck.go), set
	// once by Open; non-nil blocks every write and upload.
	openProblem *Error
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
// Suyuan's, is refused before anything is written to it. Opening writes
// nothing unless the file is new or a migration is pending, so a store on a
// full disk still opens (and says so on the first write); a read-only open
// on a full disk reads the file even when SQLite cannot create its -shm
// file (see openReaders).
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	// The file: URI needs an absolute path ("a/b.db" would parse "a" as a host).
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	dir := filepath.Dir(path)
	if !o.readOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			if serr := storageError(err, dir); serr != err {
				return nil, serr
			}
			return nil, errf(CodeInvalid, err, "无法创建数据目录 %s，请检查磁盘和权限。", "cannot create the data directory %s; check the disk and permissions", dir)
		}
	}
	immutable, err := preflight(ctx, path, o.readOnly)
	if err != nil {
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
			return nil, storageError(err, dir)
		}
	}
	if err := db.openReaders(ctx, immutable); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.loadSitePesticideList(); err != nil {
		db.Close()
		return nil, storageError(err, dir)
	}
	if o.readOnly {
		if err := db.checkVersion(ctx, db.r); err != nil {
			db.Close()
			return nil, storageError(err, dir)
		}
	}
	db.openCheck(ctx) // opencheck.go: a store that fails it refuses writes
	return db, nil
}

// openReaders opens the read-only pool. In WAL mode every reader needs the
// -shm index file; when no other connection has the store open it does not
// exist yet and SQLite must create it, which fails on a full disk. A store
// with no pending WAL content (closed cleanly: its -wal file is absent or
// empty) is then read as immutable: without the index and without locks,
// which is exact because nothing newer than the main file exists and no one
// else can be writing (a writer would have created the -shm file). Only
// read-only opens fall back; with pending WAL content the error says the
// disk is full.
func (db *DB) openReaders(ctx context.Context, immutable bool) error {
	open := func(immutable bool) (*sql.DB, error) {
		r, err := sql.Open("sqlite", readerDSN(db.path, immutable))
		if err != nil {
			return nil, fmt.Errorf("open store readers: %w", err)
		}
		r.SetMaxOpenConns(4)
		if err := r.PingContext(ctx); err != nil {
			r.Close()
			return nil, err
		}
		// The connection opens lazily: a first read makes SQLite map the
		// WAL index (or fail to create it).
		var n int
		if err := r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").Scan(&n); err != nil {
			r.Close()
			return nil, err
		}
		return r, nil
	}
	r, err := open(immutable)
	if err != nil && db.w == nil && !immutable && isStorageFailure(err) && walSettled(db.path) {
		db.immutable = true
		r, err = open(true)
	}
	if err != nil {
		return storageError(err, filepath.Dir(db.path))
	}
	db.immutable = db.immutable || immutable
	db.r = r
	return nil
}

// readerDSN is the read-only pool's URI; immutable reads the main file only.
func readerDSN(path string, immutable bool) string {
	s := dsn(path, true)
	if immutable {
		s += "&immutable=1"
	}
	return s
}

// isStorageFailure reports a failure to create, grow or read the store's
// files (as opposed to a file that is not a database).
func isStorageFailure(err error) bool {
	switch sqliteCode(err) {
	case sqliteCantOpen, sqliteIOErr, sqliteFull, sqliteReadOnly:
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// walSettled reports whether the store has no committed content outside its
// main file: no -wal file, or an empty one.
func walSettled(path string) bool {
	st, err := os.Stat(path + "-wal")
	return errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0)
}

// preflight looks at an existing file with a plain connection, before any
// pragma that could write to it, and refuses files that are not ours. It
// reports immutable=true when a read-only open must read the file without
// its -shm index (a full disk, see openReaders).
func preflight(ctx context.Context, path string, readOnly bool) (immutable bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err != nil {
		return false, storageError(fmt.Errorf("stat store: %w", err), dir)
	}
	err = preflightURI(ctx, path, "mode=ro&_pragma=busy_timeout(5000)")
	if err != nil && readOnly && isStorageFailure(err) && walSettled(path) {
		immutable = true
		err = preflightURI(ctx, path, "mode=ro&immutable=1")
	}
	return immutable, err
}

func preflightURI(ctx context.Context, path, query string) error {
	dir := filepath.Dir(path)
	u := fileURI(path, query)
	c, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("preflight open: %w", err)
	}
	defer c.Close()
	var appID int64
	if err := c.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		if isStorageFailure(err) || sqliteCode(err) == sqliteBusy || sqliteCode(err) == sqliteLocked {
			return storageError(err, dir)
		}
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
		if err != nil && isStorageFailure(err) {
			return storageError(err, dir)
		}
		return nil
	}
	var v int
	if err := c.QueryRowContext(ctx, "SELECT coalesce(max(version),0) FROM schema_migrations").Scan(&v); err != nil {
		return storageError(fmt.Errorf("preflight read version: %w", err), dir)
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
	st, err := tx.db.stmts.forTx(ctx, tx.tx, q)
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
// The store does not take the caller's word for who is writing: before fn
// runs, actor is looked up by UserID in the users table inside the
// transaction. A missing or disabled account is refused, and so is an actor
// whose claimed role or name differs from the account's (a forged
// Actor{Role: RoleAdmin}); tx.Actor is then the account as stored, so the
// journal records the real user and every actor.Require inside fn checks
// the stored role. Only the store itself can write as the system (bootstrap,
// sync bookkeeping).
//
// Inside Batch, Write joins the batch's transaction instead, under a
// savepoint: a failing write is undone on its own and the batch decides
// whether anything commits.
//
// A lock held by another program for longer than the busy timeout, a full
// disk or a disk error come back as store errors that say so (CodeBusy,
// CodeDiskFull, CodeStorage), never as raw SQLite text.
func (db *DB) Write(ctx context.Context, actor Actor, fn func(tx *Tx) error) error {
	if outer, ok := ctx.Value(batchKey{}).(*Tx); ok && outer.db == db {
		who, err := outer.resolveInBatch(ctx, actor)
		if err != nil {
			return err
		}
		prev := outer.Actor
		outer.Actor = who
		defer func() { outer.Actor = prev }()
		return outer.savepoint(ctx, fn)
	}
	if db.w == nil {
		return errf(CodeForbidden, nil, "数据以只读方式打开，无法写入。", "the store is open read-only; nothing can be written")
	}
	if err := db.OpenProblem(); err != nil { // opencheck.go
		return err
	}
	dir := filepath.Dir(db.path)
	sqlTx, err := db.w.BeginTx(ctx, nil)
	defer db.stmts.promote(db.w)
	if err != nil {
		return storageError(fmt.Errorf("begin: %w", err), dir)
	}
	tx := &Tx{tx: sqlTx, Now: db.Now().UTC(), db: db}
	who, err := tx.resolve(ctx, actor)
	if err != nil {
		_ = sqlTx.Rollback()
		return storageError(err, dir)
	}
	tx.Actor = who
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return storageError(err, dir)
	}
	if err := sqlTx.Commit(); err != nil {
		return storageError(fmt.Errorf("commit: %w", err), dir)
	}
	return nil
}

const userByIDQuery = "SELECT username, display_name, role, disabled FROM users WHERE id = ?"

// resolve returns the account actor claims to be, as the users table has it
// now, or a forbidden error. One indexed lookup (primary key) through the
// writer's statement cache (prepared once per DB).
func (tx *Tx) resolve(ctx context.Context, claimed Actor) (Actor, error) {
	if claimed.system {
		return claimed, nil
	}
	if claimed.UserID <= 0 {
		return Actor{}, errf(CodeForbidden, nil, "没有登录的用户，不能写入记录。请先登录。", "no user is logged in, so nothing can be written; log in first")
	}
	st, err := tx.cached(ctx, userByIDQuery)
	if err != nil {
		return Actor{}, fmt.Errorf("look up user %d: %w", claimed.UserID, err)
	}
	var username, name, role string
	var disabled int
	err = st.QueryRowContext(ctx, claimed.UserID).Scan(&username, &name, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return Actor{}, errf(CodeForbidden, nil, "登录的账户（编号 %d）在本数据文件中不存在，未写入任何内容。请重新登录。",
			"the logged-in account (#%d) does not exist in this store; nothing was written. Log in again", claimed.UserID)
	}
	if err != nil {
		return Actor{}, fmt.Errorf("look up user %d: %w", claimed.UserID, err)
	}
	if disabled != 0 {
		return Actor{}, errf(CodeForbidden, nil, "账户“%s”已被停用，不能再写入记录（本次未保存）。请由管理员重新启用该账户，或换用其他账户登录。",
			"the account %q has been disabled and can no longer write records (nothing was saved); ask an administrator to re-enable it, or log in as someone else", username)
	}
	if (claimed.Role != "" && claimed.Role != Role(role)) || (claimed.Username != "" && claimed.Username != username) {
		return Actor{}, &Error{Code: CodeForbidden,
			Zh: fmt.Sprintf("账户“%s”的角色是%s，与当前登录信息不符，未写入任何内容。请重新登录。", username, RoleName(Role(role), "zh")),
			En: fmt.Sprintf("the account %q is a %s, which does not match the login in use; nothing was written. Log in again", username, RoleName(Role(role), "en"))}
	}
	return Actor{UserID: claimed.UserID, Username: username, Name: name, Role: Role(role)}, nil
}

// resolveInBatch is resolve for a write that joins a batch: the batch's
// own actor needs no second lookup.
func (tx *Tx) resolveInBatch(ctx context.Context, claimed Actor) (Actor, error) {
	cur := tx.Actor
	if claimed.system {
		return claimed, nil
	}
	if !cur.system && claimed.UserID == cur.UserID &&
		(claimed.Role == "" || claimed.Role == cur.Role) && (claimed.Username == "" || claimed.Username == cur.Username) {
		return cur, nil
	}
	return tx.resolve(ctx, claimed)
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

// batchTx is the batch transaction ctx carries for this store, or nil.
func (db *DB) batchTx(ctx context.Context) *Tx {
	if tx, ok := ctx.Value(batchKey{}).(*Tx); ok && tx.db == db {
		return tx
	}
	return nil
}

// reader is what a read inside a write method should use: the batch's
// transaction when ctx carries one (it sees the batch's own rows), else the
// read pool.
func (db *DB) reader(ctx context.Context) rowQuerier {
	if tx := db.batchTx(ctx); tx != nil {
		return tx.tx
	}
	return db.r
}

// ErrNotEmpty (wrapped in *Error) is Bootstrap's refusal of a store that
// already holds records.
var ErrNotEmpty = errors.New("the store already holds records")

// Bootstrap runs fn like Batch, as the store itself, on a store that holds
// no records yet (no site profile, nothing journaled but accounts): fn may
// create accounts (CreateUser with any actor) and then write as them, and
// everything commits together or nothing does. The demo generator uses it,
// so a failed or cancelled demo leaves the store as it was and can simply
// be run again. It holds the write lock until fn returns; on an empty store
// nobody else has records to write.
func (db *DB) Bootstrap(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM entity) + (SELECT count(*) FROM journal WHERE kind NOT LIKE 'users.%')").Scan(&n); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if n > 0 {
			return errf(CodeConflict, ErrNotEmpty, "该数据文件已有记录，只能在新的空数据目录中生成初始数据。", "this store already holds records; initial data can only be generated into a new, empty data folder")
		}
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
