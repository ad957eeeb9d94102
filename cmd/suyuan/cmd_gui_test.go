package main

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"suyuan/device/printer"
)

func TestSetLocaleFallback(t *testing.T) {
	cases := []struct {
		name               string
		lcAll, lcMsg, lang string
		wantLang, wantAll  string
	}{
		{name: "unset", wantLang: "zh_CN.UTF-8"},
		{name: "C", lang: "C", wantLang: "zh_CN.UTF-8"},
		{name: "POSIX", lang: "POSIX", wantLang: "zh_CN.UTF-8"},
		{name: "C.UTF-8", lang: "C.UTF-8", wantLang: "zh_CN.UTF-8"},
		{name: "real locale kept", lang: "en_US.UTF-8", wantLang: "en_US.UTF-8"},
		{name: "LC_ALL=C fixed, LANG kept", lcAll: "C", lang: "en_GB.UTF-8", wantLang: "en_GB.UTF-8", wantAll: "zh_CN.UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("LC_ALL", c.lcAll)
			t.Setenv("LC_MESSAGES", c.lcMsg)
			t.Setenv("LANG", c.lang)
			setLocaleFallback()
			if got := os.Getenv("LANG"); got != c.wantLang {
				t.Errorf("LANG = %q, want %q", got, c.wantLang)
			}
			if got := os.Getenv("LC_ALL"); got != c.wantAll {
				t.Errorf("LC_ALL = %q, want %q", got, c.wantAll)
			}
		})
	}
}

func TestGUICommandRegistered(t *testing.T) {
	c, rest, ok := lookup([]string{"gui", "--training"})
	if !ok || c.Name != "gui" || len(rest) != 1 {
		t.Fatalf("lookup gui: %v %v %v", c.Name, rest, ok)
	}
}

// TestTrainingPrinterSim: the simulator training starts is a real raw-TCP
// printer on loopback that saves what it prints as PNGs.
func TestTrainingPrinterSim(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := filepath.Join(t.TempDir(), "training", "printed")
	uri, err := startPrinterSim(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "tcp://127.0.0.1:") {
		t.Fatalf("uri %q", uri)
	}
	bm := printer.NewBitmap(160, 80)
	bm.FillRect(image.Rect(10, 10, 60, 40))
	tr, err := printer.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(ctx, printer.EncodeTSPL(bm, printer.JobOptions{})); err != nil {
		t.Fatal(err)
	}
	if err := tr.(printer.Confirmer).Confirm(ctx, printer.TSPL); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	var files []string
	for i := 0; i < 100 && len(files) == 0; i++ {
		files, _ = filepath.Glob(filepath.Join(out, "label-*.png"))
		time.Sleep(20 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("%d PNGs in %s", len(files), out)
	}
}
