package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"

	"suyuan/store/rules"
)

// TestAddApplicationsSameRulesAsSingle runs every case through
// AddApplication, CheckApplications and AddApplications and expects the same
// outcome from all three: the same refusal (code and message), or the same
// stored row and journal payload (ids aside).
func TestAddApplicationsSameRulesAsSingle(t *testing.T) {
	f := newSite(t)
	dimethoate := f.pesticide("40%乐果乳油", "PD20080100", "中等毒", 7, "乐果")
	aluminium := f.pesticide("磷化铝片剂", "PD20080102", "高毒", 10, "磷化铝")
	omethoate := f.pesticideBannedSince("氧乐果乳油", "中等毒", 14, "氧乐果")
	retiredPlot := f.plot("废弃地", "柑橘", "瓜果")
	if err := f.db.Correct(f.ctx, fxAdmin, "plots", retiredPlot.ID, map[string]any{"retired": true}, "地块已退耕"); err != nil {
		t.Fatal(err)
	}
	in := func(date string, p Plot, m Material) ApplicationInput {
		return ApplicationInput{Date: day(t, date), PlotID: p.ID, MaterialID: m.ID, Dose: 30, DoseUnit: "ml/亩", AreaMu: 12.5,
			Method: " 喷雾 ", Target: "红蜘蛛", Operator: "李某", Notes: "bulk"}
	}
	cases := []struct {
		name string
		in   ApplicationInput
		want string
	}{
		{"abamectin on citrus", in("2026-11-20", f.citrus, f.abamectin), ""},
		{"fertilizer on tea, no area", func() ApplicationInput { a := in("2026-11-20", f.tea, f.fertilizer); a.AreaMu = 0; return a }(), ""},
		{"crop given", func() ApplicationInput { a := in("2026-11-20", f.citrus, f.abamectin); a.Crop = "沃柑"; return a }(), ""},
		{"乐果 on 瓜果", in("2026-11-20", f.citrus, dimethoate), "rule:" + rules.RuleCropBannedPesticide},
		{"高毒 on 茶叶", in("2026-11-20", f.tea, aluminium), "rule:" + rules.RuleHighlyToxic},
		{"氧乐果 after its ban", in("2026-07-01", f.citrus, omethoate), "rule:" + rules.RuleBannedPesticide},
		{"future date", in("2026-11-29", f.citrus, f.abamectin), string(CodeInvalid)},
		{"retired plot", in("2026-11-20", retiredPlot, f.abamectin), string(CodeInvalid)},
		{"unknown plot", in("2026-11-20", Plot{ID: 999}, f.abamectin), string(CodeNotFound)},
		{"unknown material", in("2026-11-20", f.citrus, Material{ID: 999}), string(CodeNotFound)},
		{"no dose", func() ApplicationInput { a := in("2026-11-20", f.citrus, f.abamectin); a.Dose = 0; return a }(), "rule:" + rules.RuleQuantity},
		{"no dose unit", func() ApplicationInput { a := in("2026-11-20", f.citrus, f.abamectin); a.DoseUnit = " "; return a }(), string(CodeInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.head(t)
			single, serr := f.db.AddApplication(f.ctx, fxRecorder, tc.in)
			wantErr(t, serr, tc.want)
			cerr := f.db.CheckApplications(f.ctx, fxRecorder, []ApplicationInput{tc.in})
			mid := f.head(t)
			ids, berr := f.db.AddApplications(f.ctx, fxRecorder, []ApplicationInput{tc.in})
			if tc.want != "" {
				for name, err := range map[string]error{"check": cerr, "bulk": berr} {
					var re *RowsError
					if !errors.As(err, &re) || len(re.Errs) != 1 {
						t.Fatalf("%s: %v, want a RowsError", name, err)
					}
					wantErr(t, re.Errs[0], tc.want)
					if userMessage(re.Errs[0], "zh") != userMessage(serr, "zh") || userMessage(re.Errs[0], "en") != userMessage(serr, "en") {
						t.Fatalf("%s: %q, single write: %q", name, userMessage(re.Errs[0], "en"), userMessage(serr, "en"))
					}
					if zh, en := userMessage(err, "zh"), userMessage(err, "en"); !strings.Contains(zh, "未保存") || !strings.Contains(en, "none was saved") {
						t.Fatalf("%s summary: %q / %q", name, zh, en)
					}
				}
				if f.head(t) != before {
					t.Fatal("a refused application was journaled")
				}
				return
			}
			if cerr != nil || berr != nil || len(ids) != 1 {
				t.Fatalf("check %v, bulk %v %v", cerr, berr, ids)
			}
			got, err := f.db.GetApplication(f.ctx, ids[0])
			sid := single.ID
			single.ID = got.ID
			if err != nil || got != single {
				t.Fatalf("bulk stored %+v %v, single %+v", got, err, single)
			}
			if f.head(t) != mid+1 {
				t.Fatalf("bulk appended %d entries", f.head(t)-mid)
			}
			ps, pb := f.lastPayload(t, "applications", sid), f.lastPayload(t, "applications", got.ID)
			if !bytes.Equal(stripID(t, ps), stripID(t, pb)) {
				t.Fatalf("payloads differ:\nsingle %s\nbulk   %s", ps, pb)
			}
		})
	}
	f.verify(t)
}

