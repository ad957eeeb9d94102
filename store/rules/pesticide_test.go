package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, cst)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

// Every ingredient of domain.md §8.1 (rows 1–50 and the 2026 row), typed in from the table
// rather than read from the JSON, so a dropped row fails here.
var domainBanned = strings.Fields(`六六六 滴滴涕 毒杀芬 二溴氯丙烷 杀虫脒 二溴乙烷 除草醚 艾氏剂 狄氏剂 汞制剂 砷类 铅类
敌枯双 氟乙酰胺 甘氟 毒鼠强 氟乙酸钠 毒鼠硅 甲胺磷 甲基对硫磷 对硫磷 久效磷 磷胺 苯线磷 地虫硫磷 甲基硫环磷 磷化钙
磷化镁 磷化锌 硫线磷 蝇毒磷 治螟磷 特丁硫磷 氯磺隆 胺苯磺隆 甲磺隆 福美胂 福美甲胂 三氯杀螨醇 百草枯 林丹 硫丹 溴甲烷
氟虫胺 杀扑磷 2,4-滴丁酯 甲拌磷 甲基异柳磷 水胺硫磷 灭线磷 氧乐果 克百威 灭多威 涕灭威`)

// domain.md §8.2, one entry per ingredient × scope row.
var domainCropBanned = map[string][]string{
	"内吸磷": {"蔬菜", "瓜果", "茶叶", "中草药材"}, "硫环磷": {"蔬菜", "瓜果", "茶叶", "中草药材"}, "氯唑磷": {"蔬菜", "瓜果", "茶叶", "中草药材"},
	"乙酰甲胺磷": {"蔬菜", "瓜果", "茶叶", "菌类", "中草药材"}, "丁硫克百威": {"蔬菜", "瓜果", "茶叶", "菌类", "中草药材"}, "乐果": {"蔬菜", "瓜果", "茶叶", "菌类", "中草药材"},
	"毒死蜱": {"蔬菜"}, "三唑磷": {"蔬菜"}, "丁酰肼": {"花生"}, "氰戊菊酯": {"茶树"}, "氟苯虫酰胺": {"水稻"},
}

func TestDefaultListFaithful(t *testing.T) {
	l := DefaultList()
	if l.Source == "" || l.Date == "" || l.Version == "" {
		t.Fatalf("list header incomplete: %+v", l)
	}
	banned := map[string]PesticideRule{}
	nBanned, nCrop := 0, 0
	for _, r := range l.Rules {
		switch r.Kind {
		case KindBanned:
			nBanned++
			banned[r.Ingredient] = r
		case KindCropBanned:
			nCrop++
		}
	}
	if nBanned != len(domainBanned) {
		t.Errorf("%d banned rules, domain.md §8.1 lists %d ingredients", nBanned, len(domainBanned))
	}
	for _, ing := range domainBanned {
		if _, ok := banned[ing]; !ok {
			t.Errorf("§8.1 ingredient %s missing from the banned rules", ing)
		}
	}
	for _, ing := range []string{"氧乐果", "克百威", "灭多威", "涕灭威"} {
		if r := banned[ing]; r.From != "2026-06-01" {
			t.Errorf("%s full ban from %q, want 2026-06-01", ing, r.From)
		}
	}
	for _, ing := range []string{"甲拌磷", "甲基异柳磷", "水胺硫磷", "灭线磷"} {
		if r := banned[ing]; r.From != "2024-09-01" {
			t.Errorf("%s ban from %q, want 2024-09-01", ing, r.From)
		}
	}
	// 8 (199/274) + 3 (甘蔗) + 3 + 3 + 2 + 1 + 1 + 1 (氟虫腈) + 1 = 23 ingredient×scope rows.
	if nCrop != 23 {
		t.Errorf("%d crop-banned rules, want 23", nCrop)
	}
	for ing, scope := range domainCropBanned {
		found := false
		for _, r := range l.Rules {
			if r.Kind == KindCropBanned && r.Ingredient == ing {
				found = true
				for _, s := range scope {
					if !contains(r.Crops, s) {
						t.Errorf("%s crop ban lacks %s: %v", ing, s, r.Crops)
					}
				}
			}
		}
		if !found {
			t.Errorf("§8.2 ingredient %s missing", ing)
		}
	}
}

