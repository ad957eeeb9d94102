//go:build windows

package main

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	procSystemParamsInfo = user32.NewProc("SystemParametersInfoW")
	procGetDpiForSystem  = user32.NewProc("GetDpiForSystem")
	spiGetWorkArea       = uintptr(0x0030)
)

// workArea is the primary screen's work area (SPI_GETWORKAREA: the screen
// less the taskbar), converted from pixels to Fyne units with the system
// DPI (96 = 100 %).
func workArea() rect {
	var r windows.Rect
	if ok, _, _ := procSystemParamsInfo.Call(spiGetWorkArea, 0, uintptr(unsafe.Pointer(&r)), 0); ok == 0 {
		return rect{}
	}
	scale := float32(1)
	if procGetDpiForSystem.Find() == nil { // Windows 10 1607 and later
		if dpi, _, _ := procGetDpiForSystem.Call(); dpi >= 96 {
			scale = float32(dpi) / 96
		}
	}
	return rect{W: float32(r.Right-r.Left) / scale, H: float32(r.Bottom-r.Top) / scale}
}
