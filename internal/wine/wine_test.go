package wine

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Off Windows nothing is Wine; under Wine (the windows-test run) a
// directory with a file in it can be removed, which is what every
// t.TempDir cleanup does.
func TestDetectedAndRemoveAll(t *testing.T) {
	if runtime.GOOS != "windows" && Detected() {
		t.Fatal("Detected() is true off Windows")
	}
	t.Logf("GOOS %s, under Wine: %v", runtime.GOOS, Detected())
	d, err := os.MkdirTemp("", "wine-removeall")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(d); err != nil {
		t.Fatalf("RemoveAll: %v", err)
	}
	if _, err := os.Stat(d); !os.IsNotExist(err) {
		t.Fatalf("%s still exists: %v", d, err)
	}
}
