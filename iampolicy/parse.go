package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Effect is a statement's effect.
type Effect uint8

// The two effects.
const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "Effect(" + strconv.Itoa(int(e)) + ")"
}

// Policy is one parsed policy document. It is immutable once parsed.
type Policy struct {
	// Name names the policy in decisions and errors (a file name, a policy
	// name); Parse's caller chooses it.
	Name string
	// Version is "2012-10-17", "2008-10-17" or empty. Policy variables are
	// live only under 2012-10-17.
	Version string
	// ID is the optional Id element.
	ID         string
	Statements []Statement

	// reads are the condition keys the statements read, in lower case
	// (reads.go); readsKnown is false for a Policy not made by Parse.
	reads      []string
	readsKnown bool
}

// Principal is a Principal or NotPrincipal element. "*" is AWS: ["*"].
type Principal struct {
	AWS, Service, Federated, CanonicalUser []string
}

// Statement is one statement of a policy.
type Statement struct {
	// Index is the statement's position in the Statement array (0 when the
	// element was a single object).
	Index  int
	Sid    string
	Effect Effect
	// Principal and NotPrincipal are nil when absent.
	Principal, NotPrincipal *Principal
	// Actions holds Action, or NotAction when NotAction is true.
	Actions   []string
	NotAction bool
	// Resources holds Resource, or NotResource when NotResource is true;
	// empty when the statement has neither.
	Resources   []string
	NotResource bool
	Conditions  []Condition

	actions   []pattern
	resources []template
}

// ParseError says why a document is not a policy AWS would accept: which
// statement (index and Sid) and which element.
type ParseError struct {
	Policy string
	// Index is the statement's index, -1 for the document itself.
	Index   int
	Sid     string
	Element string
	Msg     string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Policy != "" {
		b.WriteString("policy ")
		b.WriteString(strconv.Quote(e.Policy))
		b.WriteString(": ")
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, "Statement[%d]", e.Index)
		if e.Sid != "" {
			fmt.Fprintf(&b, " (Sid %q)", e.Sid)
		}
		b.WriteString(": ")
	}
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

var topElements = map[string]bool{"Version": true, "Id": true, "Statement": true}

var statementElements = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true,
	"Action": true, "NotAction": true, "Resource": true, "NotResource": true,
	"Condition": true,
}

// Parse parses one policy document as AWS does, naming it name.
func Parse(name string, doc []byte) (*Policy, error) {
	top := func(elem, format string, args ...any) error {
		return &ParseError{Policy: name, Index: -1, Element: elem, Msg: fmt.Sprintf(format, args...)}
	}
	var raw map[string]json.RawMessage
	if err := strictUnmarshal(doc, &raw); err != nil {
		return nil, top("", "not a JSON object: %v", err)
	}
	if raw == nil {
		return nil, top("", "not a JSON object")
	}
	for _, k := range sortedKeys(raw) {
		if !topElements[k] {
			return nil, top(k, "unknown element")
		}
	}
	p := &Policy{Name: name}
	if v, ok := raw["Version"]; ok {
		if err := json.Unmarshal(v, &p.Version); err != nil {
			return nil, top("Version", "must be a string")
		}
		if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
			return nil, top("Version", "%q is not a policy version (2012-10-17 or 2008-10-17)", p.Version)
		}
	}
	if v, ok := raw["Id"]; ok {
		if err := json.Unmarshal(v, &p.ID); err != nil {
			return nil, top("Id", "must be a string")
		}
	}
	st, ok := raw["Statement"]
	if !ok {
		return nil, top("Statement", "missing")
	}
	var list []json.RawMessage
	switch firstByte(st) {
	case '[':
		if err := json.Unmarshal(st, &list); err != nil {
			return nil, top("Statement", "must be an object or an array of objects")
		}
	case '{':
		list = []json.RawMessage{st}
	default:
		return nil, top("Statement", "must be an object or an array of objects")
	}
	if len(list) == 0 {
		return nil, top("Statement", "has no statements")
	}
	vars := p.Version == "2012-10-17"
	sids := map[string]bool{}
	for i, m := range list {
		s, err := parseStatement(name, i, m, vars)
		if err != nil {
			return nil, err
		}
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, &ParseError{Policy: name, Index: i, Sid: s.Sid, Element: "Sid", Msg: "duplicate Sid in the policy"}
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	p.collectReads()
	return p, nil
}

