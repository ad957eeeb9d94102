//go:build !windows

package serial

import (
	"fmt"
	"os"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// OpenPTY creates a pseudo-terminal pair in raw mode (no echo, no CR/LF
// translation, no signal characters, 8 bits clean), so bytes 0x00-0xFF pass
// unmodified. master is the instrument side (a simulator writes frames to
// it); slavePath is what the application opens with Open. The master is
// non-blocking under Go's poller, so it supports SetReadDeadline and Close
// unblocks reads. When no process holds the slave open, reads on the master
// fail with EIO; simulators retry.
func OpenPTY() (master *os.File, slavePath string, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, "", fmt.Errorf("serial: open pty: %w", err)
	}
	defer s.Close()
	slavePath = s.Name()
	t, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		m.Close()
		return nil, "", fmt.Errorf("serial: pty termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, t); err != nil {
		m.Close()
		return nil, "", fmt.Errorf("serial: pty raw mode: %w", err)
	}
	// Re-wrap the master as a non-blocking descriptor so os.File uses the
	// poller (deadlines, Close unblocking reads).
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		return nil, "", fmt.Errorf("serial: dup pty: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("serial: pty nonblock: %w", err)
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "/dev/ptmx"), slavePath, nil
}
