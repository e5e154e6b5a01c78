package emulator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

const seedID = "bc436485-5092-42b8-92a3-0aa8b93536dc"

func seedFile() *seed.File {
	return &seed.File{
		Keys: []seed.Key{{
			ID:                   seedID,
			Description:          "seeded",
			Enabled:              true,
			Material:             [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)},
			Tags:                 []types.Tag{tag("team", "core")},
			RotationEnabled:      true,
			RotationPeriodInDays: 180,
			Aliases:              []string{"alias/jumpwire/master"},
		}, {
			ID:     "mrk-0123456789abcdef0123456789abcdef",
			Region: "us-west-2",
		}},
		Aliases: []seed.Alias{{Name: "alias/other-name", TargetKeyID: seedID}},
	}
}

func TestApplySeedCreatesKeysAliasesAndSettings(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, seedFile()))
	md := e.describe("alias/jumpwire/master").KeyMetadata
	if aws.ToString(md.KeyId) != seedID || aws.ToString(md.Description) != "seeded" || md.KeyState != types.KeyStateEnabled {
		t.Errorf("seeded key: got %s %q %s", aws.ToString(md.KeyId), aws.ToString(md.Description), md.KeyState)
	}
	e.describe("alias/other-name")
	if got := e.tags(seedID); got["team"] != "core" {
		t.Errorf("seeded tags: got %v", got)
	}
	if st := e.rotationStatus(seedID); !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 180 {
		t.Errorf("seeded rotation: got %v %d", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
	}
	all := e.rotations(seedID, types.IncludeKeyMaterialAllKeyMaterial)
	if len(all) != 2 || aws.ToString(all[1].KeyMaterialId) != aws.ToString(md.CurrentKeyMaterialId) {
		t.Errorf("seeded material versions: got %+v, want 2 with the last current", all)
	}
	// The key given for us-west-2 lives there.
	west := e.in("us-west-2")
	if _, err := e.svc.DescribeKey(west, &kms.DescribeKeyInput{KeyId: aws.String("mrk-0123456789abcdef0123456789abcdef")}); err != nil {
		t.Errorf("seed key in us-west-2: %v", err)
	}
	if _, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String("mrk-0123456789abcdef0123456789abcdef")}); !isCode(err, "NotFoundException") {
		t.Errorf("seed key of us-west-2 seen in eu-west-1: %v", err)
	}
}

func TestApplySeedTwiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, seedFile()))
	blob := e.encrypt("alias/jumpwire/master", "kept", nil)
	md := e.describe(seedID).KeyMetadata
	e.restart()
	ok(t, e.svc.ApplySeed(e.ctx, seedFile()))
	md2 := e.describe(seedID).KeyMetadata
	if aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(md2.CurrentKeyMaterialId) || !md.CreationDate.Equal(*md2.CreationDate) {
		t.Errorf("second apply changed the key: material %s -> %s", aws.ToString(md.CurrentKeyMaterialId), aws.ToString(md2.CurrentKeyMaterialId))
	}
	if n := len(e.rotations(seedID, types.IncludeKeyMaterialAllKeyMaterial)); n != 2 {
		t.Errorf("material versions after a second apply: got %d, want 2", n)
	}
	if got, err := e.decrypt(blob, nil); err != nil || got != "kept" {
		t.Errorf("blob after a second apply: got %q, %v", got, err)
	}
}

// The same seed material in two stores gives blobs that open in either:
// that is what seeding with given material is for.
func TestSeedMaterialIsTheGivenMaterial(t *testing.T) {
	a := newEnv(t)
	ok(t, a.svc.ApplySeed(a.ctx, seedFile()))
	blob := a.encrypt(seedID, "portable", nil)

	db := storagetest.New(t)
	b, err := emulator.New(emulator.Config{DB: db, Account: testAccount, Region: testRegion, Now: a.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
	ok(t, err)
	ok(t, b.ApplySeed(context.Background(), seedFile()))
	out, err := b.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: blob})
	ok(t, err)
	if string(out.Plaintext) != "portable" {
		t.Errorf("blob from another store with the same seed: got %q", out.Plaintext)
	}
}

func TestApplySeedErrorsNameTheEntry(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		f    *seed.File
		want string
	}{
		{"a malformed key id is named", &seed.File{Keys: []seed.Key{{ID: "nope"}}}, "seed key 1 (nope)"},
		{"a private key that does not parse is refused", &seed.File{Keys: []seed.Key{{ID: seedID, KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify, PrivateKeyDER: []byte{1}}}}, "seed key 1 (" + seedID + "): private key"},
		{"short material is refused", &seed.File{Keys: []seed.Key{{ID: seedID, Material: [][]byte{{1, 2, 3}}}}}, "material version 1 (3 bytes) does not fit SYMMETRIC_DEFAULT"},
		{"an alias to a missing key is named", &seed.File{Aliases: []seed.Alias{{Name: "alias/x", TargetKeyID: seedID}}}, "seed alias 1 (alias/x)"},
		{"a bad alias name is named", &seed.File{Keys: []seed.Key{{ID: seedID, Aliases: []string{"noprefix"}}}}, "alias noprefix"},
		{"a bad policy is refused", &seed.File{Keys: []seed.Key{{ID: seedID, Policy: "{"}}}, "seed key 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.svc.ApplySeed(e.ctx, tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// A failed seed applies nothing.
	keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 0 {
		t.Errorf("keys after failed seeds: got %d, want 0", len(keys.Keys))
	}
}

func TestSeededDisabledKey(t *testing.T) {
	e := newEnv(t)
	ok(t, e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{{ID: seedID, Enabled: false}}}))
	if md := e.describe(seedID).KeyMetadata; md.KeyState != types.KeyStateDisabled {
		t.Errorf("seed key with enabled: false: got %s, want Disabled", md.KeyState)
	}
}
