package app

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"suyuan/app/widgets"
	"suyuan/device/printer"
	"suyuan/device/serial"
	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform"
)

// This file holds the Fyne-free background parts of the GUI: the device and
// network status monitor behind Home's pills, and the one background
// uploader (SyncService). Both run on their own goroutines; the UI reads
// their cached values and is told about changes through Subscribe, whose
// callbacks hand the update to the UI goroutine with fyne.Do.

// Scanner modes (store.SettingScannerMode).
const (
	ScannerWedge  = "wedge"  // keyboard wedge: the scanner types the code and Enter
	ScannerSerial = "serial" // virtual COM port
	ScannerHID    = "hid"    // USB HID point-of-sale mode
)

// Status keys, so Home can find its own rows among the monitor's.
const (
	StatusKeyPrinter  = "printer"
	StatusKeyAnalyzer = "analyzer"
	StatusKeyScanner  = "scanner"
	StatusKeyNetwork  = "network"
	StatusKeyUnsynced = "unsynced"
)

// StatusOptions configure a StatusMonitor. Zero values take the defaults.
type StatusOptions struct {
	// Sync is the background uploader (nil: none runs).
	Sync SyncController
	// Training: the analyzer is the simulator.
	Training bool
	// Interval between two checks (default 30 s: a reachability dial is
	// cheap but a printer should not see a connection every second).
	Interval time.Duration
	// DialTimeout bounds the tcp:// printer check (default 2 s).
	DialTimeout time.Duration
	// Ports lists serial ports (default serial.List).
	Ports func() ([]serial.PortInfo, error)
	// AnalyzerPort returns the configured analyzer port; nil reads the
	// store setting. (The Testing screen keeps the last working port as a
	// per-PC preference, which the composition root passes here.)
	AnalyzerPort func() string
	// Scanner reports a serial or HID scanner's connection (ScanInput.
	// StatusLine); ok false keeps the mode-only line.
	Scanner func() (zh, en string, state widgets.PillState, ok bool)
}

// statusItem is one cached line in both languages.
type statusItem struct {
	key              string
	labelZh, labelEn string
	textZh, textEn   string
	state            widgets.PillState
}

// StatusMonitor checks the printer, the analyzer port, the scanner mode, the
// platform and the outbox on a goroutine (Run) and caches the result, so
// Statuses never blocks the UI.
type StatusMonitor struct {
	db   *store.DB
	o    StatusOptions
	wake chan struct{}

	mu    sync.Mutex
	items []statusItem
	subs  map[int]func()
	next  int

	// Owned by the goroutine calling refresh: the last printer check and
	// the address it was for.
	printerURI  string
	printerItem *statusItem
}

var (
	_ StatusSource   = (*StatusMonitor)(nil)
	_ SyncController = (*SyncService)(nil)
)

// NewStatusMonitor returns a monitor over db; call Run (or Refresh) to fill it.
func NewStatusMonitor(db *store.DB, o StatusOptions) *StatusMonitor {
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.Ports == nil {
		o.Ports = serial.List
	}
	m := &StatusMonitor{db: db, o: o, wake: make(chan struct{}, 1), subs: map[int]func(){}}
	m.items = m.initial()
	return m
}

// initial is what Home shows before the first check ends.
func (m *StatusMonitor) initial() []statusItem {
	var out []statusItem
	for _, k := range []string{StatusKeyPrinter, StatusKeyAnalyzer, StatusKeyScanner, StatusKeyNetwork, StatusKeyUnsynced} {
		it := statusItem{key: k, textZh: "检测中…", textEn: "checking…", state: widgets.PillIdle}
		it.labelZh, it.labelEn = statusLabel(k)
		out = append(out, it)
	}
	return out
}

func statusLabel(key string) (zh, en string) {
	switch key {
	case StatusKeyPrinter:
		return "打印机", "Printer"
	case StatusKeyAnalyzer:
		return "检测仪", "Analyzer"
	case StatusKeyScanner:
		return "扫码枪", "Scanner"
	case StatusKeyNetwork:
		return "平台网络", "Platform"
	case StatusKeyUnsynced:
		return "待上报", "Unsynced"
	}
	return key, key
}

