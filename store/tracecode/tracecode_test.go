package tracecode

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// refCheck is an independent formulation of ISO 7064 MOD 37,36 (the "check or modulus" form
// used in published implementations): valid iff the running value ends at 1.
func refValid(s string) bool {
	const m = 36
	c := m / 2
	for _, r := range s {
		v := strings.IndexRune(alphabet, r)
		if c == 0 {
			c = m
		}
		c = (c*2%(m+1) + v) % m
	}
	return c == 1
}

func TestCheckCharPublishedVectors(t *testing.T) {
	// Published ISO 7064 MOD 37,36 examples: GRid A1-2425G-ABC1234002-M (Wikipedia), ISAN
	// root 0000-0000-C36D-002B-K, and test vectors from public implementations.
	tests := []struct{ in, want string }{
		{"A12425GABC1234002", "M"},
		{"00000000C36D002B", "K"},
		{"RABD", "A"},
		{"X0H", "X"},
		{"TBR", "1"},
		{"B7Q3SFTUSH2QN7BIXBPMNZAM", "I"},
	}
	for _, tt := range tests {
		got, err := CheckChar(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("CheckChar(%q) = %q, %v; want %s", tt.in, got, err, tt.want)
		}
		if !refValid(tt.in + tt.want) {
			t.Errorf("reference rejects %s%s", tt.in, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "A-B", "ÄB", " A"} {
		if _, err := CheckChar(bad); err == nil {
			t.Errorf("CheckChar(%q) accepted", bad)
		}
	}
}

func TestFormatParse(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		site string
		day  time.Time
		seq  int
		want string // "" = error
	}{
		{"XPJS01", time.Date(2026, 11, 28, 15, 0, 0, 0, cst), 1, "XPJS01-261128-0001-Q"}, // worked example in docs
		{"XPJS01", time.Date(2026, 11, 28, 0, 5, 0, 0, cst), 9999, "XPJS01-261128-9999-"},
		{"XPJS01", time.Date(2026, 11, 28, 0, 5, 0, 0, cst), 10000, "XPJS01-261128-10000-"},
		{"ABCD", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 42, "ABCD-000101-0042-"},
		{"12345678", time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC), MaxSeq, "12345678-991231-99999999-"},
		{"XPJ", time.Now(), 1, ""}, {"XPJS0123X", time.Now(), 1, ""}, {"xpjs01", time.Now(), 1, ""},
		{"XPJ-01", time.Now(), 1, ""}, {"XPJS01", time.Now(), 0, ""}, {"XPJS01", time.Now(), -5, ""},
		{"XPJS01", time.Now(), MaxSeq + 1, ""}, {"XPJS01", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), 1, ""},
		{"XPJS01", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 1, ""},
	}
	for _, tt := range tests {
		got, err := Format(tt.site, tt.day, tt.seq)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Format(%q, %v, %d) = %q, want error", tt.site, tt.day, tt.seq, got)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+boolInt(strings.HasSuffix(tt.want, "-")) {
			t.Errorf("Format(%q, %v, %d) = %q, %v; want %q…", tt.site, tt.day, tt.seq, got, err, tt.want)
			continue
		}
		if !refValid(strings.ReplaceAll(got, "-", "")) {
			t.Errorf("%s fails the reference check", got)
		}
		c, err := Parse(got)
		y, m, d := tt.day.Date()
		if err != nil || c.Site != tt.site || c.Seq != tt.seq || c.Day != time.Date(y, m, d, 0, 0, 0, 0, time.UTC) {
			t.Errorf("Parse(%q) = %+v, %v", got, c, err)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		kind string // "" = valid
	}{
		{"XPJS01-261128-0001-Q", ""},
		{"  xpjs01-261128-0001-q\r\n", ""}, // scanner suffix, lower case
		{"XPJS01-261128-0001-K", KindCheck},
		{"XPJS01-261128-0001", KindFormat},
		{"XPJS01-261128-0001-Q-1", KindFormat},
		{"XPJS01 261128 0001 Q", KindFormat},
		{"XPJS01–261128–0001–Q", KindFormat}, // en dashes
		{"ＸPJS01-261128-0001-Q", KindFormat},
		{"XPJ-261128-0001-Q", KindSite},
		{"XPJS01-261131-0001-Q", KindDate},
		{"XPJS01-260230-0001-Q", KindDate},
		{"XPJS01-2611280-001-Q", KindDate},
		{"XPJS01-261128-001-Q", KindSeq},
		{"XPJS01-261128-00001-Q", KindSeq}, // non-canonical padding
		{"XPJS01-261128-0000-Q", KindSeq},
		{"XPJS01-261128-0001-QQ", KindFormat},
		{"XPJS01-261128-0001-*", KindFormat},
		{"", KindFormat},
		{"----", KindFormat},
		{"---", KindSite},
		{"IXPJ01-261128-0001-Q", KindSite},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if tt.kind == "" {
			if err != nil {
				t.Errorf("Parse(%q) = %v", tt.in, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != tt.kind {
			t.Errorf("Parse(%q) = %v, want kind %s", tt.in, err, tt.kind)
		}
	}
}

func TestCheckErrorMessage(t *testing.T) {
	_, err := Parse("XPJS01-261128-0001-K")
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) {
		t.Fatalf("%v has no UserMessage", err)
	}
	if zh := um.UserMessage("zh"); !strings.Contains(zh, "输错") || !strings.Contains(zh, "误读") {
		t.Errorf("zh: %s", zh)
	}
	if en := um.UserMessage("en"); !strings.Contains(en, "mistyped") || !strings.Contains(en, "misread") {
		t.Errorf("en: %s", en)
	}
	_, err = Parse("bad")
	if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" || err.Error() == "" {
		t.Errorf("format error lacks messages: %v", err)
	}
}

