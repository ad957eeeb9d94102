// Package analyzerimport is the use case "read the rapid-test analyzer into
// the store" shared by the CLI (`suyuan analyzer import`) and the GUI. It is
// Fyne-free: it wires device/analyzer (bytes → readings) to store (readings
// → pending records → inspections) and nothing else.
//
// Durability: every reading is committed to the store in its own
// transaction (synchronous=FULL) inside the session's deliver callback, i.e.
// before the driver acknowledges it or asks the instrument for more. If the
// PC loses power mid-import, everything the session moved past is on disk;
// the rest is read again next time, and the store's reading key makes the
// re-read add nothing twice.
//
// Field mapping analyzer.Reading → store.ReadingInput (see ToInput):
//
//	Instrument    → Instrument   driver name ("lz4000t", "taiyang", "dy723pc", "generic:<profile>")
//	Model         → Model        as decoded (handshake model byte or profile)
//	SerialNo      → SerialNo     from the wire, else Options.SerialNo / --serial-no
//	RecordNo      → RecordNo     instrument's record identity (e.g. "YYMMDD-index")
//	TestedAt      → TestedAt     instrument clock in Options.Location; stored as UTC
//	Channel       → Channel      0 for single-channel instruments
//	SampleNo, SampleName, Item, Unit, Result → same names, verbatim
//	ControlDeltaA, SampleDeltaA, Rate, Value → same names (nil stays NULL)
//	Suspect       → Suspect      a suspect reading is never recorded as a pass
//	Raw ([]byte)  → Raw (string) lower-case hex of the exact frame bytes,
//	                             no separators (hex.DecodeString gives them back)
//
// Identity: store.ReadingKey hashes Instrument + SerialNo + RecordNo +
// TestedAt + Channel — the same fields as analyzer.Reading.Key — so "the
// same reading" means the same thing on the wire and in the store.
package analyzerimport

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"suyuan/device"
	"suyuan/device/analyzer"
	"suyuan/store"
)

// Progress is reported after each reading is safely committed (or found to
// be already stored).
type Progress struct {
	Reading    analyzer.Reading
	Duplicate  bool   // the store already had this reading; nothing was added
	Verdict    string // store.ReadingVerdict: positive, negative or invalid, known at once
	Added      int    // running totals for this import
	Duplicates int
	Positive   int // new readings whose verdict is positive
}

// Summary is what one import did.
type Summary struct {
	Added      int            // new pending readings committed
	Duplicates int            // readings already in the store (a re-read)
	Positive   int            // of the new readings, those whose verdict is positive
	Stats      analyzer.Stats // wire counters: CRC errors, resyncs, re-requests…
	Elapsed    time.Duration
}

// String is the one-line English summary the CLI logs.
func (s Summary) String() string {
	return fmt.Sprintf("added=%d duplicates=%d crc_errors=%d resyncs=%d bytes_dropped=%d re_requests=%d frames=%d elapsed=%s",
		s.Added, s.Duplicates, s.Stats.CRCErrors, s.Stats.Resyncs, s.Stats.BytesDropped, s.Stats.Requests, s.Stats.Frames,
		s.Elapsed.Round(time.Millisecond))
}

// Text is the summary for the technician.
func (s Summary) Text(lang string) string {
	if lang == "en" {
		t := fmt.Sprintf("Imported %d new readings, %d already stored; line errors: %d checksum errors, %d resyncs.",
			s.Added, s.Duplicates, s.Stats.CRCErrors, s.Stats.Resyncs)
		if s.Positive > 0 {
			t += fmt.Sprintf(" %d of the new readings are POSITIVE: bind them to their lots now (the lot is put on hold) or discard them with a reason.", s.Positive)
		}
		return t
	}
	t := fmt.Sprintf("新导入 %d 条读数，%d 条已存在；线路错误：校验错误 %d 次，重新同步 %d 次。",
		s.Added, s.Duplicates, s.Stats.CRCErrors, s.Stats.Resyncs)
	if s.Positive > 0 {
		t += fmt.Sprintf("其中 %d 条新读数为阳性：请立即关联到对应批次（批次将被扣留），或填写原因后搁置。", s.Positive)
	}
	return t
}

