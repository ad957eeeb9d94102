package analyzer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"suyuan/device"
)

// Dayuan (达元) TL-310, 115200 8N1, host-polled, on the same 7E…AA frames
// and CRC-8 as the LZ-4000T (dayuan.go): comm test 01 → 02, then one read
// request 15 answered by one 27-byte record frame per test in memory.
// devices.md §6.2 lists the record fields; the byte offsets, the commands
// and every decision where the reference is silent are in docs/analyzers.md.

const (
	TL310CmdTest      = 0x01
	TL310CmdTestReply = 0x02
	TL310CmdRead      = 0x15
	// TL310CmdRecord is the command byte the simulator puts on record
	// frames. The driver does not rely on it (the vendor software never
	// looks at it): any frame with 21 data bytes is a record.
	TL310CmdRecord = 0x16

	// TL310RateNA is the rate the instrument sends for "no value" (7FFE);
	// 7FFF is treated the same way.
	TL310RateNA = 0x7FFE

	tl310RecordDataLen = 21
	tl310Addr          = 0xFF // first data byte of every request and reply
	tl310ModelCode     = 0x02 // second data byte of the documented comm-test reply
	tl310ModelName     = "TL-310"
	tl310ConclusionOK  = 0x02
	tl310ConclusionBad = 0x01
)

// TL310ReadAll is the data of the "read all records" request (15). The
// vendor software also has FF 00 00 00 ("the last test"), which the driver
// never sends because it cannot tell which records are new.
var TL310ReadAll = []byte{tl310Addr, 0xFF, 0xFF, 0xFF}

// TL310Item names the test item for the instrument's standard byte: 00 is
// GB/T 5009.199-2003 (limit 50 %), 01 NY/T 448-2001 (limit 70 %). Both are
// the enzyme-inhibition test for organophosphate and carbamate residues, so
// the item is the same as the LZ-4000T's with the standard named for 01.
func TL310Item(standard byte) string {
	switch standard {
	case 0x00:
		return dayuanItem
	case 0x01:
		return dayuanItem + "（NY/T 448-2001）"
	}
	return fmt.Sprintf("%s（标准代码 %02X）", dayuanItem, standard)
}

// TL310Record is one record as it is on the wire (for the simulator and
// tests; the driver decodes straight into a Reading).
type TL310Record struct {
	Total, Index int // records in memory; this record's 1-based position
	Channel      byte
	Standard     byte
	At           time.Time
	Absorbance   uint16 // raw, scale unknown: kept in Reading.Raw only
	Rate10       int16  // 抑制率 × 10; TL310RateNA = no value
	Conclusion   byte   // 02 合格, 01 超标
}

// TL310RecordData encodes the 21 data bytes of a record frame:
//
//	0 FF, 1-2 total (LE), 3-4 index (LE), 5 channel, 6 standard,
//	7-12 YY MM DD hh mm ss, 13-14 unknown (0), 15-16 absorbance,
//	17-18 抑制率 × 10 (LE), 19 conclusion, 20 unknown (0).
func TL310RecordData(r TL310Record) []byte {
	b := make([]byte, tl310RecordDataLen)
	b[0] = tl310Addr
	binary.LittleEndian.PutUint16(b[1:], uint16(r.Total))
	binary.LittleEndian.PutUint16(b[3:], uint16(r.Index))
	b[5], b[6] = r.Channel, r.Standard
	b[7], b[8], b[9] = byte(r.At.Year()-2000), byte(r.At.Month()), byte(r.At.Day())
	b[10], b[11], b[12] = byte(r.At.Hour()), byte(r.At.Minute()), byte(r.At.Second())
	binary.LittleEndian.PutUint16(b[15:], r.Absorbance)
	binary.LittleEndian.PutUint16(b[17:], uint16(r.Rate10))
	b[19] = r.Conclusion
	return b
}

type tl310 struct {
	o     Options
	model string
}

