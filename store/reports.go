package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Completeness statuses.
const (
	StatusPresent       = "present"
	StatusMissing       = "missing"
	StatusNotApplicable = "n/a"
)

// CompletenessItem is one of the four record areas the county plan asks for.
type CompletenessItem struct {
	Area   string // environment, inputs, tests, processing
	Status string // present, missing, n/a
	Count  int
	Latest string // date of the latest record, "" if none
}

// Completeness says, for one product and period, whether each area of its
// records exists: 产地环境 (env tests of the bases of the product's plots, any
// date up to To: they are valid for years), 用药施肥 (applications on those
// plots in the period), 检测 (inspections of the product's lots in the
// period) and 加工 (transformations of its lots in the period). Processing is
// "n/a" when none of the product's lots was transformed in the period: the
// duty is to record processing that happened, and produce sold as harvested
// has none. Complete is true when nothing is missing.
type Completeness struct {
	ProductID   int64
	ProductName string
	From, To    time.Time
	Lots        int // lots of the product produced in the period
	Items       []CompletenessItem
	Complete    bool
}

// Completeness computes the record completeness of one product.
func (db *DB) Completeness(ctx context.Context, productID int64, from, to time.Time) (Completeness, error) {
	c := Completeness{ProductID: productID, From: asDay(from), To: asDay(to)}
	f, t := formatDay(c.From), formatDay(c.To)
	var crop string
	if err := db.r.QueryRowContext(ctx, "SELECT name, crop FROM products WHERE id = ?", productID).Scan(&c.ProductName, &crop); err != nil {
		return c, errf(CodeNotFound, err, "找不到产品#%d。", "product #%d does not exist", productID)
	}
	// The product's plots: those its lots were harvested from, and those
	// growing its crop.
	plots := `SELECT plot_id FROM lots WHERE product_id = ?1 AND plot_id IS NOT NULL AND voided = 0
		UNION SELECT id FROM plots WHERE crop <> '' AND crop = ?2`
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM lots WHERE product_id = ? AND voided = 0 AND produced_on BETWEEN ? AND ?",
		productID, f, t).Scan(&c.Lots); err != nil {
		return c, err
	}
	item := func(area, q string, args ...any) error {
		it := CompletenessItem{Area: area}
		if err := db.r.QueryRowContext(ctx, q, args...).Scan(&it.Count, &it.Latest); err != nil {
			return fmt.Errorf("completeness %s: %w", area, err)
		}
		it.Status = StatusMissing
		if it.Count > 0 {
			it.Status = StatusPresent
		}
		c.Items = append(c.Items, it)
		return nil
	}
	if err := item("environment", `SELECT count(*), coalesce(max(tested_on),'') FROM env_tests WHERE voided = 0 AND tested_on <= ?3
		AND base_id IN (SELECT base_id FROM plots WHERE id IN (`+plots+`))`, productID, crop, t); err != nil {
		return c, err
	}
	if err := item("inputs", `SELECT count(*), coalesce(max(applied_on),'') FROM applications WHERE voided = 0 AND applied_on BETWEEN ?3 AND ?4
		AND plot_id IN (`+plots+`)`, productID, crop, f, t); err != nil {
		return c, err
	}
	if err := item("tests", `SELECT count(*), coalesce(max(substr(i.tested_at,1,10)),'') FROM inspections i JOIN lots l ON l.id = i.lot_id
		WHERE i.voided = 0 AND l.product_id = ? AND substr(i.tested_at,1,10) BETWEEN ? AND ?`, productID, f, t); err != nil {
		return c, err
	}
	if err := item("processing", `SELECT count(DISTINCT t.id), coalesce(max(t.done_on),'') FROM transformations t
		WHERE t.voided = 0 AND t.done_on BETWEEN ?2 AND ?3 AND (
			t.id IN (SELECT ti.transformation_id FROM transformation_inputs ti JOIN lots l ON l.id = ti.lot_id WHERE l.product_id = ?1)
			OR t.id IN (SELECT transformation_id FROM lots WHERE product_id = ?1 AND transformation_id IS NOT NULL))`, productID, f, t); err != nil {
		return c, err
	}
	if p := &c.Items[3]; p.Count == 0 {
		p.Status = StatusNotApplicable
	}
	c.Complete = true
	for _, it := range c.Items {
		c.Complete = c.Complete && it.Status != StatusMissing
	}
	return c, nil
}

