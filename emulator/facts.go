package emulator

// The emulator serves authz.Facts: what the judging backend needs to know
// about keys (aliases, tags, key policy, spec, usage, origin, grants, the
// key a ciphertext names), read from the store in one read-only transaction
// per look-up, with parsed key policies cached by their text and the facts
// of a key cached until the next write.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

var _ authz.Facts = (*Service)(nil)

// maxParsedPolicies bounds the parsed key-policy cache (least recently used
// out first; key policies are few and rarely change).
const maxParsedPolicies = 1024

// policyCache holds parsed key policies by their exact text.
type policyCache struct {
	parsed *lru.Cache[string, *iampolicy.Policy]
}

func newPolicyCache() (policyCache, error) {
	parsed, err := lru.New[string, *iampolicy.Policy](maxParsedPolicies)
	return policyCache{parsed}, err
}

func (c policyCache) parse(text string) (*iampolicy.Policy, error) {
	if p, ok := c.parsed.Get(text); ok {
		return p, nil
	}
	p, err := iampolicy.Parse("key policy", []byte(text))
	if err != nil {
		return nil, err
	}
	c.parsed.Add(text, p)
	return p, nil
}

// inScope returns ctx with its caller's account and region replaced.
func inScope(ctx context.Context, account, region string) context.Context {
	c, _ := kmsgate.CallerFrom(ctx)
	if (account == "" || account == c.Account) && (region == "" || region == c.Region) {
		return ctx
	}
	if account != "" {
		c.Account = account
	}
	if region != "" {
		c.Region = region
	}
	return kmsgate.WithCaller(ctx, c)
}

// scopeIn is the scope of inScope(ctx, account, region), without making
// that context.
func (s *Service) scopeIn(ctx context.Context, account, region string) scope {
	sc := s.scopeOf(ctx)
	if account != "" {
		sc.account = account
	}
	if region != "" {
		sc.region = region
	}
	return sc
}

// KeyFacts returns the facts of the key keyID names (key id, key ARN, alias
// name or alias ARN) in account and region; NotFoundException with AWS's
// text when it names no key. The *authz.Key returned may be shared with
// other callers: it must not be changed.
func (s *Service) KeyFacts(ctx context.Context, account, region, keyID string) (*authz.Key, error) {
	sc := s.scopeIn(ctx, account, region)
	ck := factsKey{account: sc.account, region: sc.region, keyID: keyID}
	// On bbolt this process is the store's only writer: facts cached at the
	// write count the store still has are current without a transaction.
	count, counted := s.db.WriteCount()
	if f, ok := s.facts.fresh(ck, readAt{snap: count, ro: counted}, s.now()); ok {
		return f, nil
	}
	var out *authz.Key
	err := s.view(inScope(ctx, account, region), func(t *txn) error {
		at := readAtOf(t.tx) // etcd: the revision read at
		if s.db.Kind() != "etcd" {
			// bbolt: the count read before this attempt's transaction
			// began (txn.writes), which reads every write counted in it
			// (storage.DB.WriteCount); not the count above, which a
			// maintenance write before a retry has moved.
			at = readAt{snap: t.writes - 1, ro: t.writes != 0}
		}
		if f, ok := s.facts.fresh(ck, at, t.now); ok {
			out = f
			return nil
		}
		k, err := t.resolveKey("keyId", &keyID, keyOrAlias)
		if err != nil {
			return err
		}
		if out, err = t.keyFacts(k); err != nil {
			return err
		}
		s.facts.put(ck, at, k, out)
		return nil
	})
	return out, err
}

// maxFactsEntries bounds the key-facts cache (least recently used out
// first).
const maxFactsEntries = 4096

// factsCache keeps the facts KeyFacts built, by the KeyId they were asked
// for in an account and region, with the committed state they were read
// in: on etcd the read-only snapshot (storage.Tx.Snapshot), on bbolt the
// store's write count (storage.DB.WriteCount, read with no transaction).
// The same state reads the same bytes, so the aliases, tags, policy and
// key those facts came from are unchanged, and every write (an alias, tag,
// policy or key change) makes a new one. Time alone changes a key too
// (its deletion date, a due rotation, ...: loadKey does that maintenance
// in a write on the next read), so an entry whose key needs maintenance
// now is not used. Without a state to name (a writable transaction; on
// bbolt, while a write is under way) nothing is cached.
type factsCache struct {
	entries *lru.Cache[factsKey, factsEntry]
}

type factsKey struct{ account, region, keyID string }

type factsEntry struct {
	snap  uint64
	rec   *keyRecord // never changed (the record cache's copy)
	facts *authz.Key // never changed
}

func newFactsCache() (factsCache, error) {
	entries, err := lru.New[factsKey, factsEntry](maxFactsEntries)
	return factsCache{entries}, err
}

// fresh returns the facts cached for k when they were read in state at.
func (c factsCache) fresh(k factsKey, at readAt, now time.Time) (*authz.Key, bool) {
	if !at.ro {
		return nil, false
	}
	e, ok := c.entries.Get(k)
	if !ok || e.snap != at.snap || e.rec.maintenanceDue(now) {
		return nil, false
	}
	return e.facts, true
}

// put caches the facts f of key record rec, read in state at.
func (c factsCache) put(k factsKey, at readAt, rec *keyRecord, f *authz.Key) {
	if at.ro {
		c.entries.Add(k, factsEntry{snap: at.snap, rec: rec, facts: f})
	}
}

