package analyzer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// feedSplit feeds data in two pieces at cut, as a serial read might.
func feedSplit(d Deframer, data []byte, cut uint16) []Frame {
	c := 0
	if len(data) > 0 {
		c = int(cut) % (len(data) + 1)
	}
	return append(d.Feed(data[:c]), d.Feed(data[c:])...)
}

func dayuanSeeds() [][]byte {
	rec := DayuanFrame(DayuanCmdRecord, DayuanRecordData(3, 1, 7, "韭菜", time.Date(2024, 5, 1, 8, 0, 0, 0, time.Local), 33.3))
	bad := append([]byte(nil), rec...)
	bad[len(bad)-2] ^= 0xFF
	return [][]byte{
		rec,
		append(append([]byte{0x7E, 0x7E, 0xAA, 0x00}, rec...), rec...),
		bad,
		{0x7E, 0x00, 0xFF, 0xFF},
		{0x7E, 0x02, 0x04, 0x00, 0xFF, 0x02, 0x10, 0x10, 0xF8, 0xAA},
	}
}

// tl310Seeds are TL-310 record streams: good, 7FFE, a bad CRC, a record
// command with a short body and one with an impossible date.
func tl310Seeds() [][]byte {
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.Local)
	rec := DayuanFrame(TL310CmdRecord, TL310RecordData(TL310Record{Total: 2, Index: 1, Channel: 3, At: at, Rate10: 333, Conclusion: 2}))
	na := DayuanFrame(TL310CmdRecord, TL310RecordData(TL310Record{Total: 2, Index: 2, Channel: 4, Standard: 1, At: at, Rate10: TL310RateNA}))
	bad := append([]byte(nil), rec...)
	bad[10] ^= 0x40
	baddate := TL310RecordData(TL310Record{Total: 1, Index: 1, At: at, Rate10: -5})
	baddate[8], baddate[9] = 13, 0
	return [][]byte{
		append(append([]byte{0x11, 0x7E}, rec...), na...),
		append(bad, rec...),
		DayuanFrame(TL310CmdRecord, []byte{0xFF, 0x01}),
		DayuanFrame(TL310CmdRecord, baddate),
	}
}

func FuzzDayuanDeframe(f *testing.F) {
	for _, s := range dayuanSeeds() {
		f.Add(s, uint16(5))
	}
	for _, s := range tl310Seeds() {
		f.Add(s, uint16(13))
	}
	// The vendor-layout transcripts (testdata/vendor), undefined bytes zero
	// and not.
	for _, name := range []string{"dayuan-lz4000t-day-undefined-zero.hex", "dayuan-lz4000t-day-undefined-random.hex",
		"dayuan-lz4000t-day-identical.hex", "dayuan-lz4000t-commtest-reply.hex", "dayuan-lz4000t-count-reply.hex"} {
		f.Add(loadHex(f, name), uint16(30))
	}
	drv, _ := New("lz4000t", Options{})
	tl, _ := New("tl310", Options{})
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		d := &DayuanDeframer{}
		fs := feedSplit(d, data, cut)
		var frameBytes int64
		for _, fr := range fs {
			r := fr.Raw
			if len(r) < 6 || r[0] != 0x7E || r[len(r)-1] != 0xAA || int(binary.LittleEndian.Uint16(r[2:]))+6 != len(r) || CRC8(r[1:len(r)-2]) != r[len(r)-2] {
				t.Fatalf("invalid frame returned: % X", r)
			}
			frameBytes += int64(len(r))
			lz, _ := drv.Decode(fr)
			if len(lz) == 1 {
				// Bytes 6-7 are not defined: other values, same identity.
				o := append([]byte(nil), r...)
				o[6], o[7] = ^o[6], o[7]+1
				o[len(o)-2] = CRC8(o[1 : len(o)-2])
				if rs, _ := drv.Decode(Frame{Raw: o}); len(rs) != 1 || rs[0].Key() != lz[0].Key() {
					t.Fatalf("LZ-4000T identity depends on bytes 6-7: % X", r)
				}
			}
			rs, err := tl.Decode(fr)
			if len(r) == 6+21 && (err != nil || len(rs) != 1) {
				t.Fatalf("TL-310 record not decoded: %v % X", err, r)
			}
			for _, x := range rs {
				if !bytes.Equal(x.Raw, r) || x.Channel != int(r[9]) || (x.Rate == nil && !x.Suspect) ||
					(x.Rate != nil && (*x.Rate < -3276.8 || *x.Rate > 3276.6 || x.Value == nil || *x.Value != *x.Rate)) {
					t.Fatalf("bad TL-310 reading %+v from % X", x, r)
				}
			}
		}
		st := d.Stats()
		if st.Frames != int64(len(fs)) || frameBytes+st.BytesDropped+int64(len(d.buf)) != int64(len(data)) {
			t.Fatalf("byte accounting: frames %d bytes %d dropped %d buffered %d of %d", st.Frames, frameBytes, st.BytesDropped, len(d.buf), len(data))
		}
	})
}

func taiyangSeed() []byte {
	rec := EncodeTaiYangHeader(TaiYangHeader{Count: 1, Year: 2011, Month: 3, Day: 29, H: 9, Min: 55, Sec: 2, SampleType: 1}, "16")
	rec = binary.BigEndian.AppendUint32(rec, math.Float32bits(0.596))
	rec = binary.BigEndian.AppendUint32(rec, math.Float32bits(34.8))
	rec = append(rec, make([]byte, 56)...)
	return rec
}

