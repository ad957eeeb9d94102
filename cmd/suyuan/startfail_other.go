//go:build !windows

package main

import (
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	stheme "suyuan/app/theme"
)

// showFailureDialog shows the failure in a small Fyne window when there is
// a display; without one (or when no window can be made) the caller's
// stderr line is all there is.
func showFailureDialog(title, body string) bool {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return false
	}
	a := fyneapp.NewWithID(appID + ".failure")
	a.Settings().SetTheme(stheme.New(false))
	w := a.NewWindow(title)
	msg := widget.NewLabel(body)
	msg.Wrapping = fyne.TextWrapWord
	ok := widget.NewButton("关闭 / Close", a.Quit)
	ok.Importance = widget.HighImportance
	w.SetContent(container.NewBorder(nil, container.NewCenter(ok), nil, nil, container.NewVScroll(msg)))
	w.Resize(fyne.NewSize(640, 340))
	w.CenterOnScreen()
	w.ShowAndRun()
	return true
}

// showGLFailure: no window can be made, so stderr (written by the caller)
// and the log are where the message goes.
func showGLFailure(title, body string) bool { return false }

// bringToFront is not done here: window managers decide focus.
func bringToFront(pid int) bool { return false }
