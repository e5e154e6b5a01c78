package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestCheckOrder pins the order of checks written down in checkorder.go:
// each request fails two checks, and the earlier one answers.
func TestCheckOrder(t *testing.T) {
	e := newEnv(t)
	disable := func(id string) string {
		t.Helper()
		_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
		ok(t, err)
		return id
	}
	arn := func(id string) string { return arnPrefix + "key/" + id }
	sym := e.createKey(nil)
	other := e.createKey(nil)
	blob := e.encrypt(other, "secret", map[string]string{"a": "b"})
	hmacKey := e.keyOf(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	offHMAC := disable(e.keyOf(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac))
	offRSA := disable(e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeSignVerify))
	offSym := disable(e.createKey(nil))
	offOther := disable(e.createKey(nil))
	offBlobKey := e.createKey(nil)
	offBlob := e.encrypt(offBlobKey, "secret", nil)
	disable(offBlobKey)
	pendingDeletion := e.createKey(&kms.CreateKeyInput{MultiRegion: aws.Bool(false)})
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(pendingDeletion)})
	ok(t, err)
	unknown := "11111111-2222-4333-8444-555555555555"
	incorrectKey := "The key ID in the request does not identify a CMK that can perform this operation."

	for _, tc := range []struct {
		name          string
		call          func() error
		code, message string
	}{
		{"validation before key resolution: Encrypt with a bad algorithm on an unknown key", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(unknown), Plaintext: []byte("x"), EncryptionAlgorithm: "NOPE"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'NOPE' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE, SYMMETRIC_DEFAULT]"},
		{"validation before key resolution: GenerateMac with a bad algorithm on an unknown key", func() error {
			_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(unknown), Message: []byte("x"), MacAlgorithm: "NOPE"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'NOPE' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"},
		{"key resolution before state: Decrypt naming a disabled HMAC key for another key's blob", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(offHMAC), CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "b"}})
			return err
		}, "IncorrectKeyException", incorrectKey},
		{"key resolution before usage: Decrypt naming an HMAC key for another key's blob", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(hmacKey), CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "b"}})
			return err
		}, "IncorrectKeyException", incorrectKey},
		{"key resolution before state: ReEncrypt whose SourceKeyId is a disabled key other than the blob's", func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{SourceKeyId: aws.String(offSym), CiphertextBlob: blob, DestinationKeyId: aws.String(sym)})
			return err
		}, "IncorrectKeyException", incorrectKey},
		{"key resolution before usage: ReEncrypt whose SourceKeyId is an HMAC key", func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{SourceKeyId: aws.String(hmacKey), CiphertextBlob: blob, DestinationKeyId: aws.String(sym)})
			return err
		}, "IncorrectKeyException", incorrectKey},
		{"state before key type: RotateKeyOnDemand on a disabled RSA key", func() error {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(offRSA)})
			return err
		}, "DisabledException", arn(offRSA) + " is disabled."},
		{"state before key type: EnableKeyRotation on a disabled HMAC key", func() error {
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(offHMAC)})
			return err
		}, "DisabledException", arn(offHMAC) + " is disabled."},
		{"state before key type: GetParametersForImport on an AWS_KMS key pending deletion", func() error {
			_, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(pendingDeletion), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			return err
		}, "KMSInvalidStateException", arn(pendingDeletion) + " is pending deletion."},
		{"state before key type: ReplicateKey of a single-Region key pending deletion", func() error {
			_, err := e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{KeyId: aws.String(pendingDeletion), ReplicaRegion: aws.String("eu-central-1")})
			return err
		}, "KMSInvalidStateException", arn(pendingDeletion) + " is pending deletion."},
		{"state before usage: Encrypt with a disabled signing key", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(offRSA), Plaintext: []byte("x")})
			return err
		}, "DisabledException", arn(offRSA) + " is disabled."},
		{"state before algorithm: GenerateMac with another spec's algorithm on a disabled HMAC key", func() error {
			_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(offHMAC), Message: []byte("x"), MacAlgorithm: types.MacAlgorithmSpecHmacSha512})
			return err
		}, "DisabledException", arn(offHMAC) + " is disabled."},
		{"state before algorithm: Decrypt with an RSA algorithm of a disabled key's blob", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: offBlob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}, "DisabledException", arn(offBlobKey) + " is disabled."},
		{"state before ciphertext: Decrypt of a disabled key's blob with the wrong context", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: offBlob, EncryptionContext: map[string]string{"wrong": "context"}})
			return err
		}, "DisabledException", arn(offBlobKey) + " is disabled."},
		{"usage before algorithm: GenerateMac with a symmetric key", func() error {
			_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(sym), Message: []byte("x"), MacAlgorithm: types.MacAlgorithmSpecHmacSha512})
			return err
		}, "InvalidKeyUsageException", arn(sym) + " key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac."},
		{"algorithm before ciphertext: Decrypt with an RSA algorithm and the wrong context", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}, "InvalidKeyUsageException", "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."},
		{"a disabled destination after a good source: ReEncrypt", func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: map[string]string{"a": "b"}, DestinationKeyId: aws.String(offOther)})
			return err
		}, "DisabledException", arn(offOther) + " is disabled."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, tc.message)
		})
	}
}
