package printer

import (
	"context"
	"fmt"
	"net"
	"time"
)

// DialTimeout bounds connecting to a network printer: the packing line must
// learn quickly that a printer is off rather than hang.
var DialTimeout = 3 * time.Second

// WriteTimeout bounds one job write when ctx has no deadline.
var WriteTimeout = 30 * time.Second

// tcpTransport is raw TCP (port 9100). It keeps one connection across jobs
// and redials once if the printer dropped it between jobs.
type tcpTransport struct {
	addr string
	conn net.Conn
}

func openTCP(ctx context.Context, addr string) (*tcpTransport, error) {
	t := &tcpTransport{addr: addr}
	if err := t.dial(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func unreachable(addr string, err error) error {
	return newErr(ErrUnreachable, "tcp://"+addr, err,
		fmt.Sprintf("连接不上网络打印机 %s：请检查打印机电源、网线和 IP 地址。", addr),
		fmt.Sprintf("Cannot reach the network printer %s: check its power, cable and IP address.", addr))
}

func (t *tcpTransport) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: DialTimeout}
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return unreachable(t.addr, err)
	}
	t.conn = c
	return nil
}

func (t *tcpTransport) Write(ctx context.Context, job []byte) error {
	if t.conn == nil {
		if err := t.dial(ctx); err != nil {
			return err
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(WriteTimeout)
	}
	_ = t.conn.SetWriteDeadline(deadline)
	err := ctxWrite(ctx, func() error {
		_, err := t.conn.Write(job)
		return err
	}, func() { _ = t.conn.SetWriteDeadline(time.Unix(1, 0)) })
	if err != nil {
		_ = t.conn.Close()
		t.conn = nil
		if ctx.Err() != nil {
			return fmt.Errorf("write tcp://%s: %w", t.addr, ctx.Err())
		}
		return WriteError("tcp://"+t.addr, err)
	}
	return nil
}

func (t *tcpTransport) Close() error {
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	return err
}

func (t *tcpTransport) String() string { return "tcp://" + t.addr }
