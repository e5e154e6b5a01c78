package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestHotPathAllocations pins the allocations of the three calls loadgen
// measures, with the caches warm (the use cache answers): the figures of
// BenchmarkServeEmulator that the caches and the ciphertext code (the
// random bytes, the blob and its AAD in one allocation, the plaintext and
// the AAD in one, one allocation for a material id's hex) were made for. A
// change that allocates more per call fails here; one that allocates less
// should lower the ceiling.
func TestHotPathAllocations(t *testing.T) {
	e := newEnv(t)
	s, ctx, id := e.svc, e.ctx, aws.String(e.createKey(nil))
	ec := map[string]string{"tenant": "acme", "purpose": "field-encryption"}
	enc, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: make([]byte, 64), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		max  float64
		call func() error
	}{
		{"GenerateDataKey", 4, func() error {
			_, err := s.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: id, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
			return err
		}},
		{"Encrypt", 5, func() error {
			_, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: make([]byte, 64), EncryptionContext: ec})
			return err
		}},
		{"Decrypt", 6, func() error {
			_, err := s.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var callErr error
			got := testing.AllocsPerRun(200, func() {
				if err := c.call(); err != nil {
					callErr = err
				}
			})
			if callErr != nil {
				t.Fatal(callErr)
			}
			t.Logf("%.0f allocations per call", got)
			want := c.max
			if raceEnabled {
				want++
			}
			if got > want {
				t.Errorf("got %.0f allocations per %s, want at most %.0f", got, c.name, want)
			}
		})
	}
}
