//go:build windows

package main

import "golang.org/x/sys/windows"

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
