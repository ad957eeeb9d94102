package report

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"suyuan/store"
	"suyuan/store/demo"
)

// expectedRecall computes the affected lots and shipped total with one
// recursive SQL query: an implementation independent of the report's walk.
func expectedRecall(t *testing.T, db *store.DB, seedSQL string, args ...any) ([]string, float64) {
	t.Helper()
	q := `WITH RECURSIVE aff(id) AS (` + seedSQL + `
		UNION SELECT o.id FROM aff JOIN transformation_inputs ti ON ti.lot_id = aff.id JOIN transformations t ON t.id = ti.transformation_id AND t.voided = 0
		JOIN lots o ON o.transformation_id = t.id)
		SELECT l.code, (SELECT coalesce(sum(quantity),0) FROM shipments s WHERE s.lot_id = l.id AND s.voided = 0) FROM lots l WHERE l.id IN (SELECT id FROM aff) ORDER BY l.code`
	rows, err := db.Reader().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var codes []string
	var sum float64
	for rows.Next() {
		var c string
		var s float64
		rows.Scan(&c, &s)
		codes = append(codes, c)
		sum += s
	}
	return codes, round3(sum)
}

func recallCodes(r *Recall) []string {
	var c []string
	for _, l := range r.Lots {
		c = append(c, l.Lot)
	}
	sort.Strings(c)
	return c
}

func TestRecallDemo(t *testing.T) {
	for _, profile := range []string{demo.ProfileCitrus, demo.ProfileTea} {
		t.Run(profile, func(t *testing.T) {
			ctx := context.Background()
			db := demoStore(t, profile)
			e, _ := db.GetEntity(ctx)
			// The purchase whose material was applied most.
			var pid, mid int64
			var on string
			if err := db.Reader().QueryRow(`SELECT p.id, p.material_id, p.purchased_on FROM purchases p WHERE p.voided = 0
				ORDER BY (SELECT count(*) FROM applications a WHERE a.material_id = p.material_id AND a.applied_on >= p.purchased_on) DESC, p.id LIMIT 1`).Scan(&pid, &mid, &on); err != nil {
				t.Fatal(err)
			}
			var plot string
			var plotID int64
			if err := db.Reader().QueryRow(`SELECT p.id, p.name FROM plots p JOIN lots l ON l.plot_id = p.id GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`).Scan(&plotID, &plot); err != nil {
				t.Fatal(err)
			}
			lot := transformedLot(t, db)
			from, to := testStart.AddDate(-1, 0, 0), testStart
			for _, tc := range []struct {
				name string
				q    RecallQuery
				seed string
				args []any
			}{
				{"purchase", RecallQuery{Purchase: pid}, `SELECT DISTINCT l.id FROM lots l JOIN applications a ON a.plot_id = l.plot_id AND a.material_id = ? AND a.voided = 0 AND a.applied_on >= ?
					WHERE l.source = 'harvest' AND l.produced_on >= a.applied_on AND l.produced_on <= date(a.applied_on, '+365 days')`, []any{mid, on}},
				{"plot", RecallQuery{Plot: plot, From: from, To: to}, `SELECT id FROM lots WHERE plot_id = ? AND source = 'harvest' AND produced_on BETWEEN ? AND ?`,
					[]any{plotID, from.Format(dayLayout), to.Format(dayLayout)}},
				{"lot", RecallQuery{Lot: lot}, `SELECT id FROM lots WHERE code = ?`, []any{lot}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.q.Now = testStart
					r, err := RecallAnswer(ctx, db, tc.q)
					if err != nil {
						t.Fatal(err)
					}
					want, shipped := expectedRecall(t, db, tc.seed, tc.args...)
					if got := recallCodes(r); strings.Join(got, ",") != strings.Join(want, ",") || len(got) == 0 {
						t.Fatalf("affected lots\n got %v\nwant %v", got, want)
					}
					var sum float64
					for _, q := range r.Shipped {
						sum += q
					}
					if round3(sum) != shipped {
						t.Errorf("shipped %v, want %v", sum, shipped)
					}
					if r.Elapsed <= 0 {
						t.Error("no elapsed time measured")
					}
					txt := r.Text()
					if !strings.Contains(txt, "用时") || !strings.Contains(txt, r.Lots[0].Lot) {
						t.Errorf("text answer:\n%s", txt)
					}
					pdf, err := r.PDF()
					if err != nil {
						t.Fatal(err)
					}
					if tc.name == "lot" {
						screenshot(t, pdf, "report-recall-"+profile)
					}
					pages := checkPages(t, pdf, e.Name, e.CreditCode)
					all := squash(strings.Join(pages, ""))
					for _, w := range []string{"召回清单", "收货方（需通知）", "受影响批次", "发货明细", "查询用时", r.elapsed(), orNone("zh", totals(r.Shipped))} {
						if !strings.Contains(all, squash(w)) {
							t.Errorf("PDF lacks %q", w)
						}
					}
					x, err := r.XLSX()
					if err != nil {
						t.Fatal(err)
					}
					f, err := excelize.OpenReader(bytes.NewReader(x))
					if err != nil {
						t.Fatal(err)
					}
					rows, _ := f.GetRows("发货明细")
					if rows[0][3] != "收货方" || len(rows) != len(r.Shipments)+1 {
						t.Errorf("shipments sheet: %d rows for %d shipments, head %v", len(rows), len(r.Shipments), rows[0])
					}
				})
			}
		})
	}
}

func TestRecallRefusals(t *testing.T) {
	ctx := context.Background()
	db := demoStore(t, demo.ProfileCitrus)
	for _, tc := range []struct {
		name string
		q    RecallQuery
		zh   string
	}{
		{"nothing", RecallQuery{}, "三选一"},
		{"two", RecallQuery{Purchase: 1, Lot: "X"}, "三选一"},
		{"no purchase", RecallQuery{Purchase: 99999}, "#99999"},
		{"plot without dates", RecallQuery{Plot: "1号地块"}, "起止日期"},
		{"unknown plot", RecallQuery{Plot: "火星", From: testStart, To: testStart}, "火星"},
		{"reversed dates", RecallQuery{Plot: "1号地块", From: testStart, To: testStart.AddDate(0, 0, -1)}, "早于"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RecallAnswer(ctx, db, tc.q)
			var um interface{ UserMessage(string) string }
			if err == nil || !asUM(err, &um) || !strings.Contains(um.UserMessage("zh"), tc.zh) || um.UserMessage("en") == um.UserMessage("zh") {
				t.Fatalf("%v", err)
			}
		})
	}
}
