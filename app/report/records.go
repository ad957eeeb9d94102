package report

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"suyuan/store"
)

// RecordsQuery chooses a production record book: one plot (name, or
// BASE/PLOT when the name repeats) or one product (name), and a season.
type RecordsQuery struct {
	Plot    string
	Product string
	From    time.Time
	To      time.Time
	Lang    string    // "zh" (default) or "en"
	Now     time.Time // printed date (default time.Now)
}

// RecordApplication is one 投入品使用 row.
type RecordApplication struct {
	Date, Plot, Crop, Material, Kind, RegNo string
	Dose                                    float64
	DoseUnit, Method, Target, Operator      string
	PHIDays                                 int // 0: none on the label
	SafeFrom                                string
	Journal                                 JournalRef
}

// RecordPurchase is where an input used in the season came from (来源).
type RecordPurchase struct {
	Date, Material, Supplier, BatchNo string
	Quantity                          float64
	Unit                              string
	ID                                int64
	Journal                           JournalRef
}

// RecordHarvest is one 采收 row.
type RecordHarvest struct {
	Date, Lot, Product, Plot string
	Quantity                 float64
	Unit                     string
	Journal                  JournalRef
}

// RecordTest is one 检测 row.
type RecordTest struct {
	Date, Lot, Kind, Item, Result, Verdict, Operator string
	Journal                                          JournalRef
}

// RecordBook is the 农产品生产记录 of one plot or product for a season.
type RecordBook struct {
	Header       Header
	Scope        string // the plot or product, in words
	From, To     string
	Address      string
	Plots        []string
	Applications []RecordApplication
	Purchases    []RecordPurchase
	Harvests     []RecordHarvest
	Tests        []RecordTest
	HarvestTotal map[string]float64 // by unit
	JournalSeq   int64
	JournalHash  string
}

// Records reads the production record book.
func Records(ctx context.Context, db *store.DB, q RecordsQuery) (*RecordBook, error) {
	s, err := begin(ctx, db)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return records(ctx, s, q)
}

