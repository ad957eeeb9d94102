package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"suyuan/store"
)

// tableMap says how one of our tables appears on the wire: the protocol
// record type and the renames of our column names to the national model's
// field names (domain.md §2). Columns not named keep their own name, so a
// column added later still travels.
type tableMap struct {
	Type   string
	Rename map[string]string
}

// tableMaps is the mapping, documented in docs/platform-protocol.md.
var tableMaps = map[string]tableMap{
	"entity": {"entity", map[string]string{"name": "enterpriseName", "scale": "entityScale", "entity_type": "entityType", "credit_code": "creditCode",
		"legal_rep": "legalName", "contact_name": "contactName", "contact_phone": "contactPhone", "division_code": "area", "platform_account": "account", "site_code": "siteCode"}},
	"certifications": {"certification", map[string]string{"kind": "authentication", "number": "certNumber", "product_name": "productName", "issuer": "issuer", "valid_from": "validFrom", "valid_to": "validTo"}},
	"bases": {"base", map[string]string{"name": "baseName", "area_mu": "baseArea", "division_code": "areaCode", "manager": "principal", "phone": "principalPhone",
		"altitude_m": "altitude", "retired": "status"}},
	"plots":    {"plot", map[string]string{"base_id": "baseId", "name": "plotName", "area_mu": "plotArea", "crop_category": "cropCategory", "retired": "status"}},
	"products": {"product", map[string]string{"name": "productName", "variety": "variety", "spec": "model", "crop_category": "productCategory", "platform_product_code": "productCode", "certification_id": "certificationId", "retired": "status"}},
	"materials": {"input_material", map[string]string{"name": "inputName", "reg_no": "registrationNo", "active_ingredients": "activeIngredients", "phi_days": "safeIntervalDays",
		"manufacturer": "manufacturer", "kind": "inputType"}},
	"purchases": {"input_purchase", map[string]string{"material_id": "materialId", "purchased_on": "purchaseTime", "supplier": "supplier", "batch_no": "inputBatchNo", "quantity": "amount"}},
	"applications": {"input_application", map[string]string{"applied_on": "useDate", "plot_id": "plotId", "material_id": "materialId", "dose_unit": "doseUnit", "area_mu": "useArea",
		"method": "useMethod", "target": "preventObject"}},
	"lots": {"lot", map[string]string{"code": "insideTraceCode", "national_code": "traceCode", "national_short_code": "traceCodeShort", "product_id": "productId",
		"source": "productSource", "plot_id": "plotId", "transformation_id": "transformationId", "produced_on": "harvestTime", "quantity": "productAmount", "unit": "productUnit",
		"hold": "freeze", "from_code": "fromzsm"}},
	"transformations":       {"merge", map[string]string{"done_on": "mergeTime"}},
	"transformation_inputs": {"merge_input", map[string]string{"transformation_id": "transformationId", "lot_id": "lotId", "quantity": "amount"}},
	"inspections": {"inspection", map[string]string{"lot_id": "lotId", "sample_no": "sampleNo", "sample_name": "sampleName", "tested_at": "checkTime", "method": "checkMethod",
		"basis": "checkBasis", "item": "checkItem", "rate": "inhibitionRate", "limit_value": "limitValue", "verdict": "mediResult", "instrument_serial": "instrumentSerial",
		"reagent_lot": "reagentLot", "control_delta_a": "controlDeltaA", "sample_delta_a": "sampleDeltaA"}},
	"disposals": {"disposal", map[string]string{"lot_id": "lotId", "disposed_on": "disposeTime"}},
	"shipments": {"sale", map[string]string{"lot_id": "lotId", "shipped_on": "saleTime", "buyer_name": "buyerName", "buyer_code": "buyerCode", "buyer_type": "isCirculatesEnd",
		"quantity": "saleAmount", "to_code": "tozsm"}},
	"receipts": {"purchase", map[string]string{"received_on": "purchaseTime", "supplier_name": "supplierName", "supplier_code": "supplierCode", "upstream_code": "fromzsm",
		"upstream_cert_no": "upstreamCertNo", "lot_id": "lotId"}},
	"certificates": {"certificate", map[string]string{"cert_no": "certNo", "lot_id": "lotId", "product_name": "productName", "quantity": "amount", "issued_on": "issueDate",
		"upstream_cert_no": "upstreamCertNo", "promise_version": "promiseVersion"}},
	"env_tests": {"env_test", map[string]string{"base_id": "baseId", "plot_id": "plotId", "tested_on": "testDate", "report_no": "reportNo"}},
}

