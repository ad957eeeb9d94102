package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"suyuan/app/report"
	"suyuan/store"
	"suyuan/store/demo"
	"suyuan/store/export"
)

var demoTemplate storeTemplate

// demoFixture is a copy of a store filled by store/demo (a year of a
// citrus co-op's records), with a packer account, logged in as user.
func demoFixture(t *testing.T, user string) *fixture {
	t.Helper()
	db := demoTemplate.copy(t, "suyuan-app-demo-", func(ctx context.Context, db *store.DB) error {
		if _, err := demo.Generate(ctx, db, demo.Options{Seed: 1}); err != nil {
			return err
		}
		a, err := db.Login(ctx, demo.User, demo.Password)
		if err != nil {
			return err
		}
		_, err = db.CreateUser(ctx, a, store.NewUser{Username: "packer", DisplayName: "赵包装", Role: store.RolePacker, Password: "secret4"})
		return err
	})
	f := newFixture(t, db, Deps{})
	pass := map[string]string{demo.User: demo.Password, "packer": "secret4"}[user]
	f.login(user, pass)
	return f
}

func (f *fixture) exports() *exportsScreen {
	f.t.Helper()
	if !f.s.Show("exports") {
		f.t.Fatalf("exports screen not available to %s", f.s.actor.Role)
	}
	return f.s.screen.(*exportsScreen)
}

// chooseKind picks the data action and one record kind ("all" for the archive).
func (es *exportsScreen) chooseKind(t *testing.T, id string) {
	t.Helper()
	es.what.SetSelected(tr("exports.data"))
	if id == "all" {
		es.kind.SetSelectedIndex(0)
		return
	}
	for i, k := range es.kinds {
		if k.ID == id {
			es.kind.SetSelectedIndex(i + 1)
			return
		}
	}
	t.Fatalf("no kind %s", id)
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Errorf("%s: no UTF-8 BOM", path)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// A packer (not an administrator) exports one kind as CSV to a folder: the
// preview shows the file's header and first rows, the file has the kind's
// Chinese template header and every row, the message names the file, its
// size and rows, the folder is remembered and "open folder" opens it.
func TestExportsKindCSVByPacker(t *testing.T) {
	f := demoFixture(t, "packer")
	es := f.exports()
	opened := ""
	defer func(o func(string) error) { openFolder = o }(openFolder)
	openFolder = func(dir string) error { opened = dir; return nil }

	es.chooseKind(t, "applications")
	k, _ := export.KindFor("applications")
	dir := t.TempDir()
	es.dir.SetText(dir)
	if !strings.HasPrefix(es.name.Text, "applications-") || !strings.HasSuffix(es.name.Text, ".csv") {
		t.Errorf("default name %q", es.name.Text)
	}
	// Only the filters the kind has are offered.
	ap := es.applies()
	if !ap[fltDate] || !ap[fltPlot] || ap[fltLot] {
		t.Errorf("applications filters: %v", ap)
	}

	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("preview: %v (%s)", err, es.status.Text)
	}
	if strings.Join(es.prev.Header, ",") != strings.Join(k.Columns("zh"), ",") {
		t.Errorf("preview header %v, want %v", es.prev.Header, k.Columns("zh"))
	}
	if len(es.prev.Rows) != previewRows {
		t.Errorf("preview has %d rows, want %d (the demo has more)", len(es.prev.Rows), previewRows)
	}
	if r, c := es.prevSize(); r != previewRows+1 || c != len(k.Columns("zh")) {
		t.Errorf("preview table %d×%d", r, c)
	}

	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("export: %v (%s)", err, es.status.Text)
	}
	path := filepath.Join(dir, es.name.Text)
	recs := readCSV(t, path)
	if strings.Join(recs[0], ",") != strings.Join(k.Columns("zh"), ",") {
		t.Errorf("file header %v", recs[0])
	}
	if es.last.Rows != len(recs)-1 || es.last.Rows < previewRows {
		t.Errorf("result says %d rows, file has %d", es.last.Rows, len(recs)-1)
	}
	if strings.Join(recs[1], ",") != strings.Join(es.prev.Rows[0], ",") {
		t.Errorf("preview's first row %v is not the file's %v", es.prev.Rows[0], recs[1])
	}
	st, _ := os.Stat(path)
	for _, w := range []string{filepath.Base(path), fmtSize(st.Size()), strconv.Itoa(es.last.Rows) + " 行", dir} {
		if !strings.Contains(es.result.Text, w) {
			t.Errorf("message %q lacks %q", es.result.Text, w)
		}
	}
	if got := f.a.Preferences().String(PrefExportDir); got != dir {
		t.Errorf("remembered folder %q", got)
	}
	if es.openB.Hidden {
		t.Error("no open-folder button after the export")
	}
	test.Tap(es.openB)
	if opened != dir {
		t.Errorf("open folder opened %q", opened)
	}
	// The next visit starts in the remembered folder.
	if es2 := f.exports(); es2.dir.Text != dir {
		t.Errorf("next visit's folder %q", es2.dir.Text)
	}
}