// TestAddApplicationsAllOrNothing: one bad row among many writes nothing and
// names exactly that row; many good rows (more than one chunk) all land, each
// with its own entry, in order, and the store verifies.
func TestAddApplicationsAllOrNothing(t *testing.T) {
	f := newSite(t)
	dimethoate := f.pesticide("40%乐果乳油", "PD20080100", "中等毒", 7, "乐果")
	good := func(i int) ApplicationInput {
		return ApplicationInput{Date: day(t, "2026-11-01").AddDate(0, 0, i%20), PlotID: f.citrus.ID, MaterialID: f.abamectin.ID,
			Dose: float64(20 + i%30), DoseUnit: "ml/亩", Target: "红蜘蛛"}
	}
	n := 3*bulkChunk + 7
	ins := make([]ApplicationInput, n)
	for i := range ins {
		ins[i] = good(i)
	}
	bad := append([]ApplicationInput{}, ins...)
	bad[100].MaterialID = dimethoate.ID
	before := f.head(t)
	_, err := f.db.AddApplications(f.ctx, fxRecorder, bad)
	var re *RowsError
	if !errors.As(err, &re) || re.count() != 1 || !rules.IsRule(re.Errs[100], rules.RuleCropBannedPesticide) {
		t.Fatalf("%v", err)
	}
	if f.head(t) != before {
		t.Fatal("a refused file was partly written")
	}
	ids, err := f.db.AddApplications(f.ctx, fxRecorder, ins)
	if err != nil || len(ids) != n {
		t.Fatalf("%d ids, %v", len(ids), err)
	}
	if f.head(t) != before+int64(n) {
		t.Fatalf("%d entries for %d rows", f.head(t)-before, n)
	}
	for i, id := range ids {
		a, err := f.db.GetApplication(f.ctx, id)
		if err != nil || a.Dose != ins[i].Dose || !a.Date.Equal(ins[i].Date) {
			t.Fatalf("row %d: %+v %v", i, a, err)
		}
		var jseq, seq int64
		if err := f.db.r.QueryRow("SELECT jseq, (SELECT max(seq) FROM journal WHERE ref = 'applications:' || ?) FROM applications WHERE id = ?", id, id).Scan(&jseq, &seq); err != nil || jseq != seq || seq != before+int64(i)+1 {
			t.Fatalf("row %d: jseq %d, entry %d, want %d (%v)", i, jseq, seq, before+int64(i)+1, err)
		}
	}
	f.verify(t)
	// The caller's permission is checked too.
	if _, err := f.db.AddApplications(f.ctx, fxPacker, ins[:1]); ErrorCode(err) != CodeForbidden {
		t.Fatalf("packer: %v", err)
	}
}

