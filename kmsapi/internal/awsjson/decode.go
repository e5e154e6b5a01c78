package awsjson

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting (SDK inputs nest at most a few levels; unknown
// members are skipped, and their nesting counts too).
const maxDepth = 128

// decodeError is a body that does not decode. Its message never quotes the
// body's values (they may be plaintext).
type decodeError struct{ msg string }

func (e *decodeError) Error() string { return e.msg }

type decoder struct {
	data    []byte
	pos     int
	depth   int
	scratch []byte
	name    []byte // the member name memberName read last
}

// decode fills the struct value v (addressable, of type p.typ) from body. An
// empty body is the empty object; JSON null leaves v as it is.
func (p *plan) decode(body []byte, v reflect.Value) error {
	d := decoder{data: body}
	d.skipWS()
	if d.pos == len(d.data) {
		return nil
	}
	if err := d.value(p, v, ""); err != nil {
		return err
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return d.errorf("unexpected data after the top-level value")
	}
	return nil
}

func (d *decoder) errorf(format string, args ...any) error {
	return &decodeError{msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" (offset %d)", d.pos)}
}

func (d *decoder) typeError(want, name string) error {
	if name == "" {
		return d.errorf("expected %s", want)
	}
	return d.errorf("expected %s for member %s", want, name)
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, or an error at the end.
func (d *decoder) peek() (byte, error) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return 0, d.errorf("unexpected end of JSON input")
	}
	return d.data[d.pos], nil
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.errorf("invalid JSON literal")
	}
	d.pos += len(word)
	return nil
}

// value decodes one JSON value into v per p; name is the member name for messages.
func (d *decoder) value(p *plan, v reflect.Value, name string) error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		switch p.kind {
		case kindPtr, kindSlice, kindMap, kindBytes:
			v.SetZero()
		}
		return nil
	}
	switch p.kind {
	case kindPtr:
		if v.IsNil() {
			v.Set(reflect.New(p.elem.typ))
		}
		return d.value(p.elem, v.Elem(), name)
	case kindString:
		if c != '"' {
			return d.typeError("a string", name)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(string(s))
	case kindBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
		default:
			return d.typeError("a boolean", name)
		}
	case kindInt, kindUint, kindFloat:
		return d.numberInto(p, v, c, name)
	case kindBytes:
		if c != '"' {
			return d.typeError("a base64 string", name)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			return d.errorf("invalid base64 in member %s", name)
		}
		v.SetBytes(b[:n])
	case kindTime:
		if c != '-' && (c < '0' || c > '9') {
			return d.typeError("a timestamp in epoch seconds", name)
		}
		num, err := d.number()
		if err != nil {
			return err
		}
		t, ok := parseEpoch(num)
		if !ok {
			return d.errorf("timestamp out of range for member %s", name)
		}
		if v.CanAddr() {
			*v.Addr().Interface().(*time.Time) = t
		} else {
			v.Set(reflect.ValueOf(t))
		}
	case kindSlice:
		if c != '[' {
			return d.typeError("an array", name)
		}
		return d.array(p, v, name)
	case kindMap:
		if c != '{' {
			return d.typeError("an object", name)
		}
		return d.object(p, v, name)
	case kindStruct:
		if c != '{' {
			return d.typeError("an object", name)
		}
		return d.object(p, v, name)
	default:
		return d.errorf("member %s cannot be decoded", name)
	}
	return nil
}

func (d *decoder) numberInto(p *plan, v reflect.Value, c byte, name string) error {
	if c != '-' && (c < '0' || c > '9') {
		return d.typeError("a number", name)
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	switch p.kind {
	case kindInt:
		n, err := strconv.ParseInt(string(num), 10, p.bits)
		if err != nil {
			return d.errorf("member %s must be an integer of %d bits", name, p.bits)
		}
		v.SetInt(n)
	case kindUint:
		n, err := strconv.ParseUint(string(num), 10, p.bits)
		if err != nil {
			return d.errorf("member %s must be an unsigned integer of %d bits", name, p.bits)
		}
		v.SetUint(n)
	default:
		f, err := strconv.ParseFloat(string(num), p.bits)
		if err != nil {
			return d.errorf("member %s is out of range", name)
		}
		v.SetFloat(f)
	}
	return nil
}

// parseEpoch turns epoch seconds (fractions allowed) into a time, rounded to
// the millisecond as the SDKs do.
func parseEpoch(num []byte) (time.Time, bool) {
	if n, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		if n > maxEpoch || n < -maxEpoch {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsNaN(f) || f > maxEpoch || f < -maxEpoch {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	ms := math.Round((f - sec) * 1000)
	return time.Unix(int64(sec), int64(ms)*int64(time.Millisecond)).UTC(), true
}

// maxEpoch is year 9999 or so: anything beyond is a client bug.
const maxEpoch = 253402300799

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errorf("JSON nested too deeply")
	}
	return nil
}

// open enters the array or object at d.pos and says whether it is empty
// (then it is also left).
func (d *decoder) open(end byte) (empty bool, err error) {
	if err := d.enter(); err != nil {
		return false, err
	}
	d.pos++
	c, err := d.peek()
	if err != nil || c != end {
		return false, err
	}
	d.pos++
	d.depth--
	return true, nil
}

// next reads the ',' between items or the end byte that closes the array
// or object, and says whether it was the end.
func (d *decoder) next(end byte) (done bool, err error) {
	c, err := d.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case end:
		d.pos++
		d.depth--
		return true, nil
	case ',':
		d.pos++
		return false, nil
	}
	return false, d.errorf("expected ',' or '%c'", end)
}

