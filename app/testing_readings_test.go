package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/widgets"
	"suyuan/store"
)

// TestPositivePendingReadingVisibleAtImport: a positive reading is red in
// the pending list with its verdict, and listed on Home, before anyone
// binds it; once bound, Home no longer lists it (the lot's hold does).
func TestPositivePendingReadingVisibleAtImport(t *testing.T) {
	db, ids, admin := seededAdmin(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	if _, _, err := db.ImportReadings(t.Context(), admin, []store.ReadingInput{
		{Instrument: "lz4000t", RecordNo: "a", TestedAt: at, SampleNo: "77", SampleName: "韭菜", Item: "有机磷", Rate: ptr(72.5)},
		{Instrument: "lz4000t", RecordNo: "b", TestedAt: at.Add(time.Minute), SampleNo: "78", SampleName: "菠菜", Item: "有机磷", Rate: ptr(8)},
	}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db, Deps{})
	f.ids = ids
	f.login("tech", "secret3")

	f.s.Show("home")
	h := f.s.screen.(*homeScreen)
	texts := objectTexts(h.cards)
	want := trf("home.positiveRow", "ID", 1, "Sample", "77 韭菜", "Item", "有机磷", "Rate", "72.5%", "Time", at.Local().Format("2006-01-02 15:04"))
	if !strings.Contains(texts, want) || strings.Contains(texts, "78 菠菜") {
		t.Fatalf("home does not list the positive reading %q:\n%s", want, texts)
	}
	red := false
	for _, o := range test.LaidOutObjects(h.cards) {
		if p, ok := o.(*widgets.StatusPill); ok && p.Text == tr("home.positiveReading") && p.State == widgets.PillBad {
			red = true
		}
	}
	if !red {
		t.Error("no red 'positive' pill on Home")
	}

	ts := f.testingScreen()
	if ts.pending.Len() != 2 {
		t.Fatalf("pending %d", ts.pending.Len())
	}
	for i := 0; i < 2; i++ {
		r, _ := ts.pending.Row(i)
		o := ts.pending.table.CreateCell()
		ts.pending.table.UpdateCell(widget.TableCellID{Row: i, Col: 4}, o)
		cell := objectTexts(o)
		bg := o.(*fyne.Container).Objects[0].(*canvas.Rectangle).FillColor
		wantV := map[string]string{"77": "positive", "78": "negative"}[r.SampleNo]
		if r.Verdict != wantV || !strings.Contains(cell, tr("verdict."+wantV)) {
			t.Errorf("reading %s: verdict %q, cell %q", r.SampleNo, r.Verdict, cell)
		}
		if _, _, _, a := bg.RGBA(); (wantV == "positive") != sameHue(bg, widgets.PillBad) || (wantV == "negative" && a != 0) {
			t.Errorf("reading %s (%s) row colour %v", r.SampleNo, wantV, bg)
		}
	}
	lot, err := db.Harvest(t.Context(), admin, store.HarvestInput{PlotID: ids["plot"], ProductID: ids["product"], Date: time.Now(), Quantity: 100})
	if err != nil {
		t.Fatal(err)
	}
	pos, _ := findRow(ts.pending, func(r store.Reading) bool { return r.SampleNo == "77" })
	if _, err := db.BindReading(t.Context(), admin, pos.ID, lot.Code); err != nil {
		t.Fatal(err)
	}
	f.s.Show("home")
	if texts := objectTexts(f.s.screen.(*homeScreen).cards); strings.Contains(texts, "77 韭菜") {
		t.Errorf("bound reading still listed as pending on Home:\n%s", texts)
	}
}

// TestBindOldReadingAsksForReason: a reading tested years before the lot
// is refused for a technician (the message says an administrator must
// give a reason); an administrator is asked for the reason, and the bind
// records it in the journal.
func TestBindOldReadingAsksForReason(t *testing.T) {
	db, ids, admin := seededAdmin(t)
	if _, _, err := db.ImportReadings(t.Context(), admin, []store.ReadingInput{
		{Instrument: "lz4000t", RecordNo: "old", TestedAt: time.Date(2021, 6, 1, 9, 0, 0, 0, time.Local), SampleNo: "5", Item: "有机磷", Rate: ptr(20)},
	}); err != nil {
		t.Fatal(err)
	}
	lot, err := db.Harvest(t.Context(), admin, store.HarvestInput{PlotID: ids["plot"], ProductID: ids["product"], Date: time.Now(), Quantity: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct{ user, pass string }{{"tech", "secret3"}, {"admin", "secret1"}} {
		t.Run(who.user, func(t *testing.T) {
			f := newFixture(t, db, Deps{})
			f.ids = ids
			f.login(who.user, who.pass)
			ts := f.testingScreen()
			ts.pending.table.Select(widget.TableCellID{Row: 0})
			scanInto(ts.bindScan, lot.Code)
			if ts.lastBind != nil {
				t.Fatalf("bound without a reason: %+v", ts.lastBind)
			}
			if who.user == "tech" {
				if ts.overrideConfirm != nil || !strings.Contains(f.s.lastMessage, "管理员") {
					t.Fatalf("technician: dialog %v, message %q", ts.overrideConfirm != nil, f.s.lastMessage)
				}
				return
			}
			if ts.overrideConfirm == nil || !strings.Contains(overlayTexts(f.w), "2021-06-01") {
				t.Fatalf("no override dialog naming the test date: %q / %q", overlayTexts(f.w), f.s.lastMessage)
			}
			test.Tap(ts.overrideConfirm) // no reason yet: refused, dialog stays
			if ts.lastBind != nil {
				t.Fatal("bound with an empty reason")
			}
			test.Type(ts.overrideReason, "冷库留样，仪器时钟曾被重置")
			test.Tap(ts.overrideConfirm)
			if ts.lastBind == nil || ts.lastBind.LotID != lot.ID {
				t.Fatalf("not bound after the reason: %s", f.s.lastMessage)
			}
			hist, err := db.History(t.Context(), "readings", ts.lastBind.ReadingID)
			if err != nil {
				t.Fatal(err)
			}
			if e := hist[len(hist)-1]; e.Kind != "readings.bind" || !strings.Contains(e.Reason, "冷库留样，仪器时钟曾被重置") {
				t.Errorf("journal entry %+v", e)
			}
		})
	}
}
