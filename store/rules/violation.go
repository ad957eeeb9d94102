package rules

import (
	"errors"
	"sort"
	"strings"
)

// Stable rule ids. They are stored with refused writes and audit entries, so never rename one;
// add a new id instead.
const (
	RuleUSCCFormat          = "uscc-format"                     // 统一社会信用代码 length/alphabet
	RuleUSCCCheck           = "uscc-check"                      // 统一社会信用代码 check character
	RuleDivisionCode        = "division-code"                   // 6-digit 行政区划代码
	RuleRegNumberFormat     = "reg-number-format"               // 农药/肥料 registration numbers
	RuleBannedPesticide     = "banned-pesticide"                // 禁用农药 (8.1)
	RuleCropBannedPesticide = "crop-banned-pesticide"           // 限定范围禁用 (8.2)
	RuleHighlyToxic         = "highly-toxic-on-restricted-crop" // 条例 Art. 34 剧毒/高毒
	RuleToxicityUnknown     = "toxicity-unknown"                // toxicity label not one of ToxicityLevels
	RuleCropCategory        = "crop-category-unknown"           // crop category not one of CropCategories
	RuleIngredientMissing   = "ingredient-missing"              // product without any active ingredient
	RulePHIWindow           = "phi-window"                      // harvest before 安全间隔期 ends
	RulePHIInvalid          = "phi-invalid"                     // application without date or with negative PHI
	RuleInhibitionInvalid   = "inhibition-invalid"              // rapid-test reading cannot be judged
	RuleQuantity            = "quantity-invalid"                // quantity not finite/positive/3 decimals
	RuleDate                = "date-invalid"                    // not a YYYY-MM-DD calendar date
	RulePesticideList       = "pesticide-list-invalid"          // pesticide list file rejected by LoadList
)

// Violation is a refused input or a broken rule. Rule is one of the Rule* ids; Args carries the
// facts the messages quote (keys are documented at each function that returns the rule).
type Violation struct {
	Rule string
	Args map[string]string

	cause error // underlying parse error, if any (e.g. from encoding/json)
}

