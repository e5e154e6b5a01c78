package gate

// The Backend methods whose judging is more than "the key KeyId names":
// Decrypt and ReEncrypt (the key inside the ciphertext), the alias
// operations (the alias and one or two keys), CreateKey (tags),
// ListRetirableGrants and RetireGrant.

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/iampolicy"
)

func tagMap(tags []types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
	}
	return m
}

// createGrantFields are the members of a CreateGrant request its decision
// reads.
func createGrantFields(in *kms.CreateGrantInput) *authz.Request {
	r := &authz.Request{}
	for _, op := range in.Operations {
		r.GrantOperations = append(r.GrantOperations, string(op))
	}
	r.GranteePrincipal = aws.ToString(in.GranteePrincipal)
	r.RetiringPrincipal = aws.ToString(in.RetiringPrincipal)
	if c := in.Constraints; c != nil {
		// kms:EncryptionContext:* of CreateGrant are the constraint's pairs.
		r.EncryptionContext = c.EncryptionContextEquals
		if r.EncryptionContext == nil {
			r.EncryptionContext = c.EncryptionContextSubset
		}
		switch {
		case c.EncryptionContextEquals != nil:
			r.GrantConstraintType = "EncryptionContextEquals"
		case c.EncryptionContextSubset != nil:
			r.GrantConstraintType = "EncryptionContextSubset"
		}
	}
	return r
}

func ignoresCiphertext(dryRun *bool, mods []types.DryRunModifierType) bool {
	return aws.ToBool(dryRun) && slices.Contains(mods, types.DryRunModifierTypeIgnoreCiphertext)
}

// Decrypt is judged on KeyId when given, otherwise on the key the blob
// names, before anything is decrypted. When the facts source cannot read
// blobs (proxy mode) the call is made first and judged on the KeyId it
// answers; a denied plaintext is wiped and never answered.
func (g *Gate) Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if in == nil || (in.KeyId == nil && (in.CiphertextBlob == nil || ignoresCiphertext(in.DryRun, in.DryRunModifiers))) {
		return g.next.Decrypt(ctx, in, optFns...)
	}
	cl := g.begin(ctx, "Decrypt", in, &authz.Request{EncryptionContext: in.EncryptionContext, EncryptionAlgorithm: string(in.EncryptionAlgorithm)})
	if in.KeyId != nil {
		k, err := g.key(ctx, &cl, *in.KeyId)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		cl.r.Key, cl.r.KeyID = k, *in.KeyId
	} else {
		k, ok, err := g.ciphertextKey(ctx, &cl, in.CiphertextBlob)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		if !ok {
			return g.decryptThenJudge(ctx, &cl, in, optFns)
		}
		cl.r.Key = k
	}
	if err := g.decide(ctx, &cl); err != nil {
		return nil, err
	}
	return g.next.Decrypt(ctx, in, optFns...)
}

