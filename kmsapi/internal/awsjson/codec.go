package awsjson

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// kind is what a plan does with one Go type.
type kind uint8

const (
	kindString kind = iota + 1 // string and string enums
	kindBool
	kindInt   // int, int8..int64
	kindUint  // uint..uint64
	kindFloat // float32, float64
	kindBytes // []byte
	kindTime  // time.Time
	kindPtr
	kindSlice
	kindMap // map[string]T
	kindStruct
)

// plan encodes and decodes one Go type.
type plan struct {
	kind   kind
	typ    reflect.Type
	bits   int     // integer/float size
	elem   *plan   // ptr, slice, map
	fields []field // struct
	// keyID is the index of a KeyId *string field, or -1.
	keyID int
}

// field is one struct member on the wire.
type field struct {
	name  string
	key   []byte // `"Name":`
	index int
	plan  *plan
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// codec caches one plan per Go type. The zero value is ready to use.
type codec struct {
	plans sync.Map // reflect.Type -> *plan
}

// planFor returns the plan of t, building it on first use.
func (c *codec) planFor(t reflect.Type) (*plan, error) {
	if p, ok := c.plans.Load(t); ok {
		return p.(*plan), nil
	}
	building := map[reflect.Type]*plan{}
	p, err := build(t, building)
	if err != nil {
		return nil, err
	}
	for bt, bp := range building {
		c.plans.LoadOrStore(bt, bp)
	}
	return p, nil
}

func build(t reflect.Type, building map[reflect.Type]*plan) (*plan, error) {
	if p, ok := building[t]; ok {
		return p, nil // recursive type: the plan fills in below
	}
	p := &plan{typ: t, keyID: -1}
	building[t] = p
	switch {
	case t == timeType:
		p.kind = kindTime
		return p, nil
	case t == bytesType || (t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8):
		p.kind = kindBytes
		return p, nil
	}
	var err error
	switch t.Kind() {
	case reflect.String:
		p.kind = kindString
	case reflect.Bool:
		p.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind, p.bits = kindInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.kind, p.bits = kindUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		p.kind, p.bits = kindFloat, t.Bits()
	case reflect.Pointer:
		p.kind = kindPtr
		p.elem, err = build(t.Elem(), building)
	case reflect.Slice:
		p.kind = kindSlice
		p.elem, err = build(t.Elem(), building)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("awsjson: map key of %v is not a string", t)
		}
		p.kind = kindMap
		p.elem, err = build(t.Elem(), building)
	case reflect.Struct:
		p.kind = kindStruct
		err = buildFields(p, building)
	default:
		return nil, fmt.Errorf("awsjson: no wire form for %v", t)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func buildFields(p *plan, building map[reflect.Type]*plan) error {
	t := p.typ
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Name == "ResultMetadata" {
			continue
		}
		fp, err := build(sf.Type, building)
		if err != nil {
			return fmt.Errorf("%v.%s: %w", t, sf.Name, err)
		}
		key := strconv.AppendQuote(nil, sf.Name)
		p.fields = append(p.fields, field{name: sf.Name, key: append(key, ':'), index: i, plan: fp})
		if sf.Name == "KeyId" && sf.Type == reflect.TypeFor[*string]() {
			p.keyID = i
		}
	}
	return nil
}

// lookup finds the field named name: exact first, then case-insensitively
// as encoding/json does.
func (p *plan) lookup(name []byte) *field {
	for i := range p.fields {
		if p.fields[i].name == string(name) {
			return &p.fields[i]
		}
	}
	for i := range p.fields {
		if equalFoldASCII(p.fields[i].name, name) {
			return &p.fields[i]
		}
	}
	return nil
}

func equalFoldASCII(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := range len(s) {
		x, y := s[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// stringField returns the *string field idx of struct value v ("" if nil or idx < 0).
func stringField(v reflect.Value, idx int) string {
	if idx < 0 {
		return ""
	}
	f := v.Field(idx)
	if f.IsNil() {
		return ""
	}
	return f.Elem().String()
}

// ---- encoding ----

// appendValue appends the JSON form of v (of type p.typ) to buf.
func (p *plan) appendValue(buf []byte, v reflect.Value) []byte {
	switch p.kind {
	case kindString:
		return appendString(buf, v.String())
	case kindBool:
		return strconv.AppendBool(buf, v.Bool())
	case kindInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case kindUint:
		return strconv.AppendUint(buf, v.Uint(), 10)
	case kindFloat:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(buf, "null"...)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, p.bits)
	case kindBytes:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, v.Bytes())
		return append(buf, '"')
	case kindTime:
		return appendEpoch(buf, timeOf(v))
	case kindPtr:
		if v.IsNil() {
			return append(buf, "null"...)
		}
		return p.elem.appendValue(buf, v.Elem())
	case kindSlice:
		if v.IsNil() {
			return append(buf, "null"...)
		}
		buf = append(buf, '[')
		for i := range v.Len() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = p.elem.appendValue(buf, v.Index(i))
		}
		return append(buf, ']')
	case kindMap:
		return p.appendMap(buf, v)
	case kindStruct:
		return p.appendStruct(buf, v)
	}
	return append(buf, "null"...)
}

func (p *plan) appendStruct(buf []byte, v reflect.Value) []byte {
	buf = append(buf, '{')
	first := true
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if omit(f.plan.kind, fv) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, f.key...)
		buf = f.plan.appendValue(buf, fv)
	}
	return append(buf, '}')
}

// omit says whether a member is absent on the wire: nil pointers, slices and
// maps, and the empty string of a non-pointer enum.
func omit(k kind, v reflect.Value) bool {
	switch k {
	case kindPtr, kindSlice, kindMap, kindBytes:
		return v.IsNil()
	case kindString:
		return v.Len() == 0
	case kindTime:
		return timeOf(v).IsZero()
	}
	return false
}

func (p *plan) appendMap(buf []byte, v reflect.Value) []byte {
	if v.IsNil() {
		return append(buf, "null"...)
	}
	if m, ok := v.Interface().(map[string]string); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, k)
			buf = append(buf, ':')
			buf = appendString(buf, m[k])
		}
		return append(buf, '}')
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch {
		case a.String() < b.String():
			return -1
		case a.String() > b.String():
			return 1
		}
		return 0
	})
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, k.String())
		buf = append(buf, ':')
		buf = p.elem.appendValue(buf, v.MapIndex(k))
	}
	return append(buf, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD as
// encoding/json does.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// appendEpoch appends t as epoch seconds, with milliseconds when it has them.
func appendEpoch(buf []byte, t time.Time) []byte {
	sec := t.Unix()
	ms := t.Nanosecond() / int(time.Millisecond)
	if ms == 0 {
		return strconv.AppendInt(buf, sec, 10)
	}
	if sec < 0 {
		return strconv.AppendFloat(buf, float64(sec)+float64(ms)/1000, 'f', -1, 64)
	}
	buf = strconv.AppendInt(buf, sec, 10)
	buf = append(buf, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	for buf[len(buf)-1] == '0' {
		buf = buf[:len(buf)-1]
	}
	return buf
}

// timeOf reads a time.Time value without copying it through an interface
// when it is addressable (always, inside a struct reached by pointer).
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}
