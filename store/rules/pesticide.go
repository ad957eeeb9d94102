package rules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rule kinds in a PesticideList.
const (
	KindBanned     = "banned"      // no sale or use at all from From (domain.md §8.1)
	KindCropBanned = "crop-banned" // no use on the listed crops/categories from From (§8.2)
)

// CropCategories is the ordered list of crop categories a CropInfo may use. Citrus (柑橘,
// 冰糖橙) is 瓜果 and tea is 茶叶, as domain.md §8.2 notes; the first six are the categories on
// which 条例 Art. 34 forbids 剧毒/高毒 pesticides.
var CropCategories = []string{"蔬菜", "瓜果", "茶叶", "菌类", "中草药材", "水生植物", "粮食", "油料", "糖料", "其他"}

// restrictedCategories are the Art. 34 categories (剧毒/高毒 never allowed).
var restrictedCategories = map[string]bool{"蔬菜": true, "瓜果": true, "茶叶": true, "菌类": true, "中草药材": true, "水生植物": true}

// ToxicityLevels are the label toxicity classes (农药毒性分级), most toxic first. A label may add
// the technical-grade class in brackets, e.g. "中等毒(原药高毒)"; the product class (the part
// before the bracket) is what Check judges.
var ToxicityLevels = []string{"剧毒", "高毒", "中等毒", "低毒", "微毒"}

// CropInfo names the crop a pesticide is applied to.
type CropInfo struct {
	Category string // one of CropCategories
	Crop     string // e.g. 柑橘, 茶树, 甘蔗, 花生, 水稻; may be empty
}

// PesticideList is a versioned list of pesticide bans. The default is embedded from
// data/pesticides.json; a site can load a newer one with LoadList when MOA publishes a notice.
type PesticideList struct {
	Source  string          `json:"source"`
	Version string          `json:"version"`
	Date    string          `json:"date"` // YYYY-MM-DD the list was compiled
	Rules   []PesticideRule `json:"rules"`
}

// PesticideRule is one ingredient × ban. From and To are inclusive YYYY-MM-DD calendar dates;
// empty means open (always applied before / forever after).
type PesticideRule struct {
	Ingredient string   `json:"ingredient"`
	Aliases    []string `json:"aliases"`
	Kind       string   `json:"kind"`  // KindBanned or KindCropBanned
	Crops      []string `json:"crops"` // crop categories or crop names; empty for KindBanned
	From       string   `json:"from"`
	To         string   `json:"to"`
	Notice     string   `json:"notice"`
	Source     string   `json:"source"`
	Note       string   `json:"note,omitempty"` // caveats: unverified dates, exceptions the model cannot express
}

//go:embed data/pesticides.json
var defaultListJSON []byte

var (
	defaultOnce sync.Once
	defaultList *PesticideList
	defaultErr  error
)

// DefaultList returns a fresh copy of the embedded list (built from domain.md §8.1/§8.2), so
// callers may modify it freely. The embedded file is checked by the package tests, so a
// broken file can only come from a bad build; then DefaultList returns an empty list and
// Check refuses every product (see Check).
func DefaultList() *PesticideList {
	defaultOnce.Do(func() {
		defaultList, defaultErr = LoadList(bytes.NewReader(defaultListJSON))
	})
	if defaultErr != nil {
		return &PesticideList{Source: "invalid embedded list: " + defaultErr.Error()}
	}
	return defaultList.clone()
}

func (l *PesticideList) clone() *PesticideList {
	c := *l
	c.Rules = make([]PesticideRule, len(l.Rules))
	for i, r := range l.Rules {
		r.Aliases = append([]string(nil), r.Aliases...)
		r.Crops = append([]string(nil), r.Crops...)
		c.Rules[i] = r
	}
	return &c
}

