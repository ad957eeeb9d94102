// Package sim interprets the TSPL and ZPL that package printer emits and runs
// a virtual network label printer. It is not test-only: `suyuan sim printer`
// uses it so a site can try the whole print path without hardware, and tests
// use it to prove that what we send reproduces the preview dot for dot.
//
// Supported TSPL: SIZE, GAP, BLINE, DENSITY, SPEED, DIRECTION, REFERENCE,
// CODEPAGE, CLS, BITMAP (mode 0/1/2; payload read by length; bit 1 = white),
// BAR, PRINT m[,n]. Supported ZPL: ^XA ^XZ ^PW ^LL ^LH ^FO ^GFA (ASCII hex)
// ^FS ^PQ; other commands are skipped. Unknown TSPL commands are ignored, as
// a printer would.
package sim

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"strconv"
	"strings"

	"suyuan/device/printer"
)

// Label is one printed label.
type Label struct {
	Lang string // "tspl" or "zpl"
	Img  *printer.Bitmap
}

// Emit receives each label as it is printed.
type Emit func(Label) error

// maxDots bounds label size (A3 at 600 dpi) so hostile input cannot make the
// simulator allocate gigabytes.
const maxDots = 8000

// Interpret reads a stream that may mix TSPL and ZPL jobs and emits every
// printed label. A job starting with '^' or '~' is ZPL; anything else is TSPL.
// dpi converts TSPL mm/inch sizes to dots.
func Interpret(r io.Reader, dpi int, emit Emit) error {
	return InterpretStatus(r, dpi, emit, nil)
}

// Status queries a host may send between jobs to learn that the printer has
// taken everything before them (see printer.Confirmer).
const (
	StatusTSPL = "tspl" // <ESC>!? : one status byte
	StatusZPL  = "zpl"  // ~HS : three <STX>…<ETX> CR LF strings
)

// InterpretStatus is Interpret that also answers status queries: status is
// called with StatusTSPL or StatusZPL once every command before the query has
// been executed (labels emitted), which is what makes the reply a receipt.
// A nil status ignores queries.
func InterpretStatus(r io.Reader, dpi int, emit Emit, status func(query string) error) error {
	if status == nil {
		status = func(string) error { return nil }
	}
	br := bufio.NewReaderSize(r, 64<<10)
	t := &tspl{dpm: float64(printer.DotsPerMM(dpi)), dpi: dpi, emit: emit}
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch b[0] {
		case '\r', '\n', ' ', '\t', 0:
			br.ReadByte()
		case 0x1b: // TSPL immediate command: <ESC>!? status, others ignored
			var q [3]byte
			if _, err := io.ReadFull(br, q[:]); err != nil {
				return fmt.Errorf("tspl: truncated ESC command: %w", err)
			}
			if q[1] == '!' && q[2] == '?' {
				if err := status(StatusTSPL); err != nil {
					return err
				}
			}
		case '^', '~':
			if err := interpretZPLJob(br, emit, status); err != nil {
				return err
			}
		default:
			if err := t.command(br); err != nil {
				return err
			}
		}
	}
}

type tspl struct {
	dpm  float64
	dpi  int
	w, h int
	img  *printer.Bitmap
	emit Emit
}

// dots converts a TSPL length ("60 mm", "2.5", "480 dot") to dots; a bare
// number is inches.
func (t *tspl) dots(s string) (int, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	unit := 25.4 * t.dpm
	switch {
	case strings.HasSuffix(s, "mm"):
		s, unit = strings.TrimSpace(strings.TrimSuffix(s, "mm")), t.dpm
	case strings.HasSuffix(s, "dot"):
		s, unit = strings.TrimSpace(strings.TrimSuffix(s, "dot")), 1
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v*unit > maxDots {
		return 0, fmt.Errorf("tspl: bad length %q", s)
	}
	return int(math.Round(v * unit)), nil
}

func ints(s string, n int) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) < n {
		return nil, fmt.Errorf("tspl: want %d numbers in %q", n, s)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			if i < n {
				return nil, fmt.Errorf("tspl: bad number %q", p)
			}
			continue
		}
		out[i] = v
	}
	return out, nil
}