// The archive: every kind from one snapshot, a determinate progress bar,
// and a zip that VerifyArchive accepts with the row count the message gave.
func TestExportsArchive(t *testing.T) {
	f := demoFixture(t, demo.User)
	es := f.exports()
	es.chooseKind(t, "all")
	dir := t.TempDir()
	es.dir.SetText(dir)
	if !strings.HasSuffix(es.name.Text, ".zip") {
		t.Errorf("archive name %q", es.name.Text)
	}
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatal(err)
	}
	if len(es.prev.Rows) != len(export.Kinds()) {
		t.Errorf("archive preview lists %d files, want %d", len(es.prev.Rows), len(export.Kinds()))
	}
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("%v (%s)", err, es.status.Text)
	}
	m, err := export.VerifyArchive(filepath.Join(dir, es.name.Text))
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows() != es.last.Rows || m.Rows() == 0 {
		t.Errorf("manifest %d rows, screen %d", m.Rows(), es.last.Rows)
	}
}

// Cancel: the job is held before the engine starts; a second Export click
// while it runs starts nothing; Cancel ends it with the engine's message
// and no file (not even a partial one) is left.
func TestExportsCancel(t *testing.T) {
	f := demoFixture(t, demo.User)
	es := f.exports()
	es.chooseKind(t, "all")
	dir := t.TempDir()
	es.dir.SetText(dir)
	started := make(chan struct{}, 4)
	es.gate = func(ctx context.Context) {
		started <- struct{}{}
		<-ctx.Done()
	}
	test.Tap(es.exportB)
	<-started
	if !es.busy || !es.exportB.Disabled() || es.cancelB.Disabled() {
		t.Errorf("while running: busy %v export disabled %v cancel disabled %v", es.busy, es.exportB.Disabled(), es.cancelB.Disabled())
	}
	es.runExport() // a second click (the button is disabled; the handler refuses too)
	test.Tap(es.cancelB)
	err := waitDone(t, es.done)
	if err == nil {
		t.Fatal("cancelled export reported success")
	}
	if len(started) != 0 {
		t.Error("the second click started a second export")
	}
	if !strings.Contains(es.status.Text, "取消") {
		t.Errorf("status %q does not say it was cancelled", es.status.Text)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("files left after cancel: %v", n)
	}
	if es.busy || es.exportB.Disabled() || !es.cancelB.Disabled() {
		t.Error("buttons not back after cancel")
	}
}

