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

// LotQty is a quantity taken from one lot, in that lot's unit.
type LotQty struct {
	LotID    int64
	Quantity float64
}

// NewLot is one lot a transformation produces. Unit "" means the product's unit.
type NewLot struct {
	ProductID int64
	Quantity  float64
	Unit      string
}

// TransformInput is a 加工/包装/合并/分拆 step: input lots (partly or wholly)
// in, new lots out.
type TransformInput struct {
	Kind    string // processing, packing, merge, split
	Date    time.Time
	Inputs  []LotQty
	Outputs []NewLot
	Notes   string
}

// Transformation is a recorded transformation with the lots it made.
type Transformation struct {
	ID      int64
	Kind    string
	Date    time.Time
	Notes   string
	Inputs  []LotQty
	Outputs []Lot
	Voided  bool
}

var transformKinds = map[string]bool{"processing": true, "packing": true, "merge": true, "split": true}

// Transform records a transformation. Every input lot must be in force, not
// on hold, and have at least the requested quantity available (mass
// balance); the output lots get new local codes, source 'transform' and the
// transformation's id, so a trace can walk from them to the inputs.
func (db *DB) Transform(ctx context.Context, actor Actor, in TransformInput) (Transformation, error) {
	var out Transformation
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermProcess); err != nil {
			return err
		}
		if !transformKinds[in.Kind] {
			return errf(CodeInvalid, nil, "未知的加工类型“%s”，请选择加工、包装、合并或分拆。", "unknown transformation kind %q; choose processing, packing, merge or split", in.Kind)
		}
		if len(in.Inputs) == 0 || len(in.Outputs) == 0 {
			return errf(CodeInvalid, nil, "加工记录至少需要一个投入批次和一个产出批次。", "a transformation needs at least one input lot and one output lot")
		}
		day, err := recordDay(tx, in.Date)
		if err != nil {
			return err
		}
		// The same lot listed twice is checked against its total.
		want := map[int64]float64{}
		var order []int64
		for _, li := range in.Inputs {
			if err := rules.ValidateQuantity(li.Quantity); err != nil {
				return err
			}
			if _, ok := want[li.LotID]; !ok {
				order = append(order, li.LotID)
			}
			want[li.LotID] = round3(want[li.LotID] + li.Quantity)
		}
		for _, id := range order {
			l, err := loadLotRow(ctx, tx.tx, id)
			if err != nil {
				return err
			}
			if err := checkMovable(ctx, tx.tx, l, want[id], "", "transform", false); err != nil {
				return err
			}
			if formatDay(day) < l.ProducedOn {
				return ruleErr(RuleDateOrder, "加工日期%s早于批次%s的生产日期%s，请核对日期。", "the transformation date %s is before lot %s was produced (%s); check the date", formatDay(day), l.Code, l.ProducedOn)
			}
		}
		res, err := tx.Exec(ctx, "INSERT INTO transformations(kind, done_on, notes, jseq) VALUES(?,?,?,0)", in.Kind, formatDay(day), strings.TrimSpace(in.Notes))
		if err != nil {
			return fmt.Errorf("insert transformation: %w", err)
		}
		tid, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "transformations", tid, "transformations.create", ""); err != nil {
			return err
		}
		out = Transformation{ID: tid, Kind: in.Kind, Date: day, Notes: strings.TrimSpace(in.Notes)}
		for _, li := range in.Inputs {
			res, err := tx.Exec(ctx, "INSERT INTO transformation_inputs(transformation_id, lot_id, quantity, jseq) VALUES(?,?,?,0)", tid, li.LotID, round3(li.Quantity))
			if err != nil {
				return fmt.Errorf("insert transformation input: %w", err)
			}
			iid, _ := res.LastInsertId()
			if _, err := tx.Record(ctx, "transformation_inputs", iid, "transformation_inputs.create", ""); err != nil {
				return err
			}
			out.Inputs = append(out.Inputs, LotQty{LotID: li.LotID, Quantity: round3(li.Quantity)})
		}
		for _, o := range in.Outputs {
			unit, err := productUnit(ctx, tx, o.ProductID, o.Unit)
			if err != nil {
				return err
			}
			if err := rules.ValidateQuantity(o.Quantity); err != nil {
				return err
			}
			id, err := insertLot(ctx, tx, day, o.ProductID, "transform", round3(o.Quantity), unit, map[string]any{"transformation_id": tid})
			if err != nil {
				return err
			}
			l, err := scanLot(tx.QueryRow(ctx, "SELECT "+lotCols+" FROM lots WHERE id = ?", id))
			if err != nil {
				return fmt.Errorf("read new lot: %w", err)
			}
			out.Outputs = append(out.Outputs, l)
		}
		return nil
	})
	return out, err
}

