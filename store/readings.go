package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ReadingInput is one analyzer reading as a driver decoded it (device/analyzer
// produces plain structs; the wiring copies them here).
type ReadingInput struct {
	Instrument    string // driver / instrument name, required
	Model         string
	SerialNo      string
	RecordNo      string
	TestedAt      time.Time // instrument clock, required
	Channel       int
	SampleNo      string
	SampleName    string
	Item          string
	ControlDeltaA *float64
	SampleDeltaA  *float64
	Rate          *float64
	Value         *float64
	Unit          string
	Result        string // the instrument's own judgement text, kept as evidence
	Suspect       bool   // instrument flagged the data as suspect (e.g. DY-3000 flag ≥ 192)
	Raw           string // raw frame
}

// Reading is a stored analyzer reading.
type Reading struct {
	ID  int64
	Key string
	ReadingInput
	Status       string // pending, bound, discarded
	InspectionID int64
}

// ReadingKey is the identity of a reading: instrument + serial number +
// record number + test time + channel, hashed. The same reading imported
// again (a re-sent frame, a re-read memory dump) has the same key and is
// added only once. Computed here, not by drivers, so every path agrees.
// A reading that arrived without a usable test time is identified by its raw
// frame instead.
func ReadingKey(in ReadingInput) string {
	h := sha256.New()
	h.Write([]byte("suyuan-reading-v1\x00"))
	when := in.TestedAt.UTC().Format(timeFormat)
	if in.TestedAt.IsZero() {
		raw := sha256.Sum256([]byte(in.Raw))
		when = "raw:" + hex.EncodeToString(raw[:])
	}
	for _, f := range []string{strings.TrimSpace(in.Instrument), strings.TrimSpace(in.SerialNo), strings.TrimSpace(in.RecordNo),
		when, strconv.Itoa(in.Channel)} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ImportReadings stores readings in one transaction: each new one pending,
// each already-stored one (same ReadingKey) counted as a duplicate and left
// alone. A reading without an instrument name is refused (and the batch with
// it, so the caller keeps its buffer and nothing is half-imported). A reading
// without a usable test time (a wrong instrument clock, a profile whose time
// field did not parse) is kept, never dropped: it is stored with the time it
// was received, marked suspect, and its result text says so.
func (db *DB) ImportReadings(ctx context.Context, actor Actor, in []ReadingInput) (added, duplicates int, err error) {
	err = db.Write(ctx, actor, func(tx *Tx) error {
		added, duplicates = 0, 0
		if err := actor.Require(PermInspect); err != nil {
			return err
		}
		for i, r := range in {
			if strings.TrimSpace(r.Instrument) == "" {
				return errf(CodeInvalid, nil, "第%d条读数缺少仪器名称，未导入任何读数。", "reading %d has no instrument name; nothing was imported", i+1)
			}
			key := ReadingKey(r)
			if r.TestedAt.IsZero() {
				r.TestedAt, r.Suspect = tx.Now, true
				r.Result = strings.TrimSpace(r.Result + " 无检测时间，按接收时间记录 / no test time, recorded at time received")
			}
			res, err := tx.Exec(ctx, `INSERT INTO readings(reading_key, instrument, model, serial_no, record_no, tested_at, channel, sample_no, sample_name, item,
				control_delta_a, sample_delta_a, rate, value, unit, result, suspect, raw, status, jseq)
				VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',0) ON CONFLICT(reading_key) DO NOTHING`,
				key, strings.TrimSpace(r.Instrument), strings.TrimSpace(r.Model), strings.TrimSpace(r.SerialNo), strings.TrimSpace(r.RecordNo),
				r.TestedAt.UTC().Format(timeFormat), r.Channel, strings.TrimSpace(r.SampleNo), strings.TrimSpace(r.SampleName), strings.TrimSpace(r.Item),
				nullPtr(r.ControlDeltaA), nullPtr(r.SampleDeltaA), nullPtr(r.Rate), nullPtr(r.Value), strings.TrimSpace(r.Unit), strings.TrimSpace(r.Result),
				boolInt(r.Suspect), r.Raw)
			if err != nil {
				return fmt.Errorf("insert reading %d: %w", i+1, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				duplicates++
				continue
			}
			id, _ := res.LastInsertId()
			if _, err := tx.Record(ctx, "readings", id, "readings.import", ""); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		added, duplicates = 0, 0
	}
	return added, duplicates, err
}

const readingCols = `id, reading_key, instrument, model, serial_no, record_no, tested_at, channel, sample_no, sample_name, item, control_delta_a,
	sample_delta_a, rate, value, unit, result, suspect, raw, status, coalesce(inspection_id,0)`

func scanReading(sc interface{ Scan(...any) error }) (Reading, error) {
	var r Reading
	var at string
	var c, s, rate, v sql.NullFloat64
	var suspect int
	if err := sc.Scan(&r.ID, &r.Key, &r.Instrument, &r.Model, &r.SerialNo, &r.RecordNo, &at, &r.Channel, &r.SampleNo, &r.SampleName, &r.Item,
		&c, &s, &rate, &v, &r.Unit, &r.Result, &suspect, &r.Raw, &r.Status, &r.InspectionID); err != nil {
		return Reading{}, err
	}
	r.TestedAt, _ = time.Parse(timeFormat, at)
	r.ControlDeltaA, r.SampleDeltaA, r.Rate, r.Value = ptrFromNull(c), ptrFromNull(s), ptrFromNull(rate), ptrFromNull(v)
	r.Suspect = suspect != 0
	return r, nil
}

func readingByID(ctx context.Context, q rowQuerier, id int64) (Reading, error) {
	return rowByID(ctx, q, "SELECT "+readingCols+" FROM readings WHERE id = ?", id, scanReading, "读数", "reading")
}

// ReadingByID returns one reading.
func (db *DB) ReadingByID(ctx context.Context, id int64) (Reading, error) {
	return readingByID(ctx, db.r, id)
}

func pendingWhere(q ListQuery) (string, []any) {
	q.IncludeVoided = true // readings have no voided column; status filters
	return q.listWhere("", []string{"sample_no", "sample_name", "item", "instrument", "serial_no"}, sqlCond{conds: []string{"status = 'pending'"}})
}

// PendingReadings returns one page of readings waiting to be bound, oldest
// first (the order they were tested).
func (db *DB) PendingReadings(ctx context.Context, q ListQuery) ([]Reading, error) {
	where, args := pendingWhere(q)
	limit, offset := q.page()
	return queryList(ctx, db, "SELECT "+readingCols+" FROM readings"+where+" ORDER BY tested_at, id LIMIT ? OFFSET ?", append(args, limit, offset), scanReading)
}

// CountPendingReadings counts what PendingReadings pages through.
func (db *DB) CountPendingReadings(ctx context.Context, q ListQuery) (int, error) {
	where, args := pendingWhere(q)
	return db.countRows(ctx, "SELECT count(*) FROM readings"+where, args)
}

// readingVerdict is the verdict for a reading without ΔA or rate: the
// instrument's result text (colloidal-gold readers). Unrecognised text is
// invalid, never a pass.
func readingVerdict(result string) string {
	s := strings.ToLower(strings.TrimSpace(result))
	switch {
	case s == "":
		return "invalid"
	case strings.Contains(s, "阳") || strings.Contains(s, "不合格") || strings.Contains(s, "超标") || strings.Contains(s, "positive") || s == "+" || s == "fail":
		return "positive"
	case strings.Contains(s, "阴") || strings.Contains(s, "合格") || strings.Contains(s, "negative") || s == "-" || s == "pass":
		return "negative"
	}
	return "invalid"
}

// readingInspection turns a reading into an inspection input (rapid,
// source serial, its values and raw frame). A reading the instrument flagged
// as suspect is recorded invalid unless the rule finds it positive: a
// suspect reading never passes, and a positive one still holds the lot.
func readingInspection(r Reading) InspectionInput {
	in := InspectionInput{Kind: "rapid", SampleNo: r.SampleNo, SampleName: r.SampleName, TestedAt: r.TestedAt, Item: r.Item,
		ControlDeltaA: r.ControlDeltaA, SampleDeltaA: r.SampleDeltaA, Rate: r.Rate, Value: r.Value, Unit: r.Unit,
		Instrument: strings.TrimSpace(r.Instrument + " " + r.Model), InstrumentSerial: r.SerialNo, Source: "serial", ReadingID: r.ID, Raw: r.Raw,
		Method: "酶抑制率法"}
	if (r.ControlDeltaA == nil || r.SampleDeltaA == nil) && r.Rate == nil {
		in.Verdict = readingVerdict(r.Result)
		in.Method = ""
	}
	return in
}

func bindReadingTx(ctx context.Context, tx *Tx, actor Actor, readingID int64, in func(Reading) (InspectionInput, error)) (Inspection, error) {
	if err := actor.Require(PermInspect); err != nil {
		return Inspection{}, err
	}
	r, err := readingByID(ctx, tx.tx, readingID)
	if err != nil {
		return Inspection{}, err
	}
	if r.Status != "pending" {
		return Inspection{}, errf(CodeConflict, nil, "读数#%d已%s，不能再关联。", "reading #%d is already %s and cannot be bound again", readingID, r.Status)
	}
	ii, err := in(r)
	if err != nil {
		return Inspection{}, err
	}
	ii.suspect = r.Suspect
	ins, err := recordInspectionTx(ctx, tx, actor, ii)
	if err != nil {
		return Inspection{}, err
	}
	if _, err := tx.Exec(ctx, "UPDATE readings SET status = 'bound', inspection_id = ? WHERE id = ?", ins.ID, readingID); err != nil {
		return Inspection{}, err
	}
	if _, err := tx.Record(ctx, "readings", readingID, "readings.bind", ""); err != nil {
		return Inspection{}, err
	}
	return ins, nil
}

// BindReading records a pending reading as a rapid inspection of the lot
// with that code (source 'serial', its values and raw frame; a positive
// holds the lot at once) and marks the reading bound, in one transaction.
func (db *DB) BindReading(ctx context.Context, actor Actor, readingID int64, lotCode string) (Inspection, error) {
	var out Inspection
	err := db.Write(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = bindReadingTx(ctx, tx, actor, readingID, func(r Reading) (InspectionInput, error) {
			lid, err := findLotID(ctx, tx.tx, lotCode)
			if err != nil {
				return InspectionInput{}, err
			}
			in := readingInspection(r)
			in.LotID = lid
			return in, nil
		})
		return err
	})
	return out, err
}

// BindReadingExternal binds a reading to a sample of another producer
// (testing-station mode): entity and/or code identify it; no hold is set.
func (db *DB) BindReadingExternal(ctx context.Context, actor Actor, readingID int64, entity, code string) (Inspection, error) {
	var out Inspection
	err := db.Write(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = bindReadingTx(ctx, tx, actor, readingID, func(r Reading) (InspectionInput, error) {
			in := readingInspection(r)
			in.ExternalEntity, in.ExternalCode = entity, code
			return in, nil
		})
		return err
	})
	return out, err
}

// DiscardReading sets a pending reading aside (a calibration run, a spoiled
// sample), with a reason. It stays stored.
func (db *DB) DiscardReading(ctx context.Context, actor Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermInspect); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		res, err := tx.Exec(ctx, "UPDATE readings SET status = 'discarded' WHERE id = ? AND status = 'pending'", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errf(CodeConflict, nil, "读数#%d不存在或已处理。", "reading #%d does not exist or was already handled", id)
		}
		_, err = tx.Record(ctx, "readings", id, "readings.discard", reason)
		return err
	})
}
