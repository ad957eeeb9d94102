//go:build linux

package serial

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"suyuan/device"
)

func openPair(t *testing.T, cfg Config) (*os.File, *Port) {
	t.Helper()
	m, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	cfg.Path = slave
	p, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return m, p
}

// TestRawRoundTrip: all 256 byte values pass both ways unmodified (no CR/LF
// translation, no echo, no XON/XOFF or signal characters eaten).
func TestRawRoundTrip(t *testing.T) {
	m, p := openPair(t, Config{Baud: 115200})
	all := make([]byte, 0, 512)
	for i := 0; i < 256; i++ {
		all = append(all, byte(i))
	}
	all = append(all, all...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, dir := range []string{"master->port", "port->master"} {
		var w io.Writer = m
		var r io.Reader = p
		if dir == "port->master" {
			w, r = p, m
		}
		go w.Write(all)
		got := make([]byte, 0, len(all))
		buf := make([]byte, 128)
		for len(got) < len(all) {
			n, err := device.ReadContext(ctx, r, buf)
			if err != nil {
				t.Fatalf("%s: read after %d bytes: %v", dir, len(got), err)
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, all) {
			t.Fatalf("%s: bytes changed in transit:\n got %x\nwant %x", dir, got, all)
		}
		// No echo: nothing else must arrive.
		short, c2 := context.WithTimeout(ctx, 150*time.Millisecond)
		n, err := device.ReadContext(short, r, buf)
		c2()
		if n != 0 || !errors.Is(err, device.ErrTimeout) {
			t.Fatalf("%s: unexpected extra data n=%d err=%v", dir, n, err)
		}
	}
}

func TestReadTimeoutIsNotEOF(t *testing.T) {
	_, p := openPair(t, Config{ReadTimeout: 250 * time.Millisecond})
	start := time.Now()
	n, err := p.Read(make([]byte, 8))
	if n != 0 || !errors.Is(err, device.ErrTimeout) {
		t.Fatalf("want timeout, got n=%d err=%v", n, err)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 2*time.Second {
		t.Fatalf("timeout took %v", el)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	_, p := openPair(t, Config{})
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 8))
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("want os.ErrClosed, got %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
}

func TestContextCancelUnblocksRead(t *testing.T) {
	_, p := openPair(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err := p.ReadContext(ctx, make([]byte, 8))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestHangupIsDisconnected(t *testing.T) {
	m, p := openPair(t, Config{})
	m.Write([]byte("hi"))
	buf := make([]byte, 8)
	if n, err := p.Read(buf); err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := p.ReadContext(ctx, buf)
	if !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("want ErrDisconnected, got %v", err)
	}
	if p.Status() != Disconnected {
		t.Fatalf("status %v", p.Status())
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		is   error
	}{
		{"missing", Config{Path: filepath.Join(t.TempDir(), "nope")}, os.ErrNotExist},
		{"parity", Config{Path: "/dev/null", Parity: "X"}, ErrConfig},
		{"baud", Config{Path: "/dev/null", Baud: 14400}, ErrConfig},
		{"databits", Config{Path: "/dev/null", DataBits: 9}, ErrConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(context.Background(), c.cfg)
			if !errors.Is(err, c.is) {
				t.Fatalf("want %v, got %v", c.is, err)
			}
			var oe *OpenError
			if !errors.As(err, &oe) || oe.UserMessage("zh") == "" || oe.UserMessage("en") == oe.UserMessage("zh") {
				t.Fatalf("no bilingual user message: %v", err)
			}
		})
	}
}

// TestSupervisorReconnects: a stable symlink points at the current pty; the
// "instrument" is unplugged (master closed, link removed) and replugged as a
// new pty. The supervisor must report disconnected -> reconnecting ->
// connected and the session must see data from the new device.
func TestSupervisorReconnects(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyANALYZER")
	m1, s1, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(s1, link); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []Status
	sup := &Supervisor{Config: Config{Path: link}, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		OnStatus: func(e StatusEvent) { mu.Lock(); events = append(events, e.Status); mu.Unlock() }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m2 *os.File
	sessions := 0
	go func() {
		time.Sleep(200 * time.Millisecond)
		m1.Write([]byte("one"))
		time.Sleep(100 * time.Millisecond)
		m1.Close()
		os.Remove(link)
		time.Sleep(300 * time.Millisecond) // unplugged for a while
		var s2 string
		m2, s2, _ = OpenPTY()
		os.Symlink(s2, link)
		// the session on the new port waits for "two"
		time.Sleep(300 * time.Millisecond)
		m2.Write([]byte("two"))
	}()
	var got []string
	err = sup.Run(ctx, func(ctx context.Context, p *Port) error {
		sessions++
		buf := make([]byte, 16)
		for {
			n, err := p.ReadContext(ctx, buf)
			if err != nil {
				return err
			}
			got = append(got, string(buf[:n]))
			if string(buf[:n]) == "two" {
				return nil
			}
		}
	})
	if m2 != nil {
		defer m2.Close()
	}
	if err != nil {
		t.Fatalf("Run: %v (got %v)", err, got)
	}
	if sessions != 2 || len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Fatalf("sessions=%d got=%q", sessions, got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []Status{Connected, Disconnected, Reconnecting, Connected, Disconnected}
	// Reconnecting may be reported several times while the path is missing.
	var compact []Status
	for _, s := range events {
		if len(compact) == 0 || compact[len(compact)-1] != s {
			compact = append(compact, s)
		}
	}
	if len(compact) != len(want) {
		t.Fatalf("events %v, want %v", compact, want)
	}
	for i := range want {
		if compact[i] != want[i] {
			t.Fatalf("events %v, want %v", compact, want)
		}
	}
}

func TestListLinux(t *testing.T) {
	// A fake sysfs: one USB adapter with a by-id link, one virtual tty.
	root := t.TempDir()
	sys := filepath.Join(root, "sys", "class", "tty")
	usbDev := filepath.Join(root, "sys", "devices", "usb1", "1-1")
	iface := filepath.Join(usbDev, "1-1:1.0", "ttyUSB0")
	drv := filepath.Join(root, "sys", "bus", "usb-serial", "drivers", "ch341-uart")
	for _, d := range []string{filepath.Join(sys, "tty0"), iface, drv} {
		os.MkdirAll(d, 0o755)
	}
	for f, v := range map[string]string{"idVendor": "1a86\n", "idProduct": "7523\n", "serial": "A1B2\n", "product": "USB Serial\n"} {
		os.WriteFile(filepath.Join(usbDev, f), []byte(v), 0o644)
	}
	os.Symlink(drv, filepath.Join(iface, "driver"))
	os.MkdirAll(filepath.Join(sys, "ttyUSB0"), 0o755)
	os.Symlink(iface, filepath.Join(sys, "ttyUSB0", "device"))
	dev := filepath.Join(root, "dev")
	byid := filepath.Join(dev, "serial", "by-id")
	os.MkdirAll(byid, 0o755)
	os.WriteFile(filepath.Join(dev, "ttyUSB0"), nil, 0o644)
	os.Symlink(filepath.Join(dev, "ttyUSB0"), filepath.Join(byid, "usb-1a86_USB_Serial-if00-port0"))

	got, err := listFrom(sys, byid, dev)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("want 1 port, got %+v", got)
	}
	p := got[0]
	if p.VendorID != "1a86" || p.ProductID != "7523" || p.SerialNumber != "A1B2" || p.Driver != "ch341-uart" ||
		p.Path != filepath.Join(byid, "usb-1a86_USB_Serial-if00-port0") || p.Device != filepath.Join(dev, "ttyUSB0") || p.Chip() != "CH340/CH341" {
		t.Fatalf("unexpected %+v", p)
	}
	if _, err := List(); err != nil {
		t.Fatalf("List on this machine: %v", err)
	}
}
