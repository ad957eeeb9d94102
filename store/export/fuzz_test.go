package export

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzVerifyArchive: any bytes given as an archive give an answer, never a
// panic; an archive that verifies verifies again with the same rows. Seeds
// in testdata/fuzz/FuzzVerifyArchive (a valid archive, a wrong row count, a
// damaged CSV, no manifest, junk).
func FuzzVerifyArchive(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "a.zip")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := VerifyArchive(path)
		if err != nil {
			if userMsg(err, "zh") == "" || userMsg(err, "en") == "" {
				t.Fatalf("an error without a message: %v", err)
			}
			return
		}
		again, err := VerifyArchive(path)
		if err != nil || again.Rows() != m.Rows() {
			t.Fatalf("verified once, then %v (%d rows, then %d)", err, m.Rows(), again.Rows())
		}
	})
}

// FuzzParseDay: a date flag is either refused with a message or a real day
// that formats back to itself.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-03-05", "2026-02-30", "2026/3/5", "", " 2026-12-31 ", "昨天", "2026-13-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDay("--from", s, time.UTC)
		if err != nil {
			if userMsg(err, "zh") == "" || userMsg(err, "en") == "" {
				t.Fatal("no message")
			}
			return
		}
		if _, err := parseDay("--to", d.Format(dateLayout), time.UTC); err != nil {
			t.Fatalf("%q parsed to %v, which does not parse back", s, d)
		}
	})
}
