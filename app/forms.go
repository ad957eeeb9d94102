package app

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
	"suyuan/store/rules"
)

// idSelect is a Select whose options stand for store IDs.
type idSelect struct {
	*widget.Select
	ids []int64
}

// newSelect is widget.NewSelect with a translated placeholder (Fyne's
// "(Select one)" is not localised).
func newSelect(options []string, changed func(string)) *widget.Select {
	s := widget.NewSelect(options, changed)
	s.PlaceHolder = tr("select.placeholder")
	return s
}

func newIDSelect(onChanged func(int64)) *idSelect {
	s := &idSelect{}
	s.Select = newSelect(nil, func(string) {
		if onChanged != nil {
			onChanged(s.ID())
		}
	})
	return s
}

// setOptions replaces the options; the selection is cleared.
func (s *idSelect) setOptions(labels []string, ids []int64) {
	s.ids = ids
	s.Select.Options = labels
	s.Select.ClearSelected()
	s.Select.Refresh()
}

// ID is the selected ID, 0 when none.
func (s *idSelect) ID() int64 {
	i := s.SelectedIndex()
	if i < 0 || i >= len(s.ids) {
		return 0
	}
	return s.ids[i]
}

// selectID selects the option for id (no-op if absent).
func (s *idSelect) selectID(id int64) {
	for i, x := range s.ids {
		if x == id {
			s.SetSelectedIndex(i)
			return
		}
	}
}

// allRows reads up to store.MaxListLimit rows for a picker. Pickers list
// master data (plots, materials, products), which a site has dozens of,
// not thousands; the record lists themselves are paged.
func allRows[T any](s *Shell, list func(store.ListQuery) ([]T, error)) []T {
	rows, err := list(store.ListQuery{Limit: store.MaxListLimit})
	if err != nil {
		s.showError(err)
	}
	return rows
}

// dateEntry is an Entry holding YYYY-MM-DD, today by default.
func (s *Shell) dateEntry() *widget.Entry {
	e := widget.NewEntry()
	e.SetText(s.today().Format(time.DateOnly))
	e.SetPlaceHolder("2026-05-01")
	return e
}

func (s *Shell) today() time.Time {
	n := s.d.Now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// parseDate reads a date field with the store's rule (its message names the field value).
func parseDate(e *widget.Entry) (time.Time, error) { return rules.ValidateDate(e.Text) }

func parseIntPtr(s, field string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, uiError("error.number", "Field", tr(field), "Value", s)
	}
	return &n, nil
}

// formPane is a titled form with a save button, scrolled if tall.
func formPane(title string, f *widget.Form, save *widget.Button, extra ...fyne.CanvasObject) fyne.CanvasObject {
	save.Importance = widget.HighImportance
	objs := []fyne.CanvasObject{widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), f, save}
	objs = append(objs, extra...)
	return container.NewVScroll(container.NewVBox(objs...))
}

// splitPane puts a form left and a list right.
func splitPane(left, right fyne.CanvasObject) fyne.CanvasObject {
	sp := container.NewHSplit(left, right)
	sp.Offset = 0.36
	return sp
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func yesNo(b bool) string {
	if b {
		return tr("common.yes")
	}
	return ""
}

func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f
}

var rulesUSCCCheck = rules.USCCCheckChar
