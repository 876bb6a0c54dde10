package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// maxDepth is the deepest nesting a request body may have (SPEC §2.4).
const maxDepth = 64

// object is a JSON object from a request body. Property names match
// case-insensitively and null properties count as absent (SPEC §2.4).
type object struct {
	path  string            // JSON path of this object, e.g. "$.tenant"
	props map[string]any    // lower-cased name → value (nulls dropped)
	names map[string]string // lower-cased name → name as sent
}

// decodeJSON parses a request body into generic JSON values (numbers kept
// as json.Number), refusing syntax errors, trailing data and deep nesting.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, badInput("the request body is empty; send a JSON object")
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, badInput("the request body is not valid JSON (at byte %d: %v); send a JSON object", syntax.Offset, syntax)
		}
		return nil, badInput("the request body is not valid JSON (%v); send a JSON object", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badInput("the request body has data after its JSON value; send exactly one JSON object")
	}
	if depth(v) > maxDepth {
		return nil, badInput("the request body nests deeper than %d levels", maxDepth)
	}
	return v, nil
}

func depth(v any) int {
	d := 0
	switch t := v.(type) {
	case map[string]any:
		for _, c := range t {
			d = max(d, depth(c))
		}
		return d + 1
	case []any:
		for _, c := range t {
			d = max(d, depth(c))
		}
		return d + 1
	}
	return 0
}

// parseObject decodes a request body that must be a JSON object.
func parseObject(body []byte) (object, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return object{}, err
	}
	return asObject("$", v)
}

func asObject(path string, v any) (object, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, badInput("%s must be a JSON object, not %s", path, jsonKind(v))
	}
	o := object{path: path, props: make(map[string]any, len(m)), names: make(map[string]string, len(m))}
	for name, val := range m {
		key := strings.ToLower(name)
		if other, dup := o.names[key]; dup {
			a, b := min(name, other), max(name, other)
			return object{}, badInput("%s has both %q and %q; property names are case-insensitive, send only one", path, a, b)
		}
		o.names[key] = name
		if val != nil {
			o.props[key] = val
		}
	}
	return o, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// field is the JSON path of a property of o, in this spec's camelCase.
func (o object) field(name string) string { return o.path + "." + name }

// lookup finds the first of names (the spec's name, then its aliases).
func (o object) lookup(names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := o.props[strings.ToLower(n)]; ok {
			return v, true
		}
	}
	return nil, false
}

// str reads an optional string property; "" counts as given.
func (o object) str(name string, aliases ...string) (string, bool, error) {
	v, ok := o.lookup(append([]string{name}, aliases...)...)
	if !ok {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", false, badInput("%s must be a string, not %s", o.field(name), jsonKind(v))
	}
	if len(s) > 256 {
		return "", false, badInput("%s is %d characters long; at most 256 are allowed", o.field(name), len(s))
	}
	return s, true, nil
}

// requiredStr reads a string property that must be present and non-empty.
func (o object) requiredStr(name string, aliases ...string) (string, error) {
	s, ok, err := o.str(name, aliases...)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", badInput("%s is required; send it as a non-empty string", o.field(name))
	}
	return s, nil
}

// obj reads an optional object property.
func (o object) obj(name string) (object, bool, error) {
	v, ok := o.lookup(name)
	if !ok {
		return object{}, false, nil
	}
	sub, err := asObject(o.field(name), v)
	return sub, err == nil, err
}

// requiredObj reads an object property that must be present.
func (o object) requiredObj(name string) (object, error) {
	sub, ok, err := o.obj(name)
	if err != nil {
		return object{}, err
	}
	if !ok {
		return object{}, badInput("%s is required; send it as a JSON object", o.field(name))
	}
	return sub, nil
}

// fingerprint digests a body's canonical form for idempotency (SPEC §6):
// property names folded to lower case, nulls dropped, keys sorted. A body
// that is not JSON is digested byte for byte.
func fingerprint(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	sum := sha256.New()
	if err := dec.Decode(&v); err != nil {
		sum.Write([]byte("raw:"))
		sum.Write(body)
		return sum.Sum(nil)
	}
	canonical, err := json.Marshal(canonicalJSON(v))
	if err != nil {
		sum.Write([]byte("raw:"))
		sum.Write(body)
		return sum.Sum(nil)
	}
	sum.Write([]byte("json:"))
	sum.Write(canonical)
	return sum.Sum(nil)
}

func canonicalJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic winner if two names fold together
		out := make(map[string]any, len(t))
		for _, k := range keys {
			if t[k] != nil {
				out[strings.ToLower(k)] = canonicalJSON(t[k])
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, c := range t {
			out[i] = canonicalJSON(c)
		}
		return out
	}
	return v
}

// mustJSON encodes a response value without HTML escaping. Encoding the
// mock's own wire types cannot fail.
func mustJSON(v any) []byte {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 2048)) // a customer is about 1.1 KiB
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("encode response: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// integer reads an optional whole-number property (within int32).
func (o object) integer(name string) (int, bool, error) {
	v, ok := o.lookup(name)
	if !ok {
		return 0, false, nil
	}
	n, isNumber := v.(json.Number)
	i, err := n.Int64()
	if !isNumber || err != nil || i < -1<<31 || i > 1<<31-1 {
		return 0, false, badInput("%s must be a whole number, not %s", o.field(name), jsonKind(v))
	}
	return int(i), true, nil
}

// boolean reads an optional true/false property.
func (o object) boolean(name string) (bool, bool, error) {
	v, ok := o.lookup(name)
	if !ok {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, false, badInput("%s must be true or false, not %s", o.field(name), jsonKind(v))
	}
	return b, true, nil
}

// objects reads an optional array of objects.
func (o object) objects(name string) ([]object, bool, error) {
	v, ok := o.lookup(name)
	if !ok {
		return nil, false, nil
	}
	arr, isArray := v.([]any)
	if !isArray {
		return nil, false, badInput("%s must be an array, not %s", o.field(name), jsonKind(v))
	}
	out := make([]object, len(arr))
	for i, item := range arr {
		sub, err := asObject(fmt.Sprintf("%s[%d]", o.field(name), i), item)
		if err != nil {
			return nil, false, err
		}
		out[i] = sub
	}
	return out, true, nil
}
