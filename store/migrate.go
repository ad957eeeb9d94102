package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered SQL files, NNNN_name.sql. Each is applied in one
// transaction together with its schema_migrations row, so a power cut leaves
// the file either before or after a migration, never half-way. Numbers are
// never reused; a retired migration stays as a no-op file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrations = mustLoadMigrations()

func mustLoadMigrations() []migration {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range ents {
		n := e.Name()
		num, rest, ok := strings.Cut(n, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(n, ".sql") {
			panic("bad migration file name " + n)
		}
		if prev, dup := seen[v]; dup {
			panic(fmt.Sprintf("migrations %s and %s share number %d", prev, n, v))
		}
		seen[v] = n
		b, err := migrationFS.ReadFile("migrations/" + n)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(rest, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms
}

func latestVersion() int {
	if len(migrations) == 0 {
		return 0
	}
	return migrations[len(migrations)-1].version
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.r.QueryRowContext(ctx, "SELECT coalesce(max(version),0) FROM schema_migrations").Scan(&v)
	return v, err
}

func (db *DB) migrate(ctx context.Context) error {
	conn := db.w
	// Nothing is written when nothing changes: a store on a full disk must
	// still open for reading and say on the first write that the disk is full.
	var appID int64
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("read application_id: %w", err)
	}
	if appID != ApplicationID {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("set application_id: %w", err)
		}
	}
	var hasTable int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").Scan(&hasTable); err != nil {
		return fmt.Errorf("find schema_migrations: %w", err)
	}
	if hasTable == 0 {
		if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL,
		app_version TEXT NOT NULL
	) STRICT`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	var cur int
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(version),0) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if cur > latestVersion() {
		return newerFileError(db.path, cur)
	}
	applied := 0
	for _, m := range migrations {
		if m.version <= cur {
			continue
		}
		applied++
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: begin: %w", m.version, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version,name,applied_at,app_version) VALUES(?,?,?,?)",
			m.version, m.name, db.Now().UTC().Format(timeFormat), db.AppVersion); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: record: %w", m.version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: commit: %w", m.version, err)
		}
	}
	// A migration may rebuild tables, so references are checked after one
	// ran. Not on every open: every connection enforces foreign_keys(1), and
	// the check reads every referencing row — seconds on a 1M-entry store,
	// before the window appears (docs/performance.md "Start-up"). Verify
	// checks references too.
	if applied == 0 {
		return nil
	}
	rows, err := conn.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign_key_check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		return errf(CodeCorrupt, nil, "数据文件的外键关系已损坏，请运行 suyuan verify 并联系技术支持。", "the data file has broken references; run suyuan verify and contact support")
	}
	return rows.Err()
}
