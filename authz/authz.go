// Package authz owns KMS authorization: it decides one KMS request the way
// KMS does, from the key policy, the caller's identity policies and the
// key's grants, and says why in AWS's words. It builds the request's
// condition keys from the operation, the key's facts and the request's
// fields, and asks iampolicy about each resource the operation touches.
//
// It knows nothing of the wire or of storage: a server calls Decide once per
// request with the facts it looked up.
package authz

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// Key is what authorization needs to know about one KMS key.
type Key struct {
	// ARN is the key ARN, arn:aws:kms:REGION:ACCOUNT:key/KEYID.
	ARN string
	// Aliases are the key's alias names ("alias/x").
	Aliases []string
	Tags    map[string]string
	// KeySpec, KeyUsage and Origin as KMS names them (SYMMETRIC_DEFAULT,
	// ENCRYPT_DECRYPT, AWS_KMS, ...).
	KeySpec, KeyUsage, Origin string
	// Policy is the key policy; nil means the default key policy of the
	// key's account.
	Policy *iampolicy.Policy

	// aliasSet is Aliases as kms:ResourceAliases' value, made by Prepare.
	aliasSet iampolicy.Value
}

// Prepare makes once what every decision on k would otherwise build
// (kms:ResourceAliases' value), for a Key many decisions share, as a facts
// cache's are. k must not change afterwards. A Key not prepared is
// decided the same.
func (k *Key) Prepare() {
	k.aliasSet = iampolicy.StringSet(k.Aliases...)
}

// resourceAliases is kms:ResourceAliases' value for k.
func (k *Key) resourceAliases() iampolicy.Value {
	if k.aliasSet.IsSet() {
		return k.aliasSet
	}
	return iampolicy.StringSet(k.Aliases...)
}

// Grant is one grant on a key, as a plain value.
type Grant struct {
	ID               string
	KeyARN           string
	GranteePrincipal string
	// Operations are KMS operation names ("Decrypt", "GenerateDataKey", ...).
	Operations []string
	// Constraints: the request's encryption context must equal
	// EncryptionContextEquals, or include EncryptionContextSubset.
	EncryptionContextEquals map[string]string
	EncryptionContextSubset map[string]string
	// RetiringPrincipal may retire the grant (RetireGrant), "" for none.
	RetiringPrincipal string
}

// RetirableBy reports whether principal is the grant's retiring principal
// (a role named there covers the role's sessions).
func (g *Grant) RetirableBy(principal string) bool {
	return g.RetiringPrincipal != "" && (g.RetiringPrincipal == principal || g.RetiringPrincipal == principalARN(principal))
}

// Request is one KMS request with everything needed to decide it.
type Request struct {
	// Operation is the KMS API operation name, e.g. "GenerateDataKey".
	Operation string
	// Principal is the caller's ARN (user, role, or assumed-role session).
	Principal string
	// Region is the region the call is made in (for alias ARNs when no key
	// says otherwise).
	Region string

	IdentityPolicies []*iampolicy.Policy
	Grants           []Grant

	// Key is the key the operation acts on: the key KeyId resolved to, the
	// key inside the ciphertext for a Decrypt without KeyId, the source key
	// of ReEncrypt, the target key of CreateAlias and DeleteAlias, the
	// current key of UpdateAlias. Nil for operations without a key.
	Key *Key
	// KeyID is the KeyId exactly as the request gave it (empty when absent).
	KeyID string
	// DestinationKey is ReEncrypt's destination key or UpdateAlias's new key.
	DestinationKey *Key
	// DestinationKeyID is the DestinationKeyId as given.
	DestinationKeyID string
	// AliasName is the alias of CreateAlias, UpdateAlias and DeleteAlias.
	AliasName string

	// EncryptionContext is the request's (for ReEncrypt: the source) context.
	EncryptionContext map[string]string
	// DestinationEncryptionContext is ReEncrypt's destination context.
	DestinationEncryptionContext map[string]string
	// EncryptionAlgorithm, or for ReEncrypt the source algorithm;
	// SYMMETRIC_DEFAULT when empty.
	EncryptionAlgorithm            string
	DestinationEncryptionAlgorithm string
	SigningAlgorithm               string
	// MessageType of Sign and Verify; RAW when empty.
	MessageType  string
	MacAlgorithm string
	KeyPairSpec  string

	// Grant operation fields.
	GrantOperations       []string
	GranteePrincipal      string
	RetiringPrincipal     string
	GrantIsForAWSResource bool
	// GrantConstraintType is kms:GrantConstraintType of CreateGrant:
	// "EncryptionContextEquals" or "EncryptionContextSubset", "" without a
	// constraint.
	GrantConstraintType string
	// KeyAgreementAlgorithm is DeriveSharedSecret's (kms:KeyAgreementAlgorithm).
	KeyAgreementAlgorithm string

	// CreateKey's KeySpec, KeyUsage and Origin (defaults when empty).
	KeySpec, KeyUsage, Origin string
	// Tags are the request's tags (CreateKey, TagResource); TagKeys are
	// UntagResource's.
	Tags    map[string]string
	TagKeys []string

	// Every request.
	SourceIP        string
	SecureTransport bool
	ViaService      string
	Now             time.Time
	// Extra holds further condition keys (aws:PrincipalTag/..., ...) for
	// every check.
	Extra iampolicy.Context
	// ExtraNames spells Extra's keys as written (iampolicy.Context keeps
	// them in lower case, for matching, which ignores case as IAM does):
	// "aws:principaltag/team" -> "aws:PrincipalTag/Team". Only the
	// decision log reads it; a key it does not name is logged as stored.
	ExtraNames map[string]string
	// Terse leaves Reason empty in allowed checks and in an allowed
	// Decision, for a caller that never reads it (the server's gate):
	// building the reasons of allows was a fifth of what a decision cost
	// there. Denials keep their reasons and messages.
	Terse bool
}

