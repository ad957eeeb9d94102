package analyzer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"suyuan/device"
)

// TaiYang (泰扬/欣泰阳) TTNJ / TTJ serial protocol: host 1B BF -> device
// 1B <model>; host 1B B1 -> device 1B C1 + 73-byte records; device 1B FE at
// the end; host 1B FF to disconnect. No checksum: the deframer validates
// record content instead (see docs/analyzers.md).

const (
	tyEsc         = 0x1B
	TaiYangHello  = 0xBF
	TaiYangGet    = 0xB1
	TaiYangData   = 0xC1
	TaiYangEnd    = 0xFE
	TaiYangBye    = 0xFF
	TaiYangOldOK  = 0xCF // older firmware answers 1B CF before 1B <model>
	TaiYangRecLen = 73
)

// TaiYangModels maps the model byte to its name (vendor table).
var TaiYangModels = map[byte]string{
	0x01: "TTNJ-8", 0x02: "TTNJ-16", 0x03: "TTNJ-32", 0x04: "TTNJ-24",
	0x11: "TTJ-10H8", 0x12: "TTJ-8H8", 0x13: "TTJ-4H8", 0x15: "TTJ-4H8",
	0x21: "TTJ-8H16", 0x22: "TTJ-6H16", 0x23: "TTJ-4H16", 0x24: "TTJ-8H24",
	0x31: "TTJ-10H32", 0x32: "TTJ-8H32", 0x33: "TTJ-4H32",
}

// TaiYangHeader is the decoded 9-byte record header.
type TaiYangHeader struct {
	Count                         int
	Year, Month, Day, H, Min, Sec int
	SampleType                    int
}

// ParseTaiYangHeader decodes b[0:9] in order "16" (s, min, h, day, month,
// type, year, count-lo, count-hi) or "8" (count-lo, s, min, h, day, month,
// type, year, count-hi).
func ParseTaiYangHeader(b []byte, order string) TaiYangHeader {
	if order == "8" {
		return TaiYangHeader{Count: int(b[0]) | int(b[8])<<8, Sec: int(b[1]), Min: int(b[2]), H: int(b[3]), Day: int(b[4]), Month: int(b[5]), SampleType: int(b[6]), Year: 2000 + int(b[7])}
	}
	return TaiYangHeader{Sec: int(b[0]), Min: int(b[1]), H: int(b[2]), Day: int(b[3]), Month: int(b[4]), SampleType: int(b[5]), Year: 2000 + int(b[6]), Count: int(b[7]) | int(b[8])<<8}
}

// EncodeTaiYangHeader is the inverse of ParseTaiYangHeader.
func EncodeTaiYangHeader(h TaiYangHeader, order string) []byte {
	y := byte(h.Year - 2000)
	if order == "8" {
		return []byte{byte(h.Count), byte(h.Sec), byte(h.Min), byte(h.H), byte(h.Day), byte(h.Month), byte(h.SampleType), y, byte(h.Count >> 8)}
	}
	return []byte{byte(h.Sec), byte(h.Min), byte(h.H), byte(h.Day), byte(h.Month), byte(h.SampleType), y, byte(h.Count), byte(h.Count >> 8)}
}

func (h TaiYangHeader) valid() bool {
	return h.Month >= 1 && h.Month <= 12 && h.Day >= 1 && h.Day <= 31 && h.H < 24 && h.Min < 60 && h.Sec < 60 && h.Year < 2100
}

// plausibleFloat: zero (empty channel) or a normal number of sane size.
// Misaligned bytes tend to give denormals, NaN or huge exponents.
func plausibleFloat(b []byte, lo, hi float64) bool {
	u := binary.BigEndian.Uint32(b)
	if u == 0 {
		return true
	}
	f := float64(math.Float32frombits(u))
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) < 1e-4 {
		return false
	}
	return f >= lo && f <= hi
}

// TaiYangRecordPlausible is the deframer's substitute for a checksum.
func TaiYangRecordPlausible(rec []byte, order string) bool {
	if len(rec) != TaiYangRecLen || !ParseTaiYangHeader(rec, order).valid() {
		return false
	}
	for ch := 0; ch < 8; ch++ {
		o := 9 + ch*8
		if !plausibleFloat(rec[o:o+4], -10, 10) || !plausibleFloat(rec[o+4:o+8], -1000, 1000) {
			return false
		}
	}
	return true
}

