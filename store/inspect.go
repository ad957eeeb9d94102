package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"suyuan/store/rules"
)

// InspectionInput is one test result. Give LotID for a lot of this site, or
// ExternalEntity/ExternalCode in testing-station mode (a sample brought by
// another producer: recorded, never puts anything of ours on hold).
type InspectionInput struct {
	LotID          int64
	ExternalEntity string
	ExternalCode   string

	Kind       string // rapid or lab
	SampleNo   string
	SampleName string
	TestedAt   time.Time // zero: now
	Method     string
	Basis      string
	Item       string

	ControlDeltaA, SampleDeltaA *float64 // rapid: ΔA of control and sample
	Rate                        *float64 // rapid: inhibition rate (%) as reported
	Value                       *float64
	Unit                        string
	Limit                       *float64
	// Verdict is required for lab results and for rapid tests without
	// numbers (a 速测卡 read by eye). When ΔA or a rate is given the store
	// computes the verdict itself (rules.InhibitionRate / rules.JudgeRate)
	// and ignores this field: the rule decides, not the instrument's label.
	Verdict string

	Instrument       string
	InstrumentSerial string
	ReagentLot       string
	Operator         string
	RetestOf         *int64 // the inspection this one re-tests
	Source           string // serial, manual (default), import
	ReadingID        int64  // the analyzer reading it came from, 0 if none
	Raw              string // raw frame, for evidence

	// suspect: the instrument flagged the reading; a result that is not
	// positive is then stored invalid (never a pass).
	suspect bool
}

// Inspection is a recorded test with the effect it had on the lot's hold.
type Inspection struct {
	ID               int64
	LotID            int64
	LotCode          string
	ExternalEntity   string
	ExternalCode     string
	Kind             string
	SampleNo         string
	SampleName       string
	TestedAt         time.Time
	Method           string
	Basis            string
	Item             string
	ControlDeltaA    *float64
	SampleDeltaA     *float64
	Rate             *float64
	Value            *float64
	Unit             string
	Limit            *float64
	Verdict          string
	Instrument       string
	InstrumentSerial string
	ReagentLot       string
	Operator         string
	RetestOf         int64
	Source           string
	ReadingID        int64
	Raw              string
	Voided           bool

	// Effects of this write (not stored columns).
	VerdictReason  string // rule reason code when computed (rules.Reason*)
	CallerOverrode bool   // the caller's verdict differed from the computed one and was ignored
	HoldSet        bool   // a positive result put the lot on hold
	HoldLifted     bool   // a negative lab re-test released the lot
	// NeedsLabRetest is set when a negative rapid re-test of a positive was
	// recorded but could not release the lot (法 Art. 50–51).
	NeedsLabRetest bool
}

// judgeInspection returns the verdict to store. Documented choices:
//   - rapid with ΔA (control and sample): rules.InhibitionRate decides, and
//     the computed rate is stored; with only a rate: rules.JudgeRate decides.
//     A caller's verdict is then ignored (CallerOverrode reports a mismatch).
//   - rapid without numbers (a test card read by eye): the caller's verdict.
//   - lab: the caller's verdict from the report; if Value and Limit are both
//     given they must agree with it (value > limit ⇒ positive), else refused,
//     because a contradiction there is a typing error in a legal record.
//
// An invalid result is recorded as invalid and is never a pass.
func judgeInspection(in *InspectionInput) (verdict, reason string, overrode bool, err error) {
	given := strings.TrimSpace(in.Verdict)
	if given != "" && given != "negative" && given != "positive" && given != "invalid" {
		return "", "", false, errf(CodeInvalid, nil, "检测结论必须是阴性、阳性或无效。", "the verdict must be negative, positive or invalid")
	}
	switch in.Kind {
	case "rapid":
		var v rules.Verdict
		switch {
		case in.ControlDeltaA != nil && in.SampleDeltaA != nil:
			var rate float64
			rate, v, reason = rules.InhibitionRate(*in.ControlDeltaA, *in.SampleDeltaA)
			r := round3(rate)
			in.Rate = &r
		case in.Rate != nil:
			v, reason = rules.JudgeRate(*in.Rate)
		default:
			if given == "" {
				return "", "", false, errf(CodeInvalid, nil, "速测结果需要对照和样品的ΔA、抑制率或目测结论之一。", "a rapid test needs the control and sample ΔA, an inhibition rate or a verdict read by eye")
			}
			return given, "", false, nil
		}
		return string(v), reason, given != "" && given != string(v), nil
	case "lab":
		if in.Value != nil && in.Limit != nil {
			computed := "negative"
			if *in.Value > *in.Limit {
				computed = "positive"
			}
			if given == "" {
				return computed, "", false, nil
			}
			if given != computed && given != "invalid" {
				return "", "", false, errf(CodeInvalid, nil, "检测值%g与限量%g不符合所填结论“%s”，请核对检测报告。", "the value %g and limit %g contradict the verdict %q; check the lab report", *in.Value, *in.Limit, given)
			}
			return given, "", false, nil
		}
		if given == "" {
			return "", "", false, errf(CodeInvalid, nil, "请填写检测报告的结论（阴性/合格或阳性/不合格）。", "enter the lab report's verdict (negative/pass or positive/fail)")
		}
		return given, "", false, nil
	}
	return "", "", false, errf(CodeInvalid, nil, "检测类型必须是速测或实验室检测。", "the test kind must be rapid or lab")
}

