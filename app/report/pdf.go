package report

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"

	"suyuan/assets"
)

// Page geometry (A4 portrait, millimetres).
const (
	pageW   = 210.0
	pageH   = 297.0
	marginL = 15.0
	marginR = 15.0
	marginT = 24.0 // below the running header
	marginB = 18.0 // above the footer
	bodyW   = pageW - marginL - marginR
)

// Font families: the CJK font has no Latin letters or digits, so every
// string is drawn in runs, hanzi and full-width punctuation in "cjk", the
// rest in "latin" (Go Regular).
const (
	famCJK   = "cjk"
	famLatin = "latin"
)

// Header is what every page of a report repeats: the site's name and 统一社会
// 信用代码 at the top, the page number (第 N 页 共 M 页) and the printed date
// at the bottom.
type Header struct {
	Site       string
	CreditCode string
	Title      string
	Printed    time.Time
	Lang       string
}

// doc is one PDF report being laid out.
type doc struct {
	pdf   *fpdf.Fpdf
	h     Header
	total int // pages in the finished document (0 on the counting pass)
	width map[widthKey]float64
	fam   map[rune]string // "" when neither font has the rune
	buf   sfnt.Buffer
	// replaced is set when a character neither font has was drawn as
	// [U+XXXX]; the footer then says so (on the second pass, every page).
	replaced, noteMissing bool
}

var (
	fontsOnce        sync.Once
	cjkSFNT, latSFNT *sfnt.Font
)

func parsedFonts() (*sfnt.Font, *sfnt.Font) {
	fontsOnce.Do(func() {
		cjkSFNT, _ = sfnt.Parse(assets.CJKFont)
		latSFNT, _ = sfnt.Parse(assets.LatinFont)
	})
	return cjkSFNT, latSFNT
}

// famOf is the font that draws r: the CJK font for hanzi and full-width
// forms it has, Go Regular for what it has, "" for neither.
func (d *doc) famOf(r rune) string {
	if f, ok := d.fam[r]; ok {
		return f
	}
	cjk, lat := parsedFonts()
	f := ""
	has := func(fn *sfnt.Font) bool {
		if fn == nil {
			return false
		}
		i, err := fn.GlyphIndex(&d.buf, r)
		return err == nil && i != 0
	}
	switch {
	case r == ' ':
		f = famLatin
	case isCJK(r) && has(cjk):
		f = famCJK
	case has(lat):
		f = famLatin
	case has(cjk):
		f = famCJK
	}
	d.fam[r] = f
	return f
}

