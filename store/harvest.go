package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"suyuan/store/rules"
)

// Lot is one row of the lots table (批次), field for field. Nullable columns
// map to zero values: NationalCode/NationalShortCode "" until the platform
// assigns them, PlotID 0 for lots not harvested here, TransformationID 0 for
// lots not made by a transformation.
type Lot struct {
	ID                int64
	Code              string // local trace code (store/tracecode)
	NationalCode      string
	NationalShortCode string
	ProductID         int64
	Source            string // "harvest", "transform" or "receipt"
	PlotID            int64
	TransformationID  int64
	ProducedOn        time.Time
	Quantity          float64
	Unit              string
	PHIOverride       bool // harvested inside the PHI window by an admin's override
	OverrideReason    string
	Hold              bool
	HoldReason        string
	FromCode          string
	Supplier          string
	Voided            bool
	JSeq              int64
}

// Lot sources.
const (
	LotHarvest   = "harvest"
	LotTransform = "transform"
	LotReceipt   = "receipt"
)

// lotCols selects a lots row in the order scanLot reads it (no table alias:
// prefix the columns yourself when joining).
const lotCols = "id,code,national_code,national_short_code,product_id,source,plot_id,transformation_id,produced_on,quantity,unit,phi_override,override_reason,hold,hold_reason,from_code,supplier,voided,jseq"

// scanLot reads one row selected with lotCols.
func scanLot(sc interface{ Scan(...any) error }) (Lot, error) {
	var l Lot
	var nat, natShort sql.NullString
	var plot, tr sql.NullInt64
	var on string
	var phi, hold, voided int
	if err := sc.Scan(&l.ID, &l.Code, &nat, &natShort, &l.ProductID, &l.Source, &plot, &tr, &on, &l.Quantity, &l.Unit,
		&phi, &l.OverrideReason, &hold, &l.HoldReason, &l.FromCode, &l.Supplier, &voided, &l.JSeq); err != nil {
		return l, err
	}
	l.NationalCode, l.NationalShortCode, l.PlotID, l.TransformationID = nat.String, natShort.String, plot.Int64, tr.Int64
	l.PHIOverride, l.Hold, l.Voided = phi != 0, hold != 0, voided != 0
	d, err := parseDay(on)
	if err != nil {
		return l, fmt.Errorf("lot %d: produced_on %q: %w", l.ID, on, err)
	}
	l.ProducedOn = d
	return l, nil
}

// Override asks to harvest inside the PHI window. Only an admin
// (PermOverride) may, and only with a reason, which stays on the lot.
type Override struct {
	Reason string
}

// HarvestInput is one harvest. Unit defaults to the product's unit.
type HarvestInput struct {
	PlotID    int64
	ProductID int64
	Date      time.Time
	Quantity  float64
	Unit      string
	Override  *Override
}

