package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

// defaultTextSize is Fyne's default text size, the size column widths are
// written for.
const defaultTextSize = 14

// column is one column of a pagedTable.
type column[T any] struct {
	title string // translation key
	width float32
	text  func(T) string
}

// pagedTable is a searchable, virtualized list backed by the store's
// ListX/CountX pair. Only the rows on screen are fetched, a page of
// store.DefaultListLimit at a time, so 100k rows scroll on an old PC: the
// table asks for the rows it draws, and a page is one indexed SQL query.
type pagedTable[T any] struct {
	ctx      context.Context
	cols     []column[T]
	count    func(ctx context.Context, q store.ListQuery) (int, error)
	list     func(ctx context.Context, q store.ListQuery) ([]T, error)
	onSelect func(T)
	onError  func(error)

	query store.ListQuery
	n     int
	pages map[int][]T

	search *widget.Entry
	table  *widget.Table
	total  *widget.Label
}

const pageSize = store.DefaultListLimit

func newPagedTable[T any](ctx context.Context, cols []column[T],
	count func(context.Context, store.ListQuery) (int, error),
	list func(context.Context, store.ListQuery) ([]T, error),
	onError func(error)) *pagedTable[T] {
	p := &pagedTable[T]{ctx: ctx, cols: cols, count: count, list: list, onError: onError, pages: map[int][]T{}}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder(tr("list.search"))
	p.search.OnChanged = func(s string) {
		p.query.Search = s
		p.Reload()
	}
	p.total = widget.NewLabel("")
	p.table = widget.NewTableWithHeaders(
		func() (int, int) { return p.n, len(p.cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			row, ok := p.Row(id.Row)
			if !ok {
				l.SetText("")
				return
			}
			l.SetText(p.cols[id.Col].text(row))
		})
	p.table.ShowHeaderColumn = false
	p.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	p.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(p.cols) {
			o.(*widget.Label).SetText(tr(p.cols[id.Col].title))
		}
	}
	// Column widths are written for the default text size; the large-text
	// theme scales text, so scale the columns with it or codes get clipped.
	scale := theme.Size(theme.SizeNameText) / defaultTextSize
	if scale < 1 {
		scale = 1
	}
	for i, c := range cols {
		p.table.SetColumnWidth(i, c.width*scale)
	}
	p.table.OnSelected = func(id widget.TableCellID) {
		if row, ok := p.Row(id.Row); ok && p.onSelect != nil {
			p.onSelect(row)
		}
	}
	p.Reload()
	return p
}

// Reload recounts and drops cached pages (after a search or a write).
func (p *pagedTable[T]) Reload() {
	p.pages = map[int][]T{}
	q := p.query
	n, err := p.count(p.ctx, q)
	if err != nil {
		p.fail(err)
		n = 0
	}
	p.n = n
	p.total.SetText(trf("list.total", "N", n))
	p.table.UnselectAll()
	p.table.Refresh()
}

// Len is the number of rows matching the search.
func (p *pagedTable[T]) Len() int { return p.n }

// Row returns row i, fetching its page if needed.
func (p *pagedTable[T]) Row(i int) (T, bool) {
	var zero T
	if i < 0 || i >= p.n {
		return zero, false
	}
	pg := i / pageSize
	rows, ok := p.pages[pg]
	if !ok {
		q := p.query
		q.Offset, q.Limit = pg*pageSize, pageSize
		var err error
		rows, err = p.list(p.ctx, q)
		if err != nil {
			p.fail(err)
			return zero, false
		}
		if len(p.pages) > 50 { // bound memory while scrolling far
			p.pages = map[int][]T{}
		}
		p.pages[pg] = rows
	}
	if j := i - pg*pageSize; j < len(rows) {
		return rows[j], true
	}
	return zero, false
}

func (p *pagedTable[T]) fail(err error) {
	if p.onError != nil {
		p.onError(err)
	}
}

// Object is the search box, the total and the table.
func (p *pagedTable[T]) Object() fyne.CanvasObject {
	return container.NewBorder(container.NewBorder(nil, nil, nil, p.total, p.search), nil, nil, nil, p.table)
}
