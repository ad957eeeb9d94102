// Command winzip makes the Windows package dist/suyuan-windows-VERSION.zip
// (make windows): both exes, the Chinese installation notes and the
// shortcut script, in one folder.
//
// The zip is made to open right in Explorer's built-in "compressed folder"
// on Chinese Windows, older ones included (the exes need Windows 10, but a
// zip is often unpacked on whatever PC is at hand): Windows 7 and early
// Windows 10 ignore the zip UTF-8 flag and read names in the OEM code page,
// which is GBK (936) on Chinese Windows. So Chinese names are stored in GBK, without the flag,
// plus the Info-ZIP Unicode Path extra field (0x7075) with the UTF-8 name,
// which 7-Zip, WinRAR and unzip use. The notes are UTF-8 with a BOM and
// CRLF line ends (Notepad on Windows 7 shows them right). The .vbs is
// written in plain ASCII: Windows Script Host reads a script in the ANSI
// code page (or UTF-16 with a BOM, which Wine's does not), so its Chinese
// strings are spelled as U("6EAF6E907AD9"), decoded by the script itself.
//
//	go run ./scripts/winzip -version 0.1.0 -out dist/suyuan-windows-0.1.0.zip dist/suyuan.exe dist/suyuan-cli.exe
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"
)

//go:embed readme.txt
var readme string

//go:embed shortcut.vbs
var shortcut string

const (
	readmeName   = "安装与使用说明.txt"
	shortcutName = "创建快捷方式.vbs"
)

func main() {
	version := flag.String("version", "", "version (FyneApp.toml's Version)")
	out := flag.String("out", "", "zip file to write")
	flag.Parse()
	if *version == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: winzip -version V -out FILE.zip EXE...")
		os.Exit(2)
	}
	if err := write(*out, *version, flag.Args(), modTime()); err != nil {
		fmt.Fprintln(os.Stderr, "winzip:", err)
		os.Exit(1)
	}
}

// modTime is the time every entry gets, so that the same inputs give the
// same zip: SOURCE_DATE_EPOCH when set, else now.
func modTime() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Now().UTC().Truncate(2 * time.Second)
}

type entry struct {
	name string
	data []byte
}

func write(out, version string, exes []string, mod time.Time) error {
	dir := "suyuan-" + version + "/"
	// The notes first: they are what a user opening the zip should see.
	es := []entry{
		{dir + readmeName, utf8BOMCRLF(strings.ReplaceAll(readme, "{{VERSION}}", version))},
	}
	vbs, err := vbsASCII(shortcut)
	if err != nil {
		return err
	}
	es = append(es, entry{dir + shortcutName, []byte(crlf(vbs))})
	for _, exe := range exes {
		b, err := os.ReadFile(exe)
		if err != nil {
			return err
		}
		es = append(es, entry{dir + filepath.Base(exe), b})
	}

	tmp := out + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range es {
		if err := add(zw, e, mod); err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
	}
	err = zw.Close()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

// add writes one entry with its sizes and CRC in the local header (no data
// descriptor): Debian's unzip 6.0 takes a data-descriptor entry with a
// Unicode Path field for "overlapped components" and refuses the zip.
func add(zw *zip.Writer, e entry, mod time.Time) error {
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		return err
	}
	if _, err := fw.Write(e.data); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mod,
		CRC32: crc32.ChecksumIEEE(e.data), CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(e.data))}
	h.SetMode(0o644)
	h.SetModTime(mod) //nolint:staticcheck // CreateRaw writes the DOS date fields as they are
	if !isASCII(e.name) {
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(e.name)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		h.Name, h.NonUTF8 = gbk, true
		h.Extra = unicodePathExtra(gbk, e.name)
	}
	w, err := zw.CreateRaw(h)
	if err != nil {
		return err
	}
	_, err = w.Write(comp.Bytes())
	return err
}

// unicodePathExtra is the Info-ZIP Unicode Path extra field: version 1, the
// CRC-32 of the name as stored in the header, the UTF-8 name.
func unicodePathExtra(headerName, utf8Name string) []byte {
	body := []byte{1}
	body = binary.LittleEndian.AppendUint32(body, crc32.ChecksumIEEE([]byte(headerName)))
	body = append(body, utf8Name...)
	b := binary.LittleEndian.AppendUint16(nil, 0x7075)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func utf8BOMCRLF(s string) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, crlf(s)...) }

// vbsU is the decoder vbsASCII's output calls.
const vbsU = `Function U(h)
  Dim i
  U = ""
  For i = 1 To Len(h) Step 4
    U = U & ChrW(CLng("&H" & Mid(h, i, 4)))
  Next
End Function
`

// vbsASCII rewrites every string literal holding non-ASCII text as
// U("hex of its UTF-16 code units") and appends U. Non-ASCII outside a
// literal (a comment) is an error, so the source stays plain.
func vbsASCII(src string) (string, error) {
	var out strings.Builder
	for n, line := range strings.Split(src, "\n") {
		if n > 0 {
			out.WriteByte('\n')
		}
		in := false
		var lit []rune
		for _, r := range line {
			switch {
			case r == '"':
				if in {
					// "" inside a literal is a quote; seen as close+open.
					out.WriteString(vbsLiteral(lit))
					lit = lit[:0]
				}
				in = !in
			case in:
				lit = append(lit, r)
			case r >= 0x80:
				return "", fmt.Errorf("line %d: non-ASCII outside a string: %q", n+1, line)
			default:
				out.WriteRune(r)
			}
		}
		if in {
			return "", fmt.Errorf("line %d: unterminated string", n+1)
		}
	}
	return out.String() + "\n" + vbsU, nil
}

// vbsLiteral is a literal as VBScript source: "text" when ASCII, else
// U("...").
func vbsLiteral(lit []rune) string {
	if s := string(lit); isASCII(s) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteString(`U("`)
	for _, c := range utf16.Encode(lit) {
		fmt.Fprintf(&b, "%04X", c)
	}
	b.WriteString(`")`)
	return b.String()
}
