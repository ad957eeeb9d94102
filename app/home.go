package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
)

// homeScreen shows today's work and warnings: plots still inside their PHI
// window, certifications about to expire, unsynced journal entries, and the
// device and network status.
type homeScreen struct {
	summary  store.HomeSummary
	phi      []store.PHIWindow
	expiring []store.Certification
	sync     store.SyncStatus
	syncErr  error
	pills    []*widgets.StatusPill
	cards    *fyne.Container

	syncPill    *widgets.StatusPill
	statusPills map[string]*widgets.StatusPill // by Status.Key
}

// statusRow is a label then the pill, one cell of the status grid.
func statusRow(label string, p *widgets.StatusPill) fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel(label), nil, container.NewHBox(p))
}

func (h *homeScreen) setSyncPill() {
	switch {
	case h.syncErr != nil:
		h.syncPill.Set(userMessage(h.syncErr), widgets.PillBad)
	case h.sync.LastError != "" || h.sync.Problem != nil: // Problem: uploads stopped (see Sync)
		h.syncPill.Set(trf("home.syncError", "N", h.sync.Pending), widgets.PillBad)
	case h.sync.Pending > 0:
		h.syncPill.Set(trf("home.syncPending", "N", h.sync.Pending), widgets.PillWarn)
	default:
		h.syncPill.Set(tr("home.syncNone"), widgets.PillOK)
	}
}

// statusChanged runs on the UI goroutine when the status monitor's lines
// change: Home's pills follow without rebuilding the screen.
func (s *Shell) statusChanged() {
	h, ok := s.screen.(*homeScreen)
	if !ok || s.d.Status == nil {
		return
	}
	for _, st := range s.d.Status.Statuses(CurrentLanguage()) {
		if p := h.statusPills[st.Key]; p != nil {
			p.Set(st.Text, widgets.PillState(st.State))
		}
	}
	h.sync, h.syncErr = s.d.Store.SyncStatus(s.ctx)
	h.setSyncPill()
}

// certWarnDays is how far ahead Home warns of an expiring certification:
// renewal of a 绿色食品 title takes about three months, so 90 days leaves
// time to act.
const certWarnDays = 90

