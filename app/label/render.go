package label

import (
	"fmt"

	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultURLTemplate is the QR content when Options.URLTemplate is empty. It
// is a setting (print.url_template) because the public lookup address is the
// site's or the province's, not ours. Placeholders: {code} (the trace code, or
// the certificate number when there is no code), {cert}, {serial}, {kind}.
// The result must be ASCII: old scanners mangle anything else.
const DefaultURLTemplate = "https://trace.example.cn/t/{code}"

// Options are the per-site rendering settings.
type Options struct {
	URLTemplate string  // default DefaultURLTemplate
	Fonts       *Fonts  // default DefaultFonts()
	MarginMM    float64 // blank border, default 1.5 mm (thermal heads fade at the edge)
	MinTextMM   float64 // smallest body text before giving up, default 1.5 mm
}

func (o Options) norm() (Options, error) {
	if o.URLTemplate == "" {
		o.URLTemplate = DefaultURLTemplate
	}
	if o.Fonts == nil {
		f, err := DefaultFonts()
		if err != nil {
			return o, err
		}
		o.Fonts = f
	}
	if o.MarginMM <= 0 {
		o.MarginMM = 1.5
	}
	if o.MinTextMM <= 0 {
		o.MinTextMM = 1.5
	}
	return o, nil
}

// field names in both languages, for error messages.
var fieldNames = map[string][2]string{
	"Code":           {"追溯码", "trace code"},
	"CertNo":         {"合格证编号", "certificate number"},
	"Product":        {"产品名称", "product name"},
	"Variety":        {"品种", "variety"},
	"Quantity":       {"数量(重量)", "quantity (weight)"},
	"Unit":           {"单位", "unit"},
	"Origin":         {"产地", "origin"},
	"Producer":       {"承诺主体/生产者", "producer"},
	"Contact":        {"联系方式", "contact"},
	"Date":           {"日期", "date"},
	"Basis":          {"承诺依据", "basis of the promise"},
	"UpstreamCertNo": {"收取的合格证编号", "received certificate number"},
	"URL":            {"二维码网址", "QR URL"},
}

func missing(field string) *Error {
	n := fieldNames[field]
	return &Error{Field: field, ZH: "请填写「" + n[0] + "」后再打印。", EN: "Fill in the " + n[1] + " before printing."}
}

func required(k Kind) []string {
	switch k {
	case TraceLabel:
		return []string{"Code", "Product", "Origin", "Producer", "Date"}
	case Voucher:
		return []string{"Code", "Product", "Quantity", "Origin", "Producer", "Date"}
	case CertProducer:
		return []string{"CertNo", "Product", "Quantity", "Origin", "Producer", "Contact", "Date", "Basis"}
	case CertPurchaser:
		return []string{"CertNo", "Product", "Quantity", "Origin", "Producer", "Contact", "Date", "Basis", "UpstreamCertNo"}
	}
	return nil
}

// clean removes what must never reach the label: control and format
// characters (tabs and newlines become spaces), variation selectors, and
// repeated spaces.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u3000' || r == ' ':
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// cleaned returns a copy of d with every text field cleaned and bases normalised.
func cleaned(d Data) (Data, error) {
	for _, p := range []*string{&d.Code, &d.CertNo, &d.Product, &d.Variety, &d.Quantity, &d.Unit,
		&d.Origin, &d.Producer, &d.Contact, &d.UpstreamCertNo, &d.URL} {
		*p = clean(*p)
	}
	var bases []string
	seen := map[string]bool{}
	for _, b := range d.Basis {
		if strings.TrimSpace(b) == "" {
			continue
		}
		n, ok := NormalizeBasis(b)
		if !ok {
			return d, &Error{Field: "Basis",
				ZH: fmt.Sprintf("承诺依据“%s”不在规定范围内，只能选：%s。", clean(b), strings.Join(Bases, "、")),
				EN: fmt.Sprintf("Basis %q is not allowed; choose from 质量安全控制符合要求 / 自行检测合格 / 委托检测合格.", clean(b))}
		}
		if !seen[n] {
			seen[n] = true
			bases = append(bases, n)
		}
	}
	d.Basis = bases
	return d, nil
}

// Validate reports the first problem with d for its Kind: a missing
// required field, a non-ASCII code or an unknown 承诺依据.
func Validate(d Data) error {
	d, err := cleaned(d)
	if err != nil {
		return err
	}
	return validate(d)
}

func validate(d Data) error {
	req := required(d.Kind)
	if req == nil {
		_, err := ParseKind(string(d.Kind))
		return err
	}
	vals := map[string]bool{
		"Code": d.Code != "", "CertNo": d.CertNo != "", "Product": d.Product != "",
		"Quantity": d.Quantity != "", "Origin": d.Origin != "", "Producer": d.Producer != "",
		"Contact": d.Contact != "", "Date": !d.Date.IsZero(), "Basis": len(d.Basis) > 0,
		"UpstreamCertNo": d.UpstreamCertNo != "",
	}
	for _, f := range req {
		if !vals[f] {
			return missing(f)
		}
	}
	for _, f := range []struct {
		name, v string
	}{{"Code", d.Code}, {"CertNo", d.CertNo}, {"UpstreamCertNo", d.UpstreamCertNo}} {
		if !isPrintableASCII(f.v) {
			n := fieldNames[f.name]
			return &Error{Field: f.name, ZH: "「" + n[0] + "」只能包含英文字母、数字和符号。",
				EN: "The " + n[1] + " may contain only ASCII letters, digits and symbols."}
		}
	}
	if d.Serial < 0 || d.Total < 0 || (d.Total > 0 && d.Serial > d.Total) {
		return userErr(fmt.Sprintf("序号 %d/%d 无效。", d.Serial, d.Total), fmt.Sprintf("Serial %d/%d is invalid.", d.Serial, d.Total))
	}
	return nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// QRContent is the text the QR code of d carries: d.URL if set, else the
// template with placeholders filled (values path-escaped). It must be ASCII.
func QRContent(d Data, tmpl string) (string, error) {
	d, err := cleaned(d)
	if err != nil {
		return "", err
	}
	return qrContent(d, tmpl)
}

func qrContent(d Data, tmpl string) (string, error) {
	u := d.URL
	if u == "" {
		if tmpl == "" {
			tmpl = DefaultURLTemplate
		}
		code := d.Code
		if code == "" {
			code = d.CertNo
		}
		u = strings.NewReplacer(
			"{code}", url.PathEscape(code),
			"{cert}", url.PathEscape(d.CertNo),
			"{serial}", strconv.Itoa(d.Serial),
			"{kind}", string(d.Kind),
		).Replace(tmpl)
	}
	if u == "" || !isPrintableASCII(u) {
		return "", &Error{Field: "URL", ZH: "二维码网址必须只含英文字符（请检查设置里的网址模板）。",
			EN: "The QR URL must be ASCII only (check the URL template in Settings)."}
	}
	return u, nil
}

// item is one paragraph of the flow.
type item struct {
	field string  // Data field the text comes from (for "does not fit" errors)
	text  []rune  // may contain boxChecked/boxEmpty
	scale float64 // relative to the body size
	bold  bool
	gap   float64 // extra space before, in body lines
}

// Inline check boxes for 承诺依据 are drawn, not taken from a font. They use
// private-use code points, which clean input can never contain because the
// fonts have no glyphs there (Render rejects them).
const (
	boxEmpty   = '\uE000'
	boxChecked = '\uE001'
)

func fmtDate(t time.Time) string { return t.Format("2006-01-02") }

func items(d Data, compact bool) []item {
	var it []item
	add := func(field, label, v string) {
		if v != "" {
			it = append(it, item{field: field, text: []rune(label + v), scale: 1})
		}
	}
	qty := d.Quantity
	if qty != "" && d.Unit != "" {
		qty += " " + d.Unit
	}
	code := d.Code
	if code != "" && d.Provisional {
		code += "（待登记）"
	}
	serial := ""
	if d.Serial > 0 && d.Total > 1 { // a single label needs no "1/1"
		serial = fmt.Sprintf("%d/%d", d.Serial, d.Total)
	}
	product := d.Product
	if d.Variety != "" {
		product += "（" + d.Variety + "）"
	}
	switch d.Kind {
	case TraceLabel:
		it = append(it, item{field: "Product", text: []rune(product), scale: 1.4, bold: true})
		add("Origin", "产地：", d.Origin)
		add("Producer", "生产者：", d.Producer)
		add("Quantity", "数量：", qty)
		add("Date", "日期：", fmtDate(d.Date))
		add("Contact", "电话：", d.Contact)
		add("Code", "追溯码：", code)
		add("Serial", "序号：", serial)
	case Voucher:
		it = append(it, item{field: "Kind", text: []rune("入市追溯凭证"), scale: 1.4, bold: true})
		add("Product", "产品名称：", product)
		add("Quantity", "数量(重量)：", qty)
		add("Origin", "产地：", d.Origin)
		add("Producer", "销售主体：", d.Producer)
		add("Contact", "联系方式：", d.Contact)
		add("Date", "日期：", fmtDate(d.Date))
		add("Code", "凭证码：", code)
		add("Serial", "序号：", serial)
	case CertProducer, CertPurchaser:
		it = append(it, item{field: "Kind", text: []rune("承诺达标合格证"), scale: 1.5, bold: true})
		add("CertNo", "编号：", d.CertNo)
		add("Product", "产品名称：", product)
		add("Quantity", "数量(重量)：", qty)
		add("Origin", "产地：", d.Origin)
		add("Producer", "承诺主体：", d.Producer)
		add("Contact", "联系方式：", d.Contact)
		add("Date", "开具日期：", fmtDate(d.Date))
		if d.Kind == CertPurchaser {
			add("UpstreamCertNo", "收取合格证编号：", d.UpstreamCertNo)
		}
		promise := PromiseProducer
		if d.Kind == CertPurchaser {
			promise = PromisePurchaser
		}
		it = append(it, item{field: "Promise", text: []rune(promise), scale: 1, gap: 0.2})
		b := []rune("承诺依据：")
		if compact { // small labels: only the chosen bases, no check boxes
			it = append(it, item{field: "Basis", text: []rune("承诺依据：" + strings.Join(d.Basis, "、")), scale: 1})
			add("Code", "追溯码：", code)
			add("Serial", "序号：", serial)
			break
		}
		for i, name := range Bases {
			mark := boxEmpty
			for _, c := range d.Basis {
				if c == name {
					mark = boxChecked
				}
			}
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, mark)
			b = append(b, []rune(name)...)
		}
		it = append(it, item{field: "Basis", text: b, scale: 1})
		add("Code", "追溯码：", code)
		add("Serial", "序号：", serial)
	}
	return it
}
