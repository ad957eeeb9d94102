package printer

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

func randomBitmap(w, h int, seed int64) *Bitmap {
	r := rand.New(rand.NewSource(seed))
	b := NewBitmap(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b.Set(x, y, r.Intn(3) == 0)
		}
	}
	return b
}

// ESC/POS bands reassemble to the image (bit 1 = black, no inversion).
func TestESCPOSRaster(t *testing.T) {
	for _, wh := range [][2]int{{480, 320}, {37, 600}, {8, 1}} {
		b := randomBitmap(wh[0], wh[1], 1)
		job := EncodeESCPOS(b, JobOptions{})
		if !bytes.HasPrefix(job, []byte{0x1b, '@'}) {
			t.Fatal("no ESC @")
		}
		got := NewBitmap(b.Width, b.Height)
		p, y := job[2:], 0
		for len(p) >= 8 && p[0] == 0x1d && p[1] == 'v' {
			wb, h := int(p[4])|int(p[5])<<8, int(p[6])|int(p[7])<<8
			if wb != b.Stride || h > escposBand {
				t.Fatalf("band %d×%d", wb, h)
			}
			copy(got.Pix[y*wb:], p[8:8+wb*h])
			y, p = y+h, p[8+wb*h:]
		}
		if y != b.Height || got.Diff(b) != 0 {
			t.Fatalf("%v: reassembled %d rows, %d dots differ", wh, y, got.Diff(b))
		}
	}
}

// TSPL inverts: a black dot is a 0 bit, padding bits are white (1).
func TestTSPLPolarity(t *testing.T) {
	b := NewBitmap(10, 1)
	b.Set(0, 0, true)
	job := EncodeTSPL(b, JobOptions{})
	i := bytes.Index(job, []byte("BITMAP 0,0,2,1,0,"))
	if i < 0 {
		t.Fatalf("no BITMAP header in %q", job)
	}
	data := job[i+len("BITMAP 0,0,2,1,0,"):][:2]
	if data[0] != 0x7f || data[1] != 0xff {
		t.Fatalf("payload % x, want 7f ff", data)
	}
	if !bytes.Contains(job, []byte("SIZE 1.25 mm,0.125 mm\r\n")) {
		t.Fatalf("SIZE line wrong: %q", job[:40])
	}
}

func TestParseURI(t *testing.T) {
	tests := []struct {
		in   string
		want URI
		bad  bool
	}{
		{in: "tcp://192.168.1.50:9100", want: URI{Scheme: "tcp", Host: "192.168.1.50:9100"}},
		{in: "tcp://printer.local", want: URI{Scheme: "tcp", Host: "printer.local:9100"}},
		{in: "usb://", want: URI{Scheme: "usb"}},
		{in: "usb://0a5f:011c", want: URI{Scheme: "usb", USB: USBMatch{VID: 0x0a5f, PID: 0x011c}}},
		{in: "usb://?serial=AB%20C", want: URI{Scheme: "usb", USB: USBMatch{Serial: "AB C"}}},
		{in: "lp:///dev/usb/lp0", want: URI{Scheme: "lp", Path: "/dev/usb/lp0"}},
		{in: "file:///C:/labels/out.tspl", want: URI{Scheme: "file", Path: "C:/labels/out.tspl"}},
		{in: "spool://佳博 GP-3120TU", want: URI{Scheme: "spool", Name: "佳博 GP-3120TU"}},
		{in: "usb://zz:1", bad: true},
		{in: "tcp://host:99999", bad: true},
		{in: "ftp://x", bad: true},
		{in: "/dev/usb/lp0", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseURI(tt.in)
		if tt.bad {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadURI) || pe.UserMessage("zh") == "" {
				t.Errorf("%q: err = %v, want ErrBadURI with message", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestTransportErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "tcp://127.0.0.1:1"); !errors.Is(err, ErrUnreachable) {
		t.Errorf("closed port: %v", err)
	}
	if _, err := Open(ctx, "lp:///dev/usb/lp-does-not-exist"); !errors.Is(err, ErrNoUSBPrinter) {
		t.Errorf("missing lp: %v", err)
	}
	t.Run("read-only lp", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "lp0")
		os.WriteFile(p, nil, 0o400)
		// root (also Windows' os.Getuid -1 under Wine run as root) may
		// write a read-only file: there is no permission error to see.
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			f.Close()
			t.Skip("this user may write read-only files (root, or Wine run as root)")
		}
		tr, err := Open(ctx, "lp://"+p)
		if err == nil {
			tr.Close()
		}
		if !errors.Is(err, ErrPermission) {
			t.Errorf("read-only lp: %v", err)
		}
	})
	// file:// appends whole jobs.
	p := filepath.Join(t.TempDir(), "out.bin")
	tr, err := Open(ctx, "file://"+p)
	if err != nil {
		t.Fatal(err)
	}
	tr.Write(ctx, []byte("A"))
	tr.Write(ctx, []byte("B"))
	tr.Close()
	if b, _ := os.ReadFile(p); string(b) != "AB" {
		t.Errorf("file content %q", b)
	}
}
