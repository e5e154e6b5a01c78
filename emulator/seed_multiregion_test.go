package emulator_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/seed"
)

const otherRegion = "us-east-1"

// mrkSeed is a multi-Region key in testRegion with two replicas, the
// second with its own settings, an alias and a grant.
func mrkSeed() *seed.File {
	return &seed.File{Keys: []seed.Key{{
		ID:          seedMRK,
		Enabled:     true,
		MultiRegion: true,
		Description: "primary",
		Material:    [][]byte{bytes.Repeat([]byte{9}, 32)},
		Aliases:     []string{"alias/global"},
		Replicas: []seed.Replica{
			{Region: otherRegion, Enabled: true},
			{Region: replicaRegion, Enabled: true, Description: "Sydney", Tags: []types.Tag{tag("site", "syd")},
				Aliases: []string{"alias/global"},
				Grants:  []seed.Grant{{GranteePrincipal: verifierRole, Operations: []types.GrantOperation{types.GrantOperationDecrypt}}}},
		},
	}}}
}

func (e *env) encryptIn(ctx context.Context, keyID, pt string) []byte {
	e.t.Helper()
	out, err := e.svc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte(pt)})
	if err != nil {
		e.t.Fatalf("Encrypt(%s): %v", keyID, err)
	}
	return out.CiphertextBlob
}

func (e *env) decryptIn(ctx context.Context, blob []byte) (string, error) {
	out, err := e.svc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	if err != nil {
		return "", err
	}
	return string(out.Plaintext), nil
}

func TestApplySeedCreatesReplicas(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
	primary := e.describeIn(testRegion, seedMRK)
	t.Run("the primary lists both replicas", func(t *testing.T) {
		cfg := primary.MultiRegionConfiguration
		if cfg == nil || cfg.MultiRegionKeyType != types.MultiRegionKeyTypePrimary || len(cfg.ReplicaKeys) != 2 {
			t.Fatalf("got %+v, want PRIMARY with 2 replicas", cfg)
		}
		var regions []string
		for _, r := range cfg.ReplicaKeys {
			regions = append(regions, aws.ToString(r.Region))
		}
		slices.Sort(regions)
		if want := []string{replicaRegion, otherRegion}; !slices.Equal(regions, want) {
			t.Errorf("replica regions: got %v, want %v", regions, want)
		}
	})
	for _, c := range []struct {
		region, description string
	}{{otherRegion, ""}, {replicaRegion, "Sydney"}} {
		t.Run("the replica in "+c.region+" has the primary's type and material and its own description", func(t *testing.T) {
			md := e.describeIn(c.region, seedMRK)
			if md.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || aws.ToString(md.MultiRegionConfiguration.PrimaryKey.Region) != testRegion {
				t.Errorf("got %+v, want a REPLICA of the key in %s", md.MultiRegionConfiguration, testRegion)
			}
			if aws.ToString(md.Description) != c.description || md.KeyState != types.KeyStateEnabled || md.KeySpec != primary.KeySpec {
				t.Errorf("got description %q state %s spec %s", aws.ToString(md.Description), md.KeyState, md.KeySpec)
			}
			if aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(primary.CurrentKeyMaterialId) {
				t.Errorf("current material: got %s, want the primary's %s", aws.ToString(md.CurrentKeyMaterialId), aws.ToString(primary.CurrentKeyMaterialId))
			}
			blob := e.encryptIn(e.in(c.region), seedMRK, "from "+c.region)
			if got, err := e.decryptIn(e.ctx, blob); err != nil || got != "from "+c.region {
				t.Errorf("the primary opening the replica's blob: got %q, %v", got, err)
			}
			blob = e.encryptIn(e.ctx, seedMRK, "to "+c.region)
			if got, err := e.decryptIn(e.in(c.region), blob); err != nil || got != "to "+c.region {
				t.Errorf("the replica opening the primary's blob: got %q, %v", got, err)
			}
		})
	}
	t.Run("the Sydney replica has its tags, alias and grant in its region", func(t *testing.T) {
		syd := e.in(replicaRegion)
		tags, err := e.svc.ListResourceTags(syd, &kms.ListResourceTagsInput{KeyId: aws.String(seedMRK)})
		ok(t, err)
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "site" {
			t.Errorf("tags: got %+v, want site=syd", tags.Tags)
		}
		out, err := e.svc.DescribeKey(syd, &kms.DescribeKeyInput{KeyId: aws.String("alias/global")})
		ok(t, err)
		if aws.ToString(out.KeyMetadata.Arn) != regionARN(replicaRegion, seedMRK) {
			t.Errorf("alias/global in %s: got %s, want the replica", replicaRegion, aws.ToString(out.KeyMetadata.Arn))
		}
		grants := e.grantsByID(syd, seedMRK)
		if len(grants) != 1 {
			t.Fatalf("grants in %s: got %d, want 1", replicaRegion, len(grants))
		}
		if n := len(e.grantsByID(e.ctx, seedMRK)); n != 0 {
			t.Errorf("grants on the primary: got %d, want 0 (the grant is the replica's)", n)
		}
	})
	t.Run("the replica without settings has the default policy", func(t *testing.T) {
		out, err := e.svc.GetKeyPolicy(e.in(otherRegion), &kms.GetKeyPolicyInput{KeyId: aws.String(seedMRK)})
		ok(t, err)
		if !strings.Contains(aws.ToString(out.Policy), "arn:aws:iam::111122223333:root") {
			t.Errorf("got policy %s, want the default key policy", aws.ToString(out.Policy))
		}
	})
}

func TestApplySeedReplicasTwiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
	before := map[string]*types.KeyMetadata{}
	for _, r := range []string{testRegion, otherRegion, replicaRegion} {
		before[r] = e.describeIn(r, seedMRK)
	}
	grants := grantIDs(e.grantsByID(e.in(replicaRegion), seedMRK))
	e.restart()
	e.clock.Advance(time.Hour)
	ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
	for r, md := range before {
		got := e.describeIn(r, seedMRK)
		if !got.CreationDate.Equal(*md.CreationDate) || aws.ToString(got.CurrentKeyMaterialId) != aws.ToString(md.CurrentKeyMaterialId) ||
			len(got.MultiRegionConfiguration.ReplicaKeys) != 2 {
			t.Errorf("%s after a second apply: got created %v material %s, %d replicas; want %v %s 2", r, got.CreationDate, aws.ToString(got.CurrentKeyMaterialId),
				len(got.MultiRegionConfiguration.ReplicaKeys), md.CreationDate, aws.ToString(md.CurrentKeyMaterialId))
		}
	}
	if got := grantIDs(e.grantsByID(e.in(replicaRegion), seedMRK)); !slices.Equal(got, grants) {
		t.Errorf("replica grants after a second apply: got %v, want %v", got, grants)
	}
}

func TestApplySeedReplicasOfExistingKeys(t *testing.T) {
	t.Run("a replica added to the file later gets every material version", func(t *testing.T) {
		e := newEnv(t)
		f := mrkSeed()
		f.Keys[0].Replicas = nil
		ok(t, e.svc.ApplySeed(e.ctx, f))
		_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(seedMRK)})
		ok(t, err)
		blob := e.encryptIn(e.ctx, seedMRK, "rotated")
		ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
		if got, err := e.decryptIn(e.in(otherRegion), blob); err != nil || got != "rotated" {
			t.Errorf("the new replica opening a blob of the rotated material: got %q, %v", got, err)
		}
	})
	t.Run("a material version added to the file reaches the replicas", func(t *testing.T) {
		e := newEnv(t)
		ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
		f := mrkSeed()
		f.Keys[0].Material = append(f.Keys[0].Material, bytes.Repeat([]byte{10}, 32))
		ok(t, e.svc.ApplySeed(e.ctx, f))
		blob := e.encryptIn(e.ctx, seedMRK, "v2")
		if got, err := e.decryptIn(e.in(replicaRegion), blob); err != nil || got != "v2" {
			t.Errorf("the replica opening a blob of the new version: got %q, %v", got, err)
		}
	})
	t.Run("replicas of a key whose primary moved copy the new primary", func(t *testing.T) {
		e := newEnv(t)
		f := mrkSeed()
		f.Keys[0].Replicas = f.Keys[0].Replicas[:1]
		ok(t, e.svc.ApplySeed(e.ctx, f))
		_, err := e.svc.UpdatePrimaryRegion(e.ctx, &kms.UpdatePrimaryRegionInput{KeyId: aws.String(seedMRK), PrimaryRegion: aws.String(otherRegion)})
		ok(t, err)
		ok(t, e.svc.ApplySeed(e.ctx, mrkSeed()))
		md := e.describeIn(replicaRegion, seedMRK)
		if cfg := md.MultiRegionConfiguration; cfg.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || aws.ToString(cfg.PrimaryKey.Region) != otherRegion {
			t.Errorf("the new replica: got %+v, want a replica of the primary in %s", cfg, otherRegion)
		}
		blob := e.encryptIn(e.in(otherRegion), seedMRK, "moved")
		if got, err := e.decryptIn(e.in(replicaRegion), blob); err != nil || got != "moved" {
			t.Errorf("the new replica opening the new primary's blob: got %q, %v", got, err)
		}
	})
}

