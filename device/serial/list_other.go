//go:build !linux && !windows

package serial

import (
	"path/filepath"
	"sort"
)

// List returns /dev/cu.* and /dev/tty.usb* style ports (macOS, BSD) by name
// only.
func List() ([]PortInfo, error) {
	var out []PortInfo
	for _, pat := range []string{"/dev/cu.*", "/dev/ttyU*", "/dev/cuaU*"} {
		m, _ := filepath.Glob(pat)
		for _, p := range m {
			out = append(out, PortInfo{Path: p, Device: p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// osPortName is what the OS open call is given for a port path.
func osPortName(p string) string { return p }
