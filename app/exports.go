package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/report"
	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/store"
	"suyuan/store/epcis"
	"suyuan/store/export"
)

// The Reports & exports screen (报表与导出): records leave the app as data
// files (one record kind as CSV/XLSX, or the whole store as a verifiable
// zip), as GS1 EPCIS 2.0 events, and as the reports of app/report. What can
// be exported is the table exportActions: each entry names its formats, the
// filters it takes, its default file name, its preview and its run; a new
// report is one more entry.
//
// Who may export: every logged-in role. Exporting only reads the store (one
// snapshot on the read pool, so the packing line never waits), and an
// inspector may ask any member of staff for the records.

// PrefExportDir is the fyne.Preferences key of the last export folder. It
// is a per-PC preference, not a store setting: the folder (a USB stick's
// mount point) belongs to this PC, and store.SetSetting needs PermSettings,
// which a packer or technician who exports does not have.
const PrefExportDir = "exports.dir"

// Filter names an action may take (the store/export names).
const (
	fltDate    = "date"
	fltBase    = "base"
	fltPlot    = "plot"
	fltProduct = "product"
	fltLot     = "lot"
	// fltPurchase is an input purchase batch (the recall of a bad batch).
	fltPurchase = "purchase"
)

// exportJob is what one export or preview is asked to do; it is filled on
// the UI goroutine and then only read.
type exportJob struct {
	db       *store.DB
	kind     string // data kinds: a store/export kind id, or "all"
	format   string // csv, xlsx, pdf, jsonld
	lang     string // the file's language: zh or en
	filter   export.Filter
	from, to time.Time
	purchase int64 // fltPurchase: a purchase id, 0 none
	path     string
	now      time.Time
	version  string
	site     string // the site code
	progress func(frac float64, text string)
}

// exportResult says what an export wrote.
type exportResult struct {
	Path  string
	Bytes int64
	Rows  int
	Unit  string // translation key of what Rows counts
}

// exportPreview is what the preview pane shows: a table (header and the
// first rows), a picture of the first page, or a text; Note labels it
// honestly (what it is and how it was made).
type exportPreview struct {
	Header []string
	Rows   [][]string
	Image  image.Image
	Text   string
	Note   string
}

// exportAction is one thing the screen can export.
type exportAction struct {
	id      string
	title   string // translation key
	hint    string // translation key
	formats []string
	// filters lists the filters that apply (the data action's depend on the
	// chosen kind); required are those that must be given.
	filters  func(kind string) []string
	required []string
	// check refuses a job the action cannot make (nil: none).
	check   func(j exportJob) error
	name    func(j exportJob) string
	preview func(ctx context.Context, j exportJob) (exportPreview, error)
	run     func(ctx context.Context, j exportJob) (exportResult, error)
}

// exportActions is the screen's table of actions, in menu order.
var exportActions = []exportAction{
	{id: "data", title: "exports.data", hint: "exports.dataHint", formats: []string{"csv", "xlsx"},
		filters: dataFilters, name: dataName, preview: dataPreview, run: dataRun},
	{id: "epcis", title: "exports.epcis", hint: "exports.epcisHint", formats: []string{"jsonld"},
		filters: fixedFilters(fltDate, fltLot), name: epcisName, preview: epcisPreview, run: epcisRun},
	{id: "records", title: "exports.records", hint: "exports.recordsHint", formats: []string{"pdf", "xlsx"},
		filters: fixedFilters(fltDate, fltPlot, fltProduct), required: []string{fltDate}, check: onePlotOrProduct,
		name: reportName("records"), preview: recordsPreview, run: recordsRun},
	{id: "trace", title: "exports.trace", hint: "exports.traceHint", formats: []string{"pdf", "xlsx"},
		filters: fixedFilters(fltLot), check: needLot,
		name: reportName("trace"), preview: tracePreview, run: traceRun},
	{id: "recall", title: "exports.recall", hint: "exports.recallHint", formats: []string{"pdf", "xlsx"},
		filters: fixedFilters(fltLot, fltPlot, fltDate, fltPurchase), check: recallSubject,
		name: reportName("recall"), preview: recallPreview, run: recallRun},
	{id: "bundle", title: "exports.bundle", hint: "exports.bundleHint", formats: []string{"zip"},
		filters: fixedFilters(fltProduct, fltDate), required: []string{fltDate}, check: needProduct,
		name: reportName("bundle"), preview: bundlePreview, run: bundleRun},
}

func onePlotOrProduct(j exportJob) error {
	if (j.filter.Plot == "") == (j.filter.Product == "") {
		return uiError("exports.plotOrProduct")
	}
	return nil
}

func needLot(j exportJob) error {
	if j.filter.Lot == "" {
		return uiError("exports.needLot")
	}
	return nil
}

func needProduct(j exportJob) error {
	if j.filter.Product == "" {
		return uiError("exports.needProduct")
	}
	return nil
}

// recallSubject: a recall is of one lot, of a plot's harvests in a period,
// or of an input purchase batch — exactly one.
func recallSubject(j exportJob) error {
	n := 0
	for _, given := range []bool{j.filter.Lot != "", j.filter.Plot != "", j.purchase != 0} {
		if given {
			n++
		}
	}
	switch {
	case n != 1:
		return uiError("exports.lotOrPlot")
	case j.filter.Plot != "" && (j.from.IsZero() || j.to.IsZero()):
		return uiError("exports.needDates")
	}
	return nil
}

// exportActionByID finds an action ("" and false when this build has none).
func exportActionByID(id string) (exportAction, bool) {
	for _, a := range exportActions {
		if a.id == id {
			return a, true
		}
	}
	return exportAction{}, false
}

