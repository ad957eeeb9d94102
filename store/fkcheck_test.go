package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Open no longer scans every reference (it took seconds on a 1M-entry store
// before the window appeared); Verify does. This checks both halves: a
// broken reference written behind the app's back does not stop the store
// from opening, and Verify reports it naming the record.
func TestBrokenReferenceFoundByVerifyNotOpen(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		tamper  string // run with foreign_keys off, behind the app's back
		wantRef string // "" : the file is sound
	}{
		{"sound", "", ""},
		{"row points past the journal", "UPDATE users SET jseq = 999999 WHERE username = 'li'", "users:"},
		{"entry supersedes a missing entry", "DROP TRIGGER journal_no_update; UPDATE journal SET supersedes = 888888 WHERE seq = 2", "journal:2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), DefaultFile)
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			admin, err := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateUser(ctx, Actor{UserID: admin.ID, Username: "admin", Role: RoleAdmin}, NewUser{Username: "li", Role: RolePacker, Password: "secret2"}); err != nil {
				t.Fatal(err)
			}
			if tc.tamper != "" {
				if _, err := db.w.ExecContext(ctx, "PRAGMA foreign_keys=OFF; "+tc.tamper+"; PRAGMA foreign_keys=ON"); err != nil {
					t.Fatalf("tamper: %v", err)
				}
			}
			db.Close()

			db, err = Open(ctx, path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer db.Close()
			rep, err := db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantRef == "" {
				if !rep.OK() {
					t.Fatalf("sound file reported: %+v", rep.Problems)
				}
				return
			}
			found := false
			for _, p := range rep.Problems {
				found = found || (strings.HasPrefix(p.Ref, tc.wantRef) && strings.Contains(p.En, "broken reference") && strings.Contains(p.Zh, "外键"))
			}
			if !found {
				t.Fatalf("problems %+v, want a broken reference on %s", rep.Problems, tc.wantRef)
			}
		})
	}
}
