package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/label"
	"suyuan/app/printjob"
	"suyuan/app/widgets"
	"suyuan/device/printer"
	"suyuan/store"
)

// Settings keys the packing line reads from the store's settings table
// (set on the Settings screen by an administrator).
const (
	SettingPrinterURI  = store.SettingPrinterURI
	SettingPrinterSize = store.SettingPrinterSize
	SettingPrinterLang = store.SettingPrinterLang
	SettingPrinterDPI  = store.SettingPrinterDPI
)

// printerSetting reads a printer setting from the store ("" when unset or
// unreadable: the packing line then uses its defaults).
func (s *Shell) printerSetting(key string) string {
	v, err := s.d.Store.Setting(s.ctx, key)
	if err != nil {
		fyne.LogError("read setting "+key, err)
		return ""
	}
	return strings.TrimSpace(v)
}

// Printout kinds offered on the packing screen. A certificate prints as
// cert1 (producer) or cert2 (purchaser) by the certificate's style.
const (
	packTrace   = "trace"
	packVoucher = "voucher"
	packCert    = "cert"
)

var packKinds = []string{packTrace, packVoucher, packCert}

// packingScreen is the packing line: scan or pick a lot, choose what to
// print, see the exact image that will print, print copies in the
// background and resume a job a printer error interrupted.
type packingScreen struct {
	s *Shell

	scan *widgets.ScanEntry
	lots *pagedTable[store.Lot]

	lot      store.Lot
	hasLot   bool
	lotInfo  *widget.Label
	holdPill *widgets.StatusPill
	// exportLot opens Reports & exports for the lot (app/exports.go).
	exportLot *widget.Button

	kind     *widget.RadioGroup
	certWhy  *widget.Label // CanCertify's rule message, next to the choice
	certPill *widgets.StatusPill
	certOK   bool

	// certificate: pick an issued one or issue one inline
	certBox   *fyne.Container
	certPick  *idSelect
	certRows  []store.Certificate
	basis     []*widget.Check
	certQty   *widget.Entry
	upstream  *widget.Entry
	upForm    *widget.Form
	issue     *widget.Button
	issueWhy  *widget.Label // why issuing is unavailable, next to the button
	certRoom  *widget.Label
	issuedNow *store.Certificate

	size    *widget.Select
	copies  *widget.Entry
	reason  *widget.Entry
	printer *widget.Label

	preview    *canvas.Image
	previewErr *widget.Label
	previewImg image.Image // what the preview shows (tests compare it with the print)

	printBtn *widget.Button
	printWhy *widget.Label       // why printing is unavailable, next to the button
	progress *widget.ProgressBar // shown only while a job runs
	status   *widget.Label
	printing bool
	// done receives once per finished print run (tests wait on it).
	done chan error

	jobs    *widget.List
	jobRows []store.PrintJob
	jobSel  int
	resume  *widget.Button
}

