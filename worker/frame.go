package worker

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Requests and responses cross between js/worker.mjs and Go in Go's memory,
// as length-prefixed fields: a field is its length in bytes (4 bytes,
// little-endian) and then its bytes, so no byte a client or a handler
// writes can be taken for framing. Both sides also check what the fields
// hold, as net/http does on the wire:
//
//   - a request head is the method, the URL, then the name and the value of
//     each header (UTF-8, as workerd hands them over), followed by the body;
//     a request whose method, URL or headers net/http's server would refuse
//     is refused (400);
//   - a response head is the name and the value of each header, followed by
//     the body; names that net/http would not send are dropped, and values
//     are cleaned as net/http cleans them (see responseValue).

// appendField appends s to b as one field.
func appendField(b []byte, s string) []byte {
	n := len(s)
	b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	return append(b, s...)
}

// readField reads the field at the start of b and returns it and the rest.
func readField(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
	if n > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// errBadHead is a request head that is not a list of fields as
// js/worker.mjs writes them.
var errBadHead = errors.New("malformed request head")

// parseRequestHead reads a request head: what net/http's server would
// refuse is an error that says why.
func parseRequestHead(head []byte) (method string, u *url.URL, header http.Header, err error) {
	field, rest, ok := readField(head)
	if !ok {
		return "", nil, nil, errBadHead
	}
	method = string(field)
	if !validName(method) { // a method is a token, as a header name is
		return "", nil, nil, errors.New("invalid method")
	}
	if field, rest, ok = readField(rest); !ok {
		return "", nil, nil, errBadHead
	}
	if u, err = url.Parse(string(field)); err != nil {
		return "", nil, nil, err
	}
	header = http.Header{}
	for len(rest) > 0 {
		var name, value []byte
		if name, rest, ok = readField(rest); !ok {
			return "", nil, nil, errBadHead
		}
		if value, rest, ok = readField(rest); !ok {
			return "", nil, nil, errBadHead
		}
		if !validName(string(name)) {
			return "", nil, nil, errors.New("invalid header name")
		}
		if !validRequestValue(value) {
			return "", nil, nil, errors.New("invalid header value")
		}
		key := textproto.CanonicalMIMEHeaderKey(string(name))
		header[key] = append(header[key], string(value))
	}
	return method, u, header, nil
}

// appendResponseHead appends the header fields of h that net/http would
// send, their values cleaned as net/http cleans them.
func appendResponseHead(b []byte, h http.Header) []byte {
	for name, values := range h {
		if !validName(name) {
			continue // net/http drops them too
		}
		for _, v := range values {
			b = appendField(b, name)
			b = appendField(b, responseValue(v))
		}
	}
	return b
}

// responseValue is v as it goes out. net/http's server replaces CR and LF
// with spaces and trims the spaces around the value; NUL is replaced as
// well, as RFC 9110 (section 5.5) allows: a Worker cannot send it, and
// net/http would. Bytes that are not UTF-8 become U+FFFD (workerd sends
// header values as UTF-8 text).
func responseValue(v string) string {
	if clean(v) {
		return v
	}
	v = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, v) // strings.Map turns invalid UTF-8 into U+FFFD
	return textproto.TrimString(v)
}

// clean reports whether v goes out unchanged: valid UTF-8 without CR, LF
// or NUL, and nothing to trim.
func clean(v string) bool {
	if v != "" && (space(v[0]) || space(v[len(v)-1])) {
		return false
	}
	ascii := true
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\r', c == '\n', c == 0:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(v)
}

func space(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validName reports whether s is a token (RFC 9110, section 5.6.2): what
// net/http (httpguts.ValidHeaderFieldName) takes as a header name or method.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validRequestValue reports whether v is a header value net/http's server
// accepts (httpguts.ValidHeaderFieldValue): no control bytes but tab.
func validRequestValue(v []byte) bool {
	for _, c := range v {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
