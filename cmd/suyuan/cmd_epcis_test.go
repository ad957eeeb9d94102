package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"suyuan/app/label"
	"suyuan/store"
	"suyuan/store/epcis"
	"suyuan/store/rules"
)

func TestEPCISDefaultTraceURLMatchesLabels(t *testing.T) {
	if epcis.DefaultURLTemplate != label.DefaultURLTemplate {
		t.Fatalf("epcis uses %q, labels print %q", epcis.DefaultURLTemplate, label.DefaultURLTemplate)
	}
}

func TestEPCISHelp(t *testing.T) {
	for _, c := range []string{"export", "import"} {
		code, out, errs := cli(t, t.TempDir(), "", "epcis", c, "-h")
		if code != 0 || !strings.Contains(out+errs, "usage: suyuan epcis "+c) {
			t.Errorf("epcis %s -h: %d %q %q", c, code, out, errs)
		}
	}
}

// receivingSite is a store with an admin, a site profile and one product,
// set up through the store API (there is no CLI for the site profile).
func receivingSite(t *testing.T) string {
	t.Helper()
	dir := initAdmin(t)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := rules.USCCCheckChar("93530427MA6N3K7Q1")
	if _, err := db.SaveEntity(ctx, a, store.Entity{Name: "平甸收购点", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: "93530427MA6N3K7Q1" + string(c), DivisionCode: "530427", SiteCode: "PDSG01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddProduct(ctx, a, store.Product{Name: "收购冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEPCISExportImportCLI(t *testing.T) {
	up := t.TempDir()
	if code, out, errs := cli(t, up, "", "demo", "--seed", "2"); code != 0 {
		t.Fatalf("demo: %d %q %q", code, out, errs)
	}
	file := filepath.Join(t.TempDir(), "出货.jsonld")
	code, out, errs := cli(t, up, "", "--lang", "en", "epcis", "export", "--out", file)
	if code != 0 || !strings.Contains(out, "exported") {
		t.Fatalf("export: %d %q %q", code, out, errs)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := epcis.Validate(data); err != nil {
		t.Fatalf("exported file: %v", err)
	}
	var doc epcis.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ships := 0
	for _, ev := range doc.EPCISBody.EventList {
		if ev.BizStep == "shipping" && ev.Disposition == "in_transit" {
			ships += len(ev.QuantityList)
		}
	}
	if ships == 0 {
		t.Fatal("no shipments in the demo export")
	}

	// One lot to stdout, and a day range.
	lot := dbString(t, up, "SELECT l.code FROM lots l JOIN shipments s ON s.lot_id = l.id ORDER BY l.id LIMIT 1")
	code, out, errs = cli(t, up, "", "epcis", "export", "--lot", lot)
	if code != 0 || !strings.Contains(out, lot) || epcis.Validate([]byte(out)) != nil {
		t.Fatalf("export --lot: %d %q", code, errs)
	}
	if code, _, errs := cli(t, up, "", "epcis", "export", "--from", "2026-13-01"); code == 0 || !strings.Contains(errs, "2026-13-01") {
		t.Fatalf("bad --from: %d %q", code, errs)
	}
	if code, _, errs := cli(t, up, "", "epcis", "export", "--from", "2026-11-02", "--to", "2026-11-01"); code == 0 || !strings.Contains(errs, "--to") {
		t.Fatalf("--to before --from: %d %q", code, errs)
	}

	// The buyer imports it: receipts for every shipped quantity, once.
	down := receivingSite(t)
	if code, _, errs := cli(t, down, "", "epcis", "import", file); code == 0 || !strings.Contains(errs, "--user") {
		t.Fatalf("import without --user: %d %q", code, errs)
	}
	code, out, errs = cli(t, down, "", "--user", "admin", "epcis", "import", file)
	if code != 0 || !strings.Contains(out, "新增收货") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if n := dbCount(t, down, "SELECT count(*) FROM receipts"); n != ships {
		t.Fatalf("%d receipts for %d shipped quantities", n, ships)
	}
	code, out, errs = cli(t, down, "", "--user", "admin", "--lang", "en", "epcis", "import", file)
	if code != 0 || !strings.Contains(out, " 0 receipt(s) added") {
		t.Fatalf("second import: %d %q %q", code, out, errs)
	}
	if n := dbCount(t, down, "SELECT count(*) FROM receipts"); n != ships {
		t.Fatalf("%d receipts after the second import", n)
	}

	// With a GS1 prefix and a GTIN, the received lots go out as Digital Link URIs.
	if code, out, _ := cli(t, down, "", "epcis", "gs1"); code != 0 || !strings.Contains(out, "未设置") {
		t.Fatalf("gs1 show: %d %q", code, out)
	}
	if code, _, errs := cli(t, down, "", "--user", "admin", "epcis", "gs1", "--prefix", "69O1234"); code == 0 || !strings.Contains(errs, "6到12位数字") {
		t.Fatalf("bad prefix: %d %q", code, errs)
	}
	if code, _, errs := cli(t, down, "", "--user", "admin", "epcis", "gs1", "--prefix", "6901234"); code != 0 {
		t.Fatalf("prefix: %d %q", code, errs)
	}
	if code, _, errs := cli(t, down, "", "--user", "admin", "--lang", "en", "epcis", "gs1", "--product", "收购冰糖橙", "--gtin", "6901234567893"); code == 0 || !strings.Contains(errs, "check digit") {
		t.Fatalf("bad gtin: %d %q", code, errs)
	}
	if code, _, errs := cli(t, down, "", "--user", "admin", "epcis", "gs1", "--product", "收购冰糖橙", "--gtin", "6901235000008"); code == 0 || !strings.Contains(errs, "6901234") {
		t.Fatalf("gtin of another prefix: %d %q", code, errs)
	}
	code, out, errs = cli(t, down, "", "--user", "admin", "epcis", "gs1", "--product", "收购冰糖橙", "--gtin", "6901234567892")
	if code != 0 || !strings.Contains(out, "GTIN 06901234567892") {
		t.Fatalf("gtin: %d %q %q", code, out, errs)
	}
	code, out, errs = cli(t, down, "", "epcis", "export")
	if code != 0 || !strings.Contains(out, `"https://id.gs1.org/01/06901234567892/10/PDSG01-`) || epcis.Validate([]byte(out)) != nil {
		t.Fatalf("export with GTIN: %d %q", code, errs)
	}

	// A file that fails the schema is refused in words, nothing saved.
	broken := strings.Replace(string(data), `"bizStep": "shipping"`, `"bizStep": "发货"`, 1)
	bad := writeFile(t, filepath.Join(t.TempDir(), "bad.jsonld"), []byte(broken))
	down2 := receivingSite(t)
	code, _, errs = cli(t, down2, "", "--user", "admin", "epcis", "import", bad)
	if code == 0 || !strings.Contains(errs, "/epcisBody/eventList/") || !strings.Contains(errs, "发货") || !strings.Contains(errs, "未导入任何内容") {
		t.Fatalf("broken import: %d %q", code, errs)
	}
	if n := dbCount(t, down2, "SELECT count(*) FROM receipts"); n != 0 {
		t.Fatalf("%d receipts from a refused file", n)
	}
	if code, _, errs := cli(t, down2, "", "--user", "admin", "epcis", "import", file, "--product", "没有这个产品"); code == 0 || !strings.Contains(errs, "没有这个产品") {
		t.Fatalf("unknown product: %d %q", code, errs)
	}
}
