package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"suyuan/assets"
	"suyuan/store"
)

// TestTranslationsComplete checks that every key the GUI asks for exists in
// both files, and that both files have the same keys and placeholders.
func TestTranslationsComplete(t *testing.T) {
	files := map[string]map[string]string{}
	for _, l := range Languages {
		b, err := assets.Translations.ReadFile("translations/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		files[l] = m
	}
	used := map[string]bool{}
	call := regexp.MustCompile(`\b(?:tr|trf|uiError)\("([^"]+)"`)
	col := regexp.MustCompile(`\{"([a-z]+\.[a-zA-Z]+)", [0-9]+,`)
	srcs, _ := filepath.Glob("*.go")
	for _, p := range srcs {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{call, col} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], ".") {
					used[m[1]] = true
				}
			}
		}
	}
	for prefix, vals := range map[string][]string{"cert.": certKinds, "env.": append(append([]string{}, envKinds...), envConclusions...),
		"material.": materialKinds, "scale.": scales, "etype.": entityTypes} {
		for _, v := range vals {
			used[prefix+v] = true
		}
	}
	for _, it := range navItems() {
		used[it.title] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in the sources", len(used))
	}
	for k := range used {
		for l, m := range files {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s.json lacks %q", l, k)
			}
		}
	}
	ph := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	for k, zh := range files["zh"] {
		en, ok := files["en"][k]
		if !ok {
			t.Errorf("en.json lacks %q", k)
			continue
		}
		a, b := ph.FindAllString(zh, -1), ph.FindAllString(en, -1)
		if strings.Join(sortedCopy(a), ",") != strings.Join(sortedCopy(b), ",") {
			t.Errorf("%q placeholders differ: zh %v en %v", k, a, b)
		}
	}
	for k := range files["en"] {
		if _, ok := files["zh"][k]; !ok {
			t.Errorf("zh.json lacks %q", k)
		}
	}
	_ = store.Roles
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}