// Errors: a folder that does not exist, a "folder" that is a file, and bad
// dates get a message in the user's language, and nothing is written.
func TestExportsErrors(t *testing.T) {
	f := demoFixture(t, demo.User)
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		f.s.SetLanguage(lang)
		for _, c := range []struct {
			name, dir, from, to string
			want                map[string]string
			async               bool
		}{
			{"missing folder", filepath.Join(base, "no-such-stick"), "", "", map[string]string{"zh": "不存在", "en": "does not exist"}, true},
			{"file as folder", file, "", "", map[string]string{"zh": "不是文件夹", "en": "not a folder"}, true},
			{"under a file", filepath.Join(file, "sub"), "", "", map[string]string{"zh": "文件夹", "en": "folder"}, true},
			{"bad date", base, "2026-13-01", "", map[string]string{"zh": "无法识别", "en": "cannot be read"}, false},
			{"swapped dates", base, "2026-05-01", "2026-04-01", map[string]string{"zh": "早于", "en": "before"}, false},
		} {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				es := f.exports()
				es.chooseKind(t, "applications")
				es.dir.SetText(c.dir)
				es.from.SetText(c.from)
				es.to.SetText(c.to)
				f.s.lastMessage = ""
				test.Tap(es.exportB)
				if c.async {
					if err := waitDone(t, es.done); err == nil {
						t.Fatal("export succeeded")
					}
				} else if f.s.lastMessage == "" {
					t.Error("no dialog for bad input")
				}
				closeOverlays(f.w)
				if !strings.Contains(es.status.Text, c.want[lang]) {
					t.Errorf("message %q lacks %q", es.status.Text, c.want[lang])
				}
				if strings.Contains(es.status.Text, "internal") || strings.Contains(es.status.Text, "内部") {
					t.Errorf("a raw error reached the user: %q", es.status.Text)
				}
				if n := dirNames(t, base); len(n) != 1 {
					t.Errorf("files written: %v", n)
				}
			})
		}
	}
}

// The trace tab's button opens the export for the traced lot (the lot
// trace report when built, else its EPCIS events) and the file holds that
// lot's events.
func TestExportsFromTrace(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(300)
	other := f.harvestLot(200)
	if !f.s.Show("reports") {
		t.Fatal("no reports")
	}
	rs := f.s.screen.(*reportsScreen)
	rs.tabs.SelectIndex(2)
	if !rs.traceExport.Disabled() {
		t.Error("export button enabled before a trace")
	}
	scanInto(rs.traceScan, lot.Code)
	if rs.traceExport.Disabled() {
		t.Fatal("export button disabled after a trace")
	}
	test.Tap(rs.traceExport)
	es, ok := f.s.screen.(*exportsScreen)
	if !ok {
		t.Fatalf("the button opened %T", f.s.screen)
	}
	if es.action.id != "trace" {
		t.Errorf("action %s, want the lot trace report", es.action.id)
	}
	if es.lot.Text != lot.Code || !strings.Contains(es.name.Text, lot.Code) {
		t.Errorf("lot %q, file name %q", es.lot.Text, es.name.Text)
	}
	dir := t.TempDir()
	es.dir.SetText(dir)
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("%v (%s)", err, es.status.Text)
	}
	pdf := filepath.Join(dir, es.name.Text)
	b, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("trace report: %v %.8q", err, b)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		if err != nil || !bytes.Contains(out, []byte(lot.Code)) || bytes.Contains(out, []byte(other.Code)) {
			t.Errorf("the trace report is not the lot's (%v):\n%.600s", err, out)
		}
	}
	// The same lot's EPCIS events, one choice away.
	es.what.SetSelected(tr("exports.epcis"))
	if es.lot.Text != lot.Code {
		t.Fatalf("lot lost when switching: %q", es.lot.Text)
	}
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("%v (%s)", err, es.status.Text)
	}
	b, err = os.ReadFile(filepath.Join(dir, es.name.Text))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(lot.Code)) || bytes.Contains(b, []byte(other.Code)) {
		t.Errorf("the file does not hold exactly the lot's events:\n%.600s", b)
	}
	if es.last.Rows == 0 || es.last.Unit != "exports.unitEvents" {
		t.Errorf("result %+v", es.last)
	}
}

