package analyzerimport_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"suyuan/app/analyzerimport"
	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
	"suyuan/store"
	"suyuan/store/rules"
)

// importFrom imports with driver from a simulator of simDriver (the same
// or another model) over a real pty.
func importFrom(t *testing.T, s *site, driver, simDriver string, o sim.Options) (analyzerimport.Summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	master, slave, err := serial.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	simCtx, stop := context.WithCancel(ctx)
	defer stop()
	go sim.Run(simCtx, master, simDriver, o)
	d, err := analyzer.New(driver, analyzer.Options{Timeout: 200 * time.Millisecond, MaxPasses: 3})
	if err != nil {
		t.Fatal(err)
	}
	port, err := serial.Open(ctx, serial.Config{Path: slave, Baud: d.Serial().Baud})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	return analyzerimport.Import(ctx, s.db, s.tech, port, d, nil)
}

// TestImportFromWrongModel: a TL-310 on the port of an LZ-4000T import is
// reported as an unexpected reply (wrong model or settings), with the
// bytes received, in both languages — not as an instrument that did not
// answer.
func TestImportFromWrongModel(t *testing.T) {
	s := newSite(t)
	_, err := importFrom(t, s, "lz4000t", "tl310", sim.Options{Count: 5, AnswerAny: true, Undefined: sim.UndefinedRandom})
	var ie *analyzerimport.Error
	var re *analyzer.ReadError
	if !errors.As(err, &ie) || !errors.As(err, &re) || re.Kind != analyzer.UnexpectedReply {
		t.Fatalf("err %v", err)
	}
	for lang, want := range map[string]string{"zh": "不是“lz4000t”类型仪器的应答", "en": "not as a lz4000t does"} {
		m := ie.UserMessage(lang)
		if !strings.Contains(m, want) || strings.Contains(m, "未在规定时间内应答") || strings.Contains(m, "did not answer in time") {
			t.Errorf("%s: %q", lang, m)
		}
	}
	if len(s.pending()) != 0 {
		t.Error("readings stored from another model's frames")
	}
}

// TestImportCountsPositives: the verdict of each reading is known as it is
// stored; the summary names the positives and the store lists them with
// the same verdict.
func TestImportCountsPositives(t *testing.T) {
	s := newSite(t)
	want, err := sim.Generate("lz4000t", 12, 21, nil)
	if err != nil {
		t.Fatal(err)
	}
	positives := 0
	for _, r := range want {
		if *r.Rate >= 50 {
			positives++
		}
	}
	if positives == 0 || positives == len(want) {
		t.Fatalf("seed gives %d positives of %d: pick another", positives, len(want))
	}
	sum, err := importFrom(t, s, "lz4000t", "lz4000t", sim.Options{Readings: want, Undefined: sim.UndefinedRandom, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != len(want) || sum.Positive != positives {
		t.Fatalf("summary %+v, want %d positives", sum, positives)
	}
	if !strings.Contains(sum.Text("zh"), "阳性") || !strings.Contains(sum.Text("en"), "POSITIVE") {
		t.Errorf("summary text: %q / %q", sum.Text("zh"), sum.Text("en"))
	}
	n := 0
	for _, r := range s.pending() {
		if r.Verdict == "positive" {
			n++
		}
		if (r.Verdict == "positive") != (*r.Rate >= 50) {
			t.Errorf("reading %s rate %v verdict %s", r.RecordNo, *r.Rate, r.Verdict)
		}
	}
	if n != positives {
		t.Errorf("store lists %d positives, want %d", n, positives)
	}
}

// TestBindOldReadingNeedsOverride: a reading from years before the lot is
// refused; an administrator binds it with a reason.
func TestBindOldReadingNeedsOverride(t *testing.T) {
	s := newSite(t)
	lot := s.harvest()
	rate := 12.0
	in := store.ReadingInput{Instrument: "lz4000t", RecordNo: "1", TestedAt: time.Now().AddDate(-3, 0, 0), Rate: &rate, Raw: "7e11"}
	if _, _, err := s.db.ImportReadings(s.ctx, s.tech, []store.ReadingInput{in}); err != nil {
		t.Fatal(err)
	}
	id := s.pending()[0].ID
	if _, err := analyzerimport.Bind(s.ctx, s.db, s.tech, id, lot.Code); !rules.IsRule(err, store.RuleDateOrder) {
		t.Fatalf("technician bind: %v", err)
	}
	if _, err := analyzerimport.BindOverride(s.ctx, s.db, s.tech, id, lot.Code, "确属该批次"); !rules.IsRule(err, store.RuleDateOrder) {
		t.Fatalf("technician override: %v", err)
	}
	ins, err := analyzerimport.BindOverride(s.ctx, s.db, s.admin, id, lot.Code, "冷库留样复测，仪器时钟错误")
	if err != nil || ins.LotID != lot.ID {
		t.Fatalf("admin override: %+v %v", ins, err)
	}
}
