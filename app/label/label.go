// Package label lays out trace labels, market-entry vouchers and 承诺达标合格证
// (both 样式) as one 1-bit image. The same image is the GUI preview and what
// every printer encoder sends (preview == print). It does not import Fyne, the
// store or cgo, so it builds and tests anywhere with CGO_ENABLED=0.
//
// Chinese text is drawn by us from an embedded font, so any label printer
// prints it without a font ROM; QR codes are drawn at a whole number of
// printer dots per module with the quiet zone kept.
package label

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is what is printed.
type Kind string

// Kinds of printouts.
const (
	TraceLabel    Kind = "trace"   // 追溯标识
	Voucher       Kind = "voucher" // 入市追溯凭证
	CertProducer  Kind = "cert1"   // 承诺达标合格证 样式一 (producer)
	CertPurchaser Kind = "cert2"   // 承诺达标合格证 样式二 (purchaser, cites the received certificate)
)

// Kinds lists every Kind.
var Kinds = []Kind{TraceLabel, Voucher, CertProducer, CertPurchaser}

// Title is the Chinese name printed on / shown for the kind.
func (k Kind) Title() string {
	switch k {
	case TraceLabel:
		return "追溯标识"
	case Voucher:
		return "入市追溯凭证"
	case CertProducer, CertPurchaser:
		return "承诺达标合格证"
	}
	return string(k)
}

// IsCert reports whether k is a 承诺达标合格证.
func (k Kind) IsCert() bool { return k == CertProducer || k == CertPurchaser }

// ParseKind accepts the Kind values ("trace", "voucher", "cert1", "cert2").
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == strings.ToLower(strings.TrimSpace(s)) {
			return k, nil
		}
	}
	return "", userErr(fmt.Sprintf("不认识的打印种类 %q，可选 trace、voucher、cert1、cert2。", s),
		fmt.Sprintf("Unknown printout kind %q; choose trace, voucher, cert1 or cert2.", s))
}

// Data is what one printout shows. Which fields are required depends on Kind
// (see Validate). Text is printed as given after removing control characters.
type Data struct {
	Kind           Kind
	Code           string // local or national trace code (ASCII)
	CertNo         string // 合格证编号 (ASCII)
	Product        string // 产品名称
	Variety        string // 品种 (optional)
	Quantity       string // 数量(重量), e.g. "25"
	Unit           string // e.g. "kg", "箱"
	Origin         string // 产地
	Producer       string // 承诺主体 / 生产者
	Contact        string // 联系方式
	Date           time.Time
	Basis          []string // 承诺依据: one or more of Bases (old names accepted, see NormalizeBasis)
	UpstreamCertNo string   // 样式二: the certificate received from the supplier
	Serial         int      // this label's number in a run, 1-based (0 = not shown)
	Total          int      // labels in the run (0 = not shown)
	Provisional    bool     // code not yet registered nationally: print 待登记
	URL            string   // QR content override; empty = Options.URLTemplate
}

// The three 承诺依据 of the 2025 rule (农业农村部令2025年第4号).
const (
	BasisControl    = "质量安全控制符合要求"
	BasisSelfTest   = "自行检测合格"
	BasisCommission = "委托检测合格"
)

// Bases lists the allowed 承诺依据 in the order the form prints them.
var Bases = []string{BasisControl, BasisSelfTest, BasisCommission}

// basisAliases maps the pre-2026 wording onto the 2025 rule's.
var basisAliases = map[string]string{
	"自我承诺":       BasisControl,
	"质量安全内部控制合格": BasisControl,
	"自我检测合格":     BasisSelfTest,
	"control":    BasisControl,
	"self":       BasisSelfTest,
	"commission": BasisCommission,
}

// NormalizeBasis maps one 承诺依据 (current or old wording, or the English
// keys control/self/commission) to the 2025 wording.
func NormalizeBasis(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, b := range Bases {
		if s == b {
			return b, true
		}
	}
	b, ok := basisAliases[s]
	return b, ok
}

// Promise texts, fixed by the 2025 rule's 样式一 and 样式二. PromiseVersion is
// stored with each certificate so a later wording change stays provable.
const (
	PromiseProducer  = "我承诺生产销售的食用农产品：未使用禁用农药、兽药及其他化合物；使用的常规农药、兽药残留不超标。"
	PromisePurchaser = "我承诺：已按规定收取并保存该批次农产品承诺达标合格证或者其他质量安全合格证明；未违规使用保鲜剂、防腐剂、添加剂等。"
	PromiseVersion   = "农业农村部令2025年第4号"
)

// Size is a label size in millimetres (width across the print head).
type Size struct{ WidthMM, HeightMM float64 }

// Preset sizes: common thermal label stock and A4 for full-page certificates.
var (
	Size50x30  = Size{50, 30}
	Size60x40  = Size{60, 40}
	Size70x50  = Size{70, 50}
	Size100x70 = Size{100, 70}
	SizeA4     = Size{210, 297}
)

// Presets lists the preset sizes, smallest first.
var Presets = []Size{Size50x30, Size60x40, Size70x50, Size100x70, SizeA4}

func (s Size) String() string {
	if s == SizeA4 {
		return "A4"
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return f(s.WidthMM) + "x" + f(s.HeightMM)
}

// ParseSize accepts "60x40" (mm, also "60×40", "60*40", "60x40mm") or "A4".
func ParseSize(s string) (Size, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "a4" {
		return SizeA4, nil
	}
	t = strings.TrimSuffix(t, "mm")
	t = strings.NewReplacer("×", "x", "*", "x", " ", "").Replace(t)
	w, h, ok := strings.Cut(t, "x")
	wv, err1 := strconv.ParseFloat(w, 64)
	hv, err2 := strconv.ParseFloat(h, 64)
	if !ok || err1 != nil || err2 != nil || wv < 20 || hv < 15 || wv > 300 || hv > 400 {
		return Size{}, userErr(fmt.Sprintf("标签尺寸 %q 无效：请写成 宽x高（毫米），如 60x40，范围 20x15 到 300x400，或 A4。", s),
			fmt.Sprintf("Label size %q is invalid: write WIDTHxHEIGHT in mm such as 60x40 (20x15 to 300x400), or A4.", s))
	}
	return Size{wv, hv}, nil
}
