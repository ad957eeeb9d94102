package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const testSecret = "Pl4tform-S3cret-XYZ"

// storeBytes is everything SQLite keeps for the store on disk.
func storeBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func openAdmin(t *testing.T, path string) (*DB, Actor) {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users, _ := db.Users(context.Background())
	if len(users) > 0 {
		u := users[0]
		return db, Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	}
	seedFixtureUsers(t, db)
	return db, fxAdmin
}

// TestPlatformSecretEncrypted: the secret is not in the store's file, the
// key file is 0600 beside it, and the secret reads back.
func TestPlatformSecretEncrypted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), DefaultFile)
	db, admin := openAdmin(t, path)
	want := SyncConfig{URL: "https://platform.example", Account: "gsxp01", Secret: testSecret}
	if err := db.SetSyncConfig(ctx, admin, want); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SyncConfig(ctx); err != nil || got != want {
		t.Fatalf("SyncConfig = %+v, %v", got, err)
	}
	// Also through SetPlatformSecret, replacing it.
	if err := db.SetPlatformSecret(ctx, admin, testSecret+"2"); err != nil {
		t.Fatal(err)
	}
	if s, err := db.PlatformSecret(ctx); err != nil || s != testSecret+"2" {
		t.Fatalf("PlatformSecret = %q, %v", s, err)
	}
	if err := db.SetPlatformSecret(ctx, fxPacker, "x"); ErrorCode(err) != CodeForbidden {
		t.Fatalf("a packer set the secret: %v", err)
	}
	stored, _ := db.setting(ctx, SettingSyncSecret)
	if !strings.HasPrefix(stored, sealedPrefix) {
		t.Fatalf("stored value %q is not sealed", stored)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if b := storeBytes(t, path); bytes.Contains(b, []byte(testSecret)) {
		t.Fatal("the secret is in the store's file in plain text")
	}
	st, err := os.Stat(filepath.Join(filepath.Dir(path), SecretKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no Unix permission bits (os.Stat shows 0666 or 0444); the
	// key is protected by DPAPI there (secretkey_windows.go).
	unixPerm := runtime.GOOS != "windows"
	if unixPerm && st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	// A key file made readable by others (a careless copy) is made private
	// again on the next read.
	if err := os.Chmod(filepath.Join(filepath.Dir(path), SecretKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	db, _ = openAdmin(t, path)
	if s, err := db.PlatformSecret(ctx); err != nil || s != testSecret+"2" {
		t.Fatalf("PlatformSecret after reopen = %q, %v", s, err)
	}
	if st, _ := os.Stat(filepath.Join(filepath.Dir(path), SecretKeyFile)); unixPerm && st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v after a read, want 0600", st.Mode().Perm())
	}
}

// TestPlatformSecretKeyLost: without its key file (or with another store's)
// the secret cannot be read and the error says to enter it again; URL and
// account still read, and a new secret can be saved.
func TestPlatformSecretKeyLost(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		break_ func(t *testing.T, keyPath string)
	}{
		{"missing", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}},
		{"wrong key", func(t *testing.T, p string) {
			if err := os.WriteFile(p, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), DefaultFile)
			db, admin := openAdmin(t, path)
			if err := db.SetSyncConfig(ctx, admin, SyncConfig{URL: "https://platform.example", Account: "gsxp01", Secret: testSecret}); err != nil {
				t.Fatal(err)
			}
			c.break_(t, filepath.Join(filepath.Dir(path), SecretKeyFile))
			cfg, err := db.SyncConfig(ctx)
			if ErrorCode(err) != CodeSecretKey {
				t.Fatalf("want CodeSecretKey, got %q: %v", ErrorCode(err), err)
			}
			e := err.(*Error)
			if !strings.Contains(e.En, SecretKeyFile) || !strings.Contains(e.En, "enter the platform secret again") || !strings.Contains(e.Zh, "重新输入平台密钥") {
				t.Fatalf("message: %q / %q", e.Zh, e.En)
			}
			if cfg.URL != "https://platform.example" || cfg.Account != "gsxp01" || cfg.Secret != "" {
				t.Fatalf("config with a lost key: %+v", cfg)
			}
			if c.name == "missing" {
				if err := db.SetSyncConfig(ctx, admin, SyncConfig{URL: cfg.URL, Account: cfg.Account, Secret: "new-secret"}); err != nil {
					t.Fatal(err)
				}
				if cfg, err := db.SyncConfig(ctx); err != nil || cfg.Secret != "new-secret" {
					t.Fatalf("after re-entering: %+v %v", cfg, err)
				}
			}
		})
	}
}

// TestPlatformSecretPlaintextMigrated: a secret an older Suyuan stored in
// plain text is encrypted on first read, the note says when (not the
// value), and the old bytes are gone from the file.
func TestPlatformSecretPlaintextMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), DefaultFile)
	db, _ := openAdmin(t, path)
	err := db.Write(ctx, systemActor, func(tx *Tx) error {
		for k, v := range map[string]string{SettingSyncURL: "https://platform.example", SettingSyncAccount: "gsxp01", SettingSyncSecret: testSecret} {
			if _, err := tx.Exec(ctx, "INSERT INTO settings(key,value) VALUES(?,?)", k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if !bytes.Contains(storeBytes(t, path), []byte(testSecret)) {
		t.Fatal("setup: the old plain-text secret is not in the file")
	}

	ro, err := Open(ctx, path, ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := ro.SyncConfig(ctx); err != nil || cfg.Secret != testSecret {
		t.Fatalf("read-only read of a plain-text secret: %+v %v", cfg, err)
	}
	ro.Close()

	db, _ = openAdmin(t, path)
	cfg, err := db.SyncConfig(ctx)
	if err != nil || cfg.Secret != testSecret {
		t.Fatalf("SyncConfig = %+v, %v", cfg, err)
	}
	stored, _ := db.setting(ctx, SettingSyncSecret)
	if !strings.HasPrefix(stored, sealedPrefix) {
		t.Fatalf("not migrated: %q", stored)
	}
	note, _ := db.setting(ctx, SettingSyncSecretNote)
	if note == "" || strings.Contains(note, testSecret) {
		t.Fatalf("migration note %q", note)
	}
	if cfg, err := db.SyncConfig(ctx); err != nil || cfg.Secret != testSecret {
		t.Fatalf("second read: %+v, %v", cfg, err)
	}
	db.Close()
	if bytes.Contains(storeBytes(t, path), []byte(testSecret)) {
		t.Fatal("the plain-text secret is still in the file after migration")
	}
}
