package epcis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"suyuan/store"
)

// MaxImportSize bounds the document Import reads (a partner's file, not a
// database dump).
const MaxImportSize = 64 << 20

// ImportOptions say what the received goods are.
type ImportOptions struct {
	// ProductID is the product the received lots are of. 0: the store's
	// only product in use (refused when there are several).
	ProductID int64
	// Supplier names the supplier; "" takes the event's source party URI.
	Supplier string
}

// ImportResult counts what Import did.
type ImportResult struct {
	Events   int      // events in the document
	Received int      // receipts added
	Already  int      // receipts already imported from the same events (nothing added)
	Ignored  int      // events that are not goods sent on (other bizSteps, returns, withdrawn, DELETE)
	Lots     []string // codes of the lots the new receipts created
}

// inEvent is what Import reads of an event.
type inEvent struct {
	Type                string          `json:"type"`
	EventID             string          `json:"eventID"`
	EventTime           string          `json:"eventTime"`
	EventTimeZoneOffset string          `json:"eventTimeZoneOffset"`
	Action              string          `json:"action"`
	BizStep             string          `json:"bizStep"`
	Disposition         string          `json:"disposition"`
	EPCList             []string        `json:"epcList"`
	QuantityList        []Quantity      `json:"quantityList"`
	SourceList          []Source        `json:"sourceList"`
	ErrorDeclaration    json.RawMessage `json:"errorDeclaration"`
}

// bizStepWord reduces a CBV bizStep in any of its spellings (bare word,
// urn:epcglobal:cbv:bizstep:…, https://ref.gs1.org/cbv/BizStep-…,
// https://gs1.org/voc/BizStep-…) to the bare word.
func bizStepWord(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "http://ref.gs1.org/cbv/BizStep-",
		"https://gs1.org/voc/BizStep-", "https://www.gs1.org/voc/BizStep-", "http://gs1.org/voc/BizStep-"} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			return strings.ToLower(s[len(p):])
		}
	}
	return s
}

// importErr is a problem with one event of an otherwise valid document.
type importErr struct {
	Index   int
	EventID string
	Zh, En  string
	Err     error
}

func (e *importErr) Error() string {
	s := fmt.Sprintf("epcis import: event %d (%s): %s", e.Index, e.EventID, e.En)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *importErr) Unwrap() error { return e.Err }

func (e *importErr) UserMessage(lang string) string {
	zh, en := e.Zh, e.En
	if e.Err != nil && zh == "" {
		var um interface{ UserMessage(string) string }
		if asUM(e.Err, &um) {
			zh, en = um.UserMessage("zh"), um.UserMessage("en")
		} else {
			zh, en = "内部错误："+e.Err.Error(), "internal error: "+e.Err.Error()
		}
	}
	if lang == "en" {
		return fmt.Sprintf("event %d (/epcisBody/eventList/%d, %s): %s. Nothing was imported", e.Index+1, e.Index, e.EventID, en)
	}
	return fmt.Sprintf("第%d个事件（/epcisBody/eventList/%d，%s）：%s。未导入任何内容。", e.Index+1, e.Index, e.EventID, zh)
}

