package store

import (
	"errors"
	"reflect"
	"testing"
)

// printAll drives a job like the printing loop does: render each label from
// LabelData, "send" it, mark it; fail (once) when failAt is reached.
func printAll(t *testing.T, s *d2Site, j PrintJob, failAt int, got map[int]int) error {
	t.Helper()
	for serial := j.NextSerial(); serial <= j.LastSerial(); serial++ {
		if serial == failAt {
			if err := s.db.FailPrintJob(s.ctx, j.ID, "printer: paper out"); err != nil {
				t.Fatal(err)
			}
			return errors.New("paper out")
		}
		d, err := s.db.LabelData(s.ctx, j.ID, serial)
		if err != nil {
			t.Fatal(err)
		}
		got[d.Serial]++
		if err := s.db.MarkPrinted(s.ctx, j.ID, serial-j.FirstSerial+1); err != nil {
			t.Fatal(err)
		}
	}
	return nil
}

func TestPrintJobResumeAndSerials(t *testing.T) {
	s := newD2Site(t)
	lot := s.harvest(s.plotID, "2026-11-20", 100, false)
	j, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "trace", LotID: lot, Copies: 20, Printer: "tspl://sim", Size: "60x40"})
	if err != nil {
		t.Fatal(err)
	}
	if j.FirstSerial != 1 || j.Status != "open" || j.DPI != 203 || j.Lang != "tspl" {
		t.Fatalf("job %+v", j)
	}
	got := map[int]int{}
	if err := printAll(t, s, j, 8, got); err == nil {
		t.Fatal("expected the simulated failure")
	}
	if err := s.db.MarkPrinted(s.ctx, j.ID, 8); ErrorCode(err) != CodeConflict {
		t.Fatalf("progress on a failed job: %v", err)
	}
	r, err := s.db.ResumePrintJob(s.ctx, d2Packer, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.NextSerial() != 8 || r.Printed != 7 || r.Status != "open" || r.LastError != "printer: paper out" {
		t.Fatalf("resumed %+v", r)
	}
	if err := printAll(t, s, r, 0, got); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if got[i] != 1 {
			t.Fatalf("serial %d printed %d times (%v)", i, got[i], got)
		}
	}
	if len(got) != 20 {
		t.Fatalf("printed %d serials", len(got))
	}
	done, _ := s.db.PrintJobByID(s.ctx, j.ID)
	if done.Status != "done" || done.Printed != 20 {
		t.Fatalf("job after printing %+v", done)
	}
	if err := s.db.MarkPrinted(s.ctx, j.ID, 19); err == nil {
		t.Fatal("progress went backwards")
	}
	if _, err := s.db.ResumePrintJob(s.ctx, d2Packer, j.ID); ErrorCode(err) != CodeConflict {
		t.Fatalf("resumed a finished job: %v", err)
	}

	// A second run of the same lot+kind is a reprint: reason required, serials continue.
	in := PrintJobInput{Kind: "trace", LotID: lot, Copies: 5, Printer: "tspl://sim", Size: "60x40"}
	if _, err := s.db.StartPrintJob(s.ctx, d2Packer, in); ErrorCode(err) != CodeInvalid {
		t.Fatalf("reprint without reason: %v", err)
	}
	in.Reason, in.ReprintOf = "标签被雨淋湿", &j.ID
	j2, err := s.db.StartPrintJob(s.ctx, d2Packer, in)
	if err != nil || j2.FirstSerial != 21 || j2.ReprintOf != j.ID {
		t.Fatalf("reprint %+v %v", j2, err)
	}
	h, _ := s.db.History(s.ctx, "print_jobs", j2.ID)
	if h[0].Kind != "print_jobs.reprint" || h[0].Reason != "标签被雨淋湿" {
		t.Fatalf("reprint journal %+v", h[0])
	}
	// A cancelled job's serials are never reused.
	if err := s.db.CancelPrintJob(s.ctx, d2Packer, j2.ID, "换纸"); err != nil {
		t.Fatal(err)
	}
	in.ReprintOf = nil
	j3, err := s.db.StartPrintJob(s.ctx, d2Packer, in)
	if err != nil || j3.FirstSerial != 26 {
		t.Fatalf("after cancel %+v %v", j3, err)
	}
	// Void a printed label; not an unprinted one; not twice.
	if err := s.db.VoidLabel(s.ctx, d2Packer, j.ID, 3, "贴错箱"); err != nil {
		t.Fatal(err)
	}
	if err := s.db.VoidLabel(s.ctx, d2Packer, j.ID, 3, "again"); ErrorCode(err) != CodeConflict {
		t.Fatalf("double void: %v", err)
	}
	if err := s.db.VoidLabel(s.ctx, d2Packer, j3.ID, 26, "x"); ErrorCode(err) != CodeInvalid {
		t.Fatalf("voided an unprinted label: %v", err)
	}
	d, _ := s.db.LabelData(s.ctx, j.ID, 3)
	if !d.Voided {
		t.Fatal("voided label not flagged")
	}
	jobs, err := s.db.ListPrintJobs(s.ctx, PrintJobQuery{LotID: lot})
	if err != nil || len(jobs) != 3 || jobs[0].ID != j3.ID {
		t.Fatalf("list %+v %v", jobs, err)
	}
}

