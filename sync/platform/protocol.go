// Package platform is the wire protocol between a Suyuan site and the
// national traceability platform (or a provincial gateway that speaks it):
// the DTOs, the mapping from journal entries to protocol records, the HTTP
// client, the signed file format used to carry an outbox on a USB stick, and
// (in sim/) a simulator of the platform. docs/platform-protocol.md is the
// prose version of this file.
//
// There is no public enterprise API for the national platform (domain.md
// §0.1), so the protocol is ours; field names follow the national model
// (domain.md §2) so that an adapter to a real provincial interface is a
// rename, not a redesign.
package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// SchemaVersion is the protocol version every document carries. A receiver
// refuses versions it does not know instead of guessing.
const SchemaVersion = 1

// Paths of the HTTP API, relative to the platform base URL.
const (
	PathPing       = "/api/v1/ping"
	PathAuth       = "/api/v1/auth"
	PathBatches    = "/api/v1/batches"
	PathCodeRanges = "/api/v1/code-ranges"
	PathPackages   = "/api/v1/packages"
	PathSites      = "/api/v1/sites/" // + site id + "/head": SiteHead
	PathTrace      = "/t/"
)

// CodeHistoryFork is the error code of a batch refused as a whole because it
// is a second history for the site: a record's seq is already held with
// another entry, its prev_hash is not the hash held for seq-1, or the
// platform already holds later entries (HTTP 409). It happens when a site
// restores an old backup and writes to it. Nothing of the batch is stored.
const CodeHistoryFork = "history_fork"

// SiteHead is the last entry the platform holds for one site (accepted or
// rejected): the uploader compares it with its own chain before sending, so
// an older copy of the store is stopped before anything is uploaded. Seq 0:
// nothing held yet.
type SiteHead struct {
	SchemaVersion int    `json:"schema_version"`
	SiteID        string `json:"site_id"`
	Seq           int64  `json:"seq"`
	Hash          string `json:"hash"` // the entry hash from its idempotency key
}

// Batch is one upload: a contiguous range of the site's journal, minus
// local-only entries. BatchKey is derived from the range and the last
// entry's hash, so a resend after a crash carries the same key.
type Batch struct {
	SchemaVersion int      `json:"schema_version"`
	SiteID        string   `json:"site_id"` // credit code (or site code) of the 主体
	Account       string   `json:"account"`
	BatchKey      string   `json:"batch_key"`
	FirstSeq      int64    `json:"first_seq"` // journal range settled by this batch
	LastSeq       int64    `json:"last_seq"`
	Records       []Record `json:"records"`
}

// Record is one journal entry as the platform sees it. Key is the
// idempotency key "<site>:<seq>:<entry hash>", fixed when the entry was
// written and never regenerated. Type and Data are the national-model view
// of the payload (see mapping.go); PrevHash and the hash inside Key let the
// platform hold a verifiable copy of our chain position.
type Record struct {
	Key        string          `json:"key"`
	Seq        int64           `json:"seq"`
	At         string          `json:"at"` // UTC, RFC 3339 with microseconds
	Actor      string          `json:"actor"`
	Kind       string          `json:"kind"` // our journal kind, e.g. "lots.create"
	Ref        string          `json:"ref"`  // our record, e.g. "lots:12"
	Type       string          `json:"type"` // protocol record type, e.g. "lot"
	Op         string          `json:"op"`   // "create", "void", "correct", ...
	Reason     string          `json:"reason,omitempty"`
	Supersedes int64           `json:"supersedes,omitempty"` // seq of the entry this one corrects
	PrevHash   string          `json:"prev_hash"`
	Data       json.RawMessage `json:"data"`
}

// ContentHash is the SHA-256 of a record's JSON encoding: what the platform
// stores to prove it holds exactly what was sent.
func ContentHash(r Record) string {
	b, _ := json.Marshal(r)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// BatchResponse is the platform's receipt for one batch. Every record of the
// batch is either accepted (new), a duplicate (already held: a resend after a
// lost reply) or listed in Rejections with the reason.
type BatchResponse struct {
	SchemaVersion int            `json:"schema_version"`
	ReceiptID     string         `json:"receipt_id"`
	BatchKey      string         `json:"batch_key"`
	ReceivedAt    time.Time      `json:"received_at"`
	FirstSeq      int64          `json:"first_seq"`
	LastSeq       int64          `json:"last_seq"`
	Records       int            `json:"records"`
	Accepted      int            `json:"accepted"`
	Duplicates    int            `json:"duplicates"`
	Rejections    []Rejection    `json:"rejections,omitempty"`
	Codes         []AssignedCode `json:"codes,omitempty"`
}

// Rejection is one record the platform refused (a validation error). It is
// permanent for that record: only a new entry (a correction) can fix it.
type Rejection struct {
	Key      string `json:"key"`
	Code     string `json:"code"`
	ReasonZh string `json:"reason_zh"`
	ReasonEn string `json:"reason_en"`
}

// AssignedCode is a national trace code the platform assigned to a lot.
type AssignedCode struct {
	Key       string `json:"key"` // the record that created the lot
	Ref       string `json:"ref"` // our lot, "lots:12"
	LocalCode string `json:"local_code"`
	Code      string `json:"code"`       // long form 1.<类别>.<credit>.<分类码>.<yyyyMMddHHmmss>.<seq>
	ShortCode string `json:"short_code"` // ~20 digits, printed under the QR
}

// AuthRequest exchanges an account and its secret for a token.
type AuthRequest struct {
	Account string `json:"account"`
	Secret  string `json:"secret"`
}

// AuthResponse carries the bearer token.
type AuthResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CodeRangeRequest asks for Count national codes in advance.
type CodeRangeRequest struct {
	Count int `json:"count"`
}

// CodeRange is a set of pre-allocated national codes.
type CodeRange struct {
	SchemaVersion int         `json:"schema_version"`
	RangeID       string      `json:"range_id"`
	IssuedAt      time.Time   `json:"issued_at"`
	Codes         []CodeEntry `json:"codes"`
}

// CodeEntry is one pre-allocated code.
type CodeEntry struct {
	Code      string `json:"code"`
	ShortCode string `json:"short_code"`
}

// ErrorBody is the JSON body of every non-2xx answer.
type ErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		MessageZh string `json:"message_zh"`
		MessageEn string `json:"message_en"`
	} `json:"error"`
}
