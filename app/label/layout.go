package label

import (
	"fmt"
	"image"
	"math"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"suyuan/device/printer"
)

// quietModules is the QR quiet zone the standard requires on every side.
const quietModules = 4

// Render lays d out on a label of size at dpi and returns the 1-bit image.
//
// Layout: the QR code (with its quiet zone) sits in the top-right corner;
// text flows in the column to its left and uses the full width below it. The
// title (product name, 入市追溯凭证 or 承诺达标合格证) is the first, largest line,
// so on certificates "承诺达标合格证" stands right next to its QR as the 2025
// rule asks. Text wraps; if it still does not fit, all text shrinks
// together down to Options.MinTextMM and then the QR modules shrink to
// 0.3 mm; past that Render returns an *Error naming the longest field. No
// dot is ever drawn outside the margins.
func Render(d Data, size Size, dpi int, opts Options) (*printer.Bitmap, error) {
	opts, err := opts.norm()
	if err != nil {
		return nil, err
	}
	if dpi < 100 || dpi > 1200 {
		return nil, userErr(fmt.Sprintf("打印精度 %d dpi 无效，常见为 203 或 300。", dpi),
			fmt.Sprintf("Resolution %d dpi is invalid; printers use 203 or 300.", dpi))
	}
	if size.WidthMM < 20 || size.HeightMM < 15 || size.WidthMM > 300 || size.HeightMM > 400 {
		return nil, userErr(fmt.Sprintf("标签尺寸 %s 超出范围（20x15 到 300x400 毫米）。", size),
			fmt.Sprintf("Label size %s is out of range (20x15 to 300x400 mm).", size))
	}
	d, err = cleaned(d)
	if err != nil {
		return nil, err
	}
	if err := validate(d); err != nil {
		return nil, err
	}
	content, err := qrContent(d, opts.URLTemplate)
	if err != nil {
		return nil, err
	}
	its := items(d, false)
	if err := checkGlyphs(opts.Fonts, d, its); err != nil {
		return nil, err
	}
	modules, err := qrModules(content)
	if err != nil {
		return nil, &Error{Field: "URL", ZH: "二维码内容太长，无法生成：请缩短网址模板。", EN: "The QR content is too long: shorten the URL template."}
	}

	dpm := float64(printer.DotsPerMM(dpi))
	W, H := printer.MMToDots(size.WidthMM, dpi), printer.MMToDots(size.HeightMM, dpi)
	margin := int(math.Round(opts.MarginMM * dpm))
	e := &engine{
		fonts: opts.Fonts, items: its,
		box: image.Rect(margin, margin, W-margin, H-margin),
		n:   len(modules), margin: margin,
	}
	page := size.HeightMM >= 150
	maxBody, maxModMM := int(math.Round(4*dpm)), 0.75
	if page {
		maxBody, maxModMM = int(math.Round(7*dpm)), 1.2
	}
	maxBody = min(maxBody, e.box.Dy()/8)
	minBody := max(12, int(math.Round(opts.MinTextMM*dpm)))
	maxMod := max(2, int(math.Round(maxModMM*dpm)))
	minMod := max(2, int(math.Ceil(0.3*dpm)))
	if maxBody < minBody {
		maxBody = minBody
	}

	// The size search is the expensive part of a layout and is the same for
	// every label of a run: memoised (see layoutKey).
	key := layoutKey(opts.Fonts, size, dpi, opts, e.n, its)
	r, ok := cachedFit(key)
	if !ok {
		if r, err = e.fit(d, its, size, minBody, maxBody, minMod, maxMod); err != nil {
			return nil, err
		}
		storeFit(key, r)
	}
	if r.compact {
		e.items = items(d, true)
	}
	body, mod := r.body, r.mod
	lines, _ := e.flow(body, mod)

	img := printer.NewBitmap(W, H)
	qr := e.qrRect(mod)
	quiet := quietModules * mod
	drawQR(img, modules, qr.Min.X+quiet, qr.Min.Y+quiet, mod)
	for _, l := range lines {
		e.draw(img, l)
	}
	return img, nil
}

