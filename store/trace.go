package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// maxTraceDepth bounds every walk across transformations (trace, PHI,
// certificate evidence): real chains are a few levels; a corrupted or
// cyclic chain must not hang the app.
const maxTraceDepth = 50

// TraceLot is a lot as a trace shows it.
type TraceLot struct {
	ID                int64   `json:"id"`
	Code              string  `json:"code"`
	NationalCode      string  `json:"national_code,omitempty"`
	NationalShortCode string  `json:"national_short_code,omitempty"`
	Product           string  `json:"product"`
	Variety           string  `json:"variety,omitempty"`
	Source            string  `json:"source"`
	ProducedOn        string  `json:"produced_on"`
	Quantity          float64 `json:"quantity"`
	Unit              string  `json:"unit"`
	Available         float64 `json:"available"`
	Hold              bool    `json:"hold,omitempty"`
	HoldReason        string  `json:"hold_reason,omitempty"`
	PHIOverride       bool    `json:"phi_override,omitempty"`
	Voided            bool    `json:"voided,omitempty"`
}

// TraceOrigin is one step back for a harvest lot: where it grew and what
// was applied there in the season before harvest.
type TraceOrigin struct {
	Plot         string             `json:"plot"`
	Crop         string             `json:"crop,omitempty"`
	Base         string             `json:"base"`
	Address      string             `json:"address,omitempty"`
	Division     string             `json:"division,omitempty"`
	Applications []TraceApplication `json:"applications"`
	EnvTests     []TraceEnvTest     `json:"env_tests,omitempty"`
}

// TraceApplication is one input application in the window.
type TraceApplication struct {
	Date     string  `json:"date"`
	Material string  `json:"material"`
	Kind     string  `json:"kind"`
	RegNo    string  `json:"reg_no,omitempty"`
	Dose     float64 `json:"dose"`
	DoseUnit string  `json:"dose_unit"`
	PHIDays  int     `json:"phi_days,omitempty"`
}

// TraceEnvTest is a 产地环境 test of the base.
type TraceEnvTest struct {
	Date       string `json:"date"`
	Kind       string `json:"kind"`
	Conclusion string `json:"conclusion"`
	ReportNo   string `json:"report_no,omitempty"`
}

// TraceReceipt is one step back for a received lot.
type TraceReceipt struct {
	Date           string `json:"date"`
	Supplier       string `json:"supplier"`
	SupplierCode   string `json:"supplier_code,omitempty"`
	UpstreamCode   string `json:"upstream_code"`
	UpstreamKind   string `json:"upstream_kind,omitempty"`
	UpstreamCertNo string `json:"upstream_cert_no,omitempty"`
}

