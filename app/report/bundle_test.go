package report

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"suyuan/store"
	"suyuan/store/demo"
)

func setupSync(t *testing.T, db *store.DB, secret string) store.Actor {
	t.Helper()
	ctx := context.Background()
	a, err := db.Login(ctx, demo.User, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSyncConfig(ctx, a, store.SyncConfig{URL: "http://127.0.0.1:1", Account: "acct-1", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	return a
}

// demoProduct is the product with the most lots.
func demoProduct(t *testing.T, db *store.DB) (int64, string) {
	t.Helper()
	var id int64
	var name string
	if err := db.Reader().QueryRow(`SELECT p.id, p.name FROM products p JOIN lots l ON l.product_id = p.id GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	return id, name
}

// rezip copies a zip, letting edit change (or drop, returning nil) each file.
func rezip(t *testing.T, data []byte, edit func(name string, b []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if b = edit(f.Name, b); b == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	for n, b := range extra {
		w, _ := zw.Create(n)
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

func TestBundleDemo(t *testing.T) {
	for _, profile := range []string{demo.ProfileCitrus, demo.ProfileTea} {
		t.Run(profile, func(t *testing.T) {
			ctx := context.Background()
			db := demoStore(t, profile)
			e, _ := db.GetEntity(ctx)
			a := setupSync(t, db, "s3cret")
			pid, pname := demoProduct(t, db)
			var lotID int64
			db.Reader().QueryRow("SELECT id FROM lots WHERE product_id = ? ORDER BY id LIMIT 1", pid).Scan(&lotID)
			photo := []byte("\x89PNG\r\n\x1a\n fake photo of the lot")
			if _, err := db.Attach(ctx, a, "lots:"+itoa(int(lotID)), "田间照片.png", "image/png", photo); err != nil {
				t.Fatal(err)
			}
			data, m, err := MakeBundle(ctx, db, BundleQuery{Product: pname, From: testStart.AddDate(-1, 0, 0), To: testStart, Now: testStart})
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, f := range m.Files {
				names[f.Name] = true
			}
			for _, n := range []string{"cover.pdf", "completeness.pdf", "records.pdf", "records.xlsx", "tests.xlsx", "certificates.xlsx"} {
				if !names[n] {
					t.Errorf("bundle lacks %s: %v", n, names)
				}
			}
			var att string
			for n := range names {
				if strings.HasPrefix(n, "attachments/") && strings.HasSuffix(n, "田间照片.png") {
					att = n
				}
			}
			if att == "" {
				t.Fatalf("the lot's photo is not in the bundle: %v", names)
			}
			got, err := VerifyBundle(data, PlatformSecretFor(ctx, db))
			if err != nil {
				t.Fatalf("fresh bundle does not verify: %v", err)
			}
			if got.Product != pname || len(got.Files) != len(m.Files) {
				t.Errorf("verified manifest %+v", got)
			}
			// The cover and the completeness report.
			zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			for _, f := range zr.File {
				if f.Name != "cover.pdf" && f.Name != "completeness.pdf" {
					continue
				}
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if f.Name == "cover.pdf" {
					screenshot(t, b, "report-bundle-cover-"+profile)
				}
				pages := checkPages(t, b, e.Name, e.CreditCode)
				all := squash(strings.Join(pages, ""))
				wants := map[string][]string{"cover.pdf": {"三品一标认证材料包", pname, "records.pdf", m.Files[1].SHA256[:16], "suyuanreportverify"},
					"completeness.pdf": {"记录完整性", "产地环境", "用药施肥", "连续六个月记录"}}[f.Name]
				for _, w := range wants {
					if !strings.Contains(all, squash(w)) {
						t.Errorf("%s lacks %q", f.Name, w)
					}
				}
			}
			// Tampering, each named.
			for _, tc := range []struct {
				name  string
				edit  func(string, []byte) []byte
				extra map[string][]byte
				file  string
				sig   bool
			}{
				{"one file changed", func(n string, b []byte) []byte {
					if n == "records.xlsx" {
						b = append(append([]byte(nil), b...), 0)
					}
					return b
				}, nil, "records.xlsx", false},
				{"photo swapped", func(n string, b []byte) []byte {
					if n == att {
						return []byte("another photo")
					}
					return b
				}, nil, att, false},
				{"file removed", func(n string, b []byte) []byte {
					if n == "tests.xlsx" {
						return nil
					}
					return b
				}, nil, "tests.xlsx", false},
				{"file added", func(n string, b []byte) []byte { return b }, map[string][]byte{"attachments/extra.jpg": []byte("x")}, "attachments/extra.jpg", false},
				{"manifest edited", func(n string, b []byte) []byte {
					if n == ManifestName {
						return bytes.Replace(b, []byte(`"journal_seq": `), []byte(`"journal_seq": 9`), 1)
					}
					return b
				}, nil, "", true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					bad := rezip(t, data, tc.edit, tc.extra)
					_, err := VerifyBundle(bad, PlatformSecretFor(ctx, db))
					if err == nil {
						t.Fatal("tampered bundle verifies")
					}
					var mm *ErrMismatch
					if tc.sig {
						if !errors.Is(err, errBadSignature) {
							t.Fatalf("want a signature error, got %v", err)
						}
						return
					}
					if !errors.As(err, &mm) || mm.File != tc.file || !strings.Contains(mm.UserMessage("zh"), tc.file) || !strings.Contains(mm.UserMessage("en"), tc.file) {
						t.Fatalf("want %s named, got %v", tc.file, err)
					}
				})
			}
			// Another account's secret does not verify it.
			if _, err := VerifyBundle(data, func(string, string) (string, error) { return "other", nil }); !errors.Is(err, errBadSignature) {
				t.Errorf("foreign secret: %v", err)
			}
		})
	}
}

func TestBundleNeedsSecret(t *testing.T) {
	db := demoStore(t, demo.ProfileCitrus)
	_, pname := demoProduct(t, db)
	_, _, err := MakeBundle(context.Background(), db, BundleQuery{Product: pname, From: testStart.AddDate(-1, 0, 0), To: testStart})
	var um interface{ UserMessage(string) string }
	if err == nil || !asUM(err, &um) || !strings.Contains(um.UserMessage("zh"), "sync setup") {
		t.Fatalf("%v", err)
	}
}
