package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
	"suyuan/store/rules"
)

// fixture is a real store in t.TempDir() and a shell in a test window.
type fixture struct {
	t   *testing.T
	db  *store.DB
	a   fyne.App
	w   fyne.Window
	s   *Shell
	ctx context.Context
	ids map[string]int64
}

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir()+"/suyuan.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newFixture(t *testing.T, db *store.DB, deps Deps) *fixture {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	deps.Store = db
	s := New(a, w, deps)
	t.Cleanup(func() { _ = SetLanguage("zh") })
	return &fixture{t: t, db: db, a: a, w: w, s: s, ctx: context.Background(), ids: map[string]int64{}}
}

// storeTemplate is a store file filled once per test binary; copy hands
// each test its own copy of it.
type storeTemplate struct {
	once sync.Once
	path string
	err  error
}

// copy fills the template on first use (fill gets the open template store)
// and returns a fresh copy of it in t.TempDir(), closed when t ends.
func (c *storeTemplate) copy(t *testing.T, prefix string, fill func(context.Context, *store.DB) error) *store.DB {
	t.Helper()
	c.once.Do(func() {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			c.err = err
			return
		}
		c.path = filepath.Join(dir, "suyuan.db")
		ctx := context.Background()
		db, err := store.Open(ctx, c.path)
		if err != nil {
			c.err = err
			return
		}
		c.err = errors.Join(fill(ctx, db), db.Close())
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	dst := filepath.Join(t.TempDir(), "suyuan.db")
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	seedTemplate storeTemplate
	seedIDs      map[string]int64
)

// seededStore returns a copy of a store filled by seedSite. The template is
// made once per test binary: seeding hashes three passwords with argon2
// (64 MiB each), which dominates the run time when every test repeats it.
func seededStore(t *testing.T) (*store.DB, map[string]int64) {
	t.Helper()
	db := seedTemplate.copy(t, "suyuan-app-test-", func(_ context.Context, db *store.DB) error {
		seedIDs = seedSite(t, db)
		return nil
	})
	ids := map[string]int64{}
	for k, v := range seedIDs {
		ids[k] = v
	}
	return db, ids
}

// validUSCC returns a credit code with a correct check character.
func validUSCC(t *testing.T, first17 string) string {
	t.Helper()
	c, err := rules.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// seedSite creates users, profile, base, plots, products and materials
// through the store API, as the wizard and Site setup would.
func seedSite(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", DisplayName: "李管理", Role: store.RoleAdmin, Password: "secret1"})
	must(err)
	aa := store.Actor{UserID: admin.ID, Username: admin.Username, Name: admin.DisplayName, Role: admin.Role}
	_, err = db.CreateUser(ctx, aa, store.NewUser{Username: "rec", DisplayName: "王记录", Role: store.RoleRecorder, Password: "secret2"})
	must(err)
	_, err = db.CreateUser(ctx, aa, store.NewUser{Username: "tech", DisplayName: "张检测", Role: store.RoleTechnician, Password: "secret3"})
	must(err)
	_, err = db.SaveEntity(ctx, aa, store.Entity{Name: "示例柑橘专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: validUSCC(t, "93530427MA6K7Q8R1"), DivisionCode: "530427", SiteCode: "GSXP01", ContactName: "李四", ContactPhone: "13800000000"})
	must(err)
	b, err := db.AddBase(ctx, aa, store.Base{Name: "戛洒基地", DivisionCode: "530427", AreaMu: 120})
	must(err)
	ids["base"] = b.ID
	p1, err := db.AddPlot(ctx, aa, store.Plot{BaseID: b.ID, Name: "一号地", AreaMu: 30, Crop: "冰糖橙", CropCategory: "瓜果"})
	must(err)
	ids["plot"] = p1.ID
	p2, err := db.AddPlot(ctx, aa, store.Plot{BaseID: b.ID, Name: "菜地", AreaMu: 5, Crop: "白菜", CropCategory: "蔬菜"})
	must(err)
	ids["vegplot"] = p2.ID
	pr, err := db.AddProduct(ctx, aa, store.Product{Name: "冰糖橙", Crop: "冰糖橙", CropCategory: "瓜果", Unit: "kg"})
	must(err)
	ids["product"] = pr.ID
	seven := 7
	m, err := db.AddMaterial(ctx, aa, store.Material{Kind: store.MaterialPesticide, Name: "阿维菌素乳油", RegNo: "PD20080001",
		ActiveIngredients: []string{"阿维菌素"}, Toxicity: "低毒", PHIDays: &seven})
	must(err)
	ids["abamectin"] = m.ID
	fourteen := 14
	m2, err := db.AddMaterial(ctx, aa, store.Material{Kind: store.MaterialPesticide, Name: "乙酰甲胺磷可溶粉剂", RegNo: "PD20081234",
		ActiveIngredients: []string{"乙酰甲胺磷"}, Toxicity: "低毒", PHIDays: &fourteen})
	must(err)
	ids["acephate"] = m2.ID
	m3, err := db.AddMaterial(ctx, aa, store.Material{Kind: store.MaterialFertilizer, Name: "有机肥", RegNo: "NY/T 525-2021"})
	must(err)
	ids["fert"] = m3.ID
	return ids
}

// overlayTexts returns every label text in the window's open dialogs.
func overlayTexts(w fyne.Window) string {
	var sb strings.Builder
	for _, o := range w.Canvas().Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			if l, ok := obj.(*widget.Label); ok {
				sb.WriteString(l.Text)
				sb.WriteByte('\n')
			}
		}
	}
	return sb.String()
}

func closeOverlays(w fyne.Window) {
	for w.Canvas().Overlays().Top() != nil {
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	}
}

func (f *fixture) login(user, pass string) {
	f.t.Helper()
	ls, ok := f.s.screen.(*loginScreen)
	if !ok {
		f.t.Fatalf("not on the login screen (%T)", f.s.screen)
	}
	test.Type(ls.user, user)
	test.Type(ls.pass, pass)
	test.Tap(ls.submit)
	if !f.s.loggedIn {
		f.t.Fatalf("login as %s failed: %s", user, f.s.lastMessage)
	}
}

func TestWizardCreatesAdminAndProfile(t *testing.T) {
	db := openStore(t)
	f := newFixture(t, db, Deps{})
	ws, ok := f.s.screen.(*wizardScreen)
	if !ok {
		t.Fatalf("empty store should open the wizard, got %T", f.s.screen)
	}
	if !ws.demo.Disabled() {
		t.Error("demo button enabled without a LoadDemo function")
	}
	// Mismatched passwords are refused in the GUI, before the store.
	ws.name.SetText("李管理")
	test.Type(ws.pass, "secret1")
	test.Type(ws.pass2, "secret2")
	test.Tap(ws.create)
	if !strings.Contains(overlayTexts(f.w), "两次输入的密码不一致") {
		t.Errorf("mismatch message not shown: %q", overlayTexts(f.w))
	}
	closeOverlays(f.w)
	if n, _ := db.UserCount(f.ctx); n != 0 {
		t.Fatalf("user created despite mismatch")
	}
	ws.pass2.SetText("secret1")
	test.Tap(ws.create)
	if n, _ := db.UserCount(f.ctx); n != 1 {
		t.Fatalf("users = %d after wizard step 1", n)
	}
	ps, ok := f.s.screen.(*profileStep)
	if !ok {
		t.Fatalf("step 2 not shown: %T", f.s.screen)
	}
	// A wrong credit code shows the rule's message and saves nothing.
	ps.form.name.SetText("新平示例合作社")
	ps.form.credit.SetText("93530427MA6K7Q8R1X")
	ps.form.division.SetText("530427")
	ps.form.site.SetText("GSXP01")
	test.Tap(ps.save)
	msg := f.s.lastMessage
	if msg == "" || !strings.Contains(overlayTexts(f.w), msg) {
		t.Fatalf("credit code error not shown (last %q, overlays %q)", msg, overlayTexts(f.w))
	}
	closeOverlays(f.w)
	if _, err := db.GetEntity(f.ctx); !store.IsNotFound(err) {
		t.Fatalf("entity saved with a bad credit code: %v", err)
	}
	ps.form.credit.SetText(validUSCC(t, "93530427MA6K7Q8R1"))
	test.Tap(ps.save)
	e, err := db.GetEntity(f.ctx)
	if err != nil {
		t.Fatalf("entity not saved: %v (%s)", err, f.s.lastMessage)
	}
	if e.Name != "新平示例合作社" || e.SiteCode != "GSXP01" || e.Scale != store.ScaleCooperative {
		t.Errorf("entity = %+v", e)
	}
	if f.s.current != "home" {
		t.Errorf("after the wizard current = %q, want home", f.s.current)
	}
}

func TestWizardDemoButton(t *testing.T) {
	db := openStore(t)
	called := 0
	f := newFixture(t, db, Deps{LoadDemo: func(ctx context.Context) (string, error) {
		called++
		_, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "demo", Role: store.RoleAdmin, Password: "demo123"})
		return "示例账户 demo / demo123", err
	}})
	ws := f.s.screen.(*wizardScreen)
	if ws.demo.Disabled() {
		t.Fatal("demo button disabled with a LoadDemo function")
	}
	test.Tap(ws.demo)
	if called != 1 {
		t.Fatalf("LoadDemo called %d times", called)
	}
	if _, ok := f.s.screen.(*loginScreen); !ok {
		t.Fatalf("after demo: %T, want login", f.s.screen)
	}
	if !strings.Contains(overlayTexts(f.w), "demo / demo123") {
		t.Error("demo note not shown")
	}
	closeOverlays(f.w)
	f.login("demo", "demo123")
}

