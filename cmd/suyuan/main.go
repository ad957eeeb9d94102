// Command suyuan is the Suyuan desktop application and its command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	// For its init, which must run before Fyne's: see the package comment.
	_ "suyuan/cmd/suyuan/internal/earlylocale"
	"suyuan/store"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(argv []string) int {
	env := &Env{DataDir: defaultDataDir(), Lang: "zh", Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}
	if os.Getenv("SUYUAN_LANG") == "en" {
		env.Lang = "en"
	}
	return runEnv(env, argv)
}

// runEnv runs one command line with the given environment and returns the
// exit status: 0 success, 1 the command failed, 2 usage.
func runEnv(env *Env, argv []string) int {
	args, err := parseGlobal(argv, env)
	if isHelp(err) {
		usage(env.Stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		usage(env.Stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 {
		args = []string{"gui"}
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return 0
	}
	c, rest, ok := lookup(args)
	if !ok {
		fmt.Fprintf(env.Stderr, "unknown command %q\n", args[0])
		usage(env.Stderr)
		return 2
	}
	rest, err = extractGlobal(rest, env, shadowed[c.Name])
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		usage(env.Stderr)
		return 2
	}
	if helpRequested(rest) {
		// The command's flag set prints its usage; on stdout, as asked for.
		he := *env
		he.Stderr = env.Stdout
		err := c.Run(ctx, &he, rest)
		if err == nil || isHelp(err) {
			return 0
		}
		fmt.Fprintln(env.Stderr, userMessage(err, env.Lang))
		return 1
	}
	if err := c.Run(ctx, env, rest); err != nil {
		// A raw SQLite or disk failure is said in words, naming the folder.
		fmt.Fprintln(env.Stderr, userMessage(store.StorageError(err, env.DataDir), env.Lang))
		return 1
	}
	return 0
}
