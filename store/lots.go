package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"suyuan/store/rules"
)

// Rule ids of the lot rules the store enforces itself (they need the
// database, so they do not live in package rules). They are stable: tests,
// the GUI and audit tooling match on them with rules.IsRule.
const (
	RuleMassBalance  = "mass-balance"      // moving or certifying more than a lot holds
	RuleLotOnHold    = "lot-on-hold"       // a positive test is unresolved
	RuleLotVoided    = "lot-voided"        // the lot was voided
	RuleDoubleScan   = "double-scan"       // the same upstream code received twice on one day
	RuleCertBasis    = "certificate-basis" // 承诺依据 not backed by a record
	RuleUnitMismatch = "unit-mismatch"     // quantity given in another unit than the lot's
	RuleHoldRelease  = "hold-release"      // a rapid re-test cannot release a rapid positive
	RuleDateOrder    = "date-order"        // e.g. shipping before the lot existed
)

// ruleErr builds a user-facing rule error. The cause is a *rules.Violation
// carrying only the rule id, so rules.IsRule(err, rule) works across both
// the store's rules and those of package rules, while the message is the
// store's own (it knows the lot, the quantities and what to do).
func ruleErr(rule, zh, en string, args ...any) *Error {
	return errf(CodeRule, &rules.Violation{Rule: rule, Args: map[string]string{}}, zh, en, args...)
}

// rowQuerier is what the read helpers below need; *sql.DB (the reader pool),
// *sql.Tx (inside db.Write, via tx.tx) and *sql.Conn all satisfy it, so a rule
// is evaluated by the same code in CanCertify (read) and IssueCertificate (write).
// rowByID reads the row with the given id through scan; a missing row is a
// not-found error naming what was asked for (zh and en nouns).
func rowByID[T any](ctx context.Context, q rowQuerier, query string, id int64, scan func(interface{ Scan(...any) error }) (T, error), zh, en string) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, errf(CodeNotFound, nil, "%[1]s#%[3]d不存在。", "%[2]s #%[3]d does not exist", zh, en, id)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("read %s %d: %w", en, id, err)
	}
	return v, nil
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// round3 rounds to thousandths: rules.ValidateQuantity admits at most three
// decimals, so every balance is exact at that precision and float noise from
// SUM() must not decide a mass-balance check.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// lotRow is the state of a lot the rules need, read with the store's own
// query so the rules do not depend on how Lot is presented to callers.
type lotRow struct {
	ID               int64
	Code             string
	NationalCode     string
	NationalShort    string
	ProductID        int64
	Source           string
	PlotID           int64
	TransformationID int64
	ProducedOn       string
	Quantity         float64
	Unit             string
	PHIOverride      bool
	Hold             bool
	HoldReason       string
	FromCode         string
	Supplier         string
	Voided           bool
}

const lotRowCols = `id, code, coalesce(national_code,''), coalesce(national_short_code,''), product_id, source,
	coalesce(plot_id,0), coalesce(transformation_id,0), produced_on, quantity, unit, phi_override, hold,
	hold_reason, from_code, supplier, voided`

func scanLotRow(sc interface{ Scan(...any) error }) (lotRow, error) {
	var l lotRow
	var ovr, hold, voided int
	err := sc.Scan(&l.ID, &l.Code, &l.NationalCode, &l.NationalShort, &l.ProductID, &l.Source, &l.PlotID,
		&l.TransformationID, &l.ProducedOn, &l.Quantity, &l.Unit, &ovr, &hold, &l.HoldReason, &l.FromCode,
		&l.Supplier, &voided)
	l.PHIOverride, l.Hold, l.Voided = ovr != 0, hold != 0, voided != 0
	return l, err
}

func errNoLot(what any) error {
	return errf(CodeNotFound, nil, "找不到批次“%v”，请核对追溯码或重新扫码。", "no lot %q was found; check the trace code or scan it again", what)
}

