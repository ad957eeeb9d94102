package label

import (
	"fmt"
	"image"
	"sync"
	"sync/atomic"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"suyuan/assets"
)

// Fonts renders glyphs for labels: Latin letters and digits from the Latin
// font (DroidSansFallback has none), everything else from the CJK font.
// Glyphs are rasterised once per (font, size, rune), thresholded to 1 bit and
// kept as horizontal runs, because rasterising outlines is by far the most
// expensive step and a print run repeats the same characters thousands of
// times. Safe for concurrent use.
type Fonts struct {
	latin, cjk *sfnt.Font
	id         uint64 // distinguishes font sets in the layout cache

	digitsOnce    sync.Once
	uniformDigits bool

	mu     sync.RWMutex
	glyphs map[glyphKey]*glyph

	faceMu sync.Mutex
	faces  map[faceKey]font.Face
	buf    sfnt.Buffer
}

type faceKey struct {
	which uint8
	size  int
}

type glyphKey struct {
	size int
	r    rune
}

// glyph is one rasterised character: advance in dots and its black runs
// relative to the pen position on the baseline.
type glyph struct {
	adv  int
	runs []glyphRun
	ok   bool // false: no font has this rune
}

type glyphRun struct{ y, x0, x1 int }

const (
	fontLatin uint8 = iota
	fontCJK
)

// maxCachedGlyphs bounds the cache (arbitrary input at many sizes must not
// grow memory without limit); on overflow the cache starts afresh.
const maxCachedGlyphs = 60000

// inkThreshold: coverage ≥ 100/255 prints. A little below 50 % keeps thin
// CJK strokes visible at 12–16 dot sizes on thermal heads.
const inkThreshold = 100

// NewFonts parses the two TrueType fonts.
func NewFonts(latinTTF, cjkTTF []byte) (*Fonts, error) {
	l, err := opentype.Parse(latinTTF)
	if err != nil {
		return nil, fmt.Errorf("parse latin font: %w", err)
	}
	c, err := opentype.Parse(cjkTTF)
	if err != nil {
		return nil, fmt.Errorf("parse cjk font: %w", err)
	}
	return &Fonts{latin: l, cjk: c, id: fontsIDs.Add(1), glyphs: map[glyphKey]*glyph{}, faces: map[faceKey]font.Face{}}, nil
}

var fontsIDs atomic.Uint64

var (
	defaultFontsOnce sync.Once
	defaultFonts     *Fonts
	defaultFontsErr  error
)

// DefaultFonts returns the embedded fonts (assets.LatinFont + assets.CJKFont),
// parsed once per process.
func DefaultFonts() (*Fonts, error) {
	defaultFontsOnce.Do(func() {
		defaultFonts, defaultFontsErr = NewFonts(assets.LatinFont, assets.CJKFont)
	})
	return defaultFonts, defaultFontsErr
}

// Has reports whether some font has a glyph for r.
func (f *Fonts) Has(r rune) bool { return f.glyph(r, 16).ok }

func (f *Fonts) glyph(r rune, size int) *glyph {
	k := glyphKey{size, r}
	f.mu.RLock()
	g := f.glyphs[k]
	f.mu.RUnlock()
	if g != nil {
		return g
	}
	g = f.rasterise(r, size)
	f.mu.Lock()
	if len(f.glyphs) >= maxCachedGlyphs {
		f.glyphs = map[glyphKey]*glyph{}
	}
	f.glyphs[k] = g
	f.mu.Unlock()
	return g
}

func (f *Fonts) rasterise(r rune, size int) *glyph {
	f.faceMu.Lock()
	defer f.faceMu.Unlock()
	which := fontLatin
	if i, err := f.latin.GlyphIndex(&f.buf, r); err != nil || i == 0 {
		which = fontCJK
		if i, err := f.cjk.GlyphIndex(&f.buf, r); err != nil || i == 0 {
			return &glyph{}
		}
	}
	fk := faceKey{which, size}
	face := f.faces[fk]
	if face == nil {
		src := f.latin
		if which == fontCJK {
			src = f.cjk
		}
		var err error
		face, err = opentype.NewFace(src, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return &glyph{}
		}
		f.faces[fk] = face
	}
	dr, mask, mp, adv, ok := face.Glyph(fixed.Point26_6{}, r)
	g := &glyph{adv: adv.Round(), ok: true}
	if !ok {
		// Space-like glyphs can have no outline; keep their advance.
		a, aok := face.GlyphAdvance(r)
		if !aok {
			return &glyph{}
		}
		g.adv = a.Round()
		return g
	}
	alpha, _ := mask.(*image.Alpha)
	for y := dr.Min.Y; y < dr.Max.Y; y++ {
		x0 := -1
		for x := dr.Min.X; x <= dr.Max.X; x++ {
			on := false
			if x < dr.Max.X {
				mx, my := mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y
				if alpha != nil {
					on = alpha.AlphaAt(mx, my).A >= inkThreshold
				} else {
					_, _, _, a := mask.At(mx, my).RGBA()
					on = a>>8 >= inkThreshold
				}
			}
			if on && x0 < 0 {
				x0 = x
			} else if !on && x0 >= 0 {
				g.runs = append(g.runs, glyphRun{y, x0, x})
				x0 = -1
			}
		}
	}
	return g
}
