package app

import (
	"context"
	"fmt"
	"time"

	"suyuan/app/label"
	"suyuan/device/scanner"
	"suyuan/store"
)

// Tour steps of the packing-line screens (Packing, Shipping, Testing, Sync,
// Reports), each in a state worth a screenshot. They run after the shell's
// own steps have seeded the site (seedTour) and add, through the store API,
// what these screens show: a tested lot, a held lot, readings, a shipment, a
// receipt and print jobs (seedOpsTour). No step opens a dialog.

const tourSupplierCert = "HGZ-XP02-20260301-0042"

// opsTour builds the steps; the data is seeded once for both languages.
type opsTour struct {
	login  func(*Shell)
	seeded bool
	lots   opsTourLots
}

// newOpsTour returns the tour part of the packing-line screens; login logs
// the tour admin in (seeding the site first).
func newOpsTour(login func(*Shell)) *opsTour { return &opsTour{login: login} }

func (o *opsTour) prep(s *Shell) {
	o.login(s)
	if o.seeded {
		return
	}
	o.seeded = true
	var err error
	if o.lots, err = seedOpsTour(s.ctx, s.d.Store, s.actor, s.today()); err != nil {
		panic(err)
	}
}

// steps returns the steps for language l.
func (o *opsTour) steps(l string) []TourStep {
	prep, lots := o.prep, &o.lots
	var steps []TourStep
	add := func(name string, f func(s *Shell)) { steps = append(steps, TourStep{Name: name + "-" + l, Do: f}) }
	add("packing", func(s *Shell) {
		prep(s)
		s.Show("packing")
		ps := s.screen.(*packingScreen)
		ps.selectLot(lots.tested)
		ps.kind.SetSelected(tr("packing.kind." + packCert))
		if len(ps.certRows) == 0 { // zh issues it; en shows the same certificate
			ps.basis[1].SetChecked(true) // backed by the negative rapid test
			ps.certQty.SetText("500")
			ps.issueCert()
		}
		ps.size.SetSelected(label.Size70x50.String())
		ps.copies.SetText("20")
	})
	add("packing-hold", func(s *Shell) {
		prep(s)
		s.Show("packing")
		ps := s.screen.(*packingScreen)
		ps.selectLot(lots.held)
		ps.kind.SetSelected(tr("packing.kind." + packCert))
	})
	add("packing-trace", func(s *Shell) {
		prep(s)
		s.Show("packing")
		ps := s.screen.(*packingScreen)
		ps.selectLot(lots.other)
		ps.kind.SetSelected(tr("packing.kind." + packTrace))
		ps.copies.SetText("50")
	})
	add("shipping", func(s *Shell) {
		prep(s)
		s.Show("shipping")
		ss := s.screen.(*shippingScreen)
		ss.selectShipLot(lots.tested)
		ss.buyerType.SetSelected(tr("shipping.buyer.market"))
		ss.buyerName.SetText(pick("玉溪农贸市场 张记水果摊", "Yuxi farmers' market, Zhang's fruit stall"))
		ss.shipQty.SetText("150")
	})
	add("shipping-receive", func(s *Shell) {
		prep(s)
		s.Show("shipping")
		ss := s.screen.(*shippingScreen)
		ss.tabs.SelectIndex(1)
		ss.supplier.SetText(pick("漠沙镇果蔬收购站（示例）", "Mosha produce station (sample)"))
		ss.scanned(scanner.Parse(tourSupplierCert))
		ss.recvProduct.selectID(lots.other.ProductID)
		ss.recvQty.SetText("300")
	})
	add("testing", func(s *Shell) {
		prep(s)
		s.Show("testing")
		ts := s.screen.(*testingScreen)
		if r, ok := ts.pending.Row(0); ok {
			ts.selectReading(r)
		}
	})
	add("sync", func(s *Shell) { prep(s); s.Show("sync") })
	for i, tab := range []string{"completeness", "readiness", "trace", "charts"} {
		i, tab := i, tab
		add("reports-"+tab, func(s *Shell) {
			prep(s)
			s.Show("reports")
			rs := s.screen.(*reportsScreen)
			rs.tabs.SelectIndex(i)
			if tab == "trace" {
				rs.trace(lots.tested.Code)
			}
		})
	}
	return steps
}

// opsTourLots are the lots the tour's packing-line steps show.
type opsTourLots struct {
	tested, held, other store.Lot
}

