// Package scanhub is the Fyne-free half of scanner input: it runs the
// scanner the site chose in Settings — a USB-CDC (virtual COM) scanner
// through device/serial or a raw USB HID scanner through device/usb — keeps
// it connected across unplugging, reports its state for Home, and hands
// every parsed scan to whichever screen currently holds the scan target.
//
// The keyboard-wedge path needs no hub: the scanner types into the focused
// widgets.ScanEntry, which classifies the keys itself. A screen therefore
// receives scans the same way in all three modes (ScanEntry.OnScan), and the
// hub's job is only to bring device scans to that same place.
//
// Why a hub rather than each screen opening the port: a serial port or a
// USB interface can be opened by one owner at a time, and the packing line
// must not lose the scanner because a screen was switched. The hub owns the
// device for the whole window's life; screens come and go as targets.
package scanhub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"suyuan/device"
	"suyuan/device/printer"
	"suyuan/device/scanner"
	"suyuan/device/serial"
	"suyuan/device/usb"
)

// Mode is the scanner connection chosen in Settings. The values are the
// ones stored under store.SettingScannerMode (app.ScannerWedge, …).
type Mode string

// The modes.
const (
	ModeWedge  Mode = "wedge"  // keyboard wedge: nothing for the hub to run
	ModeSerial Mode = "serial" // USB-CDC / RS-232 scanner on a serial port
	ModeHID    Mode = "hid"    // raw USB HID boot-keyboard reports via libusb
)

// Config selects and addresses the scanner.
type Config struct {
	Mode Mode
	// Serial is the port of a ModeSerial scanner. A /dev/serial/by-id link
	// (or a COM name) stays the same when the scanner is replugged, so the
	// hub can reopen it.
	Serial serial.Config
	// USB selects a ModeHID scanner. VID and PID are required: matching
	// "any boot keyboard" would take the site's own keyboard away from the
	// system (device/usb detaches the kernel driver of what it opens).
	USB usb.Match
}

// Device names the configured device for status lines and logs.
func (c Config) Device() string {
	switch c.Mode {
	case ModeSerial:
		return c.Serial.Path
	case ModeHID:
		s := fmt.Sprintf("usb %04x:%04x", c.USB.VID, c.USB.PID)
		if c.USB.Serial != "" {
			s += " " + c.USB.Serial
		}
		return s
	}
	return ""
}

// State is the connection state shown on Home.
type State int

// The states.
const (
	// StateOff: no device runs (wedge mode, or the hub is stopped).
	StateOff State = iota
	// StateConnected: the device is open and scans flow.
	StateConnected
	// StateReconnecting: the device is missing or was unplugged; the hub
	// keeps trying to reopen it.
	StateReconnecting
	// StateFailed: the hub gave up (a configuration the device layer
	// rejects, or a build without libusb); Status.Err says why.
	StateFailed
)

func (s State) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "disconnected"
	case StateFailed:
		return "failed"
	}
	return "off"
}

// Status is the hub's state for Home.
type Status struct {
	Mode   Mode
	State  State
	Device string // Config.Device()
	// Err is why the device is not connected (nil when connected or off).
	// It usually implements UserMessage.
	Err error
	At  time.Time
	// Scans counts scans received since Start; Unrouted how many of them
	// arrived while no screen held the target.
	Scans, Unrouted int
}

// Target receives scans. The hub calls it on its own goroutine, one scan at
// a time and in arrival order; a GUI target hands the scan to the UI
// goroutine (fyne.Do) and returns at once.
type Target func(scanner.SourcedScan)

// Options are the hub's fixed parts. Zero values take the defaults.
type Options struct {
	// OpenSerial opens a serial port (default serial.Open).
	OpenSerial func(context.Context, serial.Config) (*serial.Port, error)
	// OpenHID opens a HID scanner's report stream (default
	// usb.OpenHIDScanner). Tests pass synthetic boot reports here.
	OpenHID func(context.Context, usb.Match) (io.ReadCloser, error)
	// MinBackoff / MaxBackoff bound the wait between reopen attempts
	// (defaults 200 ms and 5 s, as serial.Supervisor).
	MinBackoff, MaxBackoff time.Duration
	// OnStatus is called after every state change, on a hub goroutine;
	// it must not block.
	OnStatus func(Status)
	// OnUnrouted is called with a scan that arrived while no screen held
	// the target (e.g. on Home). The hub does not keep it: delivering it
	// later to whatever screen opens next could file it in the wrong place.
	OnUnrouted func(scanner.SourcedScan)
}

