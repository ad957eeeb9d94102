package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // decode attached photos for the viewer
	_ "image/png"
	"io"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

// attachView lists the photos and PDFs attached to one record (检测报告,
// 基地照片, 证书扫描件) with a button to add one from a file and a viewer for
// images. The bytes live in the store (store.Attach), keyed by their hash,
// so a report cannot be swapped afterwards without Verify noticing.
type attachView struct {
	s      *Shell
	ref    string
	list   *pagedTable[store.Attachment]
	add    *widget.Button
	viewer *canvas.Image // the last image opened (tests)
	box    fyne.CanvasObject
}

// attachMIME maps a file extension to the types store.Attach accepts.
var attachMIME = map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}

// newAttachView shows ref's attachments; canAdd enables the add button.
func (s *Shell) newAttachView(ref string, canAdd bool) *attachView {
	av := &attachView{s: s, ref: ref}
	av.list = newPagedTable(s.ctx, []column[store.Attachment]{
		{"attach.file", 300, func(a store.Attachment) string { return a.FileName }},
		{"attach.kind", 90, func(a store.Attachment) string { return attachKind(a.MIME) }},
		{"attach.size", 90, func(a store.Attachment) string { return fmtSize(a.Size) }},
	}, func(ctx context.Context, q store.ListQuery) (int, error) {
		return s.d.Store.CountAttachments(ctx, q, ref)
	},
		func(ctx context.Context, q store.ListQuery) ([]store.Attachment, error) {
			return s.d.Store.ListAttachments(ctx, q, ref)
		}, s.showError)
	av.list.onSelect = func(a store.Attachment) { av.open(a.ID) }
	av.add = widget.NewButton(tr("attach.add"), av.pick)
	av.add.Importance = widget.HighImportance
	if !canAdd {
		av.add.Disable()
	}
	hint := wrapLabel(tr("attach.hint"))
	av.box = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, av.add, hint)), nil, nil, nil, av.list.Object())
	return av
}

// Object is the list with its add button.
func (av *attachView) Object() fyne.CanvasObject { return av.box }

// pick opens the file chooser for a photo or PDF.
func (av *attachView) pick() {
	s := av.s
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.showError(err)
			return
		}
		if r == nil {
			return // cancelled
		}
		defer r.Close()
		// Read one byte more than allowed so an oversized file gets the
		// store's size message instead of a truncated upload.
		data, err := io.ReadAll(io.LimitReader(r, store.MaxAttachmentSize+1))
		if err != nil {
			s.showError(err)
			return
		}
		av.attach(r.URI().Name(), data)
	}, s.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".jpg", ".jpeg", ".png", ".pdf", ".JPG", ".JPEG", ".PNG", ".PDF"}))
	d.Resize(s.dialogSize(900, 600))
	d.Show()
}

// attach stores data under name for the record; the type comes from the
// extension and the store checks the content matches it.
func (av *attachView) attach(name string, data []byte) (store.Attachment, error) {
	s := av.s
	mime := attachMIME[strings.ToLower(filepath.Ext(name))]
	if mime == "" {
		err := uiError("attach.badType", "Name", name)
		s.showError(err)
		return store.Attachment{}, err
	}
	a, err := s.d.Store.Attach(s.ctx, s.actor, av.ref, name, mime, data)
	if err != nil {
		s.showError(err)
		return a, err
	}
	av.list.Reload()
	return a, nil
}

// open shows an image attachment; a PDF is offered for saving to a file
// (the PC's PDF reader opens it; Fyne has no PDF view).
func (av *attachView) open(id int64) {
	s := av.s
	a, data, err := s.d.Store.AttachmentData(s.ctx, id)
	if err != nil {
		s.showError(err)
		return
	}
	if a.MIME == "application/pdf" {
		save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil {
				s.showError(err)
				return
			}
			if w == nil {
				return
			}
			defer w.Close()
			if _, err := w.Write(data); err != nil {
				s.showError(err)
			}
		}, s.w)
		save.SetFileName(a.FileName)
		save.Resize(s.dialogSize(900, 600))
		save.Show()
		return
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		s.showError(uiError("attach.cannotShow", "Name", a.FileName))
		return
	}
	av.viewer = canvas.NewImageFromImage(img)
	av.viewer.FillMode = canvas.ImageFillContain
	av.viewer.ScaleMode = canvas.ImageScaleSmooth
	av.viewer.SetMinSize(fyne.NewSize(480, 320))
	b := img.Bounds()
	info := widget.NewLabel(fmt.Sprintf("%s · %d×%d · %s", a.FileName, b.Dx(), b.Dy(), fmtSize(a.Size)))
	d := dialog.NewCustom(a.FileName, tr("common.close"), container.NewBorder(nil, info, nil, nil, av.viewer), s.w)
	d.Resize(s.dialogSize(1000, 720))
	d.Show()
}

func attachKind(mime string) string {
	if mime == "application/pdf" {
		return "PDF"
	}
	return tr("attach.photo")
}

// fmtSize prints a byte count as KB or MB.
func fmtSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}
