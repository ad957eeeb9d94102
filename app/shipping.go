package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/store"
	"suyuan/store/rules"
)

// Buyer types of a sale (store.ShipInput.BuyerType).
var buyerTypes = []string{"registered", "market"}

// shippingScreen is goods out and goods in, driven by the scanner: ship
// (scan the lot, name the buyer, quantity) and receive (scan the supplier's
// code: its kind is shown, a lot is created; the same code twice on one day
// is refused as a double scan unless confirmed).
type shippingScreen struct {
	s    *Shell
	tabs *container.AppTabs

	// ship
	shipScan                      *widgets.ScanEntry
	shipLot                       store.Lot
	hasShipLot                    bool
	shipInfo                      *widget.Label
	shipPill                      *widgets.StatusPill
	buyerType                     *widget.RadioGroup
	buyerName, buyerCode, shipQty *widget.Entry
	shipDate                      *widget.Entry
	shipBtn                       *widget.Button
	shipWhy                       *widget.Label // why shipping is unavailable, beside the button
	shipments                     *pagedTable[store.Shipment]
	lastShipment                  *store.Shipment
	voucherOffer                  dialog.Dialog
	voucherBtn                    *widget.Button

	// the PHI override dialog (PermOverride only), kept for tests
	overrideReason  *widget.Entry
	overrideConfirm *widget.Button
	overrideDlg     dialog.Dialog

	// receive
	recvScan                         *widgets.ScanEntry
	recvKind                         *widgets.StatusPill
	recvCode                         *widget.Label
	lastScan                         scanner.Scan
	supplier, supplierCode, upstream *widget.Entry
	recvProduct                      *idSelect
	recvQty, recvUnit, recvDate      *widget.Entry
	repeat                           *widget.Check
	recvBtn                          *widget.Button
	received                         *pagedTable[store.Lot]
	products                         []store.Product
	lastReceipt                      *store.Receipt
}

func buildShipping(s *Shell) (fyne.CanvasObject, any) {
	ss := &shippingScreen{s: s, tabs: container.NewAppTabs()}
	ss.products = allRows(s, func(q store.ListQuery) ([]store.Product, error) { return s.d.Store.ListProducts(s.ctx, q) })
	ss.tabs.Append(container.NewTabItem(tr("shipping.ship"), ss.buildShip()))
	ss.tabs.Append(container.NewTabItem(tr("shipping.receive"), ss.buildReceive()))
	ss.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == tr("shipping.receive") {
			s.w.Canvas().Focus(ss.recvScan)
		} else {
			s.w.Canvas().Focus(ss.shipScan)
		}
	}
	s.w.Canvas().Focus(ss.shipScan)
	return ss.tabs, ss
}

// cappedCount counts by listing at most MaxListLimit rows: for lists whose
// store side has no Count (the newest thousand are what a packing line looks
// at; the search narrows the rest).
func cappedCount[T any](list func(context.Context, store.ListQuery) ([]T, error)) func(context.Context, store.ListQuery) (int, error) {
	return func(ctx context.Context, q store.ListQuery) (int, error) {
		q.Offset, q.Limit = 0, store.MaxListLimit
		rows, err := list(ctx, q)
		return len(rows), err
	}
}

