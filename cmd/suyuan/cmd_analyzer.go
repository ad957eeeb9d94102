package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"suyuan/device/analyzer"
	"suyuan/device/analyzer/sim"
	"suyuan/device/serial"
)

func init() {
	register(command{Name: "sim analyzer", Summary: "simulate a rapid-test analyzer on a pseudo-terminal", Run: runSimAnalyzer})
	register(command{Name: "analyzer read", Summary: "read results from a rapid-test analyzer and print them", Run: runAnalyzerRead})
	register(command{Name: "analyzer ports", Summary: "list serial ports (USB vendor/product/serial)", Run: runAnalyzerPorts})
}

// loadProfileArg accepts a path to a .json profile or the name of a profile
// saved under <data>/analyzer-profiles.
func loadProfileArg(env *Env, arg string) (*analyzer.Profile, error) {
	if arg == "" {
		return nil, nil
	}
	if strings.HasSuffix(arg, ".json") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		var p analyzer.Profile
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, &analyzer.ProfileError{Profile: arg, Field: "json", Msg: err.Error()}
		}
		return &p, p.Validate()
	}
	ps, err := analyzer.LoadProfiles(filepath.Join(env.DataDir, "analyzer-profiles"))
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Name == arg {
			return &ps[i], nil
		}
	}
	return nil, &analyzer.ProfileError{Profile: arg, Field: "name", Msg: "no saved profile with this name"}
}