// RecordInspection records a test. For a lot of this site, in the same
// transaction: a positive result puts the lot on hold (hold_reason names the
// inspection, journaled "lots.hold"); an invalid result changes nothing
// about the hold; a negative re-test may lift it.
//
// Release rule (法 Art. 50–51: a re-test after an objection to a rapid
// result must not use the rapid method): the hold is lifted only when no
// positive inspection of the lot is left unresolved, and a positive counts as
// resolved only by a non-void negative *lab* inspection whose RetestOf points
// at it. A negative rapid re-test is recorded (replicates are good practice)
// but leaves the lot held (NeedsLabRetest). The other way out is an
// administrator's decision with a reason: ReleaseHold. Disposing of the
// whole remainder also lifts it (see Dispose).
func (db *DB) RecordInspection(ctx context.Context, actor Actor, in InspectionInput) (Inspection, error) {
	var out Inspection
	err := db.Write(ctx, actor, func(tx *Tx) error {
		var err error
		out, err = recordInspectionTx(ctx, tx, actor, in)
		return err
	})
	return out, err
}

func recordInspectionTx(ctx context.Context, tx *Tx, actor Actor, in InspectionInput) (Inspection, error) {
	if err := actor.Require(PermInspect); err != nil {
		return Inspection{}, err
	}
	in.ExternalEntity, in.ExternalCode = strings.TrimSpace(in.ExternalEntity), normalizeCode(in.ExternalCode)
	if in.LotID == 0 && in.ExternalEntity == "" && in.ExternalCode == "" {
		return Inspection{}, errf(CodeInvalid, nil, "请选择被检批次，或填写送检主体/追溯码（检测站模式）。", "choose the lot tested, or enter the sample's producer or code (testing-station mode)")
	}
	if in.Source == "" {
		in.Source = "manual"
	}
	if in.Source != "serial" && in.Source != "manual" && in.Source != "import" {
		return Inspection{}, errf(CodeInvalid, nil, "未知的数据来源“%s”。", "unknown data source %q", in.Source)
	}
	verdict, reason, overrode, err := judgeInspection(&in)
	if err != nil {
		return Inspection{}, err
	}
	if in.suspect && verdict != "positive" {
		verdict, reason = "invalid", "instrument-suspect"
	}
	testedAt := in.TestedAt
	if testedAt.IsZero() {
		testedAt = tx.Now
	}
	if testedAt.After(tx.Now.Add(24 * time.Hour)) {
		return Inspection{}, errf(CodeInvalid, nil, "检测时间%s晚于现在，请检查仪器时钟或所填时间。", "the test time %s is in the future; check the instrument clock or the time entered", testedAt.Format(time.DateTime))
	}
	var l lotRow
	if in.LotID != 0 {
		if l, err = loadLotRow(ctx, tx.tx, in.LotID); err != nil {
			return Inspection{}, err
		}
		if l.Voided {
			return Inspection{}, ruleErr(RuleLotVoided, "批次%s已作废，不能再登记检测。", "lot %s was voided; no test can be recorded for it", l.Code)
		}
	}
	var retestOf int64
	if in.RetestOf != nil {
		retestOf = *in.RetestOf
		var pLot sql.NullInt64
		var pCode, pVerdict string
		var pVoid int
		err := tx.QueryRow(ctx, "SELECT lot_id, external_code, verdict, voided FROM inspections WHERE id = ?", retestOf).Scan(&pLot, &pCode, &pVerdict, &pVoid)
		if errors.Is(err, sql.ErrNoRows) || pVoid != 0 {
			return Inspection{}, errf(CodeNotFound, nil, "找不到被复检的检测记录#%d（或已作废）。", "the inspection #%d being re-tested does not exist or was voided", retestOf)
		}
		if err != nil {
			return Inspection{}, err
		}
		if pLot.Int64 != in.LotID || (in.LotID == 0 && pCode != in.ExternalCode) {
			return Inspection{}, errf(CodeInvalid, nil, "复检必须针对同一批次的检测记录。", "a re-test must be of an inspection of the same lot")
		}
	}
	res, err := tx.Exec(ctx, `INSERT INTO inspections(lot_id, external_entity, external_code, kind, sample_no, sample_name, tested_at, method, basis, item,
		control_delta_a, sample_delta_a, rate, value, unit, limit_value, verdict, instrument, instrument_serial, reagent_lot, operator, retest_of,
		source, reading_id, raw, jseq) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
		nullID(in.LotID), in.ExternalEntity, in.ExternalCode, in.Kind, strings.TrimSpace(in.SampleNo), strings.TrimSpace(in.SampleName),
		testedAt.UTC().Format(timeFormat), strings.TrimSpace(in.Method), strings.TrimSpace(in.Basis), strings.TrimSpace(in.Item),
		nullPtr(in.ControlDeltaA), nullPtr(in.SampleDeltaA), nullPtr(in.Rate), nullPtr(in.Value), strings.TrimSpace(in.Unit), nullPtr(in.Limit),
		verdict, strings.TrimSpace(in.Instrument), strings.TrimSpace(in.InstrumentSerial), strings.TrimSpace(in.ReagentLot), strings.TrimSpace(in.Operator),
		nullID(retestOf), in.Source, nullID(in.ReadingID), in.Raw)
	if err != nil {
		return Inspection{}, fmt.Errorf("insert inspection: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.Record(ctx, "inspections", id, "inspections.create", ""); err != nil {
		return Inspection{}, err
	}
	out, err := inspectionByID(ctx, tx.tx, id)
	if err != nil {
		return Inspection{}, err
	}
	out.VerdictReason, out.CallerOverrode = reason, overrode
	if in.LotID == 0 {
		return out, nil
	}
	switch verdict {
	case "positive":
		if !l.Hold {
			// hold_reason is record text, kept in Chinese like every other
			// record field; the rule's message around it is translated.
			kind := map[string]string{"rapid": "快检", "lab": "实验室检测"}[in.Kind]
			hr := strings.TrimSpace(fmt.Sprintf("检测#%d阳性（%s %s）", id, kind, strings.TrimSpace(in.Item)))
			if err := setHold(ctx, tx, l.ID, true, hr, hr); err != nil {
				return Inspection{}, err
			}
			out.HoldSet = true
		}
	case "negative":
		if retestOf != 0 && l.Hold {
			n, err := unresolvedPositives(ctx, tx.tx, l.ID)
			if err != nil {
				return Inspection{}, err
			}
			if n == 0 {
				if err := setHold(ctx, tx, l.ID, false, "", fmt.Sprintf("negative lab re-test #%d of #%d", id, retestOf)); err != nil {
					return Inspection{}, err
				}
				out.HoldLifted = true
			} else if in.Kind == "rapid" {
				out.NeedsLabRetest = true
			}
		}
	}
	return out, nil
}

// unresolvedPositives counts the lot's non-void positive inspections without
// a non-void negative lab re-test.
func unresolvedPositives(ctx context.Context, q rowQuerier, lotID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM inspections p WHERE p.lot_id = ?1 AND p.voided = 0 AND p.verdict = 'positive'
		AND NOT EXISTS (SELECT 1 FROM inspections r WHERE r.lot_id = ?1 AND r.retest_of = p.id AND r.voided = 0
			AND r.verdict = 'negative' AND r.kind = 'lab')`, lotID).Scan(&n)
	return n, err
}