func newViolation(rule string, kv ...string) *Violation {
	v := &Violation{Rule: rule, Args: make(map[string]string, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Args[kv[i]] = kv[i+1]
	}
	return v
}

// Error returns the English message prefixed with the rule id, for logs.
func (v *Violation) Error() string {
	if v == nil {
		return "rules: <nil violation>"
	}
	return "rules: " + v.Rule + ": " + v.UserMessage("en")
}

// Unwrap returns the underlying parse error, if any, so errors.Is/As reach it.
func (v *Violation) Unwrap() error { return v.cause }

// Is reports whether target is a *Violation with the same Rule; Args are not compared. This
// lets callers write errors.Is(err, &rules.Violation{Rule: rules.RulePHIWindow}).
func (v *Violation) Is(target error) bool {
	t, ok := target.(*Violation)
	return ok && v != nil && t != nil && t.Rule == v.Rule
}

// IsRule reports whether err is, or wraps, a Violation of the given rule.
func IsRule(err error, rule string) bool {
	var v *Violation
	return errors.As(err, &v) && v.Rule == rule
}

// UserMessage returns one sentence in lang ("zh" or "en"; anything else means "en") that names
// the broken rule and says what to do.
func (v *Violation) UserMessage(lang string) string {
	if v == nil {
		return ""
	}
	m, ok := messages[v.Rule]
	if !ok {
		m = message{
			zh: "违反规则“{rule}”：{detail}；请检查输入后重试。",
			en: "Rule \"{rule}\" was violated: {detail}; check the input and try again.",
		}
	}
	tpl := m.en
	if lang == "zh" {
		tpl = m.zh
	}
	return expand(tpl, v.Rule, v.Args)
}

type message struct{ zh, en string }

// messages are keyed by rule id. Placeholders {key} are replaced by Args[key]; a missing
// argument becomes "?" so a message never silently drops a fact.
var messages = map[string]message{
	RuleUSCCFormat: {
		zh: "违反统一社会信用代码格式规则：“{code}”{reason_zh}；请按营业执照上的18位代码重新输入（大写字母，不含I、O、S、V、Z）。",
		en: "Unified social credit code format rule (GB 32100): \"{code}\" {reason_en}; re-enter the 18-character code from the business licence (capital letters, no I, O, S, V or Z).",
	},
	RuleUSCCCheck: {
		zh: "违反统一社会信用代码校验规则：“{code}”的校验位应为{expected}而不是{got}，代码可能输错；请对照营业执照重新输入。",
		en: "Unified social credit code check rule (GB 32100): \"{code}\" should end in {expected}, not {got}, so it was probably mistyped; re-enter it from the business licence.",
	},
	RuleDivisionCode: {
		zh: "违反行政区划代码规则：“{code}”{reason_zh}；请输入6位数字的县级行政区划代码（如530427）。",
		en: "Administrative division code rule (GB/T 2260): \"{code}\" {reason_en}; enter the 6-digit county code (e.g. 530427).",
	},
	RuleRegNumberFormat: {
		zh: "违反{kind_zh}格式规则：“{value}”不是有效的{kind_zh}；请对照产品标签重新输入（例如{example}）。",
		en: "Registration number format rule: \"{value}\" is not a valid {kind_en}; copy it again from the product label (e.g. {example}).",
	},
	RuleBannedPesticide: {
		zh: "违反禁用农药规则：{ingredient}自{from}起禁止销售和使用（{notice}）；请勿使用该产品，改用已登记的合法农药。",
		en: "Banned pesticide rule: {ingredient} has been banned from sale and use since {from} ({notice}); do not use this product, choose a registered legal one.",
	},
	RuleCropBannedPesticide: {
		zh: "违反限定范围禁用农药规则：{ingredient}禁止用于{scope}（{notice}），本次作物为{crop}；请改用在该作物上登记的农药。",
		en: "Crop-restricted pesticide rule: {ingredient} must not be used on {scope} ({notice}) and this crop is {crop}; choose a pesticide registered for this crop.",
	},
	RuleHighlyToxic: {
		zh: "违反《农药管理条例》第三十四条：{toxicity}农药不得用于{category}（本次作物：{crop}）；请改用低毒、低残留的已登记农药。",
		en: "Pesticide Regulation Art. 34 rule: {toxicity_en} pesticides must not be used on {category_en} (crop: {crop}); choose a registered low-toxicity product.",
	},
	RuleToxicityUnknown: {
		zh: "违反农药毒性标注规则：“{toxicity}”不是标签上的毒性级别；请按标签选择剧毒、高毒、中等毒、低毒或微毒。",
		en: "Pesticide toxicity rule: \"{toxicity}\" is not a label toxicity class; pick 剧毒, 高毒, 中等毒, 低毒 or 微毒 as printed on the label.",
	},
	RuleCropCategory: {
		zh: "违反作物类别规则：“{category}”不是可选的作物类别；请从蔬菜、瓜果、茶叶、菌类、中草药材、水生植物、粮食、油料、糖料、其他中选择。",
		en: "Crop category rule: \"{category}\" is not a known crop category; pick one of 蔬菜, 瓜果, 茶叶, 菌类, 中草药材, 水生植物, 粮食, 油料, 糖料, 其他.",
	},
	RuleIngredientMissing: {
		zh: "违反农药有效成分规则：未填写有效成分，无法核对禁限用规定；请按标签填写全部有效成分。",
		en: "Active ingredient rule: no active ingredient was given, so the ban lists cannot be checked; enter every active ingredient from the label.",
	},
	RulePHIWindow: {
		zh: "违反安全间隔期规则：{applied}施用的农药安全间隔期为{phi_days}天，最早可于{earliest}采收，计划采收日{harvest}过早；请推迟采收。",
		en: "Pre-harvest interval rule: a pesticide applied on {applied} has a {phi_days}-day interval, so the earliest harvest is {earliest} and {harvest} is too early; postpone the harvest.",
	},
	RulePHIInvalid: {
		zh: "违反安全间隔期规则：施药记录{reason_zh}；请按农药标签补全施药日期和安全间隔期天数。",
		en: "Pre-harvest interval rule: an application record {reason_en}; complete the application date and the label's interval in days.",
	},
	RuleInhibitionInvalid: {
		zh: "违反速测有效性规则：{reason_zh}，本次结果无效；请重新做对照和样品测定。",
		en: "Rapid-test validity rule: {reason_en}, so this result is invalid; repeat the control and sample measurements.",
	},
	RuleQuantity: {
		zh: "违反数量规则：“{value}”{reason_zh}；请输入大于0、最多3位小数的数量。",
		en: "Quantity rule: \"{value}\" {reason_en}; enter a number greater than 0 with at most 3 decimals.",
	},
	RuleDate: {
		zh: "违反日期规则：“{value}”{reason_zh}；请按“年-月-日”格式输入，例如2026-03-15。",
		en: "Date rule: \"{value}\" {reason_en}; enter it as YYYY-MM-DD, e.g. 2026-03-15.",
	},
	RulePesticideList: {
		zh: "违反农药清单格式规则：清单文件无效（{detail}）；请改正清单文件或继续使用内置清单。",
		en: "Pesticide list format rule: the list file is invalid ({detail}); fix the file or keep using the built-in list.",
	},
}

func expand(tpl, rule string, args map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			break
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			b.WriteString(tpl)
			break
		}
		b.WriteString(tpl[:i])
		key := tpl[i+1 : i+j]
		switch val, ok := args[key]; {
		case ok:
			b.WriteString(val)
		case key == "rule":
			b.WriteString(rule)
		case key == "detail":
			b.WriteString(argsDetail(args))
		default:
			b.WriteString("?")
		}
		tpl = tpl[i+j+1:]
	}
	return b.String()
}

func argsDetail(args map[string]string) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+args[k])
	}
	return strings.Join(parts, ", ")
}
