package export

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"suyuan/store"
)

// ManifestName is the manifest's name inside an archive.
const ManifestName = "manifest.json"

// ManifestFormat identifies the archive layout.
const ManifestFormat = "suyuan-export/1"

// Manifest describes an archive: what was exported from which state of the
// store, and each file's row count and SHA-256.
type Manifest struct {
	Format      string     `json:"format"`
	AppVersion  string     `json:"app_version"`
	ExportedAt  string     `json:"exported_at"` // RFC 3339, local time with offset
	SiteCode    string     `json:"site_code"`
	SiteName    string     `json:"site_name"`
	JournalSeq  int64      `json:"journal_seq"`  // the journal head the snapshot saw
	JournalHash string     `json:"journal_hash"` // its hash: commits to the whole history
	FileFormat  string     `json:"file_format"`  // csv or xlsx
	Lang        string     `json:"lang"`
	Filter      Filter     `json:"filter"`
	Files       []FileInfo `json:"files"`
}

// FileInfo is one file of an archive.
type FileInfo struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"` // the kind's Chinese name
	Rows    int      `json:"rows"`  // data rows, without the header
	Bytes   int64    `json:"bytes"`
	SHA256  string   `json:"sha256"`
	Filters []string `json:"filters_applied,omitempty"`
}

// ExportArchive writes every kind, from one snapshot, into the zip file
// path, with manifest.json. The filter narrows each kind by the dimensions
// it has (a kind without a date is exported whole under --from/--to; the
// manifest lists, per file, which filters applied).
func ExportArchive(ctx context.Context, db *store.DB, path string, opt Options) (Manifest, error) {
	s, r, err := open(ctx, db, &opt)
	if err != nil {
		return Manifest{}, err
	}
	defer s.close()
	now := opt.Now().In(opt.Location)
	m := Manifest{Format: ManifestFormat, AppVersion: opt.AppVersion, ExportedAt: now.Format("2006-01-02T15:04:05-07:00"),
		SiteCode: s.siteCode, SiteName: s.siteName, JournalSeq: s.seq, JournalHash: s.hash,
		FileFormat: opt.Format, Lang: opt.Lang, Filter: opt.Filter}
	_, _, err = writeAtomic(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, k := range kinds {
			name := k.ID + Ext(opt.Format)
			method := zip.Deflate
			if opt.Format == "xlsx" {
				method = zip.Store // already compressed
			}
			ent, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: now})
			if err != nil {
				return err
			}
			c := newCounter(ent)
			n, applied, err := writeKind(ctx, s, k, r, false, c, &opt)
			if err != nil {
				return err
			}
			m.Files = append(m.Files, FileInfo{Name: name, Kind: k.ID, Title: k.Zh, Rows: n, Bytes: c.n, SHA256: c.sum(), Filters: applied})
		}
		ent, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		enc := json.NewEncoder(ent)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&m); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// Rows returns the archive's total data rows.
func (m Manifest) Rows() int {
	n := 0
	for _, f := range m.Files {
		n += f.Rows
	}
	return n
}

// mismatch is the error VerifyArchive returns for the first file that does
// not match the manifest.
func mismatch(path, file, zh, en string, args ...any) error {
	e := errf(store.CodeCorrupt, nil, zh, en, args...)
	e.Zh = fmt.Sprintf("导出包 %s 校验未通过：%s：%s。该文件在导出后被修改或损坏，请重新导出。", path, file, e.Zh)
	e.En = fmt.Sprintf("the export archive %s does not verify: %s: %s. The file was changed or damaged after the export; export again", path, file, e.En)
	return e
}

// VerifyArchive checks an archive against its manifest: every file listed
// is present with its SHA-256 and row count, and nothing else is in it. The
// error names the first mismatch.
func VerifyArchive(path string) (Manifest, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Manifest{}, errf(store.CodeNotFound, err, "找不到导出包 %s：请检查文件名和路径。", "the export archive %s does not exist: check the name and the path", path)
		}
		return Manifest{}, errf(store.CodeCorrupt, err, "%s 不是溯源站导出包（无法作为 zip 打开）：请检查文件是否完整，或重新导出。",
			"%s is not a Suyuan export archive (it cannot be opened as a zip): check that the file is complete, or export again", path)
	}
	defer zr.Close()
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	mf, ok := entries[ManifestName]
	if !ok {
		return Manifest{}, errf(store.CodeCorrupt, nil, "导出包 %s 中没有 manifest.json：它不是溯源站导出的完整导出包，请重新导出。",
			"the export archive %s has no manifest.json: it is not a complete Suyuan export; export again", path)
	}
	var m Manifest
	data, err := readEntry(mf, 16<<20)
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil || m.Format != ManifestFormat {
		return Manifest{}, errf(store.CodeCorrupt, err, "导出包 %s 的 manifest.json 无法读取或格式不对：请重新导出。",
			"the manifest.json of the export archive %s cannot be read or has the wrong format; export again", path)
	}
	listed := map[string]bool{ManifestName: true}
	for _, fi := range m.Files {
		listed[fi.Name] = true
		ent, ok := entries[fi.Name]
		if !ok {
			return m, mismatch(path, fi.Name, "清单中列出的文件不在导出包中", "the file listed in the manifest is missing")
		}
		if err := checkEntry(ent, fi); err != nil {
			var e *store.Error
			if errors.As(err, &e) {
				return m, mismatch(path, fi.Name, "%[1]s", "%[2]s", e.Zh, e.En)
			}
			return m, mismatch(path, fi.Name, "无法读取（%v）", "cannot be read (%v)", err)
		}
	}
	var extra []string
	for name := range entries {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return m, mismatch(path, extra[0], "文件不在清单中", "the file is not listed in the manifest")
	}
	return m, nil
}

