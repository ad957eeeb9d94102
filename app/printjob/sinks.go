package printjob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"suyuan/device/printer"
)

// PDFFile is an ImageSink writing every label of a run into one PDF
// (labels tiled on A4 at true size, see printer.EncodePDF). The file is
// rewritten atomically after each label, so the file on disk always holds
// exactly the labels recorded as printed — even after a crash. That costs
// O(n²) for n labels: meant for proofs and office printers (tens of labels),
// not for roll printing.
type PDFFile struct {
	Path string
	DPI  int
	imgs []*printer.Bitmap
}

// NewPDFFile returns a sink for path; dpi must be the job's resolution.
func NewPDFFile(path string, dpi int) *PDFFile { return &PDFFile{Path: path, DPI: dpi} }

// WriteImage adds one label and rewrites the file.
func (f *PDFFile) WriteImage(ctx context.Context, img *printer.Bitmap) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	all := append(f.imgs, img)
	data, err := printer.EncodePDF(printer.PDFOptions{DPI: f.DPI}, all...)
	if err != nil {
		return err
	}
	if err := writeAtomic(f.Path, data); err != nil {
		return printer.WriteError("file://"+f.Path, err)
	}
	f.imgs = all
	return nil
}

// Write is not used (Run calls WriteImage); it refuses raw printer bytes.
func (f *PDFFile) Write(context.Context, []byte) error {
	return fmt.Errorf("pdf file %s: raw printer jobs cannot be written into a PDF", f.Path)
}

func (f *PDFFile) Close() error   { return nil }
func (f *PDFFile) String() string { return "file://" + f.Path }

// PNGFiles is an ImageSink writing one 1-bit PNG per label: NAME-SERIAL.png
// next to Path's name (Path "out.png", serial 7 → "out-000007.png"), each
// written atomically. Serial numbering comes from the job: set Next before
// the run to the job's NextSerial().
type PNGFiles struct {
	Path string
	Next int // serial of the next label written
}

// WriteImage writes the next label's PNG.
func (p *PNGFiles) WriteImage(ctx context.Context, img *printer.Bitmap) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := printer.EncodePNG(img)
	if err != nil {
		return err
	}
	name := PNGName(p.Path, p.Next)
	if err := writeAtomic(name, data); err != nil {
		return printer.WriteError("file://"+name, err)
	}
	p.Next++
	return nil
}

// PNGName is the file PNGFiles writes for serial.
func PNGName(path string, serial int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%06d%s", strings.TrimSuffix(path, ext), serial, ext)
}

func (p *PNGFiles) Write(context.Context, []byte) error {
	return fmt.Errorf("png files %s: raw printer jobs cannot be written as PNG", p.Path)
}

func (p *PNGFiles) Close() error   { return nil }
func (p *PNGFiles) String() string { return "file://" + p.Path }

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
