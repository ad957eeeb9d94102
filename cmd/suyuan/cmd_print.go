package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"suyuan/app/label"
	"suyuan/app/printjob"
	"suyuan/device/printer"
	"suyuan/store"
)

// Settings keys read by print (the settings table: local configuration).
const (
	settingPrinterURI  = "printer.uri"
	settingURLTemplate = "print.url_template"
)

func init() {
	register(command{Name: "print", Summary: "print trace labels, vouchers or 合格证 for a lot as a recorded job (resumable)", Run: runPrint})
	register(command{Name: "cert issue", Summary: "issue a 承诺达标合格证 for a lot", Run: runCertIssue})
	register(command{Name: "cert void", Summary: "void a 合格证 (reason required)", Run: runCertVoid})
}

const printUsage = "suyuan print KIND --lot CODE [--copies N] [--size 60x40] [--dpi 203] [--lang tspl|zpl|escpos|png|pdf] [--printer URI | --out FILE] [--cert CERTNO] [--reason TEXT]\n" +
	"       suyuan print --resume JOBID [--printer URI | --out FILE]"

func readSetting(ctx context.Context, db *store.DB, key string) (string, error) {
	var v string
	err := db.Reader().QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return strings.TrimSpace(v), nil
}

// stoppedJob adds "how to continue" to a runner error.
type stoppedJob struct {
	err error
	job store.PrintJob
}

func (e *stoppedJob) Error() string { return e.err.Error() }
func (e *stoppedJob) Unwrap() error { return e.err }
func (e *stoppedJob) UserMessage(lang string) string {
	msg := userMessage(e.err, lang)
	if lang == "en" {
		return fmt.Sprintf("%s\nPrint job #%d: %d of %d labels printed. Continue with: suyuan print --resume %d", msg, e.job.ID, e.job.Printed, e.job.Copies, e.job.ID)
	}
	return fmt.Sprintf("%s\n打印任务#%d：已打印 %d/%d 张。继续打印：suyuan print --resume %d", msg, e.job.ID, e.job.Printed, e.job.Copies, e.job.ID)
}

