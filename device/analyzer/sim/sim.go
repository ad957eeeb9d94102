// Package sim simulates rapid-test analyzers on the instrument side of a
// byte stream (a pty master in tests and in `suyuan sim analyzer`): it
// answers the host's handshakes and requests like the real instrument and can
// inject line noise and cut the connection mid-frame.
package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"suyuan/device"
	"suyuan/device/analyzer"
)

// Options controls a simulated instrument.
type Options struct {
	// Noise injects 1-8 garbage bytes before about 30 % of frames and, where
	// the protocol has a checksum, damages about 15 % of frames. The
	// instrument answers a re-request by sending everything again, with
	// fresh noise.
	Noise bool
	// Drop cuts the connection once, in the middle of a randomly chosen
	// frame (Run closes port if it is an io.Closer and returns ErrDropped).
	Drop bool
	// Readings to serve; nil = Generate(driver, Count, Seed).
	Readings []analyzer.Reading
	Count    int   // default 20
	Seed     int64 // noise, drop point and generated readings
	// Chunking: "" writes whole frames, "byte" one byte per write, "random"
	// random-sized pieces, to exercise deframers.
	Chunking string
	Profile  *analyzer.Profile // for the "generic" driver (CSV profiles only)
	// Interval between passive records (generic profiles without request).
	Interval time.Duration
	// Undefined says what the instrument puts in the bytes its protocol
	// document leaves undefined (LZ-4000T: the comm-test reply's data, the
	// count reply's first three data bytes, record bytes 6-7; TL-310:
	// record data bytes 0, 13-16 and 20): UndefinedZero (default) or
	// UndefinedRandom (fresh random values in every frame, also when a
	// frame is sent again). A driver must not depend on them.
	Undefined string
	// AnswerAny makes the instrument answer whatever the host sends with
	// its own data (TL-310: its comm-test reply and every record; TaiYang:
	// its handshake, records and end), like an instrument of another model
	// on the port: drivers must report an unexpected reply, not silence.
	AnswerAny bool
}

// Values of Options.Undefined.
const (
	UndefinedZero   = "zero"
	UndefinedRandom = "random"
)

// undef fills b with what the instrument puts in undefined bytes.
func (in *instrument) undef(b []byte) {
	for i := range b {
		b[i] = 0
		if in.o.Undefined == UndefinedRandom {
			b[i] = byte(in.rng.Intn(256))
		}
	}
}

// ErrDropped is returned when the simulator cut the connection on purpose.
var ErrDropped = errors.New("sim: connection dropped mid-frame")

type instrument struct {
	port  io.ReadWriter
	o     Options
	rng   *rand.Rand
	frame int // frames written so far
	drop  int // frame index to cut, -1 = never
}

