package scanner

import "testing"

// BenchmarkParse measures one Parse per kind (ns/op reported per sub-benchmark).
func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, raw string }{
		{"local-lot", "XP01-250301-0001-V\r\n"},
		{"national-long", "1.0.915101007130545948.00000001.20240501102030.001"},
		{"national-short", "11593966828965943445"},
		{"national-oid", "1.2.156.326.8.1.2.0.3.93530427MA6N0X1234.01001.20240501102030"},
		{"certificate-no", "HGZ-XP01-20250301-0007"},
		{"certificate-text", "承诺达标合格证\n合格证编号：HGZ-XP01-20250301-0007\n产品名称：白菜\n产品数量：500公斤\n产品产地：云南省玉溪市新平县\n承诺主体：新平某合作社\n联系方式：13800000000\n开具时间：2025-03-01"},
		{"url-national", "https://zs.example.gov.cn/qry?zsm=1.0.915101007130545948.00000001.20240501102030.001"},
		{"url-plain", "https://mp.weixin.qq.com/s/AbCdEf"},
		{"gs1-digital-link", "https://id.gs1.org/01/09520123456788/10/ABC123/21/12345?17=250131"},
		{"gs1-element", "]d201095201234567881015ABC123\x1d172501313103001250"},
		{"fullwidth", "１.０.９１５１０１００７１３０５４５９４８.０００００００１.２０２４０５０１１０２０３０.００１"},
		{"unknown", "hello world"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Parse(c.raw)
			}
		})
	}
}
