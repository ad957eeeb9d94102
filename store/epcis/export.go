package epcis

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/rules"
)

// Options choose what Export writes.
type Options struct {
	LotCode  string    // "": every lot; else events that touch this lot
	From, To time.Time // record day range, zero: open
	Now      time.Time // creationDate; zero: the store clock
}

// siteZone is China Standard Time: every eventTime is written in it with
// eventTimeZoneOffset +08:00.
var siteZone = time.FixedZone("CST", 8*3600)

const (
	journalTime = "2006-01-02T15:04:05.000000Z"
	dayLayout   = time.DateOnly
)

// Namespace is the JSON-LD namespace of the extension fields (suyuan:…).
const Namespace = "https://suyuan.cn/ns/epcis/"

// Export builds the EPCIS 2.0 document of the store's records (see
// docs/reports.md for the mapping). It reads one consistent snapshot.
func Export(ctx context.Context, db *store.DB, opt Options) (*Document, error) {
	ent, err := db.GetEntity(ctx)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, &store.Error{Code: store.CodeInvalid, Err: err,
				Zh: "尚未填写本单位（主体）信息，无法导出EPCIS。请先在设置中填写主体信息。",
				En: "the site profile is not filled in yet, so there is nothing to export as EPCIS; fill in the site profile first"}
		}
		return nil, err
	}
	tmpl, err := db.Setting(ctx, store.SettingURLTemplate)
	if err != nil {
		return nil, err
	}
	prefix, err := db.Setting(ctx, SettingGS1Prefix)
	if err != nil {
		return nil, err
	}
	prefix = strings.TrimSpace(prefix)
	tx, err := db.Reader().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("epcis export: %w", err)
	}
	defer tx.Rollback()
	gtin, err := gtins(ctx, tx, prefix)
	if err != nil {
		return nil, err
	}
	x, err := newIDs(tmpl, ent.SiteCode, prefix, gtin)
	if err != nil {
		return nil, &store.Error{Code: store.CodeInvalid, Err: err,
			Zh: fmt.Sprintf("标签二维码地址模板“%s”不是完整的网址，无法生成EPCIS标识。请在设置中改为如 https://trace.example.cn/t/{code} 的形式。", tmpl),
			En: fmt.Sprintf("the label QR URL template %q is not a full URL, so no EPCIS identifiers can be made; set it to a form like https://trace.example.cn/t/{code}", tmpl)}
	}
	e := &exporter{ctx: ctx, q: tx, x: x, self: x.site()}
	if rules.ValidateUSCC(ent.CreditCode) == nil {
		e.self = x.party(ent.CreditCode, "")
	}
	if code := strings.TrimSpace(opt.LotCode); code != "" {
		l, err := db.LotByCode(ctx, code)
		if err != nil {
			return nil, err
		}
		e.lot = l.ID
	}
	if !opt.From.IsZero() {
		e.from = opt.From.Format(dayLayout)
	}
	if !opt.To.IsZero() {
		e.to = opt.To.Format(dayLayout)
	}
	for _, step := range []func() error{e.harvests, e.receipts, e.transformations, e.inspections, e.shipments, e.disposals, e.holds} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(e.events, func(i, j int) bool { return e.events[i].seq < e.events[j].seq })
	now := opt.Now
	if now.IsZero() {
		now = db.Now()
	}
	d := &Document{
		Context:       []any{Context, map[string]string{"suyuan": Namespace}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  now.In(siteZone).Format(time.RFC3339),
		Sender:        e.self,
	}
	d.EPCISBody.EventList = e.events
	if d.EPCISBody.EventList == nil {
		d.EPCISBody.EventList = []Event{}
	}
	return d, nil
}

