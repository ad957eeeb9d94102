package epcis

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzImportParse feeds arbitrary bytes to what Import does before it
// writes: the schema check and the per-event plan. Neither may panic; a
// refusal must be a sentence in both languages; a plan must only hold
// receipts the store can take (a code, a finite quantity, a unit).
// Seeds: the standard's examples and testdata/fuzz/FuzzImportParse.
func FuzzImportParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "Example_*.jsonld"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data)
		if err != nil {
			var um interface{ UserMessage(string) string }
			if !errors.As(err, &um) || um.UserMessage("zh") == "" || um.UserMessage("en") == "" {
				t.Fatalf("refusal without a message: %v", err)
			}
			return
		}
		var doc struct {
			EPCISBody struct {
				EventList []json.RawMessage `json:"eventList"`
			} `json:"epcisBody"`
		}
		if json.Unmarshal(data, &doc) != nil {
			return // a valid EPCISQueryDocument, or no body: Import refuses by type
		}
		for i, raw := range doc.EPCISBody.EventList {
			p, ok, err := planEvent(i, raw, ImportOptions{Supplier: "供货方"})
			if err != nil {
				var ie *importErr
				if !errors.As(err, &ie) || ie.UserMessage("zh") == "" || ie.UserMessage("en") == "" {
					t.Fatalf("event %d refused without a message: %v", i, err)
				}
				continue
			}
			if !ok {
				continue
			}
			if p.key == "" || p.supplier == "" || len(p.items) == 0 {
				t.Fatalf("event %d planned without key, supplier or items: %+v", i, p)
			}
			for _, it := range p.items {
				if it.code == "" || it.unit == "" || math.IsNaN(it.qty) || math.IsInf(it.qty, 0) {
					t.Fatalf("event %d item %+v", i, it)
				}
			}
		}
	})
}
