package printer

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"testing"
)

// referenceTSPL is the straightforward encoder AppendTSPL replaced (one
// buffer write per byte); the fast one must produce the same bytes.
func referenceTSPL(b *Bitmap, o JobOptions) []byte {
	o = o.norm()
	dpm := DotsPerMM(o.DPI)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "SIZE %s mm,%s mm\r\n", mmString(b.Width, dpm), mmString(b.Height, dpm))
	if o.GapMM < 0 {
		buf.WriteString("GAP 0,0\r\n")
	} else {
		fmt.Fprintf(&buf, "GAP %s mm,0 mm\r\n", strconv.FormatFloat(o.GapMM, 'f', -1, 64))
	}
	fmt.Fprintf(&buf, "DIRECTION %d\r\nREFERENCE 0,0\r\nDENSITY %d\r\n", o.Direction, o.Density)
	if o.Speed > 0 {
		fmt.Fprintf(&buf, "SPEED %d\r\n", o.Speed)
	}
	buf.WriteString("CLS\r\n")
	fmt.Fprintf(&buf, "BITMAP 0,0,%d,%d,0,", b.Stride, b.Height)
	pad := byte(0)
	if r := b.Width & 7; r != 0 {
		pad = 0xff >> r
	}
	for y := 0; y < b.Height; y++ {
		row := b.Pix[y*b.Stride : (y+1)*b.Stride]
		for i, v := range row {
			v = ^v
			if i == len(row)-1 {
				v |= pad
			}
			buf.WriteByte(v)
		}
	}
	fmt.Fprintf(&buf, "\r\nPRINT 1,%d\r\n", o.Copies)
	return buf.Bytes()
}

func TestAppendTSPLMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tests := []struct {
		w, h int
		o    JobOptions
	}{
		{480, 320, JobOptions{}},
		{481, 17, JobOptions{DPI: 300, Copies: 3, Speed: 4}},
		{7, 5, JobOptions{GapMM: -1, Density: 12, Direction: 0}},
		{1, 1, JobOptions{GapMM: 2.5}},
		{0, 0, JobOptions{}},
	}
	for _, tt := range tests {
		b := NewBitmap(tt.w, tt.h)
		for y := 0; y < tt.h; y++ {
			for x := 0; x < tt.w; x++ {
				b.Set(x, y, rng.Intn(3) == 0)
			}
		}
		want := referenceTSPL(b, tt.o)
		if got := EncodeTSPL(b, tt.o); !bytes.Equal(got, want) {
			t.Errorf("%dx%d %+v: EncodeTSPL differs from the reference", tt.w, tt.h, tt.o)
		}
		if got := AppendTSPL([]byte("prefix"), b, tt.o); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("%dx%d: AppendTSPL does not append", tt.w, tt.h)
		}
	}
}
