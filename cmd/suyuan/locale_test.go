package main

import (
	"bytes"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"suyuan/app"
	"suyuan/cmd/suyuan/internal/earlylocale"
)

// cEnv is the process environment with the locale of a container, an ssh
// session or cron: LANG=C.UTF-8 and no LC_ALL, LC_MESSAGES or LANGUAGE.
func cEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "SUYUAN_LANG", "SUYUAN_NEW_PASSWORD", "SUYUAN_PASSWORD", "SUYUAN_DATA":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "LANG=C.UTF-8"), extra...)
}

// TestNoFyneLocaleNoise runs the built binary as a container runs it
// (LANG=C.UTF-8). Fyne's lang package reads the locale in its package init
// and used to log "Fyne error: Error parsing user locale C" (three lines) on
// stderr before every command, even `suyuan help`; earlylocale's init now
// runs first and replaces the locale. Without the blank import in main.go
// this test fails on every command.
func TestNoFyneLocaleNoise(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "suyuan")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		name    string
		args    []string
		extra   []string
		wantOut string
	}{
		{"help", []string{"help"}, nil, "usage: suyuan"},
		{"init --help", []string{"init", "--help"}, nil, "usage: suyuan init"},
		{"init", []string{"init", "--data", data}, []string{"SUYUAN_NEW_PASSWORD=admin-pass"}, "已创建"},
		{"verify", []string{"--lang", "en", "verify", "--data", data}, nil, "verified: "},
		{"verify English by SUYUAN_LANG", []string{"verify", "--data", data}, []string{"SUYUAN_LANG=en"}, "verified: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = cEnv(c.extra...)
			cmd.Dir = t.TempDir()
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v\nstdout %q\nstderr %q", c.args, err, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), c.wantOut) {
				t.Fatalf("stdout %q, want %q", out.String(), c.wantOut)
			}
			if s := errb.String(); strings.Contains(s, "Fyne error") || strings.Contains(strings.ToLower(s), "locale") {
				t.Fatalf("stderr has Fyne locale noise: %q", s)
			}
		})
	}
}

// TestGUILanguageAfterLocaleFix: with the container locale replaced (by
// --lang en or the Chinese default), the GUI's language still follows the
// app's choice, not the system locale, and choosing it logs nothing.
func TestGUILanguageAfterLocaleFix(t *testing.T) {
	var logs bytes.Buffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	defer app.SetLanguage("zh")
	for _, sysLang := range []string{"zh", "en"} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANGUAGE", "")
		t.Setenv("LANG", "C.UTF-8")
		earlylocale.Fix(sysLang)
		for _, c := range []struct{ gui, title string }{{"zh", "溯源站"}, {"en", "Suyuan"}, {"zh", "溯源站"}} {
			if err := app.SetLanguage(c.gui); err != nil {
				t.Fatal(err)
			}
			if got := lang.X("app.title", "?"); got != c.title {
				t.Errorf("locale from --lang %s, GUI language %s: title %q, want %q", sysLang, c.gui, got, c.title)
			}
		}
	}
	if strings.Contains(logs.String(), "Fyne error") {
		t.Fatalf("Fyne logged: %q", logs.String())
	}
}
