// Package report makes the documents records leave the app as: the
// 农产品生产记录 (production record book an inspector asks for), the lot
// trace report (追溯报告), the recall answer, and the certification bundle
// for a 三品一标 application or annual review (a signed zip that
// `suyuan report verify` checks).
//
// Reports are PDF (A4, the bundled CJK font, the site's name and 统一社会
// 信用代码 on every page, 第 N 页 共 M 页, the printed date) and XLSX (one
// sortable sheet). Every report reads one snapshot of the store (one read
// transaction on db.Reader()), so it never waits for, or blocks, the packing
// line. Files are written to a temporary file beside the destination,
// fsynced and renamed: a failure leaves no half-written report.
//
// Like app/label it does not import Fyne: the CLI and the GUI share it.
package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
	"suyuan/store/export"
)

// errf builds a store error with text in both languages.
func errf(code store.Code, cause error, zh, en string, args ...any) *store.Error {
	return &store.Error{Code: code, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...), Err: cause}
}

// readErr turns a failure reading the store into a sentence.
func readErr(err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if e := store.StorageError(err, ""); e != err {
		return e
	}
	return errf(store.CodeStorage, err, "读取数据时出错，报告未生成。请重试；如果一直如此，请运行 suyuan verify 检查数据。",
		"the store could not be read, so no report was made; try again, and if it keeps happening run suyuan verify")
}

// snap is one read transaction: everything a report shows comes from it.
type snap struct {
	tx      *sql.Tx
	headSeq int64
	head    string
	site    store.Entity
}

func begin(ctx context.Context, db *store.DB) (*snap, error) {
	tx, err := db.Reader().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, readErr(err)
	}
	s := &snap{tx: tx}
	var seq sql.NullInt64
	var h sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").Scan(&seq, &h); err != nil && err != sql.ErrNoRows {
		tx.Rollback()
		return nil, readErr(err)
	}
	s.headSeq, s.head = seq.Int64, h.String
	err = tx.QueryRowContext(ctx, "SELECT name, credit_code, address, contact_name, contact_phone, division_code, site_code FROM entity ORDER BY id LIMIT 1").
		Scan(&s.site.Name, &s.site.CreditCode, &s.site.Address, &s.site.ContactName, &s.site.ContactPhone, &s.site.DivisionCode, &s.site.SiteCode)
	if err == sql.ErrNoRows {
		tx.Rollback()
		return nil, errf(store.CodeNotFound, err, "还没有填写主体信息（名称、统一社会信用代码），报告无法生成。请先在“主体信息”中填写。",
			"the site profile (name, unified social credit code) is not filled in yet, so no report can be made; fill it in under Site first")
	}
	if err != nil {
		tx.Rollback()
		return nil, readErr(err)
	}
	return s, nil
}

func (s *snap) close() { s.tx.Rollback() }

// header is the page header of a report on s printed at now.
func (s *snap) header(lang string, now time.Time, title string) Header {
	return Header{Site: s.site.Name, CreditCode: s.site.CreditCode, Printed: now, Lang: lang, Title: title}
}

// printedAt is a query's print time: t, or the current time when t is zero.
func printedAt(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// hashes returns the journal hash of each seq.
func (s *snap) hashes(ctx context.Context, seqs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(seqs))
	for i := 0; i < len(seqs); i += 500 {
		chunk := seqs[i:min(i+500, len(seqs))]
		q := "SELECT seq, hash FROM journal WHERE seq IN (" + strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",") + ")"
		args := make([]any, len(chunk))
		for j, v := range chunk {
			args[j] = v
		}
		rows, err := s.tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, readErr(err)
		}
		for rows.Next() {
			var seq int64
			var h string
			if err := rows.Scan(&seq, &h); err != nil {
				rows.Close()
				return nil, readErr(err)
			}
			out[seq] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, readErr(err)
		}
	}
	return out, nil
}

// JournalRef is the journal entry a row of a report came from.
type JournalRef struct {
	Seq  int64
	Hash string
}

// Short is "seq/first 8 hex digits".
func (j JournalRef) Short() string {
	if j.Seq == 0 {
		return ""
	}
	h := j.Hash
	if len(h) > 8 {
		h = h[:8]
	}
	return strconv.FormatInt(j.Seq, 10) + "/" + h
}

// Cell is the PDF table form: the seq over the first 8 hex digits.
func (j JournalRef) Cell() string {
	if j.Seq == 0 {
		return ""
	}
	return strings.Replace(j.Short(), "/", "\n", 1)
}

// qty formats a quantity the way the store does (up to 3 decimals).
func qty(q float64) string {
	return strconv.FormatFloat(math.Round(q*1000)/1000, 'f', -1, 64)
}

func round3(q float64) float64 { return math.Round(q*1000) / 1000 }

const dayLayout = "2006-01-02"

// ParseDay reads YYYY-MM-DD.
func ParseDay(flag, s string) (time.Time, error) {
	t, err := time.Parse(dayLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, errf(store.CodeInvalid, err, "%s 的日期“%s”无效：请写成 年-月-日，例如 2026-03-01。",
			"the date %q for %s is not valid: write it as YYYY-MM-DD, e.g. 2026-03-01", flag, s)
	}
	return t, nil
}

func period(from, to time.Time) (string, string, error) {
	if from.IsZero() || to.IsZero() {
		return "", "", errf(store.CodeInvalid, nil, "请给出起止日期（--from 和 --to）。", "give the first and last day (--from and --to)")
	}
	if to.Before(from) {
		return "", "", errf(store.CodeInvalid, nil, "结束日期 %s 早于开始日期 %s：请检查日期。", "the last day %s is before the first day %s: check the dates",
			to.Format(dayLayout), from.Format(dayLayout))
	}
	return from.Format(dayLayout), to.Format(dayLayout), nil
}

// WriteFile writes data to path through a temporary file in the same
// folder, fsynced and renamed (export.WriteAtomic): a missing folder, a full
// disk or a failure is said in words and leaves nothing half-written.
func WriteFile(path string, data []byte) error {
	_, _, err := export.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return err
}

// Words for stored codes.
var words = map[string][2]string{
	"harvest": {"采收", "harvest"}, "transform": {"加工产出", "transformation"}, "receipt": {"收货", "receipt"},
	"processing": {"加工", "processing"}, "packing": {"包装", "packing"}, "merge": {"合并", "merge"}, "split": {"拆分", "split"},
	"rapid": {"速测", "rapid test"}, "lab": {"实验室检测", "lab test"},
	"negative": {"合格（阴性）", "pass (negative)"}, "positive": {"不合格（阳性）", "fail (positive)"}, "invalid": {"无效", "invalid"},
	"pesticide": {"农药", "pesticide"}, "fertilizer": {"肥料", "fertiliser"}, "other": {"其他", "other"},
	"registered": {"登记主体", "registered buyer"}, "market": {"入市", "market"},
	"destroy": {"销毁", "destroyed"}, "return": {"退回", "returned"}, "downgrade": {"降级", "downgraded"},
	"green": {"绿色食品", "green food"}, "organic": {"有机农产品", "organic"}, "gi": {"农产品地理标志", "geographical indication"}, "pollution_free": {"无公害农产品", "pollution-free"},
}

func word(lang, code string) string {
	if w, ok := words[code]; ok {
		if lang == "en" {
			return w[1]
		}
		return w[0]
	}
	return code
}

func tr(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}
