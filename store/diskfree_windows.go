//go:build windows

package store

import "golang.org/x/sys/windows"

// diskFree is the space available to this user on the volume holding dir
// (GetDiskFreeSpaceExW: quotas included).
func diskFree(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	return avail, nil
}

// dirWritable is not checked on Windows: a read-only medium shows up as
// SQLite's own SQLITE_READONLY there.
func dirWritable(string) error { return nil }
