package platform

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// maxDoc bounds one decoded JSON document (a batch reply, a file line), so a
// hostile or broken peer cannot make us allocate without limit.
const maxDoc = 64 << 20

// ParseResponse decodes one batch reply. Exactly one JSON object must be
// there: a body that is cut, doubled or followed by anything is refused, so
// a garbled reply can never be taken for a receipt.
func ParseResponse(r io.Reader) (*BatchResponse, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxDoc))
	var resp BatchResponse
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("decode reply: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("reply has data after the receipt")
	}
	if err := resp.validate(); err != nil {
		return nil, err
	}
	return &resp, nil
}

func (r *BatchResponse) validate() error {
	switch {
	case r.SchemaVersion != SchemaVersion:
		return fmt.Errorf("reply schema_version %d, want %d", r.SchemaVersion, SchemaVersion)
	case r.ReceiptID == "" || r.BatchKey == "":
		return errors.New("reply without receipt_id or batch_key")
	case r.FirstSeq <= 0 || r.LastSeq < r.FirstSeq:
		return fmt.Errorf("reply with bad range %d..%d", r.FirstSeq, r.LastSeq)
	case r.Records < 0 || r.Accepted < 0 || r.Duplicates < 0 || r.Accepted+r.Duplicates+len(r.Rejections) != r.Records:
		return fmt.Errorf("reply counts do not add up: %d accepted + %d duplicates + %d rejected != %d", r.Accepted, r.Duplicates, len(r.Rejections), r.Records)
	case r.ReceivedAt.IsZero():
		return errors.New("reply without received_at")
	}
	seen := map[string]bool{}
	for _, rj := range r.Rejections {
		if rj.Key == "" || seen[rj.Key] {
			return fmt.Errorf("reply has an empty or repeated rejection key %q", rj.Key)
		}
		if rj.ReasonZh == "" && rj.ReasonEn == "" {
			return fmt.Errorf("rejection of %q has no reason", rj.Key)
		}
		seen[rj.Key] = true
	}
	for _, c := range r.Codes {
		if c.Key == "" || c.Code == "" {
			return errors.New("reply has a code without key or value")
		}
	}
	return nil
}

// CheckResponse checks that resp answers batch b: same key and range, every
// record counted, every rejection and code naming a record of b.
func CheckResponse(b *Batch, resp *BatchResponse) error {
	if resp.BatchKey != b.BatchKey || resp.FirstSeq != b.FirstSeq || resp.LastSeq != b.LastSeq {
		return fmt.Errorf("reply is for batch %s (%d..%d), sent %s (%d..%d)", resp.BatchKey, resp.FirstSeq, resp.LastSeq, b.BatchKey, b.FirstSeq, b.LastSeq)
	}
	if resp.Records != len(b.Records) {
		return fmt.Errorf("reply counts %d records, sent %d", resp.Records, len(b.Records))
	}
	keys := make(map[string]bool, len(b.Records))
	for _, r := range b.Records {
		keys[r.Key] = true
	}
	for _, rj := range resp.Rejections {
		if !keys[rj.Key] {
			return fmt.Errorf("reply rejects %q, which was not sent", rj.Key)
		}
	}
	for _, c := range resp.Codes {
		if !keys[c.Key] {
			return fmt.Errorf("reply assigns a code to %q, which was not sent", c.Key)
		}
	}
	return nil
}

// Signed files: a package (outbox on a USB stick) and a receipts file (the
// platform's answer) share one container: gzip of JSON lines. Line 1 is the
// header, then one document per line, then a trailer with the line count and
// HMAC-SHA256 (keyed with the account secret) over every byte before the
// trailer. The secret is the one both sides already share, so no key
// exchange is needed and the PC that carries the file learns nothing it could
// forge with.
const (
	FormatPackage  = "suyuan-outbox-package"
	FormatReceipts = "suyuan-platform-receipts"
)

// FileHeader is line 1 of a signed file.
type FileHeader struct {
	Format        string    `json:"format"`
	SchemaVersion int       `json:"schema_version"`
	Account       string    `json:"account"`
	SiteID        string    `json:"site_id"`
	CreatedAt     time.Time `json:"created_at"`
	FirstSeq      int64     `json:"first_seq,omitempty"`
	LastSeq       int64     `json:"last_seq,omitempty"`
}