func buildHome(s *Shell) (fyne.CanvasObject, any) {
	h := &homeScreen{}
	var err error
	if h.phi, err = s.d.Store.LotsInPHIWindow(s.ctx, s.today()); err != nil {
		s.showError(err)
	}
	if h.expiring, err = s.d.Store.ExpiringCertifications(s.ctx, certWarnDays*24*time.Hour); err != nil {
		s.showError(err)
	}
	if h.summary, err = s.d.Store.HomeSummary(s.ctx, s.today()); err != nil {
		s.showError(err)
	}
	h.sync, h.syncErr = s.d.Store.SyncStatus(s.ctx)

	// Status pills: outbox, then whatever the composition root reports
	// (the monitor's own unsynced line is the outbox pill here).
	h.syncPill = widgets.NewStatusPill("", widgets.PillOK)
	h.setSyncPill()
	h.pills = append(h.pills, h.syncPill)
	statusRows := container.NewGridWithColumns(3, statusRow(tr("home.sync"), h.syncPill))
	h.statusPills = map[string]*widgets.StatusPill{}
	if s.d.Status != nil {
		for _, st := range s.d.Status.Statuses(CurrentLanguage()) {
			if st.Key == StatusKeyUnsynced {
				continue
			}
			p := widgets.NewStatusPill(st.Text, widgets.PillState(st.State))
			h.pills = append(h.pills, p)
			if st.Key != "" {
				h.statusPills[st.Key] = p
			}
			statusRows.Add(statusRow(st.Label, p))
		}
	} else {
		for _, k := range []string{"home.printer", "home.analyzer", "home.scanner", "home.network"} {
			p := widgets.NewStatusPill(tr("home.notConfigured"), widgets.PillIdle)
			h.pills = append(h.pills, p)
			statusRows.Add(statusRow(tr(k), p))
		}
	}
	var statusBox fyne.CanvasObject = statusRows
	if s.d.Training {
		statusBox = container.NewVBox(statusRows, wrapLabel(tr("training.devices")))
	}

	phiBox := container.NewVBox()
	if len(h.phi) == 0 {
		phiBox.Add(widget.NewLabel(tr("home.phiNone")))
	}
	for _, w := range h.phi {
		phiBox.Add(pillRow(widgets.NewStatusPill(tr("home.phiWait"), widgets.PillWarn),
			trf("home.phiRow", "Plot", w.BaseName+" / "+w.PlotName, "Crop", w.Crop, "Date", day(w.Earliest))))
	}
	certBox := container.NewVBox()
	if len(h.expiring) == 0 {
		certBox.Add(widget.NewLabel(trf("home.certsNone", "N", certWarnDays)))
	}
	for _, c := range h.expiring {
		left := int(c.ValidTo.Sub(s.today()).Hours() / 24)
		state := widgets.PillWarn
		if left <= 30 {
			state = widgets.PillBad
		}
		certBox.Add(pillRow(widgets.NewStatusPill(trf("common.days", "N", left), state),
			tr("cert."+c.Kind)+" "+c.Number+" · "+c.ProductName+" · "+trf("home.validTo", "Date", day(c.ValidTo))))
	}
	syncBox := container.NewVBox(wrapLabel(trf("home.journal", "N", h.sync.HeadSeq, "P", h.sync.Pending)))
	if h.sync.LastReceipt != nil {
		syncBox.Add(widget.NewLabel(trf("home.lastReceipt", "Time", h.sync.LastReceipt.StoredAt.Local().Format(time.DateTime))))
	}
	if h.sync.LastError != "" {
		syncBox.Add(wrapLabel(h.sync.LastError))
	}
	if h.sync.OpenRejections > 0 {
		syncBox.Add(widgets.NewStatusPill(trf("home.rejections", "N", h.sync.OpenRejections), widgets.PillBad))
	}

	// Lots: harvested inside a PHI window (no certificate or sale yet) and
	// lots on hold after a positive test.
	lotBox := container.NewVBox()
	// Positive readings nobody has bound or discarded yet come first: the
	// lot they belong to is not on hold until someone binds them.
	for _, r := range h.summary.PositiveReadings {
		lotBox.Add(pillRow(widgets.NewStatusPill(tr("home.positiveReading"), widgets.PillBad), trf("home.positiveRow", "ID", r.ID,
			"Sample", strings.TrimSpace(r.SampleNo+" "+r.SampleName), "Item", r.Item, "Rate", fmtRate(r.Rate),
			"Time", r.TestedAt.Local().Format("2006-01-02 15:04"))))
	}
	if more := h.summary.PositiveReadingsCount - len(h.summary.PositiveReadings); more > 0 {
		lotBox.Add(widget.NewLabel(trf("home.more", "N", more)))
	}
	for _, l := range h.summary.LotsOnHold {
		lotBox.Add(pillRow(widgets.NewStatusPill(tr("home.hold"), widgets.PillBad), l.Code+" · "+l.Product+" · "+l.Reason))
	}
	if more := h.summary.LotsOnHoldCount - len(h.summary.LotsOnHold); more > 0 {
		lotBox.Add(widget.NewLabel(trf("home.more", "N", more)))
	}
	for _, l := range h.summary.LotsInPHI {
		lotBox.Add(pillRow(widgets.NewStatusPill(tr("home.phiWait"), widgets.PillWarn), l.Code+" · "+l.Product+" · "+trf("home.lotPHI", "Date", l.Reason)))
	}
	if len(lotBox.Objects) == 0 {
		lotBox.Add(widget.NewLabel(tr("home.lotsNone")))
	}
	recBox := container.NewVBox()
	// The same rows the completeness report shows as 不齐全 for this period
	// (store.CompletenessWindow + CompletenessAll).
	for _, c := range h.summary.Incomplete {
		recBox.Add(pillRow(widgets.NewStatusPill(tr("home.incomplete"), widgets.PillWarn), incompleteLine(c)))
	}
	if h.summary.PendingReadings > 0 {
		recBox.Add(pillRow(widgets.NewStatusPill(trf("home.readings", "N", h.summary.PendingReadings), widgets.PillWarn), tr("home.readingsHint")))
	}
	if len(recBox.Objects) == 0 {
		recBox.Add(widget.NewLabel(tr("home.recordsOK")))
	}
	if !h.summary.IncompleteTo.IsZero() {
		recBox.Add(wrapLabel(trf("home.recordsPeriod", "From", day(h.summary.IncompleteFrom), "To", day(h.summary.IncompleteTo))))
	}

	// Card titles wrap (a widget.Card heading does not, and two long
	// English headings side by side would widen the window past 1280 px).
	card := func(title string, body fyne.CanvasObject) fyne.CanvasObject {
		t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		t.SizeName = theme.SizeNameSubHeadingText
		t.Wrapping = fyne.TextWrapWord
		return widget.NewCard("", "", container.NewVBox(t, widget.NewSeparator(), body))
	}
	greeting := widget.NewLabelWithStyle(trf("home.greeting", "Name", s.actor.Name, "Date", day(s.today())), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.cards = container.NewGridWithColumns(2,
		card(tr("home.phi"), phiBox),
		card(tr("home.lots"), lotBox),
		card(tr("home.records"), recBox),
		card(tr("home.certs"), certBox),
		card(tr("home.syncTitle"), syncBox),
	)
	// Devices and network first: it is what the packing line checks when
	// something does not print or upload.
	return container.NewVScroll(container.NewVBox(greeting, card(tr("home.devices"), statusBox), h.cards)), h
}

// pillRow is a pill followed by a wrapping text, so long lines (English,
// long plot names) wrap inside their card instead of widening the window.
func pillRow(p *widgets.StatusPill, text string) fyne.CanvasObject {
	return container.NewBorder(nil, nil, container.NewVBox(p), nil, wrapLabel(text))
}

// incompleteLine is one product with missing records: its name and the
// missing areas in the GUI's language.
func incompleteLine(c store.Completeness) string {
	areas := c.Missing()
	for j, a := range areas {
		if t := tr("area." + a); t != "area."+a {
			areas[j] = t
		}
	}
	return c.ProductName + pick("：缺", ": missing ") + strings.Join(areas, pick("、", ", "))
}

// incompleteText translates the store's "name (area, area)" summary: the
// store names the record areas in English (environment, inputs, tests,
// processing).
func incompleteText(s string) string {
	i := strings.LastIndex(s, " (")
	if i < 0 || !strings.HasSuffix(s, ")") {
		return s
	}
	areas := strings.Split(s[i+2:len(s)-1], ", ")
	for j, a := range areas {
		if t := tr("area." + a); t != "area."+a {
			areas[j] = t
		}
	}
	return s[:i] + pick("：缺", ": missing ") + strings.Join(areas, pick("、", ", "))
}
