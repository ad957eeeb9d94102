package app

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"suyuan/app/widgets"
	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform/sim"
)

func (f *fixture) syncScreen() *syncScreen {
	f.t.Helper()
	if !f.s.Show("sync") {
		f.t.Fatal("sync not available")
	}
	return f.s.screen.(*syncScreen)
}

func TestSyncScreenWithoutPlatform(t *testing.T) {
	f, _ := loggedIn(t, "rec", "secret2")
	st, err := f.db.SyncStatus(f.ctx)
	if err != nil || st.Pending == 0 {
		t.Fatalf("seeded store has nothing pending: %+v %v", st, err)
	}
	ys := f.syncScreen()
	if !strings.Contains(ys.pending.Text, strconv.FormatInt(st.Pending, 10)) {
		t.Errorf("pending shown %q, want %d", ys.pending.Text, st.Pending)
	}
	if ys.state.Text != tr("sync.notSetUp") || ys.last.Text != tr("sync.noReceipt") {
		t.Errorf("state %q, last %q", ys.state.Text, ys.last.Text)
	}
	test.Tap(ys.syncNow)
	if f.s.lastMessage != tr("sync.setupFirst") {
		t.Errorf("sync without a platform: %q", f.s.lastMessage)
	}
}

// fakeController stands for the background uploader.
type fakeController struct {
	pokes int
	st    outbox.Status
}

func (c *fakeController) Status() outbox.Status { return c.st }
func (c *fakeController) Poke()                 { c.pokes++ }

func TestSyncNowPokesRunningUploader(t *testing.T) {
	db := openStore(t)
	seedSite(t, db)
	c := &fakeController{st: outbox.Status{State: outbox.StateOffline, LastError: "网络不通（示例）"}}
	f := newFixture(t, db, Deps{Sync: c})
	f.login("admin", "secret1")
	ys := f.syncScreen()
	if ys.state.Text != tr("sync.offline") || !strings.Contains(ys.lastErr.Text, "网络不通（示例）") {
		t.Errorf("cached status not shown: %q %q", ys.state.Text, ys.lastErr.Text)
	}
	test.Tap(ys.syncNow)
	if c.pokes != 1 {
		t.Errorf("uploader poked %d times", c.pokes)
	}
}