func (ss *shippingScreen) buildShip() fyne.CanvasObject {
	s := ss.s
	ss.shipScan = s.scanLotEntry(tr("shipping.scanLot"), ss.selectShipLot)
	ss.shipInfo = wrapLabel(tr("packing.noLot"))
	ss.shipPill = widgets.NewStatusPill("", widgets.PillIdle)
	ss.shipPill.Hide()
	ss.buyerType = widget.NewRadioGroup(transAll("shipping.buyer.", buyerTypes), nil)
	ss.buyerType.Horizontal = true
	ss.buyerType.SetSelected(tr("shipping.buyer.registered"))
	ss.buyerName, ss.buyerCode, ss.shipQty = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	ss.buyerCode.SetPlaceHolder(tr("shipping.buyerCodeHint"))
	ss.shipDate = s.dateEntry()
	ss.shipBtn = widget.NewButton(tr("shipping.shipBtn"), ss.ship)
	f := widget.NewForm(
		widget.NewFormItem(tr("shipping.buyerType"), ss.buyerType),
		widget.NewFormItem(tr("shipping.buyerName"), ss.buyerName),
		widget.NewFormItem(tr("shipping.buyerCode"), ss.buyerCode),
		widget.NewFormItem(tr("common.quantity"), ss.shipQty),
		widget.NewFormItem(tr("common.date"), ss.shipDate),
	)
	list := func(ctx context.Context, q store.ListQuery) ([]store.Shipment, error) {
		return s.d.Store.ListShipments(ctx, store.ShipmentQuery{ListQuery: q})
	}
	ss.shipments = newPagedTable(s.ctx, []column[store.Shipment]{
		{"common.date", 100, func(x store.Shipment) string { return day(x.Date) }},
		{"lot.code", 175, func(x store.Shipment) string { return x.LotCode }},
		{"shipping.buyerName", 170, func(x store.Shipment) string { return x.BuyerName }},
		{"shipping.buyerType", 120, func(x store.Shipment) string { return tr("shipping.buyer." + x.BuyerType) }},
		{"common.quantity", 80, func(x store.Shipment) string { return fmtQty(x.Quantity) + " " + x.Unit }},
	}, cappedCount(list), list, s.showError)
	ss.shipments.onSelect = func(x store.Shipment) {
		s.showHistory("shipments", x.ID, x.LotCode+" → "+x.BuyerName)
	}
	left := container.NewVBox(title(tr("shipping.scanLot")), ss.shipScan,
		container.NewBorder(nil, nil, nil, ss.shipPill, ss.shipInfo), f)
	ss.shipBtn.Importance = widget.HighImportance
	ss.shipWhy = wrapLabel("")
	left.Add(container.NewBorder(nil, nil, container.NewVBox(ss.shipBtn), nil, ss.shipWhy))
	ss.updateShipBtn()
	return splitPane(container.NewVScroll(left),
		container.NewBorder(title(tr("shipping.recent")), nil, nil, nil, ss.shipments.Object()))
}

func (ss *shippingScreen) selectShipLot(l store.Lot) {
	s := ss.s
	ss.shipLot, ss.hasShipLot = l, true
	info := trf("shipping.lotInfo", "Code", l.Code, "Qty", fmtQty(l.Quantity)+" "+l.Unit, "Date", day(l.ProducedOn))
	if b, err := s.d.Store.Balance(s.ctx, l.ID); err == nil {
		info += "\n" + trf("shipping.available", "N", fmtQty(b.Available), "Unit", l.Unit)
		if b.Available > 0 {
			ss.shipQty.SetText(fmtQty(b.Available))
		}
	}
	ss.shipInfo.SetText(info)
	switch {
	case l.Voided:
		ss.shipPill.Set(tr("common.voided"), widgets.PillBad)
		ss.shipPill.Show()
	case l.Hold:
		ss.shipPill.Set(tr("lot.hold"), widgets.PillBad)
		ss.shipPill.Show()
	default:
		ss.shipPill.Hide()
	}
	ss.updateShipBtn()
	s.w.Canvas().Focus(ss.buyerName)
}

// updateShipBtn makes 发货 unavailable, with the reason beside it, when the
// store would refuse it whatever is typed: no lot, a voided or held lot.
// (The PHI window stays tappable: an administrator may override it.)
func (ss *shippingScreen) updateShipBtn() {
	var why string
	switch l := ss.shipLot; {
	case !ss.hasShipLot:
		why = tr("packing.scanFirst")
	case l.Voided:
		why = tr("shipping.voidedWhy")
	case l.Hold:
		why = trf("shipping.heldWhy", "Reason", l.HoldReason)
	}
	ss.shipWhy.SetText(why)
	if why != "" {
		ss.shipBtn.Disable()
	} else {
		ss.shipBtn.Enable()
	}
}

