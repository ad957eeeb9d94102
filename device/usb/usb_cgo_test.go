//go:build cgo && !nousb

package usb

import (
	"context"
	"errors"
	"testing"

	"github.com/google/gousb"

	"suyuan/device/printer"
)

// convert must see through gousb's map-based descriptors to our walker.
func TestConvertGousbDescriptor(t *testing.T) {
	desc := &gousb.DeviceDesc{Bus: 1, Address: 9, Vendor: 0x20d1, Product: 0x7007, Configs: map[int]gousb.ConfigDesc{
		1: {Number: 1, Interfaces: []gousb.InterfaceDesc{{Number: 0, AltSettings: []gousb.InterfaceSetting{{
			Number: 0, Alternate: 0, Class: gousb.ClassPrinter, SubClass: 1, Protocol: 2,
			Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
				0x81: {Address: 0x81, Number: 1, Direction: gousb.EndpointDirectionIn, TransferType: gousb.TransferTypeBulk, MaxPacketSize: 512},
				0x01: {Address: 0x01, Number: 1, Direction: gousb.EndpointDirectionOut, TransferType: gousb.TransferTypeBulk, MaxPacketSize: 512},
			}}}}}},
	}}
	d := convert(desc)
	got, ok := PrinterEndpoint(d)
	if !ok || got.Endpoint.Address != 0x01 || got.Endpoint.MaxPacketSize != 512 || d.VID != 0x20d1 {
		t.Fatalf("got %v %v", got, ok)
	}
}

// Without /dev/bus/usb gousb.NewContext panics; with it and no printer we
// get "no USB printer". Either way: an error with a user message, no panic.
func TestOpenPrinterNoHardware(t *testing.T) {
	p, err := OpenPrinter(context.Background(), Match{VID: 0xfffe, PID: 0xfffe})
	if err == nil {
		p.Close()
		t.Fatal("opened a printer that cannot exist")
	}
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
		t.Fatalf("error without user message: %v", err)
	}
	if !errors.Is(err, printer.ErrNoUSBPrinter) && !errors.Is(err, printer.ErrUnsupported) {
		t.Fatalf("unexpected kind: %v", err)
	}
	// The same through the registered usb:// transport.
	if _, err := printer.Open(context.Background(), "usb://fffe:fffe"); err == nil {
		t.Fatal("usb:// opened a printer that cannot exist")
	}
	if _, err := OpenHIDScanner(context.Background(), Match{VID: 0xfffe}); err == nil {
		t.Fatal("opened a scanner that cannot exist")
	}
}
