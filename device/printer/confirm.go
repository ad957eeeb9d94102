package printer

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// Confirmer is a Transport that can prove delivery. Over raw TCP a Write
// returns once the bytes are in this PC's socket buffer, so after a power cut
// or a pulled cable the last one or two labels "written" may never have
// reached the printer, and a print run resumed from there would skip serials.
// Confirm sends the language's status query after the job and waits for the
// reply; printers answer queries in order, so a reply means every byte before
// it was received. Transports whose Write already returns on delivery (USB
// bulk transfers, files, the spooler) need not implement it.
type Confirmer interface {
	Confirm(ctx context.Context, lang Lang) error
}

// ConfirmTimeout bounds the wait for a status reply when ctx has no deadline.
var ConfirmTimeout = 5 * time.Second

// StatusQuery returns the status request for lang and how to tell when the
// whole reply has arrived: TSPL <ESC>!? answers one byte; ZPL ~HS answers
// three <STX>…<ETX> strings; ESC/POS DLE EOT 1 answers one byte. ok is false
// for file formats.
func StatusQuery(lang Lang) (query []byte, complete func(reply []byte) bool, ok bool) {
	oneByte := func(r []byte) bool { return len(r) >= 1 }
	switch lang {
	case TSPL, "":
		return []byte{0x1b, '!', '?'}, oneByte, true
	case ZPL:
		return []byte("~HS\r\n"), func(r []byte) bool { return bytes.Count(r, []byte{0x03}) >= 3 }, true
	case ESCPOS:
		return []byte{0x10, 0x04, 0x01}, oneByte, true
	}
	return nil, nil, false
}

func noReply(target string, err error) error {
	return newErr(ErrWriteFailed, target, err,
		fmt.Sprintf("打印机 %s 没有确认收到标签（可能断电、断网或不支持状态查询）：这张标签未记为已打印，请检查打印机后继续任务。", target),
		fmt.Sprintf("The printer %s did not confirm it received the label (power, network, or no status support): the label is not counted as printed; check the printer, then resume the job.", target))
}

// Confirm implements Confirmer for raw TCP.
func (t *tcpTransport) Confirm(ctx context.Context, lang Lang) error {
	query, complete, ok := StatusQuery(lang)
	if !ok {
		return nil
	}
	if t.conn == nil {
		return noReply(t.String(), fmt.Errorf("not connected"))
	}
	deadline, has := ctx.Deadline()
	if !has {
		deadline = time.Now().Add(ConfirmTimeout)
	}
	conn := t.conn
	_ = conn.SetDeadline(deadline)
	err := ctxWrite(ctx, func() error {
		if _, err := conn.Write(query); err != nil {
			return err
		}
		var reply []byte
		buf := make([]byte, 256)
		for !complete(reply) {
			n, err := conn.Read(buf)
			reply = append(reply, buf[:n]...)
			if err != nil && !complete(reply) {
				return err
			}
		}
		return nil
	}, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	if err != nil {
		// The stream state is unknown (a late reply could be taken for the
		// next label's): start afresh on the next Write.
		_ = conn.Close()
		t.conn = nil
		if ctx.Err() != nil {
			return fmt.Errorf("confirm %s: %w", t, ctx.Err())
		}
		return noReply(t.String(), err)
	}
	_ = conn.SetDeadline(time.Time{})
	return nil
}
