package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"suyuan/store/rules"
)

// Fixtures for the lot-flow, inspection, certificate, print, reading, trace
// and report tests. Rows are inserted directly (journaled through tx.Record)
// so these tests do not depend on the site/harvest API. The openTest clock
// starts at 2026-11-28T08:00Z: "today" is 2026-11-28.

var (
	d2Admin    = Actor{UserID: 1, Username: "admin", Name: "管理员", Role: RoleAdmin}
	d2Recorder = Actor{UserID: 2, Username: "li", Name: "李记录", Role: RoleRecorder}
	d2Packer   = Actor{UserID: 3, Username: "wang", Name: "王包装", Role: RolePacker}
	d2Tech     = Actor{UserID: 4, Username: "zhang", Name: "张检测", Role: RoleTechnician}
)

type d2Site struct {
	t   testing.TB
	ctx context.Context
	db  *DB

	baseID, plotID, plot2ID int64
	orange, juice           int64 // products (kg, bottle)
	pesticide, fertilizer   int64 // materials: pesticide PHI 14 days
	lots                    int
	// unverified marks a store filled behind the journal on purpose (bulk
	// lookup benchmarks); its cleanup skips Verify.
	unverified bool
}

func d2Day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func d2f(f float64) *float64 { return &f }
func d2i(i int64) *int64     { return &i }

// d2Insert inserts one row and journals it, inside tx.
func d2Insert(ctx context.Context, tx *Tx, table, q string, args ...any) (int64, error) {
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	id, _ := res.LastInsertId()
	_, err = tx.Record(ctx, table, id, table+".create", "")
	return id, err
}

// newD2Site opens a fresh store with a cooperative in 戛洒镇 (示例): one base
// with two plots of 冰糖橙, products 冰糖橙 (kg) and 橙汁 (瓶), a pesticide
// with a 14-day PHI and a fertiliser. Every test's store must still verify
// at the end.
func newD2Site(t testing.TB) *d2Site {
	t.Helper()
	s := &d2Site{t: t, ctx: context.Background(), db: openTest(t)}
	seedFixtureUsers(t, s.db)
	err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
		var err error
		if _, err = d2Insert(s.ctx, tx, "entity", `INSERT INTO entity(name, scale, entity_type, credit_code, contact_name, contact_phone, address, division_code, site_code, jseq)
			VALUES('新平戛洒某某柑橘种植专业合作社（示例）','cooperative','production','93530427MA6N3K7Q1X','李四','13800000000','云南省玉溪市新平县戛洒镇','530427','XPGS',0)`); err != nil {
			return err
		}
		if s.baseID, err = d2Insert(s.ctx, tx, "bases", `INSERT INTO bases(name, address, division_code, jseq) VALUES('戛洒冰糖橙基地','新平县戛洒镇大平掌','530427',0)`); err != nil {
			return err
		}
		if s.plotID, err = d2Insert(s.ctx, tx, "plots", `INSERT INTO plots(base_id, name, crop, crop_category, jseq) VALUES(?,'一号地','冰糖橙','瓜果',0)`, s.baseID); err != nil {
			return err
		}
		if s.plot2ID, err = d2Insert(s.ctx, tx, "plots", `INSERT INTO plots(base_id, name, crop, crop_category, jseq) VALUES(?,'二号地','冰糖橙','瓜果',0)`, s.baseID); err != nil {
			return err
		}
		if s.orange, err = d2Insert(s.ctx, tx, "products", `INSERT INTO products(name, variety, crop, crop_category, unit, jseq) VALUES('冰糖橙','褚橙','冰糖橙','瓜果','kg',0)`); err != nil {
			return err
		}
		if s.juice, err = d2Insert(s.ctx, tx, "products", `INSERT INTO products(name, crop_category, unit, jseq) VALUES('橙汁','瓜果','瓶',0)`); err != nil {
			return err
		}
		if s.pesticide, err = d2Insert(s.ctx, tx, "materials", `INSERT INTO materials(kind, name, reg_no, active_ingredients, toxicity, phi_days, jseq)
			VALUES('pesticide','阿维菌素乳油','PD20080005','["阿维菌素"]','低毒',14,0)`); err != nil {
			return err
		}
		s.fertilizer, err = d2Insert(s.ctx, tx, "materials", `INSERT INTO materials(kind, name, jseq) VALUES('fertilizer','有机肥',0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.unverified {
			return
		}
		rep, err := s.db.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			t.Errorf("store does not verify after the test: %v %+v", err, rep)
		}
	})
	return s
}

// harvest inserts a harvest lot of 冰糖橙 from plot on date (no rule checks:
// that is the harvest API's job) and returns its id.
func (s *d2Site) harvest(plot int64, date string, qty float64, phiOverride bool) int64 {
	s.t.Helper()
	var id int64
	s.lots++
	code := fmt.Sprintf("XPGS-D2-%05d", s.lots)
	err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
		var err error
		id, err = d2Insert(s.ctx, tx, "lots", `INSERT INTO lots(code, product_id, source, plot_id, produced_on, quantity, unit, phi_override, override_reason, jseq)
			VALUES(?,?,'harvest',?,?,?,'kg',?,?,0)`, code, s.orange, plot, date, qty, boolInt(phiOverride), map[bool]string{true: "admin override (test)"}[phiOverride])
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// apply inserts an application of material on plot.
func (s *d2Site) apply(plot, material int64, date string) int64 {
	s.t.Helper()
	var id int64
	err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
		var err error
		id, err = d2Insert(s.ctx, tx, "applications", `INSERT INTO applications(applied_on, plot_id, crop, material_id, dose, dose_unit, jseq)
			VALUES(?,?,'冰糖橙',?,30,'ml',0)`, date, plot, material)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// envTest inserts a soil test of the base.
func (s *d2Site) envTest(date string) {
	s.t.Helper()
	err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
		_, err := d2Insert(s.ctx, tx, "env_tests", `INSERT INTO env_tests(base_id, kind, tested_on, conclusion, jseq) VALUES(?,'soil',?,'pass',0)`, s.baseID, date)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// lot reads the rule state of a lot.
func (s *d2Site) lot(id int64) lotRow {
	s.t.Helper()
	l, err := loadLotRow(s.ctx, s.db.r, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

func (s *d2Site) balance(id int64) Balance {
	s.t.Helper()
	b, err := s.db.Balance(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// positive records a positive rapid test (ΔA 0.6 → 0.1, 83 %) of lot.
func (s *d2Site) positive(lot int64) Inspection {
	s.t.Helper()
	in, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: lot, Kind: "rapid", Item: "有机磷和氨基甲酸酯类",
		ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.1)})
	if err != nil {
		s.t.Fatal(err)
	}
	return in
}

// negative records a negative rapid test (ΔA 0.6 → 0.5, 16.7 %) of lot.
func (s *d2Site) negative(lot int64) Inspection {
	s.t.Helper()
	in, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: lot, Kind: "rapid", Item: "有机磷和氨基甲酸酯类",
		ControlDeltaA: d2f(0.6), SampleDeltaA: d2f(0.5)})
	if err != nil {
		s.t.Fatal(err)
	}
	return in
}

// wantRule fails unless err is a violation of rule with a message in both
// languages.
func wantRule(t testing.TB, err error, rule string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want rule %s, got nil", rule)
	}
	if !rules.IsRule(err, rule) {
		t.Fatalf("want rule %s, got %v", rule, err)
	}
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
		t.Fatalf("rule error without a bilingual message: %v", err)
	}
}