func buildPacking(s *Shell) (fyne.CanvasObject, any) {
	ps := &packingScreen{s: s, jobSel: -1, done: make(chan error, 8)}
	ps.scan = s.scanLotEntry(tr("packing.scanHint"), ps.selectLot)
	ps.lots = s.newLotTable(store.LotQuery{})
	ps.lots.onSelect = ps.selectLot

	ps.lotInfo = wrapLabel(tr("packing.noLot"))
	ps.holdPill = widgets.NewStatusPill("", widgets.PillIdle)
	ps.holdPill.Hide()
	ps.exportLot = widget.NewButton(tr("exports.thisLot"), func() {
		if ps.hasLot {
			s.exportLot(ps.lot.Code)
		}
	})
	ps.exportLot.Disable()

	ps.certWhy = wrapLabel("")
	ps.certPill = widgets.NewStatusPill("", widgets.PillIdle)
	ps.certPill.Hide()
	ps.kind = widget.NewRadioGroup(transAll("packing.kind.", packKinds), func(string) { ps.kindChanged() })
	ps.kind.SetSelected(tr("packing.kind." + packTrace))

	ps.certPick = newIDSelect(func(int64) { ps.updatePreview() })
	ps.certPick.PlaceHolder = tr("packing.pickCert")
	for _, b := range store.CertBases {
		ps.basis = append(ps.basis, widget.NewCheck(b, nil))
	}
	ps.basis[0].SetChecked(true)
	ps.certQty = widget.NewEntry()
	ps.upstream = widget.NewEntry()
	ps.upstream.SetPlaceHolder(tr("packing.upstreamHint"))
	ps.certRoom = widget.NewLabel("")
	ps.issue = widget.NewButton(tr("packing.issue"), ps.issueCert)
	ps.issue.Importance = widget.HighImportance
	ps.issueWhy = wrapLabel("")
	basisBox := container.NewVBox()
	for _, c := range ps.basis {
		basisBox.Add(c)
	}
	// The supplier's certificate number matters only for a bought-in lot
	// (样式二); the field is shown for those only.
	ps.upForm = widget.NewForm(widget.NewFormItem(tr("packing.upstream"), ps.upstream))
	ps.upForm.Hide()
	ps.certBox = container.NewVBox(
		widget.NewForm(widget.NewFormItem(tr("packing.issuedCerts"), ps.certPick)),
		widget.NewSeparator(),
		title(tr("packing.newCert")),
		widget.NewForm(
			widget.NewFormItem(tr("packing.basis"), basisBox),
			widget.NewFormItem(tr("common.quantity"), container.NewBorder(nil, nil, nil, ps.certRoom, ps.certQty)),
		),
		ps.upForm,
		container.NewBorder(nil, nil, container.NewVBox(ps.issue), nil, ps.issueWhy),
	)
	ps.certBox.Hide()

	sizes := make([]string, len(label.Presets))
	for i, p := range label.Presets {
		sizes[i] = p.String()
	}
	ps.size = widget.NewSelect(sizes, func(string) { ps.updatePreview() })
	def := s.printerSetting(SettingPrinterSize)
	if def == "" {
		def = label.Size60x40.String()
	}
	if indexOf(sizes, def) < 0 {
		ps.size.Options = append(ps.size.Options, def)
	}
	ps.size.SetSelected(def)
	ps.copies = widget.NewEntry()
	ps.copies.SetText("1")
	ps.copies.OnChanged = func(string) { ps.updatePreview() }
	ps.reason = widget.NewEntry()
	ps.reason.SetPlaceHolder(tr("packing.reprintHint"))
	ps.printer = wrapLabel("")

	ps.preview = canvas.NewImageFromImage(nil)
	ps.preview.FillMode = canvas.ImageFillContain
	ps.preview.ScaleMode = canvas.ImageScaleSmooth // downscaled for the screen; same bitmap
	ps.preview.SetMinSize(fyne.NewSize(280, 170))
	ps.previewErr = wrapLabel(tr("packing.noLot"))

	ps.printBtn = widget.NewButton(tr("packing.print"), ps.print)
	ps.printBtn.Importance = widget.HighImportance
	ps.printWhy = wrapLabel("")
	ps.progress = widget.NewProgressBar()
	ps.progress.Hide() // no idle "0 %": shown while a job runs
	ps.status = wrapLabel("")

	ps.jobs = widget.NewList(func() int { return len(ps.jobRows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(ps.jobRows) {
				o.(*widget.Label).SetText(jobText(ps.jobRows[i]))
			}
		})
	ps.jobs.OnSelected = func(i widget.ListItemID) {
		ps.jobSel = i
		ps.updateResume()
	}
	ps.resume = widget.NewButton(tr("packing.resume"), ps.resumeJob)
	ps.resume.Disable()

	// Left to right: ① the lot, ② what to print, ③ the preview with copies
	// and the print button under it, then the lot's print jobs.
	left := container.NewBorder(container.NewVBox(title(tr("packing.step1")), ps.scan), nil, nil, nil, ps.lots.Object())
	middle := container.NewVBox(
		title(tr("packing.step2")),
		container.NewBorder(nil, nil, nil, container.NewVBox(ps.holdPill, ps.exportLot), ps.lotInfo),
		ps.kind,
		container.NewBorder(nil, nil, container.NewVBox(ps.certPill), nil, ps.certWhy),
		ps.certBox,
	)
	step3 := container.NewVBox(
		widget.NewSeparator(),
		title(tr("packing.step3")),
		widget.NewForm(
			widget.NewFormItem(tr("packing.size"), ps.size),
			widget.NewFormItem(tr("packing.copies"), ps.copies),
			widget.NewFormItem(tr("packing.reprint"), ps.reason),
			widget.NewFormItem(tr("packing.printer"), ps.printer),
		),
		container.NewBorder(nil, nil, container.NewVBox(ps.printBtn), nil, ps.printWhy), ps.progress, ps.status,
	)
	jobsBox := container.NewBorder(container.NewBorder(nil, nil, nil, ps.resume, title(tr("packing.jobs"))), nil, nil, nil, ps.jobs)
	previewBox := container.NewBorder(title(tr("packing.preview")), ps.previewErr, nil, nil, container.NewPadded(ps.preview))
	right := container.NewVSplit(previewBox, container.NewBorder(step3, nil, nil, nil, jobsBox))
	right.Offset = 0.38
	inner := container.NewHSplit(container.NewVScroll(middle), right)
	inner.Offset = 0.5
	body := container.NewHSplit(left, inner)
	body.Offset = 0.33
	ps.refreshPrinter()
	ps.updateActions()
	s.w.Canvas().Focus(ps.scan)
	return body, ps
}

// printerURI is where labels go: the configured printer; in training mode
// with none configured, a file in the training data directory.
func (ps *packingScreen) printerURI() string {
	if u := ps.s.printerSetting(SettingPrinterURI); u != "" {
		return u
	}
	if ps.s.d.Training {
		return "file://" + filepath.ToSlash(filepath.Join(filepath.Dir(ps.s.d.Store.Path()), "training-labels.tspl"))
	}
	return ""
}

func (ps *packingScreen) printerLang() printer.Lang {
	if l, err := printer.ParseLang(ps.s.printerSetting(SettingPrinterLang)); err == nil {
		return l
	}
	return printer.TSPL
}

// labelOptions carries the site's QR URL template (Settings), so the
// preview and the printed label encode the same address.
func (ps *packingScreen) labelOptions() label.Options {
	return label.Options{URLTemplate: ps.s.printerSetting(store.SettingURLTemplate)}
}

func (ps *packingScreen) printerDPI() int {
	if n, err := strconv.Atoi(ps.s.printerSetting(SettingPrinterDPI)); err == nil && n > 0 {
		return n
	}
	return 203
}

func (ps *packingScreen) refreshPrinter() {
	u := ps.printerURI()
	if u == "" {
		ps.printer.SetText(tr("packing.noPrinter"))
		return
	}
	ps.printer.SetText(u + " · " + strings.ToUpper(string(ps.printerLang())) + " · " + strconv.Itoa(ps.printerDPI()) + " dpi")
}

// selectLot shows lot l: its state, whether it may be certified and why
// not, its certificates and print jobs, and the preview.
func (ps *packingScreen) selectLot(l store.Lot) {
	s := ps.s
	fresh, err := s.d.Store.LotByID(s.ctx, l.ID)
	if err == nil {
		l = fresh
	}
	ps.lot, ps.hasLot, ps.issuedNow = l, true, nil
	prod := ""
	if p, err := s.d.Store.GetProduct(s.ctx, l.ProductID); err == nil {
		prod = strings.TrimSpace(p.Name + " " + p.Variety)
	}
	info := trf("packing.lotInfo", "Code", l.Code, "Product", prod, "Qty", fmtQty(l.Quantity)+" "+l.Unit, "Date", day(l.ProducedOn))
	b, err := s.d.Store.Balance(s.ctx, l.ID)
	room := 0.0
	if err == nil {
		room = b.Quantity - b.Disposed - b.Certified
		info += "\n" + trf("packing.balance", "Avail", fmtQty(b.Available), "Cert", fmtQty(b.Certified), "Unit", l.Unit)
	}
	ps.lotInfo.SetText(info)
	ps.exportLot.Enable()
	switch {
	case l.Voided:
		ps.holdPill.Set(tr("common.voided"), widgets.PillBad)
		ps.holdPill.Show()
	case l.Hold:
		ps.holdPill.Set(tr("lot.hold"), widgets.PillBad)
		ps.holdPill.Show()
	default:
		ps.holdPill.Hide()
	}
	// Why a certificate may not be issued, in the rule's own words.
	if err := s.d.Store.CanCertify(s.ctx, l.ID, s.today()); err != nil {
		ps.certOK = false
		ps.certWhy.SetText(userMessage(err))
		ps.certPill.Set(tr("packing.cannotCertify"), widgets.PillBad)
	} else {
		ps.certOK = true
		ps.certWhy.SetText(tr("packing.canCertify"))
		ps.certPill.Set(tr("packing.certOK"), widgets.PillOK)
	}
	ps.certPill.Show()
	if room > 0 {
		ps.certQty.SetText(fmtQty(room))
	} else {
		ps.certQty.SetText("")
	}
	ps.certRoom.SetText(l.Unit)
	ps.upstream.SetText("")
	if l.Source == store.LotReceipt {
		ps.upForm.Show()
	} else {
		ps.upForm.Hide()
	}
	ps.loadCerts()
	ps.loadJobs()
	ps.kindChanged()
}

func (ps *packingScreen) loadCerts() {
	s := ps.s
	ps.certRows = nil
	if ps.hasLot {
		rows, err := s.d.Store.ListCertificates(s.ctx, store.CertificateQuery{LotID: ps.lot.ID, ListQuery: store.ListQuery{Limit: store.MaxListLimit}})
		if err != nil {
			s.showError(err)
		}
		ps.certRows = rows
	}
	labels, ids := make([]string, len(ps.certRows)), make([]int64, len(ps.certRows))
	for i, c := range ps.certRows {
		labels[i] = fmt.Sprintf("%s · %s %s · %s", c.CertNo, fmtQty(c.Quantity), c.Unit, day(c.Date))
		ids[i] = c.ID
	}
	ps.certPick.setOptions(labels, ids)
	if len(ids) > 0 {
		ps.certPick.SetSelectedIndex(0)
	}
}

func (ps *packingScreen) loadJobs() {
	s := ps.s
	ps.jobRows = nil
	if ps.hasLot {
		rows, err := s.d.Store.ListPrintJobs(s.ctx, store.PrintJobQuery{LotID: ps.lot.ID, ListQuery: store.ListQuery{Limit: store.MaxListLimit}})
		if err != nil {
			s.showError(err)
		}
		ps.jobRows = rows
	}
	ps.jobSel = -1
	ps.jobs.UnselectAll()
	ps.jobs.Refresh()
	// A failed job is selected at once: resuming it is the next step.
	for i, j := range ps.jobRows {
		if j.Status == "failed" {
			ps.jobs.Select(i)
			break
		}
	}
	ps.updateResume()
}

func jobText(j store.PrintJob) string {
	t := fmt.Sprintf("#%d  %s  %d-%d  %s %d/%d", j.ID, tr("packing.kind."+jobKindKey(j.Kind)), j.FirstSerial, j.LastSerial(),
		tr("packing.job."+j.Status), j.Printed, j.Copies)
	if j.LastError != "" && j.Status == "failed" {
		t += "  " + j.LastError
	}
	return t
}

func jobKindKey(k string) string {
	if strings.HasPrefix(k, "cert") {
		return packCert
	}
	return k
}

func (ps *packingScreen) updateResume() {
	if !ps.printing && ps.jobSel >= 0 && ps.jobSel < len(ps.jobRows) {
		if st := ps.jobRows[ps.jobSel].Status; st == "failed" || st == "open" {
			ps.resume.Enable()
			return
		}
	}
	ps.resume.Disable()
}

// kindValue is the selected printout kind (trace, voucher, cert).
func (ps *packingScreen) kindValue() string {
	return at(packKinds, indexOf(transAll("packing.kind.", packKinds), ps.kind.Selected))
}

func (ps *packingScreen) kindChanged() {
	if ps.certBox == nil {
		return
	}
	if ps.kindValue() == packCert {
		ps.certBox.Show()
	} else {
		ps.certBox.Hide()
	}
	ps.updatePreview()
}

// issueCert issues a 承诺达标合格证 for the lot from the inline form.
func (ps *packingScreen) issueCert() {
	s := ps.s
	if !ps.hasLot {
		s.showError(uiError("packing.noLot"))
		return
	}
	var basis []string
	for _, c := range ps.basis {
		if c.Checked {
			basis = append(basis, c.Text)
		}
	}
	if len(basis) == 0 {
		s.showError(uiError("packing.pickBasis"))
		return
	}
	q, err := parseFloat(ps.certQty.Text, "common.quantity")
	if err != nil {
		s.showError(err)
		return
	}
	style := 1
	if ps.lot.Source == store.LotReceipt {
		style = 2
	}
	c, err := s.d.Store.IssueCertificate(s.ctx, s.actor, store.CertInput{LotID: ps.lot.ID, Style: style, Basis: basis, Quantity: q,
		Date: s.today(), UpstreamCertNo: ps.upstream.Text})
	if err != nil {
		s.showError(err)
		return
	}
	ps.selectLot(ps.lot)
	ps.issuedNow = &c
	ps.certPick.selectID(c.ID)
	ps.status.SetText(trf("packing.issued", "No", c.CertNo))
}

// printKind is the store's print kind for the current choice.
func (ps *packingScreen) printKind() (string, int64, error) {
	switch k := ps.kindValue(); k {
	case packTrace, packVoucher:
		return k, 0, nil
	case packCert:
		id := ps.certPick.ID()
		for _, c := range ps.certRows {
			if c.ID == id {
				return fmt.Sprintf("cert%d", c.Style), c.ID, nil
			}
		}
		if !ps.certOK {
			return "", 0, s2err(ps.certWhy.Text)
		}
		return "", 0, uiError("packing.needCert")
	}
	return "", 0, uiError("packing.pickKind")
}

// s2err wraps an already translated rule message (shown again on tap).
type msgErr string

func (m msgErr) Error() string                  { return string(m) }
func (m msgErr) UserMessage(lang string) string { return string(m) }
func s2err(m string) error                      { return msgErr(m) }

func (ps *packingScreen) copiesValue() (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(ps.copies.Text))
	if err != nil || n < 1 {
		return 0, uiError("packing.badCopies", "Value", ps.copies.Text)
	}
	return n, nil
}

