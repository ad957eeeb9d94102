//go:build linux

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

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

// TestReadOnlyMedia: a store on a read-only file system (a write-protected
// USB stick) opens for reading and verifies; a write says the folder is
// read-only instead of a raw SQLite error.
func TestReadOnlyMedia(t *testing.T) {
	dir := smallDisk(t, "3m")
	path := filepath.Join(dir, DefaultFile)
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, "size=3m"); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	defer syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=3m")
	ro, err := Open(ctx, path, ReadOnly())
	if err != nil {
		t.Fatalf("read-only open on read-only media: %v", err)
	}
	if n, err := ro.UserCount(ctx); err != nil || n != 1 {
		t.Fatalf("read: %d %v", n, err)
	}
	rep, err := ro.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify on read-only media: %v %+v", err, rep)
	}
	ro.Close()
	_, err = Open(ctx, path)
	if ErrorCode(err) != CodeStorage || !strings.Contains(err.(*Error).En, "read-only") || !strings.Contains(err.(*Error).En, dir) {
		t.Fatalf("write open on read-only media: %q %v", ErrorCode(err), err)
	}
}
