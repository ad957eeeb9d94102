package store

import (
	"strings"
	"testing"

	"suyuan/store/rules"
)

func TestHoldBlocksCertificateShipTransformVoucher(t *testing.T) {
	s := newD2Site(t)
	lot := s.harvest(s.plotID, "2026-11-20", 500, false)
	s.positive(lot)
	if l := s.lot(lot); !l.Hold || !strings.Contains(l.HoldReason, "#") {
		t.Fatalf("positive did not hold the lot: %+v", l)
	}
	cases := []struct {
		name string
		do   func() error
	}{
		{"ship", func() error {
			_, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, BuyerName: "玉溪批发市场", BuyerType: "market", Quantity: 10})
			return err
		}},
		{"transform", func() error {
			_, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{lot, 10}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 10}}})
			return err
		}},
		{"certify", func() error {
			_, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 10})
			return err
		}},
		{"can-certify", func() error { return s.db.CanCertify(s.ctx, lot, d2Day(t, "2026-11-28")) }},
		{"voucher", func() error {
			_, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "voucher", LotID: lot, Copies: 1, Printer: "sim", Size: "60x40"})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			wantRule(t, err, RuleLotOnHold)
			if !strings.Contains(err.(interface{ UserMessage(string) string }).UserMessage("zh"), "扣留") {
				t.Fatalf("message does not name the hold rule: %v", err)
			}
		})
	}
	if b := s.balance(lot); b.Available != 500 || b.Shipped != 0 {
		t.Fatalf("refused writes changed the balance: %+v", b)
	}
	// A trace label may still be printed (marking held goods is harmless).
	if _, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "trace", LotID: lot, Copies: 1, Printer: "sim", Size: "60x40"}); err != nil {
		t.Fatal(err)
	}
}

func TestMassBalance(t *testing.T) {
	s := newD2Site(t)
	lot := s.harvest(s.plotID, "2026-11-01", 100, false)
	if _, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, BuyerName: "甲", BuyerType: "market", Quantity: 60}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		rule string
		do   func() error
	}{
		{"ship over available", RuleMassBalance, func() error {
			_, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, BuyerName: "乙", BuyerType: "market", Quantity: 40.001})
			return err
		}},
		{"transform over available", RuleMassBalance, func() error {
			_, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{lot, 41}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 41}}})
			return err
		}},
		{"transform same lot twice sums", RuleMassBalance, func() error {
			_, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "merge", Inputs: []LotQty{{lot, 30}, {lot, 11}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 41}}})
			return err
		}},
		{"certify over quantity", RuleMassBalance, func() error {
			_, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 100.5})
			return err
		}},
		{"ship in another unit", RuleUnitMismatch, func() error {
			_, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, BuyerName: "乙", BuyerType: "market", Quantity: 1, Unit: "箱"})
			return err
		}},
		{"ship before harvest", RuleDateOrder, func() error {
			_, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: lot, Date: d2Day(t, "2026-10-01"), BuyerName: "乙", BuyerType: "market", Quantity: 1})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantRule(t, tc.do(), tc.rule) })
	}
	// Exactly the remainder is fine; certificates may cover shipped goods.
	if _, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotCode: strings.ToLower(s.lot(lot).Code), BuyerName: "乙", BuyerType: "registered", Quantity: 40}); err != nil {
		t.Fatal(err)
	}
	c1, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 70})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 30.001})
	wantRule(t, err, RuleMassBalance)
	if err := s.db.VoidCertificate(s.ctx, d2Packer, c1.ID, "数量填错"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 100}); err != nil {
		t.Fatalf("void did not restore certifiable quantity: %v", err)
	}
	b := s.balance(lot)
	if b.Available != 0 || b.Shipped != 100 || b.Certified != 100 {
		t.Fatalf("balance %+v", b)
	}
	// Voiding a shipment restores the balance; it is journaled with the reason.
	ships, err := s.db.ListShipments(s.ctx, ShipmentQuery{LotID: lot})
	if err != nil || len(ships) != 2 {
		t.Fatalf("shipments %v %v", ships, err)
	}
	if err := s.db.VoidShipment(s.ctx, d2Packer, ships[0].ID, ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("void without reason: %v", err)
	}
	if err := s.db.VoidShipment(s.ctx, d2Recorder, ships[0].ID, "重复录入"); ErrorCode(err) != CodeForbidden {
		t.Fatalf("recorder voided a sale: %v", err)
	}
	if err := s.db.VoidShipment(s.ctx, d2Packer, ships[0].ID, "重复录入"); err != nil {
		t.Fatal(err)
	}
	if b := s.balance(lot); b.Available != 40 {
		t.Fatalf("void did not restore: %+v", b)
	}
	h, _ := s.db.History(s.ctx, "shipments", ships[0].ID)
	if len(h) != 2 || h[1].Kind != "shipments.void" || h[1].Reason != "重复录入" {
		t.Fatalf("void not journaled: %+v", h)
	}
}

