package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"suyuan/device"
)

// Conn is what a driver's Run talks through: it writes requests and hands
// back whole frames, however the bytes were chunked on the wire.
type Conn struct {
	port  device.Port
	df    Deframer
	queue []Frame
	buf   []byte
	stats Stats // Readings and Requests; wire counters come from df
}

// NewConn wraps port with driver d's deframer.
func NewConn(port device.Port, d Driver) *Conn {
	return &Conn{port: port, df: d.NewDeframer(), buf: make([]byte, 4096)}
}

// Send writes a request.
func (c *Conn) Send(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.port.Write(b); err != nil {
		return fmt.Errorf("analyzer: write: %w", err)
	}
	return nil
}

// Next returns the next frame, waiting at most timeout for it. A silent
// instrument gives an error wrapping device.ErrTimeout.
func (c *Conn) Next(ctx context.Context, timeout time.Duration) (Frame, error) {
	if len(c.queue) > 0 {
		f := c.queue[0]
		c.queue = c.queue[1:]
		return f, nil
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		n, err := device.ReadContext(tctx, c.port, c.buf)
		if n > 0 {
			c.stats.BytesReceived += int64(n)
			c.queue = append(c.queue, c.df.Feed(c.buf[:n])...)
			if len(c.queue) > 0 {
				f := c.queue[0]
				c.queue = c.queue[1:]
				return f, nil
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return Frame{}, ctx.Err()
			}
			if errors.Is(err, device.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
				return Frame{}, fmt.Errorf("analyzer: no frame within %v: %w", timeout, device.ErrTimeout)
			}
			if errors.Is(err, io.EOF) {
				return Frame{}, fmt.Errorf("analyzer: %w", device.ErrDisconnected)
			}
			return Frame{}, fmt.Errorf("analyzer: read: %w", err)
		}
	}
}

// Flush tells the deframer the stream is over (a passive transfer ended)
// so it can count what it still holds; deframers without a Flush method
// hold nothing that matters.
func (c *Conn) Flush() {
	if f, ok := c.df.(interface{ Flush() }); ok {
		f.Flush()
	}
}

// Drain discards queued frames (used before a re-request).
func (c *Conn) Drain() { c.queue = nil }

// Stats returns the counters so far.
func (c *Conn) Stats() Stats {
	s := c.df.Stats()
	s.Readings, s.Requests = c.stats.Readings, c.stats.Requests
	s.BytesReceived, s.Unexpected = c.stats.BytesReceived, c.stats.Unexpected
	return s
}

// NoteRequest counts a re-request.
func (c *Conn) NoteRequest() { c.stats.Requests++ }

// NoteUnexpected counts a well-formed frame that is not what the driver
// asked for (another command, a record of another size).
func (c *Conn) NoteUnexpected() { c.stats.Unexpected++ }

// DeliverError wraps a failure of the reading callback (e.g. the store
// write); the session stopped before acknowledging or moving past it.
type DeliverError struct{ Err error }

func (e *DeliverError) Error() string { return "analyzer: saving reading failed: " + e.Err.Error() }
func (e *DeliverError) Unwrap() error { return e.Err }

// Session runs driver d over port and calls deliver for every reading, in
// order, before the driver acknowledges or asks for more. If deliver fails
// the session stops at once and returns a *DeliverError; nothing after the
// failed reading is consumed beyond what the instrument already sent, and
// the next session reads it again. Readings get Instrument = d.Name() and
// are never delivered twice within one session.
func Session(ctx context.Context, port device.Port, d Driver, deliver func(Reading) error) (Stats, error) {
	c := NewConn(port, d)
	seen := map[string]bool{}
	err := d.Run(ctx, c, func(r Reading) error {
		if r.Instrument == "" {
			r.Instrument = d.Name()
		}
		k := r.Key()
		if seen[k] {
			return nil
		}
		if err := deliver(r); err != nil {
			return &DeliverError{Err: err}
		}
		seen[k] = true
		c.stats.Readings++
		return nil
	})
	return c.Stats(), err
}

// FailureKind says what went wrong when an instrument could not be read,
// from what actually arrived on the wire.
type FailureKind int

const (
	// NoAnswer: not a byte came back.
	NoAnswer FailureKind = iota + 1
	// UnexpectedReply: well-formed frames came back, but not the ones this
	// driver asks for: an instrument of another model, or other settings.
	UnexpectedReply
	// DamagedData: bytes came back that could not be read (checksum
	// errors, implausible records, garbage), even after re-requests.
	DamagedData
	// MissingRecords: the instrument announced more records than it sent,
	// and nothing that arrived was damaged.
	MissingRecords
)

func (k FailureKind) String() string {
	switch k {
	case NoAnswer:
		return "no answer"
	case UnexpectedReply:
		return "unexpected reply"
	case DamagedData:
		return "damaged data"
	case MissingRecords:
		return "missing records"
	}
	return "unknown"
}

