package outbox

import (
	"context"
	"fmt"
	"io"
	"time"

	"suyuan/store"
	"suyuan/sync/platform"
)

// The file adapter: for a site with no network at all, `suyuan sync export`
// writes the pending outbox to a signed package on a USB stick; any PC with a
// network uploads it (`suyuan platform upload-package`), gets a signed
// receipts file back, and `suyuan sync import-receipts` applies it here. The
// batches and receipts are exactly those of the online path, so a package
// exported twice, uploaded twice, or overlapping an online upload is still
// recorded once, and importing the same receipts twice changes nothing.

// ExportSummary says what a package holds.
type ExportSummary struct {
	Batches  int
	Records  int
	Skipped  int
	FirstSeq int64
	LastSeq  int64
}

// ExportPackage streams every pending entry to w as a signed package
// (HMAC-SHA256 with the platform secret). It reads the journal in batches of
// batchSize, so memory stays flat however large the backlog.
func ExportPackage(ctx context.Context, db *store.DB, w io.Writer, cfg store.SyncConfig, batchSize int) (ExportSummary, error) {
	var sum ExportSummary
	if cfg.Account == "" || cfg.Secret == "" {
		return sum, &platform.Error{Class: platform.Permanent, Zh: "未设置平台账号或密钥，无法签名数据包。请先运行 suyuan sync setup。", En: "the platform account or secret is not set, so the package cannot be signed; run suyuan sync setup first"}
	}
	if batchSize <= 0 {
		batchSize = 500
	}
	// A store that failed its checks, or is an older copy than the platform
	// holds, exports nothing (SyncCursor below refuses a cursor beyond the
	// chain head).
	st, err := db.SyncStatus(ctx)
	if err != nil {
		return sum, err
	}
	if st.Problem != nil {
		return sum, st.Problem
	}
	site, err := db.SyncSiteID(ctx)
	if err != nil {
		return sum, err
	}
	cursor, err := db.SyncCursor(ctx)
	if err != nil {
		return sum, err
	}
	head, _, err := db.Head(ctx)
	if err != nil {
		return sum, err
	}
	sw, err := platform.NewSignedWriter(w, platform.FileHeader{Format: platform.FormatPackage, Account: cfg.Account, SiteID: site,
		CreatedAt: time.Now().UTC(), FirstSeq: cursor + 1, LastSeq: head}, cfg.Secret)
	if err != nil {
		return sum, err
	}
	for cur := cursor; cur < head; {
		b, _, skipped, err := BuildBatch(ctx, db, site, cfg.Account, cur, min(batchSize, int(head-cur)))
		if err != nil {
			return sum, err
		}
		if b == nil {
			break
		}
		if err := sw.Add(b); err != nil {
			return sum, fmt.Errorf("write package: %w", err)
		}
		if sum.FirstSeq == 0 {
			sum.FirstSeq = b.FirstSeq
		}
		sum.LastSeq = b.LastSeq
		sum.Batches++
		sum.Records += len(b.Records)
		sum.Skipped += skipped
		cur = b.LastSeq
	}
	return sum, sw.Close()
}

// ImportSummary says what a receipts file changed.
type ImportSummary struct {
	Receipts int // replies in the file
	Applied  int // receipts newly stored (0 when the file was imported before)
	Accepted int
	Rejected int
	Codes    int
}

// ImportReceipts verifies a receipts file with the platform secret and
// applies every reply through the same path as the online uploader. Each
// reply's batch is rebuilt from the journal and must have the same key, so a
// receipts file of another site or another journal is refused.
func ImportReceipts(ctx context.Context, db *store.DB, r io.Reader, cfg store.SyncConfig) (ImportSummary, error) {
	var sum ImportSummary
	if cfg.Secret == "" {
		return sum, &platform.Error{Class: platform.Permanent, Zh: "未设置平台密钥，无法核验回执文件。请先运行 suyuan sync setup。", En: "the platform secret is not set, so the receipts file cannot be checked; run suyuan sync setup first"}
	}
	h, replies, err := platform.ParseReceipts(r, cfg.Secret)
	if err != nil {
		return sum, &platform.Error{Class: platform.Permanent, Zh: "回执文件无效或签名不符（文件损坏、被改动或属于其他账号），未做任何更改。",
			En: "the receipts file is invalid or its signature does not match (damaged, altered or another account's); nothing was changed", Err: err}
	}
	site, err := db.SyncSiteID(ctx)
	if err != nil {
		return sum, err
	}
	if h.SiteID != site {
		return sum, &platform.Error{Class: platform.Permanent, Zh: fmt.Sprintf("回执文件属于站点 %s，本机是 %s，未做任何更改。", h.SiteID, site),
			En: fmt.Sprintf("the receipts file belongs to site %s, this PC is %s; nothing was changed", h.SiteID, site)}
	}
	sum.Receipts = len(replies)
	for i := range replies {
		resp := &replies[i]
		b, _, skipped, err := BuildBatch(ctx, db, site, h.Account, resp.FirstSeq-1, int(resp.LastSeq-resp.FirstSeq+1))
		if err != nil {
			return sum, err
		}
		if b == nil {
			return sum, fmt.Errorf("receipt %s names entries %d..%d that this journal does not have", resp.ReceiptID, resp.FirstSeq, resp.LastSeq)
		}
		if err := platform.CheckResponse(b, resp); err != nil {
			return sum, &platform.Error{Class: platform.Permanent, Zh: "回执与本机日志不符，已停止导入。", En: "a receipt does not match this PC's journal; import stopped", Err: err}
		}
		ack := AckFromResponse(b, resp, skipped, "file")
		applied, err := db.ApplyBatchAck(ctx, ack)
		if err != nil {
			return sum, err
		}
		if applied {
			sum.Applied++
			sum.Accepted += len(ack.Accepted)
			sum.Rejected += len(ack.Rejected)
			sum.Codes += len(ack.Codes)
		}
	}
	return sum, nil
}
