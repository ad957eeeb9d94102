package scanner

import (
	"errors"
	"strings"

	"suyuan/store/tracecode"
)

// Local lot codes and certificate numbers are validated by
// suyuan/store/tracecode, the package that mints them (stdlib-only and
// meant to be shared with the scanner; it does not pull in the store).
// This file only decides whether a scan has their shape — so that another
// company's dash-separated lot number is Unknown, not "our code with an
// error" — and maps tracecode's errors onto ours.

// parseLocalLot recognises <SITE>-<YYMMDD>-<SEQ>-<C>: SITE 4–8 of 0-9A-Z,
// a 6-digit date, SEQ 4–8 digits, one check character. Once the shape
// matches the scan is claimed and tracecode.Parse decides; a bad date or
// check character sets Err. Lower case is accepted (a host with Caps Lock
// on inverts what a wedge scanner types) and noted "caps-lock".
func parseLocalLot(s string) (Scan, bool) {
	up := strings.ToUpper(s)
	parts := strings.Split(up, "-")
	if len(parts) != 4 || len(parts[0]) < 4 || len(parts[0]) > 8 || !allAlnumUpper(parts[0]) ||
		len(parts[1]) != 6 || !allDigits(parts[1]) ||
		len(parts[2]) < 4 || len(parts[2]) > 8 || !allDigits(parts[2]) ||
		len(parts[3]) != 1 || !allAlnumUpper(parts[3]) {
		return Scan{}, false
	}
	sc := Scan{Kind: KindLocalLot, Code: up, Fields: map[string]string{"site": parts[0], "seq": parts[2]}}
	if up != s {
		sc.Notes = append(sc.Notes, "caps-lock")
	}
	c, err := tracecode.Parse(up)
	if err != nil {
		sc.Err = fromTracecode(err, up)
		return sc, true
	}
	sc.Fields["date"] = c.Day.Format("2006-01-02")
	return sc, true
}

// parseCertNo recognises our 合格证 number HGZ-<SITE>-<YYYYMMDD>-<NNNN>.
func parseCertNo(s string) (Scan, bool) {
	up := strings.ToUpper(s)
	parts := strings.Split(up, "-")
	if len(parts) != 4 || parts[0] != "HGZ" || len(parts[1]) < 4 || len(parts[1]) > 8 || !allAlnumUpper(parts[1]) ||
		len(parts[2]) != 8 || !allDigits(parts[2]) || len(parts[3]) < 4 || len(parts[3]) > 8 || !allDigits(parts[3]) {
		return Scan{}, false
	}
	sc := Scan{Kind: KindCertificate, Code: up, Fields: map[string]string{"cert_no": up, "site": parts[1], "seq": parts[3]}}
	if up != s {
		sc.Notes = append(sc.Notes, "caps-lock")
	}
	c, err := tracecode.ParseCertNo(up)
	if err != nil {
		sc.Err = fromTracecode(err, up)
		return sc, true
	}
	sc.Fields["date"] = c.Day.Format("2006-01-02")
	return sc, true
}

func fromTracecode(err error, code string) *ScanError {
	reason := ErrStructure
	var te *tracecode.Error
	if errors.As(err, &te) {
		switch te.Kind {
		case tracecode.KindCheck:
			reason = ErrCheckDigit
		case tracecode.KindDate:
			reason = ErrDate
		}
	}
	return &ScanError{Reason: reason, Field: "code", Detail: err.Error()}
}
