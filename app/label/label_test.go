package label

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"suyuan/device/printer"
	"suyuan/device/printer/sim"

	"suyuan/app/label/labeltest"
)

var update = flag.Bool("update", false, "rewrite golden PNGs in testdata/")

type matrixCase struct {
	kind Kind
	size Size
	dpi  int
}

func matrix() []matrixCase {
	var cs []matrixCase
	for _, k := range Kinds {
		for _, s := range Presets {
			for _, dpi := range []int{203, 300} {
				cs = append(cs, matrixCase{k, s, dpi})
			}
		}
	}
	return cs
}

func (c matrixCase) name() string { return string(c.kind) + "_" + c.size.String() + "_" + itoa(c.dpi) }

func itoa(i int) string { return strconv.Itoa(i) }

// The core promise: what we render is exactly what the printer prints, and
// the QR on it decodes (by an independent decoder) to the intended URL.
func TestRoundTripTSPLandZPL(t *testing.T) {
	dir := t.TempDir()
	for _, c := range matrix() {
		t.Run(c.name(), func(t *testing.T) {
			d := Sample(c.kind)
			want, err := QRContent(d, "")
			if err != nil {
				t.Fatal(err)
			}
			if want != "https://trace.example.cn/t/"+d.Code {
				t.Fatalf("QR content %q", want)
			}
			img, err := Render(d, c.size, c.dpi, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if w := printer.MMToDots(c.size.WidthMM, c.dpi); img.Width != w {
				t.Fatalf("width %d dots, want %d", img.Width, w)
			}
			for _, lang := range []printer.Lang{printer.TSPL, printer.ZPL} {
				job, _ := printer.Encode(lang, img, printer.JobOptions{DPI: c.dpi})
				var got []*printer.Bitmap
				if err := sim.Interpret(bytes.NewReader(job), c.dpi, func(l sim.Label) error { got = append(got, l.Img); return nil }); err != nil {
					t.Fatalf("%s: %v", lang, err)
				}
				if len(got) != 1 {
					t.Fatalf("%s: %d labels printed, want 1", lang, len(got))
				}
				if n := img.Diff(got[0]); n != 0 {
					t.Fatalf("%s: %d dots differ from the preview", lang, n)
				}
				png, _ := printer.EncodePNG(got[0])
				p := filepath.Join(dir, c.name()+"_"+string(lang)+".png")
				os.WriteFile(p, png, 0o644)
				if codes := labeltest.Zbar(t, p); len(codes) != 1 || codes[0] != want {
					t.Fatalf("%s: zbarimg read %q, want %q", lang, codes, want)
				}
			}
		})
	}
}

func TestPDFDecodes(t *testing.T) {
	pdftoppm := labeltest.NeedTool(t, "pdftoppm")
	dir := t.TempDir()
	for _, c := range matrix() {
		if c.size != SizeA4 && c.size != Size60x40 {
			continue // every size goes through TSPL/ZPL; PDF checks sheets and pages
		}
		t.Run(c.name(), func(t *testing.T) {
			var imgs []*printer.Bitmap
			var want []string
			n := 1
			if c.size != SizeA4 {
				n = 3 // an A4 sheet of three labels with different codes
			}
			for i := 1; i <= n; i++ {
				d := Sample(c.kind)
				d.Code = d.Code[:len(d.Code)-1] + string(rune('0'+i))
				d.Serial, d.Total = i, n
				img, err := Render(d, c.size, c.dpi, Options{})
				if err != nil {
					t.Fatal(err)
				}
				u, _ := QRContent(d, "")
				imgs, want = append(imgs, img), append(want, u)
			}
			pdf, err := printer.EncodePDF(printer.PDFOptions{DPI: c.dpi}, imgs...)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, c.name()+".pdf")
			os.WriteFile(p, pdf, 0o644)
			if out, err := exec.Command(pdftoppm, "-r", itoa(c.dpi), "-mono", "-f", "1", "-l", "1", p, filepath.Join(dir, c.name())).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, out)
			}
			pages, _ := filepath.Glob(filepath.Join(dir, c.name()+"-*.pbm"))
			if len(pages) != 1 {
				t.Fatalf("pages %v", pages)
			}
			got := labeltest.Zbar(t, pages[0])
			if strings.Join(sorted(got), " ") != strings.Join(sorted(want), " ") {
				t.Fatalf("zbarimg read %q, want %q", got, want)
			}
		})
	}
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