// seedOpsTour records, as the admin, a negative test on the 冰糖橙 lot, a
// held lot with a positive reading, readings waiting to be bound, a sale,
// a receipt from a supplier and two print jobs (one failed).
func seedOpsTour(ctx context.Context, db *store.DB, a store.Actor, today time.Time) (opsTourLots, error) {
	var out opsTourLots
	hv, err := db.ListLots(ctx, store.LotQuery{Source: store.LotHarvest})
	if err != nil {
		return out, err
	}
	if len(hv) < 2 {
		return out, fmt.Errorf("tour: %d harvest lots seeded, want 2", len(hv))
	}
	out.other, out.tested = hv[0], hv[1] // newest first: 沃柑, then 冰糖橙
	held, err := db.Harvest(ctx, a, store.HarvestInput{PlotID: out.tested.PlotID, ProductID: out.tested.ProductID, Date: today, Quantity: 400})
	if err != nil {
		return out, err
	}
	f := func(v float64) *float64 { return &v }
	at := time.Date(today.Year(), today.Month(), today.Day(), 1, 30, 0, 0, time.UTC)
	var rs []store.ReadingInput
	for i, r := range []struct {
		sample string
		rate   *float64
		c, s   *float64
	}{
		{"冰糖橙", f(11.8), nil, nil}, {"冰糖橙", f(71.4), nil, nil}, {"沃柑", nil, f(-0.012), f(0.2)},
		{"沃柑", f(9.6), nil, nil}, {"冰糖橙", f(14.2), nil, nil}, {"沃柑", f(6.3), nil, nil},
	} {
		rs = append(rs, store.ReadingInput{Instrument: "lz4000t", Model: "LZ-4000T", SerialNo: "DY2026-0317", RecordNo: fmt.Sprint(i + 1),
			TestedAt: at.Add(time.Duration(i) * 7 * time.Minute), Channel: i % 4, SampleNo: fmt.Sprintf("%02d", i+1), SampleName: r.sample,
			Item: "有机磷和氨基甲酸酯类", Rate: r.rate, ControlDeltaA: r.c, SampleDeltaA: r.s, Unit: "%"})
	}
	if _, _, err := db.ImportReadings(ctx, a, rs); err != nil {
		return out, err
	}
	pend, err := db.PendingReadings(ctx, store.ListQuery{Limit: 10})
	if err != nil {
		return out, err
	}
	byRecord := map[string]int64{}
	for _, r := range pend {
		byRecord[r.RecordNo] = r.ID
	}
	for rec, code := range map[string]string{"1": out.tested.Code, "2": held.Code, "3": out.other.Code} {
		if _, err := db.BindReading(ctx, a, byRecord[rec], code); err != nil {
			return out, err
		}
	}
	if out.tested, err = db.LotByID(ctx, out.tested.ID); err != nil {
		return out, err
	}
	if out.held, err = db.LotByID(ctx, held.ID); err != nil {
		return out, err
	}
	if _, err := db.Ship(ctx, a, store.ShipInput{LotID: out.tested.ID, Date: today, BuyerName: "昆明金马正昌水果批发市场（示例）",
		BuyerType: "registered", Quantity: 300}); err != nil {
		return out, err
	}
	if _, err := db.Receive(ctx, a, store.ReceiveInput{Date: today, SupplierName: "漠沙镇果蔬收购站（示例）", UpstreamCode: "HGZ-XP02-20260301-0041",
		UpstreamKind: "certificate", UpstreamCertNo: "HGZ-XP02-20260301-0041", ProductID: out.other.ProductID, Quantity: 260}); err != nil {
		return out, err
	}
	j, err := db.StartPrintJob(ctx, a, store.PrintJobInput{Kind: "trace", LotID: out.other.ID, Copies: 40, Printer: "tcp://192.168.1.50:9100", Size: "60x40"})
	if err != nil {
		return out, err
	}
	if err := db.MarkPrinted(ctx, j.ID, 40); err != nil {
		return out, err
	}
	j, err = db.StartPrintJob(ctx, a, store.PrintJobInput{Kind: "voucher", LotID: out.other.ID, Copies: 30, Printer: "tcp://192.168.1.50:9100", Size: "60x40"})
	if err != nil {
		return out, err
	}
	if err := db.MarkPrinted(ctx, j.ID, 12); err != nil {
		return out, err
	}
	if err := db.FailPrintJob(ctx, j.ID, pick("打印机缺纸（示例）", "printer out of paper (sample)")); err != nil {
		return out, err
	}
	return out, nil
}