// Check is one authorization check that a request needed: one action on one
// resource.
type Check struct {
	Action   string
	Resource string
	Decision iampolicy.Decision
	// Statements are the deciding statements (grants appear as policy
	// "grant:ID", index -1).
	Statements []iampolicy.StatementRef
	Reason     string
	// Message is AWS's AccessDeniedException text for a deny.
	Message string
}

// Decision is the verdict on one KMS request.
type Decision struct {
	// Decision is Allow only when every check allowed; otherwise the first
	// ExplicitDeny, or else the first ImplicitDeny.
	Decision   iampolicy.Decision
	Action     string
	Resource   string
	Statements []iampolicy.StatementRef
	Reason     string
	// Message is AWS's AccessDeniedException message, empty when allowed.
	Message string
	// Checks are all the checks made, in order.
	Checks []Check
}

// Allowed reports whether the request is allowed.
func (d Decision) Allowed() bool { return d.Decision == iampolicy.Allow }

// defaultKeyPolicyName names the default key policy in decisions.
const defaultKeyPolicyName = "default key policy"

// DefaultKeyPolicy is the key policy KMS gives a key created without one
// (awsfacts.DefaultKeyPolicy), parsed: the account's IAM policies decide.
// partition is the key's, e.g. "aws" or "aws-cn".
func DefaultKeyPolicy(partition, account string) *iampolicy.Policy {
	p, err := iampolicy.Parse(defaultKeyPolicyName, []byte(awsfacts.DefaultKeyPolicy(partition, account)))
	if err != nil {
		// The account is not an account id: a policy naming nobody.
		p, _ = iampolicy.Parse(defaultKeyPolicyName, []byte(awsfacts.DefaultKeyPolicy(partition, "000000000000")))
	}
	return p
}

// Question is one action on one resource with the condition keys already
// built: the lowest level of a KMS decision, for callers that build their
// own context (such as the policy simulator).
type Question struct {
	Action    string
	Resource  string
	Principal string
	// KeyPolicy is the key's policy. For a key resource, nil means the
	// default key policy; set NoKey for a question without a key.
	KeyPolicy *iampolicy.Policy
	// NoKey makes this a question without a key: identity policies alone.
	NoKey            bool
	IdentityPolicies []*iampolicy.Policy
	// Context is what identity policies see; KeyPolicyContext what the key
	// policy sees (nil: Context without the identity-only keys).
	Context          iampolicy.Context
	KeyPolicyContext iampolicy.Context
	// Grants and the operation and encryption context they are checked for.
	Grants            []Grant
	GrantOperation    string
	EncryptionContext map[string]string
	// Terse leaves Reason empty when the answer is Allow (see Request.Terse).
	Terse bool
}

