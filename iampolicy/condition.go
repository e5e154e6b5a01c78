package iampolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// SetMode is a condition operator's set prefix.
type SetMode uint8

// The set prefixes.
const (
	SetNone SetMode = iota
	ForAnyValue
	ForAllValues
)

func (m SetMode) String() string {
	switch m {
	case ForAnyValue:
		return "ForAnyValue"
	case ForAllValues:
		return "ForAllValues"
	}
	return ""
}

type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike
	opNull
)

type opSpec struct {
	name    string
	kind    opKind
	negated bool
}

// operators maps each lower-cased base operator name to its meaning.
var operators = map[string]opSpec{
	"stringequals":              {"StringEquals", opStringEquals, false},
	"stringnotequals":           {"StringNotEquals", opStringEquals, true},
	"stringequalsignorecase":    {"StringEqualsIgnoreCase", opStringEqualsIgnoreCase, false},
	"stringnotequalsignorecase": {"StringNotEqualsIgnoreCase", opStringEqualsIgnoreCase, true},
	"stringlike":                {"StringLike", opStringLike, false},
	"stringnotlike":             {"StringNotLike", opStringLike, true},
	"numericequals":             {"NumericEquals", opNumericEquals, false},
	"numericnotequals":          {"NumericNotEquals", opNumericEquals, true},
	"numericlessthan":           {"NumericLessThan", opNumericLessThan, false},
	"numericlessthanequals":     {"NumericLessThanEquals", opNumericLessThanEquals, false},
	"numericgreaterthan":        {"NumericGreaterThan", opNumericGreaterThan, false},
	"numericgreaterthanequals":  {"NumericGreaterThanEquals", opNumericGreaterThanEquals, false},
	"dateequals":                {"DateEquals", opDateEquals, false},
	"datenotequals":             {"DateNotEquals", opDateEquals, true},
	"datelessthan":              {"DateLessThan", opDateLessThan, false},
	"datelessthanequals":        {"DateLessThanEquals", opDateLessThanEquals, false},
	"dategreaterthan":           {"DateGreaterThan", opDateGreaterThan, false},
	"dategreaterthanequals":     {"DateGreaterThanEquals", opDateGreaterThanEquals, false},
	"bool":                      {"Bool", opBool, false},
	"binaryequals":              {"BinaryEquals", opBinaryEquals, false},
	"ipaddress":                 {"IpAddress", opIPAddress, false},
	"notipaddress":              {"NotIpAddress", opIPAddress, true},
	"arnequals":                 {"ArnEquals", opArnLike, false},
	"arnnotequals":              {"ArnNotEquals", opArnLike, true},
	"arnlike":                   {"ArnLike", opArnLike, false},
	"arnnotlike":                {"ArnNotLike", opArnLike, true},
	"null":                      {"Null", opNull, false},
}

// Condition is one key under one operator of a Condition block.
type Condition struct {
	// Operator is the operator as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Base is the canonical operator without prefix and suffix, e.g. "StringLike".
	Base     string
	Set      SetMode
	IfExists bool
	// Negated is true for the NOR operators (StringNotEquals, NotIpAddress, ...).
	Negated bool
	Key     string
	Values  []string

	kind     opKind
	keyLower string
	vals     []cvalue
}

// cvalue is one policy value, read for its operator.
type cvalue struct {
	tmpl   template
	num    float64
	t      time.Time
	b      bool
	prefix netip.Prefix
	bin    []byte
}

// parseOperator splits an operator name into prefix, base and IfExists.
func parseOperator(name string) (opSpec, SetMode, bool, error) {
	set := SetNone
	rest := name
	if p, r, ok := strings.Cut(name, ":"); ok {
		switch strings.ToLower(p) {
		case "foranyvalue":
			set = ForAnyValue
		case "forallvalues":
			set = ForAllValues
		default:
			return opSpec{}, 0, false, fmt.Errorf("unknown operator %q", name)
		}
		rest = r
	}
	low := strings.ToLower(rest)
	ifExists := false
	if strings.HasSuffix(low, "ifexists") {
		ifExists = true
		low = strings.TrimSuffix(low, "ifexists")
	}
	spec, ok := operators[low]
	if !ok {
		return opSpec{}, 0, false, fmt.Errorf("unknown operator %q", name)
	}
	if ifExists && spec.kind == opNull {
		return opSpec{}, 0, false, fmt.Errorf("operator %q: Null takes no IfExists", name)
	}
	return spec, set, ifExists, nil
}

