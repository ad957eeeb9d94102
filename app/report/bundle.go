package report

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"suyuan/store"
)

// Bundle file format. The manifest lists every other file with its size
// and SHA-256; manifest.sig holds HMAC-SHA256 over manifest.json's exact
// bytes, keyed with the platform secret: the key and scheme the sync
// package (suyuan sync export) is signed with, so the platform (or this
// site) can prove the bundle came from this account unaltered.
const (
	BundleFormat   = "suyuan-report-bundle"
	BundleSchema   = 1
	ManifestName   = "manifest.json"
	SignatureName  = "manifest.sig"
	maxBundleEntry = 1 << 30
)

// BundleQuery chooses the product and period of a certification bundle.
type BundleQuery struct {
	Product    string
	From, To   time.Time
	Lang       string
	Now        time.Time
	AppVersion string
}

// BundleFile is one file of the bundle.
type BundleFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	What   string `json:"what"`
}

// BundleManifest is manifest.json.
type BundleManifest struct {
	Format        string       `json:"format"`
	SchemaVersion int          `json:"schema_version"`
	Site          string       `json:"site"`
	CreditCode    string       `json:"credit_code"`
	SiteID        string       `json:"site_id"`
	Account       string       `json:"account"`
	Product       string       `json:"product"`
	From          string       `json:"from"`
	To            string       `json:"to"`
	CreatedAt     time.Time    `json:"created_at"`
	JournalSeq    int64        `json:"journal_seq"`
	JournalHash   string       `json:"journal_hash"`
	AppVersion    string       `json:"app_version,omitempty"`
	Complete      bool         `json:"complete"`
	Ready         bool         `json:"ready"`
	Files         []BundleFile `json:"files"`
}

type bundleSig struct {
	Format  string `json:"format"`
	Account string `json:"account"`
	SiteID  string `json:"site_id"`
	Alg     string `json:"alg"`
	HMAC    string `json:"hmac"`
}

