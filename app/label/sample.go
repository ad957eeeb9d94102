package label

import "time"

// Sample returns demonstration data for k (a Xinping citrus cooperative), used
// by `suyuan print preview`, the settings preview and tests.
func Sample(k Kind) Data {
	d := Data{
		Kind:     k,
		Code:     "11593966828965943445",
		Product:  "沃柑",
		Variety:  "W·默科特",
		Quantity: "25",
		Unit:     "kg",
		Origin:   "云南省玉溪市新平县戛洒镇",
		Producer: "新平褚橙种植专业合作社",
		Contact:  "0877-7012345",
		Date:     time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC),
		Serial:   1,
		Total:    1,
	}
	if k.IsCert() {
		d.CertNo = "HGZ20260318-0001"
		d.Basis = []string{BasisControl, BasisSelfTest}
	}
	if k == CertPurchaser {
		d.UpstreamCertNo = "HGZ20260317-0042"
		d.Producer = "新平县果蔬收购站"
	}
	return d
}
