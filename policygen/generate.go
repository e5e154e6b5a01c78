// Package policygen turns kmsgate decision logs (authz.LogRecord lines) into
// a least-privilege identity-based policy (`kmsgate policy generate`) and
// into a report of the calls a policy would deny (`kmsgate policy report`).
//
// It is pure: it reads records the caller parsed, and returns documents and
// findings; the caller does the I/O. A generated policy is proved against the
// records it came from with the same evaluation `kmsgate policy simulate`
// uses (authz.Answer with the account's default key policy).
package policygen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// Options control generation.
type Options struct {
	// Principal limits the policy to one caller's records (its ARN; a role
	// ARN also takes the role's assumed-role sessions). Empty: every
	// principal in the logs.
	Principal string
	// Account and Region fill the account and region fields of the
	// portable key and alias ARNs (default "*").
	Account, Region string
	// Exact names every key and alias by its recorded ARN.
	Exact bool
	// ContextConditions adds a kms:EncryptionContextKeys condition for the
	// encryption context keys every recorded call of an action used.
	ContextConditions bool
}

// Result is a generated policy with what went into it.
type Result struct {
	Document Document
	// Warnings are for a human: keys named by ARN because they carry no
	// alias, records that could not be used, explicit denies.
	Warnings []string
	// Calls are the recorded calls the policy must allow, one per record
	// used (grant-allowed calls and calls that were never decided are left
	// out).
	Calls []Call
}

// Call is one recorded call to replay: every check it needed, each with the
// condition keys it was decided with.
type Call struct {
	RequestID string
	Operation string
	Principal string
	// Decision is the recorded decision.
	Decision string
	Checks   []CallCheck
}

// CallCheck is one action on one resource of a call.
type CallCheck struct {
	Action, Resource string
	Context          iampolicy.Context
}

func (c Call) String() string {
	var parts []string
	for _, ch := range c.Checks {
		parts = append(parts, ch.Action+" on "+ch.Resource)
	}
	s := c.Operation + " by " + c.Principal + " (" + strings.Join(parts, ", ") + ")"
	if c.RequestID != "" {
		s += " request " + c.RequestID
	}
	return s
}

// kind is how a statement names the resources it covers.
type kind uint8

const (
	// kindStar: "Resource": "*" (operations AWS authorizes on *).
	kindStar kind = iota
	// kindAlias: alias ARNs (the alias side of CreateAlias, UpdateAlias,
	// DeleteAlias).
	kindAlias
	// kindRequestAlias: any key, kms:RequestAlias like the aliases.
	kindRequestAlias
	// kindAliasesAny: any key, ForAnyValue:StringLike kms:ResourceAliases.
	kindAliasesAny
	// kindAliasesAll: any key whose aliases (none yet included) all match:
	// ForAllValues:StringLike kms:ResourceAliases. For calls made on a key
	// before it got its alias (the key side of CreateAlias).
	kindAliasesAll
	// kindARN: the recorded ARNs.
	kindARN
)

// read is one record as the generator sees it.
type read struct {
	rec      *authz.LogRecord
	checks   []rcheck
	ctx      map[string]any
	primary  string // the key ARN of the first key check, or ""
	reqAlias string
}

type rcheck struct {
	action, resource string
	key, alias       bool
	primary          bool
}

// Decisions the log holds for a judged call.
const (
	decAllow        = "Allow"
	decImplicitDeny = "ImplicitDeny"
	decExplicitDeny = "ExplicitDeny"
)

func judged(d string) bool { return d == decAllow || d == decImplicitDeny || d == decExplicitDeny }

func parseARN(s string) (iampolicy.ARN, bool) { return iampolicy.ParseARN(s) }

func isKeyARN(s string) bool {
	a, ok := parseARN(s)
	return ok && a.Service == "kms" && strings.HasPrefix(a.Resource, "key/")
}

func isAliasARN(s string) bool {
	a, ok := parseARN(s)
	return ok && a.Service == "kms" && strings.HasPrefix(a.Resource, "alias/")
}

// aliasName returns "alias/x" from an alias name or alias ARN, or "".
func aliasName(s string) string {
	if strings.HasPrefix(s, "alias/") {
		return s
	}
	if a, ok := parseARN(s); ok && strings.HasPrefix(a.Resource, "alias/") {
		return a.Resource
	}
	return ""
}

