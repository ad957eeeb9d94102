// Package scanner turns whatever a barcode/QR scanner delivers into a typed
// Scan: one parser for every code a Suyuan site scans (local lot codes,
// national trace codes in their three forms, 合格证 QR contents, URLs, GS1
// Digital Link and element strings), a keyboard-wedge classifier that tells
// a scanner burst from a person typing, a HID boot-keyboard/HID-POS report
// decoder and a line reader for USB-CDC (virtual COM) scanners.
//
// The rule throughout: a scan is never guessed. Content that does not match
// a known layout is KindUnknown, and Raw always holds exactly what arrived
// so the record keeps the evidence. This package is Fyne-free and does not
// import store (architecture.md); it imports only the standard library,
// golang.org/x/text and the stdlib-only store/tracecode, which mints our
// local codes and is the single place their format is checked.
package scanner

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a scan was recognised as.
type Kind int

// The kinds. Order is not significant; String() gives the stable name used
// in CLI output and JSON.
const (
	KindUnknown          Kind = iota
	KindLocalLot              // our own lot code <SITE>-<YYMMDD>-<SEQ>-<C>
	KindNationalLong          // 1.0.<credit code>.<分类码>.<yyyyMMddHHmmss>.<seq>
	KindNationalShort         // 20-digit code printed under national QR codes
	KindNationalOID           // legacy 1.2.156.326.8.… OID
	KindCertificate           // 承诺达标合格证: HGZ-… number or plain-text certificate
	KindURL                   // a web address with no recognisable code inside
	KindGS1DigitalLink        // https://…/01/<GTIN>[/10/<lot>]…
	KindGS1ElementString      // (01)…(10)… / ]C1 / ]d2 / ]Q3 / GS-separated
	KindPesticideLabel        // 32-digit 农药标签二维码 单元识别代码
)

var kindNames = [...]string{
	KindUnknown:          "unknown",
	KindLocalLot:         "local-lot",
	KindNationalLong:     "national-long",
	KindNationalShort:    "national-short",
	KindNationalOID:      "national-oid",
	KindCertificate:      "certificate",
	KindURL:              "url",
	KindGS1DigitalLink:   "gs1-digital-link",
	KindGS1ElementString: "gs1-element-string",
	KindPesticideLabel:   "pesticide-label",
}

