package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"suyuan/store"
)

func init() {
	register(command{Name: "init", Summary: "create the store and its first administrator", Run: runInit})
	register(command{Name: "verify", Summary: "check the store's integrity and the journal's hash chain", Run: runVerify})
	register(command{Name: "backup", Summary: "write a consistent, verified copy of the store into DIR", Run: runBackup})
	register(command{Name: "user add", Summary: "add a user account (admin only)", Run: runUserAdd})
}

// newPassword reads a new password: from SUYUAN_NEW_PASSWORD when set (for
// scripts); else, on a terminal, typed twice without echo; else one line of
// stdin (a pipe or file), taken whole, spaces included. Ctrl-C at the
// hidden prompt ends ctx: the echo is restored and nothing is created.
func newPassword(ctx context.Context, env *Env) (string, error) {
	if pw, ok := os.LookupEnv("SUYUAN_NEW_PASSWORD"); ok {
		return pw, nil
	}
	if f, ok := env.Stdin.(*os.File); ok {
		if restore, ok := noEcho(f); ok {
			defer restore()
			fmt.Fprint(env.Stderr, tr(env, "新密码（输入时不显示）：", "New password (not shown): "))
			pw, err := readLineCtx(ctx, env)
			fmt.Fprintln(env.Stderr)
			if err != nil {
				return "", noNewPassword(err)
			}
			fmt.Fprint(env.Stderr, tr(env, "请再输入一次新密码：", "Type the new password again: "))
			again, err := readLineCtx(ctx, env)
			fmt.Fprintln(env.Stderr)
			if err != nil {
				return "", noNewPassword(err)
			}
			if again != pw {
				return "", cliError("两次输入的新密码不一致，什么都没有更改：请重新运行命令，两次输入同一个密码。",
					"the two new passwords differ; nothing was changed: run the command again and type the same password twice")
			}
			return pw, nil
		}
	}
	fmt.Fprint(env.Stderr, tr(env, "新密码：", "New password: "))
	pw, err := env.readLine()
	if err != nil {
		return "", noNewPassword(err)
	}
	return pw, nil
}

// readLineCtx is env.readLine that gives up when ctx ends (Ctrl-C). The
// abandoned read ends with the process.
func readLineCtx(ctx context.Context, env *Env) (string, error) {
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := env.readLine()
		ch <- line{s, err}
	}()
	select {
	case l := <-ch:
		return l.s, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func noNewPassword(err error) error {
	if errors.Is(err, context.Canceled) {
		return cliError("已取消，什么都没有更改。", "cancelled; nothing was changed")
	}
	return cliError("没有读到新密码，什么都没有更改：请在终端输入，或用 SUYUAN_NEW_PASSWORD 环境变量或标准输入的一行给出。",
		"no new password was given; nothing was changed: type it on a terminal, or give it in SUYUAN_NEW_PASSWORD or as one line on stdin")
}

func runInit(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("init", env)
	admin := fs.String("admin", "admin", "administrator user name")
	name := fs.String("name", "", "administrator display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.UserCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(env.Stdout, tr(env, "数据已初始化：", "already initialised: ")+db.Path())
		return nil
	}
	pw, err := newPassword(ctx, env)
	if err != nil {
		return err
	}
	if _, err := db.CreateUser(ctx, store.Actor{}, store.NewUser{Username: *admin, DisplayName: *name, Role: store.RoleAdmin, Password: pw}); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tr(env, "已创建数据文件和管理员账户：", "created the store and its administrator: ")+db.Path())
	return nil
}

func tr(env *Env, zh, en string) string {
	if env.Lang == "en" {
		return en
	}
	return zh
}

func runVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("verify", env)
	file := fs.String("file", "", "verify this store file instead of the data directory's (e.g. a backup)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := env.storePath()
	if *file != "" {
		path = *file
	}
	db, err := openReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Verify(ctx, func(done int64) {
		if done%100000 == 0 && done > 0 {
			fmt.Fprintf(env.Stderr, "… %d\n", done)
		}
	})
	if err != nil {
		return err
	}
	return printVerify(env.Stdout, env, rep)
}

func printVerify(w io.Writer, env *Env, rep *store.VerifyReport) error {
	if rep.OK() {
		fmt.Fprintf(w, tr(env, "校验通过：%d 条日志，%d 条记录。日志指纹（第 %d 条）：%s\n", "verified: %d journal entries, %d records. Journal fingerprint (entry %d): %s\n"),
			rep.Entries, rep.Rows, rep.HeadSeq, rep.HeadHash)
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(w, tr(env, p.Zh, p.En))
	}
	first := rep.Problems[0]
	return &verifyFailed{first: first}
}

type verifyFailed struct{ first store.Problem }

func (e *verifyFailed) Error() string { return "verify failed: " + e.first.En }
func (e *verifyFailed) UserMessage(lang string) string {
	if lang == "en" {
		return "Verification FAILED. First problem: " + e.first.En + ". Keep this file as it is and restore the latest good backup."
	}
	return "校验未通过。第一个问题：" + e.first.Zh + "。请保留此文件原样，并恢复最近一次正常的备份。"
}

func runBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("backup", env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cliError("用法：suyuan backup 目录", "usage: suyuan backup DIR")
	}
	db, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	out, err := db.Backup(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(out)
	fmt.Fprintln(env.Stdout, tr(env, "备份完成并已校验：", "backup written and verified: ")+abs)
	return nil
}

func runUserAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("user add", env)
	username := fs.String("username", "", "new user name")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "recorder", "admin, recorder, packer or technician")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	pw, err := newPassword(ctx, env)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, actor, store.NewUser{Username: *username, DisplayName: *name, Role: store.Role(*role), Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s %s (%s)\n", tr(env, "已添加用户", "added user"), u.Username, store.RoleName(u.Role, env.Lang))
	return nil
}
