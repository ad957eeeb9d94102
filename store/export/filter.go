package export

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
)

// Filter narrows an export. Empty fields do not filter.
type Filter struct {
	From string `json:"from,omitempty"` // first day, YYYY-MM-DD, by the record's own date
	To   string `json:"to,omitempty"`   // last day, inclusive
	// Base is a base name; Plot a plot name, or "基地名称/地块名称" when the
	// name is used in more than one base.
	Base    string `json:"base,omitempty"`
	Plot    string `json:"plot,omitempty"`
	Product string `json:"product,omitempty"` // a product name
	Lot     string `json:"lot,omitempty"`     // a lot's trace code
	// Trace widens Lot to the lots it was made from and the lots made from
	// it, across transformations (what a recall needs).
	Trace bool `json:"trace,omitempty"`
}

// IsZero reports whether f filters nothing.
func (f Filter) IsZero() bool { return f == Filter{} }

// resolved is a Filter checked against the snapshot.
type resolved struct {
	from, to         string // dates
	fromTS, beforeTS string // UTC timestamp bounds: [fromTS, beforeTS)
	baseID           int64
	plotID, plotBase int64
	productID        int64
	lotIDs           []int64 // nil: no lot filter
	f                Filter
}

func (r *resolved) has(dim string) bool {
	switch dim {
	case "date":
		return r.from != "" || r.to != ""
	case "base":
		return r.baseID != 0
	case "plot":
		return r.plotID != 0
	case "product":
		return r.productID != 0
	case "lot":
		return r.lotIDs != nil
	}
	return false
}

const dateLayout = "2006-01-02"

// tsLayout is the store's timestamp text (UTC, fixed width, so it sorts).
const tsLayout = "2006-01-02T15:04:05.000000Z"

func parseDay(flag, s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(dateLayout, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, errf(store.CodeInvalid, err, "%s 的日期“%s”无效：请写成 2026-03-05 的形式后重试，本次未导出任何内容。",
			"the date %[2]q given with %[1]s is not valid: write it as 2026-03-05 and try again; nothing was exported", flag, s)
	}
	return d, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// resolve checks f against the snapshot q: dates valid and in order, every
// named base, plot, product and lot known.
func resolve(ctx context.Context, q querier, f Filter, loc *time.Location) (*resolved, error) {
	r := &resolved{f: f}
	var from, to time.Time
	var err error
	if strings.TrimSpace(f.From) != "" {
		if from, err = parseDay("--from", f.From, loc); err != nil {
			return nil, err
		}
		r.from = from.Format(dateLayout)
		r.fromTS = from.UTC().Format(tsLayout)
	}
	if strings.TrimSpace(f.To) != "" {
		if to, err = parseDay("--to", f.To, loc); err != nil {
			return nil, err
		}
		r.to = to.Format(dateLayout)
		r.beforeTS = to.AddDate(0, 0, 1).UTC().Format(tsLayout)
	}
	if r.from != "" && r.to != "" && from.After(to) {
		return nil, errf(store.CodeInvalid, nil, "开始日期 %s 晚于结束日期 %s：请交换 --from 和 --to 的日期后重试，本次未导出任何内容。",
			"the first day %s is after the last day %s: swap the dates of --from and --to and try again; nothing was exported", r.from, r.to)
	}
	if b := strings.TrimSpace(f.Base); b != "" {
		if err := q.QueryRowContext(ctx, "SELECT id FROM bases WHERE name = ?", b).Scan(&r.baseID); err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, readErr(err)
			}
			names, _ := names(ctx, q, "SELECT name FROM bases ORDER BY id")
			return nil, errf(store.CodeNotFound, nil, "没有名为“%s”的基地（已登记：%s）：请检查名称后重试，本次未导出任何内容。",
				"there is no base named %q (registered: %s): check the name and try again; nothing was exported", b, names)
		}
	}
	if p := strings.TrimSpace(f.Plot); p != "" {
		if err := r.resolvePlot(ctx, q, p); err != nil {
			return nil, err
		}
	}
	if p := strings.TrimSpace(f.Product); p != "" {
		if err := q.QueryRowContext(ctx, "SELECT id FROM products WHERE name = ?", p).Scan(&r.productID); err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, readErr(err)
			}
			names, _ := names(ctx, q, "SELECT name FROM products ORDER BY id")
			return nil, errf(store.CodeNotFound, nil, "没有名为“%s”的产品（已登记：%s）：请检查名称后重试，本次未导出任何内容。",
				"there is no product named %q (registered: %s): check the name and try again; nothing was exported", p, names)
		}
	}
	if code := strings.TrimSpace(f.Lot); code != "" {
		var id int64
		err := q.QueryRowContext(ctx, "SELECT id FROM lots WHERE code = ? OR national_code = ? OR national_short_code = ?", code, code, code).Scan(&id)
		if err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, readErr(err)
			}
			return nil, errf(store.CodeNotFound, nil, "找不到追溯码为“%s”的批次：请检查追溯码（可用 suyuan trace 查询）后重试，本次未导出任何内容。",
				"no lot has the trace code %q: check the code (suyuan trace looks codes up) and try again; nothing was exported", code)
		}
		r.lotIDs = []int64{id}
		if f.Trace {
			if r.lotIDs, err = traceLots(ctx, q, id); err != nil {
				return nil, err
			}
		}
	} else if f.Trace {
		return nil, errf(store.CodeInvalid, nil, "--trace 需要和 --lot 一起使用：请用 --lot 指定批次追溯码。", "--trace needs --lot: name the lot's trace code with --lot")
	}
	return r, nil
}

