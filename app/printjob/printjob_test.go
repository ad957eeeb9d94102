package printjob

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"image"
	"image/png"

	"suyuan/app/label"
	"suyuan/device/printer"
	"suyuan/device/printer/sim"
	"suyuan/store"
	"suyuan/store/rules"

	"suyuan/app/label/labeltest"
)

// site is a real store file with one cooperative, one harvested lot of
// 冰糖橙 and an administrator.
type site struct {
	db    *store.DB
	admin store.Actor
	plot  int64
	prod  int64
	lot   store.Lot
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass-1"}); err != nil {
		t.Fatal(err)
	}
	admin, err := db.Login(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	first := "93530427MA6N3K7Q1"
	c, err := rules.USCCCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveEntity(ctx, admin, store.Entity{Name: "新平戛洒柑橘种植专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: first + string(c), ContactName: "李四", ContactPhone: "13800000000", Address: "云南省玉溪市新平县戛洒镇",
		DivisionCode: "530427", SiteCode: "XPGS"}); err != nil {
		t.Fatal(err)
	}
	base, err := db.AddBase(ctx, admin, store.Base{Name: "戛洒基地", DivisionCode: "530427", AreaMu: 100})
	if err != nil {
		t.Fatal(err)
	}
	plot, err := db.AddPlot(ctx, admin, store.Plot{BaseID: base.ID, Name: "一号地", Crop: "柑橘", CropCategory: "瓜果", AreaMu: 20})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := db.AddProduct(ctx, admin, store.Product{Name: "冰糖橙", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{db: db, admin: admin, plot: plot.ID, prod: prod.ID}
	s.lot = s.harvest(t)
	return s
}

func (s *site) harvest(t *testing.T) store.Lot {
	t.Helper()
	l, err := s.db.Harvest(context.Background(), s.admin, store.HarvestInput{PlotID: s.plot, ProductID: s.prod, Date: time.Now().AddDate(0, 0, -1), Quantity: 500})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// hold records a positive rapid test, which puts the lot on hold.
func (s *site) hold(t *testing.T, lotID int64) {
	t.Helper()
	if _, err := s.db.RecordInspection(context.Background(), s.admin, store.InspectionInput{LotID: lotID, Kind: "rapid",
		Item: "有机磷和氨基甲酸酯类", Verdict: "positive", Operator: "张检测", TestedAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	l, _ := s.db.LotByID(context.Background(), lotID)
	if !l.Hold {
		t.Fatal("positive test did not put the lot on hold")
	}
}

// simPrinter runs the printer simulator on a loopback port.
type simPrinter struct {
	dir string
	uri string
}

func startSim(t *testing.T, dropAt int) *simPrinter {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&sim.Server{OutDir: dir, DPI: 203, DropAt: dropAt}).Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return &simPrinter{dir: dir, uri: "tcp://" + ln.Addr().String()}
}

// labels waits until the simulator has written n PNGs and returns them in order.
func (p *simPrinter) labels(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var files []string
	for time.Now().Before(deadline) {
		files, _ = filepath.Glob(filepath.Join(p.dir, "label-*.png"))
		if len(files) >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // any extra label would have arrived by now
	files, _ = filepath.Glob(filepath.Join(p.dir, "label-*.png"))
	sort.Strings(files)
	return files
}

func open(t *testing.T, uri string) printer.Transport {
	t.Helper()
	tr, err := printer.Open(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func TestTwentyTraceLabelsToSimulator(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	p := startSim(t, 0)
	j, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "trace", LotID: s.lot.ID, Copies: 20, Printer: p.uri, Size: "60x40", DPI: 203, Lang: "tspl"})
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	done, err := Run(ctx, s.db, s.admin, j, open(t, p.uri), Options{Progress: func(pr Progress) { progress = append(progress, pr.Serial) }})
	if err != nil {
		t.Fatal(err)
	}
	if done.Printed != 20 || done.Status != "done" {
		t.Fatalf("job after run: %+v", done)
	}
	if rec, _ := s.db.PrintJobByID(ctx, j.ID); rec.Printed != 20 || rec.Status != "done" {
		t.Fatalf("job in store: %+v", rec)
	}
	if len(progress) != 20 || progress[0] != 1 || progress[19] != 20 {
		t.Fatalf("progress %v", progress)
	}
	files := p.labels(t, 20)
	if len(files) != 20 {
		t.Fatalf("simulator printed %d labels, want 20", len(files))
	}
	// No pre-allocated national codes: the QR carries the local code.
	want := label.DefaultURLTemplate[:strings.Index(label.DefaultURLTemplate, "{")] + s.lot.Code
	for i, f := range files {
		if got := labeltest.Zbar(t, f); len(got) != 1 || got[0] != want {
			t.Fatalf("label %d: zbarimg read %q, want %q", i+1, got, want)
		}
		// The printed label is the preview of its serial, dot for dot, and
		// differs from its neighbour's (the serial is printed).
		assertSame(t, f, previewOf(t, s.db, j, i+1))
		if i > 0 {
			if prev := previewOf(t, s.db, j, i); diffPNG(t, f, prev) == 0 {
				t.Fatalf("label %d is identical to serial %d's preview: serial not printed", i+1, i)
			}
		}
	}
}

func previewOf(t *testing.T, db *store.DB, j store.PrintJob, serial int) *printer.Bitmap {
	t.Helper()
	img, err := Preview(context.Background(), db, j, serial, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readPNG(t *testing.T, path string) *printer.Bitmap {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := decodePNG(f)
	if err != nil {
		t.Fatal(err)
	}
	return printer.FromImage(img)
}

func diffPNG(t *testing.T, path string, want *printer.Bitmap) int {
	return readPNG(t, path).Diff(want)
}

func assertSame(t *testing.T, path string, want *printer.Bitmap) {
	t.Helper()
	if n := diffPNG(t, path, want); n != 0 {
		t.Fatalf("%s: %d dots differ from the preview", filepath.Base(path), n)
	}
}

// The simulator loses power when label 7 arrives: the runner must stop with
// printed = 6 (label 7 never confirmed), and the resumed run must print
// exactly 7..20, so the simulator's output holds serials 1..20 once each.
func TestPrinterDropsAtLabel7ThenResume(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	p := startSim(t, 7)
	tmpl := "https://t.example/{code}?s={serial}" // the serial in the QR, so the output can be checked by zbarimg
	opts := Options{Label: label.Options{URLTemplate: tmpl}}
	j, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "trace", LotID: s.lot.ID, Copies: 20, Printer: p.uri, Size: "60x40", Lang: "tspl"})
	if err != nil {
		t.Fatal(err)
	}
	tr := open(t, p.uri)
	got, err := Run(ctx, s.db, s.admin, j, tr, opts)
	if err == nil {
		t.Fatal("run survived a printer power loss")
	}
	if !errors.Is(err, printer.ErrWriteFailed) {
		t.Fatalf("error %v is not a printer write failure", err)
	}
	rec, _ := s.db.PrintJobByID(ctx, j.ID)
	if got.Printed != 6 || rec.Printed != 6 || rec.Status != "failed" || rec.LastError == "" {
		t.Fatalf("after the fault: returned %+v, stored %+v; want printed 6, failed", got, rec)
	}
	if n := len(p.labels(t, 6)); n != 6 {
		t.Fatalf("simulator printed %d labels before the fault, want 6", n)
	}
	got, err = Run(ctx, s.db, s.admin, rec, tr, opts) // same transport: it redials
	if err != nil {
		t.Fatal(err)
	}
	if got.Printed != 20 || got.Status != "done" {
		t.Fatalf("after resume: %+v", got)
	}
	files := p.labels(t, 20)
	if len(files) != 20 {
		t.Fatalf("simulator printed %d labels in all, want 20", len(files))
	}
	seen := map[string]int{}
	for i, f := range files {
		codes := labeltest.Zbar(t, f)
		if len(codes) != 1 {
			t.Fatalf("%s: %q", f, codes)
		}
		seen[codes[0]]++
		want := "https://t.example/" + s.lot.Code + "?s=" + itoa(i+1)
		if codes[0] != want {
			t.Errorf("label %d carries %q, want %q", i+1, codes[0], want)
		}
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("%s printed %d times", u, n)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// countingTransport records what reaches it (a real transport underneath
// would be a printer; here only the byte count matters).
type countingTransport struct{ n, writes int }

func (c *countingTransport) Write(_ context.Context, b []byte) error {
	c.n += len(b)
	c.writes++
	return nil
}
func (c *countingTransport) Close() error   { return nil }
func (c *countingTransport) String() string { return "count://" }

func TestRulesBeforeAnyByte(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, s *site, tr printer.Transport) error
		rule string
	}{
		{"cert1 for a held lot refused at start", func(t *testing.T, s *site, tr printer.Transport) error {
			cert := issue(t, s)
			s.hold(t, s.lot.ID)
			_, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "cert1", LotID: s.lot.ID, CertificateID: cert.ID, Copies: 3, Printer: "count://", Size: "60x40"})
			return err
		}, store.RuleLotOnHold},
		{"cert1 job started, then the lot held: Run refuses", func(t *testing.T, s *site, tr printer.Transport) error {
			cert := issue(t, s)
			j, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "cert1", LotID: s.lot.ID, CertificateID: cert.ID, Copies: 3, Printer: "count://", Size: "60x40"})
			if err != nil {
				t.Fatal(err)
			}
			s.hold(t, s.lot.ID)
			_, err = Run(ctx, s.db, s.admin, j, tr, Options{})
			return err
		}, store.RuleLotOnHold},
		{"reprint without a reason refused", func(t *testing.T, s *site, tr printer.Transport) error {
			in := store.PrintJobInput{Kind: "trace", LotID: s.lot.ID, Copies: 2, Printer: "count://", Size: "60x40"}
			j, err := Start(ctx, s.db, s.admin, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(ctx, s.db, s.admin, j, &countingTransport{}, Options{}); err != nil {
				t.Fatal(err)
			}
			_, err = Start(ctx, s.db, s.admin, in)
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			tr := &countingTransport{}
			err := tt.run(t, s, tr)
			if err == nil {
				t.Fatal("not refused")
			}
			if tr.n != 0 {
				t.Fatalf("%d bytes reached the printer", tr.n)
			}
			var um interface{ UserMessage(string) string }
			if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
				t.Fatalf("error %v has no user message", err)
			}
			if tt.rule != "" {
				if !strings.Contains(um.UserMessage("zh"), "扣留规则") || !strings.Contains(um.UserMessage("en"), "hold rule") {
					t.Fatalf("message does not name the hold rule: %q / %q", um.UserMessage("zh"), um.UserMessage("en"))
				}
			} else if !strings.Contains(um.UserMessage("zh"), "原因") {
				t.Fatalf("reprint refusal does not ask for a reason: %q", um.UserMessage("zh"))
			}
		})
	}
}

func issue(t *testing.T, s *site) store.Certificate {
	t.Helper()
	c, err := s.db.IssueCertificate(context.Background(), s.admin, store.CertInput{LotID: s.lot.ID, Style: 1, Basis: []string{store.BasisQualityControl}, Quantity: 100})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A reprint with a reason continues the serials; a certificate prints its
// number in the QR when the template asks for it; a pre-allocated national
// code replaces the 待登记 local code.
func TestReprintCertAndNationalCode(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.db.AddCodeRange(ctx, "R1", time.Now(), []store.PreallocatedCode{{Long: "1.0.915101007130545949.00000001.20260101000000.001", Short: "11593966828965943445"}}); err != nil {
		t.Fatal(err)
	}
	cert := issue(t, s)
	dir := t.TempDir()
	in := store.PrintJobInput{Kind: "cert1", LotID: s.lot.ID, CertificateID: cert.ID, Copies: 2, Printer: "file://" + dir, Size: "70x50", Lang: "png"}
	j, err := Start(ctx, s.db, s.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	sink := &PNGFiles{Path: filepath.Join(dir, "c.png"), Next: j.NextSerial()}
	opts := Options{Label: label.Options{URLTemplate: "https://t.example/{code}/{cert}"}}
	if _, err := Run(ctx, s.db, s.admin, j, sink, opts); err != nil {
		t.Fatal(err)
	}
	in.Reason = "标签被雨水打湿"
	j2, err := Start(ctx, s.db, s.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if j2.FirstSerial != 3 {
		t.Fatalf("reprint starts at serial %d, want 3", j2.FirstSerial)
	}
	if _, err := Run(ctx, s.db, s.admin, j2, sink, opts); err != nil {
		t.Fatal(err)
	}
	for serial := 1; serial <= 4; serial++ {
		f := PNGName(sink.Path, serial)
		got := labeltest.Zbar(t, f)
		want := "https://t.example/1.0.915101007130545949.00000001.20260101000000.001/" + cert.CertNo
		if len(got) != 1 || got[0] != want {
			t.Fatalf("serial %d: %q, want %q", serial, got, want)
		}
	}
	if _, err := os.Stat(PNGName(sink.Path, 5)); err == nil {
		t.Fatal("a fifth label was written")
	}
}

func decodePNG(r *os.File) (image.Image, error) { return png.Decode(r) }

// ZPL jobs are confirmed with ~HS; a printer that never answers the status
// query stops the job at 0 printed (nothing is counted unconfirmed), and
// NoConfirm prints without waiting.
func TestConfirmZPLAndSilentPrinter(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	p := startSim(t, 0)
	j, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "voucher", LotID: s.lot.ID, Copies: 2, Printer: p.uri, Size: "60x40", Lang: "zpl"})
	if err != nil {
		t.Fatal(err)
	}
	if done, err := Run(ctx, s.db, s.admin, j, open(t, p.uri), Options{}); err != nil || done.Printed != 2 {
		t.Fatalf("zpl run: %+v %v", done, err)
	}
	if n := len(p.labels(t, 2)); n != 2 {
		t.Fatalf("simulator printed %d ZPL labels, want 2", n)
	}

	// A "printer" that swallows bytes and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 64<<10)
				for {
					if _, err := c.Read(buf); err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	old := printer.ConfirmTimeout
	printer.ConfirmTimeout = 300 * time.Millisecond
	defer func() { printer.ConfirmTimeout = old }()
	uri := "tcp://" + ln.Addr().String()
	j2, err := Start(ctx, s.db, s.admin, store.PrintJobInput{Kind: "trace", LotID: s.lot.ID, Copies: 3, Printer: uri, Size: "60x40", Lang: "tspl"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(ctx, s.db, s.admin, j2, open(t, uri), Options{})
	if err == nil || got.Printed != 0 || got.Status != "failed" {
		t.Fatalf("silent printer: %+v %v", got, err)
	}
	var um interface{ UserMessage(string) string }
	if !errors.As(err, &um) || !strings.Contains(um.UserMessage("zh"), "没有确认收到") {
		t.Fatalf("silent printer error %v lacks the confirmation message", err)
	}
	got, err = Run(ctx, s.db, s.admin, got, open(t, uri), Options{NoConfirm: true})
	if err != nil || got.Printed != 3 || got.Status != "done" {
		t.Fatalf("no-confirm run: %+v %v", got, err)
	}
}