// The production record book: dates and one of plot/product are required
// (a message, nothing written); the PDF is written; the preview is the
// first page as a picture when pdftoppm is installed, else a labelled
// text summary.
func TestExportsRecordBook(t *testing.T) {
	f := demoFixture(t, demo.User)
	es := f.exports()
	es.what.SetSelected(tr("exports.records"))
	if es.action.id != "records" {
		t.Fatalf("action %s", es.action.id)
	}
	today := f.s.today()
	if es.from.Text != day(today.AddDate(-1, 0, 0)) || es.to.Text != day(today) {
		t.Errorf("default period %s – %s", es.from.Text, es.to.Text)
	}
	es.from.SetText("")
	dir := t.TempDir()
	es.dir.SetText(dir)
	test.Tap(es.exportB)
	if es.busy || !strings.Contains(f.s.lastMessage, "日期") {
		t.Errorf("no dates: message %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	es.from.SetText(day(today.AddDate(-1, 0, 0)))
	test.Tap(es.exportB)
	if es.busy || !strings.Contains(f.s.lastMessage, "地块") {
		t.Errorf("no plot or product: message %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	es.product.SetSelectedIndex(1)
	if !strings.HasPrefix(es.name.Text, "records-"+safeName(es.product.Selected)) || !strings.HasSuffix(es.name.Text, ".pdf") {
		t.Errorf("name %q", es.name.Text)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("files after refused input: %v", n)
	}
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("preview: %v (%s)", err, es.status.Text)
	}
	if _, err := exec.LookPath(pdftoppm); err == nil {
		if es.prev.Image == nil || es.prev.Image.Bounds().Dx() < 400 || es.prev.Note != tr("exports.previewPage") {
			t.Errorf("pdftoppm present but no page image: %+v", es.prev.Note)
		}
	} else if es.prev.Image != nil || es.prev.Note != tr("exports.previewSummary") {
		t.Errorf("no pdftoppm: preview %q", es.prev.Note)
	}
	if !strings.Contains(es.prev.Text, es.product.Selected) {
		t.Errorf("summary %q lacks the product", es.prev.Text)
	}
	// Leaving for a data export drops the default period (no silent filter).
	es.what.SetSelected(tr("exports.data"))
	if es.from.Text != "" || es.to.Text != "" {
		t.Errorf("data export kept the report's period %q–%q", es.from.Text, es.to.Text)
	}
	es.what.SetSelected(tr("exports.records"))
	es.product.SetSelectedIndex(1)
	// Without the rasteriser the preview says so and shows the summary.
	defer func(p string) { pdftoppm = p }(pdftoppm)
	pdftoppm = "no-such-pdftoppm-here"
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatal(err)
	}
	if es.prev.Image != nil || es.prev.Note != tr("exports.previewSummary") {
		t.Errorf("fallback preview %q", es.prev.Note)
	}
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("export: %v (%s)", err, es.status.Text)
	}
	b, err := os.ReadFile(filepath.Join(dir, es.name.Text))
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("not a PDF: %v %.10q", err, b)
	}
	if es.last.Rows == 0 {
		t.Error("record book with no rows")
	}
}

// The screen fits a 1280×720 work area for every action, in both languages.
func TestExportsFits720(t *testing.T) {
	f := demoFixture(t, demo.User)
	f.w.Resize(fyne.NewSize(1280, 720))
	for _, lang := range []string{"zh", "en"} {
		f.s.SetLanguage(lang)
		es := f.exports()
		for _, a := range es.actions {
			es.what.SetSelected(tr(a.title))
			if ms := f.w.Content().MinSize(); ms.Width > 1280 || ms.Height > 720 {
				t.Errorf("%s %s: content needs %.0f×%.0f", lang, a.id, ms.Width, ms.Height)
			}
		}
	}
}