func runPrint(ctx context.Context, env *Env, args []string) error {
	var kindArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kindArg, args = args[0], args[1:]
	}
	fs := newFlags("print", env)
	lotCode := fs.String("lot", "", "lot trace code")
	copies := fs.Int("copies", 1, "labels (boxes), each with its own serial")
	sizeS := fs.String("size", "60x40", "label size WxH in mm, or A4")
	dpi := fs.Int("dpi", 203, "printer resolution (203 or 300)")
	langS := fs.String("lang", "", "tspl|zpl|escpos|png|pdf (default: from --out's extension, else tspl)")
	uri := fs.String("printer", "", "printer URI (default: setting printer.uri)")
	out := fs.String("out", "", "write to a file instead of a printer (.pdf one document, .png one file per label, else printer bytes)")
	certNo := fs.String("cert", "", "certificate number (cert1/cert2; default: the lot's latest valid one)")
	reason := fs.String("reason", "", "reason, required for a reprint")
	resume := fs.Int64("resume", 0, "continue this print job after a printer error")
	tmpl := fs.String("url-template", "", "QR URL template (default: setting print.url_template)")
	noConfirm := fs.Bool("no-confirm", false, "do not wait for the printer's status reply after each label (printers without status support)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 && kindArg == "" {
		kindArg = fs.Arg(0)
	}
	if *resume == 0 && (kindArg == "" || *lotCode == "") {
		return cliError("用法："+printUsage, "usage: "+printUsage)
	}
	if *uri != "" && *out != "" {
		return cliError("--printer 和 --out 只能选一个。", "give either --printer or --out, not both")
	}
	// Before a job is recorded: a missing folder is not a printer fault.
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	opts := printjob.Options{NoConfirm: *noConfirm}
	if opts.Label.URLTemplate = *tmpl; *tmpl == "" {
		if opts.Label.URLTemplate, err = readSetting(ctx, db, settingURLTemplate); err != nil {
			return err
		}
	}
	target := *uri
	if *out != "" {
		abs, err := filepath.Abs(*out)
		if err != nil {
			return err
		}
		*out, target = abs, "file://"+abs
	}

	var job store.PrintJob
	if *resume != 0 {
		if job, err = db.PrintJobByID(ctx, *resume); err != nil {
			return err
		}
		if job.Status != "open" && job.Status != "failed" {
			return cliError(fmt.Sprintf("打印任务#%d已结束（%s，已打印 %d/%d 张），无需继续；补打请新建任务并填写原因。", job.ID, job.Status, job.Printed, job.Copies),
				fmt.Sprintf("print job #%d has ended (%s, %d of %d printed); nothing to resume — start a reprint with a reason instead", job.ID, job.Status, job.Printed, job.Copies))
		}
		if target == "" {
			target = job.Printer // resume on the printer the job was started on
		}
		if *langS != "" {
			if opts.Lang, err = printer.ParseLang(*langS); err != nil {
				return err
			}
		}
	} else {
		kind, err := label.ParseKind(kindArg)
		if err != nil {
			return err
		}
		if *copies < 1 {
			return cliError("--copies 至少为 1。", "--copies must be at least 1")
		}
		size, err := label.ParseSize(*sizeS)
		if err != nil {
			return err
		}
		if target == "" {
			if target, err = readSetting(ctx, db, settingPrinterURI); err != nil {
				return err
			}
		}
		if target == "" {
			return cliError("没有设置打印机：请用 --printer URI 或 --out 文件，或在设置中选择打印机（printer.uri）。",
				"no printer is set: give --printer URI or --out FILE, or choose a printer in Settings (printer.uri)")
		}
		lang := printer.TSPL
		if *langS != "" {
			if lang, err = printer.ParseLang(*langS); err != nil {
				return err
			}
		} else if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), "."); *out != "" && ext != "" {
			if l, err := printer.ParseLang(ext); err == nil {
				lang = l
			}
		}
		lot, err := db.LotByCode(ctx, *lotCode)
		if err != nil {
			return err
		}
		in := store.PrintJobInput{Kind: string(kind), LotID: lot.ID, Copies: *copies, Printer: target, Size: size.String(), DPI: *dpi,
			Lang: string(lang), Reason: *reason}
		if kind.IsCert() {
			c, err := findCert(ctx, db, lot, kind, *certNo)
			if err != nil {
				// "No certificate yet" is less useful than the rule that
				// would refuse one (hold, PHI window, voided lot).
				if rerr := db.CanCertify(ctx, lot.ID, time.Now()); rerr != nil && store.ErrorCode(rerr) == store.CodeRule {
					return rerr
				}
				return err
			}
			in.CertificateID = c.ID
		}
		if job, err = printjob.Start(ctx, db, actor, in); err != nil {
			return err
		}
	}

	lang := printjob.JobLang(job, opts)
	var dst printer.Transport
	path := strings.TrimPrefix(target, "file://")
	switch {
	case strings.HasPrefix(target, "file://") && lang == printer.PDF:
		dst = printjob.NewPDFFile(path, job.DPI)
		if job.Printed > 0 {
			return cliError("PDF 输出不能从中途继续：请用新的 --out 文件重新打印（需填写原因）。",
				"PDF output cannot be resumed midway: print again to a new --out file (with a reason)")
		}
	case strings.HasPrefix(target, "file://") && lang == printer.PNG:
		dst = &printjob.PNGFiles{Path: path, Next: job.NextSerial()}
	default:
		if dst, err = printer.Open(ctx, target); err != nil {
			return &stoppedJob{err: err, job: job}
		}
	}
	defer dst.Close()
	done, err := printjob.Run(ctx, db, actor, job, dst, opts)
	if err != nil {
		if done.ID == 0 {
			done = job
		}
		return &stoppedJob{err: err, job: done}
	}
	where := target
	if _, ok := dst.(*printjob.PNGFiles); ok {
		where = printjob.PNGName(path, job.NextSerial())
		if done.LastSerial() > job.NextSerial() {
			where += " … " + filepath.Base(printjob.PNGName(path, done.LastSerial()))
		}
	}
	fmt.Fprintf(env.Stdout, tr(env, "打印任务#%d：%s %d 张（序号 %d–%d）→ %s\n", "print job #%d: %s %d labels (serials %d–%d) -> %s\n"),
		done.ID, done.Kind, done.Printed, done.FirstSerial, done.LastSerial(), where)
	return nil
}

