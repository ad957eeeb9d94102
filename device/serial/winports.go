package serial

import (
	"regexp"
	"strconv"
	"strings"
)

// The Windows port listing's text handling, kept free of Windows calls so
// that it is tested on every OS.

// WindowsPortName is the name to hand CreateFile for a COM port: `\\.\COM10`.
// COM1–COM9 also open without the prefix, COM10 and above only with it.
// Spaces, a trailing colon (COM3:) and lower case (com3) are accepted, as
// users type them; anything that is not a COM port (a path, `\\.\CNCA0`) is
// returned as it was given.
func WindowsPortName(p string) string {
	s := strings.TrimSpace(p)
	s = strings.TrimSuffix(s, ":")
	bare := s
	if strings.HasPrefix(bare, `\\.\`) || strings.HasPrefix(bare, `//./`) {
		bare = bare[4:]
	}
	if n, ok := comNumber(bare); ok {
		return `\\.\COM` + strconv.Itoa(n)
	}
	return p
}

// comNumber parses "COM12" (any case) as 12.
func comNumber(s string) (int, bool) {
	if len(s) < 4 || !strings.EqualFold(s[:3], "COM") {
		return 0, false
	}
	n, err := strconv.Atoi(s[3:])
	if err != nil || n < 1 || n > 256 || s[3] == '+' || s[3] == '0' {
		return 0, false
	}
	return n, true
}

// comLess orders COM2 before COM10 (names that are not COMn sort after,
// by name).
func comLess(a, b string) bool {
	na, oka := comNumber(a)
	nb, okb := comNumber(b)
	switch {
	case oka && okb:
		return na < nb
	case oka != okb:
		return oka
	}
	return a < b
}

var hwIDRe = regexp.MustCompile(`(?i)VID_([0-9A-F]{4})[&+]PID_([0-9A-F]{4})`)

// parseHardwareID takes the USB vendor and product id from a device's
// hardware ids (SPDRP_HARDWAREID), e.g. "USB\VID_1A86&PID_7523&REV_0264"
// (CH340) or FTDI's "FTDIBUS\VID_0403+PID_6001+A50285BIA\0000". The ids
// come back as 4 lower-case hex digits like Linux's idVendor; ok is false
// for non-USB ports (ACPI\PNP0501, a built-in COM1).
func parseHardwareID(ids []string) (vid, pid string, ok bool) {
	for _, id := range ids {
		if m := hwIDRe.FindStringSubmatch(id); m != nil {
			return strings.ToLower(m[1]), strings.ToLower(m[2]), true
		}
	}
	return "", "", false
}

// instanceSerial is the USB serial number in a device instance id:
// "USB\VID_0403&PID_6001\A50285BI" -> "A50285BI". Windows makes up an id
// with '&' in it (5&2A9D7B0&0&2) for devices without a serial number; that
// is not a serial and gives "". FTDI's driver puts it in the second part:
// "FTDIBUS\VID_0403+PID_6001+A50285BIA\0000" -> "A50285BI" (the last letter
// is the FTDI port, A for the first).
func instanceSerial(instanceID string) string {
	parts := strings.Split(instanceID, `\`)
	if len(parts) != 3 {
		return ""
	}
	if strings.EqualFold(parts[0], "FTDIBUS") {
		f := strings.Split(parts[1], "+")
		if len(f) == 3 && len(f[2]) > 1 {
			return f[2][:len(f[2])-1]
		}
		return ""
	}
	if !strings.EqualFold(parts[0], "USB") || strings.Contains(parts[2], "&") {
		return ""
	}
	return parts[2]
}

// splitFriendlyName splits "USB-SERIAL CH340 (COM3)" into the product name
// and the COM port it names, if any.
func splitFriendlyName(s string) (product, com string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") {
		if c := s[i+2 : len(s)-1]; isCOM(c) {
			return strings.TrimSpace(s[:i]), strings.ToUpper(c)
		}
	}
	return s, ""
}

func isCOM(s string) bool { _, ok := comNumber(s); return ok }