// fit finds the largest body size that fits with the smallest QR, then the
// largest QR that still fits with that body size; on small labels it falls
// back to the compact form (承诺依据 as text).
func (e *engine) fit(d Data, its []item, size Size, minBody, maxBody, minMod, maxMod int) (fitResult, error) {
	fit := func(body, mod int) bool { _, ok := e.flow(body, mod); return ok }
	compact := false
	if !fit(minBody, minMod) {
		e.items = items(d, true)
		compact = true
		if !fit(minBody, minMod) {
			e.items = its
			return fitResult{}, e.tooBig(size)
		}
	}
	lo, hi := minBody, maxBody
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fit(mid, minMod) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	body, mod := lo, minMod
	for m := maxMod; m > minMod; m-- {
		if fit(body, m) {
			mod = m
			break
		}
	}
	return fitResult{body: body, mod: mod, compact: compact}, nil
}

// drawQR paints the modules at (ox, oy), mod dots each: one packed row per
// module row, ORed into the mod image rows it covers, instead of a
// rectangle fill per module. Dots outside the bitmap are dropped, as
// FillRect would.
func drawQR(img *printer.Bitmap, modules [][]bool, ox, oy, mod int) {
	if len(modules) == 0 {
		return
	}
	row := make([]byte, img.Stride)
	for y, mrow := range modules {
		clear(row)
		ink := false
		for x, dark := range mrow {
			if !dark {
				continue
			}
			ink = true
			x0, x1 := max(ox+x*mod, 0), min(ox+(x+1)*mod, img.Width)
			for px := x0; px < x1; px++ {
				row[px>>3] |= 0x80 >> (px & 7)
			}
		}
		if !ink {
			continue
		}
		for py := max(oy+y*mod, 0); py < min(oy+(y+1)*mod, img.Height); py++ {
			dst := img.Pix[py*img.Stride : (py+1)*img.Stride]
			for i, v := range row {
				dst[i] |= v
			}
		}
	}
}

// checkGlyphs refuses characters no embedded font has (emoji, rare hanzi
// outside GB2312): printing a blank box on a legal document is worse than
// asking the user to rewrite the text.
func checkGlyphs(f *Fonts, d Data, its []item) error {
	for _, it := range its {
		for _, r := range it.text {
			if r == boxEmpty || r == boxChecked || r == ' ' {
				continue
			}
			if !f.Has(r) {
				field := it.field
				n, ok := fieldNames[field]
				if !ok {
					n = [2]string{field, field}
				}
				return &Error{Field: field,
					ZH: fmt.Sprintf("「%s」中的字符“%s”(U+%04X) 无法打印（字体中没有），请改写。", n[0], string(r), r),
					EN: fmt.Sprintf("The character %q (U+%04X) in the %s cannot be printed (not in the font); please rewrite it.", string(r), r, n[1])}
			}
		}
	}
	return nil
}

type engine struct {
	fonts  *Fonts
	items  []item
	box    image.Rectangle // content area inside the margins
	n      int             // QR modules per side, without quiet zone
	margin int
}

// qrRect is the QR square including its quiet zone. The quiet zone is white,
// so it may reach into the label margin.
func (e *engine) qrRect(mod int) image.Rectangle {
	side := (e.n + 2*quietModules) * mod
	over := min(e.margin, quietModules*mod)
	return image.Rect(e.box.Max.X+over-side, e.box.Min.Y-over, e.box.Max.X+over, e.box.Min.Y-over+side)
}

// line is one placed line of text; clip is the area it may draw in.
type line struct {
	runes []rune
	size  int
	bold  bool
	x, y  int // pen start: left edge, baseline
	clip  image.Rectangle
}

// flow places all items for a body size and QR module size; ok is false if
// they do not fit inside the box.
func (e *engine) flow(body, mod int) ([]line, bool) {
	qr := e.qrRect(mod)
	if qr.Min.X < e.box.Min.X+body*4 || qr.Max.Y > e.box.Max.Y+e.margin {
		return nil, false // QR leaves no text column
	}
	var out []line
	y := e.box.Min.Y
	for _, it := range e.items {
		size := max(1, int(math.Round(float64(body)*it.scale)))
		lh := int(math.Round(float64(size) * 1.22))
		y += int(math.Round(it.gap * float64(body)))
		rest := it.text
		for len(rest) > 0 {
			if y+lh > e.box.Max.Y {
				return nil, false
			}
			avail := e.box.Dx()
			if y < qr.Max.Y {
				avail = qr.Min.X - e.box.Min.X
			}
			n := e.breakAt(rest, size, it.bold, avail)
			if n == 0 {
				return nil, false
			}
			ln := trimRunes(rest[:n])
			out = append(out, line{runes: ln, size: size, bold: it.bold,
				x: e.box.Min.X, y: y + int(math.Round(float64(size)*0.92)),
				clip: image.Rect(e.box.Min.X, y, e.box.Min.X+avail, y+lh)})
			rest = trimLeft(rest[n:])
			y += lh
		}
	}
	return out, true
}

