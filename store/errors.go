package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Code classifies store errors for callers that branch on them.
type Code string

const (
	CodeNotFound   Code = "not-found"
	CodeInvalid    Code = "invalid"
	CodeConflict   Code = "conflict"
	CodeForbidden  Code = "forbidden"
	CodeRule       Code = "rule"
	CodeNewerFile  Code = "newer-file"
	CodeNotSuyuan  Code = "not-suyuan"
	CodeCorrupt    Code = "corrupt"
	CodeAuth       Code = "auth"
	CodeDuplicated Code = "duplicate"
)

// Error is a store error a user may see. Zh and En are complete sentences
// that say what happened and what to do; Err keeps the cause for logs.
type Error struct {
	Code Code
	Zh   string
	En   string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.En + ": " + e.Err.Error()
	}
	return e.En
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage returns the message in the user's language ("zh" or "en").
// A wrapped error with its own user message (a rule violation) is preferred
// when this error carries no text of its own.
func (e *Error) UserMessage(lang string) string {
	if e.Zh == "" && e.En == "" {
		var um interface{ UserMessage(string) string }
		if errors.As(e.Err, &um) {
			return um.UserMessage(lang)
		}
	}
	if lang == "en" {
		return e.En
	}
	return e.Zh
}

// errf builds an *Error with bilingual text; format verbs are applied to both.
func errf(code Code, cause error, zh, en string, args ...any) *Error {
	return &Error{Code: code, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...), Err: cause}
}

// ErrorCode returns the Code of the first *Error in err's chain, or "".
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a not-found store error.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// Codes for storage failures: the disk, the file system or another writer,
// not the user's input.
const (
	CodeBusy     Code = "busy"      // another program or window holds the write lock
	CodeDiskFull Code = "disk-full" // no space left where the store lives
	CodeStorage  Code = "storage"   // the store's files cannot be created, read or written
	// CodeSecretKey: the key file that opens the stored platform secret is
	// missing or does not match; the secret must be entered again.
	CodeSecretKey Code = "secret-key"
)

// SQLite primary result codes the store translates for users (the low byte
// of an extended code: SQLITE_IOERR_SHMSIZE is 10 | 19<<8).
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteCorrupt  = 11
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteNotADB   = 26
)

// sqliteCode returns the primary SQLite result code in err's chain, or 0.
func sqliteCode(err error) int {
	var se interface{ Code() int }
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// lowSpace is what counts as "no room" when SQLite only says it could not
// write or create a file: less than a WAL's worth of pages.
const lowSpace = 1 << 20

// storageError turns a raw SQLite or file-system failure on the store in
// dir into a message that says what happened, where, and what to do. err is
// returned unchanged when it already carries a store message or is not a
// storage failure; nil stays nil.
func storageError(err error, dir string) error {
	if err == nil {
		return nil
	}
	if dir == "" {
		dir = "."
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	code := sqliteCode(err)
	switch {
	case code == sqliteBusy || code == sqliteLocked:
		return errf(CodeBusy, err,
			"另一个程序或窗口正在写入数据（%s），等待 %d 秒后仍未结束。请稍后重试；如果一直如此，请关闭其他打开该数据目录的溯源站窗口。",
			"another program or window is writing to the store in %s and did not finish within %d seconds; try again in a moment, and if it keeps happening close the other Suyuan windows using this data folder",
			dir, busyTimeout/1000)
	case code == sqliteReadOnly || errors.Is(err, syscall.EROFS):
		return readOnlyError(err, dir)
	case code == sqliteFull || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return diskFullError(err, dir)
	case code == sqliteCantOpen || code == sqliteIOErr || errors.Is(err, syscall.EIO):
		if errors.Is(dirWritable(dir), syscall.EROFS) {
			return readOnlyError(err, dir)
		}
		free, known := freeSpace(dir)
		if known && free < lowSpace {
			return diskFullError(err, dir)
		}
		if code == sqliteCantOpen {
			return &Error{Code: CodeStorage, Err: err,
				Zh: fmt.Sprintf("无法在 %s 创建或打开数据文件（可用空间 %s）。请检查该文件夹存在、可写，磁盘未满、未拔出，然后重试。", dir, sizeText(free, known, "zh")),
				En: fmt.Sprintf("the store's files in %s cannot be created or opened (free space: %s); check that the folder exists and is writable and that the disk is not full or unplugged, then try again", dir, sizeText(free, known, "en"))}
		}
		return &Error{Code: CodeStorage, Err: err,
			Zh: fmt.Sprintf("读写 %s 中的数据文件时磁盘出错（可用空间 %s）。请检查磁盘（U 盘、移动硬盘请检查连接）后重试，并运行 suyuan verify 检查数据。", dir, sizeText(free, known, "zh")),
			En: fmt.Sprintf("a disk error occurred reading or writing the store in %s (free space: %s); check the disk (and the cable of a USB drive), try again, then run suyuan verify", dir, sizeText(free, known, "en"))}
	}
	return err
}

// StorageError is the store's translation of a raw SQLite or file-system
// failure (a full disk, a disk error, a lock held by another program) on
// the store or a file beside it in dir, for callers outside the store that
// hold such an error: the CLI's and the GUI's last-resort message. An error
// that already carries a message, or is of another kind, is returned
// unchanged.
func StorageError(err error, dir string) error {
	// An error with its own message (an analyzer unplugged mid-import ends
	// in a serial EIO, which is not a disk error) keeps it.
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return err
	}
	return storageError(err, dir)
}

// readOnlyError says the store's folder cannot be written at all.
func readOnlyError(err error, dir string) *Error {
	return errf(CodeStorage, err,
		"数据目录 %s 只读（例如写保护的 U 盘或只读共享），无法写入；查看和核验仍可使用。请把数据目录放在可写的磁盘上，或检查该文件夹的权限。",
		"the data folder %s is read-only (a write-protected USB stick or a read-only share?), so nothing can be written; viewing and verify still work. Put the data folder on a writable disk, or check the folder's permissions",
		dir)
}

// diskFullError says the disk holding dir is full, how much is free, and
// that what was saved before is safe.
func diskFullError(err error, dir string) *Error {
	free, known := freeSpace(dir)
	return &Error{Code: CodeDiskFull, Err: err,
		Zh: fmt.Sprintf("磁盘已满：数据目录 %s 所在磁盘只剩 %s 可用空间，无法写入（此前已保存的记录不受影响）。请清理该磁盘（或把数据目录移到空间充足的磁盘）后重试。", dir, sizeText(free, known, "zh")),
		En: fmt.Sprintf("the disk is full: the disk holding the data folder %s has only %s free, so nothing could be written (records saved before are safe); free some space on it (or move the data folder to a larger disk) and try again", dir, sizeText(free, known, "en"))}
}

// sizeText shows a byte count for people ("1.5 MB"), or says it is unknown.
func sizeText(n uint64, known bool, lang string) string {
	if !known {
		if lang == "en" {
			return "unknown"
		}
		return "未知"
	}
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// freeSpace is the space available to this user on the file system holding
// dir (the nearest existing parent when dir does not exist yet).
func freeSpace(dir string) (uint64, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			n, err := diskFree(d)
			return n, err == nil
		}
		if filepath.Dir(d) == d {
			return 0, false
		}
	}
}