func (t *tspl) canvas() error {
	if t.img == nil {
		if t.w <= 0 || t.h <= 0 {
			return errors.New("tspl: drawing before SIZE")
		}
		t.img = printer.NewBitmap(t.w, t.h)
	}
	return nil
}

// command reads and executes one TSPL command. BITMAP's binary payload is
// read by length, never by line: it may contain CR, LF and quotes.
func (t *tspl) command(br *bufio.Reader) error {
	var name []byte
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if c == ' ' || c == '\r' || c == '\n' {
			if c != ' ' || len(name) > 0 {
				if c == ' ' {
					break
				}
				return t.exec(strings.ToUpper(string(name)), "")
			}
			continue
		}
		name = append(name, c)
		if len(name) > 32 {
			return fmt.Errorf("tspl: command too long")
		}
	}
	cmd := strings.ToUpper(string(name))
	if cmd == "BITMAP" {
		return t.bitmap(br)
	}
	args, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if len(args) > 4096 {
		return fmt.Errorf("tspl: %s arguments too long", cmd)
	}
	return t.exec(cmd, strings.TrimSpace(args))
}

func (t *tspl) exec(cmd, args string) error {
	switch cmd {
	case "":
		return nil
	case "SIZE":
		w, h, ok := strings.Cut(args, ",")
		if !ok {
			return fmt.Errorf("tspl: SIZE needs width,height")
		}
		var err error
		if t.w, err = t.dots(w); err != nil {
			return err
		}
		if t.h, err = t.dots(h); err != nil {
			return err
		}
		t.img = nil
	case "CLS":
		t.img = nil
		return t.canvas()
	case "BAR":
		v, err := ints(args, 4)
		if err != nil {
			return err
		}
		if err := t.canvas(); err != nil {
			return err
		}
		t.img.FillRect(rect(v[0], v[1], v[2], v[3]))
	case "PRINT":
		v, err := ints(args+",1", 1)
		if err != nil {
			return err
		}
		if err := t.canvas(); err != nil {
			return err
		}
		sets, copies := v[0], max(v[1], 1)
		if sets < 0 || sets*copies > 10000 {
			return fmt.Errorf("tspl: PRINT %s out of range", args)
		}
		for i := 0; i < sets*copies; i++ {
			if err := t.emit(Label{Lang: "tspl", Img: t.img.Clone()}); err != nil {
				return err
			}
		}
	}
	// GAP, BLINE, DENSITY, SPEED, DIRECTION, REFERENCE, CODEPAGE and
	// anything else only affect the mechanics, not the image.
	return nil
}

func rect(x, y, w, h int) image.Rectangle { return image.Rect(x, y, x+w, y+h) }

func (t *tspl) bitmap(br *bufio.Reader) error {
	var hdr []byte
	commas := 0
	for commas < 5 {
		c, err := br.ReadByte()
		if err != nil {
			return fmt.Errorf("tspl: BITMAP header: %w", err)
		}
		if c == ',' {
			commas++
		}
		hdr = append(hdr, c)
		if len(hdr) > 64 {
			return errors.New("tspl: BITMAP header too long")
		}
	}
	v, err := ints(strings.TrimSuffix(string(hdr), ","), 5)
	if err != nil {
		return err
	}
	x, y, wb, h, mode := v[0], v[1], v[2], v[3], v[4]
	if wb <= 0 || h <= 0 || wb*8 > maxDots || h > maxDots || x < 0 || y < 0 {
		return fmt.Errorf("tspl: BITMAP %dx%d out of range", wb, h)
	}
	data := make([]byte, wb*h)
	if _, err := io.ReadFull(br, data); err != nil {
		return fmt.Errorf("tspl: BITMAP payload: %w", err)
	}
	if err := t.canvas(); err != nil {
		return err
	}
	for row := 0; row < h; row++ {
		for col := 0; col < wb*8; col++ {
			black := data[row*wb+col/8]&(0x80>>(col%8)) == 0 // 1 = white
			px, py := x+col, y+row
			switch mode {
			case 1: // OR
				if black {
					t.img.Set(px, py, true)
				}
			case 2: // XOR
				if black {
					t.img.Set(px, py, !t.img.Black(px, py))
				}
			default:
				t.img.Set(px, py, black)
			}
		}
	}
	return nil
}

