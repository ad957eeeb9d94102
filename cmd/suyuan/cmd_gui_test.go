package main

import (
	"os"
	"testing"
)

func TestSetLocaleFallback(t *testing.T) {
	cases := []struct {
		name               string
		lcAll, lcMsg, lang string
		wantLang, wantAll  string
	}{
		{name: "unset", wantLang: "zh_CN.UTF-8"},
		{name: "C", lang: "C", wantLang: "zh_CN.UTF-8"},
		{name: "POSIX", lang: "POSIX", wantLang: "zh_CN.UTF-8"},
		{name: "C.UTF-8", lang: "C.UTF-8", wantLang: "zh_CN.UTF-8"},
		{name: "real locale kept", lang: "en_US.UTF-8", wantLang: "en_US.UTF-8"},
		{name: "LC_ALL=C fixed, LANG kept", lcAll: "C", lang: "en_GB.UTF-8", wantLang: "en_GB.UTF-8", wantAll: "zh_CN.UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("LC_ALL", c.lcAll)
			t.Setenv("LC_MESSAGES", c.lcMsg)
			t.Setenv("LANG", c.lang)
			setLocaleFallback()
			if got := os.Getenv("LANG"); got != c.wantLang {
				t.Errorf("LANG = %q, want %q", got, c.wantLang)
			}
			if got := os.Getenv("LC_ALL"); got != c.wantAll {
				t.Errorf("LC_ALL = %q, want %q", got, c.wantAll)
			}
		})
	}
}

func TestGUICommandRegistered(t *testing.T) {
	c, rest, ok := lookup([]string{"gui", "--training"})
	if !ok || c.Name != "gui" || len(rest) != 1 {
		t.Fatalf("lookup gui: %v %v %v", c.Name, rest, ok)
	}
}
