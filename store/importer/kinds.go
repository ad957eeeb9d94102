package importer

import (
	"strings"

	"suyuan/store/rules"
)

// Kind is a record kind a spreadsheet can hold.
type Kind string

// The importable record kinds.
const (
	KindBases        Kind = "bases"
	KindPlots        Kind = "plots"
	KindProducts     Kind = "products"
	KindMaterials    Kind = "materials"
	KindPurchases    Kind = "purchases"
	KindApplications Kind = "applications"
	KindEnvTests     Kind = "env-tests"
	KindHarvests     Kind = "harvests"
	KindInspections  Kind = "inspections"
	KindShipments    Kind = "shipments"
	KindReceipts     Kind = "receipts"
)

// FieldType is how a cell is read.
type FieldType int

const (
	TypeText   FieldType = iota
	TypeDate             // YYYY-MM-DD (also 2026/3/5 and Excel dates)
	TypeNumber           // decimal
	TypeInt              // whole number
	TypeEnum             // one of Choices (value, Chinese or English label)
	TypeList             // several values separated by 、 , ; or +
)

// Choice is one allowed value of an enumerated column.
type Choice struct {
	Value string // what the store keeps
	Zh    string // what the template offers
	En    string
}

// Field is one column of a template.
type Field struct {
	Key      string // stable internal name
	Zh       string // Chinese header (the template's)
	En       string // English header (accepted on import)
	Aliases  []string
	Required bool
	Type     FieldType
	Choices  []Choice
	NoteZh   string
	NoteEn   string
	Example  string
	// Accept, when set, takes an enumerated cell that is none of Choices
	// but a form the store accepts too (a label toxicity with its
	// technical-grade class in brackets) and returns the value to keep.
	Accept func(cell string) (string, bool)
}

// Spec describes one kind: its sheet name and columns.
type Spec struct {
	Kind   Kind
	Zh, En string // sheet name / title
	Fields []Field
}

// Header returns the column header in lang ("zh" or "en").
func (f Field) Header(lang string) string {
	if lang == "en" {
		return f.En
	}
	return f.Zh
}

func choices(vals ...string) []Choice {
	out := make([]Choice, 0, len(vals)/3)
	for i := 0; i+2 < len(vals); i += 3 {
		out = append(out, Choice{Value: vals[i], Zh: vals[i+1], En: vals[i+2]})
	}
	return out
}

func same(vals []string) []Choice {
	out := make([]Choice, len(vals))
	for i, v := range vals {
		out[i] = Choice{Value: v, Zh: v, En: v}
	}
	return out
}

var (
	cropCategoryChoices = same(rules.CropCategories)
	toxicityChoices     = same(rules.ToxicityLevels)
	materialKindChoices = choices("pesticide", "农药", "pesticide", "fertilizer", "肥料", "fertilizer", "other", "其他", "other")
	envKindChoices      = choices("soil", "土壤", "soil", "water", "灌溉水", "water", "air", "空气", "air", "other", "其他", "other")
	passFailChoices     = choices("pass", "合格", "pass", "fail", "不合格", "fail")
	inspKindChoices     = choices("rapid", "快检", "rapid", "lab", "实验室检测", "lab")
	verdictChoices      = choices("negative", "阴性", "negative", "positive", "阳性", "positive", "invalid", "无效", "invalid")
	buyerTypeChoices    = choices("registered", "已注册主体", "registered", "market", "入市", "market")
)

