package app

import (
	"context"
	"errors"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/device/analyzer"
	"suyuan/device/printer/sim"
	"suyuan/device/serial"
	"suyuan/store"
)

// setSetting stores a setting as the logged-in user (an admin in the tests
// that use it), through the store API the Settings screen uses.
func (f *fixture) setSetting(key, value string) {
	f.t.Helper()
	if err := f.db.SetSetting(f.ctx, f.s.actor, key, value); err != nil {
		f.t.Fatalf("set %s: %v", key, err)
	}
}

func (f *fixture) settings() *settingsScreen {
	f.t.Helper()
	if !f.s.Show("settings") {
		f.t.Fatal("settings not available")
	}
	return f.s.screen.(*settingsScreen)
}

// startPrinterSim runs the printer simulator on 127.0.0.1:0; stop closes it
// and waits until it no longer accepts connections.
func startPrinterSim(t *testing.T) (uri, outDir string, stop func()) {
	t.Helper()
	outDir = t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&sim.Server{OutDir: outDir}).Serve(ctx, ln)
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return "tcp://" + ln.Addr().String(), outDir, stop
}

func TestSettingsPrinterPersistsAcrossShells(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	ss.uri.SetText("tcp://192.0.2.7:9100")
	ss.size.SetSelected("70x50")
	ss.dpi.SetSelected("300")
	ss.plang.SetSelected("zpl")
	test.Tap(ss.savePrinter)
	if f.s.lastMessage != tr("settings.saved") {
		t.Fatalf("save: %q", f.s.lastMessage)
	}
	closeOverlays(f.w)

	// A new shell on the same store (the next day's session) reads them back.
	g := newFixture(t, db, Deps{})
	g.login("admin", "secret1")
	gs := g.settings()
	for _, c := range []struct{ name, got, want string }{
		{"uri", gs.uri.Text, "tcp://192.0.2.7:9100"},
		{"size", gs.size.Selected, "70x50"},
		{"dpi", gs.dpi.Selected, "300"},
		{"lang", gs.plang.Selected, "zpl"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	// The packing line uses the store's values, not this PC's preferences.
	ps := g.packing()
	if ps.printerURI() != "tcp://192.0.2.7:9100" || ps.printerDPI() != 300 || ps.printerLang() != "zpl" || ps.size.Selected != "70x50" {
		t.Errorf("packing reads %q %d %q %q", ps.printerURI(), ps.printerDPI(), ps.printerLang(), ps.size.Selected)
	}
}

func TestSettingsBadPrinterURIRefused(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	ss.uri.SetText("192.168.1.50")
	test.Tap(ss.savePrinter)
	if !strings.Contains(f.s.lastMessage, "tcp://") {
		t.Errorf("bad address message %q", f.s.lastMessage)
	}
	if v, _ := db.Setting(f.ctx, store.SettingPrinterURI); v != "" {
		t.Errorf("bad address saved: %q", v)
	}
}

func TestSettingsRecorderCannotChange(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("rec", "secret2")
	ss := f.settings()
	// The store's own refusal for this role, for comparison.
	want := userMessage(f.s.actor.Require(store.PermSettings))
	if want == "" {
		t.Fatal("no refusal message")
	}
	cases := []struct {
		name string
		do   func()
	}{
		{"printer", func() { ss.uri.SetText("tcp://192.0.2.9:9100"); test.Tap(ss.savePrinter) }},
		{"scanner", func() { ss.scanner.SetSelected(tr("settings.scanner.hid")) }},
		{"platform", func() {
			ss.platURL.SetText("https://platform.example.cn")
			ss.platAccount.SetText("x")
			ss.platSecret.SetText("y")
			test.Tap(ss.platSave)
		}},
	}
	for _, c := range cases {
		f.s.lastMessage = ""
		c.do()
		if f.s.lastMessage == "" {
			t.Errorf("%s: no message", c.name)
		}
		closeOverlays(f.w)
	}
	for _, k := range []string{store.SettingPrinterURI, store.SettingScannerMode} {
		if v, _ := db.Setting(f.ctx, k); v != "" {
			t.Errorf("recorder changed %s to %q", k, v)
		}
	}
	if cfg, _ := db.SyncConfig(f.ctx); cfg.URL != "" {
		t.Errorf("recorder changed the platform: %+v", cfg)
	}
	f.s.lastMessage = ""
	test.Tap(ss.savePrinter)
	if f.s.lastMessage != want {
		t.Errorf("UI says %q, store says %q", f.s.lastMessage, want)
	}
	if ss.backup.Disabled() == false {
		t.Error("backup offered to a recorder")
	}
}

func TestSettingsTestPrintToSimulator(t *testing.T) {
	uri, out, _ := startPrinterSim(t)
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("tech", "secret3") // anyone may test the printer
	ss := f.settings()
	ss.uri.SetText(uri)
	test.Tap(ss.testPrint)
	if err := waitDone(t, ss.done); err != nil {
		t.Fatalf("test print: %v (%s)", err, ss.printResult.Text)
	}
	if ss.printPill.State != widgets.PillOK || !strings.Contains(ss.printResult.Text, uri) {
		t.Errorf("result %v %q", ss.printPill.State, ss.printResult.Text)
	}
	// The TSPL status reply came after the job, so the PNG is being or has
	// been written; give the simulator a moment.
	var files []string
	for i := 0; i < 50 && len(files) == 0; i++ {
		files, _ = filepath.Glob(filepath.Join(out, "label-*.png"))
		time.Sleep(20 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("printed %d labels", len(files))
	}
	fh, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(fh)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	// 60x40 mm at 203 dpi is 8 dots/mm: 480x320.
	if b := img.Bounds(); b.Dx() != 480 || b.Dy() != 320 {
		t.Errorf("label is %v", b)
	}
	// The screen shows the bitmap that was sent.
	if !ss.printImage.Visible() || ss.printImage.Image == nil || ss.printImage.Image.Bounds() != img.Bounds() {
		t.Errorf("preview of the test print: %v", ss.printImage.Image)
	}
}

func TestSettingsTestPrintFailureIsClear(t *testing.T) {
	uri, _, stop := startPrinterSim(t)
	stop() // the printer is switched off
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	for _, c := range []struct{ name, uri string }{{"off", uri}, {"empty", ""}} {
		ss.uri.SetText(c.uri)
		test.Tap(ss.testPrint)
		if err := waitDone(t, ss.done); err == nil {
			t.Fatalf("%s: test print succeeded", c.name)
		}
		if ss.printPill.State != widgets.PillBad || ss.printResult.Text == "" || ss.printResult.Text == c.uri {
			t.Errorf("%s: result %v %q", c.name, ss.printPill.State, ss.printResult.Text)
		}
	}
}

// visibleTexts collects every text a widget on screen holds.
func visibleTexts(w fyne.Window) []string {
	var out []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		switch v := o.(type) {
		case *widget.Entry:
			out = append(out, v.Text, v.PlaceHolder)
		case *widget.Label:
			out = append(out, v.Text)
		}
	}
	return out
}

func TestPlatformSecretNeverShown(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	ss.tabs.SelectIndex(3)
	const secret = "Zq9-very-private-7781"
	ss.platURL.SetText("http://127.0.0.1:8765")
	ss.platAccount.SetText("gsxp01")
	ss.platSecret.SetText(secret)
	test.Tap(ss.platSave)
	if err := waitDone(t, ss.done); err != nil {
		t.Fatal(err)
	}
	cfg, err := db.SyncConfig(f.ctx)
	if err != nil || cfg.Secret != secret || cfg.Account != "gsxp01" {
		t.Fatalf("stored %+v %v", cfg, err)
	}
	check := func(when string) {
		for _, s := range visibleTexts(f.w) {
			if strings.Contains(s, secret) {
				t.Errorf("%s: secret shown in %q", when, s)
			}
		}
	}
	check("after save")
	if ss.platSecret.Text != "" {
		t.Error("secret left in the field")
	}
	ss = f.settings() // a fresh screen
	ss.tabs.SelectIndex(3)
	check("reopened")
	if ss.platSecret.PlaceHolder != tr("settings.secretStored") {
		t.Errorf("placeholder %q", ss.platSecret.PlaceHolder)
	}
	// Saving again with the field empty keeps the stored secret.
	ss.platAccount.SetText("gsxp02")
	test.Tap(ss.platSave)
	waitDone(t, ss.done)
	if cfg, _ := db.SyncConfig(f.ctx); cfg.Secret != secret || cfg.Account != "gsxp02" {
		t.Errorf("after second save %+v", cfg)
	}
}

func TestSettingsBackupWritesVerifiedFile(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	dir := filepath.Join(t.TempDir(), "U盘", "suyuan-backups")
	ss.backupDir.SetText(dir)
	test.Tap(ss.backup)
	if err := waitDone(t, ss.done); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if ss.lastBackup == "" || filepath.Dir(ss.lastBackup) != dir || !strings.Contains(ss.backupResult.Text, ss.lastBackup) {
		t.Fatalf("backup path %q, shown %q", ss.lastBackup, ss.backupResult.Text)
	}
	b, err := store.Open(f.ctx, ss.lastBackup, store.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rep, err := b.Verify(f.ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("backup does not verify: %v %+v", err, rep)
	}
	live, _ := db.Verify(f.ctx, nil)
	if rep.HeadHash != live.HeadHash || rep.Entries != live.Entries {
		t.Errorf("backup head %s/%d, live %s/%d", rep.HeadHash, rep.Entries, live.HeadHash, live.Entries)
	}
	if v, _ := db.Setting(f.ctx, store.SettingBackupDir); v != dir {
		t.Errorf("backup folder saved as %q", v)
	}
	test.Tap(ss.verify)
	if err := waitDone(t, ss.done); err != nil || !strings.Contains(ss.backupResult.Text, live.HeadHash) {
		t.Errorf("verify: %v %q", err, ss.backupResult.Text)
	}
}

func TestSettingsScannerModeSaved(t *testing.T) {
	db, _ := seededStore(t)
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ss := f.settings()
	if ss.scanner.Selected != tr("settings.scanner.wedge") {
		t.Errorf("default %q", ss.scanner.Selected)
	}
	ss.scanner.SetSelected(tr("settings.scanner.serial"))
	if v, _ := db.Setting(f.ctx, store.SettingScannerMode); v != ScannerSerial {
		t.Errorf("stored %q", v)
	}
	if ss = f.settings(); ss.scanner.Selected != tr("settings.scanner.serial") {
		t.Errorf("reopened %q", ss.scanner.Selected)
	}
}

func TestSettingsAnalyzerProfiles(t *testing.T) {
	db, _ := seededStore(t)
	dir := filepath.Join(t.TempDir(), "analyzer-profiles")
	f := newFixture(t, db, Deps{AnalyzerProfiles: dir})
	f.login("admin", "secret1")
	ss := f.settings()
	if len(ss.profileRows) != 0 {
		t.Fatalf("profiles in an empty dir: %v", ss.profileRows)
	}
	test.Tap(ss.profNew)
	text := strings.Replace(ss.profileEdit.Text, `"new-analyzer"`, `"农残仪-A"`, 1)
	cases := []struct {
		name, text string
		ok         bool
	}{
		{"unknown field", strings.Replace(text, `"encoding"`, `"encodng"`, 1), false},
		{"no value field", strings.NewReplacer(`"rate"`, `"channel"`, `"result"`, `"sample_name"`).Replace(text), false},
		{"template", text, true},
	}
	for _, c := range cases {
		ss.profileEdit.SetText(c.text)
		test.Tap(ss.profSave)
		err := waitDone(t, ss.done)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v (%s)", c.name, err, ss.profileMsg.Text)
		}
	}
	ps, err := analyzer.LoadProfiles(dir)
	if err != nil || len(ps) != 1 || ps[0].Name != "农残仪-A" || ps[0].CSV.Fields["rate"] != 2 {
		t.Fatalf("saved profiles %+v %v", ps, err)
	}
	if len(ss.profileRows) != 1 || ss.profileSel != 0 {
		t.Errorf("list %d, selected %d", len(ss.profileRows), ss.profileSel)
	}
	ss.deleteProfile("农残仪-A")
	if ps, _ := analyzer.LoadProfiles(dir); len(ps) != 0 || len(ss.profileRows) != 0 {
		t.Errorf("after delete: %v %v", ps, ss.profileRows)
	}
}

func TestStatusPillsFollowPrinter(t *testing.T) {
	uri, _, stop := startPrinterSim(t)
	db, _ := seededStore(t)
	mon := NewStatusMonitor(db, StatusOptions{DialTimeout: time.Second})
	f := newFixture(t, db, Deps{Status: mon})
	f.login("admin", "secret1")
	f.setSetting(store.SettingPrinterURI, uri)
	mon.Refresh(f.ctx)
	f.s.Show("home")
	h := f.s.screen.(*homeScreen)
	p := h.statusPills[StatusKeyPrinter]
	if p == nil || p.State != widgets.PillOK {
		t.Fatalf("printer pill with the printer on: %+v", p)
	}
	if h.statusPills[StatusKeyUnsynced] != nil {
		t.Error("unsynced shown twice (Home has its own upload pill)")
	}
	stop()
	mon.Refresh(f.ctx) // notifies the shell, which updates the pill in place
	if p.State != widgets.PillBad || !strings.Contains(p.Text, strings.TrimPrefix(uri, "tcp://")) {
		t.Errorf("printer pill after the printer went away: %v %q", p.State, p.Text)
	}
}

func TestStatusMonitorLines(t *testing.T) {
	db, _ := seededStore(t)
	admin, err := db.Login(context.Background(), "admin", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	pty := filepath.Join(t.TempDir(), "ttyFAKE")
	if err := os.WriteFile(pty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	noPorts := func() ([]serial.PortInfo, error) { return nil, errors.New("none") }
	cases := []struct {
		name     string
		settings map[string]string
		opts     StatusOptions
		key      string
		want     widgets.PillState
		text     string
	}{
		{"printer unset", nil, StatusOptions{}, StatusKeyPrinter, widgets.PillIdle, "未设置"},
		{"printer file", map[string]string{store.SettingPrinterURI: "file:///tmp/x.tspl"}, StatusOptions{}, StatusKeyPrinter, widgets.PillOK, "文件"},
		{"printer lp missing", map[string]string{store.SettingPrinterURI: "lp:///dev/nonexistent-lp9"}, StatusOptions{}, StatusKeyPrinter, widgets.PillBad, "/dev/nonexistent-lp9"},
		{"analyzer training", nil, StatusOptions{Training: true}, StatusKeyAnalyzer, widgets.PillOK, "模拟"},
		{"analyzer missing", nil, StatusOptions{AnalyzerPort: func() string { return "/dev/ttyUSB9-absent" }}, StatusKeyAnalyzer, widgets.PillWarn, "ttyUSB9-absent"},
		{"analyzer present", nil, StatusOptions{AnalyzerPort: func() string { return pty }}, StatusKeyAnalyzer, widgets.PillOK, pty},
		{"scanner hid", map[string]string{store.SettingScannerMode: ScannerHID}, StatusOptions{}, StatusKeyScanner, widgets.PillIdle, "HID"},
		{"no platform", nil, StatusOptions{}, StatusKeyNetwork, widgets.PillIdle, "未设置平台"},
		{"unsynced", nil, StatusOptions{}, StatusKeyUnsynced, widgets.PillWarn, "条未上报"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{store.SettingPrinterURI, store.SettingScannerMode} {
				if err := db.SetSetting(context.Background(), admin, k, c.settings[k]); err != nil {
					t.Fatal(err)
				}
			}
			if c.opts.Ports == nil {
				c.opts.Ports = noPorts
			}
			m := NewStatusMonitor(db, c.opts)
			m.Refresh(context.Background())
			var got *Status
			for _, s := range m.Statuses("zh") {
				if s.Key == c.key {
					s := s
					got = &s
				}
			}
			if got == nil || widgets.PillState(got.State) != c.want || !strings.Contains(got.Text, c.text) {
				t.Errorf("%s: %+v", c.key, got)
			}
		})
	}
}

func TestTrainingOffersDemoOnEmptySandbox(t *testing.T) {
	load := func(ctx context.Context) (string, error) { return "", nil }
	seeded, _ := seededStore(t)
	cases := []struct {
		name  string
		db    *store.DB
		deps  Deps
		offer bool
	}{
		{"training, empty", openStore(t), Deps{Training: true, LoadDemo: load}, true},
		{"production, empty", openStore(t), Deps{LoadDemo: load}, false},
		{"training, has users", seeded, Deps{Training: true, LoadDemo: load}, false},
		{"training, no loader", openStore(t), Deps{Training: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.db, c.deps)
			f.s.OfferTrainingDemo()
			if got := f.w.Canvas().Overlays().Top() != nil; got != c.offer {
				t.Errorf("offered %v", got)
			}
		})
	}
}

// TestTrainingDemoLoadsThenLogin: accepting the offer runs LoadDemo off the
// UI goroutine and then shows the login screen with its note.
func TestTrainingDemoLoadsThenLogin(t *testing.T) {
	db := openStore(t)
	load := func(ctx context.Context) (string, error) {
		_, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: "demo", DisplayName: "示例", Role: store.RoleAdmin, Password: "demo-pass-1"})
		return "请用 demo 登录", err
	}
	f := newFixture(t, db, Deps{Training: true, LoadDemo: load})
	shown := make(chan string, 4)
	f.s.OnShown(func(name string) { shown <- name })
	f.s.loadTrainingDemo()
	select {
	case name := <-shown:
		if name != "login" {
			t.Errorf("shown %q", name)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("login not shown after loading")
	}
	if n, _ := db.UserCount(f.ctx); n != 1 {
		t.Errorf("%d users after the demo", n)
	}
}
