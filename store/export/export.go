// Package export writes the store's records out of the app: every record
// kind as CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX (streamed,
// flat memory), one kind to a file or the whole store as a zip archive with
// a manifest (row counts, the journal head, SHA-256 of every file) that
// VerifyArchive checks.
//
// Where an import template exists (store/importer), a kind's columns are
// exactly the template's, with its Chinese (or English) headers, and stored
// codes are written as the template's words: such a file imports into an
// empty store and gives the same records. Other kinds have their own
// Chinese headers. Voided records are left out of the template kinds (an
// import would bring them back to life); they are in the voids kind with
// the reason, and in lots with a void column.
//
// Every export reads one snapshot: one read transaction on the store's
// read pool (db.Reader()), so it never blocks the writer and a long export
// shows the store as it was when it began. Files are written to a temporary
// file in the destination folder, fsynced and renamed: a full disk or a
// failure leaves no half-written file. Text cells go through cellsafe.
//
// The package does not import Fyne; the CLI and the GUI share it.
package export

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"suyuan/store"
	"suyuan/store/cellsafe"
)

// Options tunes an export.
type Options struct {
	Format string // "csv" (default) or "xlsx"
	Lang   string // headers and words: "zh" (default) or "en"
	Filter Filter
	// AppVersion is written into an archive's manifest.
	AppVersion string
	// Now is the export's clock (default time.Now); Location the time zone
	// times are shown in (default time.Local).
	Now      func() time.Time
	Location *time.Location
	// Progress, when set, is called every ProgressEvery rows of a kind and
	// once at its end (done true), from the exporting goroutine.
	Progress      func(p Progress)
	ProgressEvery int
}

// Progress reports how far an export is.
type Progress struct {
	Kind Kind
	Rows int
	Done bool
}

func (o *Options) fill() error {
	if o.Format == "" {
		o.Format = "csv"
	}
	o.Format = strings.ToLower(o.Format)
	if o.Format != "csv" && o.Format != "xlsx" {
		return errf(store.CodeInvalid, nil, "不支持的导出格式“%s”：请选择 csv 或 xlsx。", "unknown export format %q: choose csv or xlsx", o.Format)
	}
	if o.Lang != "en" {
		o.Lang = "zh"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 10000
	}
	return nil
}

// snapshot is one read transaction on the store's read pool.
type snapshot struct {
	tx       *sql.Tx
	seq      int64
	hash     string
	siteCode string
	siteName string
}

// begin opens the snapshot: BEGIN on the read pool, then the first read
// (the journal head), which is where SQLite fixes the snapshot.
func begin(ctx context.Context, db *store.DB) (*snapshot, error) {
	tx, err := db.Reader().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, readErr(err)
	}
	s := &snapshot{tx: tx}
	var seq sql.NullInt64
	var h sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").Scan(&seq, &h); err != nil && err != sql.ErrNoRows {
		tx.Rollback()
		return nil, readErr(err)
	}
	s.seq, s.hash = seq.Int64, h.String
	if s.hash == "" {
		s.hash = strings.Repeat("0", 64)
	}
	if err := tx.QueryRowContext(ctx, "SELECT site_code, name FROM entity ORDER BY id LIMIT 1").Scan(&s.siteCode, &s.siteName); err != nil && err != sql.ErrNoRows {
		tx.Rollback()
		return nil, readErr(err)
	}
	return s, nil
}

func (s *snapshot) close() { s.tx.Rollback() }

// sheet is a CSV or XLSX writer of one kind's rows.
type sheet interface {
	header(cells []string) error
	row(vals []any) error // string (text), int64/float64 (numbers), nil (empty)
	close() error
}

type csvSheet struct {
	cw  *csv.Writer
	rec []string
}

func newCSV(w io.Writer) (*csvSheet, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvSheet{cw: cw}, nil
}

func (s *csvSheet) header(cells []string) error { return s.cw.Write(cellsafe.Row(cells)) }

