package emulator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

const (
	seedMRK      = "mrk-0123456789abcdef0123456789abcdef"
	verifierRole = "arn:aws:iam::111122223333:role/verifier"
)

func seedGrants() []seed.Grant {
	return []seed.Grant{{
		Name:              "app-decrypt",
		GranteePrincipal:  granteeRole,
		RetiringPrincipal: retiringRole,
		Operations:        []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationGenerateDataKey},
		Constraints:       &types.GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "acme"}},
	}, {
		GranteePrincipal: granteeRole,
		Operations:       []types.GrantOperation{types.GrantOperationEncrypt},
	}, {
		GranteeServicePrincipal: "s3.amazonaws.com",
		Operations:              []types.GrantOperation{types.GrantOperationDecrypt},
		Constraints:             &types.GrantConstraints{SourceArn: aws.String("arn:aws:s3:eu-west-1:111122223333:bucket")},
	}}
}

func grantSeed() *seed.File {
	return &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Material: [][]byte{bytes.Repeat([]byte{7}, 32)}, Grants: seedGrants()}}}
}

// grantsByID lists a key's grants in ctx's region, by grant id.
func (e *env) grantsByID(ctx context.Context, keyID string) map[string]types.GrantListEntry {
	e.t.Helper()
	out, err := e.svc.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	if err != nil {
		e.t.Fatalf("ListGrants(%s): %v", keyID, err)
	}
	m := map[string]types.GrantListEntry{}
	for _, g := range out.Grants {
		m[aws.ToString(g.GrantId)] = g
	}
	return m
}

func grantIDs(m map[string]types.GrantListEntry) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func TestApplySeedCreatesGrants(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, grantSeed()))
	got := e.grantsByID(e.ctx, seedID)
	if len(got) != 3 {
		t.Fatalf("got %d grants, want 3", len(got))
	}
	byName := map[string]types.GrantListEntry{}
	for id, g := range got {
		if !reGrantID.MatchString(id) {
			t.Errorf("grant id %q: want 64 hex characters", id)
		}
		byName[aws.ToString(g.Name)+"|"+aws.ToString(g.GranteePrincipal)+aws.ToString(g.GranteeServicePrincipal)] = g
	}
	cases := []struct {
		name, key string
		check     func(g types.GrantListEntry) bool
	}{
		{"the named grant keeps its retiring principal, operations and constraint", "app-decrypt|" + granteeRole, func(g types.GrantListEntry) bool {
			return aws.ToString(g.RetiringPrincipal) == retiringRole &&
				slices.Equal(g.Operations, []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationGenerateDataKey}) &&
				g.Constraints != nil && g.Constraints.EncryptionContextSubset["tenant"] == "acme" &&
				aws.ToString(g.IssuingAccount) == "arn:aws:iam::111122223333:root" && g.CreationDate.Equal(start) &&
				aws.ToString(g.KeyId) == arnPrefix+"key/"+seedID
		}},
		{"the unnamed grant has the empty name (as AWS lists it) and its one operation", "|" + granteeRole, func(g types.GrantListEntry) bool {
			return g.Name != nil && *g.Name == "" && slices.Equal(g.Operations, []types.GrantOperation{types.GrantOperationEncrypt}) && g.Constraints == nil
		}},
		{"the service principal grant keeps its source ARN", "|s3.amazonaws.com", func(g types.GrantListEntry) bool {
			return g.Constraints != nil && aws.ToString(g.Constraints.SourceArn) == "arn:aws:s3:eu-west-1:111122223333:bucket"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, found := byName[c.key]
			if !found {
				t.Fatalf("got grants %v, want one for %s", grantIDs(got), c.key)
			}
			if !c.check(g) {
				t.Errorf("got %+v", g)
			}
		})
	}
	t.Run("a seed grant is retired by its id like any grant", func(t *testing.T) {
		id := grantIDs(got)[0]
		_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(seedID), GrantId: aws.String(id)})
		ok(t, err)
		if _, still := e.grantsByID(e.ctx, seedID)[id]; still {
			t.Errorf("grant %s still listed after RevokeGrant", id)
		}
	})
}