// previewData is the first label of the run the form describes, mapped
// by printjob.ToLabel exactly as printjob.Run maps it: the lot, product,
// origin and producer (or the chosen certificate) as the store resolves them,
// and the serials the store will allocate (per lot and kind, one past the
// highest ever allocated).
func (ps *packingScreen) previewData() (label.Data, error) {
	s := ps.s
	kind, certID, err := ps.printKind()
	if err != nil {
		return label.Data{}, err
	}
	n, err := ps.copiesValue()
	if err != nil {
		return label.Data{}, err
	}
	l := ps.lot
	first := 1
	for _, j := range ps.jobRows {
		if j.Kind == kind && j.LastSerial()+1 > first {
			first = j.LastSerial() + 1
		}
	}
	d := store.LabelData{Kind: kind, Serial: first, Index: 1, Total: n, LocalCode: l.Code, ShortCode: l.NationalShortCode,
		Quantity: l.Quantity, Unit: l.Unit, Date: l.ProducedOn}
	if l.NationalCode != "" {
		d.Code = l.NationalCode
	} else {
		d.Code, d.Provisional = l.Code, true
	}
	if p, err := s.d.Store.GetProduct(s.ctx, l.ProductID); err == nil {
		d.Product, d.Variety = p.Name, p.Variety
	}
	ent, err := s.d.Store.GetEntity(s.ctx)
	if err != nil {
		return label.Data{}, err
	}
	d.Producer, d.Contact = ent.Name, strings.TrimSpace(ent.ContactName+" "+ent.ContactPhone)
	d.Origin = ps.origin(l)
	if d.Origin == "" {
		d.Origin = ent.Address
	}
	if certID != 0 {
		for _, c := range ps.certRows {
			if c.ID == certID {
				d.CertNo, d.Style, d.Basis, d.PromiseVersion, d.UpstreamCertNo = c.CertNo, c.Style, c.Basis, c.PromiseVersion, c.UpstreamCertNo
				d.Product, d.Quantity, d.Unit, d.Origin, d.Producer, d.Contact, d.Date = c.ProductName, c.Quantity, c.Unit, c.Origin, c.Issuer, c.Contact, c.Date
			}
		}
	}
	return printjob.ToLabel(d, first+n-1), nil
}

