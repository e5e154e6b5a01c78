package proxy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// Facts serves authz.Facts from the upstream: DescribeKey resolves a key
// reference (id, ARN, alias name or alias ARN) to the key's ARN, spec, usage
// and origin; ListAliases (with KeyId), ListResourceTags and GetKeyPolicy
// give its aliases, tags and policy; ListGrants its grants. Each answer is
// kept in a bounded expirable LRU for the TTL; concurrent misses for one
// entry make one upstream look-up (singleflight). The Proxy forgets the
// entries a mutating call changes, after the call, so a CreateAlias is seen
// by the next call at once.
type Facts struct {
	p *Proxy

	// resolved: region + "\x00" + reference → the key it named.
	resolved *expirable.LRU[string, keyMeta]
	// keys: key ARN → aliases, tags, policy.
	keys *expirable.LRU[string, keyExtras]
	// grants: key ARN → grants.
	grants *expirable.LRU[string, []authz.Grant]
	flight singleflight.Group

	// mu orders stores against invalidations: gen counts invalidations;
	// a load stores its answer only if no invalidation happened since it
	// began (it may have read the state before the change).
	mu  sync.Mutex
	gen atomic.Uint64
}

type keyMeta struct {
	ARN, KeySpec, KeyUsage, Origin string
}

type keyExtras struct {
	aliases []string
	tags    map[string]string
	policy  *iampolicy.Policy
}

func newFacts(p *Proxy, size int, ttl time.Duration) *Facts {
	return &Facts{
		p:        p,
		resolved: expirable.NewLRU[string, keyMeta](size, nil, ttl),
		keys:     expirable.NewLRU[string, keyExtras](size, nil, ttl),
		grants:   expirable.NewLRU[string, []authz.Grant](size, nil, ttl),
	}
}

// KeyFacts returns the facts of the key keyID names. A bare key id or alias
// name is looked up in region; an ARN in its own region. account is not
// needed: the upstream knows its keys' accounts.
func (f *Facts) KeyFacts(ctx context.Context, _, region, keyID string) (*authz.Key, error) {
	if a, ok := iampolicy.ParseARN(keyID); ok && a.Region != "" {
		region = a.Region
	}
	meta, err := cached(ctx, f, f.resolved, "r", region+"\x00"+keyID, func(ctx context.Context) (keyMeta, error) {
		out, err := call(ctx, f.p, region, "DescribeKey", &kms.DescribeKeyInput{KeyId: aws.String(keyID)}, (*kms.Client).DescribeKey)
		if err != nil {
			return keyMeta{}, refused(err, "DescribeKey", keyID, "kms:DescribeKey")
		}
		md := out.KeyMetadata
		if md == nil || aws.ToString(md.Arn) == "" {
			return keyMeta{}, fmt.Errorf("upstream %s answered DescribeKey %s without the key's ARN", f.p.describe(region), keyID)
		}
		return keyMeta{ARN: *md.Arn, KeySpec: string(md.KeySpec), KeyUsage: string(md.KeyUsage), Origin: string(md.Origin)}, nil
	})
	if err != nil {
		return nil, err
	}
	extras, err := cached(ctx, f, f.keys, "k", meta.ARN, func(ctx context.Context) (keyExtras, error) {
		return f.loadExtras(ctx, meta.ARN)
	})
	if err != nil {
		return nil, err
	}
	return &authz.Key{
		ARN: meta.ARN, Aliases: extras.aliases, Tags: extras.tags,
		KeySpec: meta.KeySpec, KeyUsage: meta.KeyUsage, Origin: meta.Origin,
		Policy: extras.policy,
	}, nil
}