// Shared columns.
var (
	fBase      = Field{Key: "base", Zh: "基地名称", En: "base", Required: true, NoteZh: "须与已登记的基地名称一致", NoteEn: "must match a registered base", Example: "戛洒冰糖橙基地"}
	fPlot      = Field{Key: "plot", Zh: "地块名称", En: "plot", Required: true, NoteZh: "须为该基地下已登记的地块", NoteEn: "must be a registered plot of that base", Example: "1号地块"}
	fProduct   = Field{Key: "product", Zh: "产品名称", En: "product", Required: true, NoteZh: "须与已登记的产品名称一致", NoteEn: "must match a registered product", Example: "冰糖橙"}
	fLotCode   = Field{Key: "lot", Zh: "批次追溯码", En: "lot code", Aliases: []string{"追溯码", "批次码", "trace code"}, Required: true, NoteZh: "本站批次的追溯码", NoteEn: "the trace code of one of this site's lots", Example: "XPJS01-20261105-0001-X"}
	fQuantity  = Field{Key: "quantity", Zh: "数量", En: "quantity", Required: true, Type: TypeNumber, NoteZh: "正数，最多三位小数", NoteEn: "a positive number, at most 3 decimals", Example: "1200"}
	fUnit      = Field{Key: "unit", Zh: "单位", En: "unit", NoteZh: "如 kg、箱；留空用产品的单位", NoteEn: "e.g. kg, box; empty: the product's unit", Example: "kg"}
	fCrop      = Field{Key: "crop", Zh: "作物", En: "crop", NoteZh: "如 柑橘、茶树", NoteEn: "e.g. citrus, tea", Example: "柑橘"}
	fArea      = Field{Key: "area", Zh: "面积(亩)", En: "area (mu)", Aliases: []string{"面积", "area"}, Type: TypeNumber, NoteZh: "亩，可留空", NoteEn: "mu, may be empty", Example: "35"}
	fCategory  = Field{Key: "category", Zh: "作物类别", En: "crop category", Required: true, Type: TypeEnum, Choices: cropCategoryChoices, NoteZh: "决定适用的禁限用农药规则；柑橘属瓜果，茶叶属茶叶", NoteEn: "decides which pesticide bans apply; citrus is 瓜果, tea is 茶叶", Example: "瓜果"}
	fMaterial  = Field{Key: "material", Zh: "投入品名称", En: "input", Aliases: []string{"农药名称", "肥料名称", "投入品", "登记证号", "material", "pesticide"}, Required: true, NoteZh: "已登记投入品的名称或登记证号", NoteEn: "name or registration number of a registered input", Example: "阿维菌素"}
	fOperator  = Field{Key: "operator", Zh: "操作人", En: "operator", Example: "李明"}
	fNotes     = Field{Key: "notes", Zh: "备注", En: "notes", Example: ""}
	fSupplier  = Field{Key: "supplier", Zh: "供货单位", En: "supplier", Required: true, Example: "新平县农资公司"}
	fBatchNo   = Field{Key: "batch_no", Zh: "批号", En: "batch no", Example: "20260301"}
	fExRegUSCC = Field{Key: "buyer_code", Zh: "买方代码", En: "buyer code", NoteZh: "统一社会信用代码或主体码，可留空", NoteEn: "credit code or entity code, may be empty"}
)

