package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/store"
	"suyuan/store/rules"
)

// recordsScreen is quick entry for the records a site must keep: input
// applications (with "same as last time" and defaults from the plot),
// purchases, environment tests and harvests. Each list is paged and
// searchable; selecting a row opens its history with corrections.
type recordsScreen struct {
	tabs *container.AppTabs

	// applications
	appPlot                            *idSelect
	appMat                             *idSelect
	appScan                            *widgets.ScanEntry
	appDate, appCrop, appDose, appUnit *widget.Entry
	appArea, appMethod, appTarget      *widget.Entry
	appOperator, appNotes              *widget.Entry
	appSame, appSave                   *widget.Button
	apps                               *pagedTable[store.Application]
	plotRows                           []store.Plot
	matRows                            []store.Material
	prodRows                           []store.Product

	// purchases
	purMat                                 *idSelect
	purScan                                *widgets.ScanEntry
	purDate, purSupplier, purBatch, purQty *widget.Entry
	purUnit                                *widget.Entry
	purSave                                *widget.Button
	purchases                              *pagedTable[store.Purchase]

	// environment tests
	envBase, envPlot                     *idSelect
	envKind, envConcl                    *widget.Select
	envDate, envLab, envReport, envNotes *widget.Entry
	envSave                              *widget.Button
	envTests                             *pagedTable[store.EnvTest]

	// harvests
	harPlot, harProduct      *idSelect
	harDate, harQty, harUnit *widget.Entry
	harPHI                   *widget.Label
	harSave                  *widget.Button
	phiList                  *widget.List
	phiRows                  []store.PHIWindow
	lastLot                  store.Lot
	harvested                *pagedTable[store.Lot]

	// the PHI override dialog (admins only), kept for tests
	overrideReason  *widget.Entry
	overrideConfirm *widget.Button

	// transformations (加工/包装/合并/分拆), transform.go
	transform *transformPane
}

func buildRecords(s *Shell) (fyne.CanvasObject, any) {
	rs := &recordsScreen{tabs: container.NewAppTabs()}
	r := s.actor.Role
	rs.loadMaster(s)
	if r.Can(store.PermInputs) {
		rs.tabs.Append(container.NewTabItem(tr("records.applications"), rs.buildApplications(s)))
		rs.tabs.Append(container.NewTabItem(tr("records.purchases"), rs.buildPurchases(s)))
		rs.tabs.Append(container.NewTabItem(tr("records.env"), rs.buildEnv(s)))
	}
	if r.Can(store.PermHarvest) {
		rs.tabs.Append(container.NewTabItem(tr("records.harvests"), rs.buildHarvest(s)))
	}
	if r.Can(store.PermProcess) {
		rs.tabs.Append(container.NewTabItem(tr("records.transform"), rs.buildTransform(s)))
	}
	return rs.tabs, rs
}

func (rs *recordsScreen) loadMaster(s *Shell) {
	rs.plotRows = allRows(s, func(q store.ListQuery) ([]store.Plot, error) { return s.d.Store.ListPlots(s.ctx, q, 0) })
	rs.matRows = allRows(s, func(q store.ListQuery) ([]store.Material, error) { return s.d.Store.ListMaterials(s.ctx, q, "") })
	rs.prodRows = allRows(s, func(q store.ListQuery) ([]store.Product, error) { return s.d.Store.ListProducts(s.ctx, q) })
}

func (rs *recordsScreen) plotOptions() ([]string, []int64) {
	labels, ids := make([]string, len(rs.plotRows)), make([]int64, len(rs.plotRows))
	for i, p := range rs.plotRows {
		labels[i], ids[i] = p.BaseName+" / "+p.Name, p.ID
	}
	return labels, ids
}

func (rs *recordsScreen) plot(id int64) (store.Plot, bool) {
	for _, p := range rs.plotRows {
		if p.ID == id {
			return p, true
		}
	}
	return store.Plot{}, false
}

func (rs *recordsScreen) materialOptions() ([]string, []int64) {
	labels, ids := make([]string, len(rs.matRows)), make([]int64, len(rs.matRows))
	for i, m := range rs.matRows {
		l := m.Name
		if m.RegNo != "" {
			l += " (" + m.RegNo + ")"
		}
		labels[i], ids[i] = l, m.ID
	}
	return labels, ids
}

// materialForScan finds the material a pesticide label QR stands for: its
// digits 2–7 are the last six digits of the registration number.
func (rs *recordsScreen) materialForScan(sc scanner.Scan) (int64, bool) {
	if sc.Kind != scanner.KindPesticideLabel {
		return 0, false
	}
	suffix := sc.Fields["reg_no_suffix"]
	for _, m := range rs.matRows {
		if suffix != "" && strings.HasSuffix(m.RegNo, suffix) {
			return m.ID, true
		}
	}
	return 0, false
}

