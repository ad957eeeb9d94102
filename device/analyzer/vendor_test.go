package analyzer

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadHexLines reads a testdata transcript as one byte string per
// non-comment line (one frame per line in the Dayuan transcripts).
func loadHexLines(t testing.TB, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "vendor", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, b)
	}
	return out
}

// loadHex reads a testdata transcript: '#' lines are notes, the rest hex.
func loadHex(t testing.TB, name string) []byte {
	t.Helper()
	return bytes.Join(loadHexLines(t, name), nil)
}

// LoadHex and LoadHexLines, for the external tests.
var LoadHex, LoadHexLines = loadHex, loadHexLines

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

func TestChecksumVectors(t *testing.T) {
	cases := []struct {
		name string
		got  uint32
		want uint32
	}{
		{"crc8 TL-310 reply (devices.md §6.1)", uint32(CRC8([]byte{0x02, 0x04, 0x00, 0xFF, 0x02, 0x10, 0x10})), 0xF8},
		{"crc8 LZ-4000T request (devices.md §6.1)", uint32(CRC8([]byte{0x00, 0x02, 0x00, 0x00, 0x00})), 0x07},
		{"crc8 check value 123456789 (CRC-8/0x31 init 0)", uint32(CRC8([]byte("123456789"))), 0xA2},
		{"crc16 modbus check value 123456789", uint32(CRC16Modbus([]byte("123456789"))), 0x4B37},
		{"sum8", uint32(Sum8([]byte{0xFF, 0x02})), 0x01},
		{"xor", uint32(Xor8([]byte{0x0F, 0xF0, 0x01})), 0xFE},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %#x want %#x", c.name, c.got, c.want)
		}
	}
}

func TestDayuanVendorFrames(t *testing.T) {
	req := loadHex(t, "dayuan-lz4000t-commtest-request.hex")
	if got := DayuanFrame(DayuanCmdTest, []byte{0, 0}); !bytes.Equal(got, req) {
		t.Errorf("comm test request % X, want % X", got, req)
	}
	reply := loadHex(t, "dayuan-tl310-commtest-reply.hex")
	var d DayuanDeframer
	// garbage, then the reply split in two reads
	fs := d.Feed(append([]byte{0x00, 0xAA, 0x7E, 0x13}, reply[:5]...))
	fs = append(fs, d.Feed(reply[5:])...)
	if len(fs) != 1 || !bytes.Equal(fs[0].Raw, reply) {
		t.Fatalf("frames %x, want one %x", fs, reply)
	}
	if st := d.Stats(); st.Frames != 1 || st.BytesDropped != 4 {
		t.Errorf("stats %+v", st)
	}
	bad := append([]byte(nil), reply...)
	bad[len(bad)-2] ^= 1
	var d2 DayuanDeframer
	if fs := d2.Feed(bad); len(fs) != 0 || d2.Stats().CRCErrors != 1 {
		t.Errorf("corrupted CRC: frames=%d stats=%+v", len(fs), d2.Stats())
	}
}

func TestDayuanRecordDecode(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	drv, _ := New("lz4000t", Options{Location: loc, SerialNo: "SN42"})
	at := time.Date(2024, 5, 1, 9, 30, 15, 0, loc)
	// Hand-assembled record frame per devices.md §6.1 (bytes 6-7, not
	// defined by the document, = 03 00: they must not matter).
	data := []byte{5, 0, 3, 0, 0x39, 0x30, 0xBE, 0xC2, 0xB2, 0xCB, ' ', ' ', 24, 5, 1, 9, 30, 15, 0xE2, 0x04}
	// 0x3039 = 12345 sample no; BEC2 B2CB = 韭菜 in GB2312; 0x04E2 = 1250 => 12.50 %.
	// RecordNo = sample no + first 4 bytes of SHA-256 over data bytes 4-19
	// (computed with Python's hashlib, not the code under test).
	if enc := DayuanRecordData(5, 3, 12345, "韭菜", at, 12.5); !bytes.Equal(enc, data) {
		t.Fatalf("encoder % X\nwant     % X", enc, data)
	}
	rs, err := drv.Decode(Frame{Raw: DayuanFrame(DayuanCmdRecord, data)})
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	r := rs[0]
	if r.SampleName != "韭菜" || r.SampleNo != "12345" || !r.TestedAt.Equal(at) || !near(r.Rate, 12.5, 1e-9) ||
		r.RecordNo != "12345-9521a7fa" || r.SerialNo != "SN42" || r.Item != "有机磷和氨基甲酸酯类" || r.Suspect {
		t.Errorf("decoded %+v rate=%v", r, *r.Rate)
	}
}

