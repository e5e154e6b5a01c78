package iampolicy

import (
	"strconv"
	"strings"
)

// Decision is the outcome of an evaluation.
type Decision uint8

// The three outcomes.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Request is one question to the evaluator: may Principal perform Action on
// Resource, given the condition keys in Context?
type Request struct {
	Action    string
	Resource  string
	Principal string
	Context   Context
}

// StatementRef names one statement that took part in a decision.
type StatementRef struct {
	Policy string `json:"policy"`
	Index  int    `json:"index"`
	Sid    string `json:"sid"`
	Effect string `json:"effect"`
}

func (r StatementRef) String() string {
	var b strings.Builder
	r.writeTo(&b)
	return b.String()
}

func (r StatementRef) writeTo(b *strings.Builder) {
	var num [24]byte
	b.Grow(len(r.Effect) + len(r.Sid) + len(r.Policy) + 48)
	b.WriteString(r.Effect)
	b.WriteString(" Statement[")
	b.Write(strconv.AppendInt(num[:0], int64(r.Index), 10))
	b.WriteString("]")
	if r.Sid != "" {
		b.WriteString(" (Sid ")
		b.Write(strconv.AppendQuote(num[:0], r.Sid))
		b.WriteString(")")
	}
	b.WriteString(" of policy ")
	b.Write(strconv.AppendQuote(num[:0], r.Policy))
}

// PrincipalMatch says how a resource-policy statement's principal matched.
type PrincipalMatch uint8

// How a principal matched.
const (
	// NoPrincipalMatch: the statement does not apply to the caller.
	NoPrincipalMatch PrincipalMatch = iota
	// PrincipalDirect: the statement names the caller (or "*"), or, in an
	// identity policy, there is no Principal to check.
	PrincipalDirect
	// PrincipalAccount: the statement names the caller's account; in a
	// resource policy that delegates to the account's IAM policies.
	PrincipalAccount
)

// Match is one statement that applies to a request.
type Match struct {
	Ref       StatementRef
	Effect    Effect
	Principal PrincipalMatch
}

// Matches returns the statements of p that apply to req. For a resource
// policy (resource true) each statement's Principal / NotPrincipal must
// match req.Principal; in an identity policy they are not consulted.
// Matches are appended to dst, which may be nil.
func (p *Policy) Matches(req *Request, resource bool, dst []Match) []Match {
	for i := range p.Statements {
		s := &p.Statements[i]
		pm := PrincipalDirect
		if resource {
			pm = s.principalMatch(req.Principal)
			if pm == NoPrincipalMatch {
				continue
			}
		}
		if !s.matches(req) {
			continue
		}
		dst = append(dst, Match{
			Ref:       StatementRef{Policy: p.Name, Index: s.Index, Sid: s.Sid, Effect: s.Effect.String()},
			Effect:    s.Effect,
			Principal: pm,
		})
	}
	return dst
}

// matches checks action, resource and conditions (not the principal).
func (s *Statement) matches(req *Request) bool {
	hit := false
	for i := range s.actions {
		if s.actions[i].match(req.Action, true) {
			hit = true
			break
		}
	}
	if hit == s.NotAction {
		return false
	}
	hit = false
	for i := range s.resources {
		p, ok := s.resources[i].expand(req.Context)
		if ok && arnMatch(p, req.Resource) {
			hit = true
			break
		}
	}
	if hit == s.NotResource {
		return false
	}
	for i := range s.Conditions {
		if !s.Conditions[i].eval(req.Context) {
			return false
		}
	}
	return true
}

func (s *Statement) principalMatch(caller string) PrincipalMatch {
	if s.Principal != nil {
		return s.Principal.match(caller)
	}
	if s.NotPrincipal != nil {
		if s.NotPrincipal.match(caller) != NoPrincipalMatch {
			return NoPrincipalMatch
		}
		return PrincipalDirect
	}
	return NoPrincipalMatch
}