// scanToMaterial wires a ScanEntry to a material picker.
func (rs *recordsScreen) scanToMaterial(s *Shell, e *widgets.ScanEntry, sel *idSelect) {
	e.SetPlaceHolder(tr("records.scanLabel"))
	e.OnScan = func(sc scanner.Scan) {
		if id, ok := rs.materialForScan(sc); ok {
			sel.selectID(id)
			e.SetText("")
			return
		}
		e.SetText(sc.Raw)
		s.showError(uiError("records.scanUnknown", "Kind", sc.Kind.Label(CurrentLanguage()), "Code", sc.Raw))
	}
}

func (rs *recordsScreen) buildApplications(s *Shell) fyne.CanvasObject {
	for _, e := range []**widget.Entry{&rs.appCrop, &rs.appDose, &rs.appUnit, &rs.appArea, &rs.appMethod, &rs.appTarget, &rs.appOperator, &rs.appNotes} {
		*e = widget.NewEntry()
	}
	rs.appDate = s.dateEntry()
	rs.appOperator.SetText(s.actor.Name)
	rs.appUnit.SetPlaceHolder("ml / g / kg")
	rs.appMat = newIDSelect(nil)
	rs.appMat.setOptions(rs.materialOptions())
	rs.appScan = widgets.NewScanEntry()
	rs.scanToMaterial(s, rs.appScan, rs.appMat)
	rs.appSame = widget.NewButton(tr("records.sameAsLast"), nil)
	rs.appSame.Disable()
	rs.appPlot = newIDSelect(func(id int64) {
		// Defaults from the plot: its crop and area.
		if p, ok := rs.plot(id); ok {
			rs.appCrop.SetText(p.Crop)
			rs.appArea.SetText(fmtFloat(p.AreaMu))
		}
		if _, err := s.d.Store.LastApplication(s.ctx, id); err == nil {
			rs.appSame.Enable()
		} else {
			rs.appSame.Disable()
		}
	})
	rs.appPlot.setOptions(rs.plotOptions())
	rs.appSame.OnTapped = func() {
		last, err := s.d.Store.LastApplication(s.ctx, rs.appPlot.ID())
		if err != nil {
			s.showError(err)
			return
		}
		rs.appMat.selectID(last.MaterialID)
		rs.appDose.SetText(fmtFloat(last.Dose))
		rs.appUnit.SetText(last.DoseUnit)
		rs.appMethod.SetText(last.Method)
		rs.appTarget.SetText(last.Target)
		rs.appOperator.SetText(last.Operator)
		if last.AreaMu != 0 {
			rs.appArea.SetText(fmtFloat(last.AreaMu))
		}
	}
	f := widget.NewForm(
		widget.NewFormItem(tr("common.plot"), rs.appPlot),
		widget.NewFormItem(tr("common.date"), rs.appDate),
		widget.NewFormItem(tr("common.crop"), rs.appCrop),
		widget.NewFormItem(tr("common.scan"), rs.appScan),
		widget.NewFormItem(tr("common.material"), rs.appMat),
		widget.NewFormItem(tr("app.dose"), container.NewGridWithColumns(2, rs.appDose, rs.appUnit)),
		widget.NewFormItem(tr("common.areaMu"), rs.appArea),
		widget.NewFormItem(tr("app.method"), rs.appMethod),
		widget.NewFormItem(tr("app.target"), rs.appTarget),
		widget.NewFormItem(tr("app.operator"), rs.appOperator),
		widget.NewFormItem(tr("common.notes"), rs.appNotes),
	)
	countApps := func(ctx context.Context, q store.ListQuery) (int, error) {
		return s.d.Store.CountApplications(ctx, q, 0)
	}
	listApps := func(ctx context.Context, q store.ListQuery) ([]store.Application, error) {
		return s.d.Store.ListApplications(ctx, q, 0)
	}
	rs.apps = newPagedTable(s.ctx, []column[store.Application]{
		{"common.date", 100, func(a store.Application) string { return day(a.Date) }},
		{"common.plot", 110, func(a store.Application) string { return a.PlotName }},
		{"common.crop", 70, func(a store.Application) string { return a.Crop }},
		{"common.material", 140, func(a store.Application) string { return a.MaterialName }},
		{"app.dose", 80, func(a store.Application) string { return fmtFloat(a.Dose) + " " + a.DoseUnit }},
		{"material.phi", 80, func(a store.Application) string {
			if a.PHIDays == 0 {
				return ""
			}
			return trf("common.days", "N", a.PHIDays)
		}},
		{"common.voided", 70, func(a store.Application) string { return yesNo(a.Voided) }},
	}, countApps, listApps, s.showError)
	rs.apps.query.IncludeVoided = true
	rs.apps.Reload()
	rs.apps.onSelect = func(a store.Application) {
		s.showRecord("applications", a.ID, a.MaterialName+" · "+a.PlotName+" · "+day(a.Date), a.Voided, []correctField{
			{"dose", "app.dose", fmtFloat(a.Dose), true}, {"dose_unit", "common.unit", a.DoseUnit, false},
			{"method", "app.method", a.Method, false}, {"target", "app.target", a.Target, false},
			{"operator", "app.operator", a.Operator, false}, {"notes", "common.notes", a.Notes, false},
		}, rs.apps.Reload)
	}
	rs.appSave = widget.NewButton(tr("common.save"), func() {
		d, err := parseDate(rs.appDate)
		if err != nil {
			s.showError(err)
			return
		}
		dose, err := parseFloat(rs.appDose.Text, "app.dose")
		if err != nil {
			s.showError(err)
			return
		}
		area, err := parseFloat(rs.appArea.Text, "common.areaMu")
		if err != nil {
			s.showError(err)
			return
		}
		if rs.appPlot.ID() == 0 || rs.appMat.ID() == 0 {
			s.showError(uiError("records.pickPlotMaterial"))
			return
		}
		a, err := s.d.Store.AddApplication(s.ctx, s.actor, store.ApplicationInput{Date: d, PlotID: rs.appPlot.ID(), Crop: rs.appCrop.Text,
			MaterialID: rs.appMat.ID(), Dose: dose, DoseUnit: rs.appUnit.Text, AreaMu: area, Method: rs.appMethod.Text,
			Target: rs.appTarget.Text, Operator: rs.appOperator.Text, Notes: rs.appNotes.Text})
		if err != nil {
			s.showError(err)
			return
		}
		rs.appNotes.SetText("")
		rs.appSame.Enable()
		rs.apps.Reload()
		msg := tr("common.saved")
		if a.PHIDays > 0 {
			msg = trf("records.phiNotice", "Days", a.PHIDays, "Date", day(a.Date.AddDate(0, 0, a.PHIDays)))
		}
		s.showInfo(tr("records.applications"), msg)
	})
	left := formPane(tr("records.newApplication"), f, rs.appSave, rs.appSame)
	return splitPane(left, rs.apps.Object())
}

