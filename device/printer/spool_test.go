package printer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeSpooler records the spooler calls a job makes and fails the ones it
// is told to.
type fakeSpooler struct {
	calls   []string
	fail    map[string]error
	written bytes.Buffer
	short   int         // >0: each Write takes at most this many bytes
	zero    bool        // Write reports 0 bytes and no error
	onWrite func(n int) // after each Write (e.g. cancel the job)
}

func (f *fakeSpooler) do(name string) error {
	f.calls = append(f.calls, name)
	return f.fail[name]
}
func (f *fakeSpooler) StartDoc(string) error { return f.do("StartDoc") }
func (f *fakeSpooler) StartPage() error      { return f.do("StartPage") }
func (f *fakeSpooler) EndPage() error        { return f.do("EndPage") }
func (f *fakeSpooler) EndDoc() error         { return f.do("EndDoc") }
func (f *fakeSpooler) Abort() error          { return f.do("Abort") }
func (f *fakeSpooler) Close() error          { return f.do("Close") }
func (f *fakeSpooler) Write(p []byte) (int, error) {
	if err := f.do("Write"); err != nil {
		return 0, err
	}
	if f.zero {
		return 0, nil
	}
	if f.short > 0 && len(p) > f.short {
		p = p[:f.short]
	}
	f.written.Write(p)
	if f.onWrite != nil {
		f.onWrite(len(p))
	}
	return len(p), nil
}

func (f *fakeSpooler) count(name string) int {
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// TestSpoolJobResults: a label counts as printed (Write returns nil) only
// when every spooler call succeeded, including EndPagePrinter and
// EndDocPrinter, which were ignored before; every failure after
// StartDocPrinter aborts the document so nothing half-sent prints later.
func TestSpoolJobResults(t *testing.T) {
	job := bytes.Repeat([]byte("SIZE 60 mm,40 mm\r\nPRINT 1\r\n"), 2000) // ~54 KB: 4 chunks
	boom := errors.New("spooler said no")
	cases := []struct {
		name      string
		fail      string
		short     int
		zero      bool
		wantErr   bool
		wantAbort bool
		wantEnd   bool // EndDoc reached
	}{
		{name: "all ok", wantEnd: true},
		{name: "short writes are continued", short: 1000, wantEnd: true},
		{name: "StartDoc fails", fail: "StartDoc", wantErr: true},
		{name: "StartPage fails", fail: "StartPage", wantErr: true, wantAbort: true},
		{name: "Write fails", fail: "Write", wantErr: true, wantAbort: true},
		{name: "Write takes nothing", zero: true, wantErr: true, wantAbort: true},
		{name: "EndPage fails", fail: "EndPage", wantErr: true, wantAbort: true},
		{name: "EndDoc fails", fail: "EndDoc", wantErr: true, wantAbort: true, wantEnd: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeSpooler{fail: map[string]error{}, short: c.short, zero: c.zero}
			if c.fail != "" {
				f.fail[c.fail] = boom
			}
			tr := &spoolTransport{name: "TSC TE244", sp: f}
			err := tr.Write(context.Background(), job)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v (calls %v)", err, c.wantErr, f.calls)
			}
			if got := f.count("Abort") == 1; got != c.wantAbort {
				t.Fatalf("aborted = %v, want %v (calls %v)", got, c.wantAbort, f.calls)
			}
			if got := f.count("EndDoc") == 1; got != c.wantEnd {
				t.Fatalf("EndDoc called = %v, want %v (calls %v)", got, c.wantEnd, f.calls)
			}
			if !c.wantErr {
				if !bytes.Equal(f.written.Bytes(), job) {
					t.Fatalf("spooler got %d bytes, want %d", f.written.Len(), len(job))
				}
				if c.short == 0 && f.count("Write") != (len(job)+spoolChunk-1)/spoolChunk {
					t.Fatalf("%d writes for %d bytes in %d-byte chunks", f.count("Write"), len(job), spoolChunk)
				}
				return
			}
			if !errors.Is(err, ErrWriteFailed) {
				t.Fatalf("error kind: %v", err)
			}
			if c.fail != "" && !errors.Is(err, boom) {
				t.Fatalf("cause lost: %v", err)
			}
			for _, lang := range []string{"zh", "en"} {
				msg := err.(*Error).UserMessage(lang)
				if !strings.Contains(msg, "spool://TSC TE244") || !strings.Contains(msg, map[string]string{"zh": "重打", "en": "reprint"}[lang]) {
					t.Fatalf("%s message: %q", lang, msg)
				}
			}
		})
	}
}

// TestSpoolCancelMidWrite: cancelling while a label is being written stops
// before the next chunk and aborts the document instead of committing it.
func TestSpoolCancelMidWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeSpooler{onWrite: func(int) { cancel() }}
	tr := &spoolTransport{name: "Zebra", sp: f}
	err := tr.Write(ctx, make([]byte, 5*spoolChunk))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.count("Write") != 1 || f.count("Abort") != 1 || f.count("EndPage")+f.count("EndDoc") != 0 {
		t.Fatalf("calls %v: want one Write, then Abort, no End*", f.calls)
	}
	// Cancelled before anything: no document is started at all.
	f2 := &fakeSpooler{}
	if err := (&spoolTransport{name: "Zebra", sp: f2}).Write(ctx, []byte("x")); !errors.Is(err, context.Canceled) || len(f2.calls) != 0 {
		t.Fatalf("pre-cancelled: %v, calls %v", err, f2.calls)
	}
}

func TestSpoolClose(t *testing.T) {
	f := &fakeSpooler{}
	tr := &spoolTransport{name: "x", sp: f}
	if err := tr.Close(); err != nil || f.count("Close") != 1 {
		t.Fatalf("close: %v %v", err, f.calls)
	}
	if err := tr.Close(); err != nil || f.count("Close") != 1 {
		t.Fatalf("second close: %v %v", err, f.calls)
	}
	if err := tr.Write(context.Background(), []byte("x")); err == nil {
		t.Fatal("write after close succeeded")
	}
}
