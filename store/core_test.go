package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	clock := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), DefaultFile), WithClock(func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSetsPragmasAndMigrates(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var mode string
	var sync, fk, appID int
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	db.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
	db.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
	db.w.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	if mode != "wal" || sync != 2 || fk != 1 || appID != ApplicationID {
		t.Fatalf("journal_mode=%s synchronous=%d foreign_keys=%d application_id=%x", mode, sync, fk, appID)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != latestVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, latestVersion())
	}
	// Reader pool must refuse writes.
	if _, err := db.r.ExecContext(ctx, "INSERT INTO settings(key,value) VALUES('x','y')"); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestOpenRefusesNewerFileUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, "INSERT INTO schema_migrations VALUES(9999,'future','x','9.9')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fileSum(t, path)
	_, err = Open(ctx, path)
	if ErrorCode(err) != CodeNewerFile {
		t.Fatalf("want newer-file error, got %v", err)
	}
	if !strings.Contains(err.(interface{ UserMessage(string) string }).UserMessage("zh"), "升级") {
		t.Fatalf("message does not tell the user to upgrade: %v", err)
	}
	if after := fileSum(t, path); after != before {
		t.Fatal("refused file was modified")
	}
}

func TestOpenRefusesForeignSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	c, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec("CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := Open(context.Background(), path); ErrorCode(err) != CodeNotSuyuan {
		t.Fatalf("want not-suyuan, got %v", err)
	}
}

func TestJournalChainAndVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		tamper string // SQL run on a raw connection behind the app's back
		want   string // substring of the first problem (English)
	}{
		{"clean", "", ""},
		{"edit row", "UPDATE users SET display_name='mallory' WHERE id=2", "differs from journal entry"},
		{"insert row", "INSERT INTO users(username,display_name,role,password_hash,created_at,jseq) VALUES('eve','eve','admin','x','t',1)", "has no journal entry"},
		{"delete row", "DELETE FROM users WHERE id=3", "was deleted"},
		{"edit entry", "DROP TRIGGER journal_no_update; UPDATE journal SET actor='eve' WHERE seq=2", "journal entry 2 was edited"},
		{"delete entry", "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq=2", "journal entry 2 is missing"},
		{"reorder", "DROP TRIGGER journal_no_update; UPDATE journal SET seq=seq+100 WHERE seq=2; UPDATE journal SET seq=2 WHERE seq=3; UPDATE journal SET seq=3 WHERE seq=102", "does not link"},
		{"drop trigger", "DROP TRIGGER journal_no_delete", "trigger journal_no_delete was removed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			admin, err := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
			if err != nil {
				t.Fatal(err)
			}
			act := Actor{UserID: admin.ID, Username: "admin", Role: RoleAdmin}
			for _, n := range []string{"li", "wang"} {
				if _, err := db.CreateUser(ctx, act, NewUser{Username: n, Role: RolePacker, Password: "secret2"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.SetUserDisabled(ctx, act, 2, true, "left the cooperative"); err != nil {
				t.Fatal(err)
			}
			if tc.tamper != "" {
				if _, err := db.w.ExecContext(ctx, "PRAGMA foreign_keys=OFF; "+tc.tamper+"; PRAGMA foreign_keys=ON"); err != nil {
					t.Fatalf("tamper: %v", err)
				}
			}
			rep, err := db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if !rep.OK() || rep.Entries != 4 || rep.Rows != 3 || rep.HeadSeq != 4 {
					t.Fatalf("clean file: %+v", rep)
				}
				return
			}
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			found := false
			for _, p := range rep.Problems {
				found = found || strings.Contains(p.En, tc.want)
			}
			if !found {
				t.Fatalf("problems %+v, want one containing %q", rep.Problems, tc.want)
			}
		})
	}
}

func TestJournalIsAppendOnly(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE journal SET actor='x'", "DELETE FROM journal"} {
		if _, err := db.w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: err=%v", q, err)
		}
	}
}

func TestHistoryKeepsEveryVersion(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	admin, _ := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	act := Actor{UserID: admin.ID, Username: "admin", Role: RoleAdmin}
	u, _ := db.CreateUser(ctx, act, NewUser{Username: "li", Role: RolePacker, Password: "secret2"})
	db.SetUserDisabled(ctx, act, u.ID, true, "left")
	db.SetUserDisabled(ctx, act, u.ID, false, "came back")
	h, err := db.History(ctx, "users", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[1].Reason != "left" || h[2].Reason != "came back" || h[2].Supersedes != h[1].Seq || h[1].Supersedes != h[0].Seq || h[2].Actor != "admin" {
		t.Fatalf("history: %+v", h)
	}
	if !strings.Contains(string(h[1].Payload), `"disabled":1`) || !strings.Contains(string(h[2].Payload), `"disabled":0`) {
		t.Fatalf("payloads do not capture the versions: %s / %s", h[1].Payload, h[2].Payload)
	}
}

func TestPermissionsCheckedInStore(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, systemActor, NewUser{Username: "li", Role: RolePacker, Password: "secret2"}); ErrorCode(err) != CodeInvalid {
		t.Fatalf("first user not admin accepted: %v", err)
	}
	db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	packer := Actor{Username: "li", Role: RolePacker}
	if _, err := db.CreateUser(ctx, packer, NewUser{Username: "x", Role: RoleAdmin, Password: "secret3"}); ErrorCode(err) != CodeForbidden {
		t.Fatalf("packer created a user: %v", err)
	}
	if n, _ := db.UserCount(ctx); n != 1 {
		t.Fatalf("users = %d", n)
	}
}

