package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestVBSASCII: the shipped script is plain ASCII and its U("…") literals
// decode back to the Chinese text of the source.
func TestVBSASCII(t *testing.T) {
	out, err := vbsASCII(shortcut)
	if err != nil {
		t.Fatal(err)
	}
	if !isASCII(out) {
		t.Fatal("output is not ASCII")
	}
	if !strings.Contains(out, "Function U(h)") {
		t.Fatal("decoder missing")
	}
	// Every U("hex") decodes to text that the source has in a literal.
	n := 0
	for _, part := range strings.Split(out, `U("`)[1:] {
		hex, _, ok := strings.Cut(part, `")`)
		if !ok || hex == "" || len(hex)%4 != 0 {
			continue // the decoder's own "U(" text
		}
		var u []uint16
		for i := 0; i < len(hex); i += 4 {
			v, err := strconv.ParseUint(hex[i:i+4], 16, 16)
			if err != nil {
				t.Fatalf("bad hex %q", hex)
			}
			u = append(u, uint16(v))
		}
		if s := string(utf16.Decode(u)); !strings.Contains(shortcut, `"`+s+`"`) {
			t.Fatalf("U(%s) = %q is not a literal of the source", hex, s)
		}
		n++
	}
	if n < 3 {
		t.Fatalf("only %d Chinese literals found", n)
	}
	for _, bad := range []string{"' 中文注释\n", `x = "unterminated` + "\n"} {
		if _, err := vbsASCII(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestZip: entry names are GBK (what Chinese Windows' Explorer reads) with
// the UTF-8 name in the Unicode Path field, the notes carry a BOM and CRLF,
// and the same inputs and time give the same bytes.
func TestZip(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "suyuan.exe")
	os.WriteFile(exe, []byte("MZ fake exe"), 0o755)
	mod := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if err := write(a, "9.9.9", []string{exe}, mod); err != nil {
		t.Fatal(err)
	}
	if err := write(b, "9.9.9", []string{exe}, mod); err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("not reproducible")
	}
	zr, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	gbk := func(s string) string { e, _ := simplifiedchinese.GBK.NewEncoder().String(s); return e }
	want := map[string]bool{"suyuan-9.9.9/suyuan.exe": false, gbk("suyuan-9.9.9/" + readmeName): false, gbk("suyuan-9.9.9/" + shortcutName): false}
	for _, f := range zr.File {
		if _, ok := want[f.Name]; !ok {
			t.Fatalf("unexpected entry %q", f.Name)
		}
		want[f.Name] = true
		if f.Flags&0x8 != 0 {
			t.Fatalf("%q has a data descriptor", f.Name)
		}
		if !f.Modified.Equal(mod) && !f.ModTime().Equal(mod) {
			t.Fatalf("%q time %v", f.Name, f.Modified)
		}
		if !isASCII(f.Name) {
			if f.Flags&0x800 != 0 || !bytes.Contains(f.Extra, []byte("suyuan-9.9.9/")) {
				t.Fatalf("%q: flags %x, extra %q", f.Name, f.Flags, f.Extra)
			}
		}
		rc, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		switch f.Name {
		case gbk("suyuan-9.9.9/" + readmeName):
			s := buf.String()
			if !strings.HasPrefix(s, "\xEF\xBB\xBF") || strings.Count(s, "\n") != strings.Count(s, "\r\n") || !strings.Contains(s, "溯源站 9.9.9") {
				t.Fatal("notes: no BOM, bare LF, or no version")
			}
		case gbk("suyuan-9.9.9/" + shortcutName):
			if !isASCII(buf.String()) || !strings.Contains(buf.String(), "CreateShortcut") {
				t.Fatal("shortcut script not ASCII")
			}
		}
	}
	for n, seen := range want {
		if !seen {
			t.Fatalf("missing %q", n)
		}
	}
}
