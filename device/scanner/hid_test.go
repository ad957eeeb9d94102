package scanner

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// usKey is the test's own US-layout table (HID Usage Tables page 0x07),
// independent of the decoder's.
func usKey(r rune) (key, mod byte) {
	const shift = 0x02
	switch {
	case r >= 'a' && r <= 'z':
		return 0x04 + byte(r-'a'), 0
	case r >= 'A' && r <= 'Z':
		return 0x04 + byte(r-'A'), shift
	case r >= '1' && r <= '9':
		return 0x1E + byte(r-'1'), 0
	case r == '0':
		return 0x27, 0
	}
	m := map[rune][2]byte{'-': {0x2D, 0}, '.': {0x37, 0}, '/': {0x38, 0}, ':': {0x33, shift}, '?': {0x38, shift},
		'=': {0x2E, 0}, '_': {0x2D, shift}, '(': {0x26, shift}, ')': {0x27, shift}, '&': {0x24, shift}, '\n': {0x28, 0}}
	v := m[r]
	return v[0], v[1]
}

func report(mod byte, keys ...byte) []byte {
	r := make([]byte, 8)
	r[0] = mod
	copy(r[2:], keys)
	return r
}

// typeReports types s as a scanner does: press, release per character;
// '\n' becomes Enter.
func typeReports(s string) []byte {
	var b bytes.Buffer
	for _, r := range s {
		k, m := usKey(r)
		b.Write(report(m, k))
		b.Write(report(0))
	}
	return b.Bytes()
}

