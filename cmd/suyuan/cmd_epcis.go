package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/epcis"
)

func init() {
	register(command{Name: "epcis export", Summary: "write the records as a GS1 EPCIS 2.0 JSON-LD document (validated against GS1's schema)", Run: runEPCISExport})
	register(command{Name: "epcis gs1", Summary: "show or set the GS1 company prefix and product GTINs (EPCIS and Digital Link identifiers)", Run: runEPCISGS1})
	register(command{Name: "epcis import", Summary: "import an upstream partner's EPCIS 2.0 document as receipts (the same file twice adds nothing)", Run: runEPCISImport})
}

func epcisDay(env *Env, flagName, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, cliError(fmt.Sprintf("%s 的日期“%s”无法识别，请写成 2026-11-28 的形式。", flagName, s),
			fmt.Sprintf("the date %q given with %s cannot be read; write it like 2026-11-28", s, flagName))
	}
	return d, nil
}

func runEPCISExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("epcis export", env)
	lot := fs.String("lot", "", "only the events of this lot (trace code)")
	from := fs.String("from", "", "first record day, YYYY-MM-DD")
	to := fs.String("to", "", "last record day, YYYY-MM-DD")
	out := fs.String("out", "", "write to this file (default: standard output)")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return cliError("用法：suyuan epcis export [--lot 追溯码] [--from 日期 --to 日期] [--out 文件]", "usage: suyuan epcis export [--lot CODE] [--from DAY --to DAY] [--out FILE]")
	}
	opt := epcis.Options{LotCode: *lot}
	if opt.From, err = epcisDay(env, "--from", *from); err != nil {
		return err
	}
	if opt.To, err = epcisDay(env, "--to", *to); err != nil {
		return err
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && opt.To.Before(opt.From) {
		return cliError("--to 的日期早于 --from，请交换两个日期。", "the --to day is before the --from day; swap them")
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	db, err := openReadOnly(ctx, env.storePath())
	if err != nil {
		return err
	}
	defer db.Close()
	doc, err := epcis.Export(ctx, db, opt)
	if err != nil {
		return err
	}
	data, err := doc.JSON()
	if err != nil {
		return fmt.Errorf("epcis export: %w", err)
	}
	// What leaves the site must be what the standard says: check it.
	if err := epcis.Validate(data); err != nil {
		return fmt.Errorf("epcis export does not validate (a bug; nothing was written): %w", err)
	}
	n := len(doc.EPCISBody.EventList)
	if *out == "" {
		_, err := env.Stdout.Write(data)
		return err
	}
	if err := writeFileAtomic(*out, data); err != nil {
		return cliError(fmt.Sprintf("无法写入文件 %s（%v），请检查磁盘空间和权限。", *out, err), fmt.Sprintf("cannot write %s (%v); check the disk space and permissions", *out, err))
	}
	fmt.Fprintf(env.Stdout, tr(env, "已导出 %d 个EPCIS事件到 %s（已按GS1 EPCIS 2.0规范校验）。\n", "exported %d EPCIS event(s) to %s (checked against the GS1 EPCIS 2.0 schema).\n"), n, *out)
	return nil
}

func runEPCISImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("epcis import", env)
	product := fs.String("product", "", "product the received goods are (id or exact name; default: the only product)")
	supplier := fs.String("supplier", "", "supplier's name (default: the document's source party)")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cliError("用法：suyuan epcis import 文件.jsonld [--product 产品] [--supplier 供货方]", "usage: suyuan epcis import FILE.jsonld [--product PRODUCT] [--supplier NAME]")
	}
	data, err := readLimited(args[0], epcis.MaxImportSize)
	if err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	opt := epcis.ImportOptions{Supplier: *supplier}
	if opt.ProductID, err = findProduct(ctx, db, *product); err != nil {
		return err
	}
	res, err := epcis.Import(ctx, db, actor, data, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "%s：%d 个事件，新增收货 %d 条，已导入过 %d 条（未重复添加），其他事件 %d 个（非发货，未导入）。\n",
		"%s: %d event(s), %d receipt(s) added, %d already imported (not added again), %d other event(s) (not shipments, not imported).\n"),
		args[0], res.Events, res.Received, res.Already, res.Ignored)
	if len(res.Lots) > 0 {
		fmt.Fprintln(env.Stdout, tr(env, "新批次追溯码：", "new lot codes:"))
		for _, c := range res.Lots {
			fmt.Fprintln(env.Stdout, "  "+c)
		}
	}
	return nil
}

// findProduct resolves --product: an id, or a product's exact name.
func findProduct(ctx context.Context, db *store.DB, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		p, err := db.GetProduct(ctx, id)
		return p.ID, err
	}
	ps, err := db.ListProducts(ctx, store.ListQuery{Search: s, Limit: 100})
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		if p.Name == s && !p.Retired {
			return p.ID, nil
		}
	}
	return 0, cliError(fmt.Sprintf("找不到名为“%s”的产品，请核对名称或改用产品编号。", s), fmt.Sprintf("there is no product named %q; check the name or give the product id", s))
}

func runEPCISGS1(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("epcis gs1", env)
	prefix := fs.String("prefix", "", "the site's GS1 company prefix (6-12 digits; \"\" clears it)")
	product := fs.String("product", "", "product (id or exact name) whose GTIN --gtin sets")
	gtin := fs.String("gtin", "", "the product's GTIN-8/12/13/14 (\"\" clears it)")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(args) != 0 || set["gtin"] != set["product"] {
		return cliError("用法：suyuan epcis gs1 [--prefix 厂商识别代码] [--product 产品 --gtin 商品条码]", "usage: suyuan epcis gs1 [--prefix PREFIX] [--product PRODUCT --gtin GTIN]")
	}
	if len(set) > 0 {
		db, actor, err := openAs(ctx, env)
		if err != nil {
			return err
		}
		defer db.Close()
		if set["prefix"] {
			if err := epcis.SetGS1Prefix(ctx, db, actor, *prefix); err != nil {
				return err
			}
		}
		if set["gtin"] {
			id, err := findProduct(ctx, db, *product)
			if err != nil {
				return err
			}
			if err := epcis.SetGTIN(ctx, db, actor, id, *gtin); err != nil {
				return err
			}
		}
		return printGS1(ctx, env, db)
	}
	db, err := openReadOnly(ctx, env.storePath())
	if err != nil {
		return err
	}
	defer db.Close()
	return printGS1(ctx, env, db)
}

func printGS1(ctx context.Context, env *Env, db *store.DB) error {
	g, err := epcis.ReadGS1(ctx, db)
	if err != nil {
		return err
	}
	if g.Prefix == "" {
		fmt.Fprintln(env.Stdout, tr(env, "GS1厂商识别代码：未设置（EPCIS标识使用标签上的追溯网址）", "GS1 company prefix: not set (EPCIS identifiers are the labels' trace URLs)"))
	} else {
		fmt.Fprintf(env.Stdout, tr(env, "GS1厂商识别代码：%s\n", "GS1 company prefix: %s\n"), g.Prefix)
	}
	ids := make([]int64, 0, len(g.GTINs))
	for id := range g.GTINs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		name := "#" + strconv.FormatInt(id, 10)
		if p, err := db.GetProduct(ctx, id); err == nil {
			name += " " + p.Name
		}
		fmt.Fprintf(env.Stdout, tr(env, "产品 %s：GTIN %s\n", "product %s: GTIN %s\n"), name, g.GTINs[id])
	}
	return nil
}
