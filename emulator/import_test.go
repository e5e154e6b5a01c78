package emulator_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// params asks for import parameters and checks their shape.
func (e *env) params(id string, alg types.AlgorithmSpec, spec types.WrappingKeySpec) *kms.GetParametersForImportOutput {
	e.t.Helper()
	out, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg, WrappingKeySpec: spec})
	if err != nil {
		e.t.Fatalf("GetParametersForImport: %v", err)
	}
	return out
}

// importMaterial wraps material locally with the parameters' public key, as
// a client does, and imports it.
func (e *env) importMaterial(id string, p *kms.GetParametersForImportOutput, alg types.AlgorithmSpec, material []byte, in *kms.ImportKeyMaterialInput) (*kms.ImportKeyMaterialOutput, error) {
	e.t.Helper()
	wrapped, err := keyspec.WrapForImport(p.PublicKey, alg, material, rand.Reader)
	if err != nil {
		e.t.Fatalf("WrapForImport: %v", err)
	}
	if in == nil {
		in = &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}
	}
	in.KeyId, in.ImportToken, in.EncryptedKeyMaterial = aws.String(id), p.ImportToken, wrapped
	return e.svc.ImportKeyMaterial(e.ctx, in)
}

func (e *env) externalKey(spec types.KeySpec, usage types.KeyUsageType) string {
	e.t.Helper()
	return e.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage, Origin: types.OriginTypeExternal})
}

func pkcs8(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// importCase is one spec imported with one wrapping algorithm, and a check
// that the key then works with exactly that material.
type importCase struct {
	spec     types.KeySpec
	usage    types.KeyUsageType
	alg      types.AlgorithmSpec
	material func(t testing.TB) []byte
	uses     func(t *testing.T, e *env, id string, material []byte)
}

func randomBytes(n int) func(testing.TB) []byte {
	return func(t testing.TB) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func importCases() []importCase {
	symmetricUse := func(t *testing.T, e *env, id string, _ []byte) {
		blob := e.encrypt(id, "imported", map[string]string{"a": "b"})
		if got, err := e.decrypt(blob, map[string]string{"a": "b"}); err != nil || got != "imported" {
			t.Fatalf("Decrypt: got %q, %v", got, err)
		}
	}
	hmacUse := func(t *testing.T, e *env, id string, material []byte) {
		out, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
		ok(t, err)
		m := hmac.New(sha256.New, material)
		m.Write([]byte("m"))
		if !bytes.Equal(out.Mac, m.Sum(nil)) {
			t.Fatal("the MAC is not the HMAC under the imported material")
		}
	}
	// signUse signs in KMS and verifies with the public half of the
	// imported private key, computed locally.
	signUse := func(alg types.SigningAlgorithmSpec) func(t *testing.T, e *env, id string, material []byte) {
		return func(t *testing.T, e *env, id string, material []byte) {
			priv, err := x509.ParsePKCS8PrivateKey(material)
			ok(t, err)
			spki, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
			ok(t, err)
			if got := e.publicKey(id).PublicKey; !bytes.Equal(got, spki) {
				t.Fatal("GetPublicKey does not answer the imported key's public key")
			}
			out, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(id), Message: []byte("m"), SigningAlgorithm: alg})
			ok(t, err)
			if !verifyLocally(t, signCase{alg: alg, mt: types.MessageTypeRaw}, spki, []byte("m"), out.Signature) {
				t.Fatal("could not verify locally")
			}
		}
	}
	rsaKey := func(t testing.TB) []byte {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		ok(t, err)
		return pkcs8(t, k)
	}
	ecKey := func(t testing.TB) []byte {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		ok(t, err)
		return pkcs8(t, k)
	}
	return []importCase{
		{types.KeySpecSymmetricDefault, "", types.AlgorithmSpecRsaesOaepSha256, randomBytes(32), symmetricUse},
		{types.KeySpecSymmetricDefault, "", types.AlgorithmSpecRsaesOaepSha1, randomBytes(32), symmetricUse},
		// RSA_AES_KEY_WRAP is for RSA and ECC private keys only (API reference; captured).
		{types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac, types.AlgorithmSpecRsaesOaepSha256, randomBytes(64), hmacUse},
		{types.KeySpecRsa2048, types.KeyUsageTypeSignVerify, types.AlgorithmSpecRsaAesKeyWrapSha256, rsaKey, signUse(types.SigningAlgorithmSpecRsassaPssSha256)},
		{types.KeySpecEccNistP384, types.KeyUsageTypeSignVerify, types.AlgorithmSpecRsaAesKeyWrapSha1, ecKey, signUse(types.SigningAlgorithmSpecEcdsaSha384)},
	}
}