// ReleaseHold is the administrator's decision to release a held lot (e.g.
// the producer did not object and the lot was re-examined outside the
// system). PermOverride and a reason are required; journaled "lots.release".
func (db *DB) ReleaseHold(ctx context.Context, actor Actor, lotID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermOverride); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		l, err := loadLotRow(ctx, tx.tx, lotID)
		if err != nil {
			return err
		}
		if !l.Hold {
			return errf(CodeConflict, nil, "批次%s没有被扣留。", "lot %s is not on hold", l.Code)
		}
		return setHold(ctx, tx, lotID, false, "", "admin decision: "+reason)
	})
}

// VoidInspection voids a test entered by mistake (PermCorrect, reason). The
// lot's hold is then re-evaluated from the remaining evidence: held while an
// unresolved positive remains, released when none does.
func (db *DB) VoidInspection(ctx context.Context, actor Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCorrect); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		ins, err := inspectionByID(ctx, tx.tx, id)
		if err != nil {
			return err
		}
		if ins.Voided {
			return errf(CodeConflict, nil, "该检测记录已经作废。", "this inspection is already voided")
		}
		if _, err := tx.Exec(ctx, "UPDATE inspections SET voided = 1 WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Record(ctx, "inspections", id, "inspections.void", reason); err != nil {
			return err
		}
		if ins.LotID == 0 {
			return nil
		}
		l, err := loadLotRow(ctx, tx.tx, ins.LotID)
		if err != nil {
			return err
		}
		n, err := unresolvedPositives(ctx, tx.tx, l.ID)
		if err != nil {
			return err
		}
		switch {
		case n == 0 && l.Hold && ins.Verdict == "positive":
			return setHold(ctx, tx, l.ID, false, "", fmt.Sprintf("inspection #%d voided: %s", id, reason))
		case n > 0 && !l.Hold && ins.Verdict == "negative" && ins.RetestOf != 0:
			hr := fmt.Sprintf("检测#%d阳性（复检#%d已作废）", ins.RetestOf, id)
			return setHold(ctx, tx, l.ID, true, hr, hr)
		}
		return nil
	})
}