type fileTrailer struct {
	Trailer bool   `json:"trailer"`
	Lines   int    `json:"lines"`
	HMAC    string `json:"hmac"`
}

// SignedWriter writes a signed file line by line (streaming: a package of a
// million entries never sits in memory).
type SignedWriter struct {
	zw    *gzip.Writer
	mac   hash.Hash
	lines int
}

// NewSignedWriter writes the header and returns the writer.
func NewSignedWriter(w io.Writer, h FileHeader, secret string) (*SignedWriter, error) {
	if secret == "" {
		return nil, errors.New("no secret to sign with")
	}
	h.SchemaVersion = SchemaVersion
	sw := &SignedWriter{zw: gzip.NewWriter(w), mac: hmac.New(sha256.New, []byte(secret))}
	return sw, sw.Add(h)
}

// Add writes one document as one line.
func (s *SignedWriter) Add(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	s.mac.Write(buf.Bytes())
	s.lines++
	_, err := s.zw.Write(buf.Bytes())
	return err
}

// Close writes the trailer and flushes.
func (s *SignedWriter) Close() error {
	b, _ := json.Marshal(fileTrailer{Trailer: true, Lines: s.lines, HMAC: hex.EncodeToString(s.mac.Sum(nil))})
	if _, err := s.zw.Write(append(b, '\n')); err != nil {
		return err
	}
	return s.zw.Close()
}

// ErrBadSignature means a signed file was altered, cut, or signed with
// another secret.
var ErrBadSignature = errors.New("signature does not match (file altered, cut, or from another account)")

// ReadSigned reads a signed file of the given format, checks its signature
// with the secret returned by secretFor(header) and only then calls fn for
// each document line, in order. Lines are held until the check passes: a
// forged file applies nothing.
func ReadSigned(r io.Reader, format string, secretFor func(FileHeader) (string, error), fn func(line []byte) error) (FileHeader, error) {
	var h FileHeader
	zr, err := gzip.NewReader(r)
	if err != nil {
		return h, fmt.Errorf("not a signed file: %w", err)
	}
	br := bufio.NewReader(io.LimitReader(zr, 1<<30))
	first, err := readLine(br)
	if err != nil {
		return h, fmt.Errorf("read header: %w", err)
	}
	if err := json.Unmarshal(first, &h); err != nil {
		return h, fmt.Errorf("bad header: %w", err)
	}
	if h.Format != format {
		return h, fmt.Errorf("file format %q, want %q", h.Format, format)
	}
	if h.SchemaVersion != SchemaVersion {
		return h, fmt.Errorf("file schema_version %d, want %d", h.SchemaVersion, SchemaVersion)
	}
	secret, err := secretFor(h)
	if err != nil {
		return h, err
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(first)
	var lines [][]byte
	for {
		line, err := readLine(br)
		if err != nil {
			return h, fmt.Errorf("file cut before its signature: %w", err)
		}
		var t fileTrailer
		if bytes.HasPrefix(line, []byte(`{"trailer":`)) && json.Unmarshal(line, &t) == nil && t.Trailer {
			want, _ := hex.DecodeString(t.HMAC)
			if t.Lines != len(lines)+1 || !hmac.Equal(want, mac.Sum(nil)) {
				return h, ErrBadSignature
			}
			if rest, _ := br.Peek(1); len(rest) > 0 {
				return h, errors.New("data after the signature")
			}
			break
		}
		mac.Write(line)
		lines = append(lines, line)
	}
	for _, l := range lines {
		if err := fn(l); err != nil {
			return h, err
		}
	}
	return h, nil
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > maxDoc {
			return nil, errors.New("line too long")
		}
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// ParseReceipts reads a signed receipts file with secret and returns its
// header and replies, each validated like a live reply.
func ParseReceipts(r io.Reader, secret string) (FileHeader, []BatchResponse, error) {
	var out []BatchResponse
	h, err := ReadSigned(r, FormatReceipts, func(FileHeader) (string, error) { return secret, nil }, func(line []byte) error {
		resp, err := ParseResponse(bytes.NewReader(line))
		if err != nil {
			return err
		}
		out = append(out, *resp)
		return nil
	})
	if err != nil {
		return h, nil, err
	}
	return h, out, nil
}
