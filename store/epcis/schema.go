package epcis

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"suyuan/store"
)

// officialSchema is GS1's EPCIS 2.0 JSON Schema (gs1/EPCIS
// JSON-Schema/EPCIS-JSON-Schema.json), unchanged. testdata holds the same
// file; a test checks they are identical.
//
//go:embed EPCIS-JSON-Schema.json
var officialSchema []byte

// SchemaURL is the schema's own $id. The compiler gets the document under
// this URL as a resource, and its loader refuses every other URL, so
// validation never touches the network.
const SchemaURL = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"

var (
	schemaOnce sync.Once
	schemaVal  *jsonschema.Schema
	schemaErr  error
)

// noLoader refuses to load anything: every schema validation needs is
// registered in advance.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("epcis: schema resource %s is not available offline", url)
}

// CompileSchema compiles an EPCIS JSON Schema document (the official one,
// or a copy a test loads from testdata) without any network access.
func CompileSchema(doc []byte) (*jsonschema.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("epcis schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.UseRegexpEngine(lookaheadRegexp)
	c.AssertFormat()
	if err := c.AddResource(SchemaURL, v); err != nil {
		return nil, fmt.Errorf("epcis schema: %w", err)
	}
	s, err := c.Compile(SchemaURL)
	if err != nil {
		return nil, fmt.Errorf("epcis schema: %w", err)
	}
	return s, nil
}

func schema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() { schemaVal, schemaErr = CompileSchema(officialSchema) })
	return schemaVal, schemaErr
}

// negLookahead matches the one ECMA-262 construct the EPCIS schema uses
// that Go's RE2 lacks: a whole pattern "^(?!(X))", i.e. "does not start
// with X".
var negLookahead = regexp.MustCompile(`^\^\(\?!(.*)\)$`)

type notPrefix struct {
	src string
	re  *regexp.Regexp
}

func (n notPrefix) MatchString(s string) bool { return !n.re.MatchString(s) }
func (n notPrefix) String() string            { return n.src }

// lookaheadRegexp is the compiler's regexp engine: Go's regexp, plus the
// negative lookahead form above. Any other lookahead is refused (compile
// error), never silently ignored.
func lookaheadRegexp(s string) (jsonschema.Regexp, error) {
	if m := negLookahead.FindStringSubmatch(s); m != nil {
		re, err := regexp.Compile("^(?:" + m[1] + ")")
		if err != nil {
			return nil, err
		}
		return notPrefix{src: s, re: re}, nil
	}
	return regexp.Compile(s)
}

// SchemaError is a document that does not satisfy the EPCIS 2.0 schema. It
// names the first (most specific) problem: where (a JSON pointer) and what.
type SchemaError struct {
	Pointer string // e.g. /epcisBody/eventList/0/bizStep
	En, Zh  string // what is wrong there
	Err     error  // the validator's full report

	kind jsonschema.ErrorKind
	loc  []string
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("EPCIS schema: at %s: %s", e.Pointer, e.En)
}

func (e *SchemaError) Unwrap() error { return e.Err }

// UserMessage says what is wrong, where, and what to do.
func (e *SchemaError) UserMessage(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("the file is not a valid EPCIS 2.0 document (GS1 schema): at %s %s. Nothing was imported; ask the sender for a corrected file", e.Pointer, e.En)
	}
	return fmt.Sprintf("该文件不是有效的EPCIS 2.0文档（不符合GS1规范）：位置 %s %s。未导入任何内容，请让发送方提供更正后的文件。", e.Pointer, e.Zh)
}

// Validate checks a JSON document against GS1's EPCIS 2.0 JSON Schema. A
// document that is not JSON or does not satisfy the schema gives a
// *SchemaError (or a *store.Error for unreadable JSON).
func Validate(doc []byte) error {
	s, err := schema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return notJSON(err)
	}
	return validateValue(s, v)
}

func notJSON(err error) error {
	msg := err.Error()
	var se *json.SyntaxError
	if ok := asSyntax(err, &se); ok {
		return &store.Error{Code: store.CodeInvalid, Err: err,
			Zh: fmt.Sprintf("该文件不是有效的JSON（第%d个字节附近：%s），不是EPCIS文档。未导入任何内容，请检查文件。", se.Offset, msg),
			En: fmt.Sprintf("the file is not valid JSON (near byte %d: %s), so it is not an EPCIS document; nothing was imported. Check the file", se.Offset, msg)}
	}
	return &store.Error{Code: store.CodeInvalid, Err: err,
		Zh: fmt.Sprintf("该文件不是有效的JSON（%s），不是EPCIS文档。未导入任何内容，请检查文件。", msg),
		En: fmt.Sprintf("the file is not valid JSON (%s), so it is not an EPCIS document; nothing was imported. Check the file", msg)}
}

// ValidateWith validates doc with a schema compiled by CompileSchema.
func ValidateWith(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return notJSON(err)
	}
	return validateValue(s, v)
}

func validateValue(s *jsonschema.Schema, v any) error {
	err := s.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("epcis validate: %w", err)
	}
	se := describe(ve)
	if _, ok := se.kind.(*kind.Type); ok {
		if got, found := lookup(v, se.loc); found {
			se.Zh += "（值为 " + show(got) + "）"
			se.En += " (the value is " + show(got) + ")"
		}
	}
	return se
}

