package jsbridge

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The wire format in which JavaScript writes a payload into Go's memory, so
// that a payload crosses into Go in one call instead of one call per
// property. web/src/wire.js is the writer.
//
//	value  = tag byte, then:
//	  tagNull, tagFalse, tagTrue   nothing
//	  tagNumber                    float64, little endian
//	  tagString, tagBytes          uint32 length, then that many bytes (UTF-8 for strings)
//	  tagArray                     uint32 count, then count values
//	  tagObject                    uint32 count, then count pairs of (uint32 length, UTF-8 key, value)
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagNumber
	tagString
	tagBytes
	tagArray
	tagObject
)

// maxDepth bounds nesting, so that a hostile payload cannot exhaust the stack.
const maxDepth = 1000

var errTruncated = errors.New("jsbridge: payload is truncated")

// decode reads one value in the wire format from buf. Numbers become
// float64, strings string, Uint8Arrays []byte, arrays []any, plain objects
// map[string]any, null nil.
func decode(buf []byte) (any, error) {
	d := decoder{buf: buf}
	v, err := d.value(0)
	if err == nil && d.off != len(buf) {
		err = errors.New("jsbridge: payload has trailing bytes")
	}
	return v, err
}

type decoder struct {
	buf []byte
	off int
}

// keys holds the object keys decoded so far, so that the keys that payloads
// repeat (most of them) are not allocated again for every payload. It stops
// growing at maxKeys entries.
var keys = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

const maxKeys, maxKeyLen = 1024, 64

func key(b []byte) string {
	keys.Lock()
	defer keys.Unlock()
	if k, ok := keys.m[string(b)]; ok { // a lookup that does not allocate
		return k
	}
	k := string(b)
	if len(keys.m) < maxKeys && len(k) <= maxKeyLen {
		keys.m[k] = k
	}
	return k
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("jsbridge: payload is nested deeper than " + strconv.Itoa(maxDepth))
	}
	if d.off >= len(d.buf) {
		return nil, errTruncated
	}
	tag := d.buf[d.off]
	d.off++
	switch tag {
	case tagNull:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagNumber:
		if len(d.buf)-d.off < 8 {
			return nil, errTruncated
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off:]))
		d.off += 8
		return v, nil
	case tagString:
		b, err := d.chunk()
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, errors.New("jsbridge: payload string is not UTF-8")
		}
		return string(b), nil
	case tagBytes:
		b, err := d.chunk()
		if err != nil {
			return nil, err
		}
		return append(make([]byte, 0, len(b)), b...), nil // buf is reused by the next call
	case tagArray:
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		a := make([]any, n)
		for i := range a {
			if a[i], err = d.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return a, nil
	case tagObject:
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, n)
		for range n {
			k, err := d.chunk()
			if err != nil {
				return nil, err
			}
			if m[key(k)], err = d.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	return nil, errors.New("jsbridge: payload has unknown tag " + strconv.Itoa(int(tag)))
}

// count reads a uint32 count of values, each of which takes at least a byte.
func (d *decoder) count() (int, error) {
	if len(d.buf)-d.off < 4 {
		return 0, errTruncated
	}
	n := int(binary.LittleEndian.Uint32(d.buf[d.off:]))
	d.off += 4
	if n > len(d.buf)-d.off {
		return 0, errTruncated
	}
	return n, nil
}

func (d *decoder) chunk() ([]byte, error) {
	n, err := d.count()
	if err != nil {
		return nil, err
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b, nil
}

// PayloadError is the error for a payload that does not convert to the type
// a Go listener takes. JavaScript sees it as a TypeError.
type PayloadError struct {
	Want string // the Go type, as Go names it: "int", "[]string", "main.Order"
	Got  string // what JavaScript sent: "number", "string", "object", ...
	Err  error  // the Unmarshaler's error, if the type's UnmarshalJS refused the payload
}

// Error says what JavaScript sent, what the listener takes and, for an
// Unmarshaler, why it refused.
func (e *PayloadError) Error() string {
	msg := "jsbridge: payload is " + article(e.Got) + ", the listener takes " + e.Want
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the Unmarshaler's error.
func (e *PayloadError) Unwrap() error { return e.Err }

func article(kind string) string {
	switch kind {
	case "null", "NaN":
		return kind
	case "array", "object", "infinite number":
		return "an " + kind
	}
	return "a " + kind
}

// convert turns a decoded value into the type a listener takes. The mapping
// types themselves and empty interfaces (any) take them as they are; int and
// int64 take whole numbers within ±2^53, float32 numbers within its range;
// other types implement Unmarshaler on their pointer.
func convert[T any](v any) (T, error) {
	if t, ok := v.(T); ok {
		return t, nil
	}
	var t T
	if v == nil && any(t) == nil {
		return t, nil // null for an interface type such as any: a nil interface
	}
	switch p := any(&t).(type) {
	case *int:
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			*p = int(f)
			return t, nil
		}
	case *int64:
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			*p = int64(f)
			return t, nil
		}
	case *float32:
		if f, ok := v.(float64); ok {
			if math.Abs(f) <= math.MaxFloat32 || math.IsInf(f, 0) || math.IsNaN(f) {
				*p = float32(f)
				return t, nil
			}
			return t, &PayloadError{Want: "float32", Got: "number beyond float32's range (±3.4e38)"}
		}
	case Unmarshaler:
		return t, unmarshal[T](p, v)
	}
	return t, &PayloadError{Want: typeName[T](), Got: kindOf(v)}
}

