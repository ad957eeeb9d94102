package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"suyuan/device/scanner"
	"suyuan/store"
	"suyuan/store/rules"
)

func (f *fixture) shipping() *shippingScreen {
	f.t.Helper()
	if !f.s.Show("shipping") {
		f.t.Fatal("shipping not available")
	}
	return f.s.screen.(*shippingScreen)
}

func TestReceiveShowsKindAndRefusesDoubleScan(t *testing.T) {
	const certNo = "HGZ-XP01-20250301-0007"
	f, ids := loggedIn(t, "admin", "secret1")
	ss := f.shipping()
	ss.tabs.SelectIndex(1)
	receiptLots := func() int {
		n, err := f.db.CountLots(f.ctx, store.LotQuery{Source: store.LotReceipt})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	receive := func() {
		t.Helper()
		scanInto(ss.recvScan, certNo)
		if ss.recvScan.Text != "" {
			t.Errorf("scan left %q in the field", ss.recvScan.Text)
		}
		if ss.supplier.Text == "" {
			ss.supplier.SetText("戛洒果蔬收购站")
		}
		ss.recvProduct.selectID(ids["product"])
		ss.recvQty.SetText("80")
		test.Tap(ss.recvBtn)
	}
	receive()
	if want := scanner.KindCertificate.Label("zh"); ss.recvKind.Text != want {
		t.Errorf("kind shown %q, want %q", ss.recvKind.Text, want)
	}
	if !strings.Contains(ss.recvCode.Text, certNo) || ss.upstream.Text != certNo {
		t.Errorf("code %q, upstream certificate %q", ss.recvCode.Text, ss.upstream.Text)
	}
	if ss.lastReceipt == nil || receiptLots() != 1 {
		t.Fatalf("first receipt not recorded: %s", f.s.lastMessage)
	}
	if !strings.Contains(overlayTexts(f.w), ss.lastReceipt.LotCode) {
		t.Errorf("new lot code not shown: %q", overlayTexts(f.w))
	}
	l, err := f.db.LotByID(f.ctx, ss.lastReceipt.LotID)
	if err != nil || l.FromCode != certNo || l.Quantity != 80 || l.Unit != "kg" {
		t.Errorf("received lot = %+v, %v", l, err)
	}
	closeOverlays(f.w)
	if ss.received.Len() != 1 {
		t.Errorf("received list shows %d", ss.received.Len())
	}

	// The same code again the same day: refused with the double-scan rule.
	first := ss.lastReceipt
	receive()
	_, storeErr := f.db.Receive(f.ctx, f.s.actor, store.ReceiveInput{SupplierName: "戛洒果蔬收购站", UpstreamCode: certNo, ProductID: ids["product"], Quantity: 80})
	if !rules.IsRule(storeErr, store.RuleDoubleScan) {
		t.Fatalf("store does not refuse the double scan: %v", storeErr)
	}
	if got := overlayTexts(f.w); !strings.Contains(got, userMessage(storeErr)) || ss.lastReceipt != first {
		t.Errorf("double scan not refused with the rule message: %q", got)
	}
	closeOverlays(f.w)
	if n := receiptLots(); n != 1 {
		t.Fatalf("double scan created a lot: %d", n)
	}
	// Confirmed as a real second delivery, it is recorded.
	ss.repeat.SetChecked(true)
	receive()
	if n := receiptLots(); n != 2 {
		t.Errorf("confirmed repeat not recorded: %d lots (%s)", n, f.s.lastMessage)
	}
	if ss.repeat.Checked {
		t.Error("repeat confirmation stays on for the next receipt")
	}
}

func TestShipMarketSaleOffersVoucher(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(100)
	ss := f.shipping()
	scanInto(ss.shipScan, lot.Code)
	if !ss.hasShipLot || ss.shipQty.Text != "100" {
		t.Fatalf("lot not selected: %v qty %q (%s)", ss.hasShipLot, ss.shipQty.Text, f.s.lastMessage)
	}
	ss.buyerType.SetSelected(tr("shipping.buyer.market"))
	ss.buyerName.SetText("玉溪农贸市场 王摊主")
	// More than the lot holds: the mass-balance rule's message.
	ss.shipQty.SetText("150")
	test.Tap(ss.shipBtn)
	if !strings.Contains(f.s.lastMessage, "物料平衡") || ss.lastShipment != nil {
		t.Fatalf("over-shipping: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	ss.shipQty.SetText("40")
	test.Tap(ss.shipBtn)
	if ss.lastShipment == nil {
		t.Fatalf("not shipped: %s", f.s.lastMessage)
	}
	sh, err := f.db.ListShipments(f.ctx, store.ShipmentQuery{LotID: lot.ID})
	if err != nil || len(sh) != 1 || sh[0].Quantity != 40 || sh[0].BuyerType != "market" {
		t.Fatalf("shipments = %+v, %v", sh, err)
	}
	if ss.shipments.Len() != 1 {
		t.Errorf("recent list shows %d", ss.shipments.Len())
	}
	if !strings.Contains(ss.shipInfo.Text, "60") {
		t.Errorf("available not updated: %q", ss.shipInfo.Text)
	}
	if ss.voucherBtn == nil || !strings.Contains(overlayTexts(f.w), tr("shipping.voucherOffer")) {
		t.Fatalf("no voucher offer: %q", overlayTexts(f.w))
	}
	test.Tap(ss.voucherBtn)
	ps, ok := f.s.screen.(*packingScreen)
	if !ok || f.s.current != "packing" {
		t.Fatalf("voucher button opened %q", f.s.current)
	}
	if ps.lot.ID != lot.ID || ps.kindValue() != packVoucher || ps.previewImg == nil {
		t.Errorf("packing for the voucher: lot %d kind %s preview %v (%s)", ps.lot.ID, ps.kindValue(), ps.previewImg != nil, ps.previewErr.Text)
	}
}

// TestShipUnavailableSaysWhy: 发货 is disabled with the reason beside it
// before a lot is scanned and for a held lot (the hold's reason), not
// clickable and then refused.
func TestShipUnavailableSaysWhy(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	ok, held := f.harvestLot(100), f.harvestLot(80)
	rids := importReadings(t, f, 80)
	if _, err := f.db.BindReading(f.ctx, f.s.actor, rids[0], held.Code); err != nil {
		t.Fatal(err)
	}
	held, _ = f.db.LotByID(f.ctx, held.ID)
	ss := f.shipping()
	if !ss.shipBtn.Disabled() || ss.shipWhy.Text != "先扫描批次" {
		t.Errorf("no lot: ship enabled %v, beside it %q", !ss.shipBtn.Disabled(), ss.shipWhy.Text)
	}
	scanInto(ss.shipScan, held.Code)
	if !ss.hasShipLot || !ss.shipBtn.Disabled() || !strings.Contains(ss.shipWhy.Text, held.HoldReason) || held.HoldReason == "" {
		t.Errorf("held lot: ship enabled %v, beside it %q, hold %q", !ss.shipBtn.Disabled(), ss.shipWhy.Text, held.HoldReason)
	}
	scanInto(ss.shipScan, ok.Code)
	if ss.shipBtn.Disabled() || ss.shipWhy.Text != "" {
		t.Errorf("lot that may ship: enabled %v, beside it %q", !ss.shipBtn.Disabled(), ss.shipWhy.Text)
	}
}
