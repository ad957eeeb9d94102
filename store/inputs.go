package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"suyuan/store/rules"
)

// ---------------------------------------------------------------------------
// Purchases (投入品采购, 条例 Art. 26–27 台账)

// Purchase is one input purchase: which material, from whom, which batch.
type Purchase struct {
	ID           int64
	MaterialID   int64
	MaterialName string // read only
	PurchasedOn  time.Time
	Supplier     string
	BatchNo      string
	Quantity     float64
	Unit         string
	Voided       bool
}

const purchaseCols = "pu.id,pu.material_id,m.name,pu.purchased_on,pu.supplier,pu.batch_no,pu.quantity,pu.unit,pu.voided"
const purchaseFrom = " FROM purchases pu JOIN materials m ON m.id = pu.material_id"

func scanPurchase(sc interface{ Scan(...any) error }) (Purchase, error) {
	var p Purchase
	var on string
	var voided int
	if err := sc.Scan(&p.ID, &p.MaterialID, &p.MaterialName, &on, &p.Supplier, &p.BatchNo, &p.Quantity, &p.Unit, &voided); err != nil {
		return p, err
	}
	p.Voided = voided != 0
	var err error
	p.PurchasedOn, err = parseDay(on)
	return p, err
}

const materialQuery = "SELECT " + materialCols + " FROM materials WHERE id=?"

func (tx *Tx) material(ctx context.Context, id int64) (Material, error) {
	return scanMaterialByID(tx.queryRowCached(ctx, materialQuery, id), id)
}

func scanMaterialByID(row rowScanner, id int64) (Material, error) {
	m, err := scanMaterial(row)
	if err != nil {
		return m, notFoundOr(err, "投入品", "input", id)
	}
	return m, nil
}

func validatePurchase(supplier, unit string, qty float64, on, today time.Time) error {
	if err := validatePastDate(on, today, "采购日期", "purchase date"); err != nil {
		return err
	}
	if supplier == "" {
		return errRequired("供货单位或来源", "supplier or source")
	}
	if err := rules.ValidateQuantity(qty); err != nil {
		return err
	}
	if unit == "" {
		return errRequired("数量单位", "quantity unit")
	}
	return nil
}

// AddPurchase records the purchase of an active material. A pesticide banned
// on the purchase date is refused: buying it is already an offence.
func (db *DB) AddPurchase(ctx context.Context, actor Actor, p Purchase) (Purchase, error) {
	p.Supplier, p.BatchNo, p.Unit, p.Voided = strings.TrimSpace(p.Supplier), strings.TrimSpace(p.BatchNo), strings.TrimSpace(p.Unit), false
	p.PurchasedOn = asDayOrZero(p.PurchasedOn)
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermInputs); err != nil {
			return err
		}
		if err := validatePurchase(p.Supplier, p.Unit, p.Quantity, p.PurchasedOn, siteToday(tx.Now)); err != nil {
			return err
		}
		m, err := tx.material(ctx, p.MaterialID)
		if err != nil {
			return err
		}
		if m.Retired {
			return errRetired("投入品", "input", m.Name)
		}
		if m.Kind == MaterialPesticide {
			if err := bannedOnly(db.PesticideList()).Check(m.ActiveIngredients, rules.CropInfo{Category: "其他"}, m.Toxicity, p.PurchasedOn); err != nil && !rules.IsRule(err, rules.RulePesticideList) {
				return err
			}
		}
		p.MaterialName = m.Name
		id, err := tx.insertJournaled(ctx, "purchases",
			"INSERT INTO purchases(material_id,purchased_on,supplier,batch_no,quantity,unit,jseq) VALUES(?,?,?,?,?,?,0)",
			p.MaterialID, formatDay(p.PurchasedOn), p.Supplier, p.BatchNo, p.Quantity, p.Unit)
		p.ID = id
		return err
	})
	if err != nil {
		return Purchase{}, err
	}
	return p, nil
}

