package jsbridge

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode writes v in the wire format, as web/src/wire.js does.
func encode(v any) []byte {
	var b []byte
	u32 := func(n int) { b = binary.LittleEndian.AppendUint32(b, uint32(n)) }
	var put func(v any)
	put = func(v any) {
		switch v := v.(type) {
		case nil:
			b = append(b, tagNull)
		case bool:
			if v {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		case float64:
			b = append(b, tagNumber)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		case string:
			b = append(b, tagString)
			u32(len(v))
			b = append(b, v...)
		case []byte:
			b = append(b, tagBytes)
			u32(len(v))
			b = append(b, v...)
		case []any:
			b = append(b, tagArray)
			u32(len(v))
			for _, e := range v {
				put(e)
			}
		case map[string]any:
			b = append(b, tagObject)
			u32(len(v))
			for k, e := range v {
				u32(len(k))
				b = append(b, k...)
				put(e)
			}
		default:
			panic("encode: unsupported")
		}
	}
	put(v)
	return b
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, v := range []any{
		nil, true, false, 0.0, -1.5, math.Inf(1), "", "héllo", []byte{1, 2, 3}, []byte{},
		[]any{}, []any{1.0, "two", nil, []any{true}},
		map[string]any{}, map[string]any{"id": 7.0, "name": "ada", "tags": []any{"x"}, "raw": []byte{9}},
	} {
		got, err := decode(encode(v))
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	got, err := decode(encode(math.NaN()))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got.(float64)))
}

func TestDecodeCopiesBytes(t *testing.T) {
	buf := encode([]byte{1, 2})
	got, err := decode(buf)
	require.NoError(t, err)
	buf[5] = 99 // the bridge reuses its buffer for the next payload
	assert.Equal(t, []byte{1, 2}, got)
}

func TestDecodeRejectsBadInput(t *testing.T) {
	deep := strings.Repeat(string([]byte{tagArray, 1, 0, 0, 0}), maxDepth+1) + string([]byte{tagNull})
	for name, buf := range map[string][]byte{
		"empty":           {},
		"unknown tag":     {42},
		"short number":    {tagNumber, 1, 2},
		"short string":    {tagString, 5, 0, 0, 0, 'a'},
		"huge count":      {tagArray, 0xff, 0xff, 0xff, 0xff},
		"missing element": {tagArray, 2, 0, 0, 0, tagNull},
		"trailing bytes":  {tagNull, tagNull},
		"bad utf-8":       {tagString, 1, 0, 0, 0, 0xff},
		"too deep":        []byte(deep),
	} {
		_, err := decode(buf)
		assert.Error(t, err, name)
	}
}

type point struct{ x, y float64 }

func (p *point) UnmarshalJS(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return &PayloadError{Want: "point", Got: kindOf(v)}
	}
	p.x, _ = m["x"].(float64)
	p.y, _ = m["y"].(float64)
	return nil
}

func TestConvert(t *testing.T) {
	n, err := convert[int](42.0)
	require.NoError(t, err)
	assert.Equal(t, 42, n)

	v, err := convert[any](nil)
	require.NoError(t, err, "null for an interface type")
	assert.Nil(t, v)
	_, err = convert[map[string]any](nil)
	assert.Error(t, err, "null for a map type")

	s, err := convert[string]("x")
	require.NoError(t, err)
	assert.Equal(t, "x", s)

	a, err := convert[any](map[string]any{"k": true})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"k": true}, a)

	p, err := convert[point](map[string]any{"x": 1.0, "y": 2.0})
	require.NoError(t, err)
	assert.Equal(t, point{1, 2}, p)

	_, err = convert[int](1.5)
	assert.EqualError(t, err, "jsbridge: payload is a fractional number, the listener takes int")
	_, err = convert[string](nil)
	assert.EqualError(t, err, "jsbridge: payload is null, the listener takes string")
	_, err = convert[map[string]any]([]any{})
	assert.EqualError(t, err, "jsbridge: payload is an array, the listener takes map[string]any")
	_, err = convert[point]("nope")
	var pe *PayloadError
	assert.ErrorAs(t, err, &pe)
}

type badPoint struct{}

func (*badPoint) UnmarshalJS(v any) error { return errors.New("a point needs x and y") }

func TestConversionErrorsSayWhatToFix(t *testing.T) {
	_, err := convert[uint8](3.0)
	assert.EqualError(t, err, "jsbridge: payload is a number, the listener takes uint8")
	_, err = convert[[]string]([]any{"a"})
	assert.EqualError(t, err, "jsbridge: payload is an array, the listener takes []string")

	_, err = convert[badPoint](map[string]any{"x": 1.0})
	var pe *PayloadError
	require.ErrorAs(t, err, &pe, "an Unmarshaler's error is a PayloadError, which JavaScript sees as a TypeError")
	assert.EqualError(t, err, "jsbridge: payload is an object, the listener takes jsbridge.badPoint: a point needs x and y")
	assert.EqualError(t, errors.Unwrap(err), "a point needs x and y")
}

func TestFloat32TakesNumbersWithinItsRange(t *testing.T) {
	for _, f := range []float64{1.5, -2, 3.4e38, math.Inf(1), 0} {
		got, err := convert[float32](f)
		require.NoError(t, err, f)
		assert.Equal(t, float32(f), got)
	}
	for _, f := range []float64{1e40, -3.5e38} {
		_, err := convert[float32](f)
		assert.EqualError(t, err, "jsbridge: payload is a number beyond float32's range (±3.4e38), the listener takes float32")
	}
}

func TestListenersThatNoPayloadConvertsTo(t *testing.T) {
	for _, ok := range []bool{convertible[float64](), convertible[int](), convertible[int64](), convertible[float32](),
		convertible[string](), convertible[bool](), convertible[[]byte](), convertible[[]any](), convertible[map[string]any](),
		convertible[any](), convertible[point]()} {
		assert.True(t, ok)
	}
	assert.False(t, convertible[chan int]())
	assert.Equal(t, "no JavaScript payload converts to chan int: the bridge converts payloads to float64, int, int64, "+
		"float32, string, bool, []byte, []any, map[string]any and interfaces without methods (any), "+
		"and to types whose pointer implements jsbridge.Unmarshaler", unconvertible[chan int]())
	for _, ok := range []bool{convertible[uint8](), convertible[[]string](), convertible[struct{ X int }](),
		convertible[func()](), convertible[error](), convertible[*point]()} {
		assert.False(t, ok)
	}
	assert.True(t, strings.HasSuffix(unconvertible[*point](), "(take jsbridge.point, not a pointer to it)"), unconvertible[*point]())
	assert.True(t, marshalable[marshaled]())
	assert.True(t, marshalable[any]())
	assert.False(t, marshalable[chan int]())
}

type marshaled struct{}

func (marshaled) MarshalJS() any { return "m" }