func (rs *recordsScreen) buildPurchases(s *Shell) fyne.CanvasObject {
	rs.purDate = s.dateEntry()
	rs.purSupplier, rs.purBatch, rs.purQty, rs.purUnit = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	rs.purMat = newIDSelect(nil)
	rs.purMat.setOptions(rs.materialOptions())
	rs.purScan = widgets.NewScanEntry()
	rs.scanToMaterial(s, rs.purScan, rs.purMat)
	f := widget.NewForm(
		widget.NewFormItem(tr("common.scan"), rs.purScan),
		widget.NewFormItem(tr("common.material"), rs.purMat),
		widget.NewFormItem(tr("common.date"), rs.purDate),
		widget.NewFormItem(tr("purchase.supplier"), rs.purSupplier),
		widget.NewFormItem(tr("purchase.batch"), rs.purBatch),
		widget.NewFormItem(tr("common.quantity"), container.NewGridWithColumns(2, rs.purQty, rs.purUnit)),
	)
	rs.purchases = newPagedTable(s.ctx, []column[store.Purchase]{
		{"common.date", 100, func(p store.Purchase) string { return day(p.PurchasedOn) }},
		{"common.material", 150, func(p store.Purchase) string { return p.MaterialName }},
		{"purchase.supplier", 150, func(p store.Purchase) string { return p.Supplier }},
		{"purchase.batch", 100, func(p store.Purchase) string { return p.BatchNo }},
		{"common.quantity", 80, func(p store.Purchase) string { return fmtFloat(p.Quantity) + " " + p.Unit }},
		{"common.voided", 70, func(p store.Purchase) string { return yesNo(p.Voided) }},
	}, func(ctx context.Context, q store.ListQuery) (int, error) { return s.d.Store.CountPurchases(ctx, q, 0) },
		func(ctx context.Context, q store.ListQuery) ([]store.Purchase, error) {
			return s.d.Store.ListPurchases(ctx, q, 0)
		}, s.showError)
	rs.purchases.query.IncludeVoided = true
	rs.purchases.Reload()
	rs.purchases.onSelect = func(p store.Purchase) {
		s.showRecord("purchases", p.ID, p.MaterialName+" · "+p.Supplier+" · "+day(p.PurchasedOn), p.Voided, []correctField{
			{"supplier", "purchase.supplier", p.Supplier, false}, {"batch_no", "purchase.batch", p.BatchNo, false},
			{"quantity", "common.quantity", fmtFloat(p.Quantity), true}, {"unit", "common.unit", p.Unit, false},
		}, rs.purchases.Reload)
	}
	rs.purSave = widget.NewButton(tr("common.save"), func() {
		d, err := parseDate(rs.purDate)
		if err != nil {
			s.showError(err)
			return
		}
		q, err := parseFloat(rs.purQty.Text, "common.quantity")
		if err != nil {
			s.showError(err)
			return
		}
		if rs.purMat.ID() == 0 {
			s.showError(uiError("records.pickMaterial"))
			return
		}
		_, err = s.d.Store.AddPurchase(s.ctx, s.actor, store.Purchase{MaterialID: rs.purMat.ID(), PurchasedOn: d, Supplier: rs.purSupplier.Text,
			BatchNo: rs.purBatch.Text, Quantity: q, Unit: rs.purUnit.Text})
		if err != nil {
			s.showError(err)
			return
		}
		rs.purBatch.SetText("")
		rs.purQty.SetText("")
		rs.purchases.Reload()
	})
	return splitPane(formPane(tr("records.newPurchase"), f, rs.purSave), rs.purchases.Object())
}

