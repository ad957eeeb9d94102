package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"suyuan/store/rules"
)

// colKind says how Correct converts and stores a column value.
type colKind int

const (
	colText     colKind = iota // TEXT NOT NULL, trimmed
	colReal                    // REAL NOT NULL
	colRealNull                // REAL, 0 or nil stores NULL
	colIntNull                 // INTEGER, nil stores NULL
	colDay                     // 'YYYY-MM-DD'; time.Time or string
	colBool                    // 0/1
	colRefNull                 // optional foreign key, 0 or nil stores NULL
)

// correctable describes one table Correct and Void accept.
type correctable struct {
	perm Perm
	// evidence tables record what happened; changing or voiding someone
	// else's record, or one's own after the day it was made, needs
	// PermCorrect. Master data (bases, plots, products, materials) is kept
	// up to date by anyone with the table's permission.
	evidence bool
	voidable bool
	// cols are the columns a correction may change. Columns that would let
	// a record dodge a rule (an application's plot, material or date) are
	// left out: those need a void and a new record, which re-runs every gate.
	cols     map[string]colKind
	validate func(ctx context.Context, db *DB, tx *Tx, row map[string]any) error
}

var correctTables = map[string]correctable{
	"applications": {perm: PermInputs, evidence: true, voidable: true,
		cols: map[string]colKind{"dose": colReal, "dose_unit": colText, "area_mu": colRealNull, "method": colText, "target": colText, "operator": colText, "notes": colText},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			d, err := parseDay(str(r["applied_on"]))
			if err != nil {
				return err
			}
			in := ApplicationInput{Date: d, PlotID: i64(r["plot_id"]), Crop: str(r["crop"]), MaterialID: i64(r["material_id"]),
				Dose: f64(r["dose"]), DoseUnit: str(r["dose_unit"]), AreaMu: f64(r["area_mu"])}
			_, _, err = checkApplication(ctx, tx, in, db.PesticideList(), true)
			return err
		}},
	"purchases": {perm: PermInputs, evidence: true, voidable: true,
		cols: map[string]colKind{"supplier": colText, "batch_no": colText, "quantity": colReal, "unit": colText},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			d, err := parseDay(str(r["purchased_on"]))
			if err != nil {
				return err
			}
			return validatePurchase(str(r["supplier"]), str(r["unit"]), f64(r["quantity"]), d, d)
		}},
	"env_tests": {perm: PermInputs, evidence: true, voidable: true,
		cols: map[string]colKind{"lab": colText, "report_no": colText, "conclusion": colText, "notes": colText},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			d, err := parseDay(str(r["tested_on"]))
			if err != nil {
				return err
			}
			return validateEnvTest(str(r["kind"]), str(r["conclusion"]), d, d)
		}},
	"certifications": {perm: PermSite, evidence: true, voidable: true,
		cols: map[string]colKind{"number": colText, "product_name": colText, "issuer": colText, "valid_from": colDay, "valid_to": colDay},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			from, err1 := parseDay(str(r["valid_from"]))
			to, err2 := parseDay(str(r["valid_to"]))
			if err1 != nil || err2 != nil {
				return errRequired("有效期起止日期", "validity dates")
			}
			return validateCertification(str(r["kind"]), str(r["number"]), str(r["product_name"]), from, to)
		}},
	"attachments": {perm: PermSite, evidence: true, voidable: true,
		cols: map[string]colKind{"file_name": colText},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			if str(r["file_name"]) == "" {
				return errRequired("附件文件名", "file name")
			}
			return nil
		}},
	"bases": {perm: PermSite,
		cols: map[string]colKind{"name": colText, "address": colText, "division_code": colText, "area_mu": colRealNull, "longitude": colRealNull,
			"latitude": colRealNull, "altitude_m": colRealNull, "manager": colText, "phone": colText, "retired": colBool},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			return validateBase(Base{Name: str(r["name"]), DivisionCode: str(r["division_code"]), AreaMu: f64(r["area_mu"]),
				Longitude: fptr(r["longitude"]), Latitude: fptr(r["latitude"]), AltitudeM: fptr(r["altitude_m"])})
		}},
	"plots": {perm: PermSite,
		cols: map[string]colKind{"name": colText, "area_mu": colRealNull, "crop": colText, "crop_category": colText, "retired": colBool},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			if str(r["name"]) == "" {
				return errRequired("地块名称", "plot name")
			}
			if err := validateArea(f64(r["area_mu"])); err != nil {
				return err
			}
			return validateCropCategory(str(r["crop_category"]), true)
		}},
	"products": {perm: PermSite,
		cols: map[string]colKind{"name": colText, "variety": colText, "crop": colText, "crop_category": colText, "unit": colText, "spec": colText,
			"platform_product_code": colText, "certification_id": colRefNull, "retired": colBool},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			if str(r["unit"]) == "" {
				return errRequired("计量单位", "unit")
			}
			return validateProduct(ctx, tx, str(r["name"]), str(r["crop_category"]), i64(r["certification_id"]))
		}},
	"materials": {perm: PermSite,
		cols: map[string]colKind{"name": colText, "reg_no": colText, "toxicity": colText, "formulation": colText, "manufacturer": colText,
			"phi_days": colIntNull, "retired": colBool},
		validate: func(ctx context.Context, db *DB, tx *Tx, r map[string]any) error {
			m := Material{Kind: str(r["kind"]), Name: str(r["name"]), RegNo: str(r["reg_no"]), Toxicity: str(r["toxicity"]), Retired: i64(r["retired"]) != 0}
			if err := json.Unmarshal([]byte(str(r["active_ingredients"])), &m.ActiveIngredients); err != nil {
				return err
			}
			if r["phi_days"] != nil {
				v := int(i64(r["phi_days"]))
				m.PHIDays = &v
			}
			if m.Kind != MaterialPesticide && m.PHIDays != nil {
				return errf(CodeInvalid, nil, "只有农药需要填写安全间隔期。", "only pesticides have a pre-harvest interval")
			}
			list := db.PesticideList()
			if m.Retired {
				// A retired material is no longer used: correcting it must
				// not fail because one of its ingredients was banned since.
				list = &rules.PesticideList{Source: "retired material"}
			}
			return validateMaterial(m, list, siteToday(tx.Now))
		}},
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func i64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