// identityOnly reports whether a condition key is visible only to identity
// policies.
func identityOnly(k string) bool {
	k = strings.ToLower(k)
	return k == "kms:resourcealiases" || strings.HasPrefix(k, "aws:resourcetag/")
}

// KeyPolicyContext returns ctx without the keys that only identity policies
// see (kms:ResourceAliases, aws:ResourceTag/*).
func KeyPolicyContext(ctx iampolicy.Context) iampolicy.Context {
	out := make(iampolicy.Context, len(ctx))
	for k, v := range ctx {
		if !identityOnly(k) {
			out[k] = v
		}
	}
	return out
}

// Answer decides one question as KMS does.
func Answer(q Question) Check {
	ctx, kctx := q.Context, q.KeyPolicyContext
	q.Context, q.KeyPolicyContext = nil, nil
	return answer(q, ctx, kctx)
}

// answer is Answer with q's Context and KeyPolicyContext passed on their
// own: what q holds is kept (in messages and reasons), the contexts are
// only read, so a caller can build them on its stack.
func answer(q Question, ctx, kctx iampolicy.Context) Check {
	c := Check{Action: q.Action, Resource: q.Resource}
	req := iampolicy.Request{Action: q.Action, Resource: q.Resource, Principal: q.Principal, Context: ctx}
	// The matching statements and the lists of their refs are kept in
	// these arrays, on the stack unless many statements match: the Check
	// keeps a copy of the refs it names (slices.Clone, joined).
	var idBuf, kpBuf [4]iampolicy.Match
	var denyBuf, idAllowBuf, kpAllowBuf [4]iampolicy.StatementRef
	ids := idBuf[:0]
	for _, p := range q.IdentityPolicies {
		ids = p.Matches(&req, false, ids)
	}
	kps := kpBuf[:0]
	keyAcct, callerAcct := accountOf(q.Resource), accountOf(q.Principal)
	crossAcct := keyAcct != "" && keyAcct != callerAcct
	switch {
	case q.NoKey:
	case q.KeyPolicy == nil:
		// The default key policy, without parsing it: the key's account
		// root may do kms:* on the key, which delegates to IAM.
		if keyAcct != "" && keyAcct == callerAcct && isKMSAction(q.Action) {
			kps = append(kps, iampolicy.Match{Ref: iampolicy.StatementRef{Policy: defaultKeyPolicyName, Index: 0, Sid: awsfacts.DefaultKeyPolicySid, Effect: "Allow"},
				Effect: iampolicy.EffectAllow, Principal: iampolicy.PrincipalAccount})
		}
	default:
		kreq := req
		kreq.Context = kctx
		if kreq.Context == nil {
			kreq.Context = KeyPolicyContext(ctx)
		}
		kps = q.KeyPolicy.Matches(&kreq, true, kps)
	}
	// 1. An explicit deny anywhere wins.
	idDeny := refs(denyBuf[:0], ids, iampolicy.EffectDeny, 0)
	if deny := refs(idDeny, kps, iampolicy.EffectDeny, 0); len(deny) > 0 {
		c.Decision = iampolicy.ExplicitDeny
		c.Statements = slices.Clone(deny)
		why := awsfacts.ExplicitDenyIdentity
		if len(idDeny) == 0 {
			why = awsfacts.ExplicitDenyResource
		}
		c.Reason = "explicitly denied by " + joinRefs(c.Statements)
		c.Message = deniedMessage(q, crossAcct, why)
		return c
	}
	idAllow := refs(idAllowBuf[:0], ids, iampolicy.EffectAllow, 0)
	if q.NoKey {
		if len(idAllow) > 0 {
			c.Decision, c.Statements = iampolicy.Allow, slices.Clone(idAllow)
			if !q.Terse {
				c.Reason = "allowed by " + joinRefs(idAllow)
			}
			return c
		}
		c.Reason = "no identity-based policy allows " + q.Action + " on " + q.Resource
		c.Message = awsfacts.AccessDenied(q.Principal, q.Action, q.Resource, awsfacts.NoIdentityPolicy)
		return c
	}
	// A caller of another account than the key's: the key policy must allow
	// (naming the caller or its account) and the caller's identity policy
	// too (KMS guide, "Allowing users in other accounts to use a KMS key").
	// Grants allow on their own.
	if crossAcct {
		return crossAccount(q, c, kps, idAllow)
	}
	// 2. The key policy allows the caller directly.
	if direct := refs(kpAllowBuf[:0], kps, iampolicy.EffectAllow, iampolicy.PrincipalDirect); len(direct) > 0 {
		c.Decision, c.Statements = iampolicy.Allow, slices.Clone(direct)
		if !q.Terse {
			c.Reason = "the key policy allows the caller: " + joinRefs(direct)
		}
		return c
	}
	// 3. A grant allows.
	if allowedByGrant(q, &c) {
		return c
	}
	// 4. The key policy delegates to the account and an identity policy allows.
	delegate := refs(kpAllowBuf[:0], kps, iampolicy.EffectAllow, iampolicy.PrincipalAccount)
	if len(delegate) > 0 && len(idAllow) > 0 {
		c.Decision = iampolicy.Allow
		c.Statements = joined(delegate, idAllow)
		if !q.Terse {
			c.Reason = "the key policy delegates to the account (" + joinRefs(delegate) + ") and an identity policy allows (" + joinRefs(idAllow) + ")"
		}
		return c
	}
	if len(delegate) > 0 {
		c.Reason = "the key policy delegates " + q.Action + " to the account's IAM policies (" + joinRefs(delegate) + "), but no identity-based policy allows it"
		c.Message = awsfacts.AccessDenied(q.Principal, q.Action, q.Resource, awsfacts.NoIdentityPolicy)
		return c
	}
	c.Reason = "the key policy neither allows the caller nor delegates " + q.Action + " to the caller's account"
	if len(idAllow) > 0 {
		c.Reason += "; identity policies allow it (" + joinRefs(idAllow) + "), which is not enough for KMS"
	}
	c.Message = awsfacts.AccessDenied(q.Principal, q.Action, q.Resource, awsfacts.NoResourcePolicy)
	return c
}

