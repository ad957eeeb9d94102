package sim

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The public trace page: what a consumer sees after scanning the QR on a
// label. It walks from the code to the lot, its product, producer, plot and
// base, the inputs applied to that plot before harvest (with the PHI check),
// the tests of the lot and its 合格证. Chinese, one column, readable on a
// phone, no external assets: the fonts come from the simulator itself
// (FontCJKPath, FontLatinPath), so the page renders the same in a browser on
// a machine with no CJK font at all.

// The routes of the bundled fonts the trace page's @font-face rules name:
// assets.CJKFont (hanzi, CJK punctuation) and assets.LatinFont (Latin letters
// and digits, which the CJK subset lacks).
const (
	FontCJKPath   = "/fonts/suyuan-cjk.ttf"
	FontLatinPath = "/fonts/suyuan-latin.ttf"
)

// FontPreload asks the browser to fetch both fonts with the page itself, so
// that they are there by the load event (a screenshot or print taken then
// shows the text, not the blank of the font-display:block period).
const FontPreload = `<link rel="preload" href="` + FontLatinPath + `" as="font" type="font/ttf" crossorigin>
<link rel="preload" href="` + FontCJKPath + `" as="font" type="font/ttf" crossorigin>`

// FontCSS is the @font-face rules and the font-family every page of the
// simulator uses.
const FontCSS = `@font-face{font-family:"Suyuan Latin";src:url("` + FontLatinPath + `") format("truetype");font-display:block}
@font-face{font-family:"Suyuan CJK";src:url("` + FontCJKPath + `") format("truetype");font-display:block}
body{font-family:"Suyuan Latin","Suyuan CJK",sans-serif}`

// serveFont serves one embedded TrueType font (font/ttf, RFC 8081), cacheable
// for a day; the bytes never change while the simulator runs.
func serveFont(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/ttf")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(b)
		}
	}
}

type inputView struct {
	Date, Name, RegNo, Dose, Target string
	PHIDays, Days                   int
	PHIKnown, OK                    bool
}

type testView struct {
	Time, Item, Method, Basis, Rate, Verdict string
	OK                                       bool
}

type certView struct{ No, Date, Issuer, Basis, Amount string }