var kindLabels = [...][2]string{
	KindUnknown:          {"无法识别", "Unknown"},
	KindLocalLot:         {"本站批次码", "Local lot code"},
	KindNationalLong:     {"国家追溯码（长码）", "National trace code (long)"},
	KindNationalShort:    {"国家追溯码（短码）", "National trace code (short)"},
	KindNationalOID:      {"国家追溯码（旧OID）", "National trace code (legacy OID)"},
	KindCertificate:      {"承诺达标合格证", "Compliance certificate"},
	KindURL:              {"网址", "Web address"},
	KindGS1DigitalLink:   {"GS1数字链接", "GS1 Digital Link"},
	KindGS1ElementString: {"GS1条码", "GS1 barcode"},
	KindPesticideLabel:   {"农药标签码", "Pesticide label code"},
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Label is the name shown to users ("zh" or "en").
func (k Kind) Label(lang string) string {
	if k < 0 || int(k) >= len(kindLabels) {
		k = KindUnknown
	}
	if lang == "en" {
		return kindLabels[k][1]
	}
	return kindLabels[k][0]
}

// MarshalText makes Kind appear by name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Scan is one parsed scan.
type Scan struct {
	// Raw is exactly what was received, suffix noise included. Store it.
	Raw  string
	Kind Kind
	// Code is the normalised code to look up. Non-empty whenever Kind is
	// not KindUnknown. For GS1 it is the identification part in
	// parenthesised form, e.g. "(01)09520123456788(10)ABC123", so the same
	// item scanned as Digital Link or as element string yields the same
	// Code. For KindURL it is the URL itself.
	Code string
	// Fields holds what the code says: GS1 AIs by number ("01", "10",
	// "17", plus derived "17.date", "3103.decimal"), national code parts
	// ("credit_code", "time", "trace_type"…), certificate fields, "url".
	Fields map[string]string
	// Err is non-nil when the scan looked like a known kind but failed a
	// check (check digit, date, structure). It is a *ScanError. On a
	// KindUnknown scan Err, when set, is only a hint (keyboard layout,
	// truncated input).
	Err error
	// Notes lists normalisations applied to reach Code, e.g. "fullwidth"
	// (an IME in full-width mode typed the scan), "ime-punctuation",
	// "caps-lock", "aim:]Q1" (symbology identifier stripped),
	// "gb18030" (bytes were not UTF-8), "no-terminator".
	Notes []string
}

// MarshalJSON writes the scan with kind by name and err as its text.
func (s Scan) MarshalJSON() ([]byte, error) {
	type out struct {
		Kind   Kind              `json:"kind"`
		Code   string            `json:"code"`
		Raw    string            `json:"raw"`
		Fields map[string]string `json:"fields,omitempty"`
		Notes  []string          `json:"notes,omitempty"`
		Error  string            `json:"error,omitempty"`
	}
	o := out{Kind: s.Kind, Code: s.Code, Raw: s.Raw, Fields: s.Fields, Notes: s.Notes}
	if s.Err != nil {
		o.Error = s.Err.Error()
	}
	return json.Marshal(o)
}

// noise is what scanners and terminals wrap around the payload.
func isNoise(r rune) bool {
	switch r {
	case ' ', '\r', '\n', '\t', 0, '\uFEFF', '\u3000', '\v', '\f':
		return true
	}
	return false
}

// normalise strips suffix/prefix noise and undoes an IME in full-width mode.
// It returns the cleaned text and notes about what it changed.
func normalise(raw string) (string, []string) {
	s := strings.TrimFunc(raw, isNoise)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	hasHan := false
	needs := false
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			hasHan = true
		}
		if (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 || r == 0x3002 {
			needs = true
		}
	}
	if !needs {
		return s, nil
	}
	var notes []string
	var b strings.Builder
	b.Grow(len(s))
	full, punct := false, false
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFF01 - 0x21
			full = true
		case r == 0x3000:
			r = ' '
			full = true
		case r == 0x3002 && !hasHan:
			// 。 typed for "." by an IME in Chinese-punctuation mode. In
			// real Chinese text it stays: it is a sentence end there.
			r = '.'
			punct = true
		}
		b.WriteRune(r)
	}
	// Full-width punctuation inside Chinese text (：，) is ordinary typing,
	// not a scanner fault, so only report it for Han-free scans.
	if full && !hasHan {
		notes = append(notes, "fullwidth")
	}
	if punct {
		notes = append(notes, "ime-punctuation")
	}
	return strings.TrimFunc(b.String(), isNoise), notes
}

// Parse classifies one scan. It never panics and never guesses: content
// matching no known layout is KindUnknown with Code "".
func Parse(raw string) Scan {
	s, notes := normalise(raw)
	sc := classify(s, 0)
	sc.Raw = raw
	if len(notes) > 0 {
		sc.Notes = append(notes, sc.Notes...)
	}
	if sc.Kind == KindUnknown {
		sc.Code = ""
		if sc.Err == nil && looksAZERTY(s) {
			sc.Err = newErr(ErrKeyboardLayout, "", "AZERTY digit row characters in scan")
		}
	}
	return sc
}

// aimGS1 lists the AIM symbology identifiers that announce GS1 data
// (FNC1 in first position): GS1-128, GS1 DataBar, GS1 DataMatrix, GS1 QR,
// composite.
var aimGS1 = map[string]bool{"]C1": true, "]e0": true, "]d2": true, "]Q3": true, "]J1": true}

