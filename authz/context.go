package authz

import (
	"net/netip"
	"strings"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// readers are the policies one check consults: identity policies and,
// for a key check with a stored key policy, that policy. Only the condition
// keys they read (iampolicy.Policy.Reads) are put in the check's context:
// building keys no policy reads was most of the cost of a decision.
type readers struct {
	ids []*iampolicy.Policy
	key *iampolicy.Policy
}

// reads reports whether a policy of rs reads key (lower case).
func (rs readers) reads(key string) bool {
	return rs.some(func(p *iampolicy.Policy) bool { return p.Reads(key) })
}

// readsPrefix reports whether a policy of rs reads a key starting with
// prefix (lower case).
func (rs readers) readsPrefix(prefix string) bool {
	return rs.some(func(p *iampolicy.Policy) bool { return p.ReadsPrefix(prefix) })
}

func (rs readers) some(f func(*iampolicy.Policy) bool) bool {
	if rs.key != nil && f(rs.key) {
		return true
	}
	for _, p := range rs.ids {
		if f(p) {
			return true
		}
	}
	return false
}

// builder builds the context of one check, keeping only the keys its
// readers read.
type builder struct {
	ctx iampolicy.Context
	rs  readers
}

// set stores v under key (lower case).
func (b *builder) set(key string, v iampolicy.Value) {
	if b.ctx == nil {
		b.ctx = make(iampolicy.Context, 4)
	}
	b.ctx.Set(key, v)
}

// str stores the string v under key (lower case) when it is not empty and
// a reader reads key.
func (b *builder) str(key, v string) {
	if v != "" && b.rs.reads(key) {
		b.set(key, iampolicy.String(v))
	}
}

// addBase adds the keys every request sets, and the caller's Extra keys
// (those only identity policies see when identity is true).
func addBase(b *builder, r *Request, identity bool) {
	for k, v := range r.Extra {
		if (identity || !identityOnly(k)) && b.rs.reads(k) {
			b.set(k, v)
		}
	}
	if r.SourceIP != "" && b.rs.reads("aws:sourceip") {
		if a, err := netip.ParseAddr(r.SourceIP); err == nil {
			b.set("aws:sourceip", iampolicy.IP(a))
		} else {
			b.set("aws:sourceip", iampolicy.String(r.SourceIP))
		}
	}
	if b.rs.reads("aws:securetransport") {
		b.set("aws:securetransport", iampolicy.Bool(r.SecureTransport))
	}
	if b.rs.reads("aws:principalarn") || b.rs.reads("aws:principalaccount") || b.rs.reads("aws:username") {
		if b.ctx == nil {
			b.ctx = make(iampolicy.Context, 4)
		}
		AddCallerKeys(b.ctx, r.Principal)
	}
	if !r.Now.IsZero() {
		if b.rs.reads("aws:currenttime") {
			b.set("aws:currenttime", iampolicy.Date(r.Now))
		}
		if b.rs.reads("aws:epochtime") {
			b.set("aws:epochtime", iampolicy.Number(float64(r.Now.Unix())))
		}
	}
	b.str("kms:viaservice", r.ViaService)
	b.str("aws:requestedregion", r.Region)
}

// AddCallerKeys adds the condition keys AWS derives from the caller's ARN
// (aws:PrincipalArn, which is the role for an assumed-role session,
// aws:PrincipalAccount, and aws:username for an IAM user) unless ctx has
// them already.
func AddCallerKeys(ctx iampolicy.Context, principal string) {
	a, ok := iampolicy.ParseARN(principal)
	if !ok {
		return
	}
	set := func(k, v string) {
		if _, have := ctx.Get(k); !have && v != "" {
			ctx.Set(k, iampolicy.String(v))
		}
	}
	set("aws:principalarn", principalARN(principal))
	set("aws:principalaccount", a.Account)
	if strings.HasPrefix(a.Resource, "user/") {
		set("aws:username", a.Resource[strings.LastIndexByte(a.Resource, '/')+1:])
	}
}

// principalARN is aws:PrincipalArn: for an assumed-role session, the role.
func principalARN(p string) string {
	a, ok := iampolicy.ParseARN(p)
	if ok && a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") {
		role, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		return "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
	}
	return p
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// opContext builds the context of one check: the request-wide keys and
// the operation's, those rs read. k is the key the check is about (nil for
// a check without a key, which only identity policies judge); destination
// selects ReEncrypt's destination fields. Keys only identity policies see
// are left out for a key check. The context may be nil (no key read).
func opContext(r *Request, k *Key, destination bool, rs readers) iampolicy.Context {
	b := &builder{rs: rs}
	addBase(b, r, k == nil)
	op := r.Operation
	if k != nil {
		if rs.reads("kms:calleraccount") {
			b.str("kms:calleraccount", accountOf(r.Principal))
		}
		b.str("kms:keyspec", k.KeySpec)
		b.str("kms:keyusage", k.KeyUsage)
		b.str("kms:keyorigin", k.Origin)
	}
	if op == "CreateKey" {
		if rs.reads("kms:calleraccount") {
			b.str("kms:calleraccount", accountOf(r.Principal))
		}
		b.str("kms:keyspec", orDefault(r.KeySpec, "SYMMETRIC_DEFAULT"))
		b.str("kms:keyusage", orDefault(r.KeyUsage, "ENCRYPT_DECRYPT"))
		b.str("kms:keyorigin", orDefault(r.Origin, "AWS_KMS"))
	}
	if setsEncryptionContext(op) {
		ec := r.EncryptionContext
		if destination {
			ec = r.DestinationEncryptionContext
		}
		if len(ec) > 0 && rs.readsPrefix("kms:encryptioncontext") {
			keys := make([]string, 0, len(ec))
			for ek, ev := range ec {
				b.set("kms:encryptioncontext:"+ek, iampolicy.String(ev))
				keys = append(keys, ek)
			}
			b.set("kms:encryptioncontextkeys", iampolicy.StringSet(keys...))
		}
	}
	if setsEncryptionAlgorithm(op) {
		alg := r.EncryptionAlgorithm
		if destination {
			alg = r.DestinationEncryptionAlgorithm
		}
		b.str("kms:encryptionalgorithm", orDefault(alg, "SYMMETRIC_DEFAULT"))
	}
	switch op {
	case "Sign", "Verify":
		b.str("kms:signingalgorithm", r.SigningAlgorithm)
		b.str("kms:messagetype", orDefault(r.MessageType, "RAW"))
	case "GenerateMac", "VerifyMac":
		b.str("kms:macalgorithm", r.MacAlgorithm)
	case "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext":
		b.str("kms:datakeypairspec", r.KeyPairSpec)
	}
	switch op {
	case "CreateGrant":
		if rs.reads("kms:grantoperations") {
			b.set("kms:grantoperations", iampolicy.StringSet(r.GrantOperations...))
		}
		b.str("kms:grantconstrainttype", r.GrantConstraintType)
	case "DeriveSharedSecret":
		b.str("kms:keyagreementalgorithm", r.KeyAgreementAlgorithm)
	}
	if isGrantOperation(op) {
		b.str("kms:granteeprincipal", r.GranteePrincipal)
		b.str("kms:retiringprincipal", r.RetiringPrincipal)
		if rs.reads("kms:grantisforawsresource") {
			b.set("kms:grantisforawsresource", iampolicy.Bool(r.GrantIsForAWSResource))
		}
	}
	switch op {
	case "TagResource", "CreateKey":
		if len(r.Tags) > 0 && (rs.readsPrefix("aws:requesttag/") || rs.reads("aws:tagkeys")) {
			keys := make([]string, 0, len(r.Tags))
			for tk, tv := range r.Tags {
				b.set("aws:requesttag/"+tk, iampolicy.String(tv))
				keys = append(keys, tk)
			}
			b.set("aws:tagkeys", iampolicy.StringSet(keys...))
		}
	case "UntagResource":
		if rs.reads("aws:tagkeys") {
			b.set("aws:tagkeys", iampolicy.StringSet(r.TagKeys...))
		}
	}
	return b.ctx
}
