package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"suyuan/store"
)

// TourStep is one screen of the screenshot tour.
type TourStep struct {
	Name string // file name stem, e.g. "home-zh"
	Do   func(s *Shell)
}

// tourAdmin is the account the tour seeds and logs in with.
const tourAdmin, tourPassword = "admin", "suyuan-tour"

// RunTour walks every main screen in Chinese and in English for the
// screenshot pipeline (scripts/screenshots.sh). It must run on its own
// goroutine: each step runs on the UI goroutine (fyne.DoAndWait), then,
// after settle has passed so the frame is drawn, shot(name) is called and
// must return once the picture is taken. The store must be empty: the tour
// first shows the first-run wizard, then fills the store with demo-like data
// through the store API (seedTour) and logs in.
func RunTour(s *Shell, settle time.Duration, shot func(name string) error) error {
	for _, st := range s.tourSteps() {
		var err error
		fyne.DoAndWait(func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("tour step %s: %v", st.Name, r)
				}
			}()
			closeDialogs(s.w)
			st.Do(s)
		})
		if err != nil {
			return err
		}
		time.Sleep(settle)
		if err := shot(st.Name); err != nil {
			return err
		}
	}
	return nil
}

func closeDialogs(w fyne.Window) {
	for w.Canvas().Overlays().Top() != nil {
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	}
}

func (s *Shell) tourSteps() []TourStep {
	var steps []TourStep
	add := func(name string, f func(s *Shell)) { steps = append(steps, TourStep{Name: name, Do: f}) }
	langs := []string{"zh", "en"}
	for _, l := range langs {
		l := l
		add("wizard-"+l, func(s *Shell) { s.SetLanguage(l); s.start() })
	}
	seeded := false
	seed := func(s *Shell) {
		if seeded {
			return
		}
		seeded = true
		if err := seedTour(s.ctx, s.d.Store, s.today()); err != nil {
			panic(err)
		}
	}
	login := func(s *Shell) {
		seed(s)
		if !s.loggedIn {
			a, err := s.d.Store.Login(s.ctx, tourAdmin, tourPassword)
			if err != nil {
				panic(err)
			}
			s.loginAs(a)
		}
	}
	ops := newOpsTour(login) // packing-line screens (tour_ops.go)
	for _, l := range langs {
		l := l
		add("login-"+l, func(s *Shell) {
			seed(s)
			s.SetLanguage(l)
			s.logout()
		})
		add("home-"+l, func(s *Shell) { login(s); s.Show("home") })
		for i, tab := range []string{"profile", "certs", "bases", "products", "materials", "users"} {
			i := i
			add("site-"+tab+"-"+l, func(s *Shell) {
				login(s)
				s.Show("site")
				s.screen.(*siteScreen).tabs.SelectIndex(i)
			})
		}
		for i, tab := range []string{"applications", "purchases", "env", "harvests"} {
			i := i
			add("records-"+tab+"-"+l, func(s *Shell) {
				login(s)
				s.Show("records")
				s.screen.(*recordsScreen).tabs.SelectIndex(i)
			})
		}
		add("records-history-"+l, func(s *Shell) {
			login(s)
			s.Show("records")
			rs := s.screen.(*recordsScreen)
			rs.tabs.SelectIndex(0)
			for i := 0; i < rs.apps.Len(); i++ {
				if a, ok := rs.apps.Row(i); ok && a.Notes == tourCorrectedNote {
					rs.apps.onSelect(a)
					break
				}
			}
		})
		add("records-banned-"+l, func(s *Shell) {
			login(s)
			s.Show("records")
			rs := s.screen.(*recordsScreen)
			rs.tabs.SelectIndex(0)
			rs.appPlot.SetSelectedIndex(len(rs.plotRows) - 1) // the vegetable plot
			for _, m := range rs.matRows {
				if m.Name == tourCropBanned {
					rs.appMat.selectID(m.ID)
				}
			}
			rs.appDose.SetText("20")
			rs.appUnit.SetText("g")
			rs.appSave.OnTapped()
		})
		add("records-override-"+l, func(s *Shell) {
			login(s)
			s.Show("records")
			rs := s.screen.(*recordsScreen)
			rs.tabs.SelectIndex(3)
			rs.harPlot.SetSelectedIndex(0)
			rs.harQty.SetText("600")
			rs.harSave.OnTapped()
			if rs.overrideReason != nil {
				rs.overrideReason.SetText(pick("客户订单急需，已做农残快检合格。", "Urgent order; rapid residue test passed."))
			}
		})
		steps = append(steps, ops.steps(l)...)
		add("settings-"+l, func(s *Shell) { login(s); s.Show("settings") })
		for _, tab := range settingsTourTabs {
			tab := tab
			add("settings-"+tab.name+"-"+l, func(s *Shell) {
				login(s)
				s.Show("settings")
				ss := s.screen.(*settingsScreen)
				ss.tabs.SelectIndex(tab.index)
				tourSettings(ss, tab.name)
			})
		}
	}
	// Only the screens this build has.
	out := steps[:0]
	for _, st := range steps {
		if st.Do != nil && s.hasTourScreen(st.Name) {
			out = append(out, st)
		}
	}
	return out
}

