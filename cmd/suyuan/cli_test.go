package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"suyuan/store"
	"suyuan/store/demo"
)

// cli runs one command line in-process against dataDir and returns exit
// status, stdout and stderr.
func cli(t *testing.T, dataDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{DataDir: dataDir, Lang: "zh", Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)}
	code := runEnv(env, args)
	return code, out.String(), errb.String()
}

func TestInitVerifyBackupAndTamper(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	if code, out, errs := cli(t, dir, "", "init", "--admin", "admin"); code != 0 || !strings.Contains(out, "已创建") {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	t.Setenv("SUYUAN_NEW_PASSWORD", "packer-pass")
	if code, _, errs := cli(t, dir, "", "--user", "admin", "user", "add", "--username", "li", "--role", "packer"); code != 0 {
		t.Fatalf("user add: %d %q", code, errs)
	}
	code, out, _ := cli(t, dir, "", "--lang", "en", "verify")
	if code != 0 || !strings.Contains(out, "verified: 2 journal entries, 2 records") {
		t.Fatalf("verify: %d %q", code, out)
	}
	bdir := filepath.Join(t.TempDir(), "usb")
	code, out, errs := cli(t, dir, "", "backup", bdir)
	if code != 0 {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(bdir, "suyuan-*.db"))
	if len(files) != 1 {
		t.Fatalf("backup files %v", files)
	}
	if code, out, _ := cli(t, dir, "", "verify", "--file", files[0]); code != 0 || !strings.Contains(out, "校验通过") {
		t.Fatalf("verify backup: %d %q", code, out)
	}

	// Behind the app's back: change a user's role in the live file.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "suyuan.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("UPDATE users SET role='admin' WHERE username='li'"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, out, errs = cli(t, dir, "", "verify")
	if code == 0 || !strings.Contains(out, "users:2") || !strings.Contains(errs, "校验未通过") {
		t.Fatalf("tampered verify: %d %q %q", code, out, errs)
	}
}

func TestUnknownCommandAndBadLang(t *testing.T) {
	if code, _, _ := cli(t, t.TempDir(), "", "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code, _, _ := cli(t, t.TempDir(), "", "--lang", "fr", "verify"); code != 2 {
		t.Fatalf("bad lang exit %d", code)
	}
	// verify with no store: a clear message, non-zero.
	code, _, errs := cli(t, t.TempDir(), "", "--lang", "en", "verify")
	if code != 1 || !strings.Contains(errs, "no store file") {
		t.Fatalf("verify without store: %d %q", code, errs)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	cli(t, dir, "", "init")
	t.Setenv("SUYUAN_PASSWORD", "nope")
	code, _, errs := cli(t, dir, "", "--user", "admin", "user", "add", "--username", "x")
	if code != 1 || !strings.Contains(errs, "用户名或密码不正确") {
		t.Fatalf("wrong password: %d %q", code, errs)
	}
}

func TestDemoLoaderForWizard(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	note, err := demoLoader(db)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, demo.User) || !strings.Contains(note, demo.Password) {
		t.Fatalf("note does not say how to log in: %q", note)
	}
	if _, err := db.Login(ctx, demo.User, demo.Password); err != nil {
		t.Fatalf("demo login: %v", err)
	}
	if rep, _ := db.Verify(ctx, nil); !rep.OK() {
		t.Fatalf("demo store does not verify: %+v", rep.Problems)
	}
	// A second load on a non-empty store is refused, not merged.
	if _, err := demoLoader(db)(ctx); err == nil {
		t.Fatal("demo loaded twice")
	}
}
