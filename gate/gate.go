// Package gate is the judging backend: a kmsgate.Backend that wraps another
// Backend (the emulator, or the proxy to an upstream KMS) and decides every
// call as KMS would before passing it on. It turns each *kms.XInput into an
// authz.Request, gets key facts through authz.Facts, asks authz.Decide, and
// then, by mode, answers AccessDeniedException (enforce), or serves the
// call and records the would-deny (dry-run), or records every decision
// (record). Decisions go to a Recorder: a zerolog line each, the
// --decision-log file and the ring behind GET /_kmsgate/decisions.
//
// Every Backend method is written out (backend.go), so that a new SDK
// operation breaks the build instead of passing unjudged.
package gate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// Mode is the --policy-mode.
type Mode uint8

// The policy modes.
const (
	// Off judges nothing (the server does not build a Gate).
	Off Mode = iota
	// Enforce answers a denied call AccessDeniedException and records the
	// denial.
	Enforce
	// DryRun serves every call and records the would-denials.
	DryRun
	// Record serves every call and records every decision.
	Record
)

func (m Mode) String() string {
	switch m {
	case Enforce:
		return "enforce"
	case DryRun:
		return "dry-run"
	case Record:
		return "record"
	}
	return "off"
}

// ParseMode reads off, enforce, dry-run or record.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Off, Enforce, DryRun, Record} {
		if s == m.String() {
			return m, nil
		}
	}
	return Off, fmt.Errorf("unknown policy mode %q (off, enforce, dry-run or record)", s)
}

// Config is what New needs.
type Config struct {
	// Next serves the calls the gate lets through.
	Next kmsgate.Backend
	// Facts looks up keys, grants and the key inside a ciphertext.
	Facts authz.Facts
	// Mode is Enforce, DryRun or Record.
	Mode Mode
	// Principals resolves the caller's identity policies and tags; nil
	// means every caller is the default principal with no policy.
	Principals *Principals
	// Account and Region are the defaults for a call whose context carries
	// none.
	Account, Region string
	// Recorder receives the decisions; required.
	Recorder *Recorder
	// Now is the clock of aws:CurrentTime (time.Now when nil).
	Now func() time.Time
	// Count, when set, counts each decision (Allow, ImplicitDeny,
	// ExplicitDeny) with the mode's name (metrics.Metrics.PolicyDecision).
	Count func(decision, mode string)
	// Validator, when set, answers step 1 of a request (its members on
	// their own, before any key is looked at): the gate asks it when it
	// refuses a call, and answers its error instead, as KMS validates a
	// request before it authorizes it (validate.go).
	Validator Validator
	// Guard, when set (--alias-prefix: authz.AliasPrefixPolicy), is an
	// identity policy every call must also satisfy, whatever the key
	// policies say: a call is allowed only when the caller's policies allow
	// it and Guard does (both must allow). With GuardOnly (no principals
	// file and no --identity-policy), Guard alone decides.
	Guard     *iampolicy.Policy
	GuardOnly bool
}

// Gate is the judging kmsgate.Backend.
type Gate struct {
	next      kmsgate.Backend
	facts     authz.Facts
	mode      Mode
	ps        *Principals
	account   string
	region    string
	rec       *Recorder
	now       func() time.Time
	count     func(decision, mode string)
	logEvery  bool
	guard     *iampolicy.Policy
	guardOnly bool
	validator Validator
}

var _ kmsgate.Backend = (*Gate)(nil)