func TestImportRoundTripsEverySpecAndWrappingAlgorithm(t *testing.T) {
	e := newEnv(t)
	for _, c := range importCases() {
		t.Run(fmt.Sprintf("%s imported with %s works with exactly that material", c.spec, c.alg), func(t *testing.T) {
			id := e.externalKey(c.spec, c.usage)
			md := e.describe(id).KeyMetadata
			if md.KeyState != types.KeyStatePendingImport || md.Origin != types.OriginTypeExternal || md.Enabled || md.CurrentKeyMaterialId != nil {
				t.Fatalf("new EXTERNAL key: got %s %s enabled=%v material=%v, want PendingImport EXTERNAL without material", md.KeyState, md.Origin, md.Enabled, md.CurrentKeyMaterialId)
			}
			p := e.params(id, c.alg, types.WrappingKeySpecRsa2048)
			if want := start.Add(24 * time.Hour); p.ParametersValidTo == nil || !p.ParametersValidTo.Equal(want) {
				t.Errorf("got ParametersValidTo %v, want %v", p.ParametersValidTo, want)
			}
			if pub, err := x509.ParsePKIXPublicKey(p.PublicKey); err != nil || pub.(*rsa.PublicKey).N.BitLen() != 2048 {
				t.Fatalf("wrapping public key: %v", err)
			}
			material := c.material(t)
			out, err := e.importMaterial(id, p, c.alg, material, nil)
			ok(t, err)
			md = e.describe(id).KeyMetadata
			if md.KeyState != types.KeyStateEnabled || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire || md.ValidTo != nil ||
				aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(out.KeyMaterialId) {
				t.Fatalf("after import: got %s %s %v material %s, want Enabled KEY_MATERIAL_DOES_NOT_EXPIRE and material %s",
					md.KeyState, md.ExpirationModel, md.ValidTo, aws.ToString(md.CurrentKeyMaterialId), aws.ToString(out.KeyMaterialId))
			}
			c.uses(t, e, id, material)
		})
	}
}