// interpretZPLJob reads one ^XA … ^XZ format and emits its labels.
func interpretZPLJob(br *bufio.Reader, emit Emit, status func(string) error) error {
	var (
		w, h, fx, fy, lx, ly int
		copies               = 1
		img                  *printer.Bitmap
		started              bool
	)
	canvas := func() error {
		if img == nil {
			if w <= 0 || h <= 0 || w > maxDots || h > maxDots {
				return fmt.Errorf("zpl: bad label size ^PW%d ^LL%d", w, h)
			}
			img = printer.NewBitmap(w, h)
		}
		return nil
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			if started {
				return errors.New("zpl: job ends without ^XZ")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if c != '^' && c != '~' {
			continue
		}
		code := make([]byte, 2)
		if _, err := io.ReadFull(br, code); err != nil {
			return fmt.Errorf("zpl: truncated command: %w", err)
		}
		cmd := strings.ToUpper(string(code))
		if cmd == "HS" && c == '~' {
			if err := status(StatusZPL); err != nil {
				return err
			}
			if !started {
				return nil // a query between formats
			}
			continue
		}
		if cmd == "XA" {
			started = true
			continue
		}
		if cmd == "XZ" {
			if !started {
				return errors.New("zpl: ^XZ without ^XA")
			}
			if err := canvas(); err != nil {
				return err
			}
			if copies < 1 || copies > 10000 {
				return fmt.Errorf("zpl: ^PQ%d out of range", copies)
			}
			for i := 0; i < copies; i++ {
				if err := emit(Label{Lang: "zpl", Img: img.Clone()}); err != nil {
					return err
				}
			}
			return nil
		}
		// Parameters run to the next ^ or ~.
		var arg []byte
		for {
			b, err := br.Peek(1)
			if err != nil || b[0] == '^' || b[0] == '~' {
				break
			}
			br.ReadByte()
			arg = append(arg, b[0])
			if len(arg) > 4*maxDots*maxDots/8 {
				return errors.New("zpl: field too long")
			}
		}
		a := strings.TrimSpace(string(arg))
		num := func(i int) int {
			p := strings.Split(a, ",")
			if i >= len(p) {
				return 0
			}
			v, _ := strconv.Atoi(strings.TrimSpace(p[i]))
			return v
		}
		switch cmd {
		case "PW":
			w = num(0)
		case "LL":
			h = num(0)
		case "LH":
			lx, ly = num(0), num(1)
		case "FO":
			fx, fy = num(0), num(1)
		case "PQ":
			copies = num(0)
		case "GF":
			if err := canvas(); err != nil {
				return err
			}
			if err := gfa(img, a, lx+fx, ly+fy); err != nil {
				return err
			}
		}
	}
}

// gfa draws "A,total,total,bytesPerRow,HEX" at (x, y); bit 1 = black.
func gfa(img *printer.Bitmap, a string, x, y int) error {
	p := strings.SplitN(a, ",", 5)
	if len(p) != 5 || p[0] != "A" {
		return fmt.Errorf("zpl: only ^GFA with ASCII hex is supported")
	}
	total, err1 := strconv.Atoi(p[1])
	bpr, err2 := strconv.Atoi(p[3])
	if err1 != nil || err2 != nil || bpr <= 0 || total <= 0 || total%bpr != 0 {
		return fmt.Errorf("zpl: bad ^GFA header %q", strings.Join(p[:4], ","))
	}
	hexs := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' {
			return -1
		}
		return r
	}, []byte(p[4]))
	data := make([]byte, hex.DecodedLen(len(hexs)))
	if _, err := hex.Decode(data, hexs); err != nil || len(data) != total {
		return fmt.Errorf("zpl: ^GFA data: want %d bytes, got %d (%v)", total, len(data), err)
	}
	for row := 0; row < total/bpr; row++ {
		for col := 0; col < bpr*8; col++ {
			if data[row*bpr+col/8]&(0x80>>(col%8)) != 0 {
				img.Set(x+col, y+row, true)
			}
		}
	}
	return nil
}