// Statuses returns the cached lines in lang ("zh" or "en").
func (m *StatusMonitor) Statuses(lang string) []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, len(m.items))
	for i, it := range m.items {
		out[i] = Status{Key: it.key, Label: it.labelZh, Text: it.textZh, State: int(it.state)}
		if lang == "en" {
			out[i].Label, out[i].Text = it.labelEn, it.textEn
		}
	}
	return out
}

// Subscribe registers f, called (on the monitor's goroutine) after the
// cached lines change; f must not block. cancel removes it.
func (m *StatusMonitor) Subscribe(f func()) (cancel func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.next
	m.next++
	m.subs[id] = f
	return func() {
		m.mu.Lock()
		delete(m.subs, id)
		m.mu.Unlock()
	}
}

// Recheck asks Run for a check now (after a setting changed, or when the
// uploader's state moved). It never blocks.
func (m *StatusMonitor) Recheck() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run checks everything every Interval until ctx ends. A Recheck in
// between re-reads the settings, ports and outbox but dials the printer
// only if its address changed: the uploader rechecks after every batch,
// and a label printer that takes one connection at a time should not see
// a probe in the middle of a print run.
func (m *StatusMonitor) Run(ctx context.Context) {
	full := true
	for {
		m.refresh(ctx, full)
		t := time.NewTimer(m.o.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-m.wake:
			t.Stop()
			full = false
		case <-t.C:
			full = true
		}
	}
}

// Refresh runs one check of everything (the printer dial included) and
// notifies subscribers if a line changed. It blocks for at most
// DialTimeout plus a few store reads, so it must not run on the UI
// goroutine, nor concurrently with Run.
func (m *StatusMonitor) Refresh(ctx context.Context) { m.refresh(ctx, true) }

func (m *StatusMonitor) refresh(ctx context.Context, full bool) {
	uri := m.setting(ctx, store.SettingPrinterURI)
	var pr statusItem
	if !full && m.printerItem != nil && uri == m.printerURI {
		pr = *m.printerItem
	} else {
		pr = m.printer(ctx, uri)
		m.printerURI, m.printerItem = uri, &pr
	}
	items := []statusItem{pr, m.analyzer(ctx), m.scanner(ctx), m.network(ctx), m.unsynced(ctx)}
	for i := range items {
		items[i].labelZh, items[i].labelEn = statusLabel(items[i].key)
	}
	m.mu.Lock()
	changed := len(items) != len(m.items)
	for i := 0; !changed && i < len(items); i++ {
		changed = items[i] != m.items[i]
	}
	m.items = items
	var subs []func()
	if changed {
		for _, f := range m.subs {
			subs = append(subs, f)
		}
	}
	m.mu.Unlock()
	for _, f := range subs {
		f()
	}
}

func (m *StatusMonitor) setting(ctx context.Context, key string) string {
	v, err := m.db.Setting(ctx, key)
	if err != nil {
		return ""
	}
	return v
}

func (m *StatusMonitor) printer(ctx context.Context, uri string) statusItem {
	it := statusItem{key: StatusKeyPrinter}
	if uri == "" {
		it.textZh, it.textEn, it.state = "未设置", "not configured", widgets.PillIdle
		return it
	}
	u, err := printer.ParseURI(uri)
	if err != nil {
		it.textZh, it.textEn, it.state = "地址无效", "invalid address", widgets.PillBad
		return it
	}
	switch u.Scheme {
	case "tcp":
		if err := probeTCP(ctx, u.Host, m.o.DialTimeout); err != nil {
			it.textZh, it.textEn, it.state = "连不上 "+u.Host, "unreachable "+u.Host, widgets.PillBad
		} else {
			it.textZh, it.textEn, it.state = "在线 "+u.Host, "online "+u.Host, widgets.PillOK
		}
	case "lp":
		if _, err := os.Stat(u.Path); err != nil {
			it.textZh, it.textEn, it.state = "未接上 "+u.Path, "not connected "+u.Path, widgets.PillBad
		} else {
			it.textZh, it.textEn, it.state = "已接上 "+u.Path, "connected "+u.Path, widgets.PillOK
		}
	case "file":
		it.textZh, it.textEn, it.state = "打印到文件", "printing to a file", widgets.PillOK
	default: // usb, spool: no cheap check without opening the device
		it.textZh, it.textEn, it.state = "已设置 "+u.Scheme+"://", "configured "+u.Scheme+"://", widgets.PillIdle
	}
	return it
}

