package analyzer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/encoding/simplifiedchinese"

	"suyuan/device"
)

// Profile configures the generic driver for an instrument that prints or
// streams text records: how to cut the stream (lines or start/end bytes),
// how to check each record, and which field is which. Technicians save
// profiles by name as JSON (LoadProfiles / SaveProfile).
type Profile struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Model       string       `json:"model,omitempty"`
	Serial      SerialParams `json:"serial"`
	Encoding    string       `json:"encoding"`           // "utf-8" (default) or "gb18030" (also reads GBK/GB2312)
	Framing     string       `json:"framing"`            // "line" (default) or "frame"
	LineEnd     string       `json:"line_end,omitempty"` // line framing; default "\n" (a trailing "\r" is removed)
	StartHex    string       `json:"start_hex,omitempty"`
	EndHex      string       `json:"end_hex,omitempty"`
	// RecordPrefix marks a record inside a line ("R" for DY-723PC); it is
	// removed before fields are split. Lines without it are not records.
	RecordPrefix string `json:"record_prefix,omitempty"`
	// EndMarker is the line that ends a transfer ("FINISH").
	EndMarker string `json:"end_marker,omitempty"`
	// Request is sent to start a transfer; {from} and {to} are replaced by
	// the date range formatted with RequestDateLayout. Empty = passive
	// (the instrument sends on its own, e.g. print capture).
	Request           string `json:"request,omitempty"`
	RequestDateLayout string `json:"request_date_layout,omitempty"`
	// Exactly one of Regex (named groups) and CSV maps fields. Field names:
	// record_no sample_no sample_name channel item control_delta_a
	// sample_delta_a rate value unit result time serial_no model.
	Regex string  `json:"regex,omitempty"`
	CSV   *CSVMap `json:"csv,omitempty"`
	// Checksum: none, sum8, xor, crc8 (0x31), crc16-modbus. Line framing:
	// the last field is the checksum in hex, computed over the record bytes
	// from the prefix up to and including the separator before it. Frame
	// framing: 1 or 2 binary bytes (CRC-16 low byte first) before the end
	// bytes, computed over the body between start and checksum.
	Checksum   string `json:"checksum,omitempty"`
	TimeLayout string `json:"time_layout,omitempty"` // Go layout; default "2006-01-02 15:04:05"
	Item       string `json:"item,omitempty"`        // default item when the record has none
	Unit       string `json:"unit,omitempty"`        // default unit
}

// CSVMap maps field names to 0-based column numbers.
type CSVMap struct {
	Separator string         `json:"separator"` // default ","
	Fields    map[string]int `json:"fields"`
}

var profileFields = map[string]bool{"record_no": true, "sample_no": true, "sample_name": true, "channel": true, "item": true,
	"control_delta_a": true, "sample_delta_a": true, "rate": true, "value": true, "unit": true, "result": true, "time": true,
	"serial_no": true, "model": true}

// ProfileError is an invalid profile, with the field to fix.
type ProfileError struct {
	Profile, Field, Msg string
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("analyzer profile %q: %s: %s", e.Profile, e.Field, e.Msg)
}

// UserMessage names the setting to correct.
func (e *ProfileError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("Instrument profile %q has an invalid setting %q: %s. Correct it and save again.", e.Profile, e.Field, e.Msg)
	}
	return fmt.Sprintf("仪器配置“%s”的设置项“%s”无效：%s。请修改后重新保存。", e.Profile, e.Field, e.Msg)
}

func (p *Profile) sep() string {
	if p.CSV != nil && p.CSV.Separator != "" {
		return p.CSV.Separator
	}
	return ","
}

func (p *Profile) lineEnd() []byte {
	if p.LineEnd == "" {
		return []byte("\n")
	}
	return []byte(p.LineEnd)
}