func TestDefaultListIsACopy(t *testing.T) {
	a := DefaultList()
	a.Rules[0].Ingredient = "changed"
	a.Rules[0].Aliases = append(a.Rules[0].Aliases[:0], "x")
	a.Rules = a.Rules[:1]
	b := DefaultList()
	if len(b.Rules) < 2 || b.Rules[0].Ingredient == "changed" || contains(b.Rules[0].Aliases, "x") {
		t.Fatal("DefaultList shares state between callers")
	}
}

func TestCheck(t *testing.T) {
	veg := CropInfo{Category: "蔬菜", Crop: "白菜"}
	citrus := CropInfo{Category: "瓜果", Crop: "柑橘"}
	tea := CropInfo{Category: "茶叶", Crop: "茶树"}
	rice := CropInfo{Category: "粮食", Crop: "水稻"}
	cane := CropInfo{Category: "糖料", Crop: "甘蔗"}
	peanut := CropInfo{Category: "油料", Crop: "花生"}
	tests := []struct {
		name string
		ings []string
		crop CropInfo
		tox  string
		on   string
		rule string // "" = allowed
		arg  string // expected Args["ingredient"] when a ban fires
	}{
		{"legal product", []string{"吡虫啉"}, veg, "低毒", "2026-11-28", "", ""},
		{"chlorpyrifos on vegetables", []string{"毒死蜱"}, veg, "中等毒", "2026-11-28", RuleCropBannedPesticide, "毒死蜱"},
		{"chlorpyrifos before its ban", []string{"毒死蜱"}, veg, "中等毒", "2016-12-30", "", ""},
		{"chlorpyrifos on its first ban day", []string{"毒死蜱"}, veg, "中等毒", "2016-12-31", RuleCropBannedPesticide, "毒死蜱"},
		{"chlorpyrifos on rice", []string{"毒死蜱"}, rice, "中等毒", "2026-11-28", "", ""},
		{"omethoate on rice before full ban", []string{"氧乐果"}, rice, "中等毒", "2026-05-31", "", ""},
		{"omethoate on rice from full ban", []string{"氧乐果"}, rice, "中等毒", "2026-06-01", RuleBannedPesticide, "氧乐果"},
		{"omethoate on citrus before full ban", []string{"氧乐果"}, citrus, "中等毒", "2026-05-31", RuleCropBannedPesticide, "氧乐果"},
		{"carbofuran on sugarcane", []string{"克百威"}, cane, "", "2026-05-31", RuleCropBannedPesticide, "克百威"},
		{"carbofuran alias", []string{"呋喃丹"}, rice, "", "2026-06-01", RuleBannedPesticide, "克百威"},
		{"english alias any case", []string{" Carbofuran "}, rice, "", "2026-06-01", RuleBannedPesticide, "克百威"},
		{"mixture second ingredient", []string{"阿维菌素", "毒死蜱"}, veg, "", "2026-11-28", RuleCropBannedPesticide, "毒死蜱"},
		{"mixture in one name", []string{"阿维菌素·毒死蜱"}, veg, "", "2026-11-28", RuleCropBannedPesticide, "毒死蜱"},
		{"mixture with plus", []string{"吡虫啉+甲拌磷"}, rice, "", "2026-11-28", RuleBannedPesticide, "甲拌磷"},
		{"banned wins over crop ban", []string{"毒死蜱", "甲拌磷"}, veg, "", "2026-11-28", RuleBannedPesticide, "甲拌磷"},
		{"full-width and spaces", []string{"２，４－滴 丁酯"}, rice, "", "2026-11-28", RuleBannedPesticide, "2,4-滴丁酯"},
		{"spaces inside", []string{" 甲 拌 磷 "}, rice, "", "2026-11-28", RuleBannedPesticide, "甲拌磷"},
		{"dimethoate is not omethoate", []string{"乐果"}, rice, "中等毒", "2026-11-28", "", ""},
		{"dimethoate on vegetables", []string{"乐果"}, veg, "中等毒", "2026-11-28", RuleCropBannedPesticide, "乐果"},
		{"fenvalerate on tea", []string{"氰戊菊酯"}, tea, "中等毒", "2026-11-28", RuleCropBannedPesticide, "氰戊菊酯"},
		{"fenvalerate on tea by name only", []string{"氰戊菊酯"}, CropInfo{Category: "其他", Crop: "茶"}, "中等毒", "2026-11-28", RuleCropBannedPesticide, "氰戊菊酯"},
		{"fenvalerate on rice", []string{"氰戊菊酯"}, rice, "中等毒", "2026-11-28", "", ""},
		{"daminozide on peanut", []string{"比久"}, peanut, "低毒", "2026-11-28", RuleCropBannedPesticide, "丁酰肼"},
		{"daminozide on rice", []string{"丁酰肼"}, rice, "低毒", "2026-11-28", "", ""},
		{"flubendiamide on rice", []string{"氟苯虫酰胺"}, rice, "低毒", "2018-10-01", RuleCropBannedPesticide, "氟苯虫酰胺"},
		{"flubendiamide on rice before ban", []string{"氟苯虫酰胺"}, rice, "低毒", "2018-09-30", "", ""},
		{"fipronil on maize", []string{"氟虫腈"}, CropInfo{Category: "粮食", Crop: "玉米"}, "", "2026-11-28", RuleCropBannedPesticide, "氟虫腈"},
		{"highly toxic on tea", []string{"某高毒成分"}, tea, "高毒", "2026-11-28", RuleHighlyToxic, ""},
		{"extremely toxic on aquatic", []string{"某成分"}, CropInfo{Category: "水生植物", Crop: "茭白"}, "剧毒", "2026-11-28", RuleHighlyToxic, ""},
		{"highly toxic on citrus", []string{"某成分"}, citrus, "高毒", "2026-11-28", RuleHighlyToxic, ""},
		{"highly toxic on rice allowed", []string{"某成分"}, rice, "高毒", "2026-11-28", "", ""},
		{"technical grade toxicity ignored", []string{"某成分"}, veg, "中等毒(原药高毒)", "2026-11-28", "", ""},
		{"full-width bracket toxicity", []string{"某成分"}, veg, "低毒（原药高毒）", "2026-11-28", "", ""},
		{"unknown toxicity", []string{"某成分"}, veg, "很毒", "2026-11-28", RuleToxicityUnknown, ""},
		{"unknown category", []string{"吡虫啉"}, CropInfo{Category: "水果"}, "", "2026-11-28", RuleCropCategory, ""},
		{"empty category", []string{"吡虫啉"}, CropInfo{}, "", "2026-11-28", RuleCropCategory, ""},
		{"no ingredients", nil, veg, "", "2026-11-28", RuleIngredientMissing, ""},
		{"blank ingredients", []string{" ", "·"}, veg, "", "2026-11-28", RuleIngredientMissing, ""},
	}
	l := DefaultList()
	for _, tt := range tests {
		err := l.Check(tt.ings, tt.crop, tt.tox, day(tt.on))
		if tt.rule == "" {
			if err != nil {
				t.Errorf("%s: Check = %v, want nil", tt.name, err)
			}
			continue
		}
		var v *Violation
		if !errors.As(err, &v) || v.Rule != tt.rule {
			t.Errorf("%s: Check = %v, want rule %s", tt.name, err, tt.rule)
			continue
		}
		if tt.arg != "" && v.Args["ingredient"] != tt.arg {
			t.Errorf("%s: ingredient %q, want %q", tt.name, v.Args["ingredient"], tt.arg)
		}
	}
}

