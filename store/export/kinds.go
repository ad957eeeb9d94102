package export

import (
	"fmt"
	"strings"

	"suyuan/store/importer"
)

// colType is how a stored value is shown.
type colType int

const (
	colText   colType = iota
	colNumber         // REAL or INTEGER: written as a number
	colDate           // 'YYYY-MM-DD' text, as stored
	colTSDate         // UTC timestamp text -> the local calendar date
	colTime           // UTC timestamp text -> local "2006-01-02 15:04:05"
	colEnum           // a stored code shown in words
	colList           // a JSON array of strings joined with 、
	colBool           // 0/1 -> 是/否
)

// word is the Chinese and English words for one stored code.
type word struct{ zh, en string }

// column is one column of an exported sheet.
type column struct {
	zh, en string
	expr   string // SQL expression over the kind's FROM clause
	typ    colType
	words  map[string]word
}

// Kind is one exportable record kind.
type Kind struct {
	ID     string // stable English id: "applications"
	Zh, En string // names (the Chinese one is the import template's sheet name where one exists)
	// Template is the import template the columns follow, "" if none.
	Template importer.Kind
	cols     []column
	from     string // FROM clause (with joins)
	where    string // fixed condition, "" for none
	order    string
	// Filter dimensions: SQL expressions, "" when the kind has none.
	date string // a 'YYYY-MM-DD' local date
	ts   string // a UTC timestamp (filtered by converting the bounds)
	base string // a base id
	plot string // a plot id
	// plotCond, when set, replaces "plot = ?": a condition with two
	// parameters, the plot id and its base id.
	plotCond string
	product  string // a product id
	lot      string // a lot id (rows about any lot of the set)
	lotAny   string // instead of lot: an SQL condition with %s for the id list
}

// Columns returns the headers of k in lang ("zh" or "en").
func (k Kind) Columns(lang string) []string {
	out := make([]string, len(k.cols))
	for i, c := range k.cols {
		out[i] = c.zh
		if lang == "en" {
			out[i] = c.en
		}
	}
	return out
}

// Filters lists the filters k can apply: "date", "base", "plot", "product", "lot".
func (k Kind) Filters() []string {
	var out []string
	if k.date != "" || k.ts != "" {
		out = append(out, "date")
	}
	if k.base != "" {
		out = append(out, "base")
	}
	if k.plot != "" {
		out = append(out, "plot")
	}
	if k.product != "" {
		out = append(out, "product")
	}
	if k.lot != "" || k.lotAny != "" {
		out = append(out, "lot")
	}
	return out
}

func ws(vals ...string) map[string]word {
	m := make(map[string]word, len(vals)/3)
	for i := 0; i+2 < len(vals); i += 3 {
		m[vals[i]] = word{vals[i+1], vals[i+2]}
	}
	return m
}

func c(zh, en, expr string) column { return column{zh: zh, en: en, expr: expr} }
func cn(zh, en, expr string) column {
	return column{zh: zh, en: en, expr: expr, typ: colNumber}
}
func ct(typ colType, zh, en, expr string) column {
	return column{zh: zh, en: en, expr: expr, typ: typ}
}
func ce(zh, en, expr string, w map[string]word) column {
	return column{zh: zh, en: en, expr: expr, typ: colEnum, words: w}
}
func cb(zh, en, expr string) column { return column{zh: zh, en: en, expr: expr, typ: colBool} }

