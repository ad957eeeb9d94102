package report

import (
	"context"
	"strings"
	"testing"

	"bytes"
	"github.com/xuri/excelize/v2"

	"suyuan/store/demo"
)

func TestRecordsDemo(t *testing.T) {
	for _, tc := range []struct {
		profile, product string
	}{{demo.ProfileCitrus, ""}, {demo.ProfileTea, ""}} {
		t.Run(tc.profile, func(t *testing.T) {
			ctx := context.Background()
			db := demoStore(t, tc.profile)
			e, err := db.GetEntity(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var plots []string
			rows, err := db.Reader().QueryContext(ctx, `SELECT p.name FROM plots p JOIN lots l ON l.plot_id = p.id GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				plots = append(plots, s)
			}
			rows.Close()
			b, err := Records(ctx, db, RecordsQuery{Plot: plots[0], From: testStart.AddDate(-1, 0, 0), To: testStart, Now: testStart})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Applications) == 0 || len(b.Harvests) == 0 {
				t.Fatalf("book of %s: %d applications, %d harvests", plots[0], len(b.Applications), len(b.Harvests))
			}
			pdf, err := b.PDF()
			if err != nil {
				t.Fatal(err)
			}
			screenshot(t, pdf, "report-records-"+tc.profile)
			pages := checkPages(t, pdf, e.Name, e.CreditCode)
			all := squash(strings.Join(pages, ""))
			for _, h := range []string{"农产品生产记录", "农业投入品使用记录", "登记证号", "安全间隔期", "操作人", "采收记录", "检测记录", b.Applications[0].RegNo, b.Harvests[0].Lot, totals(b.HarvestTotal)} {
				if !strings.Contains(all, squash(h)) {
					t.Errorf("PDF lacks %q", h)
				}
			}
			x, err := b.XLSX()
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			rs, _ := f.GetRows("采收")
			if rs[0][1] != "批次追溯码" || len(rs) != len(b.Harvests)+1+len(b.HarvestTotal) {
				t.Errorf("harvest sheet: %v rows, head %v", len(rs), rs[0])
			}
		})
	}
}

// TestReportsEnglish: --lang en gives English titles, headers and page numbers.
func TestReportsEnglish(t *testing.T) {
	ctx := context.Background()
	db := demoStore(t, demo.ProfileCitrus)
	code := transformedLot(t, db)
	r, err := Trace(ctx, db, TraceQuery{Lot: code, Lang: "en", Now: testStart})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := r.PDF()
	if err != nil {
		t.Fatal(err)
	}
	pages := pdfPages(t, pdf)
	all := strings.Join(pages, "")
	for i := range pages {
		if want := "page " + itoa(i+1) + " of " + itoa(len(pages)); !strings.Contains(pages[i], want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
	for _, w := range []string{"Lot trace report", "Mass balance", "Every event", "Unified social credit code", "shipping"} {
		if !strings.Contains(all, w) {
			t.Errorf("English PDF lacks %q", w)
		}
	}
	if strings.Contains(all, "物料平衡") {
		t.Error("English PDF has Chinese headers")
	}
}
