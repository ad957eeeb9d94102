package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"suyuan/app/analyzerimport"
	"suyuan/device/analyzer"
	"suyuan/store"
)

func init() {
	register(command{Name: "analyzer import", Summary: "read a rapid-test analyzer into the store as pending readings", Run: runAnalyzerImport})
	register(command{Name: "analyzer pending", Summary: "list analyzer readings waiting to be bound to a lot", Run: runAnalyzerPending})
	register(command{Name: "analyzer bind", Summary: "record a pending reading as a test of a lot (--lot) or of another producer's sample", Run: runAnalyzerBind})
	register(command{Name: "analyzer discard", Summary: "set a pending reading aside with a reason", Run: runAnalyzerDiscard})
}

func runAnalyzerImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("analyzer import", env)
	port := fs.String("port", "", "serial port path (/dev/ttyUSB0, /dev/serial/by-id/..., COM3)")
	driver := fs.String("driver", "", "driver: "+strings.Join(analyzer.Names(), ", "))
	baud := fs.Int("baud", 0, "baud rate (default: the driver's)")
	parity := fs.String("parity", "", "parity N/E/O (default: the driver's)")
	serialNo := fs.String("serial-no", "", "instrument serial number when the protocol has none (part of each reading's identity)")
	profile := fs.String("profile", "", "profile .json file or saved name (generic driver)")
	from := fs.String("from", "", "first date YYYY-MM-DD (host-polled drivers; default 30 days ago)")
	to := fs.String("to", "", "last date YYYY-MM-DD (default today)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for each answer")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *port == "" || *driver == "" || fs.NArg() > 0 {
		fs.Usage()
		return cliError("请用 --port 和 --driver 指定串口和仪器类型。", "give the serial port with --port and the analyzer type with --driver")
	}
	p, err := loadProfileArg(env, *profile)
	if err != nil {
		return err
	}
	o := analyzer.Options{Profile: p, SerialNo: strings.TrimSpace(*serialNo), Timeout: *timeout}
	if err := setDateRange(&o, *from, *to); err != nil {
		return err
	}
	d, err := analyzer.New(*driver, o)
	if err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	sport, err := openAnalyzerPort(ctx, d, *port, *baud, *parity)
	if err != nil {
		return err
	}
	defer sport.Close()
	sum, err := analyzerimport.Import(ctx, db, actor, sport, d, func(pr analyzerimport.Progress) {
		if *quiet {
			return
		}
		mark := "+"
		if pr.Duplicate {
			mark = "="
		}
		fmt.Fprintf(env.Stdout, "%s %s %s\n", mark, readingLine(pr.Reading.TestedAt, pr.Reading.RecordNo, pr.Reading.Channel, pr.Reading.SampleNo,
			pr.Reading.SampleName, pr.Reading.Rate, pr.Reading.Suspect), verdictWord(env, pr.Verdict))
	})
	fmt.Fprintln(env.Stdout, sum.Text(env.Lang))
	fmt.Fprintf(env.Stderr, "%s: %s\n", d.Name(), sum)
	return err
}

func readingLine(at time.Time, rec string, ch int, sampleNo, sampleName string, rate *float64, suspect bool) string {
	r := "-"
	if rate != nil {
		r = strconv.FormatFloat(*rate, 'f', 2, 64) + "%"
	}
	s := fmt.Sprintf("%s rec=%s ch=%d sample=%s", at.Local().Format("2006-01-02 15:04:05"), rec, ch, sampleNo)
	if sampleName != "" {
		s += " " + sampleName
	}
	s += " rate=" + r
	if suspect {
		s += " [可疑/suspect]"
	}
	return s
}

// pendingJSON is one line of `analyzer pending --json`.
type pendingJSON struct {
	ID            int64     `json:"id"`
	Instrument    string    `json:"instrument"`
	Model         string    `json:"model,omitempty"`
	SerialNo      string    `json:"serial_no,omitempty"`
	RecordNo      string    `json:"record_no,omitempty"`
	TestedAt      time.Time `json:"tested_at"`
	Channel       int       `json:"channel"`
	SampleNo      string    `json:"sample_no,omitempty"`
	SampleName    string    `json:"sample_name,omitempty"`
	Item          string    `json:"item,omitempty"`
	ControlDeltaA *float64  `json:"control_delta_a,omitempty"`
	SampleDeltaA  *float64  `json:"sample_delta_a,omitempty"`
	Rate          *float64  `json:"rate,omitempty"`
	Value         *float64  `json:"value,omitempty"`
	Unit          string    `json:"unit,omitempty"`
	Result        string    `json:"result,omitempty"`
	Suspect       bool      `json:"suspect,omitempty"`
	Verdict       string    `json:"verdict"` // store.ReadingVerdict: positive, negative or invalid
	Raw           string    `json:"raw"`     // hex of the frame
}

