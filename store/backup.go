package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the live store into dir, named with the
// time, while the app keeps running (VACUUM INTO reads one snapshot). The copy
// is written to a temporary name, synced, verified and only then renamed, so
// a backup file that exists is a good one.
func (db *DB) Backup(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", errf(CodeInvalid, err, "无法创建备份目录 %s，请检查U盘或磁盘是否可写。", "cannot create the backup folder %s; check that the disk or USB stick is writable", dir)
	}
	name := "suyuan-" + db.Now().Format("20060102-150405") + ".db"
	final := filepath.Join(dir, name)
	tmp := final + ".partial"
	_ = os.Remove(tmp)
	if _, err := db.r.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		// VACUUM INTO on a query_only connection is allowed: it writes only the target.
		if strings.Contains(err.Error(), "readonly") && db.w != nil {
			_, err = db.w.ExecContext(ctx, "VACUUM INTO ?", tmp)
		}
		if err != nil {
			_ = os.Remove(tmp)
			return "", errf(CodeInvalid, err, "备份失败，请检查目标磁盘空间。", "the backup failed; check the free space on the target disk")
		}
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("sync backup: %w", err)
	}
	b, err := Open(ctx, tmp, ReadOnly())
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("open backup: %w", err)
	}
	rep, err := b.Verify(ctx, nil)
	b.Close()
	if err != nil || !rep.OK() {
		_ = os.Remove(tmp)
		if err == nil {
			err = fmt.Errorf("%s", rep.Problems[0].En)
		}
		return "", errf(CodeCorrupt, err, "备份文件校验失败，未保存。请先运行 suyuan verify。", "the backup did not verify and was not kept; run suyuan verify first")
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("rename backup: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return final, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