func TestApplySeedGrantsTwiceMakesNoCopies(t *testing.T) {
	cases := []struct {
		name  string
		setup func(e *env)
		want  int
	}{
		{"a second apply after a restart finds every grant", nil, 3},
		{"a named grant made by CreateGrant with the same parameters is not made again", func(e *env) {
			// The key exists (seeded without grants); the app made the grant itself.
			ok(e.t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Material: [][]byte{bytes.Repeat([]byte{7}, 32)}}}}))
			g := seedGrants()[0]
			e.grant(&kms.CreateGrantInput{KeyId: aws.String(seedID), Name: aws.String(g.Name), GranteePrincipal: aws.String(g.GranteePrincipal),
				RetiringPrincipal: aws.String(g.RetiringPrincipal), Operations: g.Operations, Constraints: g.Constraints})
		}, 3},
		{"a grant with the same name and other parameters is another grant", func(e *env) {
			ok(e.t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true}}}))
			e.grant(&kms.CreateGrantInput{KeyId: aws.String(seedID), Name: aws.String("app-decrypt"), GranteePrincipal: aws.String(granteeRole),
				Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
		}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.setup != nil {
				c.setup(e)
			}
			ok(t, e.svc.ApplySeed(e.ctx, grantSeed()))
			before := e.grantsByID(e.ctx, seedID)
			first := grantIDs(before)
			e.restart()
			e.clock.Advance(time.Hour)
			ok(t, e.svc.ApplySeed(e.ctx, grantSeed()))
			after := e.grantsByID(e.ctx, seedID)
			second := grantIDs(after)
			if len(second) != c.want || !slices.Equal(first, second) {
				t.Errorf("grants after the first apply %v, after the second %v; want the same %d", first, second, c.want)
			}
			for id, g := range after {
				if !g.CreationDate.Equal(*before[id].CreationDate) {
					t.Errorf("grant %s: created %v, then %v after the second apply; want it untouched", id, before[id].CreationDate, g.CreationDate)
				}
			}
		})
	}
}

// The grant ids of a seed file are the same in every store: tests can name
// a seeded grant by its id.
func TestSeedGrantIDsAreTheSameInEveryStore(t *testing.T) {
	a := newEnv(t)
	ok(t, a.svc.ApplySeed(a.ctx, grantSeed()))
	b, err := emulator.New(emulator.Config{DB: storagetest.New(t), Account: testAccount, Region: testRegion, Now: a.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
	ok(t, err)
	ok(t, b.ApplySeed(context.Background(), grantSeed()))
	out, err := b.ListGrants(context.Background(), &kms.ListGrantsInput{KeyId: aws.String(seedID)})
	ok(t, err)
	var ids []string
	for _, g := range out.Grants {
		ids = append(ids, aws.ToString(g.GrantId))
	}
	slices.Sort(ids)
	if want := grantIDs(a.grantsByID(a.ctx, seedID)); !slices.Equal(ids, want) {
		t.Errorf("grant ids in another store: got %v, want %v", ids, want)
	}
}

func TestApplySeedGrantErrorsNameTheGrant(t *testing.T) {
	hmacKey := func(g seed.Grant) *seed.File {
		return &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Grants: []seed.Grant{g}}}}
	}
	symKey := func(g seed.Grant) *seed.File {
		return &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Grants: []seed.Grant{g}}}}
	}
	cases := []struct {
		name string
		f    *seed.File
		want []string
	}{
		{"an operation the key's usage does not have", symKey(seed.Grant{Name: "signer", GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationSign}}),
			[]string{"seed key 1 (" + seedID + ") grant 1 (signer): ", "Operations [Sign] are not supported when creating a grant for a symmetric KMS key with key usage ENCRYPT_DECRYPT. Valid operations are [CreateGrant, RetireGrant, DescribeKey, Decrypt, "}},
		{"an encryption context constraint on an HMAC key", hmacKey(seed.Grant{GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationGenerateMac}, Constraints: &types.GrantConstraints{EncryptionContextEquals: map[string]string{"a": "b"}}}),
			[]string{"grant 1 (for " + granteeRole + "): ", "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key."}},
		{"a grant without operations", symKey(seed.Grant{GranteePrincipal: granteeRole}), []string{"grant 1", "operations"}},
		{"a grant for CreateGrant alone", symKey(seed.Grant{GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationCreateGrant}}), []string{"Grants must not contain only the CreateGrant operation."}},
		{"a grant without a grantee", symKey(seed.Grant{Operations: []types.GrantOperation{types.GrantOperationDecrypt}}), []string{"grant 1: the grant has no grantee principal"}},
		{"a grant name with a space", symKey(seed.Grant{Name: "a b", GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationDecrypt}}), []string{"grant 1 (a b): ", "'a b' at 'name'"}},
		{"the same unnamed grant twice", &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Grants: []seed.Grant{
			{GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationEncrypt}},
			{GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt}},
		}}}}, []string{"grant 2 (for " + granteeRole + "): the same grant as grant 1"}},
		{"a service grantee without a source ARN", symKey(seed.Grant{GranteeServicePrincipal: "s3.amazonaws.com", Operations: []types.GrantOperation{types.GrantOperationDecrypt}}), []string{"needs a SourceArn constraint"}},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused and applies nothing", func(t *testing.T) { applyRefused(t, c.f, c.want) })
	}
	t.Run("a new grant on a key pending deletion is refused", func(t *testing.T) {
		e := newEnv(t)
		ok(t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true}}}))
		_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(seedID)})
		ok(t, err)
		err = e.svc.ApplySeed(e.ctx, grantSeed())
		if err == nil || !strings.Contains(err.Error(), "grant 1 (app-decrypt): ") || !strings.Contains(err.Error(), "pending deletion") {
			t.Errorf("got %v, want an error naming the grant and the pending deletion", err)
		}
	})
}

