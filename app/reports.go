package app

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/store"
)

// completenessAreas are the four record areas in store order.
var completenessAreas = []string{"environment", "inputs", "tests", "processing"}

// reportsScreen answers the questions an inspector or a certification body
// asks: are the records complete per product, has the site recorded for six
// months without a gap, where did this code come from and go, and how many
// tests and inputs per month (charts drawn with canvas shapes).
type reportsScreen struct {
	s    *Shell
	tabs *container.AppTabs

	from, to     *widget.Entry
	complete     *memTable[store.Completeness]
	completeRows []store.Completeness

	readyPill *widgets.StatusPill
	readyText *widget.Label
	readyGaps *widget.Label
	readiness store.Readiness
	readyBox  *fyne.Container

	traceScan *widgets.ScanEntry
	traceFull *widget.Check
	traceTree *widget.Tree
	traceRes  *store.TraceResult
	traceText map[string]string
	traceKids map[string][]string
	traceMsg  *widget.Label
	// traceExport opens Reports & exports for the traced lot.
	traceExport *widget.Button

	stats     []store.MonthStat
	chartsBox *fyne.Container
}

func buildReports(s *Shell) (fyne.CanvasObject, any) {
	rs := &reportsScreen{s: s, tabs: container.NewAppTabs()}
	rs.tabs.Append(container.NewTabItem(tr("reports.completeness"), rs.buildCompleteness()))
	rs.tabs.Append(container.NewTabItem(tr("reports.readiness"), rs.buildReadiness()))
	rs.tabs.Append(container.NewTabItem(tr("reports.trace"), rs.buildTrace()))
	rs.tabs.Append(container.NewTabItem(tr("reports.charts"), rs.buildCharts()))
	return rs.tabs, rs
}

// --- completeness ---

func areaText(c store.Completeness, area string) string {
	for _, it := range c.Items {
		if it.Area != area {
			continue
		}
		switch it.Status {
		case store.StatusPresent:
			t := trf("reports.present", "N", it.Count)
			if it.Latest != "" {
				t += " · " + it.Latest
			}
			return t
		case store.StatusMissing:
			return tr("reports.missing")
		default:
			return tr("reports.na")
		}
	}
	return ""
}

func (rs *reportsScreen) buildCompleteness() fyne.CanvasObject {
	s := rs.s
	rs.to = s.dateEntry()
	rs.from = widget.NewEntry()
	from, _ := store.CompletenessWindow(s.today()) // Home's period (same rows)
	rs.from.SetText(day(from))
	cols := []column[store.Completeness]{
		{"harvest.product", 130, func(c store.Completeness) string { return c.ProductName }},
		{"reports.lots", 60, func(c store.Completeness) string { return strconv.Itoa(c.Lots) }},
	}
	for _, a := range completenessAreas {
		a := a
		cols = append(cols, column[store.Completeness]{"reports.area." + a, 180, func(c store.Completeness) string { return areaText(c, a) }})
	}
	cols = append(cols, column[store.Completeness]{"reports.complete", 110, func(c store.Completeness) string {
		if c.Complete {
			return tr("reports.yes")
		}
		return tr("reports.no")
	}})
	rs.complete = newMemTable(cols, func(c store.Completeness, q string) bool { return containsFold(c.ProductName, q) })
	run := widget.NewButton(tr("reports.run"), rs.loadCompleteness)
	run.Importance = widget.HighImportance
	top := container.NewVBox(wrapLabel(tr("reports.completenessHint")),
		container.NewHBox(widget.NewLabel(tr("reports.from")), container.NewGridWrap(fyne.NewSize(130, rs.from.MinSize().Height), rs.from),
			widget.NewLabel(tr("reports.to")), container.NewGridWrap(fyne.NewSize(130, rs.to.MinSize().Height), rs.to), run))
	rs.loadCompleteness()
	return container.NewBorder(top, nil, nil, nil, rs.complete.Object())
}

func (rs *reportsScreen) loadCompleteness() {
	s := rs.s
	from, err := parseDate(rs.from)
	if err != nil {
		s.showError(err)
		return
	}
	to, err := parseDate(rs.to)
	if err != nil {
		s.showError(err)
		return
	}
	rows, err := s.d.Store.CompletenessAll(s.ctx, from, to) // what Home's card uses
	if err != nil {
		s.showError(err)
		return
	}
	rs.completeRows = rows
	rs.complete.SetRows(rs.completeRows)
}

// --- readiness ---