func runAnalyzerPending(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("analyzer pending", env)
	asJSON := fs.Bool("json", false, "print one JSON object per reading")
	search := fs.String("search", "", "only readings whose sample, item, instrument or serial contains this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, env, store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(env.Stdout)
	n := 0
	for off := 0; ; off += store.MaxListLimit {
		page, err := db.PendingReadings(ctx, store.ListQuery{Search: *search, Offset: off, Limit: store.MaxListLimit})
		if err != nil {
			return err
		}
		for _, r := range page {
			n++
			if *asJSON {
				if err := enc.Encode(pendingJSON{ID: r.ID, Instrument: r.Instrument, Model: r.Model, SerialNo: r.SerialNo, RecordNo: r.RecordNo,
					TestedAt: r.TestedAt, Channel: r.Channel, SampleNo: r.SampleNo, SampleName: r.SampleName, Item: r.Item,
					ControlDeltaA: r.ControlDeltaA, SampleDeltaA: r.SampleDeltaA, Rate: r.Rate, Value: r.Value, Unit: r.Unit,
					Result: r.Result, Suspect: r.Suspect, Verdict: r.Verdict, Raw: r.Raw}); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(env.Stdout, "#%d\t%s\t%s\t%s\n", r.ID, strings.TrimSpace(r.Instrument+" "+r.Model), readingLine(r.TestedAt, r.RecordNo, r.Channel, r.SampleNo, r.SampleName, r.Rate, r.Suspect),
				verdictWord(env, r.Verdict))
		}
		if len(page) < store.MaxListLimit {
			break
		}
	}
	if !*asJSON {
		fmt.Fprintln(env.Stderr, tr(env, fmt.Sprintf("待关联读数 %d 条。", n), fmt.Sprintf("%d readings pending.", n)))
	}
	return nil
}

// readingIDArg takes the reading id from the first argument (before the
// flags, as the usage shows) or from the first argument left after them.
func readingIDArg(fs *flag.FlagSet, args []string) (int64, error) {
	var idArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		idArg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if idArg == "" && fs.NArg() > 0 {
		idArg = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return 0, cliError(fmt.Sprintf("多余的参数：%s", strings.Join(fs.Args(), " ")), fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(idArg), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, cliError("请给出读数编号（见 suyuan analyzer pending）。", "give the reading's number (see suyuan analyzer pending)")
	}
	return id, nil
}

// verdictWord is a reading's verdict in the user's language.
func verdictWord(env *Env, v string) string {
	if n, ok := verdictNames[v]; ok {
		return tr(env, n[0], n[1])
	}
	return v
}

var verdictNames = map[string][2]string{
	"positive": {"阳性（不合格）", "positive (fail)"},
	"negative": {"阴性（合格）", "negative (pass)"},
	"invalid":  {"无效（需重测）", "invalid (test again)"},
}

func runAnalyzerBind(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("analyzer bind", env)
	lot := fs.String("lot", "", "the lot's trace code, as scanned or typed")
	override := fs.String("override-reason", "", "administrators: why a reading tested more than 7 days before the lot's date belongs to it (recorded in the journal)")
	entity := fs.String("entity", "", "testing-station mode: the producer who brought the sample")
	code := fs.String("code", "", "testing-station mode: the sample's upstream trace code")
	id, err := readingIDArg(fs, args)
	if err != nil {
		return err
	}
	external := strings.TrimSpace(*entity) != "" || strings.TrimSpace(*code) != ""
	if (*lot == "") == !external {
		return cliError("请用 --lot 指定本站批次，或用 --entity/--code 指定外来样品（检测站模式），二者选一。",
			"give either --lot for a lot of this site or --entity/--code for another producer's sample (testing-station mode)")
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	var ins store.Inspection
	if external {
		ins, err = analyzerimport.BindExternal(ctx, db, actor, id, *entity, *code)
	} else {
		ins, err = analyzerimport.BindOverride(ctx, db, actor, id, *lot, *override)
	}
	if err != nil {
		return err
	}
	return printInspection(env.Stdout, env, ins)
}

func printInspection(w io.Writer, env *Env, ins store.Inspection) error {
	v := verdictNames[ins.Verdict]
	subject := ins.LotCode
	if ins.LotID == 0 {
		subject = strings.TrimSpace(ins.ExternalEntity + " " + ins.ExternalCode)
	}
	rate := "-"
	if ins.Rate != nil {
		rate = strconv.FormatFloat(*ins.Rate, 'f', 2, 64) + "%"
	}
	if env.Lang == "en" {
		fmt.Fprintf(w, "inspection #%d: %s, inhibition rate %s, %s\n", ins.ID, subject, rate, v[1])
	} else {
		fmt.Fprintf(w, "检测记录#%d：%s，抑制率 %s，%s\n", ins.ID, subject, rate, v[0])
	}
	if ins.HoldSet {
		fmt.Fprintln(w, tr(env, fmt.Sprintf("批次%s已被扣留：不能开具合格证或发货，需按规定复检或处置。", ins.LotCode),
			fmt.Sprintf("lot %s is now on hold: no certificate or shipment until it is re-tested as required or disposed of.", ins.LotCode)))
	}
	if ins.Verdict == "invalid" {
		fmt.Fprintln(w, tr(env, "结果无效，不能作为合格依据，请重新检测。", "The result is invalid and cannot count as a pass; test again."))
	}
	return nil
}

func runAnalyzerDiscard(ctx context.Context, env *Env, args []string) error {
	fs := newFlags("analyzer discard", env)
	reason := fs.String("reason", "", "why the reading is set aside (calibration run, spoiled sample…)")
	id, err := readingIDArg(fs, args)
	if err != nil {
		return err
	}
	db, actor, err := openAs(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.DiscardReading(ctx, actor, id, *reason); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tr(env, fmt.Sprintf("读数#%d已搁置（仍保留在记录中）。", id), fmt.Sprintf("reading #%d set aside (it stays on record).", id)))
	return nil
}
