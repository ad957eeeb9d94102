package report

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/xuri/excelize/v2"

	"suyuan/store/cellsafe"
)

// sheet is one worksheet: a header row (frozen, with an autofilter so the
// sheet sorts and filters) and rows of strings or float64 numbers.
type sheet struct {
	Name   string
	Head   []string
	Widths []float64
	Rows   [][]any
}

func xlsxBytes(sheets ...sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"E6E6E6"}, Pattern: 1}})
	for i, sh := range sheets {
		if i == 0 {
			f.SetSheetName("Sheet1", sh.Name)
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return nil, fmt.Errorf("xlsx sheet: %w", err)
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		for c, w := range sh.Widths {
			if err := sw.SetColWidth(c+1, c+1, w); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		head := make([]any, len(sh.Head))
		for c, h := range sh.Head {
			head[c] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		for r, row := range sh.Rows {
			cells := make([]any, len(row))
			for c, v := range row {
				if s, ok := v.(string); ok {
					v = cellsafe.Text(s)
				}
				cells[c] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		if len(sh.Head) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(sh.Head), len(sh.Rows)+1)
			if err := f.AutoFilter(sh.Name, "A1:"+last, nil); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func sortStrings(s []string) { sort.Strings(s) }

// XLSX writes the book as one workbook: one sheet per table.
func (b *RecordBook) XLSX() ([]byte, error) {
	lang := b.Header.Lang
	apps := sheet{Name: tr(lang, "投入品使用", "Inputs"), Widths: []float64{12, 14, 10, 22, 8, 24, 8, 10, 16, 16, 10, 12, 8, 66},
		Head: []string{tr(lang, "使用日期", "Date"), tr(lang, "地块", "Plot"), tr(lang, "作物", "Crop"), tr(lang, "投入品名称", "Input"), tr(lang, "类别", "Kind"),
			tr(lang, "登记证号", "Registration no."), tr(lang, "用量", "Dose"), tr(lang, "单位", "Unit"), tr(lang, "施用方式", "Method"), tr(lang, "防治对象", "Target"),
			tr(lang, "安全间隔期(天)", "PHI (days)"), tr(lang, "安全采收日期", "Safe to harvest"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	// Operator goes before the journal columns.
	apps.Head = append(apps.Head[:12], append([]string{tr(lang, "操作人", "Operator")}, apps.Head[12:]...)...)
	apps.Widths = append(apps.Widths[:12], append([]float64{10}, apps.Widths[12:]...)...)
	for _, a := range b.Applications {
		phi := any("")
		if a.PHIDays > 0 {
			phi = float64(a.PHIDays)
		}
		apps.Rows = append(apps.Rows, []any{a.Date, a.Plot, a.Crop, a.Material, a.Kind, a.RegNo, a.Dose, a.DoseUnit, a.Method, a.Target, phi, a.SafeFrom, a.Operator, float64(a.Journal.Seq), a.Journal.Hash})
	}
	pur := sheet{Name: tr(lang, "投入品来源", "Purchases"), Widths: []float64{12, 22, 30, 16, 10, 8, 8, 66},
		Head: []string{tr(lang, "购买日期", "Date"), tr(lang, "投入品名称", "Input"), tr(lang, "供应商", "Supplier"), tr(lang, "批号", "Batch"),
			tr(lang, "数量", "Quantity"), tr(lang, "单位", "Unit"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, p := range b.Purchases {
		pur.Rows = append(pur.Rows, []any{p.Date, p.Material, p.Supplier, p.BatchNo, p.Quantity, p.Unit, float64(p.Journal.Seq), p.Journal.Hash})
	}
	har := sheet{Name: tr(lang, "采收", "Harvests"), Widths: []float64{12, 26, 14, 14, 10, 8, 8, 66},
		Head: []string{tr(lang, "采收日期", "Date"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "产品", "Product"), tr(lang, "地块", "Plot"),
			tr(lang, "数量", "Quantity"), tr(lang, "单位", "Unit"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, h := range b.Harvests {
		har.Rows = append(har.Rows, []any{h.Date, h.Lot, h.Product, h.Plot, h.Quantity, h.Unit, float64(h.Journal.Seq), h.Journal.Hash})
	}
	units := make([]string, 0, len(b.HarvestTotal))
	for u := range b.HarvestTotal {
		units = append(units, u)
	}
	sortStrings(units)
	for _, u := range units {
		har.Rows = append(har.Rows, []any{tr(lang, "合计", "Total"), fmt.Sprintf(tr(lang, "%d 批", "%d lots"), len(b.Harvests)), "", "", b.HarvestTotal[u], u, "", ""})
	}
	tests := sheet{Name: tr(lang, "检测", "Tests"), Widths: []float64{16, 26, 10, 14, 16, 14, 10, 8, 66},
		Head: []string{tr(lang, "检测时间", "Tested"), tr(lang, "批次追溯码", "Lot code"), tr(lang, "检测类型", "Kind"), tr(lang, "检测项目", "Item"),
			tr(lang, "检测结果", "Result"), tr(lang, "结论", "Verdict"), tr(lang, "检测员", "Tester"), tr(lang, "日志序号", "Journal seq"), tr(lang, "日志哈希", "Journal hash")}}
	for _, t := range b.Tests {
		tests.Rows = append(tests.Rows, []any{t.Date, t.Lot, t.Kind, t.Item, t.Result, t.Verdict, t.Operator, float64(t.Journal.Seq), t.Journal.Hash})
	}
	return xlsxBytes(apps, pur, har, tests)
}
