package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
)

// Disposal methods (store.DisposeInput.Method) in the order shown.
var disposeMethods = []string{"destroy", "return", "downgrade", "other"}

// heldPane is Testing → 暂停销售的批次: the lots on hold and the three ways
// out the store allows — a negative lab re-test of the positive, an
// administrator's decision with a reason (store.ReleaseHold), or a
// disposal (store.Dispose; an administrator may mark it as settling the
// hold although some quantity remains).
type heldPane struct {
	s  *Shell
	ts *testingScreen

	list    *pagedTable[store.Lot]
	lot     store.Lot
	hasLot  bool
	info    *widget.Label
	pill    *widgets.StatusPill
	actions *fyne.Container

	// lab re-test
	positives                 []store.Inspection
	retestOf                  *idSelect
	labVerdict                *widget.RadioGroup
	labName, labReport, labIt *widget.Entry
	labSave                   *widget.Button
	labWhy                    *widget.Label // what is missing before saving

	// administrator's release
	releaseReason *widget.Entry
	releaseBtn    *widget.Button

	// disposal
	dispMethod   *widget.Select
	dispQty      *widget.Entry
	dispReason   *widget.Entry
	dispResolves *widget.Check
	dispBtn      *widget.Button
	dispWhy      *widget.Label // what is missing before recording
	avail        float64       // the lot's balance (a disposal may not exceed it)
	hasAvail     bool
	product      string
	// the destroy confirmation (tests)
	destroyPrompt  *widget.Label
	destroyConfirm *widget.Button
}

func (ts *testingScreen) buildHeld() fyne.CanvasObject {
	s := ts.s
	hp := &heldPane{s: s, ts: ts}
	ts.held = hp
	on := true
	hp.list = s.newLotTable(store.LotQuery{OnHold: &on})
	hp.list.onSelect = hp.selectLot
	hp.info = wrapLabel(tr("held.pick"))
	hp.pill = widgets.NewStatusPill("", widgets.PillBad)
	hp.pill.Hide()

	hp.retestOf = newIDSelect(func(int64) { hp.updateLab() })
	// No verdict is preselected: the technician chooses one, and saving is
	// unavailable until then (labWhy says so).
	hp.labVerdict = widget.NewRadioGroup([]string{tr("verdict.negative"), tr("verdict.positive")}, func(string) { hp.updateLab() })
	hp.labVerdict.Horizontal = true
	hp.labName, hp.labReport, hp.labIt = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	hp.labReport.SetPlaceHolder(tr("held.reportHint"))
	hp.labSave = widget.NewButton(tr("held.labSave"), hp.saveLab)
	hp.labSave.Importance = widget.HighImportance
	hp.labWhy = wrapLabel("")
	lab := widget.NewForm(
		widget.NewFormItem(tr("held.retestOf"), hp.retestOf),
		widget.NewFormItem(tr("held.lab"), hp.labName),
		widget.NewFormItem(tr("held.report"), hp.labReport),
		widget.NewFormItem(tr("testing.item"), hp.labIt),
		widget.NewFormItem(tr("testing.verdict"), hp.labVerdict),
	)

	hp.releaseReason = widget.NewEntry()
	hp.releaseReason.SetPlaceHolder(tr("held.releaseHint"))
	hp.releaseBtn = widget.NewButton(tr("held.release"), hp.release)
	hp.releaseBtn.Importance = widget.DangerImportance

	// Neither a method nor a quantity is preselected (it used to be
	// "destroy" with the whole balance): the form says what is missing and
	// the button stays unavailable until it is filled in.
	hp.dispMethod = newSelect(transAll("dispose.", disposeMethods), func(string) { hp.updateDisp() })
	hp.dispQty = widget.NewEntry()
	hp.dispQty.OnChanged = func(string) { hp.updateDisp() }
	hp.dispReason = widget.NewEntry()
	hp.dispReason.SetPlaceHolder(tr("held.disposeHint"))
	hp.dispReason.OnChanged = func(string) { hp.updateDisp() }
	hp.dispResolves = widget.NewCheck(tr("held.resolves"), nil)
	hp.dispBtn = widget.NewButton(tr("held.dispose"), hp.dispose)
	hp.dispWhy = wrapLabel("")
	disp := widget.NewForm(
		widget.NewFormItem(tr("held.method"), hp.dispMethod),
		widget.NewFormItem(tr("common.quantity"), hp.dispQty),
		widget.NewFormItem(tr("common.reason"), hp.dispReason),
	)

	hp.actions = container.NewVBox(
		title(tr("held.labTitle")), lab, container.NewBorder(nil, nil, container.NewVBox(hp.labSave), nil, hp.labWhy),
		widget.NewSeparator(),
		title(tr("held.disposeTitle")), disp,
	)
	admin := s.actor.Role.Can(store.PermOverride)
	if admin {
		hp.actions.Add(hp.dispResolves)
	}
	hp.actions.Add(container.NewBorder(nil, nil, container.NewVBox(hp.dispBtn), nil, hp.dispWhy))
	if admin {
		hp.actions.Add(widget.NewSeparator())
		hp.actions.Add(title(tr("held.releaseTitle")))
		hp.actions.Add(widget.NewForm(widget.NewFormItem(tr("common.reason"), hp.releaseReason)))
		hp.actions.Add(hp.releaseBtn)
	}
	hp.updateLab()
	hp.updateDisp()
	hp.actions.Hide()
	detail := container.NewVScroll(container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(hp.pill), hp.info), hp.actions))
	split := container.NewVSplit(hp.list.Object(), detail)
	split.Offset = 0.3
	return split
}

