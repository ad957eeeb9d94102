package app

import (
	"context"
	"database/sql"
	"errors"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/analyzerimport"
	stheme "suyuan/app/theme"
	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/store"
)

// Helpers shared by the packing-line screens (Packing, Shipping, Testing,
// Sync, Reports). The screens register themselves here in one init so the
// menu reads in the order of the day's work — pack, ship/receive, test —
// then sync and reports, before Settings (file-order init would sort them
// alphabetically).
func init() {
	registerScreen(navItem{id: "packing", title: "nav.packing", can: anyPerm(store.PermCertify), build: buildPacking})
	registerScreen(navItem{id: "shipping", title: "nav.shipping", can: anyPerm(store.PermShip), build: buildShipping})
	registerScreen(navItem{id: "testing", title: "nav.testing", can: anyPerm(store.PermInspect), build: buildTesting})
	registerScreen(navItem{id: "sync", title: "nav.sync", can: everyone, build: buildSync})
	registerScreen(navItem{id: "reports", title: "nav.reports", can: everyone, build: buildReports})
	// Exporting only reads: every role may (app/exports.go).
	registerScreen(navItem{id: "exports", title: "nav.exports", can: everyone, build: buildExports})
}

// findLot resolves what was scanned or typed to a lot. The text goes through
// analyzerimport.LotCode (scanner.Parse: full-width folding, AIM prefixes,
// check digits, and a clear refusal of a code of another kind) before the
// store's lookup, so every screen reads a code the same way.
func (s *Shell) findLot(raw string) (store.Lot, error) {
	code, err := analyzerimport.LotCode(raw)
	if err != nil {
		return store.Lot{}, err
	}
	return s.d.Store.LotByCode(s.ctx, code)
}

// scanLotEntry is a ScanEntry that finds a lot from a scan or from a code
// typed by hand and Enter, and hands it to onLot; errors show the rule's
// message.
func (s *Shell) scanLotEntry(placeholder string, onLot func(store.Lot)) *widgets.ScanEntry {
	e := widgets.NewScanEntry()
	e.SetPlaceHolder(placeholder)
	look := func(raw string) {
		l, err := s.findLot(raw)
		if err != nil {
			e.SetText(strings.TrimSpace(raw))
			s.showError(err)
			return
		}
		e.SetText("")
		onLot(l)
	}
	e.OnScan = func(sc scanner.Scan) { look(sc.Raw) }
	e.OnSubmitted = look
	return e
}

// lotColumns are the columns of the lot pickers. The lot code carries the
// production date (SITE-YYMMDD-SEQ-C), so there is no date column.
func lotColumns() []column[store.Lot] {
	return []column[store.Lot]{
		{"lot.code", 190, func(l store.Lot) string { return l.Code }},
		{"common.quantity", 80, func(l store.Lot) string { return fmtQty(l.Quantity) + " " + l.Unit }},
		{"lot.state", 72, func(l store.Lot) string { return lotState(l) }},
	}
}

func lotState(l store.Lot) string {
	switch {
	case l.Voided:
		return tr("common.voided")
	case l.Hold:
		return tr("lot.hold")
	}
	return ""
}

// newLotTable is a paged, searchable list of lots, newest first.
func (s *Shell) newLotTable(q store.LotQuery) *pagedTable[store.Lot] {
	return newPagedTable(s.ctx, lotColumns(),
		func(ctx context.Context, lq store.ListQuery) (int, error) {
			q.ListQuery = lq
			return s.d.Store.CountLots(ctx, q)
		},
		func(ctx context.Context, lq store.ListQuery) ([]store.Lot, error) {
			q.ListQuery = lq
			return s.d.Store.ListLots(ctx, q)
		}, s.showError)
}

// fmtQty prints a quantity with up to three decimals ("0" for zero, unlike
// fmtFloat which leaves an empty form field).
func fmtQty(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// title is a bold heading label.
func title(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// stateColor is one of the theme's status colours.
func stateColor(p widgets.PillState) color.Color {
	n := map[widgets.PillState]fyne.ThemeColorName{widgets.PillIdle: stheme.ColorNameIdle, widgets.PillOK: stheme.ColorNameOK,
		widgets.PillWarn: stheme.ColorNameWarn, widgets.PillBad: stheme.ColorNameBad}[p]
	return fyne.CurrentApp().Settings().Theme().Color(n, fyne.CurrentApp().Settings().ThemeVariant())
}

// tint puts a translucent status colour behind a table cell (positive in
// red, invalid in amber) so the text stays readable in both variants.
func tint(bg *canvas.Rectangle, p widgets.PillState, on bool) {
	c := color.Color(color.Transparent)
	if on {
		r, g, b, _ := stateColor(p).RGBA()
		c = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x55}
	}
	if bg.FillColor != c {
		bg.FillColor = c
		bg.Refresh()
	}
}

// localSetting reads a key of the store's settings table (local
// configuration such as printer.uri); "" when unset.
func (s *Shell) localSetting(key string) string {
	var v string
	err := s.d.Store.Reader().QueryRowContext(s.ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		fyne.LogError("read setting "+key, err)
	}
	return strings.TrimSpace(v)
}

// setting is a per-PC preference (devices are attached to this PC) falling
// back to the store's settings table.
func (s *Shell) setting(key string) string {
	if v := strings.TrimSpace(s.a.Preferences().String(key)); v != "" {
		return v
	}
	return s.localSetting(key)
}
