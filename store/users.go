package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Role is what a user is at the site.
type Role string

const (
	RoleAdmin      Role = "admin"      // 管理员: everything, overrides with reason
	RoleRecorder   Role = "recorder"   // 记录员: site data, inputs, harvests
	RolePacker     Role = "packer"     // 包装员: labels, certificates, shipping, receiving
	RoleTechnician Role = "technician" // 检测员: inspections and analyzer readings
)

// Roles lists the roles in display order.
var Roles = []Role{RoleAdmin, RoleRecorder, RolePacker, RoleTechnician}

// RoleName returns the role's name in the user's language.
func RoleName(r Role, lang string) string {
	zh := map[Role]string{RoleAdmin: "管理员", RoleRecorder: "记录员", RolePacker: "包装员", RoleTechnician: "检测员"}
	if lang == "en" {
		return map[Role]string{RoleAdmin: "Administrator", RoleRecorder: "Record-keeper", RolePacker: "Packer", RoleTechnician: "Technician"}[r]
	}
	return zh[r]
}

// Perm is one thing a user may do. Permissions are checked by the store on
// every write, not only by the GUI.
type Perm string

const (
	PermSite      Perm = "site"     // 主体, certifications, bases, plots, products, materials
	PermUsers     Perm = "users"    // accounts
	PermInputs    Perm = "inputs"   // purchases, applications, environment records
	PermHarvest   Perm = "harvest"  // harvests (creating lots)
	PermProcess   Perm = "process"  // transformations / packing
	PermInspect   Perm = "inspect"  // inspections, readings, disposals
	PermShip      Perm = "ship"     // shipments and receipts
	PermCertify   Perm = "certify"  // 合格证 and label printing
	PermOverride  Perm = "override" // rule overrides with a reason (PHI)
	PermCorrect   Perm = "correct"  // corrections and voids of others' records
	PermSettings  Perm = "settings" // printer, platform account, backups
	PermSyncAdmin Perm = "sync"     // platform credentials, sync export
)

var rolePerms = map[Role][]Perm{
	RoleAdmin:      {PermSite, PermUsers, PermInputs, PermHarvest, PermProcess, PermInspect, PermShip, PermCertify, PermOverride, PermCorrect, PermSettings, PermSyncAdmin},
	RoleRecorder:   {PermSite, PermInputs, PermHarvest, PermProcess},
	RolePacker:     {PermProcess, PermShip, PermCertify},
	RoleTechnician: {PermInspect},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Perm) bool {
	for _, q := range rolePerms[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Actor is who is writing: what Login returns. The store records Username
// in every journal entry. The store does not trust the fields: every write
// looks the account up by UserID and refuses a missing or disabled account
// or a Role or Username that differs from the stored one (DB.Write).
type Actor struct {
	UserID   int64
	Username string
	Name     string
	Role     Role

	// system is set only on systemActor: no code outside the store can
	// build an actor that writes without an account.
	system bool
}

// systemActor writes what no user decides: the first administrator on an
// empty store (CreateUser, Bootstrap), migrations and the uploader's
// bookkeeping. It is not exported: outside the store, every write is made
// as a logged-in account.
var systemActor = Actor{Username: "system", Name: "系统", Role: RoleAdmin, system: true}

// Require fails with a forbidden error if the actor lacks p. Inside a write
// the actor's role has already been checked against the users table
// (DB.Write refuses a role that differs from the stored one).
func (a Actor) Require(p Perm) error {
	if a.Role.Can(p) {
		return nil
	}
	return errf(CodeForbidden, nil, "当前用户（%s，%s）没有此操作的权限，请由有权限的人员登录操作。",
		"the current user (%s, %s) may not do this; ask someone with the right role to log in", a.Username, RoleName(a.Role, "en"))
}

// argon2id parameters: 64 MiB, 2 passes, 1 lane. On an old 2-core site PC
// this takes a few hundred milliseconds, acceptable at login and costly for
// anyone guessing passwords from a stolen file.
const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash with its parameters and salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword verifies pw against an encoded hash in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// User is a login account (without its password hash).
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Role        Role
	Disabled    bool
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	Password    string
}

func (u NewUser) validate() error {
	if u.Username == "" || strings.ContainsAny(u.Username, " \t\r\n:") || utf8.RuneCountInString(u.Username) > 32 {
		return errf(CodeInvalid, nil, "用户名不能为空、不能含空格或冒号，最多 32 个字符。", "the user name must be non-empty, without spaces or colons, at most 32 characters")
	}
	if !u.Role.valid() {
		return errf(CodeInvalid, nil, "未知的角色“%s”。", "unknown role %q", string(u.Role))
	}
	if utf8.RuneCountInString(u.Password) < 6 {
		return errf(CodeInvalid, nil, "密码至少需要 6 个字符。", "the password needs at least 6 characters")
	}
	return nil
}

func (r Role) valid() bool {
	_, ok := rolePerms[r]
	return ok
}

// UserCount returns the number of accounts; zero means the first-run wizard
// must create the admin.
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, err
}

