package store

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// d2Chain builds harvest lots A (plot 1) and B (plot 2) → merge → C →
// packing → D, E; D shipped and certified.
func d2Chain(t *testing.T, s *d2Site) (a, b, c, d, e int64) {
	s.apply(s.plotID, s.fertilizer, "2026-10-01")
	s.envTest("2025-05-01")
	a = s.harvest(s.plotID, "2026-11-10", 100, false)
	b = s.harvest(s.plot2ID, "2026-11-11", 50, false)
	t1, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "merge", Date: d2Day(t, "2026-11-12"), Inputs: []LotQty{{a, 100}, {b, 50}},
		Outputs: []NewLot{{ProductID: s.orange, Quantity: 150}}})
	if err != nil {
		t.Fatal(err)
	}
	c = t1.Outputs[0].ID
	t2, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Date: d2Day(t, "2026-11-13"), Inputs: []LotQty{{c, 150}},
		Outputs: []NewLot{{ProductID: s.orange, Quantity: 100}, {ProductID: s.orange, Quantity: 50}}})
	if err != nil {
		t.Fatal(err)
	}
	d, e = t2.Outputs[0].ID, t2.Outputs[1].ID
	if _, err := s.db.Ship(s.ctx, d2Packer, ShipInput{LotID: d, BuyerName: "昆明批发商", BuyerCode: "2.91530100XXXX", BuyerType: "registered", Quantity: 60}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: d, Style: 1, Basis: []string{BasisQualityControl}, Quantity: 60}); err != nil {
		t.Fatal(err)
	}
	return
}

func codesOf(edges []TraceEdge) string {
	var c []string
	for _, e := range edges {
		c = append(c, e.Node.Lot.Code)
	}
	return strings.Join(c, ",")
}

