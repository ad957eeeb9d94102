package epcis

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"suyuan/store"
)

func userMsg(err error, lang string) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(lang)
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func timeParseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func count(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportGeneratedStoreValidates(t *testing.T) {
	s := newSite(t)
	s.generate(t, 300)
	validate := testSchema(t)
	b, d := exportJSON(t, s.db, Options{})
	if err := validate(b); err != nil {
		t.Fatalf("export does not validate: %v", err)
	}
	by := map[string]int{}
	for _, ev := range d.EPCISBody.EventList {
		by[ev.Type+" "+ev.BizStep]++
	}
	want := map[string]int{
		"ObjectEvent commissioning":       count(t, s.db, "SELECT count(*) FROM lots WHERE source='harvest'"),
		"TransformationEvent repackaging": count(t, s.db, "SELECT count(*) FROM transformations WHERE kind IN ('merge','split')"),
		"TransformationEvent packing":     count(t, s.db, "SELECT count(*) FROM transformations WHERE kind='packing'"),
		"ObjectEvent inspecting":          count(t, s.db, "SELECT count(*) FROM inspections"),
		"ObjectEvent shipping":            count(t, s.db, "SELECT count(*) FROM shipments"),
		"ObjectEvent receiving":           count(t, s.db, "SELECT count(*) FROM receipts"),
		"ObjectEvent destroying":          1,
		"ObjectEvent holding":             count(t, s.db, "SELECT count(*) FROM journal WHERE kind IN ('lots.hold','lots.release')"),
	}
	for k, n := range want {
		if n == 0 || by[k] != n {
			t.Errorf("%s: %d events, want %d (>0)", k, by[k], n)
		}
	}
	for _, ev := range d.EPCISBody.EventList {
		if ev.Type != "TransformationEvent" {
			continue
		}
		switch ev.Ext["suyuan:kind"] {
		case "merge":
			if len(ev.InputQuantityList) != 2 || len(ev.OutputQuantityList) != 1 || *ev.InputQuantityList[0].Quantity != 100 || ev.InputQuantityList[0].UOM != "KGM" {
				b, _ := json.Marshal(ev)
				t.Fatalf("merge event %s", b)
			}
		case "packing":
			if ev.OutputQuantityList[0].UOM != "XBX" || *ev.OutputQuantityList[0].Quantity != 20 {
				b, _ := json.Marshal(ev)
				t.Fatalf("packing event %s", b)
			}
		}
	}
	t.Logf("%d events, %d bytes", len(d.EPCISBody.EventList), len(b))

	// One lot's export: valid, and every event names the lot.
	var code string
	s.db.Reader().QueryRow("SELECT l.code FROM lots l JOIN transformation_inputs ti ON ti.lot_id = l.id LIMIT 1").Scan(&code)
	lb, ld := exportJSON(t, s.db, Options{LotCode: strings.ToLower(code)})
	if err := validate(lb); err != nil {
		t.Fatal(err)
	}
	if len(ld.EPCISBody.EventList) < 2 {
		t.Fatalf("lot %s: %d events", code, len(ld.EPCISBody.EventList))
	}
	for _, ev := range ld.EPCISBody.EventList {
		if eb, _ := json.Marshal(ev); !strings.Contains(string(eb), code) {
			t.Errorf("lot export of %s has an event without it: %s", code, eb)
		}
	}
}

func TestExportDateRangeAndVoid(t *testing.T) {
	s := newSite(t)
	s.generate(t, 40)
	ctx := context.Background()
	var sid int64
	s.db.Reader().QueryRow("SELECT min(id) FROM shipments").Scan(&sid)
	if err := s.db.VoidShipment(ctx, s.admin, sid, "录错了买方"); err != nil {
		t.Fatal(err)
	}
	from, to := testStart.AddDate(0, -3, -3), testStart.AddDate(0, -3, 0) // 2026-08-25..28: before any record
	_, d := exportJSON(t, s.db, Options{From: from, To: to})
	if n := len(d.EPCISBody.EventList); n != 0 {
		t.Fatalf("%d events before the first record", n)
	}
	day := "2026-09-05"
	dt, _ := timeParseDay(day)
	b, d := exportJSON(t, s.db, Options{From: dt, To: dt})
	if err := testSchema(t)(b); err != nil {
		t.Fatal(err)
	}
	if len(d.EPCISBody.EventList) == 0 {
		t.Fatal("no events on " + day)
	}
	for _, ev := range d.EPCISBody.EventList {
		if !strings.HasPrefix(ev.EventTime, day) {
			t.Errorf("event at %s in the export of %s", ev.EventTime, day)
		}
	}
	_, all := exportJSON(t, s.db, Options{})
	voided := 0
	for _, ev := range all.EPCISBody.EventList {
		if ev.ErrorDeclaration != nil {
			voided++
			if ev.BizStep != "shipping" || ev.ErrorDeclaration.Reason != "incorrect_data" || ev.ErrorDeclaration.VoidReason != "录错了买方" {
				t.Errorf("error declaration %+v on %s", ev.ErrorDeclaration, ev.BizStep)
			}
		}
	}
	if voided != 1 {
		t.Errorf("%d events with an errorDeclaration, want the voided shipment", voided)
	}
}

func TestExportDigitalLink(t *testing.T) {
	s := newSite(t)
	s.generate(t, 10)
	ctx := context.Background()
	set := func(k, v string) {
		if err := s.db.SetSetting(ctx, s.admin, k, v); err != nil {
			t.Fatal(err)
		}
	}
	set(SettingGS1Prefix, "6901234")
	set(SettingGTINPrefix+itoa(s.orange.ID), "6901234567892")
	b, d := exportJSON(t, s.db, Options{})
	if err := testSchema(t)(b); err != nil {
		t.Fatal(err)
	}
	dl, trace := 0, 0
	for _, ev := range d.EPCISBody.EventList {
		for _, q := range append(ev.QuantityList, ev.InputQuantityList...) {
			switch {
			case strings.HasPrefix(q.EPCClass, "https://id.gs1.org/01/06901234567892/10/XPJS01-"):
				dl++
			case strings.HasPrefix(q.EPCClass, "https://trace.example.cn/t/"):
				trace++
			default:
				t.Errorf("epcClass %s", q.EPCClass)
			}
		}
	}
	if dl == 0 || trace == 0 {
		t.Errorf("%d Digital Link and %d trace URL classes; want both (orange has a GTIN, boxes and receipts do not)", dl, trace)
	}
	set(SettingGTINPrefix+itoa(s.orange.ID), "6901234567893") // wrong check digit
	_, err := Export(ctx, s.db, Options{})
	if store.ErrorCode(err) != store.CodeInvalid || !strings.Contains(userMsg(err, "en"), "check digit") {
		t.Fatalf("bad GTIN: %v", err)
	}
}

func TestNormalizeGTIN(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"6901234567892", "06901234567892", true},
		{"09520123456788", "09520123456788", true},
		{"96385074", "00000096385074", true},
		{"614141000036", "00614141000036", true},
		{"6901234567893", "", false},
		{"690123456789", "", false},
		{"69012345678a2", "", false},
	} {
		got, err := NormalizeGTIN(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("NormalizeGTIN(%q) = %q, %v", c.in, got, err)
		}
	}
}