// Golden PNGs pin each layout (60x40 and A4 at 203 dpi) against unintended changes.
func TestGolden(t *testing.T) {
	for _, k := range Kinds {
		for _, s := range []Size{Size50x30, Size60x40, SizeA4} {
			name := string(k) + "_" + s.String() + ".png"
			t.Run(name, func(t *testing.T) {
				img, err := Render(Sample(k), s, 203, Options{})
				if err != nil {
					t.Fatal(err)
				}
				png, _ := printer.EncodePNG(img)
				path := filepath.Join("testdata", name)
				if *update {
					os.MkdirAll("testdata", 0o755)
					if err := os.WriteFile(path, png, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(want, png) {
					os.MkdirAll(filepath.Join("testdata", "failed"), 0o755)
					os.WriteFile(filepath.Join("testdata", "failed", name), png, 0o644)
					t.Fatalf("%s differs from the golden image; new one in testdata/failed/", name)
				}
			})
		}
	}
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("云南省玉溪市新平彝族傣族自治县戛洒镇", 20)
	tests := []struct {
		name  string
		mod   func(*Data)
		size  Size
		field string
	}{
		{"missing product", func(d *Data) { d.Product = "  \t" }, Size60x40, "Product"},
		{"missing contact on cert", func(d *Data) { d.Contact = "" }, Size60x40, "Contact"},
		{"missing basis", func(d *Data) { d.Basis = nil }, Size60x40, "Basis"},
		{"bad basis", func(d *Data) { d.Basis = []string{"保证没问题"} }, Size60x40, "Basis"},
		{"old basis wording accepted", func(d *Data) { d.Basis = []string{"自我检测合格"} }, Size60x40, ""},
		{"missing upstream cert", func(d *Data) { d.Kind = CertPurchaser; d.UpstreamCertNo = "" }, Size60x40, "UpstreamCertNo"},
		{"non-ascii code", func(d *Data) { d.Code = "码123" }, Size60x40, "Code"},
		{"emoji", func(d *Data) { d.Product = "沃柑🍊" }, Size60x40, "Product"},
		{"too long", func(d *Data) { d.Origin = long }, Size50x30, "Origin"},
		{"non-ascii url", func(d *Data) { d.URL = "https://例子.cn/x" }, Size60x40, "URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Sample(CertProducer)
			tt.mod(&d)
			_, err := Render(d, tt.size, 203, Options{})
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var le *Error
			if !errors.As(err, &le) || le.Field != tt.field || !errors.Is(err, ErrLayout) {
				t.Fatalf("err = %v, want a layout error on %s", err, tt.field)
			}
			if le.UserMessage("zh") == "" || le.UserMessage("en") == "" || !utf8.ValidString(le.UserMessage("zh")) {
				t.Fatal("missing user message")
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{"60x40": Size60x40, "100×70": Size100x70, "50*30mm": Size50x30, "a4": SizeA4, "62.5x40": {62.5, 40}} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "60", "x40", "0x0", "60x40x2", "9999x10"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

// FuzzRender: any input gives a clear error or a label whose ink stays
// inside the margins; never a panic.
func FuzzRender(f *testing.F) {
	f.Add("沃柑", "云南省新平县", "合作社", "1159", 0, 60.0, 40.0)
	f.Add(strings.Repeat("很长的名字", 40), "", "", "A", 1, 50.0, 30.0)
	f.Add("\x00\x1b[31m\u202e\tname\r\n", "🍊🍊", "\uE001", "HGZ-1", 2, 70.0, 50.0)
	f.Add("Ünïcödé ÆØÅ", "Москва", "ｆｕｌｌ　ｗｉｄｔｈ", "x y", 3, 100.0, 70.0)
	f.Add("", "", "", "", 1, 20.0, 15.0)
	f.Fuzz(func(t *testing.T, product, origin, producer, code string, kind int, w, h float64) {
		d := Sample(Kinds[(kind%4+4)%4])
		d.Product, d.Origin, d.Producer, d.Code, d.CertNo = product, origin, producer, code, code
		size := Size{w, h}
		if w != w || h != h || w < 20 || h < 15 || w > 120 || h > 120 {
			size = Size60x40
		}
		img, err := Render(d, size, 203, Options{})
		if err != nil {
			var le *Error
			if !errors.As(err, &le) || le.UserMessage("zh") == "" {
				t.Fatalf("unclear error: %v", err)
			}
			return
		}
		m := printer.MMToDots(1.5, 203)
		ink := img.InkBounds()
		if ink.Min.X < m || ink.Min.Y < m || ink.Max.X > img.Width-m || ink.Max.Y > img.Height-m {
			t.Fatalf("ink %v outside the margins of %dx%d", ink, img.Width, img.Height)
		}
	})
}

// BenchmarkLabelTSPL measures labels per second through layout + QR +
// raster + TSPL (what the packing line waits for), 60x40 mm at 203 dpi:
//
//	batch:    one lot, serials 1..1000 of 1000 (a real print run: one URL)
//	distinct: every label a different trace code (QR encoded every time)
//	cold:     distinct codes with the layout and QR caches emptied before
//	          every label (single goroutine): the cost without any reuse
//
// Compare with BenchmarkQROnly (QR encoding alone).
func BenchmarkLabelTSPL(b *testing.B) {
	base := Sample(TraceLabel)
	Render(base, Size60x40, 203, Options{}) // warm the glyph cache
	perSec := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "labels/s")
	}
	b.Run("batch", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var buf []byte
			i := 0
			for pb.Next() {
				d := base
				d.Serial, d.Total = i%1000+1, 1000
				i++
				img, err := Render(d, Size60x40, 203, Options{})
				if err != nil {
					b.Fatal(err)
				}
				buf = printer.AppendTSPL(buf[:0], img, printer.JobOptions{})
			}
		})
		perSec(b)
	})
	distinct := func(i int) Data {
		d := base
		d.Code = fmt.Sprintf("XPGS-%06d-%04d-%c", 261128+i/10000, i%10000, 'A'+rune(i%26))
		return d
	}
	var seq atomic.Int64
	b.Run("distinct", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var buf []byte
			for pb.Next() {
				img, err := Render(distinct(int(seq.Add(1))), Size60x40, 203, Options{})
				if err != nil {
					b.Fatal(err)
				}
				buf = printer.AppendTSPL(buf[:0], img, printer.JobOptions{})
			}
		})
		perSec(b)
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			resetCaches()
			img, err := Render(distinct(int(seq.Add(1))), Size60x40, 203, Options{})
			if err != nil {
				b.Fatal(err)
			}
			buf = printer.AppendTSPL(buf[:0], img, printer.JobOptions{})
		}
		perSec(b)
	})
}

