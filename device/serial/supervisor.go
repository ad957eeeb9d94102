package serial

import (
	"context"
	"errors"
	"time"

	"suyuan/device"
)

// StatusEvent is one change of connection state.
type StatusEvent struct {
	Path   string
	Status Status
	Err    error // why the port was lost or could not be reopened; nil when connected
	At     time.Time
}

// Supervisor keeps a session running on a port across unplugging: when the
// session fails with device.ErrDisconnected it closes the port and reopens
// the same path (a /dev/serial/by-id link or COM name stays stable across
// replugging) with exponential backoff, then runs the session again.
// Sessions must therefore be idempotent (readings are deduplicated by key).
type Supervisor struct {
	Config     Config
	MinBackoff time.Duration                                // default 200 ms
	MaxBackoff time.Duration                                // default 5 s
	OnStatus   func(StatusEvent)                            // optional; called synchronously
	Open       func(context.Context, Config) (*Port, error) // default Open; for tests
}

// Run opens the port and runs session until it returns nil (done), an error
// other than ErrDisconnected (returned), or ctx ends (ctx.Err()).
func (s *Supervisor) Run(ctx context.Context, session func(ctx context.Context, p *Port) error) error {
	minB, maxB := s.MinBackoff, s.MaxBackoff
	if minB <= 0 {
		minB = 200 * time.Millisecond
	}
	if maxB < minB {
		maxB = 5 * time.Second
		if maxB < minB {
			maxB = minB
		}
	}
	open := s.Open
	if open == nil {
		open = Open
	}
	backoff := minB
	first := true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := open(ctx, s.Config)
		if err != nil {
			if !first || isTransient(err) {
				s.emit(Reconnecting, err)
				if !sleep(ctx, backoff) {
					return ctx.Err()
				}
				backoff = min(backoff*2, maxB)
				first = false
				continue
			}
			s.emit(Disconnected, err)
			return err
		}
		first = false
		backoff = minB
		s.emit(Connected, nil)
		err = session(ctx, p)
		p.Close()
		if err == nil {
			s.emit(Disconnected, nil)
			return nil
		}
		if !errors.Is(err, device.ErrDisconnected) {
			s.emit(Disconnected, err)
			return err
		}
		s.emit(Disconnected, err)
	}
}

// isTransient: a missing path on the first attempt is worth waiting for
// (the adapter may still be enumerating); a bad configuration is not.
func isTransient(err error) bool {
	return !errors.Is(err, ErrConfig)
}

func (s *Supervisor) emit(st Status, err error) {
	if s.OnStatus != nil {
		s.OnStatus(StatusEvent{Path: s.Config.Path, Status: st, Err: err, At: time.Now()})
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