func TestApplySeedReplicaOfAKeyPendingDeletionIsRefused(t *testing.T) {
	e := newEnv(t)
	f := mrkSeed()
	f.Keys[0].Replicas = nil
	ok(t, e.svc.ApplySeed(e.ctx, f))
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(seedMRK)})
	ok(t, err)
	err = e.svc.ApplySeed(e.ctx, mrkSeed())
	if err == nil || !strings.Contains(err.Error(), "replica 1 ("+otherRegion+"): ") || !strings.Contains(err.Error(), "pending deletion") {
		t.Errorf("got %v, want an error naming the replica and the pending deletion", err)
	}
}

func TestApplySeedReplicasOfImportedKeys(t *testing.T) {
	cases := []struct {
		name      string
		material  [][]byte
		wantState types.KeyState
	}{
		{"a replica of an EXTERNAL key with material has it imported", [][]byte{bytes.Repeat([]byte{5}, 32)}, types.KeyStateEnabled},
		{"a replica of an EXTERNAL key without material waits for its import", nil, types.KeyStatePendingImport},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			f := &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, MultiRegion: true, Origin: types.OriginTypeExternal, Material: c.material,
				Replicas: []seed.Replica{{Region: otherRegion, Enabled: true}}}}}
			ok(t, e.svc.ApplySeed(e.ctx, f))
			ok(t, e.svc.ApplySeed(e.ctx, f))
			md := e.describeIn(otherRegion, seedMRK)
			if md.KeyState != c.wantState || md.Origin != types.OriginTypeExternal {
				t.Fatalf("replica: got %s / %s, want %s / EXTERNAL", md.KeyState, md.Origin, c.wantState)
			}
			if c.wantState != types.KeyStateEnabled {
				return
			}
			if md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire {
				t.Errorf("replica expiration model: got %s, want KEY_MATERIAL_DOES_NOT_EXPIRE", md.ExpirationModel)
			}
			blob := e.encryptIn(e.ctx, seedMRK, "imported")
			if got, err := e.decryptIn(e.in(otherRegion), blob); err != nil || got != "imported" {
				t.Errorf("the replica opening the primary's blob: got %q, %v", got, err)
			}
		})
	}
}

func TestApplySeedReplicaErrors(t *testing.T) {
	cases := []struct {
		name string
		f    *seed.File
		want []string
	}{
		{"a replica of a key that is not multi-Region", &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: true, Replicas: []seed.Replica{{Region: otherRegion}}}}},
			[]string{"seed key 1 (" + seedID + ") replica 1 (" + otherRegion + "): key " + seedID + " is not a multi-Region key"}},
		{"a replica in the key's own region", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: testRegion}}}}},
			[]string{"replica 1 (" + testRegion + "): region " + testRegion + " is the key's own region"}},
		{"a replica in another partition", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: "cn-north-1"}}}}},
			[]string{"replica 1 (cn-north-1): region cn-north-1 is not in the partition"}},
		{"a replica with a bad region", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: "Mars"}}}}},
			[]string{"replica 1 (Mars): ", "replicaRegion"}},
		{"a replica with a bad policy", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: otherRegion, Policy: "{"}}}}},
			[]string{"replica 1 (" + otherRegion + "): "}},
		{"a replica alias in alias/aws/", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: otherRegion, Aliases: []string{"alias/aws/s3"}}}}}},
			[]string{"replica 1 (" + otherRegion + ") alias alias/aws/s3: "}},
		{"a replica grant the key cannot have", &seed.File{Keys: []seed.Key{{ID: seedMRK, Enabled: true, Replicas: []seed.Replica{{Region: otherRegion,
			Grants: []seed.Grant{{Name: "s", GranteePrincipal: granteeRole, Operations: []types.GrantOperation{types.GrantOperationSign}}}}}}}},
			[]string{"replica 1 (" + otherRegion + ") grant 1 (s): Operations [Sign] are not supported when creating a grant"}},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused and applies nothing", func(t *testing.T) { applyRefused(t, c.f, c.want) })
	}
}
