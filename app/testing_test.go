package app

import (
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/device/serial"
	"suyuan/store"
)

func (f *fixture) testingScreen() *testingScreen {
	f.t.Helper()
	if !f.s.Show("testing") {
		f.t.Fatal("testing not available")
	}
	return f.s.screen.(*testingScreen)
}

// rowColor draws results row i into a fresh cell and returns its background.
func rowColor(ts *testingScreen, i int) color.Color {
	o := ts.results.table.CreateCell()
	ts.results.table.UpdateCell(widget.TableCellID{Row: i, Col: 0}, o)
	return o.(*fyne.Container).Objects[0].(*canvas.Rectangle).FillColor
}

func sameHue(c color.Color, p widgets.PillState) bool {
	n, ok := c.(color.NRGBA)
	w := color.NRGBAModel.Convert(stateColor(p)).(color.NRGBA)
	return ok && n.A != 0 && n.R == w.R && n.G == w.G && n.B == w.B
}

// seededAdmin returns a copy of the seeded store and its administrator,
// for tests that record readings before anyone logs in to the GUI.
func seededAdmin(t *testing.T) (*store.DB, map[string]int64, store.Actor) {
	t.Helper()
	db, ids := seededStore(t)
	admin, err := db.Login(t.Context(), "admin", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	return db, ids, admin
}

func TestPositiveReadingBoundIsRedAndHoldsLot(t *testing.T) {
	db, ids, admin := seededAdmin(t)
	lot, err := db.Harvest(t.Context(), admin, store.HarvestInput{PlotID: ids["plot"], ProductID: ids["product"], Date: time.Now(), Quantity: 300})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	readings := []store.ReadingInput{
		{Instrument: "lz4000t", SerialNo: "S1", RecordNo: "1", TestedAt: at, SampleNo: "01", SampleName: "冰糖橙", Item: "有机磷", Rate: ptr(68)},
		{Instrument: "lz4000t", SerialNo: "S1", RecordNo: "2", TestedAt: at.Add(time.Minute), SampleNo: "02", SampleName: "冰糖橙", Item: "有机磷",
			ControlDeltaA: ptr(-0.02), SampleDeltaA: ptr(0.1)},
		{Instrument: "lz4000t", SerialNo: "S1", RecordNo: "3", TestedAt: at.Add(2 * time.Minute), SampleNo: "03", SampleName: "冰糖橙", Item: "有机磷", Rate: ptr(12)},
	}
	if _, _, err := db.ImportReadings(t.Context(), admin, readings); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db, Deps{})
	f.ids = ids
	f.login("tech", "secret3")
	ts := f.testingScreen()
	if ts.pending.Len() != 3 {
		t.Fatalf("pending readings shown: %d", ts.pending.Len())
	}
	bind := func(sample string) store.Inspection {
		t.Helper()
		for i := 0; i < ts.pending.Len(); i++ {
			if r, ok := ts.pending.Row(i); ok && r.SampleNo == sample {
				ts.pending.table.Select(widget.TableCellID{Row: i})
			}
		}
		if !ts.hasSel || ts.selected.SampleNo != sample {
			t.Fatalf("reading %s not selected", sample)
		}
		scanInto(ts.bindScan, lot.Code)
		if ts.lastBind == nil || ts.lastBind.ReadingID != ts.selected.ID {
			t.Fatalf("reading %s not bound: %s", sample, f.s.lastMessage)
		}
		return *ts.lastBind
	}
	pos := bind("01")
	if pos.Verdict != "positive" || !pos.HoldSet {
		t.Errorf("68%% inhibition: verdict %s hold %v", pos.Verdict, pos.HoldSet)
	}
	if msg := overlayTexts(f.w); !strings.Contains(msg, tr("verdict.positive")) || !strings.Contains(msg, trf("testing.holdSet", "Code", lot.Code)) {
		t.Errorf("positive result message: %q", msg)
	}
	closeOverlays(f.w)
	l, _ := db.LotByID(f.ctx, lot.ID)
	if !l.Hold {
		t.Error("positive reading did not put the lot on hold")
	}
	inv := bind("02")
	closeOverlays(f.w)
	neg := bind("03")
	closeOverlays(f.w)
	if inv.Verdict != "invalid" || neg.Verdict != "negative" {
		t.Errorf("verdicts: control ΔA<0 → %s, 12%% → %s", inv.Verdict, neg.Verdict)
	}
	if ts.pending.Len() != 0 || ts.results.Len() != 3 {
		t.Errorf("after binding: %d pending, %d results", ts.pending.Len(), ts.results.Len())
	}
	want := map[int64]widgets.PillState{pos.ID: widgets.PillBad, inv.ID: widgets.PillWarn}
	for i := 0; i < ts.results.Len(); i++ {
		x, _ := ts.results.Row(i)
		c := rowColor(ts, i)
		if st, tinted := want[x.ID]; tinted {
			if !sameHue(c, st) {
				t.Errorf("%s row colour %v, want state %d", x.Verdict, c, st)
			}
		} else if _, _, _, a := c.RGBA(); a != 0 {
			t.Errorf("negative row is tinted %v", c)
		}
	}
	// A code of another kind is refused, not guessed.
	ts.pending.Reload()
	scanInto(ts.bindScan, "HGZ-XP01-20250301-0007")
	if !strings.Contains(f.s.lastMessage, "承诺达标合格证") {
		t.Errorf("certificate scanned as a lot: %q", f.s.lastMessage)
	}
}

