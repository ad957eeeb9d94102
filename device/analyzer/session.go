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

// Drain discards queued frames (used before a re-request).
func (c *Conn) Drain() { c.queue = nil }

// Stats returns the counters so far.
func (c *Conn) Stats() Stats {
	s := c.df.Stats()
	s.Readings, s.Requests = c.stats.Readings, c.stats.Requests
	return s
}

// NoteRequest counts a re-request.
func (c *Conn) NoteRequest() { c.stats.Requests++ }

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
