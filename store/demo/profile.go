package demo

import (
	"fmt"
	"math"
	"sort"
	"time"

	"suyuan/store"
)

type md struct {
	month time.Month
	day   int
}

type harvestDef struct {
	md
	lo, hi float64 // kg
}

type plotDef struct {
	name, crop, product string
	area                float64
	harvests            []harvestDef
}

type baseDef struct {
	name, address, manager string
	lon, lat, alt, area    float64
	plots                  []plotDef
}

type materialDef struct {
	m         store.Material
	phi       int
	buy       []md
	supplier  string
	buyQty    float64
	buyUnit   string
	sprays    []md // applications on every plot of the crops
	crops     map[string]bool
	dose      float64
	doseUnit  string
	method    string
	target    []string
	batchBase string
}

type packDef struct {
	kind    string  // packing or processing
	product string  // output product
	ratio   float64 // output units per input unit (kg)
	step    float64 // input taken in multiples of this (a box's kg)
}

type supplierDef struct {
	name, site, product string
	days                []md
	lo, hi              float64
}

type profile struct {
	entity     store.Entity
	usccPrefix string
	bases      []baseDef
	products   []store.Product
	pack       map[string]packDef // raw product -> packed
	materials  []materialDef
	buyer      string
	buyerCode  string
	market     string
	supplier   *supplierDef
	testItem   string
	operators  []string
	instrument string
}

func lonlat(lon, lat float64) (*float64, *float64) { return &lon, &lat }

