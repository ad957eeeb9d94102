// Package assets holds the files Suyuan embeds in its binary, so that a label
// prints the same on every machine whatever fonts the OS has (an old Windows
// PC or a bare Debian may have no CJK font at all).
package assets

import (
	_ "embed"

	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// CJKFont is a single TrueType (.ttf, not .ttc: x/image/font/sfnt and Fyne
// both reject collections) subset of DroidSansFallbackFull (Apache-2.0, see
// fonts/LICENSE-DroidSansFallback-Apache-2.0.txt) covering ASCII punctuation,
// CJK punctuation, full-width forms, GB2312 symbol rows and all 6,763 GB2312
// hanzi. It has no Latin letters or digits of its own: pair it with LatinFont
// (labels choose per rune). How it was made: fonts/gen/README.md.
//
//go:embed fonts/DroidSansFallbackGB2312.ttf
var CJKFont []byte

// LatinFont is Go Regular (BSD-3-Clause, golang.org/x/image/font/gofont),
// used for Latin letters and digits, which CJKFont lacks.
var LatinFont = goregular.TTF

// MonoFont is Go Mono, used where codes must be read character by character.
var MonoFont = gomono.TTF
