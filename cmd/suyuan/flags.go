package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// newFlags is the flag set every command parses its arguments with. -h and
// --help make Parse return flag.ErrHelp after printing this usage; runEnv
// turns that into exit status 0 with the usage on stdout.
func newFlags(name string, env *Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: suyuan %s [flags]\n", name)
		if c, ok := commands[name]; ok && c.Summary != "" {
			fmt.Fprintf(w, "  %s\n", c.Summary)
		}
		fmt.Fprintln(w, "flags:")
		fs.PrintDefaults()
	}
	return fs
}

// helpRequested reports whether args ask for help (-h, -help, --help)
// before a "--" that ends the flags.
func helpRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

// isHelp reports whether err is the flag package's "help requested".
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// checkOutFile checks, before anything is started or recorded, that the
// folder a --out file is to be written into exists and is a folder. Without
// it a missing folder surfaced as a printer error ("check paper, cover and
// power") or a raw "no such file or directory".
func checkOutFile(flagName, path string) error {
	if path == "" {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return cliError(fmt.Sprintf("%s 指定的“%s”是一个文件夹，不是文件：请在后面加上文件名，例如 %s。", flagName, abs, filepath.Join(abs, "label.pdf")),
			fmt.Sprintf("%s names the folder %s, not a file: add a file name, e.g. %s", flagName, abs, filepath.Join(abs, "label.pdf")))
	}
	return checkFolder(flagName, filepath.Dir(abs))
}

// checkFolder checks that dir exists and is a folder.
func checkFolder(flagName, dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cliError(fmt.Sprintf("%s 指定的文件夹“%s”不存在：请先新建这个文件夹，或选择另一个已有的文件夹。", flagName, dir),
			fmt.Sprintf("the folder %s given with %s does not exist: create it first, or choose another folder", dir, flagName))
	case err != nil:
		return cliError(fmt.Sprintf("无法访问 %s 指定的文件夹“%s”（%v）：请检查U盘或磁盘是否插好、是否有权限，或选择另一个文件夹。", flagName, dir, err),
			fmt.Sprintf("cannot reach the folder %s given with %s (%v): check the disk or USB stick and the permissions, or choose another folder", dir, flagName, err))
	case !st.IsDir():
		return cliError(fmt.Sprintf("%s 指定的“%s”不是文件夹，而是一个文件：请选择一个文件夹。", flagName, dir),
			fmt.Sprintf("%s given with %s is a file, not a folder: choose a folder", dir, flagName))
	}
	return nil
}
