// Package device holds the vocabulary shared by every device driver: the Port
// abstraction, sentinel errors and the protocol error users see. It is kept
// tiny and stdlib-only so that drivers, simulators and the GUI can agree on it
// without pulling in any transport.
package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Port is a byte stream to an instrument: a serial port, a pty, a pipe.
type Port interface {
	io.ReadWriteCloser
}

// ContextReader is implemented by ports whose reads can be abandoned when a
// context ends (device/serial.Port does). ReadContext prefers it.
type ContextReader interface {
	ReadContext(ctx context.Context, p []byte) (int, error)
}

// deadliner is implemented by *os.File (pollable), net.Conn and net.Pipe.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// userError is a sentinel with messages for users. Sentinels are compared with
// errors.Is; being their own type lets them carry UserMessage.
type userError struct{ en, zh string }

func (e *userError) Error() string { return e.en }

// UserMessage returns one sentence in lang ("zh" or "en").
func (e *userError) UserMessage(lang string) string {
	if lang == "en" {
		return e.en
	}
	return e.zh
}

var (
	// ErrDisconnected means the instrument went away (unplugged, cable cut,
	// peer closed). Callers may reconnect and retry; readings already delivered
	// stay delivered.
	ErrDisconnected error = &userError{
		en: "The instrument was disconnected. Check the cable and power, then read again.",
		zh: "仪器连接已断开。请检查数据线和电源后重新读取。",
	}
	// ErrTimeout means the instrument did not answer in time.
	ErrTimeout error = &userError{
		en: "The instrument did not answer in time. Make sure it is in data-transfer mode and read again.",
		zh: "仪器未在规定时间内应答。请确认仪器处于数据传输状态后重新读取。",
	}
)

// ProtocolError is a malformed or unexpected exchange with an instrument.
type ProtocolError struct {
	Driver string // driver name, e.g. "lz4000t"
	Op     string // what was being done, e.g. "handshake"
	Msg    string // English detail for logs
	Err    error  // underlying cause, may be nil
}

func (e *ProtocolError) Error() string {
	s := fmt.Sprintf("%s: %s: %s", e.Driver, e.Op, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// UserMessage tells the technician what went wrong and what to do.
func (e *ProtocolError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("The instrument (%s) sent data that could not be understood during %s (%s). Check the instrument model and port settings, then read again; readings already saved are kept.", e.Driver, e.Op, e.Msg)
	}
	return fmt.Sprintf("仪器（%s）在%s时返回了无法识别的数据（%s）。请核对仪器型号和串口设置后重新读取，已保存的数据不会丢失。", e.Driver, e.Op, e.Msg)
}

// ReadContext reads into p, returning early when ctx ends. It uses the
// port's own ReadContext if it has one, read deadlines if the port supports
// them, and otherwise a helper goroutine (which stays blocked in Read until
// the port delivers data or is closed — acceptable for pipes in tests only).
// When ctx's deadline passes the error wraps ErrTimeout; when ctx is
// cancelled it is ctx.Err().
func ReadContext(ctx context.Context, r io.Reader, p []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, ctxErr(ctx)
	}
	if cr, ok := r.(ContextReader); ok {
		return cr.ReadContext(ctx, p)
	}
	if d, ok := r.(deadliner); ok {
		if err := d.SetReadDeadline(time.Now().Add(time.Hour)); err == nil {
			return readWithDeadlines(ctx, r, d, p)
		}
	}
	type res struct {
		n   int
		err error
	}
	buf := make([]byte, len(p))
	ch := make(chan res, 1)
	go func() {
		n, err := r.Read(buf)
		ch <- res{n, err}
	}()
	select {
	case x := <-ch:
		copy(p, buf[:x.n])
		return x.n, x.err
	case <-ctx.Done():
		return 0, ctxErr(ctx)
	}
}

const pollInterval = 50 * time.Millisecond

func readWithDeadlines(ctx context.Context, r io.Reader, d deadliner, p []byte) (int, error) {
	defer d.SetReadDeadline(time.Time{})
	for {
		if err := ctx.Err(); err != nil {
			return 0, ctxErr(ctx)
		}
		dl := time.Now().Add(pollInterval)
		if cd, ok := ctx.Deadline(); ok && cd.Before(dl) {
			dl = cd
		}
		if err := d.SetReadDeadline(dl); err != nil {
			return 0, err
		}
		n, err := r.Read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
	}
}

func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", ErrTimeout, context.DeadlineExceeded)
	}
	return ctx.Err()
}