// Run serves the instrument until ctx ends (nil), the host goes away (nil
// for EOF) or a deliberate drop (ErrDropped).
func Run(ctx context.Context, port io.ReadWriter, driverName string, o Options) error {
	if o.Count <= 0 {
		o.Count = 20
	}
	if o.Readings == nil {
		rs, err := Generate(driverName, o.Count, o.Seed, o.Profile)
		if err != nil {
			return err
		}
		o.Readings = rs
	}
	switch o.Undefined {
	case "", UndefinedZero, UndefinedRandom:
	default:
		return fmt.Errorf("sim: undefined bytes %q, want %s or %s", o.Undefined, UndefinedZero, UndefinedRandom)
	}
	in := &instrument{port: port, o: o, rng: rand.New(rand.NewSource(o.Seed)), drop: -1}
	if o.Drop {
		in.drop = in.rng.Intn(max(2, len(o.Readings)/2)) + 1
	}
	var err error
	switch driverName {
	case "lz4000t":
		err = in.dayuan(ctx)
	case "tl310":
		err = in.tl310(ctx)
	case "taiyang":
		err = in.taiyang(ctx)
	case "dy723pc":
		p := analyzer.TextModeProfile()
		err = in.profile(ctx, &p)
	case "generic":
		if o.Profile == nil {
			return errors.New("sim: generic needs a profile")
		}
		err = in.profile(ctx, o.Profile)
	default:
		return fmt.Errorf("sim: unknown driver %q", driverName)
	}
	if errors.Is(err, ErrDropped) {
		if c, ok := port.(io.Closer); ok {
			c.Close()
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// read waits for host bytes; a pty master with no slave open fails with
// EIO, which means "no host yet", so it retries.
func (in *instrument) read(ctx context.Context, buf []byte) (int, error) {
	for {
		n, err := device.ReadContext(ctx, in.port, buf)
		if n > 0 || err == nil {
			return n, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (in *instrument) write(b []byte) error {
	for len(b) > 0 {
		n := len(b)
		switch in.o.Chunking {
		case "byte":
			n = 1
		case "random":
			n = 1 + in.rng.Intn(len(b))
		}
		if _, err := in.port.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// send writes one frame with optional garbage before it, damage and drop.
// avoid lists bytes the garbage must not contain (protocols without a
// checksum cannot tell noise from control bytes).
func (in *instrument) send(frame []byte, damage func([]byte), avoid string) error {
	in.frame++
	if in.o.Noise && in.rng.Float64() < 0.3 {
		g := make([]byte, 1+in.rng.Intn(8))
		for i := range g {
			for {
				g[i] = byte(in.rng.Intn(256))
				if !strings.ContainsRune(avoid, rune(g[i])) {
					break
				}
			}
		}
		if err := in.write(g); err != nil {
			return err
		}
	}
	if in.o.Noise && damage != nil && in.rng.Float64() < 0.15 {
		frame = append([]byte(nil), frame...)
		damage(frame)
	}
	if in.frame == in.drop {
		in.write(frame[:len(frame)/2])
		return ErrDropped
	}
	return in.write(frame)
}

// ---- Dayuan LZ-4000T ----

func (in *instrument) dayuan(ctx context.Context) error {
	days := map[string][]analyzer.Reading{}
	for _, r := range in.o.Readings {
		k := r.TestedAt.Format("060102")
		days[k] = append(days[k], r)
	}
	var df analyzer.DayuanDeframer
	buf := make([]byte, 512)
	flipCRC := func(f []byte) { f[len(f)-2] ^= 0x5A }
	for {
		n, err := in.read(ctx, buf)
		if err != nil {
			return err
		}
		for _, f := range df.Feed(buf[:n]) {
			cmd, data := f.Raw[1], f.Raw[4:len(f.Raw)-2]
			switch cmd {
			case analyzer.DayuanCmdTest:
				// devices.md §6.1: reply 7E 01 … (9 bytes): 3 data bytes,
				// content not defined.
				d := make([]byte, 3)
				in.undef(d)
				err = in.send(analyzer.DayuanFrame(analyzer.DayuanCmdTestReply, d), flipCRC, "")
			case analyzer.DayuanCmdCount, analyzer.DayuanCmdRecords:
				if len(data) < 3 {
					continue
				}
				k := fmt.Sprintf("%02d%02d%02d", data[0], data[1], data[2])
				rs := days[k]
				if cmd == analyzer.DayuanCmdCount {
					// Count at frame bytes 7-8 (devices.md §6.1); the three
					// data bytes before it are not defined.
					d := make([]byte, 5)
					in.undef(d[:3])
					d[3], d[4] = byte(len(rs)), byte(len(rs)>>8)
					err = in.send(analyzer.DayuanFrame(analyzer.DayuanCmdCountReply, d), flipCRC, "")
					break
				}
				for _, r := range rs {
					sn, _ := strconv.Atoi(r.SampleNo)
					d := analyzer.DayuanRecordData(len(rs), 0, sn, r.SampleName, r.TestedAt, *r.Rate)
					in.undef(d[2:4])
					if err = in.send(analyzer.DayuanFrame(analyzer.DayuanCmdRecord, d), flipCRC, ""); err != nil {
						break
					}
				}
			}
			if err != nil {
				return err
			}
		}
	}
}

// ---- Dayuan TL-310 ----

// tl310 answers 01 with the documented reply and every 15 with all records
// (the instrument has no date filter), each carrying the total and its
// 1-based index in Readings order. With no readings it stays silent, which
// is how the driver recognises an empty memory.
func (in *instrument) tl310(ctx context.Context) error {
	var df analyzer.DayuanDeframer
	buf := make([]byte, 512)
	flipCRC := func(f []byte) { f[len(f)-2] ^= 0x5A }
	n := len(in.o.Readings)
	for {
		k, err := in.read(ctx, buf)
		if err != nil {
			return err
		}
		for _, f := range df.Feed(buf[:k]) {
			cmd := f.Raw[1]
			if in.o.AnswerAny {
				// Another model on the port: whatever arrives, answer
				// with the comm-test reply and the records.
				if err = in.send(analyzer.DayuanFrame(analyzer.TL310CmdTestReply, []byte{0xFF, 0x02, 0x10, 0x10}), flipCRC, ""); err != nil {
					return err
				}
				cmd = analyzer.TL310CmdRead
			}
			switch cmd {
			case analyzer.TL310CmdTest:
				// devices.md §6.1: 7E 02 04 00 FF 02 10 10 F8 AA (the
				// vendor software compares the whole reply).
				err = in.send(analyzer.DayuanFrame(analyzer.TL310CmdTestReply, []byte{0xFF, 0x02, 0x10, 0x10}), flipCRC, "")
			case analyzer.TL310CmdRead:
				for i, r := range in.o.Readings {
					d := analyzer.TL310RecordData(tl310Record(r, n, i))
					// Bytes devices.md does not define and the driver must not
					// rely on: the address, the index (read by the vendor
					// parser but never used), the unknown bytes and the
					// absorbance (scale unknown).
					in.undef(d[0:1])
					in.undef(d[3:5])
					in.undef(d[13:17])
					in.undef(d[20:21])
					if err = in.send(analyzer.DayuanFrame(analyzer.TL310CmdRecord, d), flipCRC, ""); err != nil {
						break
					}
				}
			}
			if err != nil {
				return err
			}
		}
	}
}

// tl310Record is reading r as the i-th of n records in memory.
func tl310Record(r analyzer.Reading, n, i int) analyzer.TL310Record {
	rec := analyzer.TL310Record{Total: n, Index: i + 1, Channel: byte(r.Channel), Standard: tl310Standard(r.Item),
		At: r.TestedAt, Absorbance: uint16(300 + i), Rate10: analyzer.TL310RateNA}
	if r.Rate != nil {
		rec.Rate10 = int16(math.Round(*r.Rate * 10))
	}
	switch r.Result {
	case "合格":
		rec.Conclusion = 0x02
	case "超标":
		rec.Conclusion = 0x01
	}
	return rec
}

// tl310Standard is the standard byte whose item name is item.
func tl310Standard(item string) byte {
	for c := 0; c < 256; c++ {
		if analyzer.TL310Item(byte(c)) == item {
			return byte(c)
		}
	}
	return 0
}

// ---- TaiYang TTNJ ----

func (in *instrument) taiyang(ctx context.Context) error {
	// Group readings into 73-byte records by record number, in order.
	type record struct {
		hdr analyzer.TaiYangHeader
		ch  [8][2]float32
	}
	var recs []*record
	byNo := map[string]*record{}
	for _, r := range in.o.Readings {
		x := byNo[r.RecordNo]
		if x == nil {
			cnt, _ := strconv.Atoi(r.RecordNo)
			st, _ := strconv.Atoi(r.SampleNo)
			t := r.TestedAt
			x = &record{hdr: analyzer.TaiYangHeader{Count: cnt, Year: t.Year(), Month: int(t.Month()), Day: t.Day(), H: t.Hour(), Min: t.Minute(), Sec: t.Second(), SampleType: st}}
			byNo[r.RecordNo] = x
			recs = append(recs, x)
		}
		if r.Channel >= 1 && r.Channel <= 8 {
			x.ch[r.Channel-1] = [2]float32{float32(*r.SampleDeltaA), float32(*r.Rate)}
		}
	}
	buf := make([]byte, 64)
	var pending []byte
	for {
		n, err := in.read(ctx, buf)
		if err != nil {
			return err
		}
		pending = append(pending, buf[:n]...)
		if in.o.AnswerAny && len(pending) > 0 && pending[0] != 0x1B {
			// Another model on the port: answer anything with the
			// handshake and a whole download.
			pending = append([]byte{0x1B, analyzer.TaiYangHello, 0x1B, analyzer.TaiYangGet}, pending[1:]...)
		}
		for len(pending) >= 2 {
			if pending[0] != 0x1B {
				pending = pending[1:]
				continue
			}
			cmd := pending[1]
			pending = pending[2:]
			switch cmd {
			case analyzer.TaiYangHello:
				err = in.send([]byte{0x1B, 0x01}, nil, "\x1b\xb1")
			case analyzer.TaiYangGet:
				err = in.send([]byte{0x1B, analyzer.TaiYangData}, nil, "\x1b\xb1")
				for _, x := range recs {
					if err != nil {
						break
					}
					b := analyzer.EncodeTaiYangHeader(x.hdr, "16")
					for _, c := range x.ch {
						b = binary.BigEndian.AppendUint32(b, math.Float32bits(c[0]))
						b = binary.BigEndian.AppendUint32(b, math.Float32bits(c[1]))
					}
					err = in.send(b, nil, "\x1b\xb1")
				}
				if err == nil {
					err = in.send([]byte{0x1B, analyzer.TaiYangEnd}, nil, "\x1b\xb1")
				}
			}
			if err != nil {
				return err
			}
		}
	}
}

// ---- text mode and generic profiles ----

func (in *instrument) profile(ctx context.Context, p *analyzer.Profile) error {
	damage := func(f []byte) {
		// Change one digit before the checksum so the check fails.
		for i := len(f) / 3; i < len(f); i++ {
			if f[i] >= '0' && f[i] <= '8' {
				f[i]++
				return
			}
		}
		f[len(f)/2] ^= 0x01
	}
	if p.Checksum == "" || p.Checksum == "none" {
		damage = nil
	}
	sendAll := func(from, to time.Time, ranged bool) error {
		for _, r := range in.o.Readings {
			if ranged && (r.TestedAt.Before(from) || !r.TestedAt.Before(to)) {
				continue
			}
			b, err := p.EncodeRecord(r)
			if err != nil {
				return err
			}
			if err := in.send(b, damage, "\n"); err != nil {
				return err
			}
			if in.o.Interval > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(in.o.Interval):
				}
			}
		}
		if p.EndMarker != "" {
			return in.send([]byte(p.EndMarker+"\r\n"), nil, "\n")
		}
		return nil
	}
	if p.Request == "" {
		if err := sendAll(time.Time{}, time.Time{}, false); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
	layout := p.RequestDateLayout
	if layout == "" {
		layout = "2006-01-02"
	}
	buf := make([]byte, 256)
	var line []byte
	loc := time.Local
	if len(in.o.Readings) > 0 {
		loc = in.o.Readings[0].TestedAt.Location()
	}
	for {
		n, err := in.read(ctx, buf)
		if err != nil {
			return err
		}
		line = append(line, buf[:n]...)
		for {
			i := strings.IndexByte(string(line), '\n')
			if i < 0 {
				break
			}
			req := strings.TrimSpace(string(line[:i]))
			line = line[i+1:]
			from, to, ok := parseRange(req, layout, loc)
			if !ok {
				continue
			}
			if err := sendAll(from, to.AddDate(0, 0, 1), true); err != nil {
				return err
			}
		}
	}
}

// parseRange reads "D<from>D<to>".
func parseRange(s, layout string, loc *time.Location) (time.Time, time.Time, bool) {
	parts := strings.Split(s, "D")
	if len(parts) != 3 || parts[0] != "" {
		return time.Time{}, time.Time{}, false
	}
	a, err1 := time.ParseInLocation(layout, parts[1], loc)
	b, err2 := time.ParseInLocation(layout, parts[2], loc)
	return a, b, err1 == nil && err2 == nil
}

// ---- generated readings ----

var names = []string{"韭菜", "菠菜", "小白菜", "芹菜", "番茄", "黄瓜", "豇豆", "生菜"}

// Generate makes n readings exactly as driverName's decoder will report
// them (values quantised to the protocol's precision), dated within the
// last 10 days at whole seconds in the local zone.
func Generate(driverName string, n int, seed int64, p *analyzer.Profile) ([]analyzer.Reading, error) {
	rng := rand.New(rand.NewSource(seed))
	now := time.Now().Truncate(time.Second)
	var out []analyzer.Reading
	times := make([]time.Time, n)
	for i := range times {
		times[i] = now.Add(-time.Duration(rng.Intn(10*24*3600)) * time.Second)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	switch driverName {
	case "lz4000t":
		for i := 0; i < n; i++ {
			t := times[i]
			rate := float64(rng.Intn(10001)) / 100
			out = append(out, analyzer.Reading{Instrument: "lz4000t", Model: "LZ-4000T",
				TestedAt: t, SampleNo: strconv.Itoa(1 + rng.Intn(9999)), SampleName: names[rng.Intn(len(names))],
				Item: "有机磷和氨基甲酸酯类", Rate: f64(rate), Value: f64(rate), Unit: "%"})
		}
		Renumber("lz4000t", out)
	case "tl310":
		// Standards 00 (limit 50 %) and 01 (70 %), channels 1-8, rates to
		// 0.1 % including a few slightly negative ones, and about one in
		// ten "no value" (7FFE) records, which decode as suspect.
		for i := 0; i < n; i++ {
			std := byte(rng.Intn(2))
			limit := 50.0
			if std == 1 {
				limit = 70
			}
			r := analyzer.Reading{Instrument: "tl310", Model: "TL-310", RecordNo: strconv.Itoa(i + 1), TestedAt: times[i],
				Channel: 1 + rng.Intn(8), Item: analyzer.TL310Item(std), Unit: "%"}
			if rng.Intn(10) == 0 {
				r.Suspect = true
			} else {
				rate := float64(rng.Intn(1021)-20) / 10
				r.Rate, r.Value = f64(rate), f64(rate)
				r.Suspect = rate < 0
				r.Result = "合格"
				if rate >= limit {
					r.Result = "超标"
				}
			}
			out = append(out, r)
		}
		Renumber("tl310", out)
	case "taiyang":
		rec := 0
		for len(out) < n {
			rec++
			t := times[len(out)]
			st := 1 + rng.Intn(20)
			chans := 1 + rng.Intn(8)
			for ch := 1; ch <= chans && len(out) < n; ch++ {
				a := float64(float32(0.1 + rng.Float64()))
				rate := float64(float32(rng.Float64() * 100))
				out = append(out, analyzer.Reading{Instrument: "taiyang", Model: "TTNJ-8", RecordNo: strconv.Itoa(rec), TestedAt: t,
					Channel: ch, SampleNo: strconv.Itoa(st), Item: "农残", SampleDeltaA: f64(a), Rate: f64(rate), Value: f64(rate), Unit: "%"})
			}
		}
	case "dy723pc", "generic":
		inst, model := "dy723pc", "DY-723PC"
		if driverName == "generic" {
			if p == nil {
				return nil, errors.New("sim: generic needs a profile")
			}
			inst, model = "generic:"+p.Name, p.Model
		}
		for i := 0; i < n; i++ {
			rate := float64(rng.Intn(10001)) / 100
			res := "合格"
			if rate >= 50 {
				res = "不合格"
			}
			a := float64(rng.Intn(2000)) / 1000
			sn := fmt.Sprintf("%04d", i+1)
			out = append(out, analyzer.Reading{Instrument: inst, Model: model, RecordNo: sn, TestedAt: times[i], Channel: 1 + rng.Intn(16),
				SampleNo: sn, Item: "有机磷和氨基甲酸酯类", SampleDeltaA: f64(a), Value: f64(rate), Rate: f64(rate), Unit: "%", Result: res})
		}
	default:
		return nil, fmt.Errorf("sim: unknown driver %q", driverName)
	}
	return out, nil
}

// Renumber sets RecordNo as driverName's decoder derives it from what the
// simulator sends, after a test changed a generated reading's content.
// LZ-4000T and TL-310: from the record's defined content and, for
// identical records of one reply, their order (analyzer.DayuanRecordNo,
// analyzer.TL310RecordNo); other drivers carry the record number on the
// wire and are left alone.
func Renumber(driverName string, rs []analyzer.Reading) {
	if driverName == "tl310" {
		occ := map[string]int{}
		for i := range rs {
			d := analyzer.TL310RecordData(tl310Record(rs[i], 0, 0))
			k := string(d[5:13]) + string(d[17:20])
			occ[k]++
			rs[i].RecordNo = analyzer.TL310RecordNo(d, occ[k])
		}
		return
	}
	if driverName != "lz4000t" {
		return
	}
	occ := map[string]int{}
	for i := range rs {
		r := &rs[i]
		sn, _ := strconv.Atoi(r.SampleNo)
		rate := 0.0
		if r.Rate != nil {
			rate = *r.Rate
		}
		d := analyzer.DayuanRecordData(0, 0, sn, r.SampleName, r.TestedAt, rate)
		k := r.TestedAt.Format("060102") + string(d[4:])
		occ[k]++
		r.RecordNo = analyzer.DayuanRecordNo(d, occ[k])
	}
}

func f64(v float64) *float64 { return &v }
