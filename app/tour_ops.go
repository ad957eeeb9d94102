package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"time"

	"suyuan/app/label"
	"suyuan/device/scanner"
	"suyuan/store"
)

// Tour steps of the packing-line screens (Packing, Shipping, Testing, Sync,
// Reports) and of the record-keeping additions (transformations,
// attachments, corrections, held lots), each in a state worth a screenshot.
// They run after the shell's own steps have seeded the site (seedTour) and
// add, through the store API, what these screens show: a tested lot, a held
// lot, readings, a shipment, a receipt, print jobs, a transformation, a lot
// inside its PHI window, a corrected base and attachments (seedOpsTour).
// Steps ending in a dialog (override, discard, record, viewer) leave it
// open for the picture; nothing in them is saved.

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
	add("testing-held", func(s *Shell) {
		prep(s)
		s.Show("testing")
		ts := s.screen.(*testingScreen)
		ts.rightTabs.SelectIndex(1)
		ts.held.selectLot(lots.held)
		ts.held.releaseReason.SetText(pick("已送省级检测机构复检合格，见报告附件。", "Lab re-test at the provincial centre passed; report attached."))
	})
	add("testing-discard", func(s *Shell) {
		prep(s)
		s.Show("testing")
		ts := s.screen.(*testingScreen)
		if r, ok := ts.pending.Row(ts.pending.Len() - 1); ok {
			ts.selectReading(r)
			ts.discard()
			ts.discardReason.SetText(pick("校准用的空白样，不是产品样品。", "Blank run for calibration, not a product sample."))
		}
	})
	add("testing-station", func(s *Shell) {
		prep(s)
		s.Show("testing")
		ts := s.screen.(*testingScreen)
		if r, ok := ts.pending.Row(0); ok {
			ts.selectReading(r)
		}
		ts.extEntity.SetText(pick("戛洒镇某家庭农场（示例）", "A family farm in Gasa (sample)"))
		ts.extCode.SetText("GSXP07-260301-0003-K")
	})
	add("testing-inspection", func(s *Shell) {
		prep(s)
		s.Show("testing")
		ts := s.screen.(*testingScreen)
		for i := 0; i < ts.results.Len(); i++ {
			if x, ok := ts.results.Row(i); ok && x.LotID == lots.held.ID {
				ts.showInspection(x)
				break
			}
		}
	})
	add("shipping-override", func(s *Shell) {
		prep(s)
		s.Show("shipping")
		ss := s.screen.(*shippingScreen)
		ss.selectShipLot(lots.phi)
		ss.buyerType.SetSelected(tr("shipping.buyer.registered"))
		ss.buyerName.SetText(pick("昆明金马正昌水果批发市场（示例）", "Kunming fruit wholesale market (sample)"))
		ss.shipQty.SetText("100")
		ss.ship()
		if ss.overrideReason != nil {
			ss.overrideReason.SetText(pick("客户自提，已做农残快检合格。", "Customer collects; rapid residue test passed."))
			// The override dialog is this step's subject, not an error:
			// TestTourSteps flags any step that leaves a message.
			s.lastMessage = ""
		}
	})
	add("records-transform", func(s *Shell) {
		prep(s)
		s.Show("records")
		rs := s.screen.(*recordsScreen)
		rs.tabs.SelectIndex(len(rs.tabs.Items) - 1)
		tp := rs.transform
		tp.addInput(lots.other)
		tp.inputs[0].qty.SetText("300")
		tp.outputs[0].qty.SetText("295")
		o := tp.newOutput()
		o.product.selectID(lots.other.ProductID)
		tp.notes.SetText(pick("10kg/箱，共 29 箱", "10 kg boxes, 29 boxes"))
	})
	add("records-attach", func(s *Shell) {
		prep(s)
		s.Show("records")
		rs := s.screen.(*recordsScreen)
		rs.tabs.SelectIndex(2)
		if e, ok := rs.envTests.Row(rs.envTests.Len() - 1); ok {
			rs.envTests.onSelect(e)
			if rd := s.lastRecord; rd != nil && rd.attach != nil {
				rd.tabs.SelectIndex(len(rd.tabs.Items) - 1)
			}
		}
	})
	add("records-attach-view", func(s *Shell) {
		prep(s)
		s.Show("records")
		rs := s.screen.(*recordsScreen)
		rs.tabs.SelectIndex(2)
		if e, ok := rs.envTests.Row(rs.envTests.Len() - 1); ok {
			rs.envTests.onSelect(e)
			if rd := s.lastRecord; rd != nil && rd.attach != nil {
				if a, ok := findTourRow(rd.attach.list, func(a store.Attachment) bool { return a.MIME != "application/pdf" }); ok {
					rd.attach.open(a.ID)
				}
			}
		}
	})
	for _, tab := range []string{"history", "correct"} {
		tab := tab
		add("site-record-"+tab, func(s *Shell) {
			prep(s)
			s.Show("site")
			ss := s.screen.(*siteScreen)
			ss.tabs.SelectIndex(2)
			if b, ok := findTourRow(ss.bases, func(b store.Base) bool { return b.ID == lots.base }); ok {
				ss.bases.onSelect(b)
				if tab == "correct" && s.lastRecord != nil {
					s.lastRecord.tabs.SelectIndex(1)
					s.lastRecord.reason.SetText(pick("基地不再使用，土地已退租。", "The base is no longer used; the land lease ended."))
				}
			}
		})
	}
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
	for _, what := range []string{"data", "records"} {
		what := what
		name := "exports"
		if what != "data" {
			name += "-" + what
		}
		add(name, func(s *Shell) { prep(s); s.Show("exports"); tourExports(s.screen.(*exportsScreen), what) })
	}
	return steps
}

