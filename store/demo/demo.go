// Package demo fills an empty store with a realistic, clearly fictional
// year of records for a Xinping (新平, Yunnan, county code 530427) producer,
// so that a new site, a trainer or a tester sees every screen with data in
// it: the GUI's first-run wizard calls Generate, and `suyuan demo` runs it
// from the command line.
//
// Every record goes through the store's public API, as the demo
// administrator, so every rule runs (banned pesticides, PHI, holds, mass
// balance, certificate basis) and the journal verifies afterwards. Nothing
// is written behind the store's back. The data is deterministic for a seed
// and a "today" (the year of history ends today, so that no record is in
// the future whenever the demo is generated).
//
// All names carry 示例 (example); the credit codes and registration numbers
// are well-formed (valid check characters) but invented.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"suyuan/store"
	"suyuan/store/rules"
	"suyuan/store/tracecode"
)

// The demo administrator, created by Generate. Documented in the README and
// docs/import.md so a trainer can log in to the demo store.
const (
	User     = "demo"
	Password = "demo1234"
)

// Profiles.
const (
	ProfileCitrus = "citrus" // 冰糖橙 / 沃柑 cooperative in 戛洒镇 (default)
	ProfileTea    = "tea"    // tea producer in 平掌乡
)

// Options chooses what to generate.
type Options struct {
	Seed    int64
	Profile string    // ProfileCitrus ("" too) or ProfileTea
	Today   time.Time // the last day of history; zero: the store clock's local day
}

// Summary counts what was generated.
type Summary struct {
	Profile      string
	From, To     time.Time
	Bases, Plots int
	Applications int
	Lots         int
	Inspections  int
	Certificates int
	Shipments    int
	Receipts     int
	PrintJobs    int
	HeldLots     []string // codes of lots left on hold (awaiting a lab re-test)
	Released     []string // lots released by a negative lab re-test
	Disposed     []string // lots whose positive remainder was destroyed
}

// ErrNotEmpty is returned when the store already has a site profile: the
// demo never mixes invented records into a real site's evidence.
var ErrNotEmpty = errors.New("demo: the store already has a site profile")

type notEmpty struct{}

func (notEmpty) Error() string { return ErrNotEmpty.Error() }
func (notEmpty) Is(t error) bool {
	return t == ErrNotEmpty
}
func (notEmpty) UserMessage(lang string) string {
	if lang == "en" {
		return "This store already holds a site's records; demo data is only generated into a new, empty data directory (use --data with a new folder)."
	}
	return "该数据文件已有主体信息和记录，示例数据只能生成到新的空数据目录（请用 --data 指定一个新文件夹）。"
}

type gen struct {
	ctx   context.Context
	db    *store.DB
	actor store.Actor
	rnd   *rand.Rand
	from  time.Time
	today time.Time
	sum   Summary
}

// Generate writes the demo data set into db, which must not have a site
// profile yet. It creates the administrator User/Password (if absent) and
// writes as that user. After it returns nil, db.Verify is OK.
//
// It is all or nothing: everything is written in one transaction
// (db.Bootstrap), so a failure or a cancelled ctx leaves the store exactly
// as it was, and Generate can simply be run again. The transaction holds
// the store's write lock while the year is generated (seconds); that is
// acceptable because Bootstrap only runs on a store without records, which
// nobody else is using for real work. Generating into a temporary file and
// renaming it into place was the alternative; it does not work for the
// GUI's wizard, which already has the store open.
func Generate(ctx context.Context, db *store.DB, opt Options) (sum Summary, err error) {
	err = db.Bootstrap(ctx, func(ctx context.Context) error {
		var gerr error
		sum, gerr = generate(ctx, db, opt)
		return gerr
	})
	if errors.Is(err, store.ErrNotEmpty) && !errors.Is(err, ErrNotEmpty) {
		return sum, notEmpty{}
	}
	return sum, err
}

func generate(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	if _, err := db.GetEntity(ctx); err == nil {
		return Summary{}, notEmpty{}
	} else if !store.IsNotFound(err) {
		return Summary{}, err
	}
	today := opt.Today
	if today.IsZero() {
		today = db.Now().In(time.Local)
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	g := &gen{ctx: ctx, db: db, rnd: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5355595541_4e)), from: from, today: today}
	g.sum.From, g.sum.To = from, today
	if err := g.user(); err != nil {
		return g.sum, err
	}
	var p profile
	switch opt.Profile {
	case "", ProfileCitrus:
		p = citrus()
		g.sum.Profile = ProfileCitrus
	case ProfileTea:
		p = tea()
		g.sum.Profile = ProfileTea
	default:
		return g.sum, fmt.Errorf("demo: unknown profile %q", opt.Profile)
	}
	if err := g.run(p); err != nil {
		return g.sum, fmt.Errorf("demo (%s): %w", g.sum.Profile, err)
	}
	return g.sum, nil
}

func (g *gen) user() error {
	users, err := g.db.Users(g.ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Username == User {
			g.actor = store.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role}
			if u.Role != store.RoleAdmin {
				return fmt.Errorf("demo: the user %q exists and is not an administrator", User)
			}
			return nil
		}
	}
	// Inside Bootstrap the store itself creates the account.
	u, err := g.db.CreateUser(g.ctx, store.Actor{}, store.NewUser{Username: User, DisplayName: "示例管理员", Role: store.RoleAdmin, Password: Password})
	if err != nil {
		return err
	}
	g.actor = store.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role}
	return nil
}

// on returns the date in the history window that falls on month/day: the
// window is the 12 months ending today, so each calendar day occurs once.
// ok is false when that day is after today.
func (g *gen) on(month time.Month, day int) (time.Time, bool) {
	y := g.from.Year()
	if month < g.from.Month() {
		y++
	}
	d := time.Date(y, month, day, 0, 0, 0, 0, time.UTC)
	if d.Month() != month { // 31st of a short month
		d = time.Date(y, month+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return d, !d.After(g.today) && !d.Before(g.from)
}

func (g *gen) jitter(d time.Time, days int) time.Time {
	if days <= 0 {
		return d
	}
	j := d.AddDate(0, 0, g.rnd.IntN(days+1))
	if j.After(g.today) {
		return g.today
	}
	return j
}

// qty rounds to 0.5.
func (g *gen) qty(lo, hi float64) float64 {
	return math.Round((lo+g.rnd.Float64()*(hi-lo))*2) / 2
}

func (g *gen) pick(s []string) string { return s[g.rnd.IntN(len(s))] }

// at places a calendar day at a local time of day, for instants (tests).
func at(d time.Time, hour, min int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), hour, min, 0, 0, time.Local)
}

// uscc builds a well-formed 统一社会信用代码 from a prefix with a valid check
// character (GB 32100), the rest of the 17 characters drawn from the seed.
func (g *gen) uscc(prefix string) (string, error) {
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte(prefix)
	for len(b) < 17 {
		b = append(b, alpha[g.rnd.IntN(len(alpha))])
	}
	c, err := rules.USCCCheckChar(string(b))
	if err != nil {
		return "", err
	}
	return string(b) + string(c), nil
}

func fptr(f float64) *float64 { return &f }

// upstreamCode makes a supplier's local trace code and certificate number for
// goods received from another (fictional) Suyuan site.
func upstreamCode(site string, day time.Time, seq int) (string, string, error) {
	code, err := tracecode.Format(site, day, seq)
	if err != nil {
		return "", "", err
	}
	return code, tracecode.FormatCertNo(site, day, seq), nil
}