func unmarshal[T any](u Unmarshaler, v any) error {
	if err := u.UnmarshalJS(v); err != nil {
		return &PayloadError{Want: typeName[T](), Got: kindOf(v), Err: err}
	}
	return nil
}

// typeName names T as Go code writes it ("main.Order", "[]any").
func typeName[T any]() string {
	return assertionName(func() { _ = any(nil).(T) }, ", not ")
}

// typeOf names the type of v, which is not nil.
func typeOf(v any) string {
	return assertionName(func() { _ = v.(struct{ jsbridgeNever byte }) }, " is ")
}

// assertionName runs a type assertion that fails and takes the type's name
// from the runtime's message ("interface conversion: interface {} is X, not
// Y") after marker. The reflect package would say the same, but using a
// reflect.Type keeps all of its methods in every module: some 40 KB.
func assertionName(assert func(), marker string) (name string) {
	defer func() {
		err, _ := recover().(error)
		name = "a type the bridge cannot name"
		if err == nil {
			return
		}
		msg := err.Error()
		if i := strings.Index(msg, marker); i >= 0 {
			name, _, _ = strings.Cut(msg[i+len(marker):], ", not ")
			name = strings.ReplaceAll(name, "interface {}", "any")
		}
	}()
	assert()
	return ""
}

// convertible reports whether any JavaScript payload converts to T, so
// that Listen can refuse a listener that could never be called. It asks
// with type assertions, not with reflect, whose Implements, PointerTo and
// New would add some 200 KB to every module.
func convertible[T any]() bool {
	switch any(*new(T)).(type) {
	case float64, int, int64, float32, string, bool, []byte, []any, map[string]any:
		return true
	case nil: // an interface type: the payloads convert if it has no methods
		_, empty := any(struct{}{}).(T)
		return empty
	}
	_, ok := any(new(T)).(Unmarshaler)
	return ok
}

// unconvertible says why no payload converts to T.
func unconvertible[T any]() string {
	msg := "no JavaScript payload converts to " + typeName[T]() + ": the bridge converts payloads to float64, int, " +
		"int64, float32, string, bool, []byte, []any, map[string]any and interfaces without methods (any), " +
		"and to types whose pointer implements jsbridge.Unmarshaler"
	if _, ok := any(*new(T)).(Unmarshaler); ok { // T is a pointer to such a type
		msg += " (take " + strings.TrimPrefix(typeName[T](), "*") + ", not a pointer to it)"
	}
	return msg
}

// convertsToJS reports whether the bridge converts a value of v's own type
// to JavaScript (what v holds is another question): the mapping types,
// int and int64, and Marshalers.
func convertsToJS(v any) bool {
	switch v.(type) {
	case nil, bool, float64, float32, int, int64, string, []byte, []any, map[string]any, Marshaler:
		return true
	}
	return false
}

// marshalable reports whether a T may convert to JavaScript. An interface
// type may hold anything: its zero value is nil, which converts.
func marshalable[T any]() bool { return convertsToJS(*new(T)) }

// kindOf names a decoded value as JavaScript would see it.
func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 0):
			return "infinite number"
		case v != math.Trunc(v):
			return "fractional number"
		case math.Abs(v) > 1<<53:
			return "number beyond ±2^53"
		}
		return "number"
	case string:
		return "string"
	case []byte:
		return "Uint8Array"
	case []any:
		return "array"
	}
	return "object"
}