func parseConditions(v json.RawMessage, vars bool) ([]Condition, error) {
	var block map[string]json.RawMessage
	if firstByte(v) != '{' || json.Unmarshal(v, &block) != nil {
		return nil, fmt.Errorf("must be an object of operators")
	}
	var out []Condition
	for _, opName := range sortedKeys(block) {
		spec, set, ifExists, err := parseOperator(opName)
		if err != nil {
			return nil, err
		}
		var keys map[string]json.RawMessage
		if firstByte(block[opName]) != '{' || json.Unmarshal(block[opName], &keys) != nil {
			return nil, fmt.Errorf("%s: must be an object of condition keys", opName)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("%s: names no condition key", opName)
		}
		for _, key := range sortedKeys(keys) {
			if key == "" {
				return nil, fmt.Errorf("%s: empty condition key", opName)
			}
			vals, err := conditionValues(keys[key])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %s", opName, key, err.Error())
			}
			c := Condition{Operator: opName, Base: spec.name, Set: set, IfExists: ifExists,
				Negated: spec.negated, Key: key, Values: vals, kind: spec.kind, keyLower: strings.ToLower(key)}
			for _, s := range vals {
				cv, err := compileValue(spec.kind, s, vars)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %s", opName, key, err.Error())
				}
				c.vals = append(c.vals, cv)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues reads a string, number or bool, or an array of these.
func conditionValues(v json.RawMessage) ([]string, error) {
	one := func(r json.RawMessage) (string, error) {
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return "", err
		}
		switch t := x.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			if t {
				return "true", nil
			}
			return "false", nil
		}
		return "", fmt.Errorf("values must be strings, numbers or booleans")
	}
	if firstByte(v) == '[' {
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, fmt.Errorf("empty array of values")
		}
		out := make([]string, 0, len(l))
		for _, r := range l {
			s, err := one(r)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func compileValue(k opKind, s string, vars bool) (cvalue, error) {
	var cv cvalue
	switch k {
	case opStringEquals, opStringEqualsIgnoreCase:
		cv.tmpl = compileTemplate(s, vars, false)
	case opStringLike, opArnLike:
		cv.tmpl = compileTemplate(s, vars, true)
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		e := scalar{s: s}
		n, ok := e.number()
		if !ok {
			return cv, fmt.Errorf("%q is not a number", s)
		}
		cv.num = n
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(s)
		if !ok {
			return cv, fmt.Errorf("%q is not a date (ISO 8601 or epoch seconds)", s)
		}
		cv.t = t
	case opBool, opNull:
		b, ok := parseBool(s)
		if !ok {
			return cv, fmt.Errorf("%q is not true or false", s)
		}
		cv.b = b
	case opBinaryEquals:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return cv, fmt.Errorf("%q is not base64", s)
		}
		cv.bin = b
	case opIPAddress:
		p, err := parseCIDR(s)
		if err != nil {
			return cv, err
		}
		cv.prefix = p
	}
	return cv, nil
}

// parseCIDR reads an IPv4 or IPv6 CIDR; a bare address is a /32 or /128.
func parseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR", s)
	}
	if p.Addr().Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			bits = 0
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), bits)
	}
	return p.Masked(), nil
}

// valueMatches reports whether one request value matches one policy value
// under the positive form of the operator.
func (c *Condition) valueMatches(e *scalar, cv *cvalue, ctx Context) bool {
	switch c.kind {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnLike:
		p, ok := cv.tmpl.expand(ctx)
		if !ok {
			return false // a variable without a value matches nothing
		}
		switch c.kind {
		case opStringEquals:
			return p.s == e.s
		case opStringEqualsIgnoreCase:
			return strings.EqualFold(p.s, e.s)
		case opStringLike:
			return p.match(e.s, false)
		default:
			return arnMatch(p, e.s)
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		n, ok := e.number()
		if !ok {
			return false
		}
		switch c.kind {
		case opNumericEquals:
			return n == cv.num
		case opNumericLessThan:
			return n < cv.num
		case opNumericLessThanEquals:
			return n <= cv.num
		case opNumericGreaterThan:
			return n > cv.num
		default:
			return n >= cv.num
		}
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := e.date()
		if !ok {
			return false
		}
		switch c.kind {
		case opDateEquals:
			return t.Equal(cv.t)
		case opDateLessThan:
			return t.Before(cv.t)
		case opDateLessThanEquals:
			return !t.After(cv.t)
		case opDateGreaterThan:
			return t.After(cv.t)
		default:
			return !t.Before(cv.t)
		}
	case opBool:
		b, ok := e.boolean()
		return ok && b == cv.b
	case opBinaryEquals:
		b, ok := e.bytes()
		return ok && bytes.Equal(b, cv.bin)
	case opIPAddress:
		a, ok := e.addr()
		return ok && cv.prefix.Contains(a)
	}
	return false
}

// anyValue reports whether e matches at least one of the policy values.
func (c *Condition) anyValue(e *scalar, ctx Context) bool {
	for i := range c.vals {
		if c.valueMatches(e, &c.vals[i], ctx) {
			return true
		}
	}
	return false
}

// elementOK is one request value's verdict: for a positive operator it
// matches some policy value; for a negated one it matches none (NOR).
func (c *Condition) elementOK(e *scalar, ctx Context) bool {
	return c.anyValue(e, ctx) != c.Negated
}

// eval evaluates the condition against the request context.
func (c *Condition) eval(ctx Context) bool {
	v, found := ctx.Get(c.keyLower)
	present := found && len(v.items) > 0
	if c.kind == opNull {
		for i := range c.vals {
			if c.vals[i].b == !present {
				return true
			}
		}
		return false
	}
	switch c.Set {
	case ForAnyValue:
		if !present {
			return c.IfExists && !found
		}
		for i := range v.items {
			if c.elementOK(&v.items[i], ctx) {
				return true
			}
		}
		return false
	case ForAllValues:
		if !present {
			return true
		}
		for i := range v.items {
			if !c.elementOK(&v.items[i], ctx) {
				return false
			}
		}
		return true
	}
	if !present {
		return c.IfExists || c.Negated
	}
	any := false
	for i := range v.items {
		if c.anyValue(&v.items[i], ctx) {
			any = true
			break
		}
	}
	return any != c.Negated
}
