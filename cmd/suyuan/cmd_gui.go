package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"suyuan/app"
	"suyuan/app/scanhub"
	"suyuan/assets"
	psim "suyuan/device/printer/sim"
	"suyuan/store"
	"suyuan/store/demo"
	"suyuan/sync/outbox"
)

func init() {
	register(command{Name: "gui", Summary: "open the desktop app (the default with no command; --training for the sandbox)", Run: runGUI})
}

// appID must match FyneApp.toml so Preferences and Storage resolve.
const appID = "cn.suyuan.app"

// runGUI opens the window on the site's store, or with --training on a
// separate sandbox store in <data>/training with simulated devices.
//
// --screenshot-tour (hidden, used by scripts/screenshots.sh) expects an
// empty data directory: it walks every screen in both languages, printing
// "SHOT <name>" on stdout when a screen is drawn and waiting for one line on
// stdin before going on, then prints "DONE" and quits.
func runGUI(ctx context.Context, env *Env, args []string) (err error) {
	fs := newFlags("gui", env)
	training := fs.Bool("training", false, "training mode: sandbox store, simulated analyzer and printer")
	tour := fs.Bool("screenshot-tour", false, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	setLocaleFallback()
	storeDir := env.DataDir
	if *training {
		storeDir = filepath.Join(env.DataDir, "training")
	}
	lang := guiLang(env)

	// The log first, so that even a failure to open the data folder is
	// written somewhere the dialog can name.
	glog := openGUILog(env.DataDir)
	defer glog.Close()
	logStart(glog, storeDir, os.Args[1:])
	genv := *env
	genv.Stderr = io.MultiWriter(glog, bestEffort{env.Stderr})
	env = &genv
	gw := &glWatch{}
	gw.on = func() {
		title, body := glFailureText(lang, glog.Path())
		glog.Printf("no OpenGL window: %s", title)
		showGLFailure(title, body)
	}
	prevLog := log.Writer()
	log.SetOutput(io.MultiWriter(glog, bestEffort{prevLog}, gw))
	defer log.SetOutput(prevLog)
	fail := func(err error) error {
		title, body := startFailureText(err, lang, storeDir, glog.Path())
		glog.Printf("start failed: %v", err)
		var ar *alreadyRunning
		if errors.As(err, &ar) && ar.Other.PID != 0 && bringToFront(ar.Other.PID) {
			glog.Printf("brought the open window of process %d to the front", ar.Other.PID)
		}
		showFailureDialog(title, body)
		return &startFailure{err: err, title: title, body: body}
	}
	glFailed := func() error {
		_, body := glFailureText(lang, glog.Path())
		return &startFailure{err: errors.New("no OpenGL 2.1 window could be made"), body: body}
	}
	defer func() {
		if r := recover(); r != nil {
			pe := &panicError{v: r, stack: string(debug.Stack())}
			glog.Printf("panic: %v\n%s", r, pe.stack)
			fmt.Fprint(gw, r) // a GLFW panic is the no-OpenGL case too
			if gw.Fired() {
				err = glFailed()
				return
			}
			err = fail(pe)
		}
	}()

	lock, err := lockInstance(storeDir)
	if err != nil {
		return fail(err)
	}
	defer lock.Release()
	db, err := store.Open(ctx, filepath.Join(storeDir, store.DefaultFile), store.WithAppVersion(version))
	if err != nil {
		return fail(err)
	}
	defer db.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Training and the screenshot tour print to the printer simulator: the
	// real TSPL path over loopback TCP, labels saved as PNGs.
	if *training || *tour {
		out := filepath.Join(env.DataDir, "training", "printed")
		if *tour {
			out = filepath.Join(env.DataDir, "tour-printed")
		}
		uri, err := startPrinterSim(ctx, out)
		if err != nil {
			return fail(err)
		}
		if err := db.UseSimulatedPrinter(ctx, uri); err != nil {
			return fail(err)
		}
	}

	id := appID
	if *tour {
		id += ".tour" // keep the tour's language switches out of the user's preferences
	}
	a := fyneapp.NewWithID(id)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	if langGiven() {
		a.Preferences().SetString(app.PrefLanguage, env.Lang)
	}

	// One status monitor and, outside training, one background uploader
	// for the whole process; both stop when the window closes.
	var mon *app.StatusMonitor
	var syncSvc *app.SyncService
	var ctl app.SyncController
	if !*training {
		// LastError in the GUI's language (the one app.New applies).
		lang := a.Preferences().StringWithFallback(app.PrefLanguage, "zh")
		syncSvc = app.NewSyncService(db, outbox.Options{Lang: lang}, func() {
			if mon != nil {
				mon.Recheck()
			}
		})
		ctl = syncSvc
	}
	// One scanner input (serial or HID scanner per Settings; the keyboard
	// wedge needs none) for the window's life; Settings restarts it.
	scanIn := app.NewScanInput(db, scanhub.Options{}, func() {
		if mon != nil {
			mon.Recheck()
		}
	})
	mon = app.NewStatusMonitor(db, app.StatusOptions{Sync: ctl, Training: *training, Scanner: scanIn.StatusLine, AnalyzerPort: func() string {
		if p := a.Preferences().String(app.SettingAnalyzerPort); p != "" {
			return p
		}
		v, _ := db.Setting(ctx, store.SettingAnalyzerPort)
		return v
	}})
	go mon.Run(ctx)
	if err := scanIn.Start(ctx); err != nil {
		fmt.Fprintln(env.Stderr, "scanner:", err)
	}
	defer scanIn.Stop()
	if syncSvc != nil {
		if err := syncSvc.Start(ctx); err != nil {
			fmt.Fprintln(env.Stderr, "sync:", err)
		}
		defer syncSvc.Stop()
	}

	w := a.NewWindow("溯源站")
	wsz := initialWindowSize(workArea())
	w.Resize(fyne.NewSize(wsz.W, wsz.H))
	w.SetMaster()
	if wsz.Center {
		w.CenterOnScreen()
	}
	deps := app.Deps{Store: db, Training: *training, Version: version, LoadDemo: demoLoader(db), Status: mon,
		AnalyzerProfiles: filepath.Join(env.DataDir, "analyzer-profiles")}
	if ctl != nil {
		deps.Sync = ctl
	}
	shell := app.New(a, w, deps)
	scanIn.Attach(shell)
	if *training && !*tour {
		shell.OfferTrainingDemo()
	}

	var tourErr error
	if *tour {
		if n, err := db.UserCount(ctx); err != nil || n != 0 {
			return errors.New("--screenshot-tour needs an empty data directory")
		}
		in := bufio.NewReader(env.Stdin)
		go func() {
			tourErr = app.RunTour(shell, 700*time.Millisecond, func(name string) error {
				fmt.Fprintln(env.Stdout, "SHOT "+name)
				if _, err := in.ReadString('\n'); err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				return nil
			})
			fmt.Fprintln(env.Stdout, "DONE")
			fyne.Do(a.Quit)
		}()
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	if gw.Fired() {
		return glFailed()
	}
	return tourErr
}

// guiLang is the language of the start-up messages: --lang or SUYUAN_LANG
// when given, else the language chosen in the app (Fyne's preferences file),
// else Chinese.
func guiLang(env *Env) string {
	if langGiven() {
		return env.Lang
	}
	if base, err := os.UserConfigDir(); err == nil {
		if b, err := os.ReadFile(filepath.Join(base, "fyne", appID, "preferences.json")); err == nil {
			var prefs map[string]any
			if json.Unmarshal(b, &prefs) == nil {
				if l, _ := prefs[app.PrefLanguage].(string); l == "en" || l == "zh" {
					return l
				}
			}
		}
	}
	return env.Lang
}

// langGiven reports whether the user chose a language on the command line or
// in SUYUAN_LANG; otherwise the GUI keeps the language saved in Preferences.
func langGiven() bool {
	if os.Getenv("SUYUAN_LANG") != "" {
		return true
	}
	for _, a := range os.Args[1:] {
		if a == "--lang" || a == "-lang" || strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang=") {
			return true
		}
	}
	return false
}

// setLocaleFallback gives Fyne a UTF-8 locale when the environment has none
// (LANG unset, C or POSIX: a service, a bare Debian, a cron job); Fyne would
// otherwise log "Error parsing user locale C". The GUI's language comes from
// Preferences anyway (app.SetLanguage).
func setLocaleFallback() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			os.Setenv(k, "zh_CN.UTF-8")
			continue
		}
		return
	}
	if os.Getenv("LANG") == "" {
		os.Setenv("LANG", "zh_CN.UTF-8")
	}
}

// demoLoader fills an empty store with the Xinping demo history for the
// first-run wizard and tells the user how to log in.
func demoLoader(db *store.DB) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		sum, err := demo.Generate(ctx, db, demo.Options{Seed: 1})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已载入示例数据：%d 个批次、%d 次检测、%d 张合格证。请用 %s / %s 登录。\nDemo data loaded: %d lots, %d tests, %d certificates. Log in as %s / %s.",
			sum.Lots, sum.Inspections, sum.Certificates, demo.User, demo.Password,
			sum.Lots, sum.Inspections, sum.Certificates, demo.User, demo.Password), nil
	}
}

// startPrinterSim runs the label printer simulator on a free loopback port
// until ctx ends, saving each label as a PNG in outDir, and returns its
// tcp:// address.
func startPrinterSim(ctx context.Context, outDir string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("printer simulator: %w", err)
	}
	srv := &psim.Server{OutDir: outDir}
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			fyne.LogError("printer simulator", err)
		}
	}()
	return "tcp://" + ln.Addr().String(), nil
}