var purchaseSearch = []string{"m.name", "pu.supplier", "pu.batch_no"}

// ListPurchases pages purchases (of one material when materialID is not 0), newest first.
func (db *DB) ListPurchases(ctx context.Context, q ListQuery, materialID int64) ([]Purchase, error) {
	where, args := q.listWhere("pu.voided", purchaseSearch, idFilter("pu.material_id", materialID))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+purchaseCols+purchaseFrom+where+" ORDER BY pu.purchased_on DESC, pu.id DESC LIMIT ? OFFSET ?", append(args, lim, off), scanPurchase)
}

// CountPurchases counts what ListPurchases pages through.
func (db *DB) CountPurchases(ctx context.Context, q ListQuery, materialID int64) (int, error) {
	where, args := q.listWhere("pu.voided", purchaseSearch, idFilter("pu.material_id", materialID))
	return db.countRows(ctx, "SELECT count(*)"+purchaseFrom+where, args)
}

// GetPurchase returns one purchase.
func (db *DB) GetPurchase(ctx context.Context, id int64) (Purchase, error) {
	return getOne(ctx, db, "purchases", "SELECT "+purchaseCols+purchaseFrom+" WHERE pu.id=?", id, scanPurchase)
}

// ---------------------------------------------------------------------------
// Applications (用药施肥)

// ApplicationInput is one 用药施肥 record as entered. Crop defaults to the
// plot's crop; AreaMu 0 means not given.
type ApplicationInput struct {
	Date       time.Time
	PlotID     int64
	Crop       string
	MaterialID int64
	Dose       float64
	DoseUnit   string
	AreaMu     float64
	Method     string
	Target     string // 防治对象 (pest or disease) or purpose
	Operator   string
	Notes      string
}

// Application is a stored 用药施肥 record with the names the lists show.
type Application struct {
	ID           int64
	Date         time.Time
	PlotID       int64
	PlotName     string // read only
	Crop         string
	MaterialID   int64
	MaterialName string // read only
	MaterialKind string // read only
	PHIDays      int    // read only: the material's label interval (0 for non-pesticides)
	Dose         float64
	DoseUnit     string
	AreaMu       float64
	Method       string
	Target       string
	Operator     string
	Notes        string
	Voided       bool
}

const applicationCols = "a.id,a.applied_on,a.plot_id,p.name,a.crop,a.material_id,m.name,m.kind,coalesce(m.phi_days,0),a.dose,a.dose_unit,a.area_mu,a.method,a.target,a.operator,a.notes,a.voided"
const applicationFrom = " FROM applications a JOIN plots p ON p.id = a.plot_id JOIN materials m ON m.id = a.material_id"

func scanApplication(sc interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var on string
	var area sql.NullFloat64
	var voided int
	if err := sc.Scan(&a.ID, &on, &a.PlotID, &a.PlotName, &a.Crop, &a.MaterialID, &a.MaterialName, &a.MaterialKind, &a.PHIDays,
		&a.Dose, &a.DoseUnit, &area, &a.Method, &a.Target, &a.Operator, &a.Notes, &voided); err != nil {
		return a, err
	}
	a.AreaMu, a.Voided = area.Float64, voided != 0
	var err error
	a.Date, err = parseDay(on)
	return a, err
}

// plotRow is what the input and harvest rules need to know about a plot.
type plotRow struct {
	name, crop, category string
	retired              bool
}

const plotQuery = "SELECT name, crop, crop_category, retired FROM plots WHERE id=?"

func (tx *Tx) plot(ctx context.Context, id int64) (plotRow, error) {
	return scanPlotRow(tx.queryRowCached(ctx, plotQuery, id), id)
}

func scanPlotRow(row rowScanner, id int64) (plotRow, error) {
	var p plotRow
	var retired int
	if err := row.Scan(&p.name, &p.crop, &p.category, &retired); err != nil {
		return p, notFoundOr(err, "地块", "plot", id)
	}
	p.retired = retired != 0
	return p, nil
}

