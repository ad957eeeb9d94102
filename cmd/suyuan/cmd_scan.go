package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"suyuan/device/scanner"
	"suyuan/device/serial"
)

func init() {
	register(command{
		Name:    "scan",
		Summary: "read a barcode scanner (--port serial/CDC or -, --hid /dev/hidrawN) and print each scan's kind and code",
		Run:     runScan,
	})
}

// scanInputs collects repeated --port / --hid flags.
type scanInputs []string

func (s *scanInputs) String() string     { return strings.Join(*s, ",") }
func (s *scanInputs) Set(v string) error { *s = append(*s, v); return nil }

// runScan: suyuan scan --port PATH [--baud 9600] [--hid PATH] [--json]
//
// --port takes a serial/USB-CDC device (opened with device/serial), "-"
// for stdin, or a regular file (a capture to replay). --hid takes a file of
// 8-byte boot-keyboard reports, e.g. /dev/hidraw3 on Linux (see
// docs/scanning.md for the udev permissions). Several inputs are merged.
func runScan(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("scan", env)
	var ports, hids scanInputs
	fs.Var(&ports, "port", "serial port, - for stdin, or a capture file (repeatable)")
	fs.Var(&hids, "hid", "HID boot-keyboard report device such as /dev/hidraw3 (repeatable)")
	baud := fs.Int("baud", 9600, "baud rate for serial ports")
	asJSON := fs.Bool("json", false, "print one JSON object per scan")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(ports)+len(hids) == 0 || fs.NArg() > 0 {
		return errors.New("usage: suyuan scan --port PATH|- [--baud 9600] [--hid /dev/hidrawN] [--json]")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var sources []scanner.Source
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	for _, p := range ports {
		r, c, err := openScanPort(ctx, env, p, *baud)
		if err != nil {
			return err
		}
		if c != nil {
			closers = append(closers, c)
		}
		sources = append(sources, scanner.LineSource(p, r))
	}
	for _, h := range hids {
		f, err := os.Open(h)
		if err != nil {
			return fmt.Errorf("scan: open HID device: %w", err)
		}
		closers = append(closers, f)
		sources = append(sources, scanner.HIDSource(h, f))
	}
	// Blocking reads end only when their reader closes: close on cancel.
	go func() {
		<-ctx.Done()
		for _, c := range closers {
			_ = c.Close()
		}
	}()

	stream := scanner.NewStream(ctx, sources...)
	multi := len(sources) > 1
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	for s := range stream.Scans() {
		if *asJSON {
			b, err := s.Scan.MarshalJSON()
			if err != nil {
				return err
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			m["source"] = s.Source
			if msg := scanMessage(s.Scan, env.Lang); msg != "" {
				m["message"] = msg
			}
			if err := enc.Encode(m); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(env.Stdout, formatScanLine(s, multi, env.Lang))
	}
	if err := stream.Err(); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// openScanPort opens one --port argument.
func openScanPort(ctx context.Context, env *Env, p string, baud int) (io.Reader, io.Closer, error) {
	if p == "-" {
		return env.Stdin, nil, nil
	}
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("scan: %w", err)
		}
		return f, f, nil
	}
	port, err := serial.Open(ctx, serial.Config{Path: p, Baud: baud})
	if err != nil {
		return nil, nil, fmt.Errorf("scan: %w", err)
	}
	return port, port, nil
}

// formatScanLine: kind, code, then sorted key=value fields; a failed check
// is appended as error=<sentence in the user's language>.
func formatScanLine(s scanner.SourcedScan, withSource bool, lang string) string {
	var b strings.Builder
	if withSource {
		b.WriteString(s.Source)
		b.WriteByte('\t')
	}
	b.WriteString(s.Scan.Kind.String())
	b.WriteByte('\t')
	code := s.Scan.Code
	if code == "" {
		code = "-"
	}
	b.WriteString(code)
	keys := make([]string, 0, len(s.Scan.Fields))
	for k := range s.Scan.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, quoteField(s.Scan.Fields[k]))
	}
	if len(s.Scan.Notes) > 0 {
		fmt.Fprintf(&b, "\tnotes=%s", strings.Join(s.Scan.Notes, ","))
	}
	if msg := scanMessage(s.Scan, lang); msg != "" {
		fmt.Fprintf(&b, "\terror=%s", msg)
	}
	if s.Scan.Kind == scanner.KindUnknown {
		fmt.Fprintf(&b, "\traw=%q", s.Scan.Raw)
	}
	return b.String()
}

func scanMessage(s scanner.Scan, lang string) string {
	if s.Err == nil {
		return ""
	}
	var um interface{ UserMessage(string) string }
	if errors.As(s.Err, &um) {
		return um.UserMessage(lang)
	}
	return s.Err.Error()
}

func quoteField(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\r\n\"=") || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) {
		return fmt.Sprintf("%q", v)
	}
	return v
}