func (rs *reportsScreen) buildReadiness() fyne.CanvasObject {
	rs.readyPill = widgets.NewStatusPill("", widgets.PillIdle)
	rs.readyText = wrapLabel("")
	rs.readyGaps = wrapLabel("")
	rs.readyBox = container.NewVBox()
	rs.loadReadiness()
	return container.NewVScroll(container.NewVBox(wrapLabel(tr("reports.readinessHint")), wrapLabel(tr("reports.readinessBasis")),
		container.NewHBox(rs.readyPill), rs.readyText, rs.readyGaps, title(tr("reports.recordsPerMonth")), rs.readyBox))
}

func (rs *reportsScreen) loadReadiness() {
	s := rs.s
	r, err := s.d.Store.Readiness(s.ctx, s.today())
	if err != nil {
		s.showError(err)
		return
	}
	rs.readiness = r
	switch {
	case r.Ready:
		rs.readyPill.Set(tr("reports.ready"), widgets.PillOK)
	case r.FirstRecord.IsZero():
		rs.readyPill.Set(tr("reports.noRecords"), widgets.PillIdle)
	default:
		rs.readyPill.Set(tr("reports.notReady"), widgets.PillWarn)
	}
	if r.FirstRecord.IsZero() {
		rs.readyText.SetText(tr("reports.noRecords"))
	} else {
		rs.readyText.SetText(trf("reports.readyText", "First", day(r.FirstRecord), "From", day(r.ReadyFrom)))
	}
	if len(r.Gaps) > 0 {
		rs.readyGaps.SetText(trf("reports.gaps", "Months", strings.Join(r.Gaps, "、")))
	} else {
		rs.readyGaps.SetText("")
	}
	// The chart always spans the six-month window before today (empty
	// months show as gaps), or since the first record when that is longer,
	// up to 18 months.
	counts := map[string]int{}
	for _, m := range r.Months {
		counts[m.Month] = m.Entries
	}
	start := time.Date(r.On.Year(), r.On.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -6, 0)
	if len(r.Months) > 0 {
		if f, err := time.Parse("2006-01", r.Months[0].Month); err == nil && f.Before(start) {
			start = f
		}
	}
	if lim := time.Date(r.On.Year(), r.On.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -17, 0); start.Before(lim) {
		start = lim
	}
	var labels []string
	var vals []float64
	for m := start; !m.After(r.On); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		labels, vals = append(labels, k), append(vals, float64(counts[k]))
	}
	rs.readyBox.Objects = []fyne.CanvasObject{newBarChart(labels, vals, nil, stateColor(widgets.PillOK))}
	rs.readyBox.Refresh()
}

// --- trace ---

func (rs *reportsScreen) buildTrace() fyne.CanvasObject {
	rs.traceScan = widgets.NewScanEntry()
	rs.traceScan.SetPlaceHolder(tr("reports.traceHint"))
	rs.traceScan.OnScan = func(sc scanner.Scan) { rs.trace(sc.Raw) }
	rs.traceScan.OnSubmitted = rs.trace
	rs.traceFull = widget.NewCheck(tr("reports.traceFull"), nil)
	rs.traceFull.Checked = true
	rs.traceMsg = wrapLabel("")
	rs.traceText, rs.traceKids = map[string]string{}, map[string][]string{}
	rs.traceTree = widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return rs.traceKids[id] },
		func(id widget.TreeNodeID) bool { return len(rs.traceKids[id]) > 0 },
		func(bool) fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) { o.(*widget.Label).SetText(rs.traceText[id]) })
	go1 := widget.NewButton(tr("reports.traceGo"), func() { rs.trace(rs.traceScan.Text) })
	go1.Importance = widget.HighImportance
	rs.traceExport = widget.NewButton(tr("exports.thisLot"), func() {
		if rs.traceRes != nil && rs.traceRes.Root != nil {
			rs.s.exportLot(rs.traceRes.Root.Lot.Code)
		}
	})
	rs.traceExport.Disable()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(rs.traceFull, go1), rs.traceScan),
		container.NewBorder(nil, nil, nil, rs.traceExport, rs.traceMsg))
	return container.NewBorder(top, nil, nil, nil, rs.traceTree)
}

