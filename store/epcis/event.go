package epcis

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Context is the JSON-LD context of the EPCIS 2.0 standard.
const Context = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

// Quantity is one quantityList element.
type Quantity struct {
	EPCClass string   `json:"epcClass"`
	Quantity *float64 `json:"quantity,omitempty"`
	UOM      string   `json:"uom,omitempty"`
}

// Ref is a readPoint or bizLocation.
type Ref struct {
	ID string `json:"id"`
}

// Source is one sourceList element.
type Source struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

// Destination is one destinationList element.
type Destination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// SensorReport is one sensor report (a test's measured value).
type SensorReport struct {
	Type        string   `json:"type"`
	Value       *float64 `json:"value,omitempty"`
	UOM         string   `json:"uom,omitempty"`
	StringValue string   `json:"stringValue,omitempty"`
	Time        string   `json:"time,omitempty"`
	DeviceID    string   `json:"deviceID,omitempty"`
}

// SensorElement is one sensorElementList element.
type SensorElement struct {
	SensorMetadata map[string]string `json:"sensorMetadata,omitempty"`
	SensorReport   []SensorReport    `json:"sensorReport"`
}

// ErrorDeclaration marks an event as withdrawn (a voided record).
type ErrorDeclaration struct {
	DeclarationTime string `json:"declarationTime"`
	Reason          string `json:"reason,omitempty"`
	VoidReason      string `json:"suyuan:reason,omitempty"`
}

// Event is one EPCIS event as exported or read back. Ext holds extension
// fields (namespaced names such as "suyuan:product"); they are written after
// the standard fields, sorted.
type Event struct {
	Type                string            `json:"type"`
	EventTime           string            `json:"eventTime"`
	EventTimeZoneOffset string            `json:"eventTimeZoneOffset"`
	RecordTime          string            `json:"recordTime,omitempty"`
	EventID             string            `json:"eventID,omitempty"`
	ErrorDeclaration    *ErrorDeclaration `json:"errorDeclaration,omitempty"`
	Action              string            `json:"action,omitempty"`
	EPCList             []string          `json:"epcList,omitempty"`
	QuantityList        []Quantity        `json:"quantityList,omitempty"`
	InputQuantityList   []Quantity        `json:"inputQuantityList,omitempty"`
	OutputQuantityList  []Quantity        `json:"outputQuantityList,omitempty"`
	TransformationID    string            `json:"transformationID,omitempty"`
	BizStep             string            `json:"bizStep,omitempty"`
	Disposition         string            `json:"disposition,omitempty"`
	ReadPoint           *Ref              `json:"readPoint,omitempty"`
	BizLocation         *Ref              `json:"bizLocation,omitempty"`
	SourceList          []Source          `json:"sourceList,omitempty"`
	DestinationList     []Destination     `json:"destinationList,omitempty"`
	SensorElementList   []SensorElement   `json:"sensorElementList,omitempty"`
	ILMD                map[string]any    `json:"ilmd,omitempty"`
	Ext                 map[string]any    `json:"-"`

	seq int64 // journal seq of the entry it comes from: the export order
}

// MarshalJSON writes the standard fields, then Ext sorted by name.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	b, err := marshal(plain(e))
	if err != nil || len(e.Ext) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(e.Ext))
	for k := range e.Ext {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	for _, k := range keys {
		kb, _ := marshal(k)
		vb, err := marshal(e.Ext[k])
		if err != nil {
			return nil, err
		}
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping (Chinese and & stay readable).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Document is an EPCIS 2.0 document.
type Document struct {
	Context       []any  `json:"@context"`
	Type          string `json:"type"`
	SchemaVersion string `json:"schemaVersion"`
	CreationDate  string `json:"creationDate"`
	Sender        string `json:"sender,omitempty"`
	EPCISBody     struct {
		EventList []Event `json:"eventList"`
	} `json:"epcisBody"`
}

// JSON is the document as indented JSON.
func (d *Document) JSON() ([]byte, error) {
	b, err := marshal(d)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", " "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
