package app

import (
	"testing"
	"time"

	"suyuan/store"
)

// TestTourSteps runs every tour step headlessly: each screen builds with the
// seeded data in both languages without an error dialog (except the steps
// that show one on purpose) and fits a 1280×800 window.
func TestTourSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("tour")
	}
	db := openStore(t)
	f := newFixture(t, db, Deps{Training: true})
	steps := f.s.tourSteps()
	if len(steps) < 20 {
		t.Fatalf("only %d steps", len(steps))
	}
	seen := map[string]bool{}
	for _, st := range steps {
		closeDialogs(f.w)
		f.s.lastMessage = ""
		st.Do(f.s)
		seen[st.Name] = true
		// At 1280×800 nothing may need more room than the window has
		// (Fyne would grow the window past the screen and clip the right
		// edge), in either language.
		if ms := f.w.Content().MinSize(); ms.Width > 1280 || ms.Height > 800 {
			t.Errorf("%s: content needs %.0f×%.0f", st.Name, ms.Width, ms.Height)
		}
		wantMsg := st.Name == "records-banned-zh" || st.Name == "records-banned-en" || st.Name == "records-override-zh" || st.Name == "records-override-en"
		if (f.s.lastMessage != "") != wantMsg {
			t.Errorf("%s: message %q", st.Name, f.s.lastMessage)
		}
	}
	for _, n := range []string{"wizard-zh", "login-en", "home-zh", "site-materials-en", "records-harvests-zh", "settings-en"} {
		if !seen[n] {
			t.Errorf("step %s missing", n)
		}
	}
	if rep, err := db.Verify(f.ctx, nil); err != nil || !rep.OK() {
		t.Errorf("seeded store does not verify: %v %+v", err, rep)
	}
	n, _ := db.CountApplications(f.ctx, store.ListQuery{}, 0)
	if n < 5 {
		t.Errorf("%d applications seeded", n)
	}
	_ = time.Now
}
