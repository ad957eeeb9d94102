package rules

import (
	"math"
	"strconv"
)

// Verdict is the judged result of one enzyme-inhibition rapid test (GB/T 5009.199-2003).
type Verdict string

const (
	VerdictNegative Verdict = "negative" // 阴性: below the threshold
	VerdictPositive Verdict = "positive" // 阳性: at or above the threshold; re-test and confirm in a lab
	VerdictInvalid  Verdict = "invalid"  // 无效: the reading cannot be judged; repeat the test
)

// PositiveThreshold is the inhibition rate, in percent, from which a sample is 阳性.
// Documented choice (domain.md §7): exactly 50 % is positive, as GB/T 5009.199 reads, although
// the LZ-4000T firmware calls ≤ 50 合格. A reading that is 50 % up to float rounding
// (|rate − 50| ≤ rateEpsilon) is treated as 50 %, so (0.6 − 0.3)/0.6 does not slip to negative
// because of binary arithmetic.
const PositiveThreshold = 50.0

const rateEpsilon = 1e-9

// Reason codes returned by InhibitionRate and JudgeRate. They are stable, machine-readable and
// English; show users InhibitionViolation(reason).UserMessage(lang) instead.
const (
	ReasonNegative           = "below-threshold"            // rate < 50 %
	ReasonPositive           = "at-or-above-threshold"      // rate ≥ 50 %
	ReasonClampedToZero      = "negative-rate-clamped"      // sample changed more than control; rate set to 0 %, negative
	ReasonNotFinite          = "not-finite"                 // NaN or ±Inf input
	ReasonControlNotPositive = "control-delta-not-positive" // control ΔA ≤ 0: enzyme inactive or no reading
	ReasonRateAbove100       = "rate-above-100"             // > 100 %: sample ΔA negative, a measuring fault
)

// InhibitionRate computes 抑制率 = (ΔA_c − ΔA_t) / ΔA_c × 100 and judges it.
//
// Edge rules (domain.md §7, as in the DY-3500 software): NaN/Inf input ⇒ invalid; control
// ΔA ≤ 0 ⇒ invalid (the enzyme did not react, nothing can be inferred); a negative rate (the
// sample changed more than the control) ⇒ rate 0 %, negative; a rate above 100 % (sample ΔA
// negative) ⇒ invalid; ≥ 50 % ⇒ positive. For invalid results the returned rate is 0 when it
// cannot be computed and the computed value otherwise, so it can still be logged. No QC floor on
// the control ΔA (some kits say ≥ 0.3) is applied here: it is kit-specific [unverified].
func InhibitionRate(controlDeltaA, sampleDeltaA float64) (rate float64, v Verdict, reason string) {
	if !finite(controlDeltaA) || !finite(sampleDeltaA) {
		return 0, VerdictInvalid, ReasonNotFinite
	}
	if controlDeltaA <= 0 {
		return 0, VerdictInvalid, ReasonControlNotPositive
	}
	rate = (controlDeltaA - sampleDeltaA) / controlDeltaA * 100
	if !finite(rate) { // a tiny control with a huge sample can overflow
		return 0, VerdictInvalid, ReasonNotFinite
	}
	if rate < 0 {
		return 0, VerdictNegative, ReasonClampedToZero
	}
	v, reason = JudgeRate(rate)
	return rate, v, reason
}

// JudgeRate judges a rate reported directly by an instrument, in percent. NaN/Inf ⇒ invalid;
// below 0 ⇒ negative (treated as 0 %, same as InhibitionRate); above 100 ⇒ invalid;
// ≥ PositiveThreshold ⇒ positive.
func JudgeRate(rate float64) (Verdict, string) {
	switch {
	case !finite(rate):
		return VerdictInvalid, ReasonNotFinite
	case rate < 0:
		return VerdictNegative, ReasonClampedToZero
	case rate > 100+rateEpsilon:
		return VerdictInvalid, ReasonRateAbove100
	case rate >= PositiveThreshold-rateEpsilon:
		return VerdictPositive, ReasonPositive
	default:
		return VerdictNegative, ReasonNegative
	}
}

// InhibitionViolation turns an invalid-verdict reason into a RuleInhibitionInvalid Violation
// for the user (Args reason, reason_zh, reason_en). The store uses it when it refuses to mark an
// invalid reading as 合格.
func InhibitionViolation(reason string) *Violation {
	zh, en := "读数异常", "the reading is abnormal"
	switch reason {
	case ReasonNotFinite:
		zh, en = "读数不是有效数字", "a reading is not a finite number"
	case ReasonControlNotPositive:
		zh, en = "对照吸光度变化值ΔA≤0（酶未反应或未测对照）", "the control absorbance change ΔA is zero or below (inactive enzyme or no control reading)"
	case ReasonRateAbove100:
		zh, en = "抑制率超过100%（样品吸光度变化为负）", "the inhibition rate is above 100 % (the sample absorbance fell)"
	}
	return newViolation(RuleInhibitionInvalid, "reason", reason, "reason_zh", zh, "reason_en", en)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// formatFloat prints a float the shortest way that reads back to the same value.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
