package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"suyuan/store/cellsafe"
)

// examplePrefix marks the template's example row; rows starting with it are
// skipped on import.
const examplePrefix = "示例："

// TemplateRows returns the header (in lang: "zh" Chinese, "en" the English
// aliases) and the example row of spec.
func TemplateRows(spec Spec, lang string) (header, example []string) {
	for i, f := range spec.Fields {
		header = append(header, f.Header(lang))
		ex := f.Example
		if i == 0 {
			ex = examplePrefix + ex
		}
		example = append(example, ex)
	}
	return header, example
}

// safeRows is TemplateRows with every text cell made safe from formula
// injection (cellsafe); numeric columns keep their sign.
func safeRows(spec Spec, lang string) (header, example []string) {
	h, ex := TemplateRows(spec, lang)
	for i, f := range spec.Fields {
		if f.Type != TypeNumber && f.Type != TypeInt {
			ex[i] = cellsafe.Text(ex[i])
		}
	}
	return cellsafe.Row(h), ex
}

// WriteTemplateCSV writes a CSV template in UTF-8 with a BOM, which Excel
// needs to show Chinese correctly when it opens a CSV by double-click.
func WriteTemplateCSV(w io.Writer, spec Spec, lang string) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	h, ex := safeRows(spec, lang)
	_ = cw.Write(h)
	_ = cw.Write(ex)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

func typeName(t FieldType, lang string) string {
	zh := map[FieldType]string{TypeText: "文字", TypeDate: "日期 2026-03-05", TypeNumber: "数字", TypeInt: "整数", TypeEnum: "从列表选择", TypeList: "多个用、分隔"}
	en := map[FieldType]string{TypeText: "text", TypeDate: "date 2026-03-05", TypeNumber: "number", TypeInt: "whole number", TypeEnum: "pick from the list", TypeList: "several, separated by 、 or ,"}
	if lang == "en" {
		return en[t]
	}
	return zh[t]
}

// WriteTemplateXLSX writes an .xlsx template: a data sheet named after the
// kind with the header row, one example row (ignored on import), a comment
// on each header saying what to enter, drop-down lists on enumerated
// columns, and a second sheet 说明 describing every column and its allowed
// values in both languages.
func WriteTemplateXLSX(w io.Writer, spec Spec, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := spec.Zh
	if lang == "en" {
		sheet = spec.En
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	h, ex := safeRows(spec, lang)
	if err := f.SetSheetRow(sheet, "A1", &h); err != nil {
		return err
	}
	if err := f.SetSheetRow(sheet, "A2", &ex); err != nil {
		return err
	}
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
	req, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
	exStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "808080"}})
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // text: keeps 2026-03-05 as typed
	last := colName(len(spec.Fields) - 1)
	_ = f.SetCellStyle(sheet, "A2", last+"2", exStyle)
	for i, fd := range spec.Fields {
		c := colName(i)
		st := head
		if fd.Required {
			st = req
		}
		_ = f.SetCellStyle(sheet, c+"1", c+"1", st)
		_ = f.SetColWidth(sheet, c, c, float64(max(12, 2*len([]rune(fd.Header(lang)))+4)))
		note := fieldNote(fd, lang)
		if err := f.AddComment(sheet, excelize.Comment{Author: "溯源站", Cell: c + "1", Text: note, Width: 260, Height: 90}); err != nil {
			return fmt.Errorf("comment %s: %w", c, err)
		}
		if fd.Type == TypeDate {
			_ = f.SetCellStyle(sheet, c+"3", c+"5000", dateStyle)
		}
		if fd.Type == TypeEnum {
			dv := excelize.NewDataValidation(!fd.Required)
			dv.Sqref = fmt.Sprintf("%s3:%s%d", c, c, 5000)
			if err := dv.SetDropList(fd.choiceLabels(lang)); err != nil {
				return fmt.Errorf("drop list %s: %w", c, err)
			}
			if err := f.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		}
	}
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if _, err := f.NewSheet(instructionSheet); err != nil {
		return err
	}
	rows := [][]string{
		{"列名", "English header", "必填", "类型", "允许的值", "说明"},
	}
	for _, fd := range spec.Fields {
		reqs := ""
		if fd.Required {
			reqs = "是 / yes"
		}
		var allowed []string
		for _, ch := range fd.Choices {
			if ch.Zh == ch.En {
				allowed = append(allowed, ch.Zh)
			} else {
				allowed = append(allowed, ch.Zh+" ("+ch.En+")")
			}
		}
		rows = append(rows, []string{fd.Zh, fd.En, reqs, typeName(fd.Type, "zh") + " / " + typeName(fd.Type, "en"), strings.Join(allowed, "、"), joinNonEmpty(fd.NoteZh, fd.NoteEn)})
	}
	rows = append(rows, []string{}, []string{"第 2 行为示例（以“示例：”开头），导入时忽略；从第 3 行起填写。同一文件重复导入不会重复添加。整个文件要么全部导入，要么（有任何一行错误时）全部不导入。"},
		[]string{"Row 2 is an example (it starts with 示例：) and is ignored; fill in from row 3. Importing the same file again adds nothing. A file imports whole, or (if any row is wrong) not at all."})
	for i, r := range rows {
		r = cellsafe.Row(r)
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(instructionSheet, cell, &r); err != nil {
			return err
		}
	}
	_ = f.SetCellStyle(instructionSheet, "A1", "F1", head)
	_ = f.SetColWidth(instructionSheet, "A", "B", 20)
	_ = f.SetColWidth(instructionSheet, "C", "D", 16)
	_ = f.SetColWidth(instructionSheet, "E", "F", 48)
	f.SetActiveSheet(0)
	_, err := f.WriteTo(w)
	return err
}

func fieldNote(fd Field, lang string) string {
	var parts []string
	if lang == "en" {
		if fd.Required {
			parts = append(parts, "Required.")
		}
		parts = append(parts, typeName(fd.Type, "en")+".")
		if len(fd.Choices) > 0 {
			parts = append(parts, "Allowed: "+strings.Join(fd.choiceLabels("en"), ", ")+".")
		}
		if fd.NoteEn != "" {
			parts = append(parts, fd.NoteEn+".")
		}
		return strings.Join(parts, " ")
	}
	if fd.Required {
		parts = append(parts, "必填。")
	}
	parts = append(parts, typeName(fd.Type, "zh")+"。")
	if len(fd.Choices) > 0 {
		parts = append(parts, "可选："+strings.Join(fd.choiceLabels("zh"), "、")+"。")
	}
	if fd.NoteZh != "" {
		parts = append(parts, fd.NoteZh+"。")
	}
	parts = append(parts, "英文列名："+fd.En)
	return strings.Join(parts, "")
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " / " + b
}

// WriteTemplate writes the template of kind as "csv" or "xlsx".
func WriteTemplate(w io.Writer, kind, format, lang string) error {
	spec, ok := SpecFor(kind)
	if !ok {
		return fileErr(0, nil, "未知的记录类别“"+kind+"”，可选："+strings.Join(KindNames(), "、"), fmt.Sprintf("unknown record kind %q; choose one of: %s", kind, strings.Join(KindNames(), ", ")))
	}
	if format == "xlsx" {
		return WriteTemplateXLSX(w, spec, lang)
	}
	return WriteTemplateCSV(w, spec, lang)
}
