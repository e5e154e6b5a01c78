package emulator_test

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestHotPathAnswersPinned pins the answers of Encrypt, Decrypt, ReEncrypt
// and GenerateDataKey* byte for byte, with a seeded random source and a
// fixed clock: the blob format, the AAD, and the order in which the random
// source is read (a data key, then its nonce, in one read). The digests
// were taken from the code before the hot path was made cheaper, so that
// its rewrites are shown to answer the same bytes; a change of format
// fails here.
func TestHotPathAnswersPinned(t *testing.T) {
	e := newEnvRand(t, rand.NewChaCha8([32]byte{1, 2, 3}))
	svc, ctx := e.svc, e.ctx
	key, err := svc.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := key.KeyMetadata.KeyId
	mrk, err := svc.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/pinned"), TargetKeyId: id}); err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"tenant": "acme", "purpose": "field-encryption", "": "empty key"}
	var blob []byte // the last blob made, for the calls that open one
	calls := []struct {
		name string
		want string
		call func() ([][]byte, error)
	}{
		{"GenerateDataKey AES_256 by alias with a context", "eda3d1f5efd147bcbfb5252bb0616f6ad0c80eea214637c87acb9b9f671963fe", func() ([][]byte, error) {
			out, err := svc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/pinned"), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
			if err != nil {
				return nil, err
			}
			blob = out.CiphertextBlob
			return [][]byte{out.CiphertextBlob, out.Plaintext, []byte(*out.KeyId), []byte(*out.KeyMaterialId)}, nil
		}},
		{"GenerateDataKey of 7 bytes by key id", "21939f641b465c3efd61be2fca8398a9b3eb255a6affe8ef30caf40c075ff8ff", func() ([][]byte, error) {
			out, err := svc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: id, NumberOfBytes: aws.Int32(7)})
			if err != nil {
				return nil, err
			}
			return [][]byte{out.CiphertextBlob, out.Plaintext, []byte(*out.KeyId), []byte(*out.KeyMaterialId)}, nil
		}},
		{"GenerateDataKeyWithoutPlaintext AES_128 of a multi-Region key", "554bece06f9dc25518e357f41ccdc0250729d13ea90dac342a2d257c01bb1760", func() ([][]byte, error) {
			out, err := svc.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: mrk.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes128, EncryptionContext: ec})
			if err != nil {
				return nil, err
			}
			return [][]byte{out.CiphertextBlob, []byte(*out.KeyId), []byte(*out.KeyMaterialId)}, nil
		}},
		{"Encrypt with a context", "51b377775e6e23cd74ad4e45d6058a29940c33e778472b4ad062c7314ff32f78", func() ([][]byte, error) {
			out, err := svc.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("sixty-four bytes, more or less, of a plaintext to be encrypted."), EncryptionContext: ec})
			if err != nil {
				return nil, err
			}
			blob = out.CiphertextBlob
			return [][]byte{out.CiphertextBlob, []byte(*out.KeyId), []byte(out.EncryptionAlgorithm)}, nil
		}},
		{"Decrypt", "2468f1bddb70be00acba017a8f64c7ec35fb182905eb71f579fb07fe2a527195", func() ([][]byte, error) {
			out, err := svc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
			if err != nil {
				return nil, err
			}
			return [][]byte{out.Plaintext, []byte(*out.KeyId), []byte(*out.KeyMaterialId), []byte(out.EncryptionAlgorithm)}, nil
		}},
		{"ReEncrypt to the multi-Region key", "cb016788d8a1c609cd03335aa4e43b465c6267a0d7825ccbed6bf6bdb37a69a3", func() ([][]byte, error) {
			out, err := svc.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: ec, DestinationKeyId: mrk.KeyMetadata.KeyId})
			if err != nil {
				return nil, err
			}
			return [][]byte{out.CiphertextBlob, []byte(*out.KeyId), []byte(*out.SourceKeyId), []byte(*out.SourceKeyMaterialId), []byte(*out.DestinationKeyMaterialId)}, nil
		}},
	}
	for _, c := range calls {
		parts, err := c.call()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(hex.EncodeToString(p) + "\n"))
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != c.want {
			t.Errorf("%s: got digest %s, want %s", c.name, got, c.want)
		}
	}
}
