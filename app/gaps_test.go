package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
	"suyuan/store/rules"
)

func (f *fixture) site() *siteScreen {
	f.t.Helper()
	if !f.s.Show("site") {
		f.t.Fatal("site not available")
	}
	return f.s.screen.(*siteScreen)
}

func TestRetirePlotHidesItAndKeepsHistory(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	ss := f.site()
	open := func() *recordDialog {
		t.Helper()
		for i := 0; i < ss.plots.Len(); i++ {
			if p, ok := ss.plots.Row(i); ok && p.ID == ids["vegplot"] {
				ss.plots.onSelect(p)
				return f.s.lastRecord
			}
		}
		t.Fatal("vegetable plot not listed")
		return nil
	}
	rd := open()
	if rd.retireBtn == nil || rd.voidBtn.Visible() && containsObject(rd.tabs, rd.voidBtn) {
		t.Fatal("plot record offers void instead of retire")
	}
	// No reason: refused, nothing changes.
	test.Tap(rd.retireBtn)
	if !strings.Contains(f.s.lastMessage, "原因") {
		t.Errorf("retire without a reason: %q", f.s.lastMessage)
	}
	if p := plotByID(t, f, ids["vegplot"]); p.Retired {
		t.Fatal("retired without a reason")
	}
	closeOverlays(f.w)
	const why = "改种果树，菜地停用"
	rd.reason.SetText(why)
	test.Tap(rd.retireBtn)
	if p := plotByID(t, f, ids["vegplot"]); !p.Retired {
		t.Fatalf("not retired: %s", f.s.lastMessage)
	}
	// The history reopened: the retirement is named, with who and why.
	h := f.s.lastRecord.entries
	if len(h) != 2 || h[1].Reason != why || h[1].Actor != "admin" {
		t.Fatalf("history = %+v", h)
	}
	txt := overlayTexts(f.w)
	for _, want := range []string{why, tr("journal.retire"), tr("common.retired")} {
		if !strings.Contains(txt, want) {
			t.Errorf("history view lacks %q: %q", want, txt)
		}
	}
	closeOverlays(f.w)
	// Still listed in Site setup, marked.
	if p, ok := findRow(ss.plots, func(p store.Plot) bool { return p.ID == ids["vegplot"] }); !ok || ss.plots.cols[len(ss.plots.cols)-1].text(p) != tr("common.retired") {
		t.Errorf("retired plot not listed as retired: %+v", p)
	}
	// Gone from the application and harvest forms.
	rs := f.records()
	for _, o := range [][]string{rs.appPlot.Options, rs.harPlot.Options} {
		for _, label := range o {
			if strings.Contains(label, "菜地") {
				t.Errorf("retired plot offered: %v", o)
			}
		}
	}
	if len(rs.appPlot.Options) != 1 {
		t.Errorf("application plots = %v", rs.appPlot.Options)
	}
	// Restored, it comes back.
	ss = f.site()
	rd = open()
	if rd.retireBtn.Text != tr("record.unretire") || !rd.correct.Disabled() {
		t.Errorf("retired record: button %q, correct enabled %v", rd.retireBtn.Text, !rd.correct.Disabled())
	}
	rd.reason.SetText("恢复种菜")
	test.Tap(rd.retireBtn)
	if p := plotByID(t, f, ids["vegplot"]); p.Retired {
		t.Fatal("not restored")
	}
	if !strings.Contains(overlayTexts(f.w), tr("journal.unretire")) {
		t.Errorf("restore not named in history: %q", overlayTexts(f.w))
	}
	closeOverlays(f.w)
	if rs := f.records(); len(rs.appPlot.Options) != 2 {
		t.Errorf("restored plot not offered: %v", rs.appPlot.Options)
	}
}

