package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"suyuan/device/printer"
)

func init() {
	register(command{Name: "printer list", Summary: "list this PC's printers and their addresses (Windows printers as spool://NAME)", Run: runPrinterList})
}

// runPrinterList prints one printer per line: the address to give --printer
// or Settings, then what Windows says about it. On Linux it lists the usblp
// devices (lp://).
func runPrinterList(ctx context.Context, env *Env, args []string) error {
	if err := newFlags("printer list", env).Parse(args); err != nil {
		return err
	}
	ps, err := printer.SpoolPrinters()
	if err != nil {
		return err
	}
	for _, p := range ps {
		var flags string
		if p.Default {
			flags += tr(env, " 默认", " default")
		}
		if p.Offline {
			flags += tr(env, " 脱机", " offline")
		}
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s%s\n", p.URI(), orDash(p.Port), orDash(p.Driver), flags)
	}
	var lps []string
	if runtime.GOOS != "windows" {
		lps, _ = filepath.Glob("/dev/usb/lp*")
		for _, lp := range lps {
			fmt.Fprintf(env.Stdout, "lp://%s\n", lp)
		}
	}
	if len(ps) == 0 && len(lps) == 0 {
		fmt.Fprintln(env.Stdout, tr(env, "没有找到本机打印机。网络打印机请用 tcp://IP地址:9100。",
			"No printers found on this PC. For a network printer use tcp://IP:9100."))
	}
	return nil
}