func TestImportedMaterialLifecycle(t *testing.T) {
	e := newEnv(t)
	alg := types.AlgorithmSpecRsaesOaepSha256
	id := e.externalKey(types.KeySpecSymmetricDefault, "")
	arn := arnPrefix + "key/" + id
	pendingImport := func(t *testing.T) {
		t.Helper()
		_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
	}
	t.Run("a key pending import refuses Encrypt, EnableKey and DisableKey", func(t *testing.T) {
		pendingImport(t)
		_, err := e.svc.EnableKey(e.ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
		_, err = e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
	})
	t.Run("ListKeyRotations of a key without material answers an empty list", func(t *testing.T) {
		if got := e.rotations(id, types.IncludeKeyMaterialAllKeyMaterial); len(got) != 0 {
			t.Fatalf("got %d rotations, want 0", len(got))
		}
	})
	material := bytes.Repeat([]byte{7}, 32)
	p := e.params(id, alg, types.WrappingKeySpecRsa3072)
	validTo := start.Add(time.Hour)
	first, err := e.importMaterial(id, p, alg, material, &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo})
	ok(t, err)
	blob := e.encrypt(id, "before expiry", nil)
	t.Run("DescribeKey shows the expiration", func(t *testing.T) {
		md := e.describe(id).KeyMetadata
		if md.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || md.ValidTo == nil || !md.ValidTo.Equal(validTo) {
			t.Fatalf("got %s %v, want KEY_MATERIAL_EXPIRES %v", md.ExpirationModel, md.ValidTo, validTo)
		}
	})
	t.Run("material expires at ValidTo on the injected clock", func(t *testing.T) {
		e.clock.Advance(59 * time.Minute)
		if got, err := e.decrypt(blob, nil); err != nil || got != "before expiry" {
			t.Fatalf("one minute before ValidTo: got %q, %v", got, err)
		}
		e.clock.Advance(time.Minute)
		md := e.describe(id).KeyMetadata
		if md.KeyState != types.KeyStatePendingImport || md.ExpirationModel != "" {
			t.Fatalf("at ValidTo: got %s %s, want PendingImport without an expiration model", md.KeyState, md.ExpirationModel)
		}
		_, err := e.decrypt(blob, nil)
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
	})
	t.Run("different material is IncorrectKeyMaterialException", func(t *testing.T) {
		_, err := e.importMaterial(id, p, alg, bytes.Repeat([]byte{8}, 32), nil)
		wantErr(t, err, "IncorrectKeyMaterialException", "Imported key material does not have the expected identifier ("+aws.ToString(first.KeyMaterialId)+").") // captured
	})
	t.Run("the same material again brings the key and its ciphertexts back", func(t *testing.T) {
		again, err := e.importMaterial(id, p, alg, material, nil)
		ok(t, err)
		if aws.ToString(again.KeyMaterialId) != aws.ToString(first.KeyMaterialId) {
			t.Errorf("got material id %s, want %s again", aws.ToString(again.KeyMaterialId), aws.ToString(first.KeyMaterialId))
		}
		if got, err := e.decrypt(blob, nil); err != nil || got != "before expiry" {
			t.Fatalf("Decrypt after re-import: got %q, %v", got, err)
		}
		if md := e.describe(id).KeyMetadata; md.KeyState != types.KeyStateEnabled || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire {
			t.Fatalf("got %s %s, want Enabled KEY_MATERIAL_DOES_NOT_EXPIRE", md.KeyState, md.ExpirationModel)
		}
	})
	t.Run("imported material survives a restart", func(t *testing.T) {
		e.restart()
		if got, err := e.decrypt(blob, nil); err != nil || got != "before expiry" {
			t.Fatalf("Decrypt after restart: got %q, %v", got, err)
		}
	})
	t.Run("DeleteImportedKeyMaterial puts the key back in PendingImport", func(t *testing.T) {
		out, err := e.svc.DeleteImportedKeyMaterial(e.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id)})
		ok(t, err)
		if aws.ToString(out.KeyId) != arn || aws.ToString(out.KeyMaterialId) != aws.ToString(first.KeyMaterialId) {
			t.Errorf("got %s %s, want %s %s", aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId), arn, aws.ToString(first.KeyMaterialId))
		}
		pendingImport(t)
	})
	t.Run("CancelKeyDeletion of a key without material returns it to PendingImport", func(t *testing.T) {
		_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
		ok(t, err)
		_, err = e.svc.CancelKeyDeletion(e.ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
		ok(t, err)
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
	})
	t.Run("the import token expires after 24 hours", func(t *testing.T) {
		e.clock.Advance(24 * time.Hour)
		_, err := e.importMaterial(id, p, alg, material, nil)
		wantErr(t, err, "ExpiredImportTokenException", "*")
	})
	t.Run("Sweep expires material nobody touches", func(t *testing.T) {
		other := e.externalKey(types.KeySpecSymmetricDefault, "")
		op := e.params(other, alg, types.WrappingKeySpecRsa2048)
		until := e.clock.Now().Add(time.Hour)
		_, err := e.importMaterial(other, op, alg, material, &kms.ImportKeyMaterialInput{ValidTo: &until})
		ok(t, err)
		e.clock.Advance(2 * time.Hour)
		res, err := e.svc.Sweep(e.ctx)
		ok(t, err)
		if res.Expired != 1 || res.Rotated != 0 || res.Deleted != 0 {
			t.Errorf("got Sweep result %+v, want one expiry", res)
		}
		if st := e.describe(other).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
	})
}