// probeTCP opens and closes a connection: a raw-TCP label printer accepts
// one at a time, so this is all the check does (no bytes are sent).
func probeTCP(ctx context.Context, host string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return c.Close()
}

func (m *StatusMonitor) analyzer(ctx context.Context) statusItem {
	it := statusItem{key: StatusKeyAnalyzer}
	if m.o.Training {
		it.textZh, it.textEn, it.state = "模拟检测仪", "simulated", widgets.PillOK
		return it
	}
	port := ""
	if m.o.AnalyzerPort != nil {
		port = m.o.AnalyzerPort()
	} else {
		port = m.setting(ctx, store.SettingAnalyzerPort)
	}
	ports, _ := m.o.Ports()
	if port == "" {
		if len(ports) > 0 {
			n := strconv.Itoa(len(ports))
			it.textZh, it.textEn = "未设置（发现 "+n+" 个串口）", "not set (serial ports found: "+n+")"
		} else {
			it.textZh, it.textEn = "未设置", "not configured"
		}
		it.state = widgets.PillIdle
		return it
	}
	present := false
	for _, p := range ports {
		if p.Path == port || p.Device == port || p.ByID == port {
			present = true
		}
	}
	if !present {
		// A pty or a port the lister does not know (Windows virtual COM).
		if _, err := os.Stat(port); err == nil {
			present = true
		}
	}
	if present {
		it.textZh, it.textEn, it.state = "已接入 "+port, "present "+port, widgets.PillOK
	} else {
		it.textZh, it.textEn, it.state = "未找到 "+port, "missing "+port, widgets.PillWarn
	}
	return it
}

func (m *StatusMonitor) scanner(ctx context.Context) statusItem {
	it := statusItem{key: StatusKeyScanner, state: widgets.PillIdle}
	if m.o.Scanner != nil {
		if zh, en, st, ok := m.o.Scanner(); ok {
			it.textZh, it.textEn, it.state = zh, en, st
			return it
		}
	}
	switch m.setting(ctx, store.SettingScannerMode) {
	case ScannerSerial:
		it.textZh, it.textEn = "串口模式", "serial port mode"
	case ScannerHID:
		it.textZh, it.textEn = "USB HID 模式", "USB HID mode"
	default:
		it.textZh, it.textEn, it.state = "键盘模式（即插即用）", "keyboard mode (plug and play)", widgets.PillOK
	}
	return it
}

func (m *StatusMonitor) network(ctx context.Context) statusItem {
	it := statusItem{key: StatusKeyNetwork}
	cfg, err := m.db.SyncConfig(ctx)
	if err != nil || cfg.URL == "" {
		it.textZh, it.textEn, it.state = "未设置平台", "no platform set up", widgets.PillIdle
		return it
	}
	state := ""
	if m.o.Sync != nil {
		state = m.o.Sync.Status().State
	}
	switch state {
	case outbox.StateIdle:
		it.textZh, it.textEn, it.state = "已连接", "connected", widgets.PillOK
	case outbox.StateSending:
		it.textZh, it.textEn, it.state = "正在上报", "uploading", widgets.PillWarn
	case outbox.StateWaiting:
		it.textZh, it.textEn, it.state = "稍后重试", "retrying soon", widgets.PillWarn
	case outbox.StateOffline:
		it.textZh, it.textEn, it.state = "离线，恢复后自动上报", "offline; will upload when back", widgets.PillBad
	case outbox.StateBlocked:
		it.textZh, it.textEn, it.state = "需要处理（见同步）", "needs attention (see Sync)", widgets.PillBad
	default:
		it.textZh, it.textEn, it.state = "上报未运行", "uploader not running", widgets.PillWarn
	}
	return it
}

