package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// US-layout HID keyboard usages (page 0x07) -> unshifted / shifted rune.
var hidUS = func() (t [256][2]rune) {
	for i := 0; i < 26; i++ {
		t[0x04+i] = [2]rune{rune('a' + i), rune('A' + i)}
	}
	digits, shifted := "1234567890", "!@#$%^&*()"
	for i := 0; i < 10; i++ {
		t[0x1E+i] = [2]rune{rune(digits[i]), rune(shifted[i])}
	}
	sym := map[byte][2]rune{
		0x2C: {' ', ' '}, 0x2D: {'-', '_'}, 0x2E: {'=', '+'}, 0x2F: {'[', '{'}, 0x30: {']', '}'},
		0x31: {'\\', '|'}, 0x32: {'#', '~'}, 0x33: {';', ':'}, 0x34: {'\'', '"'}, 0x35: {'`', '~'},
		0x36: {',', '<'}, 0x37: {'.', '>'}, 0x38: {'/', '?'},
		0x54: {'/', '/'}, 0x55: {'*', '*'}, 0x56: {'-', '-'}, 0x57: {'+', '+'}, 0x63: {'.', '.'},
	}
	for k, v := range sym {
		t[k] = v
	}
	kp := "1234567890"
	for i := 0; i < 10; i++ {
		t[0x59+i] = [2]rune{rune(kp[i]), rune(kp[i])}
	}
	return t
}()

const (
	hidEnter   = 0x28
	hidTab     = 0x2B
	hidKPEnter = 0x58
	modCtrl    = 0x01 | 0x10
	modShift   = 0x02 | 0x20
	modAlt     = 0x04 | 0x40
)

// HIDDecoder turns HID boot-keyboard reports ([modifiers, reserved,
// key1..key6]) from a scanner in keyboard mode into scans. A key counts
// only when it newly appears versus the previous report, so a key held
// across reports is not repeated. Enter, keypad Enter or Tab ends a scan.
//
// Extras scanners rely on:
//   - Ctrl+letter and Ctrl+[ \ ] ^ _ give control characters, so a GS1
//     FNC1 sent as Ctrl+] arrives as GS (0x1D).
//   - Alt held while typing keypad digits, then released, gives the
//     character with that decimal code ("Alt mode" for Chinese): values
//     up to 255 are single bytes, larger ones two GB18030/GBK bytes. This
//     follows Windows' Alt+0nnn convention and is [uncertain] per vendor.
//
// Caps Lock state is not tracked (the host owns the LED); configure the
// scanner to ignore it.
type HIDDecoder struct {
	// ReportID: reports carry a leading report-ID byte (some hidraw
	// devices); it is skipped.
	ReportID bool

	prev   [6]byte
	buf    []rune
	alt    bool
	altNum int
	altLen int
}

// ReportSize is the number of bytes Feed and ReadScans expect per report.
func (d *HIDDecoder) ReportSize() int {
	if d.ReportID {
		return 9
	}
	return 8
}

// ErrReport is returned for a report that is too short.
var ErrReport = errors.New("scanner: malformed HID report")

// Feed decodes one report and returns the texts of scans it completed
// (usually none or one).
func (d *HIDDecoder) Feed(report []byte) ([]string, error) {
	if d.ReportID && len(report) > 0 {
		report = report[1:]
	}
	if len(report) < 8 {
		return nil, fmt.Errorf("%w: %d bytes, want 8", ErrReport, len(report))
	}
	mod := report[0]
	keys := report[2:8]
	// Rollover/POST/undefined error reports (usages 0x01–0x03 in the key
	// slots) carry no key state: ignore them and keep the previous state.
	for _, k := range keys {
		if k >= 0x01 && k <= 0x03 {
			return nil, nil
		}
	}
	var done []string
	// Alt released: emit the Alt+numpad character.
	if d.alt && mod&modAlt == 0 {
		d.emitAlt()
	}
	d.alt = mod&modAlt != 0
	for i, k := range keys {
		if k == 0 || d.held(k) || bytes.IndexByte(keys[:i], k) >= 0 {
			continue // released slot, held key, or a duplicate within the report
		}
		switch {
		case k == hidEnter || k == hidKPEnter || k == hidTab:
			done = append(done, string(d.buf))
			d.buf = d.buf[:0]
		case d.alt && k >= 0x59 && k <= 0x62:
			digit := (int(k-0x59) + 1) % 10
			if d.altLen < 7 {
				d.altNum = d.altNum*10 + digit
				d.altLen++
			}
		case mod&modCtrl != 0:
			if r := ctrlRune(k, mod&modShift != 0); r != 0 {
				d.add(r)
			}
		default:
			shift := 0
			if mod&modShift != 0 {
				shift = 1
			}
			if r := hidUS[k][shift]; r != 0 {
				d.add(r)
			}
		}
	}
	copy(d.prev[:], keys)
	return done, nil
}

func (d *HIDDecoder) held(k byte) bool {
	for _, p := range d.prev {
		if p == k {
			return true
		}
	}
	return false
}

func (d *HIDDecoder) add(r rune) {
	if len(d.buf) < MaxScanLength {
		d.buf = append(d.buf, r)
	}
}

