package emulator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestFactsServeWhatAuthorizationNeeds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createKey(&kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}})
	e.alias("alias/a", id)
	e.alias("alias/b", id)
	arn := "arn:aws:kms:" + testRegion + ":" + testAccount + ":key/" + id

	for _, ref := range []string{id, arn, "alias/a", "arn:aws:kms:" + testRegion + ":" + testAccount + ":alias/b"} {
		k, err := e.svc.KeyFacts(ctx, testAccount, testRegion, ref)
		if err != nil {
			t.Fatalf("KeyFacts(%s): %v", ref, err)
		}
		if k.ARN != arn || strings.Join(k.Aliases, ",") != "alias/a,alias/b" || k.Tags["env"] != "prod" ||
			k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.Origin != "AWS_KMS" || k.Policy != nil {
			t.Fatalf("KeyFacts(%s): got %+v, want the key's ARN, both aliases, its tag, spec, usage, origin and the default policy as nil", ref, k)
		}
	}
	t.Run("a stored policy is parsed", func(t *testing.T) {
		pid := e.createKey(&kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Only","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/r"},"Action":"kms:*","Resource":"*"}]}`)})
		k, err := e.svc.KeyFacts(ctx, testAccount, testRegion, pid)
		if err != nil || k.Policy == nil || len(k.Policy.Statements) != 1 || k.Policy.Statements[0].Sid != "Only" || k.Aliases != nil {
			t.Fatalf("got %+v %v, want the parsed policy and no alias", k, err)
		}
	})
	t.Run("a missing key or alias answers NotFoundException", func(t *testing.T) {
		_, err := e.svc.KeyFacts(ctx, testAccount, testRegion, "alias/missing")
		wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:"+testRegion+":"+testAccount+":alias/missing is not found.")
		_, err = e.svc.KeyFacts(ctx, "444455556666", testRegion, id)
		wantErr(t, err, "NotFoundException", "*")
	})
	t.Run("the key inside a ciphertext", func(t *testing.T) {
		blob := e.encrypt(id, "x", nil)
		got, ok, err := e.svc.CiphertextKey(ctx, testAccount, testRegion, blob)
		if err != nil || !ok || got != arn {
			t.Fatalf("got %s %v %v, want %s", got, ok, err, arn)
		}
		// As Decrypt without KeyId answers: a blob not of the symmetric form
		// asks for the KeyId, a broken one is an invalid ciphertext.
		_, _, err = e.svc.CiphertextKey(ctx, testAccount, testRegion, []byte("junk"))
		wantErr(t, err, "ValidationException", "KeyId must not be null")
		_, _, err = e.svc.CiphertextKey(ctx, testAccount, testRegion, blob[:len(blob)/2])
		wantErr(t, err, "InvalidCiphertextException", "")
		_, _, err = e.svc.CiphertextKey(ctx, "444455556666", testRegion, blob)
		wantErr(t, err, "AccessDeniedException", "*")
	})
	t.Run("grants with their constraints", func(t *testing.T) {
		_, err := e.svc.CreateGrant(e.in(testRegion), &kms.CreateGrantInput{KeyId: aws.String(id), GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/g"),
			Operations:  []types.GrantOperation{types.GrantOperationDecrypt},
			Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"t": "1"}}})
		if err != nil {
			t.Fatal(err)
		}
		gs, err := e.svc.Grants(ctx, arn)
		if err != nil || len(gs) != 1 {
			t.Fatalf("got %+v %v, want one grant", gs, err)
		}
		g := gs[0]
		if g.KeyARN != arn || g.GranteePrincipal != "arn:aws:iam::111122223333:role/g" || strings.Join(g.Operations, ",") != "Decrypt" || g.EncryptionContextSubset["t"] != "1" || len(g.ID) != 64 {
			t.Fatalf("got %+v, want the grant as created", g)
		}
	})
}

// TestFactsFollowTimeWithoutAWrite: KeyFacts caches a key's facts by
// store snapshot; a key whose deletion date passes changes with no write,
// so the next look-up must answer NotFoundException all the same.
func TestFactsFollowTimeWithoutAWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createKey(&kms.CreateKeyInput{})
	for i := 0; i < 2; i++ { // the second look-up is served from the cache
		if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, id); err != nil {
			t.Fatalf("KeyFacts: got %v, want the key's facts", err)
		}
	}
	if _, err := e.svc.ScheduleKeyDeletion(e.in(testRegion), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, id); err != nil {
		t.Fatalf("KeyFacts of a key pending deletion: got %v, want its facts", err)
	}
	e.clock.Advance(8 * 24 * time.Hour)
	_, err := e.svc.KeyFacts(ctx, testAccount, testRegion, id)
	wantErr(t, err, "NotFoundException", "*")
}