// findCert returns the certificate to print: the given number (of this
// lot), or the lot's latest one of the kind's style that is not void.
func findCert(ctx context.Context, db *store.DB, lot store.Lot, kind label.Kind, certNo string) (store.Certificate, error) {
	style := 1
	if kind == label.CertPurchaser {
		style = 2
	}
	q := store.CertificateQuery{LotID: lot.ID, ListQuery: store.ListQuery{Search: certNo, IncludeVoided: certNo != "", Limit: store.MaxListLimit}}
	cs, err := db.ListCertificates(ctx, q)
	if err != nil {
		return store.Certificate{}, err
	}
	for _, c := range cs {
		if certNo != "" && c.CertNo == certNo {
			return c, nil // the store refuses a void or other-style one with its own message
		}
		if certNo == "" && c.Style == style && !c.Voided {
			return c, nil
		}
	}
	if certNo != "" {
		return store.Certificate{}, cliError(fmt.Sprintf("批次%s没有编号为 %s 的合格证。", lot.Code, certNo),
			fmt.Sprintf("lot %s has no certificate numbered %s", lot.Code, certNo))
	}
	return store.Certificate{}, cliError(fmt.Sprintf("批次%s还没有有效的样式%d合格证：请先运行 suyuan cert issue --lot %s。", lot.Code, style, lot.Code),
		fmt.Sprintf("lot %s has no valid style-%d certificate yet: run suyuan cert issue --lot %s first", lot.Code, style, lot.Code))
}

func runCertIssue(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("cert issue", env)
	lotCode := fs.String("lot", "", "lot trace code")
	basis := fs.String("basis", "", "承诺依据, comma-separated: 质量安全控制符合要求, 自行检测合格, 委托检测合格")
	qty := fs.String("quantity", "", "quantity in the lot's unit (default: all that is not yet certified)")
	style := fs.Int("style", 1, "1 producer (样式一) or 2 purchaser (样式二)")
	upstream := fs.String("upstream-cert", "", "样式二: the supplier's certificate number")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *lotCode == "" || *basis == "" {
		return cliError("用法：suyuan cert issue --lot 追溯码 --basis 自行检测合格 [--quantity 数量]",
			"usage: suyuan cert issue --lot CODE --basis 自行检测合格 [--quantity Q]")
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	lot, err := db.LotByCode(ctx, *lotCode)
	if err != nil {
		return err
	}
	var q float64
	if *qty == "" {
		b, err := db.Balance(ctx, lot.ID)
		if err != nil {
			return err
		}
		q = b.Quantity - b.Disposed - b.Certified
	} else if q, err = strconv.ParseFloat(strings.TrimSpace(*qty), 64); err != nil {
		return cliError(fmt.Sprintf("数量 %q 不是数字。", *qty), fmt.Sprintf("quantity %q is not a number", *qty))
	}
	c, err := db.IssueCertificate(ctx, actor, store.CertInput{LotID: lot.ID, Style: *style, Basis: strings.Split(*basis, ","),
		Quantity: q, UpstreamCertNo: *upstream, Date: time.Time{}})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\t%s\t%g %s\t%s\n", c.CertNo, c.LotCode, c.Quantity, c.Unit, strings.Join(c.Basis, "、"))
	return nil
}

func runCertVoid(ctx context.Context, env *Env, args []string) error {
	var no string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		no, args = args[0], args[1:]
	}
	fs := newFlags("cert void", env)
	reason := fs.String("reason", "", "why the certificate is voided")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if no == "" && fs.NArg() > 0 {
		no = fs.Arg(0)
	}
	if no == "" {
		return cliError("用法：suyuan cert void 合格证编号 --reason 原因", "usage: suyuan cert void CERTNO --reason TEXT")
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := db.ListCertificates(ctx, store.CertificateQuery{ListQuery: store.ListQuery{Search: no, IncludeVoided: true, Limit: store.MaxListLimit}})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.CertNo == no {
			if err := db.VoidCertificate(ctx, actor, c.ID, *reason); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, tr(env, "已作废合格证 ", "voided certificate ")+no)
			return nil
		}
	}
	return cliError("找不到合格证 "+no+"。", "no certificate numbered "+no)
}
