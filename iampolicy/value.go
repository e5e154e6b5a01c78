package iampolicy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a context value.
type Kind uint8

// The kinds of context values.
const (
	KindString Kind = iota
	KindNumber
	KindBool
	KindDate
	KindIP
	KindBinary
)

// scalar is one element of a context value: its text form always, and the
// typed form it was built from.
type scalar struct {
	s    string
	kind Kind
	n    float64
	b    bool
	t    time.Time
	ip   netip.Addr
	bin  []byte
}

// Value is the value of one condition key in a request: a single typed value
// or a set of them (a multi-valued key). A set of one is still a set.
type Value struct {
	multi bool
	items []scalar
}

// IsSet reports whether v is a multi-valued key's set of values.
func (v Value) IsSet() bool { return v.multi }

// Len is the number of values in v (1 for a single value).
func (v Value) Len() int { return len(v.items) }

// Strings returns the text form of each value.
func (v Value) Strings() []string {
	out := make([]string, len(v.items))
	for i := range v.items {
		out[i] = v.items[i].s
	}
	return out
}

// String returns a single string value.
func String(s string) Value { return Value{items: []scalar{{s: s}}} }

// Number returns a single numeric value.
func Number(n float64) Value {
	return Value{items: []scalar{numScalar(n)}}
}

// Bool returns a single boolean value.
func Bool(b bool) Value {
	return Value{items: []scalar{{s: strconv.FormatBool(b), kind: KindBool, b: b}}}
}

// Date returns a single date value.
func Date(t time.Time) Value {
	return Value{items: []scalar{dateScalar(t)}}
}

// IP returns a single IP address value.
func IP(a netip.Addr) Value {
	return Value{items: []scalar{{s: a.String(), kind: KindIP, ip: a}}}
}

// Binary returns a single binary value.
func Binary(b []byte) Value {
	return Value{items: []scalar{{s: base64.StdEncoding.EncodeToString(b), kind: KindBinary, bin: b}}}
}

// StringSet returns a multi-valued key's set of strings (possibly empty).
func StringSet(ss ...string) Value {
	v := Value{multi: true, items: make([]scalar, len(ss))}
	for i, s := range ss {
		v.items[i] = scalar{s: s}
	}
	return v
}

// SetOf returns a multi-valued key's set made of the given single values.
func SetOf(vs ...Value) Value {
	v := Value{multi: true}
	for _, e := range vs {
		v.items = append(v.items, e.items...)
	}
	return v
}

func numScalar(n float64) scalar {
	return scalar{s: strconv.FormatFloat(n, 'f', -1, 64), kind: KindNumber, n: n}
}

func dateScalar(t time.Time) scalar {
	return scalar{s: t.UTC().Format(time.RFC3339), kind: KindDate, t: t}
}

func (e *scalar) number() (float64, bool) {
	if e.kind == KindNumber {
		return e.n, true
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(e.s), 64)
	return n, err == nil
}

func (e *scalar) date() (time.Time, bool) {
	if e.kind == KindDate {
		return e.t, true
	}
	return parseDate(e.s)
}

func (e *scalar) boolean() (bool, bool) {
	if e.kind == KindBool {
		return e.b, true
	}
	return parseBool(e.s)
}

func (e *scalar) addr() (netip.Addr, bool) {
	if e.kind == KindIP {
		return e.ip.Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSpace(e.s))
	return a.Unmap(), err == nil
}

func (e *scalar) bytes() ([]byte, bool) {
	if e.kind == KindBinary {
		return e.bin, true
	}
	b, err := base64.StdEncoding.DecodeString(e.s)
	return b, err == nil
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseDate reads a date as AWS does: ISO 8601 (date, date-time with or
// without seconds and zone) or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-:T") {
		sec := int64(n)
		return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var dateLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z",
}

// Context holds a request's condition keys. Key names are case-insensitive:
// use Set and Get, which fold case.
type Context map[string]Value

// Set stores v under key.
func (c Context) Set(key string, v Value) { c[strings.ToLower(key)] = v }

// Get returns the value of key, whatever its case.
func (c Context) Get(key string) (Value, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return Value{}, false
}
