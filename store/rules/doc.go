// Package rules holds Suyuan's pure rule functions: 统一社会信用代码 (GB 32100-2015) and
// 行政区划 code checks, pesticide and fertiliser registration-number formats, the enzyme
// inhibition rapid-test verdict, the versioned banned/crop-banned pesticide list with the
// 剧毒/高毒 crop gate (农药管理条例 Art. 34), the 安全间隔期 (PHI) harvest gate, and
// quantity/date input checks.
//
// The store calls these inside its write transactions, so every function is pure: no I/O
// (the default pesticide list is embedded), no clock (callers pass the date), no globals that
// change. Every error returned is a *Violation, or wraps one, carrying a stable rule id and
// arguments so that the store can record why a write was refused and the GUI/CLI can show it
// with UserMessage("zh"|"en").
//
// This package must stay standard-library only: it sits below the store, is fuzzed in
// isolation, and must build on every target the app ships to without cgo or extra modules.
package rules
