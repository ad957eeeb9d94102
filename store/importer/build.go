package importer

import (
	"context"
	"fmt"
	"strings"

	"suyuan/store"
	"suyuan/store/rules"
)

// resolver finds the records a row names, loading each list once per import
// (bases, plots, products and materials are short lists at any site).
type resolver struct {
	db        *store.DB
	err       error // a read failure: the import stops with it
	bases     map[string][]store.Base
	plots     map[int64]map[string][]store.Plot
	products  map[string][]store.Product
	materials []store.Material
	// names created earlier in the same file, to refuse duplicates
	seen map[string]bool
}

func newResolver(db *store.DB) *resolver {
	return &resolver{db: db, plots: map[int64]map[string][]store.Plot{}, seen: map[string]bool{}}
}

// all pages through a List function.
func all[T any](ctx context.Context, list func(context.Context, store.ListQuery) ([]T, error)) ([]T, error) {
	var out []T
	for off := 0; ; off += store.MaxListLimit {
		page, err := list(ctx, store.ListQuery{Offset: off, Limit: store.MaxListLimit, IncludeVoided: true})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < store.MaxListLimit {
			return out, nil
		}
	}
}

func (rv *resolver) fail(err error) {
	if rv.err == nil {
		rv.err = err
	}
}

func (rv *resolver) base(ctx context.Context, name string) []store.Base {
	if rv.bases == nil {
		rv.bases = map[string][]store.Base{}
		bs, err := all(ctx, rv.db.ListBases)
		if err != nil {
			rv.fail(err)
		}
		for _, b := range bs {
			rv.bases[b.Name] = append(rv.bases[b.Name], b)
		}
	}
	return rv.bases[name]
}

func (rv *resolver) plot(ctx context.Context, baseID int64, name string) []store.Plot {
	m, ok := rv.plots[baseID]
	if !ok {
		m = map[string][]store.Plot{}
		ps, err := all(ctx, func(ctx context.Context, q store.ListQuery) ([]store.Plot, error) {
			return rv.db.ListPlots(ctx, q, baseID)
		})
		if err != nil {
			rv.fail(err)
		}
		for _, p := range ps {
			m[p.Name] = append(m[p.Name], p)
		}
		rv.plots[baseID] = m
	}
	return m[name]
}

func (rv *resolver) product(ctx context.Context, name string) []store.Product {
	if rv.products == nil {
		rv.products = map[string][]store.Product{}
		ps, err := all(ctx, rv.db.ListProducts)
		if err != nil {
			rv.fail(err)
		}
		for _, p := range ps {
			rv.products[p.Name] = append(rv.products[p.Name], p)
		}
	}
	return rv.products[name]
}

// material finds a material by registration number or by name; a number
// wins, and a name shared by two materials is ambiguous.
func (rv *resolver) material(ctx context.Context, key string) []store.Material {
	if rv.materials == nil {
		ms, err := all(ctx, func(ctx context.Context, q store.ListQuery) ([]store.Material, error) {
			return rv.db.ListMaterials(ctx, q, "")
		})
		if err != nil {
			rv.fail(err)
		}
		rv.materials = append([]store.Material{}, ms...)
	}
	reg := rules.NormalizeID(key)
	var byReg, byName []store.Material
	for _, m := range rv.materials {
		if m.RegNo != "" && m.RegNo == reg {
			byReg = append(byReg, m)
		}
		if m.Name == key {
			byName = append(byName, m)
		}
	}
	if len(byReg) > 0 {
		return byReg
	}
	return byName
}

// once marks a key as created by this file; false if it was already.
func (rv *resolver) once(key string) bool {
	if rv.seen[key] {
		return false
	}
	rv.seen[key] = true
	return true
}

// errs helpers: a row error on the column of field key.
func bad(errs *RowErrors, r *record, key, zh, en string) {
	errs.add(r.line, r.header(key), zh, en)
}

func (rv *resolver) needBase(ctx context.Context, r *record, errs *RowErrors) (store.Base, bool) {
	name := r.s("base")
	bs := rv.base(ctx, name)
	switch len(bs) {
	case 0:
		bad(errs, r, "base", fmt.Sprintf("找不到基地“%s”，请先登记该基地或检查名称", name), fmt.Sprintf("no base named %q; register it first or check the name", name))
		return store.Base{}, false
	case 1:
		return bs[0], true
	}
	bad(errs, r, "base", fmt.Sprintf("有 %d 个基地都叫“%s”，无法确定是哪一个，请先在系统中改名", len(bs), name), fmt.Sprintf("%d bases are named %q; rename them first so the row is unambiguous", len(bs), name))
	return store.Base{}, false
}

