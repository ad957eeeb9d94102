package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"suyuan/app/report"
	"suyuan/store"
)

func init() {
	register(command{Name: "report records", Summary: "农产品生产记录 (production record book) of a plot or product for a season, as PDF or XLSX", Run: runReportRecords})
	register(command{Name: "report trace", Summary: "lot trace report (追溯报告): sources, inputs, tests, certificates, shipments, mass balance; PDF or sortable XLSX", Run: runReportTrace})
	register(command{Name: "report recall", Summary: "recall answer: every lot affected by a purchase, a plot and dates, or a lot, and who received how much", Run: runReportRecall})
	register(command{Name: "report bundle", Summary: "三品一标 certification bundle: a signed zip with cover, completeness, record book, tests, certificates, photos", Run: runReportBundle})
	register(command{Name: "report verify", Summary: "check a certification bundle's signature and every file's SHA-256; names the first mismatch", Run: runReportVerify})
}

// reportOut decides the output file and format from --out: .pdf or .xlsx,
// or a folder (a name is made there), default the current folder as PDF.
func reportOut(out, kind, site string, now time.Time, exts ...string) (string, string, error) {
	dir := out
	if out == "" {
		dir = "."
	}
	if site == "" {
		site = "site"
	}
	if st, err := os.Stat(dir); out == "" || (err == nil && st.IsDir()) {
		return filepath.Join(dir, fmt.Sprintf("%s-%s-%s.%s", kind, site, now.Format("20060102-150405"), exts[0])), exts[0], nil
	}
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	for _, e := range exts {
		if ext == e {
			return out, ext, nil
		}
	}
	return "", "", cliError("--out 的文件名应以 ."+strings.Join(exts, " 或 .")+" 结尾（或给出一个文件夹）。",
		"--out must end in ."+strings.Join(exts, " or .")+" (or name a folder)")
}

// openSite opens the data folder's store (a missing one is a clear error
// naming --data) and returns the site code, "" when none is set.
func openSite(ctx context.Context, env *Env, readOnly bool) (*store.DB, string, error) {
	if _, err := os.Stat(env.storePath()); err != nil {
		return nil, "", cliError("找不到数据文件 "+env.storePath()+"：请用 --data 指定数据目录。", "no store file at "+env.storePath()+": name the data folder with --data")
	}
	var opts []store.Option
	if readOnly {
		opts = append(opts, store.ReadOnly())
	}
	db, err := openStore(ctx, env, opts...)
	if err != nil {
		return nil, "", err
	}
	site := ""
	if e, err := db.GetEntity(ctx); err == nil {
		site = e.SiteCode
	}
	return db, site, nil
}

// openReport opens the store for a report and decides, from --out, the
// file the report of this kind goes to and its format. It returns the time
// the report is made at; on error nothing is left open.
func openReport(ctx context.Context, env *Env, readOnly bool, out, kind string, exts ...string) (db *store.DB, path, format string, now time.Time, err error) {
	db, site, err := openSite(ctx, env, readOnly)
	if err != nil {
		return nil, "", "", now, err
	}
	now = time.Now()
	if path, format, err = reportOut(out, kind, site, now, exts...); err != nil {
		db.Close()
		return nil, "", "", now, err
	}
	return db, path, format, now, nil
}

func reportDays(from, to string) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = report.ParseDay("--from", from); err != nil {
			return f, t, err
		}
	}
	if to != "" {
		if t, err = report.ParseDay("--to", to); err != nil {
			return f, t, err
		}
	}
	return f, t, nil
}

type renderer interface {
	PDF() ([]byte, error)
	XLSX() ([]byte, error)
}

func writeReport(r renderer, path, format string) (int, error) {
	var b []byte
	var err error
	if format == "xlsx" {
		b, err = r.XLSX()
	} else {
		b, err = r.PDF()
	}
	if err != nil {
		return 0, err
	}
	return len(b), report.WriteFile(path, b)
}

func runReportRecords(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("report records", env)
	plot := fs.String("plot", "", "the plot: its name, or BASE/PLOT")
	product := fs.String("product", "", "the product (name)")
	from := fs.String("from", "", "first day of the season, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD, inclusive")
	out := fs.String("out", "", "F.pdf or F.xlsx, or a folder; default: a PDF in the current folder")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return cliError("用法：suyuan report records --plot 地块|--product 产品 --from 日期 --to 日期 [--out 文件.pdf|.xlsx]",
			"usage: suyuan report records --plot PLOT|--product PRODUCT --from DATE --to DATE [--out F.pdf|.xlsx]")
	}
	f, t, err := reportDays(*from, *to)
	if err != nil {
		return err
	}
	db, path, format, now, err := openReport(ctx, env, true, *out, "records", "pdf", "xlsx")
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := report.Records(ctx, db, report.RecordsQuery{Plot: *plot, Product: *product, From: f, To: t, Lang: env.Lang, Now: now})
	if err != nil {
		return err
	}
	n, err := writeReport(b, path, format)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "已生成农产品生产记录：%s（%s，%s 至 %s；投入品 %d 条，采收 %d 批，检测 %d 次；%d 字节）。\n",
		"production record book written: %s (%s, %s to %s; %d inputs, %d harvests, %d tests; %d bytes).\n"),
		path, b.Scope, b.From, b.To, len(b.Applications), len(b.Harvests), len(b.Tests), n)
	return nil
}

