package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"suyuan/store"
)

// TestRotatingLog: the log never grows past its cap; the older half is
// kept as suyuan.log.1 and nothing written is lost between the two files.
func TestRotatingLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), logFileName)
	const max = 1000
	l, err := openRotatingLog(path, max)
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for i := range 30 {
		line := fmt.Sprintf("line %02d %s\n", i, strings.Repeat("x", 90))
		all.WriteString(line)
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	cur, _ := os.ReadFile(path)
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if len(cur) > max || len(old) > max {
		t.Fatalf("sizes %d and %d exceed %d", len(cur), len(old), max)
	}
	if !strings.HasSuffix(all.String(), string(old)+string(cur)) {
		t.Fatalf("the two files are not the tail of what was written")
	}
	// Reopening appends to the existing file.
	l, _ = openRotatingLog(path, 2*max)
	l.Printf("again")
	l.Close()
	if b, _ := os.ReadFile(path); !bytes.HasPrefix(b, cur) || !strings.Contains(string(b), "again") {
		t.Fatalf("reopen did not append: %q", b)
	}
}

// TestGUILogFallback: a data folder that cannot be created still gets a
// log, in the temporary folder, so the failure dialog can name it.
func TestGUILogFallback(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	file := filepath.Join(t.TempDir(), "not-a-folder")
	os.WriteFile(file, nil, 0o644)
	l := openGUILog(filepath.Join(file, "suyuan"))
	if l == nil {
		t.Fatal("no log at all")
	}
	defer l.Close()
	if want := filepath.Join(os.TempDir(), "suyuan", logFileName); l.Path() != want {
		t.Fatalf("log at %s, want %s", l.Path(), want)
	}
	var nl *rotatingLog // a nil log is usable (nothing could be opened)
	nl.Printf("x")
	if _, err := nl.Write([]byte("x")); err != nil || nl.Path() != "" || nl.Close() != nil {
		t.Fatal("nil log not inert")
	}
}

func TestStartFailureText(t *testing.T) {
	storeErr := func() error {
		// A real store refusal: a file that is not Suyuan's.
		dir := t.TempDir()
		p := filepath.Join(dir, store.DefaultFile)
		os.WriteFile(p, []byte("this is not sqlite at all, just text that fills a page"), 0o644)
		_, err := store.Open(t.Context(), p)
		if err == nil {
			t.Fatal("store opened a text file")
		}
		return err
	}()
	cases := []struct {
		name     string
		err      error
		zh, en   string
		notShown string
	}{
		{"store refusal", storeErr, "不是有效的数据库文件", "not a valid database file", "SQLITE"},
		{"disk full", fmt.Errorf("write wal: %w", syscall.ENOSPC), "磁盘空间不足", "The disk is full", ""},
		{"sqlite full", errors.New("database or disk is full (13)"), "磁盘空间不足", "The disk is full", ""},
		{"panic", &panicError{v: "index out of range"}, "内部错误", "internal error", ""},
		{"other", errors.New("boom"), "技术支持", "support contact", ""},
	}
	for _, c := range cases {
		for _, lang := range []string{"zh", "en"} {
			title, body := startFailureText(c.err, lang, `C:\Users\李四\AppData\Roaming\suyuan`, `C:\Users\李四\AppData\Roaming\suyuan\suyuan.log`)
			want := map[string]string{"zh": c.zh, "en": c.en}[lang]
			if !strings.Contains(body, want) || !strings.Contains(body, `AppData\Roaming\suyuan\suyuan.log`) || !strings.Contains(body, map[string]string{"zh": "数据文件夹：", "en": "Data folder: "}[lang]) {
				t.Errorf("%s %s: %q", c.name, lang, body)
			}
			if title != map[string]string{"zh": "溯源站无法启动", "en": "Suyuan could not start"}[lang] {
				t.Errorf("%s %s title %q", c.name, lang, title)
			}
			if c.notShown != "" && strings.Contains(body, c.notShown) {
				t.Errorf("%s %s shows a raw driver error: %q", c.name, lang, body)
			}
		}
	}
	_, body := glFailureText("zh", "D:\\x\\suyuan.log")
	for _, w := range []string{"OpenGL 2.1", "opengl32.dll", "软件 OpenGL", "D:\\x\\suyuan.log"} {
		if !strings.Contains(body, w) {
			t.Errorf("GL text lacks %q", w)
		}
	}
}

// TestGLWatch: Fyne's log lines for a window that cannot be made trigger
// the OpenGL message once; ordinary log lines do not.
func TestGLWatch(t *testing.T) {
	n := 0
	g := &glWatch{on: func() { n++ }}
	fmt.Fprintln(g, "2026/12/04 Fyne error:  Error parsing user locale C")
	if g.Fired() || n != 0 {
		t.Fatal("fired on an unrelated line")
	}
	fmt.Fprintln(g, "2026/12/04 Fyne error:  window creation error")
	fmt.Fprintln(g, "2026/12/04   Cause: WGL: The driver does not appear to support OpenGL")
	if !g.Fired() || n != 1 {
		t.Fatalf("fired %v, %d times", g.Fired(), n)
	}
	// What Wine without a usable display, or a PC without OpenGL, logs.
	for _, line := range []string{"PlatformError: Win32: Failed to create helper window: Resource data not found.", "NotInitialized: The GLFW library is not initialized"} {
		g := &glWatch{}
		fmt.Fprintln(g, line)
		if !g.Fired() {
			t.Errorf("not recognised: %q", line)
		}
	}
}

func TestInitialWindowSize(t *testing.T) {
	cases := []struct {
		name string
		wa   rect
		want windowSize
	}{
		{"unknown", rect{}, windowSize{W: 1280, H: 720}},
		{"1366x768 with taskbar", rect{1366, 728}, windowSize{W: 1280, H: 648, Center: true}},
		{"1366x768 at 125%", rect{1092, 582}, windowSize{W: 1052, H: 502, Center: true}},
		{"1920x1080", rect{1920, 1040}, windowSize{W: 1280, H: 800, Center: true}},
		{"1280x1024", rect{1280, 984}, windowSize{W: 1240, H: 800, Center: true}},
	}
	for _, c := range cases {
		got := initialWindowSize(c.wa)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		// The window with its title bar (~31 px) fits the work area even
		// when centred on a screen whose taskbar (40 px) is at the bottom.
		if got.Center {
			top := (c.wa.H + 40 - (got.H + 31)) / 2
			if top+got.H+31 > c.wa.H {
				t.Errorf("%s: bottom %v below the work area %v", c.name, top+got.H+31, c.wa.H)
			}
		}
	}
}