const inspectionCols = `i.id, coalesce(i.lot_id,0), coalesce(l.code,''), i.external_entity, i.external_code, i.kind, i.sample_no, i.sample_name, i.tested_at,
	i.method, i.basis, i.item, i.control_delta_a, i.sample_delta_a, i.rate, i.value, i.unit, i.limit_value, i.verdict, i.instrument,
	i.instrument_serial, i.reagent_lot, i.operator, coalesce(i.retest_of,0), i.source, coalesce(i.reading_id,0), i.raw, i.voided`

func scanInspection(sc interface{ Scan(...any) error }) (Inspection, error) {
	var x Inspection
	var at string
	var c, s, r, v, lim sql.NullFloat64
	var voided int
	if err := sc.Scan(&x.ID, &x.LotID, &x.LotCode, &x.ExternalEntity, &x.ExternalCode, &x.Kind, &x.SampleNo, &x.SampleName, &at,
		&x.Method, &x.Basis, &x.Item, &c, &s, &r, &v, &x.Unit, &lim, &x.Verdict, &x.Instrument,
		&x.InstrumentSerial, &x.ReagentLot, &x.Operator, &x.RetestOf, &x.Source, &x.ReadingID, &x.Raw, &voided); err != nil {
		return Inspection{}, err
	}
	x.TestedAt, _ = time.Parse(timeFormat, at)
	x.ControlDeltaA, x.SampleDeltaA, x.Rate, x.Value, x.Limit = ptrFromNull(c), ptrFromNull(s), ptrFromNull(r), ptrFromNull(v), ptrFromNull(lim)
	x.Voided = voided != 0
	return x, nil
}

func inspectionByID(ctx context.Context, q rowQuerier, id int64) (Inspection, error) {
	return rowByID(ctx, q, "SELECT "+inspectionCols+" FROM inspections i LEFT JOIN lots l ON l.id = i.lot_id WHERE i.id = ?", id, scanInspection, "检测记录", "inspection")
}

// InspectionByID returns one inspection.
func (db *DB) InspectionByID(ctx context.Context, id int64) (Inspection, error) {
	return inspectionByID(ctx, db.r, id)
}

// InspectionQuery filters ListInspections.
type InspectionQuery struct {
	ListQuery
	LotID   int64
	Verdict string
}

func (q InspectionQuery) where() (string, []any) {
	var extra []string
	var args []any
	if q.LotID != 0 {
		extra, args = append(extra, "i.lot_id = ?"), append(args, q.LotID)
	}
	if q.Verdict != "" {
		extra, args = append(extra, "i.verdict = ?"), append(args, q.Verdict)
	}
	return q.listWhere("i.voided", []string{"l.code", "i.external_entity", "i.external_code", "i.sample_name", "i.item", "i.sample_no"}, sqlCond{conds: extra, args: args})
}

// ListInspections returns one page of inspections, newest first.
func (db *DB) ListInspections(ctx context.Context, q InspectionQuery) ([]Inspection, error) {
	where, args := q.where()
	limit, offset := q.page()
	return queryList(ctx, db, "SELECT "+inspectionCols+" FROM inspections i LEFT JOIN lots l ON l.id = i.lot_id"+where+
		" ORDER BY i.id DESC LIMIT ? OFFSET ?", append(args, limit, offset), scanInspection)
}

// CountInspections counts what ListInspections pages through.
func (db *DB) CountInspections(ctx context.Context, q InspectionQuery) (int, error) {
	where, args := q.where()
	return db.countRows(ctx, "SELECT count(*) FROM inspections i LEFT JOIN lots l ON l.id = i.lot_id"+where, args)
}