func records(ctx context.Context, s *snap, q RecordsQuery) (*RecordBook, error) {
	lang := q.Lang
	f, t, err := period(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if (q.Plot == "") == (q.Product == "") {
		return nil, errf(store.CodeInvalid, nil, "请给出一个地块（--plot）或一个产品（--product），二者选一。", "name one plot (--plot) or one product (--product), not both")
	}
	now := printedAt(q.Now)
	b := &RecordBook{From: f, To: t, HarvestTotal: map[string]float64{}, JournalSeq: s.headSeq, JournalHash: s.head, Address: s.site.Address}
	b.Header = s.header(lang, now, tr(lang, "农产品生产记录", "Production record book"))
	// plotSet: the plots whose inputs the book lists; lotCond: the lots
	// whose harvests and tests it lists.
	var plotIDs []int64
	var lotWhere string
	var lotArgs []any
	if q.Plot != "" {
		id, name, err := findPlot(ctx, s, q.Plot)
		if err != nil {
			return nil, err
		}
		plotIDs = []int64{id}
		b.Scope = tr(lang, "地块：", "Plot: ") + name
		lotWhere, lotArgs = "l.plot_id = ?", []any{id}
	} else {
		pid, name, crop, err := findProduct(ctx, s, q.Product)
		if err != nil {
			return nil, err
		}
		b.Scope = tr(lang, "产品：", "Product: ") + name
		rows, err := s.tx.QueryContext(ctx, `SELECT DISTINCT plot_id FROM lots WHERE product_id = ?1 AND plot_id IS NOT NULL AND voided = 0 AND produced_on BETWEEN ?3 AND ?4
			UNION SELECT id FROM plots WHERE crop <> '' AND crop = ?2 AND retired = 0 ORDER BY 1`, pid, crop, f, t)
		if err != nil {
			return nil, readErr(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			plotIDs = append(plotIDs, id)
		}
		rows.Close()
		lotWhere, lotArgs = "l.product_id = ?", []any{pid}
	}
	var seqs []int64
	in := "0"
	if len(plotIDs) > 0 {
		parts := make([]string, len(plotIDs))
		for i, id := range plotIDs {
			parts[i] = fmt.Sprint(id)
		}
		in = strings.Join(parts, ",")
	}
	// Plots in words.
	rows, err := s.tx.QueryContext(ctx, `SELECT b.name, p.name, p.crop, coalesce(p.area_mu, 0) FROM plots p JOIN bases b ON b.id = p.base_id WHERE p.id IN (`+in+`) ORDER BY b.name, p.name`)
	if err != nil {
		return nil, readErr(err)
	}
	for rows.Next() {
		var base, plot, crop string
		var area float64
		if err := rows.Scan(&base, &plot, &crop, &area); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		desc := base + " / " + plot
		if crop != "" {
			desc += "（" + crop + "）"
		}
		if area > 0 {
			desc += " " + qty(area) + tr(lang, " 亩", " mu")
		}
		b.Plots = append(b.Plots, desc)
	}
	rows.Close()
	// Inputs applied.
	rows, err = s.tx.QueryContext(ctx, `SELECT a.applied_on, p.name, a.crop, m.name, m.kind, m.reg_no, a.dose, a.dose_unit, a.method, a.target, a.operator,
			coalesce(m.phi_days, 0), a.jseq, m.id
		FROM applications a JOIN plots p ON p.id = a.plot_id JOIN materials m ON m.id = a.material_id
		WHERE a.voided = 0 AND a.plot_id IN (`+in+`) AND a.applied_on BETWEEN ? AND ? ORDER BY a.applied_on, a.id`, f, t)
	if err != nil {
		return nil, readErr(err)
	}
	mats := map[int64]bool{}
	for rows.Next() {
		var a RecordApplication
		var mid int64
		if err := rows.Scan(&a.Date, &a.Plot, &a.Crop, &a.Material, &a.Kind, &a.RegNo, &a.Dose, &a.DoseUnit, &a.Method, &a.Target, &a.Operator, &a.PHIDays, &a.Journal.Seq, &mid); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		if a.PHIDays > 0 {
			if d, err := time.Parse(dayLayout, a.Date[:min(10, len(a.Date))]); err == nil {
				a.SafeFrom = d.AddDate(0, 0, a.PHIDays).Format(dayLayout)
			}
		}
		mats[mid] = true
		seqs = append(seqs, a.Journal.Seq)
		b.Applications = append(b.Applications, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, readErr(err)
	}
	// Where those inputs came from: purchases of the materials up to the end of the season.
	if len(mats) > 0 {
		var ids []string
		for id := range mats {
			ids = append(ids, fmt.Sprint(id))
		}
		rows, err = s.tx.QueryContext(ctx, `SELECT pu.id, pu.purchased_on, m.name, pu.supplier, pu.batch_no, pu.quantity, pu.unit, pu.jseq
			FROM purchases pu JOIN materials m ON m.id = pu.material_id WHERE pu.voided = 0 AND pu.material_id IN (`+strings.Join(ids, ",")+`) AND pu.purchased_on <= ?
			ORDER BY pu.purchased_on, pu.id`, t)
		if err != nil {
			return nil, readErr(err)
		}
		for rows.Next() {
			var p RecordPurchase
			if err := rows.Scan(&p.ID, &p.Date, &p.Material, &p.Supplier, &p.BatchNo, &p.Quantity, &p.Unit, &p.Journal.Seq); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			seqs = append(seqs, p.Journal.Seq)
			b.Purchases = append(b.Purchases, p)
		}
		rows.Close()
	}
	// Harvests.
	rows, err = s.tx.QueryContext(ctx, `SELECT l.produced_on, l.code, pr.name, coalesce(p.name, ''), l.quantity, l.unit, l.jseq
		FROM lots l JOIN products pr ON pr.id = l.product_id LEFT JOIN plots p ON p.id = l.plot_id
		WHERE l.voided = 0 AND l.source = 'harvest' AND `+lotWhere+` AND l.produced_on BETWEEN ? AND ? ORDER BY l.produced_on, l.id`, append(lotArgs, f, t)...)
	if err != nil {
		return nil, readErr(err)
	}
	for rows.Next() {
		var h RecordHarvest
		if err := rows.Scan(&h.Date, &h.Lot, &h.Product, &h.Plot, &h.Quantity, &h.Unit, &h.Journal.Seq); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		b.HarvestTotal[h.Unit] = round3(b.HarvestTotal[h.Unit] + h.Quantity)
		seqs = append(seqs, h.Journal.Seq)
		b.Harvests = append(b.Harvests, h)
	}
	rows.Close()
	// Tests of those lots (and of lots made from them keep their own code).
	rows, err = s.tx.QueryContext(ctx, `SELECT i.tested_at, l.code, i.kind, i.item, i.rate, i.value, i.unit, i.verdict, i.operator, i.jseq
		FROM inspections i JOIN lots l ON l.id = i.lot_id
		WHERE i.voided = 0 AND `+lotWhere+` AND substr(i.tested_at, 1, 10) BETWEEN ? AND ? ORDER BY i.tested_at, i.id`, append(lotArgs, f, t)...)
	if err != nil {
		return nil, readErr(err)
	}
	for rows.Next() {
		var r RecordTest
		var rate, value sql.NullFloat64
		var unit, verdict string
		if err := rows.Scan(&r.Date, &r.Lot, &r.Kind, &r.Item, &rate, &value, &unit, &verdict, &r.Operator, &r.Journal.Seq); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		r.Date = localTime(r.Date)
		switch {
		case rate.Valid:
			r.Result = tr(lang, "抑制率 ", "inhibition ") + qty(rate.Float64) + "%"
		case value.Valid:
			r.Result = qty(value.Float64) + " " + unit
		}
		r.Verdict = word(lang, verdict)
		r.Kind = word(lang, r.Kind)
		seqs = append(seqs, r.Journal.Seq)
		b.Tests = append(b.Tests, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, readErr(err)
	}
	hs, err := s.hashes(ctx, seqs)
	if err != nil {
		return nil, err
	}
	for i := range b.Applications {
		b.Applications[i].Journal.Hash = hs[b.Applications[i].Journal.Seq]
		b.Applications[i].Kind = word(lang, b.Applications[i].Kind)
	}
	for i := range b.Purchases {
		b.Purchases[i].Journal.Hash = hs[b.Purchases[i].Journal.Seq]
	}
	for i := range b.Harvests {
		b.Harvests[i].Journal.Hash = hs[b.Harvests[i].Journal.Seq]
	}
	for i := range b.Tests {
		b.Tests[i].Journal.Hash = hs[b.Tests[i].Journal.Seq]
	}
	return b, nil
}

// localTime shows a stored UTC timestamp as local "YYYY-MM-DD HH:MM".
func localTime(s string) string {
	for _, l := range []string{"2006-01-02T15:04:05.000000Z", time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Local().Format("2006-01-02 15:04")
		}
	}
	return s
}

func findPlot(ctx context.Context, s *snap, name string) (int64, string, error) {
	name = strings.TrimSpace(name)
	base, plot := "", name
	if i := strings.Index(name, "/"); i > 0 {
		base, plot = strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+1:])
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT p.id, b.name, p.name FROM plots p JOIN bases b ON b.id = p.base_id WHERE p.name = ? AND (? = '' OR b.name = ?) ORDER BY p.id`, plot, base, base)
	if err != nil {
		return 0, "", readErr(err)
	}
	defer rows.Close()
	var ids []int64
	var names []string
	for rows.Next() {
		var id int64
		var b, p string
		if err := rows.Scan(&id, &b, &p); err != nil {
			return 0, "", readErr(err)
		}
		ids = append(ids, id)
		names = append(names, b+"/"+p)
	}
	switch len(ids) {
	case 0:
		return 0, "", errf(store.CodeNotFound, nil, "找不到地块“%s”：请检查名称（可写成 基地/地块）。", "there is no plot %q: check the name (you can write BASE/PLOT)", name)
	case 1:
		return ids[0], names[0], nil
	}
	return 0, "", errf(store.CodeInvalid, nil, "有几个地块都叫“%s”（%s）：请写成 基地/地块。", "several plots are called %q (%s): write BASE/PLOT", name, strings.Join(names, "，"))
}

func findProduct(ctx context.Context, s *snap, name string) (int64, string, string, error) {
	name = strings.TrimSpace(name)
	var id int64
	var n, crop string
	err := s.tx.QueryRowContext(ctx, `SELECT id, name, crop FROM products WHERE name = ? OR name || variety = ? ORDER BY retired, id LIMIT 1`, name, name).Scan(&id, &n, &crop)
	if err == sql.ErrNoRows {
		return 0, "", "", errf(store.CodeNotFound, err, "找不到产品“%s”：请检查名称。", "there is no product %q: check the name", name)
	}
	if err != nil {
		return 0, "", "", readErr(err)
	}
	return id, n, crop, nil
}

// PDF renders the book.
func (b *RecordBook) PDF() ([]byte, error) {
	lang := b.Header.Lang
	return render(b.Header, func(d *doc) error {
		d.kv([][2]string{
			{tr(lang, "生产经营主体", "Producer"), b.Header.Site},
			{tr(lang, "统一社会信用代码", "Credit code"), b.Header.CreditCode},
			{tr(lang, "地址", "Address"), b.Address},
			{tr(lang, "记录范围", "Scope"), b.Scope},
			{tr(lang, "生产地块", "Plots"), strings.Join(b.Plots, "；")},
			{tr(lang, "记录期间", "Season"), b.From + " — " + b.To},
			{tr(lang, "数据截至", "Journal"), fmt.Sprintf(tr(lang, "日志序号 %d（哈希 %s）", "journal seq %d (hash %s)"), b.JournalSeq, short(b.JournalHash))},
		})
		d.heading(tr(lang, "一、农业投入品使用记录", "1. Inputs applied"))
		var rows [][]string
		for _, a := range b.Applications {
			phi := ""
			if a.PHIDays > 0 {
				phi = fmt.Sprintf("%d", a.PHIDays)
				if a.SafeFrom != "" {
					phi += "\n" + tr(lang, "至 ", "to ") + a.SafeFrom
				}
			}
			target := a.Target
			if a.Method != "" {
				target = strings.TrimSpace(a.Method + " " + target)
			}
			rows = append(rows, []string{a.Date, a.Plot, a.Material + "\n" + a.Kind, a.RegNo, qty(a.Dose) + " " + a.DoseUnit, target, phi, a.Operator, a.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "使用日期", "Date"), 17, 'L'}, {tr(lang, "地块", "Plot"), 14, 'L'}, {tr(lang, "投入品名称", "Input"), 25, 'L'},
			{tr(lang, "登记证号", "Reg. no."), 23, 'L'}, {tr(lang, "用量", "Dose"), 16, 'R'}, {tr(lang, "方式/防治对象", "Method / target"), 22, 'L'},
			{tr(lang, "安全间隔期(天)", "PHI (days)"), 19, 'C'}, {tr(lang, "操作人", "Operator"), 12, 'L'}, {tr(lang, "日志", "Journal"), 18, 'L'}}, rows, nil)
		d.heading(tr(lang, "二、农业投入品来源（采购记录）", "2. Where the inputs came from (purchases)"))
		rows = nil
		for _, p := range b.Purchases {
			rows = append(rows, []string{p.Date, p.Material, p.Supplier, p.BatchNo, qty(p.Quantity) + " " + p.Unit, p.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "购买日期", "Date"), 18, 'L'}, {tr(lang, "投入品名称", "Input"), 30, 'L'}, {tr(lang, "供应商", "Supplier"), 40, 'L'},
			{tr(lang, "批号", "Batch"), 22, 'L'}, {tr(lang, "数量", "Quantity"), 18, 'R'}, {tr(lang, "日志", "Journal"), 22, 'L'}}, rows, nil)
		d.heading(tr(lang, "三、采收记录", "3. Harvests"))
		rows = nil
		for _, h := range b.Harvests {
			rows = append(rows, []string{h.Date, h.Lot, h.Product, h.Plot, qty(h.Quantity), h.Unit, h.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "采收日期", "Date"), 18, 'L'}, {tr(lang, "批次追溯码", "Lot code"), 34, 'L'}, {tr(lang, "产品", "Product"), 22, 'L'},
			{tr(lang, "地块", "Plot"), 20, 'L'}, {tr(lang, "数量", "Quantity"), 16, 'R'}, {tr(lang, "单位", "Unit"), 10, 'C'}, {tr(lang, "日志", "Journal"), 22, 'L'}},
			rows, []string{tr(lang, "合计", "Total"), fmt.Sprintf(tr(lang, "%d 批", "%d lots"), len(b.Harvests)), "", "", totals(b.HarvestTotal), "", ""})
		d.heading(tr(lang, "四、检测记录", "4. Tests"))
		rows = nil
		for _, t := range b.Tests {
			rows = append(rows, []string{t.Date, t.Lot, t.Kind, t.Item, t.Result, t.Verdict, t.Operator, t.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "检测时间", "Tested"), 22, 'L'}, {tr(lang, "批次追溯码", "Lot code"), 32, 'L'}, {tr(lang, "检测类型", "Kind"), 14, 'L'},
			{tr(lang, "检测项目", "Item"), 18, 'L'}, {tr(lang, "检测结果", "Result"), 18, 'L'}, {tr(lang, "结论", "Verdict"), 18, 'L'},
			{tr(lang, "检测员", "Tester"), 12, 'L'}, {tr(lang, "日志", "Journal"), 20, 'L'}}, rows, nil)
		d.para(8, tr(lang, "说明：本记录由溯源站从不可篡改的记录日志生成，每行后的“日志”为日志序号及哈希前 8 位，可用 suyuan verify 核验；已作废的记录不列入。依据《中华人民共和国农产品质量安全法》第二十七条，生产记录应当至少保存二年。",
			"Made by Suyuan from the hash-chained journal; \"Journal\" is each row's journal seq / first 8 hash digits (check with suyuan verify); voided records are left out. Under art. 27 of the 2022 Agricultural Product Quality Safety Law, production records are kept for at least two years."))
		return nil
	})
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// totals formats per-unit totals "1200 kg".
func totals(m map[string]float64) string {
	var parts []string
	for u, q := range m {
		parts = append(parts, qty(q)+" "+u)
	}
	sortStrings(parts)
	return strings.Join(parts, "；")
}
