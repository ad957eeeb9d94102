// Package usb is the only importer of gousb (cgo + libusb-1.0). It finds
// printer-class devices and their bulk OUT endpoint, and HID boot-keyboard
// barcode scanners and their interrupt IN endpoint, from the USB descriptors —
// never from hard-coded VID/PID/endpoint tables, because Chinese vendors reuse
// chip makers' IDs and move endpoints between models.
//
// The descriptor walking (this file) is plain Go over our own descriptor
// types, so it is unit tested with fake descriptor sets and builds without
// cgo; the gousb glue lives in usb_cgo.go (built with cgo unless the nousb
// tag is given; usb_nocgo.go stands in otherwise). Importing this package
// registers the usb:// printer transport with package device/printer.
package usb

import (
	"fmt"
	"sort"
)

// USB class, subclass and protocol codes used here.
const (
	ClassPrinter     = 0x07
	ClassHID         = 0x03
	SubclassBoot     = 0x01
	ProtocolKeyboard = 0x01
)

// Transfer types (bmAttributes & 3).
const (
	TransferControl     = 0
	TransferIsochronous = 1
	TransferBulk        = 2
	TransferInterrupt   = 3
)

// Device is what the walker needs from a device descriptor.
type Device struct {
	Bus, Address int
	VID, PID     uint16
	Serial       string // filled only when the device could be opened
	Configs      []Config
}

// Config is one configuration.
type Config struct {
	Number     int
	Interfaces []Interface
}

// Interface is one alternate setting of one interface.
type Interface struct {
	Number, Alt               int
	Class, SubClass, Protocol uint8
	Endpoints                 []Endpoint
}

// Endpoint is one endpoint descriptor.
type Endpoint struct {
	Address       uint8 // with direction bit 0x80
	Number        int
	In            bool
	TransferType  int
	MaxPacketSize int
}

// Target is a chosen device + configuration + interface + endpoint.
type Target struct {
	Device    Device
	Config    int
	Interface int
	Alt       int
	Endpoint  Endpoint
}

func (t Target) String() string {
	return fmt.Sprintf("usb://%04x:%04x (bus %d addr %d, config %d, interface %d.%d, endpoint 0x%02x)",
		t.Device.VID, t.Device.PID, t.Device.Bus, t.Device.Address, t.Config, t.Interface, t.Alt, t.Endpoint.Address)
}

// Match selects devices; zero fields match anything.
type Match struct {
	VID, PID uint16
	Serial   string
}

// Matches reports whether d is selected by m. A serial match needs d.Serial.
func (m Match) Matches(d Device) bool {
	if m.VID != 0 && m.VID != d.VID {
		return false
	}
	if m.PID != 0 && m.PID != d.PID {
		return false
	}
	return m.Serial == "" || m.Serial == d.Serial
}

// PrinterEndpoint finds the first printer-class (0x07) interface with a bulk
// OUT endpoint, walking configurations, interfaces and alternate settings in
// descriptor order.
func PrinterEndpoint(d Device) (Target, bool) {
	return find(d, func(i Interface, e Endpoint) bool {
		return i.Class == ClassPrinter && !e.In && e.TransferType == TransferBulk
	})
}

// KeyboardEndpoint finds a HID interface with an interrupt IN endpoint,
// preferring boot-protocol keyboards (subclass 1, protocol 1): a barcode
// scanner in keyboard mode. Composite scanners also expose other HID
// interfaces (e.g. HID-POS); those are taken only if no boot keyboard exists.
func KeyboardEndpoint(d Device) (Target, bool) {
	if t, ok := find(d, func(i Interface, e Endpoint) bool {
		return i.Class == ClassHID && i.SubClass == SubclassBoot && i.Protocol == ProtocolKeyboard &&
			e.In && e.TransferType == TransferInterrupt
	}); ok {
		return t, true
	}
	return Target{}, false
}

func find(d Device, ok func(Interface, Endpoint) bool) (Target, bool) {
	cfgs := append([]Config(nil), d.Configs...)
	sort.SliceStable(cfgs, func(a, b int) bool { return cfgs[a].Number < cfgs[b].Number })
	for _, c := range cfgs {
		for _, i := range c.Interfaces {
			for _, e := range i.Endpoints {
				if ok(i, e) {
					return Target{Device: d, Config: c.Number, Interface: i.Number, Alt: i.Alt, Endpoint: e}, true
				}
			}
		}
	}
	return Target{}, false
}

// Choose picks the single device that matches m and has an endpoint per
// pick. No match ⇒ ok=false; several ⇒ the candidates, so the caller can ask
// the user to choose with usb://VID:PID or ?serial=.
func Choose(devs []Device, m Match, pick func(Device) (Target, bool)) (t Target, candidates []Target, ok bool) {
	for _, d := range devs {
		if !m.Matches(d) {
			continue
		}
		if tt, found := pick(d); found {
			candidates = append(candidates, tt)
		}
	}
	if len(candidates) == 1 {
		return candidates[0], candidates, true
	}
	return Target{}, candidates, false
}