// A ban starts on a calendar day in the caller's zone: 00:30 on 2026-06-01 in China is after
// the start even though it is still 2026-05-31 in UTC.
func TestCheckUsesCallerCalendarDay(t *testing.T) {
	l := DefaultList()
	rice := CropInfo{Category: "粮食", Crop: "水稻"}
	justAfter := time.Date(2026, 6, 1, 0, 30, 0, 0, cst)
	if err := l.Check([]string{"克百威"}, rice, "", justAfter); !IsRule(err, RuleBannedPesticide) {
		t.Errorf("00:30 CST on the ban day: %v", err)
	}
	justBefore := time.Date(2026, 5, 31, 23, 30, 0, 0, cst)
	if err := l.Check([]string{"克百威"}, rice, "", justBefore); err != nil {
		t.Errorf("23:30 CST the day before: %v", err)
	}
}

func TestCheckRuleTo(t *testing.T) {
	l := &PesticideList{Source: "t", Version: "1", Date: "2026-01-01", Rules: []PesticideRule{
		{Ingredient: "测试磷", Kind: KindBanned, From: "2020-01-01", To: "2020-12-31"},
	}}
	veg := CropInfo{Category: "蔬菜"}
	for on, want := range map[string]bool{"2019-12-31": false, "2020-01-01": true, "2020-12-31": true, "2021-01-01": false} {
		if got := l.Check([]string{"测试磷"}, veg, "", day(on)) != nil; got != want {
			t.Errorf("on %s refused=%v, want %v", on, got, want)
		}
	}
}

