package importer

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestTemplatesDoNotWriteFormulas: a text value that starts like a formula
// is written to CSV and XLSX with the quote prefix (and as a string cell
// without a formula in XLSX); a negative number in a numeric column stays
// a number.
func TestTemplatesDoNotWriteFormulas(t *testing.T) {
	const evil = `=HYPERLINK("http://evil.example/","点我")`
	spec := Spec{Kind: "x", Zh: "测试", En: "test", Fields: []Field{
		{Key: "a", Zh: "名称", En: "name", Type: TypeText, Example: "冰糖橙"},
		{Key: "b", Zh: "供应商", En: "supplier", Type: TypeText, Example: evil},
		{Key: "c", Zh: "@备注", En: "@note", Type: TypeText, Example: "+86 138"},
		{Key: "d", Zh: "温度", En: "temperature", Type: TypeNumber, Example: "-5"},
	}}
	var buf bytes.Buffer
	if err := WriteTemplateCSV(&buf, spec, "zh"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[1][1]; got != "'"+evil {
		t.Errorf("CSV text cell = %q, want the quote-prefixed value", got)
	}
	if got := recs[1][2]; got != "'+86 138" {
		t.Errorf("CSV text cell = %q", got)
	}
	if got := recs[0][2]; got != "'@备注" {
		t.Errorf("CSV header = %q", got)
	}
	if got := recs[1][3]; got != "-5" {
		t.Errorf("CSV numeric cell = %q, want -5 unchanged", got)
	}

	buf.Reset()
	if err := WriteTemplateXLSX(&buf, spec, "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct{ cell, want string }{{"B2", "'" + evil}, {"C2", "'+86 138"}, {"C1", "'@备注"}, {"D2", "-5"}} {
		formula, err := f.GetCellFormula(spec.Zh, c.cell)
		if err != nil || formula != "" {
			t.Errorf("%s has formula %q (%v)", c.cell, formula, err)
		}
		typ, err := f.GetCellType(spec.Zh, c.cell)
		if err != nil || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
			t.Errorf("%s is of type %v, want a string cell (%v)", c.cell, typ, err)
		}
		v, _ := f.GetCellValue(spec.Zh, c.cell)
		if v != c.want {
			t.Errorf("%s = %q, want %q", c.cell, v, c.want)
		}
	}
}