// checkApplication applies every rule an application must pass, as of the
// application date: plot and material active, a past date, a valid dose, and
// for pesticides the banned, crop-banned and 剧毒/高毒 gates on the plot's crop
// category. It is shared by AddApplication and corrections.
//
// A correction of an existing record passes allowRetired: retiring a plot or
// a material later must not freeze the typos in its past records.
func checkApplication(ctx context.Context, tx *Tx, in ApplicationInput, list *rules.PesticideList, allowRetired bool) (plotRow, Material, error) {
	return applicationRules{
		today: siteToday(tx.Now),
		plot:  func(id int64) (plotRow, error) { return tx.plot(ctx, id) },
		material: func(id int64) (Material, error) {
			return tx.material(ctx, id)
		},
		pesticide: memoCheck(list),
	}.check(in, allowRetired)
}

// checkKey is what a pesticide list check depends on besides the list.
type checkKey struct {
	ings, category, crop, toxicity string
	day                            int64
}

// checkMemo remembers a list's answers: Check is a pure function of the
// list (which callers must not modify) and its arguments, and a site asks
// it the same few questions all day (the same products on the same crops).
type checkMemo struct {
	mu sync.Mutex
	m  map[checkKey]error
}

// maxCheckMemo bounds one list's memo; a full memo starts over.
const maxCheckMemo = 4096

var checkMemos sync.Map // *rules.PesticideList -> *checkMemo

// memoCheck is list.Check with its answers remembered per list.
func memoCheck(list *rules.PesticideList) func(ings []string, crop rules.CropInfo, toxicity string, on time.Time) error {
	v, _ := checkMemos.LoadOrStore(list, &checkMemo{})
	memo := v.(*checkMemo)
	return func(ings []string, crop rules.CropInfo, toxicity string, on time.Time) error {
		k := checkKey{strings.Join(ings, "\x00"), crop.Category, crop.Crop, toxicity, on.Unix()}
		memo.mu.Lock()
		err, ok := memo.m[k]
		memo.mu.Unlock()
		if ok {
			return err
		}
		err = list.Check(ings, crop, toxicity, on)
		memo.mu.Lock()
		if memo.m == nil || len(memo.m) >= maxCheckMemo {
			memo.m = map[checkKey]error{}
		}
		memo.m[k] = err
		memo.mu.Unlock()
		return err
	}
}

// applicationRules is checkApplication with its lookups supplied: the one
// definition of the rules, used by single writes (lookups in the write
// transaction) and by bulk writes and checks (lookups memoised per call).
type applicationRules struct {
	today     time.Time
	plot      func(id int64) (plotRow, error)
	material  func(id int64) (Material, error)
	pesticide func(ingredients []string, crop rules.CropInfo, toxicity string, on time.Time) error
}

func (r applicationRules) check(in ApplicationInput, allowRetired bool) (plotRow, Material, error) {
	if err := validatePastDate(in.Date, r.today, "施用日期", "application date"); err != nil {
		return plotRow{}, Material{}, err
	}
	p, err := r.plot(in.PlotID)
	if err != nil {
		return p, Material{}, err
	}
	if p.retired && !allowRetired {
		return p, Material{}, errRetired("地块", "plot", p.name)
	}
	m, err := r.material(in.MaterialID)
	if err != nil {
		return p, m, err
	}
	if m.Retired && !allowRetired {
		return p, m, errRetired("投入品", "input", m.Name)
	}
	if in.Crop == "" {
		return p, m, errRequired("作物（地块未设置作物时需手动填写）", "crop (the plot has no crop set)")
	}
	if err := rules.ValidateQuantity(in.Dose); err != nil {
		return p, m, err
	}
	if in.DoseUnit == "" {
		return p, m, errRequired("用量单位", "dose unit")
	}
	if err := validateArea(in.AreaMu); err != nil {
		return p, m, err
	}
	if m.Kind == MaterialPesticide {
		if err := r.pesticide(m.ActiveIngredients, rules.CropInfo{Category: p.category, Crop: in.Crop}, m.Toxicity, in.Date); err != nil {
			return p, m, err
		}
	}
	return p, m, nil
}