func loadLotRow(ctx context.Context, q rowQuerier, id int64) (lotRow, error) {
	l, err := scanLotRow(q.QueryRowContext(ctx, "SELECT "+lotRowCols+" FROM lots WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return lotRow{}, errNoLot(fmt.Sprintf("#%d", id))
	}
	if err != nil {
		return lotRow{}, fmt.Errorf("read lot %d: %w", id, err)
	}
	return l, nil
}

// normalizeCode is how a typed or scanned code is compared: full-width forms
// folded, letters upper-cased and every space removed (codes contain none,
// but people group digits when they type a short code from a label).
func normalizeCode(s string) string {
	return strings.Join(strings.Fields(rules.NormalizeID(s)), "")
}

// findLotID resolves a local code, a national long code or a national short
// code to a lot id. The three columns are UNIQUE (indexed), so this is three
// index probes whatever the number of lots.
func findLotID(ctx context.Context, q rowQuerier, code string) (int64, error) {
	norm := normalizeCode(code)
	raw := strings.TrimSpace(code)
	if norm == "" {
		return 0, errf(CodeInvalid, nil, "请输入或扫描批次追溯码。", "enter or scan a lot's trace code")
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM lots WHERE code IN (?1, ?2)
		UNION ALL SELECT id FROM lots WHERE national_code IN (?1, ?2)
		UNION ALL SELECT id FROM lots WHERE national_short_code IN (?1, ?2) LIMIT 1`, norm, raw).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNoLot(raw)
	}
	if err != nil {
		return 0, fmt.Errorf("find lot %q: %w", raw, err)
	}
	return id, nil
}

// LotByCode finds a lot by what a user scans or types: its local code (case
// and spaces ignored), its national long code or its national short code.
// Voided lots are found too (a trace must still explain them).
func (db *DB) LotByCode(ctx context.Context, code string) (Lot, error) {
	id, err := findLotID(ctx, db.r, code)
	if err != nil {
		return Lot{}, err
	}
	return db.LotByID(ctx, id)
}

// LotByID returns one lot.
func (db *DB) LotByID(ctx context.Context, id int64) (Lot, error) {
	l, err := scanLot(db.r.QueryRowContext(ctx, "SELECT "+lotCols+" FROM lots WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Lot{}, errNoLot(fmt.Sprintf("#%d", id))
	}
	if err != nil {
		return Lot{}, fmt.Errorf("read lot %d: %w", id, err)
	}
	return l, nil
}

// LotQuery filters ListLots/CountLots. Search matches the local, national and
// upstream codes and the supplier.
type LotQuery struct {
	ListQuery
	ProductID int64     // 0: any product
	OnHold    *bool     // nil: either
	Source    string    // "", "harvest", "transform" or "receipt"
	From, To  time.Time // produced_on range, zero: open
}

func (q LotQuery) where() (string, []any) {
	var extra []string
	var args []any
	if q.ProductID != 0 {
		extra, args = append(extra, "product_id = ?"), append(args, q.ProductID)
	}
	if q.OnHold != nil {
		extra, args = append(extra, "hold = ?"), append(args, boolInt(*q.OnHold))
	}
	if q.Source != "" {
		extra, args = append(extra, "source = ?"), append(args, q.Source)
	}
	if !q.From.IsZero() {
		extra, args = append(extra, "produced_on >= ?"), append(args, formatDay(asDay(q.From)))
	}
	if !q.To.IsZero() {
		extra, args = append(extra, "produced_on <= ?"), append(args, formatDay(asDay(q.To)))
	}
	return q.listWhere("voided", []string{"code", "national_code", "national_short_code", "from_code", "supplier"}, sqlCond{conds: extra, args: args})
}

// ListLots returns one page of lots, newest first.
func (db *DB) ListLots(ctx context.Context, q LotQuery) ([]Lot, error) {
	where, args := q.where()
	limit, offset := q.page()
	rows, err := db.r.QueryContext(ctx, "SELECT "+lotCols+" FROM lots"+where+" ORDER BY id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	defer rows.Close()
	var out []Lot
	for rows.Next() {
		l, err := scanLot(rows)
		if err != nil {
			return nil, fmt.Errorf("list lots: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// CountLots counts the lots ListLots would page through.
func (db *DB) CountLots(ctx context.Context, q LotQuery) (int, error) {
	where, args := q.where()
	return db.countRows(ctx, "SELECT count(*) FROM lots"+where, args)
}

// Balance is where a lot's quantity went, in the lot's unit, counting only
// records that are not voided. Available = Quantity − Shipped −
// TransformedOut − Disposed; Certified is what non-void 合格证 cover (it does
// not reduce Available: a certificate travels with the goods).
type Balance struct {
	Quantity, Shipped, TransformedOut, Disposed, Certified, Available float64
}

func lotBalance(ctx context.Context, q rowQuerier, lotID int64) (Balance, error) {
	var b Balance
	var voided int
	err := q.QueryRowContext(ctx, `SELECT l.quantity, l.voided,
		(SELECT coalesce(sum(quantity),0) FROM shipments WHERE lot_id = l.id AND voided = 0),
		(SELECT coalesce(sum(ti.quantity),0) FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id
			WHERE ti.lot_id = l.id AND t.voided = 0),
		(SELECT coalesce(sum(quantity),0) FROM disposals WHERE lot_id = l.id AND voided = 0),
		(SELECT coalesce(sum(quantity),0) FROM certificates WHERE lot_id = l.id AND voided = 0)
		FROM lots l WHERE l.id = ?`, lotID).Scan(&b.Quantity, &voided, &b.Shipped, &b.TransformedOut, &b.Disposed, &b.Certified)
	if errors.Is(err, sql.ErrNoRows) {
		return Balance{}, errNoLot(fmt.Sprintf("#%d", lotID))
	}
	if err != nil {
		return Balance{}, fmt.Errorf("lot balance %d: %w", lotID, err)
	}
	b.Shipped, b.TransformedOut, b.Disposed, b.Certified = round3(b.Shipped), round3(b.TransformedOut), round3(b.Disposed), round3(b.Certified)
	b.Available = round3(b.Quantity - b.Shipped - b.TransformedOut - b.Disposed)
	if voided != 0 {
		b.Available = 0
	}
	return b, nil
}

// Balance returns where lot lotID's quantity went.
func (db *DB) Balance(ctx context.Context, lotID int64) (Balance, error) {
	return lotBalance(ctx, db.r, lotID)
}

// checkMovable refuses to move (ship, transform, dispose) out of a lot that is
// voided, or (unless allowHeld) on hold, or more than it has left.
func checkMovable(ctx context.Context, q rowQuerier, l lotRow, qty float64, unit, action string, allowHeld bool) error {
	if l.Voided {
		return ruleErr(RuleLotVoided, "批次%[1]s已作废，不能%[2]s。", "lot %[1]s was voided; you cannot %[3]s it", l.Code, actionZh[action], action)
	}
	if l.Hold && !allowHeld {
		return holdErr(l, action)
	}
	if unit != "" && unit != l.Unit {
		return ruleErr(RuleUnitMismatch, "数量单位“%s”与批次%s的单位“%s”不一致，请按批次单位填写。", "the unit %q differs from lot %s's unit %q; enter the quantity in the lot's unit", unit, l.Code, l.Unit)
	}
	if err := rules.ValidateQuantity(qty); err != nil {
		return err
	}
	b, err := lotBalance(ctx, q, l.ID)
	if err != nil {
		return err
	}
	if round3(qty) > b.Available {
		return ruleErr(RuleMassBalance, "违反物料平衡规则：批次%[1]s可用数量只有%[2]s%[3]s（已发货%[4]s、已加工%[5]s、已处置%[6]s），不能%[7]s%[8]s%[3]s；请核对数量。",
			"mass-balance rule: lot %[1]s has only %[2]s %[3]s available (shipped %[4]s, processed %[5]s, disposed %[6]s), so you cannot %[9]s %[8]s %[3]s; check the quantity",
			l.Code, fmtQty(b.Available), l.Unit, fmtQty(b.Shipped), fmtQty(b.TransformedOut), fmtQty(b.Disposed), actionZh[action], fmtQty(qty), action)
	}
	return nil
}

var actionZh = map[string]string{"ship": "发货", "transform": "加工", "dispose": "处置", "certify": "开具合格证", "print": "打印"}

func holdErr(l lotRow, action string) error {
	return ruleErr(RuleLotOnHold, "违反扣留规则：批次%[1]s因检测不合格被扣留（%[2]s），不能%[3]s；请按规定复检或处置后再操作。",
		"hold rule: lot %[1]s is on hold after a failed test (%[2]s), so you cannot %[4]s it; have it re-tested as required or dispose of it first",
		l.Code, l.HoldReason, actionZh[action], action)
}

func fmtQty(q float64) string { return fmt.Sprintf("%g", round3(q)) }

// lotPHIApps returns the pesticide applications that bear on lot's PHI: for a
// harvest lot, its plot's non-void applications up to the harvest day; for a
// transformed lot, those of every harvest lot it was made from (walked back
// through non-void transformations, cycle-safe, at most 50 levels). A harvest
// lot recorded with an admin PHI override contributes nothing: the override
// carries to everything made from it. Received lots have no plot here.
func lotPHIApps(ctx context.Context, q rowQuerier, lotID int64) ([]rules.Application, error) {
	var apps []rules.Application
	seen := map[int64]bool{lotID: true}
	frontier := []int64{lotID}
	for depth := 0; len(frontier) > 0 && depth <= maxTraceDepth; depth++ {
		var next []int64
		for _, id := range frontier {
			l, err := loadLotRow(ctx, q, id)
			if err != nil {
				return nil, err
			}
			switch {
			case l.Source == "harvest" && l.PlotID != 0 && !l.PHIOverride:
				a, err := plotApps(ctx, q, l.PlotID, l.ProducedOn)
				if err != nil {
					return nil, err
				}
				apps = append(apps, a...)
			case l.Source == "transform" && l.TransformationID != 0:
				ins, err := transformationInputLots(ctx, q, l.TransformationID)
				if err != nil {
					return nil, err
				}
				for _, in := range ins {
					if !seen[in] {
						seen[in] = true
						next = append(next, in)
					}
				}
			}
		}
		frontier = next
	}
	return apps, nil
}

func plotApps(ctx context.Context, q rowQuerier, plotID int64, upTo string) ([]rules.Application, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.applied_on, m.phi_days FROM applications a JOIN materials m ON m.id = a.material_id
		WHERE a.plot_id = ? AND a.voided = 0 AND a.applied_on <= ? AND m.phi_days > 0`, plotID, upTo)
	if err != nil {
		return nil, fmt.Errorf("plot applications: %w", err)
	}
	defer rows.Close()
	var out []rules.Application
	for rows.Next() {
		var d string
		var phi int
		if err := rows.Scan(&d, &phi); err != nil {
			return nil, err
		}
		t, err := parseDay(d)
		if err != nil {
			return nil, fmt.Errorf("application date %q: %w", d, err)
		}
		out = append(out, rules.Application{Date: t, PHIDays: phi})
	}
	return out, rows.Err()
}

func transformationInputLots(ctx context.Context, q rowQuerier, tid int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT ti.lot_id FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id
		WHERE ti.transformation_id = ? AND t.voided = 0 ORDER BY ti.id`, tid)
	if err != nil {
		return nil, fmt.Errorf("transformation inputs: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// checkLotPHI refuses action (ship, certify) on day `on` while any
// application behind the lot is inside its 安全间隔期.
func checkLotPHI(ctx context.Context, q rowQuerier, l lotRow, on time.Time, action string) error {
	apps, err := lotPHIApps(ctx, q, l.ID)
	if err != nil || len(apps) == 0 {
		return err
	}
	err = rules.CheckPHI(apps, asDay(on))
	var v *rules.Violation
	if !errors.As(err, &v) {
		return err
	}
	if v.Rule != rules.RulePHIWindow {
		return err
	}
	return errf(CodeRule, v, "违反安全间隔期规则：批次%[1]s所用农药于%[2]s施用，安全间隔期%[3]s天，最早%[4]s才可%[5]s，%[6]s过早；请到期后再操作，或由管理员说明理由后放行。",
		"pre-harvest interval rule: a pesticide behind lot %[1]s was applied on %[2]s with a %[3]s-day interval, so the earliest day to %[7]s it is %[4]s and %[6]s is too early; wait, or have an administrator override with a reason",
		l.Code, v.Args["applied"], v.Args["phi_days"], v.Args["earliest"], actionZh[action], formatDay(asDay(on)), action)
}

// SetNationalCodes stores the national long and short codes the platform
// assigned to a lot (domain.md §0.2: never minted offline). An empty argument
// leaves that code as it is. Setting a code the first time needs no reason;
// changing one already set does (the old value stays in the journal).
// Allowed for roles that sync (PermSyncAdmin) or label goods (PermCertify),
// since codes are often copied by hand from the platform's web page.
func (db *DB) SetNationalCodes(ctx context.Context, actor Actor, lotID int64, long, short, reason string) error {
	long, short = strings.TrimSpace(long), normalizeCode(short)
	if long == "" && short == "" {
		return errf(CodeInvalid, nil, "请填写国家追溯平台分配的追溯码。", "enter the code the national platform assigned")
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		if !actor.Role.Can(PermSyncAdmin) && !actor.Role.Can(PermCertify) {
			return actor.Require(PermSyncAdmin)
		}
		l, err := loadLotRow(ctx, tx.tx, lotID)
		if err != nil {
			return err
		}
		changed := false
		newLong, newShort := l.NationalCode, l.NationalShort
		if long != "" && long != l.NationalCode {
			changed, newLong = changed || l.NationalCode != "", long
		}
		if short != "" && short != l.NationalShort {
			changed, newShort = changed || l.NationalShort != "", short
		}
		if newLong == l.NationalCode && newShort == l.NationalShort {
			return nil
		}
		if changed && strings.TrimSpace(reason) == "" {
			return errReasonRequired()
		}
		if _, err := tx.Exec(ctx, "UPDATE lots SET national_code = ?, national_short_code = ? WHERE id = ?",
			nullStr(newLong), nullStr(newShort), lotID); err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return errf(CodeConflict, err, "该国家追溯码已属于另一个批次，请核对后重新输入。", "that national code already belongs to another lot; check it and enter it again")
			}
			return fmt.Errorf("set national codes: %w", err)
		}
		_, err = tx.Record(ctx, "lots", lotID, "lots.national_code", strings.TrimSpace(reason))
		return err
	})
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// requireOwnOrCorrect lets a user void their own record with perm, and
// anyone with PermCorrect void anybody's.
func requireOwnOrCorrect(ctx context.Context, tx *Tx, actor Actor, perm Perm, table string, id int64) error {
	if actor.Role.Can(PermCorrect) {
		return nil
	}
	if err := actor.Require(perm); err != nil {
		return err
	}
	var creator string
	err := tx.QueryRow(ctx, "SELECT actor FROM journal WHERE ref = ? ORDER BY seq LIMIT 1", fmt.Sprintf("%s:%d", table, id)).Scan(&creator)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if creator != actor.Username {
		return errf(CodeForbidden, nil, "只能作废自己录入的记录；他人的记录请由管理员作废。", "you can only void records you entered yourself; ask an administrator to void someone else's")
	}
	return nil
}

// recordDay turns a caller's date into the stored day: zero means today at
// the site; a day after today is refused (records describe what happened).
func recordDay(tx *Tx, t time.Time) (time.Time, error) {
	today := siteToday(tx.Now)
	if t.IsZero() {
		return today, nil
	}
	d := asDay(t)
	if d.After(today) {
		return time.Time{}, errf(CodeInvalid, nil, "日期%s晚于今天，请填写实际发生的日期。", "the date %s is after today; enter the day it actually happened", formatDay(d))
	}
	return d, nil
}
