package analyzer

import (
	"testing"
	"time"
)

// benchStream feeds a stream of n frames in 4 KiB reads, decoding each
// frame, and reports frames/s. 115200 baud is 11,520 bytes/s.
func benchStream(b *testing.B, d Driver, stream []byte, frames int) {
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	got := 0
	for i := 0; i < b.N; i++ {
		df := d.NewDeframer()
		got = 0
		for off := 0; off < len(stream); off += 4096 {
			for _, f := range df.Feed(stream[off:min(off+4096, len(stream))]) {
				rs, _ := d.Decode(f)
				got += len(rs)
				if len(rs) == 0 {
					got++ // control frame
				}
			}
		}
	}
	b.StopTimer()
	if got < frames {
		b.Fatalf("decoded %d of %d frames", got, frames)
	}
	b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

const benchFrames = 1000

func BenchmarkDayuanFrames(b *testing.B) {
	d, _ := New("lz4000t", Options{})
	var s []byte
	for i := 0; i < benchFrames; i++ {
		s = append(s, DayuanFrame(DayuanCmdRecord, DayuanRecordData(benchFrames, i+1, i, "小白菜", time.Now(), 45.5))...)
	}
	benchStream(b, d, s, benchFrames)
}

func BenchmarkTL310Frames(b *testing.B) {
	d, _ := New("tl310", Options{})
	var s []byte
	for i := 0; i < benchFrames; i++ {
		s = append(s, DayuanFrame(TL310CmdRecord, TL310RecordData(TL310Record{Total: benchFrames, Index: i + 1, Channel: byte(1 + i%8),
			At: time.Now(), Rate10: int16(i % 1000), Conclusion: 2}))...)
	}
	benchStream(b, d, s, benchFrames)
}

func BenchmarkTaiYangFrames(b *testing.B) {
	d, _ := New("taiyang", Options{})
	s := []byte{0x1B, 0xC1}
	for i := 0; i < benchFrames; i++ {
		s = append(s, taiyangSeed()...)
	}
	s = append(s, 0x1B, 0xFE)
	benchStream(b, d, s, benchFrames)
}

func BenchmarkTextModeFrames(b *testing.B) {
	p := TextModeProfile()
	d, _ := New("dy723pc", Options{})
	var s []byte
	for i := 0; i < benchFrames; i++ {
		rec, _ := p.EncodeRecord(Reading{SampleNo: "0001", Channel: 2, Item: "有机磷", SampleDeltaA: f64(0.5), Value: f64(12.5), Unit: "%", Result: "合格", TestedAt: time.Now()})
		s = append(s, rec...)
	}
	benchStream(b, d, s, benchFrames)
}

func BenchmarkGenericFrameFrames(b *testing.B) {
	p := Profile{Name: "f", Framing: "frame", StartHex: "02", EndHex: "03", Encoding: "gb18030",
		CSV: &CSVMap{Separator: ";", Fields: map[string]int{"rate": 0, "channel": 1, "sample_name": 2}}, Checksum: "crc16-modbus"}
	d, _ := NewProfileDriver(p, Options{})
	var s []byte
	for i := 0; i < benchFrames; i++ {
		rec, _ := p.EncodeRecord(Reading{Rate: f64(12.5), Channel: 3, SampleName: "芹菜"})
		s = append(s, rec...)
	}
	benchStream(b, d, s, benchFrames)
}
