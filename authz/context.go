package authz

import (
	"net/netip"
	"strings"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// addBase adds the keys every request sets, and the caller's Extra keys
// (those only identity policies see when identity is true).
func addBase(ctx iampolicy.Context, r *Request, identity bool) {
	for k, v := range r.Extra {
		if identity || !identityOnly(k) {
			ctx.Set(k, v)
		}
	}
	if r.SourceIP != "" {
		if a, err := netip.ParseAddr(r.SourceIP); err == nil {
			ctx.Set("aws:sourceip", iampolicy.IP(a))
		} else {
			ctx.Set("aws:sourceip", iampolicy.String(r.SourceIP))
		}
	}
	ctx.Set("aws:securetransport", iampolicy.Bool(r.SecureTransport))
	AddCallerKeys(ctx, r.Principal)
	if !r.Now.IsZero() {
		ctx.Set("aws:currenttime", iampolicy.Date(r.Now))
		ctx.Set("aws:epochtime", iampolicy.Number(float64(r.Now.Unix())))
	}
	if r.ViaService != "" {
		ctx.Set("kms:viaservice", iampolicy.String(r.ViaService))
	}
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
// the operation's. k is the key the check is about (nil for a check without
// a key, which only identity policies judge); destination selects
// ReEncrypt's destination fields. Keys only identity policies see are left
// out for a key check.
func opContext(r *Request, k *Key, destination bool) iampolicy.Context {
	ctx := make(iampolicy.Context, 16+len(r.Extra))
	addBase(ctx, r, k == nil)
	op := r.Operation
	if k != nil {
		if acct := accountOf(r.Principal); acct != "" {
			ctx.Set("kms:calleraccount", iampolicy.String(acct))
		}
		if k.KeySpec != "" {
			ctx.Set("kms:keyspec", iampolicy.String(k.KeySpec))
		}
		if k.KeyUsage != "" {
			ctx.Set("kms:keyusage", iampolicy.String(k.KeyUsage))
		}
		if k.Origin != "" {
			ctx.Set("kms:keyorigin", iampolicy.String(k.Origin))
		}
	}
	if op == "CreateKey" {
		if acct := accountOf(r.Principal); acct != "" {
			ctx.Set("kms:calleraccount", iampolicy.String(acct))
		}
		ctx.Set("kms:keyspec", iampolicy.String(orDefault(r.KeySpec, "SYMMETRIC_DEFAULT")))
		ctx.Set("kms:keyusage", iampolicy.String(orDefault(r.KeyUsage, "ENCRYPT_DECRYPT")))
		ctx.Set("kms:keyorigin", iampolicy.String(orDefault(r.Origin, "AWS_KMS")))
	}
	if setsEncryptionContext(op) {
		ec := r.EncryptionContext
		if destination {
			ec = r.DestinationEncryptionContext
		}
		if len(ec) > 0 {
			keys := make([]string, 0, len(ec))
			for ek, ev := range ec {
				ctx.Set("kms:encryptioncontext:"+ek, iampolicy.String(ev))
				keys = append(keys, ek)
			}
			ctx.Set("kms:encryptioncontextkeys", iampolicy.StringSet(keys...))
		}
	}
	if setsEncryptionAlgorithm(op) {
		alg := r.EncryptionAlgorithm
		if destination {
			alg = r.DestinationEncryptionAlgorithm
		}
		ctx.Set("kms:encryptionalgorithm", iampolicy.String(orDefault(alg, "SYMMETRIC_DEFAULT")))
	}
	switch op {
	case "Sign", "Verify":
		if r.SigningAlgorithm != "" {
			ctx.Set("kms:signingalgorithm", iampolicy.String(r.SigningAlgorithm))
		}
		ctx.Set("kms:messagetype", iampolicy.String(orDefault(r.MessageType, "RAW")))
	case "GenerateMac", "VerifyMac":
		if r.MacAlgorithm != "" {
			ctx.Set("kms:macalgorithm", iampolicy.String(r.MacAlgorithm))
		}
	case "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext":
		if r.KeyPairSpec != "" {
			ctx.Set("kms:datakeypairspec", iampolicy.String(r.KeyPairSpec))
		}
	}
	if op == "CreateGrant" {
		ctx.Set("kms:grantoperations", iampolicy.StringSet(r.GrantOperations...))
	}
	if isGrantOperation(op) {
		if r.GranteePrincipal != "" {
			ctx.Set("kms:granteeprincipal", iampolicy.String(r.GranteePrincipal))
		}
		if r.RetiringPrincipal != "" {
			ctx.Set("kms:retiringprincipal", iampolicy.String(r.RetiringPrincipal))
		}
		ctx.Set("kms:grantisforawsresource", iampolicy.Bool(r.GrantIsForAWSResource))
	}
	switch op {
	case "TagResource", "CreateKey":
		if len(r.Tags) > 0 {
			keys := make([]string, 0, len(r.Tags))
			for tk, tv := range r.Tags {
				ctx.Set("aws:requesttag/"+tk, iampolicy.String(tv))
				keys = append(keys, tk)
			}
			ctx.Set("aws:tagkeys", iampolicy.StringSet(keys...))
		}
	case "UntagResource":
		ctx.Set("aws:tagkeys", iampolicy.StringSet(r.TagKeys...))
	}
	return ctx
}