// TaiYangDeframer returns 2-byte control frames (1B xx) and 73-byte
// records. Records are only expected between 1B C1 and 1B FE/FF.
//
// The protocol has no checksum, so a damaged record cannot be told apart
// from line noise byte by byte; but a record is 73 bytes, so a run of at
// least 73 bytes dropped between two frames of a transfer means at least
// one record was lost. Each such loss is counted in CRCErrors (damaged
// records); shorter runs are noise between frames (Resyncs/BytesDropped).
type TaiYangDeframer struct {
	Order  string // header order for validation, "16" or "8"
	buf    []byte
	inData bool
	run    int // bytes dropped in a row inside a transfer
	stats  Stats
}

func (d *TaiYangDeframer) Stats() Stats { return d.stats }

func (d *TaiYangDeframer) drop(n int) {
	d.stats.BytesDropped += int64(n)
	d.buf = d.buf[n:]
	if d.inData {
		d.run += n
	}
}

func (d *TaiYangDeframer) emit(n int) Frame {
	raw := make([]byte, n)
	copy(raw, d.buf[:n])
	d.buf = d.buf[n:]
	d.stats.Frames++
	if d.run >= TaiYangRecLen {
		d.stats.CRCErrors += int64(d.run / TaiYangRecLen)
	}
	d.run = 0
	return Frame{Raw: raw}
}

// Feed implements Deframer.
func (d *TaiYangDeframer) Feed(p []byte) []Frame {
	d.buf = append(d.buf, p...)
	var out []Frame
	for len(d.buf) > 0 {
		if d.inData {
			if len(d.buf) >= 2 && ((d.buf[0] == tyEsc && (d.buf[1] == TaiYangEnd || d.buf[1] == TaiYangBye)) || (d.buf[0] == TaiYangGet && d.buf[1] == TaiYangBye)) {
				d.inData = false
				out = append(out, d.emit(2))
				continue
			}
			if len(d.buf) < TaiYangRecLen {
				break
			}
			if TaiYangRecordPlausible(d.buf[:TaiYangRecLen], d.Order) {
				out = append(out, d.emit(TaiYangRecLen))
				continue
			}
			d.stats.Resyncs++
			d.drop(1)
			continue
		}
		if d.buf[0] != tyEsc && !(d.buf[0] == TaiYangGet && len(d.buf) >= 2 && d.buf[1] == TaiYangBye) {
			if d.buf[0] == TaiYangGet && len(d.buf) < 2 {
				break
			}
			d.stats.Resyncs++
			d.drop(1)
			continue
		}
		if len(d.buf) < 2 {
			break
		}
		if d.buf[0] == tyEsc && d.buf[1] == TaiYangData {
			d.inData = true
		}
		out = append(out, d.emit(2))
	}
	return out
}

type taiyang struct {
	o         Options
	modelCode byte
}

func init() {
	register("taiyang", func(o Options) (Driver, error) {
		if o.TaiYangHeader != "8" && o.TaiYangHeader != "16" {
			return nil, fmt.Errorf("analyzer: TaiYang header order %q, want 8 or 16", o.TaiYangHeader)
		}
		m := o.TaiYangModel
		if m == 0 {
			m = 0x01
		}
		return &taiyang{o: o, modelCode: m}, nil
	})
}

func (*taiyang) Name() string { return "taiyang" }
func (*taiyang) Serial() SerialParams {
	return SerialParams{Baud: 9600, DataBits: 8, StopBits: 1, Parity: "N"}
}
func (t *taiyang) NewDeframer() Deframer { return &TaiYangDeframer{Order: t.o.TaiYangHeader} }

// multiFunction: TTJ models send control ΔA and sample ΔA per channel
// instead of absorbance and inhibition (vendor TTJ-10H8 example).
func (t *taiyang) multiFunction() bool { return t.modelCode >= 0x11 }

