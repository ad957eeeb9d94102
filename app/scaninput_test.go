package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"suyuan/app/scanhub"
	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/device/serial"
	"suyuan/store"
)

// scanPTY is a USB-CDC scanner standing in as a pty behind a stable link.
type scanPTY struct {
	t    *testing.T
	link string
	m    *os.File
}

func newScanPTY(t *testing.T) *scanPTY {
	t.Helper()
	p := &scanPTY{t: t, link: filepath.Join(t.TempDir(), "ttySCANNER")}
	p.plug()
	return p
}

func (p *scanPTY) plug() {
	p.t.Helper()
	m, slave, err := serial.OpenPTY()
	if err != nil {
		p.t.Fatal(err)
	}
	os.Remove(p.link)
	if err := os.Symlink(slave, p.link); err != nil {
		p.t.Fatal(err)
	}
	p.m = m
	p.t.Cleanup(func() { m.Close() })
}

func (p *scanPTY) unplug() {
	p.m.Close()
	os.Remove(p.link)
}

func (p *scanPTY) send(s string) {
	p.t.Helper()
	if _, err := p.m.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// delivery is one scan the ScanInput routed, and whether a ScanEntry took it.
type delivery struct {
	raw string
	ok  bool
}

// newTestScanInput returns a ScanInput with fast reconnects and a channel
// of its deliveries (the barrier after which widgets may be read).
func newTestScanInput(t *testing.T, db *store.DB) (*ScanInput, chan delivery) {
	t.Helper()
	si := NewScanInput(db, scanhub.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}, nil)
	ch := make(chan delivery, 16)
	si.afterDeliver = func(ss scanner.SourcedScan, ok bool) { ch <- delivery{ss.Scan.Raw, ok} }
	t.Cleanup(si.Stop)
	return si, ch
}

func nextDelivery(t *testing.T, ch chan delivery) delivery {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no scan was routed within 5 s")
	}
	return delivery{}
}

func waitHub(t *testing.T, si *ScanInput, want scanhub.State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if si.Hub().Status().State == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := si.Hub().Status()
	t.Fatalf("scanner state %v, want %v (err %v)", st.State, want, st.Err)
}

