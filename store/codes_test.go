package store

import (
	"strings"
	"sync"
	"testing"

	"suyuan/store/tracecode"
)

// TestLotCodesUniqueUnderConcurrency harvests 1000 lots on one day from
// four goroutines: every code must be distinct, valid, and parse back to the
// site, the day and a sequence in 1..1000.
func TestLotCodesUniqueUnderConcurrency(t *testing.T) {
	f := newSite(t)
	const workers, each = 4, 250
	d := day(t, "2026-11-28")
	codes := make(chan string, workers*each)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				l, err := f.db.Harvest(f.ctx, fxRecorder, HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: d, Quantity: 1})
				if err != nil {
					errs <- err
					return
				}
				codes <- l.Code
			}
		}()
	}
	wg.Wait()
	close(codes)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	seqs := map[int]bool{}
	for c := range codes {
		if seen[c] {
			t.Fatalf("duplicate code %s", c)
		}
		seen[c] = true
		p, err := tracecode.Parse(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if p.Site != "XPJS01" || !p.Day.Equal(d) || p.Seq < 1 || p.Seq > workers*each {
			t.Fatalf("%s parsed as %+v", c, p)
		}
		seqs[p.Seq] = true
	}
	if len(seen) != workers*each || len(seqs) != workers*each {
		t.Fatalf("%d codes, %d sequences", len(seen), len(seqs))
	}
}

func TestNextCertNo(t *testing.T) {
	f := newSite(t)
	d := day(t, "2026-11-28")
	var got []string
	for i := 0; i < 3; i++ {
		err := f.db.Write(f.ctx, fxAdmin, func(tx *Tx) error {
			no, err := tx.nextCertNo(f.ctx, d)
			got = append(got, no)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"HGZ-XPJS01-20261128-0001", "HGZ-XPJS01-20261128-0002", "HGZ-XPJS01-20261128-0003"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cert numbers %v, want %v", got, want)
		}
		c, err := tracecode.ParseCertNo(got[i])
		if err != nil || c.Seq != i+1 || c.Site != "XPJS01" || !c.Day.Equal(d) {
			t.Fatalf("%s parsed %+v %v", got[i], c, err)
		}
	}
	// Another day starts again at 1; a rolled-back transaction uses no number.
	f.db.Write(f.ctx, fxAdmin, func(tx *Tx) error {
		tx.nextCertNo(f.ctx, day(t, "2026-11-29"))
		return errReasonRequired()
	})
	f.db.Write(f.ctx, fxAdmin, func(tx *Tx) error {
		no, err := tx.nextCertNo(f.ctx, day(t, "2026-11-29"))
		if no != "HGZ-XPJS01-20261129-0001" {
			t.Errorf("next day: %s %v", no, err)
		}
		return err
	})
}

func TestCodesNeedSiteProfile(t *testing.T) {
	f := newEmptySite(t)
	for _, fn := range []func(tx *Tx) error{
		func(tx *Tx) error { _, err := tx.nextLotCode(f.ctx, day(t, "2026-11-28")); return err },
		func(tx *Tx) error { _, err := tx.nextCertNo(f.ctx, day(t, "2026-11-28")); return err },
	} {
		err := f.db.Write(f.ctx, fxAdmin, fn)
		wantErr(t, err, string(CodeInvalid))
		if !strings.Contains(userMessage(err, "zh"), "主体信息") || !strings.Contains(userMessage(err, "en"), "site profile") {
			t.Fatalf("message does not send the user to the site profile: %v", err)
		}
	}
}

// TestLotCodeSkipsUsedCodes: a counter behind the lots (a file restored
// from an older backup of counters, or edited) must not make harvests fail.
func TestLotCodeSkipsUsedCodes(t *testing.T) {
	f := newSite(t)
	in := HarvestInput{PlotID: f.citrus.ID, ProductID: f.orange.ID, Date: day(t, "2026-11-28"), Quantity: 1}
	a, _ := f.db.Harvest(f.ctx, fxRecorder, in)
	b, _ := f.db.Harvest(f.ctx, fxRecorder, in)
	if _, err := f.db.w.ExecContext(f.ctx, "UPDATE counters SET value = 0 WHERE name = 'lot:261128'"); err != nil {
		t.Fatal(err)
	}
	c, err := f.db.Harvest(f.ctx, fxRecorder, in)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tracecode.Parse(c.Code)
	if c.Code == a.Code || c.Code == b.Code || p.Seq != 3 {
		t.Fatalf("codes %s %s %s", a.Code, b.Code, c.Code)
	}
}
