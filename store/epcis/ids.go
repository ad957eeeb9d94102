package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Settings this package reads (store.DB.Setting; not evidence, not journaled).
const (
	// SettingGS1Prefix is the site's GS1 company prefix (GS1 China issues
	// them; most co-ops have none). With it, a product with a GTIN gets GS1
	// Digital Link identifiers instead of the trace URL.
	SettingGS1Prefix = "epcis.gs1_prefix"
	// SettingGTINPrefix + product id is that product's GTIN (8, 12, 13 or 14
	// digits; stored as given, checked on use).
	SettingGTINPrefix = "epcis.gtin."
	// settingURLTemplate is the label QR template (store.SettingURLTemplate).
	defaultURLTemplate = "https://trace.example.cn/t/{code}" // = app/label.DefaultURLTemplate
)

// DefaultURLTemplate is the trace URL form when the site set none; it must
// equal app/label.DefaultURLTemplate (a cmd/suyuan test checks).
const DefaultURLTemplate = defaultURLTemplate

// unitUOM maps the store's units to UN/ECE Recommendation 20 codes and a
// factor: quantity in EPCIS = quantity in the store × factor. 斤 has no
// code of its own and goes out as kilograms (½ kg each). A unit missing here
// goes out without uom, with the store's unit in the event's suyuan:unit.
var unitUOM = map[string]struct {
	code   string
	factor float64
}{
	"kg": {"KGM", 1}, "KG": {"KGM", 1}, "公斤": {"KGM", 1}, "千克": {"KGM", 1},
	"斤": {"KGM", 0.5},
	"g": {"GRM", 1}, "克": {"GRM", 1},
	"t": {"TNE", 1}, "吨": {"TNE", 1},
	"L": {"LTR", 1}, "l": {"LTR", 1}, "升": {"LTR", 1},
	"ml": {"MLT", 1}, "mL": {"MLT", 1}, "毫升": {"MLT", 1},
	"箱": {"XBX", 1}, "盒": {"XBX", 1},
	"袋": {"XBG", 1}, "包": {"XPA", 1},
	"瓶": {"XBO", 1}, "筐": {"XBK", 1}, "篮": {"XBK", 1},
	"件": {"H87", 1}, "个": {"H87", 1}, "只": {"H87", 1}, "株": {"H87", 1}, "盆": {"H87", 1},
}

// uomUnit maps UN/ECE codes back to the unit a received lot gets.
var uomUnit = map[string]struct {
	unit   string
	factor float64
}{
	"KGM": {"kg", 1}, "GRM": {"g", 1}, "TNE": {"吨", 1}, "LTR": {"L", 1}, "MLT": {"ml", 1},
	"XBX": {"箱", 1}, "XBG": {"袋", 1}, "XPA": {"包", 1}, "XBO": {"瓶", 1}, "XBK": {"筐", 1},
	"H87": {"件", 1}, "EA": {"件", 1}, "C62": {"件", 1},
}

// UOM returns the UN/ECE code for a store unit and the factor to apply to
// the quantity; ok is false for a unit without a mapping.
func UOM(unit string) (code string, factor float64, ok bool) {
	u, ok := unitUOM[strings.TrimSpace(unit)]
	return u.code, u.factor, ok
}

// eventID is the stable identifier of the event recorded by the journal
// entry with hash h: a name-based UUID (RFC 9562 version 8 layout over
// SHA-256) of a tag and the hash. The journal is append-only, so every
// export of the same store gives the same IDs.
func eventID(kind, h string) string {
	sum := sha256.Sum256([]byte("suyuan-epcis-event-v1\x00" + kind + "\x00" + h))
	u := sum[:16]
	u[6] = (u[6] & 0x0f) | 0x80 // version 8
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(u)
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// ids builds the URIs of one export.
type ids struct {
	tmpl   string // trace URL template with {code}
	base   string // https://host/epcis/SITE
	prefix string // GS1 company prefix, "" if none
	gtin   map[int64]string
}

func newIDs(tmpl, site, prefix string, gtin map[int64]string) (*ids, error) {
	if strings.TrimSpace(tmpl) == "" {
		tmpl = defaultURLTemplate
	}
	probe := strings.NewReplacer("{code}", "X", "{cert}", "", "{serial}", "", "{kind}", "trace").Replace(tmpl)
	u, err := url.Parse(probe)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("trace URL template %q is not an absolute URL", tmpl)
	}
	return &ids{tmpl: tmpl, base: u.Scheme + "://" + u.Host + "/epcis/" + url.PathEscape(site), prefix: prefix, gtin: gtin}, nil
}

// lotClass is the epcClass of a lot: a GS1 Digital Link URI when the site
// has a company prefix and the product a GTIN, else the trace URL the
// labels print.
func (x *ids) lotClass(code string, productID int64) string {
	if g := x.gtin[productID]; g != "" && x.prefix != "" {
		return "https://id.gs1.org/01/" + g + "/10/" + url.PathEscape(code)
	}
	return strings.NewReplacer("{code}", url.PathEscape(code), "{cert}", "", "{serial}", "", "{kind}", "trace").Replace(x.tmpl)
}

func (x *ids) path(parts ...string) string {
	var b strings.Builder
	b.WriteString(x.base)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

func (x *ids) baseLoc(id int64) string   { return x.path("base", strconv.FormatInt(id, 10)) }
func (x *ids) plot(id int64) string      { return x.path("plot", strconv.FormatInt(id, 10)) }
func (x *ids) site() string              { return x.base }
func (x *ids) transform(id int64) string { return x.path("transformation", strconv.FormatInt(id, 10)) }

// party is a business party: by its code (统一社会信用代码 / 主体码) when
// known, else by name under this site.
func (x *ids) party(code, name string) string {
	if c := strings.TrimSpace(code); c != "" {
		if u, err := url.Parse(c); err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") {
			return c // already a URI (e.g. a partner's PGLN)
		}
		return x.path("party", c)
	}
	return x.path("party-name", strings.TrimSpace(name))
}

// NormalizeGTIN checks a GTIN-8/12/13/14 (digits, GS1 mod-10 check digit)
// and returns it as 14 digits.
func NormalizeGTIN(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("a GTIN has 8, 12, 13 or 14 digits, %q has %d", s, len(s))
	}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", fmt.Errorf("a GTIN has only digits, %q does not", s)
		}
		if i == len(s)-1 {
			break
		}
		d := int(c - '0')
		// weights 3,1,3,... from the right, the check digit excluded
		if (len(s)-1-i)%2 == 1 {
			d *= 3
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(s[len(s)-1]-'0') != want {
		return "", fmt.Errorf("the check digit of GTIN %q should be %d", s, want)
	}
	return strings.Repeat("0", 14-len(s)) + s, nil
}
