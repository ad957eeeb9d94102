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

// RecallQuery names what is recalled: an input purchase batch, a plot and
// a date range of harvests, or a lot. Exactly one of the three.
type RecallQuery struct {
	Purchase int64
	Plot     string
	From, To time.Time
	Lot      string
	Lang     string
	Now      time.Time
}

// RecallLot is one affected lot.
type RecallLot struct {
	Lot, Product, Source, Date, Unit string
	Why                              string // how it is affected, in words
	Quantity, Shipped, Stock         float64
	Hold                             bool
	Journal                          JournalRef
}

// RecallShipment is who received how much of an affected lot.
type RecallShipment struct {
	Date, Lot, Product, Buyer, BuyerCode, BuyerType, ToCode string
	Quantity                                                float64
	Unit                                                    string
	Journal                                                 JournalRef
}

// RecallBuyer sums what one buyer received.
type RecallBuyer struct {
	Buyer, BuyerCode string
	Shipments        int
	Quantity         map[string]float64
}

// Recall is the answer: every affected lot and who received how much.
type Recall struct {
	Header      Header
	Subject     string // what was recalled, in words
	Lots        []RecallLot
	Shipments   []RecallShipment
	Buyers      []RecallBuyer
	Stock       map[string]float64 // still on site, by unit
	Shipped     map[string]float64
	JournalSeq  int64
	JournalHash string
	Elapsed     time.Duration // the time the answer took, measured
}