// CreateUser adds an account. The first account may be created by anyone and
// must be an admin; later ones need PermUsers.
func (db *DB) CreateUser(ctx context.Context, actor Actor, u NewUser) (User, error) {
	if err := u.validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(u.Password)
	if err != nil {
		return User{}, err
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	// The first account is written by the store itself (nobody can log in
	// yet), and so is any account created inside a store-issued bootstrap
	// batch (the demo). Every other account needs a logged-in PermUsers.
	writeAs, bootstrap := actor, false
	if b := db.batchTx(ctx); b != nil {
		if b.Actor.system {
			writeAs, bootstrap = systemActor, true
		}
	} else if n, err := db.UserCount(ctx); err != nil {
		return User{}, storageError(fmt.Errorf("count users: %w", err), filepath.Dir(db.path))
	} else if n == 0 {
		writeAs, bootstrap = systemActor, true
	}
	var out User
	err = db.Write(ctx, writeAs, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			return err
		}
		switch {
		case n == 0:
			if u.Role != RoleAdmin {
				return errf(CodeInvalid, nil, "第一个账户必须是管理员。", "the first account must be an administrator")
			}
		case bootstrap && db.batchTx(ctx) == nil:
			// Another window created the first account meanwhile.
			return errf(CodeConflict, nil, "管理员账户刚刚已由其他窗口创建，请用该账户登录后再添加用户。", "an administrator account was just created in another window; log in with it to add users")
		default:
			if err := tx.Actor.Require(PermUsers); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, "INSERT INTO users(username,display_name,role,password_hash,created_at,jseq) VALUES(?,?,?,?,?,0)",
			u.Username, u.DisplayName, string(u.Role), hash, tx.Now.Format(timeFormat))
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return errf(CodeConflict, err, "用户名“%s”已存在。", "the user name %q is taken", u.Username)
			}
			return fmt.Errorf("insert user: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "users", id, "users.create", ""); err != nil {
			return err
		}
		out = User{ID: id, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}
		return nil
	})
	return out, err
}

// ErrLogin is returned for a wrong user name or password (never saying which).
var ErrLogin = errf(CodeAuth, nil, "用户名或密码不正确，请重试。", "wrong user name or password; try again")

// Login checks a password and returns the actor to write as.
func (db *DB) Login(ctx context.Context, username, password string) (Actor, error) {
	var u User
	var hash, role string
	var disabled int
	err := db.r.QueryRowContext(ctx, "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = ?", username).
		Scan(&u.ID, &u.Username, &u.DisplayName, &role, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a real check so user names cannot be probed.
		CheckPassword("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
		return Actor{}, ErrLogin
	}
	if err != nil {
		return Actor{}, fmt.Errorf("login: %w", err)
	}
	if !CheckPassword(hash, password) || disabled != 0 {
		return Actor{}, ErrLogin
	}
	return Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: Role(role)}, nil
}

// Users lists accounts.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id, username, display_name, role, disabled FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var role string
		var dis int
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &dis); err != nil {
			return nil, err
		}
		u.Role, u.Disabled = Role(role), dis != 0
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetUserDisabled disables or re-enables an account (never deletes it: its
// name stays in the journal entries it wrote).
func (db *DB) SetUserDisabled(ctx context.Context, actor Actor, id int64, disabled bool, reason string) error {
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermUsers); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return errReasonRequired()
		}
		d := 0
		if disabled {
			d = 1
		}
		res, err := tx.Exec(ctx, "UPDATE users SET disabled = ? WHERE id = ?", d, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errf(CodeNotFound, nil, "找不到该用户。", "no such user")
		}
		_, err = tx.Record(ctx, "users", id, "users.disable", reason)
		return err
	})
}

func errReasonRequired() error {
	return errf(CodeInvalid, nil, "请填写原因：更正、作废和例外操作都必须说明理由。", "enter a reason: corrections, voids and overrides must say why")
}
