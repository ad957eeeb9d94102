package analyzer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"suyuan/device"
)

// Dayuan (达元) LZ-4000T binary protocol, 115200 8N1, host-polled. The
// framing, CRC and request/re-send helpers here are shared with the TL-310
// driver (tl310.go), which speaks the same 7E…AA frames with other commands.
// Frame: 7E | CMD | LEN (2, LE) | DATA | CRC8 | AA, CRC-8/0x31 over CMD..DATA.
// See docs/analyzers.md for the decisions taken where devices.md §6.1 is
// silent. Bytes the reference does not define (the comm-test reply's data,
// the count reply's first three data bytes, record bytes 6-7) are never
// read: an instrument may put anything there.

const (
	dyStart = 0x7E
	dyEnd   = 0xAA
	// dyMaxData bounds LEN so that a garbage 7E cannot make the deframer
	// wait for kilobytes.
	dyMaxData = 256

	DayuanCmdTest        = 0x00
	DayuanCmdTestReply   = 0x01
	DayuanCmdRecords     = 0x10
	DayuanCmdRecord      = 0x11
	DayuanCmdCount       = 0x12
	DayuanCmdCountReply  = 0x13
	dayuanRecordDataLen  = 20
	dayuanItem           = "有机磷和氨基甲酸酯类"
	dayuanDefaultModelNm = "LZ-4000T"
)

// DayuanFrame encodes one frame.
func DayuanFrame(cmd byte, data []byte) []byte {
	f := make([]byte, 0, len(data)+6)
	f = append(f, dyStart, cmd, byte(len(data)), byte(len(data)>>8))
	f = append(f, data...)
	f = append(f, CRC8(f[1:]), dyEnd)
	return f
}

// DayuanDeframer cuts 7E…AA frames, checking LEN, the end byte and CRC.
type DayuanDeframer struct {
	buf   []byte
	stats Stats
}

func (d *DayuanDeframer) Stats() Stats { return d.stats }

func (d *DayuanDeframer) drop(n int) {
	d.stats.BytesDropped += int64(n)
	d.buf = d.buf[n:]
}

// Feed implements Deframer.
func (d *DayuanDeframer) Feed(p []byte) []Frame {
	d.buf = append(d.buf, p...)
	var out []Frame
	for len(d.buf) > 0 {
		if d.buf[0] != dyStart {
			i := 0
			for i < len(d.buf) && d.buf[i] != dyStart {
				i++
			}
			d.stats.Resyncs++
			d.drop(i)
			continue
		}
		if len(d.buf) < 4 {
			break
		}
		n := int(binary.LittleEndian.Uint16(d.buf[2:4]))
		if n > dyMaxData {
			d.stats.Resyncs++
			d.drop(1)
			continue
		}
		total := n + 6
		if len(d.buf) < total {
			break
		}
		if d.buf[total-1] != dyEnd {
			d.stats.Resyncs++
			d.drop(1)
			continue
		}
		if CRC8(d.buf[1:total-2]) != d.buf[total-2] {
			// A corrupted frame, or a 7E inside data that happened to line
			// up with an AA. Drop only the start byte so that a real frame
			// hidden inside is still found.
			d.stats.CRCErrors++
			d.stats.Resyncs++
			d.drop(1)
			continue
		}
		raw := make([]byte, total)
		copy(raw, d.buf[:total])
		d.buf = d.buf[total:]
		d.stats.Frames++
		out = append(out, Frame{Raw: raw})
	}
	// Keep memory bounded even if a peer streams garbage starting with 7E.
	if cap(d.buf) > 64*1024 && len(d.buf) < 1024 {
		d.buf = append([]byte(nil), d.buf...)
	}
	return out
}

type dayuan struct {
	o     Options
	model string
}

func init() {
	register("lz4000t", func(o Options) (Driver, error) { return &dayuan{o: o, model: dayuanDefaultModelNm}, nil })
}

func (*dayuan) Name() string { return "lz4000t" }
func (*dayuan) Serial() SerialParams {
	return SerialParams{Baud: 115200, DataBits: 8, StopBits: 1, Parity: "N"}
}
func (*dayuan) NewDeframer() Deframer { return &DayuanDeframer{} }
func dyCmd(f Frame) byte              { return f.Raw[1] }
func dyData(f Frame) []byte           { return f.Raw[4 : len(f.Raw)-2] }
func dayDate(t time.Time) []byte {
	return []byte{byte(t.Year() - 2000), byte(t.Month()), byte(t.Day())}
}