// Harvest creates a lot from a plot. The PHI gate (domain.md §8.3) runs in
// the same transaction: the earliest harvest day is the latest application
// date + label PHI over the plot's non-voided pesticide applications; a
// harvest before it is refused with that date, unless an admin gives an
// override reason, in which case the lot is flagged phi_override with the
// reason, and the journal entry carries it too.
func (db *DB) Harvest(ctx context.Context, actor Actor, in HarvestInput) (Lot, error) {
	in.Unit = strings.TrimSpace(in.Unit)
	in.Date = asDayOrZero(in.Date)
	var lot Lot
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermHarvest); err != nil {
			return err
		}
		if err := validatePastDate(in.Date, siteToday(tx.Now), "采收日期", "harvest date"); err != nil {
			return err
		}
		if err := rules.ValidateQuantity(in.Quantity); err != nil {
			return err
		}
		p, err := tx.plot(ctx, in.PlotID)
		if err != nil {
			return err
		}
		if p.retired {
			return errRetired("地块", "plot", p.name)
		}
		var pname, punit string
		var pretired int
		if err := tx.QueryRow(ctx, "SELECT name, unit, retired FROM products WHERE id=?", in.ProductID).Scan(&pname, &punit, &pretired); err != nil {
			return notFoundOr(err, "产品", "product", in.ProductID)
		}
		if pretired != 0 {
			return errRetired("产品", "product", pname)
		}
		if in.Unit == "" {
			in.Unit = punit
		}
		apps, err := phiApplications(ctx, tx.tx, in.PlotID, in.Date)
		if err != nil {
			return err
		}
		override, reason := false, ""
		if perr := rules.CheckPHI(apps, in.Date); perr != nil {
			if !rules.IsRule(perr, rules.RulePHIWindow) {
				return perr
			}
			earliest := formatDay(rules.EarliestHarvest(apps))
			switch {
			case !actor.Role.Can(PermOverride):
				return &Error{Code: CodeRule, Err: perr}
			case in.Override == nil || strings.TrimSpace(in.Override.Reason) == "":
				return errf(CodeRule, perr,
					"违反安全间隔期规则：地块“%[1]s”最早可于 %[2]s 采收。管理员如确需提前采收，必须填写例外原因，该原因会记录在批次上。",
					"pre-harvest interval rule: plot %[1]q may be harvested from %[2]s. An administrator who must harvest earlier has to give an override reason, which is recorded on the lot",
					p.name, earliest)
			}
			override, reason = true, strings.TrimSpace(in.Override.Reason)
		}
		code, err := tx.nextLotCode(ctx, in.Date)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO lots(code,product_id,source,plot_id,produced_on,quantity,unit,phi_override,override_reason,jseq)
			VALUES(?,?,?,?,?,?,?,?,?,0)`, code, in.ProductID, LotHarvest, in.PlotID, formatDay(in.Date), in.Quantity, in.Unit, boolInt(override), reason)
		if err != nil {
			return fmt.Errorf("insert lot: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		journalReason := ""
		if override {
			journalReason = "安全间隔期例外/PHI override: " + reason
		}
		e, err := tx.Record(ctx, "lots", id, "lots.create", journalReason)
		if err != nil {
			return err
		}
		lot = Lot{ID: id, Code: code, ProductID: in.ProductID, Source: LotHarvest, PlotID: in.PlotID, ProducedOn: in.Date,
			Quantity: in.Quantity, Unit: in.Unit, PHIOverride: override, OverrideReason: reason, JSeq: e.Seq}
		return nil
	})
	return lot, err
}

// PHIStatus returns the earliest harvest day of a plot as of the day on (its
// non-voided pesticide applications up to that day) and whether on falls
// inside the window. earliest is zero when no pesticide was applied.
func (db *DB) PHIStatus(ctx context.Context, plotID int64, on time.Time) (earliest time.Time, inside bool, err error) {
	day := asDay(on)
	apps, err := phiApplications(ctx, db.r, plotID, day)
	if err != nil {
		return time.Time{}, false, err
	}
	earliest = rules.EarliestHarvest(apps)
	return earliest, !earliest.IsZero() && day.Before(earliest), nil
}

// PHIWindow is a plot that may not be harvested yet.
type PHIWindow struct {
	PlotID      int64
	PlotName    string
	BaseName    string
	Crop        string
	LastApplied time.Time // the application that sets Earliest
	Earliest    time.Time // first day a harvest is allowed
}

// LotsInPHIWindow lists the plots whose earliest harvest day is after on
// (soonest first): the home screen's "do not harvest yet" list. The day
// arithmetic matches rules.EarliestHarvest (calendar days).
func (db *DB) LotsInPHIWindow(ctx context.Context, on time.Time) ([]PHIWindow, error) {
	day := formatDay(asDay(on))
	// PHI is at most MaxPHIDays, so older applications cannot matter.
	rows, err := db.r.QueryContext(ctx, `
		WITH e AS (
			SELECT a.plot_id, a.applied_on, date(a.applied_on, '+' || coalesce(m.phi_days, 0) || ' days') AS earliest
			FROM applications a JOIN materials m ON m.id = a.material_id
			WHERE a.voided = 0 AND m.kind = 'pesticide' AND a.applied_on <= ?1 AND a.applied_on >= date(?1, '-366 days')
		), w AS (
			SELECT plot_id, max(earliest) AS earliest FROM e GROUP BY plot_id
		)
		SELECT w.plot_id, p.name, b.name, p.crop, (SELECT max(e.applied_on) FROM e WHERE e.plot_id = w.plot_id AND e.earliest = w.earliest), w.earliest
		FROM w JOIN plots p ON p.id = w.plot_id JOIN bases b ON b.id = p.base_id
		WHERE w.earliest > ?1 AND p.retired = 0
		ORDER BY w.earliest, p.name`, day)
	if err != nil {
		return nil, fmt.Errorf("phi window: %w", err)
	}
	defer rows.Close()
	var out []PHIWindow
	for rows.Next() {
		var w PHIWindow
		var last, earliest string
		if err := rows.Scan(&w.PlotID, &w.PlotName, &w.BaseName, &w.Crop, &last, &earliest); err != nil {
			return nil, err
		}
		if w.LastApplied, err = parseDay(last); err == nil {
			w.Earliest, err = parseDay(earliest)
		}
		if err != nil {
			return nil, fmt.Errorf("phi window: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