func strictUnmarshal(doc []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(doc))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the document")
	}
	return nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func parseStatement(name string, i int, m json.RawMessage, vars bool) (Statement, error) {
	s := Statement{Index: i}
	fail := func(elem, format string, args ...any) error {
		return &ParseError{Policy: name, Index: i, Sid: s.Sid, Element: elem, Msg: fmt.Sprintf(format, args...)}
	}
	var raw map[string]json.RawMessage
	if firstByte(m) != '{' || json.Unmarshal(m, &raw) != nil {
		return s, fail("", "a statement must be a JSON object")
	}
	if v, ok := raw["Sid"]; ok {
		if json.Unmarshal(v, &s.Sid) != nil {
			return s, fail("Sid", "must be a string")
		}
	}
	for _, k := range sortedKeys(raw) {
		if !statementElements[k] {
			return s, fail(k, "unknown element")
		}
	}
	ev, ok := raw["Effect"]
	if !ok {
		return s, fail("Effect", "missing (every statement needs Effect Allow or Deny)")
	}
	var effect string
	if json.Unmarshal(ev, &effect) != nil {
		return s, fail("Effect", "must be a string")
	}
	switch effect {
	case "Allow":
		s.Effect = EffectAllow
	case "Deny":
		s.Effect = EffectDeny
	default:
		return s, fail("Effect", "%q is neither Allow nor Deny", effect)
	}

	// Principal / NotPrincipal.
	_, hasP := raw["Principal"]
	_, hasNP := raw["NotPrincipal"]
	if hasP && hasNP {
		return s, fail("NotPrincipal", "a statement cannot have both Principal and NotPrincipal")
	}
	for _, el := range [...]string{"Principal", "NotPrincipal"} {
		v, ok := raw[el]
		if !ok {
			continue
		}
		pr, err := parsePrincipal(v)
		if err != nil {
			return s, fail(el, "%s", err.Error())
		}
		if el == "Principal" {
			s.Principal = pr
		} else {
			s.NotPrincipal = pr
		}
	}

	// Action / NotAction.
	av, hasA := raw["Action"]
	nav, hasNA := raw["NotAction"]
	switch {
	case hasA && hasNA:
		return s, fail("NotAction", "a statement cannot have both Action and NotAction")
	case !hasA && !hasNA:
		return s, fail("Action", "missing (every statement needs Action or NotAction)")
	}
	elem, v := "Action", av
	if hasNA {
		elem, v, s.NotAction = "NotAction", nav, true
	}
	acts, err := stringOrList(v)
	if err != nil {
		return s, fail(elem, "%s", err.Error())
	}
	for _, a := range acts {
		if a != "*" && (!strings.Contains(a, ":") || strings.HasPrefix(a, ":") || strings.HasSuffix(a, ":")) {
			return s, fail(elem, "%q is not an action (service:Action or *)", a)
		}
		s.actions = append(s.actions, globPattern(a))
	}
	s.Actions = acts

	// Resource / NotResource.
	rv, hasR := raw["Resource"]
	nrv, hasNR := raw["NotResource"]
	switch {
	case hasR && hasNR:
		return s, fail("NotResource", "a statement cannot have both Resource and NotResource")
	case !hasR && !hasNR:
		return s, fail("Resource", "missing (every statement needs Resource or NotResource)")
	}
	elem, v = "Resource", rv
	if hasNR {
		elem, v, s.NotResource = "NotResource", nrv, true
	}
	res, err := stringOrList(v)
	if err != nil {
		return s, fail(elem, "%s", err.Error())
	}
	for _, r := range res {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return s, fail(elem, "%q is not an ARN or *", r)
		}
		s.resources = append(s.resources, compileTemplate(r, vars, true))
	}
	s.Resources = res

	if cv, ok := raw["Condition"]; ok {
		conds, err := parseConditions(cv, vars)
		if err != nil {
			return s, fail("Condition", "%s", err.Error())
		}
		s.Conditions = conds
	}
	return s, nil
}

// stringOrList reads a string or a non-empty array of strings.
func stringOrList(v json.RawMessage) ([]string, error) {
	switch firstByte(v) {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		if s == "" {
			return nil, fmt.Errorf("must not be empty")
		}
		return []string{s}, nil
	case '[':
		var l []string
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, fmt.Errorf("must be a string or an array of strings")
		}
		if len(l) == 0 {
			return nil, fmt.Errorf("must not be an empty array")
		}
		for _, s := range l {
			if s == "" {
				return nil, fmt.Errorf("must not hold an empty string")
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("must be a string or an array of strings")
}

func parsePrincipal(v json.RawMessage) (*Principal, error) {
	switch firstByte(v) {
	case '"':
		var s string
		json.Unmarshal(v, &s)
		if s != "*" {
			return nil, fmt.Errorf("a string principal must be \"*\", got %q", s)
		}
		return &Principal{AWS: []string{"*"}}, nil
	case '{':
	default:
		return nil, fmt.Errorf("must be \"*\" or an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("must be \"*\" or an object")
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("names no principal")
	}
	p := &Principal{}
	for _, k := range sortedKeys(m) {
		l, err := stringOrList(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s %s", k, err.Error())
		}
		switch k {
		case "AWS":
			for _, a := range l {
				if a != "*" && !strings.HasPrefix(a, "arn:") && !isAccountID(a) {
					return nil, fmt.Errorf("AWS %q is not an ARN, an account id or *", a)
				}
			}
			p.AWS = l
		case "Service":
			p.Service = l
		case "Federated":
			p.Federated = l
		case "CanonicalUser":
			p.CanonicalUser = l
		default:
			return nil, fmt.Errorf("unknown principal type %q", k)
		}
	}
	return p, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckIdentity returns an error naming the first statement that an
// identity-based policy cannot have: one with Principal or NotPrincipal.
func (p *Policy) CheckIdentity() error {
	for i := range p.Statements {
		s := &p.Statements[i]
		for _, el := range [...]struct {
			name string
			set  bool
		}{{"Principal", s.Principal != nil}, {"NotPrincipal", s.NotPrincipal != nil}} {
			if el.set {
				return &ParseError{Policy: p.Name, Index: s.Index, Sid: s.Sid, Element: el.name,
					Msg: "an identity-based policy must not name a principal"}
			}
		}
	}
	return nil
}

// CheckResource returns an error naming the first statement that a
// resource-based policy (a key policy) cannot have: one without Principal
// or NotPrincipal.
func (p *Policy) CheckResource() error {
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Principal == nil && s.NotPrincipal == nil {
			return &ParseError{Policy: p.Name, Index: s.Index, Sid: s.Sid, Element: "Principal",
				Msg: "missing (every statement of a resource-based policy needs Principal or NotPrincipal)"}
		}
	}
	return nil
}
