package policygen

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// multiValued are the condition keys whose value is a set even when a log
// line writes one value as a plain string.
var multiValued = map[string]bool{
	"kms:resourcealiases": true, "kms:encryptioncontextkeys": true, "kms:grantoperations": true,
	"aws:tagkeys": true, "aws:calledvia": true, "aws:principalservicenameslist": true, "aws:principalorgpaths": true,
}

func valueOf(key string, v any) iampolicy.Value {
	if multiValued[strings.ToLower(key)] {
		return iampolicy.StringSet(asStrings(v)...)
	}
	switch t := v.(type) {
	case bool:
		return iampolicy.Bool(t)
	case float64:
		return iampolicy.Number(t)
	case []any, []string:
		return iampolicy.StringSet(asStrings(t)...)
	}
	ss := asStrings(v)
	if len(ss) == 1 {
		return iampolicy.String(ss[0])
	}
	return iampolicy.StringSet(ss...)
}

// callOf turns a record into the calls' checks, each with the context it
// was decided with: the logged condition keys, kms:ResourceAliases from the
// key's aliases and kms:RequestAlias from the alias the call named (on the
// first key the call touched; a second key's aliases are not logged and
// count as none), and the keys AWS derives from the caller's ARN.
//
// With --account or --region (and not --exact) the call is moved there: its
// key and alias ARNs and the caller's account, so that it is replayed where
// the policy is meant to be used.
func callOf(r *read, opts Options) Call {
	move := func(s string) string { return s }
	if !opts.Exact && (opts.Account != "" || opts.Region != "") {
		move = func(s string) string { return moveARN(s, opts.Account, opts.Region) }
	}
	c := Call{RequestID: r.rec.RequestID, Operation: r.operation(), Principal: move(r.rec.Principal), Decision: r.rec.Decision}
	for _, ch := range r.checks {
		ctx := iampolicy.Context{}
		for k, v := range r.ctx {
			ctx.Set(k, valueOf(k, v))
		}
		delete(ctx, "kms:resourcealiases")
		delete(ctx, "kms:requestalias")
		if c.Principal != r.rec.Principal {
			for _, k := range []string{"aws:principalarn", "aws:principalaccount", "aws:username", "kms:calleraccount"} {
				delete(ctx, k)
			}
			if ch.key {
				ctx.Set("kms:CallerAccount", iampolicy.String(accountOf(c.Principal)))
			}
		}
		if ch.key {
			var aliases []string
			if ch.primary {
				for _, a := range r.rec.KeyAliases {
					aliases = append(aliases, aliasName(a))
				}
				if r.reqAlias != "" {
					ctx.Set("kms:RequestAlias", iampolicy.String(r.reqAlias))
				}
			}
			ctx.Set("kms:ResourceAliases", iampolicy.StringSet(aliases...))
		}
		authz.AddCallerKeys(ctx, r.rec.Principal)
		c.Checks = append(c.Checks, CallCheck{Action: ch.action, Resource: move(ch.resource), Context: ctx})
	}
	return c
}

// Evaluate decides one call with the given identity policies as `kmsgate
// policy simulate` does each of its checks (authz.Answer, the default key
// policy of the key's account for key ARNs, identity policies alone
// otherwise). It returns the first check that is not allowed, or ok.
func Evaluate(c *Call, identity []*iampolicy.Policy) (denied authz.Check, ok bool) {
	for _, ch := range c.Checks {
		a := authz.Answer(authz.Question{Action: ch.Action, Resource: ch.Resource, Principal: c.Principal,
			IdentityPolicies: identity, Context: ch.Context, NoKey: !isKeyARN(ch.Resource)})
		if a.Decision != iampolicy.Allow {
			return a, false
		}
	}
	return authz.Check{}, true
}

func accountOf(arn string) string {
	a, _ := parseARN(arn)
	return a.Account
}