// selectLot shows a held lot with its unresolved positive tests.
func (hp *heldPane) selectLot(l store.Lot) {
	s := hp.s
	if fresh, err := s.d.Store.LotByID(s.ctx, l.ID); err == nil {
		l = fresh
	}
	hp.lot, hp.hasLot = l, true
	info := trf("held.lotInfo", "Code", l.Code, "Qty", fmtQty(l.Quantity)+" "+l.Unit, "Reason", l.HoldReason)
	hp.hasAvail, hp.avail = false, 0
	if b, err := s.d.Store.Balance(s.ctx, l.ID); err == nil {
		info += "\n" + trf("shipping.available", "N", fmtQty(b.Available), "Unit", l.Unit)
		hp.hasAvail, hp.avail = true, b.Available
	}
	hp.product = ""
	if p, err := s.d.Store.GetProduct(s.ctx, l.ProductID); err == nil {
		hp.product = strings.TrimSpace(p.Name + " " + p.Variety)
	}
	hp.info.SetText(info)
	if l.Hold {
		hp.pill.Set(tr("lot.hold"), widgets.PillBad)
	} else {
		hp.pill.Set(tr("held.released"), widgets.PillOK)
	}
	hp.pill.Show()
	pos, err := s.d.Store.ListInspections(s.ctx, store.InspectionQuery{LotID: l.ID, Verdict: "positive"})
	if err != nil {
		s.showError(err)
	}
	hp.positives = pos
	labels, ids := make([]string, len(pos)), make([]int64, len(pos))
	for i, x := range pos {
		labels[i], ids[i] = trf("held.positiveRow", "ID", x.ID, "Time", x.TestedAt.Local().Format("2006-01-02 15:04"), "Item", x.Item, "Rate", fmtRate(x.Rate)), x.ID
	}
	hp.retestOf.setOptions(labels, ids)
	if len(ids) > 0 {
		hp.retestOf.SetSelectedIndex(0)
		hp.labIt.SetText(pos[0].Item)
	}
	hp.labVerdict.SetSelected("")
	hp.releaseReason.SetText("")
	hp.dispMethod.ClearSelected()
	hp.dispQty.SetText("")
	hp.dispReason.SetText("")
	hp.dispResolves.SetChecked(false)
	hp.updateLab()
	hp.updateDisp()
	if l.Hold {
		hp.actions.Show()
	} else {
		hp.actions.Hide()
	}
}

// after reloads the lists and the lot once an action succeeded.
func (hp *heldPane) after(msg string) {
	s := hp.s
	hp.ts.refreshHeld()
	hp.ts.results.Reload()
	hp.selectLot(hp.lot)
	s.showInfo(tr("held.title"), msg)
}