// TraceShipment is one step forward: a sale.
type TraceShipment struct {
	ID        int64   `json:"id"`
	Date      string  `json:"date"`
	Buyer     string  `json:"buyer"`
	BuyerCode string  `json:"buyer_code,omitempty"`
	BuyerType string  `json:"buyer_type"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	ToCode    string  `json:"to_code,omitempty"`
	Voided    bool    `json:"voided,omitempty"`
}

// TraceCertificate is a certificate issued for the lot.
type TraceCertificate struct {
	CertNo   string   `json:"cert_no"`
	Date     string   `json:"date"`
	Style    int      `json:"style"`
	Basis    []string `json:"basis"`
	Quantity float64  `json:"quantity"`
	Unit     string   `json:"unit"`
	Voided   bool     `json:"voided,omitempty"`
}

// TraceInspection is a test of the lot.
type TraceInspection struct {
	ID       int64    `json:"id"`
	TestedAt string   `json:"tested_at"`
	Kind     string   `json:"kind"`
	Item     string   `json:"item,omitempty"`
	Rate     *float64 `json:"rate,omitempty"`
	Verdict  string   `json:"verdict"`
	RetestOf int64    `json:"retest_of,omitempty"`
}

// TraceEdge is a transformation between lots: for Inputs, the lot that went
// in (Node) and how much; for Outputs, the lot that came out.
type TraceEdge struct {
	TransformationID int64      `json:"transformation_id"`
	Kind             string     `json:"kind"`
	Date             string     `json:"date"`
	Quantity         float64    `json:"quantity"`
	Node             *TraceNode `json:"node"`
}

// TraceNode is one lot with one step back and one step forward. In a full
// trace, Inputs are followed back (recursively) and Outputs forward; a lot
// reached again is shown with Repeat set and not expanded; Truncated marks
// the depth limit.
type TraceNode struct {
	Lot          TraceLot           `json:"lot"`
	Depth        int                `json:"depth"`
	Origin       *TraceOrigin       `json:"origin,omitempty"`
	Receipt      *TraceReceipt      `json:"receipt,omitempty"`
	Inputs       []TraceEdge        `json:"inputs,omitempty"`
	Outputs      []TraceEdge        `json:"outputs,omitempty"`
	Shipments    []TraceShipment    `json:"shipments,omitempty"`
	Certificates []TraceCertificate `json:"certificates,omitempty"`
	Inspections  []TraceInspection  `json:"inspections,omitempty"`
	Repeat       bool               `json:"repeat,omitempty"`
	Truncated    bool               `json:"truncated,omitempty"`
}

// TraceResult is the answer to Trace.
type TraceResult struct {
	Query   string     `json:"query"`
	MatchBy string     `json:"match_by"` // lot, from_code, to_code
	Full    bool       `json:"full"`
	Root    *TraceNode `json:"root"`
	Lots    int        `json:"lots"` // distinct lots in the result
}

// applicationWindowDays is how far before harvest the trace lists a plot's
// applications: one growing season. Citrus is picked over weeks from the
// same plot, so "since the previous harvest" would hide the sprays that
// matter; a year covers every PHI on any label.
const applicationWindowDays = 365

// Trace walks one step back and one step forward from the lot with code
// (local, national long or short; failing that, a received lot's upstream
// code or a shipment's to_code). With full it follows transformations
// recursively: inputs back, outputs forward, cycle-safe, at most 50 levels.
// It reads one consistent snapshot.
func (db *DB) Trace(ctx context.Context, code string, full bool) (*TraceResult, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer tx.Rollback()
	res := &TraceResult{Query: strings.TrimSpace(code), Full: full, MatchBy: "lot"}
	id, err := findLotID(ctx, tx, code)
	if IsNotFound(err) {
		norm := normalizeCode(code)
		if e := tx.QueryRowContext(ctx, "SELECT id FROM lots WHERE from_code = ? ORDER BY id LIMIT 1", norm).Scan(&id); e == nil {
			res.MatchBy, err = "from_code", nil
		} else if e := tx.QueryRowContext(ctx, "SELECT lot_id FROM shipments WHERE to_code = ? AND to_code <> '' ORDER BY id LIMIT 1", norm).Scan(&id); e == nil {
			res.MatchBy, err = "to_code", nil
		}
	}
	if err != nil {
		return nil, err
	}
	t := &tracer{ctx: ctx, q: tx, full: full, seen: map[int64]bool{}}
	if res.Root, err = t.node(id, 0, 0); err != nil {
		return nil, err
	}
	res.Lots = len(t.seen)
	return res, nil
}

type tracer struct {
	ctx  context.Context
	q    rowQuerier
	full bool
	seen map[int64]bool
}

const (
	dirBoth = 0
	dirBack = -1
	dirFwd  = 1
)

// node builds lot id's node. dir says which way the walk is going: the root
// expands both ways, ancestors only back, descendants only forward (but
// every node shows its own shipments and certificates: a recall needs them).
func (t *tracer) node(id int64, depth, dir int) (*TraceNode, error) {
	ctx, q := t.ctx, t.q
	l, err := loadLotRow(ctx, q, id)
	if err != nil {
		return nil, err
	}
	n := &TraceNode{Depth: depth}
	n.Lot = TraceLot{ID: l.ID, Code: l.Code, NationalCode: l.NationalCode, NationalShortCode: l.NationalShort, Source: l.Source,
		ProducedOn: l.ProducedOn, Quantity: l.Quantity, Unit: l.Unit, Hold: l.Hold, HoldReason: l.HoldReason, PHIOverride: l.PHIOverride, Voided: l.Voided}
	if err := q.QueryRowContext(ctx, "SELECT name, variety FROM products WHERE id = ?", l.ProductID).Scan(&n.Lot.Product, &n.Lot.Variety); err != nil {
		return nil, fmt.Errorf("trace product: %w", err)
	}
	b, err := lotBalance(ctx, q, l.ID)
	if err != nil {
		return nil, err
	}
	n.Lot.Available = b.Available
	if t.seen[id] {
		n.Repeat = true
		return n, nil
	}
	t.seen[id] = true
	if depth >= maxTraceDepth {
		n.Truncated = true
		return n, nil
	}
	expand := func(d int) bool { return depth == 0 || (t.full && dir == d) }
	// One step back.
	switch l.Source {
	case "harvest":
		if n.Origin, err = t.origin(l); err != nil {
			return nil, err
		}
	case "receipt":
		var r TraceReceipt
		err := q.QueryRowContext(ctx, `SELECT received_on, supplier_name, supplier_code, upstream_code, upstream_kind, upstream_cert_no
			FROM receipts WHERE lot_id = ? ORDER BY voided, id LIMIT 1`, l.ID).Scan(&r.Date, &r.Supplier, &r.SupplierCode, &r.UpstreamCode, &r.UpstreamKind, &r.UpstreamCertNo)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if err == nil {
			n.Receipt = &r
		} else {
			n.Receipt = &TraceReceipt{Supplier: l.Supplier, UpstreamCode: l.FromCode}
		}
	case "transform":
		if expand(dirBack) && l.TransformationID != 0 {
			rows, err := q.QueryContext(ctx, `SELECT t.id, t.kind, t.done_on, ti.lot_id, ti.quantity FROM transformation_inputs ti
				JOIN transformations t ON t.id = ti.transformation_id WHERE t.id = ? ORDER BY ti.id`, l.TransformationID)
			if err != nil {
				return nil, err
			}
			edges, ids, err := scanEdges(rows)
			if err != nil {
				return nil, err
			}
			for i := range edges {
				if edges[i].Node, err = t.node(ids[i], depth+1, dirBack); err != nil {
					return nil, err
				}
			}
			n.Inputs = edges
		}
	}
	// One step forward.
	if expand(dirFwd) {
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT t.id, t.kind, t.done_on, o.id, o.quantity FROM transformation_inputs ti
			JOIN transformations t ON t.id = ti.transformation_id JOIN lots o ON o.transformation_id = t.id
			WHERE ti.lot_id = ? AND t.voided = 0 ORDER BY t.id, o.id`, l.ID)
		if err != nil {
			return nil, err
		}
		edges, ids, err := scanEdges(rows)
		if err != nil {
			return nil, err
		}
		for i := range edges {
			if edges[i].Node, err = t.node(ids[i], depth+1, dirFwd); err != nil {
				return nil, err
			}
		}
		n.Outputs = edges
	}
	if err := t.facts(n, l.ID); err != nil {
		return nil, err
	}
	return n, nil
}