// productUnit checks that the product exists and is in use, and returns the
// unit to record (the given one, or the product's).
func productUnit(ctx context.Context, tx *Tx, productID int64, unit string) (string, error) {
	var pu string
	var retired int
	err := tx.QueryRow(ctx, "SELECT unit, retired FROM products WHERE id = ?", productID).Scan(&pu, &retired)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errf(CodeNotFound, nil, "找不到产品#%d，请先在产品列表中添加。", "product #%d does not exist; add it in the product list first", productID)
	}
	if err != nil {
		return "", fmt.Errorf("read product: %w", err)
	}
	if retired != 0 {
		return "", errf(CodeInvalid, nil, "产品#%d已停用，不能再产生新批次。", "product #%d is retired; no new lots can be made of it", productID)
	}
	if u := strings.TrimSpace(unit); u != "" {
		return u, nil
	}
	return pu, nil
}

// insertLot inserts a lot with a fresh local code and journals it.
func insertLot(ctx context.Context, tx *Tx, day time.Time, productID int64, source string, qty float64, unit string, extra map[string]any) (int64, error) {
	code, err := tx.nextLotCode(ctx, day)
	if err != nil {
		return 0, err
	}
	cols := []string{"code", "product_id", "source", "produced_on", "quantity", "unit"}
	args := []any{code, productID, source, formatDay(day), qty, unit}
	for _, c := range []string{"transformation_id", "from_code", "supplier"} {
		if v, ok := extra[c]; ok {
			cols, args = append(cols, c), append(args, v)
		}
	}
	q := "INSERT INTO lots(" + strings.Join(cols, ",") + ",jseq) VALUES(" + strings.Repeat("?,", len(cols)) + "0)"
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("insert lot: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.Record(ctx, "lots", id, "lots.create", ""); err != nil {
		return 0, err
	}
	return id, nil
}

// ShipInput is a sale (一步向后: the buyer). Give LotID or LotCode.
type ShipInput struct {
	LotID     int64
	LotCode   string
	Date      time.Time
	BuyerName string
	BuyerCode string // the buyer's 主体码 when registered
	BuyerType string // registered (流通) or market (入市)
	Quantity  float64
	Unit      string // "" means the lot's unit
	// OverrideReason, when not empty, lets an administrator (PermOverride)
	// ship inside the PHI window; the reason is journaled with the shipment.
	OverrideReason string
}

// Shipment is a recorded sale.
type Shipment struct {
	ID        int64
	LotID     int64
	LotCode   string
	Date      time.Time
	BuyerName string
	BuyerCode string
	BuyerType string
	Quantity  float64
	Unit      string
	ToCode    string
	Voided    bool
}