// memoRules are applicationRules for many rows at once: each plot and
// material is read once per call (in its transaction or snapshot), and the
// pesticide list check is remembered (memoCheck).
func memoRules(today time.Time, list *rules.PesticideList,
	plot func(id int64) (plotRow, error), material func(id int64) (Material, error)) applicationRules {
	type res[T any] struct {
		v   T
		err error
	}
	plots := map[int64]res[plotRow]{}
	mats := map[int64]res[Material]{}
	return applicationRules{
		today: today,
		plot: func(id int64) (plotRow, error) {
			r, ok := plots[id]
			if !ok {
				r.v, r.err = plot(id)
				plots[id] = r
			}
			return r.v, r.err
		},
		material: func(id int64) (Material, error) {
			r, ok := mats[id]
			if !ok {
				r.v, r.err = material(id)
				mats[id] = r
			}
			return r.v, r.err
		},
		pesticide: memoCheck(list),
	}
}

// RowsError is a bulk write's refusal: Errs[i] is the error of input i (nil
// for a row without problems). Nothing was written.
type RowsError struct {
	Errs []error
}

func (e *RowsError) first() (int, error) {
	for i, err := range e.Errs {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}

func (e *RowsError) count() int {
	n := 0
	for _, err := range e.Errs {
		if err != nil {
			n++
		}
	}
	return n
}

func (e *RowsError) Error() string {
	i, err := e.first()
	return fmt.Sprintf("%d of %d rows refused, nothing written; first (row %d): %v", e.count(), len(e.Errs), i+1, err)
}

// UserMessage summarises the refusal; Errs has each row's own message.
func (e *RowsError) UserMessage(lang string) string {
	i, err := e.first()
	msg := err.Error()
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		msg = um.UserMessage(lang)
	}
	if lang == "en" {
		return fmt.Sprintf("%d of %d records were refused and none was saved; the first (record %d): %s", e.count(), len(e.Errs), i+1, msg)
	}
	return fmt.Sprintf("%d 条记录中有 %d 条未通过检查，全部未保存；第一条（第 %d 条）：%s", len(e.Errs), e.count(), i+1, msg)
}

func (in *ApplicationInput) normalize() {
	in.Crop, in.DoseUnit = strings.TrimSpace(in.Crop), strings.TrimSpace(in.DoseUnit)
	in.Method, in.Target = strings.TrimSpace(in.Method), strings.TrimSpace(in.Target)
	in.Operator, in.Notes = strings.TrimSpace(in.Operator), strings.TrimSpace(in.Notes)
	in.Date = asDayOrZero(in.Date)
}

// AddApplication records a 用药施肥 entry. In the same transaction it
// refuses a banned pesticide, one banned on the plot's crop, a 剧毒/高毒 one on
// a restricted crop (all as of the application date, with the list in force),
// a future date and a retired plot or material; the message names the rule.
func (db *DB) AddApplication(ctx context.Context, actor Actor, in ApplicationInput) (Application, error) {
	in.normalize()
	var out Application
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermInputs); err != nil {
			return err
		}
		if in.Crop == "" {
			if p, err := tx.plot(ctx, in.PlotID); err == nil {
				in.Crop = p.crop
			}
		}
		p, m, err := checkApplication(ctx, tx, in, db.PesticideList(), false)
		if err != nil {
			return err
		}
		id, err := tx.insertJournaled(ctx, "applications",
			"INSERT INTO applications(applied_on,plot_id,crop,material_id,dose,dose_unit,area_mu,method,target,operator,notes,jseq) VALUES(?,?,?,?,?,?,?,?,?,?,?,0)",
			formatDay(in.Date), in.PlotID, in.Crop, in.MaterialID, in.Dose, in.DoseUnit, nullFloat(in.AreaMu), in.Method, in.Target, in.Operator, in.Notes)
		if err != nil {
			return err
		}
		out = Application{ID: id, Date: in.Date, PlotID: in.PlotID, PlotName: p.name, Crop: in.Crop, MaterialID: in.MaterialID,
			MaterialName: m.Name, MaterialKind: m.Kind, Dose: in.Dose, DoseUnit: in.DoseUnit, AreaMu: in.AreaMu,
			Method: in.Method, Target: in.Target, Operator: in.Operator, Notes: in.Notes}
		if m.PHIDays != nil {
			out.PHIDays = *m.PHIDays
		}
		return nil
	})
	return out, err
}