// Specs lists every importable kind in menu order.
var Specs = []Spec{
	{Kind: KindBases, Zh: "基地", En: "bases", Fields: []Field{
		{Key: "name", Zh: "基地名称", En: "name", Aliases: []string{"base"}, Required: true, Example: "戛洒冰糖橙基地"},
		{Key: "address", Zh: "地址", En: "address", Example: "新平县戛洒镇"},
		{Key: "division", Zh: "行政区划代码", En: "division code", NoteZh: "6 位，如 530427", NoteEn: "6 digits, e.g. 530427", Example: "530427"},
		{Key: "area", Zh: "面积(亩)", En: "area (mu)", Aliases: []string{"面积", "area"}, Type: TypeNumber, Example: "300"},
		{Key: "lon", Zh: "经度", En: "longitude", Type: TypeNumber, Example: "101.60"},
		{Key: "lat", Zh: "纬度", En: "latitude", Type: TypeNumber, Example: "24.08"},
		{Key: "alt", Zh: "海拔(米)", En: "altitude (m)", Aliases: []string{"海拔"}, Type: TypeNumber, Example: "900"},
		{Key: "manager", Zh: "负责人", En: "manager", Example: "王建国"},
		{Key: "phone", Zh: "联系电话", En: "phone", Example: "13800000000"},
	}},
	{Kind: KindPlots, Zh: "地块", En: "plots", Fields: []Field{
		fBase,
		{Key: "name", Zh: "地块名称", En: "name", Aliases: []string{"plot"}, Required: true, Example: "1号地块"},
		fArea, fCrop, fCategory,
	}},
	{Kind: KindProducts, Zh: "产品", En: "products", Fields: []Field{
		{Key: "name", Zh: "产品名称", En: "name", Aliases: []string{"product"}, Required: true, Example: "冰糖橙"},
		{Key: "variety", Zh: "品种", En: "variety", Example: "冰糖橙"},
		fCrop, fCategory,
		{Key: "unit", Zh: "单位", En: "unit", NoteZh: "留空为 kg", NoteEn: "empty: kg", Example: "kg"},
		{Key: "spec", Zh: "规格", En: "spec", Example: "5kg/箱"},
		{Key: "platform_code", Zh: "平台产品编码", En: "platform product code", Example: ""},
	}},
	{Kind: KindMaterials, Zh: "投入品", En: "materials", Fields: []Field{
		{Key: "kind", Zh: "类别", En: "kind", Required: true, Type: TypeEnum, Choices: materialKindChoices, Example: "农药"},
		{Key: "name", Zh: "名称", En: "name", Aliases: []string{"投入品名称", "农药名称"}, Required: true, Example: "1.8%阿维菌素乳油"},
		{Key: "reg_no", Zh: "登记证号", En: "registration no", NoteZh: "农药必填，如 PD20080005；肥料填登记证号或执行标准", NoteEn: "required for pesticides, e.g. PD20080005", Example: "PD20080005"},
		{Key: "ingredients", Zh: "有效成分", En: "active ingredients", Type: TypeList, NoteZh: "农药必填，多个用、分隔", NoteEn: "required for pesticides; separate several with 、 or ,", Example: "阿维菌素"},
		{Key: "toxicity", Zh: "毒性", En: "toxicity", Type: TypeEnum, Choices: toxicityChoices, Accept: rules.LabelToxicity, NoteZh: "标签毒性；可在括号内注明原药毒性，如 低毒(原药高毒)", NoteEn: "label toxicity; the technical-grade class may follow in brackets, e.g. 低毒(原药高毒)", Example: "低毒"},
		{Key: "formulation", Zh: "剂型", En: "formulation", Example: "乳油"},
		{Key: "manufacturer", Zh: "生产企业", En: "manufacturer", Example: "某某农化有限公司"},
		{Key: "phi", Zh: "安全间隔期(天)", En: "PHI (days)", Aliases: []string{"安全间隔期", "PHI"}, Type: TypeInt, NoteZh: "农药必填，按标签", NoteEn: "required for pesticides, from the label", Example: "14"},
	}},
	{Kind: KindPurchases, Zh: "投入品采购", En: "purchases", Fields: []Field{
		{Key: "date", Zh: "采购日期", En: "date", Required: true, Type: TypeDate, Example: "2026-03-01"},
		fMaterial, fSupplier, fBatchNo,
		fQuantity,
		{Key: "unit", Zh: "单位", En: "unit", Required: true, Example: "瓶"},
	}},
	{Kind: KindApplications, Zh: "用药施肥", En: "applications", Fields: []Field{
		{Key: "date", Zh: "施用日期", En: "date", Aliases: []string{"日期"}, Required: true, Type: TypeDate, Example: "2026-03-05"},
		fBase, fPlot, fCrop, fMaterial,
		{Key: "dose", Zh: "用量", En: "dose", Required: true, Type: TypeNumber, Example: "40"},
		{Key: "dose_unit", Zh: "用量单位", En: "dose unit", Required: true, Example: "ml/亩"},
		{Key: "area", Zh: "施用面积(亩)", En: "area (mu)", Aliases: []string{"施用面积", "area"}, Type: TypeNumber, Example: "10"},
		{Key: "method", Zh: "施用方法", En: "method", Example: "喷雾"},
		{Key: "target", Zh: "防治对象", En: "target", Example: "红蜘蛛"},
		fOperator, fNotes,
	}},
	{Kind: KindEnvTests, Zh: "产地环境检测", En: "env-tests", Fields: []Field{
		fBase,
		{Key: "plot", Zh: "地块名称", En: "plot", NoteZh: "留空表示整个基地", NoteEn: "empty: the whole base", Example: ""},
		{Key: "kind", Zh: "检测类别", En: "kind", Required: true, Type: TypeEnum, Choices: envKindChoices, Example: "土壤"},
		{Key: "date", Zh: "检测日期", En: "date", Required: true, Type: TypeDate, Example: "2026-01-10"},
		{Key: "lab", Zh: "检测机构", En: "lab", Example: "玉溪市农产品质量安全检测中心"},
		{Key: "report_no", Zh: "报告编号", En: "report no", Example: "YX2026-0012"},
		{Key: "conclusion", Zh: "结论", En: "conclusion", Required: true, Type: TypeEnum, Choices: passFailChoices, Example: "合格"},
		fNotes,
	}},
	{Kind: KindHarvests, Zh: "采收", En: "harvests", Fields: []Field{
		{Key: "date", Zh: "采收日期", En: "date", Required: true, Type: TypeDate, Example: "2026-11-05"},
		fBase, fPlot, fProduct, fQuantity, fUnit,
		{Key: "override", Zh: "安全间隔期例外原因", En: "PHI override reason", NoteZh: "仅管理员可填；填写后允许在安全间隔期内采收并记录在批次上", NoteEn: "administrators only; allows a harvest inside the PHI window and is kept on the lot", Example: ""},
	}},
	{Kind: KindInspections, Zh: "检测", En: "inspections", Fields: []Field{
		fLotCode,
		{Key: "kind", Zh: "检测类型", En: "kind", Required: true, Type: TypeEnum, Choices: inspKindChoices, Example: "快检"},
		{Key: "date", Zh: "检测日期", En: "date", Required: true, Type: TypeDate, Example: "2026-11-05"},
		{Key: "sample_no", Zh: "样品编号", En: "sample no", Example: "S001"},
		{Key: "item", Zh: "检测项目", En: "item", Example: "有机磷和氨基甲酸酯类农药"},
		{Key: "method", Zh: "检测方法", En: "method", Example: "酶抑制率法"},
		{Key: "basis", Zh: "检测依据", En: "basis", Example: "GB/T 5009.199-2003"},
		{Key: "control_da", Zh: "对照ΔA", En: "control dA", Aliases: []string{"对照"}, Type: TypeNumber, NoteZh: "快检酶抑制率法：对照与样品的ΔA，由系统计算抑制率", NoteEn: "rapid enzyme test: control and sample ΔA; the rate is computed", Example: "0.520"},
		{Key: "sample_da", Zh: "样品ΔA", En: "sample dA", Type: TypeNumber, Example: "0.480"},
		{Key: "rate", Zh: "抑制率(%)", En: "rate (%)", Aliases: []string{"抑制率"}, Type: TypeNumber, Example: ""},
		{Key: "value", Zh: "检测值", En: "value", Type: TypeNumber, Example: ""},
		{Key: "value_unit", Zh: "检测值单位", En: "value unit", Example: ""},
		{Key: "limit", Zh: "限量", En: "limit", Type: TypeNumber, Example: ""},
		{Key: "verdict", Zh: "结果", En: "verdict", Type: TypeEnum, Choices: verdictChoices, NoteZh: "有ΔA或抑制率时由系统判定；实验室检测必填", NoteEn: "judged by the system when ΔA or a rate is given; required for lab tests", Example: ""},
		{Key: "instrument", Zh: "仪器", En: "instrument", Example: "农药残留速测仪"},
		{Key: "reagent_lot", Zh: "试剂批号", En: "reagent lot", Example: "R2026-11"},
		fOperator,
	}},
	{Kind: KindShipments, Zh: "销售", En: "shipments", Fields: []Field{
		fLotCode,
		{Key: "date", Zh: "销售日期", En: "date", Required: true, Type: TypeDate, Example: "2026-11-06"},
		{Key: "buyer", Zh: "买方名称", En: "buyer", Required: true, Example: "玉溪某某果品批发有限公司"},
		fExRegUSCC,
		{Key: "buyer_type", Zh: "买方类型", En: "buyer type", Required: true, Type: TypeEnum, Choices: buyerTypeChoices, NoteZh: "已注册主体（流通）或入市（打印入市追溯凭证）", NoteEn: "registered (trade) or market (a market-entry voucher is printed)", Example: "已注册主体"},
		fQuantity, fUnit,
	}},
	{Kind: KindReceipts, Zh: "收货", En: "receipts", Fields: []Field{
		{Key: "date", Zh: "收货日期", En: "date", Required: true, Type: TypeDate, Example: "2026-11-06"},
		{Key: "supplier", Zh: "供货方名称", En: "supplier", Required: true, Example: "新平某某家庭农场"},
		{Key: "supplier_code", Zh: "供货方代码", En: "supplier code", Example: ""},
		{Key: "upstream_code", Zh: "上游追溯码", En: "upstream code", Required: true, NoteZh: "扫描供货方标签上的追溯码", NoteEn: "the trace code scanned from the supplier's label", Example: "XPZL02-20261105-0003-K"},
		{Key: "upstream_cert", Zh: "上游合格证编号", En: "upstream certificate no", Example: ""},
		fProduct, fQuantity, fUnit,
	}},
}