// Hub runs at most one scanner configuration at a time.
type Hub struct {
	o Options

	// runMu serialises Start/Stop.
	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	st       Status
	gen      int // run generation: status from a stopped run is ignored
	target   Target
	targetID uint64
	nextID   uint64
}

// New returns a stopped hub.
func New(o Options) *Hub {
	if o.OpenSerial == nil {
		o.OpenSerial = serial.Open
	}
	if o.OpenHID == nil {
		o.OpenHID = usb.OpenHIDScanner
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	return &Hub{o: o, st: Status{Mode: ModeWedge, State: StateOff}}
}

// Start stops whatever runs and runs cfg until ctx ends or Stop. Wedge mode
// runs nothing (the GUI's ScanEntry reads the keyboard). A configuration
// that cannot work at all is returned and also shown as StateFailed; a
// device that is merely absent is waited for (StateReconnecting).
func (h *Hub) Start(ctx context.Context, cfg Config) error {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.stopLocked()

	h.mu.Lock()
	h.gen++
	gen := h.gen
	h.st = Status{Mode: cfg.Mode, State: StateOff, Device: cfg.Device(), At: time.Now()}
	h.mu.Unlock()

	var src scanner.Source
	switch cfg.Mode {
	case ModeWedge, "":
		h.setStatus(gen, StateOff, nil)
		return nil
	case ModeSerial:
		if strings.TrimSpace(cfg.Serial.Path) == "" {
			err := &ConfigError{Mode: cfg.Mode}
			h.setStatus(gen, StateFailed, err)
			return err
		}
		src = scanner.Source{Name: "serial:" + cfg.Serial.Path, Read: func(ctx context.Context, out func(scanner.Scan)) error {
			return h.runSerial(ctx, gen, cfg.Serial, out)
		}}
	case ModeHID:
		if cfg.USB.VID == 0 || cfg.USB.PID == 0 {
			// Never "the first keyboard": that would detach the site's
			// own keyboard from the system.
			err := &ConfigError{Mode: cfg.Mode}
			h.setStatus(gen, StateFailed, err)
			return err
		}
		src = scanner.Source{Name: "hid:" + cfg.Device(), Read: func(ctx context.Context, out func(scanner.Scan)) error {
			return h.runHID(ctx, gen, cfg.USB, out)
		}}
	default:
		err := &ConfigError{Mode: cfg.Mode}
		h.setStatus(gen, StateFailed, err)
		return err
	}

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	h.cancel, h.done = cancel, done
	stream := scanner.NewStream(rctx, src)
	go func() {
		defer close(done)
		for ss := range stream.Scans() {
			h.deliver(ss)
		}
		if err := stream.Err(); err != nil && rctx.Err() == nil {
			h.setStatus(gen, StateFailed, err)
		}
	}()
	return nil
}

// Stop ends the running configuration and waits until the device is
// closed (so a restart can open the same port at once).
func (h *Hub) Stop() {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.stopLocked()
	h.mu.Lock()
	h.gen++
	h.st.State, h.st.Err, h.st.At = StateOff, nil, time.Now()
	st := h.st
	h.mu.Unlock()
	if h.o.OnStatus != nil {
		h.o.OnStatus(st)
	}
}

func (h *Hub) stopLocked() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel, h.done = nil, nil
	}
}

// Status returns the current state.
func (h *Hub) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}

// SetTarget makes t the receiver of scans from now on (the screen that was
// shown or focused last wins). release gives the target up, but only if t
// is still the current one, so a screen closing late cannot take the
// target from the screen that replaced it.
func (h *Hub) SetTarget(t Target) (release func()) {
	h.mu.Lock()
	h.nextID++
	id := h.nextID
	h.target, h.targetID = t, id
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		if h.targetID == id {
			h.target, h.targetID = nil, 0
		}
		h.mu.Unlock()
	}
}

// deliver hands one scan to the target (or OnUnrouted).
func (h *Hub) deliver(ss scanner.SourcedScan) {
	h.mu.Lock()
	t := h.target
	h.st.Scans++
	if t == nil {
		h.st.Unrouted++
	}
	h.mu.Unlock()
	if t != nil {
		t(ss)
		return
	}
	if h.o.OnUnrouted != nil {
		h.o.OnUnrouted(ss)
	}
}

func (h *Hub) setStatus(gen int, s State, err error) {
	h.mu.Lock()
	if gen != h.gen {
		h.mu.Unlock()
		return
	}
	h.st.State, h.st.Err, h.st.At = s, err, time.Now()
	st := h.st
	h.mu.Unlock()
	if h.o.OnStatus != nil {
		h.o.OnStatus(st)
	}
}

