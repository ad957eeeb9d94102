package label

import (
	"strconv"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// Caches that make a print run cheap per label. A run of N boxes of one lot
// differs only in the serial: same QR content (unless the URL template uses
// {serial}), same texts except the serial's digits. Both caches hold only
// pure functions of their keys, so a hit gives exactly the image a miss
// would (the golden and round-trip tests check pixel identity). Both are
// bounded and start afresh when full, like the glyph cache.

const (
	maxCachedQR      = 512
	maxCachedLayouts = 1024
)

// qrEntry is one encoded QR code: dark modules per row, without the quiet zone.
type qrEntry struct {
	modules [][]bool
	err     error
}

var qrCache = struct {
	sync.RWMutex
	m map[string]*qrEntry
}{m: map[string]*qrEntry{}}

// qrModules encodes content (ECC M) once per content. The result is shared
// and must not be modified.
func qrModules(content string) ([][]bool, error) {
	qrCache.RLock()
	e := qrCache.m[content]
	qrCache.RUnlock()
	if e != nil {
		return e.modules, e.err
	}
	e = &qrEntry{}
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		e.err = err
	} else {
		q.DisableBorder = true
		e.modules = q.Bitmap()
	}
	qrCache.Lock()
	if len(qrCache.m) >= maxCachedQR {
		qrCache.m = map[string]*qrEntry{}
	}
	qrCache.m[content] = e
	qrCache.Unlock()
	return e.modules, e.err
}

// fitResult is the outcome of the size search in Render.
type fitResult struct {
	body, mod int
	compact   bool
}

var layoutCache = struct {
	sync.RWMutex
	m map[string]fitResult
}{m: map[string]fitResult{}}

// layoutKey names everything the size search depends on: the box and QR
// geometry inputs, the fonts, and each item's field, style and text. When
// the Latin font's ten digits have the same advance (true for Go Regular,
// checked, not assumed), every ASCII digit is written as '0': line breaking
// sees only advances and character classes, so "序号：7/20" and "序号：8/20"
// (or codes differing only in digits) fit identically.
func layoutKey(f *Fonts, size Size, dpi int, opts Options, n int, its []item) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(strconv.FormatUint(uint64(f.id), 10))
	for _, v := range []float64{size.WidthMM, size.HeightMM, opts.MarginMM, opts.MinTextMM} {
		b.WriteByte('|')
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(dpi))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(n))
	uniform := f.digitsUniform()
	for _, it := range its {
		b.WriteByte(0)
		b.WriteString(it.field)
		b.WriteByte(0)
		b.WriteString(strconv.FormatFloat(it.scale, 'g', -1, 64))
		b.WriteByte(0)
		b.WriteString(strconv.FormatFloat(it.gap, 'g', -1, 64))
		if it.bold {
			b.WriteByte('B')
		}
		b.WriteByte(0)
		for _, r := range it.text {
			if uniform && r >= '0' && r <= '9' {
				r = '0'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func cachedFit(key string) (fitResult, bool) {
	layoutCache.RLock()
	r, ok := layoutCache.m[key]
	layoutCache.RUnlock()
	return r, ok
}

func storeFit(key string, r fitResult) {
	layoutCache.Lock()
	if len(layoutCache.m) >= maxCachedLayouts {
		layoutCache.m = map[string]fitResult{}
	}
	layoutCache.m[key] = r
	layoutCache.Unlock()
}

// digitsUniform reports whether '0'…'9' all have the same advance in the
// Latin font (in font units; unhinted faces scale advances linearly, so
// equal units give equal advances at every size) and are drawn from it.
func (f *Fonts) digitsUniform() bool {
	f.digitsOnce.Do(func() {
		f.faceMu.Lock()
		defer f.faceMu.Unlock()
		ppem := fixed.Int26_6(f.latin.UnitsPerEm()) << 6
		var first fixed.Int26_6
		for r := '0'; r <= '9'; r++ {
			i, err := f.latin.GlyphIndex(&f.buf, r)
			if err != nil || i == 0 {
				return
			}
			a, err := f.latin.GlyphAdvance(&f.buf, i, ppem, font.HintingNone)
			if err != nil {
				return
			}
			if r == '0' {
				first = a
			} else if a != first {
				return
			}
		}
		f.uniformDigits = true
	})
	return f.uniformDigits
}
