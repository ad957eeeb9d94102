package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
	"suyuan/store/importer"
)

func init() {
	register(command{Name: "template", Summary: "write an import template (CSV or XLSX) for a record kind", Run: runTemplate})
	register(command{Name: "import", Summary: "import a CSV/XLSX file of records: all rows or none", Run: runImport})
	register(command{Name: "demo", Summary: "fill a new, empty store with a year of Xinping demo records", Run: runDemo})
	register(command{Name: "trace", Summary: "trace a lot by code: one step back, one step forward", Run: runTrace})
}

func kindList(env *Env) string {
	var b strings.Builder
	for _, s := range importer.Specs {
		if env.Lang == "en" {
			fmt.Fprintf(&b, "  %-13s %s\n", s.Kind, s.En)
		} else {
			fmt.Fprintf(&b, "  %-13s %s\n", s.Kind, s.Zh)
		}
	}
	return b.String()
}

func runTemplate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("template", env)
	out := fs.String("out", "", "output file (.csv or .xlsx); default: KIND.csv on stdout")
	headers := fs.String("headers", "zh", "header language: zh (default) or en")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan template 类别 [--out 文件.csv|文件.xlsx]\n类别：\n"+kindList(env), "usage: suyuan template KIND [--out FILE.csv|FILE.xlsx]\nkinds:\n"+kindList(env))
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	spec, ok := importer.SpecFor(args[0])
	if !ok {
		return cliError("未知的记录类别“"+args[0]+"”。可选：\n"+kindList(env), "unknown record kind "+args[0]+"; choose one of:\n"+kindList(env))
	}
	format := "csv"
	if strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf, string(spec.Kind), format, *headers); err != nil {
		return err
	}
	if *out == "" {
		_, err := env.Stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return cliError("无法写入 "+*out+"："+err.Error(), "cannot write "+*out+": "+err.Error())
	}
	fmt.Fprintf(env.Stdout, tr(env, "已生成%s模板：%s\n", "wrote the %s template: %s\n"), tr(env, spec.Zh, spec.En), *out)
	return nil
}

// parseInterspersed parses flags that may stand before or after the
// positional arguments (suyuan import FILE --kind plots).
func parseInterspersed(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".partial"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func runImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("import", env)
	kind := fs.String("kind", "", "record kind (default: from the sheet name or the headers)")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan import 文件.csv|文件.xlsx [--kind 类别]\n类别：\n"+kindList(env), "usage: suyuan import FILE.csv|FILE.xlsx [--kind KIND]\nkinds:\n"+kindList(env))
	}
	data, err := readLimited(args[0], importer.MaxFileSize)
	if err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := importer.Import(ctx, db, actor, args[0], data, importer.Options{Kind: *kind})
	var re *importer.RowErrors
	if errors.As(err, &re) {
		for _, e := range re.Errors {
			fmt.Fprintln(env.Stderr, e.Message(env.Lang))
		}
		return err
	}
	if err != nil {
		return err
	}
	if res.Already {
		fmt.Fprintf(env.Stdout, tr(env, "文件 %s 已于 %s 导入过（%s），本次未添加任何记录。\n", "%s was already imported on %s (%s); nothing was added.\n"),
			res.File, res.ImportedAt.In(time.Local).Format("2006-01-02 15:04"), res.Kind)
		return nil
	}
	fmt.Fprintf(env.Stdout, tr(env, "已导入 %s：%d 条%s记录（跳过示例行 %d 行，编码 %s，用时 %.1f 秒）。\n", "imported %s: %d %s record(s) (%d example row(s) skipped, encoding %s, %.1f s).\n"),
		res.File, res.Rows, kindName(env, res.Kind), res.Skipped, res.Encoding, time.Since(start).Seconds())
	if len(res.Created) > 0 {
		fmt.Fprintln(env.Stdout, tr(env, "新批次追溯码：", "new lot codes:"))
		for _, c := range res.Created {
			fmt.Fprintln(env.Stdout, "  "+c)
		}
	}
	return nil
}

