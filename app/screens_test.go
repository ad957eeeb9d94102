package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"suyuan/app/widgets"
	"suyuan/store"
	"suyuan/store/rules"
)

// pesticideQR is a 32-digit 农药标签二维码 whose digits 2–7 (080001) are the
// end of PD20080001, the seeded 阿维菌素乳油.
const pesticideQR = "10800011001234567890123456789012"

func loggedIn(t *testing.T, user, pass string) (*fixture, map[string]int64) {
	t.Helper()
	db, ids := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.ids = ids
	f.login(user, pass)
	return f, ids
}

func (f *fixture) records() *recordsScreen {
	f.t.Helper()
	if !f.s.Show("records") {
		f.t.Fatal("records not available")
	}
	return f.s.screen.(*recordsScreen)
}

func TestApplicationEntryWithScanAndSameAsLast(t *testing.T) {
	f, ids := loggedIn(t, "rec", "secret2")
	rs := f.records()
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)

	rs.appPlot.selectID(ids["plot"])
	if rs.appCrop.Text != "冰糖橙" || rs.appArea.Text != "30" {
		t.Errorf("plot defaults: crop %q area %q", rs.appCrop.Text, rs.appArea.Text)
	}
	if !rs.appSame.Disabled() {
		t.Error("same-as-last enabled on a plot with no records")
	}
	// Scan the pesticide label: the burst selects the material and leaves
	// nothing in the scan field.
	f.w.Canvas().Focus(rs.appScan)
	widgets.TypeBurst(rs.appScan, pesticideQR, time.Now(), 4*time.Millisecond, true)
	if rs.appMat.ID() != ids["abamectin"] {
		t.Fatalf("scan selected material %d, want %d (%s)", rs.appMat.ID(), ids["abamectin"], f.s.lastMessage)
	}
	if rs.appScan.Text != "" {
		t.Errorf("scan field kept %q", rs.appScan.Text)
	}
	rs.appDate.SetText(yesterday)
	test.Type(rs.appDose, "30")
	test.Type(rs.appUnit, "ml")
	test.Type(rs.appMethod, "喷雾")
	test.Type(rs.appTarget, "红蜘蛛")
	test.Tap(rs.appSave)
	apps, err := f.db.ListApplications(f.ctx, store.ListQuery{}, ids["plot"])
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications = %d, %v (%s)", len(apps), err, f.s.lastMessage)
	}
	a := apps[0]
	if a.MaterialID != ids["abamectin"] || a.Dose != 30 || a.DoseUnit != "ml" || a.Crop != "冰糖橙" || a.Operator != "王记录" || day(a.Date) != yesterday {
		t.Errorf("stored application = %+v", a)
	}
	wantEarliest := time.Now().AddDate(0, 0, -1+7).Format(time.DateOnly)
	if !strings.Contains(overlayTexts(f.w), wantEarliest) {
		t.Errorf("PHI notice missing %s: %q", wantEarliest, overlayTexts(f.w))
	}
	closeOverlays(f.w)
	if rs.apps.Len() != 1 {
		t.Errorf("list shows %d rows", rs.apps.Len())
	}
	// Same as last time fills the form from the stored record.
	rs.appDose.SetText("")
	rs.appMethod.SetText("")
	rs.appMat.ClearSelected()
	if rs.appSame.Disabled() {
		t.Fatal("same-as-last still disabled")
	}
	test.Tap(rs.appSame)
	if rs.appMat.ID() != ids["abamectin"] || rs.appDose.Text != "30" || rs.appMethod.Text != "喷雾" {
		t.Errorf("same-as-last: material %d dose %q method %q", rs.appMat.ID(), rs.appDose.Text, rs.appMethod.Text)
	}
}