var envKinds = []string{store.EnvSoil, store.EnvWater, store.EnvAir, store.EnvOther}
var envConclusions = []string{store.EnvPass, store.EnvFail}

func (rs *recordsScreen) buildEnv(s *Shell) fyne.CanvasObject {
	rs.envDate = s.dateEntry()
	rs.envLab, rs.envReport, rs.envNotes = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	rs.envKind = newSelect(transAll("env.", envKinds), nil)
	rs.envKind.SetSelectedIndex(0)
	rs.envConcl = newSelect(transAll("env.", envConclusions), nil)
	rs.envConcl.SetSelectedIndex(0)
	rs.envPlot = newIDSelect(nil)
	rs.envBase = newIDSelect(func(base int64) {
		labels, ids := []string{tr("env.wholeBase")}, []int64{0}
		for _, p := range rs.plotRows {
			if p.BaseID == base {
				labels, ids = append(labels, p.Name), append(ids, p.ID)
			}
		}
		rs.envPlot.setOptions(labels, ids)
		rs.envPlot.SetSelectedIndex(0)
	})
	bases := allRows(s, func(q store.ListQuery) ([]store.Base, error) { return s.d.Store.ListBases(s.ctx, q) })
	bl, bi := make([]string, len(bases)), make([]int64, len(bases))
	for i, b := range bases {
		bl[i], bi[i] = b.Name, b.ID
	}
	rs.envBase.setOptions(bl, bi)
	if len(bi) > 0 {
		rs.envBase.SetSelectedIndex(0)
	}
	f := widget.NewForm(
		widget.NewFormItem(tr("plot.base"), rs.envBase),
		widget.NewFormItem(tr("common.plot"), rs.envPlot),
		widget.NewFormItem(tr("env.kind"), rs.envKind),
		widget.NewFormItem(tr("common.date"), rs.envDate),
		widget.NewFormItem(tr("env.lab"), rs.envLab),
		widget.NewFormItem(tr("env.report"), rs.envReport),
		widget.NewFormItem(tr("env.conclusion"), rs.envConcl),
		widget.NewFormItem(tr("common.notes"), rs.envNotes),
	)
	rs.envTests = newPagedTable(s.ctx, []column[store.EnvTest]{
		{"common.date", 100, func(e store.EnvTest) string { return day(e.TestedOn) }},
		{"env.kind", 80, func(e store.EnvTest) string { return tr("env." + e.Kind) }},
		{"env.lab", 160, func(e store.EnvTest) string { return e.Lab }},
		{"env.report", 120, func(e store.EnvTest) string { return e.ReportNo }},
		{"env.conclusion", 70, func(e store.EnvTest) string { return tr("env." + e.Conclusion) }},
		{"common.voided", 70, func(e store.EnvTest) string { return yesNo(e.Voided) }},
	}, func(ctx context.Context, q store.ListQuery) (int, error) { return s.d.Store.CountEnvTests(ctx, q, 0) },
		func(ctx context.Context, q store.ListQuery) ([]store.EnvTest, error) {
			return s.d.Store.ListEnvTests(ctx, q, 0)
		}, s.showError)
	rs.envTests.query.IncludeVoided = true
	rs.envTests.Reload()
	rs.envTests.onSelect = func(e store.EnvTest) {
		s.showRecord("env_tests", e.ID, tr("env."+e.Kind)+" · "+e.ReportNo+" · "+day(e.TestedOn), e.Voided, []correctField{
			{"lab", "env.lab", e.Lab, false}, {"report_no", "env.report", e.ReportNo, false}, {"notes", "common.notes", e.Notes, false},
		}, rs.envTests.Reload, recordOpts{attach: true})
	}
	rs.envSave = widget.NewButton(tr("common.save"), func() {
		d, err := parseDate(rs.envDate)
		if err != nil {
			s.showError(err)
			return
		}
		_, err = s.d.Store.AddEnvTest(s.ctx, s.actor, store.EnvTest{BaseID: rs.envBase.ID(), PlotID: rs.envPlot.ID(),
			Kind: at(envKinds, rs.envKind.SelectedIndex()), TestedOn: d, Lab: rs.envLab.Text, ReportNo: rs.envReport.Text,
			Conclusion: at(envConclusions, rs.envConcl.SelectedIndex()), Notes: rs.envNotes.Text})
		if err != nil {
			s.showError(err)
			return
		}
		rs.envReport.SetText("")
		rs.envTests.Reload()
	})
	return splitPane(formPane(tr("records.newEnv"), f, rs.envSave), rs.envTests.Object())
}

