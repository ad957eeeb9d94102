package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/scanhub"
	"suyuan/app/widgets"
	"suyuan/device/scanner"
	"suyuan/device/serial"
	"suyuan/device/usb"
	"suyuan/store"
)

// Store settings that address a serial or HID scanner, next to
// store.SettingScannerMode. Like the other device settings they are local
// configuration: not journaled, never uploaded.
const (
	// SettingScannerPort is the scanner's serial port; a
	// /dev/serial/by-id/… link survives replugging on Linux.
	SettingScannerPort = "scanner.port"
	// SettingScannerBaud is its speed (default 9600; CDC scanners ignore it).
	SettingScannerBaud = "scanner.baud"
	// SettingScannerUSB selects a HID scanner: "vid:pid" or
	// "vid:pid:serial", hexadecimal as lsusb prints it.
	SettingScannerUSB = "scanner.usb"
)

// ScannerConfig reads the scanner settings into a hub configuration.
func ScannerConfig(ctx context.Context, db *store.DB) (scanhub.Config, error) {
	get := func(k string) (string, error) {
		v, err := db.Setting(ctx, k)
		return strings.TrimSpace(v), err
	}
	mode, err := get(store.SettingScannerMode)
	if err != nil {
		return scanhub.Config{}, err
	}
	cfg := scanhub.Config{Mode: scanhub.Mode(mode)}
	switch mode {
	case "", ScannerWedge:
		cfg.Mode = scanhub.ModeWedge
	case ScannerSerial:
		if cfg.Serial.Path, err = get(SettingScannerPort); err != nil {
			return cfg, err
		}
		b, err := get(SettingScannerBaud)
		if err != nil {
			return cfg, err
		}
		if b != "" {
			if cfg.Serial.Baud, err = strconv.Atoi(b); err != nil || cfg.Serial.Baud <= 0 {
				return cfg, &scannerSettingError{Key: SettingScannerBaud, Value: b}
			}
		}
	case ScannerHID:
		v, err := get(SettingScannerUSB)
		if err != nil {
			return cfg, err
		}
		if v != "" {
			if cfg.USB, err = ParseUSBID(v); err != nil {
				return cfg, err
			}
		}
	}
	return cfg, nil
}

// ParseUSBID reads "vid:pid" or "vid:pid:serial" (hexadecimal ids, as
// lsusb and Windows' device manager show them).
func ParseUSBID(s string) (usb.Match, error) {
	parts := strings.SplitN(strings.TrimSpace(s), ":", 3)
	if len(parts) < 2 {
		return usb.Match{}, &scannerSettingError{Key: SettingScannerUSB, Value: s}
	}
	vid, err1 := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(parts[0]), "0x"), 16, 16)
	pid, err2 := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(parts[1]), "0x"), 16, 16)
	if err1 != nil || err2 != nil || vid == 0 || pid == 0 {
		return usb.Match{}, &scannerSettingError{Key: SettingScannerUSB, Value: s}
	}
	m := usb.Match{VID: uint16(vid), PID: uint16(pid)}
	if len(parts) == 3 {
		m.Serial = strings.TrimSpace(parts[2])
	}
	return m, nil
}

// scannerSettingError is a scanner setting that cannot be read.
type scannerSettingError struct{ Key, Value string }

func (e *scannerSettingError) Error() string {
	return fmt.Sprintf("scanner setting %s: invalid value %q", e.Key, e.Value)
}

func (e *scannerSettingError) UserMessage(lang string) string {
	if e.Key == SettingScannerBaud {
		if lang == "en" {
			return fmt.Sprintf("Scanner baud rate %q is not a number. Enter e.g. 9600 or leave it empty.", e.Value)
		}
		return fmt.Sprintf("扫码枪波特率“%s”不是数字。请填写如 9600，或留空。", e.Value)
	}
	if lang == "en" {
		return fmt.Sprintf("Scanner USB id %q is not valid. Enter vendor:product in hexadecimal, e.g. 0c2e:0b61 (see lsusb).", e.Value)
	}
	return fmt.Sprintf("扫码枪 USB 编号“%s”无效。请填写十六进制的 厂商:产品 编号，如 0c2e:0b61（可用 lsusb 查看）。", e.Value)
}

// ScanInput connects the scan hub to the GUI: it runs the serial or HID
// scanner chosen in Settings for the window's whole life, restarts it when
// Settings changes, gives Home its status line, and routes each scan to the
// ScanEntry the user is looking at. Scans reach widgets only on the UI
// goroutine (fyne.Do). The keyboard-wedge mode needs none of this: the
// scanner types into the focused ScanEntry.
type ScanInput struct {
	db       *store.DB
	hub      *scanhub.Hub
	onChange func()

	mu     sync.Mutex
	parent context.Context
	cfgErr error // the last configuration error (unreadable setting)
	shell  *Shell
	// The claimed entry and the screen it belonged to: a scan for an entry
	// whose screen was replaced is not delivered to it.
	entry   *widgets.ScanEntry
	screen  any
	release func()

	// afterDeliver, when set (tests), is called on the UI goroutine after
	// each routed scan with whether a ScanEntry took it.
	afterDeliver func(scanner.SourcedScan, bool)
}

