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
		if !ok && f.Accept != nil {
			if a, aok := f.Accept(cell); aok {
				return a, "", ""
			}
		}
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

// headerFit is how a header row fits one kind.
type headerFit struct {
	spec    Spec
	idx     map[string]int // field key -> column index
	missing []Field        // required fields without a column
	unknown []string       // headers that name no field of the kind
	dup     string         // a header naming a field already matched
}

func (h headerFit) exact() bool { return len(h.missing) == 0 && len(h.unknown) == 0 && h.dup == "" }

func fitHeader(spec Spec, header []string) headerFit {
	h := headerFit{spec: spec, idx: map[string]int{}}
	for i, name := range header {
		if strings.TrimSpace(name) == "" {
			continue // an empty header; unmappedData refuses its cells if any hold values
		}
		found := false
		for _, f := range spec.Fields {
			if f.matches(name) {
				if _, dup := h.idx[f.Key]; dup && h.dup == "" {
					h.dup = name
				}
				h.idx[f.Key] = i
				found = true
				break
			}
		}
		if !found {
			h.unknown = append(h.unknown, name)
		}
	}
	for _, f := range spec.Fields {
		if _, ok := h.idx[f.Key]; !ok && f.Required {
			h.missing = append(h.missing, f)
		}
	}
	return h
}

// problems says, in both languages, what keeps the header from being the
// kind's: the missing required columns and the columns it does not know.
func (h headerFit) problems() (zh, en string) {
	var zs, es []string
	if len(h.missing) > 0 {
		var z, e []string
		for _, f := range h.missing {
			z, e = append(z, "“"+f.Zh+"”"), append(e, fmt.Sprintf("%q", f.En))
		}
		zs = append(zs, "缺少必填列："+strings.Join(z, "、"))
		es = append(es, "the required column(s) "+strings.Join(e, ", ")+" are missing")
	}
	if len(h.unknown) > 0 {
		var z, e []string
		for _, u := range h.unknown {
			z, e = append(z, "“"+u+"”"), append(e, fmt.Sprintf("%q", u))
		}
		zs = append(zs, "无法识别的列："+strings.Join(z, "、"))
		es = append(es, "the column(s) "+strings.Join(e, ", ")+" are not part of it")
	}
	return strings.Join(zs, "；"), strings.Join(es, "; ")
}

// columns maps the header of t to spec's fields: key -> column index. A
// required field without a column, a column the kind does not have (its
// values would be lost) and a column named twice are file errors.
func columns(spec Spec, header []string) (map[string]int, error) {
	h := fitHeader(spec, header)
	if h.dup != "" {
		return nil, fileErr(0, nil, fmt.Sprintf("表头“%s”重复出现，请删除多余的列。", h.dup), fmt.Sprintf("the header %q appears twice; delete the extra column", h.dup))
	}
	if len(h.missing) > 0 || len(h.unknown) > 0 {
		zh, en := h.problems()
		return nil, fileErr(0, nil, fmt.Sprintf("这不是完整的%s表：%s。请补上缺少的列、删除或改正无法识别的列（可用 suyuan template %s 生成模板），然后重新导入；本次未导入任何内容。", spec.Zh, zh, spec.Kind),
			fmt.Sprintf("this is not a complete %s sheet: %s. Add the missing columns and delete or rename the unknown ones (suyuan template %s makes a template), then import again; nothing was imported", spec.En, en, spec.Kind))
	}
	return h.idx, nil
}

// inferKind picks the kind of a sheet: the one its name says (xlsx), or else
// the one kind whose columns the header matches exactly — every required
// column present and no column the kind does not have. Anything less is
// refused rather than guessed (an applications sheet missing its date column
// was once imported as new bases): the message names the closest kind's
// missing and unknown columns, or the kinds that fit equally.
func inferKind(sheet string, header []string) (Spec, error) {
	if s, ok := SpecFor(sheet); ok {
		return s, nil
	}
	var exact []Spec
	var best headerFit
	bestKnown := -1
	for _, s := range Specs {
		h := fitHeader(s, header)
		if h.exact() {
			exact = append(exact, s)
		}
		if known := len(h.idx); known > bestKnown || (known == bestKnown && len(h.missing) < len(best.missing)) {
			best, bestKnown = h, known
		}
	}
	names := KindNames()
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		var zs, es []string
		for _, s := range exact {
			zs, es = append(zs, s.Zh), append(es, string(s.Kind))
		}
		return Spec{}, fileErr(0, nil, "表头同时符合“"+strings.Join(zs, "”和“")+"”，无法判断记录类别，请用 --kind 指定："+strings.Join(names, "、"),
			"the headers fit "+strings.Join(es, " and ")+" alike; name the kind with --kind: "+strings.Join(names, ", "))
	case bestKnown <= 0:
		return Spec{}, fileErr(0, nil, "表头不属于任何一类记录，无法导入。请使用 suyuan template 生成的模板，或用 --kind 指定类别："+strings.Join(names, "、"),
			"the headers match no record kind, so nothing was imported; use a template from suyuan template, or name the kind with --kind: "+strings.Join(names, ", "))
	}
	zh, en := best.problems()
	return Spec{}, fileErr(0, nil, fmt.Sprintf("无法判断记录类别，本次未导入任何内容：表头最接近“%s”，但%s。请补上缺少的列、删除或改正无法识别的列（可用 suyuan template %s 生成模板），或用 --kind 指定类别。", best.spec.Zh, zh, best.spec.Kind),
		fmt.Sprintf("cannot tell the record kind, so nothing was imported: the headers are closest to %s, but %s. Add the missing columns and delete or rename the unknown ones (suyuan template %s makes a template), or name the kind with --kind", best.spec.En, en, best.spec.Kind))
}

// unmappedData refuses values in columns without a header (they would be
// lost): cells beyond the header or under an empty header cell.
func unmappedData(t *Table, idx map[string]int) error {
	used := map[int]bool{}
	for _, i := range idx {
		used[i] = true
	}
	for _, row := range t.Rows {
		for i, c := range row.Cells {
			if c != "" && !used[i] && !isExample(row.Cells) {
				col := colName(i)
				return fileErr(row.Num, nil, fmt.Sprintf("第 %s 列有内容但没有表头，这些内容无法导入。请给该列加上表头或删除该列后重新导入；本次未导入任何内容。", col),
					fmt.Sprintf("column %s holds values but has no header, so they cannot be imported; give it a header or delete it and import again. Nothing was imported", col))
			}
		}
	}
	return nil
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