// RecallAnswer finds every lot affected by q and every shipment of them,
// following transformations forward (merges, splits, packing): one read
// snapshot, timed.
//
// For a purchase batch: applications record the material, not the batch,
// so every application of the batch's material on or after its purchase
// date counts (conservative: it may include applications from a later
// batch of the same material); the harvest lots of those plots within the
// season (365 days) after an application are affected.
func RecallAnswer(ctx context.Context, db *store.DB, q RecallQuery) (*Recall, error) {
	start := time.Now()
	s, err := begin(ctx, db)
	if err != nil {
		return nil, err
	}
	defer s.close()
	lang := q.Lang
	now := printedAt(q.Now)
	n := 0
	for _, b := range []bool{q.Purchase != 0, q.Plot != "", q.Lot != ""} {
		if b {
			n++
		}
	}
	if n != 1 {
		return nil, errf(store.CodeInvalid, nil, "请给出召回的对象（三选一）：投入品采购批次 --purchase 编号、地块 --plot 加 --from/--to，或批次 --lot 追溯码。",
			"name what is recalled (one of): an input purchase --purchase ID, a plot --plot with --from/--to, or a lot --lot CODE")
	}
	r := &Recall{Stock: map[string]float64{}, Shipped: map[string]float64{}, JournalSeq: s.headSeq, JournalHash: s.head}
	r.Header = s.header(lang, now, tr(lang, "召回清单", "Recall answer"))
	why := map[int64]string{}
	var seeds []*lotRow
	addSeeds := func(ls []*lotRow, reason string) {
		for _, l := range ls {
			if _, ok := why[l.id]; !ok {
				why[l.id] = reason
				seeds = append(seeds, l)
			}
		}
	}
	switch {
	case q.Purchase != 0:
		var mid int64
		var on, mat, sup, batch string
		err := s.tx.QueryRowContext(ctx, `SELECT p.material_id, p.purchased_on, m.name, p.supplier, p.batch_no FROM purchases p JOIN materials m ON m.id = p.material_id WHERE p.id = ? AND p.voided = 0`, q.Purchase).
			Scan(&mid, &on, &mat, &sup, &batch)
		if err == sql.ErrNoRows {
			return nil, errf(store.CodeNotFound, err, "找不到投入品采购记录#%d（或已作废）：请在“投入品采购”中查看编号。", "there is no input purchase #%d (or it was voided): look up the number under input purchases", q.Purchase)
		}
		if err != nil {
			return nil, readErr(err)
		}
		r.Subject = fmt.Sprintf(tr(lang, "投入品采购#%d：%s，%s 购自%s，批号 %s", "input purchase #%d: %s, bought %[3]s from %[4]s, batch %[5]s"), q.Purchase, mat, on, sup, batch)
		// One query: each harvest lot of a plot the material was applied on
		// (on or after the purchase) within the season after an application,
		// with the first such application.
		rows, err := s.tx.QueryContext(ctx, `SELECT id, first, name FROM (
			SELECT l.id, p.name, (SELECT min(a.applied_on) FROM applications a WHERE a.plot_id = l.plot_id AND a.applied_on BETWEEN max(?2, date(l.produced_on, '-365 days')) AND l.produced_on
				AND a.material_id = ?1 AND a.voided = 0) AS first
			FROM lots l JOIN plots p ON p.id = l.plot_id
			WHERE l.source = 'harvest' AND l.produced_on >= ?2 AND l.plot_id IN (SELECT DISTINCT plot_id FROM applications WHERE material_id = ?1 AND voided = 0 AND applied_on >= ?2))
			WHERE first IS NOT NULL ORDER BY id`, mid, on)
		if err != nil {
			return nil, readErr(err)
		}
		first := map[int64][2]string{}
		var ids []string
		for rows.Next() {
			var id int64
			var date, plot string
			if err := rows.Scan(&id, &date, &plot); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			first[id] = [2]string{date, plot}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		rows.Close()
		for i := 0; i < len(ids); i += 500 {
			ls, err := lotsWhere(ctx, s, "l.id IN ("+strings.Join(ids[i:min(i+500, len(ids))], ",")+")")
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				f := first[l.id]
				addSeeds([]*lotRow{l}, fmt.Sprintf(tr(lang, "%s 于 %s 在%s施用", "%s applied on %s %s"), mat, f[0], f[1]))
			}
		}
	case q.Plot != "":
		f, t, err := period(q.From, q.To)
		if err != nil {
			return nil, err
		}
		id, name, err := findPlot(ctx, s, q.Plot)
		if err != nil {
			return nil, err
		}
		r.Subject = fmt.Sprintf(tr(lang, "地块 %s，%s 至 %s 采收", "plot %s, harvested %s to %s"), name, f, t)
		ls, err := lotsWhere(ctx, s, "l.plot_id = ? AND l.source = 'harvest' AND l.produced_on BETWEEN ? AND ?", id, f, t)
		if err != nil {
			return nil, err
		}
		addSeeds(ls, tr(lang, "采自", "harvested from ")+name)
	default:
		l, err := findLot(ctx, s, q.Lot)
		if err != nil {
			return nil, err
		}
		r.Subject = fmt.Sprintf(tr(lang, "批次 %s（%s）", "lot %s (%s)"), l.code, l.product)
		addSeeds([]*lotRow{l}, tr(lang, "召回批次", "the recalled lot"))
	}
	seen := map[int64]bool{}
	for _, l := range seeds {
		seen[l.id] = true
	}
	fwd, err := forward(ctx, s, seeds, seen)
	if err != nil {
		return nil, err
	}
	all := append(append([]*lotRow(nil), seeds...), fwd...)
	for _, l := range fwd {
		why[l.id] = tr(lang, "由受影响批次加工、合并或拆分而来", "made from an affected lot (processing, merge or split)")
	}
	if len(all) > 0 {
		ids := make([]string, len(all))
		byID := map[int64]*lotRow{}
		for i, l := range all {
			ids[i] = fmt.Sprint(l.id)
			byID[l.id] = l
		}
		in := strings.Join(ids, ",")
		var seqs []int64
		bal := map[int64][3]float64{}
		rows, err := s.tx.QueryContext(ctx, `SELECT l.id, l.hold,
			(SELECT coalesce(sum(quantity),0) FROM shipments WHERE lot_id = l.id AND voided = 0),
			(SELECT coalesce(sum(ti.quantity),0) FROM transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id WHERE ti.lot_id = l.id AND t.voided = 0),
			(SELECT coalesce(sum(quantity),0) FROM disposals WHERE lot_id = l.id AND voided = 0)
			FROM lots l WHERE l.id IN (`+in+`)`)
		if err != nil {
			return nil, readErr(err)
		}
		hold := map[int64]bool{}
		for rows.Next() {
			var id int64
			var h bool
			var a, b, c float64
			if err := rows.Scan(&id, &h, &a, &b, &c); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			bal[id] = [3]float64{a, b, c}
			hold[id] = h
		}
		rows.Close()
		for _, l := range all {
			b := bal[l.id]
			stock := round3(l.qty - b[0] - b[1] - b[2])
			if l.voided {
				stock = 0
			}
			r.Lots = append(r.Lots, RecallLot{Lot: l.code, Product: l.product, Source: word(lang, l.source), Date: l.date, Unit: l.unit, Why: why[l.id],
				Quantity: l.qty, Shipped: round3(b[0]), Stock: stock, Hold: hold[l.id], Journal: JournalRef{Seq: l.jseq}})
			r.Stock[l.unit] = round3(r.Stock[l.unit] + stock)
			seqs = append(seqs, l.jseq)
		}
		rows, err = s.tx.QueryContext(ctx, `SELECT lot_id, shipped_on, buyer_name, buyer_code, buyer_type, quantity, unit, to_code, jseq FROM shipments WHERE voided = 0 AND lot_id IN (`+in+`) ORDER BY shipped_on, id`)
		if err != nil {
			return nil, readErr(err)
		}
		buyers := map[string]*RecallBuyer{}
		for rows.Next() {
			var id int64
			var sh RecallShipment
			if err := rows.Scan(&id, &sh.Date, &sh.Buyer, &sh.BuyerCode, &sh.BuyerType, &sh.Quantity, &sh.Unit, &sh.ToCode, &sh.Journal.Seq); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			sh.Lot, sh.Product, sh.BuyerType = byID[id].code, byID[id].product, word(lang, sh.BuyerType)
			r.Shipments = append(r.Shipments, sh)
			r.Shipped[sh.Unit] = round3(r.Shipped[sh.Unit] + sh.Quantity)
			k := sh.Buyer + "\x00" + sh.BuyerCode
			b := buyers[k]
			if b == nil {
				b = &RecallBuyer{Buyer: sh.Buyer, BuyerCode: sh.BuyerCode, Quantity: map[string]float64{}}
				buyers[k] = b
			}
			b.Shipments++
			b.Quantity[sh.Unit] = round3(b.Quantity[sh.Unit] + sh.Quantity)
			seqs = append(seqs, sh.Journal.Seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, readErr(err)
		}
		for _, b := range buyers {
			r.Buyers = append(r.Buyers, *b)
		}
		sort.Slice(r.Buyers, func(i, j int) bool { return r.Buyers[i].Buyer < r.Buyers[j].Buyer })
		hs, err := s.hashes(ctx, seqs)
		if err != nil {
			return nil, err
		}
		for i := range r.Lots {
			r.Lots[i].Journal.Hash = hs[r.Lots[i].Journal.Seq]
		}
		for i := range r.Shipments {
			r.Shipments[i].Journal.Hash = hs[r.Shipments[i].Journal.Seq]
		}
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

func (r *Recall) elapsed() string {
	return fmt.Sprintf(tr(r.Header.Lang, "%.3f 秒", "%.3f s"), r.Elapsed.Seconds())
}

// Text is the answer for a terminal.
func (r *Recall) Text() string {
	lang := r.Header.Lang
	var b strings.Builder
	fmt.Fprintf(&b, tr(lang, "召回对象：%s\n", "recalled: %s\n"), r.Subject)
	fmt.Fprintf(&b, tr(lang, "受影响批次 %d 个，发货 %d 次给 %d 个收货方（共 %s），仍在本场库存 %s。用时 %s（日志序号 %d）。\n",
		"%d lots affected, %d shipments to %d buyers (%s in all), still on site %s. Answered in %s (journal seq %d).\n"),
		len(r.Lots), len(r.Shipments), len(r.Buyers), orNone(lang, totals(r.Shipped)), orNone(lang, totals(r.Stock)), r.elapsed(), r.JournalSeq)
	if len(r.Buyers) > 0 {
		b.WriteString(tr(lang, "\n收货方：\n", "\nbuyers:\n"))
		for _, by := range r.Buyers {
			name := by.Buyer
			if by.BuyerCode != "" {
				name += "（" + by.BuyerCode + "）"
			}
			fmt.Fprintf(&b, tr(lang, "  %s：%d 次，%s\n", "  %s: %d shipments, %s\n"), name, by.Shipments, totals(by.Quantity))
		}
	}
	if len(r.Lots) > 0 {
		b.WriteString(tr(lang, "\n受影响批次：\n", "\naffected lots:\n"))
		for _, l := range r.Lots {
			fmt.Fprintf(&b, tr(lang, "  %s  %s  %s %s%s，已发货 %s，库存 %s  — %s\n", "  %s  %s  %s %s %s, shipped %s, stock %s  — %s\n"),
				l.Lot, l.Product, l.Date, qty(l.Quantity), l.Unit, qty(l.Shipped), qty(l.Stock), l.Why)
		}
	}
	if len(r.Shipments) > 0 {
		b.WriteString(tr(lang, "\n发货明细：\n", "\nshipments:\n"))
		for _, sh := range r.Shipments {
			fmt.Fprintf(&b, "  %s  %s  %s  %s %s\n", sh.Date, sh.Lot, sh.Buyer, qty(sh.Quantity), sh.Unit)
		}
	}
	return b.String()
}

func orNone(lang, s string) string {
	if s == "" {
		return tr(lang, "无", "none")
	}
	return s
}

// PDF renders the recall answer.
func (r *Recall) PDF() ([]byte, error) {
	lang := r.Header.Lang
	return render(r.Header, func(d *doc) error {
		d.kv([][2]string{
			{tr(lang, "召回对象", "Recalled"), r.Subject},
			{tr(lang, "受影响批次", "Lots affected"), fmt.Sprintf("%d", len(r.Lots))},
			{tr(lang, "已发出", "Shipped"), fmt.Sprintf(tr(lang, "%s（%d 次，%d 个收货方）", "%s (%d shipments, %d buyers)"), orNone(lang, totals(r.Shipped)), len(r.Shipments), len(r.Buyers))},
			{tr(lang, "本场库存", "Still on site"), orNone(lang, totals(r.Stock))},
			{tr(lang, "查询用时", "Answered in"), r.elapsed()},
			{tr(lang, "数据截至", "Journal"), fmt.Sprintf(tr(lang, "日志序号 %d（哈希 %s）", "journal seq %d (hash %s)"), r.JournalSeq, short(r.JournalHash))},
		})
		d.heading(tr(lang, "一、收货方（需通知）", "1. Buyers to notify"))
		var rows [][]string
		for _, b := range r.Buyers {
			rows = append(rows, []string{b.Buyer, b.BuyerCode, fmt.Sprint(b.Shipments), totals(b.Quantity)})
		}
		d.table([]column{{tr(lang, "收货方", "Buyer"), 60, 'L'}, {tr(lang, "统一社会信用代码", "Credit code"), 45, 'L'}, {tr(lang, "发货次数", "Shipments"), 20, 'R'}, {tr(lang, "数量", "Quantity"), 40, 'R'}}, rows, nil)
		d.heading(tr(lang, "二、受影响批次", "2. Affected lots"))
		rows = nil
		for _, l := range r.Lots {
			hold := ""
			if l.Hold {
				hold = tr(lang, "（扣留中）", " (on hold)")
			}
			rows = append(rows, []string{l.Lot, l.Product + "\n" + l.Date, qty(l.Quantity), qty(l.Shipped), qty(l.Stock) + hold, l.Unit, l.Why, l.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "批次追溯码", "Lot code"), 36, 'L'}, {tr(lang, "产品/日期", "Product / date"), 20, 'L'}, {tr(lang, "数量", "Quantity"), 14, 'R'},
			{tr(lang, "已发货", "Shipped"), 14, 'R'}, {tr(lang, "库存", "Stock"), 14, 'R'}, {tr(lang, "单位", "Unit"), 9, 'C'}, {tr(lang, "原因", "Why"), 38, 'L'}, {tr(lang, "日志", "Journal"), 18, 'L'}}, rows, nil)
		d.heading(tr(lang, "三、发货明细", "3. Shipments"))
		rows = nil
		for _, sh := range r.Shipments {
			rows = append(rows, []string{sh.Date, sh.Lot, sh.Buyer + "\n" + sh.BuyerType, qty(sh.Quantity) + " " + sh.Unit, sh.ToCode, sh.Journal.Cell()})
		}
		d.table([]column{{tr(lang, "发货日期", "Date"), 19, 'L'}, {tr(lang, "批次追溯码", "Lot code"), 37, 'L'}, {tr(lang, "收货方", "Buyer"), 48, 'L'},
			{tr(lang, "数量", "Quantity"), 20, 'R'}, {tr(lang, "下游追溯码", "Buyer's code"), 30, 'L'}, {tr(lang, "日志", "Journal"), 18, 'L'}}, rows,
			[]string{tr(lang, "合计", "Total"), "", "", totals(r.Shipped), "", ""})
		return nil
	})
}

// XLSX is the recall answer as a workbook: lots and shipments.
func (r *Recall) XLSX() ([]byte, error) {
	lang := r.Header.Lang
	lots := sheet{Name: tr(lang, "受影响批次", "Lots"), Widths: []float64{26, 12, 10, 12, 10, 10, 10, 8, 8, 40, 8, 66},
		Head: []string{tr(lang, "批次追溯码", "Lot code"), tr(lang, "产品", "Product"), tr(lang, "来源", "Source"), tr(lang, "日期", "Date"), tr(lang, "数量", "Quantity"),
			tr(lang, "已发货", "Shipped"), tr(lang, "库存", "Stock"), tr(lang, "单位", "Unit"), tr(lang, "扣留", "On hold"), tr(lang, "原因", "Why"),
			tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, l := range r.Lots {
		h := ""
		if l.Hold {
			h = tr(lang, "是", "yes")
		}
		lots.Rows = append(lots.Rows, []any{l.Lot, l.Product, l.Source, l.Date, l.Quantity, l.Shipped, l.Stock, l.Unit, h, l.Why, float64(l.Journal.Seq), l.Journal.Hash})
	}
	sh := sheet{Name: tr(lang, "发货明细", "Shipments"), Widths: []float64{12, 26, 12, 30, 22, 10, 10, 8, 26, 8, 66},
		Head: []string{tr(lang, "发货日期", "Date"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "产品", "Product"), tr(lang, "收货方", "Buyer"),
			tr(lang, "收货方代码", "Buyer code"), tr(lang, "收货方类型", "Buyer type"), tr(lang, "数量", "Quantity"), tr(lang, "单位", "Unit"),
			tr(lang, "下游追溯码", "Buyer's code"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, s := range r.Shipments {
		sh.Rows = append(sh.Rows, []any{s.Date, s.Lot, s.Product, s.Buyer, s.BuyerCode, s.BuyerType, s.Quantity, s.Unit, s.ToCode, float64(s.Journal.Seq), s.Journal.Hash})
	}
	return xlsxBytes(lots, sh)
}