// keyFacts builds the facts of k.
func (t *txn) keyFacts(k *keyRecord) (*authz.Key, error) {
	f := &authz.Key{
		ARN:      t.sc.keyARN(k.KeyID),
		KeySpec:  string(k.KeySpec),
		KeyUsage: string(k.KeyUsage),
		Origin:   string(k.Origin),
	}
	if len(k.Tags) > 0 {
		f.Tags = make(map[string]string, len(k.Tags))
		for _, tag := range k.Tags {
			if tag.TagKey != nil && tag.TagValue != nil {
				f.Tags[*tag.TagKey] = *tag.TagValue
			}
		}
	}
	// The default key policy stays nil: authz decides it without parsing.
	if k.Policy != "" && k.Policy != t.sc.defaultPolicy() {
		p, err := t.s.policies.parse(k.Policy)
		if err != nil {
			// A stored policy kmsgate cannot evaluate allows nothing: a
			// policy that names no one.
			p = denyNobodyPolicy
		}
		f.Policy = p
	}
	// The aliases-by-key index: one short scan of this key's entries.
	prefix := t.aliasByKeyDBKey(k.KeyID, "")
	err := t.tx.Scan(bucketAliasByKey, prefix, "", func(ik string, _ []byte) (bool, error) {
		f.Aliases = append(f.Aliases, ik[len(prefix):])
		return true, nil
	})
	f.Prepare() // the facts are shared by every decision until the next write
	return f, err
}

// denyNobodyPolicy stands for a stored key policy that does not parse: it
// allows no one.
var denyNobodyPolicy = func() *iampolicy.Policy {
	p, _ := iampolicy.Parse("key policy", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`))
	return p
}()

// Grants returns the grants of the key whose ARN is keyARN.
func (s *Service) Grants(ctx context.Context, keyARN string) ([]authz.Grant, error) {
	a, ok := iampolicy.ParseARN(keyARN)
	if !ok || !strings.HasPrefix(a.Resource, "key/") {
		return nil, invalidKeyID(keyARN)
	}
	keyID := strings.TrimPrefix(a.Resource, "key/")
	var out []authz.Grant
	err := s.view(inScope(ctx, a.Account, a.Region), func(t *txn) error {
		gs, err := t.keyGrants(keyID)
		if err != nil {
			return err
		}
		for i := range gs {
			g := &gs[i]
			if g.GranteePrincipal == "" {
				continue // a service principal's grant: kmsgate sees no service calls
			}
			ag := authz.Grant{ID: g.GrantID, KeyARN: t.sc.keyARN(g.KeyID), GranteePrincipal: g.GranteePrincipal, RetiringPrincipal: g.RetiringPrincipal}
			for _, op := range g.Operations {
				ag.Operations = append(ag.Operations, string(op))
			}
			if c := g.Constraints; c != nil {
				if c.SourceArn != "" {
					continue // only a service's calls carry a source ARN
				}
				ag.EncryptionContextEquals = c.EncryptionContextEquals
				ag.EncryptionContextSubset = c.EncryptionContextSubset
			}
			out = append(out, ag)
		}
		return nil
	})
	return out, err
}

// CiphertextKey returns the ARN of the key a symmetric ciphertext blob
// names, in account and region. A blob that does not parse answers what
// Decrypt without KeyId answers (unnamedBlob); a blob whose key is not here
// answers what Decrypt answers then (AccessDeniedException with AWS's
// text). The key is looked up as KeyFacts looks it up, by its ARN: the
// gate asks for those facts next, from the same cache entry.
func (s *Service) CiphertextKey(ctx context.Context, account, region string, blob []byte) (string, bool, error) {
	c, err := parseCiphertext(blob)
	if err != nil {
		return "", true, unnamedBlob(blob)
	}
	sc := s.scopeIn(ctx, account, region)
	arn := sc.keyARN(c.keyID)
	if _, err := s.KeyFacts(ctx, account, region, arn); err != nil {
		var nf *types.NotFoundException
		if errors.As(err, &nf) {
			return "", true, ciphertextKeyUnknown()
		}
		return "", true, err
	}
	return arn, true, nil
}

// GrantOfToken returns the ARN of the key and the id of the grant a grant
// token names, in account and region (the gate judges RetireGrant by token
// on that key); ok is false for anything kmsgate did not make. The token's
// secret is not checked here: RetireGrant checks it.
func (s *Service) GrantOfToken(account, region, token string) (keyARN, grantID string, ok bool) {
	pt, ok := parseGrantToken(token)
	if !ok {
		return "", "", false
	}
	return scope{account: account, region: region}.keyARN(pt.keyID), pt.grantID, true
}

// maxAliasRecords bounds the decoded-alias cache (least recently used out
// first).
const maxAliasRecords = 4096

// aliasRecordCache holds decoded alias records by their exact stored bytes
// (a changed record has other bytes, so a hit is always current).
type aliasRecordCache struct {
	decoded *lru.Cache[string, aliasRecord]
}

func newAliasRecordCache() (aliasRecordCache, error) {
	decoded, err := lru.New[string, aliasRecord](maxAliasRecords)
	return aliasRecordCache{decoded}, err
}

func (c aliasRecordCache) get(raw []byte) (aliasRecord, bool) { return c.decoded.Get(string(raw)) }

func (c aliasRecordCache) put(raw []byte, a aliasRecord) { c.decoded.Add(string(raw), a) }