func (r *resolved) resolvePlot(ctx context.Context, q querier, p string) error {
	base, plot := "", p
	if i := strings.LastIndex(p, "/"); i >= 0 {
		base, plot = strings.TrimSpace(p[:i]), strings.TrimSpace(p[i+1:])
	}
	query := "SELECT p.id, p.base_id, b.name FROM plots p JOIN bases b ON b.id = p.base_id WHERE p.name = ?"
	args := []any{plot}
	if base != "" {
		query += " AND b.name = ?"
		args = append(args, base)
	} else if r.baseID != 0 {
		query += " AND p.base_id = ?"
		args = append(args, r.baseID)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return readErr(err)
	}
	defer rows.Close()
	var bases []string
	for rows.Next() {
		var bn string
		if err := rows.Scan(&r.plotID, &r.plotBase, &bn); err != nil {
			return readErr(err)
		}
		bases = append(bases, bn)
	}
	if err := rows.Err(); err != nil {
		return readErr(err)
	}
	switch {
	case len(bases) == 0:
		all, _ := names(ctx, q, "SELECT b.name || '/' || p.name FROM plots p JOIN bases b ON b.id = p.base_id ORDER BY p.id")
		return errf(store.CodeNotFound, nil, "找不到地块“%s”（已登记：%s）：请写成“基地名称/地块名称”并检查名称后重试，本次未导出任何内容。",
			"there is no plot %q (registered: %s): write it as \"base/plot\", check the names and try again; nothing was exported", p, all)
	case len(bases) > 1:
		r.plotID = 0
		return errf(store.CodeInvalid, nil, "多个基地下都有地块“%s”（%s）：请写成“基地名称/地块名称”，或用 --base 指定基地。",
			"more than one base has a plot %q (%s): write it as \"base/plot\", or name the base with --base", plot, strings.Join(bases, "、"))
	}
	if r.baseID != 0 && r.baseID != r.plotBase {
		return errf(store.CodeInvalid, nil, "地块“%s”不属于基地“%s”：请检查 --base 和 --plot。", "the plot %q is not in the base %q: check --base and --plot", p, r.f.Base)
	}
	return nil
}

// traceLots returns lot id with every lot it was made from and every lot
// made from it, following transformations both ways (not sideways: a lot
// packed together with it is not in the set, the box they became is).
func traceLots(ctx context.Context, q querier, id int64) ([]int64, error) {
	const query = `WITH RECURSIVE
	up(id) AS (SELECT ? UNION SELECT ti.lot_id FROM up JOIN lots l ON l.id = up.id JOIN transformation_inputs ti ON ti.transformation_id = l.transformation_id),
	down(id) AS (SELECT ? UNION SELECT l.id FROM down JOIN transformation_inputs ti ON ti.lot_id = down.id JOIN lots l ON l.transformation_id = ti.transformation_id)
	SELECT id FROM up UNION SELECT id FROM down ORDER BY 1`
	rows, err := q.QueryContext(ctx, query, id, id)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return nil, readErr(err)
		}
		out = append(out, x)
	}
	return out, readErr(rows.Err())
}

