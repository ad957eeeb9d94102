// Package outbox uploads the site's journal to the national platform. The
// journal is the outbox: every entry after the store's sync cursor that is
// not local-only is pending. Entries go up in seq order, in gzip-compressed
// batches; each carries its idempotency key (site + seq + entry hash), so a
// batch resent after a crash, a cut connection or a lost reply is recorded
// once. The cursor moves only when the platform's receipt has been stored, in
// the same short transaction, so a kill at any byte loses nothing and
// duplicates nothing.
//
// The uploader only reads the journal through the store's read pool; its own
// writes (receipt, rejections, cursor, national codes) are one short
// transaction per batch, so recording and printing never wait for the
// network. It imports no GUI package: the GUI gets Status through a callback.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"suyuan/store"
	"suyuan/sync/platform"
)

// States published in Status.State.
const (
	StateIdle    = "idle"    // nothing pending, or waiting for new entries
	StateSending = "sending" // a batch is on its way
	StateWaiting = "waiting" // backing off after a retryable failure
	StateOffline = "offline" // the connectivity probe failed
	StateBlocked = "blocked" // a permanent failure needs a person (credentials, a refused batch)
	StateStopped = "stopped"
)

// Status is the outbox at a glance, for the GUI's sync indicator.
type Status struct {
	Pending     int64
	LastReceipt *store.UploadReceipt
	Rejections  int // open rejections (waiting for a correction)
	LastError   string
	State       string
	NextAttempt time.Time // zero unless waiting
}

// Options tune the uploader. Zero values take the defaults.
type Options struct {
	BatchSize    int           // entries per batch; default 500
	MinBackoff   time.Duration // first retry delay; default 5 s
	MaxBackoff   time.Duration // cap; default 5 min
	IdleInterval time.Duration // look for new entries this often when idle; default 30 s
	MaxAttempts  int           // Once: retryable failures in a row before giving up; default 6
	// CodeLowWater: when fewer pre-allocated national codes are left, ask for
	// CodeRefill more while online (0 disables).
	CodeLowWater int
	CodeRefill   int
	Logger       *slog.Logger
	OnStatus     func(Status) // called after every change; must not block
	Lang         string       // language of LastError: "zh" (default) or "en"
}

// Uploader sends the outbox. Run it once per process.
type Uploader struct {
	db   *store.DB
	c    *platform.Client
	opts Options
	log  *slog.Logger
	wake chan struct{}

	mu     sync.Mutex
	status Status
	site   string

	// Owned by the goroutine running Once or Run.
	inflight    chan error // receipt being stored, nil if none
	next        int64      // read the next batch after this seq (0: the stored cursor)
	headChecked bool       // the platform's head for this site was compared with ours this pass
}

// New returns an uploader for db through c.
func New(db *store.DB, c *platform.Client, opts Options) *Uploader {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 5 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.IdleInterval <= 0 {
		opts.IdleInterval = 30 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 6
	}
	if opts.CodeRefill <= 0 {
		opts.CodeRefill = 100
	}
	if opts.Lang == "" {
		opts.Lang = "zh"
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Uploader{db: db, c: c, opts: opts, log: lg, wake: make(chan struct{}, 1), status: Status{State: StateIdle}}
}

// Poke wakes an idle uploader (call after a local write). It never blocks.
func (u *Uploader) Poke() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Status returns the last published status.
func (u *Uploader) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.status
}

func (u *Uploader) publish(ctx context.Context, state, lastErr string, next time.Time) {
	st := Status{State: state, LastError: lastErr, NextAttempt: next}
	// The counters come from the store, even when ctx has just been
	// cancelled; if the store cannot be read they keep their last values
	// rather than dropping to zero.
	u.mu.Lock()
	st.Pending, st.LastReceipt, st.Rejections = u.status.Pending, u.status.LastReceipt, u.status.Rejections
	u.mu.Unlock()
	if s, err := u.db.SyncStatus(context.WithoutCancel(ctx)); err == nil {
		st.Pending, st.LastReceipt, st.Rejections = s.Pending, s.LastReceipt, s.OpenRejections
		if lastErr == "" && state != StateIdle && state != StateSending {
			st.LastError = s.LastError
		}
	}
	u.mu.Lock()
	u.status = st
	u.mu.Unlock()
	if u.opts.OnStatus != nil {
		u.opts.OnStatus(st)
	}
}

