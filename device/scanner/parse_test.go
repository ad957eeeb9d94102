package scanner

import (
	"errors"
	"strings"
	"testing"
)

// Expected check characters below were computed with an independent
// Python implementation (ISO 7064 MOD 37,36 validated against the GRid
// example A1-2425G-ABC1234002-M and tracecode's XPJS01-261128-0001-Q;
// GS1 mod 10 against GS1's 09520123456788).
const (
	longOK      = "1.0.915101007130545948.00000001.20240501102030.001"
	longBadUSCC = "1.0.915101007130545949.00000001.20240501102030.001"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		kind   Kind
		code   string
		fields map[string]string // subset that must match
		err    error             // errors.Is target, nil = no error
		notes  []string          // each must be present
	}{
		// Local lot codes.
		{name: "local lot", raw: "XP01-250301-0001-V", kind: KindLocalLot, code: "XP01-250301-0001-V",
			fields: map[string]string{"site": "XP01", "date": "2025-03-01", "seq": "0001"}},
		{name: "local lot with wedge noise", raw: "\ufeff  XP01-250301-0001-V\r\n\x00", kind: KindLocalLot, code: "XP01-250301-0001-V"},
		{name: "local lot bad check", raw: "XP01-250301-0001-X", kind: KindLocalLot, code: "XP01-250301-0001-X", err: ErrCheckDigit},
		{name: "local lot leap day", raw: "XP01-240229-0017-H", kind: KindLocalLot, code: "XP01-240229-0017-H", fields: map[string]string{"date": "2024-02-29"}},
		{name: "local lot impossible date", raw: "XP01-250229-0001-Y", kind: KindLocalLot, code: "XP01-250229-0001-Y", err: ErrDate},
		{name: "local lot caps lock", raw: "xp01-250301-0001-v", kind: KindLocalLot, code: "XP01-250301-0001-V", notes: []string{"caps-lock"}},
		{name: "mixed case still ours", raw: "Xp01-250301-0001-V", kind: KindLocalLot, code: "XP01-250301-0001-V"},
		{name: "other company's dashed lot number", raw: "LOT-250301-12-A", kind: KindUnknown},
		{name: "3-digit sequence is not ours", raw: "XP01-250301-001-X", kind: KindUnknown},
		{name: "site starting with I refused by tracecode", raw: "IXP1-250301-0001-V", kind: KindLocalLot, err: ErrStructure, code: "IXP1-250301-0001-V"},

		// National trace codes.
		{name: "national long", raw: longOK, kind: KindNationalLong, code: longOK,
			fields: map[string]string{"credit_code": "915101007130545948", "trace_type": "1", "category": "00000001", "time": "2024-05-01T10:20:30", "seq": "001"}},
		{name: "national long second vector", raw: "2.0.91350100M000100Y43.00000002.20250101000000.123", kind: KindNationalLong,
			code: "2.0.91350100M000100Y43.00000002.20250101000000.123", fields: map[string]string{"credit_code": "91350100M000100Y43", "trace_type_name": "流通批次码"}},
		{name: "national long bad credit code", raw: longBadUSCC, kind: KindNationalLong, code: longBadUSCC, err: ErrCheckDigit},
		{name: "national long resident id", raw: "1.1.11010519491231002X.00000001.20240501102030.002", kind: KindNationalLong,
			code: "1.1.11010519491231002X.00000001.20240501102030.002", fields: map[string]string{"subject_id_kind": "resident-id"}},
		{name: "national long bad time", raw: "3.0.915101007130545948.00000001.20241301102030.001", kind: KindNationalLong, err: ErrDate,
			code: "3.0.915101007130545948.00000001.20241301102030.001"},
		{name: "national long missing seq", raw: "1.0.915101007130545948.00000001.20240501102030", kind: KindUnknown},
		{name: "national short", raw: "11593966828965943445", kind: KindNationalShort, code: "11593966828965943445", fields: map[string]string{"trace_type": "1"}},
		{name: "19 digits is not a short code", raw: "1159396682896594344", kind: KindUnknown},
		{name: "national OID", raw: "1.2.156.326.8.1.2.0.3.93530427MA6N0X1234.01001.20240501102030", kind: KindNationalOID,
			code:   "1.2.156.326.8.1.2.0.3.93530427MA6N0X1234.01001.20240501102030",
			fields: map[string]string{"code_attr_name": "产品批次码", "org_form_name": "合作社", "time": "2024-05-01T10:20:30"}},
		{name: "national OID truncated", raw: "1.2.156.326.8.1.2", kind: KindNationalOID, code: "1.2.156.326.8.1.2", err: ErrStructure},

		// Certificates.
		{name: "cert number", raw: "HGZ-XP01-20250301-0007", kind: KindCertificate, code: "HGZ-XP01-20250301-0007", fields: map[string]string{"date": "2025-03-01"}},
		{name: "cert number bad date", raw: "HGZ-XP01-20250230-0001", kind: KindCertificate, code: "HGZ-XP01-20250230-0001", err: ErrDate},
		{name: "cert URL path", raw: "https://suyuan.example.cn/hgz/HGZ-XP01-20250301-0007", kind: KindCertificate, code: "HGZ-XP01-20250301-0007",
			fields: map[string]string{"url": "https://suyuan.example.cn/hgz/HGZ-XP01-20250301-0007", "url_where": "path"}},
		{name: "cert URL query", raw: "HTTPS://Suyuan.Example.cn/v?hgz=HGZ-XP01-20250301-0007", kind: KindCertificate, code: "HGZ-XP01-20250301-0007",
			fields: map[string]string{"url_where": "query:hgz"}},
		{name: "cert text", raw: "承诺达标合格证\n合格证编号：HGZ-XP01-20250301-0007\n产品名称：白菜\n产品数量：500公斤\n产品产地：云南省玉溪市新平县\n承诺主体：新平某合作社\n联系方式：13800000000\n开具时间：2025-03-01",
			kind: KindCertificate, code: "HGZ-XP01-20250301-0007",
			fields: map[string]string{"product": "白菜", "quantity": "500公斤", "origin": "云南省玉溪市新平县", "issuer": "新平某合作社", "contact": "13800000000", "issued": "2025-03-01"}},
		{name: "cert text one line other numbering", raw: "承诺达标合格证 编号:HGZ20250301-0001 品名:苹果 数量:20箱", kind: KindCertificate, code: "HGZ20250301-0001",
			fields: map[string]string{"product": "苹果", "quantity": "20箱"}},

		// URLs.
		{name: "platform URL with zsm", raw: "https://zs.example.gov.cn/qry?zsm=" + longOK, kind: KindNationalLong, code: longOK, fields: map[string]string{"url_where": "query:zsm"}},
		{name: "hash-route URL", raw: "https://h5.example.cn/#/trace?traceCode=11593966828965943445", kind: KindNationalShort, code: "11593966828965943445"},
		{name: "URL path local lot", raw: "http://192.168.1.10:8080/t/XP01-250301-0001-V", kind: KindLocalLot, code: "XP01-250301-0001-V"},
		{name: "URL with bad inner code keeps the error", raw: "https://zs.example.gov.cn/qry?code=" + longBadUSCC, kind: KindNationalLong, err: ErrCheckDigit, code: longBadUSCC},
		{name: "URL without code", raw: "https://mp.weixin.qq.com/s/AbCdEf", kind: KindURL, code: "https://mp.weixin.qq.com/s/AbCdEf"},
		{name: "URL with opaque code", raw: "https://Trace.Example.cn/q?id=8a7f3e", kind: KindURL, code: "https://trace.example.cn/q?id=8a7f3e",
			fields: map[string]string{"url_code": "8a7f3e", "url_where": "query:id"}},

		// GS1 Digital Link.
		{name: "digital link", raw: "https://id.gs1.org/01/09520123456788/10/ABC123/21/12345?17=250131", kind: KindGS1DigitalLink,
			code: "(01)09520123456788(10)ABC123(21)12345", fields: map[string]string{"17": "250131", "17.date": "2025-01-31"}},
		{name: "digital link other host prefix", raw: "https://trace.example.com/p/01/09520123456788/10/A%2FB?3103=001250", kind: KindGS1DigitalLink,
			code: "(01)09520123456788(10)A/B", fields: map[string]string{"3103.decimal": "1.250"}},
		{name: "digital link GTIN-13 padded", raw: "https://example.com/01/6901234567892", kind: KindGS1DigitalLink, code: "(01)06901234567892"},
		{name: "digital link bad check", raw: "https://id.gs1.org/01/09520123456789", kind: KindGS1DigitalLink, code: "(01)09520123456789", err: ErrCheckDigit},
		{name: "date path is not a digital link", raw: "https://news.example.cn/2024/01/12345678", kind: KindURL},

		// GS1 element strings.
		{name: "GS1 DataMatrix with GS", raw: "]d201095201234567881015ABC123\x1d17250131" + "3103001250", kind: KindGS1ElementString,
			code: "(01)09520123456788(10)15ABC123", fields: map[string]string{"17.date": "2025-01-31", "3103": "001250", "3103.decimal": "1.250"}, notes: []string{"aim:]d2"}},
		{name: "GS1-128 SSCC", raw: "]C100106141411234567897", kind: KindGS1ElementString, code: "(00)106141411234567897"},
		{name: "GS1 QR leading GS", raw: "]Q3\x1d0109520123456788211234\x1d3712", kind: KindGS1ElementString, code: "(01)09520123456788(21)1234", fields: map[string]string{"37": "12"}},
		{name: "human readable", raw: "(01)09520123456788(10)ABC123(17)250131", kind: KindGS1ElementString, code: "(01)09520123456788(10)ABC123"},
		{name: "day 00 means month end", raw: "(01)09520123456788(15)240200", kind: KindGS1ElementString, fields: map[string]string{"15.date": "2024-02-29"}, code: "(01)09520123456788"},
		{name: "bad GTIN check digit", raw: "(01)09520123456789(10)ABC", kind: KindGS1ElementString, err: ErrCheckDigit, code: "(01)09520123456789"},
		{name: "bad expiry date", raw: "]d2010952012345678817251331", kind: KindGS1ElementString, err: ErrDate, code: "(01)09520123456788"},
		{name: "unsupported AI", raw: "]d20109520123456788991234", kind: KindGS1ElementString, err: ErrUnsupportedAI, code: "(01)09520123456788"},
		{name: "bare GTIN-13", raw: "6901234567892", kind: KindGS1ElementString, code: "(01)06901234567892"},
		{name: "bare 13 digits bad check is unknown", raw: "6901234567893", kind: KindUnknown},
		{name: "EAN-13 with AIM bad check", raw: "]E06901234567893", kind: KindGS1ElementString, err: ErrCheckDigit, code: "(01)06901234567893"},
		{name: "element string without FNC1 or AIM", raw: "010952012345678810ABC123", kind: KindGS1ElementString, code: "(01)09520123456788(10)ABC123", notes: []string{"fnc1-absent"}},

		// Pesticide label.
		{name: "pesticide label", raw: "10800051100012345678901234567890", kind: KindPesticideLabel, code: "10800051100012345678901234567890",
			fields: map[string]string{"reg_no_suffix": "080005", "production_type": "1", "spec_code": "100"}},

		// Keyboard/IME problems.
		{name: "full-width IME", raw: "１.０.９１５１０１００７１３０５４５９４８.０００００００１.２０２４０５０１１０２０３０.００１", kind: KindNationalLong, code: longOK, notes: []string{"fullwidth"}},
		{name: "IME Chinese punctuation", raw: "1。0。915101007130545948。00000001。20240501102030。001", kind: KindNationalLong, code: longOK, notes: []string{"ime-punctuation"}},
		{name: "full-width local lot", raw: "ＸＰ０１－２５０３０１－０００１－Ｖ", kind: KindLocalLot, code: "XP01-250301-0001-V", notes: []string{"fullwidth"}},
		{name: "AZERTY host", raw: "-çà&é\"'(-è_çé", kind: KindUnknown, err: ErrKeyboardLayout},

		// Unknown.
		{name: "empty", raw: "", kind: KindUnknown},
		{name: "only noise", raw: "\r\n\t \x00", kind: KindUnknown},
		{name: "plain text", raw: "hello world", kind: KindUnknown},
		{name: "short number", raw: "12345", kind: KindUnknown},
		{name: "resident ID is not a trace code", raw: "11010519491231002X", kind: KindUnknown},
		{name: "AIM plain QR unknown payload", raw: "]Q1whatever", kind: KindUnknown},
		{name: "AIM plain QR national short", raw: "]Q111593966828965943445", kind: KindNationalShort, code: "11593966828965943445", notes: []string{"aim:]Q1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.raw)
			if got.Raw != tt.raw {
				t.Errorf("Raw = %q, want %q", got.Raw, tt.raw)
			}
			if got.Kind != tt.kind {
				t.Fatalf("Kind = %v, want %v (code %q, err %v)", got.Kind, tt.kind, got.Code, got.Err)
			}
			if tt.code != "" && got.Code != tt.code {
				t.Errorf("Code = %q, want %q", got.Code, tt.code)
			}
			if tt.kind == KindUnknown && got.Code != "" {
				t.Errorf("unknown scan has Code %q", got.Code)
			}
			if tt.kind != KindUnknown && got.Code == "" {
				t.Errorf("known kind with empty Code")
			}
			for k, v := range tt.fields {
				if got.Fields[k] != v {
					t.Errorf("Fields[%q] = %q, want %q (all: %v)", k, got.Fields[k], v, got.Fields)
				}
			}
			if tt.err == nil && got.Err != nil {
				t.Errorf("unexpected Err %v", got.Err)
			}
			if tt.err != nil && !errors.Is(got.Err, tt.err) {
				t.Errorf("Err = %v, want %v", got.Err, tt.err)
			}
			for _, n := range tt.notes {
				found := false
				for _, g := range got.Notes {
					found = found || g == n
				}
				if !found {
					t.Errorf("Notes %v lack %q", got.Notes, n)
				}
			}
		})
	}
}