func f64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

func fptr(v any) *float64 {
	if v == nil {
		return nil
	}
	f := f64(v)
	return &f
}

// convertValue turns a caller's value into what the column stores.
func convertValue(kind colKind, col string, v any) (any, error) {
	bad := func() (any, error) {
		return nil, errf(CodeInvalid, nil, "字段 %[1]s 的值“%[2]v”无效。", "the value %[2]v is not valid for %[1]s", col, v)
	}
	num := func() (float64, bool) {
		switch x := v.(type) {
		case float64:
			return x, !math.IsNaN(x) && !math.IsInf(x, 0)
		case float32:
			return float64(x), true
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
		}
		return 0, false
	}
	switch kind {
	case colText:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		return strings.TrimSpace(s), nil
	case colReal, colRealNull:
		if v == nil && kind == colRealNull {
			return nil, nil
		}
		f, ok := num()
		if !ok {
			return bad()
		}
		if f == 0 && kind == colRealNull {
			return nil, nil
		}
		return f, nil
	case colIntNull, colRefNull:
		if v == nil {
			return nil, nil
		}
		f, ok := num()
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return bad()
		}
		if f == 0 && kind == colRefNull {
			return nil, nil
		}
		return int64(f), nil
	case colDay:
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				return bad()
			}
			return formatDay(asDay(x)), nil
		case string:
			d, err := rules.ValidateDate(x)
			if err != nil {
				return nil, err
			}
			return formatDay(d), nil
		}
		return bad()
	case colBool:
		switch x := v.(type) {
		case bool:
			return int64(boolInt(x)), nil
		case int:
			if x == 0 || x == 1 {
				return int64(x), nil
			}
		case int64:
			if x == 0 || x == 1 {
				return x, nil
			}
		}
		return bad()
	}
	return bad()
}

// loadRow reads one row of table as column -> value inside tx.
func (tx *Tx) loadRow(ctx context.Context, table string, id int64) (map[string]any, error) {
	rows, err := tx.Query(ctx, "SELECT * FROM "+quoteIdent(table)+" WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("read %s:%d: %w", table, id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, errf(CodeNotFound, nil, "记录 %s:%d 不存在。", "record %s:%d does not exist", table, id)
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		m[c] = vals[i]
	}
	return m, rows.Err()
}

// mayAmend checks the second-person rule for evidence records: a user may
// correct or void what they entered themselves on the same day (a typo
// noticed at once); anything else needs PermCorrect, so a record cannot be
// quietly rewritten later by whoever is logged in.
func (tx *Tx) mayAmend(ctx context.Context, actor Actor, table string, id int64) error {
	if actor.Role.Can(PermCorrect) {
		return nil
	}
	var who, at string
	err := tx.QueryRow(ctx, "SELECT actor, at FROM journal WHERE ref = ? ORDER BY seq LIMIT 1", table+":"+strconv.FormatInt(id, 10)).Scan(&who, &at)
	if err != nil {
		return fmt.Errorf("record creator: %w", err)
	}
	created, err := time.Parse(timeFormat, at)
	if err != nil {
		return fmt.Errorf("record creator: %w", err)
	}
	if who == actor.Username && siteToday(created).Equal(siteToday(tx.Now)) {
		return nil
	}
	return errf(CodeForbidden, nil, "这条记录由 %[1]s 于 %[2]s 录入，只有管理员可以更正或作废；本人录入的记录只能在当天更正或作废。",
		"this record was entered by %[1]s on %[2]s; only an administrator may correct or void it (users may amend their own records on the same day only)",
		who, formatDay(siteToday(created)))
}

