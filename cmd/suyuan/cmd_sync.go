package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/sync/outbox"
	"suyuan/sync/platform"
	"suyuan/sync/platform/sim"
)

// Sync to the national platform: the uploader, its status and ledger, the
// USB-stick file adapter, and the platform simulator.

func init() {
	register(command{Name: "sync", Summary: "upload the outbox to the platform (--once: upload and exit)", Run: runSync})
	register(command{Name: "sync status", Summary: "pending entries, last receipt, open rejections, chain head", Run: runSyncStatus})
	register(command{Name: "sync receipts", Summary: "the upload ledger (platform receipts)", Run: runSyncReceipts})
	register(command{Name: "sync setup", Summary: "set the platform URL, account and secret", Run: runSyncSetup})
	register(command{Name: "sync export", Summary: "write the pending outbox to a signed package (--out FILE)", Run: runSyncExport})
	register(command{Name: "sync import-receipts", Summary: "apply a receipts file made from an uploaded package", Run: runSyncImport})
	register(command{Name: "platform serve", Summary: "run the platform simulator (--listen, --data, faults)", Run: runPlatformServe})
	register(command{Name: "platform upload-package", Summary: "upload a package from a USB stick and save the receipts", Run: runUploadPackage})
}

func syncClient(ctx context.Context, db *store.DB) (*platform.Client, store.SyncConfig, error) {
	cfg, err := db.SyncConfig(ctx)
	if err != nil {
		return nil, cfg, err
	}
	if cfg.URL == "" {
		return nil, cfg, cliError("尚未设置平台地址，请先运行 suyuan sync setup --url ... --account ...。", "the platform is not set up; run suyuan sync setup --url ... --account ... first")
	}
	c, err := platform.NewClient(cfg.URL, cfg.Account, cfg.Secret)
	return c, cfg, err
}

func runSync(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sync", env)
	once := fs.Bool("once", false, "upload everything pending, print a summary and exit")
	verbose := fs.Bool("v", false, "log each batch to stderr")
	batch := fs.Int("batch", 500, "entries per batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	c, _, err := syncClient(ctx, db)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	opts := outbox.Options{BatchSize: *batch, Lang: env.Lang, CodeLowWater: 20, CodeRefill: 100,
		Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))}
	if !*once {
		opts.OnStatus = func(s outbox.Status) {
			fmt.Fprintf(env.Stdout, "%s  %s %d  %s\n", time.Now().Format("15:04:05"), tr(env, "待上传", "pending"), s.Pending, s.State)
		}
		return outbox.New(db, c, opts).Run(ctx)
	}
	if *once {
		opts.MinBackoff, opts.MaxBackoff = 2*time.Second, 30*time.Second
	}
	// Once counts Pending in the store after the run, however it ended
	// (interrupted, network gone, refused); -1 only if the store could not
	// be read then.
	sum, err := outbox.New(db, c, opts).Once(ctx)
	pending := strconv.FormatInt(sum.Pending, 10)
	if sum.Pending < 0 {
		pending = tr(env, "未知（请运行 suyuan sync status）", "unknown (run suyuan sync status)")
	}
	fmt.Fprintf(env.Stdout, tr(env, "已确认批次 %d，记录 %d（新 %d，重复 %d，被拒 %d），跳过本地记录 %d，国家追溯码 %d，仍待上传 %s\n",
		"batches acknowledged %d, records %d (new %d, duplicates %d, rejected %d), local-only skipped %d, national codes %d, still pending %s\n"),
		sum.Batches, sum.Sent, sum.Accepted, sum.Duplicates, sum.Rejected, sum.Skipped, sum.Codes, pending)
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return cliError(fmt.Sprintf("有 %d 条记录被平台拒收，请用 suyuan sync status 查看原因并更正。", sum.Rejected),
			fmt.Sprintf("%d records were rejected by the platform; see suyuan sync status for the reasons and correct them", sum.Rejected))
	}
	if sum.Pending > 0 {
		return cliError(fmt.Sprintf("仍有 %d 条待上传。", sum.Pending), fmt.Sprintf("%d entries are still pending", sum.Pending))
	}
	return nil
}

