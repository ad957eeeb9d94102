package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"suyuan/store"
)

// storePath is where the site's store lives inside the data directory.
func (e *Env) storePath() string { return filepath.Join(e.DataDir, store.DefaultFile) }

// openStore opens the site's store in the data directory.
func openStore(ctx context.Context, env *Env, opts ...store.Option) (*store.DB, error) {
	return store.Open(ctx, env.storePath(), append([]store.Option{store.WithAppVersion(version)}, opts...)...)
}

// openReadOnly opens the store file at path for reading. A missing file is
// a clear error, not the driver's.
func openReadOnly(ctx context.Context, path string) (*store.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, cliError("找不到数据文件 "+path+"。", "no store file at "+path)
	}
	return store.Open(ctx, path, store.ReadOnly())
}

// openAs opens the store and logs the CLI user in: what every command that
// writes starts with. On error nothing is left open.
func openAs(ctx context.Context, env *Env) (*store.DB, store.Actor, error) {
	db, err := openStore(ctx, env)
	if err != nil {
		return nil, store.Actor{}, err
	}
	actor, err := login(ctx, env, db)
	if err != nil {
		db.Close()
		return nil, store.Actor{}, err
	}
	return db, actor, nil
}

// login returns the actor for a CLI write. The user comes from --user or
// SUYUAN_USER; the password from SUYUAN_PASSWORD or one line on stdin, so
// scripts and tests can run without a terminal.
func login(ctx context.Context, env *Env, db *store.DB) (store.Actor, error) {
	user := env.User
	if user == "" {
		user = os.Getenv("SUYUAN_USER")
	}
	if user == "" {
		return store.Actor{}, cliError("请用 --user 指定用户名（或设置 SUYUAN_USER）。", "name the user with --user (or set SUYUAN_USER)")
	}
	pw, ok := os.LookupEnv("SUYUAN_PASSWORD")
	if !ok {
		fmt.Fprint(env.Stderr, map[string]string{"zh": "密码：", "en": "Password: "}[env.Lang])
		line, err := env.readLine()
		if err != nil {
			return store.Actor{}, cliError("没有读到密码。", "no password was given")
		}
		pw = line
	}
	return db.Login(ctx, user, pw)
}

// cliErr is a CLI usage error with text in both languages.
type cliErr struct{ zh, en string }

func (e *cliErr) Error() string { return e.en }
func (e *cliErr) UserMessage(lang string) string {
	return map[bool]string{true: e.en, false: e.zh}[lang == "en"]
}

func cliError(zh, en string) error { return &cliErr{zh: zh, en: en} }