func TestApplicationErrorPaths(t *testing.T) {
	cases := []struct {
		name     string
		plot     string
		material string
		dose     string
		date     string
		want     func(f *fixture) string
	}{
		{name: "crop-banned pesticide on vegetables", plot: "vegplot", material: "acephate", dose: "20",
			want: func(f *fixture) string { return "乙酰甲胺磷" }},
		{name: "bad number", plot: "plot", material: "abamectin", dose: "三十",
			want: func(f *fixture) string { return "“用量”应填数字" }},
		{name: "future date", plot: "plot", material: "abamectin", dose: "10",
			date: time.Now().AddDate(0, 0, 3).Format(time.DateOnly),
			want: func(f *fixture) string { return time.Now().AddDate(0, 0, 3).Format(time.DateOnly) }},
		{name: "bad date", plot: "plot", material: "abamectin", dose: "10", date: "2026-2-30",
			want: func(f *fixture) string { return "2026-2-30" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, ids := loggedIn(t, "rec", "secret2")
			rs := f.records()
			rs.appPlot.selectID(ids[c.plot])
			rs.appMat.selectID(ids[c.material])
			rs.appDose.SetText(c.dose)
			rs.appUnit.SetText("g")
			if c.date != "" {
				rs.appDate.SetText(c.date)
			}
			test.Tap(rs.appSave)
			if n, _ := f.db.CountApplications(f.ctx, store.ListQuery{}, 0); n != 0 {
				t.Fatalf("%d applications stored", n)
			}
			got := overlayTexts(f.w)
			if !strings.Contains(got, c.want(f)) || !strings.Contains(got, f.s.lastMessage) || f.s.lastMessage == "" {
				t.Errorf("dialog %q does not show %q", got, c.want(f))
			}
		})
	}
}