func TestApplySeedNextRotation(t *testing.T) {
	cases := []struct {
		name         string
		next         time.Time
		wantNext     time.Time
		wantVersions int
	}{
		{"a future date is the first rotation's date", start.Add(10 * 24 * time.Hour), start.Add(10 * 24 * time.Hour), 1},
		{"a past date rotates the key once, now", start.Add(-1000 * 24 * time.Hour), start.Add(180 * 24 * time.Hour), 2},
		{"no date rotates a period after creation", time.Time{}, start.Add(180 * 24 * time.Hour), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			f := &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Material: [][]byte{bytes.Repeat([]byte{3}, 32)},
				RotationEnabled: true, RotationPeriodInDays: 180, NextRotation: c.next}}}
			ok(t, e.svc.ApplySeed(e.ctx, f))
			ok(t, e.svc.ApplySeed(e.ctx, f))
			st := e.rotationStatus(seedID)
			if st.NextRotationDate == nil || !st.NextRotationDate.Equal(c.wantNext) {
				t.Errorf("next rotation: got %v, want %v", st.NextRotationDate, c.wantNext)
			}
			if n := len(e.rotations(seedID, types.IncludeKeyMaterialAllKeyMaterial)); n != c.wantVersions {
				t.Errorf("material versions: got %d, want %d", n, c.wantVersions)
			}
		})
	}
	t.Run("the key rotates on its date", func(t *testing.T) {
		e := newEnv(t)
		next := start.Add(10 * 24 * time.Hour)
		ok(t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, RotationEnabled: true, RotationPeriodInDays: 90, NextRotation: next}}}))
		e.clock.Advance(10*24*time.Hour - time.Second)
		if n := len(e.rotations(seedID, types.IncludeKeyMaterialAllKeyMaterial)); n != 1 {
			t.Fatalf("a second before the date: got %d versions, want 1", n)
		}
		e.clock.Advance(time.Second)
		rs := e.rotations(seedID, types.IncludeKeyMaterialAllKeyMaterial)
		if len(rs) != 2 || !rs[1].RotationDate.Equal(next) {
			t.Errorf("on the date: got %d versions (last %v), want 2 with the last dated %v", len(rs), rs[len(rs)-1].RotationDate, next)
		}
	})
}

// applyRefused applies f to a new store and checks that it fails with an
// error holding every want and that the first key of f was not created.
func applyRefused(t *testing.T, f *seed.File, want []string) {
	t.Helper()
	e := newEnv(t)
	err := e.svc.ApplySeed(e.ctx, f)
	if err == nil {
		t.Fatal("got nil error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got %q, want it to contain %q", err, w)
		}
	}
	if _, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String(f.Keys[0].ID)}); !isCode(err, "NotFoundException") {
		t.Errorf("the key of a failed seed: got %v, want NotFoundException", err)
	}
}
