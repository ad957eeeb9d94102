package scanner

import (
	"fmt"
	"net/url"
	"strings"
)

// aiSpec describes one GS1 Application Identifier we understand.
type aiSpec struct {
	fixed   int  // fixed data length, 0 = variable
	max     int  // maximum length for variable AIs
	numeric bool // digits only
	check   bool // last digit is a GS1 mod-10 check digit
	date    bool // YYMMDD
	decimal bool // 4-digit measure AI: last AI digit = decimal places
}

// aiTable is deliberately small: the AIs that turn up on produce, cartons
// and pallets. Anything else is ErrUnsupportedAI rather than a guess at
// where the next AI starts.
var aiTable = map[string]aiSpec{
	"00":  {fixed: 18, numeric: true, check: true}, // SSCC
	"01":  {fixed: 14, numeric: true, check: true}, // GTIN
	"02":  {fixed: 14, numeric: true, check: true}, // GTIN of contained items
	"10":  {max: 20},                               // batch/lot
	"11":  {fixed: 6, numeric: true, date: true},   // production date
	"12":  {fixed: 6, numeric: true, date: true},   // due date
	"13":  {fixed: 6, numeric: true, date: true},   // packaging date
	"15":  {fixed: 6, numeric: true, date: true},   // best before
	"16":  {fixed: 6, numeric: true, date: true},   // sell by
	"17":  {fixed: 6, numeric: true, date: true},   // expiry
	"20":  {fixed: 2, numeric: true},               // variant
	"21":  {max: 20},                               // serial
	"22":  {max: 20},                               // consumer product variant
	"30":  {max: 8, numeric: true},                 // variable count
	"37":  {max: 8, numeric: true},                 // count of trade items
	"400": {max: 30},                               // customer's order number
	"410": {fixed: 13, numeric: true, check: true}, // ship to GLN
	"414": {fixed: 13, numeric: true, check: true}, // physical location GLN
	"422": {fixed: 3, numeric: true},               // country of origin
}

// aiFor finds the AI at the start of s: 2-digit, 3-digit, or a 4-digit
// measure AI 31nn–36nn (net/gross weights, lengths, volumes: n6 with the
// last AI digit giving the decimal places, e.g. 3103 = kg with 3 decimals).
func aiFor(s string) (string, aiSpec, bool) {
	if len(s) >= 4 && allDigits(s[:4]) && s[0] == '3' && s[1] >= '1' && s[1] <= '6' {
		return s[:4], aiSpec{fixed: 6, numeric: true, decimal: true}, true
	}
	if len(s) >= 3 {
		if sp, ok := aiTable[s[:3]]; ok {
			return s[:3], sp, true
		}
	}
	if len(s) >= 2 {
		if sp, ok := aiTable[s[:2]]; ok {
			return s[:2], sp, true
		}
	}
	return "", aiSpec{}, false
}

// identity AIs form Code in this order; attributes stay in Fields only.
var identityAIs = []string{"00", "01", "22", "10", "21"}

// gs1Code builds the lookup code from parsed AIs (parenthesised form).
func gs1Code(f map[string]string, order []string) string {
	var b strings.Builder
	for _, ai := range identityAIs {
		if v, ok := f[ai]; ok {
			fmt.Fprintf(&b, "(%s)%s", ai, v)
		}
	}
	if b.Len() == 0 {
		if v, ok := f["02"]; ok {
			return "(02)" + v
		}
		for _, ai := range order {
			fmt.Fprintf(&b, "(%s)%s", ai, f[ai])
		}
	}
	return b.String()
}

