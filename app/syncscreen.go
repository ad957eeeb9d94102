package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform"
)

// SyncController is the uploader running in the background (SyncService,
// or *outbox.Uploader). When the composition root passes one in Deps.Sync,
// the Sync screen shows its cached status and "sync now" pokes it;
// otherwise "sync now" runs one upload pass of its own (outbox.Once) on a
// goroutine.
type SyncController interface {
	Status() outbox.Status
	Poke()
}

// oneSyncAtATime keeps two screens (or two taps) from running passes at once.
var oneSyncAtATime sync.Mutex

// syncScreen shows the outbox at a glance: pending entries, the last
// receipt, the platform's rejections with its reason (to fix in Records),
// the upload ledger, and a "sync now" button. It reads cached or cheap
// indexed status only; uploading happens on a goroutine.
type syncScreen struct {
	s *Shell

	state    *widgets.StatusPill
	pending  *widget.Label
	last     *widget.Label
	lastErr  *widget.Label
	codes    *widget.Label
	syncNow  *widget.Button
	progress *widget.ProgressBarInfinite
	running  bool
	done     chan error

	rejections *memTable[store.SyncRejection]
	openOnly   *widget.Check
	receipts   *memTable[store.UploadReceipt]
}

func buildSync(s *Shell) (fyne.CanvasObject, any) {
	ys := &syncScreen{s: s, done: make(chan error, 4)}
	ys.state = widgets.NewStatusPill("", widgets.PillIdle)
	ys.pending = widget.NewLabel("")
	ys.last = wrapLabel("")
	ys.lastErr = wrapLabel("")
	ys.codes = widget.NewLabel("")
	ys.syncNow = widget.NewButton(tr("sync.now"), ys.runNow)
	ys.syncNow.Importance = widget.HighImportance
	ys.progress = widget.NewProgressBarInfinite()
	ys.progress.Stop()
	ys.progress.Hide()

	ys.rejections = newMemTable([]column[store.SyncRejection]{
		{"sync.rejectedAt", 140, func(r store.SyncRejection) string { return r.RejectedAt.Local().Format("2006-01-02 15:04") }},
		{"sync.record", 140, func(r store.SyncRejection) string { return refLabel(r.Ref) }},
		{"sync.reason", 380, func(r store.SyncRejection) string { return pick(r.ReasonZh, r.ReasonEn) }},
		{"sync.fixed", 60, func(r store.SyncRejection) string { return yesNo(!r.Open()) }},
	}, func(r store.SyncRejection, q string) bool {
		return containsFold(r.Ref+" "+r.Kind+" "+r.Code+" "+r.ReasonZh+" "+r.ReasonEn, q)
	})
	ys.rejections.onSelect = ys.openRejected
	ys.openOnly = widget.NewCheck(tr("sync.openOnly"), func(bool) { ys.reload() })
	ys.openOnly.Checked = true
	ys.receipts = newMemTable([]column[store.UploadReceipt]{
		{"sync.storedAt", 140, func(r store.UploadReceipt) string { return r.StoredAt.Local().Format("2006-01-02 15:04") }},
		{"sync.receiptID", 150, func(r store.UploadReceipt) string { return r.PlatformID }},
		{"sync.range", 110, func(r store.UploadReceipt) string { return fmt.Sprintf("%d-%d", r.FirstSeq, r.LastSeq) }},
		{"sync.counts", 190, func(r store.UploadReceipt) string {
			return trf("sync.countsRow", "A", r.Accepted, "D", r.Duplicates, "R", r.Rejected)
		}},
		{"sync.via", 60, func(r store.UploadReceipt) string { return r.Via }},
		{"sync.chain", 120, func(r store.UploadReceipt) string { return shortHash(r.ChainHash) }},
	}, func(r store.UploadReceipt, q string) bool {
		return containsFold(r.PlatformID+" "+r.BatchKey+" "+r.ChainHash+" "+r.Via+" "+strconv.FormatInt(r.FirstSeq, 10)+" "+strconv.FormatInt(r.LastSeq, 10), q)
	})

	status := widget.NewCard(tr("sync.status"), "", container.NewVBox(
		container.NewHBox(ys.state, ys.pending), ys.last, ys.codes, ys.lastErr,
		container.NewBorder(nil, nil, nil, nil, ys.syncNow), ys.progress))
	rej := container.NewBorder(container.NewVBox(title(tr("sync.rejections")), wrapLabel(tr("sync.rejectionsHint")), ys.openOnly), nil, nil, nil,
		ys.rejections.Object())
	led := container.NewBorder(title(tr("sync.ledger")), nil, nil, nil, ys.receipts.Object())
	right := container.NewVSplit(rej, led)
	right.Offset = 0.45
	ys.reload()
	return splitPane(container.NewVScroll(status), right), ys
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

func refLabel(ref string) string {
	t, id, ok := strings.Cut(ref, ":")
	if !ok {
		return ref
	}
	return tr("table."+t) + " #" + id
}

func containsFold(s, q string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(strings.TrimSpace(q)))
}

