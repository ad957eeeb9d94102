package printer

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
)

// Lang is a printer command language or file format.
type Lang string

// Supported languages. TSPL is the default: Chinese desktop label printers
// (TSC, 佳博, 芯烨, 汉印) all speak it.
const (
	TSPL   Lang = "tspl"
	ZPL    Lang = "zpl"
	ESCPOS Lang = "escpos"
	PNG    Lang = "png"
	PDF    Lang = "pdf"
)

// Langs lists every Lang, in the order settings offer them.
var Langs = []Lang{TSPL, ZPL, ESCPOS, PNG, PDF}

// ParseLang accepts the names above, case-insensitively.
func ParseLang(s string) (Lang, error) {
	l := Lang(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Langs {
		if l == k {
			return l, nil
		}
	}
	return "", newErr(ErrUnsupported, s, nil,
		fmt.Sprintf("不支持的打印语言 %q，可选 tspl、zpl、escpos、png、pdf。", s),
		fmt.Sprintf("Unknown printer language %q; choose tspl, zpl, escpos, png or pdf.", s))
}

// JobOptions are the per-job printer settings. Zero values mean defaults.
type JobOptions struct {
	DPI       int     // dots per inch of the printer head: 203 (default) or 300
	Copies    int     // identical copies of this label (default 1); serial labels are separate jobs
	Density   int     // TSPL DENSITY 0–15 (default 8)
	Speed     int     // TSPL SPEED in inch/s (0 = printer default)
	GapMM     float64 // gap between labels in mm (default 2; negative = continuous stock)
	Direction int     // TSPL DIRECTION 0 or 1 (default 1)
}

func (o JobOptions) norm() JobOptions {
	if o.DPI <= 0 {
		o.DPI = 203
	}
	if o.Copies <= 0 {
		o.Copies = 1
	}
	if o.Density <= 0 || o.Density > 15 {
		o.Density = 8
	}
	if o.GapMM == 0 {
		o.GapMM = 2
	}
	if o.Direction != 0 {
		o.Direction = 1
	}
	return o
}

func mmString(dots, dpm int) string {
	return strconv.FormatFloat(float64(dots)/float64(dpm), 'f', -1, 64)
}

// EncodeTSPL returns one TSPL job printing b. TSPL's BITMAP uses the opposite
// polarity to everything else: bit 1 = white (no dot), so every byte is
// inverted, and the padding bits of the last byte in a row are set (white).
// The payload is binary and is followed by CR LF.
func EncodeTSPL(b *Bitmap, o JobOptions) []byte {
	return AppendTSPL(make([]byte, 0, len(b.Pix)+256), b, o)
}

// AppendTSPL is EncodeTSPL appending to dst, so a print loop can reuse one
// buffer: the packing line prints thousands of labels and the payload is the
// size of the image. The header is built with strconv appends and the
// payload inverted a row at a time, with no per-byte buffer calls.
func AppendTSPL(dst []byte, b *Bitmap, o JobOptions) []byte {
	o = o.norm()
	dpm := DotsPerMM(o.DPI)
	dst = append(dst, "SIZE "...)
	dst = append(dst, mmString(b.Width, dpm)...)
	dst = append(dst, " mm,"...)
	dst = append(dst, mmString(b.Height, dpm)...)
	dst = append(dst, " mm\r\n"...)
	if o.GapMM < 0 {
		dst = append(dst, "GAP 0,0\r\n"...)
	} else {
		dst = append(dst, "GAP "...)
		dst = strconv.AppendFloat(dst, o.GapMM, 'f', -1, 64)
		dst = append(dst, " mm,0 mm\r\n"...)
	}
	dst = append(dst, "DIRECTION "...)
	dst = strconv.AppendInt(dst, int64(o.Direction), 10)
	dst = append(dst, "\r\nREFERENCE 0,0\r\nDENSITY "...)
	dst = strconv.AppendInt(dst, int64(o.Density), 10)
	dst = append(dst, "\r\n"...)
	if o.Speed > 0 {
		dst = append(dst, "SPEED "...)
		dst = strconv.AppendInt(dst, int64(o.Speed), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "CLS\r\nBITMAP 0,0,"...)
	dst = strconv.AppendInt(dst, int64(b.Stride), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(b.Height), 10)
	dst = append(dst, ",0,"...)
	pad := byte(0)
	if r := b.Width & 7; r != 0 {
		pad = 0xff >> r
	}
	n := len(dst)
	dst = append(dst, b.Pix[:b.Stride*b.Height]...)
	payload := dst[n:]
	for i := range payload {
		payload[i] = ^payload[i]
	}
	if pad != 0 && b.Stride > 0 {
		for i := b.Stride - 1; i < len(payload); i += b.Stride {
			payload[i] |= pad
		}
	}
	dst = append(dst, "\r\nPRINT 1,"...)
	dst = strconv.AppendInt(dst, int64(o.Copies), 10)
	dst = append(dst, "\r\n"...)
	return dst
}

// EncodeZPL returns one ZPL II job printing b as a ^GFA graphic field
// (uncompressed ASCII hex, the form every ZPL emulation accepts; bit 1 =
// black, MSB first).
func EncodeZPL(b *Bitmap, o JobOptions) []byte {
	o = o.norm()
	total := len(b.Pix)
	var buf bytes.Buffer
	buf.Grow(2*total + 128)
	fmt.Fprintf(&buf, "^XA\n^PW%d\n^LL%d\n^LH0,0\n^FO0,0^GFA,%d,%d,%d,", b.Width, b.Height, total, total, b.Stride)
	line := make([]byte, 2*b.Stride)
	for y := 0; y < b.Height; y++ {
		hex.Encode(line, b.Pix[y*b.Stride:(y+1)*b.Stride])
		buf.Write(bytes.ToUpper(line))
		buf.WriteByte('\n')
	}
	fmt.Fprintf(&buf, "^FS\n^PQ%d\n^XZ\n", o.Copies)
	return buf.Bytes()
}

// escposBand is the height of one GS v 0 raster command; many receipt
// printers cannot buffer a whole label, so the image goes in bands.
const escposBand = 256

// EncodeESCPOS returns an ESC/POS job: ESC @, the image as GS v 0 raster bands
// (bit 1 = black), then a feed. Copies repeat the image.
func EncodeESCPOS(b *Bitmap, o JobOptions) []byte {
	o = o.norm()
	var buf bytes.Buffer
	buf.Write([]byte{0x1b, '@'})
	for c := 0; c < o.Copies; c++ {
		for y0 := 0; y0 < b.Height; y0 += escposBand {
			h := min(escposBand, b.Height-y0)
			buf.Write([]byte{0x1d, 'v', '0', 0,
				byte(b.Stride), byte(b.Stride >> 8), byte(h), byte(h >> 8)})
			buf.Write(b.Pix[y0*b.Stride : (y0+h)*b.Stride])
		}
		buf.Write([]byte{0x1b, 'd', 3}) // feed 3 lines past the tear bar
	}
	return buf.Bytes()
}

var bwPalette = color.Palette{color.Gray{255}, color.Gray{0}}

// PalettedImage converts b to a 2-colour paletted image (index 1 = black);
// PNG then stores it at 1 bit per pixel.
func PalettedImage(b *Bitmap) *image.Paletted {
	p := image.NewPaletted(image.Rect(0, 0, b.Width, b.Height), bwPalette)
	for y := 0; y < b.Height; y++ {
		row := b.Pix[y*b.Stride:]
		out := p.Pix[y*p.Stride:]
		for x := 0; x < b.Width; x++ {
			if row[x>>3]&(0x80>>(x&7)) != 0 {
				out[x] = 1
			}
		}
	}
	return p
}

// EncodePNG returns b as a 1-bit PNG (white background, black dots).
func EncodePNG(b *Bitmap) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, PalettedImage(b)); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// Encode dispatches to the encoder for lang; PDF puts b on A4 (see EncodePDF).
func Encode(lang Lang, b *Bitmap, o JobOptions) ([]byte, error) {
	switch lang {
	case TSPL, "":
		return EncodeTSPL(b, o), nil
	case ZPL:
		return EncodeZPL(b, o), nil
	case ESCPOS:
		return EncodeESCPOS(b, o), nil
	case PNG:
		return EncodePNG(b)
	case PDF:
		return EncodePDF(PDFOptions{DPI: o.DPI}, b)
	}
	_, err := ParseLang(string(lang))
	return nil, err
}
