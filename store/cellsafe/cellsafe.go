// Package cellsafe keeps text written to a spreadsheet (CSV or XLSX) from
// being taken for a formula. A cell that starts with = + - @ (or a tab or
// carriage return, which some spreadsheet programs skip before looking for
// one) is run as a formula when the file is opened or the cell is edited:
// "=HYPERLINK(...)" from an imported supplier name would become a link in
// the site's own export (CSV injection, OWASP). The store keeps such values
// as they were entered; every writer of a spreadsheet passes its text
// fields through Text. Numbers are not text: a negative number in a numeric
// column is written as a number and must not go through Text.
//
// It is a standard-library-only leaf, usable by the store's importer, the
// CLI and the GUI alike.
package cellsafe

import (
	"strings"
	"unicode/utf8"
)

// triggers are the first characters that make a spreadsheet treat a cell
// as a formula, including the full-width forms a Chinese input method
// types (Excel and WPS accept ＝ and ＋ as formula starts).
const triggers = "=+-@\t\r＝＋－＠"

// Needs reports whether s would be read as a formula.
func Needs(s string) bool {
	r, _ := utf8.DecodeRuneInString(s) // RuneError for "" or a bad byte: not a trigger
	return strings.ContainsRune(triggers, r)
}

// quoted reports whether s, after any leading quotes, would be read as a
// formula: those are the values Text prefixes, so that Unescape can undo
// exactly what Text did (a value typed as "'=x" comes back as "'=x", not as
// "=x").
func quoted(s string) bool { return Needs(strings.TrimLeft(s, "'")) }

// Text returns s safe to write as a text cell: prefixed with a single quote
// when it would be read as a formula (or already starts with quotes before
// a formula start), unchanged otherwise. Spreadsheet programs show the
// quote as the cell's text marker, not a formula.
func Text(s string) string {
	if quoted(s) {
		return "'" + s
	}
	return s
}

// Row applies Text to every cell of a row of text fields.
func Row(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Text(c)
	}
	return out
}

// Unescape undoes Text for a reader of our own exports: a leading quote
// followed by a formula start is dropped; anything else is unchanged.
// Unescape(Text(s)) == s for every s.
func Unescape(s string) string {
	if strings.HasPrefix(s, "'") && quoted(s[1:]) {
		return s[1:]
	}
	return s
}