// controller is the background uploader (Deps.Sync) when one is running;
// nil otherwise (no platform set up, or no service in tests), in which case
// "sync now" runs one pass of its own.
func (ys *syncScreen) controller() SyncController {
	c := ys.s.d.Sync
	if c == nil {
		return nil
	}
	if r, ok := c.(interface{ Running() bool }); ok && !r.Running() {
		return nil
	}
	return c
}

// reload reads the status (the uploader's cached one, or the store's
// indexed counters), the rejections and the ledger.
func (ys *syncScreen) reload() {
	s := ys.s
	st, err := s.d.Store.SyncStatus(s.ctx)
	if err != nil {
		s.showError(err)
	}
	state, lastErr := "", st.LastError
	if c := ys.controller(); c != nil {
		cs := c.Status()
		state = cs.State
		if cs.LastError != "" {
			lastErr = cs.LastError
		}
	}
	if ys.running {
		state = outbox.StateSending
	}
	if st.Problem != nil {
		// Uploads are stopped (an older copy than the platform's, a store
		// that failed its checks): the store's words say what to do.
		lastErr = userMessage(st.Problem)
	}
	cfg, _ := s.d.Store.SyncConfig(s.ctx)
	switch {
	case cfg.URL == "" && ys.controller() == nil:
		ys.state.Set(tr("sync.notSetUp"), widgets.PillIdle)
	case st.Problem != nil && state != outbox.StateSending:
		ys.state.Set(tr("sync.needsFix"), widgets.PillBad)
	case state == outbox.StateSending:
		ys.state.Set(tr("sync.sending"), widgets.PillWarn)
	case state == outbox.StateOffline:
		ys.state.Set(tr("sync.offline"), widgets.PillWarn)
	case st.OpenRejections > 0 || state == outbox.StateBlocked:
		ys.state.Set(tr("sync.needsFix"), widgets.PillBad)
	case st.Pending > 0:
		ys.state.Set(tr("sync.pendingState"), widgets.PillWarn)
	default:
		ys.state.Set(tr("sync.upToDate"), widgets.PillOK)
	}
	ys.pending.SetText(trf("sync.pending", "N", st.Pending, "Head", st.HeadSeq))
	if r := st.LastReceipt; r != nil {
		ys.last.SetText(trf("sync.lastReceipt", "Time", r.StoredAt.Local().Format(time.DateTime), "ID", r.PlatformID, "Seq", r.LastSeq))
	} else {
		ys.last.SetText(tr("sync.noReceipt"))
	}
	ys.codes.SetText(trf("sync.freeCodes", "N", st.FreeCodes))
	if lastErr != "" {
		ys.lastErr.SetText(tr("sync.lastError") + lastErr)
	} else {
		ys.lastErr.SetText("")
	}
	rej, err := s.d.Store.SyncRejections(s.ctx, ys.openOnly.Checked)
	if err != nil {
		s.showError(err)
	}
	ys.rejections.SetRows(rej)
	rec, err := s.d.Store.UploadReceipts(s.ctx, store.MaxListLimit)
	if err != nil {
		s.showError(err)
	}
	ys.receipts.SetRows(rec)
}

