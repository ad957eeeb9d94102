package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
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
	// Verdict is what the reading says by the method's rule, computed on
	// read by ReadingVerdict: the same verdict binding it records.
	Verdict string
}

// ReadingVerdict judges a reading the moment it arrives, by the rule that
// binding it to a lot applies (readingInspection + judgeInspection, then
// "a suspect reading never passes"), so a pending positive is visible
// before anyone binds it and shows the verdict the inspection will carry:
// with control and sample ΔA the inhibition rate is computed and judged
// (rules.InhibitionRate, ≥ 50 % positive); with only a rate, rules.JudgeRate;
// without numbers, the instrument's result text (阳性/不合格/超标 positive,
// 阴性/合格 negative, anything else invalid). Returns "positive",
// "negative" or "invalid".
func ReadingVerdict(in ReadingInput) string {
	ii := readingInspection(Reading{ReadingInput: in})
	v, _, _, err := judgeInspection(&ii)
	if err != nil {
		return "invalid"
	}
	if in.Suspect && v != "positive" {
		return "invalid"
	}
	return v
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
		legacy := map[string]bool{}
		for i, r := range in {
			if strings.TrimSpace(r.Instrument) == "" {
				return errf(CodeInvalid, nil, "第%d条读数缺少仪器名称，未导入任何读数。", "reading %d has no instrument name; nothing was imported", i+1)
			}
			key := ReadingKey(r)
			if dup, err := legacyDuplicate(ctx, tx, r, legacy); err != nil {
				return err
			} else if dup {
				duplicates++
				continue
			}
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

// legacyRecordNo matches the record numbers the LZ-4000T and TL-310 drivers
// gave before a record's identity was built from defined fields only: from
// the undefined bytes 6-7 ("YYMMDD-index", "index"). A store written before
// that change holds readings under those numbers; re-reading the same
// instrument must not add them again.
var legacyRecordNo = map[string]*regexp.Regexp{
	"lz4000t": regexp.MustCompile(`^[0-9]{6}-[0-9]+$`),
	"tl310":   regexp.MustCompile(`^[0-9]+$`),
}

// legacyDuplicate reports whether r is a reading already stored under a
// legacy record number: the same instrument and serial, and the same
// defined content (test time, channel, sample number and name, rate and
// value; not the frame, whose undefined bytes the old identity came from).
// The n-th record of identical content in one reply (RecordNo suffix "#n")
// is a duplicate only if at least n such legacy readings exist, so a second
// identical test from an instrument that left the bytes at zero (of which
// the old driver kept only the first) is still added. has caches, per
// instrument, whether the store holds legacy readings at all, so a store
// without any pays one query per import.
func legacyDuplicate(ctx context.Context, tx *Tx, r ReadingInput, has map[string]bool) (bool, error) {
	inst := strings.TrimSpace(r.Instrument)
	re := legacyRecordNo[inst]
	if re == nil || r.TestedAt.IsZero() {
		return false, nil
	}
	found, ok := has[inst]
	if !ok {
		rows, err := tx.Query(ctx, "SELECT record_no FROM readings WHERE instrument = ?", inst)
		if err != nil {
			return false, fmt.Errorf("look for legacy readings: %w", err)
		}
		for rows.Next() && !found {
			var no string
			if err := rows.Scan(&no); err != nil {
				rows.Close()
				return false, err
			}
			found = re.MatchString(no)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
		has[inst] = found
	}
	if !found {
		return false, nil
	}
	n := 1
	if _, suffix, ok := strings.Cut(r.RecordNo, "#"); ok {
		if v, err := strconv.Atoi(suffix); err == nil && v > 1 {
			n = v
		}
	}
	rows, err := tx.Query(ctx, `SELECT record_no FROM readings WHERE instrument = ? AND serial_no = ? AND tested_at = ? AND channel = ?
		AND sample_no = ? AND sample_name = ? AND rate IS ? AND value IS ?`,
		inst, strings.TrimSpace(r.SerialNo), r.TestedAt.UTC().Format(timeFormat), r.Channel,
		strings.TrimSpace(r.SampleNo), strings.TrimSpace(r.SampleName), nullPtr(r.Rate), nullPtr(r.Value))
	if err != nil {
		return false, fmt.Errorf("look for a legacy reading: %w", err)
	}
	defer rows.Close()
	matches := 0
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			return false, err
		}
		if re.MatchString(no) {
			matches++
		}
	}
	return matches >= n, rows.Err()
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
	r.Verdict = ReadingVerdict(r.ReadingInput)
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

// bindReadingTx binds the reading; the reason in returns becomes the reason
// of the "readings.bind" entry.
func bindReadingTx(ctx context.Context, tx *Tx, actor Actor, readingID int64, in func(Reading) (InspectionInput, string, error)) (Inspection, error) {
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
	ii, reason, err := in(r)
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
	if _, err := tx.Record(ctx, "readings", readingID, "readings.bind", reason); err != nil {
		return Inspection{}, err
	}
	return ins, nil
}

// BindTestDateLimit is how long before a lot's harvest/production date a
// reading may have been tested and still be bound to the lot without an
// override. Decision (documented in docs/analyzers.md): field samples are
// commonly taken and tested in the days before harvest, so a test up to 7
// days before the lot's date is accepted; a test dated more than 7 days
// before it (a wrong reading picked, an instrument clock years off) cannot
// vouch for the lot, and binding it needs an administrator's override with
// a reason, as the PHI rule does (store.Harvest).
const BindTestDateLimit = 7

// BindReading records a pending reading as a rapid inspection of the lot
// with that code (source 'serial', its values and raw frame; a positive
// holds the lot at once) and marks the reading bound, in one transaction.
// A reading tested more than BindTestDateLimit days before the lot's date
// is refused (see BindReadingOverride).
func (db *DB) BindReading(ctx context.Context, actor Actor, readingID int64, lotCode string) (Inspection, error) {
	return db.BindReadingOverride(ctx, actor, readingID, lotCode, "")
}

// BindReadingOverride is BindReading with an override reason for the
// test-date rule: only an administrator (PermOverride) may bind a reading
// tested more than BindTestDateLimit days before the lot's harvest or
// production date, and only with a reason, which is recorded in the
// journal entry of the bind ("readings.bind"). An empty reason is
// BindReading. A reason given when the rule does not apply is not
// recorded.
func (db *DB) BindReadingOverride(ctx context.Context, actor Actor, readingID int64, lotCode, overrideReason string) (Inspection, error) {
	overrideReason = strings.TrimSpace(overrideReason)
	var out Inspection
	err := db.Write(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = bindReadingTx(ctx, tx, actor, readingID, func(r Reading) (InspectionInput, string, error) {
			lid, err := findLotID(ctx, tx.tx, lotCode)
			if err != nil {
				return InspectionInput{}, "", err
			}
			l, err := loadLotRow(ctx, tx.tx, lid)
			if err != nil {
				return InspectionInput{}, "", err
			}
			reason, err := checkBindDate(actor, r, l, overrideReason)
			if err != nil {
				return InspectionInput{}, "", err
			}
			in := readingInspection(r)
			in.LotID = lid
			return in, reason, nil
		})
		return err
	})
	return out, err
}

// checkBindDate applies the test-date rule (BindTestDateLimit) and returns
// the journal reason to record when an override was needed.
func checkBindDate(actor Actor, r Reading, l lotRow, reason string) (string, error) {
	produced, err := parseDay(l.ProducedOn)
	if err != nil {
		return "", nil // no usable lot date: nothing to compare with
	}
	tested := asDay(r.TestedAt.In(time.Local))
	days := int(produced.Sub(tested).Hours() / 24)
	if days <= BindTestDateLimit {
		return "", nil
	}
	msgZh := "读数#%[1]d的检测日期 %[2]s 比批次%[3]s的采收/生产日期 %[4]s 早 %[5]d 天（超过 %[6]d 天），不能作为该批次的检测。请核对所选读数和批次（仪器时钟是否正确）；"
	msgEn := "reading #%[1]d was tested on %[2]s, %[5]d days before lot %[3]s was harvested or produced (%[4]s; more than %[6]d days), so it cannot count as a test of that lot. Check the reading and the lot chosen (and the instrument's clock); "
	args := []any{r.ID, formatDay(tested), l.Code, l.ProducedOn, days, BindTestDateLimit}
	switch {
	case !actor.Role.Can(PermOverride):
		return "", ruleErr(RuleDateOrder, msgZh+"如确属该批次，须由管理员填写例外原因后关联。", msgEn+"if it really belongs to the lot, an administrator must bind it with an override reason", args...)
	case reason == "":
		return "", ruleErr(RuleDateOrder, msgZh+"如确属该批次，请填写例外原因，该原因会记入日志。", msgEn+"if it really belongs to the lot, give an override reason, which is recorded in the journal", args...)
	}
	return fmt.Sprintf("检测日期例外/test-date override: tested %s, lot %s %s (%d days before): %s", formatDay(tested), l.Code, l.ProducedOn, days, reason), nil
}

// BindReadingExternal binds a reading to a sample of another producer
// (testing-station mode): entity and/or code identify it; no hold is set.
func (db *DB) BindReadingExternal(ctx context.Context, actor Actor, readingID int64, entity, code string) (Inspection, error) {
	var out Inspection
	err := db.Write(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = bindReadingTx(ctx, tx, actor, readingID, func(r Reading) (InspectionInput, string, error) {
			in := readingInspection(r)
			in.ExternalEntity, in.ExternalCode = entity, code
			return in, "", nil
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

// HomeReading is a pending reading Home lists: a positive nobody has bound
// or discarded yet.
type HomeReading struct {
	ID         int64
	TestedAt   time.Time
	SampleNo   string
	SampleName string
	Item       string
	Rate       *float64
	Instrument string
}

// pendingPositives returns the pending readings whose verdict
// (ReadingVerdict) is positive, newest first, at most limit, and how many
// there are. The SQL only narrows the candidates (a superset); the verdict
// is the Go rule's, the same as everywhere else.
func (db *DB) pendingPositives(ctx context.Context, limit int) ([]HomeReading, int, error) {
	rs, err := queryList(ctx, db, "SELECT "+readingCols+` FROM readings WHERE status = 'pending'
		AND CASE
			WHEN control_delta_a IS NOT NULL AND sample_delta_a IS NOT NULL
				THEN control_delta_a > 0 AND (control_delta_a - sample_delta_a) * 100 >= 49 * control_delta_a
			WHEN rate IS NOT NULL THEN rate >= 49
			ELSE result != '' END
		ORDER BY tested_at DESC, id DESC`, nil, scanReading)
	if err != nil {
		return nil, 0, fmt.Errorf("pending positive readings: %w", err)
	}
	var out []HomeReading
	n := 0
	for _, r := range rs {
		if r.Verdict != "positive" {
			continue
		}
		n++
		if len(out) < limit {
			out = append(out, HomeReading{ID: r.ID, TestedAt: r.TestedAt, SampleNo: r.SampleNo, SampleName: r.SampleName, Item: r.Item,
				Rate: r.Rate, Instrument: strings.TrimSpace(r.Instrument + " " + r.Model)})
		}
	}
	return out, n, nil
}