func (s *csvSheet) row(vals []any) error {
	s.rec = s.rec[:0]
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			s.rec = append(s.rec, "")
		case string:
			s.rec = append(s.rec, cellsafe.Text(x))
		case int64:
			s.rec = append(s.rec, strconv.FormatInt(x, 10))
		case float64:
			s.rec = append(s.rec, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			s.rec = append(s.rec, cellsafe.Text(fmt.Sprint(x)))
		}
	}
	return s.cw.Write(s.rec)
}

func (s *csvSheet) close() error {
	s.cw.Flush()
	return s.cw.Error()
}

type xlsxSheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	w   io.Writer
	n   int
	buf []any
}

func newXLSX(w io.Writer, name string, ncols int) (*xlsxSheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	if ncols > 0 {
		_ = sw.SetColWidth(1, ncols, 16)
	}
	_ = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	return &xlsxSheet{f: f, sw: sw, w: w}, nil
}

func (s *xlsxSheet) header(cells []string) error {
	st, _ := s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
	vals := make([]any, len(cells))
	for i, c := range cellsafe.Row(cells) {
		vals[i] = excelize.Cell{StyleID: st, Value: c}
	}
	s.n = 1
	return s.sw.SetRow("A1", vals)
}

func (s *xlsxSheet) row(vals []any) error {
	s.n++
	s.buf = s.buf[:0]
	for _, v := range vals {
		if x, ok := v.(string); ok {
			if x == "" {
				s.buf = append(s.buf, nil)
				continue
			}
			v = cellsafe.Text(x)
		}
		s.buf = append(s.buf, v)
	}
	cell, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, s.buf)
}

func (s *xlsxSheet) close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	// excelize's WriteTo builds the whole workbook in a bytes.Buffer first
	// (37 MB for a million rows, and growing with the rows); its zip writer
	// is pluggable, so the workbook is zipped straight into w instead and
	// the buffer stays empty. Memory stays flat: the stream writer's own
	// 16 MB buffer, then its temporary file.
	s.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(s.w) })
	return s.f.Write(io.Discard)
}

// Ext returns the file extension of a format.
func Ext(format string) string {
	if strings.EqualFold(format, "xlsx") {
		return ".xlsx"
	}
	return ".csv"
}

// sheetName is the xlsx sheet name of k: the template's sheet name, which
// is how the importer recognises the kind.
func (k Kind) sheetName(lang string) string {
	if lang == "en" {
		return k.En
	}
	return k.Zh
}

// writeKind writes k's rows under r from snapshot s into w. It returns the
// number of data rows and the filters that narrowed the kind.
func writeKind(ctx context.Context, s *snapshot, k Kind, r *resolved, strict bool, w io.Writer, opt *Options) (int, []string, error) {
	query, args, applied, err := k.sql(r, strict)
	if err != nil {
		return 0, nil, err
	}
	var sh sheet
	if opt.Format == "xlsx" {
		sh, err = newXLSX(w, k.sheetName(opt.Lang), len(k.cols))
	} else {
		sh, err = newCSV(w)
	}
	if err != nil {
		return 0, nil, err
	}
	if err := sh.header(k.Columns(opt.Lang)); err != nil {
		return 0, nil, err
	}
	rows, err := s.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, nil, readErr(fmt.Errorf("export %s: %w", k.ID, err))
	}
	defer rows.Close()
	raw := make([]any, len(k.cols))
	ptrs := make([]any, len(k.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	vals := make([]any, len(k.cols))
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, nil, readErr(err)
		}
		for i, c := range k.cols {
			vals[i] = c.value(raw[i], opt)
		}
		if err := sh.row(vals); err != nil {
			return n, nil, err
		}
		n++
		if opt.Progress != nil && n%opt.ProgressEvery == 0 {
			opt.Progress(Progress{Kind: k, Rows: n})
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return n, nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, nil, readErr(err)
	}
	if err := sh.close(); err != nil {
		return n, nil, err
	}
	if opt.Progress != nil {
		opt.Progress(Progress{Kind: k, Rows: n, Done: true})
	}
	return n, applied, nil
}