// genCodes returns n valid codes over varied sites, days and sequences (deterministic).
func genCodes(t testing.TB, n int) []string {
	seed := uint64(0x9E3779B97F4A7C15)
	next := func(k int) int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(k))
	}
	codes := make([]string, 0, n)
	for len(codes) < n {
		site := make([]byte, 4+next(5))
		for i := range site {
			site[i] = alphabet[next(36)]
		}
		if site[0] == 'I' {
			site[0] = 'J'
		}
		day := time.Date(2000+next(100), time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, next(365))
		seq := 1 + next(9999)
		if next(4) == 0 {
			seq = 1 + next(MaxSeq)
		}
		c, err := Format(string(site), day, seq)
		if err != nil {
			t.Fatalf("Format: %v", err)
		}
		codes = append(codes, c)
	}
	return codes
}

// Every single-character substitution of a valid code (any other character a scanner or
// keyboard could produce: 0-9, A-Z, '-', a space) is rejected. Case changes are not
// substitutions (Parse accepts lower case by design).
func TestSubstitutionsRejected(t *testing.T) {
	const repl = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ- "
	for _, code := range genCodes(t, 600) {
		b := []byte(code)
		for i := range b {
			orig := b[i]
			for j := 0; j < len(repl); j++ {
				if repl[j] == orig {
					continue
				}
				b[i] = repl[j]
				if c, err := Parse(string(b)); err == nil {
					t.Fatalf("substitution %q -> %q accepted as %+v", code, b, c)
				}
			}
			b[i] = orig
		}
	}
}