// Ship records a sale out of a lot. It refuses a voided lot, a lot on hold, a
// lot inside its PHI window (the lot's plot PHI as of the ship date; a
// harvest recorded with an admin PHI override carries it; an administrator
// may override here with a reason), a date before the lot existed, and more
// than the lot has available.
func (db *DB) Ship(ctx context.Context, actor Actor, in ShipInput) (Shipment, error) {
	var out Shipment
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermShip); err != nil {
			return err
		}
		id := in.LotID
		if id == 0 {
			var err error
			if id, err = findLotID(ctx, tx.tx, in.LotCode); err != nil {
				return err
			}
		}
		l, err := loadLotRow(ctx, tx.tx, id)
		if err != nil {
			return err
		}
		name := strings.TrimSpace(in.BuyerName)
		if name == "" {
			return errf(CodeInvalid, nil, "请填写购买方名称。", "enter the buyer's name")
		}
		if in.BuyerType != "registered" && in.BuyerType != "market" {
			return errf(CodeInvalid, nil, "请选择购买方类型：已注册主体（流通）或市场/未注册（入市）。", "choose the buyer type: registered (流通) or market/unregistered (入市)")
		}
		day, err := recordDay(tx, in.Date)
		if err != nil {
			return err
		}
		if err := checkMovable(ctx, tx.tx, l, in.Quantity, strings.TrimSpace(in.Unit), "ship", false); err != nil {
			return err
		}
		if formatDay(day) < l.ProducedOn {
			return ruleErr(RuleDateOrder, "发货日期%s早于批次%s的生产日期%s，请核对日期。", "the ship date %s is before lot %s was produced (%s); check the date", formatDay(day), l.Code, l.ProducedOn)
		}
		reason := strings.TrimSpace(in.OverrideReason)
		if err := checkLotPHI(ctx, tx.tx, l, day, "ship"); err != nil {
			if reason == "" || !rules.IsRule(err, rules.RulePHIWindow) {
				return err
			}
			if err := actor.Require(PermOverride); err != nil {
				return err
			}
		} else {
			reason = "" // nothing was overridden
		}
		res, err := tx.Exec(ctx, "INSERT INTO shipments(lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, jseq) VALUES(?,?,?,?,?,?,?,0)",
			l.ID, formatDay(day), name, strings.TrimSpace(in.BuyerCode), in.BuyerType, round3(in.Quantity), l.Unit)
		if err != nil {
			return fmt.Errorf("insert shipment: %w", err)
		}
		sid, _ := res.LastInsertId()
		kind := "shipments.create"
		if reason != "" {
			kind = "shipments.override"
		}
		if _, err := tx.Record(ctx, "shipments", sid, kind, reason); err != nil {
			return err
		}
		out = Shipment{ID: sid, LotID: l.ID, LotCode: l.Code, Date: day, BuyerName: name, BuyerCode: strings.TrimSpace(in.BuyerCode),
			BuyerType: in.BuyerType, Quantity: round3(in.Quantity), Unit: l.Unit}
		return nil
	})
	return out, err
}

// ReceiveInput is goods bought in (一步向前: the supplier and its code).
type ReceiveInput struct {
	Date           time.Time
	SupplierName   string
	SupplierCode   string // supplier's 主体码 / credit code, if known
	UpstreamCode   string // the scanned 追溯码 / 入市凭证 / 合格证 code
	UpstreamKind   string // free text: trace, voucher, certificate...
	UpstreamCertNo string // the supplier's 合格证 number (needed for a 样式二 certificate)
	ProductID      int64
	Quantity       float64
	Unit           string // "" means the product's unit
	// AllowRepeat confirms that the same upstream code from the same supplier
	// really arrived twice on one day (otherwise refused as a double scan).
	AllowRepeat bool
}

// Receipt is recorded goods-in with the lot it created.
type Receipt struct {
	ID             int64
	Date           time.Time
	SupplierName   string
	SupplierCode   string
	UpstreamCode   string
	UpstreamKind   string
	UpstreamCertNo string
	LotID          int64
	LotCode        string
	Voided         bool
}