func TestImportRejectsWhatAWSRejects(t *testing.T) {
	e := newEnv(t)
	alg := types.AlgorithmSpecRsaesOaepSha256
	id := e.externalKey(types.KeySpecSymmetricDefault, "")
	other := e.externalKey(types.KeySpecSymmetricDefault, "")
	hmacKey := e.externalKey(types.KeySpecHmac384, types.KeyUsageTypeGenerateVerifyMac)
	native := e.createKey(nil)
	p := e.params(id, alg, types.WrappingKeySpecRsa2048)
	otherParams := e.params(other, alg, types.WrappingKeySpecRsa2048)
	hp := e.params(hmacKey, alg, types.WrappingKeySpecRsa2048)
	material := randomBytes(32)(t)
	wrapped, err := keyspec.WrapForImport(p.PublicKey, alg, material, rand.Reader)
	ok(t, err)
	imp := func(in *kms.ImportKeyMaterialInput) error {
		_, err := e.svc.ImportKeyMaterial(e.ctx, in)
		return err
	}
	future := start.Add(time.Hour)
	past := start.Add(-time.Hour)
	nativeOrigin := arnPrefix + "key/" + native + " origin is AWS_KMS which is not valid for this operation."
	for _, tc := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"a token of another key is InvalidImportTokenException",
			imp(&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: otherParams.ImportToken, EncryptedKeyMaterial: wrapped}),
			"InvalidImportTokenException", ""}, // no message (captured)
		{"a garbage token is InvalidImportTokenException",
			imp(&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: []byte("junk"), EncryptedKeyMaterial: wrapped}),
			"InvalidImportTokenException", "*"},
		{"material wrapped for another key's wrapping key is InvalidCiphertextException",
			imp(&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(other), ImportToken: otherParams.ImportToken, EncryptedKeyMaterial: wrapped}),
			"InvalidCiphertextException", ""},
		{"HMAC material of the wrong length is InvalidCiphertextException without a message (captured)",
			func() error {
				_, err := e.importMaterial(hmacKey, hp, alg, make([]byte, 16), nil)
				return err
			}(),
			"InvalidCiphertextException", ""},
		{"KEY_MATERIAL_EXPIRES without ValidTo is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires}),
			"ValidationException", "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"},
		{"no ExpirationModel means KEY_MATERIAL_EXPIRES, which needs ValidTo",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped}),
			"ValidationException", "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"},
		{"a ValidTo more than 365 days ahead is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ValidTo: aws.Time(start.Add(366 * 24 * time.Hour))}),
			"ValidationException", "ValidTo must be less than 365 days in the future"}, // captured
		{"KEY_MATERIAL_DOES_NOT_EXPIRE with ValidTo is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, ValidTo: &future}),
			"ValidationException", "A validTo date cannot be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"}, // captured
		{"a ValidTo in the past is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ValidTo: &past}),
			"ValidationException", "ValidTo must be in the future"}, // captured
		{"an unknown expiration model fails the enum",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: "SOMETIMES"}),
			"ValidationException", "*"},
		{"ImportKeyMaterial on an AWS_KMS key is UnsupportedOperationException",
			imp(&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(native), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped}),
			"UnsupportedOperationException", nativeOrigin},
		{"GetParametersForImport on an AWS_KMS key is UnsupportedOperationException",
			func() error {
				_, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(native), WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048})
				return err
			}(),
			"UnsupportedOperationException", nativeOrigin},
		{"DeleteImportedKeyMaterial on an AWS_KMS key is UnsupportedOperationException",
			func() error {
				_, err := e.svc.DeleteImportedKeyMaterial(e.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(native)})
				return err
			}(),
			"UnsupportedOperationException", nativeOrigin},
		{"GetParametersForImport with RSAES_PKCS1_V1_5 is a validation error",
			func() error {
				_, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: types.AlgorithmSpecRsaesPkcs1V15, WrappingKeySpec: types.WrappingKeySpecRsa2048})
				return err
			}(),
			"ValidationException", "Wrapping algorithm RSAES_PKCS1_V1_5 and wrapping key spec RSA_2048 cannot be used to import a SYMMETRIC_DEFAULT key."}, // captured
		{"GetParametersForImport with RSAES_OAEP for an RSA key is a validation error",
			func() error {
				rsaKey := e.externalKey(types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
				_, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(rsaKey), WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048})
				return err
			}(),
			"ValidationException", "Wrapping algorithm RSAES_OAEP_SHA_256 and wrapping key spec RSA_2048 cannot be used to import a RSA_2048 key."}, // captured
		{"GetParametersForImport without a wrapping key spec is a validation error",
			func() error {
				_, err := e.svc.GetParametersForImport(e.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg})
				return err
			}(),
			"ValidationException", "1 validation error detected: Value null at 'wrappingKeySpec' failed to satisfy constraint: Member must not be null"},
		{"ImportKeyMaterial without a token is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), EncryptedKeyMaterial: wrapped}),
			"ValidationException", "1 validation error detected: Value null at 'importToken' failed to satisfy constraint: Member must not be null"},
		{"ImportKeyMaterial without material is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken}),
			"ValidationException", "1 validation error detected: Value null at 'encryptedKeyMaterial' failed to satisfy constraint: Member must not be null"},
		{"ImportKeyMaterial with an empty input is a validation error", imp(&kms.ImportKeyMaterialInput{}), "ValidationException", "*"},
		{"ImportKeyMaterial with a nil input is a validation error", imp(nil), "ValidationException", "*"},
		{"a malformed KeyMaterialId is a validation error",
			imp(&kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, KeyMaterialId: aws.String("xyz")}),
			"ValidationException", "*"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, tc.code, tc.msg) })
	}
	t.Run("an EXTERNAL key that never got parameters refuses any token", func(t *testing.T) {
		fresh := e.externalKey(types.KeySpecSymmetricDefault, "")
		err := imp(&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(fresh), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped})
		wantErr(t, err, "InvalidImportTokenException", "*")
	})
	t.Run("after every failure the key is still pending import", func(t *testing.T) {
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
	})
}

