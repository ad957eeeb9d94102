// Package serial is the only importer of github.com/tarm/serial. It wraps a
// tarm port so that reads can be cancelled (tarm's Close does not unblock a
// read), timeouts are not mistaken for end of stream, and an unplugged
// adapter is reported as device.ErrDisconnected; Supervisor reopens the path
// when the adapter comes back. It also lists ports and creates pseudo-
// terminals for tests and simulators.
package serial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	tarm "github.com/tarm/serial"

	"suyuan/device"
)

// Config describes how to open a port. Zero values mean 9600 8N1.
type Config struct {
	Path     string // /dev/ttyUSB0, /dev/serial/by-id/..., COM3
	Baud     int    // default 9600
	DataBits int    // 5..8, default 8
	StopBits int    // 1 or 2, default 1
	Parity   string // "N" (default), "E", "O", "M", "S" or none/even/odd
	// ReadTimeout, when > 0, makes Read return an error wrapping
	// device.ErrTimeout after that long without a byte. 0 = Read blocks until
	// data arrives, the port is closed or unplugged.
	ReadTimeout time.Duration
}

// poll is how long one tarm read may block (VTIME, 100 ms granularity). It
// bounds how quickly Close and context cancellation take effect.
const poll = 100 * time.Millisecond

// quickEOFs is how many consecutive end-of-stream results arriving much
// faster than the poll interval mean the other end hung up. A timeout also
// returns (0, EOF) in tarm, but only after the poll interval.
const quickEOFs = 8

func (c Config) tarmConfig() (*tarm.Config, error) {
	tc := &tarm.Config{Name: osPortName(c.Path), Baud: c.Baud, ReadTimeout: poll} // COM10 needs \\.\COM10 on Windows
	if tc.Baud == 0 {
		tc.Baud = 9600
	}
	switch c.DataBits {
	case 0:
		tc.Size = 8
	case 5, 6, 7, 8:
		tc.Size = byte(c.DataBits)
	default:
		return nil, fmt.Errorf("serial: data bits %d: %w", c.DataBits, ErrConfig)
	}
	switch c.StopBits {
	case 0, 1:
		tc.StopBits = tarm.Stop1
	case 2:
		tc.StopBits = tarm.Stop2
	default:
		return nil, fmt.Errorf("serial: stop bits %d: %w", c.StopBits, ErrConfig)
	}
	switch strings.ToUpper(c.Parity) {
	case "", "N", "NONE":
		tc.Parity = tarm.ParityNone
	case "E", "EVEN":
		tc.Parity = tarm.ParityEven
	case "O", "ODD":
		tc.Parity = tarm.ParityOdd
	case "M", "MARK":
		tc.Parity = tarm.ParityMark
	case "S", "SPACE":
		tc.Parity = tarm.ParitySpace
	default:
		return nil, fmt.Errorf("serial: parity %q: %w", c.Parity, ErrConfig)
	}
	return tc, nil
}

// ErrConfig is an impossible port setting (bad parity, data bits, baud).
var ErrConfig = errors.New("serial: invalid port configuration")

// OpenError explains to the user why a port could not be opened.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string { return fmt.Sprintf("serial: open %s: %v", e.Path, e.Err) }
func (e *OpenError) Unwrap() error { return e.Err }

// UserMessage names the port and the likely fix.
func (e *OpenError) UserMessage(lang string) string {
	switch {
	case errors.Is(e.Err, os.ErrNotExist):
		if lang == "en" {
			return fmt.Sprintf("Port %s does not exist. Plug in the instrument's cable or choose another port.", e.Path)
		}
		return fmt.Sprintf("串口 %s 不存在。请插好仪器数据线或选择其他串口。", e.Path)
	case errors.Is(e.Err, os.ErrPermission):
		if lang == "en" {
			return fmt.Sprintf("No permission to open %s. On Linux add the user to the dialout group; on Windows close other programs using the port.", e.Path)
		}
		return fmt.Sprintf("没有权限打开 %s。Linux 请把用户加入 dialout 组；Windows 请关闭占用该串口的其他程序。", e.Path)
	case errors.Is(e.Err, ErrConfig):
		if lang == "en" {
			return fmt.Sprintf("The settings for %s are not valid (%v). Check baud rate, data bits, parity and stop bits.", e.Path, e.Err)
		}
		return fmt.Sprintf("串口 %s 的参数无效（%v）。请检查波特率、数据位、校验位和停止位。", e.Path, e.Err)
	}
	if lang == "en" {
		return fmt.Sprintf("Cannot open port %s (%v). Check that no other program is using it.", e.Path, e.Err)
	}
	return fmt.Sprintf("无法打开串口 %s（%v）。请确认没有其他程序占用该串口。", e.Path, e.Err)
}

