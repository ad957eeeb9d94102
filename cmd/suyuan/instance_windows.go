//go:build windows

package main

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// The locked range is one byte at 4 GiB, far past the file's text: Windows
// locks are mandatory, and the refused instance must still read the PID.
const lockOffsetHigh = 1

// tryLock takes an exclusive LockFileEx lock on f without waiting.
func tryLock(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLocked
	}
	return err
}

func unlock(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
