package usb

import "testing"

// Fake descriptor sets modelled on devices.md §2.5/§8.1: endpoint numbers
// differ between models with the same IDs, composite scanners expose several
// HID interfaces.
var (
	gprinterZH380 = Device{Bus: 1, Address: 4, VID: 0x6868, PID: 0x0500, Serial: "ZH380-1", Configs: []Config{{Number: 1,
		Interfaces: []Interface{{Number: 0, Class: ClassPrinter, SubClass: 1, Protocol: 2, Endpoints: []Endpoint{
			{Address: 0x81, Number: 1, In: true, TransferType: TransferBulk, MaxPacketSize: 64},
			{Address: 0x03, Number: 3, In: false, TransferType: TransferBulk, MaxPacketSize: 64},
		}}}}}}
	gprinterR222 = Device{Bus: 1, Address: 5, VID: 0x6868, PID: 0x0500, Serial: "R222-9", Configs: []Config{{Number: 1,
		Interfaces: []Interface{{Number: 0, Class: ClassPrinter, Endpoints: []Endpoint{
			{Address: 0x01, Number: 1, TransferType: TransferBulk, MaxPacketSize: 64},
		}}}}}}
	// A composite device: vendor interface first, printer on interface 2 alt 1.
	compositePrinter = Device{Bus: 2, Address: 7, VID: 0x0483, PID: 0x5743, Configs: []Config{{Number: 1,
		Interfaces: []Interface{
			{Number: 0, Class: 0xff, Endpoints: []Endpoint{{Address: 0x01, Number: 1, TransferType: TransferBulk}}},
			{Number: 2, Alt: 0, Class: ClassPrinter, Endpoints: []Endpoint{{Address: 0x82, Number: 2, In: true, TransferType: TransferBulk}}},
			{Number: 2, Alt: 1, Class: ClassPrinter, Endpoints: []Endpoint{{Address: 0x02, Number: 2, TransferType: TransferBulk}}},
		}}}}
	scannerComposite = Device{Bus: 3, Address: 2, VID: 0x1eab, PID: 0x8003, Configs: []Config{{Number: 1,
		Interfaces: []Interface{
			{Number: 0, Class: ClassHID, SubClass: 0, Protocol: 0, Endpoints: []Endpoint{{Address: 0x81, Number: 1, In: true, TransferType: TransferInterrupt, MaxPacketSize: 64}}},
			{Number: 1, Class: ClassHID, SubClass: SubclassBoot, Protocol: ProtocolKeyboard, Endpoints: []Endpoint{{Address: 0x82, Number: 2, In: true, TransferType: TransferInterrupt, MaxPacketSize: 8}}},
		}}}}
	mouse = Device{Bus: 3, Address: 3, VID: 0x046d, PID: 0xc077, Configs: []Config{{Number: 1,
		Interfaces: []Interface{{Number: 0, Class: ClassHID, SubClass: SubclassBoot, Protocol: 2, Endpoints: []Endpoint{{Address: 0x81, Number: 1, In: true, TransferType: TransferInterrupt}}}}}}}
	// Printer class but only an IN endpoint: unusable.
	brokenPrinter = Device{Bus: 4, Address: 1, VID: 0x1203, PID: 0x0140, Configs: []Config{{Number: 1,
		Interfaces: []Interface{{Number: 0, Class: ClassPrinter, Endpoints: []Endpoint{{Address: 0x81, Number: 1, In: true, TransferType: TransferBulk}}}}}}}
)

func TestPrinterEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		dev        Device
		ok         bool
		iface, alt int
		addr       uint8
	}{
		{"gprinter ZH-380 OUT 0x03", gprinterZH380, true, 0, 0, 0x03},
		{"gprinter R222 OUT 0x01", gprinterR222, true, 0, 0, 0x01},
		{"composite: interface 2 alt 1", compositePrinter, true, 2, 1, 0x02},
		{"scanner is no printer", scannerComposite, false, 0, 0, 0},
		{"printer without OUT", brokenPrinter, false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PrinterEndpoint(tt.dev)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if got.Interface != tt.iface || got.Alt != tt.alt || got.Endpoint.Address != tt.addr || got.Endpoint.In {
				t.Errorf("got %v, want interface %d.%d endpoint 0x%02x", got, tt.iface, tt.alt, tt.addr)
			}
		})
	}
}

func TestKeyboardEndpoint(t *testing.T) {
	got, ok := KeyboardEndpoint(scannerComposite)
	if !ok || got.Interface != 1 || got.Endpoint.Address != 0x82 {
		t.Fatalf("scanner: got %v %v, want boot keyboard interface 1 endpoint 0x82", got, ok)
	}
	if _, ok := KeyboardEndpoint(mouse); ok {
		t.Error("a boot mouse must not be taken for a scanner")
	}
	if _, ok := KeyboardEndpoint(gprinterZH380); ok {
		t.Error("a printer must not be taken for a scanner")
	}
}

func TestChoose(t *testing.T) {
	all := []Device{gprinterZH380, gprinterR222, compositePrinter, scannerComposite, mouse, brokenPrinter}
	tests := []struct {
		name    string
		m       Match
		ok      bool
		nCands  int
		address int
	}{
		{"any: three printers, ambiguous", Match{}, false, 3, 0},
		{"by VID:PID still two", Match{VID: 0x6868, PID: 0x0500}, false, 2, 0},
		{"by serial", Match{Serial: "R222-9"}, true, 1, 5},
		{"by VID:PID + serial", Match{VID: 0x6868, PID: 0x0500, Serial: "ZH380-1"}, true, 1, 4},
		{"xprinter", Match{VID: 0x0483, PID: 0x5743}, true, 1, 7},
		{"absent", Match{VID: 0x0a5f, PID: 0x0009}, false, 0, 0},
		{"printer class without OUT is not offered", Match{VID: 0x1203}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cands, ok := Choose(all, tt.m, PrinterEndpoint)
			if ok != tt.ok || len(cands) != tt.nCands {
				t.Fatalf("ok=%v cands=%d, want ok=%v cands=%d", ok, len(cands), tt.ok, tt.nCands)
			}
			if ok && got.Device.Address != tt.address {
				t.Errorf("chose address %d, want %d", got.Device.Address, tt.address)
			}
		})
	}
}