// scanInputs finds the ScanInput attached to a shell (Settings restarts it).
var scanInputs sync.Map // *Shell -> *ScanInput

// NewScanInput returns a stopped scan input over db. o configures the hub
// (its OnStatus and OnUnrouted are wrapped, not replaced); onChange is
// called after every status change, e.g. the status monitor's Recheck, and
// must not block.
func NewScanInput(db *store.DB, o scanhub.Options, onChange func()) *ScanInput {
	si := &ScanInput{db: db, onChange: onChange}
	userStatus, userUnrouted := o.OnStatus, o.OnUnrouted
	o.OnStatus = func(st scanhub.Status) {
		if userStatus != nil {
			userStatus(st)
		}
		if si.onChange != nil {
			si.onChange()
		}
	}
	o.OnUnrouted = func(ss scanner.SourcedScan) {
		if userUnrouted != nil {
			userUnrouted(ss)
		}
		si.unrouted(ss, "no screen with a scan box is open")
	}
	si.hub = scanhub.New(o)
	return si
}

// Hub is the underlying hub.
func (si *ScanInput) Hub() *scanhub.Hub { return si.hub }

// Start reads the scanner settings and runs the configured scanner under
// ctx. A configuration error is returned and shown on Home; a missing
// device is waited for.
func (si *ScanInput) Start(ctx context.Context) error {
	si.mu.Lock()
	si.parent = ctx
	si.mu.Unlock()
	return si.Reconfigure()
}

// Reconfigure restarts the hub with the stored settings (after Settings
// changed them). It blocks until the old device is closed (at most about
// 100 ms for a serial port), so call it off the UI goroutine.
func (si *ScanInput) Reconfigure() error {
	si.mu.Lock()
	ctx := si.parent
	si.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return nil
	}
	cfg, err := ScannerConfig(ctx, si.db)
	si.mu.Lock()
	si.cfgErr = err
	si.mu.Unlock()
	if err != nil {
		si.hub.Stop()
		return err
	}
	return si.hub.Start(ctx, cfg)
}

// Stop closes the scanner and detaches from the shell.
func (si *ScanInput) Stop() {
	si.mu.Lock()
	si.parent = nil
	si.mu.Unlock()
	si.hub.Stop()
	si.mu.Lock()
	s := si.shell
	si.shell = nil
	if si.release != nil {
		si.release()
		si.entry, si.screen, si.release = nil, nil, nil
	}
	si.mu.Unlock()
	if s != nil {
		scanInputs.CompareAndDelete(s, si)
	}
	widgets.SetScanClaimer(nil)
}

// Attach routes device scans to s's screens: whichever ScanEntry was shown
// or focused last receives them, as long as its screen is still the one on
// show. Call on the UI goroutine after New. With a nil shell (a window
// without the shell) the last shown or focused ScanEntry gets the scans.
func (si *ScanInput) Attach(s *Shell) {
	si.mu.Lock()
	si.shell = s
	si.mu.Unlock()
	if s != nil {
		scanInputs.Store(s, si)
	}
	widgets.SetScanClaimer(si.Claim)
}

// Claim makes e the receiver of device scans. ScanEntry calls it (through
// widgets.SetScanClaimer) when it is shown or focused; tests may call it
// directly. UI goroutine only.
func (si *ScanInput) Claim(e *widgets.ScanEntry) {
	si.mu.Lock()
	defer si.mu.Unlock()
	var screen any
	if si.shell != nil {
		screen = si.shell.screen
	}
	if si.entry == e && sameScreen(si.screen, screen) && si.release != nil {
		return
	}
	if si.release != nil {
		si.release()
	}
	si.entry, si.screen = e, screen
	si.release = si.hub.SetTarget(func(ss scanner.SourcedScan) {
		fyne.Do(func() { si.deliver(e, screen, ss) })
	})
}

// deliver runs on the UI goroutine.
func (si *ScanInput) deliver(e *widgets.ScanEntry, screen any, ss scanner.SourcedScan) {
	si.mu.Lock()
	s := si.shell
	si.mu.Unlock()
	ok := false
	switch {
	case s != nil && !sameScreen(s.screen, screen):
		si.unrouted(ss, "the screen of the last scan box was closed")
	case !e.Deliver(ss.Scan):
		si.unrouted(ss, "the scan box is disabled or hidden")
	default:
		ok = true
	}
	if si.afterDeliver != nil {
		si.afterDeliver(ss, ok)
	}
}