func TestTraceBackForwardFull(t *testing.T) {
	s := newD2Site(t)
	a, b, c, d, e := d2Chain(t, s)
	code := func(id int64) string { return s.lot(id).Code }
	t.Run("one step from the middle", func(t *testing.T) {
		r, err := s.db.Trace(s.ctx, code(c), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := codesOf(r.Root.Inputs); got != code(a)+","+code(b) {
			t.Fatalf("inputs %s", got)
		}
		if got := codesOf(r.Root.Outputs); got != code(d)+","+code(e) {
			t.Fatalf("outputs %s", got)
		}
		if r.Root.Inputs[0].Node.Origin == nil || len(r.Root.Outputs[0].Node.Shipments) != 1 {
			// one step: neighbours are not expanded further, but their own facts show
			t.Fatalf("neighbour expansion wrong: %+v", r.Root.Inputs[0].Node)
		}
		if r.Root.Inputs[0].Node.Inputs != nil || r.Root.Outputs[0].Node.Outputs != nil || r.Lots != 5 {
			t.Fatalf("one-step trace went further (lots %d)", r.Lots)
		}
	})
	t.Run("full back from a box", func(t *testing.T) {
		r, err := s.db.Trace(s.ctx, code(d), true)
		if err != nil {
			t.Fatal(err)
		}
		root := r.Root
		if len(root.Shipments) != 1 || root.Shipments[0].Buyer != "昆明批发商" || len(root.Certificates) != 1 {
			t.Fatalf("forward facts %+v", root)
		}
		cNode := root.Inputs[0].Node
		if cNode.Lot.ID != c || codesOf(cNode.Inputs) != code(a)+","+code(b) {
			t.Fatalf("second level %+v", cNode)
		}
		aNode := cNode.Inputs[0].Node
		if aNode.Origin == nil || aNode.Origin.Plot != "一号地" || aNode.Origin.Base != "戛洒冰糖橙基地" || len(aNode.Origin.Applications) != 1 || len(aNode.Origin.EnvTests) != 1 {
			t.Fatalf("origin %+v", aNode.Origin)
		}
		if cNode.Outputs != nil {
			t.Fatal("ancestor expanded forward")
		}
		if r.Lots != 4 {
			t.Fatalf("lots %d", r.Lots)
		}
	})
	t.Run("full forward from a harvest lot", func(t *testing.T) {
		r, err := s.db.Trace(s.ctx, code(a), true)
		if err != nil {
			t.Fatal(err)
		}
		cNode := r.Root.Outputs[0].Node
		if codesOf(cNode.Outputs) != code(d)+","+code(e) || cNode.Outputs[0].Node.Shipments[0].Quantity != 60 {
			t.Fatalf("forward %+v", cNode)
		}
		js, err := json.Marshal(r)
		if err != nil || !strings.Contains(string(js), `"buyer":"昆明批发商"`) {
			t.Fatalf("json %s %v", js, err)
		}
		txt := r.Text("zh")
		for _, w := range []string{code(a), code(d), "发货", "昆明批发商", "一号地"} {
			if !strings.Contains(txt, w) {
				t.Fatalf("text lacks %q:\n%s", w, txt)
			}
		}
	})
	t.Run("by upstream code", func(t *testing.T) {
		rc, err := s.db.Receive(s.ctx, d2Packer, ReceiveInput{SupplierName: "农户", UpstreamCode: "UP-777", ProductID: s.orange, Quantity: 5})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.db.Trace(s.ctx, "up-777", false)
		if err != nil || r.MatchBy != "from_code" || r.Root.Lot.ID != rc.LotID || r.Root.Receipt.UpstreamCode != "UP-777" {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("cycle is safe", func(t *testing.T) {
		// Corrupt history (through the journal, so the file still verifies):
		// lot A claims to come out of the packing that consumed C.
		err := s.db.Write(s.ctx, d2Admin, func(tx *Tx) error {
			if _, err := tx.Exec(s.ctx, "UPDATE lots SET source='transform', transformation_id=(SELECT transformation_id FROM lots WHERE id=?) WHERE id=?", d, a); err != nil {
				return err
			}
			_, err := tx.Record(s.ctx, "lots", a, "lots.correct", "test: cycle")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.db.Trace(s.ctx, code(c), true)
		if err != nil || r.Lots != 5 {
			t.Fatalf("cyclic trace: %v lots %d", err, r.Lots)
		}
		if !strings.Contains(r.Text("en"), "shown above") {
			t.Fatalf("repeat not marked:\n%s", r.Text("en"))
		}
	})
}

// d2Deep builds a chain of depth transformations from one harvest lot and
// returns the first and last lots.
func d2Deep(tb testing.TB, s *d2Site, depth int) (first, last int64) {
	first = s.harvest(s.plotID, "2026-11-01", 1000, false)
	last = first
	for i := 0; i < depth; i++ {
		tr, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{last, 1000 - float64(i)}},
			Outputs: []NewLot{{ProductID: s.orange, Quantity: 1000 - float64(i+1)}}})
		if err != nil {
			tb.Fatal(err)
		}
		last = tr.Outputs[0].ID
	}
	return
}

func TestTraceDepthLimit(t *testing.T) {
	s := newD2Site(t)
	first, last := d2Deep(t, s, maxTraceDepth+3)
	r, err := s.db.Trace(s.ctx, s.lot(last).Code, true)
	if err != nil {
		t.Fatal(err)
	}
	n, depth := r.Root, 0
	for len(n.Inputs) > 0 {
		n, depth = n.Inputs[0].Node, depth+1
	}
	if depth != maxTraceDepth || !n.Truncated || n.Lot.ID == first {
		t.Fatalf("stopped at depth %d truncated %v", depth, n.Truncated)
	}
}

func BenchmarkTraceFull(b *testing.B) {
	s := newD2Site(b)
	_, last := d2Deep(b, s, 10)
	code := s.lot(last).Code
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := s.db.Trace(s.ctx, code, true)
		if err != nil || r.Lots != 11 {
			b.Fatal(err)
		}
	}
}

// BenchmarkLotByCode looks up random lots among SUYUAN_BENCH_LOTS (default
// 10 000) lots by local code, national long code and national short code.
// SUYUAN_BENCH_LOTS=1000000 builds a 1M-lot store (about a minute).
func BenchmarkLotByCode(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SUYUAN_BENCH_LOTS")); err == nil && v > 0 {
		n = v
	}
	s := newD2Site(b)
	s.unverified = true
	// Lookups do not read the journal, so the lots are bulk-inserted with
	// one prepared statement, all pointing at a single journal entry (this
	// store would not pass Verify; it exists only to be searched). Building
	// 1M journaled lots one by one took over half an hour.
	const chunk = 50000
	for start := 0; start < n; start += chunk {
		err := s.db.Write(s.ctx, systemActor, func(tx *Tx) error {
			e, err := tx.Append(s.ctx, "bench.lots", "bench:lots", []byte(`{}`), "", 0)
			if err != nil {
				return err
			}
			ins, err := tx.cached(s.ctx, `INSERT INTO lots(code, national_code, national_short_code, product_id, source, plot_id, produced_on, quantity, unit, jseq)
				VALUES(?,?,?,?,'harvest',?,'2026-11-01',1,'kg',?)`)
			if err != nil {
				return err
			}
			for i := start; i < start+chunk && i < n; i++ {
				if _, err := ins.ExecContext(s.ctx, fmt.Sprintf("XPGS-B-%07d", i), fmt.Sprintf("1.0.93530427MA6N3K7Q1X.00000001.%07d", i),
					fmt.Sprintf("1159%016d", i), s.orange, s.plotID, e.Seq); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := (i * 7919) % n
		var q string
		switch i % 3 {
		case 0:
			q = fmt.Sprintf("xpgs-b-%07d", k)
		case 1:
			q = fmt.Sprintf("1.0.93530427MA6N3K7Q1X.00000001.%07d", k)
		default:
			q = fmt.Sprintf("1159%016d", k)
		}
		l, err := s.db.LotByCode(s.ctx, q)
		if err != nil || l.Code != fmt.Sprintf("XPGS-B-%07d", k) {
			b.Fatalf("%s: %+v %v", q, l, err)
		}
	}
}

func BenchmarkMarkPrinted(b *testing.B) {
	s := newD2Site(b)
	lot := s.harvest(s.plotID, "2026-11-20", 100, false)
	j, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "trace", LotID: lot, Copies: maxCopies, Printer: "sim", Size: "60x40"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i%maxCopies + 1
		if k == 1 && i > 0 {
			b.StopTimer()
			if j, err = s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "trace", LotID: lot, Copies: maxCopies, Printer: "sim", Size: "60x40", Reason: "bench"}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if err := s.db.MarkPrinted(s.ctx, j.ID, k); err != nil {
			b.Fatal(err)
		}
	}
}