func kindName(env *Env, k importer.Kind) string {
	if s, ok := importer.SpecFor(string(k)); ok {
		return tr(env, s.Zh, s.En)
	}
	return string(k)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, cliError("无法打开文件 "+path+"。", "cannot open "+path)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, cliError("无法读取文件 "+path+"。", "cannot read "+path)
	}
	if int64(len(data)) > limit {
		return nil, cliError(fmt.Sprintf("文件 %s 太大（超过 %d MB），请拆分后导入。", path, limit>>20), fmt.Sprintf("%s is too large (over %d MB); split it", path, limit>>20))
	}
	return data, nil
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("demo", env)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	profile := fs.String("profile", demo.ProfileCitrus, "citrus (戛洒 冰糖橙 cooperative) or tea (平掌 tea producer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := demo.Generate(ctx, db, demo.Options{Seed: *seed, Profile: *profile})
	if err != nil {
		return err
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return printVerify(env.Stdout, env, rep)
	}
	fmt.Fprintf(env.Stdout, tr(env,
		"已生成示例数据（%s，%s 至 %s）：%d 个基地、%d 个地块、%d 条用药施肥、%d 个批次、%d 次检测、%d 张合格证、%d 笔销售、%d 笔收货、%d 个打印任务。\n",
		"generated demo data (%s, %s to %s): %d bases, %d plots, %d applications, %d lots, %d tests, %d certificates, %d sales, %d receipts, %d print jobs.\n"),
		sum.Profile, sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly), sum.Bases, sum.Plots, sum.Applications, sum.Lots, sum.Inspections,
		sum.Certificates, sum.Shipments, sum.Receipts, sum.PrintJobs)
	if len(sum.HeldLots) > 0 {
		fmt.Fprintf(env.Stdout, tr(env, "待实验室复检、已暂停销售的批次：%s\n", "lots on hold awaiting a lab re-test: %s\n"), strings.Join(sum.HeldLots, ", "))
	}
	fmt.Fprintf(env.Stdout, tr(env, "示例管理员：用户名 %s，密码 %s。校验通过。\n", "demo administrator: user %s, password %s. Verified.\n"), demo.User, demo.Password)
	return nil
}

func runTrace(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("trace", env)
	full := fs.Bool("full", false, "follow transformations all the way back and forward")
	asJSON := fs.Bool("json", false, "print JSON")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan trace 追溯码 [--full] [--json]", "usage: suyuan trace CODE [--full] [--json]")
	}
	db, err := openReadOnly(ctx, env.storePath())
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Trace(ctx, strings.TrimSpace(args[0]), *full)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	printTrace(env, res)
	return nil
}

func printTrace(env *Env, res *store.TraceResult) {
	w := env.Stdout
	if res.MatchBy != "" && res.MatchBy != "lot" {
		fmt.Fprintf(w, tr(env, "（按%s找到）\n", "(found by %s)\n"), res.MatchBy)
	}
	printNode(env, res.Root, "")
	fmt.Fprintf(w, tr(env, "共 %d 个批次。\n", "%d lot(s) in all.\n"), res.Lots)
}

func word(env *Env, m map[string][2]string, k string) string {
	if v, ok := m[k]; ok {
		return tr(env, v[0], v[1])
	}
	return k
}

var (
	sourceWords  = map[string][2]string{"harvest": {"采收", "harvest"}, "transform": {"加工/包装", "transformation"}, "receipt": {"收货", "receipt"}}
	verdictWords = map[string][2]string{"negative": {"阴性", "negative"}, "positive": {"阳性", "positive"}, "invalid": {"无效", "invalid"}}
	kindWords    = map[string][2]string{"rapid": {"快检", "rapid"}, "lab": {"实验室", "lab"}, "packing": {"包装", "packing"}, "processing": {"加工", "processing"},
		"merge": {"合并", "merge"}, "split": {"分拆", "split"}, "registered": {"已注册主体", "registered buyer"}, "market": {"入市", "market"},
		"pesticide": {"农药", "pesticide"}, "fertilizer": {"肥料", "fertilizer"}, "other": {"其他", "other"},
		"soil": {"土壤", "soil"}, "water": {"灌溉水", "water"}, "air": {"空气", "air"}, "pass": {"合格", "pass"}, "fail": {"不合格", "fail"}}
)

// localTime shows a stored UTC timestamp as local "2006-01-02 15:04".
func localTime(s string) string {
	t, err := time.Parse("2006-01-02T15:04:05.000000Z", s)
	if err != nil {
		return s
	}
	return t.In(time.Local).Format("2006-01-02 15:04")
}

