package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"suyuan/store"
	"suyuan/sync/platform/sim"
)

// startPlatform runs the platform simulator on a loopback port.
func startPlatform(t *testing.T, secret string) (*sim.Server, string) {
	t.Helper()
	s, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Seed: 3,
		Accounts: []sim.Account{{Account: "demo", Secret: secret, CreditCode: "91530427MA6K000000", Category: "0", Name: "示范合作社"}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Serve(ctx, l)
	t.Cleanup(func() { cancel(); s.Close() })
	return s, "http://" + l.Addr().String()
}

// generate appends n generated journal entries (with their rows) to the
// store in dir.
func generate(t *testing.T, dir string, n int) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.GenerateJournal(context.Background(), db, n); err != nil {
		t.Fatal(err)
	}
}

// A restored old backup (the documented restore: the backup file copied
// over suyuan.db) is stopped before anything is uploaded, and sync status
// says why and what to do.
func TestSyncRestoredBackupStoppedAndShown(t *testing.T) {
	const secret = "cli-platform-secret-1"
	srv, url := startPlatform(t, secret)
	dir := t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	if code, _, errs := cli(t, dir, "", "init", "--admin", "admin"); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	t.Setenv("SUYUAN_PLATFORM_SECRET", secret)
	if code, _, errs := cli(t, dir, "", "--user", "admin", "sync", "setup", "--url", url, "--account", "demo"); code != 0 {
		t.Fatalf("sync setup: %d %s", code, errs)
	}
	generate(t, dir, 300)
	if code, out, errs := cli(t, dir, "", "--lang", "en", "sync", "--once"); code != 0 || !strings.Contains(out, "still pending 0") {
		t.Fatalf("sync: %d %s %s", code, out, errs)
	}
	bdir := filepath.Join(t.TempDir(), "usb")
	if code, _, errs := cli(t, dir, "", "backup", bdir); code != 0 {
		t.Fatalf("backup: %d %s", code, errs)
	}
	backups, _ := filepath.Glob(filepath.Join(bdir, "suyuan-*.db"))
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	generate(t, dir, 100)
	if code, out, errs := cli(t, dir, "", "--lang", "en", "sync", "--once"); code != 0 || !strings.Contains(out, "still pending 0") {
		t.Fatalf("sync: %d %s %s", code, out, errs)
	}
	held, _ := srv.RecordCount(context.Background())

	// Restore the old backup as docs/sync.md says, then write to it.
	b, err := os.ReadFile(backups[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dir, store.DefaultFile+ext))
	}
	if err := os.WriteFile(filepath.Join(dir, store.DefaultFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	generate(t, dir, 25)

	code, out, errs := cli(t, dir, "", "sync", "--once")
	if code == 0 || !strings.Contains(errs, "本机数据是比平台上更旧的副本") || !strings.Contains(errs, "未上传任何数据") || !strings.Contains(out, "仍待上传 25") {
		t.Fatalf("sync on the restored backup: %d %q %q", code, out, errs)
	}
	if n, _ := srv.RecordCount(context.Background()); n != held {
		t.Fatalf("platform holds %d records, had %d", n, held)
	}
	for _, lang := range []struct{ lang, want string }{{"zh", "上传已停止"}, {"en", "uploads stopped: this store is an older copy than what the platform holds"}} {
		code, out, errs := cli(t, dir, "", "--lang", lang.lang, "sync", "status")
		if code != 0 || !strings.Contains(out, lang.want) {
			t.Fatalf("sync status (%s): %d %q %q", lang.lang, code, out, errs)
		}
	}
}