func runReportTrace(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("report trace", env)
	lot := fs.String("lot", "", "the lot's trace code (local, national long or short)")
	out := fs.String("out", "", "F.pdf or F.xlsx (one row per event), or a folder")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *lot == "" && len(args) == 1 {
		*lot, args = args[0], nil
	}
	if len(args) != 0 || *lot == "" {
		return cliError("用法：suyuan report trace --lot 追溯码 [--out 文件.pdf|.xlsx]", "usage: suyuan report trace --lot CODE [--out F.pdf|.xlsx]")
	}
	db, path, format, now, err := openReport(ctx, env, true, *out, "trace", "pdf", "xlsx")
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := report.Trace(ctx, db, report.TraceQuery{Lot: *lot, Lang: env.Lang, Now: now})
	if err != nil {
		return err
	}
	n, err := writeReport(r, path, format)
	if err != nil {
		return err
	}
	rb := r.Root
	fmt.Fprintf(env.Stdout, tr(env, "已生成追溯报告：%s（批次 %s，涉及 %d 个批次、%d 个事件；产入 %s = 发货 %s + 加工转出 %s + 处置 %s + 库存 %s %s；%d 字节，用时 %.2f 秒）。\n",
		"trace report written: %s (lot %s, %d lots, %d events; in %s = shipped %s + processed %s + disposed %s + stock %s %s; %d bytes, %.2f s).\n"),
		path, rb.Lot, len(r.Lots), len(r.Events), fq(rb.In), fq(rb.Shipped), fq(rb.TransformedOut), fq(rb.Disposed), fq(rb.Stock), rb.Unit, n, time.Since(now).Seconds())
	return nil
}

func fq(q float64) string { return fmt.Sprintf("%g", q) }

func runReportRecall(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("report recall", env)
	purchase := fs.Int64("purchase", 0, "an input purchase (its number)")
	plot := fs.String("plot", "", "a plot (name, or BASE/PLOT), with --from and --to: lots harvested there in those days")
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD, inclusive")
	lot := fs.String("lot", "", "a lot (trace code)")
	out := fs.String("out", "", "also write F.pdf or F.xlsx")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return cliError("用法：suyuan report recall --purchase 编号 | --plot 地块 --from 日期 --to 日期 | --lot 追溯码 [--out 文件.pdf|.xlsx]",
			"usage: suyuan report recall --purchase ID | --plot PLOT --from DATE --to DATE | --lot CODE [--out F.pdf|.xlsx]")
	}
	f, t, err := reportDays(*from, *to)
	if err != nil {
		return err
	}
	db, site, err := openSite(ctx, env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	path, format := "", ""
	if *out != "" {
		if path, format, err = reportOut(*out, "recall", site, now, "pdf", "xlsx"); err != nil {
			return err
		}
	}
	r, err := report.RecallAnswer(ctx, db, report.RecallQuery{Purchase: *purchase, Plot: *plot, From: f, To: t, Lot: *lot, Lang: env.Lang, Now: now})
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, r.Text())
	if path != "" {
		if _, err := writeReport(r, path, format); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, tr(env, "已写入 %s。\n", "written to %s.\n"), path)
	}
	return nil
}

func runReportBundle(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("report bundle", env)
	product := fs.String("product", "", "the product (name)")
	from := fs.String("from", "", "first day of the period, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD, inclusive")
	out := fs.String("out", "", "F.zip or a folder; default: the current folder")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 || *product == "" {
		return cliError("用法：suyuan report bundle --product 产品 --from 日期 --to 日期 [--out 文件.zip]",
			"usage: suyuan report bundle --product PRODUCT --from DATE --to DATE [--out F.zip]")
	}
	f, t, err := reportDays(*from, *to)
	if err != nil {
		return err
	}
	db, path, _, now, err := openReport(ctx, env, false, *out, "bundle", "zip")
	if err != nil {
		return err
	}
	defer db.Close()
	data, m, err := report.MakeBundle(ctx, db, report.BundleQuery{Product: *product, From: f, To: t, Lang: env.Lang, Now: now, AppVersion: version})
	if err != nil {
		return err
	}
	if err := report.WriteFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "已生成认证材料包：%s（%s，%s 至 %s；%d 个文件，已签名；记录完整：%s，连续六个月记录：%s）。\n核验：suyuan report verify %s\n",
		"certification bundle written: %s (%s, %s to %s; %d files, signed; records complete: %s, six months of records: %s).\nto check it: suyuan report verify %s\n"),
		path, m.Product, m.From, m.To, len(m.Files), yn(env, m.Complete), yn(env, m.Ready), path)
	return nil
}

func yn(env *Env, b bool) string {
	if b {
		return tr(env, "是", "yes")
	}
	return tr(env, "否", "no")
}

func runReportVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("report verify", env)
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan report verify 材料包.zip", "usage: suyuan report verify BUNDLE.zip")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return cliError("无法读取文件 "+args[0]+"：请检查路径。", "cannot read "+args[0]+": check the path")
	}
	db, _, err := openSite(ctx, env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := report.VerifyBundle(data, report.PlatformSecretFor(ctx, db))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "材料包 %s 核验通过：签名有效（平台账号 %s），%d 个文件的 SHA-256 均与清单一致（%s，%s，%s 至 %s，日志序号 %d）。\n",
		"the bundle %s verifies: the signature is valid (platform account %s) and all %d files match their SHA-256 in the manifest (%s, %s, %s to %s, journal seq %d).\n"),
		args[0], m.Account, len(m.Files), m.Site, m.Product, m.From, m.To, m.JournalSeq)
	return nil
}
