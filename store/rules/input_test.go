package rules

import (
	"math"
	"testing"
	"time"
)

func TestValidateQuantity(t *testing.T) {
	tests := []struct {
		q  float64
		ok bool
	}{
		{1, true}, {0.1, true}, {0.001, true}, {2.125, true}, {1234.5, true}, {1e12, true}, {math.Nextafter(0.3, 1), false}, {math.Nextafter(0.3, 0), false},
		{0, false}, {-1, false}, {0.0001, false}, {1.2345, false}, {1e12 + 1, false},
		{math.NaN(), false}, {math.Inf(1), false}, {math.Inf(-1), false}, {math.SmallestNonzeroFloat64, false},
	}
	for _, tt := range tests {
		err := ValidateQuantity(tt.q)
		if tt.ok != (err == nil) {
			t.Errorf("ValidateQuantity(%v) = %v, want ok=%v", tt.q, err, tt.ok)
		}
		if err != nil && !IsRule(err, RuleQuantity) {
			t.Errorf("ValidateQuantity(%v) rule: %v", tt.q, err)
		}
	}
}

func TestValidateDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = refused
	}{
		{"2026-03-15", "2026-03-15"}, {" 2026-03-15 ", "2026-03-15"}, {"2028-02-29", "2028-02-29"},
		{"1900-01-01", "1900-01-01"}, {"2199-12-31", "2199-12-31"},
		{"2026-3-15", ""}, {"2026-02-29", ""}, {"2026-13-01", ""}, {"2026-00-10", ""}, {"2026/03/15", ""},
		{"0226-03-15", ""}, {"2200-01-01", ""}, {"1899-12-31", ""}, {"", ""}, {"2026-03-15T00:00", ""},
		{"２０２６-03-15", ""},
	}
	for _, tt := range tests {
		got, err := ValidateDate(tt.in)
		if tt.want == "" {
			if !IsRule(err, RuleDate) {
				t.Errorf("ValidateDate(%q) = %v, %v; want %s", tt.in, got, err, RuleDate)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("ValidateDate(%q) = %v, %v; want %s UTC midnight", tt.in, got, err, tt.want)
		}
	}
}
