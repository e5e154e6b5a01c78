package emulator_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/seed"
)

const replicaRegion = "ap-southeast-2"

func regionARN(region, id string) string {
	return "arn:aws:kms:" + region + ":111122223333:key/" + id
}

// mrk creates a multi-Region primary in testRegion and a replica in
// replicaRegion; it answers the key id.
func (e *env) mrk() string {
	e.t.Helper()
	id := e.createKey(&kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if _, err := e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String(replicaRegion)}); err != nil {
		e.t.Fatalf("ReplicateKey: %v", err)
	}
	e.clock.Advance(replicaCreation) // the replica leaves Creating
	return id
}

// replicaCreation is how long a new replica stays in state Creating.
const replicaCreation = 2 * time.Second

func (e *env) describeIn(region, id string) *types.KeyMetadata {
	e.t.Helper()
	out, err := e.svc.DescribeKey(e.in(region), &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("DescribeKey in %s: %v", region, err)
	}
	return out.KeyMetadata
}

func TestReplicateKeyMakesAReplicaWithTheSameIDAndMaterial(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(&kms.CreateKeyInput{MultiRegion: aws.Bool(true), Description: aws.String("primary")})
	out, err := e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{
		KeyId:         aws.String(regionARN(testRegion, id)),
		ReplicaRegion: aws.String(replicaRegion),
		Description:   aws.String("replica"),
		Tags:          []types.Tag{{TagKey: aws.String("site"), TagValue: aws.String("syd")}},
	})
	ok(t, err)
	md := out.ReplicaKeyMetadata
	checks := []struct{ name, got, want string }{
		{"KeyId", aws.ToString(md.KeyId), id},
		{"Arn", aws.ToString(md.Arn), regionARN(replicaRegion, id)},
		{"Description", aws.ToString(md.Description), "replica"},
		{"KeyState", string(md.KeyState), "Creating"}, // as AWS answers
		{"Enabled", fmt.Sprint(md.Enabled), "false"},
		{"MultiRegionKeyType", string(md.MultiRegionConfiguration.MultiRegionKeyType), "REPLICA"},
		{"PrimaryKey.Arn", aws.ToString(md.MultiRegionConfiguration.PrimaryKey.Arn), regionARN(testRegion, id)},
		{"PrimaryKey.Region", aws.ToString(md.MultiRegionConfiguration.PrimaryKey.Region), testRegion},
		{"CurrentKeyMaterialId", aws.ToString(md.CurrentKeyMaterialId), ""}, // none while Creating (captured)
		{"ReplicaPolicy", aws.ToString(out.ReplicaPolicy), aws.ToString(must(e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)}))(t).Policy)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(out.ReplicaTags) != 1 || aws.ToString(out.ReplicaTags[0].TagKey) != "site" {
		t.Errorf("ReplicaTags: got %v, want site=syd", out.ReplicaTags)
	}
	t.Run("the replica is Creating until replicaCreation has passed, then Enabled", func(t *testing.T) {
		_, err := e.svc.Encrypt(e.in(replicaRegion), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantErr(t, err, "KMSInvalidStateException", regionARN(replicaRegion, id)+" is creating.")
		e.clock.Advance(replicaCreation - time.Nanosecond)
		if st := e.describeIn(replicaRegion, id).KeyState; st != types.KeyStateCreating {
			t.Fatalf("just before: got %s, want Creating", st)
		}
		e.clock.Advance(time.Nanosecond)
		if md := e.describeIn(replicaRegion, id); md.KeyState != types.KeyStateEnabled || !md.Enabled {
			t.Fatalf("after: got %s enabled=%v, want Enabled", md.KeyState, md.Enabled)
		}
	})
	t.Run("no ReplicaTags member when no tags were given", func(t *testing.T) {
		other := e.createKey(&kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
		out, err := e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{KeyId: aws.String(other), ReplicaRegion: aws.String(replicaRegion)})
		ok(t, err)
		if out.ReplicaTags != nil {
			t.Errorf("got ReplicaTags %v, want none", out.ReplicaTags)
		}
	})
	t.Run("DescribeKey of the primary lists the replica", func(t *testing.T) {
		cfg := e.describe(id).KeyMetadata.MultiRegionConfiguration
		if cfg.MultiRegionKeyType != types.MultiRegionKeyTypePrimary || len(cfg.ReplicaKeys) != 1 ||
			aws.ToString(cfg.ReplicaKeys[0].Arn) != regionARN(replicaRegion, id) || aws.ToString(cfg.ReplicaKeys[0].Region) != replicaRegion {
			t.Errorf("got %+v, want PRIMARY with the one replica", cfg)
		}
	})
	t.Run("DescribeKey of the replica lists itself among the replicas", func(t *testing.T) {
		cfg := e.describeIn(replicaRegion, id).MultiRegionConfiguration
		if len(cfg.ReplicaKeys) != 1 || aws.ToString(cfg.ReplicaKeys[0].Region) != replicaRegion {
			t.Errorf("got replicas %+v, want the replica itself", cfg.ReplicaKeys)
		}
	})
	t.Run("the primary's description stays its own", func(t *testing.T) {
		if got := aws.ToString(e.describe(id).KeyMetadata.Description); got != "primary" {
			t.Errorf("got %q, want \"primary\"", got)
		}
	})
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func TestMultiRegionCiphertextsOpenInEveryReplica(t *testing.T) {
	e := newEnv(t)
	id := e.mrk()
	ec := map[string]string{"tenant": "a"}
	replicaCtx := e.in(replicaRegion)
	t.Run("the replica opens the primary's ciphertext", func(t *testing.T) {
		blob := e.encrypt(id, "from primary", ec)
		out, err := e.svc.Decrypt(replicaCtx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
		ok(t, err)
		if string(out.Plaintext) != "from primary" || aws.ToString(out.KeyId) != regionARN(replicaRegion, id) {
			t.Errorf("got %q from %s, want \"from primary\" from the replica ARN", out.Plaintext, aws.ToString(out.KeyId))
		}
	})
	t.Run("the primary opens the replica's ciphertext", func(t *testing.T) {
		enc, err := e.svc.Encrypt(replicaCtx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("from replica"), EncryptionContext: ec})
		ok(t, err)
		got, err := e.decrypt(enc.CiphertextBlob, ec)
		ok(t, err)
		if got != "from replica" {
			t.Errorf("got %q, want \"from replica\"", got)
		}
	})
	t.Run("the encryption context still binds across regions", func(t *testing.T) {
		blob := e.encrypt(id, "x", ec)
		_, err := e.svc.Decrypt(replicaCtx, &kms.DecryptInput{CiphertextBlob: blob})
		wantErr(t, err, "InvalidCiphertextException", "")
	})
	t.Run("a region without a replica does not know the key", func(t *testing.T) {
		blob := e.encrypt(id, "x", nil)
		_, err := e.svc.Decrypt(e.in("eu-central-1"), &kms.DecryptInput{CiphertextBlob: blob})
		wantErr(t, err, "AccessDeniedException", "*")
	})
}

func TestSingleRegionCiphertextsStayBoundToTheirRegion(t *testing.T) {
	// The same key id and material seeded in two regions: a multi-Region
	// key's blob would open in both, a single-Region key's must not.
	e := newEnv(t)
	const id = "5a0e9c9e-3d1f-4b7a-8a55-0123456789ab"
	material := [][]byte{bytes.Repeat([]byte{7}, 32)}
	ok(t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{
		{ID: id, Region: testRegion, Enabled: true, Material: material},
		{ID: id, Region: replicaRegion, Enabled: true, Material: material},
	}}))
	blob := e.encrypt(id, "bound", nil)
	if got, err := e.decrypt(blob, nil); err != nil || got != "bound" {
		t.Fatalf("same-region decrypt: got %q, %v", got, err)
	}
	_, err := e.svc.Decrypt(e.in(replicaRegion), &kms.DecryptInput{CiphertextBlob: blob})
	wantErr(t, err, "InvalidCiphertextException", "")
}

