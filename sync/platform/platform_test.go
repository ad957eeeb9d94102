package platform

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"suyuan/store"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://platform.example.cn", true},
		{"https://platform.example.cn/base/", true},
		{"http://127.0.0.1:8765", true},
		{"http://127.5.6.7:80", true},
		{"http://localhost:9000", true},
		{"http://[::1]:9000", true},
		{"http://192.168.1.10:8765", false},
		{"http://platform.example.cn", false},
		{"http://127.0.0.1.evil.example", false},
		{"ftp://127.0.0.1", false},
		{"https://acct:secret@platform.example.cn", false},
		{"127.0.0.1:8765", false},
		{"", false},
	} {
		_, err := CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
		var pe *Error
		if err != nil && (!errors.As(err, &pe) || pe.UserMessage("zh") == "" || pe.UserMessage("en") == "") {
			t.Errorf("CheckURL(%q): error without user messages: %v", tc.url, err)
		}
	}
	_, err := NewClient("http://platform.example.cn", "a", "s")
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.UserMessage("zh"), "https") || !strings.Contains(pe.UserMessage("en"), "https") {
		t.Fatalf("plain http to a remote host must be refused with a clear message: %v", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, site := range []string{"91530427MA6K000000", "XP-01:a"} {
		k := IdempotencyKey(site, 42, h)
		s, seq, hh, ok := ParseKey(k)
		if !ok || s != site || seq != 42 || hh != h {
			t.Errorf("ParseKey(%q) = %q %d %q %v", k, s, seq, hh, ok)
		}
	}
	for _, bad := range []string{"", "x", "a:b:c", "a:0:" + h, "a:-1:" + h, "a:1:short", ":1:" + h} {
		if _, _, _, ok := ParseKey(bad); ok {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestRecordFromEntryUsesNationalNames(t *testing.T) {
	for _, tc := range []struct {
		ref, kind, payload string
		typ                string
		want               map[string]any
	}{
		{"lots:7", "lots.create", `{"id":7,"code":"XP20261128001","national_code":null,"product_id":3,"source":"harvest","produced_on":"2026-11-28","quantity":850.5,"unit":"kg","from_code":""}`,
			"lot", map[string]any{"insideTraceCode": "XP20261128001", "productId": 3.0, "productSource": "自产", "harvestTime": "2026-11-28", "productAmount": 850.5, "productUnit": "kg", "fromzsm": "", "traceCode": nil, "id": 7.0}},
		{"shipments:2", "shipments.create", `{"id":2,"lot_id":7,"buyer_type":"market","to_code":"3.0.x","quantity":200}`,
			"sale", map[string]any{"lotId": 7.0, "isCirculatesEnd": "Y", "tozsm": "3.0.x", "saleAmount": 200.0}},
		{"entity:1", "entity.update", `{"id":1,"name":"合作社","scale":"cooperative","credit_code":"93530427MA6K000000"}`,
			"entity", map[string]any{"enterpriseName": "合作社", "entityScale": "1", "creditCode": "93530427MA6K000000"}},
		{"bases:1", "bases.create", `{"id":1,"name":"基地","retired":0}`, "base", map[string]any{"baseName": "基地", "status": "1"}},
		{"widgets:1", "widgets.create", `{"id":1,"colour":"red"}`, "widgets", map[string]any{"colour": "red"}},
	} {
		e := store.Entry{Seq: 5, At: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC), Actor: "zhangsan", Kind: tc.kind, Ref: tc.ref, Payload: json.RawMessage(tc.payload),
			PrevHash: strings.Repeat("0", 64), Hash: strings.Repeat("f", 64)}
		r, err := RecordFromEntry("SITE", e)
		if err != nil {
			t.Fatal(err)
		}
		if r.Type != tc.typ || r.Key != "SITE:5:"+e.Hash || r.Op != strings.SplitN(tc.kind, ".", 2)[1] {
			t.Errorf("%s: type %q key %q op %q", tc.ref, r.Type, r.Key, r.Op)
		}
		var got map[string]any
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if gv, ok := got[k]; !ok || gv != v {
				t.Errorf("%s: data[%q] = %#v, want %#v (data %s)", tc.ref, k, gv, v, r.Data)
			}
		}
	}
	if _, err := RecordFromEntry("S", store.Entry{Seq: 1, Payload: json.RawMessage(`{not json`)}); err == nil {
		t.Error("a payload that is not JSON must be an error")
	}
}

func sampleResponse() BatchResponse {
	h := strings.Repeat("a", 64)
	return BatchResponse{SchemaVersion: 1, ReceiptID: "RCPT-1", BatchKey: "S:1-3:aaaa", ReceivedAt: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC),
		FirstSeq: 1, LastSeq: 3, Records: 3, Accepted: 1, Duplicates: 1,
		Rejections: []Rejection{{Key: "S:2:" + h, Code: "validation", ReasonZh: "字段缺失", ReasonEn: "field missing"}},
		Codes:      []AssignedCode{{Key: "S:1:" + h, Ref: "lots:1", Code: "1.0.x.00000000.20261128080000.001", ShortCode: "13320000012345678901"}}}
}

func TestParseResponseRefusesGarbledReplies(t *testing.T) {
	good, _ := json.Marshal(sampleResponse())
	if _, err := ParseResponse(bytes.NewReader(good)); err != nil {
		t.Fatalf("good reply refused: %v", err)
	}
	mut := func(f func(*BatchResponse)) []byte {
		r := sampleResponse()
		f(&r)
		b, _ := json.Marshal(r)
		return b
	}
	for name, body := range map[string][]byte{
		"cut":          good[:len(good)/2],
		"doubled":      append(append([]byte{}, good...), good...),
		"empty":        nil,
		"not json":     []byte("<html>502 Bad Gateway</html>"),
		"version":      mut(func(r *BatchResponse) { r.SchemaVersion = 2 }),
		"no receipt":   mut(func(r *BatchResponse) { r.ReceiptID = "" }),
		"counts":       mut(func(r *BatchResponse) { r.Accepted = 5 }),
		"range":        mut(func(r *BatchResponse) { r.LastSeq = 0 }),
		"no reason":    mut(func(r *BatchResponse) { r.Rejections[0].ReasonZh, r.Rejections[0].ReasonEn = "", "" }),
		"repeated rej": mut(func(r *BatchResponse) { r.Rejections = append(r.Rejections, r.Rejections[0]); r.Records++ }),
		"no time":      mut(func(r *BatchResponse) { r.ReceivedAt = time.Time{} }),
	} {
		if _, err := ParseResponse(bytes.NewReader(body)); err == nil {
			t.Errorf("%s: garbled reply accepted", name)
		}
	}
}

func TestSignedFileDetectsTampering(t *testing.T) {
	resp := sampleResponse()
	var buf bytes.Buffer
	sw, err := NewSignedWriter(&buf, FileHeader{Format: FormatReceipts, Account: "demo", SiteID: "S", CreatedAt: time.Now()}, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Add(resp); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	h, got, err := ParseReceipts(bytes.NewReader(buf.Bytes()), "secret")
	if err != nil || len(got) != 1 || got[0].ReceiptID != "RCPT-1" || h.SiteID != "S" {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	if _, _, err := ParseReceipts(bytes.NewReader(buf.Bytes()), "other"); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	// Alter one byte of the content (re-gzipped so only the content changes).
	zr, _ := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	var plain bytes.Buffer
	_, _ = plain.ReadFrom(zr)
	altered := bytes.Replace(plain.Bytes(), []byte("RCPT-1"), []byte("RCPT-9"), 1)
	var re bytes.Buffer
	zw := gzip.NewWriter(&re)
	zw.Write(altered)
	zw.Close()
	if _, _, err := ParseReceipts(&re, "secret"); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("altered file: %v", err)
	}
	// Cut file.
	if _, _, err := ParseReceipts(bytes.NewReader(buf.Bytes()[:buf.Len()-20]), "secret"); err == nil {
		t.Fatal("cut file accepted")
	}
	// A package is not a receipts file.
	var pkg bytes.Buffer
	pw, _ := NewSignedWriter(&pkg, FileHeader{Format: FormatPackage, Account: "demo"}, "secret")
	pw.Close()
	if _, _, err := ParseReceipts(&pkg, "secret"); err == nil {
		t.Fatal("package accepted as receipts")
	}
}

func FuzzParseResponse(f *testing.F) {
	good, _ := json.Marshal(sampleResponse())
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte(`{"schema_version":1,"receipt_id":"R","batch_key":"k","received_at":"2026-11-28T08:00:00Z","first_seq":1,"last_seq":1,"records":0}`))
	f.Add([]byte(`{"schema_version":1}{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"rejections":[{"key":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever is accepted satisfies the invariants the uploader relies on.
		if r.ReceiptID == "" || r.BatchKey == "" || r.FirstSeq <= 0 || r.LastSeq < r.FirstSeq ||
			r.Accepted+r.Duplicates+len(r.Rejections) != r.Records || r.Accepted < 0 || r.Duplicates < 0 {
			t.Fatalf("accepted an inconsistent reply: %+v", r)
		}
	})
}

func FuzzParseReceipts(f *testing.F) {
	var buf bytes.Buffer
	sw, _ := NewSignedWriter(&buf, FileHeader{Format: FormatReceipts, Account: "demo", SiteID: "S"}, "secret")
	sw.Add(sampleResponse())
	sw.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, rs, err := ParseReceipts(bytes.NewReader(b), "secret")
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.ReceiptID == "" || r.Accepted+r.Duplicates+len(r.Rejections) != r.Records {
				t.Fatalf("accepted an inconsistent receipt: %+v", r)
			}
		}
	})
}

func TestClientClassifiesFailures(t *testing.T) {
	for _, tc := range []struct {
		status int
		class  Class
	}{
		{http.StatusTooManyRequests, Retryable},
		{http.StatusInternalServerError, Retryable},
		{http.StatusServiceUnavailable, Retryable},
		{http.StatusBadRequest, Permanent},
		{http.StatusUnprocessableEntity, Permanent},
		{http.StatusUnauthorized, Permanent}, // after one re-login
	} {
		var logins atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == PathAuth {
				logins.Add(1)
				json.NewEncoder(w).Encode(AuthResponse{Token: "t", ExpiresAt: time.Now().Add(time.Hour)})
				return
			}
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(tc.status)
			w.Write([]byte(`{"error":{"code":"x","message_zh":"字段错误","message_en":"bad field"}}`))
		}))
		c, err := NewClient(srv.URL, "a", "s")
		if err != nil {
			t.Fatal(err)
		}
		b := &Batch{SchemaVersion: 1, BatchKey: "k", FirstSeq: 1, LastSeq: 1}
		gz, _ := EncodeBatch(b)
		_, err = c.SendBatch(context.Background(), b, gz)
		var pe *Error
		if !errors.As(err, &pe) || pe.Class != tc.class || pe.Status != tc.status {
			t.Errorf("HTTP %d: %v, want class %d", tc.status, err, tc.class)
		} else if pe.UserMessage("zh") == "" || pe.UserMessage("en") == "" {
			t.Errorf("HTTP %d: no user message", tc.status)
		}
		if tc.status == http.StatusTooManyRequests && pe != nil && pe.RetryAfter != 7*time.Second {
			t.Errorf("Retry-After not honoured: %v", pe.RetryAfter)
		}
		if want := int32(map[bool]int32{true: 2, false: 1}[tc.status == http.StatusUnauthorized]); logins.Load() != want {
			t.Errorf("HTTP %d: %d logins, want %d", tc.status, logins.Load(), want)
		}
		if IsRetryable(err) != (tc.class == Retryable) {
			t.Errorf("HTTP %d: IsRetryable wrong", tc.status)
		}
		srv.Close()
	}
	// A server that is not there is retryable.
	c, _ := NewClient("http://127.0.0.1:1", "a", "s")
	if err := c.Ping(context.Background()); !IsRetryable(err) {
		t.Errorf("connection refused: %v should be retryable", err)
	}
}
