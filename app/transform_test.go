package app

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
)

// transformPane opens Records → 加工/包装.
func (f *fixture) transformPane() *transformPane {
	f.t.Helper()
	rs := f.records()
	for i, it := range rs.tabs.Items {
		if it.Text == tr("records.transform") {
			rs.tabs.SelectIndex(i)
		}
	}
	if rs.transform == nil || rs.tabs.Selected().Text != tr("records.transform") {
		f.t.Fatal("no transformations tab")
	}
	return rs.transform
}

func (f *fixture) countLots(src string) int {
	f.t.Helper()
	n, err := f.db.CountLots(f.ctx, store.LotQuery{Source: src, ListQuery: store.ListQuery{IncludeVoided: true}})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestTransformMassBalanceWritesNothing(t *testing.T) {
	f, ids := loggedIn(t, "rec", "secret2")
	lot := f.harvestLot(200)
	tp := f.transformPane()
	if tp.save.Disabled() || len(tp.outputs) != 1 {
		t.Fatalf("form not ready: %d outputs", len(tp.outputs))
	}
	scanInto(tp.scan, lot.Code)
	if len(tp.inputs) != 1 || tp.inputs[0].available != 200 || tp.inputs[0].qty.Text != "200" {
		t.Fatalf("scanned input = %+v (%s)", tp.inputs, f.s.lastMessage)
	}
	// The input row says what is available, in the lot's unit.
	if got := objectTexts(tp.inputBox); !strings.Contains(got, lot.Code) || !strings.Contains(got, "200 kg") {
		t.Errorf("input row %q lacks the code and the available 200 kg", got)
	}
	// The output defaults to the input's product and unit.
	if tp.outputs[0].product.ID() != ids["product"] || tp.outputs[0].unit.Text != "kg" {
		t.Errorf("output defaults: product %d unit %q", tp.outputs[0].product.ID(), tp.outputs[0].unit.Text)
	}
	// The same lot scanned again is not listed twice.
	scanInto(tp.scan, lot.Code)
	if len(tp.inputs) != 1 {
		t.Errorf("lot listed %d times", len(tp.inputs))
	}

	before, _, _ := f.db.Head(f.ctx)
	tp.inputs[0].qty.SetText("250")
	tp.outputs[0].qty.SetText("240")
	test.Tap(tp.save)
	_, storeErr := f.db.Transform(f.ctx, f.s.actor, store.TransformInput{Kind: "packing", Date: f.s.today(),
		Inputs: []store.LotQty{{LotID: lot.ID, Quantity: 250}}, Outputs: []store.NewLot{{ProductID: ids["product"], Quantity: 240}}})
	if storeErr == nil {
		t.Fatal("store accepted 250 kg out of a 200 kg lot")
	}
	if f.s.lastMessage != userMessage(storeErr) || !strings.Contains(f.s.lastMessage, "物料平衡") {
		t.Errorf("message %q, want the store's mass-balance rule %q", f.s.lastMessage, userMessage(storeErr))
	}
	if !strings.Contains(overlayTexts(f.w), "物料平衡") {
		t.Errorf("rule not shown: %q", overlayTexts(f.w))
	}
	if after, _, _ := f.db.Head(f.ctx); after != before {
		t.Errorf("journal moved from %d to %d", before, after)
	}
	if n := f.countLots(store.LotTransform); n != 0 || tp.last != nil {
		t.Errorf("%d output lots written", n)
	}
	// The form keeps what was entered so the quantity can be fixed.
	if len(tp.inputs) != 1 || tp.inputs[0].qty.Text != "250" {
		t.Error("form cleared after a refused save")
	}
	closeOverlays(f.w)

	// Missing pieces are refused before the store is asked.
	tp.outputs[0].product.ClearSelected()
	test.Tap(tp.save)
	if f.s.lastMessage != tr("transform.needProduct") {
		t.Errorf("no product: %q", f.s.lastMessage)
	}
}

func TestTransformCreatesOutputLots(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	a, b := f.harvestLot(200), f.harvestLot(100)
	tp := f.transformPane()
	// b is picked from the list on the right, a is scanned.
	scanInto(tp.scan, a.Code)
	var picked bool
	for i := 0; i < tp.picker.Len(); i++ {
		if l, ok := tp.picker.Row(i); ok && l.ID == b.ID {
			tp.picker.onSelect(l)
			picked = true
		}
	}
	if !picked || len(tp.inputs) != 2 {
		t.Fatalf("picker: found %v, %d inputs", picked, len(tp.inputs))
	}
	tp.kind.SetSelected(tr("transform.kind.merge"))
	tp.inputs[0].qty.SetText("150")
	tp.inputs[1].qty.SetText("100")
	tp.outputs[0].qty.SetText("120")
	second := tp.newOutput()
	second.product.selectID(ids["product"])
	second.qty.SetText("125.5")
	test.Tap(tp.save)
	if tp.last == nil {
		t.Fatalf("not saved: %s", f.s.lastMessage)
	}
	if tp.last.Kind != "merge" || len(tp.last.Outputs) != 2 {
		t.Fatalf("transformation = %+v", tp.last)
	}
	lots, err := f.db.ListLots(f.ctx, store.LotQuery{Source: store.LotTransform})
	if err != nil || len(lots) != 2 {
		t.Fatalf("output lots = %+v, %v", lots, err)
	}
	got := map[float64]string{}
	for _, l := range lots {
		got[l.Quantity] = l.Code
		if l.TransformationID != tp.last.ID || l.ProductID != ids["product"] || l.Unit != "kg" {
			t.Errorf("output lot %+v", l)
		}
		// The new codes are shown, each with a way to print its labels.
		if !strings.Contains(tp.resultText.Text, l.Code) {
			t.Errorf("result %q lacks %s", tp.resultText.Text, l.Code)
		}
	}
	if got[120] == "" || got[125.5] == "" {
		t.Errorf("output quantities %v", got)
	}
	if len(tp.packBtns) != 2 {
		t.Errorf("%d print buttons", len(tp.packBtns))
	}
	// Balances moved: 50 kg of a left, none of b.
	for _, c := range []struct {
		lot  store.Lot
		want float64
	}{{a, 50}, {b, 0}} {
		bal, err := f.db.Balance(f.ctx, c.lot.ID)
		if err != nil || bal.Available != c.want {
			t.Errorf("%s available %v, want %v (%v)", c.lot.Code, bal.Available, c.want, err)
		}
	}
	// The form is ready for the next one; the list shows the new lots and
	// is searchable.
	if len(tp.inputs) != 0 || len(tp.outputs) != 1 || tp.outputs[0].qty.Text != "" {
		t.Errorf("form not reset: %d inputs %d outputs", len(tp.inputs), len(tp.outputs))
	}
	if tp.list.Len() != 2 {
		t.Errorf("made list shows %d", tp.list.Len())
	}
	tp.list.search.SetText(got[120])
	if tp.list.Len() != 1 {
		t.Errorf("search for %s: %d rows", got[120], tp.list.Len())
	}
	// A row opens the transformation's history.
	row, _ := tp.list.Row(0)
	tp.list.onSelect(row)
	if f.s.lastRecord == nil || len(f.s.lastRecord.entries) == 0 {
		t.Error("no history for the transformation")
	}
	closeOverlays(f.w)
	// The print button hands the lot to Packing.
	test.Tap(tp.packBtns[0])
	ps, ok := f.s.screen.(*packingScreen)
	if !ok || ps.lot.ID != tp.last.Outputs[0].ID {
		t.Errorf("packing not opened on the new lot (%T)", f.s.screen)
	}
}

func TestTransformHeldInputRefused(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(100)
	if err := f.db.ReleaseHold(f.ctx, f.s.actor, lot.ID, "x"); err == nil {
		t.Fatal("release of a lot that is not held succeeded")
	}
	// Put the lot on hold through a positive reading.
	r := importReadings(t, f, 70)
	if _, err := f.db.BindReading(f.ctx, f.s.actor, r[0], lot.Code); err != nil {
		t.Fatal(err)
	}
	tp := f.transformPane()
	scanInto(tp.scan, lot.Code)
	if len(tp.inputs) != 1 {
		t.Fatalf("held lot not listed: %s", f.s.lastMessage)
	}
	if !strings.Contains(objectTexts(tp.inputBox), tr("lot.hold")) {
		t.Errorf("held input not marked: %q", objectTexts(tp.inputBox))
	}
	tp.inputs[0].qty.SetText("10")
	tp.outputs[0].product.selectID(ids["product"])
	tp.outputs[0].qty.SetText("10")
	test.Tap(tp.save)
	if tp.last != nil || !strings.Contains(f.s.lastMessage, "扣留") {
		t.Errorf("held input: saved %v, message %q", tp.last != nil, f.s.lastMessage)
	}
}

// readingSeq numbers the test readings so every import is new (the store
// skips a record number it already has).
var readingSeq atomic.Int64

// importReadings imports one reading per inhibition rate and returns their
// ids in order.
func importReadings(t *testing.T, f *fixture, rates ...float64) []int64 {
	t.Helper()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	var in []store.ReadingInput
	for i, r := range rates {
		in = append(in, store.ReadingInput{Instrument: "lz4000t", SerialNo: "T1", RecordNo: "R" + strconv.FormatInt(readingSeq.Add(1), 10),
			TestedAt: at.Add(time.Duration(i) * time.Minute), SampleNo: string(rune('A' + i)), SampleName: "冰糖橙", Item: "有机磷", Rate: ptr(r)})
	}
	if _, _, err := f.db.ImportReadings(f.ctx, store.Actor{UserID: 1, Username: "admin", Role: store.RoleAdmin}, in); err != nil {
		t.Fatal(err)
	}
	pend, err := f.db.PendingReadings(f.ctx, store.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(rates))
	for _, want := range in {
		for _, p := range pend {
			if p.RecordNo == want.RecordNo {
				ids = append(ids, p.ID)
			}
		}
	}
	if len(ids) != len(rates) {
		t.Fatalf("imported %d readings, found %d pending", len(rates), len(ids))
	}
	return ids
}

// testPNG encodes a w×h image.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAttachmentsOnEnvTestAndBase(t *testing.T) {
	f, ids := loggedIn(t, "admin", "secret1")
	et, err := f.db.AddEnvTest(f.ctx, f.s.actor, store.EnvTest{BaseID: ids["base"], Kind: store.EnvSoil, TestedOn: f.s.today().AddDate(0, -1, 0),
		Lab: "玉溪市检测中心", ReportNo: "YX-1", Conclusion: store.EnvPass})
	if err != nil {
		t.Fatal(err)
	}
	rs := f.records()
	row, ok := rs.envTests.Row(0)
	if !ok || row.ID != et.ID {
		t.Fatalf("env test not listed: %+v", row)
	}
	rs.envTests.onSelect(row)
	av := f.s.lastRecord.attach
	if av == nil || av.add.Disabled() {
		t.Fatal("no attachments in the env test's record")
	}
	// The add button opens a file chooser.
	n := len(f.w.Canvas().Overlays().List())
	test.Tap(av.add)
	if len(f.w.Canvas().Overlays().List()) != n+1 {
		t.Error("add did not open the file chooser")
	}
	f.w.Canvas().Overlays().Remove(f.w.Canvas().Overlays().Top())

	cases := []struct {
		name     string
		data     []byte
		ok       bool
		wantText string // in the message when refused
	}{
		{"土壤报告.png", testPNG(t, 64, 40), true, ""},
		{"报告.PDF", []byte("%PDF-1.4\n%%EOF\n"), true, ""},
		{"报告.docx", []byte("PK\x03\x04"), false, "报告.docx"},
		{"假照片.jpg", []byte("%PDF-1.4\n"), false, "JPEG"},
		{"空.png", nil, false, "10 MB"},
	}
	for _, c := range cases {
		_, err := av.attach(c.name, c.data)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.name, err)
		}
		if !c.ok && !strings.Contains(f.s.lastMessage, c.wantText) {
			t.Errorf("%s: message %q lacks %q", c.name, f.s.lastMessage, c.wantText)
		}
	}
	if av.list.Len() != 2 {
		t.Fatalf("attachments listed: %d", av.list.Len())
	}
	// Tapping the photo shows it at its size.
	for i := 0; i < av.list.Len(); i++ {
		a, _ := av.list.Row(i)
		if a.MIME == "image/png" {
			av.list.onSelect(a)
		}
	}
	if av.viewer == nil || av.viewer.Image == nil || av.viewer.Image.Bounds().Dx() != 64 || av.viewer.Image.Bounds().Dy() != 40 {
		t.Fatalf("viewer = %+v", av.viewer)
	}
	if !strings.Contains(overlayTexts(f.w), "64×40") {
		t.Errorf("viewer caption: %q", overlayTexts(f.w))
	}
	closeOverlays(f.w)
	stored, err := f.db.ListAttachments(f.ctx, store.ListQuery{}, "env_tests:"+itoa(et.ID))
	if err != nil || len(stored) != 2 {
		t.Fatalf("stored = %+v %v", stored, err)
	}

	// Bases: the record dialog in Site setup has the same view.
	f.s.Show("site")
	ss := f.s.screen.(*siteScreen)
	b, _ := ss.bases.Row(0)
	ss.bases.onSelect(b)
	if f.s.lastRecord.attach == nil {
		t.Fatal("no attachments for a base")
	}
	if _, err := f.s.lastRecord.attach.attach("基地.png", testPNG(t, 8, 8)); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.db.CountAttachments(f.ctx, store.ListQuery{}, "bases:"+itoa(b.ID)); n != 1 {
		t.Errorf("base attachments = %d", n)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// objectTexts joins the texts of every label under o.
func objectTexts(o fyne.CanvasObject) string {
	var sb strings.Builder
	for _, obj := range test.LaidOutObjects(o) {
		switch l := obj.(type) {
		case *widget.Label:
			sb.WriteString(l.Text + "\n")
		case *widgets.StatusPill:
			sb.WriteString(l.Text + "\n")
		}
	}
	return sb.String()
}
