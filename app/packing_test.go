package app

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/label"
	"suyuan/app/printjob"
	"suyuan/app/widgets"
	"suyuan/store"
)

// harvestLot records a harvest of qty kg on the seeded orchard plot.
func (f *fixture) harvestLot(qty float64) store.Lot {
	f.t.Helper()
	l, err := f.db.Harvest(f.ctx, f.s.actor, store.HarvestInput{PlotID: f.ids["plot"], ProductID: f.ids["product"],
		Date: f.s.today(), Quantity: qty})
	if err != nil {
		f.t.Fatalf("harvest: %v", err)
	}
	return l
}

func ptr(v float64) *float64 { return &v }

func (f *fixture) packing() *packingScreen {
	f.t.Helper()
	if !f.s.Show("packing") {
		f.t.Fatal("packing not available")
	}
	return f.s.screen.(*packingScreen)
}

// scanInto "scans" code into e at scanner speed.
func scanInto(e *widgets.ScanEntry, code string) {
	widgets.TypeBurst(e, code, time.Now(), 4*time.Millisecond, true)
}

func waitDone(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("background work did not finish in 30 s")
	}
	return nil
}

func TestPackingHoldBlocksCertificateWithRuleMessage(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	f.setSetting(SettingPrinterURI, "file://"+filepath.ToSlash(filepath.Join(t.TempDir(), "labels.tspl")))
	lot := f.harvestLot(200)
	if _, err := f.db.RecordInspection(f.ctx, f.s.actor, store.InspectionInput{LotID: lot.ID, Kind: "rapid", Item: "有机磷", Rate: ptr(72)}); err != nil {
		t.Fatal(err)
	}
	ps := f.packing()
	scanInto(ps.scan, lot.Code)
	if !ps.hasLot || ps.lot.ID != lot.ID {
		t.Fatalf("scan did not select lot %s (%s)", lot.Code, f.s.lastMessage)
	}
	ruleErr := f.db.CanCertify(f.ctx, lot.ID, f.s.today())
	if ruleErr == nil {
		t.Fatal("a held lot may be certified")
	}
	want := userMessage(ruleErr)
	if ps.certWhy.Text != want || !ps.certPill.Visible() || ps.certPill.State != widgets.PillBad {
		t.Errorf("reason next to the choice = %q (pill %v), want the rule's %q", ps.certWhy.Text, ps.certPill.State, want)
	}
	if !ps.holdPill.Visible() {
		t.Error("hold not shown on the lot")
	}
	// 开具合格证 and 打印 of a certificate or voucher are unavailable, with
	// the hold's reason beside them; a trace label is allowed on hold.
	held, _ := f.db.LotByID(f.ctx, lot.ID)
	ps.kind.SetSelected(tr("packing.kind.cert"))
	if !ps.issue.Disabled() || ps.issueWhy.Text != want || !strings.Contains(ps.issueWhy.Text, held.HoldReason) {
		t.Errorf("issue for a held lot: enabled %v, beside it %q, want %q", !ps.issue.Disabled(), ps.issueWhy.Text, want)
	}
	for _, k := range []string{packCert, packVoucher} {
		ps.kind.SetSelected(tr("packing.kind." + k))
		if !ps.printBtn.Disabled() || !strings.Contains(ps.printWhy.Text, held.HoldReason) {
			t.Errorf("%s print for a held lot: enabled %v, beside it %q", k, !ps.printBtn.Disabled(), ps.printWhy.Text)
		}
	}
	ps.kind.SetSelected(tr("packing.kind." + packTrace))
	if ps.printBtn.Disabled() {
		t.Errorf("trace labels refused on a held lot: %q", ps.printWhy.Text)
	}
	ps.kind.SetSelected(tr("packing.kind.cert"))
	test.Tap(ps.issue)
	closeOverlays(f.w)
	n, _ := f.db.CountCertificates(f.ctx, store.CertificateQuery{LotID: lot.ID})
	if n != 0 {
		t.Errorf("%d certificates issued for a held lot", n)
	}
	// The preview says why as well rather than drawing a certificate.
	if ps.previewImg != nil || ps.previewErr.Text != tr("packing.seeWhy") {
		t.Errorf("preview for a held lot: img %v, text %q", ps.previewImg != nil, ps.previewErr.Text)
	}
}