// Validate checks the profile and compiles nothing it keeps; call before
// saving or using.
func (p *Profile) Validate() error {
	bad := func(field, msg string) error { return &ProfileError{Profile: p.Name, Field: field, Msg: msg} }
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 64 {
		return bad("name", "1 to 64 characters required")
	}
	switch strings.ToLower(p.Encoding) {
	case "", "utf-8", "utf8", "gb18030", "gbk", "gb2312":
	default:
		return bad("encoding", "use utf-8 or gb18030")
	}
	switch p.Framing {
	case "", "line":
		if p.LineEnd != "" && len(p.LineEnd) > 4 {
			return bad("line_end", "at most 4 bytes")
		}
	case "frame":
		s, err1 := hex.DecodeString(p.StartHex)
		e, err2 := hex.DecodeString(p.EndHex)
		if err1 != nil || err2 != nil || len(s) == 0 || len(e) == 0 || len(s) > 4 || len(e) > 4 {
			return bad("start_hex/end_hex", "1 to 4 bytes in hex each, e.g. 02 and 03")
		}
	default:
		return bad("framing", "use line or frame")
	}
	switch p.Checksum {
	case "", "none", "sum8", "xor", "crc8", "crc16-modbus":
	default:
		return bad("checksum", "use none, sum8, xor, crc8 or crc16-modbus")
	}
	switch p.Serial.Baud {
	case 0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400:
	default:
		return bad("serial.baud", "use a standard rate such as 2400, 9600 or 115200")
	}
	switch strings.ToUpper(p.Serial.Parity) {
	case "", "N", "E", "O", "NONE", "EVEN", "ODD":
	default:
		return bad("serial.parity", "use N, E or O")
	}
	if (p.Regex == "") == (p.CSV == nil) {
		return bad("regex/csv", "set exactly one of regex and csv")
	}
	var names []string
	if p.Regex != "" {
		re, err := regexp.Compile(p.Regex)
		if err != nil {
			return bad("regex", err.Error())
		}
		for _, n := range re.SubexpNames() {
			if n != "" {
				names = append(names, n)
			}
		}
	} else {
		for n, i := range p.CSV.Fields {
			if i < 0 || i > 255 {
				return bad("csv.fields."+n, "column must be 0..255")
			}
			names = append(names, n)
		}
	}
	hasValue := false
	for _, n := range names {
		if !profileFields[n] {
			return bad("field "+n, "unknown field name")
		}
		if n == "rate" || n == "value" || n == "result" || n == "sample_delta_a" {
			hasValue = true
		}
	}
	if !hasValue {
		return bad("fields", "map at least one of rate, value, result, sample_delta_a")
	}
	if p.Request != "" && p.EndMarker == "" {
		return bad("end_marker", "a requested transfer needs an end marker")
	}
	return nil
}

// profileFile gives the file name for a profile name: letters and digits of
// any script are kept, everything else becomes '_'.
func profileFile(name string) string {
	b := []rune{}
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			b = append(b, r)
		} else {
			b = append(b, '_')
		}
	}
	return string(b) + ".json"
}