// Status is the connection state shown to the technician.
type Status int

const (
	Disconnected Status = iota
	Connected
	Reconnecting
)

func (s Status) String() string {
	switch s {
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	}
	return "disconnected"
}

// Label returns the status in the user's language.
func (s Status) Label(lang string) string {
	zh := map[Status]string{Connected: "已连接", Reconnecting: "正在重连", Disconnected: "已断开"}
	if lang == "en" {
		return s.String()
	}
	return zh[s]
}

// Port is an open serial port. Reads and writes may run concurrently with
// each other; Close may be called from any goroutine and unblocks a pending
// Read within about 100 ms.
type Port struct {
	cfg    Config
	tp     *tarm.Port
	readMu sync.Mutex

	mu     sync.Mutex
	status Status
	closed chan struct{}
	once   sync.Once
}

var _ device.Port = (*Port)(nil)
var _ device.ContextReader = (*Port)(nil)

// Open opens cfg.Path. ctx only bounds the open itself.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		return nil, &OpenError{Path: "(none)", Err: fmt.Errorf("empty path: %w", ErrConfig)}
	}
	tc, err := cfg.tarmConfig()
	if err != nil {
		return nil, &OpenError{Path: cfg.Path, Err: err}
	}
	tp, err := tarm.OpenPort(tc)
	if err != nil {
		if err.Error() == "Unrecognized baud rate" {
			err = fmt.Errorf("baud %d: %w", tc.Baud, ErrConfig)
		}
		return nil, &OpenError{Path: cfg.Path, Err: err}
	}
	return &Port{cfg: cfg, tp: tp, status: Connected, closed: make(chan struct{})}, nil
}

// Path returns the path the port was opened with.
func (p *Port) Path() string { return p.cfg.Path }

// Status reports whether the port is still usable.
func (p *Port) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *Port) setStatus(s Status) {
	p.mu.Lock()
	p.status = s
	p.mu.Unlock()
}

// Read implements io.Reader. It never returns (0, nil) and never returns
// io.EOF for a mere silence.
func (p *Port) Read(b []byte) (int, error) {
	ctx := context.Background()
	if p.cfg.ReadTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.ReadTimeout)
		defer cancel()
	}
	return p.ReadContext(ctx, b)
}

// ReadContext reads at least one byte or fails: with ctx's error (a deadline
// wraps device.ErrTimeout), os.ErrClosed after Close, or
// device.ErrDisconnected when the device went away.
func (p *Port) ReadContext(ctx context.Context, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.readMu.Lock()
	defer p.readMu.Unlock()
	quick := 0
	for {
		select {
		case <-p.closed:
			return 0, fmt.Errorf("serial %s: %w", p.cfg.Path, os.ErrClosed)
		default:
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return 0, fmt.Errorf("serial %s: %w", p.cfg.Path, device.ErrTimeout)
			}
			return 0, ctx.Err()
		}
		start := time.Now()
		n, err := p.tp.Read(b)
		if n > 0 {
			return n, nil
		}
		select {
		case <-p.closed:
			return 0, fmt.Errorf("serial %s: %w", p.cfg.Path, os.ErrClosed)
		default:
		}
		if err != nil && err != io.EOF {
			p.setStatus(Disconnected)
			return 0, fmt.Errorf("serial %s: %w: %w", p.cfg.Path, device.ErrDisconnected, err)
		}
		// (0, EOF) or (0, nil): a timeout, or a hang-up if it came back at once.
		if time.Since(start) < poll/4 {
			quick++
			if quick >= quickEOFs || !pathExists(p.cfg.Path) {
				p.setStatus(Disconnected)
				return 0, fmt.Errorf("serial %s: peer hung up: %w", p.cfg.Path, device.ErrDisconnected)
			}
			time.Sleep(poll / 20)
		} else {
			quick = 0
		}
	}
}

func pathExists(path string) bool {
	if strings.HasPrefix(strings.ToUpper(path), "COM") {
		return true
	}
	_, err := os.Stat(path)
	return err == nil
}

// Write implements io.Writer; an OS error means the device is gone.
func (p *Port) Write(b []byte) (int, error) {
	select {
	case <-p.closed:
		return 0, fmt.Errorf("serial %s: %w", p.cfg.Path, os.ErrClosed)
	default:
	}
	n, err := p.tp.Write(b)
	if err != nil {
		p.setStatus(Disconnected)
		return n, fmt.Errorf("serial %s: %w: %w", p.cfg.Path, device.ErrDisconnected, err)
	}
	return n, nil
}

// Close releases the port; a pending Read returns os.ErrClosed.
func (p *Port) Close() error {
	var err error
	p.once.Do(func() {
		close(p.closed)
		p.setStatus(Disconnected)
		err = p.tp.Close()
	})
	return err
}
