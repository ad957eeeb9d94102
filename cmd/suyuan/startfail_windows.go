//go:build windows

package main

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// showFailureDialog shows a native message box (user32 MessageBoxW): it
// needs no OpenGL and no Fyne, so it works in exactly the cases where the
// app's own window cannot be made.
func showFailureDialog(title, body string) bool {
	t, err1 := windows.UTF16PtrFromString(title)
	b, err2 := windows.UTF16PtrFromString(body)
	if err1 != nil || err2 != nil {
		return false
	}
	_, err := windows.MessageBox(0, b, t, windows.MB_OK|windows.MB_ICONERROR|windows.MB_SETFOREGROUND|windows.MB_TOPMOST)
	return err == nil
}

// showGLFailure is the OpenGL case: the same native box.
func showGLFailure(title, body string) bool { return showFailureDialog(title, body) }

var (
	procEnumWindows              = user32.NewProc("EnumWindows")
	procGetWindowThreadProcessId = user32.NewProc("GetWindowThreadProcessId")
	procIsWindowVisible          = user32.NewProc("IsWindowVisible")
	procIsIconic                 = user32.NewProc("IsIconic")
	procShowWindow               = user32.NewProc("ShowWindow")
	procSetForegroundWindow      = user32.NewProc("SetForegroundWindow")
)

// bringToFront restores and raises the visible top-level window of process
// pid (the instance already open), so a second double click shows the app
// the user is looking for.
func bringToFront(pid int) bool {
	var found uintptr
	cb := windows.NewCallback(func(hwnd, _ uintptr) uintptr {
		var owner uint32
		procGetWindowThreadProcessId.Call(hwnd, uintptr(unsafe.Pointer(&owner)))
		if int(owner) != pid {
			return 1
		}
		if v, _, _ := procIsWindowVisible.Call(hwnd); v == 0 {
			return 1
		}
		found = hwnd
		return 0 // stop
	})
	procEnumWindows.Call(cb, 0)
	if found == 0 {
		return false
	}
	if iconic, _, _ := procIsIconic.Call(found); iconic != 0 {
		procShowWindow.Call(found, 9) // SW_RESTORE
	}
	r, _, _ := procSetForegroundWindow.Call(found)
	return r != 0
}
