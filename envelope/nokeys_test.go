package envelope

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// TestErrorsNeverCarryKeyMaterial provokes every kind of failure against a
// real kmsgate and checks that no error text, in any fmt verb, holds the
// plaintext data key (raw, hex or base64) or the field's plaintext.
func TestErrorsNeverCarryKeyMaterial(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	e, err := New(Config{KMS: srv.Client(), KeyName: "app", Tenant: "org1"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	secret := []byte("field plaintext 4111-1111")
	ct, err := e.Encrypt(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	e.cache.mu.Lock()
	var key []byte
	for _, ent := range e.cache.entries.Values() {
		key = bytes.Clone(ent.key)
	}
	e.cache.mu.Unlock()
	if len(key) != dataKeySize {
		t.Fatalf("got a %d-byte cached key, want %d", len(key), dataKeySize)
	}
	forbidden := []string{string(key), hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key), fmt.Sprint(key), string(secret)}

	var errs []error
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	_, err = e.Decrypt(ctx, tampered)
	errs = append(errs, err)
	other, _ := New(Config{KMS: srv.Client(), Tenant: "org2"})
	_, err = other.Decrypt(ctx, ct)
	errs = append(errs, err)
	_, err = e.Decrypt(ctx, ct[:10])
	errs = append(errs, err)
	edkBad := bytes.Clone(ct)
	edkBad[20] ^= 1
	_, err = e.Decrypt(ctx, edkBad)
	errs = append(errs, err)
	if _, err := srv.Client().DisableKey(ctx, &kms.DisableKeyInput{KeyId: ptr(e.MasterKeyARN())}); err != nil {
		t.Fatal(err)
	}
	errs = append(errs, e.Rotate(ctx))
	cold, _ := New(Config{KMS: srv.Client(), Tenant: "org1"})
	_, err = cold.Decrypt(ctx, ct)
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("failure %d: got no error", i)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			s := fmt.Sprintf(verb, err)
			for _, f := range forbidden {
				if strings.Contains(s, f) {
					t.Errorf("failure %d printed with %s holds key material or plaintext: %.80q...", i, verb, s)
				}
			}
		}
	}
}
