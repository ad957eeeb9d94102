package app

import (
	"context"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/analyzerimport"
	"suyuan/app/widgets"
	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
	"suyuan/store"
	"suyuan/store/rules"
)

// Settings keys of the analyzer connection (per PC).
const (
	SettingAnalyzerPort   = "analyzer.port"
	SettingAnalyzerDriver = "analyzer.driver"
	SettingAnalyzerBaud   = "analyzer.baud"
)

// trainingDriver is the instrument the training simulator plays.
const trainingDriver = "lz4000t"

// testingScreen connects the rapid-test analyzer, imports its readings
// (each committed before the instrument is asked for more), binds pending
// readings to lots by scanning the lot's code, and lists verdicts: positive
// rows red (the lot is put on hold by the store), invalid rows amber.
type testingScreen struct {
	s *Shell

	port     *widget.SelectEntry
	driver   *widget.Select
	baud     *widget.Entry
	refresh  *widget.Button
	testBtn  *widget.Button
	importBt *widget.Button
	cancelBt *widget.Button
	simBtn   *widget.Button
	progress *widget.ProgressBarInfinite
	count    *widget.Label
	status   *widget.Label
	cancel   context.CancelFunc
	busy     bool
	// done receives once per finished import or connection test (tests).
	done chan error
	// simPath is the pty the training simulator serves ("" when none).
	simPath string

	pending  *pagedTable[store.Reading]
	selected store.Reading
	hasSel   bool
	selLabel *widget.Label
	bindScan *widgets.ScanEntry
	lastBind *store.Inspection
	// the override dialog for a reading tested long before the lot (tests)
	overrideReason  *widget.Entry
	overrideConfirm *widget.Button

	results *pagedTable[store.Inspection]

	// testing-station mode: bind a reading to another producer's sample
	extEntity, extCode *widget.Entry
	extBind            *widget.Button
	// discard a reading, void a result (dialogs kept for tests)
	discardBtn                  *widget.Button
	discardReason, voidReason   *widget.Entry
	discardConfirm, voidConfirm *widget.Button
	voidBtn                     *widget.Button

	rightTabs *container.AppTabs
	held      *heldPane
}

