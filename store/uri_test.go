package store

import "testing"

// TestSlashURI pins the URI forms SQLite accepts for every kind of path a
// site PC has. "file://C:/..." (the form before this test) makes "C:" the
// authority and SQLite refuses to open it.
func TestSlashURI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/home/site/.config/suyuan/suyuan.db", "file:///home/site/.config/suyuan/suyuan.db"},
		{"C:/Users/li/AppData/Roaming/suyuan/suyuan.db", "file:///C:/Users/li/AppData/Roaming/suyuan/suyuan.db"},
		{"D:/溯源 数据/suyuan.db", "file:///D:/%E6%BA%AF%E6%BA%90%20%E6%95%B0%E6%8D%AE/suyuan.db"},
		{"//server/share/suyuan.db", "file:////server/share/suyuan.db"},
		{"/tmp/a#b?c.db", "file:///tmp/a%23b%3Fc.db"},
	} {
		u := slashURI(c.in, "")
		if got := u.String(); got != c.want {
			t.Errorf("slashURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
