package printer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lpTransport writes to a Linux usblp device (/dev/usb/lp0): no cgo, no
// driver detach; the kernel's usblp driver must be bound.
type lpTransport struct {
	path string
	f    *os.File
}

func openLP(_ context.Context, path string) (*lpTransport, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, deviceOpenError("lp://"+path, err)
	}
	return &lpTransport{path: path, f: f}, nil
}

func deviceOpenError(target string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return PermissionError(target, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return NoUSBPrinterError(target, err)
	}
	return newErr(ErrUnreachable, target, err,
		fmt.Sprintf("打不开打印机 %s：请检查数据线和电源。", target),
		fmt.Sprintf("Cannot open the printer %s: check the cable and power.", target))
}

func (t *lpTransport) Write(ctx context.Context, job []byte) error {
	if t.f == nil {
		return WriteError("lp://"+t.path, os.ErrClosed)
	}
	err := ctxWrite(ctx, func() error {
		_, err := t.f.Write(job)
		return err
	}, func() { _ = t.f.Close() })
	if err != nil {
		if ctx.Err() != nil {
			t.f = nil
			return fmt.Errorf("write lp://%s: %w", t.path, ctx.Err())
		}
		return WriteError("lp://"+t.path, err)
	}
	return nil
}

func (t *lpTransport) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

func (t *lpTransport) String() string { return "lp://" + t.path }

// fileTransport appends each job to a file and syncs it, so "print to file"
// output is complete even after a power cut.
type fileTransport struct {
	path string
	f    *os.File
}

func openFile(path string) (*fileTransport, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, newErr(ErrPermission, "file://"+path, err,
				fmt.Sprintf("没有权限写文件 %s。", path), fmt.Sprintf("No permission to write %s.", path))
		}
		return nil, newErr(ErrUnreachable, "file://"+path, err,
			fmt.Sprintf("无法创建文件 %s：请检查文件夹是否存在。", path),
			fmt.Sprintf("Cannot create %s: check that the folder exists.", path))
	}
	return &fileTransport{path: path, f: f}, nil
}

func (t *fileTransport) Write(ctx context.Context, job []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.f == nil {
		return WriteError("file://"+t.path, os.ErrClosed)
	}
	if _, err := t.f.Write(job); err != nil {
		return WriteError("file://"+t.path, err)
	}
	if err := t.f.Sync(); err != nil {
		return WriteError("file://"+t.path, err)
	}
	return nil
}

func (t *fileTransport) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

func (t *fileTransport) String() string { return "file://" + t.path }