func trimRunes(r []rune) []rune {
	for len(r) > 0 && r[len(r)-1] == ' ' {
		r = r[:len(r)-1]
	}
	return r
}

func trimLeft(r []rune) []rune {
	for len(r) > 0 && r[0] == ' ' {
		r = r[1:]
	}
	return r
}

func (e *engine) advance(r rune, size int) int {
	if r == boxEmpty || r == boxChecked {
		return size + size/4
	}
	return e.fonts.glyph(r, size).adv
}

// noLineStart holds closing punctuation that must not begin a line.
const noLineStart = "，。、；：？！）》」』】,.;:?!)"

func wide(r rune) bool {
	return r >= 0x2E80 || r == boxEmpty || r == boxChecked
}

// breakAt returns how many runes of rs go on a line of width avail: break
// after a space or next to a CJK character (never before closing
// punctuation), else hard-break long codes anywhere. 0 = not even one rune fits.
func (e *engine) breakAt(rs []rune, size int, bold bool, avail int) int {
	w := 0
	if bold {
		w = 1
	}
	fitN := 0
	for i, r := range rs {
		a := e.advance(r, size)
		if w+a > avail {
			break
		}
		w += a
		fitN = i + 1
	}
	if fitN == len(rs) || fitN == 0 {
		return fitN
	}
	for i := fitN; i > 0; i-- {
		prev, next := rs[i-1], rs[i]
		if strings.ContainsRune(noLineStart, next) {
			continue
		}
		if prev == ' ' || next == ' ' || wide(prev) || wide(next) {
			if i > fitN/3 { // don't leave a nearly empty line
				return i
			}
			break
		}
	}
	return fitN
}

func (e *engine) draw(img *printer.Bitmap, l line) {
	x := l.x
	for _, r := range l.runes {
		if r == boxEmpty || r == boxChecked {
			s := l.size * 3 / 4
			t := max(1, l.size/12)
			top := l.y - s
			bx := image.Rect(x+l.size/8, top, x+l.size/8+s, top+s).Intersect(l.clip)
			fillClipped(img, image.Rect(bx.Min.X, bx.Min.Y, bx.Max.X, bx.Min.Y+t), l.clip)
			fillClipped(img, image.Rect(bx.Min.X, bx.Max.Y-t, bx.Max.X, bx.Max.Y), l.clip)
			fillClipped(img, image.Rect(bx.Min.X, bx.Min.Y, bx.Min.X+t, bx.Max.Y), l.clip)
			fillClipped(img, image.Rect(bx.Max.X-t, bx.Min.Y, bx.Max.X, bx.Max.Y), l.clip)
			if r == boxChecked {
				fillClipped(img, bx.Inset(2*t+1), l.clip)
			}
			x += e.advance(r, l.size)
			continue
		}
		g := e.fonts.glyph(r, l.size)
		for _, run := range g.runs {
			fillClipped(img, image.Rect(x+run.x0, l.y+run.y, x+run.x1, l.y+run.y+1), l.clip)
			if l.bold {
				fillClipped(img, image.Rect(x+run.x0+1, l.y+run.y, x+run.x1+1, l.y+run.y+1), l.clip)
			}
		}
		x += g.adv
	}
}

func fillClipped(img *printer.Bitmap, r, clip image.Rectangle) {
	r = r.Intersect(clip)
	if !r.Empty() {
		img.FillRect(r)
	}
}

// tooBig names the longest field so the user knows what to shorten.
func (e *engine) tooBig(size Size) *Error {
	field, longest := "", 0
	for _, it := range e.items {
		if _, ok := fieldNames[it.field]; ok && len(it.text) > longest {
			field, longest = it.field, len(it.text)
		}
	}
	n := fieldNames[field]
	if field == "" {
		n = [2]string{"文字", "text"}
	}
	return &Error{Field: field,
		ZH: fmt.Sprintf("内容太多，%s 毫米的标签放不下：请缩短「%s」等文字，或换更大的标签。", size, n[0]),
		EN: fmt.Sprintf("Too much text for a %s mm label: shorten the %s or choose a larger label.", size, n[1])}
}

// qrNew is QR encoding alone (for the benchmark baseline).
func qrNew(s string) ([][]bool, error) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}
