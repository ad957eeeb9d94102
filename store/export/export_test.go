package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"suyuan/store"
	"suyuan/store/demo"
)

func readCSV(t testing.TB, data string) [][]string {
	t.Helper()
	if !strings.HasPrefix(data, "\ufeff") {
		t.Fatal("CSV without a UTF-8 BOM: Excel would show the Chinese garbled")
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff")))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func userMsg(err error, lang string) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(lang)
	}
	return ""
}

// TestEveryKindExports exports every kind of a demo store in both formats
// and both languages: the header is the kind's, every kind the demo fills
// has rows, and CSV and XLSX hold the same cells.
func TestEveryKindExports(t *testing.T) {
	ctx := context.Background()
	db := demoStore(t)
	// The demo fills every kind but these.
	empty := map[string]bool{"certifications": true, "readings": true, "external-tests": true}
	for _, k := range Kinds() {
		for _, lang := range []string{"zh", "en"} {
			text := exportString(t, db, k.ID, Options{Lang: lang})
			recs := readCSV(t, text)
			if strings.Join(recs[0], "|") != strings.Join(k.Columns(lang), "|") {
				t.Errorf("%s %s header %v, want %v", k.ID, lang, recs[0], k.Columns(lang))
			}
			if len(recs) < 2 && !empty[k.ID] {
				t.Errorf("%s: no rows from the demo store", k.ID)
			}
			var x bytes.Buffer
			res, err := WriteKind(ctx, db, k.ID, &x, Options{Format: "xlsx", Lang: lang})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != len(recs)-1 {
				t.Errorf("%s: xlsx %d rows, csv %d", k.ID, res.Rows, len(recs)-1)
			}
			f, err := excelize.OpenReader(&x)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.GetSheetList()[0]; got != k.sheetName(lang) {
				t.Errorf("%s: sheet %q, want %q", k.ID, got, k.sheetName(lang))
			}
			xrows, err := f.GetRows(f.GetSheetList()[0])
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			for i := range min(len(xrows), len(recs), 50) {
				for j, cell := range xrows[i] {
					if cell != recs[i][j] {
						t.Fatalf("%s row %d col %d: xlsx %q, csv %q", k.ID, i+1, j+1, cell, recs[i][j])
					}
				}
			}
		}
	}
}

// TestWordsTimesAndNoSecrets: stored codes are written in words, times in
// local time, and the users sheet holds no password hash.
func TestWordsTimesAndNoSecrets(t *testing.T) {
	db := demoStore(t)
	insp := exportString(t, db, "inspections", Options{})
	if !strings.Contains(insp, ",阴性,") || !strings.Contains(insp, ",阳性,") || strings.Contains(insp, "negative") {
		t.Errorf("inspections: verdicts not in words:\n%.600s", insp)
	}
	if en := exportString(t, db, "inspections", Options{Lang: "en"}); !strings.Contains(en, ",negative,") || !strings.Contains(en, "verdict") {
		t.Errorf("English export without English words:\n%.400s", en)
	}
	var hash, created string
	if err := db.Reader().QueryRow("SELECT password_hash, created_at FROM users WHERE username = ?", demo.User).Scan(&hash, &created); err != nil {
		t.Fatal(err)
	}
	users := exportString(t, db, "users", Options{})
	if hash == "" || strings.Contains(users, hash) || strings.Contains(strings.ToLower(users), "password") || strings.Contains(users, "密码") {
		t.Errorf("the users export shows a password hash:\n%s", users)
	}
	at, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CST", 8*3600)
	users = exportString(t, db, "users", Options{Location: loc})
	if want := at.In(loc).Format("2006-01-02 15:04:05"); !strings.Contains(users, want) || !strings.Contains(users, "管理员") {
		t.Errorf("users: want the local time %s and the role in words:\n%s", want, users)
	}
}