// DayuanRecordData encodes the 20 data bytes of a record frame (for the
// simulator and tests). undefined goes into data bytes 2-3 (frame bytes
// 6-7), which devices.md §6.1 does not define and the vendor parser never
// reads: the driver must work whatever an instrument puts there.
func DayuanRecordData(total, undefined, sampleNo int, name string, at time.Time, rate float64) []byte {
	b := make([]byte, dayuanRecordDataLen)
	binary.LittleEndian.PutUint16(b[0:], uint16(total))
	binary.LittleEndian.PutUint16(b[2:], uint16(undefined))
	binary.LittleEndian.PutUint16(b[4:], uint16(sampleNo))
	gb, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(name))
	for i := 0; i < 6; i++ {
		b[6+i] = ' '
		if i < len(gb) {
			b[6+i] = gb[i]
		}
	}
	b[12], b[13], b[14] = byte(at.Year()-2000), byte(at.Month()), byte(at.Day())
	b[15], b[16], b[17] = byte(at.Hour()), byte(at.Minute()), byte(at.Second())
	r := int(rate*100 + 0.5)
	binary.LittleEndian.PutUint16(b[18:], uint16(r))
	return b
}

// dayuanContent is the part of a record's data that identifies it: every
// defined field except the day's total (which grows as tests are added):
// sample no., sample name, time and rate (frame bytes 8-23). Data bytes
// 2-3 (frame bytes 6-7) are not defined by the protocol and never part of
// a record's identity.
func dayuanContent(data []byte) []byte { return data[4:dayuanRecordDataLen] }

// DayuanRecordNo is the record identity the driver reports: the sample no.
// and a fingerprint of the record's defined content (dayuanContent), with
// "#n" for the n-th record of identical content in one reply (n ≥ 2), so
// that two identical tests on the same day stay two readings. occurrence
// counts from 1.
func DayuanRecordNo(data []byte, occurrence int) string {
	sum := sha256.Sum256(dayuanContent(data))
	s := fmt.Sprintf("%d-%x", binary.LittleEndian.Uint16(data[4:]), sum[:4])
	if occurrence > 1 {
		s += fmt.Sprintf("#%d", occurrence)
	}
	return s
}

// Decode implements Driver: record frames become one reading each, with
// the RecordNo of the first record of its content (see DayuanRecordNo).
func (d *dayuan) Decode(f Frame) ([]Reading, error) {
	if len(f.Raw) < 6 || dyCmd(f) != DayuanCmdRecord {
		return nil, nil
	}
	if n := len(dyData(f)); n != dayuanRecordDataLen {
		return nil, &device.ProtocolError{Driver: d.Name(), Op: "decode record", Msg: fmt.Sprintf("record data is %d bytes, want %d", n, dayuanRecordDataLen)}
	}
	return []Reading{d.decodeRecord(f, 1)}, nil
}

func (d *dayuan) decodeRecord(f Frame, occurrence int) Reading {
	b := dyData(f)
	sampleNo := int(binary.LittleEndian.Uint16(b[4:]))
	name, err := simplifiedchinese.GBK.NewDecoder().Bytes(trimPad(b[6:12]))
	if err != nil {
		name = []byte(fmt.Sprintf("%x", b[6:12]))
	}
	at, okTime := mkTime(int(b[12])+2000, int(b[13]), int(b[14]), int(b[15]), int(b[16]), int(b[17]), d.o.Location)
	rate := float64(binary.LittleEndian.Uint16(b[18:])) / 100
	return Reading{
		Instrument: d.Name(), Model: d.model, SerialNo: d.o.SerialNo,
		RecordNo: DayuanRecordNo(b, occurrence),
		TestedAt: at, Channel: 0, SampleNo: fmt.Sprint(sampleNo), SampleName: strings.TrimSpace(string(name)),
		Item: dayuanItem, Rate: f64(rate), Value: f64(rate), Unit: "%",
		Suspect: !okTime || rate > 100, Raw: f.Raw,
	}
}

// Run: comm test, then for each day in [From, To]: ask the count (12), read
// the records (10), re-request the day while fewer records than announced
// have arrived (a frame lost to a CRC error), up to MaxPasses. The
// comm-test reply's content is not defined (devices.md §6.1 gives only its
// command and length), so nothing is read from it: the model is the one
// the technician chose.
func (d *dayuan) Run(ctx context.Context, c *Conn, deliver func(Reading) error) error {
	if _, err := d.request(ctx, c, DayuanCmdTest, []byte{0, 0}, DayuanCmdTestReply); err != nil {
		return err
	}
	from := time.Date(d.o.From.Year(), d.o.From.Month(), d.o.From.Day(), 0, 0, 0, 0, d.o.Location)
	for day := from; !day.After(d.o.To); day = day.AddDate(0, 0, 1) {
		before := c.Stats()
		rep, err := d.request(ctx, c, DayuanCmdCount, dayDate(day), DayuanCmdCountReply)
		if err != nil {
			return err
		}
		data := dyData(rep)
		if len(data) < 5 {
			c.NoteUnexpected()
			return c.failure(d.Name(), "record count "+day.Format("2006-01-02"), before, UnexpectedReply, 1, 0, 0,
				&device.ProtocolError{Driver: d.Name(), Op: "record count", Msg: fmt.Sprintf("count reply has %d data bytes, want 5", len(data))})
		}
		count := int(binary.LittleEndian.Uint16(data[3:5]))
		if count == 0 {
			continue
		}
		if err := d.readDay(ctx, c, day, count, deliver); err != nil {
			return err
		}
	}
	return nil
}