func TestCorrectMasterRecordsWithReason(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	ss := f.site()
	m, ok := findRow(ss.materials, func(m store.Material) bool { return m.ID == ids["abamectin"] })
	if !ok {
		t.Fatal("material not listed")
	}
	ss.materials.onSelect(m)
	rd := f.s.lastRecord
	rd.fields["phi_days"].SetText("10")
	rd.reason.SetText("按新标签更正安全间隔期")
	test.Tap(rd.correct)
	got, err := f.db.GetMaterial(f.ctx, ids["abamectin"])
	if err != nil || got.PHIDays == nil || *got.PHIDays != 10 {
		t.Fatalf("phi = %v, %v (%s)", got.PHIDays, err, f.s.lastMessage)
	}
	// The history names the field in the user's language, old → new.
	if txt := overlayTexts(f.w); !strings.Contains(txt, tr("material.phi")+": 7 → 10") || !strings.Contains(txt, "按新标签") {
		t.Errorf("history view: %q", txt)
	}
	closeOverlays(f.w)

	// Products, bases and certifications open the same dialog.
	pr, _ := findRow(ss.products, func(p store.Product) bool { return p.ID == ids["product"] })
	ss.products.onSelect(pr)
	if f.s.lastRecord.retireBtn == nil || f.s.lastRecord.fields["spec"] == nil {
		t.Error("product record lacks retire or fields")
	}
	closeOverlays(f.w)
	c, err := f.db.AddCertification(f.ctx, f.s.actor, store.Certification{Kind: store.CertGreen, Number: "LB-15-19012700330A", ProductName: "冰糖橙",
		ValidFrom: f.s.today().AddDate(-1, 0, 0), ValidTo: f.s.today().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	ss = f.site()
	cr, ok := findRow(ss.certs, func(x store.Certification) bool { return x.ID == c.ID })
	if !ok {
		t.Fatal("certification not listed")
	}
	ss.certs.onSelect(cr)
	rd = f.s.lastRecord
	rd.fields["number"].SetText("LB-15-19012700331A")
	rd.reason.SetText("证书号录错")
	test.Tap(rd.correct)
	if x, _ := findRow(ss.certs, func(x store.Certification) bool { return x.ID == c.ID }); x.Number != "LB-15-19012700331A" {
		t.Errorf("certification number = %q (%s)", x.Number, f.s.lastMessage)
	}
}

func plotByID(t *testing.T, f *fixture, id int64) store.Plot {
	t.Helper()
	ps, err := f.db.ListPlots(f.ctx, store.ListQuery{IncludeVoided: true, Limit: 100}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("plot %d not found", id)
	return store.Plot{}
}

func findRow[T any](p *pagedTable[T], match func(T) bool) (T, bool) {
	for i := 0; i < p.Len(); i++ {
		if r, ok := p.Row(i); ok && match(r) {
			return r, true
		}
	}
	var zero T
	return zero, false
}

// containsObject reports whether o is laid out somewhere under root.
func containsObject(root fyne.CanvasObject, o fyne.CanvasObject) bool {
	for _, x := range test.LaidOutObjects(root) {
		if x == o {
			return true
		}
	}
	return false
}

// phiLot is a lot harvested today on the orchard plot whose 7-day
// pesticide, applied two days ago, was entered after the harvest (so the
// harvest check never saw it): the lot is inside its PHI window.
func phiLot(t *testing.T, f *fixture) store.Lot {
	t.Helper()
	l := f.harvestLot(300)
	harvestSetup(t, f, f.ids)
	return l
}

func TestShipPHIOverride(t *testing.T) {
	t.Run("admin ships with a reason", func(t *testing.T) {
		f, _ := loggedIn(t, "admin", "secret1")
		lot := phiLot(t, f)
		ss := f.shipping()
		scanInto(ss.shipScan, lot.Code)
		ss.buyerType.SetSelected(tr("shipping.buyer.registered"))
		ss.buyerName.SetText("昆明水果批发市场")
		ss.shipQty.SetText("100")
		test.Tap(ss.shipBtn)
		if ss.overrideConfirm == nil {
			t.Fatalf("no override dialog: %q", f.s.lastMessage)
		}
		if txt := overlayTexts(f.w); !strings.Contains(txt, "安全间隔期") {
			t.Errorf("override dialog lacks the PHI rule: %q", txt)
		}
		test.Tap(ss.overrideConfirm) // no reason
		if ss.lastShipment != nil || f.s.lastMessage != tr("shipping.overrideNeedReason") {
			t.Fatalf("override without reason: shipped %v, message %q", ss.lastShipment != nil, f.s.lastMessage)
		}
		const why = "客户自提，已复检合格"
		test.Type(ss.overrideReason, why)
		test.Tap(ss.overrideConfirm)
		if ss.lastShipment == nil {
			t.Fatalf("not shipped: %q", f.s.lastMessage)
		}
		h, err := f.db.History(f.ctx, "shipments", ss.lastShipment.ID)
		if err != nil || len(h) != 1 || h[0].Kind != "shipments.override" || h[0].Reason != why {
			t.Fatalf("shipment journal = %+v, %v", h, err)
		}
		if !strings.Contains(f.s.lastMessage, why) {
			t.Errorf("confirmation %q does not repeat the reason", f.s.lastMessage)
		}
		// Opening the shipment shows the reason in its history.
		closeOverlays(f.w)
		sh, _ := ss.shipments.Row(0)
		ss.shipments.onSelect(sh)
		if txt := overlayTexts(f.w); !strings.Contains(txt, why) || !strings.Contains(txt, tr("journal.override")) {
			t.Errorf("shipment history: %q", txt)
		}
	})
	t.Run("packer cannot", func(t *testing.T) {
		f, _ := loggedIn(t, "admin", "secret1")
		lot := phiLot(t, f)
		if _, err := f.db.CreateUser(f.ctx, f.s.actor, store.NewUser{Username: "pack", DisplayName: "赵包装", Role: store.RolePacker, Password: "secret4"}); err != nil {
			t.Fatal(err)
		}
		f.s.logout()
		f.login("pack", "secret4")
		ss := f.shipping()
		scanInto(ss.shipScan, lot.Code)
		ss.buyerType.SetSelected(tr("shipping.buyer.registered"))
		ss.buyerName.SetText("昆明水果批发市场")
		ss.shipQty.SetText("100")
		test.Tap(ss.shipBtn)
		if ss.overrideConfirm != nil {
			t.Fatal("override offered to a packer")
		}
		if !strings.Contains(overlayTexts(f.w), "安全间隔期") {
			t.Errorf("packer not told the PHI rule: %q", overlayTexts(f.w))
		}
		// Even with a reason forced through, the store refuses.
		err := ss.doShip("我想发")
		if err == nil || ss.lastShipment != nil {
			t.Fatal("packer shipped inside the PHI window")
		}
		if n, _ := f.db.ListShipments(f.ctx, store.ShipmentQuery{}); len(n) != 0 {
			t.Errorf("shipments = %+v", n)
		}
	})
}

func TestReceiptsListOpensHistory(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	r, err := f.db.Receive(f.ctx, f.s.actor, store.ReceiveInput{Date: f.s.today(), SupplierName: "漠沙收购站", UpstreamCode: "HGZ-XP02-20260301-0041",
		ProductID: ids["product"], Quantity: 50})
	if err != nil {
		t.Fatal(err)
	}
	f.harvestLot(10) // not a receipt: not listed
	ss := f.shipping()
	if ss.received.Len() != 1 {
		t.Fatalf("receipts listed: %d", ss.received.Len())
	}
	l, _ := ss.received.Row(0)
	if l.ID != r.LotID {
		t.Fatalf("row %+v", l)
	}
	ss.received.onSelect(l)
	if f.s.lastRecord == nil || len(f.s.lastRecord.entries) != 1 {
		t.Error("receipt history not shown")
	}
}

func TestTestingStationBindAndDiscard(t *testing.T) {
	f, _ := loggedIn(t, "tech", "secret3")
	rids := importReadings(t, f, 12, 20, 75)
	ts := f.testingScreen()
	sel := func(id int64) {
		t.Helper()
		for i := 0; i < ts.pending.Len(); i++ {
			if r, ok := ts.pending.Row(i); ok && r.ID == id {
				ts.selectReading(r)
				return
			}
		}
		t.Fatalf("reading %d not pending", id)
	}
	// Bind to an outside sample: needs who it is.
	sel(rids[2])
	test.Tap(ts.extBind)
	if ts.lastBind != nil || f.s.lastMessage != tr("testing.extNeed") {
		t.Fatalf("bound without a sample: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	ts.extEntity.SetText("某某家庭农场")
	ts.extCode.SetText("WX-0007")
	test.Tap(ts.extBind)
	if ts.lastBind == nil {
		t.Fatalf("not bound: %q", f.s.lastMessage)
	}
	ins := *ts.lastBind
	if ins.LotID != 0 || ins.ExternalEntity != "某某家庭农场" || ins.ExternalCode != "WX-0007" || ins.Verdict != "positive" || ins.HoldSet {
		t.Errorf("external inspection = %+v", ins)
	}
	if !strings.Contains(f.s.lastMessage, "某某家庭农场") || !strings.Contains(f.s.lastMessage, tr("verdict.positive")) {
		t.Errorf("confirmation %q", f.s.lastMessage)
	}
	if ts.pending.Len() != 2 || ts.results.Len() != 1 {
		t.Errorf("after bind: %d pending, %d results", ts.pending.Len(), ts.results.Len())
	}
	if n, _ := f.db.CountLots(f.ctx, store.LotQuery{OnHold: ptrBool(true)}); n != 0 {
		t.Errorf("an outside sample put %d lots on hold", n)
	}
	closeOverlays(f.w)

	// Discard: a reason is required.
	sel(rids[1])
	test.Tap(ts.discardBtn)
	if ts.discardConfirm == nil {
		t.Fatal("no discard dialog")
	}
	test.Tap(ts.discardConfirm)
	if ts.pending.Len() != 2 || f.s.lastMessage != tr("common.reasonRequired") {
		t.Fatalf("discard without reason: %d pending, %q", ts.pending.Len(), f.s.lastMessage)
	}
	test.Type(ts.discardReason, "校准用的空白样")
	test.Tap(ts.discardConfirm)
	if ts.pending.Len() != 1 {
		t.Fatalf("not discarded: %q", f.s.lastMessage)
	}
	if r, _ := ts.pending.Row(0); r.ID != rids[0] {
		t.Errorf("wrong reading discarded: %d left", r.ID)
	}
	h, err := f.db.History(f.ctx, "readings", rids[1])
	if err != nil || len(h) == 0 || h[len(h)-1].Reason != "校准用的空白样" {
		t.Errorf("discard journal = %+v %v", h, err)
	}
	// Nothing selected any more: discarding again asks for a reading.
	closeOverlays(f.w)
	test.Tap(ts.discardBtn)
	if f.s.lastMessage != tr("testing.pickReading") {
		t.Errorf("discard with no selection: %q", f.s.lastMessage)
	}
}

func ptrBool(b bool) *bool { return &b }

func TestHeldLotRelease(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lots := []store.Lot{f.harvestLot(100), f.harvestLot(200), f.harvestLot(300)}
	rids := importReadings(t, f, 70, 72, 80)
	for i, l := range lots {
		if _, err := f.db.BindReading(f.ctx, f.s.actor, rids[i], l.Code); err != nil {
			t.Fatal(err)
		}
	}
	held := func(id int64) bool {
		l, err := f.db.LotByID(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return l.Hold
	}
	ts := f.testingScreen()
	hp := ts.held
	if hp.list.Len() != 3 || !strings.Contains(ts.rightTabs.Items[1].Text, "3") {
		t.Fatalf("held list %d, tab %q", hp.list.Len(), ts.rightTabs.Items[1].Text)
	}
	pick := func(id int64) {
		t.Helper()
		l, ok := findRow(hp.list, func(l store.Lot) bool { return l.ID == id })
		if !ok {
			t.Fatalf("lot %d not in the held list", id)
		}
		hp.list.onSelect(l)
		if !hp.actions.Visible() {
			t.Fatal("no actions for a held lot")
		}
	}

	// 1. The administrator's decision needs a reason.
	pick(lots[0].ID)
	if !containsObject(hp.actions, hp.releaseBtn) {
		t.Fatal("no release button for an admin")
	}
	test.Tap(hp.releaseBtn)
	if !held(lots[0].ID) || !strings.Contains(f.s.lastMessage, "原因") {
		t.Fatalf("released without reason: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	hp.releaseReason.SetText("送省检复检合格，报告附后")
	test.Tap(hp.releaseBtn)
	if held(lots[0].ID) {
		t.Fatalf("not released: %q", f.s.lastMessage)
	}
	h, _ := f.db.History(f.ctx, "lots", lots[0].ID)
	if len(h) == 0 || h[len(h)-1].Kind != "lots.release" || !strings.Contains(h[len(h)-1].Reason, "送省检") {
		t.Errorf("release journal = %+v", h)
	}
	if hp.list.Len() != 2 || !strings.Contains(f.s.lastMessage, lots[0].Code) {
		t.Errorf("after release: %d held, message %q", hp.list.Len(), f.s.lastMessage)
	}
	if want := trf("held.tab", "N", 2); ts.rightTabs.Items[1].Text != want {
		t.Errorf("tab title %q after release, want %q", ts.rightTabs.Items[1].Text, want)
	}
	closeOverlays(f.w)

	// 2. A negative lab re-test of the positive lifts the hold.
	pick(lots[1].ID)
	if hp.retestOf.ID() == 0 {
		t.Fatal("no positive to re-test offered")
	}
	hp.labName.SetText("玉溪市检测中心")
	hp.labReport.SetText("YX-R-01")
	hp.labVerdict.SetSelected(tr("verdict.negative"))
	test.Tap(hp.labSave)
	if held(lots[1].ID) {
		t.Fatalf("negative lab re-test did not lift the hold: %q", f.s.lastMessage)
	}
	ins, _ := f.db.ListInspections(f.ctx, store.InspectionQuery{LotID: lots[1].ID})
	var lab bool
	for _, x := range ins {
		lab = lab || (x.Kind == "lab" && x.Verdict == "negative" && x.RetestOf != 0)
	}
	if !lab {
		t.Errorf("no lab re-test recorded: %+v", ins)
	}
	closeOverlays(f.w)

	// 3. Disposal settling the hold (administrators only).
	pick(lots[2].ID)
	hp.dispMethod.SetSelected(tr("dispose.destroy"))
	hp.dispQty.SetText("40")
	if !hp.dispBtn.Disabled() || !strings.Contains(hp.dispWhy.Text, "原因") {
		t.Errorf("disposal without reason: button enabled %v, hint %q", !hp.dispBtn.Disabled(), hp.dispWhy.Text)
	}
	hp.dispReason.SetText("分拣出的不合格部分销毁")
	hp.dispResolves.SetChecked(true)
	test.Tap(hp.dispBtn)
	test.Tap(hp.destroyConfirm)
	if held(lots[2].ID) {
		t.Fatalf("disposal did not settle the hold: %q", f.s.lastMessage)
	}
	if b, _ := f.db.Balance(f.ctx, lots[2].ID); b.Available != 260 {
		t.Errorf("available after disposing 40 of 300: %v", b.Available)
	}
	if hp.list.Len() != 0 {
		t.Errorf("held list still shows %d", hp.list.Len())
	}
	// A positive bound on this screen shows up in the held tab at once.
	more := importReadings(t, f, 90)
	ts.pending.Reload()
	for i := 0; i < ts.pending.Len(); i++ {
		if r, ok := ts.pending.Row(i); ok && r.ID == more[0] {
			ts.selectReading(r)
		}
	}
	scanInto(ts.bindScan, lots[0].Code)
	if hp.list.Len() != 1 || ts.rightTabs.Items[1].Text != trf("held.tab", "N", 1) {
		t.Errorf("after a new positive: %d held, tab %q (%s)", hp.list.Len(), ts.rightTabs.Items[1].Text, f.s.lastMessage)
	}
}

func TestTechnicianHeldPaneAndVoidInspection(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(100)
	rids := importReadings(t, f, 70)
	if _, err := f.db.BindReading(f.ctx, f.s.actor, rids[0], lot.Code); err != nil {
		t.Fatal(err)
	}
	// A technician sees the held lot but not the administrator's release,
	// and cannot settle a hold by disposal.
	f.s.logout()
	f.login("tech", "secret3")
	ts := f.testingScreen()
	l, _ := findRow(ts.held.list, func(l store.Lot) bool { return l.ID == lot.ID })
	ts.held.list.onSelect(l)
	if containsObject(ts.held.actions, ts.held.releaseBtn) || containsObject(ts.held.actions, ts.held.dispResolves) {
		t.Error("technician offered the administrator's release")
	}
	if err := f.db.ReleaseHold(f.ctx, f.s.actor, lot.ID, "想放行"); err == nil {
		t.Error("store let a technician release")
	}
	// Voiding a result needs PermCorrect: a technician gets no button.
	x, _ := ts.results.Row(0)
	ts.showInspection(x)
	if containsObject(f.w.Canvas().Overlays().Top(), ts.voidBtn) && ts.voidBtn != nil {
		t.Error("technician offered void")
	}
	closeOverlays(f.w)

	// The administrator voids the mistaken positive with a reason; the hold
	// is decided again (no positive left: released).
	f.s.logout()
	f.login("admin", "secret1")
	ts = f.testingScreen()
	x, _ = ts.results.Row(0)
	ts.showInspection(x)
	if ts.voidBtn == nil {
		t.Fatal("no void button for an admin")
	}
	test.Tap(ts.voidBtn)
	test.Tap(ts.voidConfirm)
	if f.s.lastMessage != tr("common.reasonRequired") {
		t.Errorf("void without reason: %q", f.s.lastMessage)
	}
	test.Type(ts.voidReason, "样品编号绑错批次")
	test.Tap(ts.voidConfirm)
	got, _ := f.db.ListInspections(f.ctx, store.InspectionQuery{ListQuery: store.ListQuery{IncludeVoided: true}, LotID: lot.ID})
	if len(got) != 1 || !got[0].Voided {
		t.Fatalf("inspection not voided: %+v (%s)", got, f.s.lastMessage)
	}
	if l, _ := f.db.LotByID(f.ctx, lot.ID); l.Hold {
		t.Error("hold kept after its only positive was voided")
	}
	// Still listed, marked void, not red.
	r, _ := ts.results.Row(0)
	if !strings.Contains(ts.results.cols[len(ts.results.cols)-1].text(r), tr("common.voided")) {
		t.Errorf("voided result not marked: %q", ts.results.cols[len(ts.results.cols)-1].text(r))
	}
}

// TestOpsScreensFitLargeText checks that in large-text mode every tab of the
// screens in this file's scope fits the 1280×800 window (a minimum size
// beyond it means clipped controls on a site PC's screen).
func TestOpsScreensFitLargeText(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(100)
	f.s.SetLargeText(true)
	t.Cleanup(func() { f.s.SetLargeText(false) })
	win := fyne.NewSize(1280, 800)
	check := func(name string) {
		t.Helper()
		if m := f.w.Content().MinSize(); m.Width > win.Width || m.Height > win.Height {
			t.Errorf("%s needs %v in large text, window is %v", name, m, win)
		}
	}
	for _, id := range []string{"site", "records", "shipping", "testing", "reports"} {
		if !f.s.Show(id) {
			t.Fatalf("%s not shown", id)
		}
		var tabs *container.AppTabs
		switch sc := f.s.screen.(type) {
		case *siteScreen:
			tabs = sc.tabs
		case *recordsScreen:
			tabs = sc.tabs
		case *shippingScreen:
			tabs = sc.tabs
		case *testingScreen:
			tabs = sc.rightTabs
		case *reportsScreen:
			tabs = sc.tabs
		}
		for i := range tabs.Items {
			tabs.SelectIndex(i)
			check(id + "/" + tabs.Items[i].Text)
		}
	}
	// The transformation form with inputs and two outputs.
	tp := f.transformPane()
	tp.addInput(lot)
	tp.newOutput()
	check("records/transform filled")
	// Dialogs are capped to the window.
	for _, sz := range []fyne.Size{f.s.dialogSize(900, 560), f.s.dialogSize(1000, 720)} {
		if sz.Width > win.Width || sz.Height > win.Height {
			t.Errorf("dialog size %v exceeds the window", sz)
		}
	}
}

var _ = rules.IsRule
var _ = widget.NewLabel

func TestPayloadTextNamesFields(t *testing.T) {
	cases := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"name": "一号地", "notes": "", "x": nil}, tr("common.name") + ": 一号地"},
		{map[string]any{"area_mu": 30.5, "unknown_col": "v"}, tr("common.areaMu") + ": 30.5   unknown_col: v"},
		{map[string]any{}, ""},
	}
	for _, c := range cases {
		if got := payloadText(c.in); got != c.want {
			t.Errorf("payloadText(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
