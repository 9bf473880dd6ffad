package worker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeRequestHead writes a request head as js/worker.mjs does.
func encodeRequestHead(method, rawURL string, header [][2]string) []byte {
	b := appendField(appendField(nil, method), rawURL)
	for _, field := range header {
		b = appendField(appendField(b, field[0]), field[1])
	}
	return b
}

// readFields reads a response head as js/worker.mjs does (readFields):
// a length past the end takes what is left.
func readFields(head []byte) []string {
	var fields []string
	for at := 0; at+4 <= len(head); {
		n := int(uint32(head[at]) | uint32(head[at+1])<<8 | uint32(head[at+2])<<16 | uint32(head[at+3])<<24)
		end := min(at+4+n, len(head))
		fields = append(fields, string(head[at+4:end]))
		at = end
	}
	return fields
}

// netHTTPSends returns the header fields net/http's server sends for h,
// in the order it sends them (by name).
func netHTTPSends(t *testing.T, h http.Header) [][2]string {
	var wire bytes.Buffer
	require.NoError(t, h.Write(&wire))
	var fields [][2]string
	s := bufio.NewScanner(&wire)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ": ")
		require.True(t, ok, "net/http wrote %q", s.Text())
		fields = append(fields, [2]string{name, value})
	}
	return fields
}

// goesOut is what the response head carries for h, sorted by name as
// net/http sends it.
func goesOut(h http.Header) [][2]string {
	fields := readFields(appendResponseHead(nil, h))
	var pairs [][2]string
	for i := 0; i+1 < len(fields); i += 2 {
		pairs = append(pairs, [2]string{fields[i], fields[i+1]})
	}
	slices.SortStableFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return pairs
}

// checkResponseHead checks the response head of h against what net/http
// sends for it: the same fields, but NUL (which net/http sends and a Worker
// cannot) becomes a space and bytes that are not UTF-8 become U+FFFD; and
// every value is one that JavaScript's Headers takes.
func checkResponseHead(t *testing.T, h http.Header) {
	asNetHTTP := http.Header{}
	for name, values := range h {
		for _, v := range values {
			asNetHTTP[name] = append(asNetHTTP[name], strings.ReplaceAll(v, "\x00", " "))
		}
	}
	want := netHTTPSends(t, asNetHTTP)
	for i := range want {
		want[i][1] = strings.ToValidUTF8(want[i][1], "\uFFFD")
	}
	got := goesOut(h)
	// ToValidUTF8 replaces a run of bad bytes with one U+FFFD, strings.Map
	// (and TextDecoder) one per byte: compare with runs folded.
	for i := range got {
		require.True(t, utf8.ValidString(got[i][1]), "%q", got[i][1])
		require.NotContains(t, got[i][1], "\x00")
		require.Equal(t, got[i][1], textproto.TrimString(got[i][1]), "untrimmed")
		got[i][1] = strings.ToValidUTF8(strings.ReplaceAll(got[i][1], "\uFFFD", "\xff"), "\uFFFD")
		want[i][1] = strings.ToValidUTF8(strings.ReplaceAll(want[i][1], "\uFFFD", "\xff"), "\uFFFD")
	}
	require.Equal(t, want, got, "header %q", h)
}

func TestResponseHeadIsWhatNetHTTPSends(t *testing.T) {
	values := []string{"", "plain", " padded\t", "hello\nSet-Cookie: session=evil", "a\r\nb", "\r\n", "nul\x00byte",
		"caf\xc3\xa9", "bad \xff utf-8", "\xe2\x82", "tab\tinside", "ctl\x01\x7f", strings.Repeat("v", 100_000)}
	for _, v := range values {
		checkResponseHead(t, http.Header{"X-Echo": {v}})
	}
	for c := 0; c < 256; c++ {
		checkResponseHead(t, http.Header{string(rune(c)) + "Name": {"v"}, "Name" + string([]byte{byte(c)}): {"v"}})
	}
	checkResponseHead(t, http.Header{"Set-Cookie": {"a=1", "b=2\nX: y", "c=3"}, "Bad Name": {"x"}, "": {"y"}, "Ok": {"z"}})
}

func TestValidNameIsNetHTTPs(t *testing.T) {
	for c := 0; c < 256; c++ {
		name := string([]byte{byte(c)})
		sent := len(netHTTPSends(t, http.Header{name: {"v"}})) == 1
		assert.Equal(t, sent, validName(name), "byte %#x", c)
	}
	assert.False(t, validName(""))
}

