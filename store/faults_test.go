package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// smallDisk mounts a tmpfs of size bytes (root only: the test then fills a
// real file system). It skips, saying why, where that is not possible.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a real full disk needs a small tmpfs, which only root can mount; run the store tests as root to include this test")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): a container without CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file until the file system is full.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	return p
}

// TestDiskFull: on a real full disk every write says the disk is full,
// where and how much is free; opening for reading, reading and verify still
// work, with and without another window holding the store open; after space
// is freed the same write succeeds and nothing was lost.
func TestDiskFull(t *testing.T) {
	dir := smallDisk(t, "3m")
	path := filepath.Join(dir, DefaultFile)
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	if err != nil {
		t.Fatal(err)
	}
	admin := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if _, err := db.SaveEntity(ctx, admin, demoEntity(t)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)

	checkFull := func(t *testing.T, err error) {
		t.Helper()
		if ErrorCode(err) != CodeDiskFull && ErrorCode(err) != CodeStorage {
			t.Fatalf("want a disk-full error, got %q: %v", ErrorCode(err), err)
		}
		var e *Error
		errors.As(err, &e)
		if !strings.Contains(e.En, "the disk is full") || !strings.Contains(e.En, dir) || !strings.Contains(e.Zh, "磁盘已满") || !strings.Contains(e.En, "free") {
			t.Fatalf("message does not say the disk is full, where and what is free: %q / %q", e.Zh, e.En)
		}
	}
	readable := func(t *testing.T) {
		t.Helper()
		ro, err := Open(ctx, path, ReadOnly())
		if err != nil {
			t.Fatalf("read-only open on a full disk: %v", err)
		}
		defer ro.Close()
		if e, err := ro.GetEntity(ctx); err != nil || e.Name == "" {
			t.Fatalf("read on a full disk: %+v %v", e, err)
		}
		rep, err := ro.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify on a full disk: %v %+v", err, rep)
		}
	}

	t.Run("closed store", func(t *testing.T) {
		// No -shm file exists: a writer cannot create it, a reader reads
		// without it.
		db, err := Open(ctx, path)
		if err == nil {
			_, err = db.AddBase(ctx, admin, Base{Name: "二号基地", DivisionCode: "530427"})
			db.Close()
		}
		checkFull(t, err)
		readable(t)
	})

	t.Run("store open in another window", func(t *testing.T) {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		w, err := Open(ctx, path) // the other window: -shm exists
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		filler = fillDisk(t, dir)
		var lastErr error
		// Fill the WAL's remaining room: the first writes may still fit.
		for i := 0; i < 200 && lastErr == nil; i++ {
			_, lastErr = w.AddBase(ctx, admin, Base{Name: fmt.Sprintf("基地%03d-%s", i, strings.Repeat("长", 2000)), DivisionCode: "530427"})
		}
		checkFull(t, lastErr)
		readable(t)
		// A second window opening for writing writes nothing at open (no
		// application_id, no schema table) and hears of the full disk on
		// its first write.
		w2, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open for writing on a full disk: %v", err)
		}
		_, err = w2.AddBase(ctx, admin, Base{Name: "第二个窗口", DivisionCode: "530427"})
		checkFull(t, err)
		w2.Close()
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		if _, err := w.AddBase(ctx, admin, Base{Name: "腾出空间后", DivisionCode: "530427"}); err != nil {
			t.Fatalf("write after freeing space: %v", err)
		}
		rep, err := w.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify after the full disk: %v %+v", err, rep)
		}
	})
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