// ship records the sale. Inside the lot's PHI window the store refuses it
// with the PHI rule's message; a user who may override (an administrator)
// is then asked for the reason, which is journaled with the shipment.
func (ss *shippingScreen) ship() {
	s := ss.s
	err := ss.doShip("")
	if err == nil {
		return
	}
	if rules.IsRule(err, rules.RulePHIWindow) && s.actor.Role.Can(store.PermOverride) {
		ss.showOverride(err)
		return
	}
	s.showError(err)
}

// showOverride asks an administrator why the lot ships inside its PHI
// window (the same dialog as the harvest override in Records).
func (ss *shippingScreen) showOverride(ruleErr error) {
	s := ss.s
	s.lastMessage = userMessage(ruleErr)
	ss.overrideReason = widget.NewMultiLineEntry()
	ss.overrideReason.SetPlaceHolder(tr("harvest.overrideReason"))
	ss.overrideConfirm = widget.NewButton(tr("shipping.overrideConfirm"), func() {
		if strings.TrimSpace(ss.overrideReason.Text) == "" {
			s.showError(uiError("shipping.overrideNeedReason"))
			return
		}
		if err := ss.doShip(ss.overrideReason.Text); err != nil {
			s.showError(err)
			return
		}
		ss.overrideDlg.Hide()
	})
	ss.overrideConfirm.Importance = widget.DangerImportance
	cancel := widget.NewButton(tr("Cancel"), func() { ss.overrideDlg.Hide() })
	content := container.NewVBox(wrapLabel(userMessage(ruleErr)), widget.NewLabel(tr("harvest.overrideReason")), ss.overrideReason,
		container.NewGridWithColumns(2, cancel, ss.overrideConfirm))
	ss.overrideDlg = dialog.NewCustomWithoutButtons(tr("shipping.overrideTitle"), content, s.w)
	ss.overrideDlg.Resize(s.dialogSize(560, 0))
	ss.overrideDlg.Show()
	s.w.Canvas().Focus(ss.overrideReason)
}

// doShip records the sale (with an override reason when not empty) and
// reports it; errors are returned for ship to route.
func (ss *shippingScreen) doShip(overrideReason string) error {
	s := ss.s
	if !ss.hasShipLot {
		return uiError("shipping.needLot")
	}
	q, err := parseFloat(ss.shipQty.Text, "common.quantity")
	if err != nil {
		return err
	}
	d, err := parseDate(ss.shipDate)
	if err != nil {
		return err
	}
	bt := at(buyerTypes, indexOf(transAll("shipping.buyer.", buyerTypes), ss.buyerType.Selected))
	sh, err := s.d.Store.Ship(s.ctx, s.actor, store.ShipInput{LotID: ss.shipLot.ID, Date: d, BuyerName: ss.buyerName.Text,
		BuyerCode: ss.buyerCode.Text, BuyerType: bt, Quantity: q, OverrideReason: overrideReason})
	if err != nil {
		return err
	}
	ss.lastShipment = &sh
	ss.shipments.Reload()
	lot := ss.shipLot
	ss.selectShipLot(lot)
	msg := trf("shipping.shipped", "Qty", fmtQty(sh.Quantity)+" "+sh.Unit, "Code", sh.LotCode, "Buyer", sh.BuyerName)
	if strings.TrimSpace(overrideReason) != "" {
		msg += "\n" + trf("harvest.overrideRecorded", "Reason", strings.TrimSpace(overrideReason))
	}
	s.lastMessage = msg
	if bt != "market" || !s.actor.Role.Can(store.PermCertify) {
		s.showInfo(tr("shipping.ship"), msg)
		s.w.Canvas().Focus(ss.shipScan)
		return nil
	}
	// A market sale goes with a 入市追溯凭证: offer to print it now.
	ss.voucherBtn = widget.NewButton(tr("shipping.printVoucher"), func() {
		ss.voucherOffer.Hide()
		if s.Show("packing") {
			if ps, ok := s.screen.(*packingScreen); ok {
				ps.selectLot(lot)
				ps.kind.SetSelected(tr("packing.kind." + packVoucher))
			}
		}
	})
	ss.voucherBtn.Importance = widget.HighImportance
	later := widget.NewButton(tr("shipping.later"), func() { ss.voucherOffer.Hide() })
	ss.voucherOffer = dialog.NewCustomWithoutButtons(tr("shipping.ship"),
		container.NewVBox(wrapLabel(msg), wrapLabel(tr("shipping.voucherOffer")), container.NewGridWithColumns(2, later, ss.voucherBtn)), s.w)
	ss.voucherOffer.Resize(fyne.NewSize(520, 0))
	ss.voucherOffer.Show()
	return nil
}