// CompletenessWindow is the period Home's record-completeness card checks
// and the completeness report starts with: the six months up to and
// including on ([on − 6 months, on], by calendar day; on the 29th–31st of a
// month whose six-months-back month is shorter, the last day of that month).
// Home and the report both use it with CompletenessAll, so they cannot
// disagree.
func CompletenessWindow(on time.Time) (from, to time.Time) {
	to = asDay(on)
	first := time.Date(to.Year(), to.Month()-6, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(to.Day(), last), 0, 0, 0, 0, time.UTC), to
}

// CompletenessAll is Completeness for every product in use (not retired),
// in id order: the completeness report's rows, and Home's list of products
// with missing records (HomeSummary.Incomplete, over CompletenessWindow).
func (db *DB) CompletenessAll(ctx context.Context, from, to time.Time) ([]Completeness, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM products WHERE retired = 0 ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("completeness: products: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("completeness: products: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("completeness: products: %w", err)
	}
	out := make([]Completeness, 0, len(ids))
	for _, id := range ids {
		c, err := db.Completeness(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Missing lists the areas of c whose records are missing.
func (c Completeness) Missing() []string {
	var miss []string
	for _, it := range c.Items {
		if it.Status == StatusMissing {
			miss = append(miss, it.Area)
		}
	}
	return miss
}

// MonthCount is the number of production records dated in one month
// ("2026-05"), by each record's own date.
type MonthCount struct {
	Month   string
	Entries int
}

// Readiness is the six-month recording check done before applying for a
// certification or title (the county plan: registered and recording for six
// months before applying).
type Readiness struct {
	On          time.Time
	FirstRecord time.Time    // date of the earliest production record, zero if none
	Months      []MonthCount // every month from the first record to On's month
	Gaps        []string     // months in the required window without any record
	Ready       bool
	// ReadyFrom is the first day the start condition holds (first record +
	// 6 months); gaps can still block it.
	ReadyFrom time.Time
}

// recordDates is every production record's own date (YYYY-MM-DD): the day
// the application, purchase, harvest, processing, test, disposal, shipment,
// receipt or 合格证 happened, as written on the record, whenever it was typed
// in. Voided records do not count; set-up rows (entity, bases, plots,
// products, materials, certifications, users) have no such date and are not
// records of production. An inspection's day is the date part of its
// tested_at, as in Completeness.
const recordDates = `SELECT tested_on AS day FROM env_tests WHERE voided = 0
	UNION ALL SELECT purchased_on FROM purchases WHERE voided = 0
	UNION ALL SELECT applied_on FROM applications WHERE voided = 0
	UNION ALL SELECT produced_on FROM lots WHERE voided = 0
	UNION ALL SELECT done_on FROM transformations WHERE voided = 0
	UNION ALL SELECT substr(tested_at,1,10) FROM inspections WHERE voided = 0
	UNION ALL SELECT disposed_on FROM disposals WHERE voided = 0
	UNION ALL SELECT shipped_on FROM shipments WHERE voided = 0
	UNION ALL SELECT received_on FROM receipts WHERE voided = 0
	UNION ALL SELECT issued_on FROM certificates WHERE voided = 0`

// Readiness reports whether recording started at least six months before on
// and no calendar month since on−6 months (through the month before on's
// month; on's own month may have just begun) lacks a record. It counts by
// each record's own date (recordDates: application date, harvest date, test
// date...), not by when it was typed in: a site that kept paper records and
// enters them later has that history. Records dated after on are not
// counted. The journal still shows when each record was entered.
func (db *DB) Readiness(ctx context.Context, on time.Time) (Readiness, error) {
	r := Readiness{On: asDay(on)}
	rows, err := db.r.QueryContext(ctx, `SELECT substr(day,1,7), count(*), min(day) FROM (`+recordDates+`)
		WHERE day <= ? GROUP BY 1 ORDER BY 1`, formatDay(r.On))
	if err != nil {
		return r, fmt.Errorf("readiness: %w", err)
	}
	counts := map[string]int{}
	var first, firstDay string
	for rows.Next() {
		var m, d string
		var n int
		if err := rows.Scan(&m, &n, &d); err != nil {
			rows.Close()
			return r, fmt.Errorf("readiness: %w", err)
		}
		if first == "" {
			first, firstDay = m, d
		}
		counts[m] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("readiness: %w", err)
	}
	if first == "" {
		return r, nil
	}
	fd, err := parseDay(firstDay)
	if err != nil {
		return r, fmt.Errorf("readiness: first record date %q: %w", firstDay, err)
	}
	r.FirstRecord = fd
	r.ReadyFrom = r.FirstRecord.AddDate(0, 6, 0)
	onMonth := r.On.Format("2006-01")
	fm, err := time.Parse("2006-01", first)
	if err != nil {
		return r, fmt.Errorf("readiness: month %q: %w", first, err)
	}
	for m := fm; m.Format("2006-01") <= onMonth; m = m.AddDate(0, 1, 0) {
		r.Months = append(r.Months, MonthCount{Month: m.Format("2006-01"), Entries: counts[m.Format("2006-01")]})
	}
	// Month arithmetic from the 1st: on 08-31, six months back is February
	// (AddDate on the 31st would overflow into March).
	windowStart := time.Date(r.On.Year(), r.On.Month()-6, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	for _, mc := range r.Months {
		if mc.Month >= windowStart && mc.Month < onMonth && mc.Entries == 0 {
			r.Gaps = append(r.Gaps, mc.Month)
		}
	}
	r.Ready = !r.ReadyFrom.After(r.On) && len(r.Gaps) == 0
	return r, nil
}

// HomeLot is a lot listed on the home screen.
type HomeLot struct {
	ID      int64
	Code    string
	Product string
	Reason  string // hold reason, or the earliest ship/certify day for PHI
}

// HomeSummary is what the home screen shows at a glance.
type HomeSummary struct {
	On                     time.Time
	LotsInPHI              []HomeLot // harvest lots still inside their PHI window on On
	LotsOnHold             []HomeLot
	LotsOnHoldCount        int
	CertificationsExpiring []Certification60 // 三品一标 expiring within 60 days (or expired)
	// Incomplete is CompletenessAll over CompletenessWindow(On), the rows
	// that are not Complete: exactly what the completeness report shows as
	// 不齐全 for that period. IncompleteFrom/To is the window.
	Incomplete                   []Completeness
	IncompleteFrom, IncompleteTo time.Time
	// IncompleteProducts is Incomplete as "name (area, area)" strings.
	IncompleteProducts []string
	PendingReadings    int
	// PositiveReadings are pending readings whose verdict is positive
	// (store.ReadingVerdict), newest first: shown until bound or discarded.
	PositiveReadings      []HomeReading
	PositiveReadingsCount int
	// Unsynced is filled by the sync package (the store does not know what
	// the platform has acknowledged); -1 means "not computed".
	Unsynced int
}

// Certification60 is a certification about to expire.
type Certification60 struct {
	ID      int64
	Kind    string
	Number  string
	Product string
	ValidTo string
	Expired bool
}

// homeListLimit bounds each home-screen list.
const homeListLimit = 20

// HomeSummary gathers the home screen's counts for day on.
func (db *DB) HomeSummary(ctx context.Context, on time.Time) (HomeSummary, error) {
	h := HomeSummary{On: asDay(on), Unsynced: -1}
	day := formatDay(h.On)
	// PHI: harvest lots (not overridden) whose plot had an application
	// before harvest whose interval runs past on. Only applications whose
	// interval is still running can matter, and the max over those equals
	// the max over all of them whenever it lies after on; starting from that
	// handful (instead of joining every lot of the year with every
	// application on its plot) keeps Home instant on a large history. Only
	// lots of the last year can qualify (no label PHI is that long).
	yearAgo := formatDay(h.On.AddDate(-1, 0, 0))
	rows, err := db.r.QueryContext(ctx, `SELECT l.id, l.code, p.name, max(a.until) AS earliest
		FROM (SELECT a.plot_id, a.applied_on, date(a.applied_on, '+' || m.phi_days || ' days') AS until
			FROM applications a JOIN materials m ON m.id = a.material_id AND m.phi_days > 0
			WHERE a.voided = 0 AND a.applied_on >= ?1 AND date(a.applied_on, '+' || m.phi_days || ' days') > ?2) a
		JOIN lots l ON l.plot_id = a.plot_id AND a.applied_on <= l.produced_on
		JOIN products p ON p.id = l.product_id
		WHERE l.source = 'harvest' AND l.voided = 0 AND l.phi_override = 0 AND l.produced_on >= ?1
		GROUP BY l.id ORDER BY l.id DESC LIMIT ?3`, yearAgo, day, homeListLimit)
	if err != nil {
		return h, fmt.Errorf("home PHI: %w", err)
	}
	for rows.Next() {
		var l HomeLot
		if err := rows.Scan(&l.ID, &l.Code, &l.Product, &l.Reason); err != nil {
			rows.Close()
			return h, err
		}
		h.LotsInPHI = append(h.LotsInPHI, l)
	}
	rows.Close()
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM lots WHERE hold = 1 AND voided = 0").Scan(&h.LotsOnHoldCount); err != nil {
		return h, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT l.id, l.code, p.name, l.hold_reason FROM lots l JOIN products p ON p.id = l.product_id
		WHERE l.hold = 1 AND l.voided = 0 ORDER BY l.id DESC LIMIT ?`, homeListLimit)
	if err != nil {
		return h, err
	}
	for rows.Next() {
		var l HomeLot
		if err := rows.Scan(&l.ID, &l.Code, &l.Product, &l.Reason); err != nil {
			rows.Close()
			return h, err
		}
		h.LotsOnHold = append(h.LotsOnHold, l)
	}
	rows.Close()
	rows, err = db.r.QueryContext(ctx, `SELECT id, kind, number, product_name, valid_to FROM certifications WHERE voided = 0 AND valid_to <= ?
		ORDER BY valid_to`, formatDay(h.On.AddDate(0, 0, 60)))
	if err != nil {
		return h, err
	}
	for rows.Next() {
		var c Certification60
		if err := rows.Scan(&c.ID, &c.Kind, &c.Number, &c.Product, &c.ValidTo); err != nil {
			rows.Close()
			return h, err
		}
		c.Expired = c.ValidTo < day
		h.CertificationsExpiring = append(h.CertificationsExpiring, c)
	}
	rows.Close()
	h.IncompleteFrom, h.IncompleteTo = CompletenessWindow(h.On)
	all, err := db.CompletenessAll(ctx, h.IncompleteFrom, h.IncompleteTo)
	if err != nil {
		return h, err
	}
	for _, c := range all {
		if !c.Complete {
			h.Incomplete = append(h.Incomplete, c)
			h.IncompleteProducts = append(h.IncompleteProducts, c.ProductName+" ("+strings.Join(c.Missing(), ", ")+")")
		}
	}
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM readings WHERE status = 'pending'").Scan(&h.PendingReadings); err != nil {
		return h, err
	}
	if h.PositiveReadings, h.PositiveReadingsCount, err = db.pendingPositives(ctx, homeListLimit); err != nil {
		return h, err
	}
	return h, nil
}

// MonthStat is one month of the charts.
type MonthStat struct {
	Month        string // "2026-05"
	Tests        int    // non-void inspections of this site's lots
	Negative     int
	Positive     int
	Invalid      int
	PassRate     float64 // Negative / (Negative + Positive); invalid results are not judged; 0 when none
	Applications int     // non-void input applications
}

// MonthlyStats returns one MonthStat per calendar month from from's month to
// to's month, empty months included (a chart must show the gap). Tests are
// dated by tested_at (UTC), applications by applied_on.
func (db *DB) MonthlyStats(ctx context.Context, from, to time.Time) ([]MonthStat, error) {
	f, t := asDay(from), asDay(to)
	if t.Before(f) {
		return nil, errf(CodeInvalid, nil, "结束日期早于开始日期。", "the end date is before the start date")
	}
	idx := map[string]int{}
	var out []MonthStat
	for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(t); m = m.AddDate(0, 1, 0) {
		idx[m.Format("2006-01")] = len(out)
		out = append(out, MonthStat{Month: m.Format("2006-01")})
	}
	rows, err := db.r.QueryContext(ctx, `SELECT substr(tested_at,1,7), verdict, count(*) FROM inspections
		WHERE voided = 0 AND lot_id IS NOT NULL AND substr(tested_at,1,10) BETWEEN ? AND ? GROUP BY 1, 2`, formatDay(f), formatDay(t))
	if err != nil {
		return nil, fmt.Errorf("monthly tests: %w", err)
	}
	for rows.Next() {
		var m, v string
		var n int
		if err := rows.Scan(&m, &v, &n); err != nil {
			rows.Close()
			return nil, err
		}
		i, ok := idx[m]
		if !ok {
			continue
		}
		s := &out[i]
		s.Tests += n
		switch v {
		case "negative":
			s.Negative += n
		case "positive":
			s.Positive += n
		default:
			s.Invalid += n
		}
	}
	rows.Close()
	rows, err = db.r.QueryContext(ctx, `SELECT substr(applied_on,1,7), count(*) FROM applications WHERE voided = 0 AND applied_on BETWEEN ? AND ? GROUP BY 1`,
		formatDay(f), formatDay(t))
	if err != nil {
		return nil, fmt.Errorf("monthly applications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			return nil, err
		}
		if i, ok := idx[m]; ok {
			out[i].Applications = n
		}
	}
	for i := range out {
		if j := out[i].Negative + out[i].Positive; j > 0 {
			out[i].PassRate = float64(out[i].Negative) / float64(j)
		}
	}
	return out, rows.Err()
}