// Every adjacent transposition is rejected, except the one blind spot of the ISO 7064 hybrid
// system that the task's algorithm choice carries: swapping two characters whose values are
// consecutive mod 36 (0↔1, 8↔9, Z↔0 …) is missed at exactly one of the 36 running states. The
// test asserts that every accepted swap is of that kind, and that such misses stay rare.
func TestTranspositionsRejected(t *testing.T) {
	swaps, consecutive, missed := 0, 0, 0
	for _, code := range genCodes(t, 3000) {
		b := []byte(code)
		for i := 0; i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			swaps++
			va, vb := value(b[i]), value(b[i+1])
			isConsecutive := va >= 0 && vb >= 0 && ((va-vb+36)%36 == 1 || (vb-va+36)%36 == 1)
			if isConsecutive {
				consecutive++
			}
			if _, err := Parse(string(b)); err == nil {
				missed++
				if !isConsecutive {
					t.Fatalf("transposition %q -> %q accepted", code, b)
				}
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
	if swaps == 0 || consecutive == 0 {
		t.Fatal("generator produced no swaps")
	}
	// Expected miss rate among consecutive-value swaps is 1/36; allow generous slack.
	if rate := float64(missed) / float64(consecutive); rate > 2.0/36 {
		t.Errorf("%d of %d consecutive-value swaps missed (%.3f), expected about 1/36", missed, consecutive, rate)
	}
	t.Logf("%d swaps, %d consecutive-value, %d missed (%.4f of all swaps)", swaps, consecutive, missed, float64(missed)/float64(swaps))
}

// A leading I is a no-op for MOD 37,36 from the start state, which is why ValidSite forbids it:
// with any other first character, dropping it changes the start state and is detected.
func TestLeadingCharacterDeletionDetected(t *testing.T) {
	i, _ := CheckChar("IXPJS012611280001")
	x, _ := CheckChar("XPJS012611280001")
	if i != x {
		t.Fatalf("expected the leading-I blind spot (%c vs %c); update ValidSite's comment", i, x)
	}
	for _, code := range genCodes(t, 3000) {
		if _, err := Parse(code[1:]); err == nil {
			t.Fatalf("%q accepted without its first character", code[1:])
		}
	}
}

// The hybrid-system blind spot, computed exhaustively: for each running state p there is
// exactly one unordered pair {a, a+1 mod 36} whose swap goes unnoticed, and no other pair.
func TestTranspositionBlindSpotExhaustive(t *testing.T) {
	step := func(p, a int) int {
		r := (p + a) % 36
		if r == 0 {
			r = 36
		}
		return r * 2 % 37
	}
	for p := 1; p <= 36; p++ {
		missed := 0
		for a := 0; a < 36; a++ {
			for b := a + 1; b < 36; b++ {
				if step(step(p, a), b) == step(step(p, b), a) {
					missed++
					if b-a != 1 && !(a == 0 && b == 35) {
						t.Errorf("state %d: swap %c%c undetected but not consecutive", p, alphabet[a], alphabet[b])
					}
				}
			}
		}
		if missed != 1 {
			t.Errorf("state %d: %d undetected pairs, want 1", p, missed)
		}
	}
}

func TestValidSite(t *testing.T) {
	for site, ok := range map[string]bool{"XPJS01": true, "ABCD": true, "12345678": true, "ABC": false,
		"ABCDEFGHI": false, "abcd": false, "AB-CD": false, "AB CD": false, "ＡBCD": false, "": false, "IXPJ": false, "XIPJ": true} {
		if err := ValidSite(site); (err == nil) != ok {
			t.Errorf("ValidSite(%q) = %v, want ok=%v", site, err, ok)
		}
	}
}

func TestCertNo(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	d := time.Date(2026, 11, 28, 9, 0, 0, 0, cst)
	tests := []struct {
		site string
		seq  int
		want string
	}{
		{"XPJS01", 1, "HGZ-XPJS01-20261128-0001"},
		{"XPJS01", 12345, "HGZ-XPJS01-20261128-12345"},
	}
	for _, tt := range tests {
		got := FormatCertNo(tt.site, d, tt.seq)
		if got != tt.want {
			t.Errorf("FormatCertNo = %q, want %q", got, tt.want)
		}
		c, err := ParseCertNo(" " + strings.ToLower(got) + " ")
		if err != nil || c.Site != tt.site || c.Seq != tt.seq || c.Day != time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) {
			t.Errorf("ParseCertNo(%q) = %+v, %v", got, c, err)
		}
	}
	for _, bad := range []string{"HGZ-XPJS01-20261128-001", "HGZ-XPJS01-261128-0001", "HGZ-XPJS01-20260230-0001",
		"HGX-XPJS01-20261128-0001", "HGZ-XP-20261128-0001", "HGZ-XPJS01-19991231-0001", "HGZ-XPJS01-20261128-00001",
		"HGZ-XPJS01-20261128-0000", "HGZ-XPJS01-20261128", "", FormatCertNo("xp", d, -1), FormatCertNo("XPJS01", d, 0)} {
		if c, err := ParseCertNo(bad); err == nil {
			t.Errorf("ParseCertNo(%q) = %+v, want error", bad, c)
		}
	}
}
