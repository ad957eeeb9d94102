package importer

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// checkTable runs a parsed table through every kind's column mapping and row
// typing: nothing may panic, and every row error must name a row that is in
// the table.
func checkTable(t *testing.T, tb *Table, err error) {
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || fe.UserMessage("zh") == "" || fe.UserMessage("en") == "" {
			t.Fatalf("parse error is not a FileError with both languages: %T %v", err, err)
		}
		return
	}
	rows := map[int]bool{}
	for _, r := range tb.Rows {
		if r.Num <= tb.HeaderAt {
			t.Fatalf("row %d is not after the header (%d)", r.Num, tb.HeaderAt)
		}
		rows[r.Num] = true
	}
	for _, spec := range Specs {
		idx, err := columns(spec, tb.Header)
		if err != nil {
			continue
		}
		errs := &RowErrors{File: "fuzz"}
		recs, _ := records(spec, tb, idx, errs)
		for _, e := range errs.Errors {
			if !rows[e.Row] || e.Zh == "" || e.En == "" {
				t.Fatalf("%s: bad row error %+v", spec.Kind, e)
			}
		}
		for _, r := range recs {
			if !rows[r.line] {
				t.Fatalf("%s: record of unknown row %d", spec.Kind, r.line)
			}
			for k, v := range r.vals {
				if d, ok := v.(time.Time); ok && (d.Year() < 1900 || d.Year() > 2199) {
					t.Fatalf("%s: %s date %v out of range", spec.Kind, k, d)
				}
			}
		}
	}
	_, _ = inferKind(tb.Sheet, tb.Header)
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(appHeader + "\n2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,\n"))
	f.Add([]byte("\ufeff基地名称,地块名称,作物类别\r\n戛洒基地,\"1号,地块\",瓜果\r\n"))
	f.Add([]byte("a\tb\tc\n1\t2\t3\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Add([]byte{0xB5, 0xD8, 0xBF, 0xE9, ',', 0xFF, 0xFE})
	f.Add([]byte{0xFF, 0xFE, 'a', 0, ',', 0, 'b', 0})
	var buf bytes.Buffer
	_ = WriteTemplate(&buf, "inspections", "csv", "zh")
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ParseCSV(data)
		checkTable(t, tb, err)
	})
}

func FuzzParseXLSX(f *testing.F) {
	for _, k := range []string{"plots", "materials"} {
		var buf bytes.Buffer
		if err := WriteTemplate(&buf, k, "xlsx", "zh"); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("PK\x03\x04not really a zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ParseXLSX(data)
		checkTable(t, tb, err)
	})
}