// Decode implements Driver: one reading per non-empty channel.
func (t *taiyang) Decode(f Frame) ([]Reading, error) {
	if len(f.Raw) != TaiYangRecLen {
		return nil, nil
	}
	h := ParseTaiYangHeader(f.Raw, t.o.TaiYangHeader)
	at, okTime := mkTime(h.Year, h.Month, h.Day, h.H, h.Min, h.Sec, t.o.Location)
	model := TaiYangModels[t.modelCode]
	if model == "" {
		model = fmt.Sprintf("TaiYang-%02X", t.modelCode)
	}
	var out []Reading
	for ch := 0; ch < 8; ch++ {
		o := 9 + ch*8
		u1, u2 := binary.BigEndian.Uint32(f.Raw[o:]), binary.BigEndian.Uint32(f.Raw[o+4:])
		if u1 == 0 && u2 == 0 {
			continue
		}
		a, b := float64(math.Float32frombits(u1)), float64(math.Float32frombits(u2))
		r := Reading{
			Instrument: t.Name(), Model: model, SerialNo: t.o.SerialNo, RecordNo: fmt.Sprint(h.Count),
			TestedAt: at, Channel: ch + 1, SampleNo: fmt.Sprint(h.SampleType), Item: "农残", Unit: "%",
			Suspect: !okTime, Raw: f.Raw,
		}
		if t.multiFunction() {
			r.ControlDeltaA, r.SampleDeltaA = f64(a), f64(b)
			if a > 0 {
				rate := (a - b) / a * 100
				r.Rate, r.Value = f64(rate), f64(rate)
				r.Suspect = r.Suspect || rate < 0 || rate > 100
			} else {
				r.Suspect = true
			}
		} else {
			r.SampleDeltaA, r.Rate, r.Value = f64(a), f64(b), f64(b)
			r.Suspect = r.Suspect || b < 0 || b > 100
		}
		out = append(out, r)
	}
	return out, nil
}

// Run: hello, download, deliver every record, then say goodbye. When the
// instrument falls silent mid-transfer the download is requested again
// (the instrument resends everything; readings already delivered are
// skipped by key).
func (t *taiyang) Run(ctx context.Context, c *Conn, deliver func(Reading) error) error {
	hello := func() error {
		if err := c.Send(ctx, []byte{tyEsc, TaiYangHello}); err != nil {
			return err
		}
		for {
			f, err := c.Next(ctx, t.o.Timeout)
			if err != nil {
				return fmt.Errorf("analyzer taiyang: handshake: %w", err)
			}
			if len(f.Raw) == 2 && f.Raw[0] == tyEsc && f.Raw[1] != TaiYangOldOK && f.Raw[1] != TaiYangData {
				t.modelCode = f.Raw[1]
				return nil
			}
		}
	}
	var err error
	start := c.Stats()
	for try := 0; try < t.o.MaxPasses; try++ {
		if err = hello(); err == nil || !errors.Is(err, device.ErrTimeout) {
			break
		}
		c.NoteRequest()
	}
	if errors.Is(err, device.ErrTimeout) {
		return c.failure(t.Name(), "handshake", start, 0, t.o.MaxPasses, 0, 0, err)
	}
	if err != nil {
		return err
	}
	// The download is complete when one pass ran from 1B C1 to 1B FE with
	// no record lost on the way (no run of 73 dropped bytes, see
	// TaiYangDeframer). Record numbers are not assumed to be contiguous:
	// the document does not say they are, and an instrument whose memory
	// had records deleted has gaps. A pass that lost records is repeated
	// (the instrument sends everything again; delivered readings are
	// skipped by key).
	start = c.Stats()
	var last error
	for pass := 0; pass < t.o.MaxPasses; pass++ {
		if pass > 0 {
			c.NoteRequest()
		}
		before := c.Stats()
		done, err := t.download(ctx, c, deliver)
		if err == nil && done && c.Stats().CRCErrors == before.CRCErrors {
			return c.Send(ctx, []byte{tyEsc, TaiYangBye})
		}
		if err != nil && !errors.Is(err, device.ErrTimeout) {
			return err
		}
		last = err
	}
	return c.failure(t.Name(), "download", start, 0, t.o.MaxPasses, 0, 0, last)
}

func (t *taiyang) download(ctx context.Context, c *Conn, deliver func(Reading) error) (bool, error) {
	c.Drain()
	if err := c.Send(ctx, []byte{tyEsc, TaiYangGet}); err != nil {
		return false, err
	}
	started := false
	for {
		f, err := c.Next(ctx, t.o.Timeout)
		if err != nil {
			return false, err
		}
		switch {
		case len(f.Raw) == 2 && f.Raw[1] == TaiYangData:
			started = true
		case len(f.Raw) == 2 && (f.Raw[1] == TaiYangEnd || f.Raw[1] == TaiYangBye):
			if !started {
				continue
			}
			if f.Raw[1] == TaiYangBye {
				return false, &device.ProtocolError{Driver: t.Name(), Op: "download", Msg: "cancelled on the instrument"}
			}
			return true, nil
		case len(f.Raw) == TaiYangRecLen:
			rs, _ := t.Decode(f)
			for _, r := range rs {
				if err := deliver(r); err != nil {
					return false, err
				}
			}
		}
	}
}
