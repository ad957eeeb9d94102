package theme

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	ftheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func TestAllColorNamesDefined(t *testing.T) {
	for _, large := range []bool{false, true} {
		test.AssertAllColorNamesDefined(t, New(large), map[bool]string{false: "suyuan", true: "suyuan-large"}[large])
	}
	th := New(false)
	for _, n := range []fyne.ThemeColorName{ColorNameTraining, ColorNameOK, ColorNameWarn, ColorNameBad, ColorNameIdle} {
		for _, v := range []fyne.ThemeVariant{ftheme.VariantLight, ftheme.VariantDark} {
			if c := th.Color(n, v); c == nil {
				t.Errorf("color %s undefined", n)
			} else if _, _, _, a := c.RGBA(); a == 0 {
				t.Errorf("color %s transparent", n)
			}
		}
	}
}

func TestLargeScalesText(t *testing.T) {
	small, large := New(false), New(true)
	for _, n := range []fyne.ThemeSizeName{ftheme.SizeNameText, ftheme.SizeNameHeadingText, ftheme.SizeNamePadding} {
		if !(large.Size(n) > small.Size(n)) {
			t.Errorf("%s: large %v not above normal %v", n, large.Size(n), small.Size(n))
		}
	}
	if large.Size(ftheme.SizeNameScrollBar) != small.Size(ftheme.SizeNameScrollBar) {
		t.Error("scroll bar should not scale")
	}
}

// TestGlyphsRender draws mixed Chinese/Latin/digit text with the theme and
// checks that every character produced ink and that no two characters of
// different shape rendered identically (a tofu box or "?" is the same for
// all missing glyphs).
func TestGlyphsRender(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(New(false))
	samples := []string{"溯", "源", "站", "农", "药", "A", "g", "0", "7", "：", "（"}
	seen := map[string]string{}
	for _, s := range samples {
		txt := canvas.NewText(s, nil)
		txt.TextSize = 32
		w := test.NewTempWindow(t, txt)
		w.Resize(fyne.NewSize(60, 60))
		img := w.Canvas().Capture()
		ink := 0
		sig := make([]byte, 0, 64*64)
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				dark := (r+g+bb)/3 < 0x8000
				if dark {
					ink++
					sig = append(sig, 1)
				} else {
					sig = append(sig, 0)
				}
			}
		}
		// The default light theme draws dark text on a light background.
		if ink == 0 {
			t.Errorf("%q rendered no ink", s)
		}
		if prev, dup := seen[string(sig)]; dup {
			t.Errorf("%q renders identically to %q (missing glyph?)", s, prev)
		}
		seen[string(sig)] = s
	}
}

// TestUnselectedRadioDoesNotLookDisabled: Fyne draws an unselected radio's
// ring (and an unchecked box, an entry border) in ColorNameInputBorder and a
// disabled one in ColorNameDisabled; the defaults are the same grey, so every
// choice not yet made looked unavailable. The ring of an enabled, unselected
// option must be clearly darker (light) / lighter (dark) than a disabled one.
func TestUnselectedRadioDoesNotLookDisabled(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{ftheme.VariantLight, ftheme.VariantDark} {
		th := New(false)
		if th.Color(ftheme.ColorNameInputBorder, v) == th.Color(ftheme.ColorNameDisabled, v) {
			t.Errorf("variant %d: input border is the disabled colour", v)
		}
	}
	th := New(false)
	// ring is how far the icon area's most contrasting pixel is from the
	// background (grey levels), for a one-option group drawn in variant v.
	ring := func(v fyne.ThemeVariant, disabled bool) int {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(variantTheme{th, v})
		r := widget.NewRadioGroup([]string{"合格"}, nil)
		if disabled {
			r.Disable()
		}
		w := test.NewTempWindow(t, r)
		w.Resize(fyne.NewSize(120, 50))
		img := w.Canvas().Capture()
		iconEnd := int(th.Size(ftheme.SizeNameInnerPadding) + th.Size(ftheme.SizeNameInlineIcon) + th.Size(ftheme.SizeNamePadding))
		lum := func(x, y int) int {
			rr, g, bb, _ := img.At(x, y).RGBA()
			return int(rr+g+bb) / 3 >> 8
		}
		b := img.Bounds()
		bg, most := lum(b.Min.X, b.Min.Y), 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Min.X+iconEnd && x < b.Max.X; x++ {
				d := lum(x, y) - bg
				if d < 0 {
					d = -d
				}
				most = max(most, d)
			}
		}
		return most
	}
	for _, v := range []fyne.ThemeVariant{ftheme.VariantLight, ftheme.VariantDark} {
		on, off := ring(v, false), ring(v, true)
		if on-off < 0x30 {
			t.Errorf("variant %d: unselected ring contrast %#x vs disabled %#x: an available choice looks disabled", v, on, off)
		}
	}
}

// variantTheme draws t in one variant whatever the settings say.
type variantTheme struct {
	*Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}
