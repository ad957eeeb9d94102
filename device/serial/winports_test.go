package serial

import (
	"sort"
	"testing"
)

func TestWindowsPortName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"COM3", `\\.\COM3`},
		{"COM10", `\\.\COM10`},
		{"com10", `\\.\COM10`},
		{" COM12 ", `\\.\COM12`},
		{"COM4:", `\\.\COM4`},
		{`\\.\COM10`, `\\.\COM10`},
		{`\\.\com256`, `\\.\COM256`},
		{"//./COM11", `\\.\COM11`},
		{`\\.\CNCA0`, `\\.\CNCA0`}, // com0com pair: not a COM name, unchanged
		{"COM0", "COM0"},
		{"COM03", "COM03"},
		{"COM+1", "COM+1"},
		{"COMX", "COMX"},
		{"/dev/ttyUSB0", "/dev/ttyUSB0"},
		{"", ""},
	}
	for _, c := range cases {
		if got := WindowsPortName(c.in); got != c.want {
			t.Errorf("WindowsPortName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestComLess(t *testing.T) {
	got := []string{"COM10", "COM2", "CNCA0", "COM1", "COM256", "COM9"}
	sort.Slice(got, func(i, j int) bool { return comLess(got[i], got[j]) })
	want := []string{"COM1", "COM2", "COM9", "COM10", "COM256", "CNCA0"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sorted %v, want %v", got, want)
		}
	}
}

func TestParseHardwareID(t *testing.T) {
	cases := []struct {
		name     string
		ids      []string
		vid, pid string
		ok       bool
	}{
		{"CH340", []string{`USB\VID_1A86&PID_7523&REV_0264`, `USB\VID_1A86&PID_7523`}, "1a86", "7523", true},
		{"PL2303", []string{`USB\VID_067B&PID_2303&REV_0300`}, "067b", "2303", true},
		{"CP210x lower case", []string{`usb\vid_10c4&pid_ea60&rev_0100`}, "10c4", "ea60", true},
		{"FTDI bus", []string{`FTDIBUS\COMPORT&VID_0403&PID_6001`}, "0403", "6001", true},
		{"FTDI plus", []string{`FTDIBUS\VID_0403+PID_6001+A50285BIA\0000`}, "0403", "6001", true},
		{"CDC composite", []string{`USB\VID_2341&PID_0043&REV_0001&MI_00`}, "2341", "0043", true},
		{"second id", []string{`ROOT\PORTS`, `USB\VID_1A86&PID_55D4`}, "1a86", "55d4", true},
		{"built-in UART", []string{`ACPI\PNP0501`, `*PNP0501`}, "", "", false},
		{"short id", []string{`USB\VID_1A8&PID_7523`}, "", "", false},
		{"none", nil, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vid, pid, ok := parseHardwareID(c.ids)
			if vid != c.vid || pid != c.pid || ok != c.ok {
				t.Fatalf("got %q %q %v, want %q %q %v", vid, pid, ok, c.vid, c.pid, c.ok)
			}
		})
	}
}

func TestInstanceSerial(t *testing.T) {
	cases := []struct{ in, want string }{
		{`USB\VID_0403&PID_6001\A50285BI`, "A50285BI"},
		{`USB\VID_1A86&PID_7523\5&2A9D7B0&0&2`, ""}, // made up by Windows: no serial
		{`FTDIBUS\VID_0403+PID_6001+A50285BIA\0000`, "A50285BI"},
		{`FTDIBUS\VID_0403+PID_6001\0000`, ""},
		{`ACPI\PNP0501\1`, ""},
		{`USB\VID_0403&PID_6001`, ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := instanceSerial(c.in); got != c.want {
			t.Errorf("instanceSerial(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitFriendlyName(t *testing.T) {
	cases := []struct{ in, product, com string }{
		{"USB-SERIAL CH340 (COM3)", "USB-SERIAL CH340", "COM3"},
		{"Silicon Labs CP210x USB to UART Bridge (COM12)", "Silicon Labs CP210x USB to UART Bridge", "COM12"},
		{"通信端口 (COM1)", "通信端口", "COM1"},
		{"Prolific USB-to-Serial Comm Port (com5)", "Prolific USB-to-Serial Comm Port", "COM5"},
		{"ECP 打印机端口 (LPT1)", "ECP 打印机端口 (LPT1)", ""},
		{"No port here", "No port here", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		p, com := splitFriendlyName(c.in)
		if p != c.product || com != c.com {
			t.Errorf("splitFriendlyName(%q) = %q, %q; want %q, %q", c.in, p, com, c.product, c.com)
		}
	}
}

// FuzzWindowsPortNames: the parsers never panic, and WindowsPortName is
// idempotent.
func FuzzWindowsPortNames(f *testing.F) {
	for _, s := range []string{`USB\VID_1A86&PID_7523&REV_0264`, `FTDIBUS\VID_0403+PID_6001+A50285BIA\0000`, "USB-SERIAL CH340 (COM3)", "COM10", `\\.\COM10`, " (", ")"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseHardwareID([]string{s})
		instanceSerial(s)
		splitFriendlyName(s)
		once := WindowsPortName(s)
		if twice := WindowsPortName(once); twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}