// Summary counts what one Once call did.
type Summary struct {
	Batches    int
	Sent       int // records sent in acknowledged batches
	Accepted   int
	Duplicates int
	Rejected   int
	Skipped    int // local-only entries passed over
	Codes      int // national codes stored
	Pending    int64
	Attempts   int // failed attempts that were retried
}

func (s *Summary) add(o stepResult) {
	if o.sent > 0 {
		s.Batches++
	}
	s.Sent += o.sent
	s.Accepted += o.accepted
	s.Duplicates += o.duplicates
	s.Rejected += o.rejected
	s.Skipped += o.skipped
	s.Codes += o.codes
}

// Once uploads everything pending, retrying retryable failures with backoff
// up to MaxAttempts in a row, and returns what it did. The error is the last
// failure when it gave up, or an *Interrupted when ctx ended first. However
// it ends, Summary.Pending is counted in the store afterwards (after the
// receipt in flight, if any, is stored), never carried over from a guess.
func (u *Uploader) Once(ctx context.Context) (sum Summary, err error) {
	u.headChecked = false
	defer func() {
		if serr := u.settle(); serr != nil && err == nil {
			err = serr
		}
		s, serr := u.db.SyncStatus(context.WithoutCancel(ctx))
		if serr != nil {
			sum.Pending = -1 // unknown: the caller must not print 0
			err = errors.Join(err, serr)
			return
		}
		sum.Pending = s.Pending
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			err = &Interrupted{Pending: s.Pending, Err: err}
		}
	}()
	fails := 0
	for {
		u.publish(ctx, StateSending, "", time.Time{})
		res, err := u.step(ctx)
		if err == nil {
			fails = 0
			sum.add(res)
			if res.done {
				break
			}
			continue
		}
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		fails++
		sum.Attempts++
		msg := u.errText(err)
		_ = u.db.SetSyncError(context.WithoutCancel(ctx), msg)
		if !retryable(err) || fails >= u.opts.MaxAttempts {
			u.publish(ctx, StateBlocked, msg, time.Time{})
			return sum, err
		}
		d := u.backoff(fails)
		u.publish(ctx, StateWaiting, msg, time.Now().Add(d))
		u.log.Warn("sync: retry", "attempt", fails, "in", d.String(), "err", err.Error())
		if !sleep(ctx, d) {
			return sum, ctx.Err()
		}
	}
	u.refillCodes(ctx)
	u.publish(ctx, StateIdle, "", time.Time{})
	return sum, ctx.Err()
}

// Interrupted is Once's error when its context ended (Ctrl-C, the window
// closed, a timeout) before everything was sent. Pending is counted in the
// store after the run.
type Interrupted struct {
	Pending int64
	Err     error
}

func (e *Interrupted) Error() string {
	return fmt.Sprintf("upload interrupted, %d entries still pending: %v", e.Pending, e.Err)
}

func (e *Interrupted) Unwrap() error { return e.Err }

// UserMessage says what happened and that nothing is lost.
func (e *Interrupted) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("the upload was interrupted: %d entries are still pending (what the platform acknowledged is recorded and will not be sent twice); run the sync again to continue", e.Pending)
	}
	return fmt.Sprintf("上传被中断：仍有 %d 条待上传（平台已确认的部分已记录，不会重复上传）。请再次同步以继续。", e.Pending)
}

