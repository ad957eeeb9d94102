//go:build cgo && !nousb

package usb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/google/gousb"

	"suyuan/device/printer"
)

func init() {
	printer.RegisterUSB(func(ctx context.Context, m printer.USBMatch) (printer.Transport, error) {
		return OpenPrinter(ctx, Match{VID: m.VID, PID: m.PID, Serial: m.Serial})
	})
}

// Available reports that this build has libusb support.
const Available = true

// UnavailableError says libusb could not start (no /dev/bus/usb, missing
// DLL). gousb.NewContext panics in that case; we recover into this.
type UnavailableError struct{ Cause any }

func (e *UnavailableError) Error() string { return fmt.Sprintf("libusb unavailable: %v", e.Cause) }

// UserMessage implements the project's user-error convention.
func (e *UnavailableError) UserMessage(lang string) string {
	if lang == "en" {
		return "USB devices cannot be accessed on this computer (libusb did not start). Use lp:///dev/usb/lp0, a network printer, or the keyboard mode of the scanner."
	}
	return "这台电脑无法访问 USB 设备（libusb 启动失败）。请改用 lp:///dev/usb/lp0、网络打印机，或把扫码枪设为键盘模式。"
}

// Is makes errors.Is(err, printer.ErrUnsupported) true.
func (e *UnavailableError) Is(t error) bool { return t == printer.ErrUnsupported }

// newContext guards gousb.NewContext, which panics when libusb cannot
// initialise (e.g. a container without /dev/bus/usb).
func newContext() (c *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &UnavailableError{Cause: r}
		}
	}()
	return gousb.NewContext(), nil
}

func convert(desc *gousb.DeviceDesc) Device {
	d := Device{Bus: desc.Bus, Address: desc.Address, VID: uint16(desc.Vendor), PID: uint16(desc.Product)}
	for _, c := range desc.Configs {
		cfg := Config{Number: c.Number}
		for _, intf := range c.Interfaces {
			for _, alt := range intf.AltSettings {
				i := Interface{Number: alt.Number, Alt: alt.Alternate,
					Class: uint8(alt.Class), SubClass: uint8(alt.SubClass), Protocol: uint8(alt.Protocol)}
				for _, e := range alt.Endpoints {
					i.Endpoints = append(i.Endpoints, Endpoint{Address: uint8(e.Address), Number: e.Number,
						In: e.Direction == gousb.EndpointDirectionIn, TransferType: int(e.TransferType),
						MaxPacketSize: e.MaxPacketSize})
				}
				// Endpoints come from a map: order them for a stable choice.
				sortEndpoints(i.Endpoints)
				cfg.Interfaces = append(cfg.Interfaces, i)
			}
		}
		d.Configs = append(d.Configs, cfg)
	}
	return d
}

// opened is a claimed interface on an open device.
type opened struct {
	ctx    *gousb.Context
	dev    *gousb.Device
	cfg    *gousb.Config
	intf   *gousb.Interface
	target Target
}

func (o *opened) close() {
	if o.intf != nil {
		o.intf.Close()
	}
	if o.cfg != nil {
		o.cfg.Close()
	}
	if o.dev != nil {
		o.dev.Close()
	}
	if o.ctx != nil {
		o.ctx.Close()
	}
}

func openTarget(m Match, pick func(Device) (Target, bool), what string) (*opened, error) {
	uctx, err := newContext()
	if err != nil {
		return nil, err
	}
	devs, enumErr := uctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		d := convert(desc)
		_, ok := pick(d)
		return ok && (Match{VID: m.VID, PID: m.PID}).Matches(d)
	})
	var cands []Device
	byKey := map[*gousb.Device]Device{}
	for _, dev := range devs {
		d := convert(dev.Desc)
		if s, err := dev.SerialNumber(); err == nil {
			d.Serial = strings.TrimSpace(s)
		}
		byKey[dev] = d
		cands = append(cands, d)
	}
	t, all, ok := Choose(cands, m, pick)
	var chosen *gousb.Device
	for _, dev := range devs {
		d := byKey[dev]
		if ok && chosen == nil && d.Bus == t.Device.Bus && d.Address == t.Device.Address {
			chosen = dev
			continue
		}
		dev.Close()
	}
	target := printer.USBMatch{VID: m.VID, PID: m.PID, Serial: m.Serial}.String()
	if !ok {
		uctx.Close()
		if len(all) > 1 {
			var names []string
			for _, c := range all {
				names = append(names, fmt.Sprintf("usb://%04x:%04x?serial=%s", c.Device.VID, c.Device.PID, c.Device.Serial))
			}
			return nil, &printer.Error{Kind: printer.ErrAmbiguousUSB, Target: target,
				ZH: "找到多台 USB " + what + "，请在设置里选定一台：" + strings.Join(names, "，"),
				EN: "Several USB " + what + "s match; choose one in Settings: " + strings.Join(names, ", ")}
		}
		if errors.Is(enumErr, gousb.ErrorAccess) {
			return nil, printer.PermissionError(target, enumErr)
		}
		return nil, printer.NoUSBPrinterError(target, enumErr)
	}
	o := &opened{ctx: uctx, dev: chosen, target: t}
	_ = chosen.SetAutoDetach(true) // let us take it from usblp / usbhid
	if o.cfg, err = chosen.Config(t.Config); err != nil {
		o.close()
		return nil, usbErr(target, err)
	}
	if o.intf, err = o.cfg.Interface(t.Interface, t.Alt); err != nil {
		o.close()
		return nil, usbErr(target, err)
	}
	return o, nil
}

