package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The desktop app holds an OS lock on <store folder>/suyuan.lock while it
// runs, so a second window on the same store (a double click too many, a
// second user session on the same PC) is refused with a message naming the
// first one. The lock is the OS's (flock on Linux, LockFileEx on Windows):
// it ends with the process, so a crash or power cut leaves no stale lock.
//
// Only the desktop app takes it. CLI commands (backup, verify, trace, sync
// status, print …) do not: the store is safe for several processes at once
// (SQLite WAL, one writer at a time with a busy timeout), which is what lets
// `suyuan-cli backup` run from a scheduled task while the window is open.

const lockFileName = "suyuan.lock"

// instanceLock is a held lock; Release drops it.
type instanceLock struct {
	f    *os.File
	path string
}

// instanceInfo is what the holder writes into the lock file.
type instanceInfo struct {
	PID     int
	Started time.Time
	Exe     string
}

func (i instanceInfo) encode() string {
	return fmt.Sprintf("pid=%d\nstarted=%s\nexe=%s\n", i.PID, i.Started.Format(time.RFC3339), i.Exe)
}

func parseInstanceInfo(s string) instanceInfo {
	var i instanceInfo
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "pid":
			i.PID, _ = strconv.Atoi(v)
		case "started":
			i.Started, _ = time.Parse(time.RFC3339, v)
		case "exe":
			i.Exe = v
		}
	}
	return i
}

// errLocked is what the OS-specific tryLock returns when another process
// holds the lock.
var errLocked = errors.New("lock held by another process")

// alreadyRunning is the refusal of a second desktop app on one store.
type alreadyRunning struct {
	Other instanceInfo
	Lock  string
}

func (e *alreadyRunning) Error() string {
	return fmt.Sprintf("another Suyuan (pid %d) has this store open (%s)", e.Other.PID, e.Lock)
}

func (e *alreadyRunning) UserMessage(lang string) string {
	who := func(zh bool) string {
		if e.Other.PID == 0 {
			return ""
		}
		at := ""
		if !e.Other.Started.IsZero() {
			at = e.Other.Started.Local().Format("2006-01-02 15:04")
		}
		if zh {
			if at != "" {
				return fmt.Sprintf("（进程号 %d，%s 打开）", e.Other.PID, at)
			}
			return fmt.Sprintf("（进程号 %d）", e.Other.PID)
		}
		if at != "" {
			return fmt.Sprintf(" (process %d, opened %s)", e.Other.PID, at)
		}
		return fmt.Sprintf(" (process %d)", e.Other.PID)
	}
	dir := filepath.Dir(e.Lock)
	endZh, endEn := "在任务管理器中结束 suyuan.exe", "end suyuan.exe in Task Manager"
	if runtime.GOOS != "windows" {
		endZh, endEn = "结束该进程（kill 进程号）", "end that process (kill PID)"
	}
	if lang == "en" {
		return fmt.Sprintf("Suyuan is already open on this data folder%s: %s. Only one Suyuan window can use a data folder at a time. Switch to the open window (look on the taskbar); if there is none, %s and start Suyuan again.",
			who(false), dir, endEn)
	}
	return fmt.Sprintf("溯源站已经打开了这个数据文件夹%s：%s。同一个数据文件夹同时只能由一个溯源站窗口使用。请切换到已打开的窗口（看任务栏）；如果找不到窗口，请%s，再重新打开溯源站。",
		who(true), dir, endZh)
}

// lockInstance takes the desktop app's lock in dir (created if missing).
func lockInstance(dir string) (*instanceLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &dataDirError{Dir: dir, Err: err}
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, &dataDirError{Dir: dir, Err: err}
	}
	if err := tryLock(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, &alreadyRunning{Other: parseInstanceInfo(string(b)), Lock: path}
		}
		return nil, &dataDirError{Dir: dir, Err: fmt.Errorf("lock %s: %w", path, err)}
	}
	exe, _ := os.Executable()
	info := instanceInfo{PID: os.Getpid(), Started: time.Now(), Exe: exe}
	// The lock (see tryLock) is on a byte far past the end, so the text
	// stays readable for the instance that is refused.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info.encode()), 0)
		_ = f.Sync()
	}
	return &instanceLock{f: f, path: path}, nil
}

// Release drops the lock; the file stays (deleting it would race with a
// new instance opening it).
func (l *instanceLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = unlock(l.f)
	_ = l.f.Close()
	l.f = nil
}

// dataDirError: the data folder cannot be created or written.
type dataDirError struct {
	Dir string
	Err error
}

func (e *dataDirError) Error() string { return fmt.Sprintf("data folder %s: %v", e.Dir, e.Err) }
func (e *dataDirError) Unwrap() error { return e.Err }
func (e *dataDirError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("The data folder %s cannot be created or written (%v). Check that the disk is there and not full and that this Windows user may write there, or start Suyuan with --data and another folder.", e.Dir, e.Err)
	}
	return fmt.Sprintf("无法创建或写入数据文件夹 %s（%v）。请检查磁盘是否存在、是否已满，当前 Windows 用户是否有权限写入；或者用 --data 指定另一个文件夹启动溯源站。", e.Dir, e.Err)
}
