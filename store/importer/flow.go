package importer

import (
	"context"
	"fmt"
	"time"

	"suyuan/store"
)

// needLot resolves a lot by its trace code (read pool: lots made earlier in
// the same file are not visible, which is fine as no kind both makes and
// uses lots).
func (rv *resolver) needLot(ctx context.Context, r *record, errs *RowErrors) (store.Lot, bool) {
	code := r.s("lot")
	l, err := rv.db.LotByCode(ctx, code)
	if err != nil {
		if store.IsNotFound(err) {
			bad(errs, r, "lot", fmt.Sprintf("找不到追溯码为“%s”的批次", code), fmt.Sprintf("no lot has the trace code %q", code))
		} else {
			errs.addErr(r.line, r.header("lot"), err)
		}
		return store.Lot{}, false
	}
	return l, true
}

// noon places a calendar date at midday local time, for store fields that
// are instants (an inspection's tested_at) when the sheet gives only a day.
func noon(d time.Time) time.Time {
	if d.IsZero() {
		return d
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.Local)
}

// buildFlow handles the lot-flow kinds (inspections, shipments, receipts).
func buildFlow(ctx context.Context, kind Kind, r *record, rv *resolver, actor store.Actor, errs *RowErrors) step {
	db := rv.db
	switch kind {
	case KindInspections:
		l, ok := rv.needLot(ctx, r, errs)
		if !ok {
			return step{}
		}
		in := store.InspectionInput{LotID: l.ID, Kind: str(r.vals["kind"]), SampleNo: r.s("sample_no"), TestedAt: noon(r.date("date")),
			Method: r.s("method"), Basis: r.s("basis"), Item: r.s("item"), ControlDeltaA: r.numPtr("control_da"), SampleDeltaA: r.numPtr("sample_da"),
			Rate: r.numPtr("rate"), Value: r.numPtr("value"), Unit: r.s("value_unit"), Limit: r.numPtr("limit"), Verdict: str(r.vals["verdict"]),
			Instrument: r.s("instrument"), ReagentLot: r.s("reagent_lot"), Operator: r.s("operator"), Source: "import"}
		return step{rec: r, col: "verdict", apply: func(ctx context.Context) (string, error) {
			_, err := db.RecordInspection(ctx, actor, in)
			return "", err
		}}
	case KindShipments:
		l, ok := rv.needLot(ctx, r, errs)
		if !ok {
			return step{}
		}
		in := store.ShipInput{LotID: l.ID, LotCode: l.Code, Date: r.date("date"), BuyerName: r.s("buyer"), BuyerCode: r.s("buyer_code"),
			BuyerType: str(r.vals["buyer_type"]), Quantity: r.num("quantity"), Unit: r.s("unit")}
		return step{rec: r, col: "quantity", apply: func(ctx context.Context) (string, error) {
			_, err := db.Ship(ctx, actor, in)
			return "", err
		}}
	case KindReceipts:
		p, ok := rv.needProduct(ctx, r, errs)
		if !ok {
			return step{}
		}
		in := store.ReceiveInput{Date: r.date("date"), SupplierName: r.s("supplier"), SupplierCode: r.s("supplier_code"), UpstreamCode: r.s("upstream_code"),
			UpstreamCertNo: r.s("upstream_cert"), ProductID: p.ID, Quantity: r.num("quantity"), Unit: r.s("unit")}
		return step{rec: r, col: "upstream_code", apply: func(ctx context.Context) (string, error) {
			rc, err := db.Receive(ctx, actor, in)
			return rc.LotCode, err
		}}
	}
	bad(errs, r, "", "此类记录不支持导入", "this record kind cannot be imported")
	return step{}
}
