//go:build windows

package wine

import "syscall"

// Detected reports whether the process runs under Wine: Wine's ntdll.dll
// exports wine_get_version, Windows' does not.
func Detected() bool {
	h, err := syscall.LoadLibrary("ntdll.dll")
	if err != nil {
		return false
	}
	_, err = syscall.GetProcAddress(h, "wine_get_version")
	return err == nil
}
