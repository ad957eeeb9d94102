package tracecode

import (
	"strconv"
	"strings"
	"time"
)

// FormatCertNo formats a 承诺达标合格证 number HGZ-<SITE>-<YYYYMMDD>-<NNNN>, e.g.
// HGZ-XPJS01-20261128-0001. NNNN is the per-site-per-day certificate sequence, zero padded to
// 4 digits and growing past 9999. It carries no check character: certificates are printed with
// a QR code and looked up by the full number, not typed from memory.
//
// FormatCertNo does not validate (its signature has no error): call ValidSite and keep seq in
// 1..MaxSeq. Invalid input yields a string that ParseCertNo refuses, never a panic.
func FormatCertNo(site string, day time.Time, seq int) string {
	var b strings.Builder
	b.WriteString("HGZ-")
	b.WriteString(site)
	b.WriteByte('-')
	b.WriteString(day.Format("20060102"))
	b.WriteByte('-')
	s := strconv.Itoa(seq)
	for i := len(s); i < minSeqLen; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
	return b.String()
}

// ParseCertNo reads a certificate number as typed or scanned (surrounding spaces and lower case
// accepted) and refuses anything FormatCertNo would not produce for valid input.
func ParseCertNo(s string) (Code, error) {
	c, ok := canon(s)
	if !ok {
		return Code{}, newError(KindFormat, s, "a certificate number may only contain letters, digits and '-'", "合格证编号只能包含字母、数字和“-”")
	}
	parts := strings.Split(c, "-")
	if len(parts) != 4 || parts[0] != "HGZ" {
		return Code{}, newError(KindFormat, s, "a certificate number has the form HGZ-SITE-YYYYMMDD-NNNN", "合格证编号格式应为“HGZ-站点-年月日-流水号”")
	}
	if err := ValidSite(parts[1]); err != nil {
		return Code{}, newError(KindSite, s, "the site part must be 4-8 letters or digits", "合格证编号中的站点代码须为4–8位字母或数字")
	}
	day, ok := parseDigitsDate(parts[2], 0)
	if !ok || len(parts[2]) != 8 || day.Year() < 2000 {
		return Code{}, newError(KindDate, s, "the date part must be a valid YYYYMMDD from 2000 on", "合格证编号中的日期须为2000年以后的有效“年月日”（8位）")
	}
	seq, ok := parseSeq(parts[3])
	if !ok {
		return Code{}, newError(KindSeq, s, "the number part must be at least 4 digits", "合格证编号中的流水号须为至少4位数字")
	}
	return Code{Site: parts[1], Day: day, Seq: seq}, nil
}
