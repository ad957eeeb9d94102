package importer

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/rules"
)

// Options tunes one import.
type Options struct {
	// Kind forces the record kind; "" infers it from the sheet name or the
	// headers.
	Kind string
}

// Result says what an import did.
type Result struct {
	Kind       Kind
	File       string
	SHA256     string
	Encoding   string
	Rows       int      // rows written (0 when Already)
	Skipped    int      // template example rows skipped
	Created    []string // what the user needs to see, e.g. new lot codes
	Already    bool     // the same file was imported before; nothing was added
	ImportedAt time.Time
}

// Import reads one file (CSV or .xlsx) and writes every row through the
// store in one transaction, or nothing. It returns *RowErrors listing every
// bad row, a *FileError for a file that cannot be read as a sheet, or a
// store error. The same bytes imported again return Already with the date
// of the first import.
func Import(ctx context.Context, db *store.DB, actor store.Actor, name string, data []byte, opt Options) (Result, error) {
	sum := sha256.Sum256(data)
	res := Result{File: filepath.Base(name), SHA256: hex.EncodeToString(sum[:])}
	if at, kind, ok, err := previousImport(ctx, db.Reader(), res.SHA256); err != nil {
		return res, err
	} else if ok {
		res.Already, res.ImportedAt, res.Kind = true, at, Kind(kind)
		return res, nil
	}
	t, err := Parse(name, data)
	if err != nil {
		return res, err
	}
	res.Encoding = t.Encoding
	var spec Spec
	if opt.Kind != "" {
		s, ok := SpecFor(opt.Kind)
		if !ok {
			return res, fileErr(0, nil, "未知的记录类别“"+opt.Kind+"”，可选："+strings.Join(KindNames(), "、"), fmt.Sprintf("unknown record kind %q; choose one of: %s", opt.Kind, strings.Join(KindNames(), ", ")))
		}
		spec = s
	} else if spec, err = inferKind(t.Sheet, t.Header); err != nil {
		return res, err
	}
	res.Kind = spec.Kind
	idx, err := columns(spec, t.Header)
	if err != nil {
		return res, err
	}
	if err := unmappedData(t, idx); err != nil {
		return res, err
	}
	errs := &RowErrors{File: res.File}
	recs, skipped := records(spec, t, idx, errs)
	res.Skipped = skipped
	if len(recs) == 0 && len(errs.Errors) == 0 {
		return res, fileErr(0, nil, "文件里没有数据行（示例行不导入）。", "the file has no data rows (the example row is not imported)")
	}
	rv := newResolver(db)
	steps := make([]step, 0, len(recs))
	for _, r := range recs {
		before := len(errs.Errors)
		s := build(ctx, spec.Kind, r, rv, actor, errs)
		if len(errs.Errors) == before && s.apply != nil {
			steps = append(steps, s)
		}
	}
	if err := rv.err; err != nil {
		return res, err
	}
	if len(errs.Errors) > 0 {
		errs.sort()
		return res, errs
	}
	bulk := bulkApplications(steps)
	if bulk != nil {
		// Every rule, checked against a read snapshot before the write lock
		// is taken: a file with bad rows never makes other writers wait.
		if err := db.CheckApplications(ctx, actor, bulk); err != nil {
			return res, rowsErr(spec, steps, errs, err)
		}
	}
	var created []string
	if err := tunePragmas(ctx, db, actor, importPragmas); err != nil {
		return res, err
	}
	defer tunePragmas(context.WithoutCancel(ctx), db, actor, defaultPragmas)
	if bulk != nil {
		// One transaction of its own (no batch, so no savepoint journal):
		// the imports row first, then every row, all or nothing.
		_, err = db.AddApplications(ctx, actor, bulk, func(tx *store.Tx) error {
			if testHookInBatch != nil {
				testHookInBatch()
			}
			return recordImportTx(ctx, tx, res.SHA256, string(spec.Kind), res.File, len(steps))
		})
		if err != nil {
			err = rowsErr(spec, steps, errs, err)
		}
	} else {
		err = db.Batch(ctx, actor, func(ctx context.Context) error {
			if testHookInBatch != nil {
				testHookInBatch()
			}
			return writeSteps(ctx, db, actor, spec, steps, errs, &created, res)
		})
	}
	if testHookWritten != nil {
		testHookWritten()
	}
	if err != nil {
		var re *RowErrors
		if errors.As(err, &re) {
			re.sort()
		}
		if isDuplicateHash(err) {
			// Another import of the same bytes committed first.
			if at, kind, ok, e2 := previousImport(ctx, db.Reader(), res.SHA256); e2 == nil && ok {
				res.Already, res.ImportedAt, res.Kind = true, at, Kind(kind)
				return res, nil
			}
		}
		return res, err
	}
	res.Rows, res.Created = len(steps), created
	res.ImportedAt = db.Now()
	return res, nil
}