// FuzzImportKeyMaterial feeds arbitrary tokens, wrapped material and
// expiration members through the emulator's ImportKeyMaterial: the answer
// is a client-fault API error or a success, never a panic or a server
// fault.
func FuzzImportKeyMaterial(f *testing.F) {
	e := newEnvTB(f)
	alg := types.AlgorithmSpecRsaesOaepSha256
	id := e.externalKey(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	p := e.params(id, alg, types.WrappingKeySpecRsa2048)
	good, err := keyspec.WrapForImport(p.PublicKey, alg, bytes.Repeat([]byte{3}, 40), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.ImportToken, good, uint8(0), int64(0))
	f.Add(p.ImportToken, good, uint8(2), int64(0))
	f.Add(p.ImportToken, good, uint8(1), int64(3600))
	f.Add(p.ImportToken, good[:len(good)-8], uint8(2), int64(-5))
	f.Add([]byte{1}, []byte{}, uint8(3), int64(1<<40))
	f.Add(p.ImportToken[:5], good, uint8(0), int64(0))
	f.Fuzz(func(t *testing.T, token, wrapped []byte, model uint8, validFor int64) {
		in := &kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: token, EncryptedKeyMaterial: wrapped}
		switch model % 4 {
		case 1:
			in.ExpirationModel = types.ExpirationModelTypeKeyMaterialExpires
		case 2:
			in.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
		case 3:
			in.ExpirationModel = "OTHER"
		}
		if validFor != 0 {
			v := start.Add(time.Duration(validFor%(1<<32)) * time.Second)
			in.ValidTo = &v
		}
		_, err := e.svc.ImportKeyMaterial(e.ctx, in)
		if err == nil {
			return
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorFault() != smithy.FaultClient {
			t.Fatalf("got %v (%T), want nil or a client-fault API error", err, err)
		}
	})
}

func TestAReplicaOfAnImportedMultiRegionKeyTakesTheSameMaterial(t *testing.T) {
	e := newEnv(t)
	alg := types.AlgorithmSpecRsaesOaepSha256
	id := e.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
	material := bytes.Repeat([]byte{0x61}, 32)
	_, err := e.importMaterial(id, e.params(id, alg, types.WrappingKeySpecRsa2048), alg, material, nil)
	ok(t, err)
	blob := e.encrypt(id, "across regions", nil)
	_, err = e.svc.ReplicateKey(e.ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")})
	ok(t, err)
	e.clock.Advance(replicaCreation) // Creating, then PendingImport
	west := e.in("us-west-2")
	md, err := e.svc.DescribeKey(west, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	ok(t, err)
	if md.KeyMetadata.KeyState != types.KeyStatePendingImport || md.KeyMetadata.Origin != types.OriginTypeExternal {
		t.Fatalf("replica: got %s %s, want PendingImport EXTERNAL", md.KeyMetadata.KeyState, md.KeyMetadata.Origin)
	}
	p, err := e.svc.GetParametersForImport(west, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048})
	ok(t, err)
	importWest := func(m []byte) error {
		wrapped, err := keyspec.WrapForImport(p.PublicKey, alg, m, rand.Reader)
		ok(t, err)
		_, err = e.svc.ImportKeyMaterial(west, &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped})
		return err
	}
	t.Run("other material is IncorrectKeyMaterialException in the replica", func(t *testing.T) {
		wantErr(t, importWest(bytes.Repeat([]byte{0x62}, 32)), "IncorrectKeyMaterialException", "*")
	})
	t.Run("the primary's material enables the replica, which opens the primary's ciphertexts", func(t *testing.T) {
		ok(t, importWest(material))
		out, err := e.svc.Decrypt(west, &kms.DecryptInput{CiphertextBlob: blob})
		ok(t, err)
		if string(out.Plaintext) != "across regions" {
			t.Fatalf("got %q", out.Plaintext)
		}
	})
}