func asUM(err error, target *interface{ UserMessage(string) string }) bool {
	for e := err; e != nil; {
		if um, ok := e.(interface{ UserMessage(string) string }); ok {
			*target = um
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// item is one receipt an event asks for.
type item struct {
	code string
	qty  float64
	unit string
}

type planned struct {
	index    int
	key      string // idempotency key of the event
	day      time.Time
	supplier string
	supCode  string
	items    []item
}

// Import turns an upstream partner's EPCIS 2.0 document into receipts (一进:
// goods received with their codes). Only the partner's shipments count:
// ObjectEvents with bizStep shipping (not DELETE, not a return, not
// withdrawn by an errorDeclaration); its receiving events are its own
// goods-in from further up. In each,
// each epcList entry becomes a receipt of one piece, each quantityList entry
// one of its quantity in the mapped unit; the event's source party is the
// supplier. A document failing the GS1 schema is refused with the first
// problem; everything lands in one batch or nothing does; an event already
// imported (same eventID, or the same content when it has none) adds
// nothing.
func Import(ctx context.Context, db *store.DB, actor store.Actor, data []byte, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	if len(data) > MaxImportSize {
		return res, &store.Error{Code: store.CodeInvalid,
			Zh: fmt.Sprintf("文件有%d MB，超过EPCIS导入上限%d MB，请让发送方分成几个文件。", len(data)>>20, MaxImportSize>>20),
			En: fmt.Sprintf("the file is %d MB, more than the %d MB an EPCIS import takes; ask the sender to split it", len(data)>>20, MaxImportSize>>20)}
	}
	if err := Validate(data); err != nil {
		return res, err
	}
	var doc struct {
		Type      string `json:"type"`
		EPCISBody struct {
			EventList []json.RawMessage `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return res, notJSON(err)
	}
	if doc.Type != "EPCISDocument" {
		return res, &store.Error{Code: store.CodeInvalid,
			Zh: fmt.Sprintf("文件类型是“%s”，不是EPCIS文档（EPCISDocument），无法作为收货导入。请让发送方导出EPCISDocument。", doc.Type),
			En: fmt.Sprintf("the file is of type %q, not an EPCISDocument, so it cannot be imported as receipts; ask the sender for an EPCISDocument", doc.Type)}
	}
	res.Events = len(doc.EPCISBody.EventList)
	var plan []planned
	for i, raw := range doc.EPCISBody.EventList {
		p, ok, err := planEvent(i, raw, opt)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Ignored++
			continue
		}
		plan = append(plan, p)
	}
	if len(plan) == 0 {
		return res, nil
	}
	productID, err := importProduct(ctx, db, opt.ProductID)
	if err != nil {
		return res, err
	}
	err = db.Batch(ctx, actor, func(ctx context.Context) error {
		done, err := importedKeys(ctx, db, actor)
		if err != nil {
			return err
		}
		for _, p := range plan {
			for n, it := range p.items {
				key := "epcis " + p.key + "#" + strconv.Itoa(n)
				if done[key] {
					res.Already++
					continue
				}
				done[key] = true
				r, err := db.Receive(ctx, actor, store.ReceiveInput{
					Date: p.day, SupplierName: p.supplier, SupplierCode: p.supCode, UpstreamCode: it.code, UpstreamKind: key,
					ProductID: productID, Quantity: it.qty, Unit: it.unit, AllowRepeat: true,
				})
				if err != nil {
					return &importErr{Index: p.index, EventID: p.key, Err: err}
				}
				res.Received++
				res.Lots = append(res.Lots, r.LotCode)
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{Events: res.Events}, err
	}
	return res, nil
}

// importedKeys reads, inside the batch (under the write lock), the keys of
// every receipt an EPCIS import made, voided ones included: an event whose
// receipt was voided on purpose is not imported again.
func importedKeys(ctx context.Context, db *store.DB, actor store.Actor) (map[string]bool, error) {
	done := map[string]bool{}
	err := db.Write(ctx, actor, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT upstream_kind FROM receipts WHERE upstream_kind LIKE 'epcis %'")
		if err != nil {
			return fmt.Errorf("epcis imported keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			done[k] = true
		}
		return rows.Err()
	})
	return done, err
}

func importProduct(ctx context.Context, db *store.DB, id int64) (int64, error) {
	if id != 0 {
		p, err := db.GetProduct(ctx, id)
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	ps, err := db.ListProducts(ctx, store.ListQuery{Limit: 3})
	if err != nil {
		return 0, err
	}
	var live []store.Product
	for _, p := range ps {
		if !p.Retired {
			live = append(live, p)
		}
	}
	if len(live) == 1 {
		return live[0].ID, nil
	}
	return 0, &store.Error{Code: store.CodeInvalid,
		Zh: "请指定收到的是哪种产品（--product 产品编号）；本站有多种产品，无法自动判断。未导入任何内容。",
		En: "say which product the goods are (--product ID); this site has several products, so it cannot be guessed. Nothing was imported"}
}

func planEvent(i int, raw json.RawMessage, opt ImportOptions) (planned, bool, error) {
	var ev inEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return planned{}, false, &importErr{Index: i, Err: notJSON(err)}
	}
	key := strings.TrimSpace(ev.EventID)
	if key == "" {
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			return planned{}, false, &importErr{Index: i, Err: notJSON(err)}
		}
		sum := sha256.Sum256(c.Bytes())
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	if ev.Type != "ObjectEvent" || bizStepWord(ev.BizStep) != "shipping" || strings.HasSuffix(ev.Disposition, "returned") ||
		ev.Action == "DELETE" || len(ev.ErrorDeclaration) > 0 {
		return planned{}, false, nil
	}
	fail := func(zh, en string, args ...any) (planned, bool, error) {
		return planned{}, false, &importErr{Index: i, EventID: key, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}
	}
	t, err := time.Parse(time.RFC3339Nano, ev.EventTime)
	if err != nil {
		return fail("事件时间“%s”无法识别", "the event time %q cannot be read", ev.EventTime)
	}
	if off, err := time.Parse("-07:00", ev.EventTimeZoneOffset); err == nil {
		_, secs := off.Zone()
		t = t.In(time.FixedZone(ev.EventTimeZoneOffset, secs))
	}
	p := planned{index: i, key: key, day: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	for _, typ := range []string{"owning_party", "possessing_party", "location"} {
		for _, s := range ev.SourceList {
			if p.supCode == "" && s.Type == typ {
				p.supCode = s.Source
			}
		}
	}
	p.supplier = strings.TrimSpace(opt.Supplier)
	if p.supplier == "" {
		p.supplier = p.supCode
	}
	if p.supplier == "" {
		return fail("文件没有写明供货方（sourceList 中无 owning_party），请用 --supplier 指定供货方名称",
			"the file does not name the supplier (no owning_party in sourceList); give the supplier's name with --supplier")
	}
	for _, epc := range ev.EPCList {
		p.items = append(p.items, item{code: epc, qty: 1, unit: "件"})
	}
	for n, q := range ev.QuantityList {
		if q.Quantity == nil {
			return fail("quantityList 第%d项（%s）没有数量，无法收货", "quantityList item %d (%s) has no quantity, so it cannot be received", n+1, q.EPCClass)
		}
		it := item{code: q.EPCClass, qty: *q.Quantity, unit: "件"}
		if q.UOM != "" {
			u, ok := uomUnit[q.UOM]
			if !ok {
				return fail("quantityList 第%d项的计量单位代码“%s”本系统不认识（认识 KGM、GRM、TNE、LTR、MLT、XBX、XBG、XPA、XBO、XBK、H87），请让发送方换用这些单位",
					"quantityList item %d has the unit code %q, which this system does not know (it knows KGM, GRM, TNE, LTR, MLT, XBX, XBG, XPA, XBO, XBK, H87); ask the sender to use one of them", n+1, q.UOM)
			}
			it.unit, it.qty = u.unit, *q.Quantity*u.factor
		}
		p.items = append(p.items, it)
	}
	if len(p.items) == 0 {
		return planned{}, false, nil
	}
	return p, true, nil
}