func buildTesting(s *Shell) (fyne.CanvasObject, any) {
	ts := &testingScreen{s: s, done: make(chan error, 8)}
	ts.port = widget.NewSelectEntry(nil)
	ts.port.SetPlaceHolder("/dev/ttyUSB0 · COM3")
	ts.refresh = widget.NewButton(tr("testing.refreshPorts"), ts.listPorts)
	ts.driver = widget.NewSelect(analyzer.Names(), func(name string) {
		if d, err := analyzer.New(name, analyzer.Options{}); err == nil && ts.baud != nil {
			ts.baud.SetText(strconv.Itoa(d.Serial().Baud))
		}
	})
	ts.baud = widget.NewEntry()
	drv := s.setting(SettingAnalyzerDriver)
	if drv == "" {
		drv = trainingDriver
	}
	ts.driver.SetSelected(drv)
	if b := s.setting(SettingAnalyzerBaud); b != "" {
		ts.baud.SetText(b)
	}
	ts.listPorts()
	if p := s.setting(SettingAnalyzerPort); p != "" {
		ts.port.SetText(p)
	}
	ts.testBtn = widget.NewButton(tr("testing.test"), ts.testConnection)
	ts.importBt = widget.NewButton(tr("testing.import"), ts.startImport)
	ts.importBt.Importance = widget.HighImportance
	ts.cancelBt = widget.NewButton(tr("testing.stop"), func() {
		if ts.cancel != nil {
			ts.cancel()
		}
	})
	ts.cancelBt.Disable()
	ts.simBtn = widget.NewButton(tr("testing.startSim"), ts.startSim)
	switch {
	case !s.d.Training:
		ts.simBtn.Hide()
	case s.setting(SettingAnalyzerPort) == "":
		// Training without an instrument: the simulator is the first step,
		// so it is the button that stands out.
		ts.simBtn.Importance = widget.HighImportance
		ts.importBt.Importance = widget.MediumImportance
	}
	ts.progress = widget.NewProgressBarInfinite()
	ts.progress.Stop()
	ts.progress.Hide()
	ts.count = widget.NewLabel("")
	ts.status = wrapLabel("")

	conn := widget.NewForm(
		widget.NewFormItem(tr("testing.port"), container.NewBorder(nil, nil, nil, ts.refresh, ts.port)),
		widget.NewFormItem(tr("testing.driver"), ts.driver),
		widget.NewFormItem(tr("testing.baud"), ts.baud),
	)
	connBox := container.NewVBox(title(tr("testing.connect")), conn,
		container.NewHBox(ts.testBtn, ts.importBt, ts.cancelBt, ts.simBtn),
		ts.progress, ts.count, ts.status)

	ts.pending = newPagedTable(s.ctx, []column[store.Reading]{
		{"testing.time", 135, func(r store.Reading) string { return r.TestedAt.Local().Format("2006-01-02 15:04") }},
		{"testing.sample", 95, func(r store.Reading) string { return strings.TrimSpace(r.SampleNo + " " + r.SampleName) }},
		{"testing.item", 110, func(r store.Reading) string { return r.Item }},
		{"testing.rate", 65, func(r store.Reading) string { return fmtRate(r.Rate) }},
		{"testing.verdict", 100, func(r store.Reading) string { return tr("verdict." + r.Verdict) }},
		{"testing.result", 70, func(r store.Reading) string { return r.Result }},
	}, s.d.Store.CountPendingReadings, s.d.Store.PendingReadings, s.showError)
	ts.pending.onSelect = ts.selectReading
	// A positive is visible the moment it is imported, before anyone binds it.
	tintRows(ts.pending, readingState)
	ts.selLabel = wrapLabel(tr("testing.pickReading"))
	ts.bindScan = s.scanLotEntry(tr("testing.scanLot"), ts.bind)

	ts.results = newPagedTable(s.ctx, []column[store.Inspection]{
		{"testing.time", 135, func(x store.Inspection) string { return x.TestedAt.Local().Format("2006-01-02 15:04") }},
		{"lot.code", 178, func(x store.Inspection) string {
			if x.LotCode != "" {
				return x.LotCode
			}
			return strings.TrimSpace(x.ExternalEntity + " " + x.ExternalCode)
		}},
		{"testing.sample", 110, func(x store.Inspection) string { return x.SampleName }},
		{"testing.rate", 65, func(x store.Inspection) string { return fmtRate(x.Rate) }},
		{"testing.verdict", 130, func(x store.Inspection) string {
			v := tr("verdict." + x.Verdict)
			if x.Voided {
				v += " · " + tr("common.voided")
			}
			return v
		}},
	}, func(ctx context.Context, q store.ListQuery) (int, error) {
		return s.d.Store.CountInspections(ctx, store.InspectionQuery{ListQuery: q})
	}, func(ctx context.Context, q store.ListQuery) ([]store.Inspection, error) {
		return s.d.Store.ListInspections(ctx, store.InspectionQuery{ListQuery: q})
	}, s.showError)
	ts.results.query.IncludeVoided = true // a voided result stays listed, marked
	ts.results.Reload()
	ts.results.onSelect = ts.showInspection
	tintRows(ts.results, verdictState)

	ts.extEntity, ts.extCode = widget.NewEntry(), widget.NewEntry()
	ts.extEntity.SetPlaceHolder(tr("testing.extEntity"))
	ts.extCode.SetPlaceHolder(tr("testing.extCode"))
	ts.extBind = widget.NewButton(tr("testing.extBind"), ts.bindExternal)
	ts.discardBtn = widget.NewButton(tr("testing.discard"), ts.discard)
	ext := container.NewBorder(nil, nil, nil, ts.extBind, container.NewGridWithColumns(2, ts.extEntity, ts.extCode))
	bindBox := container.NewBorder(container.NewVBox(title(tr("testing.pending")),
		container.NewBorder(nil, nil, nil, ts.discardBtn, ts.selLabel), ts.bindScan, ext), nil, nil, nil, ts.pending.Object())
	left := container.NewVSplit(container.NewVScroll(connBox), bindBox)
	left.Offset = 0.36
	ts.rightTabs = container.NewAppTabs(
		container.NewTabItem(tr("testing.results"), ts.results.Object()),
		container.NewTabItem(trf("held.tab", "N", ts.countHeld(s.ctx)), ts.buildHeld()))
	right := ts.rightTabs
	body := container.NewHSplit(left, right)
	body.Offset = 0.45
	return body, ts
}

func fmtRate(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "%"
}

// readingState colours a pending reading by its verdict
// (store.ReadingVerdict, the one binding will record): positive red,
// invalid amber.
func readingState(r store.Reading) (widgets.PillState, bool) {
	switch r.Verdict {
	case "positive":
		return widgets.PillBad, true
	case "invalid":
		return widgets.PillWarn, true
	}
	return widgets.PillIdle, false
}

