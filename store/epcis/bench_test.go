package epcis

import (
	"context"
	"testing"
)

// BenchmarkExport exports a generated store of 1000 harvest lots (about
// 2 600 events: harvests, merges/splits/packing, tests, shipments, receipts,
// a hold and a disposal) to JSON and reports events per second.
func BenchmarkExport(b *testing.B) {
	s := newSite(b)
	s.generate(b, 1000)
	ctx := context.Background()
	var events int
	for b.Loop() {
		d, err := Export(ctx, s.db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		data, err := d.JSON()
		if err != nil {
			b.Fatal(err)
		}
		events = len(d.EPCISBody.EventList)
		b.SetBytes(int64(len(data)))
	}
	b.ReportMetric(float64(events), "events/op")
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkValidate is the schema check of the same export (what the CLI
// runs before writing the file, and Import runs on every document).
func BenchmarkValidate(b *testing.B) {
	s := newSite(b)
	s.generate(b, 1000)
	d, err := Export(context.Background(), s.db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := d.JSON()
	if err != nil {
		b.Fatal(err)
	}
	events := len(d.EPCISBody.EventList)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := Validate(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkImport imports the shipments of the 1000-lot store's export (500
// receipts, one batch: the time the write lock is held) into a fresh store.
func BenchmarkImport(b *testing.B) {
	up := newSite(b)
	up.generate(b, 1000)
	ctx := context.Background()
	d, err := Export(ctx, up.db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := d.JSON()
	if err != nil {
		b.Fatal(err)
	}
	var received int
	for b.Loop() {
		b.StopTimer()
		s := newSite(b)
		b.StartTimer()
		res, err := Import(ctx, s.db, s.admin, data, ImportOptions{ProductID: s.received.ID})
		if err != nil {
			b.Fatal(err)
		}
		received = res.Received
	}
	b.ReportMetric(float64(received), "receipts/op")
	b.ReportMetric(float64(received)*float64(b.N)/b.Elapsed().Seconds(), "receipts/s")
}