// saveLab records the lab re-test of the selected positive. A negative lab
// result is what lifts the hold (store.RecordInspection).
func (hp *heldPane) saveLab() {
	s := hp.s
	if !hp.hasLot {
		s.showError(uiError("held.pick"))
		return
	}
	id := hp.retestOf.ID()
	if id == 0 {
		s.showError(uiError("held.needPositive"))
		return
	}
	var verdict string
	switch hp.labVerdict.Selected {
	case tr("verdict.negative"):
		verdict = "negative"
	case tr("verdict.positive"):
		verdict = "positive"
	default:
		s.showError(uiError("held.needVerdict"))
		return
	}
	basis := strings.TrimSpace(strings.Join([]string{strings.TrimSpace(hp.labName.Text), strings.TrimSpace(hp.labReport.Text)}, " "))
	ins, err := s.d.Store.RecordInspection(s.ctx, s.actor, store.InspectionInput{LotID: hp.lot.ID, Kind: "lab", RetestOf: &id,
		Verdict: verdict, Item: hp.labIt.Text, Basis: basis, Method: tr("held.labMethod"), Operator: s.actor.Name})
	if err != nil {
		s.showError(err)
		return
	}
	msg := trf("held.labDone", "Code", hp.lot.Code, "Verdict", tr("verdict."+ins.Verdict))
	if ins.HoldLifted {
		msg += "\n" + trf("held.lifted", "Code", hp.lot.Code)
	}
	hp.after(msg)
}

// release is the administrator's decision (PermOverride, reason).
func (hp *heldPane) release() {
	s := hp.s
	if !hp.hasLot {
		s.showError(uiError("held.pick"))
		return
	}
	if err := s.d.Store.ReleaseHold(s.ctx, s.actor, hp.lot.ID, hp.releaseReason.Text); err != nil {
		s.showError(err)
		return
	}
	hp.after(trf("held.lifted", "Code", hp.lot.Code))
}

// dispose records destroying/returning/downgrading (part of) the lot.
func (hp *heldPane) dispose() {
	s := hp.s
	if !hp.hasLot {
		s.showError(uiError("held.pick"))
		return
	}
	q, err := hp.dispMissing()
	if err != nil {
		s.showError(err)
		return
	}
	method := at(disposeMethods, hp.dispMethod.SelectedIndex())
	if method != "destroy" {
		if err := hp.record(method, q); err != nil {
			s.showError(err)
		}
		return
	}
	// Destroying cannot be undone: ask again with the quantity in words.
	var d dialog.Dialog
	hp.destroyPrompt = wrapLabel(trf("held.destroyPrompt", "Qty", fmtQty(q), "Unit", unitWord(hp.lot.Unit),
		"Product", hp.product, "Code", hp.lot.Code))
	hp.destroyConfirm = widget.NewButton(tr("held.destroyConfirm"), func() {
		d.Hide()
		if err := hp.record(method, q); err != nil {
			s.showError(err)
		}
	})
	hp.destroyConfirm.Importance = widget.DangerImportance
	cancel := widget.NewButton(tr("Cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(tr("held.destroyTitle"), container.NewVBox(hp.destroyPrompt,
		container.NewGridWithColumns(2, cancel, hp.destroyConfirm)), s.w)
	d.Resize(s.dialogSize(520, 0))
	d.Show()
}

// record stores the disposal (store.Dispose) and refreshes the pane.
func (hp *heldPane) record(method string, q float64) error {
	s := hp.s
	d, err := s.d.Store.Dispose(s.ctx, s.actor, store.DisposeInput{LotID: hp.lot.ID, Date: s.today(),
		Method: method, Quantity: q, Reason: hp.dispReason.Text, ResolvesHold: hp.dispResolves.Checked})
	if err != nil {
		return err
	}
	msg := trf("held.disposed", "Code", hp.lot.Code, "Qty", fmtQty(d.Quantity)+" "+hp.lot.Unit)
	if d.HoldLifted {
		msg += "\n" + trf("held.lifted", "Code", hp.lot.Code)
	}
	hp.after(msg)
	return nil
}