// trace looks the code up and shows the lot with one step back (origin,
// applications, supplier) and forward (sales, certificates, tests), and in
// a full trace the transformations in and out, as a tree.
func (rs *reportsScreen) trace(code string) {
	s := rs.s
	code = strings.TrimSpace(code)
	if code == "" {
		s.showError(uiError("reports.traceHint"))
		return
	}
	res, err := s.d.Store.Trace(s.ctx, code, rs.traceFull.Checked)
	if err != nil {
		rs.traceMsg.SetText(userMessage(err))
		rs.traceExport.Disable()
		s.showError(err)
		return
	}
	rs.traceScan.SetText(code)
	rs.traceRes = res
	rs.traceText, rs.traceKids = map[string]string{}, map[string][]string{}
	n := 0
	add := func(parent, text string) string {
		n++
		id := parent + "/" + strconv.Itoa(n)
		rs.traceText[id] = text
		rs.traceKids[parent] = append(rs.traceKids[parent], id)
		return id
	}
	var node func(parent string, t *store.TraceNode)
	node = func(parent string, t *store.TraceNode) {
		if t == nil {
			return
		}
		l := t.Lot
		head := fmt.Sprintf("%s  %s  %s %s  %s", l.Code, strings.TrimSpace(l.Product+" "+l.Variety), fmtQty(l.Quantity), l.Unit, l.ProducedOn)
		if l.NationalCode != "" {
			head += "  " + l.NationalCode
		}
		if l.Hold {
			head += "  【" + tr("lot.hold") + "】"
		}
		if l.Voided {
			head += "  【" + tr("common.voided") + "】"
		}
		if t.Repeat {
			head += "  " + tr("reports.repeat")
		}
		me := add(parent, head)
		if o := t.Origin; o != nil {
			oid := add(me, trf("reports.origin", "Base", o.Base, "Plot", o.Plot, "Crop", o.Crop))
			for _, a := range o.Applications {
				add(oid, fmt.Sprintf("%s  %s  %s %s", a.Date, a.Material, fmtQty(a.Dose), a.DoseUnit))
			}
			for _, e := range o.EnvTests {
				add(oid, fmt.Sprintf("%s  %s  %s  %s", e.Date, tr("env."+e.Kind), tr("env."+e.Conclusion), e.ReportNo))
			}
		}
		if r := t.Receipt; r != nil {
			add(me, trf("reports.receipt", "Date", r.Date, "Supplier", r.Supplier, "Code", r.UpstreamCode))
		}
		if len(t.Inputs) > 0 {
			iid := add(me, tr("reports.inputs"))
			for _, e := range t.Inputs {
				eid := add(iid, fmt.Sprintf("%s  %s  %s", e.Date, e.Kind, fmtQty(e.Quantity)))
				node(eid, e.Node)
			}
		}
		if len(t.Inspections) > 0 {
			tid := add(me, tr("reports.tests"))
			for _, x := range t.Inspections {
				add(tid, fmt.Sprintf("%s  %s  %s  %s", fmtStamp(x.TestedAt), x.Item, fmtRate(x.Rate), tr("verdict."+x.Verdict)))
			}
		}
		if len(t.Certificates) > 0 {
			cid := add(me, tr("reports.certs"))
			for _, c := range t.Certificates {
				add(cid, fmt.Sprintf("%s  %s  %s %s", c.CertNo, c.Date, fmtQty(c.Quantity), c.Unit))
			}
		}
		if len(t.Shipments) > 0 {
			sid := add(me, tr("reports.shipments"))
			for _, x := range t.Shipments {
				add(sid, fmt.Sprintf("%s  %s  %s  %s %s", x.Date, x.Buyer, tr("shipping.buyer."+x.BuyerType), fmtQty(x.Quantity), x.Unit))
			}
		}
		if len(t.Outputs) > 0 {
			oid := add(me, tr("reports.outputs"))
			for _, e := range t.Outputs {
				eid := add(oid, fmt.Sprintf("%s  %s  %s", e.Date, e.Kind, fmtQty(e.Quantity)))
				node(eid, e.Node)
			}
		}
	}
	node("", res.Root)
	rs.traceMsg.SetText(trf("reports.traceFound", "N", res.Lots))
	rs.traceExport.Enable()
	rs.traceTree.Refresh()
	rs.traceTree.OpenAllBranches()
}

// --- charts ---

func (rs *reportsScreen) buildCharts() fyne.CanvasObject {
	s := rs.s
	to := s.today()
	from := to.AddDate(0, -11, 0)
	stats, err := s.d.Store.MonthlyStats(s.ctx, from, to)
	if err != nil {
		s.showError(err)
	}
	rs.stats = stats
	labels := make([]string, len(stats))
	tests, rate, apps := make([]float64, len(stats)), make([]float64, len(stats)), make([]float64, len(stats))
	for i, m := range stats {
		labels[i] = m.Month[2:]
		tests[i], apps[i] = float64(m.Tests), float64(m.Applications)
		rate[i] = -1
		if m.Negative+m.Positive > 0 {
			rate[i] = m.PassRate
		}
	}
	rs.chartsBox = container.NewGridWithRows(2,
		widget.NewCard(tr("reports.chartTests"), tr("reports.chartTestsSub"), newBarChart(labels, tests, rate, stateColor(widgets.PillOK))),
		widget.NewCard(tr("reports.chartInputs"), "", newBarChart(labels, apps, nil, stateColor(widgets.PillWarn))),
	)
	return rs.chartsBox
}

