// Command icongen draws Suyuan's application icon (assets/icon.png): a green
// rounded square, three QR finder patterns, a light leaf in the fourth corner and 溯 drawn with the
// bundled CJK font. Run from the repository root: go run ./assets/icongen.
// The output is committed; the program exists so the icon can be remade.
package main

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"suyuan/assets"
)

const size = 512

func main() {
	out := flag.String("o", "assets/icon.png", "output PNG")
	flag.Parse()
	img := draw()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// cover returns how much of pixel (x,y) lies inside shape, by 4×4 supersampling.
func cover(x, y int, inside func(fx, fy float64) bool) float64 {
	n := 0
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if inside(float64(x)+(float64(i)+0.5)/4, float64(y)+(float64(j)+0.5)/4) {
				n++
			}
		}
	}
	return float64(n) / 16
}

func blend(img *image.NRGBA, x, y int, c color.NRGBA, a float64) {
	if a <= 0 {
		return
	}
	o := img.NRGBAAt(x, y)
	mix := func(d, s uint8) uint8 { return uint8(float64(d)*(1-a) + float64(s)*a + 0.5) }
	oa := float64(o.A) / 255
	na := a + oa*(1-a)
	img.SetNRGBA(x, y, color.NRGBA{mix(o.R, c.R), mix(o.G, c.G), mix(o.B, c.B), uint8(na*255 + 0.5)})
}

func fill(img *image.NRGBA, c color.NRGBA, inside func(fx, fy float64) bool) {
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			blend(img, x, y, c, cover(x, y, inside))
		}
	}
}

func roundRect(x0, y0, x1, y1, r float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx := math.Max(x0+r, math.Min(x, x1-r))
		cy := math.Max(y0+r, math.Min(y, y1-r))
		return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
	}
}

func draw() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	green := color.NRGBA{0x2e, 0x7d, 0x32, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	fill(img, green, roundRect(16, 16, 496, 496, 96))

	// Leaf: intersection of two circles, tilted, lower right.
	leaf := func(x, y float64) bool {
		// rotate around the leaf centre by -35°
		cx, cy := 412.0, 412.0
		a := -45 * math.Pi / 180
		dx, dy := x-cx, y-cy
		rx := dx*math.Cos(a) - dy*math.Sin(a)
		ry := dx*math.Sin(a) + dy*math.Cos(a)
		r := 70.0
		return math.Hypot(rx, ry-42) < r && math.Hypot(rx, ry+42) < r
	}
	fill(img, color.NRGBA{0x81, 0xc7, 0x84, 0xff}, leaf)
	// Leaf vein.
	fill(img, green, func(x, y float64) bool {
		cx, cy := 412.0, 412.0
		a := -45 * math.Pi / 180
		dx, dy := x-cx, y-cy
		rx := dx*math.Cos(a) - dy*math.Sin(a)
		ry := dx*math.Sin(a) + dy*math.Cos(a)
		return math.Abs(ry) < 3 && math.Abs(rx) < 45
	})

	// QR finder pattern, upper left: the "trace" half of the motif.
	finder := func(ox, oy float64) {
		fill(img, white, roundRect(ox, oy, ox+84, oy+84, 8))
		fill(img, green, roundRect(ox+12, oy+12, ox+72, oy+72, 5))
		fill(img, white, roundRect(ox+24, oy+24, ox+60, oy+60, 3))
	}
	finder(56, 56)
	finder(372, 56)
	finder(56, 372)

	// 溯 with the bundled font, white, centred on the left-lower area.
	f, err := opentype.Parse(assets.CJKFont)
	if err != nil {
		log.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 250, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		log.Fatal(err)
	}
	defer face.Close()
	mask := image.NewAlpha(img.Bounds())
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face}
	b, _ := d.BoundString("溯")
	w := (b.Max.X - b.Min.X).Ceil()
	h := (b.Max.Y - b.Min.Y).Ceil()
	x := (size-w)/2 - b.Min.X.Floor()
	y := (size-h)/2 - b.Min.Y.Floor()
	d.Dot = fixed.P(x, y)
	d.DrawString("溯")
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			if a := mask.AlphaAt(px, py).A; a > 0 {
				blend(img, px, py, white, float64(a)/255)
			}
		}
	}
	return img
}
