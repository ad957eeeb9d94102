package rules

import "testing"

func TestValidatePesticideRegNo(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"PD20080005", true}, {"WP20080012", true}, {"LS20071573", true}, {"WL20080123", true},
		{"PD19990001", true}, {"PD20080005F120001", true}, {"PD84104-9", true}, {"PD85150-15", true},
		{"PD86148", true},
		{"pd20080005", false}, {"PD2008005", false}, {"PD200800051", false}, {"PX20080005", false},
		{"PD30080005", false}, {"PD20080005F", false}, {"PD20080005F12001", false},
		{"PD 20080005", false}, {" PD20080005", false}, {"PD84104-", false}, {"PD84104-1234", false},
		{"", false}, {"ＰＤ20080005", false},
	}
	for _, tt := range tests {
		err := ValidatePesticideRegNo(tt.in)
		if tt.ok != (err == nil) {
			t.Errorf("ValidatePesticideRegNo(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && !IsRule(err, RuleRegNumberFormat) {
			t.Errorf("ValidatePesticideRegNo(%q) rule: %v", tt.in, err)
		}
	}
}

func TestFertilizerRegNo(t *testing.T) {
	tests := []struct {
		in   string
		kind string // "" = invalid
	}{
		{"农肥(2019)准字1234号", FertilizerNational},
		{"农肥(2013)临字3034号", FertilizerNational},
		{"微生物肥(2019)准字(6245)号", FertilizerMicrobial},
		{"微生物肥(2019)准字6245号", FertilizerMicrobial},
		{"云农肥(2019)准字0123号", FertilizerProvincial},
		{"滇农肥(2019)准字0123号", FertilizerProvincial},
		{"鲁农肥(2015)临字0001号", FertilizerProvincial},
		{"GB/T 15063-2020", FertilizerStandard},
		{"GB/T15063-2020", FertilizerStandard},
		{"GB/T 15063", FertilizerStandard},
		{"NY/T 525-2021", FertilizerStandard},
		{"NY 525-2012", FertilizerStandard},
		{"GB/T 21633-2020", FertilizerStandard},
		{"HG/T 4365-2012", FertilizerStandard},
		{"农肥（2019）准字1234号", ""}, // full-width brackets: NormalizeID first
		{"农肥(2019)准字号", ""},
		{"农肥(19)准字1234号", ""},
		{"农肥(2019)准字1234", ""},
		{"农肥(2019)登字1234号", ""},
		{"美农肥(2019)准字1234号", ""},
		{"Q/YN 001-2020", ""},
		{"GB/T", ""},
		{"gb/t 15063-2020", ""},
		{"", ""},
	}
	for _, tt := range tests {
		kind, err := ClassifyFertilizerRegNo(tt.in)
		if kind != tt.kind {
			t.Errorf("ClassifyFertilizerRegNo(%q) = %q, %v; want %q", tt.in, kind, err, tt.kind)
		}
		if verr := ValidateFertilizerRegNo(tt.in); (verr == nil) != (tt.kind != "") {
			t.Errorf("ValidateFertilizerRegNo(%q) = %v", tt.in, verr)
		} else if verr != nil && !IsRule(verr, RuleRegNumberFormat) {
			t.Errorf("ValidateFertilizerRegNo(%q) rule: %v", tt.in, verr)
		}
	}
	// The label form becomes valid after NormalizeID.
	if err := ValidateFertilizerRegNo(NormalizeID(" 农肥（2019）准字1234号 ")); err != nil {
		t.Errorf("normalised label form refused: %v", err)
	}
}
