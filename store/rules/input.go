package rules

import (
	"math"
	"strings"
	"time"
)

// MaxQuantity bounds ValidateQuantity. At 3 decimals, 1e12 keeps q×1000 below 2^53, so a
// quantity is exactly representable as an integer count of thousandths (in float64 and int64),
// which the store may use for sums without drift. No real lot comes near it.
const MaxQuantity = 1e12

// ValidateQuantity accepts a finite quantity greater than 0 and at most MaxQuantity with at most
// three decimals. The decimal count is taken from the shortest decimal form that reads back to
// q, i.e. what the user typed: 0.1 and 2.125 pass, 0.0001 and 1.2345 do not.
// Violation: RuleQuantity (Args value, reason_zh, reason_en).
func ValidateQuantity(q float64) error {
	s := formatFloat(q)
	switch {
	case math.IsNaN(q) || math.IsInf(q, 0):
		return newViolation(RuleQuantity, "value", s, "reason_zh", "不是有效数字", "reason_en", "is not a finite number")
	case q <= 0:
		return newViolation(RuleQuantity, "value", s, "reason_zh", "必须大于0", "reason_en", "must be greater than 0")
	case q > MaxQuantity:
		return newViolation(RuleQuantity, "value", s, "reason_zh", "超出上限", "reason_en", "is above the upper limit")
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 3 {
		return newViolation(RuleQuantity, "value", s, "reason_zh", "小数超过3位", "reason_en", "has more than 3 decimals")
	}
	return nil
}

// Dates accepted by ValidateDate: no record of this app predates 1900 or is planned past 2199,
// and refusing those catches typos such as 0226-03-15.
const (
	MinDate = "1900-01-01"
	MaxDate = "2199-12-31"
)

// ValidateDate parses a YYYY-MM-DD calendar date (surrounding spaces allowed; anything else,
// such as 2026-3-5 or 2026-02-30, is refused). The result is midnight UTC of that day: it is a
// calendar date, so use Year/Month/Day rather than comparing it with instants in other zones.
// Violation: RuleDate (Args value, reason_zh, reason_en).
func ValidateDate(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if len(t) != 10 {
		return time.Time{}, newViolation(RuleDate, "value", s, "reason_zh", "不是“年-月-日”格式", "reason_en", "is not in YYYY-MM-DD form")
	}
	d, err := time.Parse(time.DateOnly, t)
	if err != nil {
		v := newViolation(RuleDate, "value", s, "reason_zh", "不是有效日期", "reason_en", "is not a valid calendar date")
		v.cause = err
		return time.Time{}, v
	}
	if t < MinDate || t > MaxDate {
		return time.Time{}, newViolation(RuleDate, "value", s, "reason_zh", "超出1900–2199年范围", "reason_en", "is outside the years 1900–2199")
	}
	return d, nil
}