// elements calls each for every element of the array at d.pos ('['),
// positioned at the element.
func (d *decoder) elements(each func() error) error {
	done, err := d.open(']')
	for err == nil && !done {
		if err = each(); err == nil {
			done, err = d.next(']')
		}
	}
	return err
}

// members calls each with the name of every member of the object at d.pos
// ('{'), positioned at the member's value. The name is valid only until
// the value is read.
func (d *decoder) members(each func(name []byte) error) error {
	done, err := d.open('}')
	for err == nil && !done {
		if err = d.memberName(); err != nil {
			return err
		}
		if err = each(d.name); err == nil {
			done, err = d.next('}')
		}
	}
	return err
}

// memberName reads `"name":` into d.name.
func (d *decoder) memberName() error {
	if c, err := d.peek(); err != nil {
		return err
	} else if c != '"' {
		return d.errorf("expected a member name")
	}
	key, err := d.str()
	if err != nil {
		return err
	}
	if c, err := d.peek(); err != nil {
		return err
	} else if c != ':' {
		return d.errorf("expected ':' after a member name")
	}
	d.pos++
	d.name = key
	return nil
}

// array decodes a JSON array into slice v; the caller saw '['.
func (d *decoder) array(p *plan, v reflect.Value, name string) error {
	s := reflect.MakeSlice(p.typ, 0, 0)
	err := d.elements(func() error {
		s = reflect.Append(s, reflect.Zero(p.elem.typ))
		return d.value(p.elem, s.Index(s.Len()-1), name)
	})
	if err != nil {
		return err
	}
	v.Set(s)
	return nil
}

// object decodes a JSON object into struct or map v; the caller saw '{'.
func (d *decoder) object(p *plan, v reflect.Value, name string) error {
	switch {
	case p.kind == kindStruct:
		return d.members(func(key []byte) error {
			if f := p.lookup(key); f != nil {
				return d.value(f.plan, v.Field(f.index), f.name)
			}
			return d.skip()
		})
	case v.IsNil():
		v.Set(reflect.MakeMap(p.typ))
	}
	if m, ok := v.Interface().(map[string]string); ok {
		return d.members(func(key []byte) error {
			k := string(key)
			c, err := d.peek()
			if err != nil {
				return err
			}
			switch c {
			case '"':
				s, err := d.str()
				if err != nil {
					return err
				}
				m[k] = string(s)
				return nil
			case 'n':
				m[k] = ""
				return d.literal("null")
			}
			return d.typeError("a string", name)
		})
	}
	return d.members(func(key []byte) error {
		k := reflect.ValueOf(string(key)).Convert(p.typ.Key())
		e := reflect.New(p.elem.typ).Elem()
		if err := d.value(p.elem, e, name); err != nil {
			return err
		}
		v.SetMapIndex(k, e)
		return nil
	})
}

// skip passes over one JSON value of any shape (an unknown member), checking its syntax.
func (d *decoder) skip() error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		_, err := d.str()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '[':
		return d.elements(d.skip)
	case '{':
		return d.members(func([]byte) error { return d.skip() })
	}
	if c == '-' || ('0' <= c && c <= '9') {
		_, err := d.number()
		return err
	}
	return d.errorf("invalid character in JSON")
}

// number scans a JSON number and returns its text.
func (d *decoder) number() ([]byte, error) {
	start := d.pos
	i := d.pos
	data := d.data
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, d.errorf("invalid number")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.errorf("invalid number")
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.errorf("invalid number")
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return data[start:i], nil
}

// str scans a JSON string (d.data[d.pos] is '"') and returns its unescaped
// bytes. The result aliases the input or the decoder's scratch buffer: it is
// valid until the next call.
func (d *decoder) str() ([]byte, error) {
	d.pos++
	start := d.pos
	data := d.data
	for i := start; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			d.pos = i + 1
			return data[start:i], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return d.strSlow(start, i)
		}
	}
	d.pos = len(data)
	return nil, d.errorf("unterminated string")
}

func (d *decoder) strSlow(start, i int) ([]byte, error) {
	data := d.data
	out := append(d.scratch[:0], data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = out
			return out, nil
		case c < 0x20:
			d.pos = i
			return nil, d.errorf("control character in string")
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = i
				return nil, d.errorf("unterminated string")
			}
			e := data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(data, i)
				if !ok {
					d.pos = i
					return nil, d.errorf("invalid \\u escape in string")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if i+6 <= len(data) && data[i] == '\\' && data[i+1] == 'u' {
						r2, ok = hex4(data, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				d.pos = i - 1
				return nil, d.errorf("invalid escape in string")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, "\uFFFD"...)
			} else {
				out = append(out, data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = len(data)
	d.scratch = out
	return nil, d.errorf("unterminated string")
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
