package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
)

// A desktop app that cannot start must say so where the user looks — a
// dialog, in the user's language, with what to do — and never just not
// appear (suyuan.exe has no console). runGUI turns every start-up error
// into a startFailure: shown with showFailureDialog (a native MessageBoxW
// on Windows, a small Fyne window elsewhere), written to the log, and
// returned, so runEnv also prints it on stderr for suyuan-cli.

// startFailure is an error already shown to the user.
type startFailure struct {
	err         error
	title, body string
}

func (e *startFailure) Error() string                  { return e.err.Error() }
func (e *startFailure) Unwrap() error                  { return e.err }
func (e *startFailure) UserMessage(lang string) string { return e.body }

// startFailureText is the dialog's title and text for err.
func startFailureText(err error, lang, dataDir, logPath string) (title, body string) {
	zh := lang != "en"
	var b strings.Builder
	title = pick(zh, "溯源站无法启动", "Suyuan could not start")
	var ar *alreadyRunning
	var dd *dataDirError
	switch {
	case errors.As(err, &ar):
		title = pick(zh, "溯源站已经打开", "Suyuan is already open")
		b.WriteString(ar.UserMessage(lang))
	case errors.As(err, &dd):
		b.WriteString(dd.UserMessage(lang))
	case isDiskFull(err):
		b.WriteString(userMessage(err, lang))
		b.WriteString("\n\n")
		b.WriteString(pick(zh, "磁盘空间不足：请删除不需要的文件、清空回收站，腾出至少 200 MB 后再打开溯源站。已保存的记录没有丢失。",
			"The disk is full: delete files you do not need and empty the Recycle Bin to free at least 200 MB, then start Suyuan again. The records already saved are not lost."))
	default:
		b.WriteString(userMessage(err, lang))
		b.WriteString("\n\n")
		b.WriteString(pick(zh, "已保存的记录没有丢失。如果重新打开仍然出现这条信息，请把下面的日志文件发给技术支持。",
			"The records already saved are not lost. If this message comes back when you start Suyuan again, send the log file below to your support contact."))
	}
	b.WriteString("\n\n")
	b.WriteString(pick(zh, "数据文件夹：", "Data folder: ") + dataDir)
	if logPath != "" {
		b.WriteString("\n" + pick(zh, "日志文件：", "Log file: ") + logPath)
	}
	return title, b.String()
}

// glFailureText is shown when Fyne cannot make its OpenGL window.
func glFailureText(lang, logPath string) (title, body string) {
	zh := lang != "en"
	title = pick(zh, "溯源站无法打开窗口", "Suyuan cannot open its window")
	body = pick(zh,
		"这台电脑的显卡或显卡驱动不支持溯源站需要的 OpenGL 2.1（常见于老式 Intel 集成显卡、没有装显卡驱动的电脑和远程桌面）。\n\n"+
			"解决办法（任选其一）：\n"+
			"1. 安装显卡厂商（Intel、AMD、NVIDIA）的最新驱动后重新打开；远程桌面时请改在这台电脑前直接打开。\n"+
			"2. 使用软件渲染：把 Mesa 的 opengl32.dll（llvmpipe）放到 suyuan.exe 所在的文件夹里，再打开溯源站。步骤见安装包里的《安装与使用说明.txt》和 docs/building.md 的“软件 OpenGL”一节。\n\n"+
			"数据没有受到影响。",
		"This PC's graphics card or driver does not offer the OpenGL 2.1 Suyuan needs (common with old Intel graphics, PCs without a graphics driver, and Remote Desktop).\n\n"+
			"To fix it, either:\n"+
			"1. Install the graphics vendor's current driver (Intel, AMD, NVIDIA) and start Suyuan again; over Remote Desktop, start it at the PC itself instead.\n"+
			"2. Use software rendering: put Mesa's opengl32.dll (llvmpipe) into the folder that holds suyuan.exe and start Suyuan again. The steps are in 安装与使用说明.txt in the package and in docs/building.md, section \"Software OpenGL\".\n\n"+
			"Your data is not affected.")
	if logPath != "" {
		body += "\n\n" + pick(zh, "日志文件：", "Log file: ") + logPath
	}
	return title, body
}

func pick(zh bool, z, e string) string {
	if zh {
		return z
	}
	return e
}

// isDiskFull recognises "no space left" from the OS or SQLite.
func isDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var en syscall.Errno
	if errors.As(err, &en) && (en == 112 || en == 39) { // Windows ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "disk is full") || strings.Contains(s, "no space left") || strings.Contains(s, "not enough space on the disk") || strings.Contains(s, "sqlite_full")
}

// glWatch sits on the log output and notices Fyne's messages for a window
// that cannot be made (no OpenGL 2.1, no display), so the user is told why
// before Fyne quits or exits.
type glWatch struct {
	once  sync.Once
	fired bool
	mu    sync.Mutex
	on    func()
}

// go-gl's glfw logs a PlatformError ("Win32: Failed to create helper
// window", "WGL: The driver does not appear to support OpenGL") and goes
// on; the next GLFW call then panics with NotInitialized.
var glMarkers = []string{"window creation error", "failed to initialise GLFW", "failed to initialise OpenGL", "PlatformError", "WGL:", "GLX:", "VersionUnavailable", "APIUnavailable", "GLFW library is not initialized"}

func (g *glWatch) Write(p []byte) (int, error) {
	s := string(p)
	for _, m := range glMarkers {
		if strings.Contains(s, m) {
			g.trigger()
			break
		}
	}
	return len(p), nil
}

func (g *glWatch) trigger() {
	g.once.Do(func() {
		g.mu.Lock()
		g.fired = true
		g.mu.Unlock()
		if g.on != nil {
			g.on()
		}
	})
}

func (g *glWatch) Fired() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fired
}

// panicError is a panic caught on the GUI's goroutine.
type panicError struct {
	v     any
	stack string
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.v) }
func (e *panicError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("Suyuan stopped because of an internal error (%v).", e.v)
	}
	return fmt.Sprintf("溯源站因内部错误而停止（%v）。", e.v)
}
