package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// The desktop app's log: <data>/suyuan.log. suyuan.exe is linked as a GUI
// program, so its stderr goes nowhere; what it would print (start-up
// failures, scanner and sync problems, Fyne's and Go's own errors, a crash's
// stack) goes to this file instead, and a failed start names it. The file is
// capped at logMax: past that it is moved to suyuan.log.1 (replacing the
// previous one) and a new one is started, so it never grows without bound.

const (
	logFileName = "suyuan.log"
	logMax      = 1 << 20
)

// rotatingLog is an append-only file that rotates at max bytes.
type rotatingLog struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File
	size int64
}

func openRotatingLog(path string, max int64) (*rotatingLog, error) {
	l := &rotatingLog{path: path, max: max}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *rotatingLog) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, st.Size()
	// A fatal runtime error or a panic in any goroutine writes its stack
	// here too (there is no console to see it).
	_ = debug.SetCrashOutput(f, debug.CrashOptions{})
	return nil
}

// rotate moves the full file to .1. On Windows the rename fails while
// another process has the file open; then writing simply goes on.
func (l *rotatingLog) rotate() {
	l.f.Close()
	_ = os.Rename(l.path, l.path+".1")
	if err := l.open(); err != nil {
		l.f = nil
	}
}

func (l *rotatingLog) Write(p []byte) (int, error) {
	if l == nil {
		return len(p), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return len(p), nil
	}
	if l.size > 0 && l.size+int64(len(p)) > l.max {
		l.rotate()
		if l.f == nil {
			return len(p), nil
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// Printf writes one time-stamped line.
func (l *rotatingLog) Printf(format string, args ...any) {
	if l == nil {
		return
	}
	fmt.Fprintf(l, "%s %s\n", time.Now().Format("2006-01-02 15:04:05"), fmt.Sprintf(format, args...))
}

// Path is the log file's path, "" when no log could be opened.
func (l *rotatingLog) Path() string {
	if l == nil {
		return ""
	}
	return l.path
}

func (l *rotatingLog) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// openGUILog opens the log in the data folder, or, when that cannot be
// written (the failure being reported may be exactly that), in the
// temporary folder.
func openGUILog(dataDir string) *rotatingLog {
	for _, dir := range []string{dataDir, filepath.Join(os.TempDir(), "suyuan")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			continue
		}
		if l, err := openRotatingLog(filepath.Join(dir, logFileName), logMax); err == nil {
			return l
		}
	}
	return nil
}

// logStart is the first line of every run.
func logStart(l *rotatingLog, dataDir string, args []string) {
	exe, _ := os.Executable()
	l.Printf("start: suyuan %s, %s/%s, pid %d, exe %s, data %s, args %q", version, runtime.GOOS, runtime.GOARCH, os.Getpid(), exe, dataDir, args)
}

// bestEffort drops write errors: stderr of a -H windowsgui exe is not a
// valid handle, and io.MultiWriter stops at the first writer that fails.
type bestEffort struct{ w io.Writer }

func (b bestEffort) Write(p []byte) (int, error) {
	_, _ = b.w.Write(p)
	return len(p), nil
}