func TestCheckNilAndEmptyList(t *testing.T) {
	var l *PesticideList
	if err := l.Check([]string{"甲拌磷"}, CropInfo{Category: "粮食"}, "", day("2026-11-28")); !IsRule(err, RuleBannedPesticide) {
		t.Errorf("nil list should use the default: %v", err)
	}
	empty := &PesticideList{}
	if err := empty.Check([]string{"吡虫啉"}, CropInfo{Category: "粮食"}, "", day("2026-11-28")); !IsRule(err, RulePesticideList) {
		t.Errorf("empty list must refuse: %v", err)
	}
}

func TestCropCategoriesOrder(t *testing.T) {
	want := "蔬菜 瓜果 茶叶 菌类 中草药材 水生植物 粮食 油料 糖料 其他"
	if got := strings.Join(CropCategories, " "); got != want {
		t.Errorf("CropCategories = %s, want %s", got, want)
	}
}

func TestLoadListErrors(t *testing.T) {
	const ok = `{"source":"s","version":"1","date":"2026-01-01","rules":[{"ingredient":"甲","aliases":[],"kind":"banned","crops":[],"from":"2020-01-01","to":"","notice":"n","source":"s"}]}`
	if _, err := LoadList(strings.NewReader(ok)); err != nil {
		t.Fatalf("valid list refused: %v", err)
	}
	tests := []struct{ name, json, detail string }{
		{"not json", `{`, "not valid list JSON"},
		{"unknown field", strings.Replace(ok, `"notice"`, `"noticee"`, 1), "unknown field"},
		{"trailing data", ok + `{}`, "after the list"},
		{"no source", strings.Replace(ok, `"source":"s","version"`, `"source":"","version"`, 1), "source is empty"},
		{"no version", strings.Replace(ok, `"version":"1"`, `"version":""`, 1), "version is empty"},
		{"bad list date", strings.Replace(ok, `"date":"2026-01-01"`, `"date":"2026-1-1"`, 1), "date"},
		{"no rules", `{"source":"s","version":"1","date":"2026-01-01","rules":[]}`, "no rules"},
		{"empty ingredient", strings.Replace(ok, `"ingredient":"甲"`, `"ingredient":" "`, 1), "ingredient is empty"},
		{"bad kind", strings.Replace(ok, `"kind":"banned"`, `"kind":"restricted"`, 1), "kind"},
		{"banned with crops", strings.Replace(ok, `"crops":[]`, `"crops":["蔬菜"]`, 1), "must not list crops"},
		{"crop-banned without crops", strings.Replace(ok, `"kind":"banned"`, `"kind":"crop-banned"`, 1), "needs crops"},
		{"bad from", strings.Replace(ok, `"from":"2020-01-01"`, `"from":"2020-02-30"`, 1), "from"},
		{"bad to", strings.Replace(ok, `"to":""`, `"to":"tomorrow"`, 1), "to"},
		{"from after to", strings.Replace(ok, `"to":""`, `"to":"2019-01-01"`, 1), "after"},
		{"empty alias", strings.Replace(ok, `"aliases":[]`, `"aliases":[""]`, 1), "empty alias"},
	}
	for _, tt := range tests {
		_, err := LoadList(strings.NewReader(tt.json))
		var v *Violation
		if !errors.As(err, &v) || v.Rule != RulePesticideList {
			t.Errorf("%s: err = %v, want %s", tt.name, err, RulePesticideList)
			continue
		}
		if !strings.Contains(v.Args["detail"], tt.detail) {
			t.Errorf("%s: detail %q lacks %q", tt.name, v.Args["detail"], tt.detail)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	l := DefaultList()
	crop := CropInfo{Category: "瓜果", Crop: "柑橘"}
	on := day("2026-11-28")
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Check([]string{"阿维菌素", "螺螨酯"}, crop, "低毒", on); err != nil {
			b.Fatal(err)
		}
	}
}