// CheckApplications runs every rule AddApplication applies to each input,
// against one read-only snapshot of the store, without taking the write
// lock: an import checks a whole file this way before it writes. It returns
// a *RowsError naming each refused input, or nil. The rules run again, in the
// write transaction, when the rows are written (AddApplications).
func (db *DB) CheckApplications(ctx context.Context, actor Actor, ins []ApplicationInput) error {
	if err := actor.Require(PermInputs); err != nil {
		return err
	}
	rtx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("check applications: %w", err)
	}
	defer rtx.Rollback()
	plotQ, err := rtx.PrepareContext(ctx, plotQuery)
	if err != nil {
		return fmt.Errorf("check applications: %w", err)
	}
	matQ, err := rtx.PrepareContext(ctx, materialQuery)
	if err != nil {
		return fmt.Errorf("check applications: %w", err)
	}
	r := memoRules(siteToday(db.Now().UTC()), db.PesticideList(),
		func(id int64) (plotRow, error) { return scanPlotRow(plotQ.QueryRowContext(ctx, id), id) },
		func(id int64) (Material, error) { return scanMaterialByID(matQ.QueryRowContext(ctx, id), id) })
	_, err = r.checkAll(ins)
	return err
}

// checkAll normalizes each input (the plot's crop fills an empty crop) and
// runs check on it. It returns the normalized inputs, or a *RowsError naming
// each refused input, or the first error that is not a refusal.
func (r applicationRules) checkAll(ins []ApplicationInput) ([]ApplicationInput, error) {
	norm := make([]ApplicationInput, len(ins))
	errs := make([]error, len(ins))
	bad := false
	for i, in := range ins {
		in.normalize()
		if in.Crop == "" {
			if p, err := r.plot(in.PlotID); err == nil {
				in.Crop = p.crop
			}
		}
		if _, _, err := r.check(in, false); err != nil {
			if !isRefusal(err) {
				return nil, err
			}
			errs[i], bad = err, true
		}
		norm[i] = in
	}
	if bad {
		return nil, &RowsError{Errs: errs}
	}
	return norm, nil
}

