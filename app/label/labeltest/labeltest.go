// Package labeltest holds the test helpers that check printed output with
// independent tools (zbarimg for QR codes, pdftoppm for PDF pages), shared by
// the label, print-job and CLI tests so every package applies the same rule:
// a missing tool skips a test on a developer's machine and fails it in CI,
// where make deps installs it.
package labeltest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// NeedTool returns the path of an external program, or skips the test when
// it is missing outside CI (CI=true makes it a failure).
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// Zbar decodes every QR code in an image file with zbarimg and returns the
// contents, one per symbol.
func Zbar(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command(NeedTool(t, "zbarimg"), "-q", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg %s: %v", path, err)
	}
	return strings.Fields(strings.TrimSpace(string(out)))
}
