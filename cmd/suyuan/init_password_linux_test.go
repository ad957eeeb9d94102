package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// TestInitPasswordOnTerminal: on a real pseudo-terminal init asks twice,
// without echo; two different answers create nothing.
func TestInitPasswordOnTerminal(t *testing.T) {
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

// TestNewPasswordCancelledOnTerminal: Ctrl-C (ctx ends) at the hidden prompt
// gives up at once with "cancelled" and turns the echo back on.
func TestNewPasswordCancelledOnTerminal(t *testing.T) {
	t.Setenv("SUYUAN_NEW_PASSWORD", "")
	os.Unsetenv("SUYUAN_NEW_PASSWORD")
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer tty.Close()
	ctx, cancel := context.WithCancel(context.Background())
	env := &Env{Lang: "en", Stdout: io.Discard, Stderr: tty, Stdin: tty}
	type result struct {
		pw  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := newPassword(ctx, env)
		done <- result{pw, err}
	}()
	var seen bytes.Buffer
	buf := make([]byte, 256)
	for !strings.Contains(seen.String(), "New password (not shown): ") {
		n, err := master.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("no prompt: %v; terminal %q", err, seen.String())
		}
	}
	if echoOn(t, tty) {
		t.Fatal("echo still on at the hidden prompt")
	}
	cancel()
	r := <-done
	if r.err == nil || userMessage(r.err, "en") != "cancelled; nothing was changed" {
		t.Fatalf("got %q, %v", r.pw, r.err)
	}
	if !echoOn(t, tty) {
		t.Fatal("echo left off after cancelling")
	}
}

func echoOn(t *testing.T, f *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}