// Receive records goods bought in: a new lot (source 'receipt', from_code =
// the upstream code) and a receipts row. The same upstream code from the same
// supplier on the same day is refused as a probable double scan unless
// AllowRepeat is set.
func (db *DB) Receive(ctx context.Context, actor Actor, in ReceiveInput) (Receipt, error) {
	var out Receipt
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermShip); err != nil {
			return err
		}
		sup := strings.TrimSpace(in.SupplierName)
		up := normalizeCode(in.UpstreamCode)
		if sup == "" || up == "" {
			return errf(CodeInvalid, nil, "请填写供货方名称并扫描供货方的追溯码。", "enter the supplier's name and scan the supplier's trace code")
		}
		day, err := recordDay(tx, in.Date)
		if err != nil {
			return err
		}
		if err := rules.ValidateQuantity(in.Quantity); err != nil {
			return err
		}
		unit, err := productUnit(ctx, tx, in.ProductID, in.Unit)
		if err != nil {
			return err
		}
		supCode := strings.TrimSpace(in.SupplierCode)
		var dup int64
		err = tx.QueryRow(ctx, `SELECT id FROM receipts WHERE upstream_code = ? AND received_on = ? AND voided = 0
			AND (supplier_name = ? OR (supplier_code <> '' AND supplier_code = ?)) LIMIT 1`, up, formatDay(day), sup, supCode).Scan(&dup)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("double-scan check: %w", err)
		}
		reason := ""
		if dup != 0 {
			if !in.AllowRepeat {
				return ruleErr(RuleDoubleScan, "违反重复扫码规则：%[1]s今天已收过%[2]s的同一追溯码%[3]s（收货记录#%[4]d），可能是重复扫码；如确实再次到货，请确认后再收货。",
					"double-scan rule: the code %[3]s from %[2]s was already received on %[1]s (receipt #%[4]d), probably a repeated scan; if the goods really arrived twice, confirm the repeat",
					formatDay(day), sup, up, dup)
			}
			reason = fmt.Sprintf("repeat of receipt #%d confirmed", dup)
		}
		lid, err := insertLot(ctx, tx, day, in.ProductID, "receipt", round3(in.Quantity), unit, map[string]any{"from_code": up, "supplier": sup})
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO receipts(received_on, supplier_name, supplier_code, upstream_code, upstream_kind, upstream_cert_no, lot_id, jseq)
			VALUES(?,?,?,?,?,?,?,0)`, formatDay(day), sup, supCode, up, strings.TrimSpace(in.UpstreamKind), strings.TrimSpace(in.UpstreamCertNo), lid)
		if err != nil {
			return fmt.Errorf("insert receipt: %w", err)
		}
		rid, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "receipts", rid, "receipts.create", reason); err != nil {
			return err
		}
		var code string
		if err := tx.QueryRow(ctx, "SELECT code FROM lots WHERE id = ?", lid).Scan(&code); err != nil {
			return err
		}
		out = Receipt{ID: rid, Date: day, SupplierName: sup, SupplierCode: supCode, UpstreamCode: up, UpstreamKind: strings.TrimSpace(in.UpstreamKind),
			UpstreamCertNo: strings.TrimSpace(in.UpstreamCertNo), LotID: lid, LotCode: code}
		return nil
	})
	return out, err
}

// DisposeInput records destroying, returning or downgrading (part of) a lot.
type DisposeInput struct {
	LotID    int64
	Date     time.Time
	Method   string // destroy, return, downgrade, other
	Quantity float64
	Reason   string // required
	// ResolvesHold records that this disposal settles the lot's hold although
	// some quantity remains (e.g. the failing fraction was sorted out and
	// destroyed). It is a release decision, so it needs PermOverride.
	ResolvesHold bool
}

// Disposal is a recorded disposal and what it did to the hold.
type Disposal struct {
	ID         int64
	LotID      int64
	Date       time.Time
	Method     string
	Quantity   float64
	HoldLifted bool
}

// Dispose records a disposal (PermInspect, reason required); it may dispose
// of a lot on hold, which is its main use. Hold rule: the hold is lifted when
// the disposal leaves nothing available (nothing is left to protect), or when
// ResolvesHold is set by someone with PermOverride; otherwise the rest of the
// lot stays held. The release is journaled as "lots.release" naming the disposal.
func (db *DB) Dispose(ctx context.Context, actor Actor, in DisposeInput) (Disposal, error) {
	var out Disposal
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermInspect); err != nil {
			return err
		}
		reason := strings.TrimSpace(in.Reason)
		if reason == "" {
			return errReasonRequired()
		}
		switch in.Method {
		case "destroy", "return", "downgrade", "other":
		default:
			return errf(CodeInvalid, nil, "未知的处置方式“%s”，请选择销毁、退回、降级或其他。", "unknown disposal method %q; choose destroy, return, downgrade or other", in.Method)
		}
		if in.ResolvesHold {
			if err := actor.Require(PermOverride); err != nil {
				return err
			}
		}
		l, err := loadLotRow(ctx, tx.tx, in.LotID)
		if err != nil {
			return err
		}
		day, err := recordDay(tx, in.Date)
		if err != nil {
			return err
		}
		if err := checkMovable(ctx, tx.tx, l, in.Quantity, "", "dispose", true); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "INSERT INTO disposals(lot_id, disposed_on, method, quantity, jseq) VALUES(?,?,?,?,0)", l.ID, formatDay(day), in.Method, round3(in.Quantity))
		if err != nil {
			return fmt.Errorf("insert disposal: %w", err)
		}
		did, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "disposals", did, "disposals.create", reason); err != nil {
			return err
		}
		out = Disposal{ID: did, LotID: l.ID, Date: day, Method: in.Method, Quantity: round3(in.Quantity)}
		if l.Hold {
			b, err := lotBalance(ctx, tx.tx, l.ID)
			if err != nil {
				return err
			}
			if b.Available <= 0 || in.ResolvesHold {
				if err := setHold(ctx, tx, l.ID, false, "", fmt.Sprintf("disposal #%d: %s", did, reason)); err != nil {
					return err
				}
				out.HoldLifted = true
			}
		}
		return nil
	})
	return out, err
}

// setHold sets or lifts a lot's hold and journals it ("lots.hold" or
// "lots.release") with reason.
func setHold(ctx context.Context, tx *Tx, lotID int64, hold bool, holdReason, reason string) error {
	if _, err := tx.Exec(ctx, "UPDATE lots SET hold = ?, hold_reason = ? WHERE id = ?", boolInt(hold), holdReason, lotID); err != nil {
		return fmt.Errorf("set hold: %w", err)
	}
	kind := "lots.release"
	if hold {
		kind = "lots.hold"
	}
	_, err := tx.Record(ctx, "lots", lotID, kind, reason)
	return err
}

// VoidShipment voids a sale entered by mistake; the quantity returns to the
// lot's balance. The creator (PermShip) or anyone with PermCorrect may do it.
func (db *DB) VoidShipment(ctx context.Context, actor Actor, id int64, reason string) error {
	return db.voidRow(ctx, actor, PermShip, "shipments", id, reason, nil)
}

// VoidDisposal voids a disposal recorded by mistake: the quantity returns to
// the lot, and if the lot still has an unresolved positive test it is held
// again (the disposal may have been what released it).
func (db *DB) VoidDisposal(ctx context.Context, actor Actor, id int64, reason string) error {
	return db.voidRow(ctx, actor, PermInspect, "disposals", id, reason, func(tx *Tx) error {
		var lid int64
		if err := tx.QueryRow(ctx, "SELECT lot_id FROM disposals WHERE id = ?", id).Scan(&lid); err != nil {
			return err
		}
		l, err := loadLotRow(ctx, tx.tx, lid)
		if err != nil {
			return err
		}
		if l.Hold {
			return nil
		}
		n, err := unresolvedPositives(ctx, tx.tx, lid)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return setHold(ctx, tx, lid, true, fmt.Sprintf("处置#%d已作废，阳性检测仍未解决", id), reason)
	})
}

// VoidReceipt voids a goods-in record and the lot it created. Refused while
// anything was done with that lot (ship, transform, certify, dispose): void
// those first, so no record is left pointing at a lot that never existed.
func (db *DB) VoidReceipt(ctx context.Context, actor Actor, id int64, reason string) error {
	return db.voidRow(ctx, actor, PermShip, "receipts", id, reason, func(tx *Tx) error {
		var lid int64
		if err := tx.QueryRow(ctx, "SELECT lot_id FROM receipts WHERE id = ?", id).Scan(&lid); err != nil {
			return err
		}
		return voidLots(ctx, tx, []int64{lid}, reason)
	})
}

// VoidTransformation voids a transformation and its output lots; the input
// quantities return to their lots. Refused while an output lot was used.
func (db *DB) VoidTransformation(ctx context.Context, actor Actor, id int64, reason string) error {
	return db.voidRow(ctx, actor, PermProcess, "transformations", id, reason, func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM lots WHERE transformation_id = ? AND voided = 0", id)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var lid int64
			if err := rows.Scan(&lid); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, lid)
		}
		rows.Close()
		return voidLots(ctx, tx, ids, reason)
	})
}

func (db *DB) voidRow(ctx context.Context, actor Actor, perm Perm, table string, id int64, reason string, also func(tx *Tx) error) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := requireOwnOrCorrect(ctx, tx, actor, perm, table, id); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		var voided int
		err := tx.QueryRow(ctx, "SELECT voided FROM "+quoteIdent(table)+" WHERE id = ?", id).Scan(&voided)
		if errors.Is(err, sql.ErrNoRows) {
			return errf(CodeNotFound, nil, "记录%s#%d不存在。", "record %s #%d does not exist", table, id)
		}
		if err != nil {
			return err
		}
		if voided != 0 {
			return errf(CodeConflict, nil, "该记录已经作废。", "this record is already voided")
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE "+quoteIdent(table)+" SET voided = 1 WHERE id = ?", id); err != nil {
			return err
		}
		_, err = tx.Record(ctx, table, id, table+".void", reason)
		return err
	})
}

// voidLots voids lots that nothing has used yet.
func voidLots(ctx context.Context, tx *Tx, ids []int64, reason string) error {
	for _, lid := range ids {
		var used int
		err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM shipments WHERE lot_id = ?1 AND voided = 0) +
			(SELECT count(*) FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id WHERE ti.lot_id = ?1 AND t.voided = 0) +
			(SELECT count(*) FROM certificates WHERE lot_id = ?1 AND voided = 0) +
			(SELECT count(*) FROM disposals WHERE lot_id = ?1 AND voided = 0)`, lid).Scan(&used)
		if err != nil {
			return err
		}
		if used > 0 {
			var code string
			_ = tx.QueryRow(ctx, "SELECT code FROM lots WHERE id = ?", lid).Scan(&code)
			return errf(CodeConflict, nil, "批次%s已有发货、加工、合格证或处置记录，请先作废这些记录。", "lot %s has shipments, transformations, certificates or disposals; void those first", code)
		}
		if _, err := tx.Exec(ctx, "UPDATE lots SET voided = 1 WHERE id = ?", lid); err != nil {
			return err
		}
		if _, err := tx.Record(ctx, "lots", lid, "lots.void", reason); err != nil {
			return err
		}
	}
	return nil
}

