//go:build !windows

package main

// workArea is unknown here before Fyne has a window; initialWindowSize
// then asks for its default.
func workArea() rect { return rect{} }