// The recall answer for a lot (its text in the preview, the XLSX written)
// and the certification bundle: refused with the report's message while
// the platform secret is unset (nothing written), then a bundle that
// VerifyBundle accepts.
func TestExportsRecallAndBundle(t *testing.T) {
	f := demoFixture(t, demo.User)
	lots, err := f.db.ListLots(f.ctx, store.LotQuery{Source: store.LotHarvest})
	if err != nil || len(lots) == 0 {
		t.Fatalf("demo lots: %d %v", len(lots), err)
	}
	es := f.exports()
	dir := t.TempDir()
	es.dir.SetText(dir)
	es.what.SetSelected(tr("exports.recall"))
	test.Tap(es.exportB)
	if es.busy || f.s.lastMessage != tr("exports.lotOrPlot") {
		t.Errorf("nothing chosen: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	es.setLot(lots[0].Code)
	es.format.SetSelected("XLSX")
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("preview: %v (%s)", err, es.status.Text)
	}
	if !strings.Contains(es.prev.Text, lots[0].Code) || es.prev.Note != tr("exports.previewSummaryXLSX") {
		t.Errorf("recall preview %q / %q", es.prev.Note, es.prev.Text)
	}
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("recall: %v (%s)", err, es.status.Text)
	}
	if b, err := os.ReadFile(filepath.Join(dir, es.name.Text)); err != nil || !bytes.HasPrefix(b, []byte("PK")) || !strings.HasSuffix(es.name.Text, ".xlsx") {
		t.Fatalf("recall xlsx %s: %v", es.name.Text, err)
	}

	// A faulty input batch: both a lot and a batch is refused; the batch
	// alone answers with the lots its plots' harvests went into.
	es.purchase.SetSelectedIndex(1)
	test.Tap(es.exportB)
	if es.busy || f.s.lastMessage != tr("exports.lotOrPlot") {
		t.Errorf("lot and batch: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	es.setLot("")
	pur, err := f.db.GetPurchase(f.ctx, es.purchase.ID())
	if err != nil {
		t.Fatal(err)
	}
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("batch recall preview: %v (%s)", err, es.status.Text)
	}
	if !strings.Contains(es.prev.Text, pur.MaterialName) {
		t.Errorf("batch recall preview lacks %q:\n%s", pur.MaterialName, es.prev.Text)
	}
	es.purchase.SetSelectedIndex(0)

	es.what.SetSelected(tr("exports.bundle"))
	es.product.SetSelectedIndex(1)
	today := f.s.today()
	es.from.SetText(day(today.AddDate(-1, 0, 0)))
	es.to.SetText(day(today))
	bdir := t.TempDir()
	es.dir.SetText(bdir)
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err == nil {
		t.Fatal("bundle signed without a platform secret")
	}
	if !strings.Contains(es.status.Text, "sync setup") || len(dirNames(t, bdir)) != 0 {
		t.Errorf("no secret: %q, files %v", es.status.Text, dirNames(t, bdir))
	}
	if err := f.db.SetSyncConfig(f.ctx, f.s.actor, store.SyncConfig{URL: "http://127.0.0.1:1", Account: "acct-1", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	test.Tap(es.previewB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("bundle preview: %v (%s)", err, es.status.Text)
	}
	if len(es.prev.Rows) < 5 {
		t.Errorf("bundle preview lists %d files", len(es.prev.Rows))
	}
	test.Tap(es.exportB)
	if err := waitDone(t, es.done); err != nil {
		t.Fatalf("bundle: %v (%s)", err, es.status.Text)
	}
	data, err := os.ReadFile(filepath.Join(bdir, es.name.Text))
	if err != nil {
		t.Fatal(err)
	}
	m, err := report.VerifyBundle(data, report.PlatformSecretFor(f.ctx, f.db))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != es.last.Rows || m.Product != es.product.Selected {
		t.Errorf("bundle %d files for %q; screen %d files for %q", len(m.Files), m.Product, es.last.Rows, es.product.Selected)
	}
}

// The packing screen's lot view has the same button: it opens the export
// for the selected lot.
func TestExportsFromPackingLot(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(120)
	ps := f.packing()
	if !ps.exportLot.Disabled() {
		t.Error("export button enabled without a lot")
	}
	ps.selectLot(lot)
	test.Tap(ps.exportLot)
	es, ok := f.s.screen.(*exportsScreen)
	if !ok {
		t.Fatalf("the button opened %T", f.s.screen)
	}
	if es.action.id != "trace" || es.lot.Text != lot.Code {
		t.Errorf("action %s lot %q, want trace of %s", es.action.id, es.lot.Text, lot.Code)
	}
}
