package scanner

import (
	"strings"
)

// parseNationalLong recognises the platform's long trace code
// <追溯类型>.<主体类别>.<18-char subject id>.<农产品分类码>.<yyyyMMddHHmmss>.<3-digit seq>
// (domain.md §3). It claims the string (ok=true) as soon as the shape is
// unmistakable — six dot-separated parts, a 1/2/3 type, an 18-character
// third part — and then reports failed checks in Err rather than falling
// back to Unknown, so a misprinted code is flagged, not silently dropped.
func parseNationalLong(s string) (Scan, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 6 || len(parts[0]) != 1 || parts[0][0] < '1' || parts[0][0] > '3' ||
		len(parts[2]) != 18 || !allAlnumUpper(parts[2]) || !allDigits(parts[1]) {
		return Scan{}, false
	}
	sc := Scan{Kind: KindNationalLong, Code: s, Fields: map[string]string{
		"trace_type":       parts[0],
		"trace_type_name":  traceTypeName(parts[0]),
		"subject_category": parts[1],
		"subject_id":       parts[2],
		"category":         parts[3],
		"seq":              parts[5],
	}}
	switch {
	case validUSCC(parts[2]):
		sc.Fields["credit_code"] = parts[2]
		sc.Fields["subject_id_kind"] = "uscc"
	case validResidentID(parts[2]):
		// Individual producers are identified by their resident ID.
		sc.Fields["subject_id_kind"] = "resident-id"
	default:
		sc.Err = newErr(ErrCheckDigit, "subject_id", "%s is neither a valid GB 32100 credit code nor a resident ID", parts[2])
	}
	if ts, ok := parseTimestamp14(parts[4]); ok {
		sc.Fields["time"] = ts
	} else if sc.Err == nil {
		sc.Err = newErr(ErrDate, "time", "%q is not a yyyyMMddHHmmss timestamp", parts[4])
	}
	if sc.Err == nil && (!allDigits(parts[3]) || !allDigits(parts[5]) || len(parts[5]) != 3) {
		sc.Err = newErr(ErrStructure, "seq", "category %q / sequence %q must be digits (sequence: 3)", parts[3], parts[5])
	}
	return sc, true
}

var oidCodeAttr = map[string]string{
	"0": "主体身份码", "2": "产品批次码", "3": "产品追溯码", "6": "入市追溯凭证",
}

var oidOrgForm = map[string]string{
	"0": "企业", "1": "个人", "2": "家庭农场", "3": "合作社",
}

// parseOID handles the legacy OID form
// 1.2.156.326.8.<业务>.<编码属性>.<主体类别>.<组织形式>.<主体号>[.<分类码>.<ts>].
// The arc 1.2.156.326.8 (China / agriculture / platform) is unambiguous, so
// anything under it is KindNationalOID; a short or odd tail sets Err.
func parseOID(s string) Scan {
	parts := strings.Split(s, ".")
	sc := Scan{Kind: KindNationalOID, Code: s, Fields: map[string]string{}}
	for i, p := range parts {
		if p == "" || !allAlnumUpper(p) {
			sc.Err = newErr(ErrStructure, "", "arc %d (%q) is empty or not alphanumeric", i+1, p)
			return sc
		}
	}
	if len(parts) != 10 && len(parts) != 12 {
		sc.Err = newErr(ErrStructure, "", "%d arcs; expected 10 (subject) or 12 (with category and time)", len(parts))
		return sc
	}
	sc.Fields["business"] = parts[5]
	sc.Fields["code_attr"] = parts[6]
	if n := oidCodeAttr[parts[6]]; n != "" {
		sc.Fields["code_attr_name"] = n
	}
	sc.Fields["subject_category"] = parts[7]
	sc.Fields["org_form"] = parts[8]
	if n := oidOrgForm[parts[8]]; n != "" {
		sc.Fields["org_form_name"] = n
	}
	sc.Fields["subject_no"] = parts[9]
	if len(parts) == 12 {
		sc.Fields["category"] = parts[10]
		if ts, ok := parseTimestamp14(parts[11]); ok {
			sc.Fields["time"] = ts
		} else {
			sc.Err = newErr(ErrDate, "time", "%q is not a yyyyMMddHHmmss timestamp", parts[11])
		}
	}
	return sc
}

// parsePesticide splits a 32-digit 农药标签二维码 单元识别代码: digit 1
// 登记类别, 2–7 last six digits of the 登记证号, 8 生产类型, 9–11 规格码,
// 12–32 random. There is no check digit to verify.
func parsePesticide(s string) Scan {
	sc := Scan{Kind: KindPesticideLabel, Code: s, Fields: map[string]string{
		"reg_category":    s[:1],
		"reg_no_suffix":   s[1:7],
		"production_type": s[7:8],
		"spec_code":       s[8:11],
	}}
	if p := s[7]; p < '1' || p > '3' {
		sc.Err = newErr(ErrStructure, "production_type", "digit 8 is %c; expected 1, 2 or 3", p)
	}
	return sc
}
