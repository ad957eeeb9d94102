-- Every journaled table has "jseq INTEGER NOT NULL REFERENCES journal(seq)
-- DEFERRABLE INITIALLY DEFERRED": the row is inserted first and Tx.Record
-- points it at its journal entry before the transaction commits.
-- Core: the journal (hash chain of every change), users, settings, counters.

-- journal is append-only evidence. seq is gapless from 1; hash chains each
-- entry to the one before (see journal.go for the exact hashing). payload is
-- the canonical JSON of the record as written. supersedes points at the
-- entry this one corrects or replaces for the same ref.
CREATE TABLE journal (
	seq INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor TEXT NOT NULL,
	kind TEXT NOT NULL,
	ref TEXT NOT NULL,
	payload TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	supersedes INTEGER REFERENCES journal(seq),
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX journal_ref ON journal(ref, seq);
CREATE INDEX journal_kind ON journal(kind, seq);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;

-- users: login accounts. Disabled, never deleted.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin','recorder','packer','technician')),
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),
	created_at TEXT NOT NULL,
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- settings: local configuration that is not evidence (printer URI, language).
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- counters: per-site sequences (lot codes per day, certificate numbers).
-- Derived bookkeeping: the codes themselves are journaled with their records.
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;