func runSyncStatus(ctx context.Context, env *Env, args []string) error {
	if err := newFlags("sync status", env).Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env, store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.SyncStatus(ctx)
	if err != nil {
		return err
	}
	cfg, _ := db.SyncConfig(ctx)
	w := env.Stdout
	fmt.Fprintf(w, "%s: %s  %s: %s\n", tr(env, "平台", "platform"), orDash(cfg.URL), tr(env, "账号", "account"), orDash(cfg.Account))
	if s.Problem != nil {
		// Uploads are stopped until a person acts: say so first.
		fmt.Fprintf(w, "%s: %s\n", tr(env, "上传已停止", "uploads stopped"), userMessage(s.Problem, env.Lang))
	}
	if a := s.PlatformAhead; a != nil {
		fmt.Fprintf(w, "%s: %d  %s  (%s %s)\n", tr(env, "平台已有的日志", "platform holds up to entry"), a.Seq, a.Hash,
			tr(env, "发现于", "found"), a.DetectedAt.Local().Format("2006-01-02 15:04:05"))
	}
	fmt.Fprintf(w, "%s: %d\n", tr(env, "待上传", "pending"), s.Pending)
	fmt.Fprintf(w, "%s: %d  %s\n", tr(env, "日志链头", "chain head"), s.HeadSeq, s.HeadHash)
	fmt.Fprintf(w, "%s: %d\n", tr(env, "已上传至", "uploaded up to"), s.Cursor)
	if r := s.LastReceipt; r != nil {
		fmt.Fprintf(w, "%s: %s  %s  #%d–%d  %s %s\n", tr(env, "最近回执", "last receipt"), r.PlatformID, r.ReceivedAt.Local().Format("2006-01-02 15:04:05"),
			r.FirstSeq, r.LastSeq, tr(env, "链哈希", "chain hash"), r.ChainHash)
	} else {
		fmt.Fprintf(w, "%s: -\n", tr(env, "最近回执", "last receipt"))
	}
	fmt.Fprintf(w, "%s: %d\n", tr(env, "预分配国家追溯码剩余", "pre-allocated national codes left"), s.FreeCodes)
	if s.LastError != "" {
		fmt.Fprintf(w, "%s: %s (%s)\n", tr(env, "最近错误", "last error"), s.LastError, s.LastErrorAt.Local().Format("2006-01-02 15:04:05"))
	}
	rej, err := db.SyncRejections(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %d\n", tr(env, "待更正的拒收记录", "open rejections"), len(rej))
	for _, r := range rej {
		reason := r.ReasonZh
		if env.Lang == "en" {
			reason = r.ReasonEn
		}
		fmt.Fprintf(w, "  #%d %s %s: %s\n", r.Seq, r.Ref, r.Kind, reason)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runSyncReceipts(ctx context.Context, env *Env, args []string) error {
	if err := newFlags("sync receipts", env).Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env, store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	rs, err := db.UploadReceipts(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tr(env, "平台回执号\t平台接收时间\t日志范围\t记录\t新\t重复\t拒收\t方式\t链哈希",
		"receipt\treceived\tjournal range\trecords\tnew\tduplicates\trejected\tvia\tchain hash"))
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		fmt.Fprintf(env.Stdout, "%s\t%s\t%d-%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.PlatformID, r.ReceivedAt.Local().Format("2006-01-02 15:04:05"),
			r.FirstSeq, r.LastSeq, r.Records, r.Accepted, r.Duplicates, r.Rejected, r.Via, r.ChainHash)
	}
	return nil
}

func runSyncSetup(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sync setup", env)
	u := fs.String("url", "", "platform base URL (https, or http to 127.0.0.1)")
	account := fs.String("account", "", "platform account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := platform.CheckURL(*u); err != nil {
		return err
	}
	if *account == "" {
		return cliError("请用 --account 指定平台账号。", "name the platform account with --account")
	}
	secret, ok := os.LookupEnv("SUYUAN_PLATFORM_SECRET")
	if !ok {
		fmt.Fprint(env.Stderr, tr(env, "平台密钥：", "Platform secret: "))
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return cliError("没有读到平台密钥。", "no platform secret was given")
		}
		secret = strings.TrimRight(line, "\r\n")
	}
	if secret == "" {
		return cliError("平台密钥不能为空。", "the platform secret must not be empty")
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetSyncConfig(ctx, actor, store.SyncConfig{URL: *u, Account: *account, Secret: secret}); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tr(env, "平台设置已保存（密钥加密保存在本机数据文件中，解密密钥在同一目录的 secret.key；不会上传或写入日志）。",
		"platform settings saved (the secret is stored encrypted in this PC's data file, its key in secret.key in the same folder; it is never uploaded or journaled)"))
	return nil
}

func runSyncExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sync export", env)
	out := fs.String("out", "", "package file to write (e.g. on a USB stick)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return cliError("请用 --out 指定数据包文件。", "name the package file with --out")
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := db.SyncConfig(ctx)
	if err != nil {
		return err
	}
	tmp := *out + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return cliError("无法创建文件 "+*out+"，请检查U盘是否插好、是否写保护。", "cannot create "+*out+"; check that the USB stick is in and not write-protected")
	}
	sum, err := outbox.ExportPackage(ctx, db, f, cfg, 500)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "已写出数据包 %s：%d 批，%d 条记录（日志 %d–%d）。在联网电脑上运行 suyuan platform upload-package，再把回执文件带回本机导入。\n",
		"wrote package %s: %d batches, %d records (journal %d-%d). On a PC with a network run suyuan platform upload-package, then bring the receipts file back and import it.\n"),
		*out, sum.Batches, sum.Records, sum.FirstSeq, sum.LastSeq)
	return nil
}

func runSyncImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sync import-receipts", env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if args = fs.Args(); len(args) != 1 {
		return cliError("用法：suyuan sync import-receipts 回执文件", "usage: suyuan sync import-receipts FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return cliError("无法打开回执文件 "+args[0]+"。", "cannot open the receipts file "+args[0])
	}
	defer f.Close()
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := db.SyncConfig(ctx)
	if err != nil {
		return err
	}
	sum, err := outbox.ImportReceipts(ctx, db, f, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "回执 %d 份，新导入 %d 份（接收 %d 条，拒收 %d 条，国家追溯码 %d 个）。\n",
		"%d receipts, %d newly applied (%d accepted, %d rejected, %d national codes)\n"), sum.Receipts, sum.Applied, sum.Accepted, sum.Rejected, sum.Codes)
	return nil
}

func runPlatformServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("platform serve", env)
	listen := fs.String("listen", "127.0.0.1:8765", "address to listen on")
	data := fs.String("data", "", "simulator data directory (its own SQLite file)")
	account := fs.String("account", "demo", "account to create")
	secret := fs.String("secret", "", "its secret (or SUYUAN_PLATFORM_SECRET)")
	credit := fs.String("credit-code", "91530427MA6K000000", "its 统一社会信用代码")
	name := fs.String("name", "新平县示范种植专业合作社", "its name")
	var f sim.Faults
	fs.Float64Var(&f.Drop, "drop", 0, "rate of requests dropped without a reply")
	fs.Float64Var(&f.Delay, "delay", 0, "rate of requests delayed up to --max-delay")
	fs.DurationVar(&f.MaxDelay, "max-delay", 200*time.Millisecond, "longest injected delay")
	fs.Float64Var(&f.Err5xx, "5xx", 0, "rate of 503 answers")
	fs.Float64Var(&f.Reset, "reset", 0, "rate of replies cut mid-body after processing")
	fs.Float64Var(&f.Duplicate, "dup", 0, "rate of stale duplicate replies")
	fs.Uint64Var(&f.Seed, "seed", 1, "fault RNG seed")
	reject := fs.String("reject-marker", "REJECT-ME", "records containing this text are rejected")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return cliError("请用 --data 指定模拟平台的数据目录。", "name the simulator's data directory with --data")
	}
	if *secret == "" {
		*secret = os.Getenv("SUYUAN_PLATFORM_SECRET")
	}
	if *secret == "" {
		return cliError("请用 --secret 或 SUYUAN_PLATFORM_SECRET 设置模拟账号的密钥。", "set the simulated account's secret with --secret or SUYUAN_PLATFORM_SECRET")
	}
	s, err := sim.Open(ctx, sim.Options{DataDir: *data, Faults: f, RejectMarker: *reject, Seed: f.Seed,
		Accounts: []sim.Account{{Account: *account, Secret: *secret, CreditCode: *credit, Category: "0", Name: *name}},
		Logger:   slog.New(slog.NewTextHandler(env.Stderr, nil))})
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return cliError("无法监听 "+*listen+"（端口被占用？）。", "cannot listen on "+*listen+" (port in use?)")
	}
	fmt.Fprintf(env.Stdout, "platform simulator on http://%s (trace page: /t/{code})\n", l.Addr())
	return s.Serve(ctx, l)
}

func runUploadPackage(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("platform upload-package", env)
	u := fs.String("url", "", "platform base URL")
	out := fs.String("out", "", "receipts file to write (default: FILE.receipts)")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *u == "" {
		return cliError("用法：suyuan platform upload-package 数据包 --url 平台地址 [--out 回执文件]", "usage: suyuan platform upload-package FILE --url URL [--out RECEIPTS]")
	}
	if *out == "" {
		*out = file + ".receipts"
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err // before the upload, so the receipts are not lost
	}
	f, err := os.Open(file)
	if err != nil {
		return cliError("无法打开数据包 "+file+"。", "cannot open the package "+file)
	}
	defer f.Close()
	b, err := platform.UploadPackage(ctx, &http.Client{Timeout: 10 * time.Minute}, *u, f)
	if err != nil {
		return err
	}
	if err := writeFileSync(*out, b); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, tr(env, "已上传，回执已保存到 %s。请把它带回原电脑，运行 suyuan sync import-receipts %s。\n",
		"uploaded; receipts saved to %s. Take it back to the site PC and run suyuan sync import-receipts %s\n"), *out, *out)
	return nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.Create(path + ".part")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, os.Remove(path+".part"))
	}
	return os.Rename(path+".part", path)
}