// writeSteps writes the rows one by one inside the batch, each through its
// store function, collecting every refusal; the imports row comes last.
func writeSteps(ctx context.Context, db *store.DB, actor store.Actor, spec Spec, steps []step, errs *RowErrors, created *[]string, res Result) error {
	for _, s := range steps {
		out, err := s.apply(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs.addErr(s.rec.line, s.rec.header(columnFor(spec, err, s.col)), err)
			continue
		}
		if out != "" {
			*created = append(*created, out)
		}
	}
	if len(errs.Errors) > 0 {
		return errs
	}
	return recordImport(ctx, db, actor, res.SHA256, string(spec.Kind), res.File, len(steps))
}

// step is one row's write, run inside the batch.
type step struct {
	rec   *record
	col   string // field key the row's store error most likely concerns
	apply func(ctx context.Context) (string, error)
	// app is set for an application row: a file of them is written in one
	// bulk call (store.DB.AddApplications) instead of row by row.
	app *store.ApplicationInput
}

// testHookInBatch, when set (tests), runs first thing inside the write
// transaction; testHookWritten right after it has ended.
var testHookInBatch, testHookWritten func()

// bulkApplications returns the inputs of steps when every step is an
// application row, else nil.
func bulkApplications(steps []step) []store.ApplicationInput {
	if len(steps) == 0 {
		return nil
	}
	out := make([]store.ApplicationInput, len(steps))
	for i, s := range steps {
		if s.app == nil {
			return nil
		}
		out[i] = *s.app
	}
	return out
}

// rowsErr turns a bulk write's *store.RowsError into the file's row errors
// (steps[i] is input i); any other error is returned as it is.
func rowsErr(spec Spec, steps []step, errs *RowErrors, err error) error {
	var re *store.RowsError
	if !errors.As(err, &re) || len(re.Errs) != len(steps) {
		return err
	}
	for i, e := range re.Errs {
		if e != nil {
			s := steps[i]
			errs.addErr(s.rec.line, s.rec.header(columnFor(spec, e, s.col)), e)
		}
	}
	errs.sort()
	return errs
}

// importPragmas tune the writer connection for the import's one large
// transaction: dirty pages stay in memory until the commit instead of being
// written to the WAL once SQLite's default 2 MB page cache is full, and the
// savepoint journal (every write in a batch runs under a savepoint) is kept
// in memory instead of a temporary file. Both made a large import's write
// phase several times slower. They change no data, and must be set before
// the transaction begins (SQLite decides where the savepoint journal lives
// at BEGIN); defaultPragmas puts SQLite's defaults back afterwards.
var (
	importPragmas  = []string{"PRAGMA cache_spill = false", "PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY"}
	defaultPragmas = []string{"PRAGMA cache_spill = true", "PRAGMA cache_size = -2000", "PRAGMA temp_store = DEFAULT"}
)

// tunePragmas runs qs on the writer connection in a write of their own
// (best effort: a setting SQLite refuses only makes the import slower; an
// error is returned only when the write itself fails, e.g. a user who may
// not write).
func tunePragmas(ctx context.Context, db *store.DB, actor store.Actor, qs []string) error {
	return db.Write(ctx, actor, func(tx *store.Tx) error {
		for _, q := range qs {
			_, _ = tx.Exec(ctx, q)
		}
		return nil
	})
}