// MakeBundle builds the certification bundle for a product and period and
// returns its bytes and manifest: cover.pdf, completeness.pdf (record
// completeness and six-month readiness), records.pdf/.xlsx (the production
// record book), tests.xlsx, certificates.xlsx and attachments/ (photos and
// scans attached to the product, its lots and tests, the bases, plots and
// certifications), with manifest.json and manifest.sig.
func MakeBundle(ctx context.Context, db *store.DB, q BundleQuery) ([]byte, BundleManifest, error) {
	lang := q.Lang
	now := printedAt(q.Now)
	var m BundleManifest
	cfg, err := db.SyncConfig(ctx)
	if err != nil {
		return nil, m, err
	}
	if cfg.Account == "" || cfg.Secret == "" {
		return nil, m, errf(store.CodeInvalid, nil, "未设置平台账号或密钥，无法签名认证材料包。请先运行 suyuan sync setup（与 U 盘数据包使用同一密钥）。",
			"the platform account or secret is not set, so the bundle cannot be signed; run suyuan sync setup first (the key the USB package is signed with)")
	}
	siteID, err := db.SyncSiteID(ctx)
	if err != nil {
		return nil, m, err
	}
	if strings.TrimSpace(q.Product) == "" {
		return nil, m, errf(store.CodeInvalid, nil, "请给出产品（--product）。", "name the product (--product)")
	}
	s, err := begin(ctx, db)
	if err != nil {
		return nil, m, err
	}
	defer s.close()
	f, t, err := period(q.From, q.To)
	if err != nil {
		return nil, m, err
	}
	pid, pname, _, err := findProduct(ctx, s, q.Product)
	if err != nil {
		return nil, m, err
	}
	book, err := records(ctx, s, RecordsQuery{Product: q.Product, From: q.From, To: q.To, Lang: lang, Now: now})
	if err != nil {
		return nil, m, err
	}
	comp, err := db.Completeness(ctx, pid, q.From, q.To)
	if err != nil {
		return nil, m, err
	}
	ready, err := db.Readiness(ctx, q.To)
	if err != nil {
		return nil, m, err
	}
	m = BundleManifest{Format: BundleFormat, SchemaVersion: BundleSchema, Site: s.site.Name, CreditCode: s.site.CreditCode, SiteID: siteID, Account: cfg.Account,
		Product: pname, From: f, To: t, CreatedAt: now.UTC().Truncate(time.Second), JournalSeq: s.headSeq, JournalHash: s.head, AppVersion: q.AppVersion,
		Complete: comp.Complete, Ready: ready.Ready}
	type file struct {
		name, what string
		data       []byte
	}
	var files []file
	addFile := func(name, what string, data []byte) { files = append(files, file{name, what, data}) }
	h := s.header(lang, now, "")
	cp, err := completenessPDF(h, comp, ready)
	if err != nil {
		return nil, m, err
	}
	addFile("completeness.pdf", tr(lang, "记录完整性与连续六个月记录核对", "record completeness and six-month readiness"), cp)
	rp, err := book.PDF()
	if err != nil {
		return nil, m, err
	}
	addFile("records.pdf", tr(lang, "农产品生产记录", "production record book"), rp)
	rx, err := book.XLSX()
	if err != nil {
		return nil, m, err
	}
	addFile("records.xlsx", tr(lang, "农产品生产记录（表格）", "production record book (spreadsheet)"), rx)
	tests := sheet{Name: tr(lang, "检测", "Tests"), Widths: []float64{16, 26, 10, 14, 16, 14, 10, 8, 66},
		Head: []string{tr(lang, "检测时间", "Tested"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "检测类型", "Kind"), tr(lang, "检测项目", "Item"),
			tr(lang, "检测结果", "Result"), tr(lang, "结论", "Verdict"), tr(lang, "检测员", "Tester"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, r := range book.Tests {
		tests.Rows = append(tests.Rows, []any{r.Date, r.Lot, r.Kind, r.Item, r.Result, r.Verdict, r.Operator, float64(r.Journal.Seq), r.Journal.Hash})
	}
	tx, err := xlsxBytes(tests)
	if err != nil {
		return nil, m, err
	}
	addFile("tests.xlsx", tr(lang, "检测记录", "tests"), tx)
	cx, err := certificatesXLSX(ctx, s, lang, pid, f, t)
	if err != nil {
		return nil, m, err
	}
	addFile("certificates.xlsx", tr(lang, "承诺达标合格证与三品一标认证", "certificates and 三品一标 certifications"), cx)
	atts, err := bundleAttachments(ctx, s, pid)
	if err != nil {
		return nil, m, err
	}
	for _, a := range atts {
		addFile(a.name, a.what, a.data)
	}
	// The cover lists every other file with its hash.
	for _, fl := range files {
		sum := sha256.Sum256(fl.data)
		m.Files = append(m.Files, BundleFile{Name: fl.name, Size: int64(len(fl.data)), SHA256: hex.EncodeToString(sum[:]), What: fl.what})
	}
	cover, err := coverPDF(h, m, comp, ready)
	if err != nil {
		return nil, m, err
	}
	sum := sha256.Sum256(cover)
	m.Files = append([]BundleFile{{Name: "cover.pdf", Size: int64(len(cover)), SHA256: hex.EncodeToString(sum[:]), What: tr(lang, "封面与文件清单", "cover and file list")}}, m.Files...)
	files = append([]file{{"cover.pdf", "", cover}}, files...)
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, m, fmt.Errorf("bundle manifest: %w", err)
	}
	sig, _ := json.MarshalIndent(bundleSig{Format: BundleFormat, Account: cfg.Account, SiteID: siteID, Alg: "HMAC-SHA256", HMAC: sign(cfg.Secret, mj)}, "", "  ")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: m.CreatedAt})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	for _, fl := range files {
		if err := put(fl.name, fl.data); err != nil {
			return nil, m, fmt.Errorf("bundle zip: %w", err)
		}
	}
	if err := put(ManifestName, mj); err != nil {
		return nil, m, fmt.Errorf("bundle zip: %w", err)
	}
	if err := put(SignatureName, sig); err != nil {
		return nil, m, fmt.Errorf("bundle zip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, m, fmt.Errorf("bundle zip: %w", err)
	}
	return buf.Bytes(), m, nil
}

func sign(secret string, data []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(data)
	return hex.EncodeToString(mac.Sum(nil))
}

type attachment struct {
	name, what string
	data       []byte
}

// bundleAttachments reads the photos and scans of the product, its lots,
// the tests of its lots, the bases, plots, 产地环境 tests and certifications.
func bundleAttachments(ctx context.Context, s *snap, pid int64) ([]attachment, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT a.id, a.ref, a.file_name, b.data FROM attachments a JOIN blobs b ON b.sha256 = a.sha256
		WHERE a.voided = 0 AND (a.ref = 'products:' || ?1
			OR a.ref IN (SELECT 'lots:' || id FROM lots WHERE product_id = ?1)
			OR a.ref IN (SELECT 'inspections:' || i.id FROM inspections i JOIN lots l ON l.id = i.lot_id WHERE l.product_id = ?1)
			OR a.ref LIKE 'bases:%' OR a.ref LIKE 'plots:%' OR a.ref LIKE 'env_tests:%' OR a.ref LIKE 'certifications:%' OR a.ref LIKE 'entity:%')
		ORDER BY a.id`, pid)
	if err != nil {
		return nil, readErr(err)
	}
	defer rows.Close()
	var out []attachment
	for rows.Next() {
		var id int64
		var ref, name string
		var data []byte
		if err := rows.Scan(&id, &ref, &name, &data); err != nil {
			return nil, readErr(err)
		}
		base := path.Base(strings.ReplaceAll(name, "\\", "/"))
		if base == "." || base == "/" || base == "" {
			base = "file"
		}
		out = append(out, attachment{name: fmt.Sprintf("attachments/%d-%s", id, base), what: ref, data: data})
	}
	return out, readErr(rows.Err())
}

func certificatesXLSX(ctx context.Context, s *snap, lang string, pid int64, f, t string) ([]byte, error) {
	cs := sheet{Name: tr(lang, "合格证", "Certificates"), Widths: []float64{24, 12, 26, 12, 10, 8, 30, 8, 66},
		Head: []string{tr(lang, "合格证编号", "Certificate no."), tr(lang, "开具日期", "Issued"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "产品", "Product"),
			tr(lang, "数量", "Quantity"), tr(lang, "单位", "Unit"), tr(lang, "承诺依据", "Basis"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	rows, err := s.tx.QueryContext(ctx, `SELECT c.cert_no, c.issued_on, l.code, c.product_name, c.quantity, c.unit, c.basis, c.jseq, j.hash
		FROM certificates c JOIN lots l ON l.id = c.lot_id JOIN journal j ON j.seq = c.jseq
		WHERE c.voided = 0 AND l.product_id = ? AND c.issued_on BETWEEN ? AND ? ORDER BY c.issued_on, c.id`, pid, f, t)
	if err != nil {
		return nil, readErr(err)
	}
	for rows.Next() {
		var no, on, code, prod, unit, basis, hash string
		var q float64
		var seq int64
		if err := rows.Scan(&no, &on, &code, &prod, &q, &unit, &basis, &seq, &hash); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		var b []string
		if json.Unmarshal([]byte(basis), &b) == nil {
			basis = strings.Join(b, "、")
		}
		cs.Rows = append(cs.Rows, []any{no, on, code, prod, q, unit, basis, float64(seq), hash})
	}
	rows.Close()
	sp := sheet{Name: tr(lang, "三品一标", "Certifications"), Widths: []float64{18, 26, 20, 24, 12, 12},
		Head: []string{tr(lang, "类别", "Kind"), tr(lang, "证书编号", "Number"), tr(lang, "产品", "Product"), tr(lang, "发证机构", "Issuer"),
			tr(lang, "有效期自", "Valid from"), tr(lang, "有效期至", "Valid to")}}
	rows, err = s.tx.QueryContext(ctx, `SELECT kind, number, product_name, issuer, valid_from, valid_to FROM certifications WHERE voided = 0 ORDER BY valid_to DESC, id`)
	if err != nil {
		return nil, readErr(err)
	}
	for rows.Next() {
		var k, n, p, i, vf, vt string
		if err := rows.Scan(&k, &n, &p, &i, &vf, &vt); err != nil {
			rows.Close()
			return nil, readErr(err)
		}
		sp.Rows = append(sp.Rows, []any{word(lang, k), n, p, i, vf, vt})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, readErr(err)
	}
	return xlsxBytes(cs, sp)
}

var areaWords = map[string][2]string{
	"environment": {"产地环境", "growing environment"}, "inputs": {"用药施肥", "inputs applied"},
	"tests": {"检测", "tests"}, "processing": {"加工", "processing"},
}

func statusWord(lang, s string) string {
	switch s {
	case store.StatusPresent:
		return tr(lang, "有记录", "present")
	case store.StatusMissing:
		return tr(lang, "缺失", "MISSING")
	}
	return tr(lang, "不适用", "n/a")
}

func yesNo(lang string, b bool) string {
	if b {
		return tr(lang, "是", "yes")
	}
	return tr(lang, "否", "no")
}

func completenessPDF(h Header, c store.Completeness, r store.Readiness) ([]byte, error) {
	lang := h.Lang
	h.Title = tr(lang, "记录完整性与连续记录核对", "Record completeness and readiness")
	return render(h, func(d *doc) error {
		d.heading(tr(lang, "一、记录完整性", "1. Record completeness"))
		d.kv([][2]string{{tr(lang, "产品", "Product"), c.ProductName}, {tr(lang, "期间", "Period"), c.From.Format(dayLayout) + " — " + c.To.Format(dayLayout)},
			{tr(lang, "期间内批次", "Lots in the period"), fmt.Sprint(c.Lots)}, {tr(lang, "记录完整", "Complete"), yesNo(lang, c.Complete)}})
		var rows [][]string
		for _, it := range c.Items {
			w := areaWords[it.Area]
			rows = append(rows, []string{tr(lang, w[0], w[1]), statusWord(lang, it.Status), fmt.Sprint(it.Count), it.Latest})
		}
		d.table([]column{{tr(lang, "记录类别", "Area"), 50, 'L'}, {tr(lang, "状态", "Status"), 30, 'C'}, {tr(lang, "记录数", "Records"), 30, 'R'}, {tr(lang, "最近一条", "Latest"), 40, 'L'}}, rows, nil)
		d.heading(tr(lang, "二、连续六个月记录（申报前）", "2. Six months of records before applying"))
		first := tr(lang, "无", "none")
		if !r.FirstRecord.IsZero() {
			first = r.FirstRecord.Format(dayLayout)
		}
		gaps := tr(lang, "无", "none")
		if len(r.Gaps) > 0 {
			gaps = strings.Join(r.Gaps, "、")
		}
		readyFrom := ""
		if !r.ReadyFrom.IsZero() {
			readyFrom = r.ReadyFrom.Format(dayLayout)
		}
		d.kv([][2]string{{tr(lang, "核对日期", "On"), r.On.Format(dayLayout)}, {tr(lang, "首条记录", "First record"), first},
			{tr(lang, "最早可申报", "Ready from"), readyFrom}, {tr(lang, "缺记录的月份", "Months without records"), gaps}, {tr(lang, "满足条件", "Ready"), yesNo(lang, r.Ready)}})
		rows = nil
		for _, mc := range r.Months {
			rows = append(rows, []string{mc.Month, fmt.Sprint(mc.Entries)})
		}
		d.table([]column{{tr(lang, "月份", "Month"), 40, 'L'}, {tr(lang, "记录条数（按记录日期统计）", "Records (counted by each record's own date)"), 60, 'R'}}, rows, nil)
		return nil
	})
}

func coverPDF(h Header, m BundleManifest, c store.Completeness, r store.Readiness) ([]byte, error) {
	lang := h.Lang
	h.Title = tr(lang, "三品一标认证材料包", "Certification bundle")
	return render(h, func(d *doc) error {
		d.kv([][2]string{
			{tr(lang, "生产经营主体", "Producer"), m.Site},
			{tr(lang, "统一社会信用代码", "Credit code"), m.CreditCode},
			{tr(lang, "产品", "Product"), m.Product},
			{tr(lang, "材料期间", "Period"), m.From + " — " + m.To},
			{tr(lang, "记录完整", "Records complete"), yesNo(lang, c.Complete)},
			{tr(lang, "连续六个月记录", "Six months of records"), yesNo(lang, r.Ready)},
			{tr(lang, "数据截至", "Journal"), fmt.Sprintf(tr(lang, "日志序号 %d（哈希 %s）", "journal seq %d (hash %s)"), m.JournalSeq, m.JournalHash)},
			{tr(lang, "平台账号", "Platform account"), m.Account + " / " + m.SiteID},
			{tr(lang, "生成时间", "Made"), m.CreatedAt.Local().Format("2006-01-02 15:04")},
		})
		d.heading(tr(lang, "文件清单（SHA-256）", "Files (SHA-256)"))
		var rows [][]string
		for _, f := range m.Files {
			rows = append(rows, []string{f.Name, f.What, fmt.Sprint(f.Size), f.SHA256})
		}
		d.table([]column{{tr(lang, "文件", "File"), 40, 'L'}, {tr(lang, "内容", "Contents"), 44, 'L'}, {tr(lang, "字节", "Bytes"), 16, 'R'}, {"SHA-256", 80, 'L'}}, rows, nil)
		d.para(8.5, tr(lang, "核验：suyuan report verify 本文件.zip —— 核对 manifest.sig 的签名（HMAC-SHA256，平台密钥，与 U 盘数据包相同）和每个文件的 SHA-256，并指出第一个不一致的文件。",
			"To check: suyuan report verify THIS.zip — checks manifest.sig (HMAC-SHA256 with the platform secret, as the USB package) and every file's SHA-256, and names the first file that differs."))
		return nil
	})
}

// VerifyBundle checks a bundle: the signature of manifest.json with the
// secret returned for its account, then every listed file's size and
// SHA-256, and that the zip holds no file the manifest does not list. The
// error names the first file that does not match.
func VerifyBundle(data []byte, secretFor func(account, siteID string) (string, error)) (BundleManifest, error) {
	var m BundleManifest
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return m, errf(store.CodeInvalid, err, "这不是认证材料包（不是有效的 zip 文件）：请确认文件完整。", "this is not a certification bundle (not a valid zip file): check that the file is complete")
	}
	entries := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			return m, mismatch(f.Name, "重复出现", "appears twice")
		}
		entries[f.Name] = f
		names = append(names, f.Name)
	}
	read := func(name string) ([]byte, error) {
		f := entries[name]
		if f == nil {
			return nil, mismatch(name, "缺失", "is missing")
		}
		rc, err := f.Open()
		if err != nil {
			return nil, mismatch(name, "无法读取", "cannot be read")
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxBundleEntry))
		if err != nil {
			return nil, mismatch(name, "已损坏", "is damaged")
		}
		return b, nil
	}
	mj, err := read(ManifestName)
	if err != nil {
		return m, err
	}
	sj, err := read(SignatureName)
	if err != nil {
		return m, err
	}
	var sig bundleSig
	if err := json.Unmarshal(sj, &sig); err != nil || sig.Format != BundleFormat {
		return m, mismatch(SignatureName, "格式不对", "is not a bundle signature")
	}
	if err := json.Unmarshal(mj, &m); err != nil || m.Format != BundleFormat {
		return m, mismatch(ManifestName, "格式不对", "is not a bundle manifest")
	}
	if m.SchemaVersion != BundleSchema {
		return m, errf(store.CodeInvalid, nil, "材料包版本 %d 无法识别：请用较新的溯源站核验。", "bundle version %d is not known: check it with a newer Suyuan", m.SchemaVersion)
	}
	secret, err := secretFor(sig.Account, sig.SiteID)
	if err != nil {
		return m, err
	}
	want, _ := hex.DecodeString(sig.HMAC)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(mj)
	if sig.Account != m.Account || sig.SiteID != m.SiteID || !hmac.Equal(want, mac.Sum(nil)) {
		return m, &store.Error{Code: store.CodeInvalid, Err: errBadSignature,
			Zh: "签名不符：manifest.json 被改动过，或材料包不是用本账号的平台密钥签名的。请向出具方索取原件。",
			En: "the signature does not match: manifest.json was altered, or the bundle was not signed with this account's platform secret; ask the sender for the original"}
	}
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, f := range m.Files {
		listed[f.Name] = true
		b, err := read(f.Name)
		if err != nil {
			return m, err
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return m, mismatch(f.Name, "与清单中的 SHA-256 不一致（文件被改动过）", "does not match its SHA-256 in the manifest (the file was altered)")
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !listed[n] {
			return m, mismatch(n, "不在清单中（被添加的文件）", "is not in the manifest (a file was added)")
		}
	}
	return m, nil
}

var errBadSignature = errors.New("bundle signature does not match")

// ErrMismatch is the error of a file that does not match; File names it.
type ErrMismatch struct {
	File   string
	zh, en string
}

func (e *ErrMismatch) Error() string { return "bundle file " + e.File + " " + e.en }

// UserMessage says which file and what to do.
func (e *ErrMismatch) UserMessage(lang string) string {
	if lang == "en" {
		return "the bundle does not check out: " + e.File + " " + e.en + "; ask the sender for the original bundle"
	}
	return "材料包核验未通过：文件 " + e.File + " " + e.zh + "。请向出具方索取原件。"
}

func mismatch(file, zh, en string) error { return &ErrMismatch{File: file, zh: zh, en: en} }

// platformSecret is the secretFor of a store: its own account and secret.
func PlatformSecretFor(ctx context.Context, db *store.DB) func(account, siteID string) (string, error) {
	return func(account, siteID string) (string, error) {
		cfg, err := db.SyncConfig(ctx)
		if err != nil {
			return "", err
		}
		if cfg.Secret == "" {
			return "", errf(store.CodeInvalid, nil, "本机未设置平台密钥，无法核验签名。请先运行 suyuan sync setup。", "no platform secret is set here, so the signature cannot be checked; run suyuan sync setup first")
		}
		if cfg.Account != account {
			return "", errf(store.CodeInvalid, nil, "材料包由平台账号“%s”签名，本机账号是“%s”：只能在签名账号的站点核验。", "the bundle was signed by platform account %q, this store's account is %q: check it at the signing site", account, cfg.Account)
		}
		return cfg.Secret, nil
	}
}

var _ = sql.ErrNoRows
