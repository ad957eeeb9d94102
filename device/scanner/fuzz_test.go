package scanner

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

var parseSeeds = []string{
	"XP01-250301-0001-V", "xp01-250301-0001-v", "1.0.915101007130545948.00000001.20240501102030.001",
	"11593966828965943445", "1.2.156.326.8.1.2.0.3.93530427MA6N0X1234.01001.20240501102030",
	"HGZ-XP01-20250301-0007", "承诺达标合格证\n合格证编号：HGZ-XP01-20250301-0007\n产品名称：白菜",
	"https://zs.example.gov.cn/qry?zsm=1.0.915101007130545948.00000001.20240501102030.001",
	"https://h5.example.cn/#/trace?traceCode=11593966828965943445", "https://id.gs1.org/01/09520123456788/10/ABC123?17=250131",
	"]d201095201234567881015ABC123\x1d172501313103001250", "(01)09520123456788(10)ABC123", "]C1\x1d00106141411234567897",
	"6901234567892", "]E06901234567893", "１.０.９１５", "-çà&é\"'(-è_çé", "\ufeff\r\n", "(", "]Q", "https://", "1.2.156.326.8.",
	"(3103)", "https://x/01/", "承诺达标合格证编号:", "\xff\xfe",
}

// FuzzParse: never panics; Raw is preserved; a known kind has a Code; an
// unknown one has none; Err on a known kind is a *ScanError.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		sc := Parse(raw)
		if sc.Raw != raw {
			t.Fatalf("Raw changed: %q -> %q", raw, sc.Raw)
		}
		if sc.Kind != KindUnknown && sc.Code == "" {
			t.Fatalf("kind %v with empty Code for %q", sc.Kind, raw)
		}
		if sc.Kind == KindUnknown && sc.Code != "" {
			t.Fatalf("unknown with Code %q", sc.Code)
		}
		if !utf8.ValidString(sc.Code) {
			t.Fatalf("invalid UTF-8 Code %q", sc.Code)
		}
		if sc.Err != nil {
			if _, ok := sc.Err.(*ScanError); !ok {
				t.Fatalf("Err %T", sc.Err)
			}
			_ = sc.Err.(*ScanError).UserMessage("zh")
		}
		// Parsing is a function of the content: noise around it changes nothing.
		again := Parse("\r\n " + raw + "\r\n")
		if strings.TrimFunc(raw, isNoise) == strings.TrimFunc("\r\n "+raw+"\r\n", isNoise) &&
			(again.Kind != sc.Kind || again.Code != sc.Code) {
			t.Fatalf("noise changed result: %v %q vs %v %q", sc.Kind, sc.Code, again.Kind, again.Code)
		}
	})
}

// FuzzHIDDecoder: arbitrary report streams never panic, scans are bounded.
func FuzzHIDDecoder(f *testing.F) {
	f.Add(typeReports("XP01-250301-0001-V\n"))
	f.Add(append(report(0x04, 0x5C), report(0)...))
	f.Add([]byte{0x01, 0, 0x30, 0, 0, 0, 0, 0, 0, 0, 0x28})
	f.Add(report(0, 1, 1, 1, 1, 1, 1))
	f.Fuzz(func(t *testing.T, stream []byte) {
		n := 0
		err := ReadScans(context.Background(), bytes.NewReader(stream), func(sc Scan) {
			n++
			if utf8.RuneCountInString(sc.Raw) > MaxScanLength {
				t.Fatalf("scan of %d runes", utf8.RuneCountInString(sc.Raw))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		// At most three distinct terminators (Enter, keypad Enter, Tab) per
		// report, plus the incomplete tail at EOF.
		if n > 3*(len(stream)/8)+1 {
			t.Fatalf("%d scans from %d reports", n, len(stream)/8)
		}
		var pos HIDPOSDecoder
		for i := 0; i+64 <= len(stream); i += 64 {
			_, _, _ = pos.Feed(stream[i : i+64])
		}
	})
}

// FuzzReadLines: any byte stream, any chunking; never panics; the scans'
// bytes never exceed the input.
func FuzzReadLines(f *testing.F) {
	f.Add([]byte("XP01-250301-0001-V\r\n11593966828965943445\n"), uint8(3))
	f.Add([]byte("\xb3\xd0\xc5\xb5\r\r\n\n"), uint8(1))
	f.Add([]byte("]d20109520123456788\x1d10ABC"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		r := &chunkReader{data: data}
		if chunk > 0 {
			for i := 0; i < len(data); i += int(chunk) {
				r.sizes = append(r.sizes, int(chunk))
			}
		}
		var whole []Scan
		if err := ReadLines(context.Background(), bytes.NewReader(data), func(s Scan) { whole = append(whole, s) }); err != nil {
			t.Fatal(err)
		}
		var chunked []Scan
		if err := ReadLines(context.Background(), r, func(s Scan) { chunked = append(chunked, s) }); err != nil {
			t.Fatal(err)
		}
		if len(whole) != len(chunked) {
			t.Fatalf("chunking changed the number of scans: %d vs %d", len(whole), len(chunked))
		}
		for i := range whole {
			if whole[i].Raw != chunked[i].Raw || whole[i].Kind != chunked[i].Kind {
				t.Fatalf("scan %d differs: %q vs %q", i, whole[i].Raw, chunked[i].Raw)
			}
		}
	})
}