// match reports how caller matches the principal element.
func (p *Principal) match(caller string) PrincipalMatch {
	best := NoPrincipalMatch
	for _, a := range p.AWS {
		switch m := awsPrincipalMatch(a, caller); m {
		case PrincipalDirect:
			return m
		case PrincipalAccount:
			best = m
		}
	}
	for _, l := range [...][]string{p.Service, p.Federated, p.CanonicalUser} {
		for _, a := range l {
			if a == "*" || a == caller {
				return PrincipalDirect
			}
		}
	}
	return best
}

func awsPrincipalMatch(p, caller string) PrincipalMatch {
	if p == "*" || p == caller {
		return PrincipalDirect
	}
	c, _ := ParseARN(caller)
	if isAccountID(p) {
		if c.Account != "" && p == c.Account {
			return PrincipalAccount
		}
		return NoPrincipalMatch
	}
	pa, ok := ParseARN(p)
	if !ok || pa.Account != c.Account {
		return NoPrincipalMatch
	}
	if pa.Resource == "root" && pa.Service == "iam" {
		return PrincipalAccount
	}
	// A role ARN matches the sessions of that role.
	if c.Service == "sts" && strings.HasPrefix(c.Resource, "assumed-role/") && pa.Service == "iam" && strings.HasPrefix(pa.Resource, "role/") {
		role, _, _ := strings.Cut(strings.TrimPrefix(c.Resource, "assumed-role/"), "/")
		name := pa.Resource[strings.LastIndexByte(pa.Resource, '/')+1:]
		if role == name {
			return PrincipalDirect
		}
	}
	return NoPrincipalMatch
}

// Set is the policies that apply to one request in one account.
type Set struct {
	// Identity holds the caller's identity-based policies.
	Identity []*Policy
	// Resource holds the resource-based policies of the resource.
	Resource []*Policy
}

// Result is a decision with the statements that decided it and the reason
// in words.
type Result struct {
	Decision Decision
	// Statements are the deciding statements: every matching Deny for an
	// ExplicitDeny, the allowing statements for an Allow, none for an
	// ImplicitDeny.
	Statements []StatementRef
	Reason     string
}

// Evaluate decides req against the policies of set as AWS does within one
// account: any matching Deny is an ExplicitDeny; otherwise an Allow in an
// identity policy, or in a resource policy that names the caller, allows;
// otherwise ImplicitDeny. A resource-policy Allow that names only the
// caller's account delegates to identity policies and allows nothing alone.
func Evaluate(req *Request, set Set) Result {
	var buf [8]Match
	ms := buf[:0]
	for _, p := range set.Identity {
		ms = p.Matches(req, false, ms)
	}
	nIdentity := len(ms)
	for _, p := range set.Resource {
		ms = p.Matches(req, true, ms)
	}
	var res Result
	for i := range ms {
		if ms[i].Effect == EffectDeny {
			res.Statements = append(res.Statements, ms[i].Ref)
		}
	}
	if len(res.Statements) > 0 {
		res.Decision = ExplicitDeny
		res.Reason = reasonFor("explicitly denied by ", res.Statements)
		return res
	}
	for i := range ms {
		if ms[i].Effect == EffectAllow && (i < nIdentity || ms[i].Principal == PrincipalDirect) {
			res.Statements = append(res.Statements, ms[i].Ref)
		}
	}
	if len(res.Statements) > 0 {
		res.Decision = Allow
		res.Reason = reasonFor("allowed by ", res.Statements)
		return res
	}
	res.Decision = ImplicitDeny
	res.Reason = "no statement allows " + req.Action + " on " + req.Resource
	return res
}

// reasonFor is prefix followed by the statements, separated by "; ".
func reasonFor(prefix string, refs []StatementRef) string {
	var b strings.Builder
	b.Grow(len(prefix) + 96*len(refs))
	b.WriteString(prefix)
	for i, r := range refs {
		if i > 0 {
			b.WriteString("; ")
		}
		r.writeTo(&b)
	}
	return b.String()
}
