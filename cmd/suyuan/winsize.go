package main

// windowSize is the size the main window asks for, in Fyne units.
type windowSize struct {
	W, H   float32
	Center bool
}

// rect is a screen's work area (the screen less the taskbar) in Fyne
// units; zero when unknown.
type rect struct{ W, H float32 }

// initialWindowSize fits the main window into the work area: at most
// 1280×800 (what the screens are designed for), and on a 1366×768 laptop
// with the taskbar small enough that the bottom (the action buttons) is not
// hidden. Room is left for the title bar and for Fyne centring the window on
// the whole screen. Without a work area, 1280×720; Fyne's minimum content
// size still wins if it is larger.
func initialWindowSize(wa rect) windowSize {
	if wa.W <= 0 || wa.H <= 0 {
		return windowSize{W: 1280, H: 720}
	}
	const frameW, frameH = 40, 80
	return windowSize{W: min(1280, wa.W-frameW), H: min(800, wa.H-frameH), Center: true}
}