func TestTaiYangVendorRecords(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	cases := []struct {
		file      string
		model     byte
		modelName string
		at        time.Time
		abs, rate float64 // TTNJ: absorbance, inhibition
		ctl, smp  float64 // TTJ: control and sample ΔA
	}{
		{"taiyang-ttnj8.hex", 0x01, "TTNJ-8", time.Date(2011, 3, 29, 9, 55, 2, 0, loc), 0.596, 34.8, 0, 0},
		{"taiyang-ttj10h8.hex", 0x11, "TTJ-10H8", time.Date(2011, 3, 30, 16, 49, 37, 0, loc), 0, 0, 0.914, 0.570},
		{"taiyang-ttj8h8.hex", 0x12, "TTJ-8H8", time.Date(2011, 3, 30, 11, 15, 23, 0, loc), 0, 0, 0.914, 0.502},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rec := loadHex(t, c.file)
			if len(rec) != TaiYangRecLen {
				t.Fatalf("transcript is %d bytes", len(rec))
			}
			// The deframer must find the record after 1B C1, byte by byte,
			// with the end marker after it.
			d := &TaiYangDeframer{Order: "16"}
			var fs []Frame
			for _, b := range append(append([]byte{0x1B, 0xC1}, rec...), 0x1B, 0xFE) {
				fs = append(fs, d.Feed([]byte{b})...)
			}
			if len(fs) != 3 || !bytes.Equal(fs[1].Raw, rec) {
				t.Fatalf("frames %d", len(fs))
			}
			drv, _ := New("taiyang", Options{Location: loc, TaiYangModel: c.model})
			rs, err := drv.Decode(fs[1])
			if err != nil || len(rs) != 1 {
				t.Fatalf("readings %v err %v", rs, err)
			}
			r := rs[0]
			if r.Model != c.modelName || !r.TestedAt.Equal(c.at) || r.Channel != 1 || r.RecordNo != "1" || r.SampleNo != "1" {
				t.Errorf("decoded %+v", r)
			}
			if c.model == 0x01 {
				if !near(r.SampleDeltaA, c.abs, 0.0005) || !near(r.Rate, c.rate, 0.05) {
					t.Errorf("abs %v rate %v", *r.SampleDeltaA, *r.Rate)
				}
			} else {
				want := (c.ctl - c.smp) / c.ctl * 100
				if !near(r.ControlDeltaA, c.ctl, 0.0005) || !near(r.SampleDeltaA, c.smp, 0.0005) || !near(r.Rate, want, 0.1) {
					t.Errorf("ctl %v smp %v rate %v (want ≈%.1f)", *r.ControlDeltaA, *r.SampleDeltaA, *r.Rate, want)
				}
			}
		})
	}
	// The same header read in the documented 8-channel order gives an
	// impossible date (month 1, day 3, hour 0x1D=29) — why "16" is default.
	h := ParseTaiYangHeader(loadHex(t, "taiyang-ttnj8.hex"), "8")
	if h.valid() {
		t.Errorf("8-channel order unexpectedly valid: %+v", h)
	}
}

func TestTextModeRequest(t *testing.T) {
	want := loadTextTranscript(t, "dy723pc-request.txt") + "\r\n"
	drv, err := New("dy723pc", Options{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.Local), To: time.Date(2024, 5, 31, 0, 0, 0, 0, time.Local)})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(drv.(*profileDriver).RequestBytes()); got != want {
		t.Errorf("request %q want %q", got, want)
	}
}

func loadTextTranscript(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "vendor", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

func TestTextModeLines(t *testing.T) {
	p := TextModeProfile()
	rec := func(body string) string {
		gb := p.encodeText(body)
		return body + strings.ToUpper(hex.EncodeToString([]byte{Sum8(gb)}))
	}
	good := rec("R0007,3,有机磷和氨基甲酸酯类,0.412,62.5,%,不合格,2024-05-02 10:11:12,")
	cases := []struct {
		name              string
		in                string
		frames, crc, recs int
	}{
		{"good", good + "\r\nFINISH\r\n", 2, 0, 1},
		{"garbage before R", "\x01\xffzz" + good + "\r\n", 1, 0, 1},
		{"bad checksum", strings.Replace(good, "62.5", "63.5", 1) + "\r\n", 0, 1, 0},
		{"noise line", "\x13\x00ab\r\n", 0, 0, 0},
		{"FINISH after garbage", "##FINISH\r\n", 1, 0, 0},
		{"unterminated", good, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gbIn := p.encodeText(c.in)
			d := NewProfileDeframer(&p)
			fs := d.Feed(gbIn)
			if len(fs) != c.frames || d.Stats().CRCErrors != int64(c.crc) {
				t.Fatalf("frames %d (want %d) stats %+v", len(fs), c.frames, d.Stats())
			}
			drv, _ := NewProfileDriver(p, Options{})
			n := 0
			for _, f := range fs {
				rs, err := drv.Decode(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rs {
					n++
					if r.SampleNo != "0007" || r.Channel != 3 || !near(r.Rate, 62.5, 1e-9) || r.Result != "不合格" || !near(r.SampleDeltaA, 0.412, 1e-9) {
						t.Errorf("decoded %+v", r)
					}
				}
			}
			if n != c.recs {
				t.Errorf("readings %d want %d", n, c.recs)
			}
		})
	}
}

// TestVendorGolden decodes every vendor transcript and compares the JSON
// with testdata/golden/vendor.json (go test -run Golden -update rewrites it).
func TestVendorGolden(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	var all []Reading
	for _, c := range []struct {
		file  string
		model byte
	}{{"taiyang-ttnj8.hex", 1}, {"taiyang-ttj10h8.hex", 0x11}, {"taiyang-ttj8h8.hex", 0x12}} {
		drv, _ := New("taiyang", Options{Location: loc, TaiYangModel: c.model})
		rs, _ := drv.Decode(Frame{Raw: loadHex(t, c.file)})
		all = append(all, rs...)
	}
	got, _ := json.MarshalIndent(all, "", "  ")
	path := filepath.Join("testdata", "golden", "vendor.json")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("golden mismatch:\n%s", got)
	}
}