func init() {
	register("tl310", func(o Options) (Driver, error) { return &tl310{o: o, model: tl310ModelName}, nil })
}

func (*tl310) Name() string { return "tl310" }
func (*tl310) Serial() SerialParams {
	return SerialParams{Baud: 115200, DataBits: 8, StopBits: 1, Parity: "N"}
}
func (*tl310) NewDeframer() Deframer { return &DayuanDeframer{} }

// tl310Total returns the total records in memory a record frame carries
// (data bytes 1-2; the vendor software counts record frames against it).
func tl310Total(f Frame) int { return int(binary.LittleEndian.Uint16(dyData(f)[1:])) }

// tl310Content is the part of a record's data that identifies it: channel,
// standard, time, rate and conclusion (data bytes 5-12 and 17-19), the
// fields devices.md §6.2 lists and the vendor parser reads. The index
// (data bytes 3-4) is not among them: the vendor parser reads it but never
// uses it, and devices.md does not list it; the vendor software identifies
// a record by its value and time.
func tl310Content(data []byte) []byte {
	return append(append([]byte(nil), data[5:13]...), data[17:20]...)
}

// TL310RecordNo is the record identity the driver reports: the channel and
// a fingerprint of the record's content (tl310Content), with "#n" for the
// n-th record of identical content in one reply (n ≥ 2).
func TL310RecordNo(data []byte, occurrence int) string {
	sum := sha256.Sum256(tl310Content(data))
	s := fmt.Sprintf("%d-%x", data[5], sum[:4])
	if occurrence > 1 {
		s += fmt.Sprintf("#%d", occurrence)
	}
	return s
}

func isTL310Record(f Frame) bool { return len(f.Raw) >= 6 && len(dyData(f)) == tl310RecordDataLen }

// Decode implements Driver: a frame with 21 data bytes is one reading. A
// record is never dropped for its content: a "no value" rate keeps the
// reading with a nil rate and Suspect set, as does an impossible time.
func (d *tl310) Decode(f Frame) ([]Reading, error) {
	if len(f.Raw) < 6 {
		return nil, nil
	}
	if !isTL310Record(f) {
		if dyCmd(f) == TL310CmdRecord {
			return nil, &device.ProtocolError{Driver: d.Name(), Op: "decode record",
				Msg: fmt.Sprintf("record data is %d bytes, want %d", len(dyData(f)), tl310RecordDataLen)}
		}
		return nil, nil // comm-test reply or another control frame
	}
	r, _ := d.decodeRecord(f, 1)
	return []Reading{r}, nil
}

// decodeRecord decodes a record frame, the occurrence-th of its content in
// its reply, and reports whether its time fields were valid.
func (d *tl310) decodeRecord(f Frame, occurrence int) (Reading, bool) {
	b := dyData(f)
	at, okTime := mkTime(int(b[7])+2000, int(b[8]), int(b[9]), int(b[10]), int(b[11]), int(b[12]), d.o.Location)
	r := Reading{
		Instrument: d.Name(), Model: d.model, SerialNo: d.o.SerialNo,
		RecordNo: TL310RecordNo(b, occurrence), TestedAt: at, Channel: int(b[5]),
		Item: TL310Item(b[6]), Unit: "%", Suspect: !okTime, Raw: f.Raw,
	}
	// Signed: 7FFE/7FFF as "no value" only make sense at the top of an
	// int16, and a slightly negative inhibition is a real measurement.
	raw := int16(binary.LittleEndian.Uint16(b[17:]))
	if raw >= TL310RateNA {
		r.Suspect = true
	} else {
		rate := float64(raw) / 10
		r.Rate, r.Value = f64(rate), f64(rate)
		r.Suspect = r.Suspect || rate < 0 || rate > 100
	}
	switch b[19] {
	case tl310ConclusionOK:
		r.Result = "合格"
	case tl310ConclusionBad:
		r.Result = "超标"
	}
	return r, okTime
}