var (
	yesNo       = ws("1", "是", "yes", "0", "否", "no")
	scales      = ws("enterprise", "企业", "enterprise", "cooperative", "农民专业合作社", "cooperative", "family_farm", "家庭农场", "family farm", "individual", "个体", "individual")
	entTypes    = ws("production", "生产", "production", "operation", "经营", "operation", "both", "生产经营", "production and operation")
	certKinds   = ws("green", "绿色食品", "green food", "organic", "有机农产品", "organic", "gi", "农产品地理标志", "geographical indication", "pollution_free", "无公害农产品", "pollution-free")
	lotSource   = ws("harvest", "采收", "harvest", "transform", "加工/包装", "transformation", "receipt", "收货", "receipt")
	trKinds     = ws("processing", "加工", "processing", "packing", "包装", "packing", "merge", "合并", "merge", "split", "分装", "split")
	rdStatus    = ws("pending", "待绑定", "pending", "bound", "已绑定", "bound", "discarded", "已舍弃", "discarded")
	inspKinds   = ws("rapid", "快检", "rapid", "lab", "实验室检测", "lab")
	inspSources = ws("serial", "仪器", "analyzer", "manual", "手工录入", "manual", "import", "文件导入", "import")
	verdicts    = ws("negative", "阴性", "negative", "positive", "阳性", "positive", "invalid", "无效", "invalid")
	certStyle   = ws("1", "样式一", "style 1", "2", "样式二", "style 2")
	jobKinds    = ws("trace", "追溯标签", "trace label", "voucher", "入市追溯凭证", "market voucher", "cert1", "合格证（样式一）", "certificate (style 1)", "cert2", "合格证（样式二）", "certificate (style 2)")
	jobStatus   = ws("open", "进行中", "open", "done", "已完成", "done", "failed", "失败", "failed", "cancelled", "已取消", "cancelled")
	dispMeth    = ws("destroy", "销毁", "destroy", "return", "退回", "return", "downgrade", "降级使用", "downgrade", "other", "其他", "other")
	roles       = ws("admin", "管理员", "administrator", "recorder", "记录员", "record-keeper", "packer", "包装员", "packer", "technician", "检测员", "technician")
	actions     = ws("void", "作废", "void", "correct", "更正", "correction")
	tables      = ws("entity", "主体信息", "site profile", "certifications", "三品一标认证", "certifications", "bases", "基地", "bases", "plots", "地块", "plots",
		"env_tests", "产地环境检测", "environment tests", "attachments", "附件", "attachments", "products", "产品", "products", "materials", "投入品", "materials",
		"purchases", "投入品采购", "purchases", "applications", "用药施肥", "applications", "transformations", "加工包装", "transformations", "lots", "批次", "lots",
		"transformation_inputs", "加工投入", "transformation inputs", "inspections", "检测", "inspections", "disposals", "处置", "disposals", "shipments", "销售", "shipments",
		"receipts", "收货", "receipts", "certificates", "合格证", "certificates", "print_jobs", "打印任务", "print jobs", "label_voids", "作废标签", "voided labels",
		"readings", "仪器读数", "readings", "imports", "导入文件", "imports", "users", "用户", "users", "settings", "设置", "settings")
)

// templateKind builds a kind whose columns are exactly the import template's
// (importer.Specs), so that its export imports into an empty store. exprs
// maps every field key of the template to its SQL expression.
func templateKind(id importer.Kind, exprs map[string]string, from, where, order string) Kind {
	spec, ok := importer.SpecFor(string(id))
	if !ok {
		panic("export: no import template " + string(id))
	}
	k := Kind{ID: string(id), Zh: spec.Zh, En: spec.En, Template: id, from: from, where: where, order: order}
	for _, f := range spec.Fields {
		e, ok := exprs[f.Key]
		if !ok {
			panic(fmt.Sprintf("export: template %s has a column %s (%s) with no export expression", id, f.Key, f.Zh))
		}
		col := column{zh: f.Zh, en: f.En, expr: e}
		switch f.Type {
		case importer.TypeNumber, importer.TypeInt:
			col.typ = colNumber
		case importer.TypeDate:
			col.typ = colDate
			if strings.HasPrefix(e, "ts:") {
				col.typ, col.expr = colTSDate, strings.TrimPrefix(e, "ts:")
			}
		case importer.TypeList:
			col.typ = colList
		case importer.TypeEnum:
			col.typ = colEnum
			col.words = map[string]word{}
			for _, ch := range f.Choices {
				col.words[ch.Value] = word{ch.Zh, ch.En}
			}
		}
		k.cols = append(k.cols, col)
	}
	if len(exprs) != len(spec.Fields) {
		panic(fmt.Sprintf("export: template %s: %d expressions for %d columns", id, len(exprs), len(spec.Fields)))
	}
	return k
}

// materialRef names an input the way the importer resolves it best: the
// registration number when there is one (unique), else the name.
const materialRef = "CASE WHEN m.reg_no <> '' THEN m.reg_no ELSE m.name END"