// runSerial keeps a serial scanner open with serial.Supervisor and reads
// lines from it.
func (h *Hub) runSerial(ctx context.Context, gen int, cfg serial.Config, out func(scanner.Scan)) error {
	sup := &serial.Supervisor{
		Config:     cfg,
		MinBackoff: h.o.MinBackoff,
		MaxBackoff: h.o.MaxBackoff,
		Open:       h.o.OpenSerial,
		OnStatus: func(ev serial.StatusEvent) {
			switch ev.Status {
			case serial.Connected:
				h.setStatus(gen, StateConnected, nil)
			default:
				if ctx.Err() == nil {
					h.setStatus(gen, StateReconnecting, ev.Err)
				}
			}
		},
	}
	err := sup.Run(ctx, func(ctx context.Context, p *serial.Port) error {
		// A blocked Read ends only when the port closes.
		stop := context.AfterFunc(ctx, func() { p.Close() })
		defer stop()
		err := scanner.ReadLines(ctx, p, func(sc scanner.Scan) { out(cutOff(sc)) })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			// ReadLines ends cleanly only at EOF: for a device, gone.
			err = fmt.Errorf("scanner %s: end of stream: %w", cfg.Path, device.ErrDisconnected)
		}
		return err
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// cutOff marks a line that ended without its terminator — the device went
// away mid-scan — as incomplete instead of passing a truncated code on as
// if it were whole (a cut-off URL or lot code can still parse as another
// valid code). Raw keeps what arrived.
func cutOff(sc scanner.Scan) scanner.Scan {
	for _, n := range sc.Notes {
		if n == "no-terminator" && sc.Err == nil {
			return scanner.Scan{Raw: sc.Raw, Kind: scanner.KindUnknown, Notes: sc.Notes,
				Err: &scanner.ScanError{Reason: scanner.ErrIncomplete, Detail: fmt.Sprintf("line ended after %d characters without CR/LF", len([]rune(sc.Raw)))}}
		}
	}
	return sc
}

// runHID keeps a HID scanner open, reopening it with backoff when it
// disappears; there is no serial-style supervisor for libusb handles.
func (h *Hub) runHID(ctx context.Context, gen int, m usb.Match, out func(scanner.Scan)) error {
	backoff := h.o.MinBackoff
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := h.o.OpenHID(ctx, m)
		if err != nil {
			if errors.Is(err, printer.ErrUnsupported) {
				// No libusb in this build or on this machine: retrying
				// cannot help.
				h.setStatus(gen, StateFailed, err)
				return err
			}
			h.setStatus(gen, StateReconnecting, err)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff = min(backoff*2, h.o.MaxBackoff)
			continue
		}
		backoff = h.o.MinBackoff
		h.setStatus(gen, StateConnected, nil)
		stop := context.AfterFunc(ctx, func() { r.Close() })
		err = scanner.ReadScans(ctx, r, out)
		stop()
		r.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			err = fmt.Errorf("scanner hid: end of reports: %w", device.ErrDisconnected)
		}
		h.setStatus(gen, StateReconnecting, err)
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
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

// ConfigError is a scanner mode that cannot run as configured.
type ConfigError struct {
	Mode Mode
}

func (e *ConfigError) Error() string {
	switch e.Mode {
	case ModeSerial:
		return "scanhub: serial scanner without a port"
	case ModeHID:
		return "scanhub: HID scanner without a USB vendor:product id"
	}
	return fmt.Sprintf("scanhub: unknown scanner mode %q", string(e.Mode))
}

// UserMessage says what to set.
func (e *ConfigError) UserMessage(lang string) string {
	switch e.Mode {
	case ModeSerial:
		if lang == "en" {
			return "The scanner is set to serial port mode but no port is chosen. Choose the scanner's port in Settings > Devices."
		}
		return "扫码枪设为串口模式，但未选择串口。请在“设置 > 设备”中选择扫码枪所在的串口。"
	case ModeHID:
		if lang == "en" {
			return "The scanner is set to USB HID mode but its USB id is not set. Enter the scanner's vendor:product id (e.g. 0c2e:0b61) in Settings > Devices."
		}
		return "扫码枪设为 USB HID 模式，但未填写其 USB 编号。请在“设置 > 设备”中填写扫码枪的 厂商:产品 编号（如 0c2e:0b61）。"
	}
	if lang == "en" {
		return fmt.Sprintf("Unknown scanner mode %q. Choose a scanner mode again in Settings > Devices.", string(e.Mode))
	}
	return fmt.Sprintf("未知的扫码枪模式“%s”。请在“设置 > 设备”中重新选择扫码枪模式。", string(e.Mode))
}