func usbErr(target string, err error) error {
	switch {
	case errors.Is(err, gousb.ErrorAccess):
		return printer.PermissionError(target, err)
	case errors.Is(err, gousb.ErrorNoDevice), errors.Is(err, gousb.ErrorNotFound):
		return printer.NoUSBPrinterError(target, err)
	case errors.Is(err, gousb.ErrorBusy):
		return &printer.Error{Kind: printer.ErrUnreachable, Target: target, Err: err,
			ZH: "USB 设备被其他程序占用：请关闭厂家工具后重试。",
			EN: "The USB device is busy: close the vendor's tool and try again."}
	}
	return &printer.Error{Kind: printer.ErrUnreachable, Target: target, Err: err,
		ZH: "打开 USB 设备失败：请重新插拔数据线后重试。", EN: "Opening the USB device failed: re-plug the cable and try again."}
}

// PrinterConn is an open USB printer (bulk OUT endpoint).
type PrinterConn struct {
	mu sync.Mutex
	o  *opened
	ep *gousb.OutEndpoint
}

// OpenPrinter opens the one printer-class device matching m.
func OpenPrinter(_ context.Context, m Match) (*PrinterConn, error) {
	o, err := openTarget(m, PrinterEndpoint, "打印机")
	if err != nil {
		return nil, err
	}
	ep, err := o.intf.OutEndpoint(o.target.Endpoint.Number)
	if err != nil {
		o.close()
		return nil, usbErr(o.target.String(), err)
	}
	return &PrinterConn{o: o, ep: ep}, nil
}

// Write sends one job; gousb splits it into packets. Cancelling ctx aborts
// the transfer (gousb's plain Write would block forever on a stuck printer).
func (p *PrinterConn) Write(ctx context.Context, job []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.o == nil {
		return printer.WriteError("usb", errors.New("closed"))
	}
	for len(job) > 0 {
		n, err := p.ep.WriteContext(ctx, job)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("write %s: %w", p.o.target, ctx.Err())
			}
			return printer.WriteError(p.o.target.String(), err)
		}
		job = job[n:]
	}
	return nil
}

// Close releases the interface, device and libusb context.
func (p *PrinterConn) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.o != nil {
		p.o.close()
		p.o = nil
	}
	return nil
}

func (p *PrinterConn) String() string {
	if p.o == nil {
		return "usb://(closed)"
	}
	return p.o.target.String()
}

// hidReader yields raw boot-keyboard reports (8 bytes each).
type hidReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	o      *opened
	ep     *gousb.InEndpoint
	buf    []byte
	pend   []byte
	once   sync.Once
}

// OpenHIDScanner opens a barcode scanner in HID boot-keyboard mode and returns
// a reader of its raw 8-byte boot reports (modifier, reserved, 6 key codes);
// package device/scanner decodes them. Reading ends with an error when ctx is
// cancelled or Close is called. Linux only in practice: Windows reserves
// keyboards exclusively. Needs the udev rule in docs/devices.md.
func OpenHIDScanner(ctx context.Context, m Match) (io.ReadCloser, error) {
	o, err := openTarget(m, KeyboardEndpoint, "扫码枪")
	if err != nil {
		return nil, err
	}
	ep, err := o.intf.InEndpoint(o.target.Endpoint.Number)
	if err != nil {
		o.close()
		return nil, usbErr(o.target.String(), err)
	}
	rctx, cancel := context.WithCancel(ctx)
	size := max(8, o.target.Endpoint.MaxPacketSize)
	return &hidReader{ctx: rctx, cancel: cancel, o: o, ep: ep, buf: make([]byte, size)}, nil
}

func (r *hidReader) Read(p []byte) (int, error) {
	for len(r.pend) == 0 {
		n, err := r.ep.ReadContext(r.ctx, r.buf)
		if err != nil {
			if r.ctx.Err() != nil {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("read %s: %w", r.o.target, err)
		}
		r.pend = r.buf[:n]
	}
	n := copy(p, r.pend)
	r.pend = r.pend[n:]
	return n, nil
}

func (r *hidReader) Close() error {
	r.once.Do(func() {
		r.cancel()
		r.o.close()
	})
	return nil
}
