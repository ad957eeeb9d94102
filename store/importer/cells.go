package importer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"suyuan/store/rules"
)

// RowError is one problem with one cell (Column "" for the row as a whole).
type RowError struct {
	Row    int
	Column string // the header as written in the file
	Zh, En string
}

// Message returns the error in lang, e.g. 第 5 行「农药名称」：….
func (e RowError) Message(lang string) string {
	if lang == "en" {
		if e.Column != "" {
			return fmt.Sprintf("row %d, %q: %s", e.Row, e.Column, e.En)
		}
		return fmt.Sprintf("row %d: %s", e.Row, e.En)
	}
	if e.Column != "" {
		return fmt.Sprintf("第 %d 行「%s」：%s", e.Row, e.Column, e.Zh)
	}
	return fmt.Sprintf("第 %d 行：%s", e.Row, e.Zh)
}

// RowErrors is the list of everything wrong with a file. Nothing of the file
// was written when Import returns it.
type RowErrors struct {
	File   string
	Errors []RowError
}

func (e *RowErrors) Error() string {
	return fmt.Sprintf("%s: %d row error(s), nothing imported; first: %s", e.File, len(e.Errors), e.Errors[0].Message("en"))
}

// UserMessage is a one-line summary; print Errors for the list.
func (e *RowErrors) UserMessage(lang string) string {
	rows := map[int]bool{}
	for _, r := range e.Errors {
		rows[r.Row] = true
	}
	if lang == "en" {
		return fmt.Sprintf("%s: %d problem(s) in %d row(s); nothing was imported. Correct the rows listed and import the file again.", e.File, len(e.Errors), len(rows))
	}
	return fmt.Sprintf("%s：%d 行共 %d 处错误，整个文件均未导入。请改正上面列出的行后重新导入。", e.File, len(rows), len(e.Errors))
}

func (e *RowErrors) add(row int, col, zh, en string) {
	e.Errors = append(e.Errors, RowError{Row: row, Column: col, Zh: zh, En: en})
}

// addErr adds err (a store or rule error) in both languages.
func (e *RowErrors) addErr(row int, col string, err error) {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		e.add(row, col, um.UserMessage("zh"), um.UserMessage("en"))
		return
	}
	e.add(row, col, "内部错误："+err.Error(), "internal error: "+err.Error())
}

func (e *RowErrors) sort() {
	sort.SliceStable(e.Errors, func(i, j int) bool { return e.Errors[i].Row < e.Errors[j].Row })
}

// record is one data row with its cells by field key, already typed.
type record struct {
	line int
	raw  map[string]string // trimmed cell text by field key
	vals map[string]any    // typed values of non-empty cells
	col  map[string]string // field key -> header as written
}

func (r *record) s(key string) string { return r.raw[key] }

func (r *record) date(key string) time.Time {
	t, _ := r.vals[key].(time.Time)
	return t
}

func (r *record) num(key string) float64 {
	f, _ := r.vals[key].(float64)
	return f
}

func (r *record) numPtr(key string) *float64 {
	f, ok := r.vals[key].(float64)
	if !ok {
		return nil
	}
	return &f
}

func (r *record) intPtr(key string) *int {
	i, ok := r.vals[key].(int)
	if !ok {
		return nil
	}
	return &i
}

func (r *record) list(key string) []string {
	l, _ := r.vals[key].([]string)
	return l
}

var reDateParts = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)

// excelEpoch is day 0 of Excel's 1900 date system (after its 1900 leap-year bug).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseDate reads the date forms people type in spreadsheets: 2026-03-05,
// 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, an Excel date serial, with an
// optional time after a space (ignored). The result is checked by
// rules.ValidateDate, so 2026-02-30 is refused.
func parseDate(cell string) (time.Time, error) {
	s := strings.TrimSpace(cell)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/") {
		switch {
		case len(s) == 8 && !strings.Contains(s, "."):
			s = s[:4] + "-" + s[4:6] + "-" + s[6:]
		case f >= 1 && f < 120000:
			d := excelEpoch.AddDate(0, 0, int(math.Floor(f)))
			s = d.Format(time.DateOnly)
		}
	} else if m := reDateParts.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		s = fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	}
	return rules.ValidateDate(s)
}