// TestFormulaCellsAreSafe: a text that starts like a formula is written as
// text in CSV and XLSX; negative numbers stay numbers.
func TestFormulaCellsAreSafe(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 0)
	if _, err := b.db.AddBase(ctx, b.admin, store.Base{Name: `=HYPERLINK("http://x","点我")`, Manager: "@admin", Phone: "-1"}); err != nil {
		t.Fatal(err)
	}
	lon := -12.5
	if _, err := b.db.AddBase(ctx, b.admin, store.Base{Name: "西基地", Longitude: &lon}); err != nil {
		t.Fatal(err)
	}
	text := exportString(t, b.db, "bases", Options{})
	for _, want := range []string{`"'=HYPERLINK(""http://x"",""点我"")"`, ",'@admin,'-1", ",-12.5,"} {
		if !strings.Contains(text, want) {
			t.Errorf("CSV lacks %s:\n%s", want, text)
		}
	}
	var x bytes.Buffer
	if _, err := WriteKind(ctx, b.db, "bases", &x, Options{Format: "xlsx"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	for r := 1; r <= 4; r++ {
		for c := 1; c <= 9; c++ {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			if fo, _ := f.GetCellFormula(sheet, cell); fo != "" {
				t.Errorf("%s is a formula: %s", cell, fo)
			}
		}
	}
	if v, _ := f.GetCellValue(sheet, "A3"); !strings.HasPrefix(v, "'=") {
		t.Errorf("A3 = %q, want the quoted text", v)
	}
	if typ, _ := f.GetCellType(sheet, "E4"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("longitude -12.5 written as %v, want a number", typ)
	}
}

// TestExportReadsOneSnapshot: while an export of a large store runs, a
// journaled write succeeds (the export holds no lock the writer needs),
// and the export shows the store as it was when it began.
func TestExportReadsOneSnapshot(t *testing.T) {
	ctx := context.Background()
	const n = 30000
	b := bigStore(t, t.TempDir(), n)
	seq0, _, err := b.db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wrote := false
	opt := Options{ProgressEvery: 1000, Progress: func(p Progress) {
		if wrote || p.Kind.ID != "applications" || p.Done {
			return
		}
		// Mid-export, rows still streaming from the open read transaction.
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := b.db.AddApplication(wctx, b.admin, store.ApplicationInput{Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local), PlotID: b.plotID,
			Crop: "柑橘", MaterialID: b.matID, Dose: 2, DoseUnit: "kg/亩", Target: "写于导出期间"}); err != nil {
			t.Errorf("a write during the export failed: %v", err)
		}
		// users is exported after applications: a second read outside the
		// snapshot would see this account.
		if _, err := b.db.CreateUser(wctx, b.admin, store.NewUser{Username: "during", Role: store.RolePacker, Password: "during-pass"}); err != nil {
			t.Errorf("a write during the export failed: %v", err)
		}
		wrote = true
	}}
	path := filepath.Join(t.TempDir(), "all.zip")
	m, err := ExportArchive(ctx, b.db, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !wrote {
		t.Fatal("the progress hook never ran mid-export")
	}
	rows := map[string]int{}
	for _, f := range m.Files {
		rows[f.Kind] = f.Rows
	}
	if rows["applications"] != n || rows["users"] != 1 || m.JournalSeq != seq0 {
		t.Errorf("export saw applications %d (want %d), users %d (want 1), head %d (want %d): not one snapshot", rows["applications"], n, rows["users"], m.JournalSeq, seq0)
	}
	if seq1, _, _ := b.db.Head(ctx); seq1 <= seq0 {
		t.Fatalf("the writes during the export did not land: head %d", seq1)
	}
	if _, err := VerifyArchive(path); err != nil {
		t.Fatal(err)
	}
	after := exportString(t, b.db, "applications", Options{})
	if got := strings.Count(after, "\r\n") - 1; got != n+1 || !strings.Contains(after, "写于导出期间") {
		t.Errorf("the next export has %d rows, want %d with the new one", got, n+1)
	}
}

// TestArchiveVerify: an archive verifies; each kind of tampering is found
// and named.
func TestArchiveVerify(t *testing.T) {
	ctx := context.Background()
	db := demoStore(t)
	dir := t.TempDir()
	for _, format := range []string{"csv", "xlsx"} {
		path := filepath.Join(dir, "all-"+format+".zip")
		m, err := ExportArchive(ctx, db, path, Options{Format: format, AppVersion: "9.9.9"})
		if err != nil {
			t.Fatal(err)
		}
		seq, hash, _ := db.Head(ctx)
		if len(m.Files) != len(Kinds()) || m.JournalSeq != seq || m.JournalHash != hash || m.AppVersion != "9.9.9" || m.SiteCode != "XPJS01" || m.Rows() == 0 {
			t.Fatalf("manifest %+v", m)
		}
		got, err := VerifyArchive(path)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if got.Rows() != m.Rows() {
			t.Fatalf("verify read %d rows, manifest %d", got.Rows(), m.Rows())
		}
	}
	src := filepath.Join(dir, "all-csv.zip")
	cases := []struct {
		name   string
		edit   func(name string, data []byte) (string, []byte, bool) // new name, data, keep
		add    string
		wantIn string
	}{
		{"changed cell", func(n string, d []byte) (string, []byte, bool) {
			if n == "applications.csv" {
				d = bytes.Replace(d, []byte("喷雾"), []byte("撒施"), 1)
			}
			return n, d, true
		}, "", "applications.csv：SHA-256"},
		{"removed row", func(n string, d []byte) (string, []byte, bool) {
			if n == "shipments.csv" {
				i := bytes.LastIndex(d[:len(d)-2], []byte("\r\n"))
				d = d[:i+2]
			}
			return n, d, true
		}, "", "shipments.csv"},
		{"grown file", func(n string, d []byte) (string, []byte, bool) {
			if n == "users.csv" {
				d = append(d, bytes.Repeat([]byte("x,y\r\n"), 1<<16)...)
			}
			return n, d, true
		}, "", "users.csv：比清单记录的"},
		{"missing file", func(n string, d []byte) (string, []byte, bool) { return n, d, n != "lots.csv" }, "", "lots.csv：清单中列出的文件不在导出包中"},
		{"extra file", func(n string, d []byte) (string, []byte, bool) { return n, d, true }, "notes.txt", "notes.txt：文件不在清单中"},
		{"manifest row count", func(n string, d []byte) (string, []byte, bool) {
			if n == ManifestName {
				d = bytes.Replace(d, []byte(`"rows": 1,`), []byte(`"rows": 2,`), 1)
			}
			return n, d, true
		}, "", "行记录，清单记录为 2 行"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x.zip")
			rewriteZip(t, src, out, tc.edit, tc.add)
			_, err := VerifyArchive(out)
			if err == nil {
				t.Fatal("a tampered archive verified")
			}
			if msg := userMsg(err, "zh"); !strings.Contains(msg, tc.wantIn) || userMsg(err, "en") == "" {
				t.Errorf("message %q, want it to name %q", msg, tc.wantIn)
			}
		})
	}
	if _, err := VerifyArchive(filepath.Join(dir, "none.zip")); store.ErrorCode(err) != store.CodeNotFound {
		t.Errorf("missing archive: %v", err)
	}
	junk := filepath.Join(dir, "junk.zip")
	os.WriteFile(junk, []byte("not a zip"), 0o644)
	if _, err := VerifyArchive(junk); !strings.Contains(userMsg(err, "zh"), "不是溯源站导出包") {
		t.Errorf("junk archive: %v", err)
	}
}

