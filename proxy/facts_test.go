package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/server"
)

// factsRig is a real emulator upstream behind a recording hop, a proxy in
// front, a client through the proxy and one direct to the upstream.
type factsRig struct {
	up, px        *server.Server
	hop           *hop
	proxy, direct *kms.Client
	facts         authz.Facts
}

func newFactsRig(t *testing.T, opts ...func(*server.Config)) *factsRig {
	t.Helper()
	r := &factsRig{up: startEmulator(t)}
	r.hop = startHop(t, r.up.URL())
	r.px = startProxy(t, r.hop.srv.URL, opts...)
	r.proxy, r.direct = client(r.px.URL(), testRegion), client(r.up.URL(), testRegion)
	r.facts = r.px.Proxy().Facts()
	return r
}

// key creates a key directly upstream with an alias and a tag.
func (r *factsRig) key(t *testing.T, alias string) *types.KeyMetadata {
	t.Helper()
	ctx := context.Background()
	md := must(r.direct.CreateKey(ctx, &kms.CreateKeyInput{
		Tags:    []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("payments")}},
		KeySpec: types.KeySpecSymmetricDefault,
	}))(t).KeyMetadata
	if alias != "" {
		must(r.direct.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: md.KeyId}))(t)
	}
	return md
}

func (r *factsRig) keyFacts(t *testing.T, ref string) *authz.Key {
	t.Helper()
	k, err := r.facts.KeyFacts(context.Background(), testAccount, testRegion, ref)
	if err != nil {
		t.Fatalf("KeyFacts(%s): %v", ref, err)
	}
	return k
}

func TestFactsComeFromTheUpstream(t *testing.T) {
	r := newFactsRig(t)
	md := r.key(t, "alias/jumpwire/orders")
	arn := aws.ToString(md.Arn)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyRoot","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	must(r.direct.PutKeyPolicy(context.Background(), &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(policy), PolicyName: aws.String("default")}))(t)

	for _, ref := range []string{aws.ToString(md.KeyId), arn, "alias/jumpwire/orders", "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/orders"} {
		t.Run(ref, func(t *testing.T) {
			k := r.keyFacts(t, ref)
			if k.ARN != arn || k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.Origin != "AWS_KMS" {
				t.Errorf("got %s %s %s %s, want %s SYMMETRIC_DEFAULT ENCRYPT_DECRYPT AWS_KMS", k.ARN, k.KeySpec, k.KeyUsage, k.Origin, arn)
			}
			if !slices.Equal(k.Aliases, []string{"alias/jumpwire/orders"}) {
				t.Errorf("got aliases %v, want [alias/jumpwire/orders]", k.Aliases)
			}
			if len(k.Tags) != 1 || k.Tags["team"] != "payments" {
				t.Errorf("got tags %v, want team=payments", k.Tags)
			}
			if k.Policy == nil || len(k.Policy.Statements) != 1 || k.Policy.Statements[0].Sid != "OnlyRoot" {
				t.Errorf("got policy %+v, want the key's policy with statement OnlyRoot", k.Policy)
			}
		})
	}
	t.Run("a key that does not exist is NotFoundException", func(t *testing.T) {
		_, err := r.facts.KeyFacts(context.Background(), testAccount, testRegion, "alias/missing")
		var nf *types.NotFoundException
		if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "alias/missing") {
			t.Errorf("got %v, want NotFoundException naming alias/missing", err)
		}
	})
	t.Run("a key ARN of another region is looked up in its region", func(t *testing.T) {
		eu := must(client(r.up.URL(), "eu-west-1").CreateKey(context.Background(), &kms.CreateKeyInput{}))(t).KeyMetadata
		if k := r.keyFacts(t, aws.ToString(eu.Arn)); k.ARN != aws.ToString(eu.Arn) {
			t.Errorf("got %s, want %s", k.ARN, aws.ToString(eu.Arn))
		}
	})
	t.Run("CiphertextKey cannot read upstream blobs", func(t *testing.T) {
		arn, ok, err := r.facts.CiphertextKey(context.Background(), testAccount, testRegion, []byte("blob"))
		if arn != "" || ok || err != nil {
			t.Errorf("got %q %v %v, want \"\" false nil", arn, ok, err)
		}
	})
}

