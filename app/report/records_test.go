package report

import (
	"context"
	"database/sql"
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

// TestRareCharacters: a character the bundled fonts lack (喆, a common name
// character outside GB2312) is printed as [U+5586] with a footnote, never as
// a blank box; the XLSX keeps the text itself.
func TestRareCharacters(t *testing.T) {
	ctx := context.Background()
	db := demoStore(t, demo.ProfileCitrus)
	var plot string
	var appID int64
	if err := db.Reader().QueryRow(`SELECT p.name, a.id FROM applications a JOIN plots p ON p.id = a.plot_id WHERE a.voided = 0 ORDER BY a.applied_on DESC LIMIT 1`).Scan(&plot, &appID); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("UPDATE applications SET operator = '王喆' WHERE id = ?", appID); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	b, err := Records(ctx, db, RecordsQuery{Plot: plot, From: testStart.AddDate(-1, 0, 0), To: testStart, Now: testStart})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := b.PDF()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(pdfPages(t, pdf), "")
	if !strings.Contains(squash(all), "王[U+55") || !strings.Contains(squash(all), "字体未收录") {
		t.Errorf("the rare character is not shown as its code point with a note:\n%s", all)
	}
	x, err := b.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("投入品使用")
	found := false
	for _, r := range rows {
		found = found || strings.Contains(strings.Join(r, "|"), "王喆")
	}
	if !found {
		t.Error("the XLSX lost 王喆")
	}
}