func TestTransformCreatesLotsAndVoidRestores(t *testing.T) {
	s := newD2Site(t)
	a := s.harvest(s.plotID, "2026-11-01", 100, false)
	b := s.harvest(s.plot2ID, "2026-11-02", 50, false)
	tr, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "processing", Date: d2Day(t, "2026-11-10"),
		Inputs: []LotQty{{a, 80}, {b, 50}}, Outputs: []NewLot{{ProductID: s.juice, Quantity: 200}, {ProductID: s.orange, Quantity: 20, Unit: "kg"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Outputs) != 2 || tr.Outputs[0].Source != "transform" || tr.Outputs[0].TransformationID != tr.ID || tr.Outputs[0].Unit != "瓶" || tr.Outputs[0].Code == "" {
		t.Fatalf("outputs %+v", tr.Outputs)
	}
	if tr.Outputs[0].Code == tr.Outputs[1].Code {
		t.Fatal("outputs share a code")
	}
	if s.balance(a).Available != 20 || s.balance(b).Available != 0 || s.balance(a).TransformedOut != 80 {
		t.Fatalf("balances %+v %+v", s.balance(a), s.balance(b))
	}
	// An output that was used blocks the void.
	if _, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: tr.Outputs[0].ID, BuyerName: "超市", BuyerType: "market", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.VoidTransformation(s.ctx, d2Admin, tr.ID, "录错"); ErrorCode(err) != CodeConflict {
		t.Fatalf("void with used output: %v", err)
	}
	ships, _ := s.db.ListShipments(s.ctx, ShipmentQuery{LotID: tr.Outputs[0].ID})
	if err := s.db.VoidShipment(s.ctx, d2Admin, ships[0].ID, "录错"); err != nil {
		t.Fatal(err)
	}
	if err := s.db.VoidTransformation(s.ctx, d2Admin, tr.ID, "录错"); err != nil {
		t.Fatal(err)
	}
	if s.balance(a).Available != 100 || s.balance(b).Available != 50 || !s.lot(tr.Outputs[0].ID).Voided {
		t.Fatal("void did not restore the inputs or void the outputs")
	}
	_, err = s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: tr.Outputs[1].ID, BuyerName: "x", BuyerType: "market", Quantity: 1})
	wantRule(t, err, RuleLotVoided)
}

func TestShipAndCertifyPHI(t *testing.T) {
	s := newD2Site(t)
	// Applied 11-20 with a 14-day PHI: nothing from before-harvest sprays may
	// leave before 12-04. (The lot was recorded as harvested 11-25: the
	// application was entered late, so the harvest check never saw it.)
	s.apply(s.plotID, s.pesticide, "2026-11-20")
	s.apply(s.plotID, s.fertilizer, "2026-11-24")
	inside := s.harvest(s.plotID, "2026-11-25", 100, false)
	overridden := s.harvest(s.plotID, "2026-11-25", 100, true)
	other := s.harvest(s.plot2ID, "2026-11-25", 100, false)
	s.apply(s.plot2ID, s.pesticide, "2026-11-26") // after that harvest: irrelevant to it
	tr, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{inside, 10}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	derived := tr.Outputs[0].ID
	ship := func(a Actor, lot int64, reason string) error {
		_, err := s.db.Ship(s.ctx, a, ShipInput{LotID: lot, BuyerName: "市场", BuyerType: "market", Quantity: 1, OverrideReason: reason})
		return err
	}
	cert := func(lot int64) error {
		_, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 1})
		return err
	}
	cases := []struct {
		name string
		err  error
		rule string // "" = allowed
	}{
		{"ship inside window", ship(d2Packer, inside, ""), rules.RulePHIWindow},
		{"certify inside window", cert(inside), rules.RulePHIWindow},
		{"ship lot made from it", ship(d2Packer, derived, ""), rules.RulePHIWindow},
		{"certify lot made from it", cert(derived), rules.RulePHIWindow},
		{"packer cannot override", ship(d2Packer, inside, "买方坚持"), ""},
		{"harvest override carries (ship)", ship(d2Packer, overridden, ""), ""},
		{"harvest override carries (certify)", cert(overridden), ""},
		{"spray after harvest irrelevant", ship(d2Packer, other, ""), ""},
		{"admin override with reason", ship(d2Admin, inside, "检测合格，经理批准"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.name == "packer cannot override":
				if ErrorCode(tc.err) != CodeForbidden {
					t.Fatalf("want forbidden, got %v", tc.err)
				}
			case tc.rule != "":
				wantRule(t, tc.err, tc.rule)
				if m := tc.err.(interface{ UserMessage(string) string }).UserMessage("zh"); !strings.Contains(m, "2026-12-04") || !strings.Contains(m, "安全间隔期") {
					t.Fatalf("message lacks the earliest date: %s", m)
				}
			case tc.err != nil:
				t.Fatal(tc.err)
			}
		})
	}
	if err := s.db.CanCertify(s.ctx, inside, d2Day(t, "2026-12-04")); err != nil {
		t.Fatalf("on the earliest day certification must be possible: %v", err)
	}
	h, _ := s.db.History(s.ctx, "shipments", 3)
	if len(h) == 0 || h[0].Kind != "shipments.override" || h[0].Reason == "" {
		t.Fatalf("override not journaled with its reason: %+v", h)
	}
}

