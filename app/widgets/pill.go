package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	stheme "suyuan/app/theme"
)

// PillState is what a StatusPill shows.
type PillState int

// Pill states, each with its own colour.
const (
	PillIdle PillState = iota // grey: not configured / unknown
	PillOK                    // green: connected, synced, in force
	PillWarn                  // amber: pending, retrying, expiring
	PillBad                   // red: error, disconnected, on hold
)

// StatusPill is a small rounded label with a coloured background, used for
// device, network and record states on Home and in lists. Text is white on
// the state colour so it reads on light and dark themes.
type StatusPill struct {
	widget.BaseWidget
	Text  string
	State PillState
}

// NewStatusPill returns a pill.
func NewStatusPill(text string, s PillState) *StatusPill {
	p := &StatusPill{Text: text, State: s}
	p.ExtendBaseWidget(p)
	return p
}

// Set changes text and state (UI goroutine; background code wraps it in fyne.Do).
func (p *StatusPill) Set(text string, s PillState) {
	p.Text, p.State = text, s
	p.Refresh()
}

func (p *StatusPill) color() color.Color {
	n := map[PillState]fyne.ThemeColorName{PillIdle: stheme.ColorNameIdle, PillOK: stheme.ColorNameOK,
		PillWarn: stheme.ColorNameWarn, PillBad: stheme.ColorNameBad}[p.State]
	th := p.Theme()
	c := th.Color(n, fyne.CurrentApp().Settings().ThemeVariant())
	if _, _, _, a := c.RGBA(); a == 0 || n == "" {
		// A theme that is not Suyuan's: use Fyne's semantic colours.
		switch p.State {
		case PillOK:
			return th.Color(theme.ColorNameSuccess, 0)
		case PillWarn:
			return th.Color(theme.ColorNameWarning, 0)
		case PillBad:
			return th.Color(theme.ColorNameError, 0)
		}
		return th.Color(theme.ColorNameDisabled, 0)
	}
	return c
}

// CreateRenderer builds the pill.
func (p *StatusPill) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(p.color())
	bg.CornerRadius = 10
	txt := canvas.NewText(p.Text, color.White)
	txt.TextStyle.Bold = true
	r := &pillRenderer{p: p, bg: bg, txt: txt}
	r.Refresh()
	return r
}

type pillRenderer struct {
	p   *StatusPill
	bg  *canvas.Rectangle
	txt *canvas.Text
}

func (r *pillRenderer) pad() (float32, float32) {
	pad := r.p.Theme().Size(theme.SizeNamePadding)
	return pad * 2, pad / 2
}

func (r *pillRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	ts := r.txt.MinSize()
	r.txt.Move(fyne.NewPos((s.Width-ts.Width)/2, (s.Height-ts.Height)/2))
	r.txt.Resize(ts)
	r.bg.CornerRadius = s.Height / 2
}

func (r *pillRenderer) MinSize() fyne.Size {
	h, v := r.pad()
	ts := r.txt.MinSize()
	return fyne.NewSize(ts.Width+2*h, ts.Height+2*v)
}

func (r *pillRenderer) Refresh() {
	r.txt.Text = r.p.Text
	r.txt.TextSize = r.p.Theme().Size(theme.SizeNameText) * 0.9
	r.bg.FillColor = r.p.color()
	r.bg.Refresh()
	r.txt.Refresh()
	r.Layout(r.p.Size())
}

func (r *pillRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.txt} }
func (r *pillRenderer) Destroy()                     {}
