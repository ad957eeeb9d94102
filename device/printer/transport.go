package printer

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Transport sends finished jobs to one printer. Write sends one whole job
// (one label) and returns only when the bytes are handed to the printer (or
// the OS spooler), so a caller can mark that serial as printed.
type Transport interface {
	Write(ctx context.Context, job []byte) error
	Close() error
	String() string
}

// URI is a parsed printer address. One string selects both the transport and
// the device:
//
//	usb://                  the only USB printer-class device
//	usb://0483:5743         by vendor:product id (hex)
//	usb://?serial=ABC123    by USB serial number (also usb://VID:PID?serial=…)
//	tcp://192.168.1.50:9100 raw TCP ("JetDirect"); port defaults to 9100
//	lp:///dev/usb/lp0       Linux usblp character device
//	file:///path/out.tspl   append jobs to a file (tests, print-to-file)
//	spool://打印机名称        Windows spooler queue, RAW datatype
type URI struct {
	Scheme string
	Host   string // tcp: host:port
	Path   string // lp, file
	Name   string // spool: printer name
	USB    USBMatch
}

// USBMatch selects a USB printer. Zero fields match anything.
type USBMatch struct {
	VID, PID uint16
	Serial   string
}

func (m USBMatch) String() string {
	s := "usb://"
	if m.VID != 0 || m.PID != 0 {
		s += fmt.Sprintf("%04x:%04x", m.VID, m.PID)
	}
	if m.Serial != "" {
		s += "?serial=" + url.QueryEscape(m.Serial)
	}
	return s
}

func badURI(s, why string) error {
	return newErr(ErrBadURI, s, fmt.Errorf("%s", why),
		fmt.Sprintf("打印机地址 %q 无效（%s）。示例：tcp://192.168.1.50:9100、usb://、lp:///dev/usb/lp0、file:///tmp/label.tspl、spool://打印机名称。", s, why),
		fmt.Sprintf("Printer address %q is invalid (%s). Examples: tcp://192.168.1.50:9100, usb://, lp:///dev/usb/lp0, file:///tmp/label.tspl, spool://PrinterName.", s, why))
}

// ParseURI parses the forms listed on URI. It is done by hand because
// net/url rejects "usb://0a5f:011c" (non-numeric port) and "spool://My Printer".
func ParseURI(s string) (URI, error) {
	s = strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return URI{}, badURI(s, "missing scheme://")
	}
	u := URI{Scheme: strings.ToLower(scheme)}
	switch u.Scheme {
	case "tcp":
		host := strings.TrimSuffix(rest, "/")
		if host == "" {
			return URI{}, badURI(s, "missing host")
		}
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(strings.Trim(host, "[]"), "9100")
		}
		h, p, err := net.SplitHostPort(host)
		if err != nil || h == "" {
			return URI{}, badURI(s, "bad host:port")
		}
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return URI{}, badURI(s, "bad port")
		}
		u.Host = host
	case "lp", "file":
		p, err := url.PathUnescape(rest)
		if err != nil || p == "" {
			return URI{}, badURI(s, "missing path")
		}
		// file:///C:/x arrives as "/C:/x" on Windows.
		if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		u.Path = p
	case "spool":
		n, err := url.PathUnescape(strings.TrimSuffix(rest, "/"))
		if err != nil || n == "" {
			return URI{}, badURI(s, "missing printer name")
		}
		u.Name = n
	case "usb":
		ids, query, _ := strings.Cut(rest, "?")
		ids = strings.TrimSuffix(ids, "/")
		if ids != "" {
			v, p, ok := strings.Cut(ids, ":")
			vid, err1 := strconv.ParseUint(v, 16, 16)
			pid, err2 := strconv.ParseUint(p, 16, 16)
			if !ok || err1 != nil || err2 != nil {
				return URI{}, badURI(s, "expected usb://VID:PID in hex")
			}
			u.USB.VID, u.USB.PID = uint16(vid), uint16(pid)
		}
		if query != "" {
			q, err := url.ParseQuery(query)
			if err != nil {
				return URI{}, badURI(s, "bad query")
			}
			u.USB.Serial = q.Get("serial")
		}
	default:
		return URI{}, badURI(s, "unknown scheme "+scheme)
	}
	return u, nil
}

// USBOpener opens a USB printer; package device/usb registers one.
type USBOpener func(ctx context.Context, m USBMatch) (Transport, error)

var (
	usbMu     sync.RWMutex
	usbOpener USBOpener
)

// RegisterUSB installs the usb:// transport. It lives behind a hook because
// gousb needs cgo and libusb, which this package must not require.
func RegisterUSB(f USBOpener) {
	usbMu.Lock()
	usbOpener = f
	usbMu.Unlock()
}

// Open parses uri and opens its transport. Network and device transports
// connect lazily or eagerly as noted on each type; errors carry UserMessage.
func Open(ctx context.Context, uri string) (Transport, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "tcp":
		return openTCP(ctx, u.Host)
	case "lp":
		return openLP(ctx, u.Path)
	case "file":
		return openFile(u.Path)
	case "spool":
		return openSpool(ctx, u.Name)
	case "usb":
		usbMu.RLock()
		f := usbOpener
		usbMu.RUnlock()
		if f == nil {
			return nil, UnsupportedError(uri,
				"此版本未包含 USB 直连打印（需要 libusb）。Linux 可改用 lp:///dev/usb/lp0，Windows 可改用 spool://打印机名称。",
				"This build has no direct USB printing (needs libusb). On Linux use lp:///dev/usb/lp0, on Windows spool://PrinterName.")
		}
		return f(ctx, u.USB)
	}
	return nil, badURI(uri, "unknown scheme")
}

// ctxWrite runs a blocking write in a goroutine so ctx can abandon it; the
// abort func must unblock the write (close the file or connection).
func ctxWrite(ctx context.Context, write func() error, abort func()) error {
	done := make(chan error, 1)
	go func() { done <- write() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		abort()
		<-done
		return ctx.Err()
	}
}
