package export

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"suyuan/store"
)

// errf builds a store error with text in both languages; the verbs are
// applied to both (use explicit indexes when they differ).
func errf(code store.Code, cause error, zh, en string, args ...any) *store.Error {
	return &store.Error{Code: code, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...), Err: cause}
}

// readErr turns a failure reading the store into the store's message.
func readErr(err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if isCancel(err) {
		return cancelled(err, "")
	}
	if e := store.StorageError(err, ""); e != err {
		return e
	}
	return errf(store.CodeStorage, err, "读取数据时出错，本次未导出任何内容。请重试；如果一直如此，请运行 suyuan verify 检查数据。",
		"the store could not be read, so nothing was exported; try again, and if it keeps happening run suyuan verify")
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func cancelled(err error, dir string) error {
	return errf(store.CodeInvalid, err, "导出已取消，没有留下不完整的文件。需要时请重新导出。", "the export was cancelled and nothing was left half-written; export again when needed")
}

// tempFile is what the export writes into before renaming it into place.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// createTemp makes the temporary file in the destination folder; tests
// replace it to simulate a disk that fills up.
var createTemp = func(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// writeError says why a file could not be written to dir and what to do.
func writeError(err error, dir string) error {
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	switch {
	case isCancel(err):
		return cancelled(err, dir)
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return errf(store.CodeDiskFull, err, "磁盘已满：文件夹 %s 所在磁盘没有足够空间，导出未完成，也没有留下不完整的文件。请清理该磁盘或换一个文件夹（U 盘）后重试。",
			"the disk is full: there is not enough space for the export in %s; nothing was left half-written. Free some space or choose another folder (a USB stick) and try again", dir)
	case errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS):
		return errf(store.CodeStorage, err, "无法在文件夹 %s 中写入文件（没有写入权限或磁盘只读），本次未导出任何内容。请选择另一个文件夹，或检查该文件夹的权限后重试。",
			"files cannot be written in the folder %s (no permission, or the disk is read-only), so nothing was exported; choose another folder or check its permissions and try again", dir)
	case errors.Is(err, os.ErrNotExist):
		return errf(store.CodeStorage, err, "文件夹 %s 不存在，本次未导出任何内容：请先新建这个文件夹，或选择另一个已有的文件夹。",
			"the folder %s does not exist, so nothing was exported: create it first, or choose another folder", dir)
	}
	return errf(store.CodeStorage, err, "写入文件夹 %s 时出错（%v），导出未完成，也没有留下不完整的文件。请检查磁盘（U 盘请检查是否插好）后重试。",
		"writing to the folder %s failed (%v); the export did not finish and nothing was left half-written. Check the disk (and the USB stick's connection) and try again", dir, err)
}

// checkDir checks that dir exists and is a folder.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return writeError(err, dir)
	}
	if !st.IsDir() {
		return errf(store.CodeInvalid, nil, "“%s”不是文件夹，而是一个文件：请选择一个文件夹，本次未导出任何内容。",
			"%s is a file, not a folder: choose a folder; nothing was exported", dir)
	}
	return nil
}

// counter hashes and counts what passes through it.
type counter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newCounter(w io.Writer) *counter { return &counter{w: w, h: sha256.New()} }

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func (c *counter) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// WriteAtomic is writeAtomic for the other writers of files that leave the
// app (reports, bundles): the same temporary-file-then-rename path and the
// same messages for a missing folder, a full disk or no permission.
func WriteAtomic(path string, fn func(w io.Writer) error) (size int64, sum string, err error) {
	return writeAtomic(path, fn)
}

// writeAtomic writes path through fn: into a temporary file in the same
// folder, flushed and fsynced, then renamed over path. On any failure the
// temporary file is removed, so path is either the whole new file or as it
// was. It returns the file's size and SHA-256.
func writeAtomic(path string, fn func(w io.Writer) error) (size int64, sum string, err error) {
	dir := filepath.Dir(path)
	if err := checkDir(dir); err != nil {
		return 0, "", err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return 0, "", errf(store.CodeInvalid, nil, "“%s”是一个文件夹：请给出文件名，或把它作为导出的文件夹。", "%s is a folder: give a file name, or use it as the export folder", path)
	}
	f, err := createTemp(dir, "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return 0, "", writeError(err, dir)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	c := newCounter(bw)
	if err := fn(c); err != nil {
		return 0, "", writeError(err, dir)
	}
	if err := bw.Flush(); err != nil {
		return 0, "", writeError(err, dir)
	}
	if err := f.Sync(); err != nil {
		return 0, "", writeError(err, dir)
	}
	if err := f.Close(); err != nil {
		done = true
		os.Remove(f.Name())
		return 0, "", writeError(err, dir)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		done = true
		os.Remove(f.Name())
		return 0, "", writeError(err, dir)
	}
	done = true
	syncDir(dir)
	return c.n, c.sum(), nil
}

// syncDir makes a rename durable where the OS allows (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
