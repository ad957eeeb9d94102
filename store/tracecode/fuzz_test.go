package tracecode

import (
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"XPJS01-261128-0001-Q", " xpjs01-261128-0001-q ", "XPJS01-261128-0001-K",
		"XPJS01-261128-10000-", "ABCD-000101-0042-0", "----", "", "HGZ-XPJS01-20261128-0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.UserMessage("zh") == "" || e.UserMessage("en") == "" {
				t.Fatalf("error %v is not a *Error with messages", err)
			}
			return
		}
		// Round trip: Format(Parse(s)) is the canonical spelling of s.
		got, err := Format(c.Site, c.Day, c.Seq)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v but Format fails: %v", s, c, err)
		}
		if got != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("Format(Parse(%q)) = %q", s, got)
		}
		if !refValid(strings.ReplaceAll(got, "-", "")) {
			t.Fatalf("%q passes Parse but not the reference check", got)
		}
	})
}

func FuzzFormat(f *testing.F) {
	f.Add("XPJS01", int64(1795000000), 1)
	f.Add("ABCD", int64(946684800), 99999999)
	f.Add("ab", int64(-1), -1)
	f.Fuzz(func(t *testing.T, site string, unix int64, seq int) {
		day := time.Unix(unix, 0).UTC()
		code, err := Format(site, day, seq)
		if err != nil {
			return
		}
		c, err := Parse(code)
		y, m, d := day.Date()
		if err != nil || c.Site != site || c.Seq != seq || c.Day != time.Date(y, m, d, 0, 0, 0, 0, time.UTC) {
			t.Fatalf("Parse(Format(%q, %v, %d)) = %+v, %v", site, day, seq, c, err)
		}
		cert := FormatCertNo(site, day, seq)
		if cc, err := ParseCertNo(cert); err != nil || cc != c {
			t.Fatalf("ParseCertNo(%q) = %+v, %v; want %+v", cert, cc, err, c)
		}
	})
}

func FuzzParseCertNo(f *testing.F) {
	for _, s := range []string{"HGZ-XPJS01-20261128-0001", "hgz-xpjs01-20261128-12345", "HGZ-XP-2026-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCertNo(s)
		if err != nil {
			return
		}
		if got := FormatCertNo(c.Site, c.Day, c.Seq); got != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("FormatCertNo(ParseCertNo(%q)) = %q", s, got)
		}
	})
}

func BenchmarkFormat(b *testing.B) {
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Format("XPJS01", day, 1+i%MaxSeq); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	code, _ := Format("XPJS01", time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), 1234)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(code); err != nil {
			b.Fatal(err)
		}
	}
}