func rewriteZip(t *testing.T, src, dst string, edit func(string, []byte) (string, []byte, bool), add string) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		name, data, keep := edit(f.Name, data)
		if !keep {
			continue
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	if add != "" {
		w, _ := zw.Create(add)
		w.Write([]byte("hello"))
	}
	zw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExternalTests: a test of another producer's sample (no lot of this
// site) is exported in external-tests, not lost.
func TestExternalTests(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 0)
	if _, err := b.db.RecordInspection(ctx, b.admin, store.InspectionInput{ExternalEntity: "新平某某家庭农场", ExternalCode: "XPZL02-20261105-0003-K", Kind: "lab",
		TestedAt: time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC), Item: "毒死蜱", Verdict: "positive"}); err != nil {
		t.Fatal(err)
	}
	text := exportString(t, b.db, "external-tests", Options{Location: time.UTC})
	if !strings.Contains(text, "新平某某家庭农场,XPZL02-20261105-0003-K,实验室检测,2026-11-05 10:00:00") || !strings.Contains(text, ",阳性,") {
		t.Errorf("external test missing:\n%s", text)
	}
	if n := len(readCSV(t, exportString(t, b.db, "inspections", Options{}))); n != 1 {
		t.Errorf("the inspections template got %d rows for a test without a lot", n-1)
	}
}

// TestReadings: an analyzer reading is exported with its status in words
// and its raw frame, and a negative rate stays a number.
func TestReadings(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 0)
	rate := -3.5
	if _, _, err := b.db.ImportReadings(ctx, b.admin, []store.ReadingInput{{Instrument: "LZ-4000T", SerialNo: "SN1", RecordNo: "7",
		TestedAt: time.Date(2026, 11, 5, 2, 0, 0, 0, time.UTC), Channel: 2, SampleNo: "S1", Rate: &rate, Result: "合格", Raw: "AA55 0102"}}); err != nil {
		t.Fatal(err)
	}
	text := exportString(t, b.db, "readings", Options{Location: time.FixedZone("CST", 8*3600)})
	for _, want := range []string{"LZ-4000T,,SN1,7,2026-11-05 10:00:00,2,S1", ",-3.5,", ",待绑定,", "AA55 0102"} {
		if !strings.Contains(text, want) {
			t.Errorf("readings lack %q:\n%s", want, text)
		}
	}
}

// TestCheckJournal: an archive matches the store it came from, also after
// later writes, and not another store (a different history, or a seq the
// store does not have).
func TestCheckJournal(t *testing.T) {
	ctx := context.Background()
	b := bigStore(t, t.TempDir(), 5)
	path := filepath.Join(t.TempDir(), "a.zip")
	m, err := ExportArchive(ctx, b.db, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.AddBase(ctx, b.admin, store.Base{Name: "后来的基地"}); err != nil {
		t.Fatal(err)
	}
	if err := CheckJournal(ctx, b.db, m); err != nil {
		t.Fatalf("the archive does not match its own store: %v", err)
	}
	other := bigStore(t, t.TempDir(), 5) // same site, same steps, other timestamps
	if err := CheckJournal(ctx, other.db, m); store.ErrorCode(err) != store.CodeConflict || !strings.Contains(userMsg(err, "en"), "another history") {
		t.Errorf("another store's history: %v", err)
	}
	m.JournalSeq += 1000
	if err := CheckJournal(ctx, b.db, m); store.ErrorCode(err) != store.CodeConflict || !strings.Contains(userMsg(err, "zh"), "不存在") {
		t.Errorf("a seq the store does not have: %v", err)
	}
}
