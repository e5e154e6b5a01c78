package emulator_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const accessDeniedBlob = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access."

func TestEncryptDecryptRoundTripThroughEveryKeyForm(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	e.alias("alias/app", id)
	arn := arnPrefix + "key/" + id
	for _, form := range []string{id, arn, "alias/app", arnPrefix + "alias/app"} {
		t.Run("encrypting through "+form+" decrypts without a KeyId", func(t *testing.T) {
			out, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(form), Plaintext: []byte("hello")})
			ok(t, err)
			if aws.ToString(out.KeyId) != arn || out.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
				t.Errorf("Encrypt output: got %s %s, want %s SYMMETRIC_DEFAULT", aws.ToString(out.KeyId), out.EncryptionAlgorithm, arn)
			}
			if bytes.Contains(out.CiphertextBlob, []byte("hello")) {
				t.Errorf("ciphertext contains the plaintext")
			}
			dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
			ok(t, err)
			if string(dec.Plaintext) != "hello" || aws.ToString(dec.KeyId) != arn {
				t.Errorf("Decrypt: got %q from %s, want hello from %s", dec.Plaintext, aws.ToString(dec.KeyId), arn)
			}
			if aws.ToString(dec.KeyMaterialId) != aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId) {
				t.Errorf("Decrypt KeyMaterialId: got %s, want the current material", aws.ToString(dec.KeyMaterialId))
			}
			dec, err = e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, KeyId: aws.String(form)})
			ok(t, err)
			if string(dec.Plaintext) != "hello" {
				t.Errorf("Decrypt with KeyId %s: got %q", form, dec.Plaintext)
			}
		})
	}
	one := e.encrypt(id, "same", nil)
	two := e.encrypt(id, "same", nil)
	if bytes.Equal(one, two) {
		t.Errorf("two encryptions of one plaintext gave the same blob (nonce reuse)")
	}
}

func TestEncryptionContextMustMatchExactly(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	ctx := map[string]string{"tenant": "a", "purpose": "test"}
	blob := e.encrypt(id, "secret", ctx)
	for _, tc := range []struct {
		name string
		ec   map[string]string
		ok   bool
	}{
		{"the same context in another order opens the blob", map[string]string{"purpose": "test", "tenant": "a"}, true},
		{"a missing context is refused", nil, false},
		{"a context with another value is refused", map[string]string{"tenant": "b", "purpose": "test"}, false},
		{"a context differing only in case is refused", map[string]string{"Tenant": "a", "purpose": "test"}, false},
		{"a context with an extra pair is refused", map[string]string{"tenant": "a", "purpose": "test", "x": "y"}, false},
		{"a context with a pair missing is refused", map[string]string{"tenant": "a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.decrypt(blob, tc.ec)
			if tc.ok {
				ok(t, err)
				if got != "secret" {
					t.Errorf("got %q, want secret", got)
				}
				return
			}
			wantErr(t, err, "InvalidCiphertextException", "")
		})
	}
	plain := e.encrypt(id, "nocontext", nil)
	_, err := e.decrypt(plain, map[string]string{"k": "v"})
	wantErr(t, err, "InvalidCiphertextException", "")
	got, err := e.decrypt(plain, map[string]string{})
	ok(t, err)
	if got != "nocontext" {
		t.Errorf("an empty context is the same as none: got %q", got)
	}
}