// origin is the base address (or division) of the plot a harvest lot came
// from, as the store prints it.
func (ps *packingScreen) origin(l store.Lot) string {
	s := ps.s
	if l.PlotID == 0 {
		return ""
	}
	p, err := s.d.Store.GetPlot(s.ctx, l.PlotID)
	if err != nil {
		return ""
	}
	b, err := s.d.Store.GetBase(s.ctx, p.BaseID)
	if err != nil {
		return ""
	}
	if a := strings.TrimSpace(b.Address); a != "" {
		return a
	}
	return strings.TrimSpace(b.DivisionCode)
}

func (ps *packingScreen) labelSize() (label.Size, error) { return label.ParseSize(ps.size.Selected) }

// updatePreview renders the image that will print, or says why there is none.
func (ps *packingScreen) updatePreview() {
	if ps.preview == nil {
		return
	}
	show := func(img image.Image, msg string) {
		ps.previewImg = img
		ps.preview.Image = img
		ps.preview.Refresh()
		ps.previewErr.SetText(msg)
	}
	defer ps.updateActions()
	if !ps.hasLot {
		show(nil, tr("packing.noLot"))
		return
	}
	d, err := ps.previewData()
	var why msgErr
	switch {
	case errors.As(err, &why):
		// The rule's message is already next to the choice.
		show(nil, tr("packing.seeWhy"))
		return
	case err != nil:
		show(nil, userMessage(err))
		return
	}
	size, err := ps.labelSize()
	if err != nil {
		show(nil, userMessage(err))
		return
	}
	bm, err := label.Render(d, size, ps.printerDPI(), ps.labelOptions())
	if err != nil {
		show(nil, userMessage(err))
		return
	}
	note := trf("packing.previewNote", "Size", size.String(), "N", d.Total)
	if ps.lot.NationalCode == "" {
		// printjob.Start gives the lot a pre-allocated national code when
		// one is left; the label then carries it instead of 待登记.
		if st, err := ps.s.d.Store.SyncStatus(ps.s.ctx); err == nil && st.FreeCodes > 0 {
			note += "\n" + tr("packing.codeOnPrint")
		}
	}
	show(bm, note)
}

