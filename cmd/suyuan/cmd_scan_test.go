package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"suyuan/device/serial"
)

func runScanCmd(t *testing.T, lang, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{DataDir: t.TempDir(), Lang: lang, Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)}
	c, rest, ok := lookup(append([]string{"scan"}, args...))
	if !ok {
		t.Fatal("scan command not registered")
	}
	err := c.Run(context.Background(), env, rest)
	return out.String(), err
}

func TestScanCommandStdin(t *testing.T) {
	in := "XP01-250301-0001-V\r\n" +
		"1.0.915101007130545949.00000001.20240501102030.001\r\n" +
		"]d20109520123456788\x1d10ABC\r\n" +
		"hello\r\n"
	out, err := runScanCmd(t, "en", in, "--port", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	want := []struct{ prefix, contains string }{
		{"local-lot\tXP01-250301-0001-V\t", "date=2025-03-01"},
		{"national-long\t1.0.915101007130545949.00000001.20240501102030.001\t", "error=The code's check digit is wrong"},
		{"gs1-element-string\t(01)09520123456788(10)ABC\t", "10=ABC"},
		{"unknown\t-", `raw="hello"`},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.contains) {
			t.Errorf("line %d = %q, want prefix %q containing %q", i, lines[i], w.prefix, w.contains)
		}
	}
}

func TestScanCommandJSONAndFile(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "capture.txt")
	if err := os.WriteFile(capture, []byte("HGZ-XP01-20250301-0007\r"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runScanCmd(t, "zh", "11593966828965943445\n", "--port", "-", "--port", capture, "--json")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got[m["source"].(string)] = m["kind"].(string) + " " + m["code"].(string)
	}
	if got["-"] != "national-short 11593966828965943445" || got[capture] != "certificate HGZ-XP01-20250301-0007" {
		t.Errorf("got %v", got)
	}
}

func TestScanCommandErrors(t *testing.T) {
	if _, err := runScanCmd(t, "zh", ""); err == nil {
		t.Error("no --port accepted")
	}
	_, err := runScanCmd(t, "zh", "", "--port", filepath.Join(t.TempDir(), "no-such-tty"))
	if err == nil {
		t.Fatal("missing port accepted")
	}
	if msg := userMessage(err, "zh"); msg == "" {
		t.Error("empty message")
	}
}

// TestScanCommandSerialPTY drives the real serial path: a pseudo-terminal
// stands in for a USB-CDC scanner sending CR-terminated scans.
func TestScanCommandSerialPTY(t *testing.T) {
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer master.Close()
	out := &lockedBuffer{}
	env := &Env{DataDir: t.TempDir(), Lang: "en", Stdout: out, Stderr: out, Stdin: strings.NewReader("")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runScan(ctx, env, []string{"--port", slave, "--baud", "9600"}) }()
	// Give the port a moment to open before writing, then stop once the
	// two lines are printed (polling the output, not timing the result).
	deadline := time.Now().Add(10 * time.Second)
	written := false
	for time.Now().Before(deadline) {
		if !written {
			if _, err := master.Write([]byte("XP01-250301-0001-V\r11593966828965943445\r")); err == nil {
				written = true
			}
		}
		time.Sleep(50 * time.Millisecond)
		if strings.Count(out.String(), "\n") >= 2 {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runScan: %v", err)
	}
	s := out.String()
	if !strings.Contains(s, "local-lot\tXP01-250301-0001-V") || !strings.Contains(s, "national-short\t11593966828965943445") {
		t.Fatalf("output %q", s)
	}
}

// lockedBuffer is written by the command goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