// LoadList reads a pesticide list in the JSON format of data/pesticides.json. Parsing is strict:
// unknown fields, trailing data, bad dates (must be YYYY-MM-DD), unknown kinds, empty
// ingredients, crop bans without crops, banned rules with crops, and From after To are refused
// with a RulePesticideList Violation whose Args["detail"] names the offending rule index.
func LoadList(r io.Reader) (*PesticideList, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var l PesticideList
	if err := dec.Decode(&l); err != nil {
		return nil, listErr(err, "not valid list JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, listErr(nil, "unexpected data after the list object")
	}
	if strings.TrimSpace(l.Source) == "" {
		return nil, listErr(nil, "source is empty")
	}
	if strings.TrimSpace(l.Version) == "" {
		return nil, listErr(nil, "version is empty")
	}
	if !isDate(l.Date) {
		return nil, listErr(nil, "date %q is not YYYY-MM-DD", l.Date)
	}
	if len(l.Rules) == 0 {
		return nil, listErr(nil, "the list has no rules")
	}
	for i, ru := range l.Rules {
		at := "rules[" + strconv.Itoa(i) + "]"
		if normName(ru.Ingredient) == "" {
			return nil, listErr(nil, "%s: ingredient is empty", at)
		}
		for _, a := range ru.Aliases {
			if normName(a) == "" {
				return nil, listErr(nil, "%s (%s): empty alias", at, ru.Ingredient)
			}
		}
		switch ru.Kind {
		case KindBanned:
			if len(ru.Crops) != 0 {
				return nil, listErr(nil, "%s (%s): a banned rule must not list crops", at, ru.Ingredient)
			}
		case KindCropBanned:
			if len(ru.Crops) == 0 {
				return nil, listErr(nil, "%s (%s): a crop-banned rule needs crops", at, ru.Ingredient)
			}
			for _, c := range ru.Crops {
				if normName(c) == "" {
					return nil, listErr(nil, "%s (%s): empty crop", at, ru.Ingredient)
				}
			}
		default:
			return nil, listErr(nil, "%s (%s): kind %q is not %q or %q", at, ru.Ingredient, ru.Kind, KindBanned, KindCropBanned)
		}
		if ru.From != "" && !isDate(ru.From) {
			return nil, listErr(nil, "%s (%s): from %q is not YYYY-MM-DD", at, ru.Ingredient, ru.From)
		}
		if ru.To != "" && !isDate(ru.To) {
			return nil, listErr(nil, "%s (%s): to %q is not YYYY-MM-DD", at, ru.Ingredient, ru.To)
		}
		if ru.From != "" && ru.To != "" && ru.From > ru.To {
			return nil, listErr(nil, "%s (%s): from %s is after to %s", at, ru.Ingredient, ru.From, ru.To)
		}
	}
	return &l, nil
}

func listErr(cause error, format string, a ...any) *Violation {
	v := newViolation(RulePesticideList, "detail", fmt.Sprintf(format, a...))
	v.cause = cause
	return v
}

// isDate reports whether s is exactly a valid YYYY-MM-DD calendar date.
func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// splitIngredients splits mixture names written in one string ("甲拌磷·克百威", "A+B", "A、B")
// into ingredients. Commas are not separators: "2,4-滴丁酯" is one ingredient.
func splitIngredients(in []string) []string {
	var out []string
	for _, s := range in {
		parts := strings.FieldsFunc(halfWidth(s), func(r rune) bool {
			switch r {
			case '·', '•', '・', '+', '、', ';', '；', '/':
				return true
			}
			return false
		})
		for _, p := range parts {
			if normName(p) != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// productToxicity returns the product class of a label toxicity ("中等毒(原药高毒)" ⇒ 中等毒),
// whether it is known, and whether it is empty.
func productToxicity(tox string) (class string, known bool) {
	t := normName(tox)
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = t[:i]
	}
	for _, l := range ToxicityLevels {
		if t == l {
			return l, true
		}
	}
	return t, false
}

// LabelToxicity reports whether tox is a label toxicity the rules know: a
// ToxicityLevels class, optionally followed by the technical-grade class in
// brackets ("低毒(原药高毒)", full-width brackets too). It returns the text
// as it should be kept (the input trimmed), so an import accepts every form
// the store itself accepts and an export of it imports back unchanged.
func LabelToxicity(tox string) (string, bool) {
	tox = strings.TrimSpace(tox)
	if _, known := productToxicity(tox); !known {
		return "", false
	}
	t := normName(tox)
	i := strings.IndexByte(t, '(')
	if i < 0 {
		return tox, true
	}
	inner, ok := strings.CutSuffix(t[i+1:], ")")
	if !ok {
		return "", false
	}
	inner = strings.TrimPrefix(inner, "原药")
	for _, l := range ToxicityLevels {
		if inner == l {
			return tox, true
		}
	}
	return "", false
}

// Check applies the pesticide gates of domain.md §8 to one product used on one crop on the
// calendar day of on (in on's location): every ingredient of a mixture against the banned and
// crop-banned rules in force that day, then the 条例 Art. 34 toxicity gate. It returns the first
// violation, most serious first:
//
//   - RuleIngredientMissing: no ingredient given;
//   - RuleCropCategory (Args category): crop.Category is not one of CropCategories;
//   - RuleToxicityUnknown (Args toxicity): toxicity is neither empty nor a ToxicityLevels class;
//   - RuleBannedPesticide (Args ingredient, from, notice, source);
//   - RuleCropBannedPesticide (Args ingredient, scope, crop, from, notice, source);
//   - RuleHighlyToxic (Args toxicity, category, crop): 剧毒/高毒 on 蔬菜, 瓜果, 茶叶, 菌类,
//     中草药材 or 水生植物.
//
// Ingredient and crop names are compared after removing whitespace, mapping full-width forms to
// ASCII and lower-casing ASCII, against each rule's ingredient and aliases. An empty toxicity is
// allowed (not every record has the label at hand); the store decides whether to require it.
// A nil list means DefaultList(); a list without rules refuses everything (RulePesticideList),
// because an empty list would let every banned product through.
func (l *PesticideList) Check(ingredients []string, crop CropInfo, toxicity string, on time.Time) error {
	if l == nil {
		l = DefaultList()
	}
	if len(l.Rules) == 0 {
		return listErr(nil, "the pesticide list has no rules (source: %s)", l.Source)
	}
	ings := splitIngredients(ingredients)
	if len(ings) == 0 {
		return newViolation(RuleIngredientMissing)
	}
	category := strings.TrimSpace(halfWidth(crop.Category))
	if !restrictedCategories[category] && !contains(CropCategories, category) {
		return newViolation(RuleCropCategory, "category", crop.Category)
	}
	tox, toxKnown := productToxicity(toxicity)
	if tox != "" && !toxKnown {
		return newViolation(RuleToxicityUnknown, "toxicity", toxicity)
	}
	day := on.Format(time.DateOnly)
	cropName := displayCrop(crop)

	for _, kind := range []string{KindBanned, KindCropBanned} {
		for _, ing := range ings {
			key := normName(ing)
			for i := range l.Rules {
				ru := &l.Rules[i]
				if ru.Kind != kind || !ru.inForce(day) || !ru.names(key) {
					continue
				}
				if kind == KindBanned {
					return newViolation(RuleBannedPesticide, "ingredient", ru.Ingredient, "from", orAlways(ru.From),
						"notice", orUnknown(ru.Notice), "source", ru.Source)
				}
				if ru.coversCrop(category, crop.Crop) {
					return newViolation(RuleCropBannedPesticide, "ingredient", ru.Ingredient,
						"scope", strings.Join(ru.Crops, "、"), "crop", cropName, "from", orAlways(ru.From),
						"notice", orUnknown(ru.Notice), "source", ru.Source)
				}
			}
		}
	}
	if (tox == "剧毒" || tox == "高毒") && restrictedCategories[category] {
		toxEn := "highly toxic"
		if tox == "剧毒" {
			toxEn = "extremely toxic"
		}
		return newViolation(RuleHighlyToxic, "toxicity", tox, "toxicity_en", toxEn,
			"category", category, "category_en", categoryEnglish[category], "crop", orDefault(crop.Crop, category))
	}
	return nil
}

var categoryEnglish = map[string]string{
	"蔬菜": "vegetables", "瓜果": "fruit and melons", "茶叶": "tea", "菌类": "mushrooms",
	"中草药材": "Chinese herbal crops", "水生植物": "aquatic plants",
}

func (ru *PesticideRule) inForce(day string) bool {
	return (ru.From == "" || ru.From <= day) && (ru.To == "" || day <= ru.To)
}

func (ru *PesticideRule) names(key string) bool {
	if normName(ru.Ingredient) == key {
		return true
	}
	for _, a := range ru.Aliases {
		if normName(a) == key {
			return true
		}
	}
	return false
}

// coversCrop matches a rule's crop list against the category and the crop name. A crop name
// matches with or without a trailing 树 (柑橘 = 柑橘树, 茶 = 茶树).
func (ru *PesticideRule) coversCrop(category, crop string) bool {
	c := cropKey(crop)
	for _, rc := range ru.Crops {
		rk := cropKey(rc)
		if rk == normName(category) || (c != "" && rk == c) {
			return true
		}
	}
	return false
}

func cropKey(s string) string {
	return strings.TrimSuffix(normName(s), "树")
}

func displayCrop(c CropInfo) string {
	if strings.TrimSpace(c.Crop) == "" {
		return c.Category
	}
	return c.Crop + "（" + c.Category + "）"
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func orAlways(from string) string {
	if from == "" {
		return "发布之日/the notice date"
	}
	return from
}

func orUnknown(notice string) string {
	if notice == "" {
		return "农业农村部公告/MOA notice"
	}
	return notice
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