func (rv *resolver) needPlot(ctx context.Context, r *record, errs *RowErrors, key string) (store.Plot, bool) {
	b, ok := rv.needBase(ctx, r, errs)
	if !ok {
		return store.Plot{}, false
	}
	name := r.s(key)
	ps := rv.plot(ctx, b.ID, name)
	switch len(ps) {
	case 0:
		bad(errs, r, key, fmt.Sprintf("基地“%s”下没有地块“%s”，请先登记该地块或检查名称", b.Name, name), fmt.Sprintf("base %q has no plot named %q; register it first or check the name", b.Name, name))
		return store.Plot{}, false
	case 1:
		return ps[0], true
	}
	bad(errs, r, key, fmt.Sprintf("基地“%s”下有 %d 个地块都叫“%s”，请先在系统中改名", b.Name, len(ps), name), fmt.Sprintf("base %q has %d plots named %q; rename them first", b.Name, len(ps), name))
	return store.Plot{}, false
}

func (rv *resolver) needProduct(ctx context.Context, r *record, errs *RowErrors) (store.Product, bool) {
	name := r.s("product")
	ps := rv.product(ctx, name)
	switch len(ps) {
	case 0:
		bad(errs, r, "product", fmt.Sprintf("找不到产品“%s”，请先登记该产品或检查名称", name), fmt.Sprintf("no product named %q; register it first or check the name", name))
		return store.Product{}, false
	case 1:
		return ps[0], true
	}
	bad(errs, r, "product", fmt.Sprintf("有 %d 个产品都叫“%s”，请先在系统中改名", len(ps), name), fmt.Sprintf("%d products are named %q; rename them first", len(ps), name))
	return store.Product{}, false
}

// needMaterial resolves the material column. An unknown name that is itself
// a banned ingredient gets the ban's message (the rule the user broke), not
// "not found".
func (rv *resolver) needMaterial(ctx context.Context, r *record, errs *RowErrors, crop rules.CropInfo) (store.Material, bool) {
	key := r.s("material")
	ms := rv.material(ctx, key)
	switch len(ms) {
	case 1:
		return ms[0], true
	case 0:
		if d := r.date("date"); !d.IsZero() {
			if err := rv.db.PesticideList().Check([]string{key}, crop, "", d); err != nil && !rules.IsRule(err, rules.RulePesticideList) && !rules.IsRule(err, rules.RuleCropCategory) {
				errs.addErr(r.line, r.header("material"), err)
				return store.Material{}, false
			}
		}
		bad(errs, r, "material", fmt.Sprintf("找不到投入品“%s”（按名称或登记证号），请先登记该投入品", key), fmt.Sprintf("no input with the name or registration number %q; register it first", key))
		return store.Material{}, false
	}
	bad(errs, r, "material", fmt.Sprintf("有 %d 个投入品都叫“%s”，请改填登记证号", len(ms), key), fmt.Sprintf("%d inputs are named %q; use the registration number instead", len(ms), key))
	return store.Material{}, false
}