func (rs *recordsScreen) buildHarvest(s *Shell) fyne.CanvasObject {
	rs.harDate = s.dateEntry()
	rs.harQty, rs.harUnit = widget.NewEntry(), widget.NewEntry()
	rs.harPHI = widget.NewLabel("")
	rs.harPHI.Wrapping = fyne.TextWrapWord
	rs.harProduct = newIDSelect(func(id int64) {
		for _, p := range rs.prodRows {
			if p.ID == id {
				rs.harUnit.SetText(p.Unit)
			}
		}
	})
	pl, pi := make([]string, len(rs.prodRows)), make([]int64, len(rs.prodRows))
	for i, p := range rs.prodRows {
		pl[i], pi[i] = strings.TrimSpace(p.Name+" "+p.Variety), p.ID
	}
	rs.harProduct.setOptions(pl, pi)
	updatePHI := func() {
		id := rs.harPlot.ID()
		d, err := parseDate(rs.harDate)
		if id == 0 || err != nil {
			rs.harPHI.SetText("")
			return
		}
		earliest, inside, err := s.d.Store.PHIStatus(s.ctx, id, d)
		switch {
		case err != nil:
			rs.harPHI.SetText(userMessage(err))
		case inside:
			rs.harPHI.SetText(trf("harvest.phiInside", "Date", day(earliest)))
		case !earliest.IsZero():
			rs.harPHI.SetText(trf("harvest.phiOK", "Date", day(earliest)))
		default:
			rs.harPHI.SetText(tr("harvest.phiNone"))
		}
	}
	rs.harPlot = newIDSelect(func(id int64) {
		// Default product: the one grown on the plot.
		if p, ok := rs.plot(id); ok {
			for _, pr := range rs.prodRows {
				if pr.Crop != "" && (pr.Crop == p.Crop || strings.Contains(pr.Name, p.Crop)) {
					rs.harProduct.selectID(pr.ID)
					break
				}
			}
		}
		updatePHI()
	})
	rs.harPlot.setOptions(rs.plotOptions())
	rs.harDate.OnChanged = func(string) { updatePHI() }
	f := widget.NewForm(
		widget.NewFormItem(tr("common.plot"), rs.harPlot),
		widget.NewFormItem(tr("harvest.product"), rs.harProduct),
		widget.NewFormItem(tr("common.date"), rs.harDate),
		widget.NewFormItem(tr("common.quantity"), container.NewGridWithColumns(2, rs.harQty, rs.harUnit)),
	)
	harvest := func(override *store.Override) error {
		d, err := parseDate(rs.harDate)
		if err != nil {
			return err
		}
		q, err := parseFloat(rs.harQty.Text, "common.quantity")
		if err != nil {
			return err
		}
		if rs.harPlot.ID() == 0 || rs.harProduct.ID() == 0 {
			return uiError("records.pickPlotProduct")
		}
		lot, err := s.d.Store.Harvest(s.ctx, s.actor, store.HarvestInput{PlotID: rs.harPlot.ID(), ProductID: rs.harProduct.ID(),
			Date: d, Quantity: q, Unit: rs.harUnit.Text, Override: override})
		if err != nil {
			return err
		}
		rs.lastLot = lot
		rs.harvested.Reload()
		rs.harQty.SetText("")
		rs.reloadPHI(s)
		msg := trf("harvest.done", "Code", lot.Code)
		if lot.PHIOverride {
			msg += "\n" + trf("harvest.overrideRecorded", "Reason", lot.OverrideReason)
		}
		s.showInfo(tr("records.harvests"), msg)
		return nil
	}
	rs.harSave = widget.NewButton(tr("harvest.save"), func() {
		err := harvest(nil)
		if err == nil {
			return
		}
		if rules.IsRule(err, rules.RulePHIWindow) && s.actor.Role.Can(store.PermOverride) {
			rs.showOverride(s, err, harvest)
			return
		}
		s.showError(err)
	})
	rs.phiList = widget.NewList(func() int { return len(rs.phiRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			w := rs.phiRows[i]
			o.(*widget.Label).SetText(trf("home.phiRow", "Plot", w.BaseName+" / "+w.PlotName, "Crop", w.Crop, "Date", day(w.Earliest)))
		})
	rs.reloadPHI(s)
	lotQuery := store.LotQuery{Source: store.LotHarvest}
	lotQuery.IncludeVoided = true
	rs.harvested = newPagedTable(s.ctx, []column[store.Lot]{
		{"lot.code", 200, func(l store.Lot) string { return l.Code }},
		{"common.date", 100, func(l store.Lot) string { return day(l.ProducedOn) }},
		{"common.quantity", 90, func(l store.Lot) string { return fmtFloat(l.Quantity) + " " + l.Unit }},
		{"harvest.flags", 150, func(l store.Lot) string {
			var f []string
			if l.PHIOverride {
				f = append(f, tr("harvest.override"))
			}
			if l.Hold {
				f = append(f, tr("lot.hold"))
			}
			if l.Voided {
				f = append(f, tr("common.voided"))
			}
			return strings.Join(f, "、")
		}},
	}, func(ctx context.Context, q store.ListQuery) (int, error) {
		lq := lotQuery
		lq.ListQuery = q
		lq.IncludeVoided = true
		return s.d.Store.CountLots(ctx, lq)
	}, func(ctx context.Context, q store.ListQuery) ([]store.Lot, error) {
		lq := lotQuery
		lq.ListQuery = q
		lq.IncludeVoided = true
		return s.d.Store.ListLots(ctx, lq)
	}, s.showError)
	rs.harvested.onSelect = func(l store.Lot) { s.showHistory("lots", l.ID, l.Code) }
	right := container.NewVSplit(
		container.NewBorder(widget.NewLabelWithStyle(tr("home.phi"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, rs.phiList),
		container.NewBorder(widget.NewLabelWithStyle(tr("harvest.lots"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, rs.harvested.Object()))
	return splitPane(formPane(tr("records.newHarvest"), f, rs.harSave, rs.harPHI), right)
}

func (rs *recordsScreen) reloadPHI(s *Shell) {
	rows, err := s.d.Store.LotsInPHIWindow(s.ctx, s.today())
	if err != nil {
		s.showError(err)
	}
	rs.phiRows = rows
	if rs.phiList != nil {
		rs.phiList.Refresh()
	}
}

// showOverride is the PHI override dialog: it shows the rule's message and
// asks an administrator for the reason that will be recorded on the lot.
func (rs *recordsScreen) showOverride(s *Shell, ruleErr error, harvest func(*store.Override) error) {
	s.lastMessage = userMessage(ruleErr)
	rs.overrideReason = widget.NewMultiLineEntry()
	rs.overrideReason.SetPlaceHolder(tr("harvest.overrideReason"))
	var d dialog.Dialog
	rs.overrideConfirm = widget.NewButton(tr("harvest.overrideConfirm"), func() {
		err := harvest(&store.Override{Reason: rs.overrideReason.Text})
		if err != nil {
			s.showError(err)
			return
		}
		d.Hide()
	})
	rs.overrideConfirm.Importance = widget.DangerImportance
	cancel := widget.NewButton(tr("Cancel"), func() { d.Hide() })
	content := container.NewVBox(wrapLabel(userMessage(ruleErr)), widget.NewLabel(tr("harvest.overrideReason")), rs.overrideReason,
		container.NewGridWithColumns(2, cancel, rs.overrideConfirm))
	d = dialog.NewCustomWithoutButtons(tr("harvest.overrideTitle"), content, s.w)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// correctField is one column a correction may change.
type correctField struct {
	col, label, value string
	number            bool
}

// recordDialog is the open record's detail: history, correct, void or
// retire, attachments.
type recordDialog struct {
	entries          []store.Entry
	fields           map[string]*widget.Entry
	reason           *widget.Entry
	correct, voidBtn *widget.Button
	retireBtn        *widget.Button
	attach           *attachView
	tabs             *container.AppTabs
	dlg              dialog.Dialog
}

// recordOpts are the optional parts of a record dialog.
type recordOpts struct {
	// attach shows the record's photos/PDFs with an "add" button.
	attach bool
	// retire replaces the void button by 停用/恢复使用 (master data:
	// bases, plots, products, materials are retired, never deleted, so
	// old records keep pointing at them); retired is the current state.
	retire, retired bool
	// noVoid hides the void button (tables that cannot be voided).
	noVoid bool
}

// showRecord opens a record: its history (creation and every correction,
// with who, when and why) and, for users allowed to, a correction form and
// a void (or retire) button. Each needs a reason, which the journal keeps.
func (s *Shell) showRecord(table string, id int64, title string, voided bool, fields []correctField, reload func(), opts ...recordOpts) {
	var o recordOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	rd := &recordDialog{fields: map[string]*widget.Entry{}}
	hist, err := s.d.Store.History(s.ctx, table, id)
	if err != nil {
		s.showError(err)
		return
	}
	rd.entries = hist
	form := widget.NewForm()
	for _, f := range fields {
		e := widget.NewEntry()
		e.SetText(f.value)
		rd.fields[f.col] = e
		form.Append(tr(f.label), e)
	}
	rd.reason = widget.NewEntry()
	rd.reason.SetPlaceHolder(tr("common.reasonHint"))
	form.Append(tr("common.reason"), rd.reason)
	after := func() {
		rd.dlg.Hide()
		reload()
		s.showRecordAfter(table, id, title)
	}
	rd.correct = widget.NewButton(tr("record.correct"), func() {
		changes := map[string]any{}
		for _, f := range fields {
			v := rd.fields[f.col].Text
			if v == f.value {
				continue
			}
			if f.number {
				if strings.TrimSpace(v) == "" {
					changes[f.col] = nil // an optional number cleared
					continue
				}
				n, err := parseFloat(v, f.label)
				if err != nil {
					s.showError(err)
					return
				}
				changes[f.col] = n
			} else {
				changes[f.col] = v
			}
		}
		if len(changes) == 0 {
			s.showError(uiError("record.noChange"))
			return
		}
		if err := s.d.Store.Correct(s.ctx, s.actor, table, id, changes, rd.reason.Text); err != nil {
			s.showError(err)
			return
		}
		after()
	})
	rd.correct.Importance = widget.HighImportance
	rd.voidBtn = widget.NewButton(tr("record.void"), func() {
		if err := s.d.Store.Void(s.ctx, s.actor, table, id, rd.reason.Text); err != nil {
			s.showError(err)
			return
		}
		rd.dlg.Hide()
		reload()
	})
	rd.voidBtn.Importance = widget.DangerImportance
	buttons := container.NewGridWithColumns(2, rd.voidBtn, rd.correct)
	if o.retire || o.noVoid {
		buttons = container.NewGridWithColumns(1, rd.correct)
	}
	if o.retire {
		label := tr("record.retire")
		if o.retired {
			label = tr("record.unretire")
		}
		rd.retireBtn = widget.NewButton(label, func() {
			if err := s.d.Store.Correct(s.ctx, s.actor, table, id, map[string]any{"retired": !o.retired}, rd.reason.Text); err != nil {
				s.showError(err)
				return
			}
			after()
		})
		if !o.retired {
			rd.retireBtn.Importance = widget.DangerImportance
		}
		buttons = container.NewGridWithColumns(2, rd.retireBtn, rd.correct)
		if o.retired {
			// A retired record is restored first, then corrected.
			rd.correct.Disable()
			for _, e := range rd.fields {
				e.Disable()
			}
		}
	}
	if voided {
		rd.correct.Disable()
		rd.voidBtn.Disable()
		form.Disable()
	}
	histView := historyView(hist)
	rd.tabs = container.NewAppTabs(container.NewTabItem(tr("record.history"), histView))
	if len(fields) > 0 {
		rd.tabs.Append(container.NewTabItem(tr("record.correct"), container.NewVScroll(container.NewVBox(form, buttons))))
	}
	if o.attach {
		rd.attach = s.newAttachView(table+":"+strconv.FormatInt(id, 10), !voided)
		rd.tabs.Append(container.NewTabItem(tr("attach.title"), rd.attach.Object()))
	}
	rd.dlg = dialog.NewCustom(title, tr("common.close"), rd.tabs, s.w)
	rd.dlg.Resize(s.dialogSize(900, 560))
	rd.dlg.Show()
	s.lastRecord = rd
}

// dialogSize is w×h capped to the window, so a dialog never needs more room
// than the window has (large text, 1280×800).
func (s *Shell) dialogSize(w, h float32) fyne.Size {
	c := s.w.Canvas().Size()
	if c.Width > 0 && w > c.Width-40 {
		w = c.Width - 40
	}
	if c.Height > 0 && h > c.Height-40 {
		h = c.Height - 40
	}
	return fyne.NewSize(w, h)
}

// showRecordAfter reopens the history after a correction so the user sees it.
func (s *Shell) showRecordAfter(table string, id int64, title string) {
	s.showHistory(table, id, title)
}

// showHistory shows a record's journal entries only.
func (s *Shell) showHistory(table string, id int64, title string) {
	hist, err := s.d.Store.History(s.ctx, table, id)
	if err != nil {
		s.showError(err)
		return
	}
	s.lastRecord = &recordDialog{entries: hist}
	d := dialog.NewCustom(title, tr("common.close"), historyView(hist), s.w)
	d.Resize(s.dialogSize(900, 520))
	d.Show()
}

// historyView lists journal entries oldest first: when, who, what, why, the
// recorded values, and for a correction what changed from the version before.
func historyView(hist []store.Entry) fyne.CanvasObject {
	items := container.NewVBox()
	var prev map[string]any
	for _, e := range hist {
		var cur map[string]any
		if err := json.Unmarshal(e.Payload, &cur); err != nil {
			cur = nil
		}
		kind := journalKind(e.Kind)
		if prev != nil && cur != nil && strings.HasSuffix(e.Kind, ".correct") {
			// Retiring is a correction of the retired flag: name it.
			if a, b := valueText(prev["retired"]), valueText(cur["retired"]); a != b {
				if b == "1" || b == "true" {
					kind = tr("journal.retire")
				} else {
					kind = tr("journal.unretire")
				}
			}
		}
		head := fmt.Sprintf("#%d  %s  %s  %s", e.Seq, e.At.Local().Format(time.DateTime), e.Actor, kind)
		items.Add(widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		if e.Reason != "" {
			items.Add(wrapLabel(tr("common.reason") + colon() + e.Reason))
		}
		if cur == nil {
			if len(e.Payload) > 0 && string(e.Payload) != "null" {
				items.Add(wrapLabel(string(e.Payload)))
			}
			prev = nil
		} else {
			if prev != nil {
				if ch := changedFields(prev, cur); ch != "" {
					l := wrapLabel(tr("record.changed") + colon() + ch)
					l.Importance = widget.WarningImportance
					items.Add(l)
				}
			}
			p := wrapLabel(payloadText(cur))
			p.TextStyle.Monospace = true
			items.Add(p)
			prev = cur
		}
		items.Add(widget.NewSeparator())
	}
	return container.NewVScroll(items)
}

// colon is the label separator of the current language (全角 in Chinese).
func colon() string {
	if CurrentLanguage() == "zh" {
		return "："
	}
	return ": "
}

// journalKind names a journal entry kind ("plots.correct") for people.
func journalKind(k string) string {
	_, verb, _ := strings.Cut(k, ".")
	switch verb {
	case "create", "correct", "void", "override", "hold", "release", "discard", "bind":
		return tr("journal." + verb)
	}
	return k
}

// fieldKeys translate the journal's column names in history views.
var fieldKeys = map[string]string{
	"name": "common.name", "address": "base.address", "division_code": "profile.division", "area_mu": "common.areaMu",
	"manager": "base.manager", "phone": "profile.phone", "retired": "common.retired", "crop": "common.crop",
	"crop_category": "common.cropCategory", "unit": "common.unit", "quantity": "common.quantity", "notes": "common.notes",
	"dose": "app.dose", "dose_unit": "common.unit", "method": "app.method", "target": "app.target", "operator": "app.operator",
	"supplier": "purchase.supplier", "batch_no": "purchase.batch", "lab": "env.lab", "report_no": "env.report",
	"conclusion": "env.conclusion", "number": "cert.number", "product_name": "cert.product", "issuer": "cert.issuer",
	"valid_from": "cert.from", "valid_to": "cert.to", "variety": "product.variety", "spec": "product.spec",
	"platform_product_code": "product.code", "reg_no": "material.regNo", "toxicity": "material.toxicity",
	"formulation": "material.formulation", "manufacturer": "material.maker", "phi_days": "material.phi",
	"voided": "common.voided", "hold": "lot.hold",
	"applied_on": "common.date", "purchased_on": "common.date", "tested_on": "common.date", "produced_on": "common.date",
	"tested_at": "history.testedAt", "item": "testing.item", "rate": "testing.rate", "sample_name": "testing.sample",
	"sample_no": "history.sampleNo", "verdict": "testing.verdict", "instrument": "history.instrument",
	"instrument_serial": "history.instrumentSerial", "source": "history.source", "kind": "history.kind",
	"code": "lot.code", "hold_reason": "history.holdReason", "phi_override": "history.phiOverride",
	"override_reason": "history.overrideReason", "control_delta_a": "history.controlDeltaA", "sample_delta_a": "history.sampleDeltaA",
	"basis": "history.basis", "raw": "history.raw",
}

// flagFields are 0/1 columns, shown as yes/no.
var flagFields = map[string]bool{"voided": true, "retired": true, "hold": true, "phi_override": true, "suspect": true, "disabled": true}

// hiddenField reports columns a person cannot read anything from in a
// history view: the row's own id and references to other rows by id (the
// view names the record already; the raw journal keeps them).
func hiddenField(col string) bool {
	return col == "id" || strings.HasSuffix(col, "_id")
}

// fieldName is the user's name for a journal column, the column otherwise.
func fieldName(col string) string {
	if k, ok := fieldKeys[col]; ok {
		return tr(k)
	}
	return col
}

// payloadText prints a journal payload as "field: value" pairs in key
// order, with the fields people know by name translated and empty ones left
// out.
func payloadText(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if v := m[k]; v == nil || v == "" || hiddenField(k) {
			continue // an empty field or an internal id says nothing; the raw entry keeps it
		}
		parts = append(parts, fieldName(k)+": "+fieldValue(k, m[k]))
	}
	return strings.Join(parts, "   ")
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldValue is valueText with 0/1 flags shown as yes/no, verdicts in
// words and stored UTC timestamps as local minutes.
func fieldValue(col string, v any) string {
	if col == "verdict" {
		if s, ok := v.(string); ok && s != "" {
			return tr("verdict." + s)
		}
	}
	if s, ok := v.(string); ok && len(s) == len("2006-01-02T15:04:05.000000Z") {
		if t, err := time.Parse("2006-01-02T15:04:05.000000Z", s); err == nil {
			return t.Local().Format("2006-01-02 15:04")
		}
	}
	if flagFields[col] {
		switch valueText(v) {
		case "0":
			return tr("No")
		case "1":
			return tr("Yes")
		}
	}
	return valueText(v)
}

// changedFields lists "key: old → new" for the keys whose value differs.
func changedFields(old, cur map[string]any) string {
	var out []string
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a, b := fieldValue(k, old[k]), fieldValue(k, cur[k]); a != b {
			out = append(out, fieldName(k)+": "+a+" → "+b)
		}
	}
	return strings.Join(out, "；")
}