func TestAnalyzerImportFromTrainingSimulator(t *testing.T) {
	db := openStore(t)
	seedSite(t, db)
	f := newFixture(t, db, Deps{Training: true})
	f.login("tech", "secret3")
	ts := f.testingScreen()
	if !ts.simBtn.Visible() {
		t.Fatal("no simulator button in training mode")
	}
	if ts.simBtn.Importance != widget.HighImportance || ts.importBt.Importance == widget.HighImportance {
		t.Fatal("in training without an instrument the simulator should be the primary action")
	}
	test.Tap(ts.simBtn)
	if ts.simPath == "" || ts.port.Text != ts.simPath || ts.driver.Selected != trainingDriver {
		t.Fatalf("simulator port not selected: %q / %q", ts.port.Text, ts.simPath)
	}
	// (Whether the buttons show the run is not checked here: under the
	// test driver fyne.Do runs on the import goroutine, so reading widgets
	// before the run ends would race.)
	test.Tap(ts.importBt)
	if err := waitDone(t, ts.done); err != nil {
		t.Fatalf("import: %v (%s)", err, ts.status.Text)
	}
	n, err := db.CountPendingReadings(f.ctx, store.ListQuery{})
	if err != nil || n != 12 {
		t.Fatalf("pending readings after import = %d, %v (%s)", n, err, ts.status.Text)
	}
	if ts.pending.Len() != 12 || !strings.Contains(ts.status.Text, "12") || ts.busy {
		t.Errorf("screen after import: %d rows, status %q, busy %v", ts.pending.Len(), ts.status.Text, ts.busy)
	}
}

func TestNonTrainingHasNoSimulator(t *testing.T) {
	f, _ := loggedIn(t, "tech", "secret3")
	ts := f.testingScreen()
	if ts.simBtn.Visible() {
		t.Error("simulator offered outside training mode")
	}
	ts.port.SetText("")
	test.Tap(ts.importBt)
	if f.s.lastMessage != tr("testing.needPort") {
		t.Errorf("import without a port: %q", f.s.lastMessage)
	}
}

func TestAnalyzerTestConnection(t *testing.T) {
	f, _ := loggedIn(t, "tech", "secret3")
	ts := f.testingScreen()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	cases := []struct {
		port string
		ok   bool
	}{{slave, true}, {filepath.Join(t.TempDir(), "ttyNONE"), false}}
	for _, c := range cases {
		ts.port.SetText(c.port)
		test.Tap(ts.testBtn)
		err := waitDone(t, ts.done)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.port, err)
		}
		if c.ok && !strings.Contains(ts.status.Text, c.port) {
			t.Errorf("status %q", ts.status.Text)
		}
		if !c.ok && (ts.status.Text == "" || strings.Contains(ts.status.Text, c.port+" 已打开")) {
			t.Errorf("failure not explained: %q", ts.status.Text)
		}
	}
	if got := f.a.Preferences().String(SettingAnalyzerPort); got != slave {
		t.Errorf("working port not remembered: %q", got)
	}
}

