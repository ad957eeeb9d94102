package rules

import (
	"strconv"
	"time"
)

// Application is one pesticide application: when, and the 安全间隔期 in days printed on that
// product's label for that crop (domain.md §8.3: there is no static PHI table to consult).
type Application struct {
	Date    time.Time
	PHIDays int
}

// allowed returns the first calendar day a harvest is allowed after a, at midnight in the
// location of a.Date: the application day plus PHIDays calendar days (PHI 7 applied on the 1st
// ⇒ harvest from the 8th). Calendar days, not 24-hour periods, so daylight-saving changes and
// the hour of spraying do not move the date.
func (a Application) allowed() time.Time {
	y, m, d := a.Date.Date()
	phi := a.PHIDays
	if phi < 0 {
		phi = 0
	}
	return time.Date(y, m, d+phi, 0, 0, 0, 0, a.Date.Location())
}

// EarliestHarvest returns the latest of date + PHI days over apps (midnight, in the location of
// the application that sets it), or the zero time if apps has no dated application. Applications
// with a zero Date are skipped and a negative PHI counts as 0; CheckPHI refuses both.
func EarliestHarvest(apps []Application) time.Time {
	var best time.Time
	for _, a := range apps {
		if a.Date.IsZero() {
			continue
		}
		if t := a.allowed(); best.IsZero() || t.After(best) {
			best = t
		}
	}
	return best
}

// CheckPHI refuses a harvest (or 合格证, or shipment) dated before every application's PHI has
// run out. Each application is compared in its own location by calendar day, so a harvest on the
// earliest allowed day is fine at any hour.
//
// Violations: RulePHIInvalid (Args index, reason_zh, reason_en) for an application with a zero
// date or a negative PHI, or a zero harvest time; RulePHIWindow (Args earliest, harvest, applied,
// phi_days) naming the application that blocks the longest, with earliest = EarliestHarvest.
func CheckPHI(apps []Application, harvest time.Time) error {
	if harvest.IsZero() {
		return newViolation(RulePHIInvalid, "index", "-", "reason_zh", "缺少采收日期", "reason_en", "has no harvest date to compare with")
	}
	var worst *Application
	var worstAllowed time.Time
	for i := range apps {
		a := &apps[i]
		idx := strconv.Itoa(i + 1)
		if a.Date.IsZero() {
			return newViolation(RulePHIInvalid, "index", idx, "reason_zh", "第"+idx+"条缺少施药日期", "reason_en", "(no. "+idx+") has no date")
		}
		if a.PHIDays < 0 {
			return newViolation(RulePHIInvalid, "index", idx, "reason_zh", "第"+idx+"条安全间隔期为负数", "reason_en", "(no. "+idx+") has a negative interval")
		}
		allowed := a.allowed()
		hy, hm, hd := harvest.In(a.Date.Location()).Date()
		hday := time.Date(hy, hm, hd, 0, 0, 0, 0, a.Date.Location())
		if hday.Before(allowed) && (worst == nil || allowed.After(worstAllowed)) {
			worst, worstAllowed = a, allowed
		}
	}
	if worst == nil {
		return nil
	}
	loc := worst.Date.Location()
	return newViolation(RulePHIWindow,
		"earliest", EarliestHarvest(apps).In(loc).Format(time.DateOnly),
		"harvest", harvest.In(loc).Format(time.DateOnly),
		"applied", worst.Date.Format(time.DateOnly),
		"phi_days", strconv.Itoa(worst.PHIDays))
}
