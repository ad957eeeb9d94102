// Command gen writes the character list used to subset DroidSansFallbackFull
// into the CJK font the labels and the GUI embed. The list is generated rather
// than committed by hand so that the GB2312 coverage is provably complete:
// every code point of GB2312 rows 0xA1–0xA9 (symbols, full-width forms) and
// 0xB0–0xF7 (the 6,763 hanzi) is decoded with golang.org/x/text.
//
// Usage (from the repository root): see README.md in this folder.
package main

import (
	"bufio"
	"fmt"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func main() {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	dec := simplifiedchinese.GBK.NewDecoder()
	hanzi, symbols := 0, 0
	write := func(r rune) { out.WriteRune(r) }
	// ASCII printable.
	for r := rune(0x20); r < 0x7f; r++ {
		write(r)
	}
	// CJK symbols and punctuation, full-width and half-width forms.
	for r := rune(0x3000); r <= 0x303f; r++ {
		write(r)
	}
	for r := rune(0xff01); r <= 0xffef; r++ {
		write(r)
	}
	for hi := 0xa1; hi <= 0xf7; hi++ {
		if hi > 0xa9 && hi < 0xb0 {
			continue // GB2312 rows 10–15 are unassigned
		}
		for lo := 0xa1; lo <= 0xfe; lo++ {
			b, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			dec.Reset()
			if err != nil {
				continue
			}
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError || n != len(b) || r < 0x80 {
				continue
			}
			if hi >= 0xb0 {
				if hi == 0xd7 && lo > 0xf9 {
					continue // GBK fills D7FA–D7FE; GB2312 leaves them empty
				}
				hanzi++
			} else {
				symbols++
			}
			write(r)
		}
	}
	out.WriteString("\n")
	if hanzi != 6763 {
		fmt.Fprintf(os.Stderr, "expected 6763 GB2312 hanzi, got %d\n", hanzi)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "hanzi %d, symbols %d\n", hanzi, symbols)
}