// kinds lists every exportable kind in archive order: master data first,
// then the records in the order they happen, so an archive imports in order.
var kinds = []Kind{
	{ID: "site", Zh: "主体信息", En: "site profile", from: "entity e", order: "e.id",
		cols: []column{
			c("主体名称", "name", "e.name"), ce("主体规模", "scale", "e.scale", scales), ce("主体类型", "entity type", "e.entity_type", entTypes),
			c("统一社会信用代码", "credit code", "e.credit_code"), c("法定代表人", "legal representative", "e.legal_rep"),
			c("联系人", "contact", "e.contact_name"), c("联系电话", "phone", "e.contact_phone"), c("地址", "address", "e.address"),
			c("行政区划代码", "division code", "e.division_code"), cn("经度", "longitude", "e.longitude"), cn("纬度", "latitude", "e.latitude"),
			c("平台账号", "platform account", "e.platform_account"), c("站点代码", "site code", "e.site_code"),
		}},
	{ID: "certifications", Zh: "三品一标认证", En: "certifications", from: "certifications x", order: "x.id",
		cols: []column{
			ce("认证类别", "kind", "x.kind", certKinds), c("证书编号", "number", "x.number"), c("产品名称", "product", "x.product_name"),
			c("发证机构", "issuer", "x.issuer"), ct(colDate, "有效期起", "valid from", "x.valid_from"), ct(colDate, "有效期止", "valid to", "x.valid_to"),
			cb("已作废", "void", "x.voided"),
		}},
	templateKind(importer.KindBases, map[string]string{"name": "b.name", "address": "b.address", "division": "b.division_code", "area": "b.area_mu",
		"lon": "b.longitude", "lat": "b.latitude", "alt": "b.altitude_m", "manager": "b.manager", "phone": "b.phone"},
		"bases b", "", "b.id").with(func(k *Kind) { k.base = "b.id" }),
	templateKind(importer.KindPlots, map[string]string{"base": "b.name", "name": "p.name", "area": "p.area_mu", "crop": "p.crop", "category": "p.crop_category"},
		"plots p JOIN bases b ON b.id = p.base_id", "", "p.id").with(func(k *Kind) { k.base, k.plot = "p.base_id", "p.id" }),
	templateKind(importer.KindProducts, map[string]string{"name": "pr.name", "variety": "pr.variety", "crop": "pr.crop", "category": "pr.crop_category",
		"unit": "pr.unit", "spec": "pr.spec", "platform_code": "pr.platform_product_code"},
		"products pr", "", "pr.id").with(func(k *Kind) { k.product = "pr.id" }),
	templateKind(importer.KindMaterials, map[string]string{"kind": "m.kind", "name": "m.name", "reg_no": "m.reg_no", "ingredients": "m.active_ingredients",
		"toxicity": "m.toxicity", "formulation": "m.formulation", "manufacturer": "m.manufacturer", "phi": "m.phi_days"},
		"materials m", "", "m.id"),
	templateKind(importer.KindPurchases, map[string]string{"date": "x.purchased_on", "material": materialRef, "supplier": "x.supplier", "batch_no": "x.batch_no",
		"quantity": "x.quantity", "unit": "x.unit"},
		"purchases x JOIN materials m ON m.id = x.material_id", "x.voided = 0", "x.purchased_on, x.id").with(func(k *Kind) { k.date = "x.purchased_on" }),
	templateKind(importer.KindApplications, map[string]string{"date": "a.applied_on", "base": "b.name", "plot": "p.name", "crop": "a.crop", "material": materialRef,
		"dose": "a.dose", "dose_unit": "a.dose_unit", "area": "a.area_mu", "method": "a.method", "target": "a.target", "operator": "a.operator", "notes": "a.notes"},
		"applications a JOIN plots p ON p.id = a.plot_id JOIN bases b ON b.id = p.base_id JOIN materials m ON m.id = a.material_id",
		"a.voided = 0", "a.applied_on, a.id").with(func(k *Kind) { k.date, k.base, k.plot = "a.applied_on", "p.base_id", "a.plot_id" }),
	templateKind(importer.KindEnvTests, map[string]string{"base": "b.name", "plot": "coalesce(p.name, '')", "kind": "e.kind", "date": "e.tested_on",
		"lab": "e.lab", "report_no": "e.report_no", "conclusion": "e.conclusion", "notes": "e.notes"},
		"env_tests e JOIN bases b ON b.id = e.base_id LEFT JOIN plots p ON p.id = e.plot_id", "e.voided = 0", "e.tested_on, e.id").
		// A whole-base test (no plot) belongs to every plot of the base.
		with(func(k *Kind) {
			k.date, k.base, k.plot = "e.tested_on", "e.base_id", "e.plot_id"
			k.plotCond = "(e.plot_id = ? OR (e.plot_id IS NULL AND e.base_id = ?))"
		}),
	templateKind(importer.KindHarvests, map[string]string{"date": "l.produced_on", "base": "b.name", "plot": "p.name", "product": "pr.name",
		"quantity": "l.quantity", "unit": "l.unit", "override": "l.override_reason"},
		"lots l JOIN plots p ON p.id = l.plot_id JOIN bases b ON b.id = p.base_id JOIN products pr ON pr.id = l.product_id",
		"l.source = 'harvest' AND l.voided = 0", "l.produced_on, l.id").
		with(func(k *Kind) {
			k.date, k.base, k.plot, k.product, k.lot = "l.produced_on", "p.base_id", "l.plot_id", "l.product_id", "l.id"
		}),
	{ID: "lots", Zh: "批次", En: "lots", from: "lots l JOIN products pr ON pr.id = l.product_id LEFT JOIN plots p ON p.id = l.plot_id LEFT JOIN bases b ON b.id = p.base_id",
		order: "l.produced_on, l.id", date: "l.produced_on", base: "p.base_id", plot: "l.plot_id", product: "l.product_id", lot: "l.id",
		cols: []column{
			c("批次追溯码", "lot code", "l.code"), c("国家追溯码", "national code", "coalesce(l.national_code, '')"), c("国家追溯短码", "national short code", "coalesce(l.national_short_code, '')"),
			c("产品名称", "product", "pr.name"), ce("来源", "source", "l.source", lotSource), c("基地名称", "base", "coalesce(b.name, '')"), c("地块名称", "plot", "coalesce(p.name, '')"),
			ct(colDate, "生产日期", "date", "l.produced_on"), cn("数量", "quantity", "l.quantity"), c("单位", "unit", "l.unit"),
			cb("安全间隔期例外", "PHI override", "l.phi_override"), c("例外原因", "override reason", "l.override_reason"),
			cb("暂停销售", "on hold", "l.hold"), c("暂停原因", "hold reason", "l.hold_reason"),
			c("上游追溯码", "upstream code", "l.from_code"), c("供货方", "supplier", "l.supplier"), cb("已作废", "void", "l.voided"),
		}},
	{ID: "transformations", Zh: "加工包装", En: "transformations",
		from:  "transformation_inputs ti JOIN transformations t ON t.id = ti.transformation_id JOIN lots li ON li.id = ti.lot_id",
		order: "t.done_on, t.id, ti.id", date: "t.done_on",
		product: "li.product_id",
		lotAny:  "(ti.lot_id IN (%s) OR EXISTS (SELECT 1 FROM lots lo WHERE lo.transformation_id = t.id AND lo.id IN (%s)))",
		cols: []column{
			cn("加工编号", "transformation no", "t.id"), ce("类别", "kind", "t.kind", trKinds), ct(colDate, "日期", "date", "t.done_on"),
			c("投入批次", "input lot", "li.code"), cn("投入数量", "input quantity", "ti.quantity"), c("投入单位", "input unit", "li.unit"),
			c("产出批次", "output lots", "coalesce((SELECT group_concat(lo.code, '、') FROM (SELECT code FROM lots WHERE transformation_id = t.id ORDER BY id) lo), '')"),
			c("备注", "notes", "t.notes"), cb("已作废", "void", "t.voided"),
		}},
	templateKind(importer.KindInspections, map[string]string{"lot": "l.code", "kind": "i.kind", "date": "ts:i.tested_at", "sample_no": "i.sample_no", "item": "i.item",
		"method": "i.method", "basis": "i.basis", "control_da": "i.control_delta_a", "sample_da": "i.sample_delta_a", "rate": "i.rate", "value": "i.value",
		"value_unit": "i.unit", "limit": "i.limit_value", "verdict": "i.verdict", "instrument": "i.instrument", "reagent_lot": "i.reagent_lot", "operator": "i.operator"},
		"inspections i JOIN lots l ON l.id = i.lot_id LEFT JOIN plots p ON p.id = l.plot_id", "i.voided = 0", "i.tested_at, i.id").
		with(func(k *Kind) {
			k.ts, k.base, k.plot, k.product, k.lot = "i.tested_at", "p.base_id", "l.plot_id", "l.product_id", "i.lot_id"
		}),
	// Tests of samples from other producers (testing-station mode): no lot
	// of this site, so not in the inspections template.
	{ID: "external-tests", Zh: "送检样品检测", En: "external tests",
		from: "inspections i", where: "i.lot_id IS NULL", order: "i.tested_at, i.id", ts: "i.tested_at",
		cols: []column{
			c("送检主体", "entity", "i.external_entity"), c("来源追溯码", "source code", "i.external_code"), ce("检测类型", "kind", "i.kind", inspKinds),
			ct(colTime, "检测时间", "tested at", "i.tested_at"), c("样品编号", "sample no", "i.sample_no"), c("样品名称", "sample name", "i.sample_name"),
			c("检测项目", "item", "i.item"), c("检测方法", "method", "i.method"), c("检测依据", "basis", "i.basis"),
			cn("对照ΔA", "control dA", "i.control_delta_a"), cn("样品ΔA", "sample dA", "i.sample_delta_a"), cn("抑制率(%)", "rate (%)", "i.rate"),
			cn("检测值", "value", "i.value"), c("检测值单位", "value unit", "i.unit"), cn("限量", "limit", "i.limit_value"),
			ce("结果", "verdict", "i.verdict", verdicts), c("仪器", "instrument", "i.instrument"), c("仪器序列号", "instrument serial", "i.instrument_serial"),
			c("试剂批号", "reagent lot", "i.reagent_lot"), c("检测人", "operator", "i.operator"), ce("来源", "source", "i.source", inspSources),
			cb("已作废", "void", "i.voided"),
		}},
	{ID: "readings", Zh: "仪器读数", En: "readings",
		from:  "readings r LEFT JOIN inspections i ON i.id = r.inspection_id LEFT JOIN lots l ON l.id = i.lot_id",
		order: "r.tested_at, r.id", ts: "r.tested_at", product: "l.product_id", lot: "i.lot_id",
		cols: []column{
			c("仪器", "instrument", "r.instrument"), c("型号", "model", "r.model"), c("仪器序列号", "serial no", "r.serial_no"), c("记录号", "record no", "r.record_no"),
			ct(colTime, "检测时间", "tested at", "r.tested_at"), cn("通道", "channel", "r.channel"), c("样品编号", "sample no", "r.sample_no"),
			c("样品名称", "sample name", "r.sample_name"), c("检测项目", "item", "r.item"), cn("对照ΔA", "control dA", "r.control_delta_a"),
			cn("样品ΔA", "sample dA", "r.sample_delta_a"), cn("抑制率(%)", "rate (%)", "r.rate"), cn("检测值", "value", "r.value"), c("检测值单位", "value unit", "r.unit"),
			c("仪器结果", "instrument result", "r.result"), cb("可疑", "suspect", "r.suspect"), ce("状态", "status", "r.status", rdStatus),
			c("绑定批次", "bound lot", "coalesce(l.code, '')"), ce("检测结论", "verdict", "coalesce(i.verdict, '')", verdicts),
			c("原始数据", "raw", "r.raw"),
		}},
	{ID: "certificates", Zh: "合格证", En: "certificates",
		from: "certificates x JOIN lots l ON l.id = x.lot_id LEFT JOIN plots p ON p.id = l.plot_id", order: "x.issued_on, x.id",
		date: "x.issued_on", base: "p.base_id", plot: "l.plot_id", product: "l.product_id", lot: "x.lot_id",
		cols: []column{
			c("合格证编号", "certificate no", "x.cert_no"), c("批次追溯码", "lot code", "l.code"), ce("样式", "style", "x.style", certStyle),
			ct(colList, "承诺依据", "basis", "x.basis"), c("承诺书版本", "promise version", "x.promise_version"), c("产品名称", "product", "x.product_name"),
			cn("数量", "quantity", "x.quantity"), c("单位", "unit", "x.unit"), c("产地", "origin", "x.origin"), c("开具单位", "issuer", "x.issuer"),
			c("联系方式", "contact", "x.contact"), ct(colDate, "开具日期", "issued on", "x.issued_on"), c("上游合格证编号", "upstream certificate no", "x.upstream_cert_no"),
			cb("已作废", "void", "x.voided"),
		}},
	{ID: "disposals", Zh: "处置", En: "disposals",
		from: "disposals d JOIN lots l ON l.id = d.lot_id LEFT JOIN plots p ON p.id = l.plot_id", order: "d.disposed_on, d.id",
		date: "d.disposed_on", base: "p.base_id", plot: "l.plot_id", product: "l.product_id", lot: "d.lot_id",
		cols: []column{
			c("批次追溯码", "lot code", "l.code"), ct(colDate, "处置日期", "date", "d.disposed_on"), ce("处置方式", "method", "d.method", dispMeth),
			cn("数量", "quantity", "d.quantity"), c("单位", "unit", "l.unit"), cb("已作废", "void", "d.voided"),
		}},
	templateKind(importer.KindShipments, map[string]string{"lot": "l.code", "date": "s.shipped_on", "buyer": "s.buyer_name", "buyer_code": "s.buyer_code",
		"buyer_type": "s.buyer_type", "quantity": "s.quantity", "unit": "s.unit"},
		"shipments s JOIN lots l ON l.id = s.lot_id LEFT JOIN plots p ON p.id = l.plot_id", "s.voided = 0", "s.shipped_on, s.id").
		with(func(k *Kind) {
			k.date, k.base, k.plot, k.product, k.lot = "s.shipped_on", "p.base_id", "l.plot_id", "l.product_id", "s.lot_id"
		}),
	templateKind(importer.KindReceipts, map[string]string{"date": "r.received_on", "supplier": "r.supplier_name", "supplier_code": "r.supplier_code",
		"upstream_code": "r.upstream_code", "upstream_cert": "r.upstream_cert_no", "product": "pr.name", "quantity": "l.quantity", "unit": "l.unit"},
		"receipts r JOIN lots l ON l.id = r.lot_id JOIN products pr ON pr.id = l.product_id", "r.voided = 0", "r.received_on, r.id").
		with(func(k *Kind) { k.date, k.product, k.lot = "r.received_on", "l.product_id", "r.lot_id" }),
	{ID: "print-jobs", Zh: "打印任务", En: "print jobs",
		from: "print_jobs j JOIN lots l ON l.id = j.lot_id LEFT JOIN certificates x ON x.id = j.certificate_id", order: "j.id",
		product: "l.product_id", lot: "j.lot_id",
		cols: []column{
			cn("任务编号", "job no", "j.id"), ce("类别", "kind", "j.kind", jobKinds), c("批次追溯码", "lot code", "l.code"),
			c("合格证编号", "certificate no", "coalesce(x.cert_no, '')"), cn("份数", "copies", "j.copies"), cn("起始序号", "first serial", "j.first_serial"),
			cn("已打印", "printed", "j.printed"), cn("作废标签数", "voided labels", "(SELECT count(*) FROM label_voids v WHERE v.job_id = j.id)"),
			c("打印机", "printer", "j.printer"), c("尺寸", "size", "j.size"), cn("分辨率(dpi)", "dpi", "j.dpi"), c("打印语言", "printer language", "j.lang"),
			cn("重打自任务", "reprint of job", "j.reprint_of"), ce("状态", "status", "j.status", jobStatus), c("最后错误", "last error", "j.last_error"),
		}},
	{ID: "voids", Zh: "作废与更正", En: "voids and corrections",
		from:  "journal jn",
		where: "(jn.kind LIKE '%.void' OR jn.kind LIKE '%.correct' OR jn.reason <> '')", order: "jn.seq", ts: "jn.at",
		cols: []column{
			cn("日志序号", "journal seq", "jn.seq"), ct(colTime, "时间", "time", "jn.at"), c("操作人", "user", "jn.actor"),
			ce("操作", "action", "CASE WHEN jn.kind LIKE '%.void' THEN 'void' WHEN jn.kind LIKE '%.correct' THEN 'correct' ELSE jn.kind END", actions),
			ce("记录类别", "record kind", "CASE WHEN instr(jn.ref, ':') > 0 THEN substr(jn.ref, 1, instr(jn.ref, ':') - 1) ELSE jn.ref END", tables),
			c("记录", "record", "jn.ref"), c("原因", "reason", "jn.reason"), cn("取代的日志序号", "supersedes seq", "jn.supersedes"),
		}},
	// users: never the password hash or any secret.
	{ID: "users", Zh: "用户", En: "users", from: "users u", order: "u.id",
		cols: []column{
			c("用户名", "username", "u.username"), c("姓名", "name", "u.display_name"), ce("角色", "role", "u.role", roles),
			cb("已停用", "disabled", "u.disabled"), ct(colTime, "创建时间", "created at", "u.created_at"),
		}},
}

func (k Kind) with(fn func(*Kind)) Kind { fn(&k); return k }

// Kinds lists every exportable kind, in archive order.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// KindFor finds a kind by its id, Chinese or English name.
func KindFor(name string) (Kind, bool) {
	n := strings.TrimSpace(name)
	for _, k := range kinds {
		if strings.EqualFold(k.ID, n) || k.Zh == n || strings.EqualFold(k.En, n) {
			return k, true
		}
	}
	return Kind{}, false
}

// kindNames lists the kinds as "id (中文)" for messages.
func kindNames() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = k.ID + " (" + k.Zh + ")"
	}
	return strings.Join(s, "、")
}