// Run uploads in the background until ctx ends: pending entries go up at
// once, failures back off exponentially with jitter (MinBackoff to
// MaxBackoff), a connectivity probe runs before each retry, and an idle
// uploader looks for new entries every IdleInterval or when poked. It
// returns nil when ctx is cancelled.
func (u *Uploader) Run(ctx context.Context) error {
	defer u.publish(context.WithoutCancel(ctx), StateStopped, "", time.Time{})
	defer u.settle()
	fails := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		if fails > 0 {
			if err := u.c.Ping(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				fails++
				d := u.backoff(fails)
				u.publish(ctx, StateOffline, u.errText(err), time.Now().Add(d))
				u.log.Info("sync: offline", "retry_in", d.String())
				if !u.wait(ctx, d) {
					return nil
				}
				continue
			}
		}
		u.publish(ctx, StateSending, "", time.Time{})
		res, err := u.step(ctx)
		if err == nil {
			fails = 0
			if !res.done {
				continue
			}
			u.headChecked = false // new entries later: compare heads again first
			u.refillCodes(ctx)
			u.publish(ctx, StateIdle, "", time.Time{})
			if !u.wait(ctx, u.opts.IdleInterval) {
				return nil
			}
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		fails++
		u.headChecked = false
		msg := u.errText(err)
		_ = u.db.SetSyncError(context.WithoutCancel(ctx), msg)
		d, state := u.backoff(fails), StateWaiting
		if !retryable(err) {
			d, state = u.opts.MaxBackoff, StateBlocked
		}
		u.publish(ctx, state, msg, time.Now().Add(d))
		u.log.Warn("sync: batch failed", "state", state, "retry_in", d.String(), "err", err.Error())
		if !u.wait(ctx, d) {
			return nil
		}
	}
}

func (u *Uploader) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-u.wake:
		return true
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// backoff is capped exponential backoff with "equal jitter": half the delay
// is fixed, half random, so a village of PCs coming back online at once does
// not retry in lockstep.
func (u *Uploader) backoff(fails int) time.Duration {
	d := float64(u.opts.MinBackoff) * math.Pow(2, float64(min(fails-1, 30)))
	d = min(d, float64(u.opts.MaxBackoff))
	return time.Duration(d/2 + rand.Float64()*d/2)
}

func (u *Uploader) errText(err error) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		return um.UserMessage(u.opts.Lang)
	}
	return err.Error()
}

type stepResult struct {
	done                                                 bool // nothing was pending
	sent, accepted, duplicates, rejected, skipped, codes int
}

func (u *Uploader) siteID(ctx context.Context) (string, error) {
	u.mu.Lock()
	s := u.site
	u.mu.Unlock()
	if s != "" {
		return s, nil
	}
	s, err := u.db.SyncSiteID(ctx)
	if err != nil {
		return "", err
	}
	u.mu.Lock()
	u.site = s
	u.mu.Unlock()
	return s, nil
}

// retryable reports whether trying again later may help: not for a journal
// that fails its hash check, nor for what the platform refused for good.
func retryable(err error) bool {
	if errors.Is(err, ErrTampered) {
		return false
	}
	// A store that failed its checks, a cursor beyond the chain head, an
	// older copy than the platform's: a person must act.
	switch store.ErrorCode(err) {
	case store.CodeCorrupt, store.CodeConflict:
		return false
	}
	return platform.IsRetryable(err)
}

// checkHead compares the platform's last entry for this site with this
// store's chain before anything is sent. If the platform holds an entry
// beyond our head, or a different entry under the same number, this store is
// an older copy (an old backup restored): the finding is recorded for the
// status screens and nothing is uploaded, so no number the platform holds is
// ever sent again with other content. A platform without the head query is
// left to refuse a second history itself (history_fork).
func (u *Uploader) checkHead(ctx context.Context, site string) error {
	ph, err := u.c.SiteHead(ctx, site)
	if errors.Is(err, platform.ErrNoSiteHead) {
		u.log.Info("sync: the platform has no head query; relying on its history check")
		return nil
	}
	if err != nil {
		return err
	}
	var ahead *store.PlatformAhead
	if ph.Seq > 0 {
		h, ok, err := u.db.EntryHashAt(ctx, ph.Seq)
		if err != nil {
			return err
		}
		if !ok || h != ph.Hash {
			head, _, err := u.db.Head(ctx)
			if err != nil {
				return err
			}
			ahead = &store.PlatformAhead{Seq: ph.Seq, Hash: ph.Hash, OurHead: head, OurHash: h, DetectedAt: time.Now().UTC()}
		}
	}
	prev, err := u.db.PlatformAheadState(ctx)
	if err != nil {
		return err
	}
	if ahead == nil {
		if prev != nil {
			return u.db.SetPlatformAhead(ctx, nil)
		}
		return nil
	}
	if err := u.db.SetPlatformAhead(context.WithoutCancel(ctx), ahead); err != nil {
		u.log.Warn("sync: could not record the platform head", "err", err.Error())
	}
	u.log.Warn("sync: the platform holds history this store does not have", "platform_seq", ph.Seq, "our_head", ahead.OurHead)
	return ahead.Error()
}