// lookup finds the value at loc in a decoded document.
func lookup(v any, loc []string) (any, bool) {
	for _, p := range loc {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// describe picks the most specific failure of a validation tree: the leaf
// deepest in the document; among leaves at the same place an enum (it lists
// what is allowed) or a missing property beats a format or pattern from
// another anyOf branch.
func describe(root *jsonschema.ValidationError) *SchemaError {
	type leaf struct {
		e   *jsonschema.ValidationError
		loc []string
	}
	var leaves []leaf
	var walk func(e *jsonschema.ValidationError, parentLoc []string)
	walk = func(e *jsonschema.ValidationError, parentLoc []string) {
		if _, names := e.ErrorKind.(*kind.PropertyNames); names {
			// propertyNames' causes are about the name itself, and the
			// validator (v6.0.3) stores this error's location without
			// copying it, so a sibling's path can overwrite it; the
			// enclosing error's (copied) location is the object's.
			leaves = append(leaves, leaf{e, parentLoc})
			return
		}
		if len(e.Causes) == 0 {
			leaves = append(leaves, leaf{e, e.InstanceLocation})
			return
		}
		for _, c := range e.Causes {
			walk(c, e.InstanceLocation)
		}
	}
	walk(root, nil)
	rank := func(e *jsonschema.ValidationError) int {
		switch e.ErrorKind.(type) {
		case *kind.Required, *kind.AdditionalProperties:
			return 3
		case *kind.Enum, *kind.Const, *kind.Type:
			return 2
		}
		return 1
	}
	best := leaves[0]
	for _, l := range leaves[1:] {
		if len(l.loc) > len(best.loc) || (len(l.loc) == len(best.loc) && rank(l.e) > rank(best.e)) {
			best = l
		}
	}
	se := &SchemaError{Pointer: pointer(best.loc), Err: root, kind: best.e.ErrorKind, loc: best.loc}
	se.Zh, se.En = explain(best.e.ErrorKind)
	return se
}

func pointer(loc []string) string {
	if len(loc) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, p := range loc {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		s := fmt.Sprint(v)
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return s
	}
	return string(b)
}

var typeZh = map[string]string{"string": "文本", "number": "数字", "integer": "整数", "object": "对象", "array": "数组", "boolean": "布尔值", "null": "null"}

func typesZh(ts []string) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		if z, ok := typeZh[t]; ok {
			out[i] = z
		} else {
			out[i] = t
		}
	}
	return strings.Join(out, "或")
}

// explain turns one validator error into a sentence fragment in both
// languages (what is wrong at the location).
func explain(k jsonschema.ErrorKind) (zh, en string) {
	switch k := k.(type) {
	case *kind.Required:
		m := strings.Join(k.Missing, ", ")
		return "缺少必填字段 " + m, "lacks the required field(s) " + m
	case *kind.Type:
		return fmt.Sprintf("应为%s，实际是%s", typesZh(k.Want), typesZh([]string{k.Got})),
			fmt.Sprintf("must be %s, not %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, 0, len(k.Want))
		for _, w := range k.Want {
			want = append(want, show(w))
		}
		if len(want) > 12 {
			want = append(want[:12], "…")
		}
		return fmt.Sprintf("的值 %s 不是允许的值（%s）", show(k.Got), strings.Join(want, ", ")),
			fmt.Sprintf("has the value %s, which is not allowed (allowed: %s)", show(k.Got), strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("的值 %s 应为 %s", show(k.Got), show(k.Want)), fmt.Sprintf("has the value %s instead of %s", show(k.Got), show(k.Want))
	case *kind.Format:
		return fmt.Sprintf("的值 %s 不是有效的%s格式", show(k.Got), formatZh(k.Want)),
			fmt.Sprintf("has the value %s, which is not a valid %s", show(k.Got), k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("的值 %s 不符合规定的格式 %s", show(k.Got), k.Want),
			fmt.Sprintf("has the value %s, which does not match the pattern %s", show(k.Got), k.Want)
	case *kind.AdditionalProperties:
		p := strings.Join(k.Properties, ", ")
		return "含有不允许的字段 " + p, "has the field(s) " + p + ", which are not allowed there"
	case *kind.PropertyNames:
		return fmt.Sprintf("的字段名 %q 不允许（扩展字段须为带命名空间前缀的URI，如 ex:field）", k.Property),
			fmt.Sprintf("has the field name %q, which is not allowed (extension fields must be namespaced URIs such as ex:field)", k.Property)
	case *kind.MinItems:
		return fmt.Sprintf("至少需要%d项，实际%d项", k.Want, k.Got), fmt.Sprintf("needs at least %d item(s), has %d", k.Want, k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("第%d项与第%d项重复", k.Duplicates[0], k.Duplicates[1]), fmt.Sprintf("has items %d and %d equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.FalseSchema:
		return "不允许出现", "is not allowed"
	}
	en = strings.TrimSpace(k.LocalizedString(enPrinter))
	return "不符合规范：" + en, "does not satisfy the schema: " + en
}

func formatZh(f string) string {
	switch f {
	case "uri":
		return "URI（如 https://… 或 urn:…）"
	case "date-time":
		return "日期时间（如 2026-11-28T09:30:00+08:00）"
	}
	return f
}

func asSyntax(err error, target **json.SyntaxError) bool {
	for e := err; e != nil; {
		if s, ok := e.(*json.SyntaxError); ok {
			*target = s
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

var enPrinter = message.NewPrinter(language.English)