// opsTourLots are the lots the tour's packing-line steps show.
type opsTourLots struct {
	tested, held, other store.Lot
	// phi is inside its PHI window (the spray was entered after the
	// harvest); base is the corrected base with an attached photo.
	phi  store.Lot
	base int64
}

// findTourRow is the first row of p that matches.
func findTourRow[T any](p *pagedTable[T], match func(T) bool) (T, bool) {
	for i := 0; i < p.Len(); i++ {
		if r, ok := p.Row(i); ok && match(r) {
			return r, true
		}
	}
	var zero T
	return zero, false
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
	return out, seedOpsTourRecords(ctx, db, a, today, &out)
}

// seedOpsTourRecords adds what the record-keeping steps show: a packing
// transformation, a lot inside its PHI window, a corrected base and a
// photo attached to the latest environment test.
func seedOpsTourRecords(ctx context.Context, db *store.DB, a store.Actor, today time.Time, out *opsTourLots) error {
	if _, err := db.Transform(ctx, a, store.TransformInput{Kind: "packing", Date: today, Notes: pick("示例：装箱", "sample: boxed"),
		Inputs:  []store.LotQty{{LotID: out.other.ID, Quantity: 200}},
		Outputs: []store.NewLot{{ProductID: out.other.ProductID, Quantity: 198}}}); err != nil {
		return err
	}
	var err error
	if out.other, err = db.LotByID(ctx, out.other.ID); err != nil {
		return err
	}
	// The spray on the 沃柑 plot is entered today, after a harvest today.
	phi, err := db.Harvest(ctx, a, store.HarvestInput{PlotID: out.other.PlotID, ProductID: out.other.ProductID, Date: today, Quantity: 500})
	if err != nil {
		return err
	}
	mats, err := db.ListMaterials(ctx, store.ListQuery{Limit: 100}, store.MaterialPesticide)
	if err != nil {
		return err
	}
	var matID int64
	for _, m := range mats {
		if m.PHIDays != nil && *m.PHIDays > 0 && (matID == 0 || m.Name == "矿物油乳油（示例）") {
			matID = m.ID
		}
	}
	if _, err := db.AddApplication(ctx, a, store.ApplicationInput{Date: today, PlotID: out.other.PlotID, MaterialID: matID, Dose: 300, DoseUnit: "ml",
		Method: "喷雾", Target: "蚜虫", Operator: "王芳"}); err != nil {
		return err
	}
	if out.phi, err = db.LotByID(ctx, phi.ID); err != nil {
		return err
	}
	bases, err := db.ListBases(ctx, store.ListQuery{Limit: 10})
	if err != nil || len(bases) == 0 {
		return fmt.Errorf("tour: bases %d: %w", len(bases), err)
	}
	b := bases[len(bases)-1]
	out.base = b.ID
	if err := db.Correct(ctx, a, "bases", b.ID, map[string]any{"manager": "王建国", "area_mu": 200.0}, pick("基地负责人更换，面积按新合同", "new base manager; area per the new lease")); err != nil {
		return err
	}
	photo := tourPhoto()
	if _, err := db.Attach(ctx, a, "bases:"+fmt.Sprint(b.ID), "基地航拍.png", "image/png", photo); err != nil {
		return err
	}
	envs, err := db.ListEnvTests(ctx, store.ListQuery{Limit: 10}, 0)
	if err != nil || len(envs) == 0 {
		return fmt.Errorf("tour: env tests %d: %w", len(envs), err)
	}
	e := envs[len(envs)-1]
	if _, err := db.Attach(ctx, a, "env_tests:"+fmt.Sprint(e.ID), "土壤检测报告-第1页.png", "image/png", photo); err != nil {
		return err
	}
	_, err = db.Attach(ctx, a, "env_tests:"+fmt.Sprint(e.ID), "土壤检测报告.pdf", "application/pdf", []byte("%PDF-1.4\n% sample\n%%EOF\n"))
	return err
}

// tourPhoto draws a simple landscape (sky, hills, rows of trees) as a PNG,
// so the viewer has a picture to show without a file in the repository.
func tourPhoto() []byte {
	const w, h = 640, 400
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{150, 200, 240, 255} // sky
			hill := 180 + int(40*math.Sin(float64(x)/90))
			switch {
			case y > hill && (x/24+y/24)%2 == 0 && y > 240:
				c = color.NRGBA{40, 120, 50, 255} // tree rows
			case y > hill:
				c = color.NRGBA{90, 160, 70, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