// unrouted logs a scan nobody took. It is not kept for a later screen: a
// lot code scanned on Home must not turn up in the next form opened.
func (si *ScanInput) unrouted(ss scanner.SourcedScan, why string) {
	fyne.LogError(fmt.Sprintf("scan %q from %s not used: %s", ss.Scan.Raw, ss.Source, why), nil)
}

// sameScreen compares two screen values without panicking on types that
// are not comparable.
func sameScreen(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// StatusLine is the scanner line for Home (wedge mode: ok is false and the
// monitor keeps its own text).
func (si *ScanInput) StatusLine() (zh, en string, state widgets.PillState, ok bool) {
	si.mu.Lock()
	cfgErr := si.cfgErr
	si.mu.Unlock()
	if cfgErr != nil {
		return "设置有误：" + userMessageIn(cfgErr, "zh"), "settings error: " + userMessageIn(cfgErr, "en"), widgets.PillBad, true
	}
	st := si.hub.Status()
	what := map[scanhub.Mode][2]string{scanhub.ModeSerial: {"串口", "serial"}, scanhub.ModeHID: {"USB HID", "USB HID"}}[st.Mode]
	switch st.State {
	case scanhub.StateConnected:
		return "已连接（" + what[0] + " " + st.Device + "）", "connected (" + what[1] + " " + st.Device + ")", widgets.PillOK, true
	case scanhub.StateReconnecting:
		return "未连接（" + what[0] + " " + st.Device + "），插上后自动重连", "disconnected (" + what[1] + " " + st.Device + "); reconnects when plugged in", widgets.PillBad, true
	case scanhub.StateFailed:
		return userMessageIn(st.Err, "zh"), userMessageIn(st.Err, "en"), widgets.PillBad, true
	}
	return "", "", widgets.PillIdle, false
}

// userMessageIn is err's sentence in lang, or its text.
func userMessageIn(err error, lang string) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(lang)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// scannerSettingsChanged restarts the scanner input attached to s (if any)
// after Settings saved a scanner setting; errors show on Home.
func scannerSettingsChanged(s *Shell) {
	v, ok := scanInputs.Load(s)
	if !ok {
		return
	}
	si := v.(*ScanInput)
	go func() {
		if err := si.Reconfigure(); err != nil {
			fyne.LogError("scanner", err)
		}
		if si.onChange != nil {
			si.onChange()
		}
	}()
}

// scannerDeviceForm is the part of Settings > Devices that addresses a
// serial or HID scanner (the mode radio sits above it).
type scannerDeviceForm struct {
	port  *widget.SelectEntry
	baud  *widget.Entry
	usbID *widget.Entry
	save  *widget.Button
	box   fyne.CanvasObject
}

func newScannerDeviceForm(ss *settingsScreen) *scannerDeviceForm {
	s := ss.s
	f := &scannerDeviceForm{}
	var ports []string
	if ps, err := serial.List(); err == nil {
		for _, p := range ps {
			if p.ByID != "" {
				ports = append(ports, p.ByID) // stable across replugging
			} else {
				ports = append(ports, p.Path)
			}
		}
	}
	f.port = widget.NewSelectEntry(ports)
	f.port.SetPlaceHolder("/dev/serial/by-id/… / COM3")
	f.port.SetText(ss.setting(SettingScannerPort))
	f.baud = widget.NewEntry()
	f.baud.SetPlaceHolder("9600")
	f.baud.SetText(ss.setting(SettingScannerBaud))
	f.usbID = widget.NewEntry()
	f.usbID.SetPlaceHolder("0c2e:0b61")
	f.usbID.SetText(ss.setting(SettingScannerUSB))
	f.save = widget.NewButton(tr("settings.save"), func() {
		port, baud, id := strings.TrimSpace(f.port.Text), strings.TrimSpace(f.baud.Text), strings.TrimSpace(f.usbID.Text)
		if baud != "" {
			if n, err := strconv.Atoi(baud); err != nil || n <= 0 {
				s.showError(&scannerSettingError{Key: SettingScannerBaud, Value: baud})
				return
			}
		}
		if id != "" {
			if _, err := ParseUSBID(id); err != nil {
				s.showError(err)
				return
			}
		}
		for _, kv := range [][2]string{{SettingScannerPort, port}, {SettingScannerBaud, baud}, {SettingScannerUSB, id}} {
			if err := s.d.Store.SetSetting(s.ctx, s.actor, kv[0], kv[1]); err != nil {
				s.showError(err)
				return
			}
		}
		ss.recheck()
		scannerSettingsChanged(s)
		s.showInfo(tr("settings.scannerMode"), tr("settings.saved"))
	})
	f.box = container.NewVBox(widget.NewForm(
		widget.NewFormItem(tr("settings.scannerPort"), f.port),
		widget.NewFormItem(tr("settings.scannerBaud"), f.baud),
		widget.NewFormItem(tr("settings.scannerUSB"), f.usbID),
	), wrapLabel(tr("settings.scannerDevHint")), container.NewHBox(f.save))
	return f
}