func setScannerSettings(t *testing.T, f *fixture, kv map[string]string) {
	t.Helper()
	for k, v := range kv {
		if err := f.db.SetSetting(f.ctx, f.s.actor, k, v); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSerialScannerFillsFocusedTraceEntry: in serial mode a lot code sent
// by the scanner on its port reaches the focused ScanEntry of the screen
// on show (Reports > trace) exactly as a wedge scan would, and runs the
// trace; after switching to a screen without a scan box, a scan is not
// delivered to the closed screen's entry.
func TestSerialScannerFillsFocusedTraceEntry(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	lot := f.harvestLot(300)
	p := newScanPTY(t)
	setScannerSettings(t, f, map[string]string{store.SettingScannerMode: ScannerSerial, SettingScannerPort: p.link})
	si, ch := newTestScanInput(t, f.db)
	si.Attach(f.s)
	if err := si.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitHub(t, si, scanhub.StateConnected)

	if !f.s.Show("reports") {
		t.Fatal("reports not available")
	}
	rs := f.s.screen.(*reportsScreen)
	rs.tabs.SelectIndex(2)
	f.w.Canvas().Focus(rs.traceScan)

	p.send(lot.Code + "\r\n")
	if d := nextDelivery(t, ch); !d.ok || d.raw != lot.Code {
		t.Fatalf("delivery %+v", d)
	}
	if rs.traceRes == nil || rs.traceRes.Root == nil || rs.traceRes.Root.Lot.ID != lot.ID {
		t.Fatalf("trace after the serial scan: %+v (%s)", rs.traceRes, f.s.lastMessage)
	}
	if rs.traceScan.Text != lot.Code {
		t.Errorf("trace entry shows %q, want %q", rs.traceScan.Text, lot.Code)
	}

	// Home has no scan box: the trace entry's screen is gone, so the scan
	// must not reach it.
	f.s.Show("home")
	rs.traceRes = nil
	p.send(lot.Code + "\n")
	if d := nextDelivery(t, ch); d.ok {
		t.Fatalf("scan delivered to a closed screen: %+v", d)
	}
	if rs.traceRes != nil {
		t.Error("the closed Reports screen ran a trace")
	}
}

// TestScanInputTestWindow: a ScanEntry in a plain window takes serial scans
// once shown or focused — typed into the field when it has no OnScan, to
// OnScan when it has one — and a disabled entry does not take them.
func TestScanInputTestWindow(t *testing.T) {
	test.NewTempApp(t)
	db := openStore(t)
	u, err := db.CreateUser(context.Background(), store.Actor{}, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "secret1"})
	if err != nil {
		t.Fatal(err)
	}
	admin := store.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if err := db.SetSetting(context.Background(), admin, store.SettingScannerMode, ScannerSerial); err != nil {
		t.Fatal(err)
	}
	p := newScanPTY(t)
	if err := db.SetSetting(context.Background(), admin, SettingScannerPort, p.link); err != nil {
		t.Fatal(err)
	}
	si, ch := newTestScanInput(t, db)
	si.Attach(nil)
	if err := si.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitHub(t, si, scanhub.StateConnected)

	plain := widgets.NewScanEntry()
	handled := widgets.NewScanEntry()
	var got []scanner.Scan
	handled.OnScan = func(sc scanner.Scan) { got = append(got, sc) }
	w := test.NewTempWindow(t, container.NewVBox(plain, handled))

	cases := []struct {
		name   string
		focus  *widgets.ScanEntry
		send   string
		wantOK bool
		check  func(t *testing.T)
	}{
		{"typed into a plain entry", plain, "ABC-123\r\n", true, func(t *testing.T) {
			if plain.Text != "ABC-123" {
				t.Errorf("plain entry %q", plain.Text)
			}
		}},
		{"OnScan gets the parsed scan", handled, "https://trace.example.cn/x\n", true, func(t *testing.T) {
			if len(got) != 1 || got[0].Raw != "https://trace.example.cn/x" || got[0].Kind != scanner.KindURL || handled.Text != "" {
				t.Errorf("OnScan got %+v, field %q", got, handled.Text)
			}
		}},
		{"disabled entry refuses", nil, "IGNORED\n", false, func(t *testing.T) {
			if len(got) != 1 || handled.Text != "" {
				t.Errorf("disabled entry took a scan: %+v %q", got, handled.Text)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.focus != nil {
				w.Canvas().Focus(c.focus)
			} else {
				handled.Disable()
			}
			p.send(c.send)
			if d := nextDelivery(t, ch); d.ok != c.wantOK {
				t.Fatalf("delivery %+v", d)
			}
			c.check(t)
		})
	}
}

// TestSettingsRestartScannerAndHomeStatus: choosing serial mode and a port
// in Settings starts the scanner without a restart of the app; Home's
// scanner line follows connect, unplug and replug.
func TestSettingsRestartScannerAndHomeStatus(t *testing.T) {
	f, _ := loggedIn(t, "admin", "secret1")
	p := newScanPTY(t)
	si, _ := newTestScanInput(t, f.db)
	mon := NewStatusMonitor(f.db, StatusOptions{Scanner: si.StatusLine, Ports: func() ([]serial.PortInfo, error) { return nil, nil }})
	si.onChange = mon.Recheck
	si.Attach(f.s)
	if err := si.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	scannerLine := func(lang string) string {
		mon.Refresh(context.Background())
		for _, st := range mon.Statuses(lang) {
			if st.Key == StatusKeyScanner {
				return st.Text
			}
		}
		return ""
	}
	if got := scannerLine("en"); !strings.Contains(got, "keyboard") {
		t.Errorf("wedge line %q", got)
	}

	ss := f.settings()
	ss.scannerDev.port.SetText(p.link)
	test.Tap(ss.scannerDev.save)
	closeOverlays(f.w)
	if v, _ := f.db.Setting(f.ctx, SettingScannerPort); v != p.link {
		t.Fatalf("port saved as %q", v)
	}
	ss.scanner.SetSelected(tr("settings.scanner.serial"))
	waitHub(t, si, scanhub.StateConnected)
	if got := scannerLine("zh"); !strings.HasPrefix(got, "已连接") || !strings.Contains(got, p.link) {
		t.Errorf("connected line %q", got)
	}

	p.unplug()
	waitHub(t, si, scanhub.StateReconnecting)
	if got := scannerLine("en"); !strings.HasPrefix(got, "disconnected") {
		t.Errorf("unplugged line %q", got)
	}
	p.plug()
	waitHub(t, si, scanhub.StateConnected)

	// A bad USB id is refused in Settings and not saved.
	ss.scannerDev.usbID.SetText("scanner")
	test.Tap(ss.scannerDev.save)
	if !strings.Contains(f.s.lastMessage, "0c2e:0b61") {
		t.Errorf("bad USB id message %q", f.s.lastMessage)
	}
	closeOverlays(f.w)
	if v, _ := f.db.Setting(f.ctx, SettingScannerUSB); v != "" {
		t.Errorf("bad USB id saved: %q", v)
	}

	// HID mode without a USB id fails with a message instead of taking
	// the first keyboard.
	ss.scanner.SetSelected(tr("settings.scanner.hid"))
	waitHub(t, si, scanhub.StateFailed)
	if got := scannerLine("en"); !strings.Contains(got, "vendor:product") {
		t.Errorf("HID without id line %q", got)
	}
}

func TestParseUSBID(t *testing.T) {
	cases := []struct {
		in       string
		vid, pid uint16
		serial   string
		bad      bool
	}{
		{"0c2e:0b61", 0x0c2e, 0x0b61, "", false},
		{" 0x05E0:0x1200 ", 0x05e0, 0x1200, "", false},
		{"1eab:8003:S1234", 0x1eab, 0x8003, "S1234", false},
		{"0c2e", 0, 0, "", true},
		{"0000:0b61", 0, 0, "", true},
		{"zz:0b61", 0, 0, "", true},
		{"10000:1", 0, 0, "", true},
	}
	for _, c := range cases {
		m, err := ParseUSBID(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if c.bad {
			var um interface{ UserMessage(string) string }
			if !asUM(err, &um) || um.UserMessage("zh") == "" {
				t.Errorf("%q: no user message", c.in)
			}
			continue
		}
		if m.VID != c.vid || m.PID != c.pid || m.Serial != c.serial {
			t.Errorf("%q: %+v", c.in, m)
		}
	}
}
