package sim_test

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"

	"suyuan/assets"
	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform"
	"suyuan/sync/platform/sim"
)

var update = flag.Bool("update", false, "rewrite docs/screenshots/trace-page.png")

const (
	account = "coop"
	secret  = "trace-page-secret"
	credit  = "93530427MA6K12345X"
)

func startSim(t *testing.T) (*sim.Server, string) {
	t.Helper()
	s, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Seed: 1,
		Accounts: []sim.Account{{Account: account, Secret: secret, CreditCode: credit, Category: "0", Name: "新平县戛洒镇柑橘种植专业合作社"}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Serve(ctx, l)
	t.Cleanup(func() { cancel(); s.Close() })
	return s, "http://" + l.Addr().String()
}

// seedSite writes a small real site through raw INSERTs + Tx.Record (the
// domain API lives elsewhere): entity, base, plot, product, two pesticides,
// two applications (one inside the PHI window of a later lot, one outside),
// a harvested lot, its rapid test and its 合格证.
func seedSite(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	// The store resolves every writer against its users table.
	u, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass"})
	if err != nil {
		t.Fatal(err)
	}
	admin := store.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	stmts := []struct {
		table, kind, q string
	}{
		{"entity", "entity.create", `INSERT INTO entity(id,name,scale,entity_type,credit_code,contact_name,contact_phone,address,division_code,site_code,jseq)
			VALUES(1,'新平县戛洒镇柑橘种植专业合作社','cooperative','production','` + credit + `','李四','13812345678','云南省玉溪市新平县戛洒镇','530427','XP01',0)`},
		{"bases", "bases.create", `INSERT INTO bases(id,name,address,division_code,area_mu,manager,jseq) VALUES(1,'戛洒镇沃柑基地','云南省玉溪市新平县戛洒镇平寨村','530427',320,'李四',0)`},
		{"plots", "plots.create", `INSERT INTO plots(id,base_id,name,area_mu,crop,crop_category,jseq) VALUES(1,1,'3号地块',42,'沃柑','fruit',0)`},
		{"products", "products.create", `INSERT INTO products(id,name,variety,crop,crop_category,unit,spec,platform_product_code,jseq) VALUES(1,'沃柑','W·默科特','沃柑','fruit','kg','5kg/箱','01030201',0)`},
		{"materials", "materials.create", `INSERT INTO materials(id,kind,name,reg_no,toxicity,phi_days,jseq) VALUES(1,'pesticide','吡虫啉可湿性粉剂','PD20132345','低毒',14,0)`},
		{"materials", "materials.create", `INSERT INTO materials(id,kind,name,reg_no,toxicity,phi_days,jseq) VALUES(2,'pesticide','阿维菌素乳油','PD20081234','低毒',7,0)`},
		{"applications", "applications.create", `INSERT INTO applications(id,applied_on,plot_id,crop,material_id,dose,dose_unit,method,target,operator,jseq) VALUES(1,'2026-10-20',1,'沃柑',1,30,'g/亩','喷雾','蚜虫','张三',0)`},
		{"applications", "applications.create", `INSERT INTO applications(id,applied_on,plot_id,crop,material_id,dose,dose_unit,method,target,operator,jseq) VALUES(2,'2026-11-10',1,'沃柑',2,40,'mL/亩','喷雾','红蜘蛛','张三',0)`},
		{"lots", "lots.create", `INSERT INTO lots(id,code,product_id,source,plot_id,produced_on,quantity,unit,jseq) VALUES(1,'XP0120261128001',1,'harvest',1,'2026-11-28',850,'kg',0)`},
		{"inspections", "inspections.create", `INSERT INTO inspections(id,lot_id,kind,sample_no,sample_name,tested_at,method,basis,item,control_delta_a,sample_delta_a,rate,unit,limit_value,verdict,instrument,operator,source,jseq)
			VALUES(1,1,'rapid','S0001','沃柑','2026-11-28T01:30:00Z','酶抑制率法','GB/T 5009.199-2003','有机磷和氨基甲酸酯类农药',0.412,0.361,12.4,'%',50,'negative','DY-3500','王五','serial',0)`},
		{"certificates", "certificates.create", `INSERT INTO certificates(id,cert_no,lot_id,style,basis,promise_version,product_name,quantity,unit,origin,issuer,contact,issued_on,jseq)
			VALUES(1,'HGZ20261128-0001',1,1,'["自我承诺","自行检测合格"]','2025','沃柑',850,'kg','云南省玉溪市新平县戛洒镇','新平县戛洒镇柑橘种植专业合作社','13812345678','2026-11-28',0)`},
	}
	err = db.Write(ctx, admin, func(tx *store.Tx) error {
		for _, s := range stmts {
			res, err := tx.Exec(ctx, s.q)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if _, err := tx.Record(ctx, s.table, id, s.kind, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSimTracePage(t *testing.T) {
	ctx := context.Background()
	_, url := startSim(t)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seedSite(t, db)
	c, err := platform.NewClient(url, account, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.New(db, c, outbox.Options{}).Once(ctx); err != nil {
		t.Fatal(err)
	}
	var code, short string
	if err := db.Reader().QueryRow("SELECT national_code, national_short_code FROM lots WHERE id = 1").Scan(&code, &short); err != nil || code == "" {
		t.Fatalf("lot has no national code after sync: %v", err)
	}
	if !strings.HasPrefix(code, "1.0."+credit+".01030201.") {
		t.Fatalf("national code %q lacks the 主体类别, credit code and product category", code)
	}
	want := []string{"沃柑", "新平县戛洒镇柑橘种植专业合作社", "合格（阴性）", "承诺达标合格证", "HGZ20261128-0001", "3号地块", "戛洒镇沃柑基地",
		"吡虫啉可湿性粉剂", "符合安全间隔期", "全部符合安全间隔期", code}
	for _, q := range []string{code, short, "XP0120261128001"} {
		resp, err := http.Get(url + "/t/" + q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/t/%s: %d", q, resp.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("/t/%s: page lacks %q", q, w)
			}
		}
	}
	resp, err := http.Get(url + "/t/NO-SUCH-CODE")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), "未找到该追溯码") {
		t.Fatalf("unknown code: %d %s", resp.StatusCode, b)
	}

	// A PHI violation shows in red: an application 3 days before harvest of a
	// 7-day pesticide, recorded and synced after the fact.
	err = db.Write(ctx, store.Actor{UserID: 1, Username: "admin", Role: store.RoleAdmin}, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO applications(id,applied_on,plot_id,crop,material_id,dose,dose_unit,jseq) VALUES(3,'2026-11-25',1,'沃柑',2,40,'mL/亩',0)`)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		_, err = tx.Record(ctx, "applications", id, "applications.create", "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.New(db, c, outbox.Options{}).Once(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(url + "/t/" + code)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "未满安全间隔期") || !strings.Contains(string(b), "间隔 3 天，要求 ≥ 7 天") {
		t.Errorf("PHI violation not shown:\n%s", b)
	}

	chromiumCheck(t, url+"/t/"+code, append(want[:8:8], "未满安全间隔期", code))
}

func chromiumCheck(t *testing.T, url string, want []string) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("chromium not installed (CI installs it)")
		}
		t.Fatal("chromium is required in CI")
	}
	args := func(extra ...string) []string { return chromiumArgs(t, extra...) }
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom := chromiumDOM(t, url)
	for _, w := range want {
		if !strings.Contains(string(dom), w) {
			t.Errorf("rendered DOM lacks %q", w)
		}
	}
	shot := filepath.Join(t.TempDir(), "trace.png")
	if out, err := exec.CommandContext(ctx, bin, args("--hide-scrollbars", "--screenshot="+shot, url)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 390 || b.Dy() != 844 {
		t.Errorf("screenshot is %v, want 390x844 (phone)", b)
	}
	if colours, dark := stats(img); colours < 20 || dark < 500 {
		t.Errorf("screenshot looks blank: %d colours, %d dark pixels", colours, dark)
	}
	if *update {
		b, _ := os.ReadFile(shot)
		dst := filepath.Join("..", "..", "..", "docs", "screenshots", "trace-page.png")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chromiumDOM renders url in headless Chromium and returns the DOM after load.
func chromiumDOM(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, "chromium", chromiumArgs(t, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	return dom
}

func chromiumArgs(t *testing.T, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir(), "--window-size=390,844"}, extra...)
}

// stats counts distinct colours and dark (text) pixels.
func stats(img image.Image) (colours, dark int) {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
			if r+g+bl < 3*0x6000 {
				dark++
			}
		}
	}
	return len(seen), dark
}

func TestSimFaultsAreSeeded(t *testing.T) {
	// The same seed gives the same fault sequence (training scenarios are
	// repeatable); a different seed a different one.
	seq := func(seed uint64) string {
		s, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Faults: sim.Faults{Err5xx: 0.5, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		h := s.Handler()
		var b strings.Builder
		for i := 0; i < 40; i++ {
			rec := &recorder{header: http.Header{}}
			req, _ := http.NewRequest("GET", platform.PathPing, nil)
			h.ServeHTTP(rec, req)
			if rec.status == 503 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, a2, other := seq(1), seq(1), seq(2)
	if a != a2 || a == other || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Fatalf("fault sequences: %s %s %s", a, a2, other)
	}
}

type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(s int) { r.status = s }

// The trace page brings its own fonts: its CSS names @font-face rules whose
// URLs are routes of the simulator serving the bundled TrueType bytes as
// font/ttf, and the body uses those families first. Without this a phone or
// PC with no CJK font shows every hanzi as a box.
func TestSimTracePageFonts(t *testing.T) {
	s, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu gosync.Mutex
	fetched := map[string]int{}
	h := s.Handler()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched[r.URL.Path]++
		mu.Unlock()
		h.ServeHTTP(w, r)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	url := "http://" + l.Addr().String()

	face := regexp.MustCompile(`@font-face\{font-family:"([^"]+)";src:url\("([^"]+)"\) format\("truetype"\)`)
	fonts := []struct {
		family, path string
		want         []byte
		runes        string // runes of the page this font must have glyphs for
	}{
		{"Suyuan CJK", sim.FontCJKPath, assets.CJKFont, "未找到该追溯码，请核对标签上的"},
		{"Suyuan Latin", sim.FontLatinPath, assets.LatinFont, "NOSUCHabc0123"},
	}
	for _, page := range []string{"/t/NO-SUCH-CODE", "/"} {
		resp, err := http.Get(url + page)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		faces := map[string]string{}
		for _, m := range face.FindAllStringSubmatch(string(b), -1) {
			faces[m[1]] = m[2]
		}
		for _, f := range fonts {
			if faces[f.family] != f.path {
				t.Errorf("%s: @font-face %q points at %q, want %q (faces %v)", page, f.family, faces[f.family], f.path, faces)
			}
		}
		if !strings.Contains(string(b), `font-family:"Suyuan Latin","Suyuan CJK",sans-serif`) {
			t.Errorf("%s: body does not use the bundled fonts first:\n%s", page, b)
		}
	}
	for _, f := range fonts {
		t.Run(f.family, func(t *testing.T) {
			resp, err := http.Get(url + f.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "font/ttf" {
				t.Fatalf("GET %s: %d %q, want 200 font/ttf", f.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !bytes.Equal(b, f.want) {
				t.Fatalf("GET %s: %d bytes, not the bundled font's %d", f.path, len(b), len(f.want))
			}
			fnt, err := sfnt.Parse(b)
			if err != nil {
				t.Fatalf("served font does not parse: %v", err)
			}
			var buf sfnt.Buffer
			for _, r := range f.runes {
				if gi, err := fnt.GlyphIndex(&buf, r); err != nil || gi == 0 {
					t.Errorf("served font has no glyph for %q", r)
				}
			}
		})
	}

	// A real browser fetches both fonts when it renders the page.
	if _, err := exec.LookPath("chromium"); err == nil {
		mu.Lock()
		clear(fetched)
		mu.Unlock()
		chromiumDOM(t, url+"/t/NO-SUCH-CODE")
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fonts {
			if fetched[f.path] == 0 {
				t.Errorf("chromium rendered the page without fetching %s (fetched %v)", f.path, fetched)
			}
		}
	}
}
