package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"suyuan/device/printer"
)

// Server is a virtual raw-TCP (port 9100) label printer: every label a
// client prints is written to OutDir as label-NNNNNN.png.
type Server struct {
	OutDir string
	DPI    int               // print head resolution for TSPL sizes (default 203)
	Log    io.Writer         // one line per label and per bad job (default: none)
	Idle   time.Duration     // close a connection idle this long (default 2 min)
	Saved  func(path string) // called after each PNG is in place (optional)

	// DropAt is a fault for tests and demos: the DropAt-th label received
	// (counting from 1 over the server's life) is not printed; instead the
	// connection is reset, as when a printer loses power mid-job. Later
	// labels, on a new connection, print normally. 0 = no fault.
	DropAt int

	mu       sync.Mutex
	next     int // PNGs in OutDir
	received int // labels received (printed or dropped)
}

// errDrop ends a connection on the DropAt fault.
var errDrop = errors.New("sim printer: simulated power loss")

// tsplReady is the <ESC>!? reply "no error"; zplStatus is a ~HS reply with
// paper, pause and buffer flags all clear.
var (
	tsplReady = []byte{0x00}
	zplStatus = []byte("\x02030,0,0,0480,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n")
)

// Serve runs a 203-dpi simulator on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, outDir string) error {
	return (&Server{OutDir: outDir}).Serve(ctx, ln)
}

// Serve accepts connections until ctx is cancelled, then closes ln and waits
// for open connections to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.DPI <= 0 {
		s.DPI = 203
	}
	if s.Idle <= 0 {
		s.Idle = 2 * time.Minute
	}
	if err := os.MkdirAll(s.OutDir, 0o755); err != nil {
		return fmt.Errorf("sim printer: %w", err)
	}
	existing, _ := filepath.Glob(filepath.Join(s.OutDir, "label-*.png"))
	s.mu.Lock()
	s.next = len(existing)
	s.mu.Unlock()

	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	conns := map[net.Conn]bool{}
	var cmu sync.Mutex
	defer func() {
		cmu.Lock()
		for c := range conns {
			c.Close()
		}
		cmu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("sim printer accept: %w", err)
		}
		cmu.Lock()
		conns[c] = true
		cmu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { cmu.Lock(); delete(conns, c); cmu.Unlock(); c.Close() }()
			s.handle(c)
		}()
	}
}

type idleReader struct {
	c    net.Conn
	idle time.Duration
}

func (r idleReader) Read(p []byte) (int, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(r.idle))
	return r.c.Read(p)
}

func (s *Server) handle(c net.Conn) {
	status := func(q string) error {
		reply := tsplReady
		if q == StatusZPL {
			reply = zplStatus
		}
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Write(reply)
		return err
	}
	err := InterpretStatus(idleReader{c, s.Idle}, s.DPI, func(l Label) error {
		s.mu.Lock()
		s.received++
		drop := s.received == s.DropAt
		s.mu.Unlock()
		if drop {
			return errDrop
		}
		path, err := s.save(l.Img)
		if err != nil {
			return err
		}
		s.logf("%s label %dx%d -> %s\n", l.Lang, l.Img.Width, l.Img.Height, path)
		if s.Saved != nil {
			s.Saved(path)
		}
		return nil
	}, status)
	if errors.Is(err, errDrop) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, not a polite close
		}
		s.logf("label dropped (simulated power loss); connection from %s reset\n", c.RemoteAddr())
		return
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.logf("job from %s rejected: %v\n", c.RemoteAddr(), err)
	}
}

// save writes the PNG atomically (temp file + rename) so a watcher never
// sees half a file.
func (s *Server) save(img *printer.Bitmap) (string, error) {
	data, err := printer.EncodePNG(img)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.next++
	name := filepath.Join(s.OutDir, fmt.Sprintf("label-%06d.png", s.next))
	s.mu.Unlock()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("sim printer save: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return "", fmt.Errorf("sim printer save: %w", err)
	}
	return name, nil
}

func (s *Server) logf(format string, a ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, format, a...)
	}
}
