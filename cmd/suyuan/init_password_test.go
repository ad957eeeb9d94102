package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