func TestEncryptionContextEncodingIsUnambiguous(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	a := map[string]string{"a": "bc", "d": "e"}
	b := map[string]string{"ab": "c", "de": ""}
	for _, tc := range []struct {
		name       string
		sealWith   map[string]string
		openWith   map[string]string
		wantOpened bool
	}{
		{"a blob sealed with {a:bc,d:e} opens with it", a, a, true},
		{"a blob sealed with {a:bc,d:e} does not open with {ab:c,de:}", a, b, false},
		{"a blob sealed with {ab:c,de:} does not open with {a:bc,d:e}", b, a, false},
		{"a blob sealed with {ab:c,de:} opens with it", b, b, true},
		{"{a:b} and {ab:} do not open each other's blobs", map[string]string{"a": "b"}, map[string]string{"ab": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blob := e.encrypt(id, "x", tc.sealWith)
			_, err := e.decrypt(blob, tc.openWith)
			if tc.wantOpened {
				ok(t, err)
			} else {
				wantErr(t, err, "InvalidCiphertextException", "")
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	other := e.createKey(nil)
	e.alias("alias/other", other)
	blob := e.encrypt(id, "secret", nil)
	flipped := bytes.Clone(blob)
	flipped[len(flipped)-1] ^= 1
	header := bytes.Clone(blob)
	header[len(header)-40] ^= 1 // inside the material id / nonce region
	for _, tc := range []struct {
		name      string
		in        *kms.DecryptInput
		code, msg string
	}{
		{"a KeyId naming another key is an incorrect key", &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String(other)},
			"IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."},
		{"an alias of another key is an incorrect key", &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String("alias/other")},
			"IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."},
		{"a flipped tag bit is an invalid ciphertext", &kms.DecryptInput{CiphertextBlob: flipped}, "InvalidCiphertextException", ""},
		{"a changed header byte is an invalid ciphertext", &kms.DecryptInput{CiphertextBlob: header}, "InvalidCiphertextException", ""},
		{"a truncated blob is an invalid ciphertext", &kms.DecryptInput{CiphertextBlob: blob[:30]}, "InvalidCiphertextException", ""},
		// Not a symmetric blob and no KeyId: AWS asks for the KeyId (captured).
		{"random bytes without KeyId", &kms.DecryptInput{CiphertextBlob: []byte("not a blob at all")}, "ValidationException", "KeyId must not be null"},
		{"a truncated blob is an invalid ciphertext", &kms.DecryptInput{CiphertextBlob: blob[:len(blob)/2]}, "InvalidCiphertextException", ""},
		{"a missing blob is a validation error", &kms.DecryptInput{},
			"ValidationException", "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null"},
		{"an empty blob is a validation error", &kms.DecryptInput{CiphertextBlob: []byte{}},
			"ValidationException", "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"a blob over 6144 bytes is a validation error", &kms.DecryptInput{CiphertextBlob: make([]byte, 6145)},
			"ValidationException", "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144"},
		{"an unknown algorithm fails the enum", &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: "INVALID"}, "ValidationException", "*"},
		{"an RSA algorithm does not fit a symmetric key", &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256},
			"InvalidKeyUsageException", "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."},
		{"more than 10 grant tokens is a validation error", &kms.DecryptInput{CiphertextBlob: blob, GrantTokens: make([]string, 11)}, "ValidationException", "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Decrypt(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	t.Run("a blob of a key that is not here is access denied", func(t *testing.T) {
		other := newEnv(t)
		foreign := other.encrypt(other.createKey(nil), "x", nil)
		_, err := e.decrypt(foreign, nil)
		wantErr(t, err, "AccessDeniedException", accessDeniedBlob)
	})
	t.Run("a blob of a disabled key is refused as disabled", func(t *testing.T) {
		_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
		ok(t, err)
		defer e.svc.EnableKey(e.ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
		_, err = e.decrypt(blob, nil)
		wantErr(t, err, "DisabledException", arnPrefix+"key/"+id+" is disabled.")
	})
}

func TestEncryptValidatesPlaintext(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	for _, tc := range []struct {
		name      string
		in        *kms.EncryptInput
		code, msg string
	}{
		{"4096 bytes are accepted", &kms.EncryptInput{KeyId: aws.String(id), Plaintext: make([]byte, 4096)}, "", ""},
		{"4097 bytes are refused without echoing them", &kms.EncryptInput{KeyId: aws.String(id), Plaintext: make([]byte, 4097)},
			"ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"an empty plaintext is refused", &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte{}},
			"ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"a missing plaintext is refused", &kms.EncryptInput{KeyId: aws.String(id)},
			"ValidationException", "1 validation error detected: Value null at 'plaintext' failed to satisfy constraint: Member must not be null"},
		{"a missing KeyId is refused", &kms.EncryptInput{Plaintext: []byte("x")},
			"ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"an unknown algorithm fails the enum", &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionAlgorithm: "NOPE"},
			"ValidationException", "1 validation error detected: Value 'NOPE' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE, SYMMETRIC_DEFAULT]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.Encrypt(e.ctx, tc.in)
			if tc.code == "" {
				ok(t, err)
				if len(out.CiphertextBlob) > 6144 {
					t.Errorf("blob of 4096 bytes is %d bytes, over the 6144 Decrypt accepts", len(out.CiphertextBlob))
				}
				return
			}
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func enumList[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func TestDryRunChangesNothingAndAnswersAsTheCallWould(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	blob := e.encrypt(id, "x", nil)
	dis := e.createKey(nil)
	_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(dis)})
	ok(t, err)
	const dry = "The request would have succeeded, but the DryRun option is set."
	yes := aws.Bool(true)
	for _, tc := range []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"Encrypt that would succeed answers DryRunOperationException", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), DryRun: yes})
			return err
		}, "DryRunOperationException", dry},
		{"Encrypt with a disabled key answers DisabledException", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(dis), Plaintext: []byte("x"), DryRun: yes})
			return err
		}, "DisabledException", arnPrefix + "key/" + dis + " is disabled."},
		{"Decrypt that would succeed answers DryRunOperationException", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob, DryRun: yes})
			return err
		}, "DryRunOperationException", dry},
		{"Decrypt of a bad blob answers InvalidCiphertextException", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob[:len(blob)/2], DryRun: yes})
			return err
		}, "InvalidCiphertextException", ""},
		{"Decrypt of a bad blob with IGNORE_CIPHERTEXT answers DryRunOperationException", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: []byte("junk"), KeyId: aws.String(id), DryRun: yes,
				DryRunModifiers: []types.DryRunModifierType{types.DryRunModifierTypeIgnoreCiphertext}})
			return err
		}, "DryRunOperationException", dry},
		{"GenerateDataKey that would succeed answers DryRunOperationException", func() error {
			_, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256, DryRun: yes})
			return err
		}, "DryRunOperationException", dry},
		{"GenerateDataKeyWithoutPlaintext that would succeed answers DryRunOperationException", func() error {
			_, err := e.svc.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(8), DryRun: yes})
			return err
		}, "DryRunOperationException", dry},
		{"ReEncrypt that would succeed answers DryRunOperationException", func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(id), DryRun: yes})
			return err
		}, "DryRunOperationException", dry},
		{"ReEncrypt to a disabled key answers DisabledException", func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(dis), DryRun: yes})
			return err
		}, "DisabledException", arnPrefix + "key/" + dis + " is disabled."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, tc.msg)
		})
	}
}