func FuzzTaiYangDeframe(f *testing.F) {
	rec := taiyangSeed()
	f.Add(append(append([]byte{0x1B, 0x01, 0x1B, 0xC1}, rec...), 0x1B, 0xFE), uint16(9), false)
	f.Add(append(append([]byte{0x1B, 0xC1, 0x33, 0x1B}, rec...), rec...), uint16(40), true)
	f.Add([]byte{0x1B, 0xC1, 0xB1, 0xFF, 0x1B}, uint16(1), false)
	gap := loadHex(f, "taiyang-ttnj8-gap.hex") // the vendor example, record numbers 1, 2, 4
	f.Add(append(append([]byte{0x1B, 0xC1}, gap...), 0x1B, 0xFE), uint16(80), false)
	damaged := append([]byte(nil), gap...)
	copy(damaged[73+9:], []byte{0x7F, 0xC0, 0x00, 0x01}) // NaN: the record is lost, counted damaged
	f.Add(append(append([]byte{0x1B, 0xC1}, damaged...), 0x1B, 0xFE), uint16(100), false)
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, order8 bool) {
		order := "16"
		if order8 {
			order = "8"
		}
		d := &TaiYangDeframer{Order: order}
		drv, _ := New("taiyang", Options{TaiYangHeader: order})
		var total int64
		for _, fr := range feedSplit(d, data, cut) {
			switch len(fr.Raw) {
			case 2:
			case TaiYangRecLen:
				if !TaiYangRecordPlausible(fr.Raw, order) {
					t.Fatalf("implausible record returned: % X", fr.Raw)
				}
				rs, _ := drv.Decode(fr)
				for _, r := range rs {
					if r.Channel < 1 || r.Channel > 8 || !bytes.Equal(r.Raw, fr.Raw) {
						t.Fatalf("bad reading %+v", r)
					}
				}
			default:
				t.Fatalf("frame of %d bytes", len(fr.Raw))
			}
			total += int64(len(fr.Raw))
		}
		st := d.Stats()
		if total+st.BytesDropped+int64(len(d.buf)) != int64(len(data)) {
			t.Fatalf("byte accounting %d+%d+%d != %d", total, st.BytesDropped, len(d.buf), len(data))
		}
		// A damaged record is counted only for a whole record's worth of
		// dropped bytes.
		if st.CRCErrors*TaiYangRecLen > st.BytesDropped {
			t.Fatalf("%d damaged records counted for %d dropped bytes", st.CRCErrors, st.BytesDropped)
		}
	})
}

func FuzzTextMode(f *testing.F) {
	p := TextModeProfile()
	good, _ := p.EncodeRecord(Reading{SampleNo: "0001", Channel: 2, Item: "有机磷", SampleDeltaA: f64(0.5), Value: f64(12.5), Unit: "%", Result: "合格", TestedAt: time.Date(2024, 5, 1, 1, 2, 3, 0, time.Local)})
	f.Add(append(append([]byte("xx\r\n"), good...), []byte("FINISH\r\n")...), uint16(7))
	f.Add(append([]byte("\xff\xfeR"), good...), uint16(3))
	f.Add([]byte("R,,,,,,,,00\r\nR1,2,3,4,5,6,7,8,\r\n"), uint16(0))
	drv, _ := NewProfileDriver(p, Options{})
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		d := NewProfileDeframer(&p)
		for _, fr := range feedSplit(d, data, cut) {
			if string(fr.Raw) == p.EndMarker {
				continue
			}
			if _, err := p.parseRecord(fr.Raw, nil); err != nil {
				t.Fatalf("frame fails its own check: %q: %v", fr.Raw, err)
			}
			if rs, err := drv.Decode(fr); err != nil || len(rs) != 1 {
				t.Fatalf("decode %q: %v", fr.Raw, err)
			}
		}
		if len(d.buf) > maxRecord+len(data) {
			t.Fatalf("unbounded buffer")
		}
	})
}

func FuzzGenericProfile(f *testing.F) {
	frame := Profile{Name: "f", Framing: "frame", StartHex: "02", EndHex: "03", CSV: &CSVMap{Separator: ";", Fields: map[string]int{"rate": 0, "channel": 1}}, Checksum: "crc16-modbus"}
	line := Profile{Name: "l", Regex: `RATE=(?P<rate>[\d.]+)`, Checksum: "none", RecordPrefix: "#"}
	for _, p := range []Profile{frame, line, TextModeProfile()} {
		js, _ := json.Marshal(p)
		rec, _ := p.EncodeRecord(Reading{Rate: f64(12.5), Channel: 3, Value: f64(1)})
		f.Add(js, append([]byte{0x02, 0x02, 0x03}, rec...), uint16(2))
	}
	f.Add([]byte(`{"name":"x","framing":"frame","start_hex":"7e","end_hex":"7e","csv":{"fields":{"value":0}},"checksum":"sum8"}`), []byte{0x7E, 0x31, 0x31, 0x7E, 0x7E}, uint16(1))
	f.Fuzz(func(t *testing.T, js, data []byte, cut uint16) {
		var p Profile
		if json.Unmarshal(js, &p) != nil || p.Validate() != nil {
			return
		}
		drv, err := NewProfileDriver(p, Options{})
		if err != nil {
			t.Fatalf("validated profile rejected: %v", err)
		}
		d := drv.NewDeframer().(*ProfileDeframer)
		for _, fr := range feedSplit(d, data, cut) {
			if p.Framing == "frame" && !d.validFrame(fr.Raw) {
				t.Fatalf("invalid frame returned: % X", fr.Raw)
			}
			drv.Decode(fr)
		}
		before := d.Stats()
		d.Flush() // the end of a passive transfer: what is left is counted and dropped
		if after := d.Stats(); len(d.buf) != 0 || after.CRCErrors < before.CRCErrors {
			t.Fatalf("flush left %d bytes, damaged %d -> %d", len(d.buf), before.CRCErrors, after.CRCErrors)
		}
	})
}
