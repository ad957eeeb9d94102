// Package printjob runs print jobs: it turns a store.PrintJob into labels
// (store.LabelData → label.Render → printer encoding) and sends them one label
// per Transport.Write, recording each label in the store as soon as the
// printer has it. It is Fyne-free so the CLI and the GUI share one runner.
//
// The store decides what may be printed (holds, PHI windows, reprint
// reasons, serial allocation); this package decides nothing of that kind, it
// only asks the store and reports the store's error unchanged, so the user
// sees the rule's own message.
//
// "Printed" means known to have reached the printer: Transport.Write returned
// nil and, for transports that can prove delivery (printer.Confirmer, i.e. raw
// TCP), the printer answered a status query sent after the label. After any
// failure the job's Printed count is exactly the number of labels known to
// have arrived; at most the one label in flight may also have printed, so a
// resumed run can duplicate that one label (void the spare with
// store.VoidLabel) but never skips a serial.
package printjob

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"suyuan/app/label"
	"suyuan/device/printer"
	"suyuan/store"
)

// Options tune a run. The zero value prints TSPL with the default URL
// template, waiting for the printer's confirmation after each label.
type Options struct {
	Label label.Options // URL template and fonts (preview and print use the same)
	// Lang overrides the job's printer language. Empty: the job's Lang if it
	// names a printer language (tspl, zpl, escpos, png, pdf), else TSPL.
	Lang printer.Lang
	// Printer holds density, speed, gap and direction; DPI always comes from
	// the job and Copies is always 1 (every label is its own serial).
	Printer printer.JobOptions
	// NoConfirm skips the status query after each label on transports that
	// support one; for printers that do not answer status queries. Labels
	// are then counted when the bytes leave this PC, which over TCP can
	// count one or two labels too many after a power cut.
	NoConfirm bool
	// Progress, if set, is called after each label is recorded, on the
	// runner's goroutine (the GUI must hop to its UI thread itself).
	Progress func(Progress)
}

// Progress reports one recorded label.
type Progress struct {
	JobID   int64
	Serial  int // the serial just printed
	Printed int // labels of the job printed so far
	Copies  int // labels in the job
}

// ImageSink is a Transport that takes label images instead of printer bytes:
// PDF sheets and PNG files need the image, not a one-label document per
// write. Run calls WriteImage for such transports and Write never.
type ImageSink interface {
	printer.Transport
	WriteImage(ctx context.Context, img *printer.Bitmap) error
}

// Start opens a job through store.StartPrintJob (all rules are the store's)
// and, if the lot has no national trace code yet, takes a pre-allocated one
// (store.TakePreallocatedCode) so that labels printed offline already carry
// a national code. Without one left, labels print the local code marked
// 待登记. Taking the code here, before any preview, keeps Preview exact.
func Start(ctx context.Context, db *store.DB, actor store.Actor, in store.PrintJobInput) (store.PrintJob, error) {
	j, err := db.StartPrintJob(ctx, actor, in)
	if err != nil {
		return j, err
	}
	if err := ensureNationalCode(ctx, db, j); err != nil {
		return j, err
	}
	return j, nil
}

func ensureNationalCode(ctx context.Context, db *store.DB, j store.PrintJob) error {
	lot, err := db.LotByID(ctx, j.LotID)
	if err != nil {
		return err
	}
	if lot.NationalCode != "" {
		return nil
	}
	if _, _, err := db.TakePreallocatedCode(ctx, j.LotID); err != nil && !errors.Is(err, store.ErrNoPreallocatedCode) {
		return fmt.Errorf("take pre-allocated national code: %w", err)
	}
	return nil
}

// JobLang is the printer language a run of j uses with opts.
func JobLang(j store.PrintJob, opts Options) printer.Lang {
	if opts.Lang != "" {
		return opts.Lang
	}
	if l, err := printer.ParseLang(j.Lang); err == nil {
		return l
	}
	return printer.TSPL
}

// ToLabel maps the store's view of one label onto the renderer's. The serial
// printed is the store's serial (per lot and kind, never reused), so the
// number on a box is the one VoidLabel and the journal use; "k/N" shows N =
// the job's last serial (for a lot's first job, k of the boxes printed).
// A trace label does not print the lot's quantity: it goes on each box of
// the lot, and the lot total on every box would be wrong.
func ToLabel(d store.LabelData, lastSerial int) label.Data {
	out := label.Data{
		Kind:           label.Kind(d.Kind),
		Code:           d.Code,
		CertNo:         d.CertNo,
		Product:        d.Product,
		Variety:        d.Variety,
		Unit:           d.Unit,
		Origin:         d.Origin,
		Producer:       d.Producer,
		Contact:        d.Contact,
		Date:           d.Date,
		Basis:          d.Basis,
		UpstreamCertNo: d.UpstreamCertNo,
		Serial:         d.Serial,
		Total:          max(lastSerial, d.Serial),
		Provisional:    d.Provisional,
	}
	if d.Kind != "trace" {
		out.Quantity = strconv.FormatFloat(d.Quantity, 'f', -1, 64)
	} else {
		out.Unit = ""
	}
	if d.Kind == "cert1" || d.Kind == "cert2" {
		out.Variety = "" // the certificate's product name already carries it
	}
	return out
}

