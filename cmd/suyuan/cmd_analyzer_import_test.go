package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
	"suyuan/store"
	"suyuan/store/rules"
)

// analyzerSite initialises a data dir through the CLI (admin + technician)
// and adds, through the store API, the master data and one harvested lot.
func analyzerSite(t *testing.T) (dir string, lot store.Lot) {
	t.Helper()
	dir = t.TempDir()
	t.Setenv("SUYUAN_NEW_PASSWORD", "admin-pass")
	if code, _, errs := cli(t, dir, "", "init", "--admin", "admin"); code != 0 {
		t.Fatalf("init: %q", errs)
	}
	t.Setenv("SUYUAN_PASSWORD", "admin-pass")
	t.Setenv("SUYUAN_NEW_PASSWORD", "tech-pass")
	if code, _, errs := cli(t, dir, "", "--user", "admin", "user", "add", "--username", "zhang", "--role", "technician"); code != 0 {
		t.Fatalf("user add: %q", errs)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := db.Login(ctx, "admin", "admin-pass")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := rules.USCCCheckChar("93530427MA6K7Q8R1")
	if _, err := db.SaveEntity(ctx, admin, store.Entity{Name: "示例柑橘专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: "93530427MA6K7Q8R1" + string(c), DivisionCode: "530427", SiteCode: "GSXP01", ContactName: "李四", ContactPhone: "13800000000"}); err != nil {
		t.Fatal(err)
	}
	b, err := db.AddBase(ctx, admin, store.Base{Name: "戛洒基地", DivisionCode: "530427", AreaMu: 120})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.AddPlot(ctx, admin, store.Plot{BaseID: b.ID, Name: "一号地", AreaMu: 30, Crop: "冰糖橙", CropCategory: "瓜果"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := db.AddProduct(ctx, admin, store.Product{Name: "冰糖橙", Crop: "冰糖橙", CropCategory: "瓜果", Unit: "kg"})
	if err != nil {
		t.Fatal(err)
	}
	// Harvested 10 days ago: the simulated readings span the last 10 days,
	// and one tested more than 7 days before a lot cannot be bound to it.
	lot, err = db.Harvest(ctx, admin, store.HarvestInput{PlotID: p.ID, ProductID: pr.ID, Date: time.Now().AddDate(0, 0, -10), Quantity: 300})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SUYUAN_PASSWORD", "tech-pass")
	return dir, lot
}

// serveSim runs the simulator on a fresh pty until the returned stop is
// called; it returns the slave path the CLI opens.
func serveSim(t *testing.T, driver string, o sim.Options) (string, func()) {
	t.Helper()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sim.Run(ctx, master, driver, o)
	}()
	return slave, func() { cancel(); wg.Wait(); master.Close() }
}

func pendingJSONLines(t *testing.T, dir string) []pendingJSON {
	t.Helper()
	code, out, errs := cli(t, dir, "", "analyzer", "pending", "--json")
	if code != 0 {
		t.Fatalf("pending: %d %q", code, errs)
	}
	var rs []pendingJSON
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r pendingJSON
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("pending line %q: %v", line, err)
		}
		rs = append(rs, r)
	}
	return rs
}

var summaryRE = regexp.MustCompile(`新导入 (\d+) 条读数，(\d+) 条已存在`)

func importCLI(t *testing.T, dir, slave, driver string, extra ...string) (code, added, dup int, out, errs string) {
	t.Helper()
	args := append([]string{"--user", "zhang", "analyzer", "import", "--port", slave, "--driver", driver, "--serial-no", "LZ-SN-001", "--timeout", "300ms"}, extra...)
	code, out, errs = cli(t, dir, "", args...)
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("import printed no summary: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	added, _ = strconv.Atoi(m[1])
	dup, _ = strconv.Atoi(m[2])
	return
}

func TestAnalyzerImportCLI(t *testing.T) {
	dir, lot := analyzerSite(t)
	const n = 8
	want, err := sim.Generate("lz4000t", n, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].SerialNo = "LZ-SN-001"
	}
	*want[0].Rate, *want[0].Value = 80, 80 // positive by the ≥ 50 % rule
	*want[1].Rate, *want[1].Value = 12.5, 12.5
	sim.Renumber("lz4000t", want) // the record's identity follows its content
	wantByRec := map[string]analyzer.Reading{}
	for _, r := range want {
		wantByRec[r.RecordNo] = r
	}

	slave, stop := serveSim(t, "lz4000t", sim.Options{Readings: want})
	code, added, dup, out, errs := importCLI(t, dir, slave, "lz4000t")
	stop()
	if code != 0 || added != n || dup != 0 || countPrefix(out, "+ ") != n || !strings.Contains(errs, "crc_errors=0") {
		t.Fatalf("first import: exit %d added %d dup %d\n%s\n%s", code, added, dup, out, errs)
	}
	t.Logf("first import:\n%s%s", out, errs)

	pend := pendingJSONLines(t, dir)
	if len(pend) != n {
		t.Fatalf("pending %d, want %d", len(pend), n)
	}
	ids := map[string]int64{}
	for _, p := range pend {
		w, ok := wantByRec[p.RecordNo]
		if !ok || p.Rate == nil || math.Abs(*p.Rate-*w.Rate) > 1e-9 || !p.TestedAt.Equal(w.TestedAt) || p.SerialNo != "LZ-SN-001" ||
			p.SampleNo != w.SampleNo || p.SampleName != w.SampleName || p.Raw == "" {
			t.Fatalf("pending %+v does not match sent %+v", p, w)
		}
		ids[p.RecordNo] = p.ID
	}

	// The instrument sends the same memory again, with line noise: nothing new.
	slave, stop = serveSim(t, "lz4000t", sim.Options{Readings: want, Noise: true, Seed: 3})
	code, added, dup, _, errs = importCLI(t, dir, slave, "lz4000t", "--quiet")
	stop()
	if code != 0 || added != 0 || dup != n {
		t.Fatalf("re-import: exit %d added %d dup %d\n%s", code, added, dup, errs)
	}
	if m := regexp.MustCompile(`crc_errors=(\d+)`).FindStringSubmatch(errs); m == nil {
		t.Fatalf("no stats line: %q", errs)
	}

	// Bind the positive by scanning the lot's label (lower case + CR LF).
	code, out, errs = cli(t, dir, "", "--user", "zhang", "analyzer", "bind", fmt.Sprint(ids[want[0].RecordNo]), "--lot", strings.ToLower(lot.Code)+"\r\n")
	if code != 0 || !strings.Contains(out, "阳性") || !strings.Contains(out, "已被扣留") || !strings.Contains(out, lot.Code) {
		t.Fatalf("bind positive: %d %q %q", code, out, errs)
	}
	// Testing-station mode.
	code, out, errs = cli(t, dir, "", "--lang", "en", "--user", "zhang", "analyzer", "bind", fmt.Sprint(ids[want[1].RecordNo]),
		"--entity", "某某家庭农场", "--code", "UP-2026-0001")
	if code != 0 || !strings.Contains(out, "某某家庭农场 UP-2026-0001") || !strings.Contains(out, "negative") {
		t.Fatalf("bind external: %d %q %q", code, out, errs)
	}
	// Unknown lot, both modes at once, no mode: refused with a message.
	for _, args := range [][]string{
		{"analyzer", "bind", fmt.Sprint(ids[want[2].RecordNo]), "--lot", "GSXP01-000000-0000-X"},
		{"analyzer", "bind", fmt.Sprint(ids[want[2].RecordNo]), "--lot", lot.Code, "--entity", "x"},
		{"analyzer", "bind", fmt.Sprint(ids[want[2].RecordNo])},
		{"analyzer", "bind", "--lot", lot.Code},
		{"analyzer", "discard", fmt.Sprint(ids[want[2].RecordNo])},
		{"analyzer", "bind", fmt.Sprint(ids[want[0].RecordNo]), "--lot", lot.Code}, // already bound
	} {
		code, _, errs := cli(t, dir, "", append([]string{"--user", "zhang"}, args...)...)
		if code != 1 || strings.TrimSpace(errs) == "" || strings.Contains(errs, "出错了") {
			t.Errorf("%v: want a clear refusal, got %d %q", args, code, errs)
		}
	}
	code, out, errs = cli(t, dir, "", "--user", "zhang", "analyzer", "discard", fmt.Sprint(ids[want[2].RecordNo]), "--reason", "校准试验")
	if code != 0 || !strings.Contains(out, "已搁置") {
		t.Fatalf("discard: %d %q %q", code, out, errs)
	}
	if got := len(pendingJSONLines(t, dir)); got != n-3 {
		t.Fatalf("pending after bind/bind/discard: %d, want %d", got, n-3)
	}
	code, out, _ = cli(t, dir, "", "analyzer", "pending")
	if code != 0 || strings.Count(out, "\n") != n-3 || !strings.Contains(out, "#") {
		t.Fatalf("pending text: %q", out)
	}

	// The lot is held: a certificate is refused by the hold rule.
	db, err := store.Open(context.Background(), filepath.Join(dir, store.DefaultFile), store.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, _ := db.LotByID(context.Background(), lot.ID)
	if err := db.CanCertify(context.Background(), lot.ID, time.Now()); !l.Hold || !rules.IsRule(err, store.RuleLotOnHold) {
		t.Fatalf("lot hold %v, certificate check %v", l.Hold, err)
	}
}

// TestAnalyzerImportCLIDroppedSession: the cable is cut mid-import; the
// command exits non-zero, keeps what it committed, and a rerun completes
// without duplicates.
func TestAnalyzerImportCLIDroppedSession(t *testing.T) {
	dir, _ := analyzerSite(t)
	const n = 16
	// DY-723PC answers the request with its records at once, so the
	// simulator's early drop lands among readings.
	want, _ := sim.Generate("dy723pc", n, 5, nil)
	for i := range want {
		want[i].SerialNo = "LZ-SN-001"
	}
	// The drop point is random per seed; a drop inside the very first
	// frame commits nothing, so try seeds until one cut lands after a
	// committed reading (each failed try must still exit non-zero).
	var first int
	for seed := int64(1); seed <= 10 && first == 0; seed++ {
		slave, stop := serveSim(t, "dy723pc", sim.Options{Readings: want, Drop: true, Seed: seed})
		code, added, dup, _, errs := importCLI(t, dir, slave, "dy723pc")
		stop()
		t.Logf("dropped import (seed %d): added %d: %s", seed, added, errs)
		if code != 1 || dup != 0 || added >= n || !strings.Contains(errs, "断开") || !strings.Contains(errs, fmt.Sprintf("已保存 %d 条", added)) {
			t.Fatalf("dropped import: exit %d added %d dup %d %q", code, added, dup, errs)
		}
		first = added
	}
	if first == 0 {
		t.Fatal("no drop landed after a reading in ten tries")
	}
	if got := len(pendingJSONLines(t, dir)); got != first {
		t.Fatalf("after the drop %d pending, want the %d committed", got, first)
	}
	slave, stop := serveSim(t, "dy723pc", sim.Options{Readings: want})
	code, added, dup, _, errs := importCLI(t, dir, slave, "dy723pc")
	stop()
	if code != 0 || added != n-first || dup != first {
		t.Fatalf("rerun: exit %d added %d dup %d (first %d) %q", code, added, dup, first, errs)
	}
	if got := len(pendingJSONLines(t, dir)); got != n {
		t.Fatalf("pending %d, want %d", got, n)
	}
	// A port that does not exist: non-zero, a message, no summary needed.
	code, _, errs = cli(t, dir, "", "--user", "zhang", "analyzer", "import", "--port", filepath.Join(t.TempDir(), "nope"), "--driver", "lz4000t")
	if code != 1 || errs == "" {
		t.Fatalf("missing port: %d %q", code, errs)
	}
}

func countPrefix(out, prefix string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
