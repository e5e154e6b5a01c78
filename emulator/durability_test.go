package emulator_test

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestEverythingSurvivesARestart(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(&kms.CreateKeyInput{Description: aws.String("durable"), Tags: []types.Tag{tag("a", "b")}})
	e.alias("alias/durable", id)
	before := e.encrypt(id, "made before the restart", map[string]string{"k": "v"})
	_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	ok(t, err)
	rotated := e.encrypt(id, "made after a rotation", nil)
	_, err = e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(100)})
	ok(t, err)
	md := e.describe(id).KeyMetadata

	e.restart()

	for blob, want := range map[*[]byte]string{&before: "made before the restart", &rotated: "made after a rotation"} {
		ec := map[string]string(nil)
		if want == "made before the restart" {
			ec = map[string]string{"k": "v"}
		}
		got, err := e.decrypt(*blob, ec)
		ok(t, err)
		if got != want {
			t.Errorf("after restart: got %q, want %q", got, want)
		}
	}
	md2 := e.describe("alias/durable").KeyMetadata
	if aws.ToString(md2.KeyId) != id || aws.ToString(md2.Description) != "durable" || aws.ToString(md2.CurrentKeyMaterialId) != aws.ToString(md.CurrentKeyMaterialId) {
		t.Errorf("metadata after restart: got %s %q %s", aws.ToString(md2.KeyId), aws.ToString(md2.Description), aws.ToString(md2.CurrentKeyMaterialId))
	}
	if got := e.tags(id); got["a"] != "b" {
		t.Errorf("tags after restart: got %v", got)
	}
	if st := e.rotationStatus(id); !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 100 {
		t.Errorf("rotation after restart: got %v %d", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
	}
}

func TestStoreFileNeverHoldsPlaintextOrMaterial(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	secret := "A-VERY-RECOGNISABLE-PLAINTEXT-0123456789"
	blob := e.encrypt(id, secret, nil)
	dk, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
	ok(t, err)
	_ = blob
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, dk.Plaintext) {
		t.Errorf("the store file holds a plaintext or a data key")
	}
	e.open()
}

func TestConcurrentUseIsSafe(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				pt := fmt.Sprintf("worker %d item %d", w, i)
				out, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte(pt)})
				if err != nil {
					t.Error(err)
					return
				}
				dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
				if err != nil || string(dec.Plaintext) != pt {
					t.Errorf("round trip: got %q, %v; want %q", dec.Plaintext, err, pt)
					return
				}
				switch i % 5 {
				case 0:
					_, err = e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
					if err != nil && !isCode(err, "LimitExceededException") {
						t.Error(err)
					}
				case 1:
					_, err = e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{tag(fmt.Sprintf("w%d", w), "v")}})
					if err != nil {
						t.Error(err)
					}
				case 2:
					e.createKey(nil)
				}
			}
		})
	}
	wg.Wait()
	if got := len(e.tags(id)); got != 8 {
		t.Errorf("tags after concurrent TagResource: got %d, want 8", got)
	}
	keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 1+8*4 {
		t.Errorf("keys after concurrent CreateKey: got %d, want %d", len(keys.Keys), 1+8*4)
	}
}
