package main

import (
	"bufio"
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

	in *bufio.Reader // Stdin, buffered once for every readLine
}

// readLine reads one line from Stdin without its line ending. Every read
// goes through one buffered reader, so that a login password and a new
// password can follow each other on stdin (user add).
func (e *Env) readLine() (string, error) {
	if e.Stdin == nil {
		return "", io.EOF
	}
	if e.in == nil {
		e.in = bufio.NewReader(e.Stdin)
	}
	line, err := e.in.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
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

// parseGlobal parses the global flags (--data, --lang, --user) that stand
// before the command name and returns the rest, from the command name on.
func parseGlobal(args []string, env *Env) ([]string, error) {
	fs := flag.NewFlagSet("suyuan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&env.DataDir, "data", env.DataDir, "data directory")
	fs.StringVar(&env.Lang, "lang", env.Lang, "zh or en")
	fs.StringVar(&env.User, "user", env.User, "user name for commands that write")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := checkLang(env.Lang); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

func checkLang(l string) error {
	if l != "zh" && l != "en" {
		return fmt.Errorf("--lang must be zh or en, not %q", l)
	}
	return nil
}

// globalFlags are the flags every command accepts after its name too.
var globalFlags = []string{"data", "lang", "user"}

// shadowed lists, per command, the global flag names the command defines as
// its own flag (print --lang is the printer's language, platform serve --data
// the simulator's folder); after such a command's name the command's meaning
// wins, and the global one must stand before the name.
// TestShadowedMatchesCommandFlags keeps this list true.
var shadowed = map[string][]string{
	"print":          {"lang"},
	"print preview":  {"lang"},
	"platform serve": {"data"},
}

// extractGlobal takes the global flags (--data DIR, --lang=en, -user NAME,
// ...) out of a command's arguments wherever they stand before a "--", so
// that `suyuan init --data D` means the same as `suyuan --data D init`.
// Names the command defines itself (shadowed) are left to the command.
func extractGlobal(args []string, env *Env, own []string) ([]string, error) {
	targets := map[string]*string{"data": &env.DataDir, "lang": &env.Lang, "user": &env.User}
	for _, n := range own {
		delete(targets, n)
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := "", "", false
		if strings.HasPrefix(a, "-") {
			name, value, hasValue = strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		}
		dst, ok := targets[name]
		if !ok {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		*dst = value
	}
	if err := checkLang(env.Lang); err != nil {
		return nil, err
	}
	return rest, nil
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
	fmt.Fprintln(w, "       global flags may also follow the command name; suyuan COMMAND -h for its flags")
	fmt.Fprintln(w, "commands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].Summary)
	}
}
