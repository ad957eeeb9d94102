package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ReadLines reads a USB-CDC (virtual COM) scanner — or any byte stream such
// as stdin or a capture file — and calls out for every line. Lines end at
// CR, LF or CRLF (a CRLF split across two reads is still one terminator);
// empty lines are skipped. Bytes are decoded as UTF-8 when valid, else as
// GB18030 (noted "gb18030"). Trailing data without a terminator at EOF is
// a complete line (text-file semantics; noted "no-terminator"). A line
// longer than MaxScanLength bytes is cut and reported with ErrTooLong.
//
// ctx is checked between reads; a blocking Read is interrupted only by its
// owner closing r (device/serial ports do so on cancel).
func ReadLines(ctx context.Context, r io.Reader, out func(Scan)) error {
	var (
		line    []byte
		tooLong bool
		lastCR  bool
		buf     = make([]byte, 4096)
	)
	emit := func(notes ...string) {
		if len(line) == 0 && !tooLong {
			return
		}
		dec := decodeBytes(line)
		var sc Scan
		if tooLong {
			sc = Scan{Raw: dec.s, Kind: KindUnknown, Err: newErr(ErrTooLong, "", "line longer than %d bytes", MaxScanLength)}
		} else {
			sc = Parse(dec.s)
		}
		if dec.gb {
			sc.Notes = append(sc.Notes, "gb18030")
		}
		sc.Notes = append(sc.Notes, notes...)
		line, tooLong = line[:0], false
		out(sc)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == '\n' && lastCR:
				// second half of CRLF
			case c == '\r' || c == '\n':
				emit()
			default:
				if len(line) < MaxScanLength {
					line = append(line, c)
				} else {
					tooLong = true
				}
			}
			lastCR = c == '\r'
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				emit("no-terminator")
				return nil
			}
			emit("no-terminator")
			return fmt.Errorf("scanner: read line: %w", err)
		}
	}
}

// Source is one scanner feeding a Stream.
type Source struct {
	Name string
	// Read blocks, calling out per scan, until its input ends or ctx is
	// done. ReadLines and ReadScans fit via LineSource / HIDSource.
	Read func(ctx context.Context, out func(Scan)) error
}

// LineSource wraps a serial/stdin reader.
func LineSource(name string, r io.Reader) Source {
	return Source{Name: name, Read: func(ctx context.Context, out func(Scan)) error { return ReadLines(ctx, r, out) }}
}

// HIDSource wraps a boot-keyboard report reader.
func HIDSource(name string, r io.Reader) Source {
	return Source{Name: name, Read: func(ctx context.Context, out func(Scan)) error { return ReadScans(ctx, r, out) }}
}

// SourcedScan is a scan tagged with the scanner it came from.
type SourcedScan struct {
	Source string
	Scan   Scan
}

// Stream merges several scanners (e.g. a CDC scanner at the receiving desk
// and a HID scanner at the packing line) into one channel. Sources block
// when the consumer is slow rather than dropping scans.
type Stream struct {
	c    chan SourcedScan
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// NewStream starts one goroutine per source. The channel closes when all
// sources have returned; Err then reports their errors.
func NewStream(ctx context.Context, sources ...Source) *Stream {
	s := &Stream{c: make(chan SourcedScan, 16)}
	for _, src := range sources {
		s.wg.Add(1)
		go func(src Source) {
			defer s.wg.Done()
			err := src.Read(ctx, func(sc Scan) {
				select {
				case s.c <- SourcedScan{Source: src.Name, Scan: sc}:
				case <-ctx.Done():
				}
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("scanner %s: %w", src.Name, err))
				s.mu.Unlock()
			}
		}(src)
	}
	go func() {
		s.wg.Wait()
		close(s.c)
	}()
	return s
}

// Scans is the merged channel.
func (s *Stream) Scans() <-chan SourcedScan { return s.c }

// Err returns the joined source errors; call it after Scans is closed.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}