func correctTable(table string) (correctable, error) {
	c, ok := correctTables[table]
	if !ok {
		return c, errf(CodeInvalid, nil, "“%s”类记录不能用通用更正功能修改。", "records of kind %q cannot be changed with the generic correction", table)
	}
	return c, nil
}

// Correct changes some columns of one record, re-runs the table's rules on
// the result, and journals the new version as "<table>.correct" with the
// reason (the old version stays in the journal and History shows both).
// Only whitelisted columns may change; a change that would dodge a rule (for
// example an application's plot, material or date) needs Void and a new
// record instead.
func (db *DB) Correct(ctx context.Context, actor Actor, table string, id int64, changes map[string]any, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		spec, err := correctTable(table)
		if err != nil {
			return err
		}
		if err := actor.Require(spec.perm); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		if len(changes) == 0 {
			return errf(CodeInvalid, nil, "没有要更正的内容。", "there is nothing to correct")
		}
		row, err := tx.loadRow(ctx, table, id)
		if err != nil {
			return err
		}
		if v, ok := row["voided"]; ok && i64(v) != 0 {
			return errf(CodeConflict, nil, "这条记录已作废，不能再更正。", "this record has been voided and can no longer be corrected")
		}
		if spec.evidence {
			if err := tx.mayAmend(ctx, actor, table, id); err != nil {
				return err
			}
		}
		cols := make([]string, 0, len(changes))
		for c := range changes {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		var sets []string
		var args []any
		for _, c := range cols {
			kind, ok := spec.cols[c]
			if !ok {
				return errf(CodeInvalid, nil, "“%[1]s”记录的“%[2]s”不能直接更正；如确有错误，请作废该记录后重新录入，以便重新检查各项规则。",
					"the %[2]s of a %[1]s record cannot be corrected; void the record and enter it again so that every rule is checked again", table, c)
			}
			v, err := convertValue(kind, c, changes[c])
			if err != nil {
				return err
			}
			if c == "reg_no" || c == "number" {
				v = rules.NormalizeID(v.(string))
			}
			if sameValue(row[c], v) {
				continue
			}
			row[c] = v
			sets = append(sets, quoteIdent(c)+" = ?")
			args = append(args, v)
		}
		if len(sets) == 0 {
			return errf(CodeInvalid, nil, "更正后的内容与原记录相同，没有修改。", "the corrected values are the same as the record's; nothing was changed")
		}
		if err := spec.validate(ctx, db, tx, row); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE "+quoteIdent(table)+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...); err != nil {
			return fmt.Errorf("correct %s:%d: %w", table, id, err)
		}
		_, err = tx.Record(ctx, table, id, table+".correct", reason)
		return err
	})
}

func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case float64:
		return x == f64(b)
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
		if y, ok := b.(float64); ok {
			return float64(x) == y
		}
		return false
	}
	return a == b
}

// Void marks a purchase, application, env test, certification or attachment
// as void with a reason. Nothing is deleted: the record stays visible in
// history and to inspectors, and stops counting (a voided application no
// longer holds back a harvest).
func (db *DB) Void(ctx context.Context, actor Actor, table string, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		spec, err := correctTable(table)
		if err != nil || !spec.voidable {
			return errf(CodeInvalid, nil, "“%s”类记录不能作废。", "records of kind %q cannot be voided", table)
		}
		if err := actor.Require(spec.perm); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		var voided int
		if err := tx.QueryRow(ctx, "SELECT voided FROM "+quoteIdent(table)+" WHERE id = ?", id).Scan(&voided); err != nil {
			return notFoundOr(err, "记录", "record", id)
		}
		if voided != 0 {
			return errf(CodeConflict, nil, "这条记录已经作废。", "this record is already void")
		}
		if err := tx.mayAmend(ctx, actor, table, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE "+quoteIdent(table)+" SET voided = 1 WHERE id = ?", id); err != nil {
			return fmt.Errorf("void %s:%d: %w", table, id, err)
		}
		_, err = tx.Record(ctx, table, id, table+".void", reason)
		return err
	})
}