func (g *Gate) decryptThenJudge(ctx context.Context, cl *call, in *kms.DecryptInput, optFns []func(*kms.Options)) (*kms.DecryptOutput, error) {
	out, err := g.next.Decrypt(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	k, err := g.key(ctx, cl, aws.ToString(out.KeyId))
	if err == nil {
		cl.r.Key = k
		err = g.decide(ctx, cl)
	}
	if err != nil {
		clear(out.Plaintext)
		return nil, err
	}
	return out, nil
}

// ReEncrypt needs kms:ReEncryptFrom on the source key (SourceKeyId, or the
// key inside the blob) and kms:ReEncryptTo on the destination key.
func (g *Gate) ReEncrypt(ctx context.Context, in *kms.ReEncryptInput, optFns ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	if in == nil || in.DestinationKeyId == nil || (in.SourceKeyId == nil && (in.CiphertextBlob == nil || ignoresCiphertext(in.DryRun, in.DryRunModifiers))) {
		return g.next.ReEncrypt(ctx, in, optFns...)
	}
	cl := g.begin(ctx, "ReEncrypt", in, &authz.Request{
		EncryptionContext: in.SourceEncryptionContext, DestinationEncryptionContext: in.DestinationEncryptionContext,
		EncryptionAlgorithm: string(in.SourceEncryptionAlgorithm), DestinationEncryptionAlgorithm: string(in.DestinationEncryptionAlgorithm),
	})
	r := &cl.r
	afterCall := false
	if in.SourceKeyId != nil {
		k, err := g.key(ctx, &cl, *in.SourceKeyId)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		r.Key, r.KeyID = k, *in.SourceKeyId
	} else {
		k, ok, err := g.ciphertextKey(ctx, &cl, in.CiphertextBlob)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		r.Key, afterCall = k, !ok
	}
	dest, err := g.key(ctx, &cl, *in.DestinationKeyId)
	if err != nil {
		return nil, g.refused(ctx, in, err)
	}
	r.DestinationKey, r.DestinationKeyID = dest, *in.DestinationKeyId
	if afterCall {
		out, err := g.next.ReEncrypt(ctx, in, optFns...)
		if err != nil {
			return nil, err
		}
		if r.Key, err = g.key(ctx, &cl, aws.ToString(out.SourceKeyId)); err != nil {
			return nil, err
		}
		if err := g.decide(ctx, &cl); err != nil {
			return nil, err
		}
		return out, nil
	}
	if err := g.decide(ctx, &cl); err != nil {
		return nil, err
	}
	return g.next.ReEncrypt(ctx, in, optFns...)
}

// CreateKey is decided by identity policies alone; with Tags it needs
// kms:TagResource too.
func (g *Gate) CreateKey(ctx context.Context, in *kms.CreateKeyInput, optFns ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	var fields authz.Request
	if in != nil {
		fields.Tags = tagMap(in.Tags)
		fields.KeySpec = string(in.KeySpec)
		if fields.KeySpec == "" {
			fields.KeySpec = string(in.CustomerMasterKeySpec)
		}
		fields.KeyUsage, fields.Origin = string(in.KeyUsage), string(in.Origin)
	}
	if err := g.noKey(ctx, "CreateKey", in, &fields); err != nil {
		return nil, err
	}
	return g.next.CreateKey(ctx, in, optFns...)
}

// aliasCall starts judging an alias operation; ok is false when the call
// is left to the wrapped backend's validation (no alias name, not an
// alias/ name, or an AWS managed key's alias, which customers cannot
// manage).
func (g *Gate) aliasCall(ctx context.Context, op string, in any, name *string) (*call, bool) {
	if name == nil || !strings.HasPrefix(*name, "alias/") || strings.HasPrefix(*name, awsfacts.ManagedAliasPrefix) {
		return nil, false
	}
	cl := g.begin(ctx, op, in, &authz.Request{AliasName: *name})
	return &cl, true
}

// CreateAlias needs kms:CreateAlias on the alias and on the target key.
func (g *Gate) CreateAlias(ctx context.Context, in *kms.CreateAliasInput, optFns ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	if in == nil || in.TargetKeyId == nil {
		return g.next.CreateAlias(ctx, in, optFns...)
	}
	if cl, ok := g.aliasCall(ctx, "CreateAlias", in, in.AliasName); ok {
		k, err := g.key(ctx, cl, *in.TargetKeyId)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		cl.r.Key = k
		if err := g.decide(ctx, cl); err != nil {
			return nil, err
		}
	}
	return g.next.CreateAlias(ctx, in, optFns...)
}

// UpdateAlias needs kms:UpdateAlias on the alias, its current key and the
// new key.
func (g *Gate) UpdateAlias(ctx context.Context, in *kms.UpdateAliasInput, optFns ...func(*kms.Options)) (*kms.UpdateAliasOutput, error) {
	if in == nil || in.TargetKeyId == nil {
		return g.next.UpdateAlias(ctx, in, optFns...)
	}
	if cl, ok := g.aliasCall(ctx, "UpdateAlias", in, in.AliasName); ok {
		cur, err := g.key(ctx, cl, *in.AliasName)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		next, err := g.key(ctx, cl, *in.TargetKeyId)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		cl.r.Key, cl.r.DestinationKey = cur, next
		if err := g.decide(ctx, cl); err != nil {
			return nil, err
		}
	}
	return g.next.UpdateAlias(ctx, in, optFns...)
}

// DeleteAlias needs kms:DeleteAlias on the alias and its key.
func (g *Gate) DeleteAlias(ctx context.Context, in *kms.DeleteAliasInput, optFns ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	if in == nil {
		return g.next.DeleteAlias(ctx, in, optFns...)
	}
	if cl, ok := g.aliasCall(ctx, "DeleteAlias", in, in.AliasName); ok {
		k, err := g.key(ctx, cl, *in.AliasName)
		if err != nil {
			return nil, g.refused(ctx, in, err)
		}
		cl.r.Key = k
		if err := g.decide(ctx, cl); err != nil {
			return nil, err
		}
	}
	return g.next.DeleteAlias(ctx, in, optFns...)
}

// ListRetirableGrants is decided by identity policies alone (resource *).
func (g *Gate) ListRetirableGrants(ctx context.Context, in *kms.ListRetirableGrantsInput, optFns ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	var fields authz.Request
	if in != nil {
		fields.RetiringPrincipal = aws.ToString(in.RetiringPrincipal)
	}
	if err := g.noKey(ctx, "ListRetirableGrants", in, &fields); err != nil {
		return nil, err
	}
	return g.next.ListRetirableGrants(ctx, in, optFns...)
}

// RetireGrant is judged on the key: the KeyId given, or the key the grant
// token names when the facts source can read tokens (the emulator; in KMS
// too the token only names the grant, the caller must still be allowed).
// A grant's retiring principal may retire it whatever the policies say
// (and its grantee when the grant allows RetireGrant), as in KMS. A token
// the facts source cannot read (proxy mode, or not a token) is passed on.
func (g *Gate) RetireGrant(ctx context.Context, in *kms.RetireGrantInput, optFns ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	if in == nil {
		return g.next.RetireGrant(ctx, in, optFns...)
	}
	cl := g.begin(ctx, "RetireGrant", in, nil)
	keyRef, grantID := aws.ToString(in.KeyId), aws.ToString(in.GrantId)
	if in.KeyId == nil {
		tr, ok := g.facts.(grantTokenReader)
		if !ok || in.GrantToken == nil {
			return g.next.RetireGrant(ctx, in, optFns...)
		}
		if keyRef, grantID, ok = tr.GrantOfToken(cl.account, cl.region, *in.GrantToken); !ok {
			return g.next.RetireGrant(ctx, in, optFns...)
		}
	}
	k, err := g.key(ctx, &cl, keyRef)
	if err != nil {
		if in.KeyId == nil && isNotFound(err) {
			return g.next.RetireGrant(ctx, in, optFns...) // the token's key is gone: the backend answers for the token
		}
		return nil, g.refused(ctx, in, err)
	}
	cl.r.Key, cl.r.KeyID = k, aws.ToString(in.KeyId)
	d, err := g.evaluate(ctx, &cl)
	if err != nil {
		return nil, err
	}
	if !d.Allowed() && d.Decision != iampolicy.ExplicitDeny && grantID != "" {
		for i := range cl.r.Grants {
			gr := &cl.r.Grants[i]
			if gr.ID == grantID && gr.RetirableBy(cl.r.Principal) {
				d = retiringAllow(d, gr)
				if g.guard != nil {
					d = g.guardDecision(&cl) // --alias-prefix still applies
				}
				break
			}
		}
	}
	if err := g.conclude(ctx, &cl, d); err != nil {
		return nil, err
	}
	return g.next.RetireGrant(ctx, in, optFns...)
}

// grantTokenReader is served by a facts source that can read the grant
// tokens it made (the emulator): the ARN of the key and the id of the
// grant a token names in account and region; ok is false for a token it
// did not make.
type grantTokenReader interface {
	GrantOfToken(account, region, token string) (keyARN, grantID string, ok bool)
}

// retiringAllow turns d into the Allow of a grant's retiring principal.
func retiringAllow(d authz.Decision, gr *authz.Grant) authz.Decision {
	ref := iampolicy.StatementRef{Policy: "grant:" + gr.ID, Index: -1, Sid: gr.ID, Effect: "Allow"}
	d.Decision, d.Message = iampolicy.Allow, ""
	d.Statements = []iampolicy.StatementRef{ref}
	d.Reason = "the caller is the retiring principal of grant " + gr.ID
	checks := make([]authz.Check, len(d.Checks))
	for i, c := range d.Checks {
		c.Decision, c.Message, c.Statements, c.Reason = iampolicy.Allow, "", d.Statements, d.Reason
		checks[i] = c
	}
	d.Checks = checks
	return d
}

// ReplicateKey is judged as KMS judges it on both sides: kms:ReplicateKey
// on the primary key (in the caller's region), then kms:CreateKey in the
// replica's region (with kms:TagResource there when the call has tags),
// as a CreateKey of the primary's spec, usage and origin in that region.
func (g *Gate) ReplicateKey(ctx context.Context, in *kms.ReplicateKeyInput, optFns ...func(*kms.Options)) (*kms.ReplicateKeyOutput, error) {
	if in == nil || in.KeyId == nil {
		return g.next.ReplicateKey(ctx, in, optFns...)
	}
	primary, err := g.judgeOnKey(ctx, "ReplicateKey", in, in.KeyId, nil)
	if err != nil {
		return nil, err
	}
	if replica := aws.ToString(in.ReplicaRegion); replica != "" && primary != nil {
		cl := g.begin(ctx, "CreateKey", in, &authz.Request{KeySpec: primary.KeySpec, KeyUsage: primary.KeyUsage, Origin: primary.Origin, Tags: tagMap(in.Tags)})
		cl.region, cl.r.Region = replica, replica
		if err := g.decide(ctx, &cl); err != nil {
			return nil, err
		}
	}
	return g.next.ReplicateKey(ctx, in, optFns...)
}

// UpdatePrimaryRegion is judged as KMS judges it on both sides:
// kms:UpdatePrimaryRegion on the current primary key (in the caller's
// region) and on the replica in PrimaryRegion that becomes the primary. A
// replica that is not there is left to the wrapped backend to answer.
func (g *Gate) UpdatePrimaryRegion(ctx context.Context, in *kms.UpdatePrimaryRegionInput, optFns ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	if in == nil || in.KeyId == nil {
		return g.next.UpdatePrimaryRegion(ctx, in, optFns...)
	}
	primary, err := g.judgeOnKey(ctx, "UpdatePrimaryRegion", in, in.KeyId, nil)
	if err != nil {
		return nil, err
	}
	region := aws.ToString(in.PrimaryRegion)
	a, ok := iampolicy.ParseARN(primary.ARN)
	if region == "" || !ok || region == a.Region {
		return g.next.UpdatePrimaryRegion(ctx, in, optFns...)
	}
	cl := g.begin(ctx, "UpdatePrimaryRegion", in, nil)
	cl.region, cl.r.Region = region, region
	replicaARN := "arn:" + a.Partition + ":kms:" + region + ":" + a.Account + ":" + a.Resource
	k, err := g.key(ctx, &cl, replicaARN)
	if isNotFound(err) {
		return g.next.UpdatePrimaryRegion(ctx, in, optFns...)
	}
	if err != nil {
		return nil, err
	}
	cl.r.Key = k
	if err := g.decide(ctx, &cl); err != nil {
		return nil, err
	}
	return g.next.UpdatePrimaryRegion(ctx, in, optFns...)
}
