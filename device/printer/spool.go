package printer

import (
	"context"
	"fmt"
	"io"
)

// spooler is the part of the Windows spooler (winspool.drv) one RAW job
// needs. spool_windows.go implements it with the real calls; the interface
// lets the job logic below — which results are checked, when a job is
// aborted — be tested on any OS.
type spooler interface {
	StartDoc(docName string) error // StartDocPrinterW, DOC_INFO_1, datatype RAW
	StartPage() error              // StartPagePrinter
	Write(p []byte) (int, error)   // WritePrinter
	EndPage() error                // EndPagePrinter
	EndDoc() error                 // EndDocPrinter: the job is committed to the queue
	Abort() error                  // AbortDocPrinter: the job is deleted from the queue
	Close() error                  // ClosePrinter
}

// spoolChunk is how much one WritePrinter call is given; ctx is checked
// between chunks, so a cancelled job stops within one chunk.
const spoolChunk = 16 << 10

// SpoolPrinter is one printer installed in Windows (EnumPrintersW level 2).
type SpoolPrinter struct {
	Name    string // what spool://NAME takes
	Port    string // USB001, COM3:, a TCP/IP port name
	Driver  string // the vendor driver's name
	Default bool   // the user's default printer
	Offline bool   // the spooler marks it offline (PRINTER_STATUS_OFFLINE or work-offline)
}

// URI is the printer address for this printer.
func (p SpoolPrinter) URI() string { return "spool://" + p.Name }

type spoolTransport struct {
	name string
	sp   spooler
}

func spoolError(target, step string, cause error) *Error {
	return newErr(ErrWriteFailed, target, fmt.Errorf("%s: %w", step, cause),
		fmt.Sprintf("Windows 打印队列 %s 没有接收这张标签（%s 失败）：请在 Windows 的“设置 > 打印机”里查看该打印机是否暂停、脱机或缺纸，然后重打这一张。", target, step),
		fmt.Sprintf("The Windows print queue %s did not accept the label (%s failed): check under Windows Settings > Printers that the printer is not paused, offline or out of paper, then reprint this label.", target, step))
}

// Write sends one label as one spooler document. It returns nil only when
// EndDocPrinter has committed the document to the queue; on any failure or
// cancellation the document is aborted (AbortDocPrinter), so nothing half
// sent is printed later and the caller does not count the label.
func (t *spoolTransport) Write(ctx context.Context, job []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.sp == nil {
		return WriteError(t.String(), io.ErrClosedPipe)
	}
	target := t.String()
	if err := t.sp.StartDoc("Suyuan label"); err != nil {
		return spoolError(target, "StartDocPrinter", err)
	}
	defer func() {
		if err != nil {
			_ = t.sp.Abort()
		}
	}()
	if err := t.sp.StartPage(); err != nil {
		return spoolError(target, "StartPagePrinter", err)
	}
	for len(job) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
		n, err := t.sp.Write(job[:min(len(job), spoolChunk)])
		if err != nil {
			return spoolError(target, "WritePrinter", err)
		}
		if n <= 0 {
			return spoolError(target, "WritePrinter", io.ErrShortWrite)
		}
		job = job[n:]
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := t.sp.EndPage(); err != nil {
		return spoolError(target, "EndPagePrinter", err)
	}
	if err := t.sp.EndDoc(); err != nil {
		return spoolError(target, "EndDocPrinter", err)
	}
	return nil
}

func (t *spoolTransport) Close() error {
	if t.sp == nil {
		return nil
	}
	err := t.sp.Close()
	t.sp = nil
	return err
}

func (t *spoolTransport) String() string { return "spool://" + t.name }
