package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/creack/pty"

	"suyuan/store"
)

// loginWorks reports whether user can log in to the store in dir with pw.
func loginWorks(t *testing.T, dir, user, pw string) bool {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Login(ctx, user, pw)
	return err == nil
}

func userCount(t *testing.T, dir string) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.UserCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInitPasswordFromStdin: without SUYUAN_NEW_PASSWORD, init takes the
// new admin password as one whole line of stdin. Before, fmt.Fscanln read
// one word, so "correct horse battery" was refused as "no new password".
func TestInitPasswordFromStdin(t *testing.T) {
	cases := []struct {
		name, stdin, env string
		envSet           bool
		wantPW           string // "" = init must fail
		wantErr          string
	}{
		{name: "one line", stdin: "admin-pass\n", wantPW: "admin-pass"},
		{name: "spaces kept", stdin: "correct horse battery\n", wantPW: "correct horse battery"},
		{name: "CRLF", stdin: "admin-pass\r\n", wantPW: "admin-pass"},
		{name: "no final newline", stdin: "admin-pass", wantPW: "admin-pass"},
		{name: "only the first line", stdin: "first-pass\nsecond-pass\n", wantPW: "first-pass"},
		{name: "environment wins", stdin: "from-stdin\n", env: "from-env-1", envSet: true, wantPW: "from-env-1"},
		{name: "nothing on stdin", stdin: "", wantErr: "没有读到新密码"},
		{name: "too short", stdin: "abc\n", wantErr: "至少需要 6 个字符"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.envSet {
				t.Setenv("SUYUAN_NEW_PASSWORD", c.env)
			} else {
				t.Setenv("SUYUAN_NEW_PASSWORD", "")
				os.Unsetenv("SUYUAN_NEW_PASSWORD")
			}
			dir := t.TempDir()
			code, out, errs := cli(t, dir, c.stdin, "init")
			if c.wantErr != "" {
				if code != 1 || !strings.Contains(errs, c.wantErr) {
					t.Fatalf("exit %d, stderr %q, want %q", code, errs, c.wantErr)
				}
				if n := userCount(t, dir); n != 0 {
					t.Fatalf("%d users after a failed init", n)
				}
				return
			}
			if code != 0 || !strings.Contains(out, "已创建") {
				t.Fatalf("exit %d, %q %q", code, out, errs)
			}
			if !loginWorks(t, dir, "admin", c.wantPW) {
				t.Fatalf("admin cannot log in with %q", c.wantPW)
			}
		})
	}
}

// TestUserAddBothPasswordsOnStdin: the admin's password and the new user's
// follow each other on stdin. Before, the login's buffered reader swallowed
// both lines and the new password was "not given".
func TestUserAddBothPasswordsOnStdin(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "")
	os.Unsetenv("SUYUAN_NEW_PASSWORD")
	t.Setenv("SUYUAN_PASSWORD", "")
	os.Unsetenv("SUYUAN_PASSWORD")
	if code, _, errs := cli(t, dir, "admin-pass\n", "init"); code != 0 {
		t.Fatalf("init: %d %q", code, errs)
	}
	code, out, errs := cli(t, dir, "admin-pass\npacker pass\n", "user", "add", "--user", "admin", "--username", "li", "--role", "packer")
	if code != 0 || !strings.Contains(out, "已添加用户 li") {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	if !loginWorks(t, dir, "li", "packer pass") {
		t.Fatal("li cannot log in with the password given on stdin")
	}
}

// TestInitPasswordOnTerminal: on a real pseudo-terminal init asks twice,
// without echo; two different answers create nothing.
func TestInitPasswordOnTerminal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("echo control is tested on Linux")
	}
	t.Setenv("SUYUAN_NEW_PASSWORD", "")
	os.Unsetenv("SUYUAN_NEW_PASSWORD")
	cases := []struct {
		name, first, second string
		lang                string
		prompt1, prompt2    string
		ok                  bool
		wantErr             string
	}{
		{name: "same twice", first: "tty secret 1", second: "tty secret 1", lang: "zh", prompt1: "新密码（输入时不显示）：", prompt2: "请再输入一次新密码：", ok: true},
		{name: "same twice, English", first: "tty-secret-2", second: "tty-secret-2", lang: "en", prompt1: "New password (not shown): ", prompt2: "Type the new password again: ", ok: true},
		{name: "different", first: "tty-secret-3", second: "tty-secret-4", lang: "zh", prompt1: "新密码（输入时不显示）：", prompt2: "请再输入一次新密码：", wantErr: "两次输入的新密码不一致"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			master, tty, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer master.Close()
			dir := t.TempDir()
			var out bytes.Buffer
			env := &Env{DataDir: dir, Lang: c.lang, Stdout: &out, Stderr: tty, Stdin: tty}
			done := make(chan int, 1)
			go func() {
				code := runEnv(env, []string{"init"})
				tty.Close() // a read of the master now ends, so a missing prompt fails the test
				done <- code
			}()

			var seen bytes.Buffer
			waitFor := func(s string) {
				t.Helper()
				buf := make([]byte, 256)
				for !strings.Contains(seen.String(), s) {
					n, err := master.Read(buf)
					seen.Write(buf[:n])
					if err != nil {
						t.Fatalf("waiting for %q: %v; terminal showed %q", s, err, seen.String())
					}
				}
			}
			// Each answer is typed only once its prompt shows, that is once
			// echo is off, as a person would.
			waitFor(c.prompt1)
			io.WriteString(master, c.first+"\n")
			waitFor(c.prompt2)
			io.WriteString(master, c.second+"\n")
			code := <-done
			rest, _ := io.ReadAll(master) // EIO once the terminal is closed
			seen.Write(rest)

			if strings.Contains(seen.String(), c.first) || strings.Contains(seen.String(), c.second) {
				t.Fatalf("the password was echoed: %q", seen.String())
			}
			if !c.ok {
				if code != 1 || !strings.Contains(seen.String(), c.wantErr) && !strings.Contains(out.String(), c.wantErr) {
					// runEnv writes the error to env.Stderr, the terminal.
					t.Fatalf("exit %d, terminal %q", code, seen.String())
				}
				if n := userCount(t, dir); n != 0 {
					t.Fatalf("%d users after differing passwords", n)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d, terminal %q", code, seen.String())
			}
			if !loginWorks(t, dir, "admin", c.first) {
				t.Fatalf("admin cannot log in with %q", c.first)
			}
		})
	}
}
