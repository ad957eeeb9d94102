package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"suyuan/app/printjob"
	"suyuan/store"
	"suyuan/store/rules"

	"suyuan/app/label/labeltest"
)

// printSite makes a store in dir with an administrator (password in
// SUYUAN_PASSWORD) and one harvested lot, through the store's own API.
func printSite(t *testing.T, dir string) store.Lot {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, store.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin-pass-1"}); err != nil {
		t.Fatal(err)
	}
	admin, err := db.Login(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	first := "93530427MA6N3K7Q1"
	c, _ := rules.USCCCheckChar(first)
	if _, err := db.SaveEntity(ctx, admin, store.Entity{Name: "新平戛洒柑橘种植专业合作社", Scale: store.ScaleCooperative, EntityType: store.EntityProduction,
		CreditCode: first + string(c), ContactName: "李四", ContactPhone: "13800000000", Address: "云南省玉溪市新平县戛洒镇", DivisionCode: "530427", SiteCode: "XPGS"}); err != nil {
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
	lot, err := db.Harvest(ctx, admin, store.HarvestInput{PlotID: plot.ID, ProductID: prod.ID, Date: time.Now().AddDate(0, 0, -1), Quantity: 300})
	if err != nil {
		t.Fatal(err)
	}
	return lot
}

// print → PDF → pdftoppm → zbarimg: every label's QR decodes to the lot's
// URL; then a certificate is issued and printed; a reprint needs a reason;
// and a void certificate cannot be printed.
func TestPrintCLIToPDF(t *testing.T) {
	pdftoppm, zbarimg := labeltest.NeedTool(t, "pdftoppm"), labeltest.NeedTool(t, "zbarimg")
	dir := t.TempDir()
	lot := printSite(t, dir)
	t.Setenv("SUYUAN_PASSWORD", "admin-pass-1")
	out := filepath.Join(t.TempDir(), "labels.pdf")
	code, stdout, stderr := cli(t, dir, "", "--user", "admin", "print", "trace", "--lot", lot.Code, "--copies", "3", "--size", "60x40", "--out", out)
	if code != 0 || !strings.Contains(stdout, "打印任务#1") {
		t.Fatalf("print: %d %q %q", code, stdout, stderr)
	}
	if b, err := exec.Command(pdftoppm, "-r", "203", "-mono", out, filepath.Join(filepath.Dir(out), "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	pages, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "page-*.pbm"))
	if len(pages) != 1 {
		t.Fatalf("pages %v", pages)
	}
	raw, err := exec.Command(zbarimg, "-q", "--raw", pages[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	got := strings.Fields(string(raw))
	sort.Strings(got)
	want := "https://trace.example.cn/t/" + lot.Code
	if len(got) != 3 || got[0] != want || got[2] != want {
		t.Fatalf("QR codes %q, want 3 × %q", got, want)
	}

	// Same lot and kind again: a reprint, refused without a reason.
	code, _, stderr = cli(t, dir, "", "--user", "admin", "print", "trace", "--lot", lot.Code, "--out", filepath.Join(t.TempDir(), "again.pdf"))
	if code != 1 || !strings.Contains(stderr, "补打必须填写原因") {
		t.Fatalf("reprint without reason: %d %q", code, stderr)
	}
	code, stdout, stderr = cli(t, dir, "", "--user", "admin", "print", "trace", "--lot", lot.Code, "--reason", "箱子破损重贴", "--out", filepath.Join(t.TempDir(), "again.tspl"))
	if code != 0 || !strings.Contains(stdout, "序号 4–4") {
		t.Fatalf("reprint with reason: %d %q %q", code, stdout, stderr)
	}

	// Certificates: issue, print (the lot's latest valid one), void, refuse.
	code, stdout, stderr = cli(t, dir, "", "--user", "admin", "cert", "issue", "--lot", lot.Code, "--basis", "质量安全控制符合要求", "--quantity", "100")
	if code != 0 {
		t.Fatalf("cert issue: %d %q %q", code, stdout, stderr)
	}
	certNo := strings.Fields(stdout)[0]
	cert := filepath.Join(t.TempDir(), "cert.png")
	code, stdout, stderr = cli(t, dir, "", "--user", "admin", "print", "cert1", "--lot", lot.Code, "--size", "70x50", "--out", cert, "--url-template", "https://t.example/c/{cert}")
	if code != 0 {
		t.Fatalf("print cert1: %d %q %q", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "cert-000001.png") {
		t.Fatalf("print cert1 does not name the file it wrote: %q", stdout)
	}
	raw, err = exec.Command(zbarimg, "-q", "--raw", printjob.PNGName(cert, 1)).Output()
	if err != nil || strings.TrimSpace(string(raw)) != "https://t.example/c/"+certNo {
		t.Fatalf("certificate QR %q (%v), want its number %s", raw, err, certNo)
	}
	if code, _, stderr = cli(t, dir, "", "--user", "admin", "cert", "void", certNo, "--reason", "数量写错"); code != 0 {
		t.Fatalf("cert void: %d %q", code, stderr)
	}
	code, _, stderr = cli(t, dir, "", "--user", "admin", "print", "cert1", "--lot", lot.Code, "--cert", certNo, "--reason", "x", "--out", filepath.Join(t.TempDir(), "c2.png"))
	if code != 1 || !strings.Contains(stderr, "已作废") {
		t.Fatalf("printing a void certificate: %d %q", code, stderr)
	}
	// No printer anywhere: a clear message.
	code, _, stderr = cli(t, dir, "", "--user", "admin", "--lang", "en", "print", "voucher", "--lot", lot.Code)
	if code != 1 || !strings.Contains(stderr, "no printer is set") {
		t.Fatalf("no printer: %d %q", code, stderr)
	}
}
