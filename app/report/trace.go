package report

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
)

// maxDepth bounds the walk across transformations, as store.Trace does.
const maxDepth = 50

// Event types of the trace spreadsheet (FSMA 204 critical tracking events,
// adapted: growing inputs, harvest, receiving, transformation in and out,
// test, certificate, shipping, disposal).
const (
	EvApplication  = "application"
	EvHarvest      = "harvest"
	EvReceiving    = "receiving"
	EvTransformIn  = "transform_in"
	EvTransformOut = "transform_out"
	EvTest         = "test"
	EvCertificate  = "certificate"
	EvShipping     = "shipping"
	EvDisposal     = "disposal"
)

var eventWords = map[string][2]string{
	EvApplication: {"投入品使用", "input applied"}, EvHarvest: {"采收", "harvesting"}, EvReceiving: {"收货", "receiving"},
	EvTransformIn: {"加工投入", "transformation input"}, EvTransformOut: {"加工产出", "transformation output"},
	EvTest: {"检测", "test"}, EvCertificate: {"合格证", "certificate"}, EvShipping: {"发货", "shipping"}, EvDisposal: {"处置", "disposal"},
}

// EventWord is the event type in words.
func EventWord(lang, ev string) string {
	w := eventWords[ev]
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// TraceEvent is one row of the sortable spreadsheet.
type TraceEvent struct {
	Type      string
	Date      string
	Lot       string
	Product   string
	Quantity  float64
	HasQty    bool
	Unit      string
	Location  string
	Partner   string
	Reference string
	Journal   JournalRef
}

// LotBalance is a lot's mass balance: In = Shipped + TransformedOut +
// Disposed + Stock.
type LotBalance struct {
	Lot, Product, Source, Unit, Date             string
	Direction                                    string // "root", "back", "forward"
	In, Shipped, TransformedOut, Disposed, Stock float64
	Voided                                       bool
	Journal                                      JournalRef
}

// Balanced says whether the quantities add up (stock is never negative).
func (b LotBalance) Balanced() bool {
	return b.Stock >= -0.0005 && round3(b.Shipped+b.TransformedOut+b.Disposed+b.Stock) == round3(b.In)
}

// TransformSummary is one transformation: what went in and came out.
type TransformSummary struct {
	ID      int64
	Kind    string
	Date    string
	Inputs  []string // "CODE 100 kg"
	Outputs []string
	InQty   map[string]float64
	OutQty  map[string]float64
	Journal JournalRef
}

// TraceReport is the 追溯报告 of one lot.
type TraceReport struct {
	Header      Header
	Query       string
	Root        LotBalance
	Lots        []LotBalance
	Transforms  []TransformSummary
	Events      []TraceEvent
	JournalSeq  int64
	JournalHash string
	Elapsed     time.Duration
}

// TraceQuery chooses the lot.
type TraceQuery struct {
	Lot  string // local, national long or short code
	Lang string
	Now  time.Time
}

type lotRow struct {
	id, tid                           int64
	code, product, source, date, unit string
	plotID                            sql.NullInt64
	qty                               float64
	voided                            bool
	jseq                              int64
	from, supplier                    string
	dir                               string
}

// Trace builds the lot trace report: back to the plots (and the inputs
// applied there in the season before harvest) and receipts, forward to
// every shipment, across transformations in both directions (the lots
// store.Trace's full trace reaches), with every test, certificate and
// disposal, each lot's mass balance and the journal entry of every row.
func Trace(ctx context.Context, db *store.DB, q TraceQuery) (*TraceReport, error) {
	start := time.Now()
	s, err := begin(ctx, db)
	if err != nil {
		return nil, err
	}
	defer s.close()
	lang := q.Lang
	now := printedAt(q.Now)
	root, err := findLot(ctx, s, q.Lot)
	if err != nil {
		return nil, err
	}
	root.dir = "root"
	lots := []*lotRow{root}
	seen := map[int64]bool{root.id: true}
	// Backward through the transformations that made each lot.
	back := []*lotRow{root}
	for depth := 0; len(back) > 0 && depth < maxDepth; depth++ {
		var next []*lotRow
		for _, l := range back {
			if l.tid == 0 {
				continue
			}
			ins, err := lotsWhere(ctx, s, `l.id IN (SELECT ti.lot_id FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id WHERE ti.transformation_id = ? AND t.voided = 0)`, l.tid)
			if err != nil {
				return nil, err
			}
			n := unseen(ins, "back", seen)
			lots = append(lots, n...)
			next = append(next, n...)
		}
		back = next
	}
	fwd, err := forward(ctx, s, []*lotRow{root}, seen)
	if err != nil {
		return nil, err
	}
	lots = append(lots, fwd...)
	r := &TraceReport{Query: q.Lot, JournalSeq: s.headSeq, JournalHash: s.head}
	r.Header = s.header(lang, now, tr(lang, "追溯报告", "Lot trace report")+" "+root.code)
	if err := r.collect(ctx, s, lang, lots); err != nil {
		return nil, err
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// unseen marks the lots of ls not in seen as seen, reached in direction
// dir, and returns them.
func unseen(ls []*lotRow, dir string, seen map[int64]bool) []*lotRow {
	var out []*lotRow
	for _, l := range ls {
		if !seen[l.id] {
			seen[l.id] = true
			l.dir = dir
			out = append(out, l)
		}
	}
	return out
}

// forward adds every lot made (recursively) from the lots in from, one
// query per level.
func forward(ctx context.Context, s *snap, from []*lotRow, seen map[int64]bool) ([]*lotRow, error) {
	var out []*lotRow
	for depth := 0; len(from) > 0 && depth < maxDepth; depth++ {
		var next []*lotRow
		for i := 0; i < len(from); i += 500 {
			chunk := from[i:min(i+500, len(from))]
			ids := make([]string, len(chunk))
			for j, l := range chunk {
				ids[j] = strconv.FormatInt(l.id, 10)
			}
			outs, err := lotsWhere(ctx, s, `l.transformation_id IN (SELECT ti.transformation_id FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id WHERE ti.lot_id IN (`+strings.Join(ids, ",")+`) AND t.voided = 0)`)
			if err != nil {
				return nil, err
			}
			n := unseen(outs, "forward", seen)
			out = append(out, n...)
			next = append(next, n...)
		}
		from = next
	}
	return out, nil
}

const lotSelect = `SELECT l.id, coalesce(l.transformation_id, 0), l.code, pr.name, l.source, l.produced_on, l.unit, l.plot_id, l.quantity, l.voided, l.jseq, l.from_code, l.supplier
	FROM lots l JOIN products pr ON pr.id = l.product_id WHERE `

func lotsWhere(ctx context.Context, s *snap, where string, args ...any) ([]*lotRow, error) {
	rows, err := s.tx.QueryContext(ctx, lotSelect+where+" ORDER BY l.id", args...)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	var out []*lotRow
	for rows.Next() {
		l := &lotRow{}
		if err := rows.Scan(&l.id, &l.tid, &l.code, &l.product, &l.source, &l.date, &l.unit, &l.plotID, &l.qty, &l.voided, &l.jseq, &l.from, &l.supplier); err != nil {
			return nil, readErr(err)
		}
		out = append(out, l)
	}
	return out, readErr(rows.Err())
}

func findLot(ctx context.Context, s *snap, code string) (*lotRow, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, errf(store.CodeInvalid, nil, "请给出批次追溯码（--lot）。", "give the lot's trace code (--lot)")
	}
	ls, err := lotsWhere(ctx, s, "l.code = ?1 OR l.national_code = ?1 OR l.national_short_code = ?1", code)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, errf(store.CodeNotFound, nil, "找不到追溯码为“%s”的批次：请检查追溯码（可扫描标签）。", "there is no lot with the trace code %q: check the code (scan the label)", code)
	}
	return ls[0], nil
}

// collect reads the events and balances of lots.
func (r *TraceReport) collect(ctx context.Context, s *snap, lang string, lots []*lotRow) error {
	byID := map[int64]*lotRow{}
	ids := make([]string, len(lots))
	for i, l := range lots {
		byID[l.id] = l
		ids[i] = fmt.Sprint(l.id)
	}
	in := strings.Join(ids, ",")
	var seqs []int64
	add := func(e TraceEvent) {
		r.Events = append(r.Events, e)
		seqs = append(seqs, e.Journal.Seq)
	}
	site := s.site.Name
	// Balances.
	bal := map[int64]*LotBalance{}
	rows, err := s.tx.QueryContext(ctx, `SELECT l.id,
		(SELECT coalesce(sum(quantity),0) FROM shipments WHERE lot_id = l.id AND voided = 0),
		(SELECT coalesce(sum(ti.quantity),0) FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id WHERE ti.lot_id = l.id AND t.voided = 0),
		(SELECT coalesce(sum(quantity),0) FROM disposals WHERE lot_id = l.id AND voided = 0)
		FROM lots l WHERE l.id IN (`+in+`)`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var id int64
		var b LotBalance
		if err := rows.Scan(&id, &b.Shipped, &b.TransformedOut, &b.Disposed); err != nil {
			rows.Close()
			return readErr(err)
		}
		bal[id] = &b
	}
	rows.Close()
	plots := map[int64]string{}
	for _, l := range lots {
		b := bal[l.id]
		b.Lot, b.Product, b.Source, b.Unit, b.Date, b.Direction, b.In, b.Voided = l.code, l.product, l.source, l.unit, l.date, l.dir, l.qty, l.voided
		b.Shipped, b.TransformedOut, b.Disposed = round3(b.Shipped), round3(b.TransformedOut), round3(b.Disposed)
		b.Stock = round3(b.In - b.Shipped - b.TransformedOut - b.Disposed)
		b.Journal.Seq = l.jseq
		seqs = append(seqs, l.jseq)
		switch l.source {
		case "harvest":
			loc := ""
			if l.plotID.Valid {
				if err := s.tx.QueryRowContext(ctx, `SELECT b.name || ' / ' || p.name FROM plots p JOIN bases b ON b.id = p.base_id WHERE p.id = ?`, l.plotID.Int64).Scan(&loc); err != nil && err != sql.ErrNoRows {
					return readErr(err)
				}
				plots[l.id] = loc
			}
			add(TraceEvent{Type: EvHarvest, Date: l.date, Lot: l.code, Product: l.product, Quantity: l.qty, HasQty: true, Unit: l.unit, Location: loc, Partner: site, Reference: l.code, Journal: JournalRef{Seq: l.jseq}})
		case "transform":
			add(TraceEvent{Type: EvTransformOut, Date: l.date, Lot: l.code, Product: l.product, Quantity: l.qty, HasQty: true, Unit: l.unit, Location: site, Partner: site,
				Reference: fmt.Sprintf(tr(lang, "加工#%d", "transformation #%d"), l.tid), Journal: JournalRef{Seq: l.jseq}})
		}
	}
	// Inputs applied on the plots of harvest lots, in the season (365 days) before harvest.
	for _, l := range lots {
		if l.source != "harvest" || !l.plotID.Valid {
			continue
		}
		d, err := time.Parse(dayLayout, l.date[:min(10, len(l.date))])
		if err != nil {
			continue
		}
		rows, err := s.tx.QueryContext(ctx, `SELECT a.applied_on, m.name, m.reg_no, a.dose, a.dose_unit, coalesce(m.phi_days, 0), a.operator, a.jseq
			FROM applications a JOIN materials m ON m.id = a.material_id
			WHERE a.plot_id = ? AND a.voided = 0 AND a.applied_on BETWEEN ? AND ? ORDER BY a.applied_on, a.id`,
			l.plotID.Int64, d.AddDate(0, 0, -365).Format(dayLayout), l.date)
		if err != nil {
			return readErr(err)
		}
		for rows.Next() {
			var e TraceEvent
			var name, reg, op string
			var phi int
			if err := rows.Scan(&e.Date, &name, &reg, &e.Quantity, &e.Unit, &phi, &op, &e.Journal.Seq); err != nil {
				rows.Close()
				return readErr(err)
			}
			e.Type, e.Lot, e.Product, e.HasQty, e.Location, e.Partner = EvApplication, l.code, l.product, true, plots[l.id], op
			e.Reference = name
			if reg != "" {
				e.Reference += " " + reg
			}
			if phi > 0 {
				e.Reference += fmt.Sprintf(tr(lang, "（安全间隔期 %d 天）", " (PHI %d days)"), phi)
			}
			add(e)
		}
		rows.Close()
	}
	// Receipts.
	rows, err = s.tx.QueryContext(ctx, `SELECT r.lot_id, r.received_on, r.supplier_name, r.upstream_code, r.upstream_cert_no, r.jseq FROM receipts r WHERE r.voided = 0 AND r.lot_id IN (`+in+`)`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var id, seq int64
		var date, sup, up, cert string
		if err := rows.Scan(&id, &date, &sup, &up, &cert, &seq); err != nil {
			rows.Close()
			return readErr(err)
		}
		l := byID[id]
		ref := up
		if cert != "" {
			ref += tr(lang, " 合格证 ", " certificate ") + cert
		}
		add(TraceEvent{Type: EvReceiving, Date: date, Lot: l.code, Product: l.product, Quantity: l.qty, HasQty: true, Unit: l.unit, Location: site, Partner: sup, Reference: ref, Journal: JournalRef{Seq: seq}})
	}
	rows.Close()
	// Transformations touching the lots: inputs consumed and the summary.
	rows, err = s.tx.QueryContext(ctx, `SELECT t.id, t.kind, t.done_on, t.jseq, ti.lot_id, ti.quantity, ti.jseq FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id
		WHERE t.voided = 0 AND (ti.lot_id IN (`+in+`) OR t.id IN (SELECT transformation_id FROM lots WHERE id IN (`+in+`))) ORDER BY t.done_on, t.id, ti.id`)
	if err != nil {
		return readErr(err)
	}
	tsum := map[int64]*TransformSummary{}
	var tids []int64
	for rows.Next() {
		var tid, tseq, lid, iseq int64
		var kind, date string
		var q float64
		if err := rows.Scan(&tid, &kind, &date, &tseq, &lid, &q, &iseq); err != nil {
			rows.Close()
			return readErr(err)
		}
		ts := tsum[tid]
		if ts == nil {
			ts = &TransformSummary{ID: tid, Kind: word(lang, kind), Date: date, InQty: map[string]float64{}, OutQty: map[string]float64{}, Journal: JournalRef{Seq: tseq}}
			tsum[tid] = ts
			tids = append(tids, tid)
			seqs = append(seqs, tseq)
		}
		if l := byID[lid]; l != nil {
			ts.Inputs = append(ts.Inputs, l.code+" "+qty(q)+" "+l.unit)
			ts.InQty[l.unit] = round3(ts.InQty[l.unit] + q)
			add(TraceEvent{Type: EvTransformIn, Date: date, Lot: l.code, Product: l.product, Quantity: q, HasQty: true, Unit: l.unit, Location: site, Partner: site,
				Reference: fmt.Sprintf(tr(lang, "%s#%d", "%s #%d"), word(lang, kind), tid), Journal: JournalRef{Seq: iseq}})
		} else {
			// an input lot outside the trace (a sibling merged in): named, not followed.
			var code, unit string
			s.tx.QueryRowContext(ctx, "SELECT code, unit FROM lots WHERE id = ?", lid).Scan(&code, &unit)
			ts.Inputs = append(ts.Inputs, code+" "+qty(q)+" "+unit)
			ts.InQty[unit] = round3(ts.InQty[unit] + q)
		}
	}
	rows.Close()
	for _, tid := range tids {
		ts := tsum[tid]
		outs, err := lotsWhere(ctx, s, "l.transformation_id = ? AND l.voided = 0", tid)
		if err != nil {
			return err
		}
		for _, o := range outs {
			ts.Outputs = append(ts.Outputs, o.code+" "+qty(o.qty)+" "+o.unit)
			ts.OutQty[o.unit] = round3(ts.OutQty[o.unit] + o.qty)
		}
		r.Transforms = append(r.Transforms, *ts)
	}
	// Tests.
	rows, err = s.tx.QueryContext(ctx, `SELECT lot_id, tested_at, kind, item, rate, verdict, operator, sample_no, jseq FROM inspections WHERE voided = 0 AND lot_id IN (`+in+`) ORDER BY tested_at, id`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var id, seq int64
		var at, kind, item, verdict, op, sample string
		var rate sql.NullFloat64
		if err := rows.Scan(&id, &at, &kind, &item, &rate, &verdict, &op, &sample, &seq); err != nil {
			rows.Close()
			return readErr(err)
		}
		l := byID[id]
		ref := word(lang, kind) + " " + item
		if rate.Valid {
			ref += fmt.Sprintf(tr(lang, " 抑制率 %s%%", " inhibition %s%%"), qty(rate.Float64))
		}
		ref += " " + word(lang, verdict)
		add(TraceEvent{Type: EvTest, Date: localTime(at), Lot: l.code, Product: l.product, Unit: l.unit, Location: site, Partner: op, Reference: strings.TrimSpace(ref), Journal: JournalRef{Seq: seq}})
	}
	rows.Close()
	// Certificates.
	rows, err = s.tx.QueryContext(ctx, `SELECT lot_id, issued_on, cert_no, quantity, unit, issuer, jseq FROM certificates WHERE voided = 0 AND lot_id IN (`+in+`) ORDER BY issued_on, id`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var id, seq int64
		var date, no, unit, issuer string
		var q float64
		if err := rows.Scan(&id, &date, &no, &q, &unit, &issuer, &seq); err != nil {
			rows.Close()
			return readErr(err)
		}
		l := byID[id]
		add(TraceEvent{Type: EvCertificate, Date: date, Lot: l.code, Product: l.product, Quantity: q, HasQty: true, Unit: unit, Location: site, Partner: issuer, Reference: no, Journal: JournalRef{Seq: seq}})
	}
	rows.Close()
	// Shipments.
	rows, err = s.tx.QueryContext(ctx, `SELECT id, lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, to_code, jseq FROM shipments WHERE voided = 0 AND lot_id IN (`+in+`) ORDER BY shipped_on, id`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var sid, id, seq int64
		var date, buyer, bcode, btype, unit, to string
		var q float64
		if err := rows.Scan(&sid, &id, &date, &buyer, &bcode, &btype, &q, &unit, &to, &seq); err != nil {
			rows.Close()
			return readErr(err)
		}
		l := byID[id]
		partner := buyer
		if bcode != "" {
			partner += "（" + bcode + "）"
		}
		ref := fmt.Sprintf(tr(lang, "发货#%d", "shipment #%d"), sid)
		if to != "" {
			ref += " → " + to
		}
		add(TraceEvent{Type: EvShipping, Date: date, Lot: l.code, Product: l.product, Quantity: q, HasQty: true, Unit: unit, Location: site, Partner: partner, Reference: ref, Journal: JournalRef{Seq: seq}})
	}
	rows.Close()
	// Disposals.
	rows, err = s.tx.QueryContext(ctx, `SELECT lot_id, disposed_on, method, quantity, jseq FROM disposals WHERE voided = 0 AND lot_id IN (`+in+`) ORDER BY disposed_on, id`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var id, seq int64
		var date, method string
		var q float64
		if err := rows.Scan(&id, &date, &method, &q, &seq); err != nil {
			rows.Close()
			return readErr(err)
		}
		l := byID[id]
		add(TraceEvent{Type: EvDisposal, Date: date, Lot: l.code, Product: l.product, Quantity: q, HasQty: true, Unit: l.unit, Location: site, Partner: site, Reference: word(lang, method), Journal: JournalRef{Seq: seq}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return readErr(err)
	}
	hs, err := s.hashes(ctx, seqs)
	if err != nil {
		return err
	}
	for i := range r.Events {
		r.Events[i].Journal.Hash = hs[r.Events[i].Journal.Seq]
	}
	for i := range r.Transforms {
		r.Transforms[i].Journal.Hash = hs[r.Transforms[i].Journal.Seq]
	}
	order := map[string]int{EvApplication: 0, EvHarvest: 1, EvReceiving: 1, EvTransformIn: 2, EvTransformOut: 3, EvTest: 4, EvCertificate: 5, EvShipping: 6, EvDisposal: 6}
	sort.SliceStable(r.Events, func(i, j int) bool {
		a, b := r.Events[i], r.Events[j]
		if a.Date[:min(10, len(a.Date))] != b.Date[:min(10, len(b.Date))] {
			return a.Date < b.Date
		}
		return order[a.Type] < order[b.Type]
	})
	for _, l := range lots {
		b := *bal[l.id]
		b.Journal.Hash = hs[b.Journal.Seq]
		r.Lots = append(r.Lots, b)
	}
	r.Root = r.Lots[0]
	return nil
}

// Shipped sums the shipping events by unit.
func (r *TraceReport) Shipped() map[string]float64 {
	m := map[string]float64{}
	for _, e := range r.Events {
		if e.Type == EvShipping {
			m[e.Unit] = round3(m[e.Unit] + e.Quantity)
		}
	}
	return m
}

func dirWord(lang, d string) string {
	switch d {
	case "root":
		return tr(lang, "查询批次", "queried lot")
	case "back":
		return tr(lang, "来源批次", "source lot")
	}
	return tr(lang, "去向批次", "made from it")
}

// PDF renders the trace report.
func (r *TraceReport) PDF() ([]byte, error) {
	lang := r.Header.Lang
	return render(r.Header, func(d *doc) error {
		rb := r.Root
		d.kv([][2]string{
			{tr(lang, "查询批次", "Lot"), rb.Lot + "（" + rb.Product + "，" + word(lang, rb.Source) + " " + rb.Date + "）"},
			{tr(lang, "涉及批次", "Lots in the trace"), fmt.Sprintf(tr(lang, "%d 个（含合并、拆分、加工的来源与去向）", "%d (sources and products across merges, splits and processing)"), len(r.Lots))},
			{tr(lang, "物料平衡", "Mass balance"), fmt.Sprintf(tr(lang, "产入 %s = 发货 %s + 加工转出 %s + 处置 %s + 库存 %s（%s）", "in %s = shipped %s + processed %s + disposed %s + stock %s (%s)"),
				qty(rb.In), qty(rb.Shipped), qty(rb.TransformedOut), qty(rb.Disposed), qty(rb.Stock), rb.Unit)},
			{tr(lang, "发货合计", "Shipped in total"), totals(r.Shipped()) + fmt.Sprintf(tr(lang, "（%d 次发货，含下游批次）", " (%d shipments, with downstream lots)"), countType(r.Events, EvShipping))},
			{tr(lang, "数据截至", "Journal"), fmt.Sprintf(tr(lang, "日志序号 %d（哈希 %s）", "journal seq %d (hash %s)"), r.JournalSeq, short(r.JournalHash))},
		})
		d.heading(tr(lang, "一、物料平衡（产入 = 发货 + 加工转出 + 处置 + 库存）", "1. Mass balance (in = shipped + processed + disposed + stock)"))
		var rows [][]string
		for _, b := range r.Lots {
			ok := tr(lang, "平衡", "balanced")
			if !b.Balanced() {
				ok = tr(lang, "不平衡", "OFF")
			}
			if b.Voided {
				ok = tr(lang, "已作废", "voided")
			}
			rows = append(rows, []string{b.Lot, dirWord(lang, b.Direction) + "\n" + b.Product, qty(b.In), qty(b.Shipped), qty(b.TransformedOut), qty(b.Disposed), qty(b.Stock), b.Unit, ok})
		}
		d.table([]column{{tr(lang, "批次追溯码", "Lot code"), 34, 'L'}, {tr(lang, "关系/产品", "Relation / product"), 22, 'L'}, {tr(lang, "产入", "In"), 14, 'R'},
			{tr(lang, "发货", "Shipped"), 14, 'R'}, {tr(lang, "加工转出", "Processed"), 14, 'R'}, {tr(lang, "处置", "Disposed"), 12, 'R'},
			{tr(lang, "库存", "Stock"), 12, 'R'}, {tr(lang, "单位", "Unit"), 9, 'C'}, {tr(lang, "核对", "Check"), 12, 'C'}}, rows, nil)
		if len(r.Transforms) > 0 {
			d.heading(tr(lang, "二、加工、合并与拆分", "2. Processing, merges and splits"))
			rows = nil
			for _, t := range r.Transforms {
				rows = append(rows, []string{t.Date, t.Kind + fmt.Sprintf(" #%d", t.ID), strings.Join(t.Inputs, "\n"), strings.Join(t.Outputs, "\n"), totals(t.InQty) + " → " + totals(t.OutQty), t.Journal.Cell()})
			}
			d.table([]column{{tr(lang, "日期", "Date"), 17, 'L'}, {tr(lang, "类型", "Kind"), 14, 'L'}, {tr(lang, "投入批次", "Lots in"), 42, 'L'},
				{tr(lang, "产出批次", "Lots out"), 42, 'L'}, {tr(lang, "投入 → 产出", "In → out"), 26, 'L'}, {tr(lang, "日志", "Journal"), 18, 'L'}}, rows, nil)
		}
		d.heading(tr(lang, "三、全部追溯事件（按日期）", "3. Every event (by date)"))
		rows = nil
		for _, e := range r.Events {
			q := ""
			if e.HasQty {
				q = qty(e.Quantity) + " " + e.Unit
			}
			loc := e.Partner
			if e.Type == EvHarvest || e.Type == EvApplication {
				loc = e.Location
				if e.Type == EvApplication && e.Partner != "" {
					loc += "\n" + e.Partner
				}
			}
			rows = append(rows, []string{e.Date, EventWord(lang, e.Type), e.Lot, q, loc, e.Reference, e.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "日期", "Date"), 19, 'L'}, {tr(lang, "事件", "Event"), 15, 'L'}, {tr(lang, "批次追溯码", "Lot code"), 37, 'L'},
			{tr(lang, "数量", "Quantity"), 17, 'R'}, {tr(lang, "地点/对方", "Location / partner"), 30, 'L'}, {tr(lang, "单据/说明", "Reference"), 36, 'L'},
			{tr(lang, "日志", "Journal"), 18, 'L'}}, rows, nil)
		d.para(8, tr(lang, "说明：“日志”为该记录在不可篡改日志中的序号及哈希前 8 位，可用 suyuan verify 核验；已作废的记录不列入。",
			"\"Journal\" is each record's journal seq / first 8 hash digits (check with suyuan verify); voided records are left out."))
		return nil
	})
}

func countType(es []TraceEvent, t string) int {
	n := 0
	for _, e := range es {
		if e.Type == t {
			n++
		}
	}
	return n
}

// XLSX is the sortable spreadsheet: one row per event (FSMA 204 columns
// adapted), and a second sheet with each lot's mass balance.
func (r *TraceReport) XLSX() ([]byte, error) {
	lang := r.Header.Lang
	ev := sheet{Name: tr(lang, "追溯事件", "Events"), Widths: []float64{16, 12, 26, 12, 10, 8, 24, 28, 36, 8, 66},
		Head: []string{tr(lang, "事件类型", "Event type"), tr(lang, "日期", "Date"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "产品", "Product"),
			tr(lang, "数量", "Quantity"), tr(lang, "单位", "Unit"), tr(lang, "地点", "Location"), tr(lang, "对方", "Partner"),
			tr(lang, "单据/说明", "Reference document"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, e := range r.Events {
		var q any = ""
		if e.HasQty {
			q = e.Quantity
		}
		ev.Rows = append(ev.Rows, []any{EventWord(lang, e.Type), e.Date, e.Lot, e.Product, q, e.Unit, e.Location, e.Partner, e.Reference, float64(e.Journal.Seq), e.Journal.Hash})
	}
	bal := sheet{Name: tr(lang, "物料平衡", "Mass balance"), Widths: []float64{26, 12, 12, 10, 10, 10, 10, 10, 8, 10, 8, 66},
		Head: []string{tr(lang, "批次追溯码", "Lot code"), tr(lang, "关系", "Relation"), tr(lang, "产品", "Product"), tr(lang, "产入", "In"), tr(lang, "发货", "Shipped"),
			tr(lang, "加工转出", "Processed"), tr(lang, "处置", "Disposed"), tr(lang, "库存", "Stock"), tr(lang, "单位", "Unit"), tr(lang, "核对", "Check"),
			tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, b := range r.Lots {
		ok := tr(lang, "平衡", "balanced")
		if !b.Balanced() {
			ok = tr(lang, "不平衡", "OFF")
		}
		bal.Rows = append(bal.Rows, []any{b.Lot, dirWord(lang, b.Direction), b.Product, b.In, b.Shipped, b.TransformedOut, b.Disposed, b.Stock, b.Unit, ok, float64(b.Journal.Seq), b.Journal.Hash})
	}
	return xlsxBytes(ev, bal)
}