// parseNumber reads a decimal: spaces and thousands separators are dropped.
func parseNumber(cell string) (float64, bool) {
	s := strings.NewReplacer(",", "", " ", "", "，", "").Replace(strings.TrimSpace(cell))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

var listSep = regexp.MustCompile(`[、,，;；+＋/]`)

// typeCell converts one non-empty cell to its field's type.
func typeCell(f Field, cell string) (any, string, string) {
	switch f.Type {
	case TypeDate:
		t, err := parseDate(cell)
		if err != nil {
			return nil, "“" + cell + "”不是有效日期，请写成 2026-03-05 的形式", fmt.Sprintf("%q is not a valid date; write it as 2026-03-05", cell)
		}
		return t, "", ""
	case TypeNumber:
		n, ok := parseNumber(cell)
		if !ok {
			return nil, "“" + cell + "”不是数字", fmt.Sprintf("%q is not a number", cell)
		}
		return n, "", ""
	case TypeInt:
		n, ok := parseNumber(cell)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1e9 {
			return nil, "“" + cell + "”不是整数", fmt.Sprintf("%q is not a whole number", cell)
		}
		return int(n), "", ""
	case TypeEnum:
		v, ok := f.choice(cell)
		if !ok {
			return nil, fmt.Sprintf("“%s”不是允许的值，请填写：%s", cell, strings.Join(f.choiceLabels("zh"), "、")),
				fmt.Sprintf("%q is not allowed; use one of: %s", cell, strings.Join(f.choiceLabels("en"), ", "))
		}
		return v, "", ""
	case TypeList:
		var out []string
		for _, p := range listSep.Split(cell, -1) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, "", ""
	}
	return cell, "", ""
}

// columns maps the header of t to spec's fields: key -> column index. A
// required field without a column, and a column named twice, are file errors.
func columns(spec Spec, header []string) (map[string]int, error) {
	idx := map[string]int{}
	for i, h := range header {
		for _, f := range spec.Fields {
			if f.matches(h) {
				if _, dup := idx[f.Key]; dup {
					return nil, fileErr(0, nil, fmt.Sprintf("表头“%s”重复出现，请删除多余的列。", h), fmt.Sprintf("the header %q appears twice; delete the extra column", h))
				}
				idx[f.Key] = i
				break
			}
		}
	}
	var missing []string
	var missingEn []string
	for _, f := range spec.Fields {
		if _, ok := idx[f.Key]; !ok && f.Required {
			missing = append(missing, f.Zh)
			missingEn = append(missingEn, f.En)
		}
	}
	if len(missing) > 0 {
		return nil, fileErr(0, nil, fmt.Sprintf("%s表缺少必填列：%s。请使用 suyuan template %s 生成的模板。", spec.Zh, strings.Join(missing, "、"), spec.Kind),
			fmt.Sprintf("the %s sheet lacks required columns: %s; use the template from suyuan template %s", spec.En, strings.Join(missingEn, ", "), spec.Kind))
	}
	return idx, nil
}

// inferKind picks the kind whose columns best match the header: every
// required column present, most headers recognised. It fails when two kinds
// fit equally well.
func inferKind(sheet string, header []string) (Spec, error) {
	if s, ok := SpecFor(sheet); ok {
		return s, nil
	}
	var best []Spec
	bestScore := -1.0
	for _, s := range Specs {
		idx, err := columns(s, header)
		if err != nil {
			continue
		}
		score := float64(len(idx))/float64(len(header)) + float64(len(idx))/float64(len(s.Fields))/100
		switch {
		case score > bestScore:
			best, bestScore = []Spec{s}, score
		case score == bestScore:
			best = append(best, s)
		}
	}
	if len(best) == 1 {
		return best[0], nil
	}
	names := KindNames()
	return Spec{}, fileErr(0, nil, "无法从表头判断记录类别，请用 --kind 指定："+strings.Join(names, "、"),
		"cannot tell the record kind from the headers; name it with --kind: "+strings.Join(names, ", "))
}

// isExample reports whether a row is the template's example row.
func isExample(cells []string) bool {
	if len(cells) == 0 {
		return false
	}
	c := strings.ToLower(strings.TrimSpace(cells[0]))
	return strings.HasPrefix(c, "示例") || strings.HasPrefix(c, "example")
}

// records types every row of t; problems go to errs.
func records(spec Spec, t *Table, idx map[string]int, errs *RowErrors) (recs []*record, skipped int) {
	byKey := map[string]Field{}
	for _, f := range spec.Fields {
		byKey[f.Key] = f
	}
	for _, row := range t.Rows {
		if isExample(row.Cells) {
			skipped++
			continue
		}
		r := &record{line: row.Num, raw: map[string]string{}, vals: map[string]any{}, col: map[string]string{}}
		for key, i := range idx {
			f := byKey[key]
			r.col[key] = t.Header[i]
			cell := ""
			if i < len(row.Cells) {
				cell = row.Cells[i]
			}
			r.raw[key] = cell
			if cell == "" {
				if f.Required {
					errs.add(row.Num, t.Header[i], "必填，不能为空", "required; may not be empty")
				}
				continue
			}
			v, zh, en := typeCell(f, cell)
			if zh != "" {
				errs.add(row.Num, t.Header[i], zh, en)
				continue
			}
			r.vals[key] = v
		}
		recs = append(recs, r)
	}
	return recs, skipped
}
