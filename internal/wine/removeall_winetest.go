//go:build windows && winetest

package wine

import _ "unsafe" // go:linkname

// deleteatFallback is the standard library's switch between os.RemoveAll's
// POSIX-semantics delete and its fallback for older Windows; pulling it
// needs -ldflags=-checklinkname=0.
//
//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() {
	if Detected() {
		deleteatFallback = true
	}
}