func TestLabelDataAndCertificatePrint(t *testing.T) {
	s := newD2Site(t)
	lot := s.harvest(s.plotID, "2026-11-20", 100, false)
	s.negative(lot)
	if _, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "cert1", LotID: lot, Copies: 1, Printer: "p", Size: "80x60"}); !IsNotFound(err) {
		t.Fatalf("cert print without certificate: %v", err)
	}
	c, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: lot, Style: 1, Basis: []string{BasisSelfTest}, Quantity: 40})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "cert2", LotID: lot, CertificateID: c.ID, Copies: 1, Printer: "p", Size: "80x60"}); ErrorCode(err) != CodeInvalid {
		t.Fatalf("style mismatch: %v", err)
	}
	j, err := s.db.StartPrintJob(s.ctx, d2Packer, PrintJobInput{Kind: "cert1", LotID: lot, CertificateID: c.ID, Copies: 2, Printer: "p", Size: "80x60"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.db.LabelData(s.ctx, j.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := LabelData{Kind: "cert1", JobID: j.ID, Serial: 2, Index: 2, Total: 2, Code: s.lot(lot).Code, LocalCode: s.lot(lot).Code, Provisional: true,
		Product: "冰糖橙（褚橙）", Variety: "褚橙", Quantity: 40, Unit: "kg", Origin: "新平县戛洒镇大平掌", Producer: "新平戛洒某某柑橘种植专业合作社（示例）",
		Contact: "李四 13800000000", Date: d2Day(t, "2026-11-28"), CertNo: c.CertNo, Style: 1, PromiseText: PromiseTextStyle1, PromiseVersion: PromiseVersion2025}
	if d.Basis[0] != BasisSelfTest {
		t.Fatalf("basis %v", d.Basis)
	}
	d.Basis = nil
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("label data\n got %+v\nwant %+v", d, want)
	}
	if _, err := s.db.LabelData(s.ctx, j.ID, 3); ErrorCode(err) != CodeInvalid {
		t.Fatalf("serial outside job: %v", err)
	}
	if err := s.db.SetNationalCodes(s.ctx, d2Admin, lot, "1.0.X.1", "11500000000000000001", ""); err != nil {
		t.Fatal(err)
	}
	d, _ = s.db.LabelData(s.ctx, j.ID, 1)
	if d.Code != "1.0.X.1" || d.ShortCode != "11500000000000000001" || d.Provisional {
		t.Fatalf("national code not used: %+v", d)
	}
	// A positive found later blocks further certificate printing and resuming.
	if err := s.db.FailPrintJob(s.ctx, j.ID, "cover open"); err != nil {
		t.Fatal(err)
	}
	s.positive(lot)
	_, err = s.db.ResumePrintJob(s.ctx, d2Packer, j.ID)
	wantRule(t, err, RuleLotOnHold)
}