// SaveProfile validates p and writes dir/<name>.json atomically (temp file,
// fsync, rename, fsync dir) so a power cut leaves the old or the new file,
// never half of one.
func SaveProfile(dir string, p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("analyzer: profile dir: %w", err)
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	final := filepath.Join(dir, profileFile(p.Name))
	tmp, err := os.CreateTemp(dir, ".profile-*.tmp")
	if err != nil {
		return fmt.Errorf("analyzer: save profile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("analyzer: save profile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("analyzer: save profile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("analyzer: save profile: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("analyzer: save profile: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// LoadProfiles reads every *.json profile in dir, sorted by name. A missing
// dir is no profiles. An invalid file is an error naming it.
func LoadProfiles(dir string) ([]Profile, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Profile
	for _, f := range m {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("analyzer: load profile %s: %w", f, err)
		}
		var p Profile
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, &ProfileError{Profile: filepath.Base(f), Field: "json", Msg: err.Error()}
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// checksum computes the profile's checksum over b; width is its byte count.
func (p *Profile) checksum(b []byte) (v uint32, width int) {
	switch p.Checksum {
	case "sum8":
		return uint32(Sum8(b)), 1
	case "xor":
		return uint32(Xor8(b)), 1
	case "crc8":
		return uint32(CRC8(b)), 1
	case "crc16-modbus":
		return uint32(CRC16Modbus(b)), 2
	}
	return 0, 0
}

func (p *Profile) decodeText(b []byte) string {
	switch strings.ToLower(p.Encoding) {
	case "gb18030", "gbk", "gb2312":
		s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err == nil {
			return string(s)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func (p *Profile) encodeText(s string) []byte {
	switch strings.ToLower(p.Encoding) {
	case "gb18030", "gbk", "gb2312":
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err == nil {
			return b
		}
	}
	return []byte(s)
}

// ProfileDeframer cuts lines or start/end frames and returns only the end
// marker and records whose checksum (if any) passes.
type ProfileDeframer struct {
	p          *Profile
	start, end []byte
	buf        []byte
	stats      Stats
	re         *regexp.Regexp
}

const maxRecord = 4096

// NewProfileDeframer builds the deframer for a validated profile.
func NewProfileDeframer(p *Profile) *ProfileDeframer {
	d := &ProfileDeframer{p: p}
	d.start, _ = hex.DecodeString(p.StartHex)
	d.end, _ = hex.DecodeString(p.EndHex)
	if p.Regex != "" {
		d.re, _ = regexp.Compile(p.Regex)
	}
	return d
}

func (d *ProfileDeframer) Stats() Stats { return d.stats }

// Feed implements Deframer.
func (d *ProfileDeframer) Feed(b []byte) []Frame {
	d.buf = append(d.buf, b...)
	var out []Frame
	if d.p.Framing == "frame" {
		for len(d.buf) > 0 {
			i := bytes.Index(d.buf, d.start)
			if i < 0 {
				keep := min(len(d.buf), len(d.start)-1)
				if n := len(d.buf) - keep; n > 0 {
					d.stats.Resyncs++
					d.stats.BytesDropped += int64(n)
					d.buf = d.buf[n:]
				}
				break
			}
			if i > 0 {
				d.stats.Resyncs++
				d.stats.BytesDropped += int64(i)
				d.buf = d.buf[i:]
			}
			// The checksum bytes may contain the end byte(s): try every end
			// candidate; give up on this start only when another start
			// precedes the first candidate (garbage start) or follows the
			// last one (the next frame has begun).
			rest := d.buf[len(d.start):]
			accepted := false
			first, last := -1, -1
			for off := 0; off < len(rest); {
				j := bytes.Index(rest[off:], d.end)
				if j < 0 {
					break
				}
				e := off + j
				if first < 0 {
					first = e
				}
				last = e
				total := len(d.start) + e + len(d.end)
				if f, ok := d.checkFrame(d.buf[:total]); ok {
					out = append(out, f)
					d.buf = d.buf[total:]
					accepted = true
					break
				}
				off = e + 1
			}
			if accepted {
				continue
			}
			// No end candidate validates. Give this start up only when a
			// later start provably begins a valid frame (garbage start, or a
			// damaged frame followed by a good one); otherwise more bytes
			// may still complete it (a checksum byte can equal the start).
			if s := d.laterValidStart(rest); s >= 0 {
				// Every start…end segment given up here was a damaged
				// frame: two damaged frames in a row are two lost records,
				// not one (a passive stream cannot ask again, and a
				// requested one uses the count to know what to expect).
				d.stats.CRCErrors += int64(d.segments(d.buf[:len(d.start)+s]))
				d.stats.Resyncs++
				d.stats.BytesDropped += int64(len(d.start) + s)
				d.buf = rest[s:]
				continue
			}
			if len(d.buf) > maxRecord {
				if first >= 0 {
					d.stats.CRCErrors++
				}
				d.stats.Resyncs++
				d.stats.BytesDropped += int64(len(d.start))
				d.buf = rest
				continue
			}
			_ = last
			break
		}
		return out
	}
	le := d.p.lineEnd()
	for {
		i := bytes.Index(d.buf, le)
		if i < 0 {
			if len(d.buf) > maxRecord {
				d.stats.Resyncs++
				d.stats.BytesDropped += int64(len(d.buf))
				d.buf = d.buf[:0]
			}
			break
		}
		line := d.buf[:i]
		d.buf = d.buf[i+len(le):]
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if f, ok := d.checkLine(line); ok {
			out = append(out, f)
		}
	}
	if len(d.buf) == 0 {
		d.buf = nil
	}
	return out
}

// segments counts the start…end segments in b (which begins with a start):
// from a start to the first end after it, then from the next start after
// that end, and so on. A start without an end after it is not counted.
func (d *ProfileDeframer) segments(b []byte) int {
	n, pos := 0, 0
	for pos < len(b) {
		e := bytes.Index(b[pos+len(d.start):], d.end)
		if e < 0 {
			break
		}
		n++
		next := pos + len(d.start) + e + len(d.end)
		i := bytes.Index(b[next:], d.start)
		if i < 0 {
			break
		}
		pos = next + i
	}
	return n
}

// Flush ends the stream (a passive transfer is over): what is still
// buffered is counted — a start…end segment (frame framing) or a line that
// looks like a record (line framing) that never passed its check is a
// damaged record, so nothing is lost unreported — and dropped.
func (d *ProfileDeframer) Flush() {
	if len(d.buf) == 0 {
		return
	}
	if d.p.Framing == "frame" {
		if i := bytes.Index(d.buf, d.start); i >= 0 {
			d.stats.CRCErrors += int64(d.segments(d.buf[i:]))
		}
	} else if line := bytes.TrimRight(d.buf, "\r"); len(line) > 0 {
		if (d.re == nil && bytes.Count(line, []byte(d.p.sep())) >= 2) || (len(d.p.RecordPrefix) > 0 && bytes.Contains(line, []byte(d.p.RecordPrefix))) {
			d.stats.CRCErrors++
		}
	}
	d.stats.Resyncs++
	d.stats.BytesDropped += int64(len(d.buf))
	d.buf = nil
}

// validFrame reports whether raw (start..end) passes the checksum.
func (d *ProfileDeframer) validFrame(raw []byte) bool {
	if len(raw) < len(d.start)+len(d.end) {
		return false
	}
	body := raw[len(d.start) : len(raw)-len(d.end)]
	if _, w := d.p.checksum(nil); w > 0 {
		if len(body) < w {
			return false
		}
		data, cs := body[:len(body)-w], body[len(body)-w:]
		v, _ := d.p.checksum(data)
		got := uint32(cs[0])
		if w == 2 {
			got = uint32(cs[0]) | uint32(cs[1])<<8
		}
		return v == got
	}
	return true
}

// checkFrame returns a copy of raw as a frame if it is valid.
func (d *ProfileDeframer) checkFrame(raw []byte) (Frame, bool) {
	if !d.validFrame(raw) {
		return Frame{}, false
	}
	d.stats.Frames++
	return Frame{Raw: append([]byte(nil), raw...)}, true
}

// laterValidStart finds the first start inside rest that begins a complete
// valid frame, or -1.
func (d *ProfileDeframer) laterValidStart(rest []byte) int {
	for off := 0; ; {
		i := bytes.Index(rest[off:], d.start)
		if i < 0 {
			return -1
		}
		s := off + i
		cand := rest[s+len(d.start):]
		for e := 0; ; {
			j := bytes.Index(cand[e:], d.end)
			if j < 0 {
				break
			}
			if d.validFrame(rest[s : s+len(d.start)+e+j+len(d.end)]) {
				return s
			}
			e += j + 1
		}
		off = s + 1
	}
}

// checkLine returns the record (from its prefix on) or the end marker.
func (d *ProfileDeframer) checkLine(line []byte) (Frame, bool) {
	if d.p.EndMarker != "" && bytes.HasSuffix(line, []byte(d.p.EndMarker)) {
		if n := len(line) - len(d.p.EndMarker); n > 0 {
			d.stats.Resyncs++
			d.stats.BytesDropped += int64(n)
		}
		d.stats.Frames++
		return Frame{Raw: []byte(d.p.EndMarker)}, true
	}
	prefix := []byte(d.p.RecordPrefix)
	off := 0
	looksLikeRecord := false
	for {
		i := 0
		if len(prefix) > 0 {
			i = bytes.Index(line[off:], prefix)
			if i < 0 {
				break
			}
		}
		cand := line[off+i:]
		// What counts as a damaged record (vs. noise or a printed header):
		// CSV with at least two separators; regex only after a prefix.
		if (d.re == nil && bytes.Count(cand, []byte(d.p.sep())) >= 2) || (d.re != nil && len(prefix) > 0) {
			looksLikeRecord = true
		}
		if _, err := d.p.parseRecord(cand, d.re); err == nil {
			if n := off + i; n > 0 {
				d.stats.Resyncs++
				d.stats.BytesDropped += int64(n)
			}
			d.stats.Frames++
			return Frame{Raw: append([]byte(nil), cand...)}, true
		}
		if len(prefix) == 0 {
			break
		}
		off += i + len(prefix)
	}
	if looksLikeRecord {
		d.stats.CRCErrors++
	} else {
		d.stats.Resyncs++
	}
	d.stats.BytesDropped += int64(len(line))
	return Frame{}, false
}

// parseRecord verifies the checksum of one record (line framing: starting at
// the prefix; frame framing: the body) and maps its fields.
func (p *Profile) parseRecord(rec []byte, re *regexp.Regexp) (map[string]string, error) {
	body := rec
	if p.Framing != "frame" {
		if _, w := p.checksum(nil); w > 0 {
			k := bytes.LastIndex(rec, []byte(p.sep()))
			if k < 0 {
				return nil, errors.New("no checksum field")
			}
			cs := strings.TrimSpace(string(rec[k+len(p.sep()):]))
			got, err := strconv.ParseUint(cs, 16, 32)
			if err != nil || len(cs) != 2*w {
				return nil, errors.New("bad checksum field")
			}
			if v, _ := p.checksum(rec[:k+len(p.sep())]); v != uint32(got) {
				return nil, errors.New("checksum mismatch")
			}
			body = rec[:k]
		}
		body = body[len(p.RecordPrefix):]
	} else {
		s, _ := hex.DecodeString(p.StartHex)
		e, _ := hex.DecodeString(p.EndHex)
		_, w := p.checksum(nil)
		if len(rec) < len(s)+len(e)+w {
			return nil, errors.New("short frame")
		}
		body = rec[len(s) : len(rec)-len(e)-w]
	}
	text := p.decodeText(body)
	fields := map[string]string{}
	if re != nil {
		m := re.FindStringSubmatch(text)
		if m == nil {
			return nil, errors.New("regex does not match")
		}
		for i, n := range re.SubexpNames() {
			if n != "" {
				fields[n] = strings.TrimSpace(m[i])
			}
		}
		return fields, nil
	}
	cols := strings.Split(text, p.sep())
	for n, i := range p.CSV.Fields {
		if i >= len(cols) {
			return nil, fmt.Errorf("field %s: column %d missing", n, i)
		}
		fields[n] = strings.TrimSpace(cols[i])
	}
	return fields, nil
}

// profileDriver is the generic driver (and the base of text mode).
type profileDriver struct {
	name string
	p    Profile
	o    Options
	re   *regexp.Regexp
}

// NewProfileDriver returns the generic driver for a validated profile.
func NewProfileDriver(p Profile, o Options) (Driver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	d := &profileDriver{name: "generic:" + p.Name, p: p, o: o}
	if p.Regex != "" {
		d.re = regexp.MustCompile(p.Regex)
	}
	return d, nil
}

func init() {
	register("generic", func(o Options) (Driver, error) {
		if o.Profile == nil {
			return nil, &ProfileError{Profile: "", Field: "profile", Msg: "the generic driver needs a saved profile"}
		}
		return NewProfileDriver(*o.Profile, o)
	})
}

func (d *profileDriver) Name() string          { return d.name }
func (d *profileDriver) Serial() SerialParams  { return d.p.Serial }
func (d *profileDriver) NewDeframer() Deframer { return NewProfileDeframer(&d.p) }
func (d *profileDriver) Profile() Profile      { return d.p }

func (d *profileDriver) isEnd(f Frame) bool {
	return d.p.EndMarker != "" && string(f.Raw) == d.p.EndMarker
}

// Decode implements Driver.
func (d *profileDriver) Decode(f Frame) ([]Reading, error) {
	if d.isEnd(f) {
		return nil, nil
	}
	fields, err := d.p.parseRecord(f.Raw, d.re)
	if err != nil {
		return nil, &device.ProtocolError{Driver: d.name, Op: "decode record", Msg: err.Error()}
	}
	r := Reading{Instrument: d.name, Model: d.p.Model, SerialNo: d.o.SerialNo, Item: d.p.Item, Unit: d.p.Unit, Raw: f.Raw}
	num := func(k string) *float64 {
		s, ok := fields[k]
		if !ok || s == "" {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			r.Suspect = true // "---.-", "NA": the instrument had no valid value
			return nil
		}
		return &v
	}
	for k, v := range fields {
		switch k {
		case "record_no":
			r.RecordNo = v
		case "sample_no":
			r.SampleNo = v
		case "sample_name":
			r.SampleName = v
		case "item":
			if v != "" {
				r.Item = v
			}
		case "unit":
			if v != "" {
				r.Unit = v
			}
		case "result":
			r.Result = v
		case "serial_no":
			if v != "" {
				r.SerialNo = v
			}
		case "model":
			if v != "" {
				r.Model = v
			}
		case "channel":
			n, err := strconv.Atoi(v)
			if err != nil {
				r.Suspect = true
			}
			r.Channel = n
		case "time":
			layout := d.p.TimeLayout
			if layout == "" {
				layout = "2006-01-02 15:04:05"
			}
			t, err := time.ParseInLocation(layout, v, d.o.Location)
			if err != nil {
				r.Suspect = true
			}
			r.TestedAt = t
		}
	}
	r.ControlDeltaA, r.SampleDeltaA, r.Rate, r.Value = num("control_delta_a"), num("sample_delta_a"), num("rate"), num("value")
	if r.RecordNo == "" {
		r.RecordNo = r.SampleNo
	}
	if r.RecordNo == "" {
		// The profile maps no record or sample number: the record's own
		// bytes identify it, so two different records with the same time
		// and channel (a clock to the minute, a single-channel reader) stay
		// two readings; the same record printed twice is one.
		sum := sha256.Sum256(f.Raw)
		r.RecordNo = fmt.Sprintf("raw-%x", sum[:6])
	}
	if r.Rate == nil && r.Value != nil && r.Unit == "%" {
		r.Rate = f64(*r.Value)
	}
	if r.Rate == nil && r.ControlDeltaA != nil && r.SampleDeltaA != nil && *r.ControlDeltaA > 0 {
		r.Rate = f64((*r.ControlDeltaA - *r.SampleDeltaA) / *r.ControlDeltaA * 100)
	}
	if r.Rate != nil && (*r.Rate < 0 || *r.Rate > 100) {
		r.Suspect = true
	}
	return []Reading{r}, nil
}

// RequestBytes renders the request for the date range.
func (d *profileDriver) RequestBytes() []byte {
	layout := d.p.RequestDateLayout
	if layout == "" {
		layout = "2006-01-02"
	}
	s := strings.NewReplacer("{from}", d.o.From.Format(layout), "{to}", d.o.To.Format(layout)).Replace(d.p.Request)
	return []byte(s)
}

// Run: with a Request, ask, collect until the end marker, and ask again
// while a pass saw a bad record or no end marker (the instrument resends
// everything; delivered readings are skipped). Without a Request, listen
// until the end marker or until ctx ends (then nil: the technician stopped
// listening), and report bad records as an error so nothing is lost
// silently.
func (d *profileDriver) Run(ctx context.Context, c *Conn, deliver func(Reading) error) error {
	if d.p.Request == "" {
		for {
			f, err := c.Next(ctx, time.Hour)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, device.ErrTimeout) {
					break
				}
				return err
			}
			if d.isEnd(f) {
				break
			}
			if err := d.deliverFrame(f, deliver); err != nil {
				return err
			}
		}
		c.Flush()
		if n := c.Stats().CRCErrors; n > 0 {
			return c.failure(d.name, "receive", Stats{}, DamagedData, 0, 0, 0,
				&device.ProtocolError{Driver: d.name, Op: "receive", Msg: fmt.Sprintf("%d records failed their check and were not imported; print or send them again", n)})
		}
		return nil
	}
	// The protocol has no record count. A complete pass (end marker seen)
	// that received V good and E damaged records tells us the range holds
	// V+E records; we are done once that many distinct records arrived.
	seen := map[string]bool{}
	expect := 0
	start := c.Stats()
	for pass := 0; pass < d.o.MaxPasses; pass++ {
		if pass > 0 {
			c.NoteRequest()
		}
		c.Drain()
		before := c.Stats().CRCErrors
		if err := c.Send(ctx, d.RequestBytes()); err != nil {
			return err
		}
		complete, good := false, 0
		for {
			f, err := c.Next(ctx, d.o.Timeout)
			if errors.Is(err, device.ErrTimeout) {
				break
			}
			if err != nil {
				return err
			}
			if d.isEnd(f) {
				complete = true
				break
			}
			rs, derr := d.Decode(f)
			if derr != nil {
				continue
			}
			good++
			for _, r := range rs {
				if err := deliver(r); err != nil {
					return err
				}
				seen[r.Key()] = true
			}
		}
		if complete {
			expect = max(expect, good+int(c.Stats().CRCErrors-before))
			if len(seen) >= expect {
				return nil
			}
		}
	}
	return c.failure(d.name, "download", start, 0, d.o.MaxPasses, expect, max(0, expect-len(seen)), nil)
}

func (d *profileDriver) deliverFrame(f Frame, deliver func(Reading) error) error {
	rs, err := d.Decode(f)
	if err != nil {
		return nil // the deframer already verified it; unreachable in practice
	}
	for _, r := range rs {
		if err := deliver(r); err != nil {
			return err
		}
	}
	return nil
}

// EncodeRecord formats r as one record of a CSV profile, with prefix,
// checksum and terminator (line framing) or start, checksum and end (frame
// framing). Used by the simulator and tests.
func (p *Profile) EncodeRecord(r Reading) ([]byte, error) {
	if p.CSV == nil {
		return nil, errors.New("analyzer: only CSV profiles can be encoded")
	}
	n := 0
	for _, i := range p.CSV.Fields {
		n = max(n, i+1)
	}
	cols := make([]string, n)
	fmtF := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	layout := p.TimeLayout
	if layout == "" {
		layout = "2006-01-02 15:04:05"
	}
	for k, i := range p.CSV.Fields {
		var v string
		switch k {
		case "record_no":
			v = r.RecordNo
		case "sample_no":
			v = r.SampleNo
		case "sample_name":
			v = r.SampleName
		case "channel":
			v = strconv.Itoa(r.Channel)
		case "item":
			v = r.Item
		case "control_delta_a":
			v = fmtF(r.ControlDeltaA)
		case "sample_delta_a":
			v = fmtF(r.SampleDeltaA)
		case "rate":
			v = fmtF(r.Rate)
		case "value":
			v = fmtF(r.Value)
		case "unit":
			v = r.Unit
		case "result":
			v = r.Result
		case "time":
			v = r.TestedAt.Format(layout)
		case "serial_no":
			v = r.SerialNo
		case "model":
			v = r.Model
		}
		cols[i] = v
	}
	body := p.encodeText(strings.Join(cols, p.sep()))
	if p.Framing == "frame" {
		s, _ := hex.DecodeString(p.StartHex)
		e, _ := hex.DecodeString(p.EndHex)
		out := append(append([]byte{}, s...), body...)
		if v, w := p.checksum(body); w == 1 {
			out = append(out, byte(v))
		} else if w == 2 {
			out = append(out, byte(v), byte(v>>8))
		}
		return append(out, e...), nil
	}
	rec := append([]byte(p.RecordPrefix), body...)
	if _, w := p.checksum(nil); w > 0 {
		rec = append(rec, p.sep()...)
		v, _ := p.checksum(rec)
		rec = append(rec, fmt.Sprintf("%0*X", 2*w, v)...)
	}
	le := p.lineEnd()
	if p.LineEnd == "" {
		le = []byte("\r\n")
	}
	return append(rec, le...), nil
}
