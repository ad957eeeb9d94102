package epcis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
)

var testStart = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *store.DB {
	t.Helper()
	var n atomic.Int64
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "suyuan.db"),
		store.WithClock(func() time.Time { return testStart.Add(time.Duration(n.Add(1)) * time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func demoStore(t testing.TB, profile string) *store.DB {
	t.Helper()
	db := openStore(t)
	if _, err := demo.Generate(context.Background(), db, demo.Options{Seed: 1, Profile: profile, Today: testStart}); err != nil {
		t.Fatal(err)
	}
	return db
}

// testSchema compiles the schema copy in testdata, so the tests check the
// standard's file and not only what the package embeds.
func testSchema(t testing.TB) func([]byte) error {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "EPCIS-JSON-Schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := CompileSchema(b)
	if err != nil {
		t.Fatal(err)
	}
	return func(doc []byte) error { return ValidateWith(s, doc) }
}

func exportJSON(t testing.TB, db *store.DB, opt Options) ([]byte, *Document) {
	t.Helper()
	d, err := Export(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b, d
}

func TestEmbeddedSchemaIsTestdataCopy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "EPCIS-JSON-Schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, officialSchema) {
		t.Fatal("EPCIS-JSON-Schema.json differs from testdata/EPCIS-JSON-Schema.json")
	}
}

// The standard's own examples validate: the validator is set up right
// (offline, the lookahead patterns, formats asserted).
func TestStandardExamplesValidate(t *testing.T) {
	validate := testSchema(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "Example_*.jsonld"))
	if len(files) < 3 {
		t.Fatalf("only %d examples in testdata", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := Validate(b); err != nil {
			t.Errorf("%s (embedded schema): %v", f, err)
		}
	}
}

// Broken documents fail, each with the place and the problem named.
func TestBrokenDocumentsFail(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "Example_9.6.1-ObjectEvent.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	type obj = map[string]any
	event := func(d obj, i int) obj { return d["epcisBody"].(obj)["eventList"].([]any)[i].(obj) }
	cases := []struct {
		name   string
		break_ func(d obj)
		ptr    string
		what   string // in both messages
	}{
		{"bad bizStep", func(d obj) { event(d, 0)["bizStep"] = "harvest" }, "/epcisBody/eventList/0/bizStep", "harvest"},
		{"no action", func(d obj) { delete(event(d, 0), "action") }, "/epcisBody/eventList/0", "action"},
		{"bad action", func(d obj) { event(d, 1)["action"] = "LOOK" }, "/epcisBody/eventList/1/action", "LOOK"},
		{"bad offset", func(d obj) { event(d, 0)["eventTimeZoneOffset"] = "6h" }, "/epcisBody/eventList/0/eventTimeZoneOffset", "6h"},
		{"bad time", func(d obj) { event(d, 0)["eventTime"] = "yesterday" }, "/epcisBody/eventList/0/eventTime", "yesterday"},
		{"text quantity", func(d obj) {
			event(d, 1)["quantityList"] = []any{obj{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": "200", "uom": "KGM"}}
		}, "/epcisBody/eventList/1/quantityList/0/quantity", "200"},
		{"bad uom", func(d obj) {
			event(d, 1)["quantityList"] = []any{obj{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200, "uom": "kg"}}
		}, "/epcisBody/eventList/1/quantityList/0/uom", "kg"},
		{"no schemaVersion", func(d obj) { delete(d, "schemaVersion") }, "/", "schemaVersion"},
		{"unprefixed extension", func(d obj) { event(d, 1)["myField"] = "x" }, "/epcisBody/eventList/1", "myField"},
		{"epc not a URI", func(d obj) { event(d, 0)["epcList"] = []any{"not a uri"} }, "/epcisBody/eventList/0/epcList/0", "not a uri"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d obj
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			c.break_(d)
			doc, _ := json.Marshal(d)
			err := Validate(doc)
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("want a SchemaError, got %v", err)
			}
			if se.Pointer != c.ptr {
				t.Errorf("pointer %q, want %q (%s)", se.Pointer, c.ptr, se.En)
			}
			for _, lang := range []string{"zh", "en"} {
				m := se.UserMessage(lang)
				if !strings.Contains(m, c.ptr) || !strings.Contains(m, c.what) {
					t.Errorf("%s message %q lacks %q or %q", lang, m, c.ptr, c.what)
				}
			}
		})
	}
	if err := Validate([]byte(`{"type": "EPCISDocument",`)); err == nil || store.ErrorCode(err) != store.CodeInvalid {
		t.Errorf("truncated JSON: %v", err)
	}
}

func TestExportDemoValidates(t *testing.T) {
	validate := testSchema(t)
	for _, profile := range []string{demo.ProfileCitrus, demo.ProfileTea} {
		t.Run(profile, func(t *testing.T) {
			db := demoStore(t, profile)
			b, d := exportJSON(t, db, Options{})
			if err := validate(b); err != nil {
				t.Fatalf("export does not validate: %v", err)
			}
			kinds := map[string]int{}
			ids := map[string]bool{}
			for _, ev := range d.EPCISBody.EventList {
				kinds[ev.Type+" "+ev.BizStep]++
				if ids[ev.EventID] {
					t.Errorf("eventID %s twice", ev.EventID)
				}
				ids[ev.EventID] = true
			}
			for _, k := range []string{"ObjectEvent commissioning", "ObjectEvent inspecting", "ObjectEvent shipping"} {
				if kinds[k] == 0 {
					t.Errorf("no %s event (have %v)", k, kinds)
				}
			}
			var lots int
			db.Reader().QueryRow("SELECT count(*) FROM lots WHERE source = 'harvest'").Scan(&lots)
			if kinds["ObjectEvent commissioning"] != lots {
				t.Errorf("%d commissioning events for %d harvest lots", kinds["ObjectEvent commissioning"], lots)
			}
			// Stable: a second export has the same events (creationDate aside).
			b2, _ := exportJSON(t, db, Options{Now: d.parsedNow(t)})
			if !bytes.Equal(b, b2) {
				t.Error("two exports of the same store differ")
			}
			t.Logf("%s: %d events, %d bytes, %v", profile, len(d.EPCISBody.EventList), len(b), kinds)
		})
	}
}

func (d *Document) parsedNow(t testing.TB) time.Time {
	n, err := time.Parse(time.RFC3339, d.CreationDate)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportEventShapes(t *testing.T) {
	db := demoStore(t, demo.ProfileCitrus)
	_, d := exportJSON(t, db, Options{})
	for _, ev := range d.EPCISBody.EventList {
		if ev.EventTimeZoneOffset != "+08:00" || !strings.HasSuffix(ev.EventTime, "+08:00") {
			t.Fatalf("event time %s %s", ev.EventTime, ev.EventTimeZoneOffset)
		}
		if !strings.HasPrefix(ev.EventID, "urn:uuid:") {
			t.Fatalf("event id %s", ev.EventID)
		}
		switch ev.BizStep {
		case "commissioning":
			if ev.Type == "ObjectEvent" && (ev.Action != "ADD" || ev.Disposition != "active" || ev.ReadPoint == nil || ev.BizLocation == nil ||
				len(ev.QuantityList) != 1 || ev.QuantityList[0].UOM == "" || !strings.HasPrefix(ev.QuantityList[0].EPCClass, "https://trace.example.cn/t/")) {
				b, _ := json.Marshal(ev)
				t.Fatalf("harvest event %s", b)
			}
		case "shipping":
			if ev.Disposition == "in_transit" && (len(ev.SourceList) == 0 || len(ev.DestinationList) == 0 || ev.DestinationList[0].Type != "owning_party") {
				b, _ := json.Marshal(ev)
				t.Fatalf("shipping event %s", b)
			}
		case "inspecting":
			if ev.Disposition != "conformant" && ev.Disposition != "non_conformant" && ev.Disposition != "unknown" {
				t.Fatalf("inspection disposition %s", ev.Disposition)
			}
		}
	}
}

func TestExportWithoutSiteProfile(t *testing.T) {
	db := openStore(t)
	_, err := Export(context.Background(), db, Options{})
	var um interface{ UserMessage(string) string }
	if store.ErrorCode(err) != store.CodeInvalid || !errors.As(err, &um) || !strings.Contains(um.UserMessage("zh"), "主体信息") {
		t.Fatalf("export of an empty store: %v", err)
	}
}

func TestExportUnknownLot(t *testing.T) {
	s := newSite(t)
	_, err := Export(context.Background(), s.db, Options{LotCode: "XPJS01-261128-0001-Q"})
	if !store.IsNotFound(err) {
		t.Fatalf("unknown lot: %v", err)
	}
}
