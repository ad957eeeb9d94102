package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"suyuan/app/label"
	"suyuan/device/printer"
	"suyuan/device/printer/sim"
	_ "suyuan/device/usb" // registers usb:// printers
)

func init() {
	register(command{
		Name:    "sim printer",
		Summary: "virtual network label printer: TSPL/ZPL in, one PNG per label out",
		Run:     runSimPrinter,
	})
	register(command{
		Name:    "print preview",
		Summary: "render a sample label/certificate to PNG/PDF/TSPL/ZPL, or send it to --printer",
		Run:     runPrintPreview,
	})
}

func runSimPrinter(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("sim printer", env)
	listen := fs.String("listen", "127.0.0.1:9100", "address to listen on")
	out := fs.String("out", "sim-labels", "directory for label PNGs")
	dpi := fs.Int("dpi", 203, "print head resolution (203 or 300)")
	dropAt := fs.Int("drop-at", 0, "fault: lose the N-th label received and reset the connection (0 = none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	fmt.Fprintf(env.Stdout, "simulated printer on tcp://%s (%d dpi), labels -> %s\n", ln.Addr(), *dpi, *out)
	s := &sim.Server{OutDir: *out, DPI: *dpi, Log: env.Stdout, DropAt: *dropAt}
	return s.Serve(ctx, ln)
}

func runPrintPreview(ctx context.Context, env *Env, args []string) error {
	if helpRequested(args[:min(1, len(args))]) {
		return newFlags("print preview", env).Parse(args[:1])
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: suyuan print preview KIND (trace|voucher|cert1|cert2) --out FILE [flags]")
	}
	kind, err := label.ParseKind(args[0])
	if err != nil {
		return err
	}
	d := label.Sample(kind)
	fs := newFlags("print preview", env)
	out := fs.String("out", "", "output file (.png, .pdf, .tspl, .zpl, .bin)")
	sizeS := fs.String("size", "60x40", "label size WxH in mm, or A4")
	dpi := fs.Int("dpi", 203, "printer resolution")
	langS := fs.String("lang", "", "tspl|zpl|escpos|png|pdf (default: from --out extension, else tspl)")
	uri := fs.String("printer", "", "send to this printer URI instead of / as well as --out")
	tmpl := fs.String("url-template", label.DefaultURLTemplate, "QR URL template ({code} {cert} {serial} {kind})")
	copies := fs.Int("copies", 1, "copies")
	fs.StringVar(&d.Product, "product", d.Product, "产品名称")
	fs.StringVar(&d.Variety, "variety", d.Variety, "品种")
	fs.StringVar(&d.Code, "code", d.Code, "trace code")
	fs.StringVar(&d.CertNo, "cert-no", d.CertNo, "合格证编号")
	fs.StringVar(&d.Quantity, "quantity", d.Quantity, "数量(重量)")
	fs.StringVar(&d.Unit, "unit", d.Unit, "unit")
	fs.StringVar(&d.Origin, "origin", d.Origin, "产地")
	fs.StringVar(&d.Producer, "producer", d.Producer, "承诺主体/生产者")
	fs.StringVar(&d.Contact, "contact", d.Contact, "联系方式")
	fs.StringVar(&d.UpstreamCertNo, "upstream-cert", d.UpstreamCertNo, "样式二: received certificate number")
	basis := fs.String("basis", strings.Join(d.Basis, ","), "承诺依据, comma-separated")
	date := fs.String("date", d.Date.Format("2006-01-02"), "date YYYY-MM-DD")
	fs.BoolVar(&d.Provisional, "provisional", false, "code not yet registered nationally (prints 待登记)")
	fs.IntVar(&d.Serial, "serial", d.Serial, "serial number in the run")
	fs.IntVar(&d.Total, "total", d.Total, "labels in the run")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" && *uri == "" {
		return fmt.Errorf("print preview: give --out FILE and/or --printer URI")
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	if *basis != "" {
		d.Basis = strings.Split(*basis, ",")
	} else {
		d.Basis = nil
	}
	if d.Date, err = time.Parse("2006-01-02", *date); err != nil {
		return fmt.Errorf("--date %q: want YYYY-MM-DD", *date)
	}
	size, err := label.ParseSize(*sizeS)
	if err != nil {
		return err
	}
	img, err := label.Render(d, size, *dpi, label.Options{URLTemplate: *tmpl})
	if err != nil {
		return err
	}
	lang := printer.Lang(*langS)
	if lang == "" {
		lang = printer.TSPL
		if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), "."); ext != "" {
			if l, err := printer.ParseLang(ext); err == nil {
				lang = l
			}
		}
	} else if lang, err = printer.ParseLang(*langS); err != nil {
		return err
	}
	job, err := printer.Encode(lang, img, printer.JobOptions{DPI: *dpi, Copies: *copies})
	if err != nil {
		return err
	}
	if *out != "" {
		if err := os.WriteFile(*out, job, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		fmt.Fprintf(env.Stdout, "%s %s %dx%d dots (%s, %d dpi) -> %s\n", kind, size, img.Width, img.Height, lang, *dpi, *out)
	}
	if *uri != "" {
		t, err := printer.Open(ctx, *uri)
		if err != nil {
			return err
		}
		defer t.Close()
		if err := t.Write(ctx, job); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "sent %d bytes to %s\n", len(job), t)
	}
	return nil
}
