package export

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"suyuan/store"
	"suyuan/store/rules"
)

// big is a store with one base, two plots, a fertiliser and n applications.
type big struct {
	db     *store.DB
	path   string
	admin  store.Actor
	plotID int64
	matID  int64
}

// bigStore builds a store whose master data goes through the store's API
// and whose n applications are inserted with one SQL statement (pointing at
// the fertiliser's journal entry): the fixture of the snapshot test and the
// benchmarks, where a million journaled writes would take an hour. Export
// reads the tables, so the shortcut does not change what it measures.
func bigStore(tb testing.TB, dir string, n int) *big {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "suyuan.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass"})
	if err != nil {
		tb.Fatal(err)
	}
	b := &big{path: path, admin: store.Actor{UserID: u.ID, Username: "admin", Role: store.RoleAdmin}}
	first17 := "93530427MA6KXP3T1"
	ch, err := rules.USCCCheckChar(first17)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.SaveEntity(ctx, b.admin, store.Entity{Name: "新平戛洒示例柑橘种植专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: first17 + string(ch), DivisionCode: "530427", SiteCode: "XPJS01"}); err != nil {
		tb.Fatal(err)
	}
	base, err := db.AddBase(ctx, b.admin, store.Base{Name: "戛洒基地", DivisionCode: "530427"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"1号地块", "2号地块"} {
		p, err := db.AddPlot(ctx, b.admin, store.Plot{BaseID: base.ID, Name: name, Crop: "柑橘", CropCategory: "瓜果"})
		if err != nil {
			tb.Fatal(err)
		}
		if b.plotID == 0 {
			b.plotID = p.ID
		}
	}
	m, err := db.AddMaterial(ctx, b.admin, store.Material{Kind: store.MaterialFertilizer, Name: "生物有机肥", RegNo: "农肥(2020)准字0001号"})
	if err != nil {
		tb.Fatal(err)
	}
	b.matID = m.ID
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	if n > 0 {
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
		if err != nil {
			tb.Fatal(err)
		}
		q := fmt.Sprintf(`INSERT INTO applications(applied_on, plot_id, crop, material_id, dose, dose_unit, area_mu, method, target, operator, notes, jseq)
			WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
			SELECT date('2025-01-01', '+' || (x %% 700) || ' days'), %d, '柑橘', %d, 1.5 + (x %% 10), 'kg/亩', 10, '撒施', '追肥（第' || x || '次）', '李明', '', (SELECT jseq FROM materials WHERE id = %d) FROM c`,
			n, b.plotID, b.matID, b.matID)
		if _, err := raw.Exec(q); err != nil {
			tb.Fatal(err)
		}
		raw.Close()
	}
	if b.db, err = store.Open(ctx, path); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.db.Close() })
	return b
}