func TestBannedRuleMessageIsTheStoresOwn(t *testing.T) {
	f, ids := loggedIn(t, "rec", "secret2")
	_, want := f.db.AddApplication(f.ctx, f.s.actor, store.ApplicationInput{Date: time.Now().AddDate(0, 0, -1), PlotID: ids["vegplot"],
		MaterialID: ids["acephate"], Dose: 1, DoseUnit: "g"})
	if want == nil {
		t.Fatal("store accepted a crop-banned pesticide")
	}
	rs := f.records()
	rs.appPlot.selectID(ids["vegplot"])
	rs.appMat.selectID(ids["acephate"])
	rs.appDose.SetText("1")
	rs.appUnit.SetText("g")
	rs.appDate.SetText(time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	test.Tap(rs.appSave)
	var um interface{ UserMessage(string) string }
	if !asUM(want, &um) || f.s.lastMessage != um.UserMessage("zh") {
		t.Errorf("shown %q, rule says %q", f.s.lastMessage, um.UserMessage("zh"))
	}
}

func asUM(err error, um *interface{ UserMessage(string) string }) bool {
	for e := err; e != nil; {
		if u, ok := e.(interface{ UserMessage(string) string }); ok {
			*um = u
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// harvestSetup applies the 7-day PHI pesticide two days ago, so today is inside the window.
func harvestSetup(t *testing.T, f *fixture, ids map[string]int64) {
	t.Helper()
	_, err := f.db.AddApplication(f.ctx, store.Actor{UserID: 1, Username: "admin", Name: "李管理", Role: store.RoleAdmin}, store.ApplicationInput{
		Date: time.Now().AddDate(0, 0, -2), PlotID: ids["plot"], MaterialID: ids["abamectin"], Dose: 30, DoseUnit: "ml"})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHarvestPHIWindow(t *testing.T) {
	earliest := time.Now().AddDate(0, 0, -2+7).Format(time.DateOnly)
	t.Run("recorder is refused with the rule", func(t *testing.T) {
		f, ids := loggedIn(t, "rec", "secret2")
		harvestSetup(t, f, ids)
		rs := f.records()
		rs.harPlot.selectID(ids["plot"])
		if rs.harProduct.ID() != ids["product"] || rs.harUnit.Text != "kg" {
			t.Errorf("defaults: product %d unit %q", rs.harProduct.ID(), rs.harUnit.Text)
		}
		if !strings.Contains(rs.harPHI.Text, earliest) {
			t.Errorf("PHI status %q lacks %s", rs.harPHI.Text, earliest)
		}
		rs.harQty.SetText("500")
		test.Tap(rs.harSave)
		if rs.overrideConfirm != nil {
			t.Fatal("override offered to a recorder")
		}
		got := overlayTexts(f.w)
		if !strings.Contains(got, earliest) || !strings.Contains(got, "安全间隔期") {
			t.Errorf("dialog %q lacks the PHI rule", got)
		}
		if rs.harvested.Len() != 0 || rs.lastLot.ID != 0 {
			t.Error("a lot was created")
		}
	})
	t.Run("admin overrides with a reason", func(t *testing.T) {
		f, ids := loggedIn(t, "admin", "secret1")
		harvestSetup(t, f, ids)
		rs := f.records()
		rs.harPlot.selectID(ids["plot"])
		rs.harQty.SetText("800")
		test.Tap(rs.harSave)
		if rs.overrideConfirm == nil {
			t.Fatalf("no override dialog; message %q", f.s.lastMessage)
		}
		if !strings.Contains(overlayTexts(f.w), earliest) {
			t.Errorf("override dialog lacks the rule's date: %q", overlayTexts(f.w))
		}
		// Without a reason the store refuses and says why.
		test.Tap(rs.overrideConfirm)
		if rs.lastLot.ID != 0 || !strings.Contains(f.s.lastMessage, "原因") {
			t.Fatalf("override without reason: lot %d, message %q", rs.lastLot.ID, f.s.lastMessage)
		}
		test.Type(rs.overrideReason, "客户急需，已做快检合格")
		test.Tap(rs.overrideConfirm)
		if rs.lastLot.ID == 0 {
			t.Fatalf("no lot after override: %q", f.s.lastMessage)
		}
		h, err := f.db.History(f.ctx, "lots", rs.lastLot.ID)
		if err != nil || len(h) != 1 {
			t.Fatalf("lot history %v %v", h, err)
		}
		if !strings.Contains(h[0].Reason, "客户急需") || !strings.Contains(string(h[0].Payload), "客户急需") {
			t.Errorf("override reason not journaled: %+v", h[0])
		}
		if !rs.lastLot.PHIOverride || rs.lastLot.Quantity != 800 {
			t.Errorf("lot = %+v", rs.lastLot)
		}
		if row, ok := rs.harvested.Row(0); rs.harvested.Len() != 1 || !ok || row.Code != rs.lastLot.Code {
			t.Errorf("harvest list: %d rows, first %+v", rs.harvested.Len(), row)
		}
	})
}

func TestCorrectionShowsInHistory(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	harvestSetup(t, f, ids)
	rs := f.records()
	if rs.apps.Len() != 1 {
		t.Fatalf("rows = %d", rs.apps.Len())
	}
	row, _ := rs.apps.Row(0)
	rs.apps.onSelect(row)
	rd := f.s.lastRecord
	if rd == nil || len(rd.entries) != 1 {
		t.Fatalf("record dialog: %+v", rd)
	}
	rd.fields["dose"].SetText("25")
	test.Tap(rd.correct) // no reason
	if !strings.Contains(f.s.lastMessage, "原因") {
		t.Errorf("correction without reason: %q", f.s.lastMessage)
	}
	rd.reason.SetText("称量记错")
	test.Tap(rd.correct)
	a, err := f.db.GetApplication(f.ctx, row.ID)
	if err != nil || a.Dose != 25 {
		t.Fatalf("after correction dose = %v, %v (%s)", a.Dose, err, f.s.lastMessage)
	}
	// The history view reopened with both versions and the reason.
	if h := f.s.lastRecord.entries; len(h) != 2 || h[1].Reason != "称量记错" {
		t.Fatalf("history = %+v", h)
	}
	if !strings.Contains(overlayTexts(f.w), "称量记错") {
		t.Error("reason not shown in history view")
	}
	closeOverlays(f.w)
	// Void with reason: the row stays listed and is marked.
	row, _ = rs.apps.Row(0)
	rs.apps.onSelect(row)
	rd = f.s.lastRecord
	rd.reason.SetText("重复录入")
	test.Tap(rd.voidBtn)
	row, _ = rs.apps.Row(0)
	if !row.Voided || rs.apps.cols[len(rs.apps.cols)-1].text(row) == "" {
		t.Errorf("voided row = %+v", row)
	}
}

func TestPurchaseAndEnvTest(t *testing.T) {
	f, ids := loggedIn(t, "rec", "secret2")
	rs := f.records()
	f.w.Canvas().Focus(rs.purScan)
	widgets.TypeBurst(rs.purScan, pesticideQR, time.Now(), 5*time.Millisecond, true)
	if rs.purMat.ID() != ids["abamectin"] {
		t.Fatalf("scan picked %d", rs.purMat.ID())
	}
	rs.purSupplier.SetText("戛洒农资店")
	rs.purBatch.SetText("20260301")
	rs.purQty.SetText("10")
	rs.purUnit.SetText("瓶")
	test.Tap(rs.purSave)
	ps, err := f.db.ListPurchases(f.ctx, store.ListQuery{}, 0)
	if err != nil || len(ps) != 1 || ps[0].Supplier != "戛洒农资店" || ps[0].Quantity != 10 {
		t.Fatalf("purchases = %+v %v (%s)", ps, err, f.s.lastMessage)
	}
	// An unknown code: the rule-style message names what was scanned.
	widgets.TypeBurst(rs.purScan, "GSXP01-260501-0007-5", time.Now(), 5*time.Millisecond, true)
	if !strings.Contains(f.s.lastMessage, "GSXP01-260501-0007-5") {
		t.Errorf("unknown scan message %q", f.s.lastMessage)
	}
	closeOverlays(f.w)

	rs.envLab.SetText("玉溪市农产品检测中心")
	rs.envReport.SetText("YX-2026-001")
	test.Tap(rs.envSave)
	es, err := f.db.ListEnvTests(f.ctx, store.ListQuery{}, 0)
	if err != nil || len(es) != 1 || es[0].BaseID != ids["base"] || es[0].Kind != store.EnvSoil || es[0].Conclusion != store.EnvPass {
		t.Fatalf("env tests = %+v %v (%s)", es, err, f.s.lastMessage)
	}
}

func TestSiteSetup(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	if !f.s.Show("site") {
		t.Fatal("site not shown")
	}
	ss := f.s.screen.(*siteScreen)
	if ss.profile.name.Text != "示例柑橘专业合作社" {
		t.Errorf("profile not loaded: %q", ss.profile.name.Text)
	}
	// Banned outright: refused with the rule's message, nothing stored.
	before, _ := f.db.CountMaterials(f.ctx, store.ListQuery{}, "")
	ss.matName.SetText("甲胺磷乳油")
	ss.matReg.SetText("PD20080999")
	ss.matIngr.SetText("甲胺磷")
	ss.matPHI.SetText("10")
	test.Tap(ss.addMat)
	if after, _ := f.db.CountMaterials(f.ctx, store.ListQuery{}, ""); after != before {
		t.Fatal("banned pesticide registered")
	}
	if !strings.Contains(overlayTexts(f.w), "甲胺磷") || f.s.lastMessage == "" {
		t.Errorf("banned message: %q", overlayTexts(f.w))
	}
	closeOverlays(f.w)
	if len(ss.bannedRules) == 0 || ss.banned == nil {
		t.Error("banned list not visible")
	}
	// A base and a plot.
	ss.baseName.SetText("漠沙基地")
	test.Tap(ss.addBase)
	if ss.bases.Len() != 2 {
		t.Fatalf("bases = %d (%s)", ss.bases.Len(), f.s.lastMessage)
	}
	for i, o := range ss.plotBase.Options {
		if o == "漠沙基地" {
			ss.plotBase.SetSelectedIndex(i)
		}
	}
	ss.plotName.SetText("沃柑一区")
	ss.plotCrop.SetText("沃柑")
	ss.plotCat.SetSelected("瓜果")
	test.Tap(ss.addPlot)
	plots, _ := f.db.ListPlots(f.ctx, store.ListQuery{Search: "沃柑一区"}, 0)
	if len(plots) != 1 || plots[0].BaseName != "漠沙基地" || plots[0].CropCategory != "瓜果" {
		t.Fatalf("plots = %+v (%s)", plots, f.s.lastMessage)
	}
	// Search narrows the paged list.
	ss.plots.search.SetText("沃柑")
	if ss.plots.Len() != 1 {
		t.Errorf("search: %d rows", ss.plots.Len())
	}
	// A product and a user.
	ss.prodName.SetText("沃柑")
	ss.prodCat.SetSelected("瓜果")
	test.Tap(ss.addProd)
	if n, _ := f.db.CountProducts(f.ctx, store.ListQuery{}); n != 2 {
		t.Errorf("products = %d (%s)", n, f.s.lastMessage)
	}
	ss.userName.SetText("pack")
	ss.userDisplay.SetText("赵包装")
	ss.userRole.SetSelected(store.RoleName(store.RolePacker, "zh"))
	ss.userPass.SetText("123")
	test.Tap(ss.addUser)
	if !strings.Contains(f.s.lastMessage, "6") {
		t.Errorf("short password message %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	ss.userPass.SetText("packer1")
	test.Tap(ss.addUser)
	us, _ := f.db.Users(f.ctx)
	if len(us) != 4 || us[3].Role != store.RolePacker {
		t.Errorf("users = %+v", us)
	}
	// Profile edits are saved.
	ss.profile.phone.SetText("0877-1234567")
	test.Tap(ss.saveProfile)
	if e, _ := f.db.GetEntity(f.ctx); e.ContactPhone != "0877-1234567" {
		t.Errorf("phone = %q (%s)", e.ContactPhone, f.s.lastMessage)
	}
}

func TestHomeShowsWarnings(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	harvestSetup(t, f, ids)
	_, err := f.db.AddCertification(f.ctx, f.s.actor, store.Certification{Kind: store.CertGreen, Number: "LB-15-19012700330A",
		ProductName: "冰糖橙", ValidFrom: time.Now().AddDate(-2, 0, 0), ValidTo: time.Now().AddDate(0, 0, 20)})
	if err != nil {
		t.Fatal(err)
	}
	f.s.Show("home")
	h := f.s.screen.(*homeScreen)
	if len(h.phi) != 1 || h.phi[0].PlotID != ids["plot"] {
		t.Errorf("phi = %+v", h.phi)
	}
	if len(h.expiring) != 1 {
		t.Errorf("expiring = %+v", h.expiring)
	}
	if h.sync.Pending == 0 || h.pills[0].State != widgets.PillWarn {
		t.Errorf("sync pending %d pill %v", h.sync.Pending, h.pills[0].State)
	}
	var texts []string
	for _, o := range test.LaidOutObjects(f.w.Content()) {
		if p, ok := o.(*widgets.StatusPill); ok {
			texts = append(texts, p.Text)
		}
	}
	if !strings.Contains(strings.Join(texts, "|"), "未配置") {
		t.Errorf("device pills %v", texts)
	}
}

// TestPagedListScales puts 100k applications in the store and checks that
// the table knows the count, fetches only the pages it shows, and jumps to
// the end quickly. The copies are made with one INSERT … SELECT inside a
// store transaction (they share the first record's journal entry, which is
// fine for a list test and would fail Verify).
func TestPagedListScales(t *testing.T) {
	if testing.Short() {
		t.Skip("100k rows")
	}
	f, ids := loggedIn(t, "admin", "secret1")
	harvestSetup(t, f, ids)
	const want = 100000
	err := f.db.Write(f.ctx, f.s.actor, func(tx *store.Tx) error {
		_, err := tx.Exec(f.ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ?)
			INSERT INTO applications(applied_on,plot_id,crop,material_id,dose,dose_unit,area_mu,method,target,operator,notes,voided,jseq)
			SELECT applied_on,plot_id,crop,material_id,dose+i,dose_unit,area_mu,method,target,operator,'copy '||i,voided,jseq
			FROM applications, n WHERE applications.id = 1`, want-1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := f.records()
	if rs.apps.Len() != want {
		t.Fatalf("len %d, want %d", rs.apps.Len(), want)
	}
	start := time.Now()
	last, ok := rs.apps.Row(want - 1)
	if !ok || last.ID == 0 {
		t.Fatal("last row missing")
	}
	rs.apps.table.ScrollToBottom()
	rs.apps.table.ScrollToTop()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("jump to the end and back took %v", d)
	}
	if len(rs.apps.pages) > 4 {
		t.Errorf("%d pages cached after jumping to the end", len(rs.apps.pages))
	}
	rs.apps.search.SetText("copy 99999")
	if rs.apps.Len() != 1 {
		t.Errorf("search found %d", rs.apps.Len())
	}
}

var _ = rules.CropCategories

func TestIncompleteText(t *testing.T) {
	cases := []struct{ lang, in, want string }{
		{"zh", "冰糖橙 (environment, tests)", "冰糖橙：缺产地环境、检测"},
		{"en", "冰糖橙 (environment, tests)", "冰糖橙: missing environment, tests"},
		{"zh", "沃柑（示例） (inputs)", "沃柑（示例）：缺用药施肥"},
		{"zh", "无括号", "无括号"},
		{"zh", "x (unknown)", "x：缺unknown"},
	}
	for _, c := range cases {
		if err := SetLanguage(c.lang); err != nil {
			t.Fatal(err)
		}
		if got := incompleteText(c.in); got != c.want {
			t.Errorf("%s %q = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
	_ = SetLanguage("zh")
}