// ToInput converts a decoded reading to the store's input (mapping in the
// package comment).
func ToInput(r analyzer.Reading) store.ReadingInput {
	return store.ReadingInput{
		Instrument: r.Instrument, Model: r.Model, SerialNo: r.SerialNo, RecordNo: r.RecordNo, TestedAt: r.TestedAt,
		Channel: r.Channel, SampleNo: r.SampleNo, SampleName: r.SampleName, Item: r.Item,
		ControlDeltaA: r.ControlDeltaA, SampleDeltaA: r.SampleDeltaA, Rate: r.Rate, Value: r.Value,
		Unit: r.Unit, Result: r.Result, Suspect: r.Suspect, Raw: hex.EncodeToString(r.Raw),
	}
}

// Import runs driver's session over port and commits each reading to db as
// a pending reading before the session moves on. progress (may be nil) is
// called after each commit, on the session's goroutine.
//
// On failure (store write, disconnect, protocol error, ctx cancelled) the
// returned error is an *Error carrying the partial Summary; everything
// counted in Summary.Added is committed and stays. A reading without a
// usable test time is stored too (at the time received, marked suspect: see
// store.ImportReadings), never passed over.
func Import(ctx context.Context, db *store.DB, actor store.Actor, port device.Port, driver analyzer.Driver, progress func(Progress)) (Summary, error) {
	var sum Summary
	// Check the permission before talking to the instrument: a refused
	// first write would otherwise look like an instrument problem.
	if err := actor.Require(store.PermInspect); err != nil {
		return sum, err
	}
	start := time.Now()
	st, err := analyzer.Session(ctx, port, driver, func(r analyzer.Reading) error {
		in := ToInput(r)
		added, dup, err := db.ImportReadings(ctx, actor, []store.ReadingInput{in})
		if err != nil {
			return err
		}
		sum.Added += added
		sum.Duplicates += dup
		v := store.ReadingVerdict(in)
		if added > 0 && v == "positive" {
			sum.Positive++
		}
		if progress != nil {
			progress(Progress{Reading: r, Duplicate: dup > 0, Verdict: v, Added: sum.Added, Duplicates: sum.Duplicates, Positive: sum.Positive})
		}
		return nil
	})
	sum.Stats, sum.Elapsed = st, time.Since(start)
	if err != nil {
		return sum, &Error{Summary: sum, Err: err}
	}
	return sum, nil
}

type msgError struct{ zh, en string }

func (e *msgError) Error() string { return e.en }
func (e *msgError) UserMessage(lang string) string {
	if lang == "en" {
		return e.en
	}
	return e.zh
}

// Error is a failed or incomplete import. Summary says what was committed
// before it stopped; those readings stay, and importing again adds only
// what is missing.
type Error struct {
	Summary Summary
	Err     error
}

func (e *Error) Error() string {
	return fmt.Sprintf("analyzer import stopped after %d new readings: %v", e.Summary.Added, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage says what went wrong (the cause's own sentence when it has
// one) and that nothing already saved is lost.
func (e *Error) UserMessage(lang string) string {
	var cause string
	if errors.Is(e.Err, context.Canceled) {
		cause = map[bool]string{true: "The import was cancelled.", false: "导入已取消。"}[lang == "en"]
	} else if um, ok := asUserMessage(e.Err); ok {
		cause = um.UserMessage(lang)
	} else if lang == "en" {
		cause = "Error: " + e.Err.Error() + "."
	} else {
		cause = "出错了：" + e.Err.Error() + "。"
	}
	if lang == "en" {
		return fmt.Sprintf("%s %d new readings were saved before the import stopped and are kept; import again to read the rest (nothing is added twice).", cause, e.Summary.Added)
	}
	return fmt.Sprintf("%s导入中止前已保存 %d 条新读数，不会丢失；请重新导入其余读数（不会重复）。", cause, e.Summary.Added)
}

func asUserMessage(err error) (interface{ UserMessage(string) string }, bool) {
	var um interface{ UserMessage(string) string }
	ok := errors.As(err, &um)
	return um, ok
}