// verdictState colours a result row: positive red, invalid amber.
func verdictState(x store.Inspection) (widgets.PillState, bool) {
	if x.Voided {
		return widgets.PillIdle, false
	}
	switch x.Verdict {
	case "positive":
		return widgets.PillBad, true
	case "invalid":
		return widgets.PillWarn, true
	}
	return widgets.PillIdle, false
}

// tintRows makes a pagedTable colour whole rows by state (the text stays
// the theme's, on a translucent status colour).
func tintRows[T any](p *pagedTable[T], state func(T) (widgets.PillState, bool)) {
	p.table.CreateCell = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return container.NewStack(canvas.NewRectangle(color.Transparent), l)
	}
	p.table.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) {
		c := o.(*fyne.Container)
		bg, l := c.Objects[0].(*canvas.Rectangle), c.Objects[1].(*widget.Label)
		row, ok := p.Row(id.Row)
		if !ok {
			l.SetText("")
			tint(bg, widgets.PillIdle, false)
			return
		}
		l.SetText(p.cols[id.Col].text(row))
		st, on := state(row)
		tint(bg, st, on)
	}
	p.table.Refresh()
}

func (ts *testingScreen) listPorts() {
	ps, err := serial.List()
	if err != nil {
		ts.s.showError(err)
	}
	var opts []string
	for _, p := range ps {
		opts = append(opts, p.Path)
	}
	if ts.simPath != "" {
		opts = append(opts, ts.simPath)
	}
	ts.port.SetOptions(opts)
	if ts.port.Text == "" && len(opts) > 0 {
		ts.port.SetText(opts[0])
	}
}

// connConfig is the selected port and line settings with the driver.
func (ts *testingScreen) connConfig() (serial.Config, analyzer.Driver, error) {
	path := strings.TrimSpace(ts.port.Text)
	if path == "" {
		return serial.Config{}, nil, uiError("testing.needPort")
	}
	d, err := analyzer.New(ts.driver.Selected, analyzer.Options{})
	if err != nil {
		return serial.Config{}, nil, err
	}
	sp := d.Serial()
	cfg := serial.Config{Path: path, Baud: sp.Baud, DataBits: sp.DataBits, StopBits: sp.StopBits, Parity: sp.Parity}
	if b := strings.TrimSpace(ts.baud.Text); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n <= 0 {
			return serial.Config{}, nil, uiError("error.number", "Field", tr("testing.baud"), "Value", b)
		}
		cfg.Baud = n
	}
	return cfg, d, nil
}

func (ts *testingScreen) setBusy(on bool) {
	ts.busy = on
	for _, b := range []*widget.Button{ts.testBtn, ts.importBt, ts.refresh} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if on {
		ts.cancelBt.Enable()
		ts.progress.Show()
		ts.progress.Start()
	} else {
		ts.cancelBt.Disable()
		ts.progress.Stop()
		ts.progress.Hide()
	}
}

func (ts *testingScreen) finish(err error) {
	select {
	case ts.done <- err:
	default:
	}
}

// testConnection opens the port with the line settings and closes it again,
// on a goroutine (opening a USB adapter can take a moment).
func (ts *testingScreen) testConnection() {
	cfg, _, err := ts.connConfig()
	if err != nil {
		ts.s.showError(err)
		return
	}
	ts.setBusy(true)
	ts.status.SetText(tr("testing.testing"))
	ctx := ts.s.ctx
	go func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := serial.Open(c, cfg)
		cancel()
		if err == nil {
			err = p.Close()
		}
		fyne.Do(func() {
			ts.setBusy(false)
			if err != nil {
				ts.status.SetText(userMessage(err))
			} else {
				ts.status.SetText(trf("testing.portOK", "Port", cfg.Path, "Baud", cfg.Baud))
				ts.save(cfg)
			}
			ts.finish(err)
		})
	}()
}

func (ts *testingScreen) save(cfg serial.Config) {
	if cfg.Path == ts.simPath {
		return // a training pty is gone next time
	}
	p := ts.s.a.Preferences()
	p.SetString(SettingAnalyzerPort, cfg.Path)
	p.SetString(SettingAnalyzerDriver, ts.driver.Selected)
	p.SetString(SettingAnalyzerBaud, strconv.Itoa(cfg.Baud))
}