func (d *HIDDecoder) emitAlt() {
	n, l := d.altNum, d.altLen
	d.altNum, d.altLen = 0, 0
	if l == 0 {
		return
	}
	var b []byte
	switch {
	case n <= 0xFF:
		b = []byte{byte(n)}
	case n <= 0xFFFF:
		b = []byte{byte(n >> 8), byte(n)}
	default:
		d.add(utf8.RuneError)
		return
	}
	if len(b) == 1 && b[0] < 0x80 {
		d.add(rune(b[0]))
		return
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || len(s) == 0 {
		d.add(utf8.RuneError)
		return
	}
	for _, r := range string(s) {
		d.add(r)
	}
}

// Pending returns the text decoded since the last terminator.
func (d *HIDDecoder) Pending() string { return string(d.buf) }

func ctrlRune(k byte, shift bool) rune {
	switch {
	case k >= 0x04 && k <= 0x1D:
		return rune(k-0x04) + 1 // Ctrl+A = 0x01 … Ctrl+Z = 0x1A
	case k == 0x2F:
		return 0x1B
	case k == 0x31:
		return 0x1C
	case k == 0x30:
		return 0x1D // Ctrl+] = GS = FNC1
	case k == 0x23 && shift:
		return 0x1E // Ctrl+^
	case k == 0x2D && shift:
		return 0x1F // Ctrl+_
	}
	return 0
}

// MaxScanLength bounds one scan from any input path (runes for HID/wedge,
// bytes for lines). QR codes hold at most ~7k characters.
const MaxScanLength = 8192

// ReadScans reads 8-byte boot-keyboard reports from r and calls out for
// every completed scan. See HIDDecoder.ReadScans.
func ReadScans(ctx context.Context, r io.Reader, out func(Scan)) error {
	var d HIDDecoder
	return d.ReadScans(ctx, r, out)
}

// ReadScans reads reports of ReportSize bytes until r ends or ctx is done.
// A blocking Read cannot be interrupted from here: the owner of r (device/
// usb, a hidraw file) must close it or use read deadlines on cancel.
// At EOF a half-typed scan is reported as KindUnknown with ErrIncomplete —
// never guessed to be complete, never dropped silently.
func (d *HIDDecoder) ReadScans(ctx context.Context, r io.Reader, out func(Scan)) error {
	rep := make([]byte, d.ReportSize())
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := io.ReadFull(r, rep)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				d.flushIncomplete(out)
				return nil
			}
			d.flushIncomplete(out)
			return fmt.Errorf("scanner: read HID report: %w", err)
		}
		texts, err := d.Feed(rep)
		if err != nil {
			return err
		}
		for _, t := range texts {
			if strings.TrimFunc(t, isNoise) == "" {
				continue // a bare Enter: nothing scanned
			}
			out(Parse(t))
		}
	}
}

func (d *HIDDecoder) flushIncomplete(out func(Scan)) {
	if len(d.buf) == 0 {
		return
	}
	t := string(d.buf)
	d.buf = d.buf[:0]
	out(Scan{Raw: t, Kind: KindUnknown, Err: newErr(ErrIncomplete, "", "input ended after %d characters without Enter", utf8.RuneCountInString(t))})
}

// HIDPOSDecoder reassembles HID-POS (usage page 0x8C) "scanned data"
// reports in the framing Honeywell documents and WebHidBarcodeScanner
// uses: [reportID 0x02] [len] [3-byte symbology id] [payload…] with byte 62
// of the report body non-zero when more reports follow. Other vendors'
// HID-POS layouts differ; this is [uncertain] until checked on hardware.
type HIDPOSDecoder struct {
	// ReportID: the first byte is the report ID (as over libusb/hidraw);
	// WebHID-style bodies without it set false.
	ReportID bool

	data []byte
	aim  string
}

// Feed adds one report. When the scan is complete it returns the Scan.
func (d *HIDPOSDecoder) Feed(report []byte) (Scan, bool, error) {
	if d.ReportID {
		if len(report) == 0 {
			return Scan{}, false, fmt.Errorf("%w: empty HID-POS report", ErrReport)
		}
		report = report[1:]
	}
	if len(report) < 4 {
		return Scan{}, false, fmt.Errorf("%w: HID-POS report of %d bytes", ErrReport, len(report))
	}
	n := int(report[0])
	if 4+n > len(report) {
		return Scan{}, false, fmt.Errorf("%w: HID-POS length %d exceeds report", ErrReport, n)
	}
	if d.aim == "" {
		if sym := report[1:4]; sym[0] == ']' {
			d.aim = string(sym)
		}
	}
	if len(d.data)+n <= MaxScanLength {
		d.data = append(d.data, report[4:4+n]...)
	}
	more := len(report) > 62 && report[62] != 0
	if more {
		return Scan{}, false, nil
	}
	text := decodeBytes(d.data)
	raw := d.aim + text.s
	d.data, d.aim = d.data[:0], ""
	sc := Parse(raw)
	if text.gb {
		sc.Notes = append(sc.Notes, "gb18030")
	}
	return sc, true, nil
}

type decoded struct {
	s  string
	gb bool
}

// decodeBytes: UTF-8 if valid, else GB18030 (Chinese scanners and Windows
// hosts default to it).
func decodeBytes(b []byte) decoded {
	if utf8.Valid(b) {
		return decoded{s: string(b)}
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return decoded{s: strings.ToValidUTF8(string(b), "\uFFFD")}
	}
	return decoded{s: string(s), gb: true}
}