// crossAccount finishes Answer for a caller outside the key's account
// (explicit denies are already handled).
func crossAccount(q Question, c Check, kps []iampolicy.Match, idAllow []iampolicy.StatementRef) Check {
	if allowedByGrant(q, &c) {
		return c
	}
	kpAllow := refs(nil, kps, iampolicy.EffectAllow, 0)
	switch {
	case len(kpAllow) > 0 && len(idAllow) > 0:
		c.Decision = iampolicy.Allow
		c.Statements = joined(kpAllow, idAllow)
		if !q.Terse {
			c.Reason = "a caller of another account: the key policy allows it (" + joinRefs(kpAllow) + ") and an identity policy allows (" + joinRefs(idAllow) + ")"
		}
	case len(kpAllow) > 0:
		c.Reason = "a caller of another account: the key policy allows it (" + joinRefs(kpAllow) + "), but no identity-based policy of the caller allows " + q.Action
		c.Message = awsfacts.AccessDeniedCrossAccount(q.Principal, q.Action, awsfacts.NoIdentityPolicy)
	default:
		c.Reason = "a caller of another account: the key policy neither names the caller nor its account for " + q.Action
		c.Message = awsfacts.AccessDeniedCrossAccount(q.Principal, q.Action, awsfacts.NoResourcePolicy)
	}
	return c
}

// deniedMessage is the AccessDeniedException message of q for the reason
// why: a caller of another account than the key's is not told the key.
func deniedMessage(q Question, crossAcct bool, why awsfacts.Why) string {
	if crossAcct {
		return awsfacts.AccessDeniedCrossAccount(q.Principal, q.Action, why)
	}
	return awsfacts.AccessDenied(q.Principal, q.Action, q.Resource, why)
}

// allowedByGrant reports whether a grant of q allows it, and then makes c
// an Allow by that grant.
func allowedByGrant(q Question, c *Check) bool {
	for _, g := range q.Grants {
		if g.allows(q) {
			ref := iampolicy.StatementRef{Policy: "grant:" + g.ID, Index: -1, Sid: g.ID, Effect: "Allow"}
			c.Decision, c.Statements = iampolicy.Allow, []iampolicy.StatementRef{ref}
			if !q.Terse {
				c.Reason = "grant " + g.ID + " allows " + q.GrantOperation + " to the caller"
			}
			return true
		}
	}
	return false
}

// isKMSAction reports whether action matches "kms:*" (case-insensitive).
func isKMSAction(action string) bool {
	return len(action) >= 4 && strings.EqualFold(action[:4], "kms:")
}

