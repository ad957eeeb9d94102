package export

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
	"suyuan/store/importer"
)

var testStart = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

func openAt(t testing.TB, path string) *store.DB {
	t.Helper()
	var n atomic.Int64
	db, err := store.Open(context.Background(), path, store.WithClock(func() time.Time { return testStart.Add(time.Duration(n.Add(1)) * time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// demoStore is a citrus demo store (a year of records) in a temp dir.
func demoStore(t testing.TB) *store.DB {
	t.Helper()
	db := openAt(t, filepath.Join(t.TempDir(), "suyuan.db"))
	if _, err := demo.Generate(context.Background(), db, demo.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return db
}

func exportString(t testing.TB, db *store.DB, kind string, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := WriteKind(context.Background(), db, kind, &b, opt); err != nil {
		t.Fatalf("export %s: %v", kind, err)
	}
	return b.String()
}

// roundTripKinds are the template kinds in the order an empty store takes
// them: master data, then the records that refer to it.
// Shipments come last and only in part: a sale of a packed box refers to a
// lot made by a transformation, and transformations have no import
// template, and a lot released by a lab re-test stays on hold after an
// import (the template has no re-test column), so the test keeps the other
// sales.
var roundTripKinds = []string{"bases", "plots", "products", "materials", "purchases", "applications", "env-tests", "harvests", "receipts", "inspections", "shipments"}

// TestRoundTripThroughImporter exports every template kind of a demo store
// (CSV and XLSX, Chinese and English headers and words), imports the files into an empty store with the importer,
// and compares: the new store's export of each kind is the same, byte for
// byte, so the records are the same.
func TestRoundTripThroughImporter(t *testing.T) {
	ctx := context.Background()
	src := demoStore(t)
	addFormulaLikeValues(t, src)
	for _, run := range []struct{ format, lang string }{{"csv", "zh"}, {"xlsx", "zh"}, {"csv", "en"}, {"xlsx", "en"}} {
		format := run.format
		t.Run(format+"-"+run.lang, func(t *testing.T) {
			dst := openAt(t, filepath.Join(t.TempDir(), "suyuan.db"))
			u, err := dst.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass"})
			if err != nil {
				t.Fatal(err)
			}
			admin := store.Actor{UserID: u.ID, Username: "admin", Role: store.RoleAdmin}
			ent, err := src.GetEntity(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ent.ID = 0
			if _, err := dst.SaveEntity(ctx, admin, ent); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, kind := range roundTripKinds {
				path := filepath.Join(dir, kind+Ext(format))
				res, err := ExportKind(ctx, src, kind, path, Options{Format: format, Lang: run.lang})
				if err != nil {
					t.Fatal(err)
				}
				if res.Rows == 0 {
					t.Fatalf("%s: the demo store exported no rows", kind)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if kind == "shipments" {
					if format == "xlsx" {
						continue // the CSV run covers the kind
					}
					data = []byte(withoutTransformedLots(t, src, string(data)))
				}
				// No --kind: the importer must recognise the kind itself.
				ir, err := importer.Import(ctx, dst, admin, path, data, importer.Options{})
				if err != nil {
					t.Fatalf("import %s: %s", kind, msgOf(err))
				}
				if string(ir.Kind) != kind || (ir.Rows != res.Rows && kind != "shipments") || ir.Rows == 0 {
					t.Fatalf("import %s: kind %s, %d rows; exported %d", kind, ir.Kind, ir.Rows, res.Rows)
				}
			}
			for _, kind := range roundTripKinds {
				want, got := exportString(t, src, kind, Options{}), exportString(t, dst, kind, Options{})
				if kind == "shipments" {
					if format == "xlsx" {
						continue
					}
					want = withoutTransformedLots(t, src, want)
				}
				if want != got {
					t.Errorf("%s differs after the round trip:\n%s", kind, firstDiff(want, got))
				}
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\r\n"), strings.Split(b, "\r\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  exported: " + x + "\n  imported: " + y
		}
	}
	return ""
}

func msgOf(err error) string {
	var um interface{ UserMessage(string) string }
	var re *importer.RowErrors
	if errors.As(err, &re) {
		var b strings.Builder
		for _, e := range re.Errors {
			b.WriteString(e.Message("en") + "\n")
		}
		return b.String()
	}
	if errors.As(err, &um) {
		return um.UserMessage("en")
	}
	return err.Error()
}

// addFormulaLikeValues adds a pesticide whose manufacturer and notes start
// like formulas (kept as entered; exported quoted by cellsafe), one of them
// with a quote of its own, so the round trip proves the importer takes the
// export's quote off again and nothing else. The demo's label toxicities
// with the technical-grade class in brackets ("低毒(原药高毒)") go through
// the round trip as they are.
func addFormulaLikeValues(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	actor, err := db.Login(ctx, demo.User, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Reader().QueryRow("SELECT count(*) FROM materials WHERE instr(toxicity, '(') > 0 OR instr(toxicity, '（') > 0").Scan(&n); err != nil || n == 0 {
		t.Fatalf("the demo has no bracketed label toxicity to carry through (%d, %v)", n, err)
	}
	phi := 7
	if _, err := db.AddMaterial(ctx, actor, store.Material{Kind: store.MaterialPesticide, Name: "公式测试乳油", RegNo: "PD20990001",
		ActiveIngredients: []string{"阿维菌素"}, Toxicity: "低毒(原药高毒)", PHIDays: &phi,
		Manufacturer: `=HYPERLINK("http://example.invalid","点我")`, Formulation: "'=引号在前"}); err != nil {
		t.Fatal(err)
	}
}

// withoutTransformedLots drops the CSV rows whose first cell is the code of
// a lot made by a transformation, or of a lot whose hold a lab re-test
// released: the inspections template has no "re-test of" column, so an
// imported re-test does not release the hold (an importer gap, reported).
func withoutTransformedLots(t *testing.T, db *store.DB, csvText string) string {
	t.Helper()
	rows, err := db.Reader().Query(`SELECT code FROM lots WHERE source = 'transform'
		UNION SELECT l.code FROM lots l JOIN inspections i ON i.lot_id = l.id WHERE i.retest_of IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	skip := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		skip[c] = true
	}
	var out []string
	dropped := 0
	for _, line := range strings.SplitAfter(csvText, "\r\n") {
		if code, _, _ := strings.Cut(line, ","); skip[code] {
			dropped++
			continue
		}
		out = append(out, line)
	}
	if dropped == 0 {
		t.Fatal("no sale of a packed lot in the demo store: the filter is no longer needed")
	}
	return strings.Join(out, "")
}
