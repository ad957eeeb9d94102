package store

import (
	"context"
	"errors"
	"testing"
)

func TestBatchIsAllOrNothingWithPerWriteSavepoints(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	admin, _ := db.CreateUser(ctx, systemActor, NewUser{Username: "admin", Role: RoleAdmin, Password: "secret1"})
	act := Actor{UserID: admin.ID, Username: "admin", Role: RoleAdmin}

	// One bad row among good ones: every row's error is collected, and
	// nothing commits.
	var rowErrs []error
	err := db.Batch(ctx, act, func(ctx context.Context) error {
		for _, n := range []string{"a1", "a2", "a1", "a3"} { // "a1" twice: conflict
			if _, err := db.CreateUser(ctx, act, NewUser{Username: n, Role: RolePacker, Password: "secret2"}); err != nil {
				rowErrs = append(rowErrs, err)
			}
		}
		if len(rowErrs) > 0 {
			return errors.Join(rowErrs...)
		}
		return nil
	})
	if err == nil || len(rowErrs) != 1 || ErrorCode(rowErrs[0]) != CodeConflict {
		t.Fatalf("batch err %v, row errors %v", err, rowErrs)
	}
	if n, _ := db.UserCount(ctx); n != 1 {
		t.Fatalf("a failed batch left %d users", n)
	}
	if seq, _, _ := db.Head(ctx); seq != 1 {
		t.Fatalf("a failed batch left journal entries: head %d", seq)
	}

	// All good: all commit, chain verifies.
	err = db.Batch(ctx, act, func(ctx context.Context) error {
		for _, n := range []string{"b1", "b2", "b3"} {
			if _, err := db.CreateUser(ctx, act, NewUser{Username: n, Role: RolePacker, Password: "secret2"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.UserCount(ctx); n != 4 {
		t.Fatalf("users = %d, want 4", n)
	}
	if rep, _ := db.Verify(ctx, nil); !rep.OK() {
		t.Fatalf("verify: %+v", rep.Problems)
	}
}
