package printer

import (
	"image"
	"image/color"
	"math"
)

// Bitmap is a 1-bit image: bit set = black dot, rows packed MSB first
// (the leftmost dot is bit 7 of the first byte), Stride bytes per row.
// Padding bits at the end of each row are always 0 so rows can be compared
// byte for byte. It is the single image the layout engine draws, the GUI
// previews and every encoder consumes (preview == print).
type Bitmap struct {
	Width, Height int
	Stride        int
	Pix           []byte
}

var _ image.Image = (*Bitmap)(nil)

// NewBitmap returns an all-white bitmap.
func NewBitmap(w, h int) *Bitmap {
	if w < 0 {
		w = 0
	}
	if h < 0 {
		h = 0
	}
	stride := (w + 7) / 8
	return &Bitmap{Width: w, Height: h, Stride: stride, Pix: make([]byte, stride*h)}
}

// DotsPerMM is the printer convention: 203 dpi heads have 8 dots/mm and
// 300 dpi heads 12 dots/mm (TSPL manual), so sizes round to whole dots/mm.
func DotsPerMM(dpi int) int {
	d := int(math.Round(float64(dpi) / 25.4))
	if d < 1 {
		d = 1
	}
	return d
}

// MMToDots converts a length in millimetres at dpi to whole printer dots.
func MMToDots(mm float64, dpi int) int {
	return int(math.Round(mm * float64(DotsPerMM(dpi))))
}

// Black reports whether (x, y) is a black dot; outside the bitmap is white.
func (b *Bitmap) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return false
	}
	return b.Pix[y*b.Stride+x>>3]&(0x80>>(x&7)) != 0
}

// Set paints (x, y) black or white; points outside are ignored so that
// nothing can ever be drawn off the label.
func (b *Bitmap) Set(x, y int, black bool) {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return
	}
	i := y*b.Stride + x>>3
	m := byte(0x80 >> (x & 7))
	if black {
		b.Pix[i] |= m
	} else {
		b.Pix[i] &^= m
	}
}

// FillRect paints r (clipped to the bitmap) black.
func (b *Bitmap) FillRect(r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, b.Width, b.Height))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := b.Pix[y*b.Stride : (y+1)*b.Stride]
		for x := r.Min.X; x < r.Max.X; {
			if x&7 == 0 && x+8 <= r.Max.X {
				row[x>>3] = 0xff
				x += 8
				continue
			}
			row[x>>3] |= 0x80 >> (x & 7)
			x++
		}
	}
}

// ColorModel implements image.Image.
func (b *Bitmap) ColorModel() color.Model { return color.GrayModel }

// Bounds implements image.Image.
func (b *Bitmap) Bounds() image.Rectangle { return image.Rect(0, 0, b.Width, b.Height) }

// At implements image.Image: black or white.
func (b *Bitmap) At(x, y int) color.Color {
	if b.Black(x, y) {
		return color.Gray{0}
	}
	return color.Gray{255}
}

// InkBounds is the smallest rectangle holding every black dot (empty if none).
func (b *Bitmap) InkBounds() image.Rectangle {
	var r image.Rectangle
	for y := 0; y < b.Height; y++ {
		row := b.Pix[y*b.Stride : (y+1)*b.Stride]
		for i, v := range row {
			if v == 0 {
				continue
			}
			for bit := 0; bit < 8; bit++ {
				if v&(0x80>>bit) != 0 {
					x := i*8 + bit
					r = r.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
	}
	return r
}

// Diff counts the dots that differ; images of different size differ everywhere.
func (b *Bitmap) Diff(o *Bitmap) int {
	if o == nil || b.Width != o.Width || b.Height != o.Height {
		return max(b.Width*b.Height, 1)
	}
	n := 0
	for y := 0; y < b.Height; y++ {
		r1, r2 := b.Pix[y*b.Stride:(y+1)*b.Stride], o.Pix[y*o.Stride:(y+1)*o.Stride]
		if string(r1) == string(r2) {
			continue
		}
		for x := 0; x < b.Width; x++ {
			if b.Black(x, y) != o.Black(x, y) {
				n++
			}
		}
	}
	return n
}

// Clone returns a deep copy.
func (b *Bitmap) Clone() *Bitmap {
	c := *b
	c.Pix = append([]byte(nil), b.Pix...)
	return &c
}

// FromImage thresholds any image (luma < 50 % = black) into a Bitmap.
func FromImage(img image.Image) *Bitmap {
	r := img.Bounds()
	b := NewBitmap(r.Dx(), r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			_, _, _, a := img.At(x, y).RGBA()
			if a >= 0x8000 && g.Y < 128 {
				b.Set(x-r.Min.X, y-r.Min.Y, true)
			}
		}
	}
	return b
}