func TestPackingIssueCertificatePreviewEqualsPrint(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	out := filepath.Join(t.TempDir(), "labels.tspl")
	f.setSetting(SettingPrinterURI, "file://"+filepath.ToSlash(out))
	lot := f.harvestLot(120)
	ps := f.packing()
	if !strings.Contains(ps.printer.Text, out) {
		t.Errorf("printer shown as %q", ps.printer.Text)
	}
	// Pick from the list instead of scanning.
	for i := 0; i < ps.lots.Len(); i++ {
		if l, ok := ps.lots.Row(i); ok && l.ID == lot.ID {
			ps.lots.table.Select(widget.TableCellID{Row: i})
		}
	}
	if !ps.hasLot || ps.lot.ID != lot.ID || !ps.certOK {
		t.Fatalf("lot not selected or not certifiable: %v %q", ps.hasLot, ps.certWhy.Text)
	}
	ps.kind.SetSelected(tr("packing.kind.cert"))
	if ps.certQty.Text != "120" {
		t.Errorf("certificate quantity defaults to %q, want the 120 kg not yet certified", ps.certQty.Text)
	}
	ps.certQty.SetText("100")
	// 自行检测合格 without a negative test is refused by the basis rule.
	ps.basis[1].SetChecked(true)
	test.Tap(ps.issue)
	if !strings.Contains(f.s.lastMessage, "自行检测合格") {
		t.Errorf("basis without evidence: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	ps.basis[1].SetChecked(false)
	test.Tap(ps.issue)
	certs, err := f.db.ListCertificates(f.ctx, store.CertificateQuery{LotID: lot.ID})
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates = %d, %v (%s)", len(certs), err, f.s.lastMessage)
	}
	c := certs[0]
	if c.Quantity != 100 || len(c.Basis) != 1 || c.Basis[0] != store.BasisQualityControl || c.Style != 1 {
		t.Errorf("certificate = %+v", c)
	}
	if ps.certPick.ID() != c.ID {
		t.Errorf("issued certificate not selected for printing")
	}
	ps.size.SetSelected(label.Size70x50.String())
	ps.copies.SetText("3")
	preview := ps.previewImg
	if preview == nil {
		t.Fatalf("no preview: %s", ps.previewErr.Text)
	}
	test.Tap(ps.printBtn)
	if err := waitDone(t, ps.done); err != nil {
		t.Fatalf("print: %v", err)
	}
	jobs, _ := f.db.ListPrintJobs(f.ctx, store.PrintJobQuery{LotID: lot.ID})
	if len(jobs) != 1 || jobs[0].Status != "done" || jobs[0].Printed != 3 || jobs[0].Kind != "cert1" || jobs[0].CertificateID != c.ID {
		t.Fatalf("jobs = %+v", jobs)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("PRINT ")); n != 3 {
		t.Errorf("printer file holds %d labels, want 3", n)
	}
	// Preview == print: the first label of the job, as printjob renders it
	// for printing, equals the live preview shown before the job existed.
	printed, err := printjob.Preview(f.ctx, f.db, jobs[0], jobs[0].FirstSerial, printjob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(preview, printed) {
		t.Error("the preview differs from the first printed label")
	}
	if !strings.Contains(ps.status.Text, "3") || ps.printBtn.Disabled() {
		t.Errorf("after printing: status %q, button disabled %v", ps.status.Text, ps.printBtn.Disabled())
	}
	// A reprint continues the serials (4 and 5): the live preview predicts
	// them, and the store wants a reason.
	ps.copies.SetText("2")
	preview = ps.previewImg
	test.Tap(ps.printBtn)
	if !strings.Contains(f.s.lastMessage, "原因") {
		t.Fatalf("reprint without a reason: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	ps.reason.SetText("两张标签贴歪，补打")
	test.Tap(ps.printBtn)
	if err := waitDone(t, ps.done); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	jobs, _ = f.db.ListPrintJobs(f.ctx, store.PrintJobQuery{LotID: lot.ID})
	if len(jobs) != 2 || jobs[0].FirstSerial != 4 || jobs[0].Printed != 2 {
		t.Fatalf("reprint job = %+v", jobs[0])
	}
	printed, err = printjob.Preview(f.ctx, f.db, jobs[0], 4, printjob.Options{})
	if err != nil || !sameImage(preview, printed) {
		t.Errorf("reprint preview differs from label 4 (%v)", err)
	}
}

func TestPackingFailedJobResumes(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(50)
	// Nothing listens on port 1: the printer is "off".
	f.setSetting(SettingPrinterURI, "tcp://127.0.0.1:1")
	ps := f.packing()
	scanInto(ps.scan, lot.Code)
	ps.copies.SetText("2")
	test.Tap(ps.printBtn)
	if err := waitDone(t, ps.done); err == nil {
		t.Fatal("printing to a closed port succeeded")
	}
	closeOverlays(f.w)
	jobs, _ := f.db.ListPrintJobs(f.ctx, store.PrintJobQuery{LotID: lot.ID})
	if len(jobs) != 1 || jobs[0].Status != "failed" || jobs[0].Printed != 0 || jobs[0].LastError == "" {
		t.Fatalf("failed job not recorded: %+v", jobs)
	}
	if ps.resume.Disabled() || ps.jobSel != 0 {
		t.Fatalf("failed job not offered for resume (sel %d)", ps.jobSel)
	}
	if !strings.Contains(ps.status.Text, "#") {
		t.Errorf("status after failure: %q", ps.status.Text)
	}
	out := filepath.Join(t.TempDir(), "labels.tspl")
	f.setSetting(SettingPrinterURI, "file://"+filepath.ToSlash(out))
	test.Tap(ps.resume)
	if err := waitDone(t, ps.done); err != nil {
		t.Fatalf("resume: %v", err)
	}
	j, _ := f.db.PrintJobByID(f.ctx, jobs[0].ID)
	if j.Status != "done" || j.Printed != 2 {
		t.Errorf("resumed job = %+v", j)
	}
	data, _ := os.ReadFile(out)
	if n := bytes.Count(data, []byte("PRINT ")); n != 2 {
		t.Errorf("%d labels printed on resume, want 2", n)
	}
	if !ps.resume.Disabled() {
		t.Error("resume still offered for a finished job")
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

// TestPackingPrintUnavailableSaysWhy: 打印 is not clickable-then-refused:
// with no lot scanned or no printer set up it is disabled with the step to
// take beside it, and the progress bar appears only while a job runs.
func TestPackingPrintUnavailableSaysWhy(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(50)
	ps := f.packing()
	if !ps.printBtn.Disabled() || ps.printWhy.Text != "先扫描批次" {
		t.Errorf("no lot: print enabled %v, beside it %q", !ps.printBtn.Disabled(), ps.printWhy.Text)
	}
	if !ps.issue.Disabled() {
		t.Error("issue enabled with no lot")
	}
	if ps.progress.Visible() {
		t.Error("idle progress bar shown")
	}
	scanInto(ps.scan, lot.Code)
	if !ps.hasLot || !ps.printBtn.Disabled() || ps.printWhy.Text != "先在设置中添加打印机" {
		t.Errorf("no printer: lot %v, print enabled %v, beside it %q", ps.hasLot, !ps.printBtn.Disabled(), ps.printWhy.Text)
	}
	f.setSetting(SettingPrinterURI, "file://"+filepath.ToSlash(filepath.Join(t.TempDir(), "labels.tspl")))
	ps = f.packing()
	scanInto(ps.scan, lot.Code)
	if ps.printBtn.Disabled() || ps.printWhy.Text != "" || ps.progress.Visible() {
		t.Fatalf("ready: print enabled %v, beside it %q, progress shown %v", !ps.printBtn.Disabled(), ps.printWhy.Text, ps.progress.Visible())
	}
	ps.copies.SetText("0")
	if !ps.printBtn.Disabled() || ps.printWhy.Text == "" {
		t.Errorf("0 copies: print enabled %v, beside it %q", !ps.printBtn.Disabled(), ps.printWhy.Text)
	}
	ps.copies.SetText("2")
	test.Tap(ps.printBtn)
	if !ps.progress.Visible() {
		t.Error("no progress bar while printing")
	}
	if err := waitDone(t, ps.done); err != nil {
		t.Fatalf("print: %v", err)
	}
	if ps.progress.Visible() || ps.printBtn.Disabled() {
		t.Errorf("after the job: progress shown %v, print enabled %v", ps.progress.Visible(), !ps.printBtn.Disabled())
	}
}

// TestChoiceRadiosLookAvailable: the radio groups of packing, transform,
// shipping and the lab re-test are enabled, and an unselected option's ring
// (ColorNameInputBorder in Fyne's radio renderer) is not drawn in the
// disabled colour — which Fyne's default theme made them look.
func TestChoiceRadiosLookAvailable(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	th := fyne.CurrentApp().Settings().Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	if th.Color(theme.ColorNameInputBorder, v) == th.Color(theme.ColorNameDisabled, v) {
		t.Errorf("the app theme draws an unselected radio ring in the disabled colour %v", th.Color(theme.ColorNameDisabled, v))
	}
	groups := map[string]func() *widget.RadioGroup{
		"packing":   func() *widget.RadioGroup { return f.packing().kind },
		"transform": func() *widget.RadioGroup { return f.transformPane().kind },
		"shipping":  func() *widget.RadioGroup { return f.shipping().buyerType },
		"testing":   func() *widget.RadioGroup { return f.testingScreen().held.labVerdict },
	}
	for name, get := range groups {
		rg := get()
		if rg.Disabled() {
			t.Errorf("%s: radio group disabled", name)
		}
		unselected := 0
		for _, o := range rg.Options {
			if o != rg.Selected {
				unselected++
			}
		}
		if unselected == 0 {
			t.Errorf("%s: no unselected option to check", name)
		}
	}
}