// The same item in its three GS1 encodings must look up the same code.
func TestGS1FormsAgree(t *testing.T) {
	forms := []string{
		"https://id.gs1.org/01/09520123456788/10/ABC123?17=250131",
		"]d2010952012345678810ABC123\x1d17250131",
		"(01)09520123456788(17)250131(10)ABC123",
		"010952012345678817250131" + "10ABC123",
	}
	var codes []string
	for _, f := range forms {
		sc := Parse(f)
		if sc.Err != nil {
			t.Fatalf("%q: %v", f, sc.Err)
		}
		codes = append(codes, sc.Code)
	}
	for _, c := range codes {
		if c != "(01)09520123456788(10)ABC123" {
			t.Errorf("codes differ: %q", codes)
		}
	}
}

func TestCertTextWithoutNumber(t *testing.T) {
	a := Parse("承诺达标合格证 产品名称：白菜 产品数量：10公斤")
	b := Parse("承诺达标合格证 产品名称：白菜 产品数量：10公斤\r\n")
	c := Parse("承诺达标合格证 产品名称：白菜 产品数量：11公斤")
	if a.Kind != KindCertificate || !strings.HasPrefix(a.Code, "text-sha256:") || len(a.Code) != len("text-sha256:")+16 {
		t.Fatalf("got %v %q", a.Kind, a.Code)
	}
	if a.Code != b.Code {
		t.Errorf("rescan with CRLF suffix changed the code: %q vs %q", a.Code, b.Code)
	}
	if a.Code == c.Code {
		t.Errorf("different certificates share code %q", a.Code)
	}
	if a.Fields["quantity"] != "10公斤" {
		t.Errorf("quantity = %q", a.Fields["quantity"])
	}
}

