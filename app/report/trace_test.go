package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"suyuan/store"
	"suyuan/store/demo"
)

// transformedLot is a harvest lot of the demo that went into a transformation
// whose output was shipped: the trace crosses a merge or split.
func transformedLot(t *testing.T, db *store.DB) string {
	t.Helper()
	var code string
	err := db.Reader().QueryRow(`SELECT l.code FROM lots l JOIN transformation_inputs ti ON ti.lot_id = l.id JOIN transformations t ON t.id = ti.transformation_id
		JOIN lots o ON o.transformation_id = t.id JOIN shipments s ON s.lot_id = o.id
		WHERE l.source = 'harvest' AND t.voided = 0 AND EXISTS (SELECT 1 FROM applications a WHERE a.plot_id = l.plot_id AND a.applied_on <= l.produced_on AND a.voided = 0) ORDER BY l.id LIMIT 1`).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestTraceReportDemo(t *testing.T) {
	for _, profile := range []string{demo.ProfileCitrus, demo.ProfileTea} {
		t.Run(profile, func(t *testing.T) {
			ctx := context.Background()
			db := demoStore(t, profile)
			e, _ := db.GetEntity(ctx)
			code := transformedLot(t, db)
			r, err := Trace(ctx, db, TraceQuery{Lot: code, Now: testStart})
			if err != nil {
				t.Fatal(err)
			}
			st, err := db.Trace(ctx, code, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Lots) != st.Lots {
				t.Errorf("report has %d lots, store trace --full %d", len(r.Lots), st.Lots)
			}
			if len(r.Transforms) == 0 || countType(r.Events, EvShipping) == 0 || countType(r.Events, EvApplication) == 0 {
				t.Fatalf("trace of %s: %d transforms, %d shipments, %d applications", code, len(r.Transforms), countType(r.Events, EvShipping), countType(r.Events, EvApplication))
			}
			// Mass balance against the store's own Balance for every lot.
			for _, b := range r.Lots {
				l, err := db.LotByCode(ctx, b.Lot)
				if err != nil {
					t.Fatal(err)
				}
				sb, err := db.Balance(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !b.Voided && (sb.Available != b.Stock || sb.Shipped != b.Shipped || sb.TransformedOut != b.TransformedOut || sb.Disposed != b.Disposed) || !b.Balanced() {
					t.Errorf("lot %s: report %+v, store %+v", b.Lot, b, sb)
				}
			}
			for _, ev := range r.Events {
				if ev.Journal.Seq == 0 || len(ev.Journal.Hash) != 64 {
					t.Errorf("event without its journal entry: %+v", ev)
				}
			}
			pdf, err := r.PDF()
			if err != nil {
				t.Fatal(err)
			}
			screenshot(t, pdf, "report-trace-"+profile)
			pages := checkPages(t, pdf, e.Name, e.CreditCode)
			all := squash(strings.Join(pages, ""))
			rb := r.Root
			for _, want := range []string{"追溯报告", "物料平衡", "加工、合并与拆分", "全部追溯事件", code,
				"产入" + qty(rb.In) + "=发货" + qty(rb.Shipped) + "+加工转出" + qty(rb.TransformedOut) + "+处置" + qty(rb.Disposed) + "+库存" + qty(rb.Stock),
				totals(r.Shipped()), r.Events[0].Journal.Hash[:8]} {
				if !strings.Contains(all, squash(want)) {
					t.Errorf("PDF lacks %q", want)
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
			rows, _ := f.GetRows("追溯事件")
			wantHead := []string{"事件类型", "日期", "批次追溯码", "产品", "数量", "单位", "地点", "对方", "单据/说明", "日志序号", "日志哈希"}
			if strings.Join(rows[0], "|") != strings.Join(wantHead, "|") || len(rows) != len(r.Events)+1 {
				t.Fatalf("events sheet: head %v, %d rows for %d events", rows[0], len(rows), len(r.Events))
			}
			// The shipped quantities in the sheet add up to the store's shipments of the traced lots.
			var sum float64
			for _, row := range rows[1:] {
				if row[0] == "发货" {
					var q float64
					if _, err := fmtSscan(row[4], &q); err != nil {
						t.Fatal(err)
					}
					sum += q
				}
			}
			var want float64
			for _, b := range r.Lots {
				want += b.Shipped
			}
			if round3(sum) != round3(want) || want == 0 {
				t.Errorf("shipped in the sheet %v, by the balances %v", sum, want)
			}
		})
	}
}

func TestTraceUnknownLot(t *testing.T) {
	db := demoStore(t, demo.ProfileCitrus)
	_, err := Trace(context.Background(), db, TraceQuery{Lot: "XX-NOPE"})
	var um interface{ UserMessage(string) string }
	if err == nil || !asUM(err, &um) || !strings.Contains(um.UserMessage("zh"), "XX-NOPE") || !strings.Contains(um.UserMessage("en"), "XX-NOPE") {
		t.Fatalf("unknown lot: %v", err)
	}
}