// prepared is what every label of a run shares.
type prepared struct {
	job  store.PrintJob
	base store.LabelData
	size label.Size
	opts label.Options
}

func prepare(ctx context.Context, db *store.DB, j store.PrintJob, opts Options) (*prepared, error) {
	size, err := label.ParseSize(j.Size)
	if err != nil {
		return nil, err
	}
	serial := min(j.NextSerial(), j.LastSerial())
	d, err := db.LabelData(ctx, j.ID, serial)
	if err != nil {
		return nil, err
	}
	lo := opts.Label
	if lo.Fonts == nil {
		if lo.Fonts, err = label.DefaultFonts(); err != nil {
			return nil, err
		}
	}
	return &prepared{job: j, base: d, size: size, opts: lo}, nil
}

// render draws serial k. Only the serial differs between a job's labels
// (LabelData is per job, lot and certificate), so one LabelData read serves
// the whole run and the store is touched once per label, by MarkPrinted.
func (p *prepared) render(serial int) (*printer.Bitmap, error) {
	d := p.base
	d.Serial, d.Index = serial, serial-p.job.FirstSerial+1
	return label.Render(ToLabel(d, p.job.LastSerial()), p.size, p.job.DPI, p.opts)
}

// Preview returns the exact image Run prints for serial (same data, size,
// resolution and options). It writes nothing.
func Preview(ctx context.Context, db *store.DB, j store.PrintJob, serial int, opts Options) (*printer.Bitmap, error) {
	if serial < j.FirstSerial || serial > j.LastSerial() {
		return nil, fmt.Errorf("preview serial %d outside job #%d (%d–%d): %w", serial, j.ID, j.FirstSerial, j.LastSerial(), label.ErrLayout)
	}
	p, err := prepare(ctx, db, j, opts)
	if err != nil {
		return nil, err
	}
	d, err := db.LabelData(ctx, j.ID, serial)
	if err != nil {
		return nil, err
	}
	p.base = d
	return p.render(serial)
}

// Run prints the job's remaining labels (NextSerial … LastSerial) on tr and
// returns the job as recorded. It first re-checks the job with
// store.ResumePrintJob (which reopens a failed job and re-applies the
// store's rules: a certificate for a lot now on hold is refused with the
// hold rule's message before a single byte is sent), and renders the first
// label before sending anything (a layout error also sends nothing).
//
// Per label: render, encode, one Transport.Write, confirm if tr can, then
// store.MarkPrinted — so Printed never runs ahead of the printer. On a
// printer error the job is marked failed with the error (FailPrintJob) and
// can be resumed with another Run. Cancelling ctx stops between labels the
// same way. The recording calls ignore ctx cancellation: a label that
// reached the printer is always recorded.
func Run(ctx context.Context, db *store.DB, actor store.Actor, job store.PrintJob, tr printer.Transport, opts Options) (store.PrintJob, error) {
	j, err := db.ResumePrintJob(ctx, actor, job.ID)
	if err != nil {
		return job, err
	}
	if j.Printed == 0 {
		if err := ensureNationalCode(ctx, db, j); err != nil {
			return j, err
		}
	}
	if j.Printed >= j.Copies {
		return j, nil
	}
	p, err := prepare(ctx, db, j, opts)
	if err != nil {
		return j, err
	}
	lang := JobLang(j, opts)
	jo := opts.Printer
	jo.DPI, jo.Copies = j.DPI, 1
	sink, isSink := tr.(ImageSink)
	conf, canConfirm := tr.(printer.Confirmer)
	canConfirm = canConfirm && !opts.NoConfirm && !isSink
	keep := context.WithoutCancel(ctx)

	fail := func(cause error) (store.PrintJob, error) {
		if ferr := db.FailPrintJob(keep, j.ID, cause.Error()); ferr != nil {
			cause = errors.Join(cause, ferr)
		}
		if cur, err := db.PrintJobByID(keep, j.ID); err == nil {
			j = cur
		}
		return j, fmt.Errorf("print job #%d stopped after %d of %d labels: %w", j.ID, j.Printed, j.Copies, cause)
	}

	img, err := p.render(j.NextSerial())
	if err != nil {
		return j, err // bad data: nothing was sent, the job stays as it was
	}
	for serial := j.NextSerial(); serial <= j.LastSerial(); serial++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if img == nil {
			if img, err = p.render(serial); err != nil {
				return fail(err)
			}
		}
		if isSink {
			err = sink.WriteImage(ctx, img)
		} else {
			var data []byte
			if data, err = printer.Encode(lang, img, jo); err == nil {
				err = tr.Write(ctx, data)
			}
			if err == nil && canConfirm {
				err = conf.Confirm(ctx, lang)
			}
		}
		if err != nil {
			return fail(err)
		}
		img = nil
		n := serial - j.FirstSerial + 1
		if err := db.MarkPrinted(keep, j.ID, n); err != nil {
			// The label is on paper but not in the store: stop rather than
			// print more that cannot be recorded.
			return j, fmt.Errorf("print job #%d: label %d printed but not recorded: %w", j.ID, serial, err)
		}
		j.Printed = n
		if n == j.Copies {
			j.Status = "done"
		}
		if opts.Progress != nil {
			opts.Progress(Progress{JobID: j.ID, Serial: serial, Printed: n, Copies: j.Copies})
		}
	}
	return j, nil
}
