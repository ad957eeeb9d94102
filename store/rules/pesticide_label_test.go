package rules

import "testing"

func TestLabelToxicity(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"低毒", "低毒", true},
		{"低毒(原药高毒)", "低毒(原药高毒)", true},
		{" 中等毒（原药剧毒） ", "中等毒（原药剧毒）", true},
		{"微毒(高毒)", "微毒(高毒)", true},
		{"低毒(原药很毒)", "", false},
		{"低毒(原药高毒", "", false},
		{"无毒", "", false},
		{"", "", false},
	} {
		got, ok := LabelToxicity(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("LabelToxicity(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