func TestReplicateKeyErrors(t *testing.T) {
	e := newEnv(t)
	single := e.createKey(nil)
	id := e.mrk()
	pending := e.createKey(&kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(pending)})
	ok(t, err)
	cases := []struct {
		name      string
		ctx       func() *kms.ReplicateKeyInput
		region    string
		code, msg string
	}{
		{"a single-Region key is not a multi-Region primary", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(single), ReplicaRegion: aws.String("us-west-2")}
		}, testRegion, "UnsupportedOperationException", arnPrefix + "key/" + single + " is not a multi-region primary key."},
		{"a replica cannot be replicated", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")}
		}, replicaRegion, "UnsupportedOperationException", regionARN(replicaRegion, id) + " is not a multi-region primary key."},
		{"a second replica in one region already exists", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String(replicaRegion)}
		}, testRegion, "AlreadyExistsException", "You can create only one replica of each primary key in each AWS Region."},
		{"the primary's own region cannot have a replica", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String(testRegion)}
		}, testRegion, "ValidationException", testRegion + " cannot have a replica because it contains the primary."},
		{"a missing replica region is a null member", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id)}
		}, testRegion, "ValidationException", "1 validation error detected: Value null at 'replicaRegion' failed to satisfy constraint: Member must not be null"},
		{"a malformed region fails the pattern", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("Mars")}
		}, testRegion, "ValidationException", `1 validation error detected: Value 'Mars' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\d+$`},
		{"a Region AWS does not have is refused in AWS's words", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-invalid-1")}
		}, testRegion, "ValidationException", "Region us-invalid-1 is not a valid Region or multi-Region keys are not supported in Region us-invalid-1."},
		{"another partition is a validation error", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("cn-north-1")}
		}, testRegion, "ValidationException", "The replica key Region must be in the same AWS partition as the primary key Region."},
		{"a primary pending deletion is in the wrong state", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String(pending), ReplicaRegion: aws.String("us-west-2")}
		}, testRegion, "KMSInvalidStateException", arnPrefix + "key/" + pending + " is pending deletion."},
		{"an alias is not accepted", func() *kms.ReplicateKeyInput {
			return &kms.ReplicateKeyInput{KeyId: aws.String("alias/x"), ReplicaRegion: aws.String("us-west-2")}
		}, testRegion, "InvalidArnException", "Key Aliases are not supported for this operation."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.ReplicateKey(e.in(c.region), c.ctx())
			wantErr(t, err, c.code, c.msg)
		})
	}
	if cfg := e.describe(id).KeyMetadata.MultiRegionConfiguration; len(cfg.ReplicaKeys) != 1 {
		t.Errorf("replicas after the failed calls: got %d, want 1", len(cfg.ReplicaKeys))
	}
}

