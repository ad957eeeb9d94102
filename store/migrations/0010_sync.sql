-- Sync to the national traceability platform (sync/outbox, sync/platform).
-- The journal itself is the outbox: nothing here copies entries. These tables
-- are the uploader's bookkeeping and are deliberately NOT journaled (no jseq):
-- journaling them would put every acknowledgement back into the outbox.

-- sync_state: one row. cursor is the ack floor: every journal entry with
-- seq <= cursor is settled (acknowledged, rejected with a stored reason, or
-- local-only and skipped). Entries above it are pending.
CREATE TABLE sync_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	cursor INTEGER NOT NULL DEFAULT 0,
	skipped INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	last_error_at TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO sync_state(id, cursor) VALUES (1, 0);

-- upload_receipts: the upload ledger an inspector can be shown. One row per
-- acknowledged batch. first_seq..last_seq is the journal range the batch
-- settled; chain_hash is the hash of journal entry last_seq, which commits
-- to the whole history up to it.
CREATE TABLE upload_receipts (
	id INTEGER PRIMARY KEY,
	platform_id TEXT NOT NULL,
	batch_key TEXT NOT NULL,
	received_at TEXT NOT NULL,
	stored_at TEXT NOT NULL,
	first_seq INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	records INTEGER NOT NULL,
	accepted INTEGER NOT NULL,
	duplicates INTEGER NOT NULL,
	rejected INTEGER NOT NULL,
	skipped INTEGER NOT NULL,
	chain_hash TEXT NOT NULL,
	via TEXT NOT NULL CHECK (via IN ('http','file')),
	UNIQUE (platform_id, batch_key),
	CHECK (last_seq >= first_seq)
) STRICT;
CREATE INDEX upload_receipts_range ON upload_receipts(first_seq, last_seq);

-- sync_rejections: entries the platform refused (validation). Kept until a
-- later entry for the same record (a correction) is acknowledged; then
-- resolved_by_seq names that entry. Never deleted.
CREATE TABLE sync_rejections (
	id INTEGER PRIMARY KEY,
	seq INTEGER NOT NULL UNIQUE,
	ref TEXT NOT NULL,
	kind TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	code TEXT NOT NULL,
	reason_zh TEXT NOT NULL,
	reason_en TEXT NOT NULL,
	receipt_id INTEGER REFERENCES upload_receipts(id),
	rejected_at TEXT NOT NULL,
	resolved_by_seq INTEGER,
	resolved_at TEXT
) STRICT;
CREATE INDEX sync_rejections_open ON sync_rejections(ref) WHERE resolved_by_seq IS NULL;

-- National trace codes pre-allocated by the platform while online, so that
-- labels printed offline already carry a national code. A code is taken by
-- at most one lot (lot_id), which is journaled as lots.national_code.
CREATE TABLE code_ranges (
	id INTEGER PRIMARY KEY,
	platform_range_id TEXT NOT NULL UNIQUE,
	issued_at TEXT NOT NULL,
	count INTEGER NOT NULL CHECK (count > 0)
) STRICT;
CREATE TABLE preallocated_codes (
	id INTEGER PRIMARY KEY,
	range_id INTEGER NOT NULL REFERENCES code_ranges(id),
	national_code TEXT NOT NULL UNIQUE,
	national_short_code TEXT NOT NULL UNIQUE,
	lot_id INTEGER REFERENCES lots(id),
	taken_at TEXT
) STRICT;
CREATE INDEX preallocated_codes_free ON preallocated_codes(id) WHERE lot_id IS NULL;