func fixedFilters(f ...string) func(string) []string { return func(string) []string { return f } }

// dataFilters: the archive takes every filter (each kind applies what it
// has; the manifest lists which); one kind takes its own.
func dataFilters(kind string) []string {
	if kind == "all" || kind == "" {
		return []string{fltDate, fltBase, fltPlot, fltProduct, fltLot}
	}
	if k, ok := export.KindFor(kind); ok {
		return k.Filters()
	}
	return nil
}

func stamp(t time.Time) string { return t.Format("20060102-150405") }

// safeName keeps a lot code or a name usable in a file name on FAT32 and
// NTFS (USB sticks).
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) || r < 32 {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
}

func dataName(j exportJob) string {
	if j.kind == "all" {
		return export.DefaultName("all", j.site, j.format, j.now)
	}
	return export.DefaultName(j.kind, j.site, j.format, j.now)
}

func epcisName(j exportJob) string {
	if j.filter.Lot != "" {
		return "epcis-" + safeName(j.filter.Lot) + "-" + stamp(j.now) + ".jsonld"
	}
	return "epcis-" + stamp(j.now) + ".jsonld"
}

func reportName(id string) func(j exportJob) string {
	return func(j exportJob) string {
		scope := ""
		for _, s := range []string{j.filter.Lot, j.filter.Plot, j.filter.Product} {
			if s != "" {
				scope = "-" + safeName(strings.ReplaceAll(s, "/", "-"))
				break
			}
		}
		return id + scope + "-" + stamp(j.now) + "." + j.format
	}
}

func (j exportJob) options() export.Options {
	o := export.Options{Format: j.format, Lang: j.lang, Filter: j.filter, AppVersion: j.version, ProgressEvery: 2000}
	if !j.now.IsZero() {
		now := j.now
		o.Now = func() time.Time { return now }
	}
	return o
}

// --- data: one kind, or the archive ---

func dataRun(ctx context.Context, j exportJob) (exportResult, error) {
	o := j.options()
	if j.kind == "all" {
		kinds := export.Kinds()
		done := 0
		o.Progress = func(p export.Progress) {
			if p.Done {
				done++
			}
			if j.progress != nil {
				j.progress(float64(done)/float64(len(kinds)), trf("exports.progressKind", "Kind", kindTitle(p.Kind), "N", p.Rows))
			}
		}
		m, err := export.ExportArchive(ctx, j.db, j.path, o)
		if err != nil {
			return exportResult{}, err
		}
		st, err := os.Stat(j.path)
		if err != nil {
			return exportResult{}, err
		}
		return exportResult{Path: j.path, Bytes: st.Size(), Rows: m.Rows(), Unit: "exports.unitRows"}, nil
	}
	o.Progress = func(p export.Progress) {
		if j.progress != nil {
			j.progress(-1, trf("exports.progressKind", "Kind", kindTitle(p.Kind), "N", p.Rows))
		}
	}
	r, err := export.ExportKind(ctx, j.db, j.kind, j.path, o)
	if err != nil {
		return exportResult{}, err
	}
	return exportResult{Path: r.Path, Bytes: r.Bytes, Rows: r.Rows, Unit: "exports.unitRows"}, nil
}

// kindTitle is a kind's name in the GUI's language (the engine's English
// names are lower case, for the middle of a sentence).
func kindTitle(k export.Kind) string {
	if CurrentLanguage() != "en" || k.En == "" {
		return k.Zh
	}
	return strings.ToUpper(k.En[:1]) + k.En[1:]
}

// previewRows is how many rows the preview shows.
const previewRows = 20

// errPreviewFull stops an export once the preview has its rows.
var errPreviewFull = errors.New("preview has its rows")

// lineLimit keeps the first n lines written to it, then refuses more (the
// export stops there instead of reading the whole kind).
type lineLimit struct {
	buf   bytes.Buffer
	lines int
	n     int
}