// partnerDoc is an upstream partner's export: its shipments are our goods in.
func partnerDoc(t *testing.T) ([]byte, int) {
	t.Helper()
	up := newSite(t)
	up.generate(t, 12)
	b, d := exportJSON(t, up.db, Options{})
	n := 0
	for _, ev := range d.EPCISBody.EventList {
		if ev.BizStep == "shipping" && ev.Disposition == "in_transit" {
			n += len(ev.QuantityList) + len(ev.EPCList)
		}
	}
	return b, n
}

func TestImportPartnerDocument(t *testing.T) {
	doc, items := partnerDoc(t)
	s := newSite(t)
	ctx := context.Background()
	res, err := Import(ctx, s.db, s.admin, doc, ImportOptions{ProductID: s.received.ID})
	if err != nil {
		t.Fatal(userMsg(err, "en"))
	}
	if res.Received != items || res.Already != 0 || len(res.Lots) != items || res.Ignored == 0 {
		t.Fatalf("result %+v, want %d receipts", res, items)
	}
	if n := count(t, s.db, "SELECT count(*) FROM receipts"); n != items {
		t.Fatalf("%d receipts", n)
	}
	// The supplier is the partner's USCC party URI; the code its trace URL.
	var sup, up, unit string
	s.db.Reader().QueryRow("SELECT r.supplier_name, r.upstream_code, l.unit FROM receipts r JOIN lots l ON l.id = r.lot_id ORDER BY r.id LIMIT 1").Scan(&sup, &up, &unit)
	if !strings.HasSuffix(sup, "/party/"+testUSCC(t, "93530427MA6N3K7Q1")) || !strings.HasPrefix(up, "HTTPS://TRACE.EXAMPLE.CN/T/XPJS01-") || unit != "kg" {
		t.Errorf("receipt supplier %q code %q unit %q", sup, up, unit)
	}
	// The same document again adds nothing.
	res2, err := Import(ctx, s.db, s.admin, doc, ImportOptions{ProductID: s.received.ID})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Received != 0 || res2.Already != items {
		t.Fatalf("second import %+v", res2)
	}
	if n := count(t, s.db, "SELECT count(*) FROM receipts"); n != items {
		t.Fatalf("%d receipts after the second import", n)
	}
	// And what we received exports as receiving events, still valid.
	b, _ := exportJSON(t, s.db, Options{})
	if err := testSchema(t)(b); err != nil {
		t.Fatal(err)
	}
	rep, err := s.db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after import: %v %+v", err, rep)
	}
}