// updateLab enables saving the re-test only once a positive to re-test and
// a verdict are chosen; labWhy says what is missing.
func (hp *heldPane) updateLab() {
	if hp.labWhy == nil || hp.labSave == nil {
		return
	}
	var why string
	switch {
	case !hp.hasLot:
		why = tr("held.pick")
	case hp.retestOf.ID() == 0:
		why = tr("held.needPositive")
	case hp.labVerdict.Selected == "":
		why = tr("held.needVerdict")
	}
	hp.labWhy.SetText(why)
	if why != "" {
		hp.labSave.Disable()
	} else {
		hp.labSave.Enable()
	}
}

// dispMissing is the disposal quantity once the form is complete, or what
// is missing or wrong: a method, a quantity (a number, at most the lot's
// balance, named), a reason.
func (hp *heldPane) dispMissing() (float64, error) {
	if !hp.hasLot {
		return 0, uiError("held.pick")
	}
	if hp.dispMethod.SelectedIndex() < 0 {
		return 0, uiError("held.needMethod")
	}
	if strings.TrimSpace(hp.dispQty.Text) == "" {
		return 0, uiError("held.needQty")
	}
	q, err := parseFloat(hp.dispQty.Text, "common.quantity")
	if err != nil {
		return 0, err
	}
	if hp.hasAvail && q > hp.avail {
		return 0, uiError("held.qtyOver", "Qty", fmtQty(q), "Code", hp.lot.Code, "Avail", fmtQty(hp.avail), "Unit", unitWord(hp.lot.Unit))
	}
	if strings.TrimSpace(hp.dispReason.Text) == "" {
		return 0, uiError("held.needReason")
	}
	return q, nil
}

// updateDisp enables recording the disposal only when dispMissing has
// nothing to say; dispWhy says it otherwise.
func (hp *heldPane) updateDisp() {
	if hp.dispWhy == nil || hp.dispBtn == nil {
		return
	}
	if _, err := hp.dispMissing(); err != nil {
		hp.dispWhy.SetText(userMessage(err))
		hp.dispBtn.Disable()
		return
	}
	hp.dispWhy.SetText("")
	hp.dispBtn.Enable()
}

// unitWord is a unit as said in the UI language ("kg" is 公斤 in Chinese).
func unitWord(u string) string {
	if w := tr("unit." + u); w != "unit."+u {
		return w
	}
	return u
}

// --- pending readings: testing-station bind and discard ---

// bindExternal records the selected reading as a test of another
// producer's sample (testing-station mode): no lot of ours is involved and
// nothing is put on hold.
func (ts *testingScreen) bindExternal() {
	s := ts.s
	if !ts.hasSel {
		s.showError(uiError("testing.pickReading"))
		return
	}
	ent, code := strings.TrimSpace(ts.extEntity.Text), strings.TrimSpace(ts.extCode.Text)
	if ent == "" && code == "" {
		s.showError(uiError("testing.extNeed"))
		return
	}
	ins, err := s.d.Store.BindReadingExternal(s.ctx, s.actor, ts.selected.ID, ent, code)
	if err != nil {
		s.showError(err)
		return
	}
	ts.lastBind = &ins
	ts.hasSel = false
	ts.selLabel.SetText(tr("testing.pickReading"))
	ts.extEntity.SetText("")
	ts.extCode.SetText("")
	ts.pending.Reload()
	ts.results.Reload()
	s.showInfo(tr("testing.results"), trf("testing.extBound", "Who", strings.TrimSpace(ent+" "+code),
		"Verdict", tr("verdict."+ins.Verdict), "Rate", fmtRate(ins.Rate)))
}