// ErrTampered is returned when a journal entry's stored hash does not match
// its content: such an entry is never uploaded; run suyuan verify.
var ErrTampered = errors.New("journal entry does not match its hash")

// BuildBatch reads the next batch after cursor from the journal (streaming,
// at most size entries). It returns nil when nothing is after the cursor; a
// batch with no records when the range held only local-only entries.
func BuildBatch(ctx context.Context, db *store.DB, siteID, account string, cursor int64, size int) (*platform.Batch, []store.Entry, int, error) {
	b := &platform.Batch{SchemaVersion: platform.SchemaVersion, SiteID: siteID, Account: account}
	var entries []store.Entry
	skipped := 0
	var lastHash string
	err := db.Entries(ctx, cursor, size, func(e store.Entry) error {
		if b.FirstSeq == 0 {
			b.FirstSeq = e.Seq
		}
		b.LastSeq = e.Seq
		if store.LocalOnlyKind(e.Kind) {
			skipped++
			return nil
		}
		if store.EntryHashOf(e) != e.Hash {
			return &store.Error{Code: store.CodeCorrupt, Err: ErrTampered,
				Zh: fmt.Sprintf("日志第 %d 条与其哈希不符，已停止上传。请运行 suyuan verify 并联系技术支持。", e.Seq),
				En: fmt.Sprintf("journal entry %d does not match its hash; upload stopped. Run suyuan verify and contact support", e.Seq)}
		}
		r, err := platform.RecordFromEntry(siteID, e)
		if err != nil {
			return err
		}
		b.Records = append(b.Records, r)
		entries = append(entries, e)
		lastHash = e.Hash
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if b.FirstSeq == 0 {
		return nil, nil, 0, nil
	}
	if len(lastHash) >= 16 {
		lastHash = lastHash[:16]
	}
	b.BatchKey = fmt.Sprintf("%s:%d-%d:%s", siteID, b.FirstSeq, b.LastSeq, lastHash)
	return b, entries, skipped, nil
}

// AckFromResponse turns a platform reply for b into what the store keeps.
func AckFromResponse(b *platform.Batch, resp *platform.BatchResponse, skipped int, via string) store.BatchAck {
	ack := store.BatchAck{PlatformID: resp.ReceiptID, BatchKey: resp.BatchKey, ReceivedAt: resp.ReceivedAt, FirstSeq: resp.FirstSeq, LastSeq: resp.LastSeq,
		Skipped: skipped, Duplicates: resp.Duplicates, Via: via}
	rejected := make(map[string]platform.Rejection, len(resp.Rejections))
	for _, rj := range resp.Rejections {
		rejected[rj.Key] = rj
	}
	for _, r := range b.Records {
		if rj, ok := rejected[r.Key]; ok {
			ack.Rejected = append(ack.Rejected, store.SyncRejection{Seq: r.Seq, Ref: r.Ref, Kind: r.Kind, Key: r.Key, Code: rj.Code, ReasonZh: rj.ReasonZh, ReasonEn: rj.ReasonEn})
			continue
		}
		ack.Accepted = append(ack.Accepted, store.AckedEntry{Seq: r.Seq, Ref: r.Ref})
	}
	for _, c := range resp.Codes {
		ack.Codes = append(ack.Codes, store.NationalCode{Ref: c.Ref, Long: c.Code, Short: c.ShortCode})
	}
	return ack
}

// step sends one batch. Its receipt is stored by a background goroutine
// while the next batch is read and sent (the platform answers batch N while
// batch N's receipt, rejections and national codes are written here), which
// keeps both cores busy. Order and safety do not depend on it: receipts
// stored out of order still move the cursor only over a gapless range, and
// step waits for the previous receipt before reporting success or failure.
func (u *Uploader) step(ctx context.Context) (stepResult, error) {
	if err := u.db.OpenProblem(); err != nil {
		return stepResult{}, errors.Join(err, u.settle())
	}
	site, err := u.siteID(ctx)
	if err != nil {
		return stepResult{}, errors.Join(err, u.settle())
	}
	// SyncCursor refuses a cursor beyond the chain head.
	cursor, err := u.db.SyncCursor(ctx)
	if err != nil {
		return stepResult{}, errors.Join(err, u.settle())
	}
	// Once per pass, even with nothing pending: an older copy of the store
	// is reported before anything is sent.
	if !u.headChecked {
		if err := u.checkHead(ctx, site); err != nil {
			return stepResult{}, errors.Join(err, u.settle())
		}
		u.headChecked = true
	}
	cursor = max(cursor, u.next)
	b, _, skipped, err := BuildBatch(ctx, u.db, site, u.c.Account(), cursor, u.opts.BatchSize)
	if err != nil {
		return stepResult{}, errors.Join(err, u.settle())
	}
	if b == nil || len(b.Records) == 0 {
		// Settle first: the receipt in flight may add entries (national
		// codes) or be what the skip needs to follow.
		if u.inflight != nil {
			return stepResult{}, u.settle()
		}
		if b == nil {
			return stepResult{done: true}, nil
		}
		return stepResult{skipped: skipped}, u.db.SkipLocalOnly(ctx, b.FirstSeq, b.LastSeq, skipped)
	}
	gz, err := platform.EncodeBatch(b)
	if err != nil {
		return stepResult{}, errors.Join(err, u.settle())
	}
	t0 := time.Now()
	resp, err := u.c.SendBatch(ctx, b, gz)
	if serr := u.settle(); serr != nil {
		return stepResult{}, serr
	}
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && pe.Code == platform.CodeHistoryFork {
			// Record what the platform holds, for the status screens.
			if herr := u.checkHead(ctx, site); herr != nil {
				return stepResult{}, herr
			}
		}
		return stepResult{}, err
	}
	ack := AckFromResponse(b, resp, skipped, "http")
	done := make(chan error, 1)
	go func() {
		// The receipt is stored even if ctx was cancelled meanwhile: the
		// platform has the batch, and forgetting its receipt would only
		// cost a resend.
		_, err := u.db.ApplyBatchAck(context.WithoutCancel(ctx), ack)
		if err != nil {
			err = fmt.Errorf("store receipt %s: %w", resp.ReceiptID, err)
		}
		done <- err
	}()
	u.inflight, u.next = done, b.LastSeq
	u.log.Info("sync: batch acknowledged", "receipt", resp.ReceiptID, "first", b.FirstSeq, "last", b.LastSeq,
		"records", len(b.Records), "accepted", resp.Accepted, "duplicates", resp.Duplicates, "rejected", len(resp.Rejections),
		"bytes", len(gz), "ms", time.Since(t0).Milliseconds())
	for _, rj := range resp.Rejections {
		u.log.Warn("sync: record rejected", "key", rj.Key, "code", rj.Code, "reason", rj.ReasonEn)
	}
	return stepResult{sent: len(b.Records), accepted: resp.Accepted, duplicates: resp.Duplicates, rejected: len(resp.Rejections), skipped: skipped, codes: len(resp.Codes)}, nil
}

// settle waits for the receipt being stored, if any. After a failure the
// next batch is read again from the stored cursor.
func (u *Uploader) settle() error {
	if u.inflight == nil {
		return nil
	}
	err := <-u.inflight
	u.inflight = nil
	if err != nil {
		u.next = 0
	}
	return err
}

// refillCodes tops up the pre-allocated national codes while online.
func (u *Uploader) refillCodes(ctx context.Context) {
	if u.opts.CodeLowWater <= 0 {
		return
	}
	s, err := u.db.SyncStatus(ctx)
	if err != nil || s.FreeCodes >= u.opts.CodeLowWater {
		return
	}
	cr, err := u.c.AllocateCodes(ctx, u.opts.CodeRefill)
	if err != nil {
		u.log.Warn("sync: code range request failed", "err", err.Error())
		return
	}
	codes := make([]store.PreallocatedCode, 0, len(cr.Codes))
	for _, c := range cr.Codes {
		codes = append(codes, store.PreallocatedCode{Long: c.Code, Short: c.ShortCode})
	}
	if _, err := u.db.AddCodeRange(ctx, cr.RangeID, cr.IssuedAt, codes); err != nil {
		u.log.Warn("sync: storing code range failed", "err", err.Error())
		return
	}
	u.log.Info("sync: code range stored", "range", cr.RangeID, "codes", len(codes))
}