type traceView struct {
	Query                     string
	Found, HasLot             bool
	Code, Short, Local        string
	Product, Variety, Spec    string
	Producer, Credit, Contact string
	Address                   string
	Base, Plot, BaseAddress   string
	Harvest, Amount, Source   string
	From                      string
	Voided, Hold              bool
	Inputs                    []inputView
	Tests                     []testView
	Certs                     []certView
	AllInputsOK, AllTestsOK   bool
	Generated                 string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>追溯平台模拟器</title>`+FontPreload+`<style>`+FontCSS+`</style>
<h1>追溯平台模拟器 / platform simulator</h1><p>查询：/t/{追溯码}</p>`)
}

func (s *Server) tracePage(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PathValue("code"))
	v, err := s.traceView(r.Context(), code)
	if err != nil {
		s.log.Error("trace page", "err", err)
		http.Error(w, "平台内部错误 / internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !v.Found {
		w.WriteHeader(http.StatusNotFound)
	}
	if err := traceTmpl.Execute(w, v); err != nil {
		s.log.Error("trace template", "err", err)
	}
}

func (s *Server) obj(ctx context.Context, account, ref string) (map[string]any, bool) {
	var data string
	if err := s.db.QueryRowContext(ctx, "SELECT data FROM objects WHERE account = ? AND ref = ?", account, ref).Scan(&data); err != nil {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal([]byte(data), &m) != nil {
		return nil, false
	}
	return m, true
}

func (s *Server) objs(ctx context.Context, account, typ, field string, value any) ([]map[string]any, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT data FROM objects WHERE account = ? AND type = ? AND json_extract(data, '$.'||?) = ? ORDER BY seq", account, typ, field, value)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		var m map[string]any
		if json.Unmarshal([]byte(d), &m) == nil {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func num(m map[string]any, k string) (float64, bool) {
	v, ok := m[k].(float64)
	return v, ok
}

func (s *Server) traceView(ctx context.Context, q string) (*traceView, error) {
	v := &traceView{Query: q, Generated: s.opts.Now().Format("2006-01-02 15:04")}
	var account, ref string
	err := s.db.QueryRowContext(ctx, "SELECT account, ref, code, short_code FROM codes WHERE code = ? OR short_code = ?", q, q).Scan(&account, &ref, &v.Code, &v.Short)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.QueryRowContext(ctx, "SELECT account, ref FROM objects WHERE type = 'lot' AND json_extract(data,'$.insideTraceCode') = ? LIMIT 1", q).Scan(&account, &ref)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.Found = true
	if ref == "" {
		return v, nil // a pre-allocated code not yet bound to a lot
	}
	lot, ok := s.obj(ctx, account, ref)
	if !ok {
		return v, nil
	}
	v.HasLot = true
	v.Local = str(lot, "insideTraceCode")
	if v.Code == "" {
		v.Code, v.Short = str(lot, "traceCode"), str(lot, "traceCodeShort")
		if v.Code == "" {
			_ = s.db.QueryRowContext(ctx, "SELECT code, short_code FROM codes WHERE account = ? AND ref = ?", account, ref).Scan(&v.Code, &v.Short)
		}
	}
	v.Harvest, v.Source, v.From = str(lot, "harvestTime"), str(lot, "productSource"), str(lot, "fromzsm")
	v.Amount = str(lot, "productAmount") + " " + str(lot, "productUnit")
	v.Voided = str(lot, "voided") == "1"
	v.Hold = str(lot, "freeze") == "1"
	if pid, ok := num(lot, "productId"); ok {
		if p, ok := s.obj(ctx, account, "products:"+strconv.FormatInt(int64(pid), 10)); ok {
			v.Product, v.Variety, v.Spec = str(p, "productName"), str(p, "variety"), str(p, "model")
		}
	}
	var ed string
	if s.db.QueryRowContext(ctx, "SELECT data FROM objects WHERE account = ? AND type = 'entity' ORDER BY seq DESC LIMIT 1", account).Scan(&ed) == nil {
		var e map[string]any
		if json.Unmarshal([]byte(ed), &e) == nil {
			v.Producer, v.Credit, v.Contact, v.Address = str(e, "enterpriseName"), str(e, "creditCode"), str(e, "contactPhone"), str(e, "address")
		}
	}
	if v.Producer == "" {
		_ = s.db.QueryRowContext(ctx, "SELECT name, credit_code FROM accounts WHERE account = ?", account).Scan(&v.Producer, &v.Credit)
	}
	harvest, herr := time.Parse("2006-01-02", v.Harvest)
	if plotID, ok := num(lot, "plotId"); ok {
		if p, ok := s.obj(ctx, account, "plots:"+strconv.FormatInt(int64(plotID), 10)); ok {
			v.Plot = str(p, "plotName")
			if bid, ok := num(p, "baseId"); ok {
				if b, ok := s.obj(ctx, account, "bases:"+strconv.FormatInt(int64(bid), 10)); ok {
					v.Base, v.BaseAddress = str(b, "baseName"), str(b, "address")
				}
			}
		}
		apps, err := s.objs(ctx, account, "input_application", "plotId", plotID)
		if err != nil {
			return nil, err
		}
		v.AllInputsOK = true
		for _, a := range apps {
			if str(a, "voided") == "1" || (herr == nil && str(a, "useDate") > v.Harvest) {
				continue
			}
			iv := inputView{Date: str(a, "useDate"), Dose: str(a, "dose") + " " + str(a, "doseUnit"), Target: str(a, "preventObject")}
			if mid, ok := num(a, "materialId"); ok {
				if m, ok := s.obj(ctx, account, "materials:"+strconv.FormatInt(int64(mid), 10)); ok {
					iv.Name, iv.RegNo = str(m, "inputName"), str(m, "registrationNo")
					if phi, ok := num(m, "safeIntervalDays"); ok {
						iv.PHIDays, iv.PHIKnown = int(phi), true
					}
				}
			}
			if d, err := time.Parse("2006-01-02", iv.Date); err == nil && herr == nil {
				iv.Days = int(harvest.Sub(d).Hours() / 24)
			}
			iv.OK = !iv.PHIKnown || iv.Days >= iv.PHIDays
			v.AllInputsOK = v.AllInputsOK && iv.OK
			v.Inputs = append(v.Inputs, iv)
		}
	}
	lotID := ref[strings.IndexByte(ref, ':')+1:]
	id, _ := strconv.ParseInt(lotID, 10, 64)
	tests, err := s.objs(ctx, account, "inspection", "lotId", id)
	if err != nil {
		return nil, err
	}
	v.AllTestsOK = true
	for _, t := range tests {
		if str(t, "voided") == "1" {
			continue
		}
		tv := testView{Time: strings.Replace(strings.TrimSuffix(str(t, "checkTime"), "Z"), "T", " ", 1), Item: str(t, "checkItem"), Method: str(t, "checkMethod"), Basis: str(t, "checkBasis")}
		if rate, ok := num(t, "inhibitionRate"); ok {
			tv.Rate = strconv.FormatFloat(rate, 'f', 1, 64) + "%"
		}
		switch str(t, "mediResult") {
		case "negative":
			tv.Verdict, tv.OK = "合格（阴性）", true
		case "positive":
			tv.Verdict = "不合格（阳性）"
		default:
			tv.Verdict = "无效，需复检"
		}
		v.AllTestsOK = v.AllTestsOK && tv.OK
		v.Tests = append(v.Tests, tv)
	}
	certs, err := s.objs(ctx, account, "certificate", "lotId", id)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if str(c, "voided") == "1" {
			continue
		}
		var basis []string
		_ = json.Unmarshal([]byte(str(c, "basis")), &basis)
		v.Certs = append(v.Certs, certView{No: str(c, "certNo"), Date: str(c, "issueDate"), Issuer: str(c, "issuer"), Basis: strings.Join(basis, "、"),
			Amount: str(c, "amount") + " " + str(c, "unit")})
	}
	return v, nil
}

var traceTmpl = template.Must(template.New("trace").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{if .HasLot}}{{.Product}} - {{end}}农产品追溯查询</title>
` + FontPreload + `
<style>
` + FontCSS + `
body{margin:0;background:#f3f6f2;color:#1d2b1f;font-size:16px;line-height:1.5}
header{background:#2e7d32;color:#fff;padding:18px 16px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;font-size:13px;opacity:.9;word-break:break-all}
main{max-width:640px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:10px;padding:12px 14px;margin-bottom:12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 8px;color:#2e7d32}
dl{margin:0;display:grid;grid-template-columns:6.5em 1fr;gap:4px 8px}
dt{color:#5b6b5d}dd{margin:0;word-break:break-all}
.ok{color:#1b7f2a;font-weight:bold}.bad{color:#c62828;font-weight:bold}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;background:#e8f5e9;color:#1b7f2a;font-weight:bold}
.badge.bad{background:#ffebee;color:#c62828}
ul{list-style:none;margin:0;padding:0}li{border-top:1px solid #e6ece6;padding:8px 0}li:first-child{border-top:0}
.small{font-size:13px;color:#5b6b5d}
footer{text-align:center;font-size:12px;color:#7a887b;padding:12px}
</style></head><body>
<header><h1>{{if .HasLot}}{{.Product}}{{else}}农产品追溯查询{{end}}</h1><p>追溯码：{{.Query}}</p></header>
<main>
{{if not .Found}}
<section><h2>未找到该追溯码</h2><p>请核对标签上的追溯码，或稍后再查（离线生产的批次上传平台后才能查询）。</p></section>
{{else if not .HasLot}}
<section><h2>追溯码已登记</h2><p>该码已由平台分配，批次信息尚未上传。</p></section>
{{else}}
{{if .Voided}}<section><p class="bad">该批次已作废。</p></section>{{end}}
{{if .Hold}}<section><p class="bad">该批次因检测问题暂停销售。</p></section>{{end}}
<section><h2>追溯概览</h2><dl>
<dt>检测结果</dt><dd>{{if .Tests}}{{if .AllTestsOK}}<span class="ok">合格（阴性）</span>{{else}}<span class="bad">有不合格或无效结果</span>{{end}}{{else}}暂无检测{{end}}</dd>
<dt>合格证</dt><dd>{{if .Certs}}<span class="ok">已开具承诺达标合格证</span>{{else}}暂无{{end}}</dd>
<dt>投入品</dt><dd>{{if .Inputs}}{{if .AllInputsOK}}<span class="ok">符合安全间隔期</span>{{else}}<span class="bad">存在未满安全间隔期的用药</span>{{end}}{{else}}无用药记录{{end}}</dd>
</dl></section>
<section><h2>产品信息</h2><dl>
<dt>产品名称</dt><dd>{{.Product}}{{if .Variety}}（{{.Variety}}）{{end}}</dd>
{{if .Spec}}<dt>规格</dt><dd>{{.Spec}}</dd>{{end}}
<dt>采收日期</dt><dd>{{.Harvest}}</dd>
<dt>批次数量</dt><dd>{{.Amount}}</dd>
<dt>来源</dt><dd>{{.Source}}{{if .From}}（上游追溯码 {{.From}}）{{end}}</dd>
{{if .Code}}<dt>国家追溯码</dt><dd>{{.Code}}</dd>{{end}}
{{if .Short}}<dt>短码</dt><dd>{{.Short}}</dd>{{end}}
<dt>企业批次码</dt><dd>{{.Local}}</dd>
</dl></section>
<section><h2>生产主体</h2><dl>
<dt>生产者</dt><dd>{{.Producer}}</dd>
{{if .Credit}}<dt>信用代码</dt><dd>{{.Credit}}</dd>{{end}}
{{if .Contact}}<dt>联系电话</dt><dd>{{.Contact}}</dd>{{end}}
{{if .Base}}<dt>生产基地</dt><dd>{{.Base}}</dd>{{end}}
{{if .Plot}}<dt>地块</dt><dd>{{.Plot}}</dd>{{end}}
{{if .BaseAddress}}<dt>产地</dt><dd>{{.BaseAddress}}</dd>{{end}}
</dl></section>
<section><h2>投入品使用记录</h2>
{{if .Inputs}}<p>{{if .AllInputsOK}}<span class="badge">全部符合安全间隔期</span>{{else}}<span class="badge bad">存在未满安全间隔期的用药</span>{{end}}</p><ul>
{{range .Inputs}}<li><b>{{.Name}}</b> {{.Dose}}<br><span class="small">{{.Date}}{{if .Target}} · 防治{{.Target}}{{end}}{{if .RegNo}} · 登记证 {{.RegNo}}{{end}}</span><br>
{{if .PHIKnown}}{{if .OK}}<span class="ok">符合安全间隔期</span>（间隔 {{.Days}} 天，要求 ≥ {{.PHIDays}} 天）{{else}}<span class="bad">未满安全间隔期</span>（间隔 {{.Days}} 天，要求 ≥ {{.PHIDays}} 天）{{end}}{{else}}安全间隔期：未标注{{end}}</li>{{end}}
</ul>{{else}}<p class="small">采收前无投入品使用记录。</p>{{end}}</section>
<section><h2>检测结果</h2>
{{if .Tests}}<ul>{{range .Tests}}<li><b>{{.Item}}</b>：<span class="{{if .OK}}ok{{else}}bad{{end}}">{{.Verdict}}</span>{{if .Rate}}（抑制率 {{.Rate}}）{{end}}<br>
<span class="small">{{.Time}} · {{.Method}}{{if .Basis}} · {{.Basis}}{{end}}</span></li>{{end}}</ul>
{{else}}<p class="small">暂无检测记录。</p>{{end}}</section>
<section><h2>承诺达标合格证</h2>
{{if .Certs}}<ul>{{range .Certs}}<li><b>合格证编号 {{.No}}</b><br><span class="small">开具日期 {{.Date}} · {{.Amount}}</span><br>承诺依据：{{.Basis}}<br>开具主体：{{.Issuer}}</li>{{end}}</ul>
{{else}}<p class="small">暂无合格证。</p>{{end}}</section>
{{end}}
</main>
<footer>农产品质量安全追溯 · 查询时间 {{.Generated}}<br>（模拟平台，仅供测试与培训）</footer>
</body></html>`))
