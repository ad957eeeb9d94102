//go:build windows

package printer

import (
	"context"
	"fmt"
	"sort"
	"syscall"
	"unsafe"
)

// The Windows spooler in RAW mode passes our TSPL/ZPL bytes to the vendor
// driver's port untouched, so no driver change (WinUSB) is needed. Called
// through winspool.drv with the standard library only (no cgo).
var (
	winspool              = syscall.NewLazyDLL("winspool.drv")
	procOpenPrinterW      = winspool.NewProc("OpenPrinterW")
	procClosePrinter      = winspool.NewProc("ClosePrinter")
	procStartDocPrinterW  = winspool.NewProc("StartDocPrinterW")
	procEndDocPrinter     = winspool.NewProc("EndDocPrinter")
	procAbortDocPrinter   = winspool.NewProc("AbortDocPrinter")
	procStartPagePrinter  = winspool.NewProc("StartPagePrinter")
	procEndPagePrinter    = winspool.NewProc("EndPagePrinter")
	procWritePrinter      = winspool.NewProc("WritePrinter")
	procEnumPrintersW     = winspool.NewProc("EnumPrintersW")
	procGetDefaultPrinter = winspool.NewProc("GetDefaultPrinterW")
)

type docInfo1 struct {
	docName    *uint16
	outputFile *uint16
	datatype   *uint16
}

// winSpooler is spooler on one OpenPrinterW handle.
type winSpooler struct{ h syscall.Handle }

// call runs one BOOL-returning winspool function; FALSE is an error with
// GetLastError's code (or a generic one when Windows set none).
func call(p *syscall.LazyProc, args ...uintptr) error {
	r, _, e := p.Call(args...)
	if r != 0 {
		return nil
	}
	if en, ok := e.(syscall.Errno); ok && en != 0 {
		return en
	}
	return fmt.Errorf("%s returned FALSE", p.Name)
}

func (w *winSpooler) StartDoc(name string) error {
	doc, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return err
	}
	raw, _ := syscall.UTF16PtrFromString("RAW")
	di := docInfo1{docName: doc, datatype: raw}
	return call(procStartDocPrinterW, uintptr(w.h), 1, uintptr(unsafe.Pointer(&di)))
}

func (w *winSpooler) StartPage() error { return call(procStartPagePrinter, uintptr(w.h)) }
func (w *winSpooler) EndPage() error   { return call(procEndPagePrinter, uintptr(w.h)) }
func (w *winSpooler) EndDoc() error    { return call(procEndDocPrinter, uintptr(w.h)) }
func (w *winSpooler) Abort() error     { return call(procAbortDocPrinter, uintptr(w.h)) }

func (w *winSpooler) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var written uint32
	err := call(procWritePrinter, uintptr(w.h), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(unsafe.Pointer(&written)))
	return int(written), err
}

func (w *winSpooler) Close() error {
	if w.h == 0 {
		return nil
	}
	err := call(procClosePrinter, uintptr(w.h))
	w.h = 0
	return err
}

func openSpool(_ context.Context, name string) (Transport, error) {
	p, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return nil, badURI("spool://"+name, "bad printer name")
	}
	var h syscall.Handle
	r, _, e := procOpenPrinterW.Call(uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&h)), 0)
	if r == 0 {
		return nil, newErr(ErrUnreachable, "spool://"+name, e,
			fmt.Sprintf("Windows 里找不到打印机“%s”：请在“设置 > 打印机”中核对名称（suyuan printer list 列出本机的打印机）。", name),
			fmt.Sprintf("Windows has no printer named %q: check the name under Settings > Printers (suyuan printer list shows this PC's printers).", name))
	}
	return &spoolTransport{name: name, sp: &winSpooler{h: h}}, nil
}

// printerInfo2 is PRINTER_INFO_2W.
type printerInfo2 struct {
	serverName, printerName, shareName, portName, driverName, comment, location *uint16
	devMode                                                                     uintptr
	sepFile, printProcessor, datatype, parameters                               *uint16
	securityDescriptor                                                          uintptr
	attributes, priority, defaultPriority, startTime, untilTime, status, jobs   uint32
	averagePPM                                                                  uint32
}

const (
	printerEnumLocal       = 0x2
	printerEnumConnections = 0x4
	printerStatusOffline   = 0x80
	printerAttrWorkOffline = 0x400
)

// SpoolPrinters lists the printers installed in Windows (local ones and
// connections to shared ones), the default first, then by name.
func SpoolPrinters() ([]SpoolPrinter, error) {
	var need, n uint32
	flags := uintptr(printerEnumLocal | printerEnumConnections)
	procEnumPrintersW.Call(flags, 0, 2, 0, 0, uintptr(unsafe.Pointer(&need)), uintptr(unsafe.Pointer(&n)))
	if need == 0 {
		return nil, nil // no printers
	}
	buf := make([]byte, need)
	if err := call(procEnumPrintersW, flags, 0, 2, uintptr(unsafe.Pointer(&buf[0])), uintptr(need),
		uintptr(unsafe.Pointer(&need)), uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, newErr(ErrUnreachable, "spool://", err,
			"无法读取 Windows 的打印机列表：请确认“Print Spooler”（打印后台处理程序）服务正在运行。",
			"Cannot read the Windows printer list: check that the Print Spooler service is running.")
	}
	def := defaultPrinter()
	infos := unsafe.Slice((*printerInfo2)(unsafe.Pointer(&buf[0])), n)
	out := make([]SpoolPrinter, 0, n)
	for _, pi := range infos {
		p := SpoolPrinter{Name: utf16Str(pi.printerName), Port: utf16Str(pi.portName), Driver: utf16Str(pi.driverName),
			Offline: pi.status&printerStatusOffline != 0 || pi.attributes&printerAttrWorkOffline != 0}
		p.Default = p.Name != "" && p.Name == def
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func defaultPrinter() string {
	var n uint32
	procGetDefaultPrinter.Call(0, uintptr(unsafe.Pointer(&n)))
	if n == 0 {
		return ""
	}
	b := make([]uint16, n)
	if r, _, _ := procGetDefaultPrinter.Call(uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&n))); r == 0 {
		return ""
	}
	return syscall.UTF16ToString(b)
}

func utf16Str(p *uint16) string {
	if p == nil {
		return ""
	}
	n := 0
	for ptr := unsafe.Pointer(p); *(*uint16)(ptr) != 0; n++ {
		ptr = unsafe.Add(ptr, 2)
	}
	return syscall.UTF16ToString(unsafe.Slice(p, n))
}