// hasTourScreen reports whether the step's screen exists in navItems (steps
// for screens that are not built are skipped, not shown empty).
func (s *Shell) hasTourScreen(name string) bool {
	for _, it := range navItems() {
		if len(name) > len(it.id) && name[:len(it.id)] == it.id && (name[len(it.id)] == '-') {
			return true
		}
	}
	for _, p := range []string{"wizard-", "login-"} {
		if len(name) > len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

const tourCorrectedNote = "示例 · 已更正"
const tourCropBanned = "乙酰甲胺磷可溶粉剂（示例）"

// seedTour fills an empty store with a fictional site (marked 示例) through
// the store API, so every screen has something to show.
func seedTour(ctx context.Context, db *store.DB, today time.Time) error {
	var firstErr error
	must := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	admin, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: tourAdmin, DisplayName: "李建华", Role: store.RoleAdmin, Password: tourPassword})
	if err != nil {
		return err
	}
	aa := store.Actor{UserID: admin.ID, Username: admin.Username, Name: admin.DisplayName, Role: admin.Role}
	for _, u := range []store.NewUser{
		{Username: "wangfang", DisplayName: "王芳", Role: store.RoleRecorder, Password: tourPassword},
		{Username: "zhaolei", DisplayName: "赵磊", Role: store.RolePacker, Password: tourPassword},
		{Username: "chenjing", DisplayName: "陈静", Role: store.RoleTechnician, Password: tourPassword},
	} {
		_, err := db.CreateUser(ctx, aa, u)
		must(err)
	}
	lon, lat := 101.57, 24.05
	_, err = db.SaveEntity(ctx, aa, store.Entity{Name: "新平戛洒示例柑橘种植专业合作社", Scale: store.ScaleCooperative,
		EntityType: store.EntityProduction, CreditCode: usccWithCheck("93530427MA6K7Q8R1"), LegalRep: "李建华", ContactName: "李建华",
		ContactPhone: "13908770000", Address: "云南省玉溪市新平县戛洒镇", DivisionCode: "530427", SiteCode: "GSXP01",
		Longitude: &lon, Latitude: &lat})
	must(err)
	_, err = db.AddCertification(ctx, aa, store.Certification{Kind: store.CertGreen, Number: "LB-15-19012700330A", ProductName: "冰糖橙",
		Issuer: "中国绿色食品发展中心", ValidFrom: today.AddDate(-3, 0, 0), ValidTo: today.AddDate(0, 0, 45)})
	must(err)
	b, err := db.AddBase(ctx, aa, store.Base{Name: "戛洒冰糖橙基地", Address: "戛洒镇", DivisionCode: "530427", AreaMu: 320, Manager: "李建华"})
	if err != nil {
		return err
	}
	b2, err := db.AddBase(ctx, aa, store.Base{Name: "漠沙沃柑基地", Address: "漠沙镇", DivisionCode: "530427", AreaMu: 180})
	must(err)
	var plots []store.Plot
	for _, p := range []store.Plot{
		{BaseID: b.ID, Name: "一号园", AreaMu: 60, Crop: "冰糖橙", CropCategory: "瓜果"},
		{BaseID: b.ID, Name: "二号园", AreaMu: 55, Crop: "冰糖橙", CropCategory: "瓜果"},
		{BaseID: b2.ID, Name: "沃柑一区", AreaMu: 80, Crop: "沃柑", CropCategory: "瓜果"},
		{BaseID: b.ID, Name: "蔬菜地", AreaMu: 4, Crop: "白菜", CropCategory: "蔬菜"},
	} {
		pp, err := db.AddPlot(ctx, aa, p)
		if err != nil {
			return err
		}
		plots = append(plots, pp)
	}
	var prods []store.Product
	for _, p := range []store.Product{
		{Name: "冰糖橙", Variety: "褚橙同源", Crop: "冰糖橙", CropCategory: "瓜果", Unit: "kg", Spec: "5kg/箱"},
		{Name: "沃柑", Crop: "沃柑", CropCategory: "瓜果", Unit: "kg", Spec: "10kg/箱"},
	} {
		pp, err := db.AddProduct(ctx, aa, p)
		if err != nil {
			return err
		}
		prods = append(prods, pp)
	}
	phi := func(n int) *int { return &n }
	var mats []store.Material
	for _, m := range []store.Material{
		{Kind: store.MaterialPesticide, Name: "阿维菌素乳油（示例）", RegNo: "PD20080001", ActiveIngredients: []string{"阿维菌素"}, Toxicity: "低毒", Formulation: "乳油", Manufacturer: "示例农化", PHIDays: phi(14)},
		{Kind: store.MaterialPesticide, Name: "螺螨酯悬浮剂（示例）", RegNo: "PD20121234", ActiveIngredients: []string{"螺螨酯"}, Toxicity: "低毒", Formulation: "悬浮剂", PHIDays: phi(30)},
		{Kind: store.MaterialPesticide, Name: "矿物油乳油（示例）", RegNo: "PD20095678", ActiveIngredients: []string{"矿物油"}, Toxicity: "微毒", PHIDays: phi(1)},
		{Kind: store.MaterialPesticide, Name: tourCropBanned, RegNo: "PD20081234", ActiveIngredients: []string{"乙酰甲胺磷"}, Toxicity: "低毒", PHIDays: phi(14)},
		{Kind: store.MaterialFertilizer, Name: "商品有机肥（示例）", RegNo: "NY/T 525-2021"},
	} {
		mm, err := db.AddMaterial(ctx, aa, m)
		if err != nil {
			return err
		}
		mats = append(mats, mm)
	}
	for i, m := range mats[:3] {
		_, err := db.AddPurchase(ctx, aa, store.Purchase{MaterialID: m.ID, PurchasedOn: today.AddDate(0, -2, i), Supplier: "戛洒农资店", BatchNo: fmt.Sprintf("2026%02d%02d", 3, 10+i), Quantity: float64(10 + i*5), Unit: "瓶"})
		must(err)
	}
	_, err = db.AddEnvTest(ctx, aa, store.EnvTest{BaseID: b.ID, Kind: store.EnvSoil, TestedOn: today.AddDate(0, -4, 0), Lab: "玉溪市农产品质量安全检测中心", ReportNo: "YX-T-2026-018", Conclusion: store.EnvPass})
	must(err)
	_, err = db.AddEnvTest(ctx, aa, store.EnvTest{BaseID: b.ID, Kind: store.EnvWater, TestedOn: today.AddDate(0, -4, 2), Lab: "玉溪市农产品质量安全检测中心", ReportNo: "YX-W-2026-007", Conclusion: store.EnvPass})
	must(err)
	// Applications: an old one on every orchard plot, a recent one on
	// plot 1 that keeps it inside its PHI window.
	for i, p := range plots[:3] {
		_, err := db.AddApplication(ctx, aa, store.ApplicationInput{Date: today.AddDate(0, 0, -40+i), PlotID: p.ID, MaterialID: mats[4].ID, Dose: 200, DoseUnit: "kg", Method: "沟施", Target: "底肥", Operator: "王芳"})
		must(err)
		_, err = db.AddApplication(ctx, aa, store.ApplicationInput{Date: today.AddDate(0, 0, -30+i), PlotID: p.ID, MaterialID: mats[2].ID, Dose: 500, DoseUnit: "ml", Method: "喷雾", Target: "介壳虫", Operator: "王芳"})
		must(err)
	}
	a, err := db.AddApplication(ctx, aa, store.ApplicationInput{Date: today.AddDate(0, 0, -3), PlotID: plots[0].ID, MaterialID: mats[0].ID, Dose: 30, DoseUnit: "ml", Method: "喷雾", Target: "红蜘蛛", Operator: "王芳", Notes: tourCorrectedNote})
	must(err)
	if err == nil {
		must(db.Correct(ctx, aa, "applications", a.ID, map[string]any{"dose": 25.0}, "称量记录有误，按领料单更正"))
	}
	for i, p := range plots[1:3] {
		_, err := db.Harvest(ctx, aa, store.HarvestInput{PlotID: p.ID, ProductID: prods[i].ID, Date: today.AddDate(0, 0, -1), Quantity: float64(1200 + 300*i)})
		must(err)
	}
	return firstErr
}

// usccWithCheck completes a 17-character credit code with its check character.
func usccWithCheck(first17 string) string {
	c, err := rulesUSCCCheck(first17)
	if err != nil {
		return first17 + "0"
	}
	return first17 + string(c)
}
