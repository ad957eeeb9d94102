package store

import (
	"strings"
	"testing"
)

func TestIssueCertificateBasisAndFields(t *testing.T) {
	s := newD2Site(t)
	untested := s.harvest(s.plotID, "2026-11-20", 100, false)
	tested := s.harvest(s.plotID, "2026-11-20", 100, false)
	s.negative(tested)
	labbed := s.harvest(s.plotID, "2026-11-20", 100, false)
	if _, err := s.db.RecordInspection(s.ctx, d2Tech, InspectionInput{LotID: labbed, Kind: "lab", Item: "毒死蜱", Value: d2f(0.001), Limit: d2f(0.5)}); err != nil {
		t.Fatal(err)
	}
	// A box packed from the tested lot is covered by its test.
	tr, err := s.db.Transform(s.ctx, d2Packer, TransformInput{Kind: "packing", Inputs: []LotQty{{tested, 20}}, Outputs: []NewLot{{ProductID: s.orange, Quantity: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		in    CertInput
		rule  string
		code  Code
		basis string
	}{
		{"control only", CertInput{LotID: untested, Basis: []string{BasisQualityControl}}, "", "", BasisQualityControl},
		{"legacy wording mapped", CertInput{LotID: untested, Basis: []string{"自我承诺", "质量安全内部控制合格"}}, "", "", BasisQualityControl},
		{"no basis", CertInput{LotID: untested}, RuleCertBasis, CodeRule, ""},
		{"unknown basis", CertInput{LotID: untested, Basis: []string{"领导保证"}}, RuleCertBasis, CodeRule, ""},
		{"self test without test", CertInput{LotID: untested, Basis: []string{BasisSelfTest}}, RuleCertBasis, CodeRule, ""},
		{"self test with negative", CertInput{LotID: tested, Basis: []string{BasisSelfTest, BasisQualityControl}}, "", "", BasisQualityControl + "," + BasisSelfTest},
		{"lab basis needs lab", CertInput{LotID: tested, Basis: []string{BasisLabTest}}, RuleCertBasis, CodeRule, ""},
		{"lab basis with lab", CertInput{LotID: labbed, Basis: []string{BasisLabTest}}, "", "", BasisLabTest},
		{"packed box inherits test", CertInput{LotID: tr.Outputs[0].ID, Basis: []string{BasisSelfTest}}, "", "", BasisSelfTest},
		{"style 2 needs upstream", CertInput{LotID: untested, Style: 2, Basis: []string{BasisQualityControl}}, "", CodeInvalid, ""},
		{"style 3", CertInput{LotID: untested, Style: 3, Basis: []string{BasisQualityControl}}, "", CodeInvalid, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Style == 0 {
				in.Style = 1
			}
			in.Quantity = 5
			c, err := s.db.IssueCertificate(s.ctx, d2Packer, in)
			switch {
			case tc.rule != "":
				wantRule(t, err, tc.rule)
				return
			case tc.code != "":
				if ErrorCode(err) != tc.code {
					t.Fatalf("want %s, got %v", tc.code, err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if strings.Join(c.Basis, ",") != tc.basis || c.PromiseVersion != PromiseVersion2025 || !strings.HasPrefix(c.CertNo, "HGZ-XPGS-2026112") ||
				c.Issuer != "新平戛洒某某柑橘种植专业合作社（示例）" || c.Origin != "新平县戛洒镇大平掌" || c.Contact != "李四 13800000000" ||
				c.ProductName != "冰糖橙（褚橙）" || c.Unit != "kg" {
				t.Fatalf("certificate %+v", c)
			}
		})
	}
	// Style 2 takes the upstream certificate recorded at receipt.
	r, err := s.db.Receive(s.ctx, d2Packer, ReceiveInput{SupplierName: "农户甲", UpstreamCode: "X1", UpstreamCertNo: "HGZ-UP-1", ProductID: s.orange, Quantity: 50})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.db.IssueCertificate(s.ctx, d2Packer, CertInput{LotID: r.LotID, Style: 2, Basis: []string{BasisQualityControl}, Quantity: 50, Origin: "新平县漠沙镇"})
	if err != nil || c.UpstreamCertNo != "HGZ-UP-1" || c.Origin != "新平县漠沙镇" {
		t.Fatalf("style 2: %+v %v", c, err)
	}
	if err := s.db.CanCertify(s.ctx, r.LotID, d2Day(t, "2026-11-28")); !strings.Contains(err.Error(), "mass-balance") {
		t.Fatalf("fully certified lot: %v", err)
	}
	list, err := s.db.ListCertificates(s.ctx, CertificateQuery{ListQuery: ListQuery{Search: "HGZ-XPGS"}})
	n, _ := s.db.CountCertificates(s.ctx, CertificateQuery{})
	if err != nil || len(list) != n || n != 6 {
		t.Fatalf("list %d count %d %v", len(list), n, err)
	}
}
