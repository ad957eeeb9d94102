package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
)

// transformKinds are store.TransformInput kinds in the order the form shows
// them: 加工, 包装, 合并, 分拆.
var transformKinds = []string{"processing", "packing", "merge", "split"}

// transformInputRow is one lot going into a transformation: its code, what
// it still has available (store.Balance) and the quantity taken.
type transformInputRow struct {
	lot       store.Lot
	available float64
	qty       *widget.Entry
}

// transformOutputRow is one new lot a transformation makes.
type transformOutputRow struct {
	product   *idSelect
	qty, unit *widget.Entry
}

// transformPane is Records → 加工/包装: scan or pick the input lots (each
// shows its available balance), name the output lots, save through
// store.Transform (mass balance, hold and date rules are the store's and
// their messages are shown as they are), then go to Packing for the new lots.
type transformPane struct {
	s  *Shell
	rs *recordsScreen

	kind      *widget.RadioGroup
	date      *widget.Entry
	scan      *widgets.ScanEntry
	inputs    []*transformInputRow
	inputBox  *fyne.Container
	outputs   []*transformOutputRow
	outputBox *fyne.Container
	addOutput *widget.Button
	notes     *widget.Entry
	save      *widget.Button

	// result of the last save: the new lots' codes and a button per lot to
	// print its labels in Packing
	result     *fyne.Container
	resultText *widget.Label
	packBtns   []*widget.Button
	last       *store.Transformation

	picker *pagedTable[store.Lot]
	list   *pagedTable[store.Lot]
}

func (rs *recordsScreen) buildTransform(s *Shell) fyne.CanvasObject {
	tp := &transformPane{s: s, rs: rs}
	rs.transform = tp
	tp.kind = widget.NewRadioGroup(transAll("transform.kind.", transformKinds), nil)
	tp.kind.Horizontal = true
	tp.kind.SetSelected(tr("transform.kind.packing"))
	tp.date = s.dateEntry()
	tp.scan = s.scanLotEntry(tr("transform.scanInput"), tp.addInput)
	tp.inputBox = container.NewVBox()
	tp.outputBox = container.NewVBox()
	tp.addOutput = widget.NewButton(tr("transform.addOutput"), func() { tp.newOutput() })
	tp.notes = widget.NewEntry()
	tp.save = widget.NewButton(tr("transform.save"), tp.submit)
	tp.resultText = wrapLabel("")
	tp.result = container.NewVBox()
	tp.newOutput()
	tp.refreshInputs()

	f := widget.NewForm(
		widget.NewFormItem(tr("transform.kind"), tp.kind),
		widget.NewFormItem(tr("common.date"), tp.date),
		widget.NewFormItem(tr("common.notes"), tp.notes),
	)
	tp.save.Importance = widget.HighImportance
	left := container.NewVScroll(container.NewVBox(
		title(tr("transform.new")), f,
		widget.NewSeparator(),
		title(tr("transform.inputs")), tp.scan, tp.inputBox,
		widget.NewSeparator(),
		title(tr("transform.outputs")), tp.outputBox, tp.addOutput,
		widget.NewSeparator(),
		tp.save, tp.result,
	))

	// Right: lots that can go in (tap to add) and the lots made so far.
	tp.picker = s.newLotTable(store.LotQuery{})
	tp.picker.onSelect = tp.addInput
	q := store.LotQuery{Source: store.LotTransform}
	q.IncludeVoided = true
	tp.list = newPagedTable(s.ctx, []column[store.Lot]{
		{"lot.code", 190, func(l store.Lot) string { return l.Code }},
		{"common.date", 100, func(l store.Lot) string { return day(l.ProducedOn) }},
		{"harvest.product", 120, func(l store.Lot) string { return rs.productName(l.ProductID) }},
		{"common.quantity", 90, func(l store.Lot) string { return fmtQty(l.Quantity) + " " + l.Unit }},
		{"lot.state", 80, lotState},
	}, func(ctx context.Context, lq store.ListQuery) (int, error) {
		q.ListQuery = lq
		q.IncludeVoided = true
		return s.d.Store.CountLots(ctx, q)
	}, func(ctx context.Context, lq store.ListQuery) ([]store.Lot, error) {
		q.ListQuery = lq
		q.IncludeVoided = true
		return s.d.Store.ListLots(ctx, q)
	}, s.showError)
	tp.list.onSelect = func(l store.Lot) {
		s.showHistory("transformations", l.TransformationID, trf("transform.historyTitle", "Code", l.Code))
	}
	right := container.NewVSplit(
		container.NewBorder(title(tr("transform.pick")), nil, nil, nil, tp.picker.Object()),
		container.NewBorder(title(tr("transform.made")), nil, nil, nil, tp.list.Object()))
	return splitPane(left, right)
}