// ShipmentQuery filters ListShipments.
type ShipmentQuery struct {
	ListQuery
	LotID int64
}

// ListShipments returns one page of sales, newest first; Search matches the
// buyer and the to_code.
func (db *DB) ListShipments(ctx context.Context, q ShipmentQuery) ([]Shipment, error) {
	var extra []string
	var args []any
	if q.LotID != 0 {
		extra, args = append(extra, "s.lot_id = ?"), append(args, q.LotID)
	}
	where, args := q.listWhere("s.voided", []string{"s.buyer_name", "s.buyer_code", "s.to_code", "l.code"}, sqlCond{conds: extra, args: args})
	limit, offset := q.page()
	rows, err := db.r.QueryContext(ctx, `SELECT s.id, s.lot_id, l.code, s.shipped_on, s.buyer_name, s.buyer_code, s.buyer_type, s.quantity, s.unit, s.to_code, s.voided
		FROM shipments s JOIN lots l ON l.id = s.lot_id`+where+" ORDER BY s.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	defer rows.Close()
	var out []Shipment
	for rows.Next() {
		var s Shipment
		var d string
		var v int
		if err := rows.Scan(&s.ID, &s.LotID, &s.LotCode, &d, &s.BuyerName, &s.BuyerCode, &s.BuyerType, &s.Quantity, &s.Unit, &s.ToCode, &v); err != nil {
			return nil, err
		}
		s.Date, _ = parseDay(d)
		s.Voided = v != 0
		out = append(out, s)
	}
	return out, rows.Err()
}
