// Package theme is Suyuan's Fyne theme: Fyne's default look with the bundled
// CJK font, so every hanzi renders the same on a bare Debian or an old
// Windows PC without Chinese fonts, and a large-text variant for users who
// read the screen from a distance or with poor eyesight.
//
// It imports only fyne and assets; it knows nothing of the store or devices.
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	ftheme "fyne.io/fyne/v2/theme"

	"suyuan/assets"
)

// LargeScale multiplies text sizes, icons and paddings in the large-text
// variant. 1.3 keeps the 1280×800 layouts usable while making body text
// about 18 px, the size older readers asked for in comparable farm software.
const LargeScale = 1.3

// Theme embeds Fyne's default theme and overrides the font (bundled CJK
// subset) and, when Large is set, the sizes. Colors come from the default,
// plus a few named colors for status pills and the training banner.
type Theme struct {
	base  fyne.Theme
	Large bool
}

var cjk = fyne.NewStaticResource("DroidSansFallbackGB2312.ttf", assets.CJKFont)

// New returns the theme; large selects the large-text variant.
func New(large bool) *Theme { return &Theme{base: ftheme.DefaultTheme(), Large: large} }

// Named colors used by Suyuan widgets. They resolve through Color like any
// theme color so a variant (light/dark) can adjust them.
const (
	ColorNameTraining fyne.ThemeColorName = "suyuanTraining"
	ColorNameOK       fyne.ThemeColorName = "suyuanOK"
	ColorNameWarn     fyne.ThemeColorName = "suyuanWarn"
	ColorNameBad      fyne.ThemeColorName = "suyuanBad"
	ColorNameIdle     fyne.ThemeColorName = "suyuanIdle"
)

// Color returns Suyuan's named colors and defers the rest to the default.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case ColorNameTraining:
		return color.NRGBA{R: 0xe6, G: 0x7e, B: 0x00, A: 0xff} // amber: impossible to miss
	case ColorNameOK:
		return color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	case ColorNameWarn:
		return color.NRGBA{R: 0xef, G: 0x8f, B: 0x00, A: 0xff}
	case ColorNameBad:
		return color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	case ColorNameIdle:
		return color.NRGBA{R: 0x75, G: 0x75, B: 0x75, A: 0xff}
	case ftheme.ColorNameInputBorder:
		// Fyne's default input border is exactly its disabled colour
		// (#e3e3e3 light, #39393a dark), so an unselected radio button or
		// an unchecked box looked disabled. A mid grey keeps the ring and
		// entry borders visibly "available" in both variants.
		if v == ftheme.VariantDark {
			return color.NRGBA{R: 0x8a, G: 0x8a, B: 0x8e, A: 0xff}
		}
		return color.NRGBA{R: 0x8e, G: 0x8e, B: 0x8e, A: 0xff}
	case ftheme.ColorNamePrimary:
		// Agricultural green rather than Fyne's blue; also the icon colour.
		return color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	}
	return t.base.Color(n, v)
}

// Font returns the bundled CJK font for every style. It has no Latin letters
// or digits; Fyne falls back per rune to its default font (regular, bold or
// monospace to match the style), so Latin text keeps Fyne's own look and
// hanzi never become tofu boxes. Symbol glyphs (icons in text) stay Fyne's.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Symbol {
		return t.base.Font(s)
	}
	return cjk
}

// Icon defers to the default theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// Size scales text, icons and paddings in the large variant.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	s := t.base.Size(n)
	if !t.Large {
		return s
	}
	switch n {
	case ftheme.SizeNameText, ftheme.SizeNameHeadingText, ftheme.SizeNameSubHeadingText,
		ftheme.SizeNameCaptionText, ftheme.SizeNameInlineIcon, ftheme.SizeNameInputBorder:
		return s * LargeScale
	case ftheme.SizeNamePadding, ftheme.SizeNameInnerPadding, ftheme.SizeNameLineSpacing:
		return s * 1.15
	}
	return s
}

// CJKFont returns the bundled font resource (the icon generator and tests use it).
func CJKFont() fyne.Resource { return cjk }
