package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"suyuan/store/tracecode"
)

// validSiteCode checks the site code printed in every local trace code.
func validSiteCode(s string) error {
	if s == "" {
		return errRequired("站点代码（4–8位大写字母或数字，印在追溯码上）", "site code (4-8 capital letters or digits, printed in trace codes)")
	}
	if err := tracecode.ValidSite(s); err != nil {
		return &Error{Code: CodeInvalid, Err: err}
	}
	return nil
}

// siteCode reads the site code from the 主体 profile inside tx.
func (tx *Tx) siteCode(ctx context.Context) (string, error) {
	var site string
	err := tx.QueryRow(ctx, "SELECT site_code FROM entity ORDER BY id LIMIT 1").Scan(&site)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && site == "") {
		return "", errf(CodeInvalid, nil, "还没有站点代码，无法生成追溯码或合格证编号；请先在“主体信息”中填写主体资料和站点代码。",
			"there is no site code yet, so no trace code or certificate number can be made; fill in the site profile and its site code first")
	}
	if err != nil {
		return "", fmt.Errorf("read site code: %w", err)
	}
	return site, nil
}

// nextCounter increments the named counter and returns its new value. Writes
// are serialised on the single writer connection, so two lots can never get
// the same value.
func (tx *Tx) nextCounter(ctx context.Context, name string) (int, error) {
	var v int
	err := tx.QueryRow(ctx, "INSERT INTO counters(name,value) VALUES(?,1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value", name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return v, nil
}

// nextLotCode mints the next local trace code for a lot produced on day
// (its calendar date): <SITE>-<YYMMDD>-<SEQ>-<C>, with the sequence from the
// counter "lot:<YYMMDD>". Should the counters table ever fall behind the lots
// (a restored or hand-edited file), codes already used are skipped rather
// than failing the harvest on the UNIQUE index.
func (tx *Tx) nextLotCode(ctx context.Context, day time.Time) (string, error) {
	site, err := tx.siteCode(ctx)
	if err != nil {
		return "", err
	}
	name := "lot:" + day.Format("060102")
	for {
		seq, err := tx.nextCounter(ctx, name)
		if err != nil {
			return "", err
		}
		code, err := tracecode.Format(site, day, seq)
		if err != nil {
			return "", &Error{Code: CodeInvalid, Err: err}
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM lots WHERE code = ?", code).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return code, nil
		}
	}
}

// nextCertNo mints the next 承诺达标合格证 number for day,
// HGZ-<SITE>-<YYYYMMDD>-<NNNN>, from the counter "cert:<YYYYMMDD>", skipping
// numbers already used like nextLotCode.
func (tx *Tx) nextCertNo(ctx context.Context, day time.Time) (string, error) {
	site, err := tx.siteCode(ctx)
	if err != nil {
		return "", err
	}
	name := "cert:" + day.Format("20060102")
	for {
		seq, err := tx.nextCounter(ctx, name)
		if err != nil {
			return "", err
		}
		if seq > tracecode.MaxSeq {
			return "", errf(CodeInvalid, nil, "当天的合格证编号已用完。", "the certificate numbers for this day are used up")
		}
		no := tracecode.FormatCertNo(site, day, seq)
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM certificates WHERE cert_no = ?", no).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return no, nil
		}
	}
}