// print starts a print job (a short store write on the UI goroutine) and
// sends the labels from a goroutine.
func (ps *packingScreen) print() {
	s := ps.s
	if ps.printing {
		return
	}
	if !ps.hasLot {
		s.showError(uiError("packing.noLot"))
		return
	}
	kind, certID, err := ps.printKind()
	if err != nil {
		s.showError(err)
		return
	}
	n, err := ps.copiesValue()
	if err != nil {
		s.showError(err)
		return
	}
	uri := ps.printerURI()
	if uri == "" {
		s.showError(uiError("packing.noPrinter"))
		return
	}
	if _, err := printer.ParseURI(uri); err != nil {
		s.showError(err)
		return
	}
	job, err := printjob.Start(s.ctx, s.d.Store, s.actor, store.PrintJobInput{Kind: kind, LotID: ps.lot.ID, CertificateID: certID, Copies: n,
		Printer: uri, Size: ps.size.Selected, DPI: ps.printerDPI(), Lang: "zh", Reason: ps.reason.Text})
	if err != nil {
		s.showError(err)
		return
	}
	ps.reason.SetText("")
	ps.run(job, uri)
}

// resumeJob reopens the selected failed job and prints what is left.
func (ps *packingScreen) resumeJob() {
	s := ps.s
	if ps.printing || ps.jobSel < 0 || ps.jobSel >= len(ps.jobRows) {
		return
	}
	j := ps.jobRows[ps.jobSel]
	job, err := s.d.Store.ResumePrintJob(s.ctx, s.actor, j.ID)
	if err != nil {
		s.showError(err)
		return
	}
	uri := ps.printerURI()
	if uri == "" {
		uri = job.Printer
	}
	ps.run(job, uri)
}

