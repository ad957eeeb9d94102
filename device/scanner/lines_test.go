package scanner

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns its data in the given chunk sizes, to exercise
// terminators and multi-byte characters split across reads.
type chunkReader struct {
	data  []byte
	sizes []int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.sizes) > 0 {
		n = min(n, c.sizes[0])
		c.sizes = c.sizes[1:]
	}
	n = min(n, len(p))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestReadLines(t *testing.T) {
	long := "1.0.915101007130545948.00000001.20240501102030.001"
	gbCert := "\xb3\xd0\xc5\xb5\xb4\xef\xb1\xea\xba\xcf\xb8\xf1\xd6\xa4 \xc6\xb7\xc3\xfb:\xb0\xd7\xb2\xcb" // 承诺达标合格证 品名:白菜
	tests := []struct {
		name  string
		r     io.Reader
		raws  []string
		kinds []Kind
		notes []string // a note the last scan must carry
	}{
		{name: "CR", r: strings.NewReader("XP01-250301-0001-V\r" + long + "\r"), raws: []string{"XP01-250301-0001-V", long}, kinds: []Kind{KindLocalLot, KindNationalLong}},
		{name: "LF and CRLF, empty lines skipped", r: strings.NewReader("\r\n11593966828965943445\n\n" + long + "\r\n"), raws: []string{"11593966828965943445", long}, kinds: []Kind{KindNationalShort, KindNationalLong}},
		{name: "CRLF split across reads", r: &chunkReader{data: []byte("ABC1\r\nXP01-250301-0001-V\r\n"), sizes: []int{5, 1, 3}}, raws: []string{"ABC1", "XP01-250301-0001-V"}, kinds: []Kind{KindUnknown, KindLocalLot}},
		{name: "one byte at a time UTF-8", r: iotest.OneByteReader(strings.NewReader("承诺达标合格证 品名:白菜\r")), raws: []string{"承诺达标合格证 品名:白菜"}, kinds: []Kind{KindCertificate}},
		{name: "GB18030 bytes split", r: &chunkReader{data: []byte(gbCert + "\r"), sizes: []int{3, 7, 1}}, raws: []string{"承诺达标合格证 品名:白菜"}, kinds: []Kind{KindCertificate}, notes: []string{"gb18030"}},
		{name: "no terminator at EOF", r: strings.NewReader("XP01-250301-0001-V"), raws: []string{"XP01-250301-0001-V"}, kinds: []Kind{KindLocalLot}, notes: []string{"no-terminator"}},
		{name: "GS kept inside a line", r: strings.NewReader("]d20109520123456788\x1d10ABC\r"), raws: []string{"]d20109520123456788\x1d10ABC"}, kinds: []Kind{KindGS1ElementString}},
		{name: "reader error after data", r: iotest.TimeoutReader(strings.NewReader("ABCD\rEF")), raws: []string{"ABCD"}, kinds: []Kind{KindUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Scan
			err := ReadLines(context.Background(), tt.r, func(s Scan) { got = append(got, s) })
			if tt.name == "reader error after data" {
				if !errors.Is(err, iotest.ErrTimeout) {
					t.Errorf("err = %v, want wrapped timeout", err)
				}
				// "EF" was read in the first Read and is emitted at the error.
				tt.raws = append(tt.raws, "EF")
				tt.kinds = append(tt.kinds, KindUnknown)
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.raws) {
				t.Fatalf("got %d scans %+v, want %d", len(got), got, len(tt.raws))
			}
			for i := range got {
				if got[i].Raw != tt.raws[i] || got[i].Kind != tt.kinds[i] {
					t.Errorf("scan %d = %q %v, want %q %v", i, got[i].Raw, got[i].Kind, tt.raws[i], tt.kinds[i])
				}
			}
			for _, n := range tt.notes {
				if !strings.Contains(strings.Join(got[len(got)-1].Notes, ","), n) {
					t.Errorf("notes %v lack %q", got[len(got)-1].Notes, n)
				}
			}
		})
	}
}

func TestReadLinesTooLong(t *testing.T) {
	in := strings.Repeat("A", MaxScanLength+100) + "\rXP01-250301-0001-V\r"
	var got []Scan
	if err := ReadLines(context.Background(), strings.NewReader(in), func(s Scan) { got = append(got, s) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !errors.Is(got[0].Err, ErrTooLong) || len(got[0].Raw) != MaxScanLength || got[1].Kind != KindLocalLot {
		t.Fatalf("got %d scans; first err %v", len(got), got[0].Err)
	}
}

func TestStream(t *testing.T) {
	serialIn := strings.NewReader("XP01-250301-0001-V\r11593966828965943445\r")
	hidIn := strings.NewReader(string(typeReports("HGZ-XP01-20250301-0007\n")))
	failing := Source{Name: "broken", Read: func(ctx context.Context, out func(Scan)) error {
		out(Parse("6901234567892"))
		return io.ErrClosedPipe
	}}
	s := NewStream(context.Background(), LineSource("cdc", serialIn), HIDSource("hid", hidIn), failing)
	got := map[string][]Kind{}
	for sc := range s.Scans() {
		got[sc.Source] = append(got[sc.Source], sc.Scan.Kind)
	}
	want := map[string][]Kind{
		"cdc":    {KindLocalLot, KindNationalShort},
		"hid":    {KindCertificate},
		"broken": {KindGS1ElementString},
	}
	for src, kinds := range want {
		if len(got[src]) != len(kinds) {
			t.Errorf("%s: got %v, want %v", src, got[src], kinds)
			continue
		}
		for i := range kinds {
			if got[src][i] != kinds[i] {
				t.Errorf("%s[%d] = %v, want %v", src, i, got[src][i], kinds[i])
			}
		}
	}
	if err := s.Err(); !errors.Is(err, io.ErrClosedPipe) || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Err = %v", err)
	}
}

func TestStreamCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := NewStream(ctx, LineSource("pipe", pr))
	go func() { _, _ = pw.Write([]byte("XP01-250301-0001-V\r")) }()
	first := <-s.Scans()
	if first.Scan.Kind != KindLocalLot {
		t.Fatalf("got %+v", first)
	}
	cancel()
	_ = pr.Close() // the owner closes the reader on cancel
	for range s.Scans() {
	}
	if err := s.Err(); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Err = %v", err)
	}
}