// gtins reads the products' GTIN settings. A GTIN that is malformed or does
// not belong to the company prefix stops the export: a wrong GTIN in a
// partner's system is worse than none.
func gtins(ctx context.Context, q *sql.Tx, prefix string) (map[int64]string, error) {
	out := map[int64]string{}
	if prefix == "" {
		return out, nil
	}
	for _, c := range prefix {
		if c < '0' || c > '9' {
			return nil, &store.Error{Code: store.CodeInvalid,
				Zh: fmt.Sprintf("GS1厂商识别代码“%s”只能由数字组成，请在设置 %s 中改正。", prefix, SettingGS1Prefix),
				En: fmt.Sprintf("the GS1 company prefix %q must be digits only; correct the setting %s", prefix, SettingGS1Prefix)}
		}
	}
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM settings WHERE key LIKE 'epcis.gtin.%'")
	if err != nil {
		return nil, fmt.Errorf("epcis gtins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(k, SettingGTINPrefix), 10, 64)
		if err != nil || strings.TrimSpace(v) == "" {
			continue
		}
		g, err := NormalizeGTIN(v)
		if err == nil && !strings.HasPrefix(g[1:], prefix) {
			err = fmt.Errorf("GTIN %s does not start with the company prefix %s", g, prefix)
		}
		if err != nil {
			return nil, &store.Error{Code: store.CodeInvalid, Err: err,
				Zh: fmt.Sprintf("产品#%d的GTIN“%s”无效（%v），请在设置 %s%d 中改正或删除。", id, v, err, SettingGTINPrefix, id),
				En: fmt.Sprintf("the GTIN %q of product #%d is invalid (%v); correct or clear the setting %s%d", v, id, err, SettingGTINPrefix, id)}
		}
		out[id] = g
	}
	return out, rows.Err()
}

type exporter struct {
	ctx      context.Context
	q        *sql.Tx
	x        *ids
	self     string
	lot      int64
	from, to string
	events   []Event
}

// dayCond restricts col (a 'YYYY-MM-DD' text) to the range.
func (e *exporter) dayCond(col string) (string, []any) {
	var c []string
	var a []any
	if e.from != "" {
		c, a = append(c, col+" >= ?"), append(a, e.from)
	}
	if e.to != "" {
		c, a = append(c, col+" <= ?"), append(a, e.to)
	}
	if len(c) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(c, " AND "), a
}

// journal columns: the row's first (creating) entry and its void entry.
func journalJoin(table, alias string) string {
	ref := "'" + table + ":' || " + alias + ".id"
	return ` JOIN journal j ON j.seq = (SELECT min(seq) FROM journal WHERE ref = ` + ref + `)
		LEFT JOIN journal v ON v.seq = (SELECT min(seq) FROM journal WHERE ref = ` + ref + ` AND kind = '` + table + `.void')`
}

const journalCols = "j.seq, j.at, j.hash, j.reason, coalesce(v.at,''), coalesce(v.reason,'')"

type jcols struct {
	seq                int64
	at, hash, reason   string
	voidAt, voidReason string
}

func (j *jcols) dest() []any {
	return []any{&j.seq, &j.at, &j.hash, &j.reason, &j.voidAt, &j.voidReason}
}

// base fills the fields every event has from its journal entry and record day.
func (e *exporter) base(typ, kind string, j jcols, day string) Event {
	ev := Event{Type: typ, EventTimeZoneOffset: "+08:00", EventID: eventID(kind, j.hash), seq: j.seq, Ext: map[string]any{}}
	at, err := time.Parse(journalTime, j.at)
	if err == nil {
		ev.RecordTime = at.UTC().Format(time.RFC3339Nano)
	}
	ev.EventTime = eventTime(day, at, err == nil)
	if j.voidAt != "" {
		d := ErrorDeclaration{Reason: "incorrect_data", VoidReason: j.voidReason}
		if vt, err := time.Parse(journalTime, j.voidAt); err == nil {
			d.DeclarationTime = vt.In(siteZone).Format(time.RFC3339)
		} else {
			d.DeclarationTime = ev.EventTime
		}
		ev.ErrorDeclaration = &d
	}
	return ev
}

// eventTime is when the event happened: the record's day with the time it
// was entered when that was on the same day (site time), else noon of the
// day (a record entered later; the day is what the record states).
func eventTime(day string, at time.Time, haveAt bool) string {
	if haveAt {
		local := at.In(siteZone)
		if day == "" || local.Format(dayLayout) == day {
			return local.Truncate(time.Second).Format(time.RFC3339)
		}
	}
	d, err := time.ParseInLocation(dayLayout, day, siteZone)
	if err != nil {
		return at.In(siteZone).Format(time.RFC3339)
	}
	return d.Add(12 * time.Hour).Format(time.RFC3339)
}

// qty is a quantity element in the lot's identifier and unit.
func (e *exporter) qty(code string, productID int64, q float64, unit string) Quantity {
	class := e.x.lotClass(code, productID)
	if u, f, ok := UOM(unit); ok {
		v := math.Round(q*f*1000) / 1000
		return Quantity{EPCClass: class, Quantity: &v, UOM: u}
	}
	v := q
	return Quantity{EPCClass: class, Quantity: &v}
}

func (e *exporter) unitExt(ev *Event, unit string) {
	if _, _, ok := UOM(unit); !ok && unit != "" {
		ev.Ext["suyuan:unit"] = unit
	}
}

func (e *exporter) lotCond(col string) (string, []any) {
	if e.lot == 0 {
		return "", nil
	}
	return " AND " + col + " = ?", []any{e.lot}
}

func (e *exporter) query(q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := e.q.QueryContext(e.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("epcis export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("epcis export: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("epcis export: %w", err)
	}
	return nil
}

// harvests: ObjectEvent ADD, commissioning, active, at the plot.
func (e *exporter) harvests() error {
	dc, da := e.dayCond("l.produced_on")
	lc, la := e.lotCond("l.id")
	q := `SELECT l.id, l.code, l.product_id, coalesce(l.plot_id,0), coalesce(p.base_id,0), coalesce(p.name,''), l.produced_on, l.quantity, l.unit,
		l.phi_override, pr.name, ` + journalCols + ` FROM lots l LEFT JOIN plots p ON p.id = l.plot_id JOIN products pr ON pr.id = l.product_id` +
		journalJoin("lots", "l") + ` WHERE l.source = 'harvest'` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id, product, plot, base int64
		var code, plotName, day, unit, pname string
		var qv float64
		var phi int
		var j jcols
		if err := r.Scan(append([]any{&id, &code, &product, &plot, &base, &plotName, &day, &qv, &unit, &phi, &pname}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("ObjectEvent", "harvest", j, day)
		ev.Action, ev.BizStep, ev.Disposition = "ADD", "commissioning", "active"
		ev.QuantityList = []Quantity{e.qty(code, product, qv, unit)}
		if plot != 0 {
			ev.ReadPoint = &Ref{ID: e.x.plot(plot)}
		}
		if base != 0 {
			ev.BizLocation = &Ref{ID: e.x.baseLoc(base)}
		}
		ev.ILMD = map[string]any{"suyuan:harvestDate": day, "suyuan:lotCode": code, "suyuan:product": pname}
		if plotName != "" {
			ev.ILMD["suyuan:plot"] = plotName
		}
		if phi != 0 {
			ev.ILMD["suyuan:phiOverride"] = j.reason
		}
		e.unitExt(&ev, unit)
		e.events = append(e.events, ev)
		return nil
	})
}

// receipts: ObjectEvent OBSERVE, receiving, in_progress, from the supplier.
func (e *exporter) receipts() error {
	dc, da := e.dayCond("r.received_on")
	lc, la := e.lotCond("r.lot_id")
	q := `SELECT r.id, r.received_on, r.supplier_name, r.supplier_code, r.upstream_code, r.upstream_kind, r.upstream_cert_no,
		l.code, l.product_id, l.quantity, l.unit, ` + journalCols + ` FROM receipts r JOIN lots l ON l.id = r.lot_id` +
		journalJoin("receipts", "r") + ` WHERE 1` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id, product int64
		var day, sup, supCode, up, upKind, upCert, code, unit string
		var qv float64
		var j jcols
		if err := r.Scan(append([]any{&id, &day, &sup, &supCode, &up, &upKind, &upCert, &code, &product, &qv, &unit}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("ObjectEvent", "receipt", j, day)
		ev.Action, ev.BizStep, ev.Disposition = "OBSERVE", "receiving", "in_progress"
		ev.QuantityList = []Quantity{e.qty(code, product, qv, unit)}
		ev.ReadPoint = &Ref{ID: e.x.site()}
		ev.BizLocation = &Ref{ID: e.x.site()}
		ev.SourceList = []Source{{Type: "owning_party", Source: e.x.party(supCode, sup)}}
		ev.DestinationList = []Destination{{Type: "owning_party", Destination: e.self}}
		ev.Ext["suyuan:upstreamCode"] = up
		ev.Ext["suyuan:supplier"] = sup
		if upCert != "" {
			ev.Ext["suyuan:upstreamCertNo"] = upCert
		}
		e.unitExt(&ev, unit)
		e.events = append(e.events, ev)
		return nil
	})
}

// transformBizStep maps the store's transformation kinds to CBV.
var transformBizStep = map[string]string{"processing": "commissioning", "packing": "packing", "merge": "repackaging", "split": "repackaging"}

// transformations: TransformationEvent with inputs and outputs.
func (e *exporter) transformations() error {
	dc, da := e.dayCond("t.done_on")
	lc, la := "", []any(nil)
	if e.lot != 0 {
		lc = " AND (t.id IN (SELECT transformation_id FROM transformation_inputs WHERE lot_id = ?) OR t.id = (SELECT transformation_id FROM lots WHERE id = ?))"
		la = []any{e.lot, e.lot}
	}
	type tr struct {
		ev   Event
		id   int64
		kind string
	}
	var list []*tr
	byID := map[int64]*tr{}
	q := `SELECT t.id, t.kind, t.done_on, t.notes, ` + journalCols + ` FROM transformations t` + journalJoin("transformations", "t") + ` WHERE 1` + dc + lc
	err := e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id int64
		var kind, day, notes string
		var j jcols
		if err := r.Scan(append([]any{&id, &kind, &day, &notes}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("TransformationEvent", "transformation", j, day)
		ev.BizStep, ev.Disposition = transformBizStep[kind], "active"
		ev.TransformationID = e.x.transform(id)
		ev.ReadPoint = &Ref{ID: e.x.site()}
		ev.Ext["suyuan:kind"] = kind
		if notes != "" {
			ev.Ext["suyuan:notes"] = notes
		}
		t := &tr{ev: ev, id: id, kind: kind}
		list = append(list, t)
		byID[id] = t
		return nil
	})
	if err != nil || len(list) == 0 {
		return err
	}
	in := `SELECT ti.transformation_id, l.code, l.product_id, ti.quantity, l.unit FROM transformation_inputs ti JOIN lots l ON l.id = ti.lot_id ORDER BY ti.id`
	if err := e.quantities(in, func(tid int64, q Quantity) {
		if t := byID[tid]; t != nil {
			t.ev.InputQuantityList = append(t.ev.InputQuantityList, q)
		}
	}); err != nil {
		return err
	}
	out := `SELECT transformation_id, code, product_id, quantity, unit FROM lots WHERE transformation_id IS NOT NULL ORDER BY id`
	if err := e.quantities(out, func(tid int64, q Quantity) {
		if t := byID[tid]; t != nil {
			t.ev.OutputQuantityList = append(t.ev.OutputQuantityList, q)
		}
	}); err != nil {
		return err
	}
	for _, t := range list {
		e.events = append(e.events, t.ev)
	}
	return nil
}

// quantities runs q, whose rows are (transformation id, lot code, product
// id, quantity, unit), and hands each row to add as a Quantity.
func (e *exporter) quantities(q string, add func(tid int64, q Quantity)) error {
	return e.query(q, nil, func(r *sql.Rows) error {
		var tid, product int64
		var code, unit string
		var qv float64
		if err := r.Scan(&tid, &code, &product, &qv, &unit); err != nil {
			return err
		}
		add(tid, e.qty(code, product, qv, unit))
		return nil
	})
}

// verdictDisposition maps an inspection verdict to CBV.
var verdictDisposition = map[string]string{"negative": "conformant", "positive": "non_conformant", "invalid": "unknown"}

// inspections of this site's lots: ObjectEvent OBSERVE, inspecting.
func (e *exporter) inspections() error {
	dc, da := e.dayCond("date(i.tested_at, '+8 hours')")
	lc, la := e.lotCond("i.lot_id")
	q := `SELECT i.id, l.code, l.product_id, i.kind, i.tested_at, i.method, i.basis, i.item, i.rate, i.value, i.unit, i.limit_value, i.verdict,
		i.instrument, i.instrument_serial, i.sample_no, ` + journalCols + ` FROM inspections i JOIN lots l ON l.id = i.lot_id` +
		journalJoin("inspections", "i") + ` WHERE 1` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id, product int64
		var code, kind, testedAt, method, basis, item, unit, verdict, instr, serial, sample string
		var rate, value, limit sql.NullFloat64
		var j jcols
		if err := r.Scan(append([]any{&id, &code, &product, &kind, &testedAt, &method, &basis, &item, &rate, &value, &unit, &limit, &verdict,
			&instr, &serial, &sample}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("ObjectEvent", "inspection", j, "")
		if t, err := time.Parse(journalTime, testedAt); err == nil {
			ev.EventTime = t.In(siteZone).Truncate(time.Second).Format(time.RFC3339)
		}
		ev.Action, ev.BizStep, ev.Disposition = "OBSERVE", "inspecting", verdictDisposition[verdict]
		ev.EPCList = []string{e.x.lotClass(code, product)}
		ev.ReadPoint = &Ref{ID: e.x.site()}
		var reps []SensorReport
		if rate.Valid {
			v := rate.Float64
			reps = append(reps, SensorReport{Type: "Dimensionless", Value: &v, UOM: "P1", Time: ev.EventTime})
		}
		if value.Valid {
			v := value.Float64
			rep := SensorReport{Type: "Dimensionless", Value: &v, Time: ev.EventTime}
			switch unit {
			case "mg/kg":
				rep.UOM = "NA"
			case "%":
				rep.UOM = "P1"
			default:
				if unit != "" {
					rep.StringValue = unit
				}
			}
			reps = append(reps, rep)
		}
		if len(reps) > 0 {
			ev.SensorElementList = []SensorElement{{SensorReport: reps}}
		}
		ev.Ext["suyuan:testKind"] = kind
		ev.Ext["suyuan:verdict"] = verdict
		for k, v := range map[string]string{"suyuan:method": method, "suyuan:basis": basis, "suyuan:item": item, "suyuan:instrument": instr,
			"suyuan:instrumentSerial": serial, "suyuan:sampleNo": sample} {
			if v != "" {
				ev.Ext[k] = v
			}
		}
		if limit.Valid {
			ev.Ext["suyuan:limit"] = limit.Float64
		}
		e.events = append(e.events, ev)
		return nil
	})
}

// shipments: ObjectEvent OBSERVE, shipping, in_transit, to the buyer.
func (e *exporter) shipments() error {
	dc, da := e.dayCond("s.shipped_on")
	lc, la := e.lotCond("s.lot_id")
	q := `SELECT s.id, l.code, l.product_id, s.shipped_on, s.buyer_name, s.buyer_code, s.buyer_type, s.quantity, s.unit, s.to_code, ` + journalCols +
		` FROM shipments s JOIN lots l ON l.id = s.lot_id` + journalJoin("shipments", "s") + ` WHERE 1` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id, product int64
		var code, day, buyer, buyerCode, buyerType, unit, toCode string
		var qv float64
		var j jcols
		if err := r.Scan(append([]any{&id, &code, &product, &day, &buyer, &buyerCode, &buyerType, &qv, &unit, &toCode}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("ObjectEvent", "shipment", j, day)
		ev.Action, ev.BizStep, ev.Disposition = "OBSERVE", "shipping", "in_transit"
		ev.QuantityList = []Quantity{e.qty(code, product, qv, unit)}
		ev.ReadPoint = &Ref{ID: e.x.site()}
		ev.SourceList = []Source{{Type: "owning_party", Source: e.self}, {Type: "location", Source: e.x.site()}}
		ev.DestinationList = []Destination{{Type: "owning_party", Destination: e.x.party(buyerCode, buyer)}}
		ev.Ext["suyuan:buyer"] = buyer
		ev.Ext["suyuan:buyerType"] = buyerType
		if toCode != "" {
			ev.Ext["suyuan:toCode"] = toCode
		}
		e.unitExt(&ev, unit)
		e.events = append(e.events, ev)
		return nil
	})
}

// disposalCBV maps disposal methods to bizStep, disposition and action.
var disposalCBV = map[string][3]string{
	"destroy":   {"destroying", "destroyed", "DELETE"},
	"return":    {"shipping", "returned", "OBSERVE"},
	"downgrade": {"other", "non_sellable_other", "OBSERVE"},
	"other":     {"removing", "disposed", "OBSERVE"},
}

// disposals: destroying / returning / downgrading (part of) a lot.
func (e *exporter) disposals() error {
	dc, da := e.dayCond("d.disposed_on")
	lc, la := e.lotCond("d.lot_id")
	q := `SELECT d.id, l.code, l.product_id, d.disposed_on, d.method, d.quantity, l.unit, ` + journalCols +
		` FROM disposals d JOIN lots l ON l.id = d.lot_id` + journalJoin("disposals", "d") + ` WHERE 1` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var id, product int64
		var code, day, method, unit string
		var qv float64
		var j jcols
		if err := r.Scan(append([]any{&id, &code, &product, &day, &method, &qv, &unit}, j.dest()...)...); err != nil {
			return err
		}
		m := disposalCBV[method]
		ev := e.base("ObjectEvent", "disposal", j, day)
		ev.Action, ev.BizStep, ev.Disposition = m[2], m[0], m[1]
		ev.QuantityList = []Quantity{e.qty(code, product, qv, unit)}
		ev.ReadPoint = &Ref{ID: e.x.site()}
		ev.Ext["suyuan:method"] = method
		if j.reason != "" {
			ev.Ext["suyuan:reason"] = j.reason
		}
		e.unitExt(&ev, unit)
		e.events = append(e.events, ev)
		return nil
	})
}