// clean replaces control characters by spaces and characters neither font
// has (rare name characters such as 喆, symbols such as ℃) by [U+XXXX], so
// nothing is printed as a blank box and the code point stays readable.
func (d *doc) clean(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || d.famOf(r) == "" {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteByte(' ')
		case d.famOf(r) == "":
			fmt.Fprintf(&b, "[U+%04X]", r)
			d.replaced = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type widthKey struct {
	fam  string
	size float64
	r    rune
}

// isCJK says which font draws r.
func isCJK(r rune) bool { return r >= 0x2E80 || (r >= 0x2100 && r <= 0x214F) || r == 0x2460 }

// render lays out body twice: once to count the pages, once with the count
// in every footer ("共 M 页" must be right on page 1). The bytes are
// reproducible for the same content and printed time.
func render(h Header, body func(d *doc) error) ([]byte, error) {
	pass := func(total int, note bool) (*doc, error) {
		d := &doc{h: h, total: total, width: map[widthKey]float64{}, fam: map[rune]string{}, noteMissing: note}
		p := fpdf.New("P", "mm", "A4", "")
		d.pdf = p
		p.SetMargins(marginL, marginT, marginR)
		p.SetAutoPageBreak(false, marginB)
		p.SetCreator("Suyuan", true)
		p.SetTitle(h.Title, true)
		p.SetCreationDate(h.Printed.UTC())
		p.SetModificationDate(h.Printed.UTC())
		p.SetCompression(true)
		p.AddUTF8FontFromBytes(famCJK, "", assets.CJKFont)
		p.AddUTF8FontFromBytes(famLatin, "", assets.LatinFont)
		if err := p.Error(); err != nil {
			return nil, fmt.Errorf("report fonts: %w", err)
		}
		p.SetHeaderFunc(d.header)
		p.SetFooterFunc(d.footer)
		p.AddPage()
		if err := body(d); err != nil {
			return nil, err
		}
		if err := p.Error(); err != nil {
			return nil, fmt.Errorf("report layout: %w", err)
		}
		return d, nil
	}
	d, err := pass(0, false)
	if err != nil {
		return nil, err
	}
	n := d.pdf.PageCount()
	d, err = pass(n, d.replaced)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report output: %w", err)
	}
	return buf.Bytes(), nil
}

func (d *doc) zh() bool { return d.h.Lang != "en" }

func (d *doc) t(zh, en string) string {
	if d.zh() {
		return zh
	}
	return en
}

func (d *doc) header() {
	p := d.pdf
	p.SetDrawColor(0, 0, 0)
	site := d.h.Site
	code := d.t("统一社会信用代码：", "Unified social credit code: ") + d.h.CreditCode
	d.text(marginL, 11, 9, site)
	d.textRight(pageW-marginR, 11, 9, code)
	d.text(marginL, 17, 11, d.h.Title)
	p.SetLineWidth(0.3)
	p.Line(marginL, 19.5, pageW-marginR, 19.5)
	p.SetXY(marginL, marginT)
}

func (d *doc) footer() {
	p := d.pdf
	p.SetLineWidth(0.2)
	p.Line(marginL, pageH-13, pageW-marginR, pageH-13)
	n := p.PageNo()
	var pages string
	if d.zh() {
		pages = fmt.Sprintf("第 %d 页 共 %d 页", n, d.total)
	} else {
		pages = fmt.Sprintf("page %d of %d", n, d.total)
	}
	d.textCenter(pageW/2, pageH-8, 9, pages)
	d.text(marginL, pageH-8, 8, d.t("打印日期：", "Printed: ")+d.h.Printed.Format("2006-01-02 15:04"))
	d.textRight(pageW-marginR, pageH-8, 8, d.t("溯源站 Suyuan 生成", "made by Suyuan"))
	if d.noteMissing {
		d.textCenter(pageW/2, pageH-4, 7, d.t("注：[U+编码] 为字体未收录的字（原文见同名 XLSX 或 suyuan export）。",
			"[U+XXXX] is a character the font lacks (the text is in the XLSX or suyuan export)."))
	}
}

// runs splits s (cleaned) into maximal runs of one font.
func (d *doc) runs(s string) [][2]string {
	var out [][2]string
	var cur strings.Builder
	fam := ""
	for _, r := range s {
		f := d.famOf(r)
		if f != fam && cur.Len() > 0 {
			out = append(out, [2]string{fam, cur.String()})
			cur.Reset()
		}
		fam = f
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		out = append(out, [2]string{fam, cur.String()})
	}
	return out
}

func (d *doc) runeWidth(fam string, size float64, r rune) float64 {
	k := widthKey{fam, size, r}
	if w, ok := d.width[k]; ok {
		return w
	}
	d.pdf.SetFont(fam, "", size)
	w := d.pdf.GetStringWidth(string(r))
	d.width[k] = w
	return w
}

// strWidth is s's width in mm at size points.
func (d *doc) strWidth(size float64, s string) float64 {
	w := 0.0
	for _, r := range d.clean(s) {
		w += d.runeWidth(d.famOf(r), size, r)
	}
	return w
}

// text draws s with its baseline at y, starting at x.
func (d *doc) text(x, y, size float64, s string) {
	for _, run := range d.runs(d.clean(s)) {
		d.pdf.SetFont(run[0], "", size)
		d.pdf.Text(x, y, run[1])
		x += d.strWidth(size, run[1])
	}
}

func (d *doc) textRight(x, y, size float64, s string) { d.text(x-d.strWidth(size, s), y, size, s) }
func (d *doc) textCenter(x, y, size float64, s string) {
	d.text(x-d.strWidth(size, s)/2, y, size, s)
}

// wrap breaks s into lines no wider than w (at any rune: Chinese has no
// spaces; Latin words are kept whole when they fit).
func (d *doc) wrap(size, w float64, s string) []string {
	var lines []string
	for _, para := range strings.Split(d.clean(s), "\n") {
		var line []rune
		lw := 0.0
		lastSpace := -1
		for _, r := range para {
			rw := d.runeWidth(d.famOf(r), size, r)
			if lw+rw > w && len(line) > 0 {
				if lastSpace > 0 && !isCJK(r) && r != ' ' {
					lines = append(lines, string(line[:lastSpace]))
					line = append([]rune(nil), line[lastSpace+1:]...)
				} else {
					lines = append(lines, string(line))
					line = line[:0]
				}
				lastSpace = -1
				lw = d.strWidth(size, string(line))
				if r == ' ' {
					continue
				}
			}
			if r == ' ' {
				lastSpace = len(line)
			}
			line = append(line, r)
			lw += rw
		}
		lines = append(lines, string(line))
	}
	return lines
}

// y is the current vertical position.
func (d *doc) y() float64 { return d.pdf.GetY() }

func (d *doc) setY(y float64) { d.pdf.SetY(y) }

// need starts a new page unless h mm are left.
func (d *doc) need(h float64) bool {
	if d.y()+h > pageH-marginB {
		d.pdf.AddPage()
		return true
	}
	return false
}

// heading is a section title.
func (d *doc) heading(s string) {
	d.need(14)
	y := d.y() + 6
	d.text(marginL, y, 11.5, s)
	d.setY(y + 3)
}

// para is a paragraph of running text.
func (d *doc) para(size float64, s string) {
	lh := size * 0.45
	for _, l := range d.wrap(size, bodyW, s) {
		d.need(lh + 1)
		y := d.y() + lh
		d.text(marginL, y, size, l)
		d.setY(y + 1)
	}
}

// kv is a two-column list of label: value pairs.
func (d *doc) kv(pairs [][2]string) {
	const size = 9.5
	lw := 0.0
	for _, p := range pairs {
		if w := d.strWidth(size, p[0]); w > lw {
			lw = w
		}
	}
	lw += 3
	lh := 5.0
	for _, p := range pairs {
		lines := d.wrap(size, bodyW-lw, p[1])
		d.need(lh * float64(len(lines)))
		y := d.y()
		d.text(marginL, y+lh-1.3, size, p[0])
		for i, l := range lines {
			d.text(marginL+lw, y+lh*float64(i+1)-1.3, size, l)
		}
		d.setY(y + lh*float64(len(lines)))
	}
}

// column of a table: header text, width (mm) and alignment ('L', 'R', 'C').
type column struct {
	Head  string
	W     float64
	Align byte
}

// table draws rows under a header row repeated on every page. Widths are
// scaled to the body width. Cells wrap; a row never splits across pages.
func (d *doc) table(cols []column, rows [][]string, totals []string) {
	const size = 8.0
	const lh = 3.8
	const pad = 1.2
	sum := 0.0
	for _, c := range cols {
		sum += c.W
	}
	ws := make([]float64, len(cols))
	for i, c := range cols {
		ws[i] = c.W * bodyW / sum
	}
	p := d.pdf
	p.SetLineWidth(0.15)
	drawRow := func(cells []string, head bool) {
		wrapped := make([][]string, len(cols))
		n := 1
		for i := range cols {
			s := ""
			if i < len(cells) {
				s = cells[i]
			}
			wrapped[i] = d.wrap(size, ws[i]-2*pad, s)
			if len(wrapped[i]) > n {
				n = len(wrapped[i])
			}
		}
		h := float64(n)*lh + 1.6
		if d.y()+h > pageH-marginB {
			p.AddPage()
			if !head {
				drawHead(d, cols, ws, size, lh, pad)
			}
		}
		y := d.y()
		x := marginL
		if head {
			p.SetFillColor(230, 230, 230)
		}
		for i := range cols {
			style := "D"
			if head {
				style = "FD"
			}
			p.Rect(x, y, ws[i], h, style)
			for j, l := range wrapped[i] {
				ly := y + 0.8 + lh*float64(j+1) - 0.9
				switch {
				case head || cols[i].Align == 'C':
					d.textCenter(x+ws[i]/2, ly, size, l)
				case cols[i].Align == 'R':
					d.textRight(x+ws[i]-pad, ly, size, l)
				default:
					d.text(x+pad, ly, size, l)
				}
			}
			x += ws[i]
		}
		d.setY(y + h)
	}
	headCells := make([]string, len(cols))
	for i, c := range cols {
		headCells[i] = c.Head
	}
	d.need(2 * (lh + 1.6))
	drawRow(headCells, true)
	if len(rows) == 0 {
		empty := make([]string, len(cols))
		empty[0] = d.t("（无记录）", "(no records)")
		drawRow(empty, false)
	}
	for _, r := range rows {
		drawRow(r, false)
	}
	if totals != nil {
		drawRow(totals, false)
	}
	d.setY(d.y() + 2)
}

// drawHead repeats a table's header row at the top of a new page.
func drawHead(d *doc, cols []column, ws []float64, size, lh, pad float64) {
	p := d.pdf
	n := 1
	wrapped := make([][]string, len(cols))
	for i, c := range cols {
		wrapped[i] = d.wrap(size, ws[i]-2*pad, c.Head)
		if len(wrapped[i]) > n {
			n = len(wrapped[i])
		}
	}
	h := float64(n)*lh + 1.6
	y := d.y()
	x := marginL
	p.SetFillColor(230, 230, 230)
	for i := range cols {
		p.Rect(x, y, ws[i], h, "FD")
		for j, l := range wrapped[i] {
			d.textCenter(x+ws[i]/2, y+0.8+lh*float64(j+1)-0.9, size, l)
		}
		x += ws[i]
	}
	d.setY(y + h)
}
