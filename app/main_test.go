package app

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// A C locale makes Fyne log a parse error on every language switch.
	if l := os.Getenv("LANG"); l == "" || l == "C" || l == "POSIX" {
		os.Setenv("LANG", "en_US.UTF-8")
	}
	os.Exit(m.Run())
}
