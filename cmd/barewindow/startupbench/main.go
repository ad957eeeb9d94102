// Command startupbench is the measuring half of scripts/startup-bench.sh
// (not part of the product). It has two subcommands:
//
//	startupbench genstore -data DIR -n N
//	    fills DIR/<store.DefaultFile> with the citrus demo data set (a site
//	    profile and an administrator, so the app reaches its login screen)
//	    and then N generated journal entries (store.GenerateJournal), the
//	    "busy season" mix, hash chain intact.
//	startupbench open -data DIR [-runs 5]
//	    times store.Open on DIR's store (the part of the app's start-up
//	    that could grow with the store) and the same open's
//	    PRAGMA foreign_key_check alone.
//	startupbench measure -fb FILE -runs 5 -label NAME -- CMD ARGS...
//	    starts CMD RUNS times on an Xvfb display whose framebuffer is FILE
//	    (Xvfb -fbdir, XWD format, black root with -br) and reports, per run
//	    and as medians, the time from exec to the first frame, and the
//	    process's resident memory then and after -settle.
//
// Why the framebuffer: it is what the user sees, it needs no hook in the app
// (the app is measured exactly as shipped), no window manager and no xdotool.
// A run's "first frame" is the first poll at which the screen shows at least
// three distinct colours: the black root plus a painted window with content
// (text is antialiased, so any drawn label gives many). "First paint" (two
// colours: anything at all drawn) is reported too.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"suyuan/store"
	"suyuan/store/demo"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "genstore":
		err = genStore(os.Args[2:])
	case "measure":
		err = measure(os.Args[2:])
	case "open":
		err = openTime(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "startupbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: startupbench genstore -data DIR -n N | measure -fb FILE [-runs 5] [-label NAME] -- CMD ARGS...")
	os.Exit(2)
}

func genStore(args []string) error {
	fs := flag.NewFlagSet("genstore", flag.ExitOnError)
	dir := fs.String("data", "", "data directory to fill (must not hold a store yet)")
	n := fs.Int("n", 1_000_000, "journal entries to generate after the demo data")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("genstore: -data is required")
	}
	ctx := context.Background()
	path := filepath.Join(*dir, store.DefaultFile)
	db, err := store.Open(ctx, path, store.WithAppVersion("startupbench"))
	if err != nil {
		return err
	}
	defer db.Close()
	t := time.Now()
	sum, err := demo.Generate(ctx, db, demo.Options{Seed: 1})
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Printf("demo data (%s): %d lots, %d tests in %v\n", sum.Profile, sum.Lots, sum.Inspections, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := store.GenerateJournal(ctx, db, *n); err != nil {
		return err
	}
	fmt.Printf("generated %d journal entries in %v\n", *n, time.Since(t).Round(time.Second))
	return nil
}

func openTime(args []string) error {
	fs := flag.NewFlagSet("open", flag.ExitOnError)
	dir := fs.String("data", "", "data directory")
	runs := fs.Int("runs", 5, "opens")
	fs.Parse(args)
	ctx := context.Background()
	for i := 0; i < *runs; i++ {
		t := time.Now()
		db, err := store.Open(ctx, filepath.Join(*dir, store.DefaultFile), store.WithAppVersion("startupbench"))
		if err != nil {
			return err
		}
		open := time.Since(t)
		t = time.Now()
		var n int
		rows, err := db.Reader().QueryContext(ctx, "PRAGMA foreign_key_check")
		if err == nil {
			for rows.Next() {
				n++
			}
			err = rows.Err()
			rows.Close()
		}
		fk := time.Since(t)
		db.Close()
		if err != nil {
			return err
		}
		fmt.Printf("store.Open %v (foreign_key_check alone %v, %d violations)\n", open.Round(time.Millisecond), fk.Round(time.Millisecond), n)
	}
	return nil
}

// run is one launch's figures; durations in milliseconds, memory in KiB.
type run struct {
	paintMS, frameMS       float64
	cpuMS                  float64 // user+system CPU of the process up to the first frame
	rssFirst, hwmFirst     int64
	rssSettled, hwmSettled int64
}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	fbPath := fs.String("fb", "", "Xvfb framebuffer file (DIR/Xvfb_screen0 of Xvfb -fbdir DIR)")
	runs := fs.Int("runs", 5, "launches")
	label := fs.String("label", "", "name printed with the results")
	settle := fs.Duration("settle", 2*time.Second, "wait after the first frame before the second memory reading")
	timeout := fs.Duration("timeout", 60*time.Second, "give up on a launch after this long")
	logPath := fs.String("log", "", "append the command's stdout/stderr here (default: discarded)")
	fs.Parse(args)
	cmdArgs := fs.Args()
	if *fbPath == "" || len(cmdArgs) == 0 {
		usage()
	}
	fb, err := openFB(*fbPath)
	if err != nil {
		return err
	}
	defer fb.f.Close()
	var out io.Writer = io.Discard
	if *logPath != "" {
		lf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer lf.Close()
		out = lf
	}
	var rs []run
	for i := 1; i <= *runs; i++ {
		r, err := launch(fb, cmdArgs, out, *settle, *timeout)
		if err != nil {
			return fmt.Errorf("%s run %d: %w", *label, i, err)
		}
		fmt.Printf("%-12s run %d: first paint %6.0f ms, first frame %6.0f ms, CPU %5.0f ms, VmRSS %4d MiB (VmHWM %4d MiB) at first frame, %4d MiB (HWM %4d MiB) %v later\n",
			*label, i, r.paintMS, r.frameMS, r.cpuMS, r.rssFirst>>10, r.hwmFirst>>10, r.rssSettled>>10, r.hwmSettled>>10, *settle)
		rs = append(rs, r)
	}
	med := func(f func(run) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Printf("%-12s MEDIAN of %d: first frame %.0f ms (paint %.0f ms), CPU %.0f ms, VmRSS %.0f MiB, VmHWM %.0f MiB at first frame; VmRSS %.0f MiB, VmHWM %.0f MiB settled\n",
		*label, len(rs), med(func(r run) float64 { return r.frameMS }), med(func(r run) float64 { return r.paintMS }),
		med(func(r run) float64 { return r.cpuMS }),
		med(func(r run) float64 { return float64(r.rssFirst) / 1024 }), med(func(r run) float64 { return float64(r.hwmFirst) / 1024 }),
		med(func(r run) float64 { return float64(r.rssSettled) / 1024 }), med(func(r run) float64 { return float64(r.hwmSettled) / 1024 }))
	return nil
}