func names(ctx context.Context, q querier, query string) (string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		if len(out) == 20 {
			out = append(out, "…")
			break
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "—", rows.Err()
	}
	return strings.Join(out, "、"), rows.Err()
}

var dimNames = map[string]word{
	"date": {"日期", "date"}, "base": {"基地", "base"}, "plot": {"地块", "plot"}, "product": {"产品", "product"}, "lot": {"批次", "lot"},
}

// sql builds the kind's query under r. strict refuses a filter the kind
// has no column for (a single-kind export); otherwise (an archive) that
// filter does not narrow the kind. applied lists the filters used.
func (k Kind) sql(r *resolved, strict bool) (query string, args []any, applied []string, err error) {
	cols := make([]string, len(k.cols))
	for i, c := range k.cols {
		cols[i] = c.expr
	}
	var conds []string
	if k.where != "" {
		conds = append(conds, k.where)
	}
	can := map[string]bool{}
	for _, d := range k.Filters() {
		can[d] = true
	}
	for _, dim := range []string{"date", "base", "plot", "product", "lot"} {
		if !r.has(dim) {
			continue
		}
		if !can[dim] {
			if strict {
				w := dimNames[dim]
				return "", nil, nil, errf(store.CodeInvalid, nil, "“%[1]s”记录没有%[2]s，不能按%[2]s筛选：请去掉这个条件，或导出 all（整套导出时该条件只筛选有%[2]s的记录）。",
					"%[3]s records have no %[4]s, so they cannot be filtered by %[4]s: drop that filter, or export all (where it narrows only the records that have one)",
					k.Zh, w.zh, k.En, w.en)
			}
			continue
		}
		applied = append(applied, dim)
		switch dim {
		case "date":
			if k.date != "" {
				if r.from != "" {
					conds, args = append(conds, k.date+" >= ?"), append(args, r.from)
				}
				if r.to != "" {
					conds, args = append(conds, k.date+" <= ?"), append(args, r.to)
				}
			} else {
				if r.fromTS != "" {
					conds, args = append(conds, k.ts+" >= ?"), append(args, r.fromTS)
				}
				if r.beforeTS != "" {
					conds, args = append(conds, k.ts+" < ?"), append(args, r.beforeTS)
				}
			}
		case "base":
			conds, args = append(conds, k.base+" = ?"), append(args, r.baseID)
		case "plot":
			if k.plotCond != "" {
				conds, args = append(conds, k.plotCond), append(args, r.plotID, r.plotBase)
			} else {
				conds, args = append(conds, k.plot+" = ?"), append(args, r.plotID)
			}
		case "product":
			conds, args = append(conds, k.product+" = ?"), append(args, r.productID)
		case "lot":
			ids := make([]string, len(r.lotIDs))
			for i, id := range r.lotIDs {
				ids[i] = strconv.FormatInt(id, 10)
			}
			list := strings.Join(ids, ",")
			if k.lotAny != "" {
				conds = append(conds, strings.ReplaceAll(k.lotAny, "%s", list))
			} else {
				conds = append(conds, k.lot+" IN ("+list+")")
			}
		}
	}
	query = "SELECT " + strings.Join(cols, ", ") + " FROM " + k.from
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY " + k.order
	return query, args, applied, nil
}

// describe says in words what a filter selects, for messages.
func (f Filter) describe(lang string) string {
	var parts []string
	add := func(zh, en, v string) {
		if v == "" {
			return
		}
		if lang == "en" {
			parts = append(parts, en+" "+v)
		} else {
			parts = append(parts, zh+v)
		}
	}
	add("自", "from", f.From)
	add("至", "to", f.To)
	add("基地", "base", f.Base)
	add("地块", "plot", f.Plot)
	add("产品", "product", f.Product)
	add("批次", "lot", f.Lot)
	if f.Trace {
		add("", "", map[bool]string{true: "(with its trace)", false: "（含追溯链）"}[lang == "en"])
	}
	if lang == "en" {
		return strings.Join(parts, ", ")
	}
	return strings.Join(parts, "，")
}
