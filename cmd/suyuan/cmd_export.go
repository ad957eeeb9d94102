package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/export"
)

func init() {
	register(command{Name: "export", Summary: "export records as CSV/XLSX: one kind, or all of them as a verifiable zip", Run: runExport})
	register(command{Name: "export list", Summary: "list the record kinds export writes, in Chinese and English", Run: runExportList})
	register(command{Name: "export verify", Summary: "check an export archive against its manifest (row counts, SHA-256)", Run: runExportVerify})
}

// exportProgressEvery is how many rows pass between progress lines on
// stderr; tests lower it.
var exportProgressEvery = 50000

const exportUsageZh = "用法：suyuan export 类别|all [--format csv|xlsx] [--out 文件夹|文件] [--from 日期 --to 日期] [--base 基地] [--plot 地块] [--product 产品] [--lot 追溯码 [--trace]] [--headers zh|en]\n" +
	"      suyuan export list        列出可导出的类别\n      suyuan export verify 导出包.zip\n"
const exportUsageEn = "usage: suyuan export KIND|all [--format csv|xlsx] [--out DIR|FILE] [--from DATE --to DATE] [--base NAME] [--plot NAME] [--product NAME] [--lot CODE [--trace]] [--headers zh|en]\n" +
	"       suyuan export list        the kinds that can be exported\n       suyuan export verify ARCHIVE.zip\n"

func runExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("export", env)
	format := fs.String("format", "", "csv (UTF-8 with BOM, default) or xlsx; default from the --out file's extension")
	out := fs.String("out", "", "a folder (a file named after the kind and time is made in it) or a file; default: the current folder")
	var f export.Filter
	fs.StringVar(&f.From, "from", "", "first day, YYYY-MM-DD (by the record's own date)")
	fs.StringVar(&f.To, "to", "", "last day, YYYY-MM-DD, inclusive")
	fs.StringVar(&f.Base, "base", "", "only this base (name)")
	fs.StringVar(&f.Plot, "plot", "", "only this plot: its name, or BASE/PLOT when the name is used in several bases")
	fs.StringVar(&f.Product, "product", "", "only this product (name)")
	fs.StringVar(&f.Lot, "lot", "", "only records of this lot (trace code)")
	fs.BoolVar(&f.Trace, "trace", false, "with --lot: also the lots it was made from and the lots made from it")
	headers := fs.String("headers", "zh", "header and value language: zh (default) or en")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError(exportUsageZh+"类别：\n"+exportKindList("zh"), exportUsageEn+"kinds:\n"+exportKindList("en"))
	}
	kind := strings.TrimSpace(args[0])
	all := strings.EqualFold(kind, "all") || kind == "全部"
	var k export.Kind
	if !all {
		var ok bool
		if k, ok = export.KindFor(kind); !ok {
			return cliError("未知的记录类别“"+kind+"”。可选：\n"+exportKindList("zh")+"或 all（全部，导出为一个 zip 导出包）。",
				"unknown record kind "+kind+"; choose one of:\n"+exportKindList("en")+"or all (everything, as one zip archive)")
		}
	}
	if *headers != "zh" && *headers != "en" {
		return cliError("--headers 只能是 zh 或 en。", "--headers must be zh or en")
	}
	db, site, err := openSite(ctx, env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	fmtName := strings.ToLower(*format)
	path, fmtName, err := exportPath(*out, fmtName, k.ID, all, site, time.Now())
	if err != nil {
		return err
	}
	opt := export.Options{Format: fmtName, Lang: *headers, Filter: f, AppVersion: version, ProgressEvery: exportProgressEvery,
		Progress: func(p export.Progress) {
			if p.Done {
				if p.Rows >= exportProgressEvery {
					fmt.Fprintf(env.Stderr, tr(env, "  %s：共 %d 行\n", "  %s: %d rows\n"), tr(env, p.Kind.Zh, p.Kind.En), p.Rows)
				}
				return
			}
			fmt.Fprintf(env.Stderr, tr(env, "  %s：已导出 %d 行…\n", "  %s: %d rows so far…\n"), tr(env, p.Kind.Zh, p.Kind.En), p.Rows)
		}}
	start := time.Now()
	if all {
		m, err := export.ExportArchive(ctx, db, path, opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, tr(env, "已导出全部记录：%s（%d 个文件，共 %d 行，%s，日志序号 %d，哈希 %s，用时 %.1f 秒）。\n校验：suyuan export verify %s\n",
			"exported every record: %s (%d files, %d rows, %s, journal seq %d, hash %s, %.1f s).\nto check it: suyuan export verify %s\n"),
			path, len(m.Files), m.Rows(), m.FileFormat, m.JournalSeq, m.JournalHash, time.Since(start).Seconds(), path)
		return nil
	}
	res, err := export.ExportKind(ctx, db, k.ID, path, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "已导出%s：%s（%d 行，%s，日志序号 %d，SHA-256 %s，用时 %.1f 秒）。\n", "exported %s: %s (%d rows, %s, journal seq %d, SHA-256 %s, %.1f s).\n"),
		tr(env, k.Zh, k.En), path, res.Rows, fmtName, res.Seq, res.SHA256, time.Since(start).Seconds())
	return nil
}

