package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PrintJobInput asks for copies of a trace label, a market-entry voucher or
// a certificate (样式一/二) for a lot.
type PrintJobInput struct {
	Kind          string // trace, voucher, cert1, cert2
	LotID         int64
	CertificateID int64 // required for cert1/cert2
	Copies        int
	Printer       string // printer URI or name
	Size          string // e.g. "60x40"
	DPI           int    // 0: 203
	Lang          string // printer language: tspl (default), zpl, escpos, png or pdf; needed to resume
	ReprintOf     *int64 // the job being reprinted, if any
	Reason        string // required for a reprint
}

// PrintJob is a batch of labels with serials FirstSerial .. FirstSerial+Copies-1.
// Printed counts how many reached the printer; a job resumes at NextSerial.
type PrintJob struct {
	ID            int64
	Kind          string
	LotID         int64
	LotCode       string
	CertificateID int64
	Copies        int
	FirstSerial   int
	Printed       int
	Printer       string
	Size          string
	DPI           int
	Lang          string
	ReprintOf     int64
	Status        string // open, done, failed, cancelled
	LastError     string
}

// NextSerial is the serial of the next label to print.
func (j PrintJob) NextSerial() int { return j.FirstSerial + j.Printed }

// LastSerial is the job's last serial.
func (j PrintJob) LastSerial() int { return j.FirstSerial + j.Copies - 1 }

// maxCopies bounds one job: a roll of thermal labels is a few thousand.
const maxCopies = 10000