func (r *record) header(key string) string {
	if key == "" {
		return ""
	}
	if h, ok := r.col[key]; ok {
		return h
	}
	return key
}

// columnFor names the column a store error points at: rule violations have
// an obvious column; other errors use the row's default.
func columnFor(spec Spec, err error, def string) string {
	has := func(k string) bool {
		for _, f := range spec.Fields {
			if f.Key == k {
				return true
			}
		}
		return false
	}
	pick := func(keys ...string) string {
		for _, k := range keys {
			if has(k) {
				return k
			}
		}
		return def
	}
	switch {
	case rules.IsRule(err, rules.RuleBannedPesticide), rules.IsRule(err, rules.RuleCropBannedPesticide),
		rules.IsRule(err, rules.RuleHighlyToxic), rules.IsRule(err, rules.RuleIngredientMissing):
		return pick("material", "ingredients")
	case rules.IsRule(err, rules.RuleToxicityUnknown):
		return pick("toxicity", "material")
	case rules.IsRule(err, rules.RulePHIWindow), rules.IsRule(err, rules.RuleDate):
		return pick("date")
	case rules.IsRule(err, rules.RuleQuantity):
		return pick("quantity", "dose")
	case rules.IsRule(err, rules.RuleRegNumberFormat):
		return pick("reg_no")
	case rules.IsRule(err, rules.RuleDivisionCode):
		return pick("division")
	case rules.IsRule(err, rules.RuleCropCategory):
		return pick("category")
	}
	return def
}

// previousImport looks the file's hash up in the imports table.
func previousImport(ctx context.Context, r *sql.DB, sha string) (time.Time, string, bool, error) {
	var at, kind string
	err := r.QueryRowContext(ctx, "SELECT j.at, i.kind FROM imports i JOIN journal j ON j.seq = i.jseq WHERE i.sha256 = ?", sha).Scan(&at, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", false, nil
	}
	if err != nil {
		return time.Time{}, "", false, fmt.Errorf("look up import: %w", err)
	}
	t, err := time.Parse("2006-01-02T15:04:05.000000Z", at)
	if err != nil {
		return time.Time{}, "", false, fmt.Errorf("import time %q: %w", at, err)
	}
	return t, kind, true, nil
}

// recordImport writes the imports row in the batch: the file's hash lands in
// the same transaction as its rows.
func recordImport(ctx context.Context, db *store.DB, actor store.Actor, sha, kind, name string, rows int) error {
	return db.Write(ctx, actor, func(tx *store.Tx) error {
		return recordImportTx(ctx, tx, sha, kind, name, rows)
	})
}

func recordImportTx(ctx context.Context, tx *store.Tx, sha, kind, name string, rows int) error {
	res, err := tx.Exec(ctx, "INSERT INTO imports(sha256,kind,file_name,rows,jseq) VALUES(?,?,?,?,0)", sha, kind, name, rows)
	if err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = tx.Record(ctx, "imports", id, "imports.create", "")
	return err
}

func isDuplicateHash(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: imports.sha256")
}

// ImportedFile is one row of the imports table.
type ImportedFile struct {
	SHA256 string
	Kind   string
	File   string
	Rows   int
	At     time.Time
}

// ListImports returns the files imported so far, newest first (at most limit; 0: 100).
func ListImports(ctx context.Context, db *store.DB, limit int) ([]ImportedFile, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.Reader().QueryContext(ctx, "SELECT i.sha256, i.kind, i.file_name, i.rows, j.at FROM imports i JOIN journal j ON j.seq = i.jseq ORDER BY i.id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []ImportedFile
	for rows.Next() {
		var f ImportedFile
		var at string
		if err := rows.Scan(&f.SHA256, &f.Kind, &f.File, &f.Rows, &at); err != nil {
			return nil, err
		}
		f.At, _ = time.Parse("2006-01-02T15:04:05.000000Z", at)
		out = append(out, f)
	}
	return out, rows.Err()
}