func TestCheckAlgorithms(t *testing.T) {
	for _, s := range []string{"915101007130545948", "91350100M000100Y43"} {
		if !validUSCC(s) {
			t.Errorf("%s should be valid", s)
		}
	}
	for _, s := range []string{"915101007130545949", "91350100M000100Y44", "91510100713054594I", "9151010071305459"} {
		if validUSCC(s) {
			t.Errorf("%s should be invalid", s)
		}
	}
	if !validResidentID("11010519491231002X") || validResidentID("110105194912310021") {
		t.Error("resident ID MOD 11-2")
	}
	for body, want := range map[string]byte{"0952012345678": '8', "10614141123456789": '7', "690123456789": '2'} {
		if got := gs1CheckDigit(body); got != want {
			t.Errorf("gs1CheckDigit(%s) = %c, want %c", body, got, want)
		}
	}
}

func TestUserMessages(t *testing.T) {
	sc := Parse(longBadUSCC)
	var um interface{ UserMessage(string) string }
	if !errors.As(sc.Err, &um) {
		t.Fatalf("Err %T lacks UserMessage", sc.Err)
	}
	zh, en := um.UserMessage("zh"), um.UserMessage("en")
	if !strings.Contains(zh, "校验位") || !strings.Contains(en, "check digit") {
		t.Errorf("zh %q / en %q", zh, en)
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := KindUnknown; k <= KindPesticideLabel; k++ {
		n := k.String()
		if seen[n] || n == "" || k.Label("zh") == "" || k.Label("en") == "" {
			t.Errorf("kind %d: name %q", k, n)
		}
		seen[n] = true
	}
	if Kind(99).String() != "unknown" {
		t.Error("out of range kind")
	}
	b, _ := Parse("XP01-250301-0001-V").MarshalJSON()
	if !strings.Contains(string(b), `"kind":"local-lot"`) {
		t.Errorf("json %s", b)
	}
}
