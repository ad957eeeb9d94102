package label

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"suyuan/device/printer"
	"suyuan/device/printer/sim"

	"suyuan/app/label/labeltest"
)

// A run of labels printed one job at a time over tcp:// to the simulator:
// each PNG appears and decodes to its own serial's URL, in order.
func TestNetworkPrint(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sim.Server{OutDir: dir, DPI: 203}).Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	tr, err := printer.Open(ctx, "tcp://"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 1; i <= 3; i++ {
		d := Sample(TraceLabel)
		d.Code = "LOCAL2026031800" + string(rune('0'+i))
		d.Serial, d.Total, d.Provisional = i, 3, true
		img, err := Render(d, Size60x40, 203, Options{URLTemplate: "https://t.example/{code}?n={serial}"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := QRContent(d, "https://t.example/{code}?n={serial}")
		want = append(want, u)
		job := printer.EncodeTSPL(img, printer.JobOptions{DPI: 203})
		if i == 2 {
			job = printer.EncodeZPL(img, printer.JobOptions{DPI: 203})
		}
		if err := tr.Write(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	tr.Close()
	deadline := time.Now().Add(10 * time.Second)
	var files []string
	for time.Now().Before(deadline) {
		files, _ = filepath.Glob(filepath.Join(dir, "label-*.png"))
		if len(files) == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(files) != 3 {
		t.Fatalf("%d PNGs, want 3", len(files))
	}
	for i, f := range files {
		if got := labeltest.Zbar(t, f); len(got) != 1 || got[0] != want[i] {
			t.Errorf("%s: %q, want %q", f, got, want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "label-000004.png")); err == nil {
		t.Error("extra label printed")
	}
}
