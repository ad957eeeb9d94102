package store

import (
	"database/sql"
	"strings"
	"time"
)

// ListQuery pages and filters the lists the GUI shows. Lists must stay fast
// at 100k rows on an old PC, so every list is paged in SQL and never loaded
// whole: Limit 0 means DefaultListLimit and anything above MaxListLimit is
// cut to it. Search matches a few text columns per list (LIKE, wildcards in
// the user's text escaped). Voided records are hidden unless IncludeVoided,
// because the day-to-day screens show what is in force while the history
// screens and inspectors need everything.
type ListQuery struct {
	Search        string
	Offset, Limit int
	IncludeVoided bool
}

const (
	// DefaultListLimit is the page size when ListQuery.Limit is 0.
	DefaultListLimit = 100
	// MaxListLimit bounds one page so a careless caller cannot load 100k rows.
	MaxListLimit = 1000
)

// page returns the LIMIT and OFFSET to use.
func (q ListQuery) page() (limit, offset int) {
	limit, offset = q.Limit, q.Offset
	switch {
	case limit <= 0:
		limit = DefaultListLimit
	case limit > MaxListLimit:
		limit = MaxListLimit
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// search returns the trimmed search text and whether there is any.
func (q ListQuery) search() (string, bool) {
	s := strings.TrimSpace(q.Search)
	return s, s != ""
}

// sqlCond is a list of extra WHERE conditions with their arguments.
type sqlCond struct {
	conds []string
	args  []any
}

// listWhere builds the WHERE clause shared by ListX and CountX: voided rows
// hidden unless asked for (voidCol "" for tables without one), and the search
// text matched against cols with LIKE ... ESCAPE '\'. extra conditions are
// ANDed in. It returns " WHERE ..." or "".
func (q ListQuery) listWhere(voidCol string, cols []string, extra sqlCond) (string, []any) {
	conds := append([]string(nil), extra.conds...)
	args := append([]any(nil), extra.args...)
	if voidCol != "" && !q.IncludeVoided {
		conds = append(conds, voidCol+" = 0")
	}
	if s, ok := q.search(); ok && len(cols) > 0 {
		pat := escapeLike(s)
		ors := make([]string, len(cols))
		for i, c := range cols {
			ors[i] = c + ` LIKE ? ESCAPE '\'`
			args = append(args, pat)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// dayLayout is how calendar dates are stored ('YYYY-MM-DD', domain tables).
const dayLayout = time.DateOnly

// formatDay stores a calendar date. Go values carrying dates are midnight
// UTC of that day (as rules.ValidateDate returns them), so the Y-M-D fields
// are taken as they are, without zone conversion.
func formatDay(t time.Time) string { return t.Format(dayLayout) }

// parseDay reads a stored calendar date back as midnight UTC.
func parseDay(s string) (time.Time, error) { return time.Parse(dayLayout, s) }

// asDay truncates t to its calendar day (in t's own location) as midnight UTC,
// so callers may pass either a date or a wall-clock time.
func asDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// siteToday is the calendar day at the site for the instant now: the PC's
// local zone (China Standard Time at a real site), as midnight UTC. A record
// dated after it is in the future.
func siteToday(now time.Time) time.Time { return asDay(now.In(time.Local)) }

// nullFloat maps 0 (not given) to SQL NULL for optional measures such as area.
func nullFloat(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}

// nullID maps 0 (no reference) to SQL NULL for optional foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullPtr maps a nil optional value to SQL NULL.
func nullPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptrFromNull(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