// moveARN replaces the account (when account is set) and, for a KMS ARN,
// the region (when region is set) of an ARN; anything else is unchanged.
func moveARN(s, account, region string) string {
	a, ok := parseARN(s)
	if !ok {
		return s
	}
	if account != "" && account != "*" && a.Account != "" {
		a.Account = account
	}
	if region != "" && region != "*" && a.Service == "kms" {
		a.Region = region
	}
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// identity returns the document as the caller's identity policies: none for
// a document without statements.
func (d *Document) identity(name string) ([]*iampolicy.Policy, error) {
	if len(d.Statement) == 0 {
		return nil, nil
	}
	p, err := d.Parse(name)
	if err != nil {
		return nil, err
	}
	return []*iampolicy.Policy{p}, nil
}

// Parse reads a document back as a policy for evaluation.
func (d *Document) Parse(name string) (*iampolicy.Policy, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return iampolicy.Parse(name, b)
}

// callKey identifies a call for evaluation: principal, checks and context
// without the clock keys (which no generated statement reads).
func callKey(c *Call) string {
	var b strings.Builder
	b.WriteString(c.Principal)
	for _, ch := range c.Checks {
		b.WriteString("\x00" + ch.Action + "\x00" + ch.Resource)
		keys := make([]string, 0, len(ch.Context))
		for k := range ch.Context {
			if k != "aws:currenttime" && k != "aws:epochtime" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ch.Context[k]
			b.WriteString("\x01" + k + "=" + strings.Join(v.Strings(), "\x02"))
			if v.IsSet() {
				b.WriteString("[]")
			}
		}
	}
	return b.String()
}

// uniqueIndex returns the index of one representative per distinct call,
// and for every call the position of its representative in reps.
func uniqueIndex(calls []Call) (reps []int, repOf []int) {
	seen := map[string]int{}
	repOf = make([]int, len(calls))
	for i := range calls {
		k := callKey(&calls[i])
		r, ok := seen[k]
		if !ok {
			r = len(reps)
			seen[k] = r
			reps = append(reps, i)
		}
		repOf[i] = r
	}
	return reps, repOf
}

// unique returns one call per distinct callKey: the representatives trial
// evaluations need.
func unique(calls []Call) []*Call {
	reps, _ := uniqueIndex(calls)
	out := make([]*Call, len(reps))
	for i, r := range reps {
		out[i] = &calls[r]
	}
	return out
}

func allowsAll(doc Document, calls []*Call) bool {
	ids, err := doc.identity("trial")
	if err != nil {
		return false
	}
	for _, c := range calls {
		if _, ok := Evaluate(c, ids); !ok {
			return false
		}
	}
	return true
}

// minimize drops every action of every statement that the calls the whole
// policy allows do not need, trying the last statements first: what is left
// is needed, statement by statement.
func minimize(specs []*statementSpec, calls []Call) {
	uniq := unique(calls)
	trial := buildDocument(specs, false)
	ids, err := trial.identity("trial")
	if err != nil {
		return
	}
	var allowed []*Call
	for _, c := range uniq {
		if _, ok := Evaluate(c, ids); ok {
			allowed = append(allowed, c)
		}
	}
	for i := len(specs) - 1; i >= 0; i-- {
		s := specs[i]
		for j := 0; j < len(s.actions); {
			keep := s.actions
			s.actions = append(append([]string{}, keep[:j]...), keep[j+1:]...)
			if allowsAll(buildDocument(specs, false), allowed) {
				continue
			}
			s.actions = keep
			j++
		}
	}
}

// DeniedCall is a recorded call a policy does not allow.
type DeniedCall struct {
	Call Call
	// Action and Resource of the first check denied; Message is AWS's text,
	// Reason the evaluation's explanation.
	Action, Resource, Message, Reason string
}

// StatementUse says how many recorded calls need one statement: the calls
// denied once it is removed.
type StatementUse struct {
	Index  int
	Sid    string
	Needed int
	// First is the first call denied without the statement.
	First *Call
}

// CheckReport is what --check found.
type CheckReport struct {
	Calls      int
	Denied     []DeniedCall
	Statements []StatementUse
}

// OK reports whether every call is allowed and every statement is needed.
func (r *CheckReport) OK() bool {
	if len(r.Denied) > 0 {
		return false
	}
	for _, s := range r.Statements {
		if s.Needed == 0 {
			return false
		}
	}
	return true
}

// Check replays every call with doc as the caller's only identity policy,
// then again without each statement in turn.
func Check(doc Document, calls []Call) (*CheckReport, error) {
	ids, err := doc.identity("generated policy")
	if err != nil {
		return nil, err
	}
	rep := &CheckReport{Calls: len(calls)}
	// Calls that differ only in their clock keys decide alike: evaluate one
	// of each.
	reps, repOf := uniqueIndex(calls)
	ok := make([]bool, len(reps))
	denied := make([]authz.Check, len(reps))
	for r, i := range reps {
		denied[r], ok[r] = Evaluate(&calls[i], ids)
	}
	for i := range calls {
		if r := repOf[i]; !ok[r] {
			d := denied[r]
			rep.Denied = append(rep.Denied, DeniedCall{Call: calls[i], Action: d.Action, Resource: d.Resource, Message: d.Message, Reason: d.Reason})
		}
	}
	for si, st := range doc.Statement {
		without := Document{Version: doc.Version, Statement: append(append([]Statement{}, doc.Statement[:si]...), doc.Statement[si+1:]...)}
		wids, err := without.identity("generated policy without " + st.Sid)
		if err != nil {
			return nil, err
		}
		use := StatementUse{Index: si, Sid: st.Sid}
		lost := make([]bool, len(reps))
		for r, i := range reps {
			if ok[r] {
				_, allowed := Evaluate(&calls[i], wids)
				lost[r] = !allowed
			}
		}
		for i := range calls {
			if lost[repOf[i]] {
				use.Needed++
				if use.First == nil {
					use.First = &calls[i]
				}
			}
		}
		rep.Statements = append(rep.Statements, use)
	}
	return rep, nil
}
