package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLockHelperProcess is not a test: it is the "other instance" that
// TestSecondInstanceRefused starts. It holds the lock until stdin closes.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("SUYUAN_LOCK_HELPER")
	if dir == "" {
		t.Skip("helper process only")
	}
	l, err := lockInstance(dir)
	if err != nil {
		os.Stdout.WriteString("ERR " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("LOCKED\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	l.Release()
	os.Exit(0)
}

// startHolder starts another process holding the lock on dir.
func startHolder(t *testing.T, dir string) (*exec.Cmd, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), "SUYUAN_LOCK_HELPER="+dir)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "LOCKED\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	return cmd, func() { in.Close() }
}

// TestSecondInstanceRefused: while another process has the app open on a
// data folder (Chinese characters and spaces in its path), a second one is
// refused with a message naming the first one's PID; the lock ends with the
// process, even one that is killed (no stale lock after a crash).
func TestSecondInstanceRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "溯源 数据", "新平 合作社")
	holder, release := startHolder(t, dir)
	_, err := lockInstance(dir)
	var ar *alreadyRunning
	if !errors.As(err, &ar) {
		t.Fatalf("second lock: %v, want alreadyRunning", err)
	}
	if ar.Other.PID != holder.Process.Pid {
		t.Fatalf("names pid %d, the holder is %d", ar.Other.PID, holder.Process.Pid)
	}
	if time.Since(ar.Other.Started) > time.Minute || ar.Other.Exe == "" {
		t.Fatalf("holder info %+v", ar.Other)
	}
	pid := strconv.Itoa(holder.Process.Pid)
	for _, lang := range []string{"zh", "en"} {
		title, body := startFailureText(err, lang, dir, filepath.Join(dir, logFileName))
		if !strings.Contains(body, pid) || !strings.Contains(body, dir) || !strings.Contains(body, logFileName) {
			t.Fatalf("%s text does not name the pid, folder and log: %q", lang, body)
		}
		if want := map[string]string{"zh": "溯源站已经打开", "en": "Suyuan is already open"}[lang]; title != want {
			t.Fatalf("%s title %q", lang, title)
		}
	}
	release()
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	l, err := lockInstance(dir)
	if err != nil {
		t.Fatalf("after the first one closed: %v", err)
	}
	l.Release()

	// Killed, not closed: the OS drops the lock with the process.
	holder, _ = startHolder(t, dir)
	if _, err := lockInstance(dir); !errors.As(err, &ar) {
		t.Fatalf("second holder not seen: %v", err)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	l, err = lockInstance(dir)
	if err != nil {
		t.Fatalf("lock stale after the holder was killed: %v", err)
	}
	// In-process too: a second open of the same lock is refused.
	if _, err := lockInstance(dir); !errors.As(err, &ar) || ar.Other.PID != os.Getpid() {
		t.Fatalf("same-process second lock: %v", err)
	}
	l.Release()
}

func TestLockDataFolderUnusable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := lockInstance(filepath.Join(file, "suyuan"))
	var dd *dataDirError
	if !errors.As(err, &dd) {
		t.Fatalf("lock under a file: %v", err)
	}
	_, body := startFailureText(err, "zh", dd.Dir, "/tmp/suyuan/suyuan.log")
	if !strings.Contains(body, "无法创建或写入数据文件夹") || !strings.Contains(body, "--data") || !strings.Contains(body, "/tmp/suyuan/suyuan.log") {
		t.Fatalf("text: %q", body)
	}
}

func TestParseInstanceInfo(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)
	in := instanceInfo{PID: 4242, Started: at, Exe: `C:\Program Files\溯源站\suyuan.exe`}
	if got := parseInstanceInfo(in.encode()); got.PID != in.PID || !got.Started.Equal(at) || got.Exe != in.Exe {
		t.Fatalf("round trip %+v", got)
	}
	if got := parseInstanceInfo("garbage\n=\npid=x"); got.PID != 0 || !got.Started.IsZero() {
		t.Fatalf("garbage parsed as %+v", got)
	}
	// A refusal with nothing known about the other instance still says what to do.
	msg := (&alreadyRunning{Lock: "/d/suyuan.lock"}).UserMessage("zh")
	if !strings.Contains(msg, "结束") || strings.Contains(msg, "进程号 0") {
		t.Fatalf("message %q", msg)
	}
}
