package cellsafe

import "testing"

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"冰糖橙", "冰糖橙"},
		{"=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"},
		{"+86 138", "'+86 138"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"＝1+1", "'＝1+1"},
		{"a=b", "a=b"},
		{"'already", "'already"},
		// A value typed with its own quote before a formula start keeps it
		// through an export and an import (it used to come back as "=x").
		{"'=x", "''=x"},
		{"''+1", "'''+1"},
	} {
		got := Text(c.in)
		if got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
		if back := Unescape(got); back != c.in {
			t.Errorf("Unescape(Text(%q)) = %q", c.in, back)
		}
	}
	if r := Row([]string{"=1", "x"}); r[0] != "'=1" || r[1] != "x" {
		t.Errorf("Row = %q", r)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "=1+1", "-3", "@x", "\t=", "＝", "'=x", "冰糖橙"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if Needs(out) {
			t.Fatalf("Text(%q) = %q still reads as a formula", s, out)
		}
		if Unescape(out) != s {
			t.Fatalf("Unescape(Text(%q)) = %q", s, Unescape(out))
		}
	})
}
