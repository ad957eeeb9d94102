package rules

import "regexp"

// Pesticide registration numbers (农药登记证号), domain.md §9. Accepted forms, all upper case
// ASCII (run NormalizeID on user input first):
//
//   - current:   PD|WP|LS|WL + 4-digit year (19xx/20xx) + 4-digit sequence, e.g. PD20080005,
//     WP20080012, LS20071573 (LS/WL 临时登记 were abolished in 2017 but still appear on stock
//     and in old records, so they stay valid input);
//   - 分装 (repackaging) registrations: a current number + "F" + 6 digits, e.g.
//     PD20080005F120001 [uncertain: the exact suffix length is not confirmed by a primary text;
//     we accept exactly 6 digits so a stray letter is still caught];
//   - legacy pre-2008 正式登记: PD + 5 digits with an optional "-" + 1–3 digit suffix, e.g.
//     PD84104-9, PD86148.
//
// Anything else (spaces, lower case, missing digits, a bare trailing F) is refused.
var (
	rePesticideCurrent = regexp.MustCompile(`^(PD|WP|LS|WL)(19|20)[0-9]{6}(F[0-9]{6})?$`)
	rePesticideLegacy  = regexp.MustCompile(`^PD[0-9]{5}(-[0-9]{1,3})?$`)
)

// ValidatePesticideRegNo checks the shape of a 农药登记证号 (see the accepted forms above). It
// cannot tell whether the number is actually registered: that needs the ICAMA database.
// Violation: RuleRegNumberFormat (Args kind_zh, kind_en, value, example).
func ValidatePesticideRegNo(s string) error {
	if rePesticideCurrent.MatchString(s) || rePesticideLegacy.MatchString(s) {
		return nil
	}
	return newViolation(RuleRegNumberFormat, "kind", "pesticide", "kind_zh", "农药登记证号",
		"kind_en", "pesticide registration number", "value", s, "example", "PD20080005")
}

// Fertiliser kinds returned by ClassifyFertilizerRegNo.
const (
	FertilizerNational   = "national"   // 农肥(2019)准字1234号 / 农肥(2019)临字1234号
	FertilizerMicrobial  = "microbial"  // 微生物肥(2019)准字(1234)号
	FertilizerProvincial = "provincial" // 云农肥(2019)准字0123号 and other provinces
	FertilizerStandard   = "standard"   // exempt product identified by its 执行标准, e.g. GB/T 15063-2020
)

// Fertiliser registration numbers (肥料登记证号), domain.md §9. Parentheses must be ASCII
// (NormalizeID converts （）〔〕 from labels). The number part is 1–6 digits; 微生物肥 numbers
// may keep their own parentheses as printed, 微生物肥(2019)准字(1234)号. The province prefix is
// one of the single-character abbreviations, including the alternates (蜀, 黔, 滇, 秦, 陇).
//
// Exempt path: many fertilisers (复合肥, 有机肥, 尿素 …) need no 登记证 and are identified by the
// national or sector standard they are made to. We accept GB, GB/T, NY, NY/T, HG and HG/T
// numbers with an optional year, with or without the space: "GB/T 15063-2020", "NY/T 525",
// "NY 525-2012". Enterprise standards (Q/…) are refused: they do not exempt a product.
var (
	reFertNational   = regexp.MustCompile(`^农肥\((19|20)[0-9]{2}\)(准|临)字[0-9]{1,6}号$`)
	reFertMicrobial  = regexp.MustCompile(`^微生物肥\((19|20)[0-9]{2}\)(准|临)字(\([0-9]{1,6}\)|[0-9]{1,6})号$`)
	reFertProvincial = regexp.MustCompile(`^[京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新]农肥\((19|20)[0-9]{2}\)(准|临)字[0-9]{1,6}号$`)
	reFertStandard   = regexp.MustCompile(`^(GB|NY|HG)(/T)? ?[0-9]{1,5}(\.[0-9]{1,3})?(-(19|20)[0-9]{2})?$`)
)

// ClassifyFertilizerRegNo returns which kind of fertiliser number s is (one of the
// Fertilizer* constants) or a RuleRegNumberFormat Violation.
func ClassifyFertilizerRegNo(s string) (string, error) {
	switch {
	case reFertNational.MatchString(s):
		return FertilizerNational, nil
	case reFertMicrobial.MatchString(s):
		return FertilizerMicrobial, nil
	case reFertProvincial.MatchString(s):
		return FertilizerProvincial, nil
	case reFertStandard.MatchString(s):
		return FertilizerStandard, nil
	}
	return "", newViolation(RuleRegNumberFormat, "kind", "fertilizer", "kind_zh", "肥料登记证号或执行标准号",
		"kind_en", "fertiliser registration or standard number", "value", s, "example", "农肥(2019)准字1234号 / GB/T 15063-2020")
}

// ValidateFertilizerRegNo checks the shape of a 肥料登记证号 or, for exempt products, of the
// 执行标准 number (see ClassifyFertilizerRegNo). Violation: RuleRegNumberFormat.
func ValidateFertilizerRegNo(s string) error {
	_, err := ClassifyFertilizerRegNo(s)
	return err
}
