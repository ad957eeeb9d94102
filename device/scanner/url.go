package scanner

import (
	"net/url"
	"sort"
	"strings"
)

// codeParams are query keys that carry a code on Chinese trace and
// certificate pages (compared case-insensitively, in this order).
var codeParams = []string{"code", "zsm", "tracecode", "trace_code", "traceno", "hgz", "hgzno", "certno", "cert_no", "certificate", "no", "sn", "id", "c"}

// parseURL handles http(s) scans. If the URL is a GS1 Digital Link it is
// KindGS1DigitalLink. Otherwise the code it carries — a known query
// parameter (codeParams), then path segments from the last one back, also
// inside a "#/…?…" hash route — is classified; when that inner code is a
// known kind, the scan takes that kind (a 合格证 QR URL is a
// KindCertificate, a platform URL with zsm=… a national code) with the URL
// in Fields["url"]. When nothing inside is recognisable the scan is
// KindURL with Code = the URL itself: an opaque id only means something
// together with its host, and Code must never be empty for a known kind.
// The opaque parameter value, if any, is kept in Fields["url_code"].
func parseURL(s string, depth int) Scan {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Scan{Kind: KindURL, Code: s, Fields: map[string]string{"url": s},
			Err: newErr(ErrStructure, "url", "not a valid URL")}
	}
	// Canonical form: scheme and host are case-insensitive.
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	canon := u.String()
	if dl, ok := parseDigitalLink(u, canon); ok {
		return dl
	}
	type cand struct{ where, value string }
	var cands []cand
	queries := []url.Values{u.Query()}
	paths := []string{u.EscapedPath()}
	if frag := u.EscapedFragment(); frag != "" {
		// Single-page apps: https://host/#/trace?code=… or #/detail/CODE
		fp, fq, _ := strings.Cut(frag, "?")
		if qv, err := url.ParseQuery(fq); err == nil {
			queries = append(queries, qv)
		}
		paths = append(paths, fp)
	}
	for _, q := range queries {
		lower := map[string]string{}
		for k, vs := range q {
			if len(vs) > 0 && vs[0] != "" {
				lower[strings.ToLower(k)] = vs[0]
			}
		}
		for _, k := range codeParams {
			if v, ok := lower[k]; ok {
				cands = append(cands, cand{"query:" + k, v})
			}
		}
	}
	for _, p := range paths {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		for i := len(segs) - 1; i >= 0; i-- {
			if v, err := url.PathUnescape(segs[i]); err == nil && v != "" {
				cands = append(cands, cand{"path", v})
			}
		}
	}
	fields := map[string]string{"url": canon}
	for _, c := range cands {
		v, _ := normalise(c.value)
		if depth > 2 || v == "" {
			continue
		}
		inner := classify(v, depth+1)
		if inner.Kind == KindUnknown || inner.Kind == KindURL {
			continue
		}
		if inner.Fields == nil {
			inner.Fields = map[string]string{}
		}
		inner.Fields["url"] = canon
		inner.Fields["url_where"] = c.where
		return inner
	}
	for _, c := range cands {
		if strings.HasPrefix(c.where, "query:") {
			fields["url_code"] = c.value
			fields["url_where"] = c.where
			break
		}
	}
	return Scan{Kind: KindURL, Code: canon, Fields: fields}
}

func sortStrings(s []string) { sort.Strings(s) }