// value turns a scanned database value into what the cell shows.
func (c column) value(v any, opt *Options) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch c.typ {
	case colNumber:
		switch x := v.(type) {
		case int64, float64:
			return x
		case string:
			if x == "" {
				return nil
			}
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		}
		return fmt.Sprint(v)
	case colEnum:
		s := fmt.Sprint(v)
		if w, ok := c.words[s]; ok {
			if opt.Lang == "en" {
				return w.en
			}
			return w.zh
		}
		return s
	case colBool:
		s := fmt.Sprint(v)
		if w, ok := yesNo[s]; ok {
			if opt.Lang == "en" {
				return w.en
			}
			return w.zh
		}
		return s
	case colTSDate, colTime:
		s := fmt.Sprint(v)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return s
		}
		t = t.In(opt.Location)
		if c.typ == colTSDate {
			return t.Format(dateLayout)
		}
		return t.Format("2006-01-02 15:04:05")
	case colList:
		s := fmt.Sprint(v)
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return s
		}
		sep := "、"
		if opt.Lang == "en" {
			sep = ", "
		}
		return strings.Join(list, sep)
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// Result says what a single-kind export wrote.
type Result struct {
	Kind   Kind
	Path   string
	Rows   int
	Bytes  int64
	SHA256 string
	Seq    int64 // the journal head of the snapshot
}

func unknownKind(name string) error {
	return errf(store.CodeInvalid, nil, "未知的记录类别“%s”。可选：%s；或 all（整套导出）。", "unknown record kind %q; choose one of: %s; or all (the whole store)", name, kindNames())
}

// openKind checks kind, then opens the snapshot for opt (open); the
// caller closes the snapshot.
func openKind(ctx context.Context, db *store.DB, kind string, opt *Options) (Kind, *snapshot, *resolved, error) {
	k, ok := KindFor(kind)
	if !ok {
		return k, nil, nil, unknownKind(kind)
	}
	s, r, err := open(ctx, db, opt)
	return k, s, r, err
}

// open checks opt, opens a snapshot and resolves opt's filter against it;
// the caller closes the snapshot.
func open(ctx context.Context, db *store.DB, opt *Options) (*snapshot, *resolved, error) {
	if err := opt.fill(); err != nil {
		return nil, nil, err
	}
	s, err := begin(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	r, err := resolve(ctx, s.tx, opt.Filter, opt.Location)
	if err != nil {
		s.close()
		return nil, nil, err
	}
	return s, r, nil
}

// WriteKind writes one kind to w from its own snapshot (no file handling).
func WriteKind(ctx context.Context, db *store.DB, kind string, w io.Writer, opt Options) (Result, error) {
	k, s, r, err := openKind(ctx, db, kind, &opt)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	c := newCounter(w)
	n, _, err := writeKind(ctx, s, k, r, true, c, &opt)
	if err != nil {
		return Result{}, err
	}
	return Result{Kind: k, Rows: n, Bytes: c.n, SHA256: c.sum(), Seq: s.seq}, nil
}

// ExportKind writes one kind to the file path (replaced whole, or left as
// it was on failure). Bad filters are refused before anything is written.
func ExportKind(ctx context.Context, db *store.DB, kind, path string, opt Options) (Result, error) {
	k, s, r, err := openKind(ctx, db, kind, &opt)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	if _, _, _, err := k.sql(r, true); err != nil {
		return Result{}, err
	}
	res := Result{Kind: k, Path: path, Seq: s.seq}
	res.Bytes, res.SHA256, err = writeAtomic(path, func(w io.Writer) error {
		res.Rows, _, err = writeKind(ctx, s, k, r, true, w, &opt)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// DefaultName is the file name of an export made at t: KIND-YYYYMMDD-HHMMSS.ext,
// or suyuan-SITE-YYYYMMDD-HHMMSS.zip for the archive (kind "all").
func DefaultName(kind, site, format string, t time.Time) string {
	stamp := t.Format("20060102-150405")
	if kind == "all" {
		if site == "" {
			site = "store"
		}
		return "suyuan-" + site + "-" + stamp + ".zip"
	}
	return kind + "-" + stamp + Ext(format)
}
