package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"suyuan/store/cellsafe"
)

// MaxFileSize bounds what Import reads: a year of a big cooperative's
// records is a few MB; anything far larger is a wrong file.
const MaxFileSize = 64 << 20

// MaxRows bounds the data rows of one file, so a runaway sheet cannot make
// one transaction hold the write lock for minutes.
const MaxRows = 50000

// Table is a parsed sheet: its name (xlsx) and its non-empty rows, each
// with the row number the user sees in the spreadsheet (1-based).
type Table struct {
	Sheet    string
	Encoding string // "utf-8", "utf-8-bom", "gb18030", "utf-16le", "xlsx"
	Header   []string
	HeaderAt int // row number of the header
	Rows     []Row
}

// Row is one data row.
type Row struct {
	Num   int
	Cells []string
}

// FileError is a problem with the file as a whole (not a spreadsheet, no
// header, malformed CSV at a line). It carries both languages.
type FileError struct {
	Line   int // 0: not tied to a line
	Zh, En string
	Err    error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.En)
	}
	return e.En
}

func (e *FileError) Unwrap() error { return e.Err }

// UserMessage returns the message in lang ("zh" or "en").
func (e *FileError) UserMessage(lang string) string {
	if lang == "en" {
		if e.Line > 0 {
			return fmt.Sprintf("line %d: %s", e.Line, e.En)
		}
		return e.En
	}
	if e.Line > 0 {
		return fmt.Sprintf("第 %d 行：%s", e.Line, e.Zh)
	}
	return e.Zh
}

func fileErr(line int, cause error, zh, en string) *FileError {
	return &FileError{Line: line, Zh: zh, En: en, Err: cause}
}

// decodeText turns the bytes of a text file into UTF-8: a UTF-8 BOM is
// dropped, a UTF-16 BOM decoded, valid UTF-8 kept, and anything else read as
// GB18030 (what Excel on a Chinese Windows saves as "CSV"; GBK and GB2312
// are subsets of it).
func decodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		s := data[3:]
		if !utf8.Valid(s) {
			return "", "", fileErr(0, nil, "文件标明为 UTF-8 编码，但内容不是有效的 UTF-8。请用 Excel 另存为“CSV UTF-8”后重试。", "the file says it is UTF-8 but is not valid UTF-8; save it again as \"CSV UTF-8\"")
		}
		return string(s), "utf-8-bom", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		s := data[2:]
		if len(s)%2 != 0 {
			s = s[:len(s)-1]
		}
		u := make([]uint16, len(s)/2)
		for i := range u {
			u[i] = uint16(s[2*i]) | uint16(s[2*i+1])<<8
		}
		return string(utf16.Decode(u)), "utf-16le", nil
	case utf8.Valid(data):
		return string(data), "utf-8", nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", fileErr(0, err, "无法识别文件编码（既不是 UTF-8 也不是 GB18030）。请用 Excel 另存为“CSV UTF-8”后重试。", "the file's encoding is neither UTF-8 nor GB18030; save it again as \"CSV UTF-8\"")
	}
	return string(out), "gb18030", nil
}

// sniffDelimiter picks the separator of the first line: comma, tab or
// semicolon (Excel in some locales), whichever occurs most.
func sniffDelimiter(text string) rune {
	line := text
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		line = text[:i]
	}
	best, n := ',', strings.Count(line, ",")
	for _, d := range []rune{'\t', ';'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// ParseCSV reads a CSV (or tab-separated) file. Empty rows are dropped; the
// first non-empty row is the header.
func ParseCSV(data []byte) (*Table, error) {
	if len(data) > MaxFileSize {
		return nil, tooBig()
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.ContainsRune(text, 0) {
		return nil, fileErr(0, nil, "文件含有二进制内容，不是 CSV 表格。", "the file holds binary data and is not a CSV sheet")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	t := &Table{Encoding: enc}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line := 0
		if err == nil && len(rec) > 0 {
			line, _ = r.FieldPos(0)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, fileErr(line, err, "CSV 格式错误（引号或分隔符不匹配），请检查该行。", "the CSV is malformed here (quotes or separators); check this line")
		}
		if err := t.add(line, rec); err != nil {
			return nil, err
		}
	}
	return t, t.finish()
}

func tooBig() error {
	return fileErr(0, nil, fmt.Sprintf("文件太大（超过 %d MB），请拆分后分别导入。", MaxFileSize>>20), fmt.Sprintf("the file is too large (over %d MB); split it and import the parts", MaxFileSize>>20))
}

// add appends one spreadsheet row (num is its 1-based number).
func (t *Table) add(num int, cells []string) error {
	empty := true
	for i, c := range cells {
		// Our own exports quote text that a spreadsheet would take for a
		// formula (cellsafe); the quote is not part of the value.
		c = cellsafe.Unescape(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		cells[i] = c
		if c != "" {
			empty = false
		}
	}
	if empty {
		return nil
	}
	if t.Header == nil {
		t.Header, t.HeaderAt = cells, num
		return nil
	}
	if len(t.Rows) >= MaxRows {
		return fileErr(num, nil, fmt.Sprintf("行数超过 %d，请拆分文件后分别导入。", MaxRows), fmt.Sprintf("more than %d rows; split the file and import the parts", MaxRows))
	}
	t.Rows = append(t.Rows, Row{Num: num, Cells: cells})
	return nil
}

func (t *Table) finish() error {
	if t.Header == nil {
		return fileErr(0, nil, "文件是空的，没有表头。请从 suyuan template 生成模板填写。", "the file is empty: no header row. Fill in a template made with suyuan template")
	}
	return nil
}

// instructionSheet is the name of the template's notes sheet; it is never data.
const instructionSheet = "说明"

// ParseXLSX reads the data sheet of an .xlsx workbook: the first sheet whose
// name is a kind (基地, applications ...), or else the first sheet that is
// not the notes sheet. Cells are read raw, so dates typed as Excel dates
// arrive as serial numbers (see parseDate).
func ParseXLSX(data []byte) (*Table, error) {
	if len(data) > MaxFileSize {
		return nil, tooBig()
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 4 * MaxFileSize, UnzipXMLSizeLimit: 2 * MaxFileSize})
	if err != nil {
		return nil, fileErr(0, err, "无法读取 Excel 文件（文件损坏或不是 .xlsx）。请用 Excel 打开后另存为 .xlsx 再导入。", "cannot read the Excel file (damaged or not .xlsx); open it in Excel, save as .xlsx and import again")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	sheet := ""
	for _, s := range sheets {
		if _, ok := SpecFor(s); ok {
			sheet = s
			break
		}
	}
	if sheet == "" {
		for _, s := range sheets {
			if s != instructionSheet {
				sheet = s
				break
			}
		}
	}
	if sheet == "" {
		return nil, fileErr(0, nil, "工作簿里没有数据工作表。", "the workbook has no data sheet")
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fileErr(0, err, "无法读取工作表“"+sheet+"”。", "cannot read the sheet \""+sheet+"\"")
	}
	defer rows.Close()
	t := &Table{Sheet: sheet, Encoding: "xlsx"}
	num := 0
	for rows.Next() {
		num++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileErr(num, err, "无法读取该行。", "cannot read this row")
		}
		if err := t.add(num, cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fileErr(0, err, "无法读取工作表“"+sheet+"”。", "cannot read the sheet \""+sheet+"\"")
	}
	return t, t.finish()
}

// Parse reads data as .xlsx when it is a ZIP archive and as CSV otherwise;
// the name is only a hint.
func Parse(name string, data []byte) (*Table, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return ParseXLSX(data)
	}
	return ParseCSV(data)
}
