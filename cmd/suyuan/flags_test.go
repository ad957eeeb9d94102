package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"suyuan/store"
)

// TestHelpOnEveryCommand: -h and --help on any command print its usage on
// stdout, exit 0 and do nothing (no store is created in the data folder).
// Before, the flag package's "flag: help requested" came back as a failure
// (exit 1), and commands without a flag set ran instead.
func TestHelpOnEveryCommand(t *testing.T) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, h := range []string{"-h", "--help"} {
			t.Run(n+" "+h, func(t *testing.T) {
				dir := t.TempDir()
				args := append(strings.Fields(n), h)
				code, out, errs := cli(t, dir, "", args...)
				if code != 0 {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
				}
				if !strings.Contains(out, "usage: suyuan "+n) || !strings.Contains(out, "flags:") {
					t.Fatalf("stdout has no usage for %q: %q", n, out)
				}
				if strings.Contains(out+errs, "help requested") {
					t.Fatalf("raw flag error shown: %q %q", out, errs)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Fatalf("help did something: %s holds %v", dir, ents)
				}
			})
		}
	}
	// Global help, before any command.
	for _, h := range []string{"-h", "--help", "help"} {
		if code, out, _ := cli(t, t.TempDir(), "", h); code != 0 || !strings.Contains(out, "commands:") {
			t.Fatalf("%s: exit %d, %q", h, code, out)
		}
	}
}

func TestHelpRequested(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-h"}, true},
		{[]string{"--lot", "X", "--help"}, true},
		{[]string{"-help"}, true},
		{[]string{"--", "-h"}, false},
		{[]string{"--hid", "/dev/hidraw0"}, false},
		{[]string{"-hx"}, false},
	}
	for _, c := range cases {
		if got := helpRequested(c.args); got != c.want {
			t.Errorf("helpRequested(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// TestOutFolderMissing: a --out file in a folder that does not exist is
// reported as exactly that, before anything is started — not as a printer
// out of paper. Every command with a file --out is covered.
func TestOutFolderMissing(t *testing.T) {
	dir := t.TempDir()
	lot := printSite(t, dir)
	t.Setenv("SUYUAN_PASSWORD", "admin-pass-1")
	missing := filepath.Join(t.TempDir(), "没有这个文件夹", "out")
	cases := []struct {
		name string
		args []string
	}{
		{"print pdf", []string{"--user", "admin", "print", "trace", "--lot", lot.Code, "--out", missing + ".pdf"}},
		{"print png", []string{"--user", "admin", "print", "trace", "--lot", lot.Code, "--out", missing + ".png"}},
		{"print tspl", []string{"--user", "admin", "print", "trace", "--lot", lot.Code, "--out", missing + ".tspl"}},
		{"print preview", []string{"print", "preview", "trace", "--out", missing + ".png"}},
		{"template", []string{"template", "plots", "--out", missing + ".xlsx"}},
		{"sync export", []string{"sync", "export", "--out", missing + ".pkg"}},
		{"upload-package", []string{"platform", "upload-package", filepath.Join(dir, store.DefaultFile), "--url", "http://127.0.0.1:1", "--out", missing + ".receipts"}},
	}
	for _, c := range cases {
		for _, lang := range []string{"zh", "en"} {
			t.Run(c.name+" "+lang, func(t *testing.T) {
				code, _, errs := cli(t, dir, "", append([]string{"--lang", lang}, c.args...)...)
				if code != 1 {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				want := map[string]string{"zh": "不存在：请先新建这个文件夹", "en": "does not exist: create it first"}[lang]
				if !strings.Contains(errs, want) || !strings.Contains(errs, "没有这个文件夹") {
					t.Fatalf("stderr does not say the folder is missing: %q", errs)
				}
				for _, wrong := range []string{"缺纸", "paper", "no such file"} {
					if strings.Contains(errs, wrong) {
						t.Fatalf("stderr blames the wrong thing (%q): %q", wrong, errs)
					}
				}
			})
		}
	}
	// Nothing was recorded as a print job for the refused prints.
	code, out, _ := cli(t, dir, "", "--lang", "en", "verify")
	if code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("verify after refused prints: %d %q", code, out)
	}
	if n := printJobCount(t, dir); n != 0 {
		t.Fatalf("%d print jobs recorded for refused prints", n)
	}
}

func printJobCount(t *testing.T, dir string) int {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, store.DefaultFile), store.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Reader().QueryRow("SELECT count(*) FROM print_jobs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