// openRejected shows the refused record's history; the fix is a correction
// of that record (Records), which the uploader then sends again.
func (ys *syncScreen) openRejected(r store.SyncRejection) {
	t, idStr, ok := strings.Cut(r.Ref, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil {
		ys.s.showInfo(tr("sync.rejections"), pick(r.ReasonZh, r.ReasonEn))
		return
	}
	ys.s.showHistory(t, id, refLabel(r.Ref)+" · "+pick(r.ReasonZh, r.ReasonEn))
}

// runNow pokes the background uploader, or runs one pass of its own on a
// goroutine; the screen is refreshed through fyne.Do when it ends.
func (ys *syncScreen) runNow() {
	s := ys.s
	if c := ys.controller(); c != nil {
		c.Poke()
		ys.reload()
		ys.finish(nil)
		return
	}
	if ys.running {
		return
	}
	cfg, err := s.d.Store.SyncConfig(s.ctx)
	if err != nil {
		s.showError(err)
		return
	}
	if cfg.URL == "" {
		s.showError(uiError("sync.setupFirst"))
		return
	}
	c, err := platform.NewClient(cfg.URL, cfg.Account, cfg.Secret)
	if err != nil {
		s.showError(err)
		return
	}
	ys.running = true
	ys.syncNow.Disable()
	ys.progress.Show()
	ys.progress.Start()
	ys.reload()
	db, lang := s.d.Store, CurrentLanguage()
	go func() {
		if !oneSyncAtATime.TryLock() {
			fyne.Do(func() { ys.ended(outbox.Summary{}, uiError("sync.busy")) })
			return
		}
		defer oneSyncAtATime.Unlock()
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Minute)
		defer cancel()
		sum, err := outbox.New(db, c, outbox.Options{Lang: lang, MaxAttempts: 2, MinBackoff: time.Second, MaxBackoff: 5 * time.Second}).Once(ctx)
		fyne.Do(func() { ys.ended(sum, err) })
	}()
}

func (ys *syncScreen) ended(sum outbox.Summary, err error) {
	ys.running = false
	ys.syncNow.Enable()
	ys.progress.Stop()
	ys.progress.Hide()
	ys.reload()
	if err != nil {
		ys.lastErr.SetText(tr("sync.lastError") + userMessage(err))
	} else {
		ys.s.lastMessage = trf("sync.done", "B", sum.Batches, "N", sum.Sent, "R", sum.Rejected, "P", sum.Pending)
		ys.lastErr.SetText(ys.s.lastMessage)
	}
	ys.finish(err)
}

func (ys *syncScreen) finish(err error) {
	select {
	case ys.done <- err:
	default:
	}
}

// memTable is a searchable, virtualized table over rows already in memory
// (short lists the store returns whole: rejections, the newest receipts).
type memTable[T any] struct {
	cols     []column[T]
	match    func(T, string) bool
	all      []T
	rows     []T
	search   *widget.Entry
	total    *widget.Label
	table    *widget.Table
	onSelect func(T)
}

func newMemTable[T any](cols []column[T], match func(T, string) bool) *memTable[T] {
	m := &memTable[T]{cols: cols, match: match}
	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(tr("list.search"))
	m.search.OnChanged = func(string) { m.filter() }
	m.total = widget.NewLabel("")
	m.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(m.rows), len(m.cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row < 0 || id.Row >= len(m.rows) {
				l.SetText("")
				return
			}
			l.SetText(m.cols[id.Col].text(m.rows[id.Row]))
		})
	m.table.ShowHeaderColumn = false
	m.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	m.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(m.cols) {
			o.(*widget.Label).SetText(tr(m.cols[id.Col].title))
		}
	}
	for i, c := range cols {
		m.table.SetColumnWidth(i, c.width)
	}
	m.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(m.rows) && m.onSelect != nil {
			r := m.rows[id.Row]
			m.table.UnselectAll()
			m.onSelect(r)
		}
	}
	return m
}

// SetRows replaces the rows and applies the search.
func (m *memTable[T]) SetRows(rows []T) {
	m.all = rows
	m.filter()
}

func (m *memTable[T]) filter() {
	q := strings.TrimSpace(m.search.Text)
	m.rows = m.rows[:0:0]
	for _, r := range m.all {
		if q == "" || m.match(r, q) {
			m.rows = append(m.rows, r)
		}
	}
	m.total.SetText(trf("list.total", "N", len(m.rows)))
	m.table.Refresh()
}

// Len is the number of rows shown.
func (m *memTable[T]) Len() int { return len(m.rows) }

// Object is the search box, the total and the table.
func (m *memTable[T]) Object() fyne.CanvasObject {
	return container.NewBorder(container.NewBorder(nil, nil, nil, m.total, m.search), nil, nil, nil, m.table)
}
