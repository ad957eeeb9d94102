// Command barewindow is a measurement baseline, not part of the product: the
// smallest Fyne app that draws a window like Suyuan's (same size, a title, a
// label and a button), so scripts/startup-bench.sh can compare Suyuan's time
// to first frame and memory with what Fyne itself costs on the same machine.
// It deliberately imports nothing from Suyuan (no store, no SQLite, no
// fonts), so the difference between the two figures is Suyuan's own start-up
// work. It exits on SIGTERM/SIGINT like the app does.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := app.NewWithID("cn.suyuan.barewindow")
	w := a.NewWindow("barewindow")
	w.SetContent(container.NewCenter(container.NewVBox(
		widget.NewLabel("Fyne bare window"),
		widget.NewButton("OK", func() {}),
	)))
	w.Resize(fyne.NewSize(1280, 800))
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
}