// New returns the judging backend of cfg.
func New(cfg Config) (*Gate, error) {
	if cfg.Next == nil || cfg.Facts == nil || cfg.Recorder == nil {
		return nil, errors.New("gate: Next, Facts and Recorder are required")
	}
	if cfg.Mode == Off {
		return nil, errors.New("gate: policy mode off needs no gate")
	}
	g := &Gate{next: cfg.Next, facts: cfg.Facts, mode: cfg.Mode, ps: cfg.Principals, account: cfg.Account,
		region: cfg.Region, rec: cfg.Recorder, now: cfg.Now, count: cfg.Count, logEvery: cfg.Mode == Record,
		guard: cfg.Guard, guardOnly: cfg.GuardOnly && cfg.Guard != nil, validator: cfg.Validator}
	if g.ps == nil {
		g.ps, _ = NewPrincipals("", nil)
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.ps.withDefault(g.account)
	return g, nil
}

// call is one call being judged.
type call struct {
	r              authz.Request
	account        string
	region         string
	requestID      string
	grantOperation bool // the operation can be allowed by a grant
	in             any  // the request (*kms.XInput), for step 1 on a refusal
}

// begin starts judging op (request in, a *kms.XInput) for the caller in
// ctx. fields holds the members of the request op's decision reads (nil:
// none); begin adds the operation and the caller. The call is a value:
// kept on its caller's stack, judging allocates no call.
func (g *Gate) begin(ctx context.Context, op string, in any, fields *authz.Request) call {
	c, _ := kmsgate.CallerFrom(ctx)
	cl := call{account: c.Account, region: c.Region, requestID: c.RequestID, in: in}
	if cl.account == "" {
		cl.account = g.account
	}
	if cl.region == "" {
		cl.region = g.region
	}
	if fields != nil {
		cl.r = *fields
	}
	p := g.ps.Lookup(c.PrincipalARN, cl.account)
	r := &cl.r
	r.Operation, r.Principal, r.Region = op, p.ARN, cl.region
	r.IdentityPolicies, r.Extra, r.ExtraNames = p.Policies, p.extra, p.extraNames
	r.SourceIP, r.SecureTransport = c.SourceIP, c.SecureTransport
	r.Now = g.now()
	r.Terse = true // no reason of an allow is logged or answered
	return cl
}

// key looks up the key keyID names in the caller's account and region.
func (g *Gate) key(ctx context.Context, cl *call, keyID string) (*authz.Key, error) {
	return g.facts.KeyFacts(ctx, cl.account, cl.region, keyID)
}

// decide judges cl.r: nil when the call may go on (allowed, or denied in
// dry-run or record mode), AccessDeniedException when denied in enforce
// mode.
func (g *Gate) decide(ctx context.Context, cl *call) error {
	d, err := g.evaluate(ctx, cl)
	if err != nil {
		return err
	}
	return g.conclude(ctx, cl, d)
}

// evaluate decides cl.r, looking up the key's grants when the policies
// alone do not allow (they are left in cl.r.Grants), then applies the
// guard (--alias-prefix) when there is one.
func (g *Gate) evaluate(ctx context.Context, cl *call) (authz.Decision, error) {
	var d authz.Decision
	if !g.guardOnly {
		d = authz.Decide(cl.r)
		if !d.Allowed() && d.Decision != iampolicy.ExplicitDeny && cl.r.Key != nil {
			// Grants can allow what the policies do not: look them up only then.
			grants, err := g.grantsOf(ctx, cl.r.Key, cl.r.DestinationKey)
			if err != nil {
				return d, err
			}
			if len(grants) > 0 {
				cl.r.Grants = grants
				d = authz.Decide(cl.r)
			}
		}
	}
	if g.guard != nil && (g.guardOnly || d.Allowed()) {
		d = g.guardDecision(cl)
	}
	return d, nil
}

// conclude records d and answers AccessDeniedException when it denies in
// enforce mode. A denied request that fails step 1 (invalid members) is
// neither recorded nor refused: it answers step 1's error, in every mode,
// as KMS validates before it authorizes. In record mode, which keeps every
// decision, an allowed one is checked too (KMS makes no decision on an
// invalid request, so policy generate must not see one); in the other
// modes an allowed call is not checked here (the backend validates it).
func (g *Gate) conclude(ctx context.Context, cl *call, d authz.Decision) error {
	if !d.Allowed() || g.logEvery {
		if err := g.invalid(ctx, cl.in); err != nil {
			return err
		}
	}
	enforced := !d.Allowed() && g.mode == Enforce
	g.note(cl, d, enforced)
	if enforced {
		return kmsgate.NewAccessDeniedException("%s", d.Message)
	}
	return nil
}

// guardDecision judges cl.r against the guard policy alone: the guard is
// the caller's only identity policy, no grant counts, and every key's
// policy delegates to the caller's account (so the guard decides, as an
// IAM policy does under the default key policy).
func (g *Gate) guardDecision(cl *call) authz.Decision {
	r := cl.r
	r.IdentityPolicies, r.Grants = []*iampolicy.Policy{g.guard}, nil
	account, partition := g.account, "aws"
	if a, ok := iampolicy.ParseARN(r.Principal); ok {
		account, partition = a.Account, a.Partition
	}
	delegating := authz.DefaultKeyPolicy(partition, account)
	withDelegating := func(k *authz.Key) *authz.Key {
		if k == nil {
			return nil
		}
		c := *k
		c.Policy = delegating
		return &c
	}
	r.Key, r.DestinationKey = withDelegating(r.Key), withDelegating(r.DestinationKey)
	return authz.Decide(r)
}

func (g *Gate) grantsOf(ctx context.Context, keys ...*authz.Key) ([]authz.Grant, error) {
	var out []authz.Grant
	for i, k := range keys {
		if k == nil || (i > 0 && k.ARN == keys[0].ARN) {
			continue
		}
		gs, err := g.facts.Grants(ctx, k.ARN)
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
	}
	return out, nil
}

// note logs one decision and keeps its record when the mode says so.
func (g *Gate) note(cl *call, d authz.Decision, enforced bool) {
	if g.count != nil {
		g.count(d.Decision.String(), g.mode.String())
	}
	log := g.rec.log
	ev := log.Info()
	if !d.Allowed() {
		ev = log.Warn()
	}
	keep := !d.Allowed() || g.logEvery
	if !keep && !ev.Enabled() {
		return // an allowed call in enforce or dry-run mode with info lines off: nothing to build
	}
	rec := authz.NewLogRecord(&cl.r, d)
	rec.Time = cl.r.Now.UTC().Format(time.RFC3339Nano)
	rec.RequestID = cl.requestID
	rec.Enforced = enforced
	if ev.Enabled() {
		ev = ev.Str("request_id", cl.requestID).Str("operation", cl.r.Operation).Str("principal", cl.r.Principal).
			Str("action", d.Action).Strs("resources", rec.Resources).Str("decision", rec.Decision).
			Bool("enforced", enforced).Str("mode", g.mode.String())
		if len(d.Statements) > 0 {
			refs := make([]string, len(d.Statements))
			for i, s := range d.Statements {
				refs[i] = s.String()
			}
			ev = ev.Strs("statements", refs)
		}
		if d.Message != "" {
			ev = ev.Str("message", d.Message)
		}
		ev.Msg("decision")
	}
	if keep {
		g.rec.Keep(rec)
	}
}

// onKey judges an operation on the key keyID names; fields holds the
// members of the request its decision reads (nil: none). A nil keyID is
// left to the wrapped backend, which answers the ValidationException AWS
// gives before any authorization.
func (g *Gate) onKey(ctx context.Context, op string, in any, keyID *string, fields *authz.Request) error {
	_, err := g.judgeOnKey(ctx, op, in, keyID, fields)
	return err
}

// judgeOnKey is onKey, answering the facts of the key judged on too (nil
// when keyID is nil or names no key).
func (g *Gate) judgeOnKey(ctx context.Context, op string, in any, keyID *string, fields *authz.Request) (*authz.Key, error) {
	if keyID == nil {
		return nil, nil
	}
	cl := g.begin(ctx, op, in, fields)
	k, err := g.key(ctx, &cl, *keyID)
	if err != nil {
		return nil, g.refused(ctx, in, err)
	}
	cl.r.Key, cl.r.KeyID = k, *keyID
	return k, g.decide(ctx, &cl)
}

// noKey judges an operation identity policies alone decide; fields as
// onKey's.
func (g *Gate) noKey(ctx context.Context, op string, in any, fields *authz.Request) error {
	cl := g.begin(ctx, op, in, fields)
	return g.decide(ctx, &cl)
}

// ciphertextKey is the key a Decrypt or ReEncrypt without a key id is
// judged on: the key the blob names. ok is false when the facts source
// cannot read blobs (the call is then judged on the answer's KeyId).
func (g *Gate) ciphertextKey(ctx context.Context, cl *call, blob []byte) (*authz.Key, bool, error) {
	arn, ok, err := g.facts.CiphertextKey(ctx, cl.account, cl.region, blob)
	if err != nil || !ok {
		return nil, ok, err
	}
	k, err := g.key(ctx, cl, arn)
	if isNotFound(err) {
		// The blob's key is gone: KMS answers as for an unknown key.
		return nil, true, kmsgate.NewAccessDeniedException("The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
	}
	return k, true, err
}

func isNotFound(err error) bool {
	var nf *types.NotFoundException
	return errors.As(err, &nf)
}