func TestGenerateDataKey(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	for _, tc := range []struct {
		name string
		in   *kms.GenerateDataKeyInput
		size int
	}{
		{"AES_256 gives 32 bytes", &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256}, 32},
		{"AES_128 gives 16 bytes", &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes128}, 16},
		{"NumberOfBytes 1 gives 1 byte", &kms.GenerateDataKeyInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(1)}, 1},
		{"NumberOfBytes 1024 gives 1024 bytes", &kms.GenerateDataKeyInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(1024)}, 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.EncryptionContext = map[string]string{"field": "ssn"}
			out, err := e.svc.GenerateDataKey(e.ctx, tc.in)
			ok(t, err)
			if len(out.Plaintext) != tc.size {
				t.Fatalf("data key size: got %d, want %d", len(out.Plaintext), tc.size)
			}
			if aws.ToString(out.KeyId) != arnPrefix+"key/"+id || !reMaterialID.MatchString(aws.ToString(out.KeyMaterialId)) {
				t.Errorf("KeyId/KeyMaterialId: got %s %s", aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId))
			}
			got, err := e.decrypt(out.CiphertextBlob, map[string]string{"field": "ssn"})
			ok(t, err)
			if got != string(out.Plaintext) {
				t.Errorf("the encrypted data key does not decrypt to the plaintext one")
			}
		})
	}
	wp, err := e.svc.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String("alias/none")})
	wantErr(t, err, "ValidationException", "Please specify either number of bytes or key spec.")
	wp, err = e.svc.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
	ok(t, err)
	if got, err := e.decrypt(wp.CiphertextBlob, nil); err != nil || len(got) != 32 {
		t.Errorf("GenerateDataKeyWithoutPlaintext blob: got %d bytes, %v; want 32", len(got), err)
	}
	for _, tc := range []struct {
		name      string
		in        *kms.GenerateDataKeyInput
		code, msg string
	}{
		{"both KeySpec and NumberOfBytes are refused", &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)},
			"ValidationException", "Please specify either number of bytes or key spec."},
		{"neither KeySpec nor NumberOfBytes is refused", &kms.GenerateDataKeyInput{KeyId: aws.String(id)},
			"ValidationException", "Please specify either number of bytes or key spec."},
		{"1025 bytes are refused", &kms.GenerateDataKeyInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(1025)},
			"ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{"0 bytes are refused", &kms.GenerateDataKeyInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(0)},
			"ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"an unknown data key spec fails the enum", &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: "AES_512"},
			"ValidationException", "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [" + enumList(types.DataKeySpec("").Values()) + "]"},
		{"an unknown key is not found", &kms.GenerateDataKeyInput{KeyId: aws.String("alias/missing"), KeySpec: types.DataKeySpecAes256},
			"NotFoundException", "Alias " + arnPrefix + "alias/missing is not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.GenerateDataKey(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestReEncrypt(t *testing.T) {
	e := newEnv(t)
	src := e.createKey(nil)
	dst := e.createKey(nil)
	e.alias("alias/dst", dst)
	blob := e.encrypt(src, "moving", map[string]string{"a": "1"})
	out, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{
		CiphertextBlob:               blob,
		SourceEncryptionContext:      map[string]string{"a": "1"},
		DestinationKeyId:             aws.String("alias/dst"),
		DestinationEncryptionContext: map[string]string{"b": "2"},
	})
	ok(t, err)
	if aws.ToString(out.KeyId) != arnPrefix+"key/"+dst || aws.ToString(out.SourceKeyId) != arnPrefix+"key/"+src {
		t.Errorf("ReEncrypt KeyId/SourceKeyId: got %s / %s", aws.ToString(out.KeyId), aws.ToString(out.SourceKeyId))
	}
	if out.SourceEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault || out.DestinationEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("algorithms: got %s / %s", out.SourceEncryptionAlgorithm, out.DestinationEncryptionAlgorithm)
	}
	got, err := e.decrypt(out.CiphertextBlob, map[string]string{"b": "2"})
	ok(t, err)
	if got != "moving" {
		t.Errorf("re-encrypted blob: got %q, want moving", got)
	}
	_, err = e.decrypt(out.CiphertextBlob, map[string]string{"a": "1"})
	wantErr(t, err, "InvalidCiphertextException", "")
	for _, tc := range []struct {
		name      string
		in        *kms.ReEncryptInput
		code, msg string
	}{
		{"a wrong source context is an invalid ciphertext", &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(dst)}, "InvalidCiphertextException", ""},
		{"a SourceKeyId of another key is an incorrect key", &kms.ReEncryptInput{CiphertextBlob: blob, SourceKeyId: aws.String(dst), SourceEncryptionContext: map[string]string{"a": "1"}, DestinationKeyId: aws.String(dst)},
			"IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."},
		{"a missing destination is a validation error", &kms.ReEncryptInput{CiphertextBlob: blob},
			"ValidationException", "1 validation error detected: Value null at 'destinationKeyId' failed to satisfy constraint: Member must not be null"},
		{"an unknown destination is not found", &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: map[string]string{"a": "1"}, DestinationKeyId: aws.String("alias/gone")},
			"NotFoundException", "Alias " + arnPrefix + "alias/gone is not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.ReEncrypt(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestGenerateRandom(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int32{1, 32, 1024} {
		out, err := e.svc.GenerateRandom(e.ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
		ok(t, err)
		if len(out.Plaintext) != int(n) {
			t.Errorf("GenerateRandom(%d): got %d bytes", n, len(out.Plaintext))
		}
	}
	for _, tc := range []struct {
		name      string
		in        *kms.GenerateRandomInput
		code, msg string
	}{
		{"no NumberOfBytes is refused", &kms.GenerateRandomInput{}, "ValidationException", "NumberOfBytes is required."},
		{"1025 bytes are refused", &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(1025)},
			"ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{"0 bytes are refused", &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(0)},
			"ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.GenerateRandom(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}