// checkAI validates one AI value and adds derived fields.
func checkAI(ai string, sp aiSpec, v string, f map[string]string) *ScanError {
	if sp.fixed > 0 && len(v) != sp.fixed {
		return newErr(ErrStructure, ai, "AI (%s) needs %d characters, got %d", ai, sp.fixed, len(v))
	}
	if sp.max > 0 && (len(v) > sp.max || len(v) == 0) {
		return newErr(ErrStructure, ai, "AI (%s) needs 1–%d characters, got %d", ai, sp.max, len(v))
	}
	if sp.numeric && !allDigits(v) {
		return newErr(ErrStructure, ai, "AI (%s) must be digits: %q", ai, v)
	}
	if !sp.numeric {
		for i := 0; i < len(v); i++ {
			// GS1 AI encodable character set 82: printable ASCII minus a few.
			if c := v[i]; c < 0x21 || c > 0x7E || strings.IndexByte("#$@[\\]^`{|}~", c) >= 0 {
				return newErr(ErrStructure, ai, "AI (%s) contains a character outside GS1 set 82: %q", ai, v)
			}
		}
	}
	if sp.check {
		if ok, want := gs1CheckOK(v); !ok {
			return newErr(ErrCheckDigit, ai, "AI (%s) %s: expected check digit %c", ai, v, want)
		}
	}
	if sp.date {
		d, ok := parseYYMMDD(v, true)
		if !ok {
			return newErr(ErrDate, ai, "AI (%s) %q is not a YYMMDD date", ai, v)
		}
		f[ai+".date"] = d
	}
	if sp.decimal {
		places := int(ai[3] - '0')
		if places > 6 {
			return newErr(ErrStructure, ai, "AI (%s): %d decimal places in a 6-digit value", ai, places)
		}
		n := strings.TrimLeft(v[:6-places], "0")
		if n == "" {
			n = "0"
		}
		if places > 0 {
			n += "." + v[6-places:]
		}
		f[ai+".decimal"] = n
	}
	return nil
}

// parseElementString parses GS1 element strings in either form: the
// parenthesised human-readable "(01)…(10)…" or the transmitted form where
// variable-length fields end at GS (0x1D, FNC1). claimed=true means the
// caller already knows it is GS1 (AIM prefix, GS present, parentheses), so
// failures are reported as Err on a KindGS1ElementString scan.
func parseElementString(s string, claimed bool) Scan {
	f := map[string]string{}
	var order []string
	fail := func(err *ScanError) Scan {
		if !claimed {
			return Scan{}
		}
		sc := Scan{Kind: KindGS1ElementString, Fields: f, Err: err}
		sc.Code = gs1Code(f, order)
		if sc.Code == "" {
			sc.Code = strings.ReplaceAll(s, "\x1d", "<GS>")
		}
		if sc.Code == "" {
			// A bare GS1 prefix with nothing after it: nothing to look up.
			return Scan{Err: err}
		}
		return sc
	}
	s = strings.TrimLeft(s, "\x1d") // FNC1 in first position sent as GS
	if s == "" {
		return fail(newErr(ErrStructure, "", "no data after the GS1 prefix"))
	}
	paren := strings.HasPrefix(s, "(")
	for s != "" {
		var ai, v string
		var sp aiSpec
		if paren {
			end := strings.IndexByte(s, ')')
			if s[0] != '(' || end < 0 {
				return fail(newErr(ErrStructure, "", "expected (AI) at %q", clip(s)))
			}
			ai = s[1:end]
			var ok bool
			a2, sp2, ok := aiFor(ai)
			if !ok || a2 != ai {
				return fail(newErr(ErrUnsupportedAI, ai, "AI (%s)", ai))
			}
			sp = sp2
			s = s[end+1:]
			next := strings.IndexByte(s, '(')
			if next < 0 {
				next = len(s)
			}
			v, s = s[:next], s[next:]
			v = strings.TrimRight(v, "\x1d")
		} else {
			var ok bool
			ai, sp, ok = aiFor(s)
			if !ok {
				return fail(newErr(ErrUnsupportedAI, "", "unknown AI at %q", clip(s)))
			}
			s = s[len(ai):]
			if sp.fixed > 0 {
				if len(s) < sp.fixed {
					return fail(newErr(ErrStructure, ai, "AI (%s) needs %d characters, %d left", ai, sp.fixed, len(s)))
				}
				v, s = s[:sp.fixed], s[sp.fixed:]
				s = strings.TrimPrefix(s, "\x1d") // tolerated after fixed fields
			} else {
				end := strings.IndexByte(s, '\x1d')
				if end < 0 {
					end = len(s)
				}
				v, s = s[:end], s[end:]
				s = strings.TrimPrefix(s, "\x1d")
			}
		}
		if _, dup := f[ai]; dup {
			return fail(newErr(ErrStructure, ai, "AI (%s) appears twice", ai))
		}
		if err := checkAI(ai, sp, v, f); err != nil {
			// A fixed-length cut can split a multi-byte character.
			f[ai] = strings.ToValidUTF8(v, "\uFFFD")
			order = append(order, ai)
			return fail(err)
		}
		f[ai] = v
		order = append(order, ai)
	}
	return Scan{Kind: KindGS1ElementString, Code: gs1Code(f, order), Fields: f}
}