// joined is a then b in a slice of their own (one allocation, as
// slices.Concat makes in a normal build, but two under the race detector).
func joined(a, b []iampolicy.StatementRef) []iampolicy.StatementRef {
	return append(append(make([]iampolicy.StatementRef, 0, len(a)+len(b)), a...), b...)
}

// refs appends to dst the refs of the statements of ms with effect e whose
// principal matched as pm (any way when pm is 0).
func refs(dst []iampolicy.StatementRef, ms []iampolicy.Match, e iampolicy.Effect, pm iampolicy.PrincipalMatch) []iampolicy.StatementRef {
	for _, m := range ms {
		if m.Effect == e && (pm == 0 || m.Principal == pm) {
			dst = append(dst, m.Ref)
		}
	}
	return dst
}

func joinRefs(rs []iampolicy.StatementRef) string {
	if len(rs) == 1 {
		return rs[0].String()
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, "; ")
}

func (g *Grant) allows(q Question) bool {
	// A grant to a role covers the role's sessions.
	if (g.GranteePrincipal != q.Principal && g.GranteePrincipal != principalARN(q.Principal)) || (g.KeyARN != "" && g.KeyARN != q.Resource) {
		return false
	}
	op := false
	for _, o := range g.Operations {
		if o == q.GrantOperation {
			op = true
			break
		}
	}
	if !op {
		return false
	}
	if g.EncryptionContextEquals != nil {
		if len(g.EncryptionContextEquals) != len(q.EncryptionContext) {
			return false
		}
		for k, v := range g.EncryptionContextEquals {
			if w, ok := q.EncryptionContext[k]; !ok || w != v {
				return false
			}
		}
	}
	for k, v := range g.EncryptionContextSubset {
		if w, ok := q.EncryptionContext[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// accountOf returns the account field of an ARN.
func accountOf(arn string) string {
	a, _ := iampolicy.ParseARN(arn)
	return a.Account
}

func regionOf(arn string) string {
	a, _ := iampolicy.ParseARN(arn)
	return a.Region
}

// Decide decides one KMS request as KMS does.
func Decide(r Request) Decision {
	class, known := operations[r.Operation]
	action := actions[r.Operation]
	if !known {
		return finish([]Check{{Action: "kms:" + r.Operation, Resource: "*",
			Reason:  "unknown KMS operation " + strconv.Quote(r.Operation),
			Message: awsfacts.AccessDenied(r.Principal, "kms:"+r.Operation, "*", awsfacts.Unexplained)}})
	}
	var checks []Check
	switch class {
	case noResource:
		ctx := opContext(&r, nil, false, readers{ids: r.IdentityPolicies})
		checks = append(checks, r.noKeyCheck(action, "*", ctx))
		if r.Operation == "CreateKey" && len(r.Tags) > 0 {
			checks = append(checks, r.noKeyCheck("kms:TagResource", "*", ctx))
		}
	case onKey:
		checks = append(checks, r.keyCheck(action, r.Key, r.KeyID, false))
	case reEncrypt:
		checks = append(checks, r.keyCheck("kms:ReEncryptFrom", r.Key, r.KeyID, false))
		checks = append(checks, r.keyCheck("kms:ReEncryptTo", r.DestinationKey, r.DestinationKeyID, true))
	case onAlias:
		checks = append(checks, r.noKeyCheck(action, r.aliasARN(), opContext(&r, nil, false, readers{ids: r.IdentityPolicies})))
		checks = append(checks, r.keyCheck(action, r.Key, "", false))
		if r.Operation == "UpdateAlias" {
			checks = append(checks, r.keyCheck(action, r.DestinationKey, "", false))
		}
	}
	return finish(checks)
}

func finish(checks []Check) Decision {
	pick := -1
	for i, c := range checks {
		if c.Decision == iampolicy.ExplicitDeny {
			pick = i
			break
		}
		if c.Decision == iampolicy.ImplicitDeny && pick < 0 {
			pick = i
		}
	}
	d := Decision{Decision: iampolicy.Allow, Checks: checks}
	if pick < 0 && len(checks) == 1 {
		c := checks[0]
		d.Action, d.Resource, d.Statements, d.Reason = c.Action, c.Resource, c.Statements, c.Reason
		return d
	}
	if pick < 0 {
		var reasons []string
		for _, c := range checks {
			for _, st := range c.Statements {
				if !containsRef(d.Statements, st) {
					d.Statements = append(d.Statements, st)
				}
			}
			if c.Reason != "" {
				reasons = append(reasons, c.Reason)
			}
		}
		last := checks[len(checks)-1]
		d.Action, d.Resource, d.Reason = last.Action, last.Resource, strings.Join(reasons, "; ")
		return d
	}
	c := checks[pick]
	d.Decision, d.Action, d.Resource = c.Decision, c.Action, c.Resource
	d.Statements, d.Reason, d.Message = c.Statements, c.Reason, c.Message
	return d
}

func containsRef(rs []iampolicy.StatementRef, r iampolicy.StatementRef) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func (r *Request) aliasARN() string {
	region, account := r.Region, accountOf(r.Principal)
	if r.Key != nil {
		region, account = regionOf(r.Key.ARN), accountOf(r.Key.ARN)
	}
	if strings.HasPrefix(r.AliasName, "arn:") {
		return r.AliasName
	}
	return awsfacts.AliasARN(region, account, r.AliasName)
}

func (r *Request) noKeyCheck(action, resource string, ctx iampolicy.Context) Check {
	return answer(Question{Action: action, Resource: resource, Principal: r.Principal, NoKey: true,
		IdentityPolicies: r.IdentityPolicies, Terse: r.Terse}, ctx, nil)
}

func (r *Request) keyCheck(action string, k *Key, keyID string, destination bool) Check {
	if k == nil {
		return Check{Action: action, Resource: "*", Decision: iampolicy.ImplicitDeny,
			Reason:  r.Operation + " needs a key and the request has none",
			Message: awsfacts.AccessDenied(r.Principal, action, "*", awsfacts.Unexplained)}
	}
	rs := readers{ids: r.IdentityPolicies, key: k.Policy}
	kp := opContext(r, k, destination, rs)
	if keyID != "" && setsRequestAlias(r.Operation) && rs.reads("kms:requestalias") {
		if a := aliasName(keyID); a != "" {
			if kp == nil {
				kp = iampolicy.Context{}
			}
			kp.Set("kms:requestalias", iampolicy.String(a))
		}
	}
	if kp == nil && k.Policy != nil {
		kp = iampolicy.Context{} // the key policy reads nothing of this request
	}
	// Identity policies also see the key's aliases and tags, and the
	// identity-only Extra keys: when they read any, their context is the
	// key policy's with those, in a map of its own (on the stack while it
	// holds at most 8 keys: answer only reads it).
	ids := readers{ids: r.IdentityPolicies}
	aliases := ids.reads("kms:resourcealiases")
	tags := len(k.Tags) > 0 && ids.readsPrefix("aws:resourcetag/")
	extra := readsIdentityOnly(ids, r.Extra)
	ctx := kp
	if aliases || tags || extra {
		ctx = make(iampolicy.Context, 8)
		for key, v := range kp {
			ctx[key] = v
		}
	}
	if extra {
		for key, v := range r.Extra {
			if identityOnly(key) && ids.reads(key) {
				ctx.Set(key, v)
			}
		}
	}
	if aliases {
		ctx.Set("kms:resourcealiases", k.resourceAliases())
	}
	if tags {
		for tk, tv := range k.Tags {
			ctx.Set("aws:resourcetag/"+tk, iampolicy.String(tv))
		}
	}
	ec := r.EncryptionContext
	if destination {
		ec = r.DestinationEncryptionContext
	}
	return answer(Question{Action: action, Resource: k.ARN, Principal: r.Principal, KeyPolicy: k.Policy,
		IdentityPolicies: r.IdentityPolicies, Grants: r.Grants, GrantOperation: strings.TrimPrefix(action, "kms:"),
		EncryptionContext: ec, Terse: r.Terse}, ctx, kp)
}

// readsIdentityOnly reports whether rs read a key of extra that only
// identity policies see.
func readsIdentityOnly(rs readers, extra iampolicy.Context) bool {
	for key := range extra {
		if identityOnly(key) && rs.reads(key) {
			return true
		}
	}
	return false
}

// aliasName returns the alias name ("alias/x") a KeyId names, or "".
func aliasName(keyID string) string {
	if strings.HasPrefix(keyID, "alias/") {
		return keyID
	}
	if a, ok := iampolicy.ParseARN(keyID); ok && strings.HasPrefix(a.Resource, "alias/") {
		return a.Resource
	}
	return ""
}
