package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeSQLiteErr stands in for the driver's *sqlite.Error (same Code method).
type fakeSQLiteErr struct{ code int }

func (e fakeSQLiteErr) Error() string { return fmt.Sprintf("sqlite error (%d)", e.code) }
func (e fakeSQLiteErr) Code() int     { return e.code }

// TestStorageErrorMapping: raw SQLite and file-system failures become store
// errors that say what happened, where, and how much space is free; other
// errors pass unchanged.
func TestStorageErrorMapping(t *testing.T) {
	dir := t.TempDir()
	wrap := func(e error) error { return fmt.Errorf("set application_id: %w", e) }
	kept := errf(CodeRule, nil, "规则", "rule")
	plain := errors.New("something else")
	for _, c := range []struct {
		name   string
		err    error
		code   Code
		zh, en []string // substrings
	}{
		{"SQLITE_FULL", wrap(fakeSQLiteErr{13}), CodeDiskFull, []string{"磁盘已满", dir, "可用空间"}, []string{"the disk is full", dir, "free"}},
		{"ENOSPC", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, CodeDiskFull, []string{"磁盘已满"}, []string{"the disk is full"}},
		{"SQLITE_CANTOPEN", wrap(fakeSQLiteErr{14}), CodeStorage, []string{"无法在 " + dir + " 创建或打开", "可用空间"}, []string{"cannot be created or opened", dir, "free space"}},
		{"SQLITE_IOERR_SHMSIZE", wrap(fakeSQLiteErr{10 | 19<<8}), CodeStorage, []string{"磁盘出错", dir}, []string{"disk error", dir, "suyuan verify"}},
		{"SQLITE_BUSY", fmt.Errorf("begin: %w", fakeSQLiteErr{5}), CodeBusy, []string{"另一个程序或窗口正在写入", "请稍后重试"}, []string{"another program or window is writing", "try again"}},
		{"SQLITE_BUSY_SNAPSHOT", fakeSQLiteErr{5 | 2<<8}, CodeBusy, []string{"另一个程序"}, []string{"another program"}},
		{"SQLITE_LOCKED", fakeSQLiteErr{6}, CodeBusy, []string{"另一个程序"}, []string{"another program"}},
		{"SQLITE_READONLY", fmt.Errorf("commit: %w", fakeSQLiteErr{8}), CodeStorage, []string{"只读", dir}, []string{"read-only", dir, "verify still work"}},
		{"EROFS", &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.EROFS}, CodeStorage, []string{"只读"}, []string{"read-only"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := storageError(c.err, dir)
			if ErrorCode(got) != c.code {
				t.Fatalf("code %q, want %q: %v", ErrorCode(got), c.code, got)
			}
			if !errors.Is(got, c.err) && !errors.Is(got, errors.Unwrap(c.err)) {
				t.Errorf("cause lost: %v", got)
			}
			var um interface{ UserMessage(string) string }
			if !errors.As(got, &um) {
				t.Fatal("no UserMessage")
			}
			for _, s := range c.zh {
				if !strings.Contains(um.UserMessage("zh"), s) {
					t.Errorf("zh %q lacks %q", um.UserMessage("zh"), s)
				}
			}
			for _, s := range c.en {
				if !strings.Contains(um.UserMessage("en"), s) {
					t.Errorf("en %q lacks %q", um.UserMessage("en"), s)
				}
			}
			if strings.Contains(um.UserMessage("en"), "(13)") || strings.Contains(um.UserMessage("zh"), "sqlite") {
				t.Errorf("raw driver text in the message: %q", um.UserMessage("en"))
			}
		})
	}
	if got := storageError(kept, dir); got != error(kept) {
		t.Errorf("a store error was replaced: %v", got)
	}
	if got := storageError(plain, dir); got != plain {
		t.Errorf("an unrelated error was replaced: %v", got)
	}
	if storageError(nil, dir) != nil {
		t.Error("nil became an error")
	}
	// A CANTOPEN with almost no space left is reported as a full disk.
	if free, ok := freeSpace(dir); !ok || free == 0 {
		t.Fatalf("free space of %s unknown", dir)
	}
	if s := sizeText(1536*1024, true, "en"); s != "1.5 MB" {
		t.Errorf("sizeText = %q", s)
	}
}

// TestBusyWriter: while another connection holds the write lock for longer
// than the busy timeout, a write fails with CodeBusy and a message saying
// another program or window is writing, not SQLite's "database is locked";
// once the lock is released the same write succeeds.
func TestBusyWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	ctx := context.Background()
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.CreateUser(ctx, Actor{}, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	if err != nil {
		t.Fatal(err)
	}
	admin := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	b, err := Open(ctx, path) // a second window on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Write(ctx, admin, func(tx *Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	err = b.SetSetting(ctx, admin, SettingPrinterURI, "tcp://127.0.0.1:9100")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ErrorCode(err) != CodeBusy {
		t.Fatalf("want CodeBusy, got %q: %v", ErrorCode(err), err)
	}
	var e *Error
	errors.As(err, &e)
	if !strings.Contains(e.En, "another program or window is writing") || !strings.Contains(e.Zh, "另一个程序或窗口正在写入") ||
		strings.Contains(e.En, "SQLITE_BUSY") || strings.Contains(e.Zh, "locked") {
		t.Fatalf("message: %q / %q", e.Zh, e.En)
	}
	if err := b.SetSetting(ctx, admin, SettingPrinterURI, "tcp://127.0.0.1:9100"); err != nil {
		t.Fatalf("write after the lock was released: %v", err)
	}
}