// run prints job's remaining labels on a goroutine with printjob.Run;
// progress reaches the widgets only through fyne.Do.
func (ps *packingScreen) run(job store.PrintJob, uri string) {
	s := ps.s
	ps.printing = true
	ps.printBtn.Disable()
	ps.printWhy.SetText("")
	ps.resume.Disable()
	ps.progress.Max = float64(job.Copies)
	ps.progress.SetValue(float64(job.Printed))
	ps.progress.Show()
	ps.status.SetText(trf("packing.printing", "ID", job.ID, "Done", job.Printed, "N", job.Copies))
	ps.loadJobs()
	// The preview now shows the job's own first label to print.
	if img, err := printjob.Preview(s.ctx, s.d.Store, job, job.NextSerial(), printjob.Options{Label: ps.labelOptions()}); err == nil {
		ps.previewImg = img
		ps.preview.Image = img
		ps.preview.Refresh()
	}
	lang, lopts := ps.printerLang(), ps.labelOptions()
	db, actor := s.d.Store, s.actor
	go func() {
		err := printRun(s.ctx, db, actor, job, uri, lang, lopts, func(p printjob.Progress) {
			fyne.Do(func() {
				ps.progress.SetValue(float64(p.Printed))
				ps.status.SetText(trf("packing.printing", "ID", job.ID, "Done", p.Printed, "N", job.Copies))
			})
		})
		fyne.Do(func() {
			ps.printing = false
			ps.progress.Hide()
			ps.updateActions()
			if err != nil {
				ps.status.SetText(trf("packing.failed", "ID", job.ID) + "\n" + userMessage(err))
				s.showError(err)
			} else {
				ps.status.SetText(trf("packing.done", "ID", job.ID, "N", job.Copies, "From", job.FirstSerial, "To", job.LastSerial()))
			}
			ps.loadJobs()
			select {
			case ps.done <- err:
			default:
			}
		})
	}()
}

