package jsbridge

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
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
	Want string // the Go type, as far as the bridge can name it
	Got  string // what JavaScript sent: "number", "string", "object", ...
}

// Error says what JavaScript sent and what the listener takes.
func (e *PayloadError) Error() string {
	return "jsbridge: payload is " + article(e.Got) + ", the listener takes " + e.Want
}

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
// types themselves and any pass through; whole numbers convert to int and
// int64; anything else must implement Unmarshaler.
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
			*p = float32(f)
			return t, nil
		}
	case Unmarshaler:
		if err := p.UnmarshalJS(v); err != nil {
			return t, err
		}
		return t, nil
	}
	return t, &PayloadError{Want: typeName[T](), Got: kindOf(v)}
}

// typeName names T for PayloadError without the reflect package, which the
// bridge keeps out of edgesignals.wasm.
func typeName[T any]() string {
	var t T
	switch any(t).(type) {
	case float64:
		return "float64"
	case float32:
		return "float32"
	case int:
		return "int"
	case int64:
		return "int64"
	case string:
		return "string"
	case bool:
		return "bool"
	case []byte:
		return "[]byte"
	case []any:
		return "[]any"
	case map[string]any:
		return "map[string]any"
	}
	return "another Go type"
}

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