// AddApplications records many 用药施肥 entries in one write, all or none:
// every input passes the rules AddApplication applies, in the write
// transaction, or nothing is written and a *RowsError names each refused
// input. Inside Batch it joins the batch's transaction. Each record gets its
// own journal entry, as if written by AddApplication one by one; what makes
// it fast is that each plot and material is read once, the pesticide list
// is consulted once per distinct (material, crop, date), every statement is
// prepared once, and the chain head is carried from row to row.
//
// Each of with runs first in the same transaction: writes that must land
// with the rows or not at all (an import records its file's hash this way).
func (db *DB) AddApplications(ctx context.Context, actor Actor, ins []ApplicationInput, with ...func(tx *Tx) error) ([]int64, error) {
	var ids []int64
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := tx.Actor.Require(PermInputs); err != nil {
			return err
		}
		for _, fn := range with {
			if err := fn(tx); err != nil {
				return err
			}
		}
		r := memoRules(siteToday(tx.Now), db.PesticideList(),
			func(id int64) (plotRow, error) { return tx.plot(ctx, id) },
			func(id int64) (Material, error) { return tx.material(ctx, id) })
		norm, err := r.checkAll(ins)
		if err != nil {
			return err
		}
		vals := make([][]any, len(norm))
		for i, in := range norm {
			vals[i] = []any{formatDay(in.Date), in.PlotID, in.Crop, in.MaterialID, in.Dose, in.DoseUnit, nullFloat(in.AreaMu), in.Method, in.Target, in.Operator, in.Notes}
		}
		ids, err = tx.insertJournaledBulk(ctx, "applications", applicationInsertCols, vals)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

var applicationInsertCols = []string{"applied_on", "plot_id", "crop", "material_id", "dose", "dose_unit", "area_mu", "method", "target", "operator", "notes"}

// LastApplication returns the latest non-voided application on a plot, so
// the form can offer "same as last time". Not-found when there is none.
func (db *DB) LastApplication(ctx context.Context, plotID int64) (Application, error) {
	a, err := scanApplication(db.r.QueryRowContext(ctx, "SELECT "+applicationCols+applicationFrom+
		" WHERE a.plot_id = ? AND a.voided = 0 ORDER BY a.applied_on DESC, a.id DESC LIMIT 1", plotID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errf(CodeNotFound, nil, "该地块还没有用药施肥记录。", "this plot has no application records yet")
	}
	return a, err
}

var applicationSearch = []string{"m.name", "p.name", "a.crop", "a.target", "a.operator", "a.notes"}

// ListApplications pages applications (of one plot when plotID is not 0),
// newest first.
func (db *DB) ListApplications(ctx context.Context, q ListQuery, plotID int64) ([]Application, error) {
	where, args := q.listWhere("a.voided", applicationSearch, idFilter("a.plot_id", plotID))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+applicationCols+applicationFrom+where+" ORDER BY a.applied_on DESC, a.id DESC LIMIT ? OFFSET ?", append(args, lim, off), scanApplication)
}

// CountApplications counts what ListApplications pages through.
func (db *DB) CountApplications(ctx context.Context, q ListQuery, plotID int64) (int, error) {
	where, args := q.listWhere("a.voided", applicationSearch, idFilter("a.plot_id", plotID))
	return db.countRows(ctx, "SELECT count(*)"+applicationFrom+where, args)
}

// GetApplication returns one application.
func (db *DB) GetApplication(ctx context.Context, id int64) (Application, error) {
	return getOne(ctx, db, "applications", "SELECT "+applicationCols+applicationFrom+" WHERE a.id=?", id, scanApplication)
}

// phiApplications returns the non-voided pesticide applications on a plot up
// to and including day, as the PHI rule sees them.
func phiApplications(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, plotID int64, day time.Time) ([]rules.Application, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.applied_on, coalesce(m.phi_days, 0) FROM applications a JOIN materials m ON m.id = a.material_id
		WHERE a.plot_id = ? AND a.voided = 0 AND m.kind = 'pesticide' AND a.applied_on <= ?`, plotID, formatDay(day))
	if err != nil {
		return nil, fmt.Errorf("phi applications: %w", err)
	}
	defer rows.Close()
	var out []rules.Application
	for rows.Next() {
		var on string
		var phi int
		if err := rows.Scan(&on, &phi); err != nil {
			return nil, err
		}
		d, err := parseDay(on)
		if err != nil {
			return nil, fmt.Errorf("phi applications: %w", err)
		}
		out = append(out, rules.Application{Date: d, PHIDays: phi})
	}
	return out, rows.Err()
}

// isRefusal reports whether err refuses one input (a rule, a missing or
// retired reference, a bad value) rather than failing the whole write.
func isRefusal(err error) bool {
	var v *rules.Violation
	if errors.As(err, &v) {
		return true
	}
	switch ErrorCode(err) {
	case CodeNotFound, CodeInvalid, CodeRule, CodeForbidden, CodeConflict:
		return true
	}
	return false
}