// parseBareGTIN handles an EAN-13/ITF-14 (or, with an AIM prefix, EAN-8 /
// UPC-A) symbol: a GTIN without AI. It is padded to GTIN-14 and reported as
// AI 01.
func parseBareGTIN(s string) Scan {
	if !allDigits(s) || (len(s) != 8 && len(s) != 12 && len(s) != 13 && len(s) != 14) {
		return Scan{}
	}
	g := strings.Repeat("0", 14-len(s)) + s
	f := map[string]string{"01": g, "form": fmt.Sprintf("GTIN-%d", len(s))}
	sc := Scan{Kind: KindGS1ElementString, Code: "(01)" + g, Fields: f}
	if ok, want := gs1CheckOK(g); !ok {
		sc.Err = newErr(ErrCheckDigit, "01", "GTIN %s: expected check digit %c", s, want)
	}
	return sc
}

// parseDigitalLink recognises GS1 Digital Link URIs on any host:
// …/01/{GTIN}[/22/{cpv}][/10/{lot}][/21/{serial}][?17=…&3103=…] and the
// SSCC form …/00/{SSCC}. ok=false means the URL is not a Digital Link.
// A 14-digit GTIN after /01/ claims the URL even with a bad check digit
// (reported in Err); 8/12/13-digit GTINs must pass their check digit,
// because date-style paths like /2024/01/12345678 exist.
func parseDigitalLink(u *url.URL, raw string) (Scan, bool) {
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	start := -1
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] != "01" && segs[i] != "00" {
			continue
		}
		v := segs[i+1]
		if !allDigits(v) {
			continue
		}
		if segs[i] == "00" && len(v) == 18 {
			start = i
			break
		}
		if segs[i] == "01" {
			if len(v) == 14 {
				start = i
				break
			}
			if len(v) == 8 || len(v) == 12 || len(v) == 13 {
				if ok, _ := gs1CheckOK(v); ok {
					start = i
					break
				}
			}
		}
	}
	if start < 0 {
		return Scan{}, false
	}
	f := map[string]string{"url": raw}
	var order []string
	sc := Scan{Kind: KindGS1DigitalLink, Fields: f}
	set := func(ai, v string) {
		if sc.Err != nil {
			return
		}
		sp, ok := aiTable[ai]
		a2, sp2, ok2 := aiFor(ai)
		if ok2 && a2 == ai {
			sp, ok = sp2, true
		}
		if !ok {
			sc.Err = newErr(ErrUnsupportedAI, ai, "AI (%s) in Digital Link", ai)
			return
		}
		if ai == "01" && len(v) < 14 {
			v = strings.Repeat("0", 14-len(v)) + v
		}
		if _, dup := f[ai]; dup {
			sc.Err = newErr(ErrStructure, ai, "AI (%s) appears twice", ai)
			return
		}
		f[ai] = strings.ToValidUTF8(v, "\uFFFD")
		order = append(order, ai)
		if err := checkAI(ai, sp, v, f); err != nil {
			sc.Err = err
		}
	}
	rest := segs[start:]
	for i := 0; i+1 < len(rest); i += 2 {
		v, err := url.PathUnescape(rest[i+1])
		if err != nil {
			sc.Err = newErr(ErrStructure, rest[i], "bad escape in %q", rest[i+1])
			break
		}
		set(rest[i], v)
	}
	if len(rest)%2 == 1 && sc.Err == nil {
		sc.Err = newErr(ErrStructure, "", "path segment %q has no value", rest[len(rest)-1])
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if allDigits(k) {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	for _, k := range keys {
		set(k, q.Get(k))
	}
	sc.Code = gs1Code(f, order)
	if sc.Code == "" {
		sc.Code = raw
	}
	return sc, true
}

func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