// TestStatementCacheAcrossTransactions: statements prepared once per DB keep
// working across many transactions, a rolled-back one, and a schema change
// made by another connection (SQLite re-prepares them).
func TestStatementCacheAcrossTransactions(t *testing.T) {
	f := newSite(t)
	in := ApplicationInput{Date: day(t, "2026-11-20"), PlotID: f.citrus.ID, MaterialID: f.abamectin.ID, Dose: 30, DoseUnit: "ml/亩"}
	for i := 0; i < 5; i++ {
		if _, err := f.db.AddApplication(f.ctx, fxRecorder, in); err != nil {
			t.Fatal(err)
		}
	}
	f.db.stmts.mu.Lock()
	cached := len(f.db.stmts.stmts)
	f.db.stmts.mu.Unlock()
	if cached < 5 {
		t.Fatalf("%d statements cached after five writes", cached)
	}
	boom := errors.New("boom")
	if err := f.db.Write(f.ctx, fxRecorder, func(tx *Tx) error {
		if _, err := tx.insertJournaled(f.ctx, "applications", "INSERT INTO applications(applied_on,plot_id,crop,material_id,dose,dose_unit,area_mu,method,target,operator,notes,jseq) VALUES(?,?,?,?,?,?,?,?,?,?,?,0)",
			"2026-11-20", f.citrus.ID, "柑橘", f.abamectin.ID, 30.0, "ml/亩", nil, "", "", "", ""); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", dsn(f.db.Path(), false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("CREATE INDEX scratch_applications_target ON applications(target)"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.db.AddApplication(f.ctx, fxRecorder, in); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := f.db.CountApplications(f.ctx, ListQuery{}, 0); n != 8 {
		t.Fatalf("%d applications, want 8", n)
	}
	f.verify(t)
}

func (f *fxSite) head(t testing.TB) int64 {
	t.Helper()
	seq, _, err := f.db.Head(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func (f *fxSite) verify(t testing.TB) {
	t.Helper()
	rep, err := f.db.Verify(f.ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func (f *fxSite) lastPayload(t testing.TB, table string, id int64) []byte {
	t.Helper()
	var p string
	if err := f.db.r.QueryRowContext(context.Background(), "SELECT payload FROM journal WHERE ref = ? ORDER BY seq DESC LIMIT 1", table+":"+strconv.FormatInt(id, 10)).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return []byte(p)
}

// stripID drops the leading "id" field's value so payloads of two rows compare.
func stripID(t testing.TB, p []byte) []byte {
	t.Helper()
	i := bytes.Index(p, []byte(`"id":`))
	if i < 0 {
		t.Fatalf("no id in %s", p)
	}
	j := bytes.IndexByte(p[i:], ',')
	return append(append([]byte{}, p[:i]...), p[i+j:]...)
}

// TestMemoCheckAnswersLikeCheck: the remembered pesticide check gives the
// list's own answer, asked once or many times, and a replaced list is asked
// afresh (SetPesticideList takes effect at once).
func TestMemoCheckAnswersLikeCheck(t *testing.T) {
	f := newSite(t)
	omethoate := f.pesticideBannedSince("氧乐果乳油", "中等毒", 14, "氧乐果")
	list := f.db.PesticideList()
	check := memoCheck(list)
	cases := []struct {
		ings     []string
		crop     rules.CropInfo
		toxicity string
		day      string
	}{
		{[]string{"阿维菌素"}, rules.CropInfo{Category: "瓜果", Crop: "柑橘"}, "低毒", "2026-11-20"},
		{[]string{"氧乐果"}, rules.CropInfo{Category: "瓜果", Crop: "柑橘"}, "中等毒", "2026-07-01"},
		{[]string{"氧乐果"}, rules.CropInfo{Category: "粮食", Crop: "水稻"}, "中等毒", "2026-05-01"},
		{[]string{"磷化铝"}, rules.CropInfo{Category: "茶叶", Crop: "茶树"}, "高毒", "2026-11-20"},
		{[]string{"乐果"}, rules.CropInfo{Category: "瓜果"}, "中等毒", "2019-07-31"},
	}
	for round := 0; round < 3; round++ {
		for _, tc := range cases {
			want := list.Check(tc.ings, tc.crop, tc.toxicity, day(t, tc.day))
			got := check(tc.ings, tc.crop, tc.toxicity, day(t, tc.day))
			if (want == nil) != (got == nil) || (want != nil && userMessage(want, "en") != userMessage(got, "en")) {
				t.Fatalf("%v on %v: memo %v, list %v", tc.ings, tc.crop, got, want)
			}
		}
	}
	// Without the ban, 氧乐果 on 柑橘 after 2026-06-01 passes: the new list is asked.
	l := rules.DefaultList()
	kept := l.Rules[:0]
	for _, r := range l.Rules {
		if r.Ingredient != "氧乐果" {
			kept = append(kept, r)
		}
	}
	l.Rules = kept
	if err := f.db.SetPesticideList(l); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apply(fxRecorder, "2026-07-01", f.citrus, omethoate); err != nil {
		t.Fatalf("replaced list not used: %v", err)
	}
}