func (l *lineLimit) Write(p []byte) (int, error) {
	if l.lines > l.n {
		return 0, errPreviewFull
	}
	l.buf.Write(p)
	l.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

func dataPreview(ctx context.Context, j exportJob) (exportPreview, error) {
	if j.kind == "all" {
		// The archive: one file per kind, with the filters each applies.
		p := exportPreview{Header: []string{tr("exports.colFile"), tr("exports.colKind"), tr("exports.colFilters")},
			Note: tr("exports.previewArchive")}
		for _, k := range export.Kinds() {
			var fs []string
			for _, f := range k.Filters() {
				fs = append(fs, tr("exports.filter."+f))
			}
			p.Rows = append(p.Rows, []string{k.ID + export.Ext(j.format), kindTitle(k), strings.Join(fs, "、")})
		}
		return p, nil
	}
	o := j.options()
	o.Format = "csv"
	lim := &lineLimit{n: previewRows + 1}
	_, err := export.WriteKind(ctx, j.db, j.kind, lim, o)
	if err != nil && !errors.Is(err, errPreviewFull) {
		return exportPreview{}, err
	}
	// The limit may cut the last row: read whole records until the first
	// that does not parse.
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(lim.buf.Bytes(), []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	var recs [][]string
	for len(recs) <= previewRows+1 {
		rec, perr := r.Read()
		if perr != nil {
			break
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return exportPreview{}, fmt.Errorf("preview of %s: no header", j.kind)
	}
	p := exportPreview{Header: recs[0], Rows: recs[1:]}
	if len(p.Rows) > previewRows {
		p.Rows = p.Rows[:previewRows]
	}
	if err != nil {
		p.Note = trf("exports.previewFirst", "N", len(p.Rows))
	} else {
		p.Note = trf("exports.previewAll", "N", len(p.Rows))
	}
	return p, nil
}

// --- EPCIS ---

func (j exportJob) epcisOptions() epcis.Options {
	return epcis.Options{LotCode: j.filter.Lot, From: j.from, To: j.to, Now: j.now}
}

func epcisDoc(ctx context.Context, j exportJob) ([]byte, *epcis.Document, error) {
	doc, err := epcis.Export(ctx, j.db, j.epcisOptions())
	if err != nil {
		return nil, nil, err
	}
	data, err := doc.JSON()
	if err != nil {
		return nil, nil, fmt.Errorf("epcis export: %w", err)
	}
	// What leaves the site must be what the standard says (as the CLI).
	if err := epcis.Validate(data); err != nil {
		return nil, nil, err
	}
	return data, doc, nil
}

func epcisRun(ctx context.Context, j exportJob) (exportResult, error) {
	data, doc, err := epcisDoc(ctx, j)
	if err != nil {
		return exportResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return exportResult{}, cancelledError(err)
	}
	if err := report.WriteFile(j.path, data); err != nil {
		return exportResult{}, err
	}
	return exportResult{Path: j.path, Bytes: int64(len(data)), Rows: len(doc.EPCISBody.EventList), Unit: "exports.unitEvents"}, nil
}

func epcisPreview(ctx context.Context, j exportJob) (exportPreview, error) {
	_, doc, err := epcisDoc(ctx, j)
	if err != nil {
		return exportPreview{}, err
	}
	ev := doc.EPCISBody.EventList
	p := exportPreview{Header: []string{"eventTime", "type", "bizStep", "action", "epc / quantity"},
		Note: trf("exports.previewEvents", "N", min(len(ev), previewRows), "Total", len(ev))}
	for _, e := range ev[:min(len(ev), previewRows)] {
		what := strings.Join(e.EPCList, " ")
		for _, q := range append(append(append([]epcis.Quantity{}, e.QuantityList...), e.InputQuantityList...), e.OutputQuantityList...) {
			if what != "" {
				what += " "
			}
			what += q.EPCClass
			if q.Quantity != nil {
				what += fmt.Sprintf(" ×%s %s", fmtQty(*q.Quantity), q.UOM)
			}
		}
		step := strings.TrimPrefix(e.BizStep, "https://ref.gs1.org/cbv/BizStep-")
		p.Rows = append(p.Rows, []string{e.EventTime, e.Type, step, e.Action, what})
	}
	return p, nil
}

// --- the production record book (app/report) ---

func (j exportJob) recordsQuery() report.RecordsQuery {
	return report.RecordsQuery{Plot: j.filter.Plot, Product: j.filter.Product, From: j.from, To: j.to, Lang: j.lang, Now: j.now}
}

// reportFile renders a report in the job's format, checking for a cancel
// before the (uncancellable) rendering and after it.
func reportFile(ctx context.Context, j exportJob, pdf, xlsx func() ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, cancelledError(err)
	}
	var data []byte
	var err error
	if j.format == "xlsx" {
		data, err = xlsx()
	} else {
		data, err = pdf()
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, cancelledError(err)
	}
	return data, nil
}

func recordsRun(ctx context.Context, j exportJob) (exportResult, error) {
	b, err := report.Records(ctx, j.db, j.recordsQuery())
	if err != nil {
		return exportResult{}, err
	}
	return writeReport(ctx, j, b.PDF, b.XLSX, recordBookRows(b), "exports.unitRows")
}

func recordBookRows(b *report.RecordBook) int {
	return len(b.Applications) + len(b.Purchases) + len(b.Harvests) + len(b.Tests)
}

func recordsPreview(ctx context.Context, j exportJob) (exportPreview, error) {
	b, err := report.Records(ctx, j.db, j.recordsQuery())
	if err != nil {
		return exportPreview{}, err
	}
	summary := trf("exports.recordsSummary", "Title", b.Header.Title, "Scope", b.Scope, "From", b.From, "To", b.To,
		"Apps", len(b.Applications), "Purchases", len(b.Purchases), "Harvests", len(b.Harvests), "Tests", len(b.Tests))
	return pdfPreview(ctx, j, summary, b.PDF)
}

// --- the lot trace report, the recall answer, the certification bundle ---

func traceRun(ctx context.Context, j exportJob) (exportResult, error) {
	r, err := report.Trace(ctx, j.db, report.TraceQuery{Lot: j.filter.Lot, Lang: j.lang, Now: j.now})
	if err != nil {
		return exportResult{}, err
	}
	return writeReport(ctx, j, r.PDF, r.XLSX, len(r.Events), "exports.unitEntries")
}

func tracePreview(ctx context.Context, j exportJob) (exportPreview, error) {
	r, err := report.Trace(ctx, j.db, report.TraceQuery{Lot: j.filter.Lot, Lang: j.lang, Now: j.now})
	if err != nil {
		return exportPreview{}, err
	}
	summary := trf("exports.traceSummary", "Title", r.Header.Title, "Lot", j.filter.Lot, "Lots", len(r.Lots),
		"Transforms", len(r.Transforms), "Events", len(r.Events))
	return pdfPreview(ctx, j, summary, r.PDF)
}

func (j exportJob) recallQuery() report.RecallQuery {
	q := report.RecallQuery{Lot: j.filter.Lot, Purchase: j.purchase, Lang: j.lang, Now: j.now}
	if q.Lot == "" && q.Purchase == 0 {
		q.Plot, q.From, q.To = j.filter.Plot, j.from, j.to
	}
	return q
}

func recallRun(ctx context.Context, j exportJob) (exportResult, error) {
	r, err := report.RecallAnswer(ctx, j.db, j.recallQuery())
	if err != nil {
		return exportResult{}, err
	}
	return writeReport(ctx, j, r.PDF, r.XLSX, len(r.Lots)+len(r.Shipments), "exports.unitEntries")
}

func recallPreview(ctx context.Context, j exportJob) (exportPreview, error) {
	r, err := report.RecallAnswer(ctx, j.db, j.recallQuery())
	if err != nil {
		return exportPreview{}, err
	}
	return pdfPreview(ctx, j, r.Header.Title+"\n"+r.Text(), r.PDF)
}

func (j exportJob) bundleQuery() report.BundleQuery {
	return report.BundleQuery{Product: j.filter.Product, From: j.from, To: j.to, Lang: j.lang, Now: j.now, AppVersion: j.version}
}

func bundleRun(ctx context.Context, j exportJob) (exportResult, error) {
	data, m, err := report.MakeBundle(ctx, j.db, j.bundleQuery())
	if err != nil {
		return exportResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return exportResult{}, cancelledError(err)
	}
	if err := report.WriteFile(j.path, data); err != nil {
		return exportResult{}, err
	}
	return exportResult{Path: j.path, Bytes: int64(len(data)), Rows: len(m.Files), Unit: "exports.unitFiles"}, nil
}

func bundlePreview(ctx context.Context, j exportJob) (exportPreview, error) {
	_, m, err := report.MakeBundle(ctx, j.db, j.bundleQuery())
	if err != nil {
		return exportPreview{}, err
	}
	p := exportPreview{Header: []string{tr("exports.colFile"), tr("exports.colWhat"), tr("attach.size")},
		Note: trf("exports.previewBundle", "N", len(m.Files))}
	for _, f := range m.Files {
		p.Rows = append(p.Rows, []string{f.Name, f.What, fmtSize(f.Size)})
	}
	return p, nil
}

// writeReport renders a report in the job's format and writes it; rows
// counts what the report holds, in unit (a translation key).
func writeReport(ctx context.Context, j exportJob, pdf, xlsx func() ([]byte, error), rows int, unit string) (exportResult, error) {
	data, err := reportFile(ctx, j, pdf, xlsx)
	if err != nil {
		return exportResult{}, err
	}
	if err := report.WriteFile(j.path, data); err != nil {
		return exportResult{}, err
	}
	return exportResult{Path: j.path, Bytes: int64(len(data)), Rows: rows, Unit: unit}, nil
}

// pdfPreview shows the first page of a PDF report as a picture when
// pdftoppm (poppler) is installed; otherwise, and for an XLSX report, a
// text summary, labelled as such: Go has no PDF rasteriser here, and a
// made-up picture of the page would not be what the file holds.
func pdfPreview(ctx context.Context, j exportJob, summary string, pdf func() ([]byte, error)) (exportPreview, error) {
	if j.format != "pdf" {
		return exportPreview{Text: summary, Note: tr("exports.previewSummaryXLSX")}, nil
	}
	data, err := pdf()
	if err != nil {
		return exportPreview{}, err
	}
	if img, err := firstPage(ctx, data); err == nil {
		return exportPreview{Image: img, Text: summary, Note: tr("exports.previewPage")}, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		fyne.LogError("pdf preview", err)
	}
	return exportPreview{Text: summary, Note: tr("exports.previewSummary")}, nil
}

// pdftoppm is the rasteriser's name; tests may point it elsewhere.
var pdftoppm = "pdftoppm"

// firstPage renders page 1 of a PDF with pdftoppm.
func firstPage(ctx context.Context, pdf []byte) (image.Image, error) {
	bin, err := exec.LookPath(pdftoppm)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "suyuan-preview-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "page")
	cmd := exec.CommandContext(ctx, bin, "-f", "1", "-l", "1", "-r", "110", "-png", "-singlefile", in, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pdftoppm: %w: %s", err, b)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// cancelledError is the engines' message for a cancelled export (a file
// that was never started is not half-written either).
func cancelledError(err error) error {
	return &store.Error{Code: store.CodeInvalid, Err: err,
		Zh: "导出已取消，没有留下不完整的文件。需要时请重新导出。",
		En: "the export was cancelled and nothing was left half-written; export again when needed"}
}

// --- the screen ---

type exportsScreen struct {
	s       *Shell
	actions []exportAction
	action  exportAction

	what     *widget.RadioGroup
	hint     *widget.Label
	kind     *widget.Select
	kinds    []export.Kind
	from, to *widget.Entry
	base     *widget.Select
	plot     *widget.Select
	product  *widget.Select
	purchase *idSelect
	lot      *widgets.ScanEntry
	lotInfo  *widget.Label
	trace    *widget.Check
	format   *widget.Select
	fileLang *widget.Select
	dir      *widget.Entry
	chooseB  *widget.Button
	name     *widget.Entry
	formBox  *fyne.Container

	previewB, exportB, cancelB *widget.Button
	bar                        *widget.ProgressBar
	spin                       *widget.ProgressBarInfinite
	status                     *widget.Label
	result                     *widget.Label
	openB                      *widget.Button
	lastDir                    string

	prevNote  *widget.Label
	prevTable *widget.Table
	prevImage *canvas.Image
	prevText  *widget.Label
	prevBox   *fyne.Container
	prev      exportPreview

	busy   bool
	cancel context.CancelFunc
	// last is the last finished export (tests, the tour).
	last exportResult
	// done reports each finished job to tests; gate, when set, runs on the
	// job's goroutine before the engine (tests hold a job there).
	done chan error
	gate func(ctx context.Context)
}

func buildExports(s *Shell) (fyne.CanvasObject, any) {
	es := &exportsScreen{s: s, actions: exportActions, done: make(chan error, 8)}
	var titles []string
	for _, a := range es.actions {
		titles = append(titles, tr(a.title))
	}
	es.hint = wrapLabel("")
	es.kinds = export.Kinds()
	kindOpts := []string{tr("exports.kindAll")}
	for _, k := range es.kinds {
		kindOpts = append(kindOpts, kindTitle(k))
	}
	es.kind = newSelect(kindOpts, func(string) { es.changed() })
	es.from, es.to = widget.NewEntry(), widget.NewEntry()
	es.from.SetPlaceHolder(tr("exports.fromPlaceholder"))
	es.to.SetPlaceHolder(tr("exports.toPlaceholder"))
	es.from.OnChanged = func(string) { es.clearPreview() }
	es.to.OnChanged = func(string) { es.clearPreview() }
	es.base = newSelect(nil, func(string) { es.changed() })
	es.plot = newSelect(nil, func(string) { es.changed() })
	es.product = newSelect(nil, func(string) { es.changed() })
	es.purchase = newIDSelect(func(int64) { es.changed() })
	es.loadMasterData()
	es.lotInfo = wrapLabel("")
	es.lot = widgets.NewScanEntry()
	es.lot.SetPlaceHolder(tr("exports.lotHint"))
	es.lot.OnScan = func(sc scanner.Scan) { es.setLot(sc.Raw) }
	es.lot.OnSubmitted = func(v string) { es.setLot(v) }
	es.trace = widget.NewCheck(tr("exports.traceWide"), func(bool) { es.clearPreview() })
	es.format = newSelect(nil, func(string) { es.changed() })
	es.fileLang = newSelect([]string{"中文", "English"}, nil)
	es.fileLang.SetSelectedIndex(0)
	es.dir = widget.NewEntry()
	es.dir.SetText(es.defaultDir())
	es.chooseB = widget.NewButton(tr("exports.chooseFolder"), es.pickFolder)
	es.name = widget.NewEntry()
	es.formBox = container.NewVBox()

	es.previewB = widget.NewButton(tr("exports.preview"), es.runPreview)
	es.exportB = widget.NewButton(tr("exports.export"), es.runExport)
	es.exportB.Importance = widget.HighImportance
	es.cancelB = widget.NewButton(tr("Cancel"), es.cancelJob)
	es.cancelB.Disable()
	es.bar = widget.NewProgressBar()
	es.bar.Hide()
	es.spin = widget.NewProgressBarInfinite()
	es.spin.Stop()
	es.spin.Hide()
	es.status = wrapLabel("")
	es.result = wrapLabel("")
	es.openB = widget.NewButton(tr("exports.openFolder"), func() {
		if err := openFolder(es.lastDir); err != nil {
			s.showError(uiError("exports.openFailed", "Dir", es.lastDir))
		}
	})
	es.openB.Hide()

	es.prevNote = wrapLabel(tr("exports.previewNone"))
	es.prevTable = widget.NewTable(es.prevSize, func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}, es.prevCell)
	es.prevImage = canvas.NewImageFromImage(nil)
	es.prevImage.FillMode = canvas.ImageFillContain
	es.prevText = wrapLabel("")
	es.prevBox = container.NewStack()

	es.what = widget.NewRadioGroup(titles, func(v string) {
		for _, a := range es.actions {
			if tr(a.title) == v {
				es.choose(a)
			}
		}
	})
	es.what.Required = true

	left := container.NewVBox(title(tr("exports.what")), es.what, widget.NewSeparator(),
		wrapLabel(tr("exports.whoMay")))
	buttons := container.NewHBox(es.previewB, es.exportB, es.cancelB)
	form := container.NewVBox(es.hint, es.formBox, buttons, es.bar, es.spin, es.status,
		container.NewBorder(nil, nil, nil, es.openB, es.result))
	prevPane := container.NewBorder(container.NewVBox(title(tr("exports.previewTitle")), es.prevNote), nil, nil, nil, es.prevBox)
	mid := container.NewBorder(nil, nil, container.NewHBox(left, widget.NewSeparator()), nil, container.NewVScroll(form))
	split := container.NewHSplit(mid, prevPane)
	split.Offset = 0.56
	es.what.SetSelected(titles[0])
	return container.NewBorder(title(tr("nav.exports")), nil, nil, nil, split), es
}

// loadMasterData fills the base, plot and product pickers ("all" first). A
// plot whose name repeats across bases is offered as BASE/PLOT, the form
// the export filter asks for.
func (es *exportsScreen) loadMasterData() {
	s := es.s
	all := tr("exports.all")
	bases := allRows(s, func(q store.ListQuery) ([]store.Base, error) { return s.d.Store.ListBases(s.ctx, q) })
	opts := []string{all}
	for _, b := range bases {
		opts = append(opts, b.Name)
	}
	es.base.Options = opts
	plots := allRows(s, func(q store.ListQuery) ([]store.Plot, error) { return s.d.Store.ListPlots(s.ctx, q, 0) })
	seen := map[string]int{}
	for _, p := range plots {
		seen[p.Name]++
	}
	opts = []string{all}
	for _, p := range plots {
		if seen[p.Name] > 1 {
			opts = append(opts, p.BaseName+"/"+p.Name)
		} else {
			opts = append(opts, p.Name)
		}
	}
	es.plot.Options = opts
	prods := allRows(s, func(q store.ListQuery) ([]store.Product, error) { return s.d.Store.ListProducts(s.ctx, q) })
	opts = []string{all}
	for _, p := range prods {
		opts = append(opts, p.Name)
	}
	es.product.Options = opts
	for _, sel := range []*widget.Select{es.base, es.plot, es.product} {
		sel.SetSelectedIndex(0)
	}
	purs := allRows(s, func(q store.ListQuery) ([]store.Purchase, error) { return s.d.Store.ListPurchases(s.ctx, q, 0) })
	labels, ids := []string{tr("exports.none")}, []int64{0}
	for _, p := range purs {
		l := day(p.PurchasedOn) + "  " + p.MaterialName
		if p.BatchNo != "" {
			l += "  " + trf("exports.batchNo", "No", p.BatchNo)
		}
		if p.Supplier != "" {
			l += "  · " + p.Supplier
		}
		labels, ids = append(labels, l), append(ids, p.ID)
	}
	es.purchase.setOptions(labels, ids)
	es.purchase.SetSelectedIndex(0)
}

// choose shows the filters and formats of action a.
func (es *exportsScreen) choose(a exportAction) {
	es.action = a
	es.hint.SetText(tr(a.hint))
	var opts []string
	for _, f := range a.formats {
		opts = append(opts, formatLabel(f))
	}
	es.format.Options = opts
	es.format.SetSelectedIndex(0)
	if a.id == "data" && es.kind.SelectedIndex() < 0 {
		es.kind.SetSelectedIndex(0)
	}
	// A report over a period starts with the last twelve months; leaving
	// it for an export that does not need dates clears that default again
	// (an export filtered by dates nobody typed would surprise).
	from, to := day(es.s.today().AddDate(-1, 0, 0)), day(es.s.today())
	needs := slices.Contains(a.required, fltDate)
	switch {
	case needs && es.from.Text == "" && es.to.Text == "":
		es.from.SetText(from)
		es.to.SetText(to)
	case !needs && es.from.Text == from && es.to.Text == to:
		es.from.SetText("")
		es.to.SetText("")
	}
	es.changed()
}

func formatLabel(f string) string {
	switch f {
	case "jsonld":
		return "JSON-LD"
	}
	return strings.ToUpper(f)
}

func (es *exportsScreen) formatID() string {
	i := es.format.SelectedIndex()
	if i < 0 || i >= len(es.action.formats) {
		return es.action.formats[0]
	}
	return es.action.formats[i]
}

func (es *exportsScreen) kindID() string {
	if es.action.id != "data" {
		return ""
	}
	i := es.kind.SelectedIndex()
	if i <= 0 || i > len(es.kinds) {
		return "all"
	}
	return es.kinds[i-1].ID
}

// applies lists the filters the current choice takes.
func (es *exportsScreen) applies() map[string]bool {
	m := map[string]bool{}
	if es.action.filters != nil {
		for _, f := range es.action.filters(es.kindID()) {
			m[f] = true
		}
	}
	return m
}

// changed rebuilds the form for the current choice: only the filters that
// apply are shown, and the default file name follows.
func (es *exportsScreen) changed() {
	if es.formBox == nil || es.action.id == "" {
		return
	}
	ap := es.applies()
	var items []*widget.FormItem
	if es.action.id == "data" {
		items = append(items, widget.NewFormItem(tr("exports.kind"), es.kind))
	}
	if ap[fltDate] {
		dates := container.NewGridWithColumns(2, es.from, es.to)
		items = append(items, widget.NewFormItem(tr("exports.dates"), dates))
	}
	if ap[fltBase] {
		items = append(items, widget.NewFormItem(tr("exports.filter.base"), es.base))
	}
	if ap[fltPlot] {
		items = append(items, widget.NewFormItem(tr("exports.filter.plot"), es.plot))
	}
	if ap[fltProduct] {
		items = append(items, widget.NewFormItem(tr("exports.filter.product"), es.product))
	}
	if ap[fltLot] {
		lot := container.NewVBox(es.lot, es.lotInfo)
		if es.action.id == "data" {
			lot.Add(es.trace)
		}
		items = append(items, widget.NewFormItem(tr("exports.filter.lot"), lot))
	}
	if ap[fltPurchase] {
		items = append(items, widget.NewFormItem(tr("exports.filter.purchase"), es.purchase.Select))
	}
	if len(ap) == 0 && es.action.id == "data" {
		items = append(items, widget.NewFormItem("", wrapLabel(tr("exports.noFilters"))))
	}
	items = append(items,
		widget.NewFormItem(tr("exports.format"), es.format),
		widget.NewFormItem(tr("exports.fileLang"), es.fileLang),
		widget.NewFormItem(tr("exports.folder"), container.NewBorder(nil, nil, nil, es.chooseB, es.dir)),
		widget.NewFormItem(tr("exports.fileName"), es.name))
	es.formBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
	es.formBox.Refresh()
	es.name.SetText(es.action.name(es.nameJob()))
	es.clearPreview()
}

// nameJob is enough of a job for the default file name.
func (es *exportsScreen) nameJob() exportJob {
	j := exportJob{kind: es.kindID(), format: es.formatID(), now: es.s.d.Now()}
	if e, err := es.s.d.Store.GetEntity(es.s.ctx); err == nil {
		j.site = e.SiteCode
	}
	ap := es.applies()
	if ap[fltLot] {
		j.filter.Lot = strings.TrimSpace(es.lot.Text)
	}
	if ap[fltPlot] {
		j.filter.Plot = es.selected(es.plot)
	}
	if ap[fltProduct] {
		j.filter.Product = es.selected(es.product)
	}
	return j
}

// selected is a picker's value, "" for "all".
func (es *exportsScreen) selected(sel *widget.Select) string {
	if sel.SelectedIndex() <= 0 {
		return ""
	}
	return sel.Selected
}

// setLot resolves a scanned or typed lot code (scanner rules: full-width,
// AIM prefixes, check digit) and keeps the lot's own code.
func (es *exportsScreen) setLot(raw string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		es.lot.SetText("")
		es.lotInfo.SetText("")
		es.changed()
		return
	}
	l, err := es.s.findLot(raw)
	if err != nil {
		es.lot.SetText(raw)
		es.lotInfo.SetText(userMessage(err))
		es.s.showError(err)
		return
	}
	es.lot.SetText(l.Code)
	info := fmt.Sprintf("%s %s  %s", fmtQty(l.Quantity), l.Unit, day(l.ProducedOn))
	if p, err := es.s.d.Store.GetProduct(es.s.ctx, l.ProductID); err == nil {
		info = p.Name + "  " + info
	}
	if st := lotState(l); st != "" {
		info += "  【" + st + "】"
	}
	es.lotInfo.SetText(info)
	es.changed()
}

// defaultDir is the last export folder on this PC, else a single USB stick
// mounted under /media/USER or /run/media/USER, else the home folder.
func (es *exportsScreen) defaultDir() string {
	if d := strings.TrimSpace(es.s.a.Preferences().String(PrefExportDir)); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	if runtime.GOOS == "linux" {
		if u := os.Getenv("USER"); u != "" {
			for _, root := range []string{"/media/" + u, "/run/media/" + u} {
				if ents, err := os.ReadDir(root); err == nil && len(ents) == 1 && ents[0].IsDir() {
					return filepath.Join(root, ents[0].Name())
				}
			}
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return filepath.Dir(es.s.d.Store.Path())
}

func (es *exportsScreen) pickFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			es.s.showError(err)
			return
		}
		if u != nil {
			es.dir.SetText(u.Path())
		}
	}, es.s.w)
	if l, err := storage.ListerForURI(storage.NewFileURI(strings.TrimSpace(es.dir.Text))); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// job reads the form into a job; bad input gets the rule's message.
func (es *exportsScreen) job() (exportJob, error) {
	s := es.s
	j := es.nameJob()
	j.db, j.version, j.lang = s.d.Store, s.d.Version, "zh"
	if es.fileLang.SelectedIndex() == 1 {
		j.lang = "en"
	}
	ap := es.applies()
	if ap[fltDate] {
		for _, d := range []struct {
			e   *widget.Entry
			t   *time.Time
			s   *string
			key string
		}{{es.from, &j.from, &j.filter.From, "exports.from"}, {es.to, &j.to, &j.filter.To, "exports.to"}} {
			v := strings.TrimSpace(d.e.Text)
			if v == "" {
				continue
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return j, uiError("exports.badDate", "Field", tr(d.key), "Value", v)
			}
			*d.t, *d.s = t, v
		}
		if !j.from.IsZero() && !j.to.IsZero() && j.to.Before(j.from) {
			return j, uiError("exports.datesSwapped")
		}
		for _, r := range es.action.required {
			if r == fltDate && (j.from.IsZero() || j.to.IsZero()) {
				return j, uiError("exports.needDates")
			}
		}
	}
	if ap[fltBase] {
		j.filter.Base = es.selected(es.base)
	}
	if ap[fltPurchase] {
		j.purchase = es.purchase.ID()
	}
	if ap[fltLot] && j.filter.Lot != "" {
		l, err := s.findLot(j.filter.Lot)
		if err != nil {
			return j, err
		}
		j.filter.Lot = l.Code
		j.filter.Trace = es.action.id == "data" && es.trace.Checked
	}
	if es.action.check != nil {
		if err := es.action.check(j); err != nil {
			return j, err
		}
	}
	dir := strings.TrimSpace(es.dir.Text)
	name := strings.TrimSpace(es.name.Text)
	if dir == "" {
		return j, uiError("exports.noFolder")
	}
	if name == "" || strings.ContainsAny(name, `/\`) {
		return j, uiError("exports.badName", "Name", name)
	}
	j.path = filepath.Join(dir, name)
	return j, nil
}

func (es *exportsScreen) setBusy(on bool, determinate bool) {
	es.busy = on
	if on {
		es.exportB.Disable()
		es.previewB.Disable()
		es.cancelB.Enable()
		es.openB.Hide()
		es.result.SetText("")
		if determinate {
			es.bar.SetValue(0)
			es.bar.Show()
		} else {
			es.spin.Show()
			es.spin.Start()
		}
		return
	}
	es.exportB.Enable()
	es.previewB.Enable()
	es.cancelB.Disable()
	es.bar.Hide()
	es.spin.Stop()
	es.spin.Hide()
}

// start runs work off the UI goroutine with a cancellable context; apply
// gets its result back on the UI goroutine. A second start while one runs
// does nothing.
func (es *exportsScreen) start(determinate bool, work func(ctx context.Context) (func(), error)) {
	if es.busy {
		return
	}
	ctx, cancel := context.WithCancel(es.s.ctx)
	es.cancel = cancel
	es.setBusy(true, determinate)
	gate := es.gate
	go func() {
		defer cancel()
		if gate != nil {
			gate(ctx)
		}
		apply, err := work(ctx)
		fyne.Do(func() {
			es.setBusy(false, false)
			es.cancel = nil
			if err != nil {
				es.status.SetText(userMessage(err))
			} else if apply != nil {
				apply()
			}
			select {
			case es.done <- err:
			default:
			}
		})
	}()
}

func (es *exportsScreen) cancelJob() {
	if es.cancel != nil {
		es.cancel()
		es.status.SetText(tr("exports.cancelling"))
	}
}

func (es *exportsScreen) progress(frac float64, text string) {
	fyne.Do(func() {
		if !es.busy {
			return
		}
		if frac >= 0 {
			es.bar.SetValue(frac)
		}
		es.status.SetText(text)
	})
}

// formJob reads the form into a job when no job is running; bad input is
// shown in the status line and as an error, and ok is false.
func (es *exportsScreen) formJob() (j exportJob, ok bool) {
	if es.busy {
		return j, false
	}
	j, err := es.job()
	if err != nil {
		es.status.SetText(userMessage(err))
		es.s.showError(err)
		return j, false
	}
	return j, true
}

func (es *exportsScreen) runExport() {
	j, ok := es.formJob()
	if !ok {
		return
	}
	a := es.action
	j.progress = es.progress
	es.status.SetText(trf("exports.running", "Name", filepath.Base(j.path)))
	es.start(a.id == "data" && j.kind == "all", func(ctx context.Context) (func(), error) {
		r, err := a.run(ctx, j)
		if err != nil {
			return nil, err
		}
		return func() { es.finished(r) }, nil
	})
}

// finished shows what an export wrote and remembers its folder.
func (es *exportsScreen) finished(r exportResult) {
	es.last = r
	es.lastDir = filepath.Dir(r.Path)
	es.s.a.Preferences().SetString(PrefExportDir, es.lastDir)
	es.status.SetText("")
	es.result.SetText(trf("exports.done", "Name", filepath.Base(r.Path), "Dir", es.lastDir, "Size", fmtSize(r.Bytes), "N", r.Rows, "Unit", tr(r.Unit)))
	es.openB.Show()
}

// tourExports puts the screen in a state worth a screenshot, on the UI
// goroutine (the tour waits for nothing): "data" has exported the
// applications to a folder beside the store and previews them; "records"
// previews the production record book of the first product for the last
// twelve months.
func tourExports(es *exportsScreen, what string) {
	s := es.s
	a, ok := exportActionByID(what)
	if !ok {
		return
	}
	es.what.SetSelected(tr(a.title))
	switch what {
	case "data":
		for i, k := range es.kinds {
			if k.ID == "applications" {
				es.kind.SetSelectedIndex(i + 1)
			}
		}
		dir := filepath.Join(filepath.Dir(s.d.Store.Path()), "tour-exports")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			panic(err)
		}
		es.dir.SetText(dir)
	case "records":
		es.product.SetSelectedIndex(1)
		es.from.SetText(day(s.today().AddDate(-1, 0, 0)))
		es.to.SetText(day(s.today()))
	}
	j, err := es.job()
	if err != nil {
		panic(err)
	}
	if what == "data" {
		r, err := a.run(s.ctx, j)
		if err != nil {
			panic(err)
		}
		es.finished(r)
	}
	p, err := a.preview(s.ctx, j)
	if err != nil {
		panic(err)
	}
	es.showPreview(p)
}

func (es *exportsScreen) runPreview() {
	j, ok := es.formJob()
	if !ok {
		return
	}
	a := es.action
	es.status.SetText(tr("exports.previewing"))
	es.start(false, func(ctx context.Context) (func(), error) {
		p, err := a.preview(ctx, j)
		if err != nil {
			return nil, err
		}
		return func() {
			es.status.SetText("")
			es.showPreview(p)
		}, nil
	})
}

func (es *exportsScreen) clearPreview() {
	if es.prevBox == nil {
		return
	}
	es.showPreview(exportPreview{Note: tr("exports.previewNone")})
}

func (es *exportsScreen) showPreview(p exportPreview) {
	es.prev = p
	es.prevNote.SetText(p.Note)
	switch {
	case p.Image != nil:
		es.prevImage.Image = p.Image
		es.prevImage.Refresh()
		es.prevBox.Objects = []fyne.CanvasObject{es.prevImage}
	case len(p.Header) > 0:
		for c := range p.Header {
			w := float32(90)
			for _, r := range append([][]string{p.Header}, p.Rows...) {
				if c < len(r) {
					w = max(w, min(textUnits(r[c])*8+24, 260))
				}
			}
			es.prevTable.SetColumnWidth(c, w)
		}
		es.prevTable.Refresh()
		es.prevBox.Objects = []fyne.CanvasObject{es.prevTable}
	default:
		es.prevText.SetText(p.Text)
		es.prevBox.Objects = []fyne.CanvasObject{container.NewVScroll(es.prevText)}
	}
	es.prevBox.Refresh()
}

// textUnits is a string's width in half-width characters (a CJK character
// is two), to size the preview's columns.
func textUnits(s string) float32 {
	n := float32(0)
	for _, r := range s {
		if isWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isWide(r rune) bool { return r >= 0x2E80 }

func (es *exportsScreen) prevSize() (int, int) {
	if len(es.prev.Header) == 0 {
		return 0, 0
	}
	return len(es.prev.Rows) + 1, len(es.prev.Header)
}

func (es *exportsScreen) prevCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	row := es.prev.Header
	l.TextStyle.Bold = id.Row == 0
	if id.Row > 0 && id.Row-1 < len(es.prev.Rows) {
		row = es.prev.Rows[id.Row-1]
	}
	if id.Col < len(row) {
		l.SetText(row[id.Col])
	} else {
		l.SetText("")
	}
}

// openFolder shows dir in the system's file manager (tests replace it).
var openFolder = func(dir string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("explorer", dir)
	case "darwin":
		cmd = exec.Command("open", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // explorer exits non-zero even when it worked
	return nil
}

// exportLot opens the export screen for one lot, from a trace: the lot
// trace report when this build has it, else the lot's EPCIS events.
func (s *Shell) exportLot(code string) *exportsScreen {
	if !s.Show("exports") {
		return nil
	}
	es, ok := s.screen.(*exportsScreen)
	if !ok {
		return nil
	}
	for _, id := range []string{"trace", "epcis"} {
		if a, ok := exportActionByID(id); ok {
			es.what.SetSelected(tr(a.title))
			break
		}
	}
	es.setLot(code)
	return es
}