// resetCaches empties the layout and QR caches (not the glyph cache).
func resetCaches() {
	qrCache.Lock()
	qrCache.m = map[string]*qrEntry{}
	qrCache.Unlock()
	layoutCache.Lock()
	layoutCache.m = map[string]fitResult{}
	layoutCache.Unlock()
}

// A cache hit must give exactly the image a miss gives, for every kind and
// for serials whose digits differ (the layout key writes digits as '0').
func TestCachedRenderIdentical(t *testing.T) {
	for _, k := range Kinds {
		for _, s := range []Size{Size50x30, Size60x40} {
			for _, serial := range []int{1, 7, 19, 20} {
				d := Sample(k)
				d.Serial, d.Total = serial, 20
				resetCaches()
				Render(Data{Kind: k}, s, 203, Options{}) // an error; caches nothing useful
				warm := Sample(k)
				warm.Serial, warm.Total = 11, 20
				Render(warm, s, 203, Options{})
				hit, err1 := Render(d, s, 203, Options{})
				resetCaches()
				miss, err2 := Render(d, s, 203, Options{})
				if (err1 == nil) != (err2 == nil) {
					t.Fatalf("%s %s serial %d: cached %v, uncached %v", k, s, serial, err1, err2)
				}
				if err1 != nil {
					continue // too much text for this size either way
				}
				if n := hit.Diff(miss); n != 0 {
					t.Fatalf("%s %s serial %d: cached render differs by %d dots", k, s, serial, n)
				}
			}
		}
	}
}

func BenchmarkQROnly(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			q, _ := qrNew("https://trace.example.cn/t/11593966828965943445")
			_ = q
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "labels/s")
}
