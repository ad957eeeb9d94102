package importer

import (
	"errors"
	"strings"
	"testing"
)

// TestInferKindOnlyExactHeaders takes the real template header of every kind,
// in Chinese and in English, and checks that the kind is guessed from it, still
// guessed without any one optional column, and refused — naming the column,
// in both languages, and writing nothing — without any one required column or
// with one unknown column added. (An applications sheet missing its date
// column used to be imported as new bases.)
func TestInferKindOnlyExactHeaders(t *testing.T) {
	f := newFixture(t)
	before := f.head(t)
	for _, spec := range Specs {
		for _, lang := range []string{"zh", "en"} {
			header, _ := TemplateRows(spec, lang)
			if got, err := inferKind("", header); err != nil || got.Kind != spec.Kind {
				t.Fatalf("%s/%s full header: %v %v", spec.Kind, lang, got.Kind, err)
			}
			for i, fl := range spec.Fields {
				h := append(append([]string{}, header[:i]...), header[i+1:]...)
				got, err := inferKind("", h)
				if !fl.Required {
					if err != nil || got.Kind != spec.Kind {
						t.Errorf("%s/%s without optional %q: %v %v", spec.Kind, lang, fl.Key, got.Kind, err)
					}
					continue
				}
				refused(t, spec.Kind, lang, "without "+fl.Key, got, err, []string{fl.Zh}, []string{fl.En})
				// Through Import: nothing at all is written.
				data := csvOf(strings.Join(h, ","), strings.Repeat("x,", len(h)-1)+"x")
				if _, err := Import(f.ctx, f.db, f.admin, "missing.csv", data, Options{}); err == nil {
					t.Fatalf("%s/%s without %q imported", spec.Kind, lang, fl.Key)
				}
			}
			extra := append(append([]string{}, header...), "天气 weather")
			got, err := inferKind("", extra)
			refused(t, spec.Kind, lang, "extra column", got, err, []string{"天气 weather"}, []string{"天气 weather"})
		}
	}
	if f.head(t) != before || f.count(t, "bases") != 1 {
		t.Fatalf("a refused file wrote something: head %d -> %d, %d bases", before, f.head(t), f.count(t, "bases"))
	}
}

func refused(t *testing.T, kind Kind, lang, what string, got Spec, err error, zhWords, enWords []string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("%s/%s %s: guessed %q (%v), want a refusal", kind, lang, what, got.Kind, err)
	}
	zh, en := fe.UserMessage("zh"), fe.UserMessage("en")
	for _, w := range zhWords {
		if !strings.Contains(zh, w) {
			t.Errorf("%s/%s %s: zh message %q does not name %q", kind, lang, what, zh, w)
		}
	}
	for _, w := range enWords {
		if !strings.Contains(en, w) {
			t.Errorf("%s/%s %s: en message %q does not name %q", kind, lang, what, en, w)
		}
	}
	if !strings.Contains(zh, "--kind") || !strings.Contains(en, "--kind") || !strings.Contains(zh, "未导入") || !strings.Contains(en, "nothing was imported") {
		t.Errorf("%s/%s %s: message does not say what happened and what to do: %q / %q", kind, lang, what, zh, en)
	}
}

// TestColumnsRefuseLostValues: with the kind given, a column the kind does
// not have, or values under an empty header, are refused instead of
// dropped; the message names the column.
func TestColumnsRefuseLostValues(t *testing.T) {
	f := newFixture(t)
	before := f.head(t)
	cases := []struct {
		name, header, row, want string
	}{
		{"unknown column", appHeader + ",天气", "2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,,晴", "天气"},
		{"values without a header", appHeader + ",", "2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,,晴", "第 M 列"},
		{"values beyond the header", appHeader, "2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,,晴", "第 M 列"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(f.ctx, f.db, f.admin, "x.csv", csvOf(tc.header, tc.row), Options{Kind: "applications"})
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.UserMessage("zh"), tc.want) || fe.UserMessage("en") == fe.UserMessage("zh") {
				t.Fatalf("%v", err)
			}
		})
	}
	// An empty trailing header with empty cells (Excel's trailing commas) is fine.
	if _, err := Import(f.ctx, f.db, f.admin, "ok.csv", csvOf(appHeader+",", "2026-03-05,戛洒基地,1号地块,柑橘,阿维菌素,40,ml/亩,10,喷雾,红蜘蛛,李明,,"), Options{}); err != nil {
		t.Fatal(err)
	}
	if f.head(t) != before+2 { // the application and the imports row
		t.Fatalf("head %d -> %d", before, f.head(t))
	}
}