// readDay reads one day's records. A record is identified by its defined
// content and its arrival order among records of identical content within
// one reply (DayuanRecordNo), never by the undefined bytes 6-7: the vendor
// software, too, counts record frames as they arrive against the day's
// total. A re-request is answered with every record again; those already
// delivered are skipped. Two passes in a row that arrived undamaged but
// short of the total mean the instrument sends fewer records than it
// announces: re-requesting cannot help, and the session says so.
func (d *dayuan) readDay(ctx context.Context, c *Conn, day time.Time, count int, deliver func(Reading) error) error {
	got := map[string]bool{}
	before := c.Stats()
	records, cleanShort, pass := 0, 0, 0
	for ; pass < d.o.MaxPasses && len(got) < count; pass++ {
		if pass > 0 {
			c.NoteRequest()
		}
		c.Drain()
		pb := c.Stats()
		if err := c.Send(ctx, DayuanFrame(DayuanCmdRecords, dayDate(day))); err != nil {
			return err
		}
		occ := map[string]int{}
		added := 0
		for len(got) < count {
			f, err := c.Next(ctx, d.o.Timeout)
			if errors.Is(err, device.ErrTimeout) {
				break // the instrument has finished, or records were lost: see below
			}
			if err != nil {
				return err
			}
			if dyCmd(f) != DayuanCmdRecord || len(dyData(f)) != dayuanRecordDataLen {
				c.NoteUnexpected()
				continue
			}
			records++
			b := dyData(f)
			if t := int(binary.LittleEndian.Uint16(b[0:])); t > count {
				count = t // a test finished while we read
			}
			content := string(dayuanContent(b))
			occ[content]++
			id := fmt.Sprintf("%x#%d", content, occ[content])
			if got[id] {
				continue
			}
			if err := deliver(d.decodeRecord(f, occ[content])); err != nil {
				return err
			}
			got[id] = true
			added++
		}
		ps := c.Stats()
		if len(got) < count && records > 0 && ps.CRCErrors == pb.CRCErrors && ps.BytesDropped == pb.BytesDropped && (cleanShort == 0 || added == 0) {
			if cleanShort++; cleanShort >= 2 {
				pass++
				return c.failure(d.Name(), "read records "+day.Format("2006-01-02"), before, MissingRecords, pass, count, count-len(got), nil)
			}
		} else {
			cleanShort = 0
		}
	}
	if len(got) < count {
		return c.failure(d.Name(), "read records "+day.Format("2006-01-02"), before, 0, pass, count, count-len(got), nil)
	}
	return nil
}

// request is dayuanRequest labelled with this driver.
func (d *dayuan) request(ctx context.Context, c *Conn, cmd byte, data []byte, want byte) (Frame, error) {
	return dayuanRequest(ctx, c, d.Name(), d.o, cmd, data, want)
}

// dayuanRequest sends cmd and waits for a frame with command want,
// re-sending on silence (a request or answer lost to noise) up to
// o.MaxPasses times. Shared by every driver on the 7E…AA framing (lz4000t,
// tl310); name only labels the error.
func dayuanRequest(ctx context.Context, c *Conn, name string, o Options, cmd byte, data []byte, want byte) (Frame, error) {
	var last error
	before := c.Stats()
	for try := 0; try < o.MaxPasses; try++ {
		if try > 0 {
			c.NoteRequest()
		}
		c.Drain()
		if err := c.Send(ctx, DayuanFrame(cmd, data)); err != nil {
			return Frame{}, err
		}
		for {
			f, err := c.Next(ctx, o.Timeout)
			if err != nil {
				last = err
				break
			}
			if dyCmd(f) == want {
				return f, nil
			}
			c.NoteUnexpected()
		}
		if !errors.Is(last, device.ErrTimeout) {
			return Frame{}, last
		}
	}
	return Frame{}, c.failure(name, fmt.Sprintf("command %02X", cmd), before, 0, o.MaxPasses, 0, 0, last)
}

func trimPad(b []byte) []byte {
	end := len(b)
	for end > 0 && (b[end-1] == 0 || b[end-1] == ' ' || b[end-1] == 0xFF) {
		end--
	}
	return b[:end]
}

// mkTime builds a time and reports whether the fields were in range (the
// instrument's clock may be unset). Out-of-range fields are clamped.
func mkTime(y, mo, d, h, mi, s int, loc *time.Location) (time.Time, bool) {
	ok := mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 60
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, loc)
	if t.Day() != d || int(t.Month()) != mo {
		ok = false
	}
	return t, ok
}
