package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// command is one CLI verb. Each command group registers itself from its own
// file so that work on printing, devices and sync never collides in main.go.
type command struct {
	Name    string // e.g. "print", "sim printer", "sync status"
	Summary string // one English line for `suyuan help`
	// Run executes the command. env carries the global options already parsed.
	Run func(ctx context.Context, env *Env, args []string) error
}

// Env is what every command receives: global options and where to write.
type Env struct {
	DataDir string
	Lang    string // "zh" or "en"
	User    string // --user, for commands that write
	Stdout  io.Writer
	Stderr  io.Writer
	Stdin   io.Reader
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.Name]; dup {
		panic("duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

// lookup finds the longest registered name that prefixes args
// ("sim printer --listen ..." matches "sim printer" before "sim").
func lookup(args []string) (command, []string, bool) {
	for n := min(len(args), 3); n >= 1; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:], true
		}
	}
	return command{}, args, false
}

func defaultDataDir() string {
	if d := os.Getenv("SUYUAN_DATA"); d != "" {
		return d
	}
	base, err := os.UserConfigDir()
	if err != nil || base == "" {
		base = "."
	}
	return filepath.Join(base, "suyuan")
}

// parseGlobal strips the global flags (--data, --lang) wherever they stand
// before the command name.
func parseGlobal(args []string, env *Env) ([]string, error) {
	fs := flag.NewFlagSet("suyuan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&env.DataDir, "data", env.DataDir, "data directory")
	fs.StringVar(&env.Lang, "lang", env.Lang, "zh or en")
	fs.StringVar(&env.User, "user", env.User, "user name for commands that write")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if env.Lang != "zh" && env.Lang != "en" {
		return nil, fmt.Errorf("--lang must be zh or en, not %q", env.Lang)
	}
	return fs.Args(), nil
}

// userMessage maps an error to one sentence in the user's language.
func userMessage(err error, lang string) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(lang)
	}
	if lang == "en" {
		return "Error: " + err.Error()
	}
	return "出错了：" + err.Error()
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: suyuan [--data DIR] [--lang zh|en] [--user NAME] COMMAND [args]")
	fmt.Fprintln(w, "       suyuan            (no command: open the desktop app)")
	fmt.Fprintln(w, "commands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].Summary)
	}
}