// heldLotSelected harvests a 120 kg lot, binds a positive reading to it
// (which holds it) and selects it in the held-lots panel of the testing
// screen.
func heldLotSelected(t *testing.T, f *fixture) (store.Lot, store.Product, *heldPane) {
	t.Helper()
	lot := f.harvestLot(120)
	rids := importReadings(t, f, 80)
	if _, err := f.db.BindReading(f.ctx, f.s.actor, rids[0], lot.Code); err != nil {
		t.Fatal(err)
	}
	p, err := f.db.GetProduct(f.ctx, lot.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	hp := f.testingScreen().held
	l, ok := findRow(hp.list, func(l store.Lot) bool { return l.ID == lot.ID })
	if !ok {
		t.Fatal("held lot not listed")
	}
	hp.list.onSelect(l)
	return lot, p, hp
}

// TestHeldLotFormsDecideNothing: the lab re-test and the disposal of a held
// lot start with nothing chosen (no verdict, no method, an empty quantity),
// their buttons stay unavailable with the missing item named next to them,
// a quantity over the balance is refused with the balance named, and
// destroying asks again with the quantity in words before anything is
// recorded.
func TestHeldLotFormsDecideNothing(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot, p, hp := heldLotSelected(t, f)

	// Lab re-test: no verdict until the technician chooses one.
	if hp.labVerdict.Selected != "" {
		t.Errorf("verdict preselected: %q", hp.labVerdict.Selected)
	}
	if !hp.labSave.Disabled() || hp.labWhy.Text != tr("held.needVerdict") {
		t.Errorf("save without verdict: enabled %v, hint %q", !hp.labSave.Disabled(), hp.labWhy.Text)
	}
	hp.labVerdict.SetSelected(tr("verdict.positive"))
	if hp.labSave.Disabled() || hp.labWhy.Text != "" {
		t.Errorf("verdict chosen: enabled %v, hint %q", !hp.labSave.Disabled(), hp.labWhy.Text)
	}

	// Disposal: no method, no quantity.
	steps := []struct {
		name   string
		do     func()
		hint   string // substring of the hint; "" = complete
		enable bool
	}{
		{"nothing chosen", func() {}, tr("held.needMethod"), false},
		{"method", func() { hp.dispMethod.SetSelected(tr("dispose.destroy")) }, tr("held.needQty"), false},
		{"over the balance", func() { hp.dispQty.SetText("500") }, "120 公斤", false},
		{"quantity", func() { hp.dispQty.SetText("120") }, tr("held.needReason"), false},
		{"reason", func() { hp.dispReason.SetText("阳性批次整批销毁") }, "", true},
	}
	if hp.dispMethod.SelectedIndex() >= 0 || hp.dispQty.Text != "" {
		t.Errorf("disposal preselected: method %q, quantity %q", hp.dispMethod.Selected, hp.dispQty.Text)
	}
	for _, st := range steps {
		st.do()
		if hp.dispBtn.Disabled() == st.enable {
			t.Errorf("%s: button enabled %v, want %v (hint %q)", st.name, !hp.dispBtn.Disabled(), st.enable, hp.dispWhy.Text)
		}
		if (st.hint == "" && hp.dispWhy.Text != "") || !strings.Contains(hp.dispWhy.Text, st.hint) {
			t.Errorf("%s: hint %q, want %q", st.name, hp.dispWhy.Text, st.hint)
		}
	}

	// Destroy asks again; nothing is recorded before the confirmation.
	test.Tap(hp.dispBtn)
	want := "销毁 120 公斤 " + strings.TrimSpace(p.Name+" "+p.Variety) + "（批次 " + lot.Code + "）？此操作不可撤销。"
	if hp.destroyPrompt == nil || hp.destroyPrompt.Text != want {
		t.Fatalf("destroy prompt %v, want %q", hp.destroyPrompt, want)
	}
	if !containsObject(f.w.Canvas().Overlays().Top(), hp.destroyConfirm) {
		t.Fatal("destroy confirmation not shown")
	}
	if b, _ := f.db.Balance(f.ctx, lot.ID); b.Disposed != 0 {
		t.Fatalf("disposed %v before the confirmation", b.Disposed)
	}
	test.Tap(hp.destroyConfirm)
	if b, _ := f.db.Balance(f.ctx, lot.ID); b.Disposed != 120 {
		t.Errorf("disposed %v after confirming, want 120 (%s)", b.Disposed, f.s.lastMessage)
	}
}

// TestHeldLotDestroyAsksInEnglish: the destroy confirmation and the
// over-balance refusal in the English GUI.
func TestHeldLotDestroyAsksInEnglish(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	f.s.SetLanguage("en")
	lot, p, hp := heldLotSelected(t, f)
	hp.dispMethod.SetSelected(tr("dispose.destroy"))
	hp.dispReason.SetText("destroyed")
	hp.dispQty.SetText("121")
	if !hp.dispBtn.Disabled() || !strings.Contains(hp.dispWhy.Text, "at most 120 kg") {
		t.Errorf("over the balance: enabled %v, hint %q", !hp.dispBtn.Disabled(), hp.dispWhy.Text)
	}
	hp.dispQty.SetText("120")
	test.Tap(hp.dispBtn)
	want := "Destroy 120 kg of " + strings.TrimSpace(p.Name+" "+p.Variety) + " (lot " + lot.Code + ")? This cannot be undone."
	if hp.destroyPrompt == nil || hp.destroyPrompt.Text != want {
		t.Errorf("destroy prompt %v, want %q", hp.destroyPrompt, want)
	}
}