func (ss *shippingScreen) buildReceive() fyne.CanvasObject {
	s := ss.s
	ss.recvScan = widgets.NewScanEntry()
	ss.recvScan.SetPlaceHolder(tr("shipping.scanSupplier"))
	ss.recvScan.OnScan = func(sc scanner.Scan) { ss.scanned(sc) }
	ss.recvScan.OnSubmitted = func(text string) {
		if strings.TrimSpace(text) != "" {
			ss.scanned(scanner.Parse(text))
		}
	}
	ss.recvKind = widgets.NewStatusPill(tr("shipping.noScan"), widgets.PillIdle)
	ss.recvCode = wrapLabel("")
	ss.supplier, ss.supplierCode, ss.upstream = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	ss.recvQty, ss.recvUnit = widget.NewEntry(), widget.NewEntry()
	ss.recvDate = s.dateEntry()
	ss.recvProduct = newIDSelect(func(id int64) {
		for _, p := range ss.products {
			if p.ID == id {
				ss.recvUnit.SetText(p.Unit)
			}
		}
	})
	pl, pi := make([]string, len(ss.products)), make([]int64, len(ss.products))
	for i, p := range ss.products {
		pl[i], pi[i] = strings.TrimSpace(p.Name+" "+p.Variety), p.ID
	}
	ss.recvProduct.setOptions(pl, pi)
	if len(pi) == 1 {
		ss.recvProduct.SetSelectedIndex(0)
	}
	ss.repeat = widget.NewCheck(tr("shipping.repeat"), nil)
	ss.recvBtn = widget.NewButton(tr("shipping.receiveBtn"), ss.receive)
	ss.recvBtn.Importance = widget.HighImportance
	f := widget.NewForm(
		widget.NewFormItem(tr("shipping.kind"), container.NewHBox(ss.recvKind)),
		widget.NewFormItem(tr("shipping.code"), ss.recvCode),
		widget.NewFormItem(tr("shipping.supplier"), ss.supplier),
		widget.NewFormItem(tr("shipping.supplierCode"), ss.supplierCode),
		widget.NewFormItem(tr("packing.upstream"), ss.upstream),
		widget.NewFormItem(tr("harvest.product"), ss.recvProduct),
		widget.NewFormItem(tr("common.quantity"), container.NewGridWithColumns(2, ss.recvQty, ss.recvUnit)),
		widget.NewFormItem(tr("common.date"), ss.recvDate),
	)
	cols := append(lotColumns(),
		column[store.Lot]{"shipping.supplier", 190, func(l store.Lot) string { return l.Supplier }},
		column[store.Lot]{"shipping.code", 210, func(l store.Lot) string { return l.FromCode }})
	q := store.LotQuery{Source: store.LotReceipt}
	ss.received = newPagedTable(s.ctx, cols,
		func(ctx context.Context, lq store.ListQuery) (int, error) {
			q.ListQuery = lq
			return s.d.Store.CountLots(ctx, q)
		},
		func(ctx context.Context, lq store.ListQuery) ([]store.Lot, error) {
			q.ListQuery = lq
			return s.d.Store.ListLots(ctx, q)
		},
		s.showError)
	ss.received.onSelect = func(l store.Lot) { s.showHistory("lots", l.ID, l.Code+" · "+l.Supplier) }
	left := container.NewVBox(title(tr("shipping.scanSupplier")), ss.recvScan, f, ss.repeat, ss.recvBtn)
	return splitPane(container.NewVScroll(left),
		container.NewBorder(title(tr("shipping.receivedLots")), nil, nil, nil, ss.received.Object()))
}