func TestSyncNowUploadsAndShowsRejection(t *testing.T) {
	db := openStore(t)
	seedSite(t, db)
	ent, err := db.GetEntity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Seed: 3,
		Accounts: []sim.Account{{Account: "gsxp01", Secret: "s3cret-s3cret", CreditCode: ent.CreditCode, Category: "0", Name: ent.Name}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	if err := db.SetSyncConfig(t.Context(), store.Actor{UserID: 1, Username: "admin", Role: store.RoleAdmin}, store.SyncConfig{URL: hs.URL, Account: "gsxp01", Secret: "s3cret-s3cret"}); err != nil {
		t.Fatal(err)
	}
	admin, _ := db.Login(t.Context(), "admin", "secret1")
	// The simulator refuses any record carrying its marker.
	if _, err := db.AddProduct(t.Context(), admin, store.Product{Name: "REJECT-ME 测试品", Crop: "柑橘", CropCategory: "瓜果", Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db, Deps{})
	f.login("admin", "secret1")
	ys := f.syncScreen()
	test.Tap(ys.syncNow)
	if err := waitDone(t, ys.done); err != nil {
		t.Fatalf("sync now: %v (%s)", err, ys.lastErr.Text)
	}
	st, _ := db.SyncStatus(f.ctx)
	if st.Pending != 0 || st.LastReceipt == nil {
		t.Fatalf("after sync: %+v", st)
	}
	if ys.receipts.Len() == 0 || !strings.Contains(ys.last.Text, st.LastReceipt.PlatformID) {
		t.Errorf("ledger %d rows, last %q", ys.receipts.Len(), ys.last.Text)
	}
	rej, _ := db.SyncRejections(f.ctx, true)
	if len(rej) != 1 || ys.rejections.Len() != 1 {
		t.Fatalf("rejections: store %d, screen %d", len(rej), ys.rejections.Len())
	}
	if got := ys.rejections.cols[2].text(ys.rejections.rows[0]); got != rej[0].ReasonZh || got == "" {
		t.Errorf("reason shown %q, platform said %q", got, rej[0].ReasonZh)
	}
	if ys.state.Text != tr("sync.needsFix") {
		t.Errorf("state with an open rejection: %q", ys.state.Text)
	}
	// The ledger is searchable.
	ys.receipts.search.SetText("no-such-receipt")
	if ys.receipts.Len() != 0 {
		t.Error("search did not filter the ledger")
	}
	ys.receipts.search.SetText(st.LastReceipt.PlatformID)
	if ys.receipts.Len() != 1 {
		t.Errorf("search by receipt id: %d rows", ys.receipts.Len())
	}
	// Opening a rejection shows the refused record's history.
	ys.rejections.onSelect(ys.rejections.rows[0])
	if f.s.lastRecord == nil || len(f.s.lastRecord.entries) == 0 {
		t.Error("rejected record's history not shown")
	}
}

// TestSyncServiceIsTheOneUploader runs the real background uploader against
// the platform simulator: it starts only once a platform is set up, the
// Sync screen pokes it instead of running a pass of its own, and it stops.
func TestSyncServiceIsTheOneUploader(t *testing.T) {
	db := openStore(t)
	seedSite(t, db)
	ent, err := db.GetEntity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.Open(context.Background(), sim.Options{DataDir: t.TempDir(), Seed: 5,
		Accounts: []sim.Account{{Account: "gsxp01", Secret: "s3cret-s3cret", CreditCode: ent.CreditCode, Category: "0", Name: ent.Name}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	changed := make(chan struct{}, 64)
	svc := NewSyncService(db, outbox.Options{IdleInterval: time.Hour}, func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); svc.Stop() })
	if err := svc.Start(ctx); err != nil || svc.Running() {
		t.Fatalf("started without a platform: %v %v", err, svc.Running())
	}
	f := newFixture(t, db, Deps{Sync: svc})
	f.login("admin", "secret1")
	if ys := f.syncScreen(); ys.controller() != nil || ys.state.Text != tr("sync.notSetUp") {
		t.Errorf("not running but used as controller, state %q", ys.state.Text)
	}
	// Settings saves the account and restarts the service.
	ss := f.settings()
	ss.platURL.SetText(hs.URL)
	ss.platAccount.SetText("gsxp01")
	ss.platSecret.SetText("s3cret-s3cret")
	test.Tap(ss.platSave)
	if err := waitDone(t, ss.done); err != nil {
		t.Fatal(err)
	}
	if !svc.Running() {
		t.Fatal("service not running after the platform was set up")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := db.SyncStatus(f.ctx)
		if st.Pending == 0 && svc.Status().State == outbox.StateIdle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("uploader did not finish: %+v %+v", st, svc.Status())
		}
		<-changed
	}
	ys := f.syncScreen()
	if ys.controller() == nil {
		t.Fatal("Sync screen does not use the running service")
	}
	if ys.state.Text != tr("sync.upToDate") {
		t.Errorf("state %q", ys.state.Text)
	}
	// "Sync now" pokes the service: no pass of its own runs (it would
	// flip ys.running and show the progress bar).
	test.Tap(ys.syncNow)
	if err := waitDone(t, ys.done); err != nil || ys.running || ys.progress.Visible() {
		t.Errorf("sync now with the service: %v running=%v", err, ys.running)
	}
	svc.Stop()
	if svc.Running() || svc.Status().State != "" {
		t.Errorf("after stop: %v %+v", svc.Running(), svc.Status())
	}
}

// A store found to be an older copy than the platform's (a restored backup)
// says so on the Sync screen, in the store's words, until it is resolved.
func TestSyncScreenShowsOlderCopy(t *testing.T) {
	db := openStore(t)
	seedSite(t, db)
	if err := db.SetPlatformAhead(t.Context(), &store.PlatformAhead{Seq: 9999, Hash: strings.Repeat("ab", 32), OurHead: 40, DetectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c := &fakeController{st: outbox.Status{State: outbox.StateBlocked}}
	f := newFixture(t, db, Deps{Sync: c})
	f.login("admin", "secret1")
	ys := f.syncScreen()
	if ys.state.Text != tr("sync.needsFix") || !strings.Contains(ys.lastErr.Text, "本机数据是比平台上更旧的副本") || !strings.Contains(ys.lastErr.Text, "9999") {
		t.Errorf("older copy not shown: state %q, message %q", ys.state.Text, ys.lastErr.Text)
	}
	// The status bar never says "all reported" then, even with nothing
	// pending.
	if err := db.Write(t.Context(), store.Actor{UserID: 1, Username: "admin", Role: store.RoleAdmin}, func(tx *store.Tx) error {
		_, err := tx.Exec(t.Context(), "UPDATE sync_state SET cursor = (SELECT max(seq) FROM journal)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	it := NewStatusMonitor(db, StatusOptions{}).unsynced(t.Context())
	if it.textEn != "uploads stopped (see Sync)" || it.state != widgets.PillBad {
		t.Errorf("status bar: %q %v", it.textEn, it.state)
	}
}