func TestLoginAndRoleNavigation(t *testing.T) {
	db, _ := seededStore(t)
	// want: the shell's own screens each role must see; never: those it
	// must not. Screens registered by other files are checked against the
	// role's permissions below.
	cases := []struct {
		user, pass string
		want       []string
		never      []string
	}{
		{"admin", "secret1", []string{"home", "site", "records", "settings"}, nil},
		{"rec", "secret2", []string{"home", "site", "records", "settings"}, nil},
		{"tech", "secret3", []string{"home", "settings"}, []string{"site", "records"}},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			f := newFixture(t, db, Deps{})
			// Wrong password first: the store's message, no login.
			ls := f.s.screen.(*loginScreen)
			test.Type(ls.user, c.user)
			test.Type(ls.pass, "wrong-password")
			test.Tap(ls.submit)
			if f.s.loggedIn || !strings.Contains(overlayTexts(f.w), store.ErrLogin.UserMessage("zh")) {
				t.Fatalf("wrong password: loggedIn=%v overlays=%q", f.s.loggedIn, overlayTexts(f.w))
			}
			closeOverlays(f.w)
			ls.user.SetText("")
			f.login(c.user, c.pass)
			got := "," + strings.Join(f.s.Screens(), ",") + ","
			for _, id := range c.want {
				if !strings.Contains(got, ","+id+",") || !f.s.Show(id) {
					t.Errorf("%s missing from %s", id, got)
				}
			}
			for _, id := range c.never {
				if strings.Contains(got, ","+id+",") || f.s.Show(id) {
					t.Errorf("%s offered to %s", id, c.user)
				}
			}
			for _, it := range navItems() {
				if strings.Contains(got, ","+it.id+",") != it.can(f.s.actor.Role) {
					t.Errorf("%s: menu and permission disagree", it.id)
				}
			}
			if !strings.HasSuffix(got, ",settings,") || !strings.HasPrefix(got, ",home,") {
				t.Errorf("menu order %s", got)
			}
		})
	}
}