// exportPath decides the file to write and its format: --out may name a
// folder (a name is made), a file, or nothing (the current folder).
func exportPath(out, format, kind string, all bool, site string, now time.Time) (string, string, error) {
	if format != "" && format != "csv" && format != "xlsx" {
		return "", "", cliError("--format 只能是 csv 或 xlsx。", "--format must be csv or xlsx")
	}
	name := kind
	if all {
		name = "all"
	}
	dir := out
	if out == "" {
		dir = "."
	}
	if st, err := os.Stat(dir); out == "" || (err == nil && st.IsDir()) {
		if format == "" {
			format = "csv"
		}
		return filepath.Join(dir, export.DefaultName(name, site, format, now)), format, nil
	}
	ext := strings.ToLower(filepath.Ext(out))
	if all {
		if ext != ".zip" {
			return "", "", cliError("整套导出是一个 zip 导出包：--out 请给出文件夹或以 .zip 结尾的文件名。", "exporting all makes a zip archive: give --out a folder or a file name ending in .zip")
		}
		if format == "" {
			format = "csv"
		}
		return out, format, nil
	}
	switch {
	case ext == ".xlsx" && format != "csv":
		return out, "xlsx", nil
	case ext == ".csv" && format != "xlsx":
		return out, "csv", nil
	case ext != ".csv" && ext != ".xlsx":
		return "", "", cliError("--out 的文件名请以 .csv 或 .xlsx 结尾，或给出一个已有的文件夹（“"+out+"”不是已有的文件夹）。",
			"give --out a file name ending in .csv or .xlsx, or an existing folder ("+out+" is not an existing folder)")
	}
	return "", "", cliError("--format "+format+" 与文件名 "+out+" 不一致：请改其中一个。", "--format "+format+" does not match the file name "+out+": change one of them")
}

func exportKindList(lang string) string {
	var b strings.Builder
	for _, k := range export.Kinds() {
		tmpl := ""
		if k.Template != "" {
			tmpl = map[bool]string{true: "  (import template)", false: "  （可导入）"}[lang == "en"]
		}
		fmt.Fprintf(&b, "  %-16s %s / %s%s\n", k.ID, k.Zh, k.En, tmpl)
	}
	return b.String()
}

func runExportList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("export list", env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, tr(env, "可导出的记录类别（类别 中文 / English，筛选条件）：\n", "record kinds (id, 中文 / English, filters):\n"))
	for _, k := range export.Kinds() {
		notes := []string{}
		if fl := k.Filters(); len(fl) > 0 {
			notes = append(notes, tr(env, "筛选：", "filters: ")+strings.Join(fl, ","))
		}
		if k.Template != "" {
			notes = append(notes, tr(env, "可导入", "importable"))
		}
		fmt.Fprintf(env.Stdout, "  %-16s %s / %s  [%s]\n", k.ID, k.Zh, k.En, strings.Join(notes, "; "))
	}
	fmt.Fprint(env.Stdout, tr(env, "  all              全部（zip 导出包，含 manifest.json）\n", "  all              everything (a zip archive with manifest.json)\n"))
	return nil
}

func runExportVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("export verify", env)
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan export verify 导出包.zip", "usage: suyuan export verify ARCHIVE.zip")
	}
	m, err := export.VerifyArchive(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "导出包 %s 校验通过：%d 个文件共 %d 行，与清单一致（主体 %s，导出于 %s，日志序号 %d，哈希 %s）。\n",
		"the export archive %s verifies: %d files, %d rows, as the manifest says (site %s, exported %s, journal seq %d, hash %s).\n"),
		args[0], len(m.Files), m.Rows(), m.SiteCode, m.ExportedAt, m.JournalSeq, m.JournalHash)
	// With the site's store at hand, tie the archive to its journal.
	if _, err := os.Stat(env.storePath()); err != nil {
		return nil
	}
	db, err := store.Open(ctx, env.storePath(), store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	site := ""
	if e, err := db.GetEntity(ctx); err == nil {
		site = e.SiteCode
	}
	if site != m.SiteCode {
		fmt.Fprintf(env.Stdout, tr(env, "该导出包来自主体 %s，本数据目录是 %s：未与本站日志核对。\n", "the archive is from site %s and this data folder is %s: not compared with this journal.\n"), m.SiteCode, site)
		return nil
	}
	if err := export.CheckJournal(ctx, db, m); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "与本站日志一致：第 %d 条日志的哈希相同，导出包反映的是本站当时的全部记录。\n", "it matches this store's journal: entry %d has the same hash, so the archive shows this store's records as they were then.\n"), m.JournalSeq)
	return nil
}