// scanned shows what the supplier's code is and fills what it carries.
func (ss *shippingScreen) scanned(sc scanner.Scan) {
	ss.lastScan = sc
	ss.recvScan.SetText("")
	lang := CurrentLanguage()
	state := widgets.PillOK
	if sc.Kind == scanner.KindUnknown {
		state = widgets.PillWarn
	}
	if sc.Err != nil {
		state = widgets.PillBad
	}
	ss.recvKind.Set(sc.Kind.Label(lang), state)
	code := sc.Code
	if code == "" {
		code = strings.TrimSpace(sc.Raw)
	}
	text := code
	if sc.Err != nil {
		text += "\n" + userMessage(sc.Err)
	}
	ss.recvCode.SetText(text)
	if sc.Kind == scanner.KindCertificate {
		if no := sc.Fields["cert_no"]; no != "" {
			ss.upstream.SetText(no)
		}
		if who := sc.Fields["issuer"]; who != "" && ss.supplier.Text == "" {
			ss.supplier.SetText(who)
		}
		if p := sc.Fields["product"]; p != "" {
			for _, pr := range ss.products {
				if strings.Contains(p, pr.Name) {
					ss.recvProduct.selectID(pr.ID)
				}
			}
		}
	}
	if cc := sc.Fields["credit_code"]; cc != "" && ss.supplierCode.Text == "" {
		ss.supplierCode.SetText(cc)
	}
	if ss.supplier.Text == "" {
		ss.s.w.Canvas().Focus(ss.supplier)
	} else {
		ss.s.w.Canvas().Focus(ss.recvQty)
	}
}

func (ss *shippingScreen) receive() {
	s := ss.s
	sc := ss.lastScan
	code := sc.Code
	if code == "" {
		code = strings.TrimSpace(sc.Raw)
	}
	if code == "" {
		s.showError(uiError("shipping.needScan"))
		return
	}
	if sc.Err != nil {
		s.showError(sc.Err)
		return
	}
	q, err := parseFloat(ss.recvQty.Text, "common.quantity")
	if err != nil {
		s.showError(err)
		return
	}
	d, err := parseDate(ss.recvDate)
	if err != nil {
		s.showError(err)
		return
	}
	if ss.recvProduct.ID() == 0 {
		s.showError(uiError("records.pickPlotProduct"))
		return
	}
	r, err := s.d.Store.Receive(s.ctx, s.actor, store.ReceiveInput{Date: d, SupplierName: ss.supplier.Text, SupplierCode: ss.supplierCode.Text,
		UpstreamCode: code, UpstreamKind: sc.Kind.String(), UpstreamCertNo: ss.upstream.Text, ProductID: ss.recvProduct.ID(),
		Quantity: q, Unit: ss.recvUnit.Text, AllowRepeat: ss.repeat.Checked})
	if err != nil {
		s.showError(err)
		return
	}
	ss.lastReceipt = &r
	ss.repeat.SetChecked(false)
	ss.received.Reload()
	s.showInfo(tr("shipping.receive"), trf("shipping.receivedMsg", "Code", r.LotCode, "Up", r.UpstreamCode))
	s.w.Canvas().Focus(ss.recvScan)
}
