package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

func TestReportsCompletenessTraceAndCharts(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	a := f.s.actor
	today := f.s.today()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.db.AddEnvTest(f.ctx, a, store.EnvTest{BaseID: ids["base"], Kind: store.EnvSoil, TestedOn: today.AddDate(0, -2, 0),
		Lab: "玉溪市检测中心", ReportNo: "YX-1", Conclusion: store.EnvPass})
	must(err)
	_, err = f.db.AddApplication(f.ctx, a, store.ApplicationInput{Date: today.AddDate(0, 0, -20), PlotID: ids["plot"], MaterialID: ids["fert"],
		Dose: 100, DoseUnit: "kg", Method: "沟施"})
	must(err)
	lot := f.harvestLot(500)
	_, err = f.db.RecordInspection(f.ctx, a, store.InspectionInput{LotID: lot.ID, Kind: "rapid", Item: "有机磷", Rate: ptr(8)})
	must(err)
	_, err = f.db.Ship(f.ctx, a, store.ShipInput{LotID: lot.ID, Date: today, BuyerName: "昆明批发市场", BuyerType: "registered", Quantity: 200})
	must(err)
	other, err := f.db.AddProduct(f.ctx, a, store.Product{Name: "沃柑", Crop: "沃柑", CropCategory: "瓜果", Unit: "kg"})
	must(err)

	if !f.s.Show("reports") {
		t.Fatal("reports not available")
	}
	rs := f.s.screen.(*reportsScreen)

	// Completeness per product.
	rows := map[int64]int{}
	for i, c := range rs.complete.rows {
		rows[c.ProductID] = i
	}
	cell := func(product int64, col int) string {
		return rs.complete.cols[col].text(rs.complete.rows[rows[product]])
	}
	if len(rs.complete.rows) != 2 {
		t.Fatalf("%d products in the completeness table", len(rs.complete.rows))
	}
	want := []string{"冰糖橙", "1", trf("reports.present", "N", 1), trf("reports.present", "N", 1), trf("reports.present", "N", 1), tr("reports.na"), tr("reports.yes")}
	for col, w := range want {
		if got := cell(ids["product"], col); !strings.HasPrefix(got, w) {
			t.Errorf("冰糖橙 column %d = %q, want %q…", col, got, w)
		}
	}
	if got := cell(other.ID, 6); got != tr("reports.no") {
		t.Errorf("沃柑 without records: complete = %q", got)
	}
	if got := cell(other.ID, 3); got != tr("reports.missing") {
		t.Errorf("沃柑 inputs = %q", got)
	}
	rs.complete.search.SetText("沃柑")
	if rs.complete.Len() != 1 {
		t.Errorf("search: %d rows", rs.complete.Len())
	}

	// Six-month readiness: everything was typed in today, but it counts by
	// each record's own date, so the first record is the env test of two
	// months ago; still not six months.
	if rs.readyPill.Text != tr("reports.notReady") || !strings.Contains(rs.readyText.Text, day(today.AddDate(0, -2, 0))) {
		t.Errorf("readiness: %q / %q", rs.readyPill.Text, rs.readyText.Text)
	}

	// Trace by the lot's code, scanned.
	rs.tabs.SelectIndex(2)
	scanInto(rs.traceScan, lot.Code)
	if rs.traceRes == nil || rs.traceRes.Root == nil || rs.traceRes.Root.Lot.ID != lot.ID {
		t.Fatalf("trace: %+v (%s)", rs.traceRes, f.s.lastMessage)
	}
	all := strings.Join(treeTexts(rs), "\n")
	for _, w := range []string{lot.Code, "一号地", "有机肥", "昆明批发市场", tr("verdict.negative"), tr("reports.shipments")} {
		if !strings.Contains(all, w) {
			t.Errorf("trace tree lacks %q:\n%s", w, all)
		}
	}
	// The origin hangs under the lot, the application under the origin.
	root := rs.traceKids[""]
	if len(root) != 1 || len(rs.traceKids[root[0]]) < 3 {
		t.Errorf("tree shape: %v", rs.traceKids)
	}
	rs.trace("XP01-000000-999-Z")
	if f.s.lastMessage == "" || rs.traceMsg.Text != f.s.lastMessage {
		t.Errorf("unknown code: %q / %q", f.s.lastMessage, rs.traceMsg.Text)
	}
	closeOverlays(f.w)

	// Charts: twelve months, this month's test and application counted.
	if len(rs.stats) != 12 || rs.stats[11].Tests != 1 || rs.stats[11].Applications < 1 && rs.stats[10].Applications < 1 {
		t.Fatalf("stats: %+v", rs.stats)
	}
	card := rs.chartsBox.Objects[0].(*widget.Card)
	chart := card.Content.(*fyne.Container).Layout.(*barChart)
	card.Content.Resize(fyne.NewSize(600, 200))
	if h := chart.bars[11].Size().Height; h <= 0 || chart.bars[0].Size().Height != 0 {
		t.Errorf("bar heights: last %v first %v", h, chart.bars[0].Size().Height)
	}
	if chart.dots[11].Hidden || !chart.dots[0].Hidden {
		t.Error("pass-rate dot shown for a month without tests, or missing for this month")
	}

	// Home's record-completeness card lists exactly the report's 不齐全
	// rows (same default period, same store call).
	report := map[int64]bool{}
	for _, c := range rs.complete.rows {
		if !c.Complete {
			report[c.ProductID] = true
		}
	}
	f.s.Show("home")
	hs := f.s.screen.(*homeScreen)
	home := map[int64]bool{}
	for _, c := range hs.summary.Incomplete {
		home[c.ProductID] = true
	}
	if len(home) != len(report) || !home[other.ID] || home[ids["product"]] {
		t.Errorf("Home lists %v as incomplete, the report %v", home, report)
	}
}

func treeTexts(rs *reportsScreen) []string {
	var out []string
	var walk func(id string)
	walk = func(id string) {
		for _, k := range rs.traceKids[id] {
			out = append(out, rs.traceText[k])
			walk(k)
		}
	}
	walk("")
	return out
}