// holds: a lot put on hold (holding, non_sellable_other) or released
// (holding, sellable_accessible), from the journal entries that record it.
func (e *exporter) holds() error {
	dc, da := e.dayCond("date(j.at, '+8 hours')")
	lc, la := e.lotCond("l.id")
	q := `SELECT j.kind, l.code, l.product_id, j.seq, j.at, j.hash, j.reason, '', '' FROM journal j
		JOIN lots l ON l.id = CAST(substr(j.ref, 6) AS INTEGER) WHERE j.kind IN ('lots.hold', 'lots.release')` + dc + lc
	return e.query(q, append(da, la...), func(r *sql.Rows) error {
		var kind, code string
		var product int64
		var j jcols
		if err := r.Scan(append([]any{&kind, &code, &product}, j.dest()...)...); err != nil {
			return err
		}
		ev := e.base("ObjectEvent", kind, j, "")
		ev.Action, ev.BizStep = "OBSERVE", "holding"
		ev.Disposition = "non_sellable_other"
		if kind == "lots.release" {
			ev.Disposition = "sellable_accessible"
		}
		ev.EPCList = []string{e.x.lotClass(code, product)}
		ev.ReadPoint = &Ref{ID: e.x.site()}
		if j.reason != "" {
			ev.Ext["suyuan:reason"] = j.reason
		}
		e.events = append(e.events, ev)
		return nil
	})
}
