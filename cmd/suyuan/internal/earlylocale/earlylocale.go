// Package earlylocale replaces a locale Fyne cannot parse (LANG=C.UTF-8, the
// default in containers, ssh sessions and cron) before Fyne's lang package
// reads it. fyne.io/fyne/v2/lang looks the locale up in its package init and
// logs "Fyne error: Error parsing user locale C" to stderr, so without this
// every command line, even `suyuan help`, began with three lines of noise.
//
// cmd/suyuan imports this package for its init alone. It runs before Fyne's
// because of the Go initialisation order (Go 1.21 spec, "Package
// initialization"): in each step the first package in import-path order
// whose imports are all initialised is initialised. This package imports only
// os and strings, so it is ready as soon as os is; fyne.io/fyne/v2/lang also
// needs text/template, which sorts after "suyuan/..." and so cannot be
// initialised before this package. Keep the imports to os and strings. The
// order is checked on the built binary by cmd/suyuan's TestNoFyneLocaleNoise.
package earlylocale

import (
	"os"
	"strings"
)

func init() { Fix(LangFromArgs(os.Args[1:])) }

// LangFromArgs returns "en" when the command line (--lang en, --lang=en, also
// with one dash) or SUYUAN_LANG asks for English, else "zh". The command line
// wins over the environment, as in cmd/suyuan.
func LangFromArgs(args []string) string {
	lang := os.Getenv("SUYUAN_LANG")
	for i, a := range args {
		if a == "--" {
			break
		}
		switch {
		case a == "--lang" || a == "-lang":
			if i+1 < len(args) {
				lang = args[i+1]
			}
		case strings.HasPrefix(a, "--lang="):
			lang = strings.TrimPrefix(a, "--lang=")
		case strings.HasPrefix(a, "-lang="):
			lang = strings.TrimPrefix(a, "-lang=")
		}
	}
	if lang == "en" {
		return "en"
	}
	return "zh"
}

// Fix rewrites, in the order the C library and Fyne read them (LC_ALL,
// LC_MESSAGES, LANG), each set variable that names no language (C, POSIX,
// C.UTF-8, ...) to zh_CN.UTF-8 or, for lang "en", en_US.UTF-8, until it meets
// one that does; that one and the rest are left alone. Entries of LANGUAGE
// that name no language are dropped. Unset variables stay unset: Fyne reads
// an empty locale without complaint. It returns what it changed.
func Fix(lang string) []string {
	fallback := "zh_CN.UTF-8"
	if lang == "en" {
		fallback = "en_US.UTF-8"
	}
	var changed []string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if Usable(v) {
			break
		}
		os.Setenv(k, fallback)
		changed = append(changed, k+"="+v)
	}
	if v, ok := os.LookupEnv("LANGUAGE"); ok && v != "" {
		var keep []string
		for _, l := range strings.Split(v, ":") {
			if Usable(l) {
				keep = append(keep, l)
			}
		}
		if nv := strings.Join(keep, ":"); nv != v {
			if nv == "" {
				os.Unsetenv("LANGUAGE")
			} else {
				os.Setenv("LANGUAGE", nv)
			}
			changed = append(changed, "LANGUAGE="+v)
		}
	}
	return changed
}

// Usable reports whether a POSIX locale name (language[_territory][.codeset]
// [@modifier]) starts with a language Fyne can parse: two or three ASCII
// letters. C, POSIX and C.UTF-8 name none.
func Usable(v string) bool {
	v, _, _ = strings.Cut(v, "@")
	v, _, _ = strings.Cut(v, ".")
	v = strings.ReplaceAll(v, "-", "_")
	l, _, _ := strings.Cut(v, "_")
	if len(l) < 2 || len(l) > 3 {
		return false
	}
	for _, c := range l {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
