package report

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
)

// smallBundle is a valid bundle of the given files, signed with secret.
func smallBundle(t testing.TB, secret string, files map[string]string) []byte {
	t.Helper()
	m := BundleManifest{Format: BundleFormat, SchemaVersion: BundleSchema, Account: "a", SiteID: "s"}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"cover.pdf", "records.xlsx", "attachments/1-x.jpg"} {
		c, ok := files[n]
		if !ok {
			continue
		}
		sum := sha256.Sum256([]byte(c))
		m.Files = append(m.Files, BundleFile{Name: n, Size: int64(len(c)), SHA256: hex.EncodeToString(sum[:])})
		w, _ := zw.Create(n)
		w.Write([]byte(c))
	}
	mj, _ := json.Marshal(m)
	sj, _ := json.Marshal(bundleSig{Format: BundleFormat, Account: "a", SiteID: "s", Alg: "HMAC-SHA256", HMAC: sign(secret, mj)})
	w, _ := zw.Create(ManifestName)
	w.Write(mj)
	w, _ = zw.Create(SignatureName)
	w.Write(sj)
	zw.Close()
	return buf.Bytes()
}

func secretK(string, string) (string, error) { return "k", nil }

// FuzzVerifyBundle: any bytes are refused with a sentence or accepted only
// when every listed file matches; never a panic.
func FuzzVerifyBundle(f *testing.F) {
	f.Add(smallBundle(f, "k", map[string]string{"cover.pdf": "%PDF-1.4 cover", "records.xlsx": "PK sheet", "attachments/1-x.jpg": "photo"}))
	f.Add(smallBundle(f, "other", map[string]string{"cover.pdf": "x"}))
	f.Add([]byte("PK\x03\x04 not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := VerifyBundle(data, secretK)
		if err != nil {
			var um interface{ UserMessage(string) string }
			if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
				t.Fatalf("error without a sentence: %v", err)
			}
			return
		}
		zr, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if zerr != nil {
			t.Fatalf("accepted a non-zip: %v", zerr)
		}
		if len(zr.File) != len(m.Files)+2 {
			t.Fatalf("accepted %d zip entries for %d listed files", len(zr.File), len(m.Files))
		}
	})
}

// FuzzParseDay: a date is either a valid day that formats back, or a sentence.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-03-01", " 2026-03-01 ", "2026-13-01", "2026/03/01", "", "二〇二六年"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDay("--from", s)
		if err != nil {
			var um interface{ UserMessage(string) string }
			if !errors.As(err, &um) || um.UserMessage("en") == "" {
				t.Fatalf("error without a sentence: %v", err)
			}
			return
		}
		if _, err := ParseDay("--from", d.Format(dayLayout)); err != nil {
			t.Fatalf("%q parsed to %v which does not parse back", s, d)
		}
	})
}

func TestVerifyBundleSmall(t *testing.T) {
	good := smallBundle(t, "k", map[string]string{"cover.pdf": "c", "records.xlsx": "r"})
	if _, err := VerifyBundle(good, secretK); err != nil {
		t.Fatalf("good bundle: %v", err)
	}
	if _, err := VerifyBundle(smallBundle(t, "other", map[string]string{"cover.pdf": "c"}), secretK); !errors.Is(err, errBadSignature) {
		t.Fatalf("signed with another secret: %v", err)
	}
	if _, err := VerifyBundle([]byte("garbage"), secretK); err == nil {
		t.Fatal("garbage verifies")
	}
}
