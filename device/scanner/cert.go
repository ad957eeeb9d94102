package scanner

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// certLabels maps the labels printed on 承诺达标合格证 (domain.md §5) to
// field names. Full-width colons were already folded to ':' by normalise.
var certLabels = map[string]string{
	"合格证编号": "cert_no", "证书编号": "cert_no", "编号": "cert_no",
	"产品名称": "product", "品名": "product",
	"产品数量": "quantity", "数量(重量)": "quantity", "数量": "quantity", "重量": "quantity",
	"产品产地": "origin", "产地": "origin",
	"承诺主体": "issuer", "生产者": "issuer", "开具主体": "issuer",
	"联系方式": "contact", "联系电话": "contact", "电话": "contact",
	"开具时间": "issued", "开具日期": "issued",
	"追溯码":  "trace_code",
	"承诺依据": "basis",
}

var certLabelList = func() []string {
	l := make([]string, 0, len(certLabels))
	for k := range certLabels {
		l = append(l, k)
	}
	// Longest first so "合格证编号" wins over "编号".
	sort.Slice(l, func(i, j int) bool {
		if len(l[i]) != len(l[j]) {
			return len(l[i]) > len(l[j])
		}
		return l[i] < l[j]
	})
	return l
}()

// parseCertText handles a plain-text certificate QR (it contains
// "承诺达标合格证"). Code is the certificate number when one is printed;
// otherwise a digest of the text ("text-sha256:" + 16 hex), which is stable
// across rescans of the same certificate and so still works as a key for
// "already received". The text itself is in Raw.
func parseCertText(s string) Scan {
	type hit struct {
		at, valueAt int
		field       string
	}
	var hits []hit
	for i := 0; i < len(s); {
		matched := false
		for _, lab := range certLabelList {
			if strings.HasPrefix(s[i:], lab) {
				j := i + len(lab)
				if j < len(s) && s[j] == ':' {
					hits = append(hits, hit{at: i, valueAt: j + 1, field: certLabels[lab]})
					i = j + 1
					matched = true
					break
				}
			}
		}
		if !matched {
			i++
		}
	}
	fields := map[string]string{"form": "text"}
	for k, h := range hits {
		end := len(s)
		if k+1 < len(hits) {
			end = hits[k+1].at
		}
		v := strings.Trim(s[h.valueAt:end], " \t\r\n;,|/")
		if v != "" && fields[h.field] == "" {
			fields[h.field] = v
		}
	}
	sc := Scan{Kind: KindCertificate, Fields: fields}
	if no := fields["cert_no"]; no != "" {
		sc.Code = no
		if inner, ok := parseCertNo(no); ok && inner.Err != nil {
			sc.Err = inner.Err
		}
	} else {
		sum := sha256.Sum256([]byte(s))
		sc.Code = "text-sha256:" + hex.EncodeToString(sum[:8])
	}
	return sc
}
