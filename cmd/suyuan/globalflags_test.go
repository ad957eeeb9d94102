package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestGlobalFlagsAfterCommand: --data, --lang and --user work after the
// command name as before it, in every spelling. Before, `suyuan init --data
// D` failed with "flag provided but not defined: -data".
func TestGlobalFlagsAfterCommand(t *testing.T) {
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	cases := []struct {
		name string
		argv func(d string) []string
	}{
		{"before", func(d string) []string { return []string{"--data", d, "init"} }},
		{"after", func(d string) []string { return []string{"init", "--data", d} }},
		{"after with =", func(d string) []string { return []string{"init", "--data=" + d} }},
		{"after, one dash", func(d string) []string { return []string{"init", "-data", d, "--admin", "boss"} }},
		{"between command flags", func(d string) []string { return []string{"init", "--admin", "boss", "-data=" + d, "--name", "Boss"} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := t.TempDir()
			// The default data folder is elsewhere: only --data can put the store in d.
			code, out, errs := cli(t, t.TempDir(), "", c.argv(d)...)
			if code != 0 || !strings.Contains(out, "已创建") {
				t.Fatalf("exit %d, %q %q", code, out, errs)
			}
			if _, err := os.Stat(filepath.Join(d, "suyuan.db")); err != nil {
				t.Fatalf("no store in --data: %v", err)
			}
		})
	}

	d := t.TempDir()
	if code, out, errs := cli(t, t.TempDir(), "", "init", "--data", d); code != 0 {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	t.Setenv("SUYUAN_NEW_PASSWORD", "packer-pass")
	// --user and --lang after the command, mixed with the command's own flags.
	code, out, errs := cli(t, t.TempDir(), "", "user", "add", "--username", "li", "--user", "admin", "--role", "packer", "--lang=en", "--data", d)
	if code != 0 || !strings.Contains(out, "added user li") {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	if code, out, _ := cli(t, t.TempDir(), "", "verify", "-lang", "en", "-data", d); code != 0 || !strings.Contains(out, "verified: ") {
		t.Fatalf("verify: %d %q", code, out)
	}
	// Positional arguments stay where they were.
	bdir := t.TempDir()
	if code, out, errs := cli(t, t.TempDir(), "", "backup", bdir, "--data", d, "--lang", "en"); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	// After "--" nothing is taken.
	if got, _ := extractGlobal([]string{"a", "--", "--data", "x"}, &Env{Lang: "zh"}, nil); !slices.Equal(got, []string{"a", "--", "--data", "x"}) {
		t.Fatalf("after --: %q", got)
	}
}

func TestGlobalFlagErrorsAfterCommand(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--lang", "fr"}, `--lang must be zh or en, not "fr"`},
		{[]string{"verify", "--data"}, "flag needs an argument: -data"},
		{[]string{"init", "--user"}, "flag needs an argument: -user"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		code, _, errs := cli(t, dir, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "usage: suyuan") {
			t.Errorf("%q: exit %d, stderr %q", c.args, code, errs)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%q did something: %v", c.args, ents)
		}
	}
	// Help still wins when a global flag comes with it.
	code, out, _ := cli(t, t.TempDir(), "", "init", "--data", t.TempDir(), "-h")
	if code != 0 || !strings.Contains(out, "usage: suyuan init") {
		t.Fatalf("init --data D -h: %d %q", code, out)
	}
}

// TestShadowedMatchesCommandFlags: the commands listed in shadowed define
// those global names as their own flags, and no other command does — read
// from each command's own -h usage. A command that adds --lang or --data of
// its own must be listed, or its flag would be taken as the global one.
func TestShadowedMatchesCommandFlags(t *testing.T) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var out bytes.Buffer
		env := &Env{DataDir: t.TempDir(), Lang: "zh", Stdout: &out, Stderr: &out, Stdin: strings.NewReader("")}
		probe := []string{"-h"}
		if n == "print preview" { // lists its flags only after the KIND
			probe = []string{"trace", "-h"}
		}
		_ = commands[n].Run(t.Context(), env, probe)
		var defined []string
		for _, g := range globalFlags {
			if regexp.MustCompile(`(?m)^\s+-` + g + `\b`).MatchString(out.String()) {
				defined = append(defined, g)
			}
		}
		if want := shadowed[n]; !slices.Equal(defined, want) {
			t.Errorf("%s defines %q of the global flag names; shadowed lists %q", n, defined, want)
		}
	}
	// print's --lang stays the printer language after the command name.
	env := &Env{Lang: "zh"}
	rest, err := extractGlobal([]string{"label", "--lang", "zpl", "--data", "D"}, env, shadowed["print"])
	if err != nil || !slices.Equal(rest, []string{"label", "--lang", "zpl"}) || env.Lang != "zh" || env.DataDir != "D" {
		t.Fatalf("print: %q %v lang %q data %q", rest, err, env.Lang, env.DataDir)
	}
}