// Run: comm test (01 FF → 02), then "read all" (15 FF FF FF FF). The
// instrument answers with every record in memory, each carrying the total
// and its 1-based index; while any index is missing (a frame lost to a CRC
// error) the host asks for everything again, skipping what it has, up to
// MaxPasses. The protocol has no date filter, so [From, To] (whole days) is
// applied here; records with an impossible time are delivered anyway
// (Suspect) because they cannot be placed in a range.
func (d *tl310) Run(ctx context.Context, c *Conn, deliver func(Reading) error) error {
	reply, err := dayuanRequest(ctx, c, d.Name(), d.o, TL310CmdTest, []byte{tl310Addr}, TL310CmdTestReply)
	if err != nil {
		return err
	}
	if data := dyData(reply); len(data) >= 2 && data[1] != tl310ModelCode {
		d.model = fmt.Sprintf("Dayuan-TL-%02X", data[1])
	} else {
		d.model = tl310ModelName
	}
	from := time.Date(d.o.From.Year(), d.o.From.Month(), d.o.From.Day(), 0, 0, 0, 0, d.o.Location)
	to := time.Date(d.o.To.Year(), d.o.To.Month(), d.o.To.Day(), 0, 0, 0, 0, d.o.Location).AddDate(0, 0, 1)

	got := map[string]bool{} // records seen (delivered or out of range), by content and order
	count := -1              // unknown until the first record arrives
	silent := 0
	start := c.Stats()
	for pass := 0; pass < d.o.MaxPasses; pass++ {
		if pass > 0 {
			c.NoteRequest()
		}
		c.Drain()
		before := c.Stats()
		if err := c.Send(ctx, DayuanFrame(TL310CmdRead, TL310ReadAll)); err != nil {
			return err
		}
		sawRecord := false
		occ := map[string]int{}
		// more: more records arrived than the total announced, so the
		// total cannot say when the instrument is done: read on until it
		// falls silent.
		more := false
		for count < 0 || len(got) < count || more {
			f, err := c.Next(ctx, d.o.Timeout)
			if errors.Is(err, device.ErrTimeout) {
				break // silence: records lost on the wire, or none at all
			}
			if err != nil {
				return err
			}
			if !isTL310Record(f) {
				c.NoteUnexpected()
				continue
			}
			sawRecord = true
			if total := tl310Total(f); total > count {
				count = total
			}
			content := string(tl310Content(dyData(f)))
			occ[content]++
			id := fmt.Sprintf("%x#%d", content, occ[content])
			if got[id] {
				continue
			}
			if len(got)+1 > count {
				more = true
			}
			r, okTime := d.decodeRecord(f, occ[content])
			if !okTime || (!r.TestedAt.Before(from) && r.TestedAt.Before(to)) {
				if err := deliver(r); err != nil {
					return err
				}
			}
			got[id] = true
		}
		if count >= 0 && len(got) >= count {
			return nil // (with more, the pass also ran until silence)
		}
		if !sawRecord && count < 0 {
			after := c.Stats()
			if after.BytesDropped == before.BytesDropped && after.CRCErrors == before.CRCErrors && after.Frames == before.Frames {
				// Not a byte came back. Decision: twice in a row means
				// the memory is empty (the protocol has no "0 records"
				// answer); damaged records would have left bytes.
				if silent++; silent >= 2 {
					return nil
				}
			}
		}
	}
	if count < 0 {
		// Bytes came back but never a readable record.
		return c.failure(d.Name(), "read records", start, 0, d.o.MaxPasses, 0, 0, nil)
	}
	kind := FailureKind(0) // damaged frames, or…
	if c.Stats().CRCErrors == start.CRCErrors {
		kind = MissingRecords // …every record arrived intact but some indexes never came
	}
	return c.failure(d.Name(), "read records", start, kind, d.o.MaxPasses, count, count-len(got), nil)
}