func TestFactsAreLoadedOncePerKeyHoweverManyMiss(t *testing.T) {
	r := newFactsRig(t)
	r.key(t, "alias/busy")
	lookups := []string{"DescribeKey", "ListAliases", "ListResourceTags", "GetKeyPolicy"}
	before := map[string]int{}
	for _, op := range lookups {
		before[op] = r.hop.count(op)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if _, err := r.facts.KeyFacts(context.Background(), testAccount, testRegion, "alias/busy"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("KeyFacts: %v", err)
	}
	r.keyFacts(t, "alias/busy") // a hit
	for _, op := range lookups {
		if got := r.hop.count(op) - before[op]; got != 1 {
			t.Errorf("got %d %s look-ups for 33 KeyFacts of one key, want 1", got, op)
		}
	}
}

// TestMutatingCallsThroughTheProxyInvalidateFacts: each change made through
// the proxy is seen by the very next look-up (the TTL is long).
func TestMutatingCallsThroughTheProxyInvalidateFacts(t *testing.T) {
	ctx := context.Background()
	r := newFactsRig(t, func(c *server.Config) { c.FactsTTL = time.Hour })
	a := r.key(t, "alias/a")
	b := r.key(t, "")
	ida, idb := aws.ToString(a.KeyId), aws.ToString(b.KeyId)

	steps := []struct {
		name   string
		change func(t *testing.T)
		check  func(t *testing.T)
	}{
		{"CreateAlias", func(t *testing.T) {
			must(r.proxy.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/b"), TargetKeyId: aws.String(idb)}))(t)
		}, func(t *testing.T) {
			if got := r.keyFacts(t, idb).Aliases; !slices.Equal(got, []string{"alias/jumpwire/b"}) {
				t.Errorf("got aliases %v of b, want [alias/jumpwire/b]", got)
			}
		}},
		{"UpdateAlias", func(t *testing.T) {
			must(r.proxy.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: aws.String(idb)}))(t)
		}, func(t *testing.T) {
			if got := r.keyFacts(t, "alias/a").ARN; got != aws.ToString(b.Arn) {
				t.Errorf("got alias/a -> %s, want b %s", got, aws.ToString(b.Arn))
			}
			if got := r.keyFacts(t, ida).Aliases; len(got) != 0 {
				t.Errorf("got aliases %v of a, want none", got)
			}
		}},
		{"DeleteAlias", func(t *testing.T) {
			must(r.proxy.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a")}))(t)
		}, func(t *testing.T) {
			if got := r.keyFacts(t, idb).Aliases; !slices.Equal(got, []string{"alias/jumpwire/b"}) {
				t.Errorf("got aliases %v of b, want [alias/jumpwire/b]", got)
			}
			_, err := r.facts.KeyFacts(ctx, testAccount, testRegion, "alias/a")
			if code, _ := apiError(t, err); code != "NotFoundException" {
				t.Errorf("got %s for the deleted alias, want NotFoundException", code)
			}
		}},
		{"TagResource", func(t *testing.T) {
			must(r.proxy.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(ida), Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}}))(t)
		}, func(t *testing.T) {
			if got := r.keyFacts(t, aws.ToString(a.Arn)).Tags; got["env"] != "prod" || got["team"] != "payments" {
				t.Errorf("got tags %v, want env=prod team=payments", got)
			}
		}},
		{"UntagResource", func(t *testing.T) {
			must(r.proxy.UntagResource(ctx, &kms.UntagResourceInput{KeyId: a.Arn, TagKeys: []string{"team"}}))(t)
		}, func(t *testing.T) {
			if got := r.keyFacts(t, ida).Tags; len(got) != 1 || got["env"] != "prod" {
				t.Errorf("got tags %v, want env=prod only", got)
			}
		}},
		{"PutKeyPolicy", func(t *testing.T) {
			pol := `{"Version":"2012-10-17","Statement":[{"Sid":"Changed","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
			must(r.proxy.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(ida), Policy: aws.String(pol), PolicyName: aws.String("default")}))(t)
		}, func(t *testing.T) {
			if p := r.keyFacts(t, ida).Policy; p == nil || p.Statements[0].Sid != "Changed" {
				t.Errorf("got policy %+v, want statement Changed", p)
			}
		}},
		{"ScheduleKeyDeletion", func(t *testing.T) {
			must(r.proxy.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(ida), PendingWindowInDays: aws.Int32(7)}))(t)
		}, func(t *testing.T) {
			before := r.hop.count("DescribeKey")
			r.keyFacts(t, ida)
			if got := r.hop.count("DescribeKey") - before; got != 1 {
				t.Errorf("got %d DescribeKey look-ups after ScheduleKeyDeletion, want 1 (facts forgotten)", got)
			}
		}},
	}
	// Warm the cache with both keys by every name first.
	r.keyFacts(t, ida)
	r.keyFacts(t, idb)
	r.keyFacts(t, "alias/a")
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change(t)
			s.check(t)
		})
	}
}

func TestFactsExpireAfterTheTTL(t *testing.T) {
	ctx := context.Background()
	r := newFactsRig(t, func(c *server.Config) { c.FactsTTL = 50 * time.Millisecond })
	md := r.key(t, "alias/ttl")
	r.keyFacts(t, "alias/ttl")
	// A change made upstream behind the proxy's back is seen once the
	// cached facts expire (that they are kept until then is
	// TestFactsAreLoadedOncePerKeyHoweverManyMiss's hit).
	must(r.direct.TagResource(ctx, &kms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("late"), TagValue: aws.String("yes")}}}))(t)
	time.Sleep(100 * time.Millisecond)
	if got := r.keyFacts(t, "alias/ttl").Tags; got["late"] != "yes" {
		t.Errorf("got tags %v after the TTL, want late=yes", got)
	}
}

func TestGrantsFactsFollowGrantCalls(t *testing.T) {
	ctx := context.Background()
	r := newFactsRig(t, func(c *server.Config) { c.FactsTTL = time.Hour })
	md := r.key(t, "")
	arn := aws.ToString(md.Arn)
	grants := func(t *testing.T) []authz.Grant {
		t.Helper()
		g, err := r.facts.Grants(ctx, arn)
		if err != nil {
			t.Fatalf("Grants: %v", err)
		}
		return g
	}
	if g := grants(t); len(g) != 0 {
		t.Fatalf("got %d grants of a new key, want 0", len(g))
	}
	created := must(r.proxy.CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId: md.KeyId, GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/app"),
		Operations:  []types.GrantOperation{types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}},
	}))(t)
	g := grants(t)
	if len(g) != 1 || g[0].ID != aws.ToString(created.GrantId) || g[0].KeyARN != arn ||
		g[0].GranteePrincipal != "arn:aws:iam::111122223333:role/app" || !slices.Equal(g[0].Operations, []string{"Decrypt"}) ||
		g[0].EncryptionContextSubset["tenant"] != "a" {
		t.Errorf("got %+v, want the created grant", g)
	}
	must(r.proxy.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: created.GrantToken}))(t)
	if g := grants(t); len(g) != 0 {
		t.Errorf("got %+v after RetireGrant by token, want none", g)
	}
}

// TestRefusedLookUpsNameTheLookUpAndPermission: the upstream refuses one of
// kmsgate's own look-ups (its credentials lack the permission).
func TestRefusedLookUpsNameTheLookUpAndPermission(t *testing.T) {
	for _, op := range []string{"DescribeKey", "ListAliases", "ListResourceTags", "GetKeyPolicy", "ListGrants"} {
		t.Run(op, func(t *testing.T) {
			r := newFactsRig(t)
			md := r.key(t, "alias/x")
			r.hop.answer(op, 400, fmt.Sprintf(`{"__type":"AccessDeniedException","message":"User: arn:aws:iam::111122223333:user/kmsgate is not authorized to perform: kms:%s"}`, op))
			var err error
			if op == "ListGrants" {
				_, err = r.facts.Grants(context.Background(), aws.ToString(md.Arn))
			} else {
				_, err = r.facts.KeyFacts(context.Background(), testAccount, testRegion, "alias/x")
			}
			code, msg := apiError(t, err)
			if code != "AccessDeniedException" || !strings.Contains(msg, "look-up "+op) || !strings.Contains(msg, "need kms:"+op) {
				t.Errorf("got %s %q, want AccessDeniedException naming the look-up %s and kms:%s", code, msg, op, op)
			}
		})
	}
}