// StartPrintJob opens a print job (PermCertify). Certificate kinds need a
// non-void certificate of that lot in the matching style, and re-check the
// lot's state (not voided, not on hold, outside the PHI window) as of today;
// a voucher (入市凭证 goes with a sale) is refused for a held lot too; a
// trace label is allowed for a held lot (the goods are only being marked).
// A reprint (ReprintOf set, or the lot+kind printed before) needs a reason,
// journaled with the job. Serials are per lot+kind, sequential and never
// reused: the first is one past the highest ever allocated, whether or not
// those labels were printed.
func (db *DB) StartPrintJob(ctx context.Context, actor Actor, in PrintJobInput) (PrintJob, error) {
	var out PrintJob
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCertify); err != nil {
			return err
		}
		switch in.Kind {
		case "trace", "voucher", "cert1", "cert2":
		default:
			return errf(CodeInvalid, nil, "未知的打印类型“%s”。", "unknown print kind %q", in.Kind)
		}
		if in.Copies < 1 || in.Copies > maxCopies {
			return errf(CodeInvalid, nil, "打印份数必须在1到%d之间。", "the number of copies must be between 1 and %d", maxCopies)
		}
		if strings.TrimSpace(in.Printer) == "" || strings.TrimSpace(in.Size) == "" {
			return errf(CodeInvalid, nil, "请选择打印机和标签尺寸。", "choose a printer and a label size")
		}
		if in.DPI == 0 {
			in.DPI = 203
		}
		if in.Lang == "" {
			in.Lang = "tspl"
		}
		l, err := loadLotRow(ctx, tx.tx, in.LotID)
		if err != nil {
			return err
		}
		if l.Voided {
			return ruleErr(RuleLotVoided, "批次%[1]s已作废，不能打印。", "lot %[1]s was voided; nothing can be printed for it", l.Code)
		}
		var certID any
		switch in.Kind {
		case "cert1", "cert2":
			c, err := certificateByID(ctx, tx.tx, in.CertificateID)
			if err != nil {
				return err
			}
			if c.LotID != l.ID || c.Voided || fmt.Sprintf("cert%d", c.Style) != in.Kind {
				return errf(CodeInvalid, nil, "合格证%s不属于批次%s、已作废或样式不符，不能打印。", "certificate %s is not of lot %s, is voided, or has another style; it cannot be printed", c.CertNo, l.Code)
			}
			if err := certState(ctx, tx.tx, l, siteToday(tx.Now)); err != nil {
				return err
			}
			certID = c.ID
		case "voucher":
			if l.Hold {
				return holdErr(l, "print")
			}
		}
		var prevJobs, lastSerial int
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE printed > 0), coalesce(max(first_serial + copies - 1), 0) FROM print_jobs
			WHERE lot_id = ? AND kind = ?`, l.ID, in.Kind).Scan(&prevJobs, &lastSerial); err != nil {
			return fmt.Errorf("print serials: %w", err)
		}
		reason := strings.TrimSpace(in.Reason)
		var reprint any
		if in.ReprintOf != nil {
			var k string
			var lid int64
			err := tx.QueryRow(ctx, "SELECT kind, lot_id FROM print_jobs WHERE id = ?", *in.ReprintOf).Scan(&k, &lid)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && (k != in.Kind || lid != l.ID)) {
				return errf(CodeInvalid, nil, "要补打的打印任务#%d不存在或不属于该批次和类型。", "print job #%d being reprinted does not exist or is of another lot or kind", *in.ReprintOf)
			}
			if err != nil {
				return err
			}
			reprint = *in.ReprintOf
		}
		if (in.ReprintOf != nil || prevJobs > 0) && reason == "" {
			return errf(CodeInvalid, nil, "批次%s的此类标签已打印过，补打必须填写原因。", "labels of this kind were already printed for lot %s; a reprint needs a reason", l.Code)
		}
		kind := "print_jobs.create"
		if in.ReprintOf != nil || prevJobs > 0 {
			kind = "print_jobs.reprint"
		}
		res, err := tx.Exec(ctx, `INSERT INTO print_jobs(kind, lot_id, certificate_id, copies, first_serial, printed, printer, size, dpi, lang, reprint_of, status, jseq)
			VALUES(?,?,?,?,?,0,?,?,?,?,?,'open',0)`, in.Kind, l.ID, certID, in.Copies, lastSerial+1, strings.TrimSpace(in.Printer),
			strings.TrimSpace(in.Size), in.DPI, in.Lang, reprint)
		if err != nil {
			return fmt.Errorf("insert print job: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "print_jobs", id, kind, reason); err != nil {
			return err
		}
		out, err = printJobByID(ctx, tx.tx, id)
		return err
	})
	return out, err
}

// jobActor is who a job's progress is journaled as: the user who started it
// (progress comes from the printer driver, not from a new decision).
func jobActor(ctx context.Context, q rowQuerier, jobID int64) (Actor, error) {
	var name string
	var id sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT j.actor, u.id FROM journal j LEFT JOIN users u ON u.username = j.actor WHERE j.ref = ? ORDER BY j.seq LIMIT 1", fmt.Sprintf("print_jobs:%d", jobID)).Scan(&name, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return Actor{}, errf(CodeNotFound, nil, "打印任务#%d不存在。", "print job #%d does not exist", jobID)
	}
	return Actor{UserID: id.Int64, Username: name}, err
}

// MarkPrinted records that the first upTo copies of the job (a count, not a
// serial) reached the printer; the printing loop calls it after each label,
// so after a crash or a printer error nothing is printed twice without a
// trace. Progress never goes backwards; reaching Copies closes the job.
// Journaled as the user who started the job. One small transaction.
func (db *DB) MarkPrinted(ctx context.Context, jobID int64, upTo int) error {
	actor, err := jobActor(ctx, db.reader(ctx), jobID)
	if err != nil {
		return err
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		var copies, printed int
		var status string
		if err := tx.QueryRow(ctx, "SELECT copies, printed, status FROM print_jobs WHERE id = ?", jobID).Scan(&copies, &printed, &status); err != nil {
			return fmt.Errorf("read print job: %w", err)
		}
		if status != "open" {
			return errf(CodeConflict, nil, "打印任务#%d不在进行中（%s），请先继续该任务。", "print job #%d is not open (%s); resume it first", jobID, status)
		}
		if upTo < printed || upTo > copies {
			return errf(CodeInvalid, nil, "打印进度%d无效（已打印%d，共%d）。", "print progress %d is invalid (printed %d of %d)", upTo, printed, copies)
		}
		if upTo == printed {
			return nil
		}
		st := "open"
		if upTo == copies {
			st = "done"
		}
		if _, err := tx.Exec(ctx, "UPDATE print_jobs SET printed = ?, status = ? WHERE id = ?", upTo, st, jobID); err != nil {
			return err
		}
		_, err := tx.Record(ctx, "print_jobs", jobID, "print_jobs.progress", "")
		return err
	})
}

// FailPrintJob records a printer error; the job keeps its progress and can
// be resumed.
func (db *DB) FailPrintJob(ctx context.Context, jobID int64, errText string) error {
	actor, err := jobActor(ctx, db.reader(ctx), jobID)
	if err != nil {
		return err
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE print_jobs SET status = 'failed', last_error = ? WHERE id = ? AND status = 'open'", strings.TrimSpace(errText), jobID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errf(CodeConflict, nil, "打印任务#%d不在进行中。", "print job #%d is not open", jobID)
		}
		_, err = tx.Record(ctx, "print_jobs", jobID, "print_jobs.fail", strings.TrimSpace(errText))
		return err
	})
}

// ResumePrintJob reopens a failed (or interrupted open) job and returns it:
// the caller continues at job.NextSerial(). For certificates the lot's state
// is checked again (it may have been put on hold meanwhile).
func (db *DB) ResumePrintJob(ctx context.Context, actor Actor, jobID int64) (PrintJob, error) {
	var out PrintJob
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCertify); err != nil {
			return err
		}
		j, err := printJobByID(ctx, tx.tx, jobID)
		if err != nil {
			return err
		}
		if j.Status != "failed" && j.Status != "open" {
			return errf(CodeConflict, nil, "打印任务#%d已%s，不能继续。", "print job #%d is %s and cannot be resumed", jobID, j.Status)
		}
		l, err := loadLotRow(ctx, tx.tx, j.LotID)
		if err != nil {
			return err
		}
		switch j.Kind {
		case "cert1", "cert2":
			if err := certState(ctx, tx.tx, l, siteToday(tx.Now)); err != nil {
				return err
			}
			var v int
			if err := tx.QueryRow(ctx, "SELECT voided FROM certificates WHERE id = ?", j.CertificateID).Scan(&v); err != nil {
				return err
			}
			if v != 0 {
				return errf(CodeConflict, nil, "该合格证已作废，不能继续打印。", "the certificate was voided; printing cannot continue")
			}
		case "voucher":
			if l.Hold {
				return holdErr(l, "print")
			}
		}
		if j.Status == "failed" {
			if _, err := tx.Exec(ctx, "UPDATE print_jobs SET status = 'open' WHERE id = ?", jobID); err != nil {
				return err
			}
			if _, err := tx.Record(ctx, "print_jobs", jobID, "print_jobs.resume", ""); err != nil {
				return err
			}
			j.Status = "open"
		}
		out = j
		return nil
	})
	return out, err
}

// CancelPrintJob stops a job; its unprinted serials stay allocated and are
// never reused.
func (db *DB) CancelPrintJob(ctx context.Context, actor Actor, jobID int64, reason string) error {
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCertify); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE print_jobs SET status = 'cancelled' WHERE id = ? AND status IN ('open','failed')", jobID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errf(CodeConflict, nil, "打印任务#%d不能取消（不存在或已结束）。", "print job #%d cannot be cancelled (missing or finished)", jobID)
		}
		_, err = tx.Record(ctx, "print_jobs", jobID, "print_jobs.cancel", strings.TrimSpace(reason))
		return err
	})
}

// VoidLabel records that one printed label was spoiled or misapplied (reason
// required). The serial stays recorded and is never reused.
func (db *DB) VoidLabel(ctx context.Context, actor Actor, jobID int64, serial int, reason string) error {
	reason = strings.TrimSpace(reason)
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCertify); err != nil {
			return err
		}
		if reason == "" {
			return errReasonRequired()
		}
		j, err := printJobByID(ctx, tx.tx, jobID)
		if err != nil {
			return err
		}
		if serial < j.FirstSerial || serial >= j.NextSerial() {
			return errf(CodeInvalid, nil, "序号%d不是该任务已打印的标签（%d–%d）。", "serial %d is not a printed label of this job (%d–%d)", serial, j.FirstSerial, j.NextSerial()-1)
		}
		res, err := tx.Exec(ctx, "INSERT INTO label_voids(job_id, serial, jseq) VALUES(?,?,0)", jobID, serial)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return errf(CodeConflict, err, "序号%d的标签已经作废。", "label %d is already voided", serial)
			}
			return err
		}
		id, _ := res.LastInsertId()
		_, err = tx.Record(ctx, "label_voids", id, "label_voids.create", reason)
		return err
	})
}

const printJobCols = `j.id, j.kind, j.lot_id, l.code, coalesce(j.certificate_id,0), j.copies, j.first_serial, j.printed, j.printer, j.size, j.dpi, j.lang,
	coalesce(j.reprint_of,0), j.status, j.last_error`

func scanPrintJob(sc interface{ Scan(...any) error }) (PrintJob, error) {
	var j PrintJob
	err := sc.Scan(&j.ID, &j.Kind, &j.LotID, &j.LotCode, &j.CertificateID, &j.Copies, &j.FirstSerial, &j.Printed, &j.Printer, &j.Size, &j.DPI,
		&j.Lang, &j.ReprintOf, &j.Status, &j.LastError)
	return j, err
}

func printJobByID(ctx context.Context, q rowQuerier, id int64) (PrintJob, error) {
	return rowByID(ctx, q, "SELECT "+printJobCols+" FROM print_jobs j JOIN lots l ON l.id = j.lot_id WHERE j.id = ?", id, scanPrintJob, "打印任务", "print job")
}

// PrintJobByID returns one job.
func (db *DB) PrintJobByID(ctx context.Context, id int64) (PrintJob, error) {
	return printJobByID(ctx, db.r, id)
}

// PrintJobQuery filters ListPrintJobs. Search matches the lot code and printer.
type PrintJobQuery struct {
	ListQuery
	LotID  int64
	Status string
}

// ListPrintJobs returns one page of print jobs, newest first.
func (db *DB) ListPrintJobs(ctx context.Context, q PrintJobQuery) ([]PrintJob, error) {
	var extra []string
	var args []any
	if q.LotID != 0 {
		extra, args = append(extra, "j.lot_id = ?"), append(args, q.LotID)
	}
	if q.Status != "" {
		extra, args = append(extra, "j.status = ?"), append(args, q.Status)
	}
	where, args := q.listWhere("", []string{"l.code", "j.printer"}, sqlCond{conds: extra, args: args})
	limit, offset := q.page()
	return queryList(ctx, db, "SELECT "+printJobCols+" FROM print_jobs j JOIN lots l ON l.id = j.lot_id"+where+" ORDER BY j.id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset), scanPrintJob)
}

// LabelData is everything one label or certificate shows, resolved by the
// store so that the renderer (app/label) needs no database knowledge.
type LabelData struct {
	Kind   string
	JobID  int64
	Serial int // this label's serial (per lot+kind)
	Index  int // 1-based position in the job
	Total  int // copies in the job

	// Code is what the QR encodes: the national long code when the platform
	// assigned one, else the local code with Provisional set (the label must
	// say "待平台登记 / pending registration", domain.md §0.2).
	Code        string
	ShortCode   string // national short code printed under the QR, "" if none
	LocalCode   string
	Provisional bool

	Product  string
	Variety  string
	Quantity float64
	Unit     string
	Origin   string
	Producer string
	Contact  string
	Date     time.Time

	// Certificates only.
	CertNo         string
	Style          int
	Basis          []string
	PromiseText    string
	PromiseVersion string
	UpstreamCertNo string

	Voided bool // this label was voided after printing
}

// LabelData returns the data to render one label of a job. serial must be in
// the job's range.
func (db *DB) LabelData(ctx context.Context, jobID int64, serial int) (LabelData, error) {
	j, err := printJobByID(ctx, db.r, jobID)
	if err != nil {
		return LabelData{}, err
	}
	if serial < j.FirstSerial || serial > j.LastSerial() {
		return LabelData{}, errf(CodeInvalid, nil, "序号%d不在打印任务#%d的范围（%d–%d）内。", "serial %d is outside print job #%d (%d–%d)", serial, jobID, j.FirstSerial, j.LastSerial())
	}
	l, err := loadLotRow(ctx, db.r, j.LotID)
	if err != nil {
		return LabelData{}, err
	}
	d := LabelData{Kind: j.Kind, JobID: j.ID, Serial: serial, Index: serial - j.FirstSerial + 1, Total: j.Copies,
		LocalCode: l.Code, ShortCode: l.NationalShort, Quantity: l.Quantity, Unit: l.Unit}
	if l.NationalCode != "" {
		d.Code = l.NationalCode
	} else {
		d.Code, d.Provisional = l.Code, true
	}
	if err := db.r.QueryRowContext(ctx, "SELECT name, variety FROM products WHERE id = ?", l.ProductID).Scan(&d.Product, &d.Variety); err != nil {
		return LabelData{}, fmt.Errorf("label product: %w", err)
	}
	d.Date, _ = parseDay(l.ProducedOn)
	ent, err := loadEntity(ctx, db.r)
	if err != nil {
		return LabelData{}, err
	}
	d.Producer, d.Contact = ent.Name, ent.Contact
	if d.Origin, err = lotOrigin(ctx, db.r, l.ID); err != nil {
		return LabelData{}, err
	}
	if d.Origin == "" {
		d.Origin = ent.Address
	}
	if j.CertificateID != 0 {
		c, err := certificateByID(ctx, db.r, j.CertificateID)
		if err != nil {
			return LabelData{}, err
		}
		d.CertNo, d.Style, d.Basis, d.PromiseVersion, d.UpstreamCertNo = c.CertNo, c.Style, c.Basis, c.PromiseVersion, c.UpstreamCertNo
		d.Product, d.Quantity, d.Unit, d.Origin, d.Producer, d.Contact, d.Date = c.ProductName, c.Quantity, c.Unit, c.Origin, c.Issuer, c.Contact, c.Date
		d.PromiseText = PromiseTextStyle1
		if c.Style == 2 {
			d.PromiseText = PromiseTextStyle2
		}
	}
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM label_voids WHERE job_id = ? AND serial = ?", jobID, serial).Scan(&n); err != nil {
		return LabelData{}, err
	}
	d.Voided = n > 0
	return d, nil
}