// loadExtras makes the three look-ups of one key at once.
func (f *Facts) loadExtras(ctx context.Context, arn string) (keyExtras, error) {
	region := regionOf(arn)
	var x keyExtras
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		in := &kms.ListAliasesInput{KeyId: aws.String(arn)}
		for {
			out, err := call(gctx, f.p, region, "ListAliases", in, (*kms.Client).ListAliases)
			if err != nil {
				return refused(err, "ListAliases", arn, "kms:ListAliases")
			}
			for _, a := range out.Aliases {
				x.aliases = append(x.aliases, aws.ToString(a.AliasName))
			}
			if !out.Truncated || out.NextMarker == nil {
				return nil
			}
			in = &kms.ListAliasesInput{KeyId: aws.String(arn), Marker: out.NextMarker}
		}
	})
	g.Go(func() error {
		in := &kms.ListResourceTagsInput{KeyId: aws.String(arn)}
		tags := map[string]string{}
		for {
			out, err := call(gctx, f.p, region, "ListResourceTags", in, (*kms.Client).ListResourceTags)
			if err != nil {
				return refused(err, "ListResourceTags", arn, "kms:ListResourceTags")
			}
			for _, t := range out.Tags {
				tags[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
			}
			if !out.Truncated || out.NextMarker == nil {
				x.tags = tags
				return nil
			}
			in = &kms.ListResourceTagsInput{KeyId: aws.String(arn), Marker: out.NextMarker}
		}
	})
	g.Go(func() error {
		out, err := call(gctx, f.p, region, "GetKeyPolicy", &kms.GetKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default")}, (*kms.Client).GetKeyPolicy)
		if err != nil {
			return refused(err, "GetKeyPolicy", arn, "kms:GetKeyPolicy")
		}
		if doc := aws.ToString(out.Policy); doc != "" {
			pol, err := iampolicy.Parse("key policy of "+arn, []byte(doc))
			if err != nil {
				return fmt.Errorf("the key policy the upstream answered for %s does not parse: %w", arn, err)
			}
			x.policy = pol
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return keyExtras{}, err
	}
	return x, nil
}

// Grants returns the grants of the key keyARN names (ListGrants).
func (f *Facts) Grants(ctx context.Context, keyARN string) ([]authz.Grant, error) {
	return cached(ctx, f, f.grants, "g", keyARN, func(ctx context.Context) ([]authz.Grant, error) {
		region := regionOf(keyARN)
		in := &kms.ListGrantsInput{KeyId: aws.String(keyARN)}
		var grants []authz.Grant
		for {
			out, err := call(ctx, f.p, region, "ListGrants", in, (*kms.Client).ListGrants)
			if err != nil {
				return nil, refused(err, "ListGrants", keyARN, "kms:ListGrants")
			}
			for _, g := range out.Grants {
				ag := authz.Grant{
					ID:               aws.ToString(g.GrantId),
					KeyARN:           keyARN,
					GranteePrincipal: aws.ToString(g.GranteePrincipal),
				}
				for _, op := range g.Operations {
					ag.Operations = append(ag.Operations, string(op))
				}
				if c := g.Constraints; c != nil {
					ag.EncryptionContextEquals = c.EncryptionContextEquals
					ag.EncryptionContextSubset = c.EncryptionContextSubset
				}
				grants = append(grants, ag)
			}
			if !out.Truncated || out.NextMarker == nil {
				return grants, nil
			}
			in = &kms.ListGrantsInput{KeyId: aws.String(keyARN), Marker: out.NextMarker}
		}
	})
}

// CiphertextKey cannot read an upstream's ciphertext: ok is always false,
// and the judging backend forwards the call and judges on the KeyId the
// upstream answers.
func (f *Facts) CiphertextKey(context.Context, string, string, []byte) (string, bool, error) {
	return "", false, nil
}

// cached answers key from cache, or loads it once however many callers
// miss at the same time. The load runs apart from any one caller's
// cancellation (others may wait for it), bounded by the upstream timeout;
// a caller whose context ends stops waiting.
func cached[V any](ctx context.Context, f *Facts, cache *expirable.LRU[string, V], kind, key string, load func(context.Context) (V, error)) (V, error) {
	if v, ok := cache.Get(key); ok {
		return v, nil
	}
	gen := f.gen.Load()
	ch := f.flight.DoChan(kind+strconv.FormatUint(gen, 10)+"\x00"+key, func() (any, error) {
		v, err := load(context.WithoutCancel(ctx))
		if err != nil {
			return v, err
		}
		f.mu.Lock()
		if f.gen.Load() == gen {
			cache.Add(key, v)
		}
		f.mu.Unlock()
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			var zero V
			return zero, r.Err
		}
		return r.Val.(V), nil
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// forgetKey drops what is cached of the key keyID names in region (its
// facts and every reference resolved to it).
func (f *Facts) forgetKey(region, keyID string) {
	if keyID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen.Add(1)
	match := f.keyMatcher(region, keyID)
	for _, arn := range f.keys.Keys() {
		if match(arn) {
			f.keys.Remove(arn)
		}
	}
	for _, ref := range f.resolved.Keys() {
		if m, ok := f.resolved.Peek(ref); ok && match(m.ARN) {
			f.resolved.Remove(ref)
		}
	}
}

// keyMatcher reports whether a key ARN is the key keyID names in region.
// Call with f.mu held.
func (f *Facts) keyMatcher(region, keyID string) func(arn string) bool {
	if a, ok := iampolicy.ParseARN(keyID); ok {
		if strings.HasPrefix(a.Resource, "key/") {
			return func(arn string) bool { return arn == keyID }
		}
		// An alias ARN: the key it was resolved to, if known.
		region = a.Region
		keyID = a.Resource
	}
	if strings.HasPrefix(keyID, "alias/") {
		m, ok := f.resolved.Peek(region + "\x00" + keyID)
		return func(arn string) bool { return ok && arn == m.ARN }
	}
	suffix := ":key/" + keyID
	return func(arn string) bool { return strings.HasSuffix(arn, suffix) && regionOf(arn) == region }
}

// forgetAlias drops the resolution of alias (an alias name) in region and
// the facts of every key that carried it.
func (f *Facts) forgetAlias(region, alias string) {
	if alias == "" {
		return
	}
	if a, ok := iampolicy.ParseARN(alias); ok {
		region, alias = a.Region, a.Resource
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen.Add(1)
	for _, ref := range f.resolved.Keys() {
		r, id, _ := strings.Cut(ref, "\x00")
		if r != region {
			continue
		}
		if id == alias {
			f.resolved.Remove(ref)
		} else if a, ok := iampolicy.ParseARN(id); ok && a.Region == region && a.Resource == alias {
			f.resolved.Remove(ref)
		}
	}
	for _, arn := range f.keys.Keys() {
		if regionOf(arn) != region {
			continue
		}
		if x, ok := f.keys.Peek(arn); ok && contains(x.aliases, alias) {
			f.keys.Remove(arn)
		}
	}
}

// forgetGrants drops the grants of the key keyID names, or every key's
// when keyID is empty (RetireGrant by token names no key).
func (f *Facts) forgetGrants(region, keyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen.Add(1)
	if keyID == "" {
		f.grants.Purge()
		return
	}
	match := f.keyMatcher(region, keyID)
	for _, arn := range f.grants.Keys() {
		if match(arn) {
			f.grants.Remove(arn)
		}
	}
}

// refused turns the upstream's refusal of one of kmsgate's own look-ups
// into the denial the caller gets: it names the look-up and the permission
// kmsgate's credentials need. Any other error is returned as it is.
func refused(err error, lookup, keyID, permission string) error {
	ue, ok := err.(*UpstreamError)
	if !ok {
		return err
	}
	switch ue.ErrorCode() {
	case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignatureException", "ExpiredTokenException", "MissingAuthenticationTokenException":
	default:
		return err
	}
	return kmsgate.NewAccessDeniedException(
		"kmsgate could not judge this call: the upstream refused its look-up %s on %s (%s: %s). kmsgate's own credentials need %s.",
		lookup, keyID, ue.ErrorCode(), ue.ErrorMessage(), permission)
}

// regionOf is the region field of an ARN ("" when it is not one).
func regionOf(arn string) string {
	a, _ := iampolicy.ParseARN(arn)
	return a.Region
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