// askReason is a small dialog asking why, with a confirm button that runs
// do(reason); the dialog stays open on error so the reason can be fixed.
func (s *Shell) askReason(titleText, prompt, confirm string, do func(reason string) error) (*widget.Entry, *widget.Button, dialog.Dialog) {
	reason := widget.NewMultiLineEntry()
	reason.SetPlaceHolder(tr("common.reasonRequired"))
	var d dialog.Dialog
	ok := widget.NewButton(confirm, func() {
		if strings.TrimSpace(reason.Text) == "" {
			s.showError(uiError("common.reasonRequired"))
			return
		}
		if err := do(reason.Text); err != nil {
			s.showError(err)
			return
		}
		d.Hide()
	})
	ok.Importance = widget.DangerImportance
	cancel := widget.NewButton(tr("Cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(titleText, container.NewVBox(wrapLabel(prompt), widget.NewLabel(tr("common.reason")), reason,
		container.NewGridWithColumns(2, cancel, ok)), s.w)
	d.Resize(s.dialogSize(560, 0))
	d.Show()
	s.w.Canvas().Focus(reason)
	return reason, ok, d
}

// discard sets the selected reading aside (a calibration run, a spoiled
// sample) with a reason; it stays stored and in the journal.
func (ts *testingScreen) discard() {
	s := ts.s
	if !ts.hasSel {
		s.showError(uiError("testing.pickReading"))
		return
	}
	r := ts.selected
	ts.discardReason, ts.discardConfirm, _ = s.askReason(tr("testing.discard"),
		trf("testing.discardPrompt", "ID", r.ID, "Sample", strings.TrimSpace(r.SampleNo+" "+r.SampleName), "Rate", fmtRate(r.Rate)),
		tr("testing.discard"), func(reason string) error {
			if err := s.d.Store.DiscardReading(s.ctx, s.actor, r.ID, reason); err != nil {
				return err
			}
			ts.hasSel = false
			ts.selLabel.SetText(tr("testing.pickReading"))
			ts.pending.Reload()
			return nil
		})
}

// showInspection opens a result: its history and, for users who may
// correct (PermCorrect), a void button with a reason. Voiding a positive
// re-evaluates the lot's hold (store.VoidInspection).
func (ts *testingScreen) showInspection(x store.Inspection) {
	s := ts.s
	hist, err := s.d.Store.History(s.ctx, "inspections", x.ID)
	if err != nil {
		s.showError(err)
		return
	}
	s.lastRecord = &recordDialog{entries: hist}
	who := x.LotCode
	if who == "" {
		who = strings.TrimSpace(x.ExternalEntity + " " + x.ExternalCode)
	}
	head := wrapLabel(trf("testing.inspectionInfo", "ID", x.ID, "Who", who, "Item", x.Item, "Verdict", tr("verdict."+x.Verdict), "Rate", fmtRate(x.Rate)))
	var d dialog.Dialog
	body := container.NewBorder(head, nil, nil, nil, historyView(hist))
	if s.actor.Role.Can(store.PermCorrect) && !x.Voided {
		ts.voidBtn = widget.NewButton(tr("testing.voidInspection"), func() {
			d.Hide()
			ts.voidReason, ts.voidConfirm, _ = s.askReason(tr("testing.voidInspection"), tr("testing.voidPrompt"), tr("record.void"),
				func(reason string) error {
					if err := s.d.Store.VoidInspection(s.ctx, s.actor, x.ID, reason); err != nil {
						return err
					}
					ts.results.Reload()
					ts.refreshHeld()
					return nil
				})
		})
		ts.voidBtn.Importance = widget.DangerImportance
		body = container.NewBorder(head, ts.voidBtn, nil, nil, historyView(hist))
	}
	d = dialog.NewCustom(trf("testing.inspectionTitle", "ID", x.ID), tr("common.close"), body, s.w)
	d.Resize(s.dialogSize(860, 520))
	d.Show()
}

// refreshHeld reloads the held lots and the count in their tab's title
// (a bind may have put a lot on hold, a release or void taken one off).
func (ts *testingScreen) refreshHeld() {
	if ts.held == nil || ts.rightTabs == nil || len(ts.rightTabs.Items) < 2 {
		return
	}
	ts.held.list.Reload()
	ts.rightTabs.Items[1].Text = trf("held.tab", "N", ts.countHeld(ts.s.ctx))
	ts.rightTabs.Refresh()
}

// countHeld is the number of lots on hold (the tab title shows it).
func (ts *testingScreen) countHeld(ctx context.Context) int {
	on := true
	n, err := ts.s.d.Store.CountLots(ctx, store.LotQuery{OnHold: &on})
	if err != nil {
		return 0
	}
	return n
}