// TestFactsCachedBetweenWrites pins what the facts cache saves: a second
// look-up of the same KeyId with no write since opens no transaction and
// allocates nothing (the store's write count names the state: it was 7
// allocations with a read transaction for the snapshot id).
func TestFactsCachedBetweenWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createKey(&kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}})
	const runs = 20
	for i := range runs + 1 { // AllocsPerRun runs once more to warm up
		e.alias(fmt.Sprintf("alias/a%d", i), id)
	}
	n := 0
	uncached := testing.AllocsPerRun(runs, func() { // a KeyId not looked up before
		if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, fmt.Sprintf("alias/a%d", n)); err != nil {
			t.Fatal(err)
		}
		n++
	})
	cached := testing.AllocsPerRun(100, func() {
		if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, "alias/a0"); err != nil {
			t.Fatal(err)
		}
	})
	if cached > 0 || cached >= uncached {
		t.Errorf("got %v allocations per cached look-up and %v per first look-up, want none and fewer than the first", cached, uncached)
	}
}

// BenchmarkKeyFacts is the gate's look-up of a key by alias with no write
// since the last one (the facts cache's hit), as every judged call on a
// key makes it.
func BenchmarkKeyFacts(b *testing.B) {
	e := newEnvTB(b)
	ctx := context.Background()
	id := e.createKey(&kms.CreateKeyInput{})
	e.alias("alias/bench", id)
	b.Run("one caller", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, "alias/bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("callers in parallel", func(b *testing.B) { // as a server's requests are
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, "alias/bench"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkCiphertextKey is the gate's look-up of the key inside a
// ciphertext (a Decrypt without KeyId), then of that key's facts, with no
// write since the last one.
func BenchmarkCiphertextKey(b *testing.B) {
	e := newEnvTB(b)
	ctx := context.Background()
	blob := e.encrypt(e.createKey(&kms.CreateKeyInput{}), "x", nil)
	b.ReportAllocs()
	for b.Loop() {
		arn, _, err := e.svc.CiphertextKey(ctx, testAccount, testRegion, blob)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, arn); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFactsFollowEveryWrite: the facts of a KeyId looked up again and
// again (served from the cache without a transaction) change with the
// next write to the key, its aliases or its policy, and with a write to
// another key they are still right.
func TestFactsFollowEveryWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createKey(&kms.CreateKeyInput{})
	other := e.createKey(&kms.CreateKeyInput{})
	e.alias("alias/a", id)
	look := func() string {
		t.Helper()
		for range 3 {
			if _, err := e.svc.KeyFacts(ctx, testAccount, testRegion, other); err != nil {
				t.Fatal(err)
			}
		}
		k, err := e.svc.KeyFacts(ctx, testAccount, testRegion, "alias/a")
		if err != nil {
			return err.Error()
		}
		policy := "default"
		if k.Policy != nil {
			policy = k.Policy.Statements[0].Sid
		}
		return fmt.Sprintf("%s %v %v %s", k.ARN[len(k.ARN)-len(id):], k.Aliases, k.Tags, policy)
	}
	steps := []struct {
		name  string
		write func() error
		want  string
	}{
		{"no write", func() error { return nil }, id + " [alias/a] map[] default"},
		{"a tag", func() error {
			_, err := e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{{TagKey: aws.String("t"), TagValue: aws.String("1")}}})
			return err
		}, id + " [alias/a] map[t:1] default"},
		{"another alias", func() error { e.alias("alias/b", id); return nil }, id + " [alias/a alias/b] map[t:1] default"},
		{"a write to another key", func() error {
			_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(other)})
			return err
		}, id + " [alias/a alias/b] map[t:1] default"},
		{"a key policy", func() error {
			_, err := e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Only","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`)})
			return err
		}, id + " [alias/a alias/b] map[t:1] Only"},
		{"the alias moved to another key", func() error {
			_, err := e.svc.UpdateAlias(e.ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: aws.String(other)})
			return err
		}, other + " [alias/a] map[] default"},
		{"the alias deleted", func() error {
			_, err := e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a")})
			return err
		}, "NotFoundException: Alias arn:aws:kms:" + testRegion + ":" + testAccount + ":alias/a is not found."},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for range 2 { // the second look-up is a cache hit
			if got := look(); got != s.want {
				t.Fatalf("after %s: got %q, want %q", s.name, got, s.want)
			}
		}
	}
}