func printNode(env *Env, n *store.TraceNode, ind string) {
	if n == nil {
		return
	}
	w := env.Stdout
	l := n.Lot
	fmt.Fprintf(w, "%s%s  %s  %s %s  %g %s", ind, l.Code, l.Product, word(env, sourceWords, l.Source), l.ProducedOn, l.Quantity, l.Unit)
	fmt.Fprintf(w, tr(env, "（可用 %g）", " (available %g)"), l.Available)
	if l.Hold {
		fmt.Fprintf(w, tr(env, "  【暂停销售：%s】", "  [ON HOLD: %s]"), l.HoldReason)
	}
	if l.Voided {
		fmt.Fprint(w, tr(env, "  【已作废】", "  [VOIDED]"))
	}
	if n.Repeat {
		fmt.Fprint(w, tr(env, "  （见上）", "  (see above)"))
	}
	fmt.Fprintln(w)
	if n.Repeat {
		return
	}
	in := ind + "  "
	if o := n.Origin; o != nil {
		fmt.Fprintf(w, tr(env, "%s← 产地：%s / %s（%s）%s\n", "%s← origin: %s / %s (%s) %s\n"), in, o.Base, o.Plot, o.Crop, o.Address)
		for _, a := range o.Applications {
			fmt.Fprintf(w, tr(env, "%s   用药施肥 %s %s（%s）%g %s", "%s   applied %s %s (%s) %g %s"), in, a.Date, a.Material, word(env, kindWords, a.Kind), a.Dose, a.DoseUnit)
			if a.PHIDays > 0 {
				fmt.Fprintf(w, tr(env, "，安全间隔期 %d 天", ", PHI %d days"), a.PHIDays)
			}
			fmt.Fprintln(w)
		}
		for _, e := range o.EnvTests {
			fmt.Fprintf(w, tr(env, "%s   产地环境检测 %s %s：%s\n", "%s   environment test %s %s: %s\n"), in, e.Date, word(env, kindWords, e.Kind), word(env, kindWords, e.Conclusion))
		}
	}
	if r := n.Receipt; r != nil {
		fmt.Fprintf(w, tr(env, "%s← 收货：%s 自 %s，上游追溯码 %s", "%s← received %s from %s, upstream code %s"), in, r.Date, r.Supplier, r.UpstreamCode)
		if r.UpstreamCertNo != "" {
			fmt.Fprintf(w, tr(env, "，上游合格证 %s", ", upstream certificate %s"), r.UpstreamCertNo)
		}
		fmt.Fprintln(w)
	}
	for _, e := range n.Inputs {
		fmt.Fprintf(w, tr(env, "%s← %s %s，投入 %g：\n", "%s← %s on %s, %g in from:\n"), in, word(env, kindWords, e.Kind), e.Date, e.Quantity)
		printNode(env, e.Node, in+"   ")
	}
	for _, i := range n.Inspections {
		fmt.Fprintf(w, tr(env, "%s✓ 检测 %s %s %s：%s", "%s✓ test %s %s %s: %s"), in, localTime(i.TestedAt), word(env, kindWords, i.Kind), i.Item, word(env, verdictWords, i.Verdict))
		if i.Rate != nil {
			fmt.Fprintf(w, tr(env, "（抑制率 %.1f%%）", " (inhibition %.1f%%)"), *i.Rate)
		}
		if i.RetestOf != 0 {
			fmt.Fprint(w, tr(env, "，复检", ", re-test"))
		}
		fmt.Fprintln(w)
	}
	for _, c := range n.Certificates {
		fmt.Fprintf(w, tr(env, "%s✓ 合格证 %s（样式%d，%s）%s %g %s\n", "%s✓ certificate %s (style %d, %s) %s %g %s\n"), in, c.CertNo, c.Style, strings.Join(c.Basis, "、"), c.Date, c.Quantity, c.Unit)
	}
	for _, s := range n.Shipments {
		fmt.Fprintf(w, tr(env, "%s→ 销售 %s 给 %s（%s）%g %s", "%s→ sold %s to %s (%s) %g %s"), in, s.Date, s.Buyer, word(env, kindWords, s.BuyerType), s.Quantity, s.Unit)
		if s.Voided {
			fmt.Fprint(w, tr(env, "【已作废】", " [VOIDED]"))
		}
		fmt.Fprintln(w)
	}
	for _, e := range n.Outputs {
		fmt.Fprintf(w, tr(env, "%s→ %s %s，产出 %g：\n", "%s→ %s on %s, %g out into:\n"), in, word(env, kindWords, e.Kind), e.Date, e.Quantity)
		printNode(env, e.Node, in+"   ")
	}
	if n.Truncated {
		fmt.Fprintln(w, in+tr(env, "……（层级过深，已截断）", "… (too deep, cut off)"))
	}
}