// citrus is the 戛洒 冰糖橙/沃柑 cooperative (domain.md §12).
func citrus() profile {
	lon, lat := lonlat(101.60, 24.08)
	return profile{
		entity: store.Entity{Name: "新平戛洒示例柑橘种植专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityBoth,
			LegalRep: "刀示例", ContactName: "李示例", ContactPhone: "13908770000", Address: "云南省玉溪市新平县戛洒镇示例村",
			DivisionCode: "530427", Longitude: lon, Latitude: lat, SiteCode: "XPJS01"},
		usccPrefix: "93530427",
		bases: []baseDef{
			{name: "戛洒冰糖橙示例基地", address: "新平县戛洒镇（示例）", manager: "刀示例", lon: 101.598, lat: 24.079, alt: 905, area: 320, plots: []plotDef{
				{name: "1号地块", crop: "柑橘", product: "冰糖橙", area: 80, harvests: []harvestDef{{md{time.December, 6}, 1800, 3200}, {md{time.January, 8}, 900, 1600}, {md{time.October, 18}, 1500, 2600}, {md{time.November, 12}, 2000, 3400}}},
				{name: "2号地块", crop: "柑橘", product: "冰糖橙", area: 95, harvests: []harvestDef{{md{time.December, 15}, 2000, 3500}, {md{time.October, 25}, 1200, 2200}, {md{time.November, 20}, 1800, 3000}}},
				{name: "3号地块", crop: "柑橘", product: "冰糖橙", area: 70, harvests: []harvestDef{{md{time.January, 12}, 800, 1500}, {md{time.November, 5}, 1600, 2800}}},
			}},
			{name: "戛洒沃柑示例基地", address: "新平县戛洒镇（示例）", manager: "白示例", lon: 101.612, lat: 24.091, alt: 870, area: 150, plots: []plotDef{
				{name: "沃柑1号地块", crop: "柑橘", product: "沃柑", area: 60, harvests: []harvestDef{{md{time.January, 20}, 1500, 2500}, {md{time.February, 10}, 1200, 2000}}},
				{name: "沃柑2号地块", crop: "柑橘", product: "沃柑", area: 55, harvests: []harvestDef{{md{time.January, 28}, 1300, 2300}}},
			}},
		},
		products: []store.Product{
			{Name: "冰糖橙", Variety: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"},
			{Name: "沃柑", Variety: "沃柑", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"},
			{Name: "冰糖橙（5kg精品箱）", Variety: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "箱", Spec: "5kg/箱"},
			{Name: "沃柑（5kg箱）", Variety: "沃柑", Crop: "柑橘", CropCategory: "瓜果", Unit: "箱", Spec: "5kg/箱"},
		},
		pack: map[string]packDef{
			"冰糖橙": {kind: "packing", product: "冰糖橙（5kg精品箱）", ratio: 0.2, step: 5},
			"沃柑":  {kind: "packing", product: "沃柑（5kg箱）", ratio: 0.2, step: 5},
		},
		materials: []materialDef{
			{m: store.Material{Kind: store.MaterialFertilizer, Name: "生物有机肥（示例）", RegNo: "NY/T 525-2021", Manufacturer: "云南某某生物肥业有限公司（示例）"},
				buy: []md{{time.December, 2}, {time.June, 3}}, supplier: "新平县示例农资经营部", buyQty: 8, buyUnit: "吨",
				sprays: []md{{time.December, 20}, {time.June, 10}}, crops: map[string]bool{"柑橘": true}, dose: 300, doseUnit: "kg/亩", method: "沟施", target: []string{"基肥", "壮果肥"}, batchBase: "YJF"},
			{m: store.Material{Kind: store.MaterialPesticide, Name: "99%矿物油乳油（示例）", RegNo: "PD20095187", ActiveIngredients: []string{"矿物油"}, Toxicity: "低毒", Formulation: "乳油", Manufacturer: "某某石化农药有限公司（示例）"},
				phi: 7, buy: []md{{time.February, 20}}, supplier: "新平县示例农资经营部", buyQty: 60, buyUnit: "瓶",
				sprays: []md{{time.March, 10}, {time.September, 12}}, crops: map[string]bool{"柑橘": true}, dose: 150, doseUnit: "ml/15L水", method: "喷雾", target: []string{"红蜘蛛", "介壳虫"}, batchBase: "KWY"},
			{m: store.Material{Kind: store.MaterialPesticide, Name: "1.8%阿维菌素乳油（示例）", RegNo: "PD20080005", ActiveIngredients: []string{"阿维菌素"}, Toxicity: "低毒(原药高毒)", Formulation: "乳油", Manufacturer: "某某生物农药有限公司（示例）"},
				phi: 14, buy: []md{{time.March, 25}}, supplier: "新平县示例农资经营部", buyQty: 40, buyUnit: "瓶",
				sprays: []md{{time.April, 8}, {time.August, 28}}, crops: map[string]bool{"柑橘": true}, dose: 20, doseUnit: "ml/15L水", method: "喷雾", target: []string{"潜叶蛾", "锈壁虱"}, batchBase: "AVM"},
			{m: store.Material{Kind: store.MaterialPesticide, Name: "24%螺螨酯悬浮剂（示例）", RegNo: "PD20121634", ActiveIngredients: []string{"螺螨酯"}, Toxicity: "低毒", Formulation: "悬浮剂", Manufacturer: "某某作物科学有限公司（示例）"},
				phi: 30, buy: []md{{time.April, 28}}, supplier: "玉溪市示例植保服务站", buyQty: 30, buyUnit: "瓶",
				sprays: []md{{time.May, 15}, {time.August, 12}}, crops: map[string]bool{"柑橘": true}, dose: 5, doseUnit: "ml/15L水", method: "喷雾", target: []string{"红蜘蛛"}, batchBase: "LMZ"},
		},
		buyer:      "玉溪示例果品批发有限公司",
		buyerCode:  "",
		market:     "新平县示例农贸市场",
		supplier:   &supplierDef{name: "新平水塘示例沃柑家庭农场", site: "XPST01", product: "沃柑", days: []md{{time.January, 15}, {time.February, 5}}, lo: 600, hi: 1200},
		testItem:   "有机磷和氨基甲酸酯类农药",
		operators:  []string{"李示例", "王示例", "张示例"},
		instrument: "农药残留速测仪（示例）",
	}
}

// tea is a tea producer in 平掌乡 with spring and autumn picking.
func tea() profile {
	lon, lat := lonlat(101.87, 24.20)
	return profile{
		entity: store.Entity{Name: "新平平掌示例茶叶专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
			LegalRep: "普示例", ContactName: "罗示例", ContactPhone: "13908771111", Address: "云南省玉溪市新平县平掌乡示例村",
			DivisionCode: "530427", Longitude: lon, Latitude: lat, SiteCode: "XPPZ01"},
		usccPrefix: "93530427",
		bases: []baseDef{
			{name: "平掌生态茶园示例基地", address: "新平县平掌乡（示例）", manager: "普示例", lon: 101.871, lat: 24.198, alt: 1850, area: 210, plots: []plotDef{
				{name: "上片茶园", crop: "茶树", product: "茶鲜叶", area: 70, harvests: []harvestDef{{md{time.March, 18}, 300, 600}, {md{time.April, 8}, 400, 700}, {md{time.September, 15}, 250, 500}, {md{time.October, 10}, 200, 400}}},
				{name: "下片茶园", crop: "茶树", product: "茶鲜叶", area: 85, harvests: []harvestDef{{md{time.March, 25}, 350, 650}, {md{time.April, 15}, 400, 750}, {md{time.September, 22}, 300, 550}}},
			}},
		},
		products: []store.Product{
			{Name: "茶鲜叶", Variety: "云南大叶种", Crop: "茶树", CropCategory: "茶叶", Unit: "kg"},
			{Name: "晒青毛茶", Variety: "云南大叶种", Crop: "茶树", CropCategory: "茶叶", Unit: "kg"},
		},
		pack: map[string]packDef{"茶鲜叶": {kind: "processing", product: "晒青毛茶", ratio: 0.22, step: 1}},
		materials: []materialDef{
			{m: store.Material{Kind: store.MaterialFertilizer, Name: "茶园专用有机肥（示例）", RegNo: "NY/T 525-2021", Manufacturer: "云南某某生物肥业有限公司（示例）"},
				buy: []md{{time.December, 5}}, supplier: "新平县示例农资经营部", buyQty: 5, buyUnit: "吨",
				sprays: []md{{time.December, 18}, {time.June, 20}}, crops: map[string]bool{"茶树": true}, dose: 200, doseUnit: "kg/亩", method: "开沟施", target: []string{"基肥", "追肥"}, batchBase: "CYF"},
			{m: store.Material{Kind: store.MaterialPesticide, Name: "0.3%苦参碱水剂（示例）", RegNo: "PD20101234", ActiveIngredients: []string{"苦参碱"}, Toxicity: "低毒", Formulation: "水剂", Manufacturer: "某某生物科技有限公司（示例）"},
				phi: 10, buy: []md{{time.February, 1}, {time.July, 1}}, supplier: "新平县示例农资经营部", buyQty: 30, buyUnit: "瓶",
				sprays: []md{{time.February, 20}, {time.July, 25}}, crops: map[string]bool{"茶树": true}, dose: 75, doseUnit: "ml/亩", method: "喷雾", target: []string{"茶小绿叶蝉", "茶毛虫"}, batchBase: "KSJ"},
			{m: store.Material{Kind: store.MaterialPesticide, Name: "99%矿物油乳油（示例）", RegNo: "PD20095187", ActiveIngredients: []string{"矿物油"}, Toxicity: "低毒", Formulation: "乳油", Manufacturer: "某某石化农药有限公司（示例）"},
				phi: 7, buy: []md{{time.June, 1}}, supplier: "新平县示例农资经营部", buyQty: 20, buyUnit: "瓶",
				sprays: []md{{time.June, 12}}, crops: map[string]bool{"茶树": true}, dose: 150, doseUnit: "ml/15L水", method: "喷雾", target: []string{"茶橙瘿螨"}, batchBase: "KWY"},
		},
		buyer:      "玉溪示例茶业有限公司",
		market:     "新平县示例农贸市场",
		testItem:   "有机磷和氨基甲酸酯类农药",
		operators:  []string{"罗示例", "普示例"},
		instrument: "农药残留速测仪（示例）",
	}
}

// event is one dated action; events run in date order so that the store
// sees the year as it happened (PHI is judged on the records so far).
type event struct {
	day time.Time
	seq int
	fn  func() error
}

func (g *gen) run(p profile) error {
	ctx, db, a := g.ctx, g.db, g.actor
	code, err := g.uscc(p.usccPrefix)
	if err != nil {
		return err
	}
	e := p.entity
	e.CreditCode = code
	if _, err := db.SaveEntity(ctx, a, e); err != nil {
		return fmt.Errorf("entity: %w", err)
	}
	products := map[string]int64{}
	for _, pr := range p.products {
		out, err := db.AddProduct(ctx, a, pr)
		if err != nil {
			return fmt.Errorf("product %s: %w", pr.Name, err)
		}
		products[pr.Name] = out.ID
	}
	var evs []event
	add := func(d time.Time, fn func() error) {
		evs = append(evs, event{day: d, seq: len(evs), fn: fn})
	}
	type plotRef struct {
		id   int64
		def  plotDef
		base string
	}
	var plots []plotRef
	for _, bd := range p.bases {
		alt := bd.alt + float64(g.rnd.IntN(21)-10)
		b, err := db.AddBase(ctx, a, store.Base{Name: bd.name, Address: bd.address, DivisionCode: "530427", AreaMu: bd.area,
			Longitude: fptr(bd.lon), Latitude: fptr(bd.lat), AltitudeM: &alt, Manager: bd.manager, Phone: p.entity.ContactPhone})
		if err != nil {
			return fmt.Errorf("base %s: %w", bd.name, err)
		}
		g.sum.Bases++
		for _, pd := range bd.plots {
			pl, err := db.AddPlot(ctx, a, store.Plot{BaseID: b.ID, Name: pd.name, AreaMu: pd.area, Crop: pd.crop, CropCategory: p.products[0].CropCategory})
			if err != nil {
				return fmt.Errorf("plot %s: %w", pd.name, err)
			}
			g.sum.Plots++
			plots = append(plots, plotRef{id: pl.ID, def: pd, base: bd.name})
		}
		baseID := b.ID
		for i, kind := range []string{store.EnvSoil, store.EnvWater} {
			if d, ok := g.on(time.January, 10+i); ok {
				et := store.EnvTest{BaseID: baseID, Kind: kind, TestedOn: d, Lab: "玉溪市示例农产品质量安全检测中心",
					ReportNo: fmt.Sprintf("YX%d-%04d", d.Year(), 100+g.rnd.IntN(900)), Conclusion: store.EnvPass, Notes: "示例数据"}
				add(d, func() error { _, err := db.AddEnvTest(ctx, a, et); return err })
			}
		}
	}
	for _, mdf := range p.materials {
		m := mdf.m
		if m.Kind == store.MaterialPesticide {
			phi := mdf.phi
			m.PHIDays = &phi
		}
		mat, err := db.AddMaterial(ctx, a, m)
		if err != nil {
			return fmt.Errorf("material %s: %w", m.Name, err)
		}
		for i, b := range mdf.buy {
			d, ok := g.on(b.month, b.day)
			if !ok {
				continue
			}
			pu := store.Purchase{MaterialID: mat.ID, PurchasedOn: d, Supplier: mdf.supplier, BatchNo: fmt.Sprintf("%s%s%02d", mdf.batchBase, d.Format("0601"), i+1),
				Quantity: mdf.buyQty, Unit: mdf.buyUnit}
			add(d, func() error { _, err := db.AddPurchase(ctx, a, pu); return err })
		}
		for _, pl := range plots {
			if !mdf.crops[pl.def.crop] {
				continue
			}
			for i, s := range mdf.sprays {
				d, ok := g.on(s.month, s.day)
				if !ok {
					continue
				}
				d = g.jitter(d, 3)
				in := store.ApplicationInput{Date: d, PlotID: pl.id, MaterialID: mat.ID, Dose: mdf.dose, DoseUnit: mdf.doseUnit, AreaMu: pl.def.area,
					Method: mdf.method, Target: mdf.target[i%len(mdf.target)], Operator: g.pick(p.operators)}
				add(d, func() error {
					_, err := db.AddApplication(ctx, a, in)
					if err == nil {
						g.sum.Applications++
					}
					return err
				})
			}
		}
	}
	// Harvests, with the scenario of each lot decided up front: the second
	// harvest (in date order) tests positive and is cleared by a lab
	// re-test, the fourth tests positive and is destroyed, and the last one
	// tests positive and stays on hold waiting for the lab.
	type hv struct {
		day  time.Time
		plot plotRef
		h    harvestDef
	}
	var hvs []hv
	for _, pl := range plots {
		for _, h := range pl.def.harvests {
			if d, ok := g.on(h.month, h.day); ok {
				hvs = append(hvs, hv{day: g.jitter(d, 2), plot: pl, h: h})
			}
		}
	}
	sort.SliceStable(hvs, func(i, j int) bool { return hvs[i].day.Before(hvs[j].day) })
	for i, h := range hvs {
		scenario := "normal"
		switch {
		case i == len(hvs)-1:
			scenario = "hold"
		case i == 1:
			scenario = "retest"
		case i == 3:
			scenario = "dispose"
		}
		h := h
		qty := g.qty(h.h.lo, h.h.hi)
		add(h.day, func() error {
			return g.harvest(p, products, h.plot.id, h.plot.def.product, h.day, qty, scenario)
		})
	}
	if s := p.supplier; s != nil {
		for i, dd := range s.days {
			d, ok := g.on(dd.month, dd.day)
			if !ok {
				continue
			}
			i, qty := i, g.qty(s.lo, s.hi)
			add(d, func() error { return g.receive(p, products[s.product], d, i+1, qty) })
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].day.Equal(evs[j].day) {
			return evs[i].day.Before(evs[j].day)
		}
		return evs[i].seq < evs[j].seq
	})
	for _, ev := range evs {
		if err := ev.fn(); err != nil {
			return fmt.Errorf("%s: %w", ev.day.Format(time.DateOnly), err)
		}
	}
	return nil
}

// capDay keeps follow-up actions from landing after today.
func (g *gen) after(d time.Time, days int) (time.Time, bool) {
	n := d.AddDate(0, 0, days)
	return n, !n.After(g.today)
}

// rapid records an enzyme-inhibition test whose rate is in [lo, hi).
func (g *gen) rapid(p profile, lotID int64, d time.Time, lo, hi float64) (store.Inspection, error) {
	c := math.Round((0.45+g.rnd.Float64()*0.15)*1000) / 1000
	rate := lo + g.rnd.Float64()*(hi-lo)
	s := math.Round(c*(1-rate/100)*1000) / 1000
	g.sum.Inspections++
	return g.db.RecordInspection(g.ctx, g.actor, store.InspectionInput{LotID: lotID, Kind: "rapid", SampleNo: fmt.Sprintf("S%s-%02d", d.Format("20060102"), g.sum.Inspections),
		TestedAt: at(d, 10, 15+g.rnd.IntN(40)), Method: "酶抑制率法", Basis: "GB/T 5009.199-2003", Item: p.testItem,
		ControlDeltaA: &c, SampleDeltaA: &s, Instrument: p.instrument, InstrumentSerial: "DEMO-0001", ReagentLot: "R" + d.Format("200601"), Operator: g.pick(p.operators)})
}

func (g *gen) harvest(p profile, products map[string]int64, plotID int64, product string, d time.Time, qty float64, scenario string) error {
	ctx, db, a := g.ctx, g.db, g.actor
	lot, err := db.Harvest(ctx, a, store.HarvestInput{PlotID: plotID, ProductID: products[product], Date: d, Quantity: qty})
	if err != nil {
		return fmt.Errorf("harvest: %w", err)
	}
	g.sum.Lots++
	switch scenario {
	case "hold":
		if _, err := g.rapid(p, lot.ID, d, 55, 75); err != nil {
			return err
		}
		g.sum.HeldLots = append(g.sum.HeldLots, lot.Code)
		return nil
	case "dispose":
		if _, err := g.rapid(p, lot.ID, d, 55, 75); err != nil {
			return err
		}
		dd, ok := g.after(d, 1)
		if !ok {
			g.sum.HeldLots = append(g.sum.HeldLots, lot.Code)
			return nil
		}
		if _, err := db.Dispose(ctx, a, store.DisposeInput{LotID: lot.ID, Date: dd, Method: "destroy", Quantity: qty, Reason: "快检阳性，全部销毁（示例）"}); err != nil {
			return fmt.Errorf("dispose: %w", err)
		}
		g.sum.Disposed = append(g.sum.Disposed, lot.Code)
		return nil
	case "retest":
		pos, err := g.rapid(p, lot.ID, d, 52, 65)
		if err != nil {
			return err
		}
		dd, ok := g.after(d, 3)
		if !ok {
			g.sum.HeldLots = append(g.sum.HeldLots, lot.Code)
			return nil
		}
		v, lim := 0.01+math.Round(g.rnd.Float64()*20)/1000, 0.05
		retest := pos.ID
		g.sum.Inspections++
		if _, err := db.RecordInspection(ctx, a, store.InspectionInput{LotID: lot.ID, Kind: "lab", SampleNo: "LAB-" + dd.Format("20060102"),
			TestedAt: at(dd, 15, 0), Method: "气相色谱法", Basis: "GB 23200.113-2018", Item: "有机磷类农药残留", Value: &v, Unit: "mg/kg", Limit: &lim,
			Instrument: "玉溪市示例农产品质量安全检测中心", Operator: "检测中心", RetestOf: &retest}); err != nil {
			return fmt.Errorf("lab retest: %w", err)
		}
		g.sum.Released = append(g.sum.Released, lot.Code)
		return g.sell(p, products, lot, dd)
	}
	if _, err := g.rapid(p, lot.ID, d, 2, 30); err != nil {
		return err
	}
	return g.sell(p, products, lot, d)
}

// sell packs part of a cleared lot, certifies and labels the boxes, ships
// most of them to the registered buyer, and sells some loose fruit at the
// market with a voucher.
func (g *gen) sell(p profile, products map[string]int64, lot store.Lot, d time.Time) error {
	ctx, db, a := g.ctx, g.db, g.actor
	pk, ok := p.pack[productName(p, lot.ProductID, products)]
	packDay, okDay := g.after(d, 1)
	if !ok || !okDay {
		return nil
	}
	in := math.Floor(lot.Quantity*0.7/pk.step) * pk.step
	outQty := math.Round(in*pk.ratio*10) / 10
	if in <= 0 || outQty <= 0 {
		return nil
	}
	tr, err := db.Transform(ctx, a, store.TransformInput{Kind: pk.kind, Date: packDay, Inputs: []store.LotQty{{LotID: lot.ID, Quantity: in}},
		Outputs: []store.NewLot{{ProductID: products[pk.product], Quantity: outQty}}, Notes: "示例：分级包装"})
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	packed := tr.Outputs[0]
	g.sum.Lots++
	cert, err := db.IssueCertificate(ctx, a, store.CertInput{LotID: packed.ID, Style: 1, Basis: []string{store.BasisSelfTest}, Quantity: outQty, Date: packDay})
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	g.sum.Certificates++
	copies := int(math.Min(math.Ceil(outQty), 500))
	for _, job := range []store.PrintJobInput{
		{Kind: "cert1", LotID: packed.ID, CertificateID: cert.ID, Copies: copies, Printer: "示例标签打印机", Size: "60x40", DPI: 203, Lang: "zh"},
		{Kind: "trace", LotID: packed.ID, Copies: copies, Printer: "示例标签打印机", Size: "60x40", DPI: 203, Lang: "zh"},
	} {
		j, err := db.StartPrintJob(ctx, a, job)
		if err != nil {
			return fmt.Errorf("print %s: %w", job.Kind, err)
		}
		if err := db.MarkPrinted(ctx, j.ID, copies); err != nil {
			return fmt.Errorf("mark printed: %w", err)
		}
		g.sum.PrintJobs++
	}
	if shipDay, ok := g.after(d, 2); ok {
		q := math.Floor(outQty * (0.6 + g.rnd.Float64()*0.3))
		if q > 0 {
			if _, err := db.Ship(ctx, a, store.ShipInput{LotID: packed.ID, Date: shipDay, BuyerName: p.buyer, BuyerCode: p.buyerCode, BuyerType: "registered", Quantity: q}); err != nil {
				return fmt.Errorf("ship: %w", err)
			}
			g.sum.Shipments++
		}
	}
	loose := math.Floor((lot.Quantity - in) * 0.5)
	if loose >= 10 {
		if _, err := db.Ship(ctx, a, store.ShipInput{LotID: lot.ID, Date: packDay, BuyerName: p.market, BuyerType: "market", Quantity: loose}); err != nil {
			return fmt.Errorf("market: %w", err)
		}
		g.sum.Shipments++
		j, err := db.StartPrintJob(ctx, a, store.PrintJobInput{Kind: "voucher", LotID: lot.ID, Copies: 1, Printer: "示例标签打印机", Size: "80x60", DPI: 203, Lang: "zh"})
		if err != nil {
			return fmt.Errorf("voucher: %w", err)
		}
		if err := db.MarkPrinted(ctx, j.ID, 1); err != nil {
			return err
		}
		g.sum.PrintJobs++
	}
	return nil
}

func productName(p profile, id int64, products map[string]int64) string {
	for n, pid := range products {
		if pid == id {
			return n
		}
	}
	return ""
}

// receive buys goods in from the upstream family farm (one step back), and
// re-certifies them as a purchaser (样式二) before selling them on.
func (g *gen) receive(p profile, productID int64, d time.Time, seq int, qty float64) error {
	ctx, db, a := g.ctx, g.db, g.actor
	code, certNo, err := upstreamCode(p.supplier.site, d.AddDate(0, 0, -1), seq)
	if err != nil {
		return err
	}
	rc, err := db.Receive(ctx, a, store.ReceiveInput{Date: d, SupplierName: p.supplier.name, UpstreamCode: code, UpstreamKind: "trace",
		UpstreamCertNo: certNo, ProductID: productID, Quantity: qty})
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	g.sum.Receipts++
	g.sum.Lots++
	if _, err := db.IssueCertificate(ctx, a, store.CertInput{LotID: rc.LotID, Style: 2, Basis: []string{store.BasisQualityControl}, Quantity: qty, Date: d}); err != nil {
		return fmt.Errorf("certificate style 2: %w", err)
	}
	g.sum.Certificates++
	if sd, ok := g.after(d, 1); ok {
		if _, err := db.Ship(ctx, a, store.ShipInput{LotID: rc.LotID, Date: sd, BuyerName: p.market, BuyerType: "market", Quantity: math.Floor(qty * 0.8)}); err != nil {
			return fmt.Errorf("ship received: %w", err)
		}
		g.sum.Shipments++
	}
	return nil
}