func TestPrimaryRotationIsSharedWithReplicas(t *testing.T) {
	e := newEnv(t)
	id := e.mrk()
	replicaCtx := e.in(replicaRegion)
	t.Run("on-demand rotation of the primary reaches the replica", func(t *testing.T) {
		_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		ok(t, err)
		p, r := e.describe(id).KeyMetadata, e.describeIn(replicaRegion, id)
		if aws.ToString(p.CurrentKeyMaterialId) != aws.ToString(r.CurrentKeyMaterialId) {
			t.Fatalf("current material: primary %s, replica %s, want the same", aws.ToString(p.CurrentKeyMaterialId), aws.ToString(r.CurrentKeyMaterialId))
		}
		blob := e.encrypt(id, "rotated", nil)
		out, err := e.svc.Decrypt(replicaCtx, &kms.DecryptInput{CiphertextBlob: blob})
		ok(t, err)
		if aws.ToString(out.KeyMaterialId) != aws.ToString(p.CurrentKeyMaterialId) {
			t.Errorf("replica decrypt used material %s, want %s", aws.ToString(out.KeyMaterialId), aws.ToString(p.CurrentKeyMaterialId))
		}
	})
	t.Run("automatic rotation of the primary reaches the replica", func(t *testing.T) {
		before := aws.ToString(e.describeIn(replicaRegion, id).CurrentKeyMaterialId)
		_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(90)})
		ok(t, err)
		e.clock.Advance(91 * 24 * time.Hour)
		res, err := e.svc.Sweep(e.ctx)
		ok(t, err)
		if res.Rotated != 1 {
			t.Errorf("Sweep rotated %d keys, want 1 (the primary)", res.Rotated)
		}
		st, err := e.svc.GetKeyRotationStatus(replicaCtx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
		ok(t, err)
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 90 || aws.ToString(st.KeyId) != regionARN(replicaRegion, id) {
			t.Errorf("replica rotation status: got %v every %d days for %s, want the primary's (on, 90) for %s", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays), aws.ToString(st.KeyId), regionARN(replicaRegion, id))
		}
		after := aws.ToString(e.describeIn(replicaRegion, id).CurrentKeyMaterialId)
		if after == before || after != aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId) {
			t.Errorf("replica material after automatic rotation: got %s (before %s), want the primary's new one", after, before)
		}
	})
	for name, call := range map[string]func() error{
		"RotateKeyOnDemand": func() error {
			_, err := e.svc.RotateKeyOnDemand(replicaCtx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
			return err
		},
		"EnableKeyRotation": func() error {
			_, err := e.svc.EnableKeyRotation(replicaCtx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
			return err
		},
	} {
		t.Run(name+" of a replica is unsupported", func(t *testing.T) {
			wantErr(t, call(), "UnsupportedOperationException", regionARN(replicaRegion, id)+" is a multi-region replica key which is not valid for "+name+".")
		})
	}
}

func TestUpdatePrimaryRegionSwapsPrimaryAndReplica(t *testing.T) {
	e := newEnv(t)
	id := e.mrk()
	_, err := e.svc.UpdatePrimaryRegion(e.ctx, &kms.UpdatePrimaryRegionInput{KeyId: aws.String(id), PrimaryRegion: aws.String(replicaRegion)})
	ok(t, err)
	for _, region := range []string{testRegion, replicaRegion} {
		cfg := e.describeIn(region, id).MultiRegionConfiguration
		if aws.ToString(cfg.PrimaryKey.Region) != replicaRegion || len(cfg.ReplicaKeys) != 1 || aws.ToString(cfg.ReplicaKeys[0].Region) != testRegion {
			t.Errorf("DescribeKey in %s: got primary %s replicas %+v, want primary %s and replica %s", region, aws.ToString(cfg.PrimaryKey.Region), cfg.ReplicaKeys, replicaRegion, testRegion)
		}
	}
	_, err = e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")})
	wantErr(t, err, "UnsupportedOperationException", arnPrefix+"key/"+id+" is not a multi-region primary key.")
	_, err = e.svc.ReplicateKey(e.in(replicaRegion), &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")})
	ok(t, err)
	t.Run("a region without a replica cannot become primary", func(t *testing.T) {
		_, err := e.svc.UpdatePrimaryRegion(e.in(replicaRegion), &kms.UpdatePrimaryRegionInput{KeyId: aws.String(id), PrimaryRegion: aws.String("sa-east-1")})
		wantErr(t, err, "ValidationException", id+" does not have a replica key in the specified Region.")
	})
	t.Run("a replica cannot hand over the primary role", func(t *testing.T) {
		_, err := e.svc.UpdatePrimaryRegion(e.ctx, &kms.UpdatePrimaryRegionInput{KeyId: aws.String(id), PrimaryRegion: aws.String("us-west-2")})
		wantErr(t, err, "KMSInvalidStateException", arnPrefix+"key/"+id+" is not a multi-Region primary key.")
	})
	t.Run("a missing primary region is a null member", func(t *testing.T) {
		_, err := e.svc.UpdatePrimaryRegion(e.ctx, &kms.UpdatePrimaryRegionInput{KeyId: aws.String(id)})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'primaryRegion' failed to satisfy constraint: Member must not be null")
	})
}

func TestDeletingAPrimaryWaitsForItsReplicas(t *testing.T) {
	e := newEnv(t)
	id := e.mrk()
	out, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(10)})
	ok(t, err)
	if out.KeyState != types.KeyStatePendingReplicaDeletion || out.DeletionDate != nil {
		t.Fatalf("ScheduleKeyDeletion: got %s with deletion date %v, want PendingReplicaDeletion without a date", out.KeyState, out.DeletionDate)
	}
	if md := e.describe(id).KeyMetadata; md.DeletionDate != nil || aws.ToInt32(md.PendingDeletionWindowInDays) != 10 {
		t.Errorf("DescribeKey: got deletion date %v and window %v, want no date and 10 days", md.DeletionDate, md.PendingDeletionWindowInDays)
	}
	t.Run("the primary cannot be used meanwhile", func(t *testing.T) {
		_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantErr(t, err, "KMSInvalidStateException", arnPrefix+"key/"+id+" is pending replica deletion.")
		_, err = e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
		wantErr(t, err, "KMSInvalidStateException", "*")
	})
	t.Run("time alone does not delete it", func(t *testing.T) {
		e.clock.Advance(60 * 24 * time.Hour)
		_, err := e.svc.Sweep(e.ctx)
		ok(t, err)
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStatePendingReplicaDeletion {
			t.Errorf("got %s, want PendingReplicaDeletion", st)
		}
	})
	t.Run("deleting the last replica starts the primary's waiting period", func(t *testing.T) {
		_, err := e.svc.ScheduleKeyDeletion(e.in(replicaRegion), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
		ok(t, err)
		e.clock.Advance(7 * 24 * time.Hour)
		res, err := e.svc.Sweep(e.ctx)
		ok(t, err)
		if res.Deleted != 1 {
			t.Errorf("Sweep deleted %d keys, want 1 (the replica)", res.Deleted)
		}
		md := e.describe(id).KeyMetadata
		want := e.clock.Now().Add(10 * 24 * time.Hour)
		if md.KeyState != types.KeyStatePendingDeletion || md.DeletionDate == nil || !md.DeletionDate.Equal(want) {
			t.Fatalf("primary: got %s deleting at %v, want PendingDeletion at %v", md.KeyState, md.DeletionDate, want)
		}
		e.clock.Advance(10 * 24 * time.Hour)
		_, err = e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		wantErr(t, err, "NotFoundException", "*")
	})
}

func TestCancelKeyDeletionOfAPrimaryWaitingForReplicas(t *testing.T) {
	e := newEnv(t)
	id := e.mrk()
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.CancelKeyDeletion(e.ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
	ok(t, err)
	if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStateDisabled {
		t.Errorf("got %s, want Disabled", st)
	}
}
