package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
)

// entryHashReference is the chain link exactly as the first version of the
// journal computed it (one hash.Write per piece). entryHash builds the same
// byte string in one buffer; every file ever written depends on the two
// agreeing.
func entryHashReference(e *Entry) string {
	h := sha256.New()
	h.Write([]byte("suyuan-journal-v1\x00"))
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
		h.Write([]byte{'\n'})
	}
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(timeFormat))
	field(e.Actor)
	field(e.Kind)
	field(e.Ref)
	field(string(e.Payload))
	field(e.Reason)
	if e.Supersedes > 0 {
		field(strconv.FormatInt(e.Supersedes, 10))
	} else {
		field("")
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestEntryHashMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	texts := []string{"", "system", "李记录", "applications.create", "applications:12", `{"a":1}`, strings.Repeat("长", 300), "line\nbreak", "bad\xff"}
	for i := 0; i < 2000; i++ {
		e := Entry{
			Seq:        rng.Int63n(1 << 40),
			At:         time.Unix(rng.Int63n(4e9), rng.Int63n(1e9)).In(time.FixedZone("CST", 8*3600)),
			Actor:      texts[rng.Intn(len(texts))],
			Kind:       texts[rng.Intn(len(texts))],
			Ref:        texts[rng.Intn(len(texts))],
			Payload:    []byte(texts[rng.Intn(len(texts))]),
			Reason:     texts[rng.Intn(len(texts))],
			Supersedes: rng.Int63n(3) * rng.Int63n(1<<30),
			PrevHash:   genesisHash,
		}
		if i%2 == 1 {
			e.PrevHash = entryHashReference(&e)
		}
		if got, want := entryHash(&e), entryHashReference(&e); got != want {
			t.Fatalf("entry %+v: %s, reference %s", e, got, want)
		}
	}
	// And one fixed link, so a change to both at once is caught too.
	e := Entry{Seq: 1, At: time.Date(2026, 11, 28, 8, 0, 1, 0, time.UTC), Actor: "system", Kind: "users.create", Ref: "users:1",
		Payload: []byte(`{"id":1}`), PrevHash: genesisHash}
	if got := entryHash(&e); got != "6c7e90b5416f3040970118fa4858c7ff1c83d121756e7e8b4482e95ffac44eec" {
		t.Fatalf("fixed link %s", got)
	}
}

// TestCanonicalRowEveryByte extends TestCanonicalRowMatchesGeneric to every
// ASCII byte, every escape encoding/json knows, and floats at the edges of
// its exponent rule.
func TestCanonicalRowEveryByte(t *testing.T) {
	var all strings.Builder
	for b := 0; b < 0x80; b++ {
		all.WriteByte(byte(b))
	}
	strs := []string{all.String(), "\u2028x\u2029", "\xc3", "a\xffb\xfe", "\U0001F34A", "\ufffd", "<>&"}
	floats := []float64{1e-6, 9.999999e-7, 1e21, 9.99999e20, -1e-7, 5e-324, math.MaxFloat64, -0.0, 123.456, 1e-10, 2.5e-9}
	for _, s := range strs {
		for _, f := range floats {
			m := map[string]any{s: s, "f" + s: f, "n": nil, "i": int64(-7), "b": []byte(s)}
			fast, ok := canonicalRow(m)
			if !ok {
				t.Fatalf("refused %q", s)
			}
			if want := genericCanonical(t, m); !bytes.Equal(fast, want) {
				t.Fatalf("fast %s\ngeneric %s", fast, want)
			}
		}
	}
	if _, ok := canonicalRow(map[string]any{"x": math.Inf(1)}); ok {
		t.Fatal("infinity encoded")
	}
	if _, ok := canonicalRow(map[string]any{"x": math.NaN()}); ok {
		t.Fatal("NaN encoded")
	}
}