// barChart draws bars (counts) with an optional line (a 0..1 rate, -1 for
// no value) over month labels, with canvas rectangles, lines and text.
type barChart struct {
	labels []string
	vals   []float64
	line   []float64
	bars   []*canvas.Rectangle
	nums   []*canvas.Text
	texts  []*canvas.Text
	segs   []*canvas.Line
	dots   []*canvas.Circle
	axis   *canvas.Line
	lineC  color.Color
}

func newBarChart(labels []string, vals, line []float64, barColor color.Color) fyne.CanvasObject {
	th := fyne.CurrentApp().Settings().Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	fg := th.Color(theme.ColorNameForeground, v)
	c := &barChart{labels: labels, vals: vals, line: line, lineC: stateColor(widgets.PillBad)}
	var objs []fyne.CanvasObject
	c.axis = canvas.NewLine(fg)
	objs = append(objs, c.axis)
	small := th.Size(theme.SizeNameCaptionText)
	for i := range vals {
		r := canvas.NewRectangle(barColor)
		c.bars = append(c.bars, r)
		n := canvas.NewText(strconv.FormatFloat(vals[i], 'f', -1, 64), fg)
		n.TextSize, n.Alignment = small, fyne.TextAlignCenter
		c.nums = append(c.nums, n)
		t := canvas.NewText(labels[i], fg)
		t.TextSize, t.Alignment = small, fyne.TextAlignCenter
		c.texts = append(c.texts, t)
		objs = append(objs, r, n, t)
	}
	for i := 0; i+1 < len(line); i++ {
		l := canvas.NewLine(c.lineC)
		l.StrokeWidth = 2
		c.segs = append(c.segs, l)
		objs = append(objs, l)
	}
	for range line {
		d := canvas.NewCircle(c.lineC)
		c.dots = append(c.dots, d)
		objs = append(objs, d)
	}
	return container.New(c, objs...)
}

// MinSize leaves room for the numbers above and the months below.
func (c *barChart) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(float32(len(c.vals))*44, 180)
}

// Layout places bars on a common scale (the largest value fills the
// height), the rate line on a 0–100 % scale over the same area.
func (c *barChart) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	n := len(c.vals)
	if n == 0 {
		return
	}
	textH := float32(18)
	if len(c.texts) > 0 {
		textH = c.texts[0].MinSize().Height + 2
	}
	top, bottom := textH+4, size.Height-textH-4
	h := bottom - top
	slot := size.Width / float32(n)
	maxV := 0.0
	for _, v := range c.vals {
		maxV = max(maxV, v)
	}
	c.axis.Position1, c.axis.Position2 = fyne.NewPos(0, bottom), fyne.NewPos(size.Width, bottom)
	for i, v := range c.vals {
		bh := float32(0)
		if maxV > 0 {
			bh = float32(v/maxV) * h
		}
		bw := min(slot*0.6, 56) // one month alone is a bar, not a wall
		c.bars[i].Move(fyne.NewPos(slot*float32(i)+(slot-bw)/2, bottom-bh))
		c.bars[i].Resize(fyne.NewSize(bw, bh))
		c.nums[i].Move(fyne.NewPos(slot*float32(i), bottom-bh-textH))
		c.nums[i].Resize(fyne.NewSize(slot, textH))
		c.nums[i].Hidden = v == 0
		c.texts[i].Move(fyne.NewPos(slot*float32(i), bottom+2))
		c.texts[i].Resize(fyne.NewSize(slot, textH))
	}
	pt := func(i int) fyne.Position {
		return fyne.NewPos(slot*float32(i)+slot/2, bottom-float32(c.line[i])*h)
	}
	for i, d := range c.dots {
		d.Hidden = c.line[i] < 0
		p := pt(i)
		d.Move(fyne.NewPos(p.X-4, p.Y-4))
		d.Resize(fyne.NewSize(8, 8))
	}
	for i, sgm := range c.segs {
		sgm.Hidden = c.line[i] < 0 || c.line[i+1] < 0
		sgm.Position1, sgm.Position2 = pt(i), pt(i+1)
	}
}

// fmtStamp shows a stored UTC timestamp in local time, to the minute.
func fmtStamp(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04")
}
