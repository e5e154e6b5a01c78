package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// The AWS fidelity classes of issue 12, through the real SDK (and raw
// HTTP where the SDK cannot send the request).

// rawCall posts body to the real server as operation op and returns the
// status, the __type and the message.
func rawCall(t *testing.T, in *instance, op, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.srv.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	return send(t, req)
}

func TestInputStrictnessOnTheWire(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	// A blob bound to the context {"k\uFFFD": "v"} (valid UTF-8).
	blob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionContext: map[string]string{"k\uFFFD": "v"}}))(t).CiphertextBlob
	b64 := base64.StdEncoding.EncodeToString(blob)
	for _, tc := range []struct {
		name, op, body, code, message string
	}{
		{"a raw invalid byte in the encryption context never opens the U+FFFD one", "Decrypt",
			"{\"CiphertextBlob\":\"" + b64 + "\",\"EncryptionContext\":{\"k\xff\":\"v\"}}", "SerializationException", "-"},
		{"a lone surrogate in the encryption context never opens the U+FFFD one", "Decrypt",
			`{"CiphertextBlob":"` + b64 + `","EncryptionContext":{"k\udfff":"v"}}`, "SerializationException", "-"},
		{"a member given twice", "Encrypt", `{"KeyId":"` + id + `","KeyId":"alias/other","Plaintext":"eA=="}`, "SerializationException", "-"},
		{"an encryption context key given twice", "Encrypt", `{"KeyId":"` + id + `","Plaintext":"eA==","EncryptionContext":{"a":"1","a":"2"}}`, "SerializationException", "-"},
		{"null as an encryption context value", "Encrypt", `{"KeyId":"` + id + `","Plaintext":"eA==","EncryptionContext":{"a":null}}`, "SerializationException", "-"},
		{"an empty KeySpec is not the default", "CreateKey", `{"KeySpec":""}`, "ValidationException",
			"1 validation error detected: Value '' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ML_KEM_512, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ML_DSA_65, ML_DSA_87, ECC_NIST_P521, ML_DSA_44, ML_KEM_1024, ML_KEM_768, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SM2, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]"}, // AWS's order rule (awsfacts.EnumOrder)
		{"an empty KeyUsage is not the default", "CreateKey", `{"KeyUsage":""}`, "ValidationException", "-"},
		{"an empty Origin is not the default", "CreateKey", `{"Origin":""}`, "ValidationException", "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, msg := rawCall(t, in, tc.op, tc.body)
			if status != http.StatusBadRequest || code != tc.code || (tc.message != "-" && msg != tc.message) {
				t.Fatalf("got %d %s %q, want 400 %s %q", status, code, msg, tc.code, tc.message)
			}
		})
	}
	t.Run("the valid context still opens the blob", func(t *testing.T) {
		out := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"k\uFFFD": "v"}}))(t)
		if string(out.Plaintext) != "x" {
			t.Fatalf("got %q, want x", out.Plaintext)
		}
	})
}

func TestCheckOrderAndResponseFieldsThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	create := func(in *kms.CreateKeyInput) string { t.Helper(); return newKey(t, c, in) }
	sym := create(&kms.CreateKeyInput{})
	rsaSign := create(&kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	rsaEnc := create(&kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	hmacKey := create(&kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	agree := create(&kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement})
	must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(rsaSign)}))(t)
	blob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(sym), Plaintext: []byte("x")}))(t).CiphertextBlob

	t.Run("RotateKeyOnDemand on a disabled RSA key: DisabledException first", func(t *testing.T) {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(rsaSign)})
		wantAPIError(t, err, "DisabledException", keyARN(testRegion, rsaSign)+" is disabled.")
	})
	t.Run("Decrypt naming an HMAC key for a symmetric blob: IncorrectKeyException", func(t *testing.T) {
		_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(hmacKey), CiphertextBlob: blob})
		wantAPIError(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	})
	t.Run("ReEncrypt whose source is an HMAC key: IncorrectKeyException", func(t *testing.T) {
		_, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{SourceKeyId: aws.String(hmacKey), CiphertextBlob: blob, DestinationKeyId: aws.String(sym)})
		wantAPIError(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	})
	t.Run("RotateKeyOnDemand answers the key ARN", func(t *testing.T) {
		out := must(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(sym)}))(t)
		if got := aws.ToString(out.KeyId); got != keyARN(testRegion, sym) {
			t.Fatalf("got %s, want %s", got, keyARN(testRegion, sym))
		}
	})
	t.Run("material ids only for symmetric encryption keys", func(t *testing.T) {
		if md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(rsaEnc)}))(t).KeyMetadata; md.CurrentKeyMaterialId != nil {
			t.Errorf("DescribeKey of an RSA key: got CurrentKeyMaterialId %s, want none", aws.ToString(md.CurrentKeyMaterialId))
		}
		if md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(sym)}))(t).KeyMetadata; len(aws.ToString(md.CurrentKeyMaterialId)) != 64 {
			t.Errorf("DescribeKey of a symmetric key: got CurrentKeyMaterialId %q, want 64 hex characters", aws.ToString(md.CurrentKeyMaterialId))
		}
		rsaBlob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(rsaEnc), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256}))(t).CiphertextBlob
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(rsaEnc), CiphertextBlob: rsaBlob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256}))(t)
		if dec.KeyMaterialId != nil {
			t.Errorf("Decrypt with an RSA key: got KeyMaterialId %s, want none", aws.ToString(dec.KeyMaterialId))
		}
		re := must(c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(rsaEnc), DestinationEncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256}))(t)
		if len(aws.ToString(re.SourceKeyMaterialId)) != 64 || re.DestinationKeyMaterialId != nil {
			t.Errorf("ReEncrypt symmetric -> RSA: got source %q destination %v, want a source id only", aws.ToString(re.SourceKeyMaterialId), re.DestinationKeyMaterialId)
		}
	})
	t.Run("MacAlgorithm's enum in AWS's order", func(t *testing.T) {
		_, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(hmacKey), Message: []byte("x"), MacAlgorithm: "INVALID"})
		wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]")
	})
	t.Run("DeriveSharedSecret with a public key that is not DER: empty ValidationException", func(t *testing.T) {
		_, err := c.DeriveSharedSecret(ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(agree), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: []byte("not DER")})
		wantAPIError(t, err, "ValidationException", "-") // the SDK reads an absent message as "UnknownError"
		// On the wire: no message at all, as AWS answers.
		status, code, msg := rawCall(t, in, "DeriveSharedSecret", `{"KeyId":"`+agree+`","KeyAgreementAlgorithm":"ECDH","PublicKey":"bm90IERFUg=="}`)
		if status != http.StatusBadRequest || code != "ValidationException" || msg != "" {
			t.Fatalf("got %d %s %q, want 400 ValidationException without a message", status, code, msg)
		}
	})
}

func TestImportedMaterialVersionsThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal}))(t).KeyMetadata.KeyId)
	arn := keyARN(testRegion, id)
	alg := types.AlgorithmSpecRsaesOaepSha256
	p := must(c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048}))(t)
	imp := func(material []byte, in *kms.ImportKeyMaterialInput) (*kms.ImportKeyMaterialOutput, error) {
		t.Helper()
		wrapped, err := keyspec.WrapForImport(p.PublicKey, alg, material, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		in.KeyId, in.ImportToken, in.EncryptedKeyMaterial = aws.String(id), p.ImportToken, wrapped
		return c.ImportKeyMaterial(ctx, in)
	}
	t.Run("ImportKeyMaterial without ValidTo", func(t *testing.T) {
		_, err := imp(bytes.Repeat([]byte{1}, 32), &kms.ImportKeyMaterialInput{})
		wantAPIError(t, err, "ValidationException", "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
	})
	t.Run("RotateKeyOnDemand before the first import", func(t *testing.T) {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "KMSInvalidStateException", arn+" is pending import.")
	})
	first := must(imp(bytes.Repeat([]byte{1}, 32), &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}))(t)
	old := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("old")}))(t).CiphertextBlob
	t.Run("RotateKeyOnDemand with nothing pending", func(t *testing.T) {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "KMSInvalidStateException", "No available key material pending rotation for the key: "+arn+".")
	})
	validTo := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	second := must(imp(bytes.Repeat([]byte{2}, 32), &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo, KeyMaterialDescription: aws.String("second")}))(t)
	t.Run("a second pending import", func(t *testing.T) {
		_, err := imp(bytes.Repeat([]byte{3}, 32), &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		// AWS's text (captured), naming the refused material's id too.
		wantAPIError(t, err, "KMSInvalidStateException", "-")
		want := regexp.MustCompile(`^New key material \(id: [0-9a-f]{64}\) cannot be imported into KMS key ` + regexp.QuoteMeta(arn) + `, because another key material \(id: ` + aws.ToString(second.KeyMaterialId) + `\) is pending rotation\.$`)
		if got := apiMessage(err); !want.MatchString(got) {
			t.Fatalf("got %q, want a match of %s", got, want)
		}
	})
	t.Run("ListKeyRotations shows the pending material with ALL_KEY_MATERIAL", func(t *testing.T) {
		rs := must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id), IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial}))(t).Rotations
		if len(rs) != 2 || rs[1].KeyMaterialState != types.KeyMaterialStatePendingRotation || aws.ToString(rs[1].KeyMaterialDescription) != "second" ||
			rs[1].ValidTo == nil || !rs[1].ValidTo.Equal(validTo) || rs[1].RotationDate != nil || rs[0].KeyMaterialState != types.KeyMaterialStateCurrent {
			t.Fatalf("got %+v, want CURRENT then PENDING_ROTATION (described, expiring, undated)", rs)
		}
	})
	must(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
	t.Run("after RotateKeyOnDemand the new material is current and the old blob opens", func(t *testing.T) {
		md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
		if aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(second.KeyMaterialId) || md.ValidTo == nil || !md.ValidTo.Equal(validTo) {
			t.Fatalf("got current %s valid to %v, want %s valid to %v", aws.ToString(md.CurrentKeyMaterialId), md.ValidTo, aws.ToString(second.KeyMaterialId), validTo)
		}
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: old}))(t)
		if string(dec.Plaintext) != "old" || aws.ToString(dec.KeyMaterialId) != aws.ToString(first.KeyMaterialId) {
			t.Fatalf("got %q from %s, want old from %s", dec.Plaintext, aws.ToString(dec.KeyMaterialId), aws.ToString(first.KeyMaterialId))
		}
	})
	t.Run("DeleteImportedKeyMaterial of the first version", func(t *testing.T) {
		out := must(c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: first.KeyMaterialId}))(t)
		if aws.ToString(out.KeyMaterialId) != aws.ToString(first.KeyMaterialId) {
			t.Errorf("got %s, want %s", aws.ToString(out.KeyMaterialId), aws.ToString(first.KeyMaterialId))
		}
		if st := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
	})
}