// productName is the product's name for lists ("" if unknown).
func (rs *recordsScreen) productName(id int64) string {
	for _, p := range rs.prodRows {
		if p.ID == id {
			return strings.TrimSpace(p.Name + " " + p.Variety)
		}
	}
	return ""
}

// addInput adds a scanned or picked lot with its available balance as the
// default quantity; a lot already listed is not added twice.
func (tp *transformPane) addInput(l store.Lot) {
	s := tp.s
	for _, in := range tp.inputs {
		if in.lot.ID == l.ID {
			s.w.Canvas().Focus(in.qty)
			return
		}
	}
	row := &transformInputRow{lot: l, qty: widget.NewEntry()}
	if b, err := s.d.Store.Balance(s.ctx, l.ID); err == nil {
		row.available = b.Available
		if b.Available > 0 {
			row.qty.SetText(fmtQty(b.Available))
		}
	} else {
		s.showError(err)
	}
	tp.inputs = append(tp.inputs, row)
	// An output defaults to the first input's product and unit.
	if len(tp.inputs) == 1 && len(tp.outputs) > 0 && tp.outputs[0].product.ID() == 0 {
		tp.outputs[0].product.selectID(l.ProductID)
		tp.outputs[0].unit.SetText(l.Unit)
	}
	tp.refreshInputs()
	s.w.Canvas().Focus(row.qty)
}

func (tp *transformPane) refreshInputs() {
	tp.inputBox.Objects = nil
	if len(tp.inputs) == 0 {
		tp.inputBox.Add(wrapLabel(tr("transform.noInputs")))
	}
	for _, in := range tp.inputs {
		in := in
		info := trf("transform.inputInfo", "Code", in.lot.Code, "N", fmtQty(in.available), "Unit", in.lot.Unit)
		lbl := wrapLabel(info)
		var pill fyne.CanvasObject
		if st := lotState(in.lot); st != "" {
			pill = widgets.NewStatusPill(st, widgets.PillBad)
		}
		remove := widget.NewButton(tr("transform.remove"), func() {
			for i, x := range tp.inputs {
				if x == in {
					tp.inputs = append(tp.inputs[:i], tp.inputs[i+1:]...)
					break
				}
			}
			tp.refreshInputs()
		})
		qty := container.NewBorder(nil, nil, widget.NewLabel(tr("common.quantity")), container.NewHBox(widget.NewLabel(in.lot.Unit), remove), in.qty)
		tp.inputBox.Add(container.NewVBox(container.NewBorder(nil, nil, nil, pill, lbl), qty))
	}
	tp.inputBox.Refresh()
}

// newOutput adds an output row (product, quantity, unit).
func (tp *transformPane) newOutput() *transformOutputRow {
	row := &transformOutputRow{qty: widget.NewEntry(), unit: widget.NewEntry()}
	row.product = newIDSelect(func(id int64) {
		for _, p := range tp.rs.prodRows {
			if p.ID == id {
				row.unit.SetText(p.Unit)
			}
		}
	})
	labels, ids := make([]string, len(tp.rs.prodRows)), make([]int64, len(tp.rs.prodRows))
	for i, p := range tp.rs.prodRows {
		labels[i], ids[i] = strings.TrimSpace(p.Name+" "+p.Variety), p.ID
	}
	row.product.setOptions(labels, ids)
	row.qty.SetPlaceHolder(tr("common.quantity"))
	row.unit.SetPlaceHolder(tr("common.unit"))
	tp.outputs = append(tp.outputs, row)
	tp.refreshOutputs()
	return row
}

