package earlylocale

import (
	"os"
	"slices"
	"testing"
)

func TestFix(t *testing.T) {
	cases := []struct {
		name                                     string
		lang                                     string
		lcAll, lcMsg, langV, language            string
		wantAll, wantMsg, wantLang, wantLanguage string
		changed                                  []string
	}{
		{name: "container C.UTF-8", lang: "zh", langV: "C.UTF-8", wantLang: "zh_CN.UTF-8", changed: []string{"LANG=C.UTF-8"}},
		{name: "container C.UTF-8, --lang en", lang: "en", langV: "C.UTF-8", wantLang: "en_US.UTF-8", changed: []string{"LANG=C.UTF-8"}},
		{name: "POSIX", lang: "zh", langV: "POSIX", wantLang: "zh_CN.UTF-8", changed: []string{"LANG=POSIX"}},
		{name: "unset stays unset", lang: "zh"},
		{name: "real locale kept", lang: "en", langV: "zh_CN.UTF-8", wantLang: "zh_CN.UTF-8"},
		{name: "LC_ALL=C.UTF-8 fixed, LANG kept", lang: "zh", lcAll: "C.UTF-8", langV: "en_GB.UTF-8", wantAll: "zh_CN.UTF-8", wantLang: "en_GB.UTF-8", changed: []string{"LC_ALL=C.UTF-8"}},
		{name: "good LC_ALL wins, bad LANG left", lang: "zh", lcAll: "de_DE.UTF-8", langV: "C.UTF-8", wantAll: "de_DE.UTF-8", wantLang: "C.UTF-8"},
		{name: "LC_MESSAGES", lang: "en", lcMsg: "C.utf8", wantMsg: "en_US.UTF-8", changed: []string{"LC_MESSAGES=C.utf8"}},
		{name: "LANGUAGE cleaned", lang: "zh", langV: "zh_CN.UTF-8", language: "C.UTF-8:zh_CN:en", wantLang: "zh_CN.UTF-8", wantLanguage: "zh_CN:en", changed: []string{"LANGUAGE=C.UTF-8:zh_CN:en"}},
		{name: "LANGUAGE only C", lang: "zh", langV: "zh_CN.UTF-8", language: "C", wantLang: "zh_CN.UTF-8", changed: []string{"LANGUAGE=C"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range map[string]string{"LC_ALL": c.lcAll, "LC_MESSAGES": c.lcMsg, "LANG": c.langV, "LANGUAGE": c.language} {
				t.Setenv(k, v)
				if v == "" {
					os.Unsetenv(k)
				}
			}
			got := Fix(c.lang)
			if !slices.Equal(got, c.changed) {
				t.Errorf("changed %q, want %q", got, c.changed)
			}
			for k, want := range map[string]string{"LC_ALL": c.wantAll, "LC_MESSAGES": c.wantMsg, "LANG": c.wantLang, "LANGUAGE": c.wantLanguage} {
				if v := os.Getenv(k); v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestUsable(t *testing.T) {
	for v, want := range map[string]bool{
		"C": false, "POSIX": false, "C.UTF-8": false, "C.utf8": false, "POSIX.UTF-8": false, "": false, "1x_YY": false,
		"zh_CN.UTF-8": true, "en_US": true, "en": true, "de_DE@euro": true, "zh-Hans": true, "sr_RS.UTF-8@latin": true, "fil_PH": true,
	} {
		if got := Usable(v); got != want {
			t.Errorf("Usable(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestLangFromArgs(t *testing.T) {
	cases := []struct {
		env  string
		args []string
		want string
	}{
		{"", nil, "zh"},
		{"en", nil, "en"},
		{"", []string{"--lang", "en", "verify"}, "en"},
		{"", []string{"verify", "-lang=en"}, "en"},
		{"en", []string{"--lang=zh", "verify"}, "zh"},
		{"", []string{"print", "--lang", "tspl"}, "zh"},
		{"", []string{"x", "--", "--lang", "en"}, "zh"},
		{"", []string{"--lang"}, "zh"},
	}
	for _, c := range cases {
		t.Setenv("SUYUAN_LANG", c.env)
		if got := LangFromArgs(c.args); got != c.want {
			t.Errorf("SUYUAN_LANG=%q %q: %q, want %q", c.env, c.args, got, c.want)
		}
	}
}