func launch(fb *framebuffer, args []string, out io.Writer, settle, timeout time.Duration) (run, error) {
	var r run
	// The previous window must be gone (root back to one colour) before the
	// clock starts, or its pixels would count as this launch's frame.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := fb.colours(2) // 2: colours(1) stops at the first pixel
		if err != nil {
			return r, err
		}
		if n <= 1 {
			break
		}
		if time.Now().After(deadline) {
			return r, errors.New("the screen is not blank before launch (another window open?)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	for {
		select {
		case err := <-exited:
			return r, fmt.Errorf("exited before its first frame: %v", err)
		default:
		}
		n, err := fb.colours(3)
		if err != nil {
			stop()
			return r, err
		}
		ms := float64(time.Since(start).Microseconds()) / 1000
		if n >= 2 && r.paintMS == 0 {
			r.paintMS = ms
		}
		if n >= 3 {
			r.frameMS = ms
			break
		}
		if time.Since(start) > timeout {
			stop()
			return r, fmt.Errorf("no frame after %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.rssFirst, r.hwmFirst = memory(cmd.Process.Pid)
	r.cpuMS = cpuTime(cmd.Process.Pid)
	time.Sleep(settle)
	r.rssSettled, r.hwmSettled = memory(cmd.Process.Pid)
	stop()
	return r, nil
}

// cpuTime reads the process's user+system CPU time (all threads) from
// /proc/PID/stat, in milliseconds. Unlike wall time it hardly changes when
// other processes compete for the cores, so it shows the start-up's own
// work on a loaded machine. Clock ticks are assumed to be 100/s (Linux's
// USER_HZ on every mainstream architecture).
func cpuTime(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of proc(5)
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return float64(ut+st) * 10
}

// memory reads VmRSS and VmHWM (KiB) from /proc/PID/status.
func memory(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// framebuffer reads Xvfb's -fbdir screen file: an XWD header, a colormap,
// then the pixels, which Xvfb keeps up to date in place (it maps the file).
type framebuffer struct {
	f      *os.File
	offset int64
	bpp    int // bytes per pixel
	size   int // bytes of pixel data
	buf    []byte
}

func openFB(path string) (*framebuffer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := make([]byte, 100)
	if _, err := io.ReadFull(f, h); err != nil {
		f.Close()
		return nil, fmt.Errorf("read XWD header: %w", err)
	}
	var bo binary.ByteOrder = binary.BigEndian
	if bo.Uint32(h[4:]) != 7 {
		bo = binary.LittleEndian
	}
	if bo.Uint32(h[4:]) != 7 {
		f.Close()
		return nil, errors.New("not an XWD (version 7) framebuffer file")
	}
	field := func(i int) int { return int(bo.Uint32(h[4*i:])) }
	headerSize, height, bitsPerPixel, bytesPerLine, ncolors := field(0), field(5), field(11), field(12), field(19)
	if bitsPerPixel != 32 && bitsPerPixel != 24 && bitsPerPixel != 16 {
		f.Close()
		return nil, fmt.Errorf("unsupported %d bits per pixel (start Xvfb with -screen 0 WxHx24)", bitsPerPixel)
	}
	size := bytesPerLine * height
	return &framebuffer{f: f, offset: int64(headerSize + 12*ncolors), bpp: bitsPerPixel / 8, size: size, buf: make([]byte, size)}, nil
}

// colours counts distinct pixel values on the screen, stopping at limit.
func (fb *framebuffer) colours(limit int) (int, error) {
	if _, err := fb.f.ReadAt(fb.buf, fb.offset); err != nil {
		return 0, fmt.Errorf("read framebuffer: %w", err)
	}
	var seen [8]uint32
	n := 0
	for i := 0; i+fb.bpp <= len(fb.buf); i += fb.bpp {
		var v uint32
		for k := 0; k < fb.bpp && k < 3; k++ {
			v |= uint32(fb.buf[i+k]) << (8 * k)
		}
		known := false
		for _, s := range seen[:n] {
			if s == v {
				known = true
				break
			}
		}
		if !known {
			seen[n] = v
			n++
			if n >= limit || n == len(seen) {
				return n, nil
			}
		}
	}
	return n, nil
}
