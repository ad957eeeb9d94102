package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The platform secret is kept encrypted at rest (AES-256-GCM) in the
// settings table. The key is not in the store's file: it lives in
// secret.key beside it (mode 0600; on Windows the key is additionally
// sealed with DPAPI to the Windows user, see protectKey). Whoever copies
// only the data file (a backup, a file sent for support) does not get the
// secret. A store whose key file is lost says so and asks for the secret
// again; nothing else in the store depends on the key.

// SecretKeyFile is the key file's name in the data directory.
const SecretKeyFile = "secret.key"

// sealedPrefix marks an encrypted settings value: "enc1:" + base64(nonce ||
// ciphertext || tag).
const sealedPrefix = "enc1:"

// SettingSyncSecretNote records, without the value, that a plain-text secret
// was found and encrypted (when, in UTC).
const SettingSyncSecretNote = "sync.secret.migrated_at"

// secretAAD binds a sealed value to its settings key.
func secretAAD(key string) []byte { return []byte("suyuan settings " + key) }

func (db *DB) keyPath() string { return filepath.Join(filepath.Dir(db.path), SecretKeyFile) }

// errSecretKey says the key file is missing or does not open the secret.
func (db *DB) errSecretKey(cause error) error {
	return errf(CodeSecretKey, cause,
		"平台密钥无法读取：数据目录 %s 中的密钥文件 %s 丢失或与数据文件不匹配（例如只复制了数据文件）。请在“同步”设置中（或用 suyuan sync setup）重新输入平台密钥。",
		"the platform secret cannot be read: the key file %[2]s in the data folder %[1]s is missing or does not belong to this data file (was only the data file copied?); enter the platform secret again in the sync settings (or with suyuan sync setup)",
		filepath.Dir(db.path), SecretKeyFile)
}

// secretKey reads the key file; create makes one when there is none.
func (db *DB) secretKey(create bool) ([]byte, error) {
	p := db.keyPath()
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) && create {
		return db.newSecretKey(p)
	}
	if err != nil {
		return nil, err
	}
	// A key file others can read (copied with default permissions) is made
	// private again; on Windows the key is DPAPI-sealed instead.
	if st, err := os.Stat(p); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(p, 0o600)
	}
	key, err := unprotectKey(b)
	if err != nil {
		return nil, err
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s: %d bytes, want 32", p, len(key))
	}
	return key, nil
}

func (db *DB) newSecretKey(p string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	sealed, err := protectKey(key)
	if err != nil {
		return nil, err
	}
	// O_EXCL: two windows saving at once must not overwrite each other's key.
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return db.secretKey(false)
	}
	if err != nil {
		return nil, storageError(fmt.Errorf("create %s: %w", p, err), filepath.Dir(p))
	}
	if _, err := f.Write(sealed); err != nil {
		f.Close()
		os.Remove(p)
		return nil, storageError(fmt.Errorf("write %s: %w", p, err), filepath.Dir(p))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(p)
		return nil, storageError(fmt.Errorf("sync %s: %w", p, err), filepath.Dir(p))
	}
	if err := f.Close(); err != nil {
		return nil, storageError(fmt.Errorf("close %s: %w", p, err), filepath.Dir(p))
	}
	return key, nil
}

// sealSecret encrypts a settings value with the store's key (creating the
// key file on first use). An empty value stays empty.
func (db *DB) sealSecret(settingKey, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	key, err := db.secretKey(true)
	if err != nil {
		if _, ok := err.(*Error); ok {
			return "", err
		}
		return "", db.errSecretKey(err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := gcm.Seal(nonce, nonce, []byte(plain), secretAAD(settingKey))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// openSecret decrypts a settings value sealed by sealSecret. A value
// without the prefix is plain text from an older Suyuan (plain=true).
func (db *DB) openSecret(settingKey, stored string) (value string, plain bool, err error) {
	if stored == "" {
		return "", false, nil
	}
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, true, nil
	}
	raw, err := base64.StdEncoding.DecodeString(stored[len(sealedPrefix):])
	if err != nil {
		return "", false, db.errSecretKey(err)
	}
	key, err := db.secretKey(false)
	if err != nil {
		return "", false, db.errSecretKey(err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return "", false, err
	}
	if len(raw) < gcm.NonceSize() {
		return "", false, db.errSecretKey(errors.New("sealed value too short"))
	}
	pt, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], secretAAD(settingKey))
	if err != nil {
		return "", false, db.errSecretKey(err)
	}
	return string(pt), false, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// PlatformSecret returns the platform secret in clear, for the sync client.
// A secret stored in plain text by an older Suyuan is encrypted on this
// first read when the store is open for writing (SettingSyncSecretNote
// records when, never the value).
func (db *DB) PlatformSecret(ctx context.Context) (string, error) {
	stored, err := db.setting(ctx, SettingSyncSecret)
	if err != nil {
		return "", err
	}
	v, plain, err := db.openSecret(SettingSyncSecret, stored)
	if err != nil || !plain || db.w == nil {
		return v, err
	}
	if err := db.sealPlainSecret(ctx, stored); err != nil {
		return "", err
	}
	return v, nil
}

// sealPlainSecret replaces a plain-text secret by its sealed form, with
// secure_delete on so the old bytes are zeroed in the file, not left in a
// freed cell.
func (db *DB) sealPlainSecret(ctx context.Context, plain string) error {
	sealed, err := db.sealSecret(SettingSyncSecret, plain)
	if err != nil {
		return err
	}
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "PRAGMA secure_delete = 1"); err != nil {
			return fmt.Errorf("secure_delete: %w", err)
		}
		defer tx.Exec(ctx, "PRAGMA secure_delete = 0")
		res, err := tx.Exec(ctx, "UPDATE settings SET value = ? WHERE key = ? AND value = ?", sealed, SettingSyncSecret, plain)
		if err != nil {
			return fmt.Errorf("seal platform secret: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // changed meanwhile
		}
		return tx.putSetting(ctx, SettingSyncSecretNote, tx.Now.Format(timeFormat))
	})
}

// SetPlatformSecret stores the platform secret encrypted ("" clears it).
// It needs the sync permission.
func (db *DB) SetPlatformSecret(ctx context.Context, actor Actor, secret string) error {
	sealed, err := db.sealSecret(SettingSyncSecret, secret)
	if err != nil {
		return err
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := tx.Actor.Require(PermSyncAdmin); err != nil {
			return err
		}
		return putSecretSetting(ctx, tx, sealed)
	})
}

func putSecretSetting(ctx context.Context, tx *Tx, sealed string) error {
	if _, err := tx.Exec(ctx, "PRAGMA secure_delete = 1"); err != nil {
		return fmt.Errorf("secure_delete: %w", err)
	}
	defer tx.Exec(ctx, "PRAGMA secure_delete = 0")
	return tx.putSetting(ctx, SettingSyncSecret, sealed)
}
