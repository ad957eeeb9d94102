// Package analyzer turns the bytes of pesticide-residue rapid-test
// analyzers (农药残留速测仪) into typed readings. Each Driver knows one
// protocol: how to frame the byte stream (never assuming one read is one
// frame), how to run the instrument's request/response session and how to
// decode frames. Session runs a driver over a device.Port and hands every
// reading to a callback that must succeed (the store write) before the
// session moves on, so a failed write never loses a reading: the session
// stops and the next run reads it again (readings are deduplicated by Key).
package analyzer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Reading is one test result as the instrument reported it.
type Reading struct {
	Instrument    string    `json:"instrument"` // driver name
	Model         string    `json:"model,omitempty"`
	SerialNo      string    `json:"serial_no,omitempty"`
	RecordNo      string    `json:"record_no,omitempty"`
	TestedAt      time.Time `json:"tested_at"`
	Channel       int       `json:"channel"`
	SampleNo      string    `json:"sample_no,omitempty"`
	SampleName    string    `json:"sample_name,omitempty"`
	Item          string    `json:"item,omitempty"`
	ControlDeltaA *float64  `json:"control_delta_a,omitempty"`
	SampleDeltaA  *float64  `json:"sample_delta_a,omitempty"`
	Rate          *float64  `json:"rate,omitempty"` // inhibition %, as reported or computed from ΔA
	Value         *float64  `json:"value,omitempty"`
	Unit          string    `json:"unit,omitempty"`
	Result        string    `json:"result,omitempty"` // as the instrument states it, if it does
	Suspect       bool      `json:"suspect,omitempty"`
	Raw           []byte    `json:"raw"` // the exact frame(s) the reading came from
}

// Key identifies a reading across sessions so that re-reading an
// instrument (after a failed store write, a re-request or a reconnect)
// never creates a duplicate.
func (r Reading) Key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%d", r.Instrument, r.SerialNo, r.RecordNo, r.TestedAt.UTC().Format(time.RFC3339), r.Channel)
}

// Stats counts what happened on the wire during a session.
type Stats struct {
	BytesReceived int64 // every byte read from the port
	Frames        int64 // well-formed frames (checksum passed where there is one)
	CRCErrors     int64 // frames dropped for a bad checksum or implausible content
	Resyncs       int64 // times the deframer had to search for the next frame start
	BytesDropped  int64 // bytes discarded while resynchronising
	Readings      int64 // readings delivered to the callback
	Requests      int64 // re-requests sent because something was missing
	// Unexpected counts well-formed frames that were not what the driver
	// asked for (another command, a record of the wrong size): an
	// instrument of another model, or other settings, answering.
	Unexpected int64
}

func (s Stats) String() string {
	return fmt.Sprintf("bytes=%d frames=%d readings=%d crc_errors=%d unexpected=%d resyncs=%d bytes_dropped=%d re_requests=%d",
		s.BytesReceived, s.Frames, s.Readings, s.CRCErrors, s.Unexpected, s.Resyncs, s.BytesDropped, s.Requests)
}

// Frame is one complete unit cut from the byte stream by a Deframer.
type Frame struct {
	Raw []byte
}

// Deframer cuts a byte stream into frames. Feed accepts any chunking
// (byte by byte, many frames at once, garbage in between) and returns the
// frames completed so far; it never panics and never returns a frame that
// fails the protocol's checksum.
type Deframer interface {
	Feed(p []byte) []Frame
	Stats() Stats
}

// SerialParams are a driver's default line settings.
type SerialParams struct {
	Baud     int    `json:"baud"`
	DataBits int    `json:"data_bits,omitempty"`
	StopBits int    `json:"stop_bits,omitempty"`
	Parity   string `json:"parity,omitempty"`
}

// Driver is one instrument protocol.
type Driver interface {
	Name() string
	Serial() SerialParams
	NewDeframer() Deframer
	// Decode turns one frame into readings (none for control frames).
	Decode(f Frame) ([]Reading, error)
	// Run drives a whole session: handshakes, requests, re-requests. It
	// calls deliver for each reading and stops at the first deliver error.
	Run(ctx context.Context, c *Conn, deliver func(Reading) error) error
}

// Options tune a driver for a site.
type Options struct {
	From, To  time.Time      // date range for host-polled drivers; zero = the last 30 days
	SerialNo  string         // instrument serial when the protocol does not carry one
	Location  *time.Location // instrument clock zone; default time.Local
	Timeout   time.Duration  // how long to wait for an answer; default 3 s
	MaxPasses int            // re-requests after checksum errors; default 5
	Profile   *Profile       // for the "generic" driver
	// TaiYangHeader selects the 9-byte record header order: "16" (default;
	// the vendor's own examples decode only this way, even for TTNJ-8) or "8".
	TaiYangHeader string
	// TaiYangModel is the model byte assumed until the handshake reports
	// one (decoding captured records); default 0x01 TTNJ-8.
	TaiYangModel byte
}

func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.MaxPasses <= 0 {
		o.MaxPasses = 5
	}
	if o.To.IsZero() {
		o.To = time.Now().In(o.Location)
	}
	if o.From.IsZero() {
		o.From = o.To.AddDate(0, 0, -30)
	}
	if o.TaiYangHeader == "" {
		o.TaiYangHeader = "16"
	}
	return o
}

var constructors = map[string]func(Options) (Driver, error){}

func register(name string, f func(Options) (Driver, error)) { constructors[name] = f }

// Names lists the built-in drivers.
func Names() []string {
	var n []string
	for k := range constructors {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// New returns the named driver.
func New(name string, o Options) (Driver, error) {
	f, ok := constructors[strings.ToLower(name)]
	if !ok {
		return nil, &UnknownDriverError{Name: name}
	}
	return f(o.withDefaults())
}

// UnknownDriverError is returned by New for a name it does not know.
type UnknownDriverError struct{ Name string }

func (e *UnknownDriverError) Error() string {
	return fmt.Sprintf("analyzer: unknown driver %q (known: %s)", e.Name, strings.Join(Names(), ", "))
}

// UserMessage lists the drivers the technician can choose.
func (e *UnknownDriverError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("Unknown analyzer type %q. Choose one of: %s.", e.Name, strings.Join(Names(), ", "))
	}
	return fmt.Sprintf("未知的速测仪类型“%s”。请选择：%s。", e.Name, strings.Join(Names(), "、"))
}

func f64(v float64) *float64 { return &v }