// startImport reads the analyzer on a goroutine; each reading is committed
// before the next is requested (analyzerimport.Import), and the count
// reaches the screen through fyne.Do.
func (ts *testingScreen) startImport() {
	s := ts.s
	if ts.busy {
		return
	}
	cfg, d, err := ts.connConfig()
	if err != nil {
		s.showError(err)
		return
	}
	if err := s.actor.Require(store.PermInspect); err != nil {
		s.showError(err)
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	ts.cancel = cancel
	ts.setBusy(true)
	ts.count.SetText(trf("testing.progress", "Added", 0, "Dup", 0))
	ts.status.SetText(trf("testing.reading", "Port", cfg.Path))
	db, actor := s.d.Store, s.actor
	go func() {
		defer cancel()
		var sum analyzerimport.Summary
		port, err := serial.Open(ctx, cfg)
		if err == nil {
			sum, err = analyzerimport.Import(ctx, db, actor, port, d, func(p analyzerimport.Progress) {
				fyne.Do(func() {
					ts.count.SetText(trf("testing.progress", "Added", p.Added, "Dup", p.Duplicates))
					ts.pending.Reload()
				})
			})
			port.Close()
		}
		fyne.Do(func() {
			ts.setBusy(false)
			ts.pending.Reload()
			switch {
			case err != nil:
				ts.status.SetText(userMessage(err))
			default:
				ts.status.SetText(sum.Text(CurrentLanguage()))
				ts.save(cfg)
			}
			ts.finish(err)
		})
	}()
}

// startSim (training mode) starts the simulated analyzer on a new
// pseudo-terminal and selects it, so the import path is the real one.
func (ts *testingScreen) startSim() {
	s := ts.s
	master, slave, err := serial.OpenPTY()
	if err != nil {
		s.showError(err)
		return
	}
	ts.simPath = slave
	ts.driver.SetSelected(trainingDriver)
	ts.listPorts()
	ts.port.SetText(slave)
	ts.status.SetText(trf("testing.simStarted", "Port", slave))
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Minute)
	go func() {
		defer cancel()
		defer master.Close()
		_ = sim.Run(ctx, master, trainingDriver, sim.Options{Count: 12, Seed: time.Now().UnixNano()})
	}()
}

func (ts *testingScreen) selectReading(r store.Reading) {
	ts.selected, ts.hasSel = r, true
	ts.selLabel.SetText(trf("testing.selected", "ID", r.ID, "Sample", strings.TrimSpace(r.SampleNo+" "+r.SampleName),
		"Item", r.Item, "Rate", fmtRate(r.Rate)))
	ts.s.w.Canvas().Focus(ts.bindScan)
}

// bind records the selected reading as an inspection of the scanned lot.
func (ts *testingScreen) bind(l store.Lot) {
	s := ts.s
	if !ts.hasSel {
		s.showError(uiError("testing.pickReading"))
		return
	}
	ins, err := s.d.Store.BindReading(s.ctx, s.actor, ts.selected.ID, l.Code)
	if rules.IsRule(err, store.RuleDateOrder) && s.actor.Role.Can(store.PermOverride) {
		// Tested long before the lot existed: an administrator may still
		// bind it, with a reason that goes into the journal.
		id := ts.selected.ID
		ts.overrideReason, ts.overrideConfirm, _ = s.askReason(tr("testing.overrideTitle"),
			trf("testing.overridePrompt", "Msg", userMessage(err)), tr("testing.overrideConfirm"), func(reason string) error {
				ins, err := s.d.Store.BindReadingOverride(s.ctx, s.actor, id, l.Code, reason)
				if err != nil {
					return err
				}
				ts.bound(l, ins)
				return nil
			})
		return
	}
	if err != nil {
		s.showError(err)
		return
	}
	ts.bound(l, ins)
}

// bound updates the screen after a reading was recorded for lot l.
func (ts *testingScreen) bound(l store.Lot, ins store.Inspection) {
	s := ts.s
	ts.lastBind = &ins
	ts.hasSel = false
	ts.selLabel.SetText(tr("testing.pickReading"))
	ts.pending.Reload()
	ts.results.Reload()
	if ins.HoldSet {
		ts.refreshHeld()
	}
	msg := trf("testing.bound", "Code", l.Code, "Verdict", tr("verdict."+ins.Verdict), "Rate", fmtRate(ins.Rate))
	if ins.HoldSet {
		msg += "\n" + trf("testing.holdSet", "Code", l.Code)
	}
	s.showInfo(tr("testing.results"), msg)
}