// ReadError is a session that could not read what it asked for. Kind comes
// from the wire counters of the failed operation; Stats are the session's
// counters at the time, which the message quotes.
type ReadError struct {
	Kind     FailureKind
	Driver   string
	Op       string // what was being done, English, for logs
	Stats    Stats  // session counters when it failed
	Expected int    // records the instrument announced, 0 if unknown
	Missing  int    // of those, not read; 0 if unknown
	Passes   int    // requests sent for the operation
	Err      error  // underlying cause (device.ErrTimeout for silence), may be nil
}

func (e *ReadError) Error() string {
	s := fmt.Sprintf("analyzer %s: %s: %s (%v", e.Driver, e.Op, e.Kind, e.Stats)
	if e.Expected > 0 {
		s += fmt.Sprintf(", %d of %d records missing", e.Missing, e.Expected)
	}
	s += fmt.Sprintf(", %d requests)", e.Passes)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ReadError) Unwrap() error { return e.Err }

// UserMessage says what happened, with the counts, and what to do.
func (e *ReadError) UserMessage(lang string) string {
	st := e.Stats
	en := lang == "en"
	counts := fmt.Sprintf("收到 %d 字节，%d 帧损坏，%d 帧无法识别，已读取 %d 条读数", st.BytesReceived, st.CRCErrors, st.Unexpected, st.Readings)
	if en {
		counts = fmt.Sprintf("%d bytes received, %d frames damaged, %d frames not recognised, %d readings read", st.BytesReceived, st.CRCErrors, st.Unexpected, st.Readings)
	}
	switch e.Kind {
	case NoAnswer:
		if en {
			return fmt.Sprintf("The analyzer did not answer (%s, %d requests, not a byte came back). Check that it is switched on and in its connect/data-transfer screen, that the cable is plugged in and that the right port is chosen, then read again.", e.Driver, e.Passes)
		}
		return fmt.Sprintf("速测仪没有应答（%s，请求 %d 次，未收到任何数据）。请确认仪器已开机并处于联机/数据传输界面、数据线已接好、所选串口正确，然后重新读取。", e.Driver, e.Passes)
	case UnexpectedReply:
		if en {
			return fmt.Sprintf("An instrument answered, but not as a %s does (%s). The analyzer type or the line settings (baud rate, parity) are probably wrong: choose the instrument's model and settings, then read again. Readings already saved are kept.", e.Driver, counts)
		}
		return fmt.Sprintf("仪器有应答，但不是“%s”类型仪器的应答（%s）。很可能选错了仪器型号或串口设置（波特率、校验位）：请选择正确的型号和设置后重新读取，已保存的读数不会丢失。", e.Driver, counts)
	case MissingRecords:
		if en {
			return fmt.Sprintf("The analyzer announced %d records but sent only %d, and nothing that arrived was damaged (%s). Check the records in the instrument's memory, then read again; readings already saved are kept.", e.Expected, e.Expected-e.Missing, counts)
		}
		return fmt.Sprintf("仪器报告有 %d 条记录，但只发送了 %d 条，收到的数据没有损坏（%s）。请在仪器上查看存储的记录后重新读取，已保存的读数不会丢失。", e.Expected, e.Expected-e.Missing, counts)
	}
	if e.Passes == 0 { // a passive stream: nothing can be asked again
		if en {
			return fmt.Sprintf("Some records from the analyzer arrived damaged and were not imported (%s). Print or send those records again from the instrument; readings already saved are kept.", counts)
		}
		return fmt.Sprintf("仪器发来的部分记录已损坏，未导入（%s）。请在仪器上重新打印或发送这些记录，已保存的读数不会丢失。", counts)
	}
	miss := ""
	if e.Expected > 0 {
		miss = fmt.Sprintf("，仍缺 %d 条记录", e.Missing)
		if en {
			miss = fmt.Sprintf(", %d records still missing", e.Missing)
		}
	}
	if en {
		return fmt.Sprintf("The analyzer's data arrived damaged even after %d requests (%s%s). Check the cable and its plugs (loose contact, interference from motors or power lines) and the baud rate, then read again; readings already saved are kept.", e.Passes, counts, miss)
	}
	return fmt.Sprintf("重试 %d 次后，仪器发来的数据仍然损坏（%s%s）。请检查数据线和接头（接触不良、电机或电源线干扰）以及波特率，然后重新读取，已保存的读数不会丢失。", e.Passes, counts, miss)
}

// failure builds the ReadError for an operation that started when the
// session's counters were before: silence is NoAnswer; frames that failed
// their check (or, without a checksum, implausible records) DamagedData;
// any other bytes — well-formed frames of another kind, or bytes that are
// no frame of this protocol at all — UnexpectedReply (another model, or
// the wrong baud rate). kind overrides the classification when not zero.
func (c *Conn) failure(driver, op string, before Stats, kind FailureKind, passes, expected, missing int, cause error) error {
	now := c.Stats()
	if kind == 0 {
		switch {
		case now.BytesReceived == before.BytesReceived:
			kind = NoAnswer
		case now.CRCErrors > before.CRCErrors:
			kind = DamagedData
		default:
			kind = UnexpectedReply
		}
	}
	return &ReadError{Kind: kind, Driver: driver, Op: op, Stats: now, Expected: expected, Missing: missing, Passes: passes, Err: cause}
}