// readEntry reads an entry of at most limit bytes (an archive may come
// from anywhere: a forged size must not exhaust memory).
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errf(store.CodeCorrupt, nil, "文件大于 %d 字节", "the file is larger than %d bytes", limit)
	}
	return data, nil
}

// checkEntry compares one file with its manifest line: its size (read no
// further than the manifest says), SHA-256 and data rows. A CSV file is
// read as a stream; an XLSX workbook is opened in memory (its size is
// bounded by the manifest's, checked first).
func checkEntry(ent *zip.File, fi FileInfo) error {
	rc, err := ent.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	c := newCounter(io.Discard)
	r := io.TeeReader(io.LimitReader(rc, fi.Bytes+1), c)
	var n int
	var rowErr error
	if strings.HasSuffix(fi.Name, ".xlsx") {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if int64(len(data)) == fi.Bytes && c.sum() == fi.SHA256 {
			n, rowErr = countXLSX(data)
		}
	} else {
		n, rowErr = countCSV(r)
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
	switch {
	case c.n > fi.Bytes:
		return errf(store.CodeCorrupt, nil, "比清单记录的 %d 字节大", "it is larger than the %d bytes the manifest says", fi.Bytes)
	case c.sum() != fi.SHA256:
		return errf(store.CodeCorrupt, nil, "SHA-256 为 %s，清单记录为 %s", "its SHA-256 is %s, the manifest says %s", c.sum(), fi.SHA256)
	case c.n != fi.Bytes:
		return errf(store.CodeCorrupt, nil, "大小为 %d 字节，清单记录为 %d", "it has %d bytes, the manifest says %d", c.n, fi.Bytes)
	case rowErr != nil:
		return errf(store.CodeCorrupt, rowErr, "无法读取表格（%v）", "the sheet cannot be read (%v)", rowErr)
	case n != fi.Rows:
		return errf(store.CodeCorrupt, nil, "有 %d 行记录，清单记录为 %d 行", "it has %d rows, the manifest says %d", n, fi.Rows)
	}
	return nil
}

// countXLSX counts the data rows (without the header) of a workbook's
// first sheet.
func countXLSX(data []byte) (int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return 0, errors.New("no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Error(); err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// countCSV counts the data rows (without the header) of a CSV stream.
func countCSV(r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	n := 0
	for {
		_, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		n++
	}
	return max(n-1, 0), nil
}

// CheckJournal ties an archive to a store: the journal entry at the
// manifest's head seq must exist in db with the manifest's hash, which
// commits to the whole history up to it. It fails when the archive was
// exported from a different history (another store, or a restored copy
// that went another way) or from a later state than db holds.
func CheckJournal(ctx context.Context, db *store.DB, m Manifest) error {
	if m.JournalSeq == 0 {
		return nil
	}
	var h string
	err := db.Reader().QueryRowContext(ctx, "SELECT hash FROM journal WHERE seq = ?", m.JournalSeq).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return errf(store.CodeConflict, nil, "导出包记录的日志序号 %d 在本站数据中不存在：它导出自更新的数据或另一份数据，请用导出它的那份数据核对。",
			"the archive's journal seq %d is not in this store: it was exported from a later state or from another store; check it against the store it came from", m.JournalSeq)
	}
	if err != nil {
		return readErr(err)
	}
	if h != m.JournalHash {
		return errf(store.CodeConflict, nil, "导出包的日志序号 %d 的哈希（%.12s…）与本站数据（%.12s…）不同：它导出自另一份历史不同的数据，不能证明与本站记录一致。",
			"the archive's hash at journal seq %d (%.12s…) differs from this store's (%.12s…): it was exported from a store with another history and does not match these records", m.JournalSeq, m.JournalHash, h)
	}
	return nil
}
