package epcis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/store/rules"
)

func testUSCC(t testing.TB, first17 string) string {
	t.Helper()
	c, err := rules.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// site is a store with a profile, an admin, a base with plots and products.
type site struct {
	db       *store.DB
	admin    store.Actor
	plots    []store.Plot
	orange   store.Product // kg
	boxed    store.Product // 箱
	received store.Product
}

func newSite(t testing.TB) *site {
	t.Helper()
	ctx := context.Background()
	db := openStore(t)
	if _, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", DisplayName: "管理员", Role: store.RoleAdmin, Password: "admin1234"}); err != nil {
		t.Fatal(err)
	}
	admin, err := db.Login(ctx, "admin", "admin1234")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{db: db, admin: admin}
	if _, err := db.SaveEntity(ctx, admin, store.Entity{Name: "新平戛洒某某柑橘种植专业合作社（测试）", Scale: store.ScaleCooperative,
		EntityType: store.EntityProduction, CreditCode: testUSCC(t, "93530427MA6N3K7Q1"), DivisionCode: "530427", SiteCode: "XPJS01"}); err != nil {
		t.Fatal(err)
	}
	base, err := db.AddBase(ctx, admin, store.Base{Name: "戛洒冰糖橙基地", DivisionCode: "530427", AreaMu: 320})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		p, err := db.AddPlot(ctx, admin, store.Plot{BaseID: base.ID, Name: fmt.Sprintf("%d号地", i+1), Crop: "柑橘", CropCategory: "瓜果", AreaMu: 20})
		if err != nil {
			t.Fatal(err)
		}
		s.plots = append(s.plots, p)
	}
	if s.orange, err = db.AddProduct(ctx, admin, store.Product{Name: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	if s.boxed, err = db.AddProduct(ctx, admin, store.Product{Name: "冰糖橙礼盒", Crop: "柑橘", CropCategory: "瓜果", Unit: "箱"}); err != nil {
		t.Fatal(err)
	}
	if s.received, err = db.AddProduct(ctx, admin, store.Product{Name: "收购冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// generate fills the site with n harvest lots over the days before
// testStart and, for them, merges, splits, packing, tests (one positive,
// held, then destroyed), shipments and receipts: roughly 2.5 events a lot.
func (s *site) generate(t testing.TB, n int) {
	t.Helper()
	ctx := context.Background()
	db, a := s.db, s.admin
	day0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var lots []store.Lot
	err := db.Batch(ctx, a, func(ctx context.Context) error {
		for i := range n {
			day := day0.AddDate(0, 0, i%80)
			l, err := db.Harvest(ctx, a, store.HarvestInput{PlotID: s.plots[i%len(s.plots)].ID, ProductID: s.orange.ID, Date: day, Quantity: float64(200 + i%50)})
			if err != nil {
				return err
			}
			lots = append(lots, l)
		}
		for i := 0; i+1 < len(lots); i += 2 {
			l, m := lots[i], lots[i+1]
			day := maxDay(l.ProducedOn, m.ProducedOn).AddDate(0, 0, 1)
			switch i % 8 {
			case 0: // merge two harvests
				if _, err := db.Transform(ctx, a, store.TransformInput{Kind: "merge", Date: day, Inputs: []store.LotQty{{LotID: l.ID, Quantity: 100}, {LotID: m.ID, Quantity: 100}},
					Outputs: []store.NewLot{{ProductID: s.orange.ID, Quantity: 200}}}); err != nil {
					return err
				}
			case 2: // split one into two
				if _, err := db.Transform(ctx, a, store.TransformInput{Kind: "split", Date: day, Inputs: []store.LotQty{{LotID: l.ID, Quantity: 150}},
					Outputs: []store.NewLot{{ProductID: s.orange.ID, Quantity: 100}, {ProductID: s.orange.ID, Quantity: 50}}}); err != nil {
					return err
				}
			case 4: // pack into boxes
				if _, err := db.Transform(ctx, a, store.TransformInput{Kind: "packing", Date: day, Inputs: []store.LotQty{{LotID: l.ID, Quantity: 100}},
					Outputs: []store.NewLot{{ProductID: s.boxed.ID, Quantity: 20}}}); err != nil {
					return err
				}
			}
			rate := 12.5 + float64(i%20)
			if _, err := db.RecordInspection(ctx, a, store.InspectionInput{LotID: m.ID, Kind: "rapid", TestedAt: m.ProducedOn.Add(10 * time.Hour),
				Method: "酶抑制率法", Basis: "GB/T 5009.199-2003", Item: "有机磷和氨基甲酸酯类农药", Rate: &rate}); err != nil {
				return err
			}
			if _, err := db.Ship(ctx, a, store.ShipInput{LotID: m.ID, Date: day, BuyerName: fmt.Sprintf("玉溪农贸市场%d号摊", i%7), BuyerType: "market", Quantity: 50}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// One positive test: the lot is held, then its remainder destroyed
	// (outside the batch: Balance reads committed rows).
	err = func() error {
		last := lots[len(lots)-1]
		rate := 71.0
		if _, err := db.RecordInspection(ctx, a, store.InspectionInput{LotID: last.ID, Kind: "rapid", TestedAt: last.ProducedOn.Add(9 * time.Hour), Rate: &rate}); err != nil {
			return err
		}
		b, err := db.Balance(ctx, last.ID)
		if err != nil {
			return err
		}
		if _, err := db.Dispose(ctx, a, store.DisposeInput{LotID: last.ID, Date: last.ProducedOn.AddDate(0, 0, 1), Method: "destroy", Quantity: b.Available, Reason: "速测阳性，整批销毁"}); err != nil {
			return err
		}
		for i := range max(1, n/20) {
			if _, err := db.Receive(ctx, a, store.ReceiveInput{Date: day0.AddDate(0, 0, i%60), SupplierName: "平甸乡某种植户", SupplierCode: testUSCC(t, "92530427MA6N3K7Q1"),
				UpstreamCode: fmt.Sprintf("UP%06d", i), UpstreamKind: "trace", ProductID: s.received.ID, Quantity: 300}); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		t.Fatal(err)
	}
}

func maxDay(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