func scanEdges(rows *sql.Rows) ([]TraceEdge, []int64, error) {
	defer rows.Close()
	var edges []TraceEdge
	var ids []int64
	for rows.Next() {
		var e TraceEdge
		var id int64
		if err := rows.Scan(&e.TransformationID, &e.Kind, &e.Date, &id, &e.Quantity); err != nil {
			return nil, nil, err
		}
		edges, ids = append(edges, e), append(ids, id)
	}
	return edges, ids, rows.Err()
}

func (t *tracer) origin(l lotRow) (*TraceOrigin, error) {
	if l.PlotID == 0 {
		return nil, nil
	}
	ctx, q := t.ctx, t.q
	o := &TraceOrigin{Applications: []TraceApplication{}}
	var baseID int64
	if err := q.QueryRowContext(ctx, `SELECT p.name, p.crop, b.id, b.name, b.address, b.division_code FROM plots p JOIN bases b ON b.id = p.base_id WHERE p.id = ?`,
		l.PlotID).Scan(&o.Plot, &o.Crop, &baseID, &o.Base, &o.Address, &o.Division); err != nil {
		return nil, fmt.Errorf("trace plot: %w", err)
	}
	harvest, err := parseDay(l.ProducedOn)
	if err != nil {
		return nil, err
	}
	from := formatDay(harvest.AddDate(0, 0, -applicationWindowDays))
	rows, err := q.QueryContext(ctx, `SELECT a.applied_on, m.name, m.kind, m.reg_no, a.dose, a.dose_unit, coalesce(m.phi_days,0)
		FROM applications a JOIN materials m ON m.id = a.material_id
		WHERE a.plot_id = ? AND a.voided = 0 AND a.applied_on BETWEEN ? AND ? ORDER BY a.applied_on, a.id`, l.PlotID, from, l.ProducedOn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a TraceApplication
		if err := rows.Scan(&a.Date, &a.Material, &a.Kind, &a.RegNo, &a.Dose, &a.DoseUnit, &a.PHIDays); err != nil {
			return nil, err
		}
		o.Applications = append(o.Applications, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	erows, err := q.QueryContext(ctx, `SELECT tested_on, kind, conclusion, report_no FROM env_tests WHERE base_id = ? AND voided = 0 AND tested_on <= ?
		ORDER BY tested_on DESC LIMIT 10`, baseID, l.ProducedOn)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var e TraceEnvTest
		if err := erows.Scan(&e.Date, &e.Kind, &e.Conclusion, &e.ReportNo); err != nil {
			return nil, err
		}
		o.EnvTests = append(o.EnvTests, e)
	}
	return o, erows.Err()
}

// facts adds the lot's shipments, certificates and inspections (voided ones
// included, marked: a trace explains everything that was recorded).
func (t *tracer) facts(n *TraceNode, lotID int64) error {
	ctx, q := t.ctx, t.q
	rows, err := q.QueryContext(ctx, `SELECT id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, to_code, voided FROM shipments
		WHERE lot_id = ? ORDER BY id`, lotID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s TraceShipment
		var v int
		if err := rows.Scan(&s.ID, &s.Date, &s.Buyer, &s.BuyerCode, &s.BuyerType, &s.Quantity, &s.Unit, &s.ToCode, &v); err != nil {
			rows.Close()
			return err
		}
		s.Voided = v != 0
		n.Shipments = append(n.Shipments, s)
	}
	rows.Close()
	crows, err := q.QueryContext(ctx, "SELECT "+certCols+" FROM certificates c JOIN lots l ON l.id = c.lot_id WHERE c.lot_id = ? ORDER BY c.id", lotID)
	if err != nil {
		return err
	}
	for crows.Next() {
		c, err := scanCertificate(crows)
		if err != nil {
			crows.Close()
			return err
		}
		n.Certificates = append(n.Certificates, TraceCertificate{CertNo: c.CertNo, Date: formatDay(c.Date), Style: c.Style, Basis: c.Basis,
			Quantity: c.Quantity, Unit: c.Unit, Voided: c.Voided})
	}
	crows.Close()
	irows, err := q.QueryContext(ctx, `SELECT id, tested_at, kind, item, rate, verdict, coalesce(retest_of,0) FROM inspections
		WHERE lot_id = ? AND voided = 0 ORDER BY tested_at, id`, lotID)
	if err != nil {
		return err
	}
	defer irows.Close()
	for irows.Next() {
		var i TraceInspection
		var rate sql.NullFloat64
		if err := irows.Scan(&i.ID, &i.TestedAt, &i.Kind, &i.Item, &rate, &i.Verdict, &i.RetestOf); err != nil {
			return err
		}
		i.Rate = ptrFromNull(rate)
		n.Inspections = append(n.Inspections, i)
	}
	return irows.Err()
}

// Text renders the trace as indented lines in lang ("zh" or "en"), for the
// CLI and for printing.
func (r *TraceResult) Text(lang string) string {
	var b strings.Builder
	zh := lang != "en"
	w := func(depth int, zhs, ens string, args ...any) {
		b.WriteString(strings.Repeat("  ", depth))
		if zh {
			fmt.Fprintf(&b, zhs, args...)
		} else {
			fmt.Fprintf(&b, ens, args...)
		}
		b.WriteByte('\n')
	}
	var walk func(n *TraceNode, ind int)
	walk = func(n *TraceNode, ind int) {
		l := n.Lot
		code := l.Code
		if l.NationalCode != "" {
			code += " / " + l.NationalCode
		}
		w(ind, "批次 %[1]s  %[2]s %[3]s  %[4]g%[5]s（可用 %[8]g）  生产 %[6]s  来源 %[7]s", "lot %[1]s  %[2]s %[3]s  %[4]g %[5]s (available %[8]g)  produced %[6]s  source %[7]s",
			code, l.Product, l.Variety, l.Quantity, l.Unit, l.ProducedOn, l.Source, l.Available)
		if l.Voided {
			w(ind+1, "【已作废】", "[voided]")
		}
		if l.Hold {
			w(ind+1, "【扣留】%s", "[on hold] %s", l.HoldReason)
		}
		if n.Repeat {
			w(ind+1, "（见上文）", "(shown above)")
			return
		}
		if n.Truncated {
			w(ind+1, "（层级过深，已截断）", "(too deep, truncated)")
			return
		}
		if o := n.Origin; o != nil {
			w(ind+1, "产地：%s / %s（%s %s）", "origin: %s / %s (%s %s)", o.Base, o.Plot, o.Address, o.Division)
			for _, a := range o.Applications {
				w(ind+2, "%s 施用 %s %g%s（安全间隔期 %d 天）", "%s applied %s %g %s (PHI %d days)", a.Date, a.Material, a.Dose, a.DoseUnit, a.PHIDays)
			}
			for _, e := range o.EnvTests {
				w(ind+2, "%s 环境检测 %s：%s", "%s environment test %s: %s", e.Date, e.Kind, e.Conclusion)
			}
		}
		if r := n.Receipt; r != nil {
			w(ind+1, "收购自 %s，上游码 %s %s", "received from %s, upstream code %s %s", r.Supplier, r.UpstreamCode, r.UpstreamCertNo)
		}
		for _, i := range n.Inspections {
			w(ind+1, "检测 %s %s %s：%s", "test %s %s %s: %s", i.TestedAt, i.Kind, i.Item, i.Verdict)
		}
		for _, c := range n.Certificates {
			w(ind+1, "合格证 %s（样式%d，%s）%g%s", "certificate %s (style %d, %s) %g %s", c.CertNo, c.Style, strings.Join(c.Basis, "、"), c.Quantity, c.Unit)
		}
		for _, s := range n.Shipments {
			w(ind+1, "发货 %s → %s %s %g%s %s", "shipped %s → %s %s %g %s %s", s.Date, s.Buyer, s.BuyerCode, s.Quantity, s.Unit, s.ToCode)
		}
		for _, e := range n.Inputs {
			w(ind+1, "← 由（%s %s，用量 %g）", "← from (%s %s, used %g)", e.Kind, e.Date, e.Quantity)
			walk(e.Node, ind+2)
		}
		for _, e := range n.Outputs {
			w(ind+1, "→ 加工为（%s %s）", "→ made into (%s %s)", e.Kind, e.Date)
			walk(e.Node, ind+2)
		}
	}
	if r.Root != nil {
		walk(r.Root, 0)
	}
	return b.String()
}