// printBlock is why printing is unavailable now ("" when it is not): no lot
// scanned, no printer set up, the lot voided or on hold for a certificate
// or voucher (a trace label is allowed on a held lot, store.StartPrintJob),
// no certificate chosen, or a bad number of copies.
func (ps *packingScreen) printBlock() string {
	if !ps.hasLot {
		return tr("packing.scanFirst")
	}
	if ps.printerURI() == "" {
		return tr("packing.addPrinter")
	}
	kind := ps.kindValue()
	switch {
	case ps.lot.Hold && kind != packTrace:
		return trf("packing.heldWhy", "Reason", ps.lot.HoldReason)
	case ps.lot.Voided:
		return ps.certWhy.Text
	}
	if _, _, err := ps.printKind(); err != nil {
		return userMessage(err)
	}
	if _, err := ps.copiesValue(); err != nil {
		return userMessage(err)
	}
	return ""
}

// updateActions makes 开具合格证 and 打印 unavailable when the rules would
// refuse them, with the reason next to each button (not clickable and then
// refused).
func (ps *packingScreen) updateActions() {
	if ps.issue == nil || ps.printBtn == nil {
		return
	}
	switch {
	case !ps.hasLot:
		ps.issue.Disable()
		ps.issueWhy.SetText(tr("packing.scanFirst"))
	case !ps.certOK:
		ps.issue.Disable()
		ps.issueWhy.SetText(ps.certWhy.Text)
	default:
		ps.issue.Enable()
		ps.issueWhy.SetText("")
	}
	if ps.printing {
		ps.printBtn.Disable()
		ps.printWhy.SetText("")
		return
	}
	if why := ps.printBlock(); why != "" {
		ps.printBtn.Disable()
		ps.printWhy.SetText(why)
		return
	}
	ps.printBtn.Enable()
	ps.printWhy.SetText("")
}

// printRun opens the printer at uri (a PDF or PNG file sink for file:// in
// those languages) and runs the job with printjob.Run, which records every
// label in the store as the printer takes it and marks the job failed on a
// printer error so it can be resumed. A printer that cannot be opened also
// fails the job (it stays resumable).
func printRun(ctx context.Context, db *store.DB, actor store.Actor, job store.PrintJob, uri string, lang printer.Lang, lopts label.Options, progress func(printjob.Progress)) error {
	var tr printer.Transport
	u, err := printer.ParseURI(uri)
	switch {
	case err == nil && u.Scheme == "file" && lang == printer.PDF:
		tr = printjob.NewPDFFile(u.Path, job.DPI)
	case err == nil && u.Scheme == "file" && lang == printer.PNG:
		tr = &printjob.PNGFiles{Path: u.Path, Next: job.NextSerial()}
	default:
		octx, cancel := context.WithTimeout(ctx, 15*time.Second)
		tr, err = printer.Open(octx, uri)
		cancel()
	}
	if err != nil {
		if ferr := db.FailPrintJob(context.WithoutCancel(ctx), job.ID, userMessage(err)); ferr != nil {
			fyne.LogError("record print failure", ferr)
		}
		return err
	}
	defer tr.Close()
	_, err = printjob.Run(ctx, db, actor, job, tr, printjob.Options{Label: lopts, Lang: lang, Progress: progress})
	return err
}