func TestImportRefusals(t *testing.T) {
	ex, err := os.ReadFile(filepath.Join("testdata", "Example_9.6.1-ObjectEvent.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(ev []any)) []byte {
		var d map[string]any
		if err := json.Unmarshal(ex, &d); err != nil {
			t.Fatal(err)
		}
		f(d["epcisBody"].(map[string]any)["eventList"].([]any))
		b, _ := json.Marshal(d)
		return b
	}
	ev := func(evs []any, i int) map[string]any { return evs[i].(map[string]any) }
	cases := []struct {
		name string
		doc  []byte
		opt  ImportOptions
		code store.Code
		want []string // in the en message
	}{
		{"schema", mutate(func(e []any) { ev(e, 1)["bizStep"] = "收货" }), ImportOptions{Supplier: "某合作社"}, "", []string{"/epcisBody/eventList/1/bizStep", "收货"}},
		{"not json", []byte(`{"type":`), ImportOptions{}, store.CodeInvalid, []string{"not valid JSON"}},
		{"no supplier", ex, ImportOptions{}, "", []string{"event 1", "/epcisBody/eventList/0", "supplier"}},
		// Event 1 is fine and is written first; event 2's future day is
		// refused by the store, and event 1's receipts must go too.
		{"future day after a good event", mutate(func(e []any) {
			ev(e, 1)["bizStep"], ev(e, 1)["disposition"] = "shipping", "in_transit"
			ev(e, 1)["eventTime"], ev(e, 1)["eventTimeZoneOffset"] = "2027-04-04T10:00:00+08:00", "+08:00"
		}), ImportOptions{Supplier: "某合作社"}, store.CodeInvalid, []string{"event 2", "2027-04-04"}},
		{"unknown uom", mutate(func(e []any) {
			ev(e, 0)["quantityList"] = []any{map[string]any{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 3, "uom": "MTR"}}
		}), ImportOptions{Supplier: "某合作社"}, "", []string{"MTR", "event 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t)
			c.opt.ProductID = s.received.ID
			_, err := Import(context.Background(), s.db, s.admin, c.doc, c.opt)
			if err == nil {
				t.Fatal("imported")
			}
			if c.code != "" && store.ErrorCode(err) != c.code {
				t.Errorf("code %q, want %q (%v)", store.ErrorCode(err), c.code, err)
			}
			for _, lang := range []string{"zh", "en"} {
				m := userMsg(err, lang)
				if m == "" || strings.Contains(m, "internal error") || strings.Contains(m, "内部错误") {
					t.Errorf("%s message %q", lang, m)
				}
			}
			en := userMsg(err, "en")
			for _, w := range c.want {
				if !strings.Contains(en, w) {
					t.Errorf("message %q lacks %q", en, w)
				}
			}
			if n := count(t, s.db, "SELECT count(*) FROM receipts"); n != 0 {
				t.Errorf("%d receipts half-saved", n)
			}
			if n := count(t, s.db, "SELECT count(*) FROM lots"); n != 0 {
				t.Errorf("%d lots half-saved", n)
			}
		})
	}
	var se *SchemaError
	if err := Validate(cases[0].doc); !errors.As(err, &se) {
		t.Fatalf("schema case is not a schema error: %v", err)
	}
}

// The GS1 example's shipping event imports (epcList: one piece each); its
// receiving event is the partner's own goods-in and is not ours.
func TestImportStandardExample(t *testing.T) {
	ex, err := os.ReadFile(filepath.Join("testdata", "Example_9.6.1-ObjectEvent.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t)
	res, err := Import(context.Background(), s.db, s.admin, ex, ImportOptions{ProductID: s.received.ID, Supplier: "上游合作社"})
	if err != nil {
		t.Fatal(userMsg(err, "en"))
	}
	if res.Received != 2 || res.Events != 2 || res.Ignored != 1 {
		t.Fatalf("%+v", res)
	}
	var unit string
	var q float64
	s.db.Reader().QueryRow("SELECT quantity, unit FROM lots ORDER BY id LIMIT 1").Scan(&q, &unit)
	if q != 1 || unit != "件" {
		t.Errorf("lot %v %s", q, unit)
	}
}

// Event IDs come from the journal: later records, and voids, leave the
// IDs of earlier events as they were; holds fall in the day they were made.
func TestEventIDsStableAndHoldDays(t *testing.T) {
	s := newSite(t)
	s.generate(t, 20)
	ctx := context.Background()
	_, before := exportJSON(t, s.db, Options{})
	var lotID int64
	s.db.Reader().QueryRow("SELECT id FROM lots WHERE source = 'harvest' AND hold = 0 ORDER BY id LIMIT 1").Scan(&lotID)
	sh, err := s.db.Ship(ctx, s.admin, store.ShipInput{LotID: lotID, BuyerName: "新平县某超市", BuyerType: "market", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.VoidShipment(ctx, s.admin, sh.ID, "数量录错"); err != nil {
		t.Fatal(err)
	}
	_, after := exportJSON(t, s.db, Options{})
	ids := map[string]bool{}
	for _, ev := range after.EPCISBody.EventList {
		ids[ev.EventID] = true
	}
	for _, ev := range before.EPCISBody.EventList {
		if !ids[ev.EventID] {
			t.Errorf("event %s (%s) gone after a new record", ev.EventID, ev.BizStep)
		}
	}
	if len(after.EPCISBody.EventList) != len(before.EPCISBody.EventList)+1 {
		t.Errorf("%d events after one more shipment, had %d", len(after.EPCISBody.EventList), len(before.EPCISBody.EventList))
	}
	// The hold and the disposal were recorded at the store clock's day.
	day := testStart.In(siteZone)
	_, d := exportJSON(t, s.db, Options{From: day, To: day})
	holds := 0
	for _, ev := range d.EPCISBody.EventList {
		if ev.BizStep == "holding" {
			holds++
		}
	}
	if want := count(t, s.db, "SELECT count(*) FROM journal WHERE kind IN ('lots.hold','lots.release')"); holds != want || holds == 0 {
		t.Errorf("%d holding events on %s, want %d", holds, day.Format(time.DateOnly), want)
	}
}

// Two imports of the same document at once (two PCs, one store): the keys
// are read under the write lock, so the receipts land once.
func TestImportConcurrentOnce(t *testing.T) {
	doc, items := partnerDoc(t)
	s := newSite(t)
	ctx := context.Background()
	errs := make(chan error, 2)
	results := make(chan ImportResult, 2)
	for range 2 {
		go func() {
			r, err := Import(ctx, s.db, s.admin, doc, ImportOptions{ProductID: s.received.ID})
			results <- r
			errs <- err
		}()
	}
	got := 0
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		got += (<-results).Received
	}
	if got != items {
		t.Errorf("the two imports added %d receipts together, want %d", got, items)
	}
	if n := count(t, s.db, "SELECT count(*) FROM receipts"); n != items {
		t.Errorf("%d receipts, want %d", n, items)
	}
}