func runSimAnalyzer(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sim analyzer", env)
	driver := fs.String("driver", "lz4000t", "driver: "+strings.Join(analyzer.Names(), ", "))
	noise := fs.Bool("noise", false, "inject garbage bytes and damaged frames")
	undefined := fs.String("undefined", sim.UndefinedZero, "what goes in the bytes the protocol does not define: zero or random (fresh in every frame)")
	drop := fs.Bool("drop", false, "cut the connection mid-frame on every other connection")
	count := fs.Int("count", 20, "number of readings to serve")
	seed := fs.Int64("seed", 1, "random seed (readings, noise, drop point)")
	profile := fs.String("profile", "", "profile .json file or saved name (generic driver)")
	link := fs.String("link", "", "keep a symlink at this path pointing to the current pty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := loadProfileArg(env, *profile)
	if err != nil {
		return err
	}
	readings, err := sim.Generate(*driver, *count, *seed, p)
	if err != nil {
		return err
	}
	for conn := 1; ; conn++ {
		master, slave, err := serial.OpenPTY()
		if err != nil {
			return err
		}
		shown := slave
		if *link != "" {
			os.Remove(*link)
			if err := os.Symlink(slave, *link); err != nil {
				master.Close()
				return err
			}
			shown = *link
		}
		fmt.Fprintln(env.Stdout, shown)
		err = sim.Run(ctx, master, *driver, sim.Options{Readings: readings, Noise: *noise, Drop: *drop && conn%2 == 1, Seed: *seed + int64(conn), Profile: p,
			Undefined: *undefined})
		master.Close()
		if errors.Is(err, sim.ErrDropped) {
			fmt.Fprintf(env.Stderr, "sim: connection %d dropped mid-frame; new port follows\n", conn)
			continue
		}
		if *link != "" {
			os.Remove(*link)
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
}

func runAnalyzerRead(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("analyzer read", env)
	port := fs.String("port", "", "serial port path (/dev/ttyUSB0, /dev/serial/by-id/..., COM3)")
	driver := fs.String("driver", "", "driver: "+strings.Join(analyzer.Names(), ", "))
	baud := fs.Int("baud", 0, "baud rate (default: the driver's)")
	parity := fs.String("parity", "", "parity N/E/O (default: the driver's)")
	asJSON := fs.Bool("json", false, "print one JSON object per reading")
	profile := fs.String("profile", "", "profile .json file or saved name (generic driver)")
	from := fs.String("from", "", "first date YYYY-MM-DD (host-polled drivers; default 30 days ago)")
	to := fs.String("to", "", "last date YYYY-MM-DD (default today)")
	serialNo := fs.String("serial-no", "", "instrument serial number when the protocol has none")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for each answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *port == "" || *driver == "" {
		fs.Usage()
		return errors.New("analyzer read: --port and --driver are required")
	}
	p, err := loadProfileArg(env, *profile)
	if err != nil {
		return err
	}
	o := analyzer.Options{Profile: p, SerialNo: *serialNo, Timeout: *timeout}
	if err := setDateRange(&o, *from, *to); err != nil {
		return err
	}
	d, err := analyzer.New(*driver, o)
	if err != nil {
		return err
	}
	sport, err := openAnalyzerPort(ctx, d, *port, *baud, *parity)
	if err != nil {
		return err
	}
	defer sport.Close()
	enc := json.NewEncoder(env.Stdout)
	st, err := analyzer.Session(ctx, sport, d, func(r analyzer.Reading) error {
		if *asJSON {
			return enc.Encode(r)
		}
		return printReading(env.Stdout, r)
	})
	fmt.Fprintf(env.Stderr, "%s: %s\n", d.Name(), st)
	if err != nil && errors.Is(err, context.Canceled) {
		return nil // interrupted by the technician; what was read is printed
	}
	return err
}

func printReading(w io.Writer, r analyzer.Reading) error {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f", *p)
	}
	flag := ""
	if r.Suspect {
		flag = " [suspect/可疑]"
	}
	_, err := fmt.Fprintf(w, "%s  rec=%s ch=%d sample=%s %s  %s  rate=%s%s value=%s %s%s\n",
		r.TestedAt.Format("2006-01-02 15:04:05"), r.RecordNo, r.Channel, r.SampleNo, r.SampleName, r.Item, f(r.Rate), "%", f(r.Value), r.Result, flag)
	return err
}

func runAnalyzerPorts(ctx context.Context, env *Env, args []string) error {
	if err := newFlags("analyzer ports", env).Parse(args); err != nil {
		return err
	}
	ps, err := serial.List()
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		if env.Lang == "en" {
			fmt.Fprintln(env.Stdout, "No serial ports found.")
		} else {
			fmt.Fprintln(env.Stdout, "未发现串口。")
		}
	}
	for _, p := range ps {
		usb := "-"
		if p.VendorID != "" || p.ProductID != "" {
			usb = p.VendorID + ":" + p.ProductID
		}
		desc := strings.TrimSpace(strings.Join([]string{p.Chip(), p.Product, p.SerialNumber}, " "))
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\n", p.Path, p.Device, usb, orDash(p.Driver), orDash(desc))
	}
	return nil
}

// setDateRange parses --from/--to (YYYY-MM-DD, local days, both inclusive)
// into the driver options.
func setDateRange(o *analyzer.Options, from, to string) error {
	for _, x := range []struct {
		s   string
		dst *time.Time
	}{{from, &o.From}, {to, &o.To}} {
		if x.s == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", x.s, time.Local)
		if err != nil {
			return cliError(fmt.Sprintf("日期“%s”格式不对，请写成 年-月-日，如 2026-05-01。", x.s), fmt.Sprintf("the date %q is not YYYY-MM-DD (e.g. 2026-05-01)", x.s))
		}
		*x.dst = t
	}
	if !o.To.IsZero() {
		o.To = o.To.Add(24*time.Hour - time.Second)
	}
	return nil
}

// openAnalyzerPort opens the serial port with the driver's line settings,
// overridden by --baud and --parity when given.
func openAnalyzerPort(ctx context.Context, d analyzer.Driver, path string, baud int, parity string) (*serial.Port, error) {
	sp := d.Serial()
	cfg := serial.Config{Path: path, Baud: sp.Baud, DataBits: sp.DataBits, StopBits: sp.StopBits, Parity: sp.Parity}
	if baud != 0 {
		cfg.Baud = baud
	}
	if parity != "" {
		cfg.Parity = parity
	}
	return serial.Open(ctx, cfg)
}