func TestProfileValidateAndSave(t *testing.T) {
	base := TextModeProfile()
	base.Name = "我的仪器 A/B"
	bad := []struct {
		field string
		mut   func(p *Profile)
	}{
		{"name", func(p *Profile) { p.Name = " " }},
		{"encoding", func(p *Profile) { p.Encoding = "latin1" }},
		{"framing", func(p *Profile) { p.Framing = "xml" }},
		{"checksum", func(p *Profile) { p.Checksum = "md5" }},
		{"serial.baud", func(p *Profile) { p.Serial.Baud = 14400 }},
		{"serial.parity", func(p *Profile) { p.Serial.Parity = "Q" }},
		{"regex/csv", func(p *Profile) { p.Regex = "(?P<rate>.*)" }},
		{"regex", func(p *Profile) { p.CSV = nil; p.Regex = "(" }},
		{"field bogus", func(p *Profile) { p.CSV = &CSVMap{Fields: map[string]int{"bogus": 1, "rate": 0}} }},
		{"fields", func(p *Profile) { p.CSV = &CSVMap{Fields: map[string]int{"channel": 1}} }},
		{"end_marker", func(p *Profile) { p.EndMarker = "" }},
		{"start_hex/end_hex", func(p *Profile) { p.Framing = "frame"; p.StartHex = "zz" }},
	}
	for _, b := range bad {
		p := base
		cp := *base.CSV
		p.CSV = &cp
		b.mut(&p)
		err := p.Validate()
		pe, ok := err.(*ProfileError)
		if !ok || pe.Field != b.field || pe.UserMessage("zh") == "" || pe.UserMessage("en") == "" {
			t.Errorf("%s: got %v", b.field, err)
		}
	}
	dir := t.TempDir()
	if err := SaveProfile(dir, base); err != nil {
		t.Fatal(err)
	}
	lp := genericLine()
	if err := SaveProfile(dir, lp); err != nil {
		t.Fatal(err)
	}
	base.Description = "v2" // overwrite atomically
	if err := SaveProfile(dir, base); err != nil {
		t.Fatal(err)
	}
	got, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Name != base.Name || got[1].Description != "v2" || got[1].CSV.Fields["time"] != 7 || got[0].Regex != lp.Regex {
		t.Fatalf("loaded %+v", got)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"name":"x","unknown_field":1}`), 0o644)
	if _, err := LoadProfiles(dir); err == nil {
		t.Error("broken profile accepted")
	}
	if err := SaveProfile(dir, Profile{Name: "bad"}); err == nil {
		t.Error("invalid profile saved")
	}
}

// genericLine is a regex profile: "CH03 SAMPLE=A12 RATE=45.2% NEG 2024-05-02T10:11:12*XX".
func genericLine() Profile {
	return Profile{Name: "regex-print", Encoding: "utf-8", Framing: "line",
		Regex:    `^CH(?P<channel>\d+) SAMPLE=(?P<sample_no>\S+) RATE=(?P<rate>[-\d.]+)% (?P<result>\S+) (?P<time>\S+)$`,
		Checksum: "none", TimeLayout: "2006-01-02T15:04:05", Unit: "%", Item: "农残"}
}

func TestRegexProfile(t *testing.T) {
	p := genericLine()
	drv, err := NewProfileDriver(p, Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	d := drv.NewDeframer()
	fs := d.Feed([]byte("hello\r\nCH03 SAMPLE=A12 RATE=45.2% 阴性 2024-05-02T10:11:12\r\nCH04 SAMPLE=A13 RATE=---.-% 无效 2024-05-02T10:11:13\r\n"))
	if len(fs) != 2 || d.Stats().CRCErrors != 0 {
		t.Fatalf("frames %d stats %+v", len(fs), d.Stats())
	}
	// "---.-" is the instrument's "no value": kept, flagged, never dropped.
	if rs, _ := drv.Decode(fs[1]); len(rs) != 1 || !rs[0].Suspect || rs[0].Rate != nil || rs[0].Result != "无效" {
		t.Errorf("no-value reading: %+v", rs)
	}
	rs, _ := drv.Decode(fs[0])
	r := rs[0]
	if r.Channel != 3 || r.SampleNo != "A12" || !near(r.Rate, 45.2, 1e-9) || r.Result != "阴性" || r.Item != "农残" ||
		!r.TestedAt.Equal(time.Date(2024, 5, 2, 10, 11, 12, 0, time.UTC)) {
		t.Errorf("%+v", r)
	}
}
