package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the one-way dependency rule of docs/architecture.md
// on the real import graph: store, device and sync never reach Fyne or the
// GUI, and the cgo/serial wrappers stay in their one package each.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "suyuan/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("only %d packages listed", len(pkgs))
	}
	under := func(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	type rule struct {
		from    string   // package subtree the rule applies to
		forbid  []string // import path prefixes it must not import
		allowed []string // exceptions
	}
	rules := []rule{
		{"suyuan/store", []string{"fyne.io/", "suyuan/app", "suyuan/device", "suyuan/sync", "suyuan/cmd"}, nil},
		{"suyuan/device", []string{"fyne.io/", "suyuan/app", "suyuan/store", "suyuan/sync", "suyuan/cmd"}, []string{"suyuan/store/tracecode"}},
		{"suyuan/sync", []string{"fyne.io/", "suyuan/app", "suyuan/device", "suyuan/cmd"}, nil},
		// Fyne-free use cases the GUI and the CLI share.
		{"suyuan/app/label", []string{"fyne.io/"}, nil},
		{"suyuan/app/analyzerimport", []string{"fyne.io/"}, nil},
		{"suyuan/app/printjob", []string{"fyne.io/"}, nil},
		{"suyuan/app/scanhub", []string{"fyne.io/"}, nil},
		{"suyuan/app/report", []string{"fyne.io/"}, nil},
	}
	only := map[string]string{ // third-party import -> the one package allowed to import it
		"github.com/google/gousb": "suyuan/device/usb",
		"github.com/tarm/serial":  "suyuan/device/serial",
	}
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			for _, r := range rules {
				if !under(p.ImportPath, r.from) {
					continue
				}
				for _, f := range r.forbid {
					if !strings.HasPrefix(imp, f) {
						continue
					}
					ok := false
					for _, a := range r.allowed {
						ok = ok || under(imp, a)
					}
					if !ok {
						t.Errorf("%s imports %s: %s must not import %s", p.ImportPath, imp, r.from, f)
					}
				}
			}
			if owner, ok := only[imp]; ok && p.ImportPath != owner && !strings.HasPrefix(p.ImportPath, "suyuan/cmd/") {
				t.Errorf("%s imports %s; only %s may", p.ImportPath, imp, owner)
			}
		}
	}
}