func TestLogin(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.CreateUser(ctx, systemActor, NewUser{Username: "admin", DisplayName: "张三", Role: RoleAdmin, Password: "秘密password"})
	a, err := db.Login(ctx, "admin", "秘密password")
	if err != nil || a.Role != RoleAdmin || a.Name != "张三" {
		t.Fatalf("login: %+v %v", a, err)
	}
	for _, c := range [][2]string{{"admin", "wrong"}, {"nobody", "秘密password"}, {"admin", ""}} {
		if _, err := db.Login(ctx, c[0], c[1]); err != ErrLogin {
			t.Fatalf("login %v: %v", c, err)
		}
	}
	var hash string
	db.r.QueryRowContext(ctx, "SELECT password_hash FROM users").Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, "password") {
		t.Fatalf("stored hash %q", hash)
	}
}

func TestBackupIsConsistentAndVerified(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	path, err := db.Backup(ctx, filepath.Join(t.TempDir(), "usb"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, path, ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	seq, h, _ := b.Head(ctx)
	seq0, h0, _ := db.Head(ctx)
	if seq != seq0 || h != h0 || seq != 1 {
		t.Fatalf("backup head %d %s, live %d %s", seq, h, seq0, h0)
	}
}

func TestCanonicalJSONIsStable(t *testing.T) {
	a, _ := CanonicalJSON(map[string]any{"b": 1.5, "a": "<冰糖橙>", "c": nil})
	b, _ := CanonicalJSON(struct {
		C any     `json:"c"`
		A string  `json:"a"`
		B float64 `json:"b"`
	}{nil, "<冰糖橙>", 1.5})
	if string(a) != string(b) || string(a) != `{"a":"<冰糖橙>","b":1.5,"c":null}` {
		t.Fatalf("%s vs %s", a, b)
	}
}

func TestOpenLoadsSitePesticideList(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	custom := `{"source":"test notice","version":"t1","date":"2026-11-01","rules":[{"ingredient":"测试磷","kind":"banned","from":"2026-01-01","notice":"测试公告"}]}`
	if err := os.WriteFile(filepath.Join(dir, PesticideListFile), []byte(custom), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, filepath.Join(dir, DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	if l := db.PesticideList(); l.Version != "t1" || len(l.Rules) != 1 {
		t.Fatalf("site list not loaded: %+v", l)
	}
	db.Close()
	os.WriteFile(filepath.Join(dir, PesticideListFile), []byte("{not json"), 0o600)
	_, err = Open(ctx, filepath.Join(dir, DefaultFile))
	if err == nil || !strings.Contains(err.(interface{ UserMessage(string) string }).UserMessage("zh"), "格式有误") {
		t.Fatalf("malformed list accepted or unclear: %v", err)
	}
}

// genericCanonical is CanonicalJSON's generic path, kept here as the oracle
// for the row fast path.
func genericCanonical(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(g)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func TestCanonicalRowMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	strs := []string{"", "冰糖橙", "<a&b>", "line\nbreak\t\"q\"\\", "\u2028\u2029", "bad\xffutf8", "\x00\x1f", "emoji 🍊"}
	floats := []float64{0, math.Copysign(0, -1), 1.5, 1e21, 1e-7, 123456789.125, -3.25e-10, 0.1 + 0.2}
	for i := 0; i < 2000; i++ {
		m := map[string]any{}
		for j := 0; j < 1+rng.Intn(8); j++ {
			k := strs[rng.Intn(len(strs))] + strconv.Itoa(j)
			switch rng.Intn(5) {
			case 0:
				m[k] = nil
			case 1:
				m[k] = rng.Int63() - rng.Int63()
			case 2:
				m[k] = floats[rng.Intn(len(floats))] * float64(rng.Intn(1000)-500)
			case 3:
				m[k] = strs[rng.Intn(len(strs))]
			case 4:
				b := make([]byte, rng.Intn(20))
				rng.Read(b)
				m[k] = b
			}
		}
		fast, ok := canonicalRow(m)
		if !ok {
			t.Fatalf("fast path refused %v", m)
		}
		if want := genericCanonical(t, m); !bytes.Equal(fast, want) {
			t.Fatalf("fast %s\ngeneric %s", fast, want)
		}
	}
}

func TestOpenRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	db, err := Open(context.Background(), filepath.Join("site", "data", DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !filepath.IsAbs(db.Path()) {
		t.Fatalf("path %q", db.Path())
	}
	if _, err := os.Stat(filepath.Join("site", "data", DefaultFile)); err != nil {
		t.Fatal(err)
	}
}