func (m *StatusMonitor) unsynced(ctx context.Context) statusItem {
	it := statusItem{key: StatusKeyUnsynced}
	st, err := m.db.SyncStatus(ctx)
	switch {
	case err != nil:
		it.textZh, it.textEn, it.state = "无法读取", "cannot read", widgets.PillBad
	case st.Problem != nil: // an older copy than the platform's, failed checks: never "all reported"
		it.textZh, it.textEn, it.state = "上报已停止（见同步）", "uploads stopped (see Sync)", widgets.PillBad
	case st.Pending == 0:
		it.textZh, it.textEn, it.state = "全部已上报", "all reported", widgets.PillOK
	default:
		n := strconv.FormatInt(st.Pending, 10)
		it.textZh, it.textEn, it.state = n+" 条未上报", n+" not reported", widgets.PillWarn
	}
	return it
}

// SyncService owns the one background uploader of the process. It starts
// one when the platform is set up, restarts it when the account changes
// (Reconfigure) and stops it with the window. The Sync screen and Home talk
// to it through SyncController, so no screen ever starts a second uploader
// while this one runs.
type SyncService struct {
	db   *store.DB
	opts outbox.Options
	// OnChange is called (from the uploader's goroutine) after every status
	// change; must not block.
	onChange func()

	mu     sync.Mutex
	parent context.Context
	cur    *outbox.Uploader
	cancel context.CancelFunc
	done   chan struct{}
}

// NewSyncService returns a stopped service; Start runs it.
func NewSyncService(db *store.DB, opts outbox.Options, onChange func()) *SyncService {
	return &SyncService{db: db, opts: opts, onChange: onChange}
}

// Start runs the uploader under ctx if the platform is set up. It returns
// the configuration error (bad URL) without starting anything.
func (s *SyncService) Start(ctx context.Context) error {
	s.mu.Lock()
	s.parent = ctx
	s.mu.Unlock()
	return s.restart()
}

// Reconfigure stops the running uploader and starts one with the stored
// configuration (after Settings saved a new platform account).
func (s *SyncService) Reconfigure() error { return s.restart() }

func (s *SyncService) restart() error {
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parent == nil || s.parent.Err() != nil {
		return nil
	}
	cfg, err := s.db.SyncConfig(s.parent)
	if err != nil {
		return err
	}
	if cfg.URL == "" {
		s.notify()
		return nil
	}
	c, err := platform.NewClient(cfg.URL, cfg.Account, cfg.Secret)
	if err != nil {
		s.notify()
		return err
	}
	opts := s.opts
	user := opts.OnStatus
	opts.OnStatus = func(st outbox.Status) {
		if user != nil {
			user(st)
		}
		s.notify()
	}
	u := outbox.New(s.db, c, opts)
	ctx, cancel := context.WithCancel(s.parent)
	done := make(chan struct{})
	s.cur, s.cancel, s.done = u, cancel, done
	go func() {
		defer close(done)
		_ = u.Run(ctx)
	}()
	return nil
}

func (s *SyncService) notify() {
	if s.onChange != nil {
		s.onChange()
	}
}

// Stop cancels the running uploader and waits for it to store what it
// has in flight.
func (s *SyncService) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cur, s.cancel, s.done = nil, nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Running reports whether an uploader runs.
func (s *SyncService) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil
}

// Status is the running uploader's status; the zero Status (State "")
// when none runs.
func (s *SyncService) Status() outbox.Status {
	s.mu.Lock()
	u := s.cur
	s.mu.Unlock()
	if u == nil {
		return outbox.Status{}
	}
	return u.Status()
}

// Poke wakes the running uploader; without one it does nothing.
func (s *SyncService) Poke() {
	s.mu.Lock()
	u := s.cur
	s.mu.Unlock()
	if u != nil {
		u.Poke()
	}
}