// build checks one row's references and returns its write. Errors found
// here are added to errs and the returned step is empty.
func build(ctx context.Context, kind Kind, r *record, rv *resolver, actor store.Actor, errs *RowErrors) step {
	db := rv.db
	switch kind {
	case KindBases:
		name := r.s("name")
		if len(rv.base(ctx, name)) > 0 || !rv.once("base\x00"+name) {
			bad(errs, r, "name", fmt.Sprintf("基地“%s”已存在（或在本文件中重复），不再重复登记", name), fmt.Sprintf("the base %q already exists (or repeats in this file)", name))
			return step{}
		}
		b := store.Base{Name: name, Address: r.s("address"), DivisionCode: r.s("division"), AreaMu: r.num("area"),
			Longitude: r.numPtr("lon"), Latitude: r.numPtr("lat"), AltitudeM: r.numPtr("alt"), Manager: r.s("manager"), Phone: r.s("phone")}
		return step{rec: r, col: "name", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddBase(ctx, actor, b)
			return "", err
		}}
	case KindPlots:
		b, ok := rv.needBase(ctx, r, errs)
		if !ok {
			return step{}
		}
		name := r.s("name")
		if len(rv.plot(ctx, b.ID, name)) > 0 || !rv.once(fmt.Sprintf("plot\x00%d\x00%s", b.ID, name)) {
			bad(errs, r, "name", fmt.Sprintf("基地“%s”下已有地块“%s”（或在本文件中重复）", b.Name, name), fmt.Sprintf("base %q already has a plot %q (or it repeats in this file)", b.Name, name))
			return step{}
		}
		p := store.Plot{BaseID: b.ID, Name: name, AreaMu: r.num("area"), Crop: r.s("crop"), CropCategory: str(r.vals["category"])}
		return step{rec: r, col: "name", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddPlot(ctx, actor, p)
			return "", err
		}}
	case KindProducts:
		name := r.s("name")
		if len(rv.product(ctx, name)) > 0 || !rv.once("product\x00"+name) {
			bad(errs, r, "name", fmt.Sprintf("产品“%s”已存在（或在本文件中重复）", name), fmt.Sprintf("the product %q already exists (or repeats in this file)", name))
			return step{}
		}
		p := store.Product{Name: name, Variety: r.s("variety"), Crop: r.s("crop"), CropCategory: str(r.vals["category"]), Unit: r.s("unit"),
			Spec: r.s("spec"), PlatformProductCode: r.s("platform_code")}
		return step{rec: r, col: "name", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddProduct(ctx, actor, p)
			return "", err
		}}
	case KindMaterials:
		m := store.Material{Kind: str(r.vals["kind"]), Name: r.s("name"), RegNo: r.s("reg_no"), ActiveIngredients: r.list("ingredients"),
			Toxicity: str(r.vals["toxicity"]), Formulation: r.s("formulation"), Manufacturer: r.s("manufacturer"), PHIDays: r.intPtr("phi")}
		reg := rules.NormalizeID(m.RegNo)
		for _, x := range rv.material(ctx, m.Name) {
			if x.Name == m.Name && x.RegNo == reg {
				bad(errs, r, "name", fmt.Sprintf("投入品“%s”（%s）已登记", m.Name, reg), fmt.Sprintf("the input %q (%s) is already registered", m.Name, reg))
				return step{}
			}
		}
		if !rv.once("material\x00" + m.Name + "\x00" + reg) {
			bad(errs, r, "name", "与本文件前面的行重复", "repeats an earlier row of this file")
			return step{}
		}
		return step{rec: r, col: "name", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddMaterial(ctx, actor, m)
			return "", err
		}}
	case KindPurchases:
		m, ok := rv.needMaterial(ctx, r, errs, rules.CropInfo{Category: "其他"})
		if !ok {
			return step{}
		}
		p := store.Purchase{MaterialID: m.ID, PurchasedOn: r.date("date"), Supplier: r.s("supplier"), BatchNo: r.s("batch_no"), Quantity: r.num("quantity"), Unit: r.s("unit")}
		return step{rec: r, col: "material", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddPurchase(ctx, actor, p)
			return "", err
		}}
	case KindApplications:
		p, okp := rv.needPlot(ctx, r, errs, "plot")
		crop := r.s("crop")
		if crop == "" {
			crop = p.Crop
		}
		m, okm := rv.needMaterial(ctx, r, errs, rules.CropInfo{Category: p.CropCategory, Crop: crop})
		if !okp || !okm {
			return step{}
		}
		in := store.ApplicationInput{Date: r.date("date"), PlotID: p.ID, Crop: r.s("crop"), MaterialID: m.ID, Dose: r.num("dose"), DoseUnit: r.s("dose_unit"),
			AreaMu: r.num("area"), Method: r.s("method"), Target: r.s("target"), Operator: r.s("operator"), Notes: r.s("notes")}
		return step{rec: r, col: "material", app: &in, apply: func(ctx context.Context) (string, error) {
			_, err := db.AddApplication(ctx, actor, in)
			return "", err
		}}
	case KindEnvTests:
		b, ok := rv.needBase(ctx, r, errs)
		if !ok {
			return step{}
		}
		e := store.EnvTest{BaseID: b.ID, Kind: str(r.vals["kind"]), TestedOn: r.date("date"), Lab: r.s("lab"), ReportNo: r.s("report_no"),
			Conclusion: str(r.vals["conclusion"]), Notes: r.s("notes")}
		if r.s("plot") != "" {
			p, ok := rv.needPlot(ctx, r, errs, "plot")
			if !ok {
				return step{}
			}
			e.PlotID = p.ID
		}
		return step{rec: r, col: "kind", apply: func(ctx context.Context) (string, error) {
			_, err := db.AddEnvTest(ctx, actor, e)
			return "", err
		}}
	case KindHarvests:
		p, okp := rv.needPlot(ctx, r, errs, "plot")
		pr, okr := rv.needProduct(ctx, r, errs)
		if !okp || !okr {
			return step{}
		}
		in := store.HarvestInput{PlotID: p.ID, ProductID: pr.ID, Date: r.date("date"), Quantity: r.num("quantity"), Unit: r.s("unit")}
		if o := r.s("override"); o != "" {
			in.Override = &store.Override{Reason: o}
		}
		return step{rec: r, col: "date", apply: func(ctx context.Context) (string, error) {
			lot, err := db.Harvest(ctx, actor, in)
			return lot.Code, err
		}}
	}
	return buildFlow(ctx, kind, r, rv, actor, errs)
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
