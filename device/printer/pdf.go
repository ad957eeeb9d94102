package printer

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// A4 paper in millimetres.
const (
	A4WidthMM  = 210.0
	A4HeightMM = 297.0
)

// PDFOptions controls EncodePDF. Zero values mean defaults.
type PDFOptions struct {
	DPI      int     // resolution the bitmaps were rendered at (default 203)
	MarginMM float64 // sheet margin around tiled labels (default 10)
	GapMM    float64 // gap between tiled labels (default 2)
}

// EncodePDF places bitmaps on A4 pages at their true size (dots / dots-per-mm):
// a bitmap as large as the page (a full-page certificate) gets a page of its
// own; smaller labels are tiled left to right, top to bottom, on A4 sheets for
// office printers and label sheets. Images are embedded losslessly as 1-bit
// PNG, so a rasteriser at the same dpi reproduces the dots.
func EncodePDF(o PDFOptions, pages ...*Bitmap) ([]byte, error) {
	if o.DPI <= 0 {
		o.DPI = 203
	}
	if o.MarginMM <= 0 {
		o.MarginMM = 10
	}
	if o.GapMM <= 0 {
		o.GapMM = 2
	}
	if len(pages) == 0 {
		return nil, newErr(ErrBadImage, "pdf", nil, "没有可输出的标签。", "There is no label to put in the PDF.")
	}
	dpm := float64(DotsPerMM(o.DPI))
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("Suyuan", true)
	pdf.SetCreationDate(time.Unix(0, 0).UTC()) // reproducible bytes
	pdf.SetModificationDate(time.Unix(0, 0).UTC())
	pdf.SetCompression(true)

	x, y, rowH := o.MarginMM, o.MarginMM, 0.0
	onSheet := false
	for i, b := range pages {
		if b == nil || b.Width == 0 || b.Height == 0 {
			return nil, newErr(ErrBadImage, "pdf", nil, "标签图像为空。", "The label image is empty.")
		}
		png, err := EncodePNG(b)
		if err != nil {
			return nil, err
		}
		name := "label" + strconv.Itoa(i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		if err := pdf.Error(); err != nil {
			return nil, fmt.Errorf("pdf image %d: %w", i, err)
		}
		w, h := float64(b.Width)/dpm, float64(b.Height)/dpm
		fullPage := w > A4WidthMM-2*o.MarginMM || h > A4HeightMM-2*o.MarginMM
		if fullPage {
			pdf.AddPage()
			pdf.ImageOptions(name, 0, 0, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			onSheet = false
			continue
		}
		if !onSheet {
			pdf.AddPage()
			x, y, rowH, onSheet = o.MarginMM, o.MarginMM, 0, true
		}
		if x+w > A4WidthMM-o.MarginMM+1e-9 { // next row
			x, y, rowH = o.MarginMM, y+rowH+o.GapMM, 0
		}
		if y+h > A4HeightMM-o.MarginMM+1e-9 { // next sheet
			pdf.AddPage()
			x, y, rowH = o.MarginMM, o.MarginMM, 0
		}
		pdf.ImageOptions(name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		x += w + o.GapMM
		rowH = max(rowH, h)
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return out.Bytes(), nil
}
