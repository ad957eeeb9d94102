package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// noEcho turns off the terminal's echo on f for typing a password and
// returns the function that restores it; ok is false when f is not a
// terminal (a pipe, a file, /dev/null).
func noEcho(f *os.File) (restore func(), ok bool) {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, false
	}
	old := *t
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, false
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, &old) }, true
}