// SpecFor returns the spec of kind (its English id, Chinese name or English
// name), and false when there is none.
func SpecFor(kind string) (Spec, bool) {
	k := strings.TrimSpace(kind)
	for _, s := range Specs {
		if strings.EqualFold(string(s.Kind), k) || s.Zh == k || strings.EqualFold(s.En, k) {
			return s, true
		}
	}
	return Spec{}, false
}

// KindNames lists the kinds as "id (中文)" for usage messages.
func KindNames() []string {
	out := make([]string, len(Specs))
	for i, s := range Specs {
		out[i] = string(s.Kind) + " (" + s.Zh + ")"
	}
	return out
}

// normHeader folds a header for matching: no spaces, brackets unified, lower case.
func normHeader(s string) string {
	return strings.ToLower(headerFolder.Replace(strings.TrimSpace(s)))
}

var headerFolder = strings.NewReplacer(" ", "", "\u3000", "", "（", "(", "）", ")", "*", "", "＊", "", "\ufeff", "")

// matches reports whether header h names field f.
func (f Field) matches(h string) bool {
	n := normHeader(h)
	if n == "" {
		return false
	}
	if n == normHeader(f.Zh) || n == normHeader(f.En) || n == normHeader(f.Key) {
		return true
	}
	for _, a := range f.Aliases {
		if n == normHeader(a) {
			return true
		}
	}
	return false
}

// choice maps a cell to the enumerated value it names.
func (f Field) choice(cell string) (string, bool) {
	c := strings.TrimSpace(cell)
	for _, ch := range f.Choices {
		if c == ch.Value || c == ch.Zh || strings.EqualFold(c, ch.En) {
			return ch.Value, true
		}
	}
	return "", false
}

// choiceLabels lists the labels a user may type, in lang.
func (f Field) choiceLabels(lang string) []string {
	out := make([]string, len(f.Choices))
	for i, ch := range f.Choices {
		if lang == "en" {
			out[i] = ch.En
		} else {
			out[i] = ch.Zh
		}
	}
	return out
}