func TestLanguageSwitchPersists(t *testing.T) {
	db, _ := seededStore(t)
	for _, loc := range []string{"C", "zh_CN.UTF-8", "en_US.UTF-8", "de_DE.UTF-8"} {
		t.Run(loc, func(t *testing.T) {
			t.Setenv("LANG", loc)
			t.Setenv("LC_ALL", "")
			t.Setenv("LANGUAGE", "")
			f := newFixture(t, db, Deps{})
			if got := tr("nav.home"); got != "首页" {
				t.Fatalf("default language: nav.home = %q", got)
			}
			f.login("admin", "secret1")
			f.s.SetLanguage("en")
			if got := tr("nav.home"); got != "Home" {
				t.Errorf("after switch: nav.home = %q", got)
			}
			if got := tr("Cancel"); got != "Cancel" {
				t.Errorf("Fyne's Cancel = %q", got)
			}
			if p := f.a.Preferences().String(PrefLanguage); p != "en" {
				t.Errorf("preference = %q", p)
			}
			if !f.s.loggedIn || f.s.current != "home" {
				t.Error("switch lost the session")
			}
			f.s.SetLanguage("zh")
			if got := tr("Cancel"); got != "取消" {
				t.Errorf("Fyne's Cancel in zh = %q", got)
			}
		})
	}
}

func TestLargeTextToggle(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	f.s.Show("settings")
	ss := f.s.screen.(*settingsScreen)
	before := f.a.Settings().Theme().Size("text")
	test.Tap(ss.large)
	after := f.a.Settings().Theme().Size("text")
	if !(after > before) || !f.a.Preferences().Bool(PrefLargeText) {
		t.Errorf("large text: %v -> %v, pref %v", before, after, f.a.Preferences().Bool(PrefLargeText))
	}
}

func TestTrainingBannerOnEveryScreen(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{Training: true})
	hasBanner := func() bool {
		for _, o := range test.LaidOutObjects(f.w.Content()) {
			if ct, ok := o.(*canvas.Text); ok && ct.Text == tr("training.banner") && ct.Visible() {
				return true
			}
		}
		return false
	}
	if !hasBanner() {
		t.Error("no banner on the login screen")
	}
	f.login("admin", "secret1")
	for _, id := range f.s.Screens() {
		f.s.Show(id)
		if !hasBanner() {
			t.Errorf("no training banner on %s", id)
		}
	}
	if !strings.Contains(f.w.Title(), "培训") {
		t.Errorf("title %q does not say training", f.w.Title())
	}
}

var _ = widgets.NewStatusPill
var _ = time.Now