// setsRequestAlias mirrors authz: the operations for which AWS sets
// kms:RequestAlias when KeyId names an alias.
func setsRequestAlias(op string) bool {
	switch op {
	case "Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify", "GenerateMac", "VerifyMac",
		"DeriveSharedSecret", "DescribeKey", "GetPublicKey":
		return true
	}
	return strings.HasPrefix(op, "GenerateDataKey")
}

// contextKey returns the value of a condition key of a record, whatever
// its case.
func contextKey(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func asStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case []string:
		return t
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

func readRecord(rec *authz.LogRecord) read {
	r := read{rec: rec, ctx: rec.Context}
	op := rec.Operation
	if op == "" {
		op = strings.TrimPrefix(rec.Action, "kms:")
	}
	if len(rec.Checks) > 0 {
		for _, c := range rec.Checks {
			r.checks = append(r.checks, rcheck{action: c.Action, resource: c.Resource})
		}
	} else {
		switch {
		case op == "ReEncrypt" && len(rec.Resources) == 2:
			r.checks = []rcheck{{action: "kms:ReEncryptFrom", resource: rec.Resources[0]}, {action: "kms:ReEncryptTo", resource: rec.Resources[1]}}
		case len(rec.Resources) == 0:
			r.checks = []rcheck{{action: "kms:" + op, resource: "*"}}
		default:
			for _, res := range rec.Resources {
				r.checks = append(r.checks, rcheck{action: "kms:" + op, resource: res})
			}
		}
		if op == "CreateKey" {
			if _, ok := contextKey(rec.Context, "aws:TagKeys"); ok {
				r.checks = append(r.checks, rcheck{action: "kms:TagResource", resource: "*"})
			}
		}
	}
	for i := range r.checks {
		c := &r.checks[i]
		c.key, c.alias = isKeyARN(c.resource), isAliasARN(c.resource)
		if c.key && r.primary == "" {
			r.primary, c.primary = c.resource, true
		}
	}
	if v, ok := contextKey(rec.Context, "kms:RequestAlias"); ok {
		if ss := asStrings(v); len(ss) == 1 {
			r.reqAlias = aliasName(ss[0])
		}
	} else if rec.ViaAlias != "" && setsRequestAlias(op) {
		r.reqAlias = aliasName(rec.ViaAlias)
	}
	return r
}

func (r *read) operation() string {
	if r.rec.Operation != "" {
		return r.rec.Operation
	}
	return strings.TrimPrefix(r.rec.Action, "kms:")
}

// grantAllowed reports whether a grant decided an allowed call: the caller
// needs no identity statement for it.
func grantAllowed(rec *authz.LogRecord) bool {
	if rec.Decision != decAllow || len(rec.Statements) == 0 {
		return false
	}
	for _, s := range rec.Statements {
		if !strings.HasPrefix(s.Policy, "grant:") {
			return false
		}
	}
	return true
}

// principalMatches reports whether a record's caller is want: the same ARN,
// or a session of the role want names.
func principalMatches(caller, want string) bool {
	if want == "" || caller == want {
		return true
	}
	a, ok := parseARN(caller)
	if !ok || a.Service != "sts" || !strings.HasPrefix(a.Resource, "assumed-role/") {
		return false
	}
	role, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
	return want == "arn:"+a.Partition+":iam::"+a.Account+":role/"+role
}

// keyNames is what the logs say about each key's aliases.
type keyNames struct {
	all map[string]map[string]bool // key ARN -> every alias seen on it
	via map[string]map[string]bool // key ARN -> aliases calls named it by
}

func addName(m map[string]map[string]bool, key, name string) {
	if name == "" {
		return
	}
	if m[key] == nil {
		m[key] = map[string]bool{}
	}
	m[key][name] = true
}

func learnNames(reads []read) keyNames {
	kn := keyNames{all: map[string]map[string]bool{}, via: map[string]map[string]bool{}}
	for i := range reads {
		r := &reads[i]
		if r.primary != "" {
			for _, a := range r.rec.KeyAliases {
				addName(kn.all, r.primary, aliasName(a))
			}
			via := r.reqAlias
			if via == "" {
				via = aliasName(r.rec.ViaAlias)
			}
			addName(kn.all, r.primary, via)
			addName(kn.via, r.primary, via)
		}
		switch r.operation() {
		case "CreateAlias", "UpdateAlias":
			// The alias ends on the (last) key the call names.
			var alias, key string
			for _, c := range r.checks {
				if c.alias && alias == "" {
					alias = aliasName(c.resource)
				}
				if c.key {
					key = c.resource
				}
			}
			if key != "" {
				addName(kn.all, key, alias)
			}
		}
	}
	return kn
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// preferred are the aliases to name a key by: the ones calls used, else all.
func (kn keyNames) preferred(key string) []string {
	if len(kn.via[key]) > 0 {
		return sortedSet(kn.via[key])
	}
	return sortedSet(kn.all[key])
}

// entry collects the needs of one action under one kind of selector and one
// extra condition.
type entry struct {
	kind   kind
	action string
	// names are alias names (alias-based kinds); arns the ARNs (kindARN,
	// or kindAlias with Exact).
	names, arns map[string]bool
	cond        Condition
	condKey     string
	// tags are the tag conditions every call of the entry met
	// (aws:RequestTag/K of CreateKey, aws:ResourceTag/K of a key without
	// its alias yet): keys common to all calls, values of any of them.
	tags     map[string]map[string]bool
	tagsSeen bool
}

// noteTags narrows the entry's tag conditions to the keys pairs has too.
func (e *entry) noteTags(pairs map[string]string) {
	if !e.tagsSeen {
		e.tagsSeen = true
		e.tags = map[string]map[string]bool{}
		for k, v := range pairs {
			e.tags[k] = map[string]bool{v: true}
		}
		return
	}
	for k := range e.tags {
		v, ok := pairs[k]
		if !ok {
			delete(e.tags, k)
			continue
		}
		e.tags[k][v] = true
	}
}

// tagPairs returns the record's condition keys under prefix (compared
// without case), spelled prefix+TAG, with their string values.
func tagPairs(ctx map[string]any, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range ctx {
		if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			if ss := asStrings(v); len(ss) == 1 {
				out[prefix+k[len(prefix):]] = ss[0]
			}
		}
	}
	return out
}

// eKey identifies an entry.
type eKey struct {
	kind    kind
	action  string
	condKey string
}

// contextKeysOf returns the encryption context keys of a record, as spelled.
func contextKeysOf(m map[string]any) []string {
	if v, ok := contextKey(m, "kms:EncryptionContextKeys"); ok {
		ks := asStrings(v)
		sort.Strings(ks)
		return ks
	}
	var ks []string
	for k := range m {
		if len(k) > len("kms:encryptioncontext:") && strings.EqualFold(k[:len("kms:encryptioncontext:")], "kms:encryptioncontext:") {
			ks = append(ks, k[len("kms:encryptioncontext:"):])
		}
	}
	sort.Strings(ks)
	return ks
}

// contextActions are the actions --context-conditions constrains: the
// cryptographic operations whose encryption context is the data's.
var contextActions = map[string]bool{
	"kms:Encrypt": true, "kms:Decrypt": true, "kms:GenerateDataKey": true,
	"kms:GenerateDataKeyWithoutPlaintext": true, "kms:GenerateDataKeyPair": true,
	"kms:GenerateDataKeyPairWithoutPlaintext": true,
}

func intersect(a []string, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// generator holds one generation's state.
type generator struct {
	opts      Options
	names     keyNames
	partition string
	warnings  []string
	warned    map[string]bool
	ecKeys    map[string][]string // action -> keys every call used
	entries   map[eKey]*entry
}

func (g *generator) warn(key, format string, args ...any) {
	if g.warned[key] {
		return
	}
	g.warned[key] = true
	g.warnings = append(g.warnings, fmt.Sprintf(format, args...))
}

// Generate writes the policy that allows every recorded call of the
// selected principal, and as little else as it can.
func Generate(records []authz.LogRecord, opts Options) *Result {
	all := make([]read, len(records))
	for i := range records {
		all[i] = readRecord(&records[i])
	}
	return generate(all, learnNames(all), opts, func(r *read) bool { return principalMatches(r.rec.Principal, opts.Principal) })
}

// generate writes the policy for the records pick selects, with what names
// says about each key's aliases (learnt from every record).
func generate(all []read, names keyNames, opts Options, pick func(*read) bool) *Result {
	g := &generator{opts: opts, names: names, partition: "aws", warned: map[string]bool{},
		ecKeys: map[string][]string{}, entries: map[eKey]*entry{}}
	var used []read
	res := &Result{}
	grantCalls := 0
	for i := range all {
		r := &all[i]
		if !pick(r) || !judged(r.rec.Decision) {
			continue
		}
		if grantAllowed(r.rec) {
			grantCalls++
			continue
		}
		if r.rec.Decision == decExplicitDeny {
			g.warn("explicit:"+r.rec.Action+r.rec.Principal, "%s by %s was explicitly denied when recorded (%s): no identity statement can allow it",
				r.rec.Action, r.rec.Principal, describeStatements(r.rec.Statements))
		}
		used = append(used, *r)
	}
	if grantCalls > 0 {
		g.warnings = append(g.warnings, fmt.Sprintf("%d recorded call(s) were allowed by grants and need no statement", grantCalls))
	}
	for _, r := range used {
		for _, c := range r.checks {
			if a, ok := parseARN(c.resource); ok && a.Partition != "" {
				g.partition = a.Partition
				break
			}
		}
	}
	// Encryption context keys every call of an action used.
	if opts.ContextConditions {
		seen := map[string]bool{}
		for _, r := range used {
			ks := contextKeysOf(r.ctx)
			for _, c := range r.checks {
				if !c.key || !contextActions[c.action] {
					continue
				}
				if !seen[c.action] {
					seen[c.action] = true
					g.ecKeys[c.action] = ks
					continue
				}
				g.ecKeys[c.action] = intersect(g.ecKeys[c.action], ks)
			}
		}
	}
	for _, r := range used {
		g.add(&r)
		res.Calls = append(res.Calls, callOf(&r, opts))
	}
	specs := g.specs()
	minimize(specs, res.Calls)
	res.Document = buildDocument(specs, true)
	res.Warnings = g.warnings
	return res
}

func describeStatements(ss []authz.LogStatement) string {
	if len(ss) == 0 {
		return "no statement named"
	}
	var parts []string
	for _, s := range ss {
		p := fmt.Sprintf("%s statement %d of %s", s.Effect, s.Index, s.Policy)
		if s.Sid != "" {
			p += " (Sid " + s.Sid + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func (g *generator) entry(k kind, action string, cond Condition, condKey string) *entry {
	key := eKey{k, action, condKey}
	e := g.entries[key]
	if e == nil {
		e = &entry{kind: k, action: action, names: map[string]bool{}, arns: map[string]bool{}, cond: Condition{}, condKey: condKey}
		g.entries[key] = e
	}
	mergeCondition(e.cond, cond)
	return e
}

// add turns one record's checks into needs.
func (g *generator) add(r *read) {
	for _, c := range r.checks {
		switch {
		case c.resource == "*":
			e := g.entry(kindStar, c.action, nil, "")
			e.arns["*"] = true
			if r.operation() == "CreateKey" {
				// A tagged CreateKey keeps its tags: aws:RequestTag/K.
				e.noteTags(tagPairs(r.ctx, "aws:RequestTag/"))
			}
		case c.alias:
			e := g.entry(kindAlias, c.action, nil, "")
			if g.opts.Exact {
				e.arns[c.resource] = true
			} else {
				e.names[aliasName(c.resource)] = true
			}
		case c.key:
			g.addKey(r, c)
		default:
			g.warn("other:"+c.resource, "%s on %s: not a KMS key or alias ARN, named as recorded", c.action, c.resource)
			g.entry(kindARN, c.action, nil, "").arns[c.resource] = true
		}
	}
}

func (g *generator) addKey(r *read, c rcheck) {
	cond, condKey := g.extraCondition(r, c)
	if g.opts.Exact {
		g.entry(kindARN, c.action, cond, condKey).arns[c.resource] = true
		return
	}
	if len(g.names.all[c.resource]) == 0 {
		g.warn("noalias:"+c.resource, "key %s carries no alias in the logs: named by ARN, which will not match the key in another account or store", c.resource)
		g.entry(kindARN, c.action, cond, condKey).arns[c.resource] = true
		return
	}
	var e *entry
	var names []string
	switch {
	case c.primary && r.reqAlias != "":
		e, names = g.entry(kindRequestAlias, c.action, cond, condKey), []string{r.reqAlias}
	case c.primary && len(r.rec.KeyAliases) > 0:
		had := make([]string, 0, len(r.rec.KeyAliases))
		for _, a := range r.rec.KeyAliases {
			had = append(had, aliasName(a))
		}
		names = intersect(g.names.preferred(c.resource), had)
		if len(names) == 0 {
			names = had
		}
		e = g.entry(kindAliasesAny, c.action, cond, condKey)
	case c.primary:
		// The key had no alias yet (the key side of CreateAlias): any key
		// without another alias would do, so the key's tags narrow it.
		e, names = g.entry(kindAliasesAll, c.action, cond, condKey), g.names.preferred(c.resource)
		e.noteTags(tagPairs(r.ctx, "aws:ResourceTag/"))
	default:
		// A second key of the call: its aliases and tags at the time are not
		// in the log, so every alias it is known by may be there.
		e, names = g.entry(kindAliasesAll, c.action, cond, condKey), sortedSet(g.names.all[c.resource])
		e.noteTags(nil)
	}
	for _, n := range names {
		e.names[n] = true
	}
}

// extraCondition returns the condition a key check carries beyond the key
// selector: a grant's constraints for CreateGrant, the encryption context
// keys with --context-conditions.
func (g *generator) extraCondition(r *read, c rcheck) (Condition, string) {
	if c.action == "kms:CreateGrant" {
		return grantCondition(r.ctx)
	}
	if ks := g.ecKeys[c.action]; len(ks) > 0 {
		cond := Condition{"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": List(ks)}}
		if len(ks) > 1 {
			null := map[string]List{}
			for _, k := range ks {
				null["kms:EncryptionContext:"+k] = List{"false"}
			}
			cond["Null"] = null
		}
		return cond, "ec:" + strings.Join(ks, "\x00")
	}
	return nil, ""
}

// grantCondition keeps a CreateGrant's operations and constraints:
// kms:GrantOperations (all of them among the recorded ones), and each
// constraint's encryption context pair as kms:EncryptionContext:KEY.
// Grantee principals are left out: their account differs between stores.
func grantCondition(ctx map[string]any) (Condition, string) {
	cond := Condition{}
	var sig []string
	if v, ok := contextKey(ctx, "kms:GrantOperations"); ok {
		ops := asStrings(v)
		sort.Strings(ops)
		cond["ForAllValues:StringEquals"] = map[string]List{"kms:GrantOperations": ops}
		cond["Null"] = map[string]List{"kms:GrantOperations": {"false"}}
		sig = append(sig, "ops")
	}
	if v, ok := contextKey(ctx, "kms:GrantConstraintType"); ok {
		cond["StringEquals"] = map[string]List{"kms:GrantConstraintType": asStrings(v)}
		sig = append(sig, "type")
	}
	var ecKeys []string
	for k, v := range ctx {
		if len(k) > len("kms:encryptioncontext:") && strings.EqualFold(k[:len("kms:encryptioncontext:")], "kms:encryptioncontext:") {
			name := "kms:EncryptionContext:" + k[len("kms:encryptioncontext:"):]
			if cond["StringEquals"] == nil {
				cond["StringEquals"] = map[string]List{}
			}
			cond["StringEquals"][name] = asStrings(v)
			ecKeys = append(ecKeys, name)
		}
	}
	sort.Strings(ecKeys)
	sig = append(sig, ecKeys...)
	if len(cond) == 0 {
		return nil, ""
	}
	return cond, "grant:" + strings.Join(sig, "\x00")
}

// mergeCondition adds b's values into a (same operators and keys).
func mergeCondition(a, b Condition) {
	for op, keys := range b {
		if a[op] == nil {
			a[op] = map[string]List{}
		}
		for k, vs := range keys {
			set := map[string]bool{}
			for _, v := range a[op][k] {
				set[v] = true
			}
			for _, v := range vs {
				set[v] = true
			}
			a[op][k] = List(sortedSet(set))
		}
	}
}