func (tp *transformPane) refreshOutputs() {
	tp.outputBox.Objects = nil
	for _, o := range tp.outputs {
		o := o
		var remove fyne.CanvasObject
		if len(tp.outputs) > 1 {
			remove = widget.NewButton(tr("transform.remove"), func() {
				for i, x := range tp.outputs {
					if x == o {
						tp.outputs = append(tp.outputs[:i], tp.outputs[i+1:]...)
						break
					}
				}
				tp.refreshOutputs()
			})
		}
		tp.outputBox.Add(container.NewVBox(o.product,
			container.NewBorder(nil, nil, nil, remove, container.NewGridWithColumns(2, o.qty, o.unit))))
	}
	tp.outputBox.Refresh()
}

// submit records the transformation. Input checks (mass balance, hold,
// voided, dates) are the store's: its rule message is shown unchanged and
// nothing is written.
func (tp *transformPane) submit() {
	s := tp.s
	d, err := parseDate(tp.date)
	if err != nil {
		s.showError(err)
		return
	}
	in := store.TransformInput{Kind: at(transformKinds, indexOf(transAll("transform.kind.", transformKinds), tp.kind.Selected)),
		Date: d, Notes: tp.notes.Text}
	if len(tp.inputs) == 0 {
		s.showError(uiError("transform.needInput"))
		return
	}
	for _, row := range tp.inputs {
		q, err := parseFloat(row.qty.Text, "common.quantity")
		if err != nil {
			s.showError(err)
			return
		}
		in.Inputs = append(in.Inputs, store.LotQty{LotID: row.lot.ID, Quantity: q})
	}
	for _, o := range tp.outputs {
		q, err := parseFloat(o.qty.Text, "common.quantity")
		if err != nil {
			s.showError(err)
			return
		}
		if o.product.ID() == 0 {
			s.showError(uiError("transform.needProduct"))
			return
		}
		in.Outputs = append(in.Outputs, store.NewLot{ProductID: o.product.ID(), Quantity: q, Unit: strings.TrimSpace(o.unit.Text)})
	}
	t, err := s.d.Store.Transform(s.ctx, s.actor, in)
	if err != nil {
		s.showError(err)
		return
	}
	tp.last = &t
	tp.showResult(t)
	tp.inputs = nil
	tp.refreshInputs()
	tp.outputs = nil
	tp.newOutput()
	tp.notes.SetText("")
	tp.picker.Reload()
	tp.list.Reload()
}

// showResult lists the new lots' codes under the form, each with a button
// to print its labels in Packing (for users who may print).
func (tp *transformPane) showResult(t store.Transformation) {
	s := tp.s
	codes := make([]string, len(t.Outputs))
	for i, l := range t.Outputs {
		codes[i] = l.Code + "  " + fmtQty(l.Quantity) + " " + l.Unit
	}
	tp.resultText.SetText(trf("transform.done", "Kind", tr("transform.kind."+t.Kind)) + "\n" + strings.Join(codes, "\n"))
	tp.result.Objects = []fyne.CanvasObject{widget.NewSeparator(), tp.resultText}
	tp.packBtns = nil
	if s.actor.Role.Can(store.PermCertify) {
		for _, l := range t.Outputs {
			l := l
			b := widget.NewButton(trf("transform.toPacking", "Code", l.Code), func() { s.openPacking(l) })
			b.Importance = widget.HighImportance
			tp.packBtns = append(tp.packBtns, b)
			tp.result.Add(b)
		}
	}
	tp.result.Refresh()
}

// openPacking shows Packing with lot l selected (the same hand-over the
// shipping screen uses for the market voucher).
func (s *Shell) openPacking(l store.Lot) bool {
	if !s.Show("packing") {
		return false
	}
	if ps, ok := s.screen.(*packingScreen); ok {
		ps.selectLot(l)
		return true
	}
	return false
}