func TestHIDReadScans(t *testing.T) {
	long := "1.0.915101007130545948.00000001.20240501102030.001"
	tests := []struct {
		name    string
		stream  []byte
		want    []string // Raw of each scan
		kinds   []Kind
		errLast error
	}{
		{name: "one scan", stream: typeReports("XP01-250301-0001-V\n"), want: []string{"XP01-250301-0001-V"}, kinds: []Kind{KindLocalLot}},
		{name: "two scans", stream: typeReports(long + "\nhttps://id.gs1.org/01/09520123456788\n"),
			want: []string{long, "https://id.gs1.org/01/09520123456788"}, kinds: []Kind{KindNationalLong, KindGS1DigitalLink}},
		{name: "held key not repeated, rollover", stream: bytes.Join([][]byte{
			report(0x02, 0x0B),       // H
			report(0x02, 0x0B),       // H still held (repeat report)
			report(0, 0x0B, 0x0C),    // H held, i pressed
			report(0, 0x0C),          // H released
			report(0, 0x1E),          // 1
			report(0, 0x1E),          // 1 held
			report(0),                //
			report(0, 0x1E),          // 1 again
			report(0, 0x01, 0x01, 1), // rollover error: ignored
			report(0, 0x1E, 0x28),    // 1 held, Enter
		}, nil), want: []string{"Hi11"}, kinds: []Kind{KindUnknown}},
		{name: "Ctrl+] is FNC1", stream: bytes.Join([][]byte{
			typeReports("0109520123456788"), typeReports("10ABC"),
			report(0x01, 0x30), report(0), typeReports("17250131\n"),
		}, nil), want: []string{"0109520123456788" + "10ABC\x1d17250131"}, kinds: []Kind{KindGS1ElementString}},
		{name: "Alt+numpad GBK", stream: bytes.Join([][]byte{
			report(0x04), report(0x04, 0x5C), report(0x04), report(0x04, 0x5F), report(0x04), report(0x04, 0x60),
			report(0x04), report(0x04, 0x59), report(0x04), report(0x04, 0x59), report(0x04), report(0), // 47811 = GBK 好
			report(0, 0x28),
		}, nil), want: []string{"好"}, kinds: []Kind{KindUnknown}},
		{name: "keypad digits and keypad Enter", stream: bytes.Join([][]byte{
			report(0, 0x59), report(0), report(0, 0x61), report(0), report(0, 0x62), report(0), report(0, 0x58),
		}, nil), want: []string{"190"}, kinds: []Kind{KindUnknown}},
		{name: "bare Enter is no scan", stream: typeReports("\n\n"), want: nil},
		{name: "cut off mid-scan", stream: typeReports("XP01-25"), want: []string{"XP01-25"}, kinds: []Kind{KindUnknown}, errLast: ErrIncomplete},
		{name: "partial report at EOF", stream: append(typeReports("AB\n"), 0, 0, 4), want: []string{"AB"}, kinds: []Kind{KindUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Scan
			err := ReadScans(context.Background(), bytes.NewReader(tt.stream), func(s Scan) { got = append(got, s) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d scans %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Raw != tt.want[i] || got[i].Kind != tt.kinds[i] {
					t.Errorf("scan %d = %q %v, want %q %v", i, got[i].Raw, got[i].Kind, tt.want[i], tt.kinds[i])
				}
			}
			if tt.errLast != nil && !errors.Is(got[len(got)-1].Err, tt.errLast) {
				t.Errorf("last Err = %v", got[len(got)-1].Err)
			}
		})
	}
}

func TestHIDReportID(t *testing.T) {
	d := HIDDecoder{ReportID: true}
	var stream []byte
	raw := typeReports("ab\n")
	for i := 0; i < len(raw); i += 8 {
		stream = append(stream, 1)
		stream = append(stream, raw[i:i+8]...)
	}
	var got []string
	if err := d.ReadScans(context.Background(), bytes.NewReader(stream), func(s Scan) { got = append(got, s.Raw) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "ab" {
		t.Errorf("got %q", got)
	}
	if _, err := (&HIDDecoder{}).Feed([]byte{1, 2}); !errors.Is(err, ErrReport) {
		t.Errorf("short report: %v", err)
	}
}

func TestHIDContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ReadScans(ctx, bytes.NewReader(typeReports("abc\n")), func(Scan) { t.Error("scan after cancel") })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// posReport builds a HID-POS report body per the Honeywell framing.
func posReport(withID bool, aim string, payload []byte, more bool) []byte {
	body := make([]byte, 63)
	body[0] = byte(len(payload))
	copy(body[1:4], aim)
	copy(body[4:], payload)
	if more {
		body[62] = 1
	}
	if withID {
		return append([]byte{0x02}, body...)
	}
	return body
}

func TestHIDPOS(t *testing.T) {
	long := "1.0.915101007130545948.00000001.20240501102030.001"
	d := HIDPOSDecoder{ReportID: true}
	if _, done, err := d.Feed(posReport(true, "]Q1", []byte(long[:30]), true)); done || err != nil {
		t.Fatalf("first part: done=%v err=%v", done, err)
	}
	sc, done, err := d.Feed(posReport(true, "]Q1", []byte(long[30:]), false))
	if !done || err != nil || sc.Kind != KindNationalLong || sc.Code != long || sc.Raw != "]Q1"+long {
		t.Fatalf("got %+v done=%v err=%v", sc, done, err)
	}
	// GS1 DataMatrix with GS and no report ID.
	d2 := HIDPOSDecoder{}
	sc, done, _ = d2.Feed(posReport(false, "]d2", []byte("0109520123456788\x1d10ABC"), false))
	if !done || sc.Kind != KindGS1ElementString || sc.Code != "(01)09520123456788(10)ABC" {
		t.Errorf("got %+v", sc)
	}
	// GB18030 payload.
	sc, _, _ = d2.Feed(posReport(false, "]Q1", []byte("\xb3\xd0\xc5\xb5\xb4\xef\xb1\xea\xba\xcf\xb8\xf1\xd6\xa4 \xc6\xb7\xc3\xfb:\xb0\xd7\xb2\xcb"), false))
	if sc.Kind != KindCertificate || sc.Fields["product"] != "白菜" || !strings.Contains(strings.Join(sc.Notes, ","), "gb18030") {
		t.Errorf("gb18030 certificate: %+v", sc)
	}
	if _, _, err := d2.Feed([]byte{200, ']', 'Q', '1'}); !errors.Is(err, ErrReport) {
		t.Errorf("bad length: %v", err)
	}
}