// valueMaps translate a few enumerations into the national model's codes.
var valueMaps = map[string]map[string]any{
	"entityScale":     {"enterprise": "0", "cooperative": "1", "family_farm": "2", "individual": "3"},
	"entityType":      {"production": "生产主体", "operation": "经营主体", "both": "生产经营主体"},
	"productSource":   {"harvest": "自产", "receipt": "采购", "transform": "合成"},
	"isCirculatesEnd": {"market": "Y", "registered": "N"},
	"authentication":  {"green": "绿色食品", "organic": "有机农产品", "gi": "地理标志", "pollution_free": "无公害"},
}

// statusFields turn our retired flag into the model's 1 启用 / 2 停用.
var statusFields = map[string]bool{"base": true, "plot": true, "product": true}

// TypeOf returns the protocol record type for a journal ref ("lots:12" ->
// "lot"); unknown tables travel under their own name.
func TypeOf(ref string) string {
	table, _, _ := strings.Cut(ref, ":")
	if m, ok := tableMaps[table]; ok {
		return m.Type
	}
	return table
}

// IdempotencyKey is the stable key of a journal entry on the wire.
func IdempotencyKey(siteID string, seq int64, hash string) string {
	return siteID + ":" + strconv.FormatInt(seq, 10) + ":" + hash
}

// ParseKey splits an idempotency key; ok is false for a malformed key.
func ParseKey(key string) (site string, seq int64, hash string, ok bool) {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return "", 0, "", false
	}
	hash = key[i+1:]
	j := strings.LastIndexByte(key[:i], ':')
	if j <= 0 {
		return "", 0, "", false
	}
	seq, err := strconv.ParseInt(key[j+1:i], 10, 64)
	if err != nil || seq <= 0 || len(hash) != 64 {
		return "", 0, "", false
	}
	return key[:j], seq, hash, true
}

// RecordFromEntry maps one journal entry to its protocol record. The payload
// keys are renamed to the national model's names; the values are untouched
// except the few enumerations in valueMaps.
func RecordFromEntry(siteID string, e store.Entry) (Record, error) {
	table, _, _ := strings.Cut(e.Ref, ":")
	_, op, _ := strings.Cut(e.Kind, ".")
	r := Record{
		Key: IdempotencyKey(siteID, e.Seq, e.Hash), Seq: e.Seq, At: e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		Actor: e.Actor, Kind: e.Kind, Ref: e.Ref, Type: TypeOf(e.Ref), Op: op, Reason: e.Reason, Supersedes: e.Supersedes, PrevHash: e.PrevHash,
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Payload))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		// Not an object: send it as it is, the platform decides.
		if !json.Valid(e.Payload) {
			return Record{}, fmt.Errorf("entry %d: payload is not JSON: %w", e.Seq, err)
		}
		r.Data = append(json.RawMessage(nil), e.Payload...)
		return r, nil
	}
	tm := tableMaps[table]
	out := make(map[string]any, len(m))
	for k, v := range m {
		name := k
		if n, ok := tm.Rename[k]; ok {
			name = n
		}
		if vm, ok := valueMaps[name]; ok {
			if s, isStr := v.(string); isStr {
				if nv, found := vm[s]; found {
					v = nv
				}
			}
		}
		if name == "status" && statusFields[tm.Type] {
			if n, isNum := v.(json.Number); isNum {
				v = map[string]string{"0": "1", "1": "2"}[n.String()]
			}
		}
		out[name] = v
	}
	// out holds only decoded JSON values (json.Number for numbers), so one
	// encode gives canonical bytes: encoding/json sorts map keys.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return Record{}, fmt.Errorf("entry %d: %w", e.Seq, err)
	}
	r.Data = bytes.TrimRight(buf.Bytes(), "\n")
	return r, nil
}