func TestReceiveDoubleScan(t *testing.T) {
	s := newD2Site(t)
	in := ReceiveInput{SupplierName: "某家庭农场", UpstreamCode: " 1.0.915101007130545948.00000001.20261127080000.001 ", UpstreamCertNo: "HGZ-ABCD-20261127-0001",
		ProductID: s.orange, Quantity: 300}
	r1, err := s.db.Receive(s.ctx, d2Packer, in)
	if err != nil {
		t.Fatal(err)
	}
	l := s.lot(r1.LotID)
	if l.Source != "receipt" || l.FromCode != "1.0.915101007130545948.00000001.20261127080000.001" || l.Supplier != "某家庭农场" || l.Unit != "kg" {
		t.Fatalf("received lot %+v", l)
	}
	cases := []struct {
		name   string
		change func(ReceiveInput) ReceiveInput
		rule   string
	}{
		{"same code same supplier same day", func(i ReceiveInput) ReceiveInput { return i }, RuleDoubleScan},
		{"confirmed repeat", func(i ReceiveInput) ReceiveInput { i.AllowRepeat = true; return i }, ""},
		{"other supplier", func(i ReceiveInput) ReceiveInput { i.SupplierName = "另一农场"; return i }, ""},
		{"another day", func(i ReceiveInput) ReceiveInput { i.Date = d2Day(t, "2026-11-27"); return i }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.db.Receive(s.ctx, d2Packer, tc.change(in))
			if tc.rule != "" {
				wantRule(t, err, tc.rule)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := s.db.VoidReceipt(s.ctx, d2Packer, r1.ID, "扫错"); err != nil {
		t.Fatal(err)
	}
	if !s.lot(r1.LotID).Voided {
		t.Fatal("voiding the receipt left its lot in force")
	}
}

func TestDisposeAndHold(t *testing.T) {
	s := newD2Site(t)
	cases := []struct {
		name     string
		actor    Actor
		qty      float64
		resolves bool
		reason   string
		code     Code
		lifted   bool
	}{
		{"no reason", d2Tech, 10, false, "", CodeInvalid, false},
		{"part stays held", d2Tech, 10, false, "销毁不合格部分", "", false},
		{"technician cannot resolve", d2Tech, 10, true, "分拣", CodeForbidden, false},
		{"admin resolves", d2Admin, 10, true, "分拣后复检合格", "", true},
		{"whole remainder lifts", d2Tech, 100, false, "全部销毁", "", true},
		{"more than held", d2Tech, 100.5, false, "x", CodeRule, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lot := s.harvest(s.plotID, "2026-11-20", 100, false)
			s.positive(lot)
			d, err := s.db.Dispose(s.ctx, tc.actor, DisposeInput{LotID: lot, Method: "destroy", Quantity: tc.qty, Reason: tc.reason, ResolvesHold: tc.resolves})
			if ErrorCode(err) != tc.code {
				t.Fatalf("err %v, want code %q", err, tc.code)
			}
			if err == nil && d.HoldLifted != tc.lifted {
				t.Fatalf("lifted %v", d.HoldLifted)
			}
			if got := s.lot(lot).Hold; got == tc.lifted {
				t.Fatalf("hold %v, lifted want %v", got, tc.lifted)
			}
		})
	}
}

func TestLotByCodeAndNationalCodes(t *testing.T) {
	s := newD2Site(t)
	id := s.harvest(s.plotID, "2026-11-20", 100, false)
	code := s.lot(id).Code
	if err := s.db.SetNationalCodes(s.ctx, d2Packer, id, "1.0.93530427MA6N3K7Q1X.00000001.20261120080000.001", "11593966828965943445", ""); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{code, "  " + strings.ToLower(code) + " ", "1.0.93530427MA6N3K7Q1X.00000001.20261120080000.001", "1159 3966 8289 6594 3445", "１１５９３９６６８２８９６５９４３４４５"} {
		l, err := s.db.LotByCode(s.ctx, q)
		if err != nil || l.ID != id {
			t.Fatalf("LotByCode(%q) = %+v, %v", q, l, err)
		}
	}
	if _, err := s.db.LotByCode(s.ctx, "XPGS-NOPE"); !IsNotFound(err) {
		t.Fatalf("unknown code: %v", err)
	}
	if err := s.db.SetNationalCodes(s.ctx, d2Packer, id, "", "11593966828965940000", ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("changed a set code without reason: %v", err)
	}
	if err := s.db.SetNationalCodes(s.ctx, d2Packer, id, "", "11593966828965940000", "平台重新分配"); err != nil {
		t.Fatal(err)
	}
	other := s.harvest(s.plotID, "2026-11-20", 1, false)
	if err := s.db.SetNationalCodes(s.ctx, d2Packer, other, "", "11593966828965940000", ""); ErrorCode(err) != CodeConflict {
		t.Fatalf("duplicate national code: %v", err)
	}
	h, _ := s.db.History(s.ctx, "lots", id)
	if len(h) != 3 || h[1].Kind != "lots.national_code" || h[2].Reason != "平台重新分配" {
		t.Fatalf("history %+v", h)
	}
	n, err := s.db.CountLots(s.ctx, LotQuery{ListQuery: ListQuery{Search: "1159396682896594"}})
	if err != nil || n != 1 {
		t.Fatalf("search count %d %v", n, err)
	}
	held := true
	s.positive(other)
	ls, err := s.db.ListLots(s.ctx, LotQuery{OnHold: &held, ProductID: s.orange})
	if err != nil || len(ls) != 1 || ls[0].ID != other {
		t.Fatalf("on-hold list %+v %v", ls, err)
	}
}

func TestVoidDisposalRestoresBalanceAndHold(t *testing.T) {
	s := newD2Site(t)
	lot := s.harvest(s.plotID, "2026-11-20", 100, false)
	s.positive(lot)
	d, err := s.db.Dispose(s.ctx, d2Tech, DisposeInput{LotID: lot, Method: "destroy", Quantity: 100, Reason: "全部销毁"})
	if err != nil || !d.HoldLifted {
		t.Fatalf("dispose: %+v %v", d, err)
	}
	if err := s.db.VoidDisposal(s.ctx, d2Tech, d.ID, ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("void without a reason: %v", err)
	}
	if err := s.db.VoidDisposal(s.ctx, d2Tech, d.ID, "录错批次"); err != nil {
		t.Fatal(err)
	}
	b, err := s.db.Balance(s.ctx, lot)
	if err != nil || b.Disposed != 0 || b.Available != 100 {
		t.Fatalf("balance after void: %+v %v", b, err)
	}
	if l := s.lot(lot); !l.Hold {
		t.Fatal("the positive test is unresolved but the lot is no longer held")
	}
	h, _ := s.db.History(s.ctx, "disposals", d.ID)
	if len(h) != 2 || h[1].Reason != "录错批次" || h[1].Kind != "disposals.void" {
		t.Fatalf("history %+v", h)
	}
}

// A later migration that adds a column to a journaled table must not make
// every older row look tampered with, and the new column must still be
// protected.
func TestVerifyAcceptsColumnsAddedByMigration(t *testing.T) {
	s := newD2Site(t)
	s.harvest(s.plotID, "2026-11-20", 100, false)
	if _, err := s.db.w.ExecContext(s.ctx, "ALTER TABLE lots ADD COLUMN grade TEXT NOT NULL DEFAULT ''"); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.db.Verify(s.ctx, nil); err != nil || !rep.OK() {
		t.Fatalf("rows with the new column at its default: %v %+v", err, rep.Problems)
	}
	if _, err := s.db.w.ExecContext(s.ctx, "UPDATE lots SET grade = '特级' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	rep, err := s.db.Verify(s.ctx, nil)
	if err != nil || rep.OK() || rep.Problems[0].Ref != "lots:1" {
		t.Fatalf("a changed value in the new column went unnoticed: %v %+v", err, rep.Problems)
	}
	s.unverified = true
}
