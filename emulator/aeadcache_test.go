package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// The cipher cache answers only for the exact sealed record in the store:
// material rewritten under the same id (as a seed or an import may do) is
// used at once, whether its bytes changed or were only sealed again.
func TestCachedCipherFollowsTheStoredMaterial(t *testing.T) {
	s, db := newBoltService(t, filepath.Join(t.TempDir(), "kmsgate.db"))
	ctx := context.Background()
	created, err := s.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId
	encrypt := func() []byte {
		t.Helper()
		out, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("secret")})
		if err != nil {
			t.Fatal(err)
		}
		return out.CiphertextBlob
	}
	decrypt := func(blob []byte) error {
		t.Helper()
		out, err := s.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, KeyId: keyID})
		if err == nil && string(out.Plaintext) != "secret" {
			t.Fatalf("got plaintext %q, want %q", out.Plaintext, "secret")
		}
		return err
	}
	// rewrite stores material under the key's current material id.
	rewrite := func(material []byte) {
		t.Helper()
		if err := db.Update(func(tx *storage.Tx) error {
			st := &txn{s: s, tx: tx, sc: s.scopeOf(ctx)}
			k, _, err := st.loadKey(aws.ToString(keyID))
			if err != nil {
				return err
			}
			return tx.PutSealed(bucketMaterial, st.materialDBKey(k.KeyID, k.currentMaterial().ID), material)
		}); err != nil {
			t.Fatal(err)
		}
	}

	first := encrypt()
	if err := decrypt(first); err != nil {
		t.Fatalf("decrypt with the original material: %v", err)
	}

	t.Run("new material bytes under the same id are used at once", func(t *testing.T) {
		rewrite(bytes.Repeat([]byte{0x5a}, 32))
		if _, ok := errors.AsType[*types.InvalidCiphertextException](decrypt(first)); !ok {
			t.Errorf("decrypting a blob of the replaced material: got %v, want InvalidCiphertextException", decrypt(first))
		}
		if err := decrypt(encrypt()); err != nil {
			t.Errorf("round trip under the new material: got %v, want success", err)
		}
	})
	t.Run("the same material sealed again still opens earlier blobs", func(t *testing.T) {
		second := encrypt()
		rewrite(bytes.Repeat([]byte{0x5a}, 32))
		if err := decrypt(second); err != nil {
			t.Errorf("got %v, want success", err)
		}
	})
	t.Run("material that is no AES key is an invalid ciphertext, not a server fault", func(t *testing.T) {
		blob := encrypt()
		rewrite([]byte("short"))
		if _, ok := errors.AsType[*types.InvalidCiphertextException](decrypt(blob)); !ok {
			t.Errorf("got %v, want InvalidCiphertextException", decrypt(blob))
		}
	})
}

// Encrypt, Decrypt and GenerateDataKey read key records straight from the
// record cache: after every kind of call, success or failure,
// the cached records must still be exactly what the store holds.
func TestHotPathLeavesCachedRecordsAsStored(t *testing.T) {
	s, db := newBoltService(t, filepath.Join(t.TempDir(), "kmsgate.db"))
	ctx := context.Background()
	sym, err := s.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("t"), TagValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	hmac, err := s.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	if err != nil {
		t.Fatal(err)
	}
	symID, hmacID := sym.KeyMetadata.KeyId, hmac.KeyMetadata.KeyId
	enc, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: symID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := []func() error{
		func() error {
			_, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: symID, Plaintext: []byte("x")})
			return err
		},
		func() error {
			_, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: hmacID, Plaintext: []byte("x")})
			return err
		},
		func() error {
			_, err := s.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
			return err
		},
		func() error {
			_, err := s.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: symID, EncryptionContext: map[string]string{"a": "c"}})
			return err
		},
		func() error {
			_, err := s.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: hmacID})
			return err
		},
		func() error {
			_, err := s.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: symID, KeySpec: types.DataKeySpecAes256})
			return err
		},
		func() error {
			_, err := s.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: hmacID, NumberOfBytes: aws.Int32(16)})
			return err
		},
	}
	for round := range 2 {
		for _, call := range calls {
			_ = call() // failures are part of the test: they must not write either
		}
		if round == 0 {
			if _, err := s.DisableKey(ctx, &kms.DisableKeyInput{KeyId: symID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.View(func(tx *storage.Tx) error {
		for _, id := range []*string{symID, hmacID} {
			st := &txn{s: s, tx: tx, sc: s.scopeOf(ctx)}
			dbKey := st.keyDBKey(aws.ToString(id))
			raw := tx.Get(bucketKeys, dbKey)
			var want keyRecord
			if err := json.Unmarshal(raw, &want); err != nil {
				return err
			}
			got, ok := s.records.c.get(dbKey, raw, readAt{})
			if !ok {
				t.Errorf("key %s: not in the record cache after the calls", aws.ToString(id))
				continue
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("key %s: cached record changed by a call:\ngot  %+v\nwant %+v", aws.ToString(id), *got, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// newBoltService is a Service with the default scope over a new bbolt
// store at path.
func newBoltService(t *testing.T, path string) (*Service, *storage.DB) {
	t.Helper()
	db := storagetest.Open(t, path, storagetest.RootKey())
	s, err := New(Config{DB: db, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}
