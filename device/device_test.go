package device

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestReadContext(t *testing.T) {
	cases := []struct {
		name string
		mk   func() (io.Reader, io.Writer)
	}{
		{"deadlines (net.Pipe)", func() (io.Reader, io.Writer) { a, b := net.Pipe(); return a, b }},
		{"goroutine fallback (io.Pipe)", func() (io.Reader, io.Writer) { r, w := io.Pipe(); return r, w }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, w := c.mk()
			go w.Write([]byte("abc"))
			buf := make([]byte, 8)
			n, err := ReadContext(context.Background(), r, buf)
			if err != nil || string(buf[:n]) != "abc" {
				t.Fatalf("read %q %v", buf[:n], err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = ReadContext(ctx, r, buf)
			if !errors.Is(err, ErrTimeout) || time.Since(start) > time.Second {
				t.Fatalf("want ErrTimeout promptly, got %v after %v", err, time.Since(start))
			}
			ctx2, cancel2 := context.WithCancel(context.Background())
			cancel2()
			if _, err := ReadContext(ctx2, r, buf); !errors.Is(err, context.Canceled) {
				t.Fatalf("want Canceled, got %v", err)
			}
		})
	}
}

func TestUserMessages(t *testing.T) {
	pe := &ProtocolError{Driver: "lz4000t", Op: "handshake", Msg: "short reply", Err: ErrTimeout}
	if !errors.Is(pe, ErrTimeout) {
		t.Error("ProtocolError does not unwrap")
	}
	for _, e := range []interface{ UserMessage(string) string }{pe, ErrDisconnected.(interface{ UserMessage(string) string }), ErrTimeout.(interface{ UserMessage(string) string })} {
		zh, en := e.UserMessage("zh"), e.UserMessage("en")
		if zh == "" || en == "" || zh == en || !strings.ContainsAny(zh, "仪器") {
			t.Errorf("messages zh=%q en=%q", zh, en)
		}
	}
}
