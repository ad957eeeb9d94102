//go:build linux || darwin || freebsd

package store

import "golang.org/x/sys/unix"

// diskFree is the space available to an unprivileged user on the file
// system holding dir (statfs: available blocks times block size).
func diskFree(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// dirWritable reports why dir cannot be written (EROFS on a read-only file
// system), or nil.
func dirWritable(dir string) error { return unix.Access(dir, unix.W_OK) }
