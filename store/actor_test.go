package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// seedFixtureUsers creates the accounts the fixtures' actors name (fx* and
// d2*, ids 1-5), journaled like CreateUser does: the store resolves every
// actor against the users table, so a fixture actor needs its account.
func seedFixtureUsers(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, systemActor, func(tx *Tx) error {
		for _, a := range []Actor{fxAdmin, fxRecorder, fxPacker, fxTech, fxRecorder2} {
			if _, err := tx.Exec(ctx, "INSERT INTO users(id,username,display_name,role,password_hash,created_at,jseq) VALUES(?,?,?,?,?,?,0)",
				a.UserID, a.Username, a.Name, string(a.Role), "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", tx.Now.Format(timeFormat)); err != nil {
				return err
			}
			if _, err := tx.Record(ctx, "users", a.UserID, "users.create", ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWriteResolvesActor: the store takes who is writing from its users
// table, not from the Actor the caller built.
func TestWriteResolvesActor(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seedFixtureUsers(t, db)
	head0, _, _ := db.Head(ctx)
	forbidden := func(t *testing.T, what string, err error, want string) {
		t.Helper()
		if ErrorCode(err) != CodeForbidden {
			t.Fatalf("%s: want CodeForbidden, got %q: %v", what, ErrorCode(err), err)
		}
		if want != "" && !strings.Contains(err.(*Error).En, want) {
			t.Fatalf("%s: message %q lacks %q", what, err.(*Error).En, want)
		}
	}
	for _, c := range []struct {
		name  string
		actor Actor
		want  string
	}{
		{"packer claiming admin", Actor{UserID: fxPacker.UserID, Username: fxPacker.Username, Role: RoleAdmin}, "does not match"},
		{"packer id with the admin's name", Actor{UserID: fxPacker.UserID, Username: "admin", Role: RolePacker}, "does not match"},
		{"no account", Actor{Username: "admin", Role: RoleAdmin}, "no user is logged in"},
		{"the old SystemActor", Actor{Username: "system", Name: "系统", Role: RoleAdmin}, "no user is logged in"},
		{"unknown id", Actor{UserID: 99, Username: "ghost", Role: RoleAdmin}, "does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.SaveEntity(ctx, c.actor, demoEntity(t))
			forbidden(t, "SaveEntity", err, c.want)
			_, err = db.CreateUser(ctx, c.actor, NewUser{Username: "x" + strings.ReplaceAll(c.name, " ", ""), Role: RoleAdmin, Password: "secret1"})
			forbidden(t, "CreateUser", err, c.want)
			forbidden(t, "SetSetting", db.SetSetting(ctx, c.actor, SettingPrinterURI, "tcp://10.0.0.1:9100"), c.want)
		})
	}
	if head, _, _ := db.Head(ctx); head != head0 {
		t.Fatalf("refused writes journaled something: head %d -> %d", head0, head)
	}
	if _, err := db.GetEntity(ctx); !IsNotFound(err) {
		t.Fatalf("a forged admin saved the entity: %v", err)
	}

	// The journal records the stored account, whatever Name the caller says.
	a := fxAdmin
	a.Name = "someone else"
	if _, err := db.SaveEntity(ctx, a, demoEntity(t)); err != nil {
		t.Fatal(err)
	}
	var actor string
	if err := db.r.QueryRowContext(ctx, "SELECT actor FROM journal ORDER BY seq DESC LIMIT 1").Scan(&actor); err != nil || actor != "admin" {
		t.Fatalf("journal actor %q, %v", actor, err)
	}

	// Inside a batch too: a packer's batch cannot write as a forged admin.
	err := db.Batch(ctx, fxPacker, func(ctx context.Context) error {
		return db.SetSetting(ctx, Actor{UserID: fxPacker.UserID, Username: fxPacker.Username, Role: RoleAdmin}, SettingPrinterURI, "tcp://10.0.0.2:9100")
	})
	forbidden(t, "forged admin inside a batch", err, "does not match")
	// A forged packer role for the admin's own batch is refused too.
	err = db.Batch(ctx, fxAdmin, func(ctx context.Context) error {
		_, err := db.AddBase(ctx, Actor{UserID: fxPacker.UserID, Role: RoleAdmin}, Base{Name: "x", DivisionCode: "530427"})
		return err
	})
	forbidden(t, "forged inner actor in an admin batch", err, "does not match")
	if v, _ := db.Setting(ctx, SettingPrinterURI); v != "" {
		t.Fatalf("setting written by a forged actor: %q", v)
	}
}

// TestDisabledUserCannotWrite: an account disabled after its login (the
// Actor is still held by a window) cannot write, and is told so.
func TestDisabledUserCannotWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	u, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	if err != nil {
		t.Fatal(err)
	}
	admin := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if _, err := db.CreateUser(ctx, admin, NewUser{Username: "li", DisplayName: "李记录", Role: RoleRecorder, Password: "secret2"}); err != nil {
		t.Fatal(err)
	}
	li, err := db.Login(ctx, "li", "secret2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveEntity(ctx, li, demoEntity(t)); err != nil {
		t.Fatalf("an active recorder could not write: %v", err)
	}
	if err := db.SetUserDisabled(ctx, admin, li.UserID, true, "离职"); err != nil {
		t.Fatal(err)
	}
	_, err = db.AddBase(ctx, li, Base{Name: "二号基地", DivisionCode: "530427"})
	if ErrorCode(err) != CodeForbidden {
		t.Fatalf("a disabled user wrote: %v", err)
	}
	var e *Error
	errors.As(err, &e)
	if !strings.Contains(e.En, `"li" has been disabled`) || !strings.Contains(e.Zh, "已被停用") {
		t.Fatalf("message: %q / %q", e.Zh, e.En)
	}
	if err := db.SetUserDisabled(ctx, admin, li.UserID, false, "返岗"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddBase(ctx, li, Base{Name: "二号基地", DivisionCode: "530427"}); err != nil {
		t.Fatalf("re-enabled user: %v", err)
	}
}

// TestFirstAccountAndBootstrap: the first account needs no login (the store
// writes it); the second one does; Bootstrap is all or nothing and only on
// a store without records.
func TestFirstAccountAndBootstrap(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	boom := errors.New("boom")
	err := db.Bootstrap(ctx, func(ctx context.Context) error {
		u, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "demo", Role: RoleAdmin, Password: "demo1234"})
		if err != nil {
			return err
		}
		if _, err := db.SaveEntity(ctx, Actor{UserID: u.ID, Username: u.Username, Role: u.Role}, demoEntity(t)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("bootstrap: %v", err)
	}
	if n, _ := db.UserCount(ctx); n != 0 {
		t.Fatalf("a failed bootstrap left %d accounts", n)
	}
	if head, _, _ := db.Head(ctx); head != 0 {
		t.Fatalf("a failed bootstrap left journal entries up to %d", head)
	}
	u, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	if err != nil {
		t.Fatalf("first account: %v", err)
	}
	if _, err := db.CreateUser(ctx, Actor{}, NewUser{Username: "second", Role: RoleAdmin, Password: "secret1"}); ErrorCode(err) != CodeForbidden {
		t.Fatalf("a second account without login: %v", err)
	}
	admin := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	if _, err := db.SaveEntity(ctx, admin, demoEntity(t)); err != nil {
		t.Fatal(err)
	}
	if err := db.Bootstrap(ctx, func(context.Context) error { return nil }); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("bootstrap on a store with records: %v", err)
	}
}

// TestUseSimulatedPrinter: the one setting written without a login accepts
// only a loopback address.
func TestUseSimulatedPrinter(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, bad := range []string{"tcp://10.0.0.5:9100", "usb://", "tcp://printer.example:9100", "tcp://127.0.0.1"} {
		if err := db.UseSimulatedPrinter(ctx, bad); ErrorCode(err) != CodeInvalid {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
	if err := db.UseSimulatedPrinter(ctx, "tcp://127.0.0.1:9100"); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Setting(ctx, SettingPrinterURI); v != "tcp://127.0.0.1:9100" {
		t.Fatalf("printer = %q", v)
	}
}

// BenchmarkResolveActor is the cost Write adds to every transaction: one
// primary-key lookup of the acting user through the statement cache.
// Compare with BenchmarkAddApplication (docs/performance.md).
func BenchmarkResolveActor(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	seedFixtureUsers(b, db)
	err := db.Write(ctx, systemActor, func(tx *Tx) error {
		for b.Loop() {
			if _, err := tx.resolve(ctx, fxPacker); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