func TestValidRequestValueIsNetHTTPs(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("the oracle is net/http's native Transport")
	}
	// net/http's Transport refuses, before it dials, the header values its
	// server refuses.
	refused := errors.New("dialed")
	transport := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, refused }}
	for c := 0; c < 256; c++ {
		value := "a" + string([]byte{byte(c)}) + "b"
		r, err := http.NewRequest("GET", "http://127.0.0.1/", nil)
		require.NoError(t, err)
		r.Header.Set("X-Value", value)
		_, err = transport.RoundTrip(r)
		assert.Equal(t, errors.Is(err, refused), validRequestValue([]byte(value)), "byte %#x: %v", c, err)
	}
}

func TestRequestHeadRoundTrip(t *testing.T) {
	head := encodeRequestHead("POST", "https://example.com/a?b=c", [][2]string{
		{"content-type", "application/json"}, {"x-many", "1"}, {"x-many", "2"}, {"host", "example.com"}, {"x-empty", ""},
		{"x-utf8", "café"}, {"x-tab", "a\tb"},
	})
	method, u, header, err := parseRequestHead(head)
	require.NoError(t, err)
	assert.Equal(t, "POST", method)
	assert.Equal(t, "https://example.com/a?b=c", u.String())
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}, "X-Many": {"1", "2"}, "Host": {"example.com"},
		"X-Empty": {""}, "X-Utf8": {"café"}, "X-Tab": {"a\tb"}}, header)
}

func TestRequestHeadsNetHTTPRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		head []byte
		err  string
	}{
		{"no method", nil, "malformed request head"},
		{"a length past the end", []byte{9, 0, 0, 0, 'G', 'E', 'T'}, "malformed request head"},
		{"no URL", appendField(nil, "GET"), "malformed request head"},
		{"a name without a value", append(encodeRequestHead("GET", "/", nil), appendField(nil, "x-a")...), "malformed request head"},
		{"a method with a space", encodeRequestHead("GE T", "/", nil), "invalid method"},
		{"an empty method", encodeRequestHead("", "/", nil), "invalid method"},
		{"a bad URL", encodeRequestHead("GET", "http://[::1", nil), "missing ']' in host"},
		{"a name with a newline", encodeRequestHead("GET", "/", [][2]string{{"x-a\nx-b", "v"}}), "invalid header name"},
		{"an empty name", encodeRequestHead("GET", "/", [][2]string{{"", "v"}}), "invalid header name"},
		{"a value with a newline", encodeRequestHead("GET", "/", [][2]string{{"x-a", "v\nx-b: w"}}), "invalid header value"},
		{"a value with NUL", encodeRequestHead("GET", "/", [][2]string{{"x-a", "v\x00"}}), "invalid header value"},
		{"a value with DEL", encodeRequestHead("GET", "/", [][2]string{{"x-a", "v\x7f"}}), "invalid header value"},
	} {
		_, _, _, err := parseRequestHead(c.head)
		assert.ErrorContains(t, err, c.err, c.name)
	}
}

// FuzzFraming checks both directions of the framing between Go and
// js/worker.mjs: a request head made of any fields is read back as exactly
// those fields or refused, never shifted; no bytes make the reader panic;
// a response head of any header is what net/http would send, and reads back
// as whole fields.
func FuzzFraming(f *testing.F) {
	f.Add("GET", "https://example.com/", "x-echo", "hello\nSet-Cookie: session=evil", "Set-Cookie", "a=1\x00", []byte{})
	f.Add("POST", "/a?b", "content-type", "text/plain", "Bad Name", " v ", []byte{4, 0, 0, 0, 'G', 'E', 'T'})
	f.Add("GET", "/", "x-a", "caf\xc3\xa9 \xff", "", "", []byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, method, rawURL, name1, value1, name2, value2 string, raw []byte) {
		// Any bytes: no panic.
		parseRequestHead(raw)
		readFields(raw)

		fields := [][2]string{{name1, value1}, {name2, value2}}
		gotMethod, u, header, err := parseRequestHead(encodeRequestHead(method, rawURL, fields))
		_, urlErr := url.Parse(rawURL)
		valid := validName(method) && urlErr == nil
		for _, field := range fields {
			valid = valid && validName(field[0]) && validRequestValue([]byte(field[1]))
		}
		if !valid {
			require.Error(t, err)
		} else {
			require.NoError(t, err)
			require.Equal(t, method, gotMethod)
			want, _ := url.Parse(rawURL)
			require.Equal(t, want, u)
			wantHeader := http.Header{}
			for _, field := range fields {
				wantHeader.Add(field[0], field[1])
			}
			require.Equal(t, wantHeader, header)
		}

		h := http.Header{}
		h[name1] = append(h[name1], value1)
		h[name2] = append(h[name2], value2)
		checkResponseHead(t, h)
		head := appendResponseHead(nil, h)
		for rest := head; len(rest) > 0; { // whole fields, nothing left over
			var ok bool
			_, rest, ok = readField(rest)
			require.True(t, ok)
		}
	})
}
