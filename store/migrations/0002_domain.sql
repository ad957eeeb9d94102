-- Domain tables. Conventions:
-- * every table has "id INTEGER PRIMARY KEY" and a jseq column (see 0001):
--   the row is the current state, the journal holds every version;
-- * nothing is deleted: records are voided (voided=1, reason in the journal);
-- * dates are 'YYYY-MM-DD' text in the site's local calendar, timestamps
--   are UTC text in the journal's format; quantities are REAL in the unit named.

-- 主体 profile. Normally one row.
CREATE TABLE entity (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	scale TEXT NOT NULL CHECK (scale IN ('enterprise','cooperative','family_farm','individual')),
	entity_type TEXT NOT NULL CHECK (entity_type IN ('production','operation','both')),
	credit_code TEXT NOT NULL,
	legal_rep TEXT NOT NULL DEFAULT '',
	contact_name TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	division_code TEXT NOT NULL,
	longitude REAL,
	latitude REAL,
	platform_account TEXT NOT NULL DEFAULT '',
	site_code TEXT NOT NULL,
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- 三品一标 certifications.
CREATE TABLE certifications (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('green','organic','gi','pollution_free')),
	number TEXT NOT NULL,
	product_name TEXT NOT NULL,
	issuer TEXT NOT NULL DEFAULT '',
	valid_from TEXT NOT NULL,
	valid_to TEXT NOT NULL,
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- 基地 and its plots (产地).
CREATE TABLE bases (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	division_code TEXT NOT NULL DEFAULT '',
	area_mu REAL,
	longitude REAL,
	latitude REAL,
	altitude_m REAL,
	manager TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

CREATE TABLE plots (
	id INTEGER PRIMARY KEY,
	base_id INTEGER NOT NULL REFERENCES bases(id),
	name TEXT NOT NULL,
	area_mu REAL,
	crop TEXT NOT NULL DEFAULT '',
	crop_category TEXT NOT NULL DEFAULT '',
	retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX plots_base ON plots(base_id);

-- 产地环境 test reports (soil, water, air).
CREATE TABLE env_tests (
	id INTEGER PRIMARY KEY,
	base_id INTEGER NOT NULL REFERENCES bases(id),
	plot_id INTEGER REFERENCES plots(id),
	kind TEXT NOT NULL CHECK (kind IN ('soil','water','air','other')),
	tested_on TEXT NOT NULL,
	lab TEXT NOT NULL DEFAULT '',
	report_no TEXT NOT NULL DEFAULT '',
	conclusion TEXT NOT NULL CHECK (conclusion IN ('pass','fail')),
	notes TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Photos and scans attached to a record. The bytes live in blobs, keyed by
-- their SHA-256, so the journal holds the hash and not megabytes of base64.
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,
	data BLOB NOT NULL
) STRICT;
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	ref TEXT NOT NULL,
	file_name TEXT NOT NULL,
	mime TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES blobs(sha256),
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX attachments_ref ON attachments(ref);

-- Products (what is sold), with the crop category the pesticide rules use.
CREATE TABLE products (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	variety TEXT NOT NULL DEFAULT '',
	crop TEXT NOT NULL DEFAULT '',
	crop_category TEXT NOT NULL,
	unit TEXT NOT NULL DEFAULT 'kg',
	spec TEXT NOT NULL DEFAULT '',
	platform_product_code TEXT NOT NULL DEFAULT '',
	certification_id INTEGER REFERENCES certifications(id),
	retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Input materials (农药, 肥料...). active_ingredients is a JSON array of names.
CREATE TABLE materials (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('pesticide','fertilizer','other')),
	name TEXT NOT NULL,
	reg_no TEXT NOT NULL DEFAULT '',
	active_ingredients TEXT NOT NULL DEFAULT '[]',
	toxicity TEXT NOT NULL DEFAULT '',
	formulation TEXT NOT NULL DEFAULT '',
	manufacturer TEXT NOT NULL DEFAULT '',
	phi_days INTEGER,
	retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

CREATE TABLE purchases (
	id INTEGER PRIMARY KEY,
	material_id INTEGER NOT NULL REFERENCES materials(id),
	purchased_on TEXT NOT NULL,
	supplier TEXT NOT NULL,
	batch_no TEXT NOT NULL DEFAULT '',
	quantity REAL NOT NULL CHECK (quantity > 0),
	unit TEXT NOT NULL,
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- 用药施肥 records.
CREATE TABLE applications (
	id INTEGER PRIMARY KEY,
	applied_on TEXT NOT NULL,
	plot_id INTEGER NOT NULL REFERENCES plots(id),
	crop TEXT NOT NULL,
	material_id INTEGER NOT NULL REFERENCES materials(id),
	dose REAL NOT NULL CHECK (dose > 0),
	dose_unit TEXT NOT NULL,
	area_mu REAL,
	method TEXT NOT NULL DEFAULT '',
	target TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX applications_plot ON applications(plot_id, applied_on);

-- Transformations (加工 / 包装 / 合并): lots in -> lots out.
CREATE TABLE transformations (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('processing','packing','merge','split')),
	done_on TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Lots (批次). code is the local trace code (store/tracecode); the national
-- codes arrive from the platform later. hold=1 while a non-conformant test is
-- unresolved. phi_override=1 when an admin harvested inside the PHI window.
CREATE TABLE lots (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	national_code TEXT UNIQUE,
	national_short_code TEXT UNIQUE,
	product_id INTEGER NOT NULL REFERENCES products(id),
	source TEXT NOT NULL CHECK (source IN ('harvest','transform','receipt')),
	plot_id INTEGER REFERENCES plots(id),
	transformation_id INTEGER REFERENCES transformations(id),
	produced_on TEXT NOT NULL,
	quantity REAL NOT NULL CHECK (quantity > 0),
	unit TEXT NOT NULL,
	phi_override INTEGER NOT NULL DEFAULT 0 CHECK (phi_override IN (0,1)),
	override_reason TEXT NOT NULL DEFAULT '',
	hold INTEGER NOT NULL DEFAULT 0 CHECK (hold IN (0,1)),
	hold_reason TEXT NOT NULL DEFAULT '',
	from_code TEXT NOT NULL DEFAULT '',
	supplier TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX lots_product ON lots(product_id, produced_on);
CREATE INDEX lots_plot ON lots(plot_id);
CREATE INDEX lots_transformation ON lots(transformation_id);

CREATE TABLE transformation_inputs (
	id INTEGER PRIMARY KEY,
	transformation_id INTEGER NOT NULL REFERENCES transformations(id),
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	quantity REAL NOT NULL CHECK (quantity > 0),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX tinputs_lot ON transformation_inputs(lot_id);
CREATE INDEX tinputs_t ON transformation_inputs(transformation_id);

-- Inspections (检测): rapid or lab; a sample tied to a lot, or (testing
-- station mode) to another producer's entity or upstream code.
CREATE TABLE inspections (
	id INTEGER PRIMARY KEY,
	lot_id INTEGER REFERENCES lots(id),
	external_entity TEXT NOT NULL DEFAULT '',
	external_code TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('rapid','lab')),
	sample_no TEXT NOT NULL DEFAULT '',
	sample_name TEXT NOT NULL DEFAULT '',
	tested_at TEXT NOT NULL,
	method TEXT NOT NULL DEFAULT '',
	basis TEXT NOT NULL DEFAULT '',
	item TEXT NOT NULL DEFAULT '',
	control_delta_a REAL,
	sample_delta_a REAL,
	rate REAL,
	value REAL,
	unit TEXT NOT NULL DEFAULT '',
	limit_value REAL,
	verdict TEXT NOT NULL CHECK (verdict IN ('negative','positive','invalid')),
	instrument TEXT NOT NULL DEFAULT '',
	instrument_serial TEXT NOT NULL DEFAULT '',
	reagent_lot TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	retest_of INTEGER REFERENCES inspections(id),
	source TEXT NOT NULL CHECK (source IN ('serial','manual','import')),
	reading_id INTEGER,
	raw TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED,
	CHECK (lot_id IS NOT NULL OR external_entity <> '' OR external_code <> '')
) STRICT;
CREATE INDEX inspections_lot ON inspections(lot_id, tested_at);

-- Recorded disposal of (part of) a lot, e.g. after a positive test.
CREATE TABLE disposals (
	id INTEGER PRIMARY KEY,
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	disposed_on TEXT NOT NULL,
	method TEXT NOT NULL CHECK (method IN ('destroy','return','downgrade','other')),
	quantity REAL NOT NULL CHECK (quantity > 0),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX disposals_lot ON disposals(lot_id);

-- One-down: sales. buyer_type registered (流通, buyer confirms on the
-- platform) or market (入市, a voucher is printed).
CREATE TABLE shipments (
	id INTEGER PRIMARY KEY,
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	shipped_on TEXT NOT NULL,
	buyer_name TEXT NOT NULL,
	buyer_code TEXT NOT NULL DEFAULT '',
	buyer_type TEXT NOT NULL CHECK (buyer_type IN ('registered','market')),
	quantity REAL NOT NULL CHECK (quantity > 0),
	unit TEXT NOT NULL,
	to_code TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX shipments_lot ON shipments(lot_id);

-- One-up: goods received with the supplier's scanned code -> a new lot.
CREATE TABLE receipts (
	id INTEGER PRIMARY KEY,
	received_on TEXT NOT NULL,
	supplier_name TEXT NOT NULL,
	supplier_code TEXT NOT NULL DEFAULT '',
	upstream_code TEXT NOT NULL,
	upstream_kind TEXT NOT NULL DEFAULT '',
	upstream_cert_no TEXT NOT NULL DEFAULT '',
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX receipts_upstream ON receipts(upstream_code);

-- 承诺达标合格证. style 1 producer, 2 purchaser (cites upstream_cert_no).
-- basis is a JSON array of the chosen 承诺依据.
CREATE TABLE certificates (
	id INTEGER PRIMARY KEY,
	cert_no TEXT NOT NULL UNIQUE,
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	style INTEGER NOT NULL CHECK (style IN (1,2)),
	basis TEXT NOT NULL,
	promise_version TEXT NOT NULL,
	product_name TEXT NOT NULL,
	quantity REAL NOT NULL CHECK (quantity > 0),
	unit TEXT NOT NULL,
	origin TEXT NOT NULL,
	issuer TEXT NOT NULL,
	contact TEXT NOT NULL,
	issued_on TEXT NOT NULL,
	upstream_cert_no TEXT NOT NULL DEFAULT '',
	voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0,1)),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX certificates_lot ON certificates(lot_id);

-- Label/certificate print jobs: copies with sequential serials
-- first_serial .. first_serial+copies-1; printed counts how many reached the
-- printer, so a job resumes at first_serial+printed after a printer error.
CREATE TABLE print_jobs (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('trace','voucher','cert1','cert2')),
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	certificate_id INTEGER REFERENCES certificates(id),
	copies INTEGER NOT NULL CHECK (copies > 0),
	first_serial INTEGER NOT NULL CHECK (first_serial > 0),
	printed INTEGER NOT NULL DEFAULT 0,
	printer TEXT NOT NULL,
	size TEXT NOT NULL,
	dpi INTEGER NOT NULL,
	lang TEXT NOT NULL,
	reprint_of INTEGER REFERENCES print_jobs(id),
	status TEXT NOT NULL CHECK (status IN ('open','done','failed','cancelled')),
	last_error TEXT NOT NULL DEFAULT '',
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED,
	CHECK (printed BETWEEN 0 AND copies)
) STRICT;
CREATE INDEX print_jobs_lot ON print_jobs(lot_id);

-- Individual labels voided after printing (damaged, misapplied): the serial
-- stays recorded and is never reused.
CREATE TABLE label_voids (
	id INTEGER PRIMARY KEY,
	job_id INTEGER NOT NULL REFERENCES print_jobs(id),
	serial INTEGER NOT NULL,
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED,
	UNIQUE (job_id, serial)
) STRICT;

-- Analyzer readings waiting to be bound to a lot. reading_key (instrument +
-- serial + record number + time + channel) makes re-imports add nothing.
CREATE TABLE readings (
	id INTEGER PRIMARY KEY,
	reading_key TEXT NOT NULL UNIQUE,
	instrument TEXT NOT NULL,
	model TEXT NOT NULL DEFAULT '',
	serial_no TEXT NOT NULL DEFAULT '',
	record_no TEXT NOT NULL DEFAULT '',
	tested_at TEXT NOT NULL,
	channel INTEGER NOT NULL DEFAULT 0,
	sample_no TEXT NOT NULL DEFAULT '',
	sample_name TEXT NOT NULL DEFAULT '',
	item TEXT NOT NULL DEFAULT '',
	control_delta_a REAL,
	sample_delta_a REAL,
	rate REAL,
	value REAL,
	unit TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL DEFAULT '',
	suspect INTEGER NOT NULL DEFAULT 0 CHECK (suspect IN (0,1)),
	raw TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('pending','bound','discarded')),
	inspection_id INTEGER REFERENCES inspections(id),
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX readings_status ON readings(status);

-- Files imported with suyuan import: the same file (by SHA-256) imports once.
CREATE TABLE imports (
	id INTEGER PRIMARY KEY,
	sha256 TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	file_name TEXT NOT NULL,
	rows INTEGER NOT NULL,
	jseq INTEGER NOT NULL REFERENCES journal(seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