// classify works on normalised text. depth guards URL-in-URL recursion.
func classify(s string, depth int) Scan {
	if s == "" {
		return Scan{}
	}
	// AIM symbology identifier "]" + letter + modifier digit.
	if len(s) >= 3 && s[0] == ']' && isASCIILetter(s[1]) && s[2] >= '0' && s[2] <= '9' {
		aim := s[:3]
		rest := s[3:]
		if aimGS1[aim] {
			sc := parseElementString(rest, true)
			sc.Notes = append(sc.Notes, "aim:"+aim)
			return sc
		}
		if aim == "]E0" || aim == "]E4" { // EAN-13 / EAN-8
			sc := parseBareGTIN(rest)
			sc.Notes = append(sc.Notes, "aim:"+aim)
			return sc
		}
		sc := classify(rest, depth)
		sc.Notes = append(sc.Notes, "aim:"+aim)
		return sc
	}
	if strings.ContainsRune(s, '\x1d') || looksParenGS1(s) {
		return parseElementString(s, true)
	}
	if hasURLScheme(s) {
		return parseURL(s, depth)
	}
	if strings.Contains(s, "承诺达标合格证") {
		return parseCertText(s)
	}
	if sc, ok := parseCertNo(s); ok {
		return sc
	}
	if strings.HasPrefix(s, "1.2.156.326.8.") || s == "1.2.156.326.8" {
		return parseOID(s)
	}
	if sc, ok := parseNationalLong(s); ok {
		return sc
	}
	if allDigits(s) {
		switch len(s) {
		case 20:
			if s[0] >= '1' && s[0] <= '3' {
				return Scan{Kind: KindNationalShort, Code: s, Fields: map[string]string{"trace_type": s[:1], "trace_type_name": traceTypeName(s[:1])}}
			}
		case 32:
			return parsePesticide(s)
		case 13, 14:
			if ok, _ := gs1CheckOK(s); ok {
				return parseBareGTIN(s)
			}
		}
		if (strings.HasPrefix(s, "01") || strings.HasPrefix(s, "02")) && len(s) >= 16 || strings.HasPrefix(s, "00") && len(s) >= 20 {
			if sc := parseElementString(s, false); sc.Kind != KindUnknown && sc.Err == nil {
				sc.Notes = append(sc.Notes, "fnc1-absent")
				return sc
			}
		}
	}
	if sc, ok := parseLocalLot(s); ok {
		return sc
	}
	// Bare GS1 AI strings with letters (e.g. 01…10LOT) also arrive from
	// wedge scanners that drop the AIM prefix and FNC1.
	if (strings.HasPrefix(s, "01") || strings.HasPrefix(s, "02")) && len(s) >= 16 && allDigits(s[:16]) {
		if sc := parseElementString(s, false); sc.Kind != KindUnknown && sc.Err == nil {
			sc.Notes = append(sc.Notes, "fnc1-absent")
			return sc
		}
	}
	return Scan{}
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func hasURLScheme(s string) bool {
	if len(s) < 8 {
		return false
	}
	l := strings.ToLower(s[:8])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// looksAZERTY: a US-layout scanner typing into a French/Belgian AZERTY host
// turns the digit row 1234567890 into &é"'(-è_çà. We report, not repair:
// the mapping is not unique for every character.
func looksAZERTY(s string) bool {
	accents := 0
	for _, r := range s {
		switch r {
		case 'é', 'è', 'ç', 'à':
			accents++
		case '&', '"', '\'', '(', '-', '_':
		default:
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '.' || r == '/' || r == ':' || r == '=' || r == '?' || r == ';' || r == '§' || r == '!' || r == ')') {
				return false
			}
		}
	}
	return accents > 0 && len(s) >= 4
}

func traceTypeName(t string) string {
	switch t {
	case "1":
		return "生产批次码"
	case "2":
		return "流通批次码"
	case "3":
		return "入市追溯凭证"
	}
	return ""
}

// looksParenGS1: "(" + 2–4 digits + ")" at the start, the human-readable
// GS1 form typed under barcodes and used in spreadsheets.
func looksParenGS1(s string) bool {
	if len(s) < 5 || s[0] != '(' {
		return false
	}
	end := strings.IndexByte(s, ')')
	return end >= 3 && end <= 5 && allDigits(s[1:end])
}
