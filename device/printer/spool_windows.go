//go:build windows

package printer

import (
	"context"
	"fmt"
	"syscall"
	"unsafe"
)

// The Windows spooler in RAW mode passes our TSPL/ZPL bytes to the vendor
// driver's port untouched, so no driver change (WinUSB) is needed. Called
// through winspool.drv with the standard library only (no cgo).
var (
	winspool             = syscall.NewLazyDLL("winspool.drv")
	procOpenPrinterW     = winspool.NewProc("OpenPrinterW")
	procClosePrinter     = winspool.NewProc("ClosePrinter")
	procStartDocPrinterW = winspool.NewProc("StartDocPrinterW")
	procEndDocPrinter    = winspool.NewProc("EndDocPrinter")
	procStartPagePrinter = winspool.NewProc("StartPagePrinter")
	procEndPagePrinter   = winspool.NewProc("EndPagePrinter")
	procWritePrinter     = winspool.NewProc("WritePrinter")
)

type docInfo1 struct {
	docName    *uint16
	outputFile *uint16
	datatype   *uint16
}

type spoolTransport struct {
	name string
	h    syscall.Handle
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
			fmt.Sprintf("Windows 里找不到打印机“%s”：请在“设置 > 打印机”中核对名称。", name),
			fmt.Sprintf("Windows has no printer named %q: check the name under Settings > Printers.", name))
	}
	return &spoolTransport{name: name, h: h}, nil
}

func (t *spoolTransport) Write(ctx context.Context, job []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	target := "spool://" + t.name
	doc, _ := syscall.UTF16PtrFromString("Suyuan label")
	raw, _ := syscall.UTF16PtrFromString("RAW")
	di := docInfo1{docName: doc, datatype: raw}
	if r, _, e := procStartDocPrinterW.Call(uintptr(t.h), 1, uintptr(unsafe.Pointer(&di))); r == 0 {
		return WriteError(target, e)
	}
	defer procEndDocPrinter.Call(uintptr(t.h))
	if r, _, e := procStartPagePrinter.Call(uintptr(t.h)); r == 0 {
		return WriteError(target, e)
	}
	defer procEndPagePrinter.Call(uintptr(t.h))
	for len(job) > 0 {
		var written uint32
		r, _, e := procWritePrinter.Call(uintptr(t.h), uintptr(unsafe.Pointer(&job[0])), uintptr(len(job)), uintptr(unsafe.Pointer(&written)))
		if r == 0 || written == 0 {
			return WriteError(target, e)
		}
		job = job[written:]
	}
	return nil
}

func (t *spoolTransport) Close() error {
	if t.h == 0 {
		return nil
	}
	procClosePrinter.Call(uintptr(t.h))
	t.h = 0
	return nil
}

func (t *spoolTransport) String() string { return "spool://" + t.name }
