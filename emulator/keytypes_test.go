package emulator_test

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// specKey is one key created for a spec and usage.
type specKey struct {
	spec  keyspec.Spec
	usage types.KeyUsageType
	id    string
}

func (k specKey) String() string { return fmt.Sprintf("%s %s", k.spec.KeySpec, k.usage) }

// everySpecKey creates one key per supported KeySpec and KeyUsage pair.
func everySpecKey(e *env) []specKey {
	e.t.Helper()
	var out []specKey
	for _, row := range keyspec.All() {
		if !row.Supported {
			continue
		}
		for _, u := range row.Usages {
			in := &kms.CreateKeyInput{KeySpec: row.KeySpec}
			if row.KeySpec != types.KeySpecSymmetricDefault {
				in.KeyUsage = u
			}
			out = append(out, specKey{row, u, e.createKey(in)})
		}
	}
	return out
}

// keyOf creates one key of spec and usage.
func (e *env) keyOf(spec types.KeySpec, usage types.KeyUsageType) string {
	e.t.Helper()
	return e.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
}

func (e *env) publicKey(id string) *kms.GetPublicKeyOutput {
	e.t.Helper()
	out, err := e.svc.GetPublicKey(e.ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("GetPublicKey(%s): %v", id, err)
	}
	return out
}

func TestCreateKeyMakesEverySpecWithItsAlgorithms(t *testing.T) {
	e := newEnv(t)
	for _, k := range everySpecKey(e) {
		t.Run(k.String()+" describes its spec, usage and algorithm list", func(t *testing.T) {
			md := e.describe(k.id).KeyMetadata
			if md.KeySpec != k.spec.KeySpec || md.KeyUsage != k.usage || md.KeyState != types.KeyStateEnabled || md.Origin != types.OriginTypeAwsKms {
				t.Fatalf("got %s %s %s %s, want %s %s Enabled AWS_KMS", md.KeySpec, md.KeyUsage, md.KeyState, md.Origin, k.spec.KeySpec, k.usage)
			}
			if string(md.CustomerMasterKeySpec) != string(k.spec.KeySpec) {
				t.Errorf("got CustomerMasterKeySpec %s, want %s", md.CustomerMasterKeySpec, k.spec.KeySpec)
			}
			want := k.spec.AlgorithmsFor(k.usage)
			if !slices.Equal(md.EncryptionAlgorithms, want.EncryptionAlgorithms) || !slices.Equal(md.SigningAlgorithms, want.SigningAlgorithms) ||
				!slices.Equal(md.MacAlgorithms, want.MacAlgorithms) || !slices.Equal(md.KeyAgreementAlgorithms, want.KeyAgreementAlgorithms) ||
				!slices.Equal(md.EncapsulationAlgorithms, want.EncapsulationAlgorithms) {
				t.Errorf("got algorithms enc=%v sign=%v mac=%v agree=%v kem=%v, want %+v",
					md.EncryptionAlgorithms, md.SigningAlgorithms, md.MacAlgorithms, md.KeyAgreementAlgorithms, md.EncapsulationAlgorithms, want)
			}
			// Only symmetric encryption keys show their material id.
			if sym := k.spec.KeySpec == types.KeySpecSymmetricDefault; sym != (len(aws.ToString(md.CurrentKeyMaterialId)) == 64) || !sym && md.CurrentKeyMaterialId != nil {
				t.Errorf("got CurrentKeyMaterialId %q for %s, want 64 hex characters for SYMMETRIC_DEFAULT only", aws.ToString(md.CurrentKeyMaterialId), k.spec.KeySpec)
			}
		})
		t.Run(k.String()+" answers GetPublicKey as its type allows", func(t *testing.T) {
			out, err := e.svc.GetPublicKey(e.ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k.id)})
			if !k.spec.Asymmetric {
				wantErr(t, err, "UnsupportedOperationException", "") // no message (captured)
				return
			}
			ok(t, err)
			if out.KeySpec != k.spec.KeySpec || out.KeyUsage != k.usage || aws.ToString(out.KeyId) != arnPrefix+"key/"+k.id {
				t.Errorf("got %s %s %s, want %s %s and the key ARN", out.KeySpec, out.KeyUsage, aws.ToString(out.KeyId), k.spec.KeySpec, k.usage)
			}
			want := k.spec.AlgorithmsFor(k.usage)
			if !slices.Equal(out.SigningAlgorithms, want.SigningAlgorithms) || !slices.Equal(out.EncryptionAlgorithms, want.EncryptionAlgorithms) ||
				!slices.Equal(out.KeyAgreementAlgorithms, want.KeyAgreementAlgorithms) || !slices.Equal(out.EncapsulationAlgorithms, want.EncapsulationAlgorithms) {
				t.Errorf("got algorithm lists %+v, want %+v", out, want)
			}
			var spki struct {
				Algorithm struct {
					Algorithm  asn1.ObjectIdentifier
					Parameters asn1.RawValue `asn1:"optional"`
				}
				PublicKey asn1.BitString
			}
			if rest, err := asn1.Unmarshal(out.PublicKey, &spki); err != nil || len(rest) != 0 || spki.PublicKey.BitLength == 0 {
				t.Fatalf("PublicKey is not one DER SubjectPublicKeyInfo: %v (%d trailing bytes)", err, len(rest))
			}
		})
	}
}

// signCase is one signing algorithm and message type of a spec.
type signCase struct {
	spec types.KeySpec
	alg  types.SigningAlgorithmSpec
	mt   types.MessageType
}

func signCases() []signCase {
	var out []signCase
	for _, row := range keyspec.All() {
		for _, alg := range row.SigningAlgorithms {
			for _, mt := range keyspec.MessageTypes(alg) {
				if row.Supported {
					out = append(out, signCase{row.KeySpec, alg, mt})
				}
			}
		}
	}
	return out
}

// digestFor hashes text as the signing algorithm does.
func digestFor(alg types.SigningAlgorithmSpec, text []byte) []byte {
	switch alg {
	case types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecEcdsaSha256:
		d := sha256.Sum256(text)
		return d[:]
	case types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecEcdsaSha384:
		d := sha512.Sum384(text)
		return d[:]
	}
	d := sha512.Sum512(text)
	return d[:]
}

// externalMu is ML-DSA's μ = SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M)
// (FIPS 204, pure ML-DSA, empty context) from the SPKI's key bytes.
func externalMu(t testing.TB, spki, text []byte) []byte {
	t.Helper()
	var info struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		t.Fatalf("SPKI: %v", err)
	}
	h := sha3.NewSHAKE256()
	h.Write(sha3.SumSHAKE256(info.PublicKey.Bytes, 64))
	h.Write([]byte{0, 0})
	h.Write(text)
	mu := make([]byte, 64)
	h.Read(mu)
	return mu
}

// messageFor is what a caller sends for the case's message type.
func (c signCase) messageFor(t testing.TB, spki, text []byte) []byte {
	switch c.mt {
	case types.MessageTypeDigest:
		return digestFor(c.alg, text)
	case types.MessageTypeExternalMu:
		return externalMu(t, spki, text)
	}
	return text
}

// verifyLocally checks a signature with Go's crypto against the SPKI where
// Go's x509 reads the key (RSA, NIST ECDSA, Ed25519); it reports false for
// the others.
func verifyLocally(t testing.TB, c signCase, spki, text, sig []byte) bool {
	t.Helper()
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return false
	}
	d := digestFor(c.alg, text)
	h := map[int]crypto.Hash{32: crypto.SHA256, 48: crypto.SHA384, 64: crypto.SHA512}[len(d)]
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		switch c.alg {
		case types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512:
			err = rsa.VerifyPSS(pub, h, d, sig, &rsa.PSSOptions{SaltLength: len(d)})
		default:
			err = rsa.VerifyPKCS1v15(pub, h, d, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, d, sig) {
			err = fmt.Errorf("ecdsa.VerifyASN1 failed")
		}
	case ed25519.PublicKey:
		if c.alg == types.SigningAlgorithmSpecEd25519PhSha512 {
			dd := sha512.Sum512(d) // Ed25519ph over the 64-byte digest as the message
			err = ed25519.VerifyWithOptions(pub, dd[:], sig, &ed25519.Options{Hash: crypto.SHA512})
		} else if !ed25519.Verify(pub, text, sig) {
			err = fmt.Errorf("ed25519.Verify failed")
		}
	default:
		return false
	}
	if err != nil {
		t.Fatalf("%s signature does not verify locally against GetPublicKey's SPKI: %v", c.alg, err)
	}
	return true
}

func TestSignAndVerifyEveryAlgorithm(t *testing.T) {
	e := newEnv(t)
	keys := map[types.KeySpec]string{}
	text := []byte("kmsgate emulator signs this")
	for _, c := range signCases() {
		id, seen := keys[c.spec]
		if !seen {
			id = e.keyOf(c.spec, types.KeyUsageTypeSignVerify)
			keys[c.spec] = id
		}
		t.Run(fmt.Sprintf("%s signs %s with %s and Verify accepts only the true signature", c.spec, c.mt, c.alg), func(t *testing.T) {
			spki := e.publicKey(id).PublicKey
			msg := c.messageFor(t, spki, text)
			out, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(id), Message: msg, MessageType: c.mt, SigningAlgorithm: c.alg})
			ok(t, err)
			if out.SigningAlgorithm != c.alg || aws.ToString(out.KeyId) != arnPrefix+"key/"+id || len(out.Signature) == 0 {
				t.Fatalf("got %s %s %d-byte signature, want %s, the key ARN and a signature", out.SigningAlgorithm, aws.ToString(out.KeyId), len(out.Signature), c.alg)
			}
			verifyLocally(t, c, spki, text, out.Signature)
			vmt, vmsg := c.mt, msg
			if c.mt == types.MessageTypeExternalMu {
				// An EXTERNAL_MU signature is an ordinary ML-DSA signature
				// of the message.
				raw, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: text, SigningAlgorithm: c.alg, Signature: out.Signature})
				ok(t, err)
				if !raw.SignatureValid {
					t.Fatal("Verify RAW of an EXTERNAL_MU signature: got invalid")
				}
			}
			v, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: vmsg, MessageType: vmt, SigningAlgorithm: c.alg, Signature: out.Signature})
			ok(t, err)
			if !v.SignatureValid || v.SigningAlgorithm != c.alg {
				t.Fatalf("Verify: got valid=%v %s, want true %s", v.SignatureValid, v.SigningAlgorithm, c.alg)
			}
			bad := bytes.Clone(out.Signature)
			bad[len(bad)/2] ^= 0x01
			_, err = e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: vmsg, MessageType: vmt, SigningAlgorithm: c.alg, Signature: bad})
			wantErr(t, err, "KMSInvalidSignatureException", "")
		})
	}
}

func TestSignAndVerifyRejectWhatAWSRejects(t *testing.T) {
	e := newEnv(t)
	ecc := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	rsaEnc := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	sym := e.createKey(nil)
	disabled := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(disabled)})
	ok(t, err)
	arn := func(id string) string { return arnPrefix + "key/" + id }
	sign := func(id string, msg []byte, alg types.SigningAlgorithmSpec, mt types.MessageType) error {
		_, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(id), Message: msg, SigningAlgorithm: alg, MessageType: mt})
		return err
	}
	for _, tc := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"a digest of the wrong length is a validation error", sign(ecc, make([]byte, 31), types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeDigest),
			"ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256."},
		{"an algorithm of another spec is an invalid key usage", sign(ecc, []byte("m"), types.SigningAlgorithmSpecEcdsaSha384, ""),
			"InvalidKeyUsageException", "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."},
		{"an ENCRYPT_DECRYPT key cannot sign", sign(rsaEnc, []byte("m"), types.SigningAlgorithmSpecRsassaPssSha256, ""),
			"InvalidKeyUsageException", arn(rsaEnc) + " key usage is ENCRYPT_DECRYPT which is not valid for Sign."},
		{"a symmetric key cannot sign", sign(sym, []byte("m"), types.SigningAlgorithmSpecEcdsaSha256, ""),
			"InvalidKeyUsageException", arn(sym) + " key usage is ENCRYPT_DECRYPT which is not valid for Sign."},
		{"a disabled key cannot sign", sign(disabled, []byte("m"), types.SigningAlgorithmSpecEcdsaSha256, ""),
			"DisabledException", arn(disabled) + " is disabled."},
		{"a message over 4096 bytes is a validation error", sign(ecc, make([]byte, 4097), types.SigningAlgorithmSpecEcdsaSha256, ""),
			"ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"a missing message is a validation error", sign(ecc, nil, types.SigningAlgorithmSpecEcdsaSha256, ""),
			"ValidationException", "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null"},
		{"a missing signing algorithm is a validation error", sign(ecc, []byte("m"), "", ""),
			"ValidationException", "1 validation error detected: Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null"},
		{"an unknown signing algorithm fails the enum", sign(ecc, []byte("m"), "INVALID", ""),
			"ValidationException", "*"},
		{"a missing key id is a validation error", sign("", []byte("m"), types.SigningAlgorithmSpecEcdsaSha256, ""),
			"ValidationException", "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, tc.code, tc.msg) })
	}
	t.Run("Verify without a signature is a validation error", func(t *testing.T) {
		_, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(ecc), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'signature' failed to satisfy constraint: Member must not be null")
	})
	t.Run("Sign with DryRun answers DryRunOperationException", func(t *testing.T) {
		_, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(ecc), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256, DryRun: aws.Bool(true)})
		wantErr(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	})
	t.Run("Verify with DryRun answers a bad signature as without it (captured)", func(t *testing.T) {
		_, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(ecc), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256, Signature: []byte{1, 2, 3}, DryRun: aws.Bool(true)})
		wantErr(t, err, "KMSInvalidSignatureException", "")
	})
	t.Run("Sign with DryRun still checks the algorithm", func(t *testing.T) {
		_, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(ecc), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha512, DryRun: aws.Bool(true)})
		wantErr(t, err, "InvalidKeyUsageException", "Algorithm ECDSA_SHA_512 is incompatible with key spec ECC_NIST_P256.")
	})
	t.Run("Sign works through an alias", func(t *testing.T) {
		e.alias("alias/signer", ecc)
		out, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String("alias/signer"), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		ok(t, err)
		if aws.ToString(out.KeyId) != arn(ecc) {
			t.Errorf("got KeyId %s, want %s", aws.ToString(out.KeyId), arn(ecc))
		}
	})
}

func TestWrongKeyUsageNamesTheUsageAndOperation(t *testing.T) {
	e := newEnv(t)
	signer := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	hmacKey := e.keyOf(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	agree := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeKeyAgreement)
	kem := e.keyOf(types.KeySpecMlKem768, types.KeyUsageTypeEncapsulateDecapsulate)
	sym := e.createKey(nil)
	rsaEnc := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	arn := func(id string) string { return arnPrefix + "key/" + id }
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
	for _, tc := range []struct {
		name string
		call func() error
		msg  string
	}{
		{"Encrypt with a SIGN_VERIFY key", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(signer), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}, arn(signer) + " key usage is SIGN_VERIFY which is not valid for Encrypt."},
		{"Encrypt with an HMAC key", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(hmacKey), Plaintext: []byte("x")})
			return err
		}, arn(hmacKey) + " key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt."},
		{"Decrypt with a SIGN_VERIFY key", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(signer), CiphertextBlob: make([]byte, 256), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}, arn(signer) + " key usage is SIGN_VERIFY which is not valid for Decrypt."},
		{"GenerateMac with a symmetric key", func() error {
			_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(sym), Message: []byte("x"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
			return err
		}, arn(sym) + " key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac."},
		{"VerifyMac with a SIGN_VERIFY key", func() error {
			_, err := e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(signer), Message: []byte("x"), Mac: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
			return err
		}, arn(signer) + " key usage is SIGN_VERIFY which is not valid for VerifyMac."},
		{"Verify with an HMAC key", func() error {
			_, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(hmacKey), Message: []byte("x"), Signature: []byte("s"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, arn(hmacKey) + " key usage is GENERATE_VERIFY_MAC which is not valid for Verify."},
		{"DeriveSharedSecret with a SIGN_VERIFY key", func() error {
			_, err := e.svc.DeriveSharedSecret(e.ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(signer), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: peerDER})
			return err
		}, arn(signer) + " key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret."},
		{"Sign with a KEY_AGREEMENT key", func() error {
			_, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(agree), Message: []byte("x"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, arn(agree) + " key usage is KEY_AGREEMENT which is not valid for Sign."},
		{"Encapsulate with a KEY_AGREEMENT key", func() error {
			_, err := e.svc.Encapsulate(e.ctx, &kms.EncapsulateInput{KeyId: aws.String(agree), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem})
			return err
		}, arn(agree) + " key usage is KEY_AGREEMENT which is not valid for Encapsulate."},
		{"Sign with an ML-KEM key", func() error {
			_, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(kem), Message: []byte("x"), SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			return err
		}, arn(kem) + " key usage is ENCAPSULATE_DECAPSULATE which is not valid for Sign."},
		{"GenerateDataKey with an HMAC key", func() error {
			_, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(hmacKey), KeySpec: types.DataKeySpecAes256})
			return err
		}, arn(hmacKey) + " key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKey."},
		{"GenerateDataKeyPair with a SIGN_VERIFY key", func() error {
			_, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(signer), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
			return err
		}, arn(signer) + " key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair."},
	} {
		t.Run(tc.name+" is InvalidKeyUsageException", func(t *testing.T) {
			wantErr(t, tc.call(), "InvalidKeyUsageException", tc.msg)
		})
	}
	t.Run("GenerateDataKey with an RSA encryption key is InvalidKeyUsageException", func(t *testing.T) {
		_, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(rsaEnc), KeySpec: types.DataKeySpecAes256})
		wantErr(t, err, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
	})
}

func TestHMACKeysGenerateAndVerifyMacs(t *testing.T) {
	e := newEnv(t)
	for _, row := range keyspec.All() {
		if len(row.MacAlgorithms) == 0 {
			continue
		}
		id := e.keyOf(row.KeySpec, types.KeyUsageTypeGenerateVerifyMac)
		alg := row.MacAlgorithms[0]
		t.Run(string(row.KeySpec)+" makes a stable "+string(alg)+" that VerifyMac accepts", func(t *testing.T) {
			msg := []byte("mac me")
			a, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: msg, MacAlgorithm: alg})
			ok(t, err)
			b, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: msg, MacAlgorithm: alg})
			ok(t, err)
			if !bytes.Equal(a.Mac, b.Mac) || len(a.Mac) != row.KeyBits/8 || a.MacAlgorithm != alg {
				t.Fatalf("got MACs %x / %x (%s), want equal %d-byte %s MACs", a.Mac, b.Mac, a.MacAlgorithm, row.KeyBits/8, alg)
			}
			v, err := e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: msg, Mac: a.Mac, MacAlgorithm: alg})
			ok(t, err)
			if !v.MacValid || aws.ToString(v.KeyId) != arnPrefix+"key/"+id {
				t.Fatalf("VerifyMac: got %v %s, want true and the key ARN", v.MacValid, aws.ToString(v.KeyId))
			}
			_, err = e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: []byte("mac mE"), Mac: a.Mac, MacAlgorithm: alg})
			wantErr(t, err, "KMSInvalidMacException", "")
		})
		t.Run(string(row.KeySpec)+" rejects another spec's MAC algorithm", func(t *testing.T) {
			other := types.MacAlgorithmSpecHmacSha256
			if alg == other {
				other = types.MacAlgorithmSpecHmacSha512
			}
			_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("x"), MacAlgorithm: other})
			wantErr(t, err, "InvalidKeyUsageException", fmt.Sprintf("Algorithm %s is incompatible with key spec %s.", other, row.KeySpec))
		})
	}
	id := e.keyOf(types.KeySpecHmac224, types.KeyUsageTypeGenerateVerifyMac)
	t.Run("an unknown MAC algorithm fails the enum", func(t *testing.T) {
		_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("x"), MacAlgorithm: "INVALID"})
		// AWS's recorded order, not the model's.
		wantErr(t, err, "ValidationException", "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]")
	})
	t.Run("GenerateMac takes no alias", func(t *testing.T) {
		e.alias("alias/mac", id)
		_, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String("alias/mac"), Message: []byte("x"), MacAlgorithm: types.MacAlgorithmSpecHmacSha224})
		wantErr(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
	})
	t.Run("VerifyMac with DryRun answers a wrong MAC as without it (captured)", func(t *testing.T) {
		_, err := e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: []byte("x"), Mac: []byte("wrong"), MacAlgorithm: types.MacAlgorithmSpecHmacSha224, DryRun: aws.Bool(true)})
		wantErr(t, err, "KMSInvalidMacException", "")
	})
	t.Run("a MAC survives a restart of the store", func(t *testing.T) {
		before, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("x"), MacAlgorithm: types.MacAlgorithmSpecHmacSha224})
		ok(t, err)
		e.restart()
		_, err = e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: []byte("x"), Mac: before.Mac, MacAlgorithm: types.MacAlgorithmSpecHmacSha224})
		ok(t, err)
	})
}

func joinValues[T ~string](vals []T) string {
	var b bytes.Buffer
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

func TestRSAKeysEncryptAndDecryptAsAWS(t *testing.T) {
	e := newEnv(t)
	sym := e.createKey(nil)
	for _, row := range keyspec.All() {
		if !row.Asymmetric || len(row.EncryptionAlgorithms) == 0 || !row.Supported {
			continue
		}
		id := e.keyOf(row.KeySpec, types.KeyUsageTypeEncryptDecrypt)
		pub, err := x509.ParsePKIXPublicKey(e.publicKey(id).PublicKey)
		ok(t, err)
		for _, alg := range row.EncryptionAlgorithms {
			limit := row.MaxPlaintext(alg)
			t.Run(fmt.Sprintf("%s with %s encrypts %d bytes and Decrypt opens them", row.KeySpec, alg, limit), func(t *testing.T) {
				pt := bytes.Repeat([]byte{0xa5}, limit)
				enc, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: pt, EncryptionAlgorithm: alg})
				ok(t, err)
				if enc.EncryptionAlgorithm != alg || len(enc.CiphertextBlob) != row.KeyBits/8 {
					t.Fatalf("got %s and a %d-byte blob, want %s and %d bytes", enc.EncryptionAlgorithm, len(enc.CiphertextBlob), alg, row.KeyBits/8)
				}
				dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: alg})
				ok(t, err)
				if !bytes.Equal(dec.Plaintext, pt) || dec.EncryptionAlgorithm != alg {
					t.Fatalf("got %d bytes with %s, want the plaintext back with %s", len(dec.Plaintext), dec.EncryptionAlgorithm, alg)
				}
			})
			t.Run(fmt.Sprintf("%s with %s refuses %d bytes", row.KeySpec, alg, limit+1), func(t *testing.T) {
				_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: make([]byte, limit+1), EncryptionAlgorithm: alg})
				wantErr(t, err, "ValidationException", fmt.Sprintf("Algorithm %s and key spec %s cannot encrypt data larger than %d bytes.", alg, row.KeySpec, limit))
			})
			t.Run(fmt.Sprintf("%s decrypts what Go encrypted with the public key and %s", row.KeySpec, alg), func(t *testing.T) {
				h := sha256.New()
				if alg == types.EncryptionAlgorithmSpecRsaesOaepSha1 {
					h = sha1.New()
				}
				blob, err := rsa.EncryptOAEP(h, rand.Reader, pub.(*rsa.PublicKey), []byte("from outside"), nil)
				ok(t, err)
				dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: blob, EncryptionAlgorithm: alg})
				ok(t, err)
				if string(dec.Plaintext) != "from outside" {
					t.Fatalf("got %q, want \"from outside\"", dec.Plaintext)
				}
			})
		}
	}
	id := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	oaep := types.EncryptionAlgorithmSpecRsaesOaepSha256
	enc, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("rsa secret"), EncryptionAlgorithm: oaep})
	ok(t, err)
	for _, tc := range []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"Encrypt without an algorithm uses SYMMETRIC_DEFAULT, which RSA lacks", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
			return err
		}, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."},
		{"Encrypt with an encryption context is a validation error", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionAlgorithm: oaep, EncryptionContext: map[string]string{"a": "b"}})
			return err
		}, "ValidationException", "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs."},
		{"Decrypt of an RSA blob without KeyId asks for the KeyId (captured)", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: oaep})
			return err
		}, "ValidationException", "KeyId must not be null"},
		{"Decrypt of an RSA blob without the algorithm is InvalidKeyUsageException", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: enc.CiphertextBlob})
			return err
		}, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."},
		{"Decrypt with the other OAEP hash is InvalidCiphertextException", func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1})
			return err
		}, "InvalidCiphertextException", ""},
		{"a symmetric key refuses an RSA algorithm", func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(sym), Plaintext: []byte("x"), EncryptionAlgorithm: oaep})
			return err
		}, "InvalidKeyUsageException", "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.call(), tc.code, tc.msg) })
	}
	t.Run("ReEncrypt moves an RSA ciphertext to a symmetric key and back", func(t *testing.T) {
		toSym, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceKeyId: aws.String(id), SourceEncryptionAlgorithm: oaep,
			DestinationKeyId: aws.String(sym), DestinationEncryptionContext: map[string]string{"k": "v"}})
		ok(t, err)
		if toSym.SourceEncryptionAlgorithm != oaep || toSym.DestinationEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Errorf("got algorithms %s -> %s, want %s -> SYMMETRIC_DEFAULT", toSym.SourceEncryptionAlgorithm, toSym.DestinationEncryptionAlgorithm, oaep)
		}
		if got, err := e.decrypt(toSym.CiphertextBlob, map[string]string{"k": "v"}); err != nil || got != "rsa secret" {
			t.Fatalf("Decrypt of the symmetric blob: got %q, %v", got, err)
		}
		back, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: toSym.CiphertextBlob, SourceEncryptionContext: map[string]string{"k": "v"},
			DestinationKeyId: aws.String(id), DestinationEncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1})
		ok(t, err)
		dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: back.CiphertextBlob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1})
		ok(t, err)
		if string(dec.Plaintext) != "rsa secret" {
			t.Fatalf("got %q, want \"rsa secret\"", dec.Plaintext)
		}
	})
	t.Run("ReEncrypt to an RSA key with a destination context is a validation error", func(t *testing.T) {
		blob := e.encrypt(sym, "x", nil)
		_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(id), DestinationEncryptionAlgorithm: oaep, DestinationEncryptionContext: map[string]string{"a": "b"}})
		wantErr(t, err, "ValidationException", "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.")
	})
}

func TestKeyAgreementAndKEM(t *testing.T) {
	e := newEnv(t)
	curves := map[types.KeySpec]ecdh.Curve{types.KeySpecEccNistP256: ecdh.P256(), types.KeySpecEccNistP384: ecdh.P384(), types.KeySpecEccNistP521: ecdh.P521()}
	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521} {
		id := e.keyOf(spec, types.KeyUsageTypeKeyAgreement)
		t.Run(string(spec)+" derives the secret the peer computes with the KMS public key", func(t *testing.T) {
			peer, err := curves[spec].GenerateKey(rand.Reader)
			ok(t, err)
			peerDER, err := x509.MarshalPKIXPublicKey(peer.PublicKey())
			ok(t, err)
			out, err := e.svc.DeriveSharedSecret(e.ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(id), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: peerDER})
			ok(t, err)
			pub, err := x509.ParsePKIXPublicKey(e.publicKey(id).PublicKey)
			ok(t, err)
			kmsPub, err := pub.(*ecdsa.PublicKey).ECDH()
			ok(t, err)
			want, err := peer.ECDH(kmsPub)
			ok(t, err)
			if !bytes.Equal(out.SharedSecret, want) || out.KeyOrigin != types.OriginTypeAwsKms || out.KeyAgreementAlgorithm != types.KeyAgreementAlgorithmSpecEcdh {
				t.Fatalf("got secret %x origin %s, want %x AWS_KMS", out.SharedSecret, out.KeyOrigin, want)
			}
		})
	}
	id := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeKeyAgreement)
	t.Run("DeriveSharedSecret without a public key is a validation error", func(t *testing.T) {
		_, err := e.svc.DeriveSharedSecret(e.ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(id), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'publicKey' failed to satisfy constraint: Member must not be null")
	})
	t.Run("DeriveSharedSecret with garbage for a public key is a validation error", func(t *testing.T) {
		_, err := e.svc.DeriveSharedSecret(e.ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(id), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: []byte("junk")})
		wantErr(t, err, "ValidationException", "*")
	})
	for _, spec := range []types.KeySpec{types.KeySpecMlKem512, types.KeySpecMlKem768, types.KeySpecMlKem1024} {
		id := e.keyOf(spec, types.KeyUsageTypeEncapsulateDecapsulate)
		t.Run(string(spec)+" decapsulates the secret it encapsulated", func(t *testing.T) {
			enc, err := e.svc.Encapsulate(e.ctx, &kms.EncapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem})
			ok(t, err)
			dec, err := e.svc.Decapsulate(e.ctx, &kms.DecapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob})
			ok(t, err)
			if len(enc.SharedSecret) != 32 || !bytes.Equal(enc.SharedSecret, dec.SharedSecret) {
				t.Fatalf("got secrets %x / %x, want one 32-byte secret", enc.SharedSecret, dec.SharedSecret)
			}
			_, err = e.svc.Decapsulate(e.ctx, &kms.DecapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob[1:]})
			wantErr(t, err, "InvalidCiphertextException", "")
		})
	}
}

func TestDataKeyPairs(t *testing.T) {
	e := newEnv(t)
	sym := e.createKey(nil)
	ec := map[string]string{"purpose": "pair"}
	for _, spec := range types.DataKeyPairSpec("").Values() {
		if spec == types.DataKeyPairSpecSm2 {
			t.Run("SM2 pairs exist only in China Regions", func(t *testing.T) {
				_, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(sym), KeyPairSpec: spec})
				wantErr(t, err, "UnsupportedOperationException", "KeyPairSpec SM2 is not supported in this Region.")
			})
			continue
		}
		t.Run(string(spec)+" pair: the blob decrypts to the plaintext private key of the public key", func(t *testing.T) {
			out, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(sym), KeyPairSpec: spec, EncryptionContext: ec})
			ok(t, err)
			if out.KeyPairSpec != spec || aws.ToString(out.KeyId) != arnPrefix+"key/"+sym || len(aws.ToString(out.KeyMaterialId)) != 64 {
				t.Fatalf("got %s %s %q", out.KeyPairSpec, aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId))
			}
			dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec})
			ok(t, err)
			if !bytes.Equal(dec.Plaintext, out.PrivateKeyPlaintext) {
				t.Fatal("the decrypted blob is not the plaintext private key")
			}
			gotSpec, material, err := keyspec.ParsePrivateKey(out.PrivateKeyPlaintext)
			ok(t, err)
			pub, err := keyspec.PublicKeyDER(gotSpec, material)
			ok(t, err)
			if string(gotSpec) != string(spec) || !bytes.Equal(pub, out.PublicKey) {
				t.Fatalf("private key is %s with public key %x, want %s with %x", gotSpec, pub, spec, out.PublicKey)
			}
		})
	}
	t.Run("WithoutPlaintext returns the blob and public key only", func(t *testing.T) {
		out, err := e.svc.GenerateDataKeyPairWithoutPlaintext(e.ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(sym), KeyPairSpec: types.DataKeyPairSpecEccNistP384})
		ok(t, err)
		dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob})
		ok(t, err)
		priv, err := x509.ParsePKCS8PrivateKey(dec.Plaintext)
		ok(t, err)
		pub, err := x509.MarshalPKIXPublicKey(priv.(*ecdsa.PrivateKey).Public())
		ok(t, err)
		if !bytes.Equal(pub, out.PublicKey) {
			t.Fatal("the private key does not belong to the public key")
		}
	})
	t.Run("a missing KeyPairSpec is a validation error", func(t *testing.T) {
		_, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(sym)})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null")
	})
	t.Run("DryRun answers DryRunOperationException", func(t *testing.T) {
		_, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(sym), KeyPairSpec: types.DataKeyPairSpecEccNistP256, DryRun: aws.Bool(true)})
		wantErr(t, err, "DryRunOperationException", "*")
	})
}

func TestRotationAndAliasRulesPerKeyType(t *testing.T) {
	e := newEnv(t)
	sym := e.createKey(nil)
	sym2 := e.createKey(nil)
	signer := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	signer2 := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	rsaEnc := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	hmacKey := e.keyOf(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	external := e.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	// AWS's answers, captured (2026): EnableKeyRotation and
	// RotateKeyOnDemand refuse asymmetric and HMAC keys without a message,
	// DisableKeyRotation succeeds on them and changes nothing; on a key
	// with imported material, EnableKeyRotation and DisableKeyRotation
	// answer its origin (also while it waits for its material) and
	// RotateKeyOnDemand its state first.
	pendingImport := arnPrefix + "key/" + external + " is pending import."
	externalOrigin := arnPrefix + "key/" + external + " origin is EXTERNAL which is not valid for this operation."
	for _, tc := range []struct {
		name, id                  string
		enable, disable, onDemand string // "code message", "" for success
	}{
		{"an asymmetric key", signer, "UnsupportedOperationException ", "", "UnsupportedOperationException "},
		{"an HMAC key", hmacKey, "UnsupportedOperationException ", "", "UnsupportedOperationException "},
		{"a key waiting for imported material", external, "UnsupportedOperationException " + externalOrigin, "UnsupportedOperationException " + externalOrigin, "KMSInvalidStateException " + pendingImport},
	} {
		check := func(t *testing.T, err error, want string) {
			t.Helper()
			if want == "" {
				ok(t, err)
				return
			}
			code, msg, _ := strings.Cut(want, " ")
			wantErr(t, err, code, msg)
		}
		t.Run("EnableKeyRotation on "+tc.name, func(t *testing.T) {
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(tc.id)})
			check(t, err, tc.enable)
		})
		t.Run("DisableKeyRotation on "+tc.name, func(t *testing.T) {
			_, err := e.svc.DisableKeyRotation(e.ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(tc.id)})
			check(t, err, tc.disable)
		})
		t.Run("RotateKeyOnDemand on "+tc.name, func(t *testing.T) {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(tc.id)})
			check(t, err, tc.onDemand)
		})
		t.Run("GetKeyRotationStatus on "+tc.name+" answers false", func(t *testing.T) {
			if st := e.rotationStatus(tc.id); st.KeyRotationEnabled {
				t.Fatal("got rotation enabled")
			}
		})
		t.Run("ListKeyRotations on "+tc.name+" lists nothing", func(t *testing.T) {
			if got := e.rotations(tc.id, ""); len(got) != 0 {
				t.Fatalf("got %d rotations, want none", len(got))
			}
		})
	}
	e.alias("alias/sym", sym)
	e.alias("alias/signer", signer)
	for _, tc := range []struct {
		name, alias, to string
		allowed         bool
	}{
		{"a symmetric alias moves to another symmetric key", "alias/sym", sym2, true},
		{"a signing alias moves to another signing key of another spec", "alias/signer", signer2, true},
		{"a symmetric alias cannot move to an RSA encryption key", "alias/sym", rsaEnc, false},
		{"a symmetric alias cannot move to an HMAC key", "alias/sym", hmacKey, false},
		{"a signing alias cannot move to an RSA encryption key", "alias/signer", rsaEnc, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.UpdateAlias(e.ctx, &kms.UpdateAliasInput{AliasName: aws.String(tc.alias), TargetKeyId: aws.String(tc.to)})
			if tc.allowed {
				ok(t, err)
				return
			}
			wantErr(t, err, "ValidationException", "*")
		})
	}
}

func TestKeyTypeOperationsAnswerEmptyInputWithClientErrors(t *testing.T) {
	e := newEnv(t)
	for name, call := range map[string]func() error{
		"GetPublicKey":       func() error { _, err := e.svc.GetPublicKey(e.ctx, nil); return err },
		"Sign":               func() error { _, err := e.svc.Sign(e.ctx, nil); return err },
		"Verify":             func() error { _, err := e.svc.Verify(e.ctx, nil); return err },
		"GenerateMac":        func() error { _, err := e.svc.GenerateMac(e.ctx, nil); return err },
		"VerifyMac":          func() error { _, err := e.svc.VerifyMac(e.ctx, nil); return err },
		"DeriveSharedSecret": func() error { _, err := e.svc.DeriveSharedSecret(e.ctx, nil); return err },
		"Encapsulate":        func() error { _, err := e.svc.Encapsulate(e.ctx, nil); return err },
		"Decapsulate":        func() error { _, err := e.svc.Decapsulate(e.ctx, nil); return err },
		"GenerateDataKeyPair": func() error {
			_, err := e.svc.GenerateDataKeyPair(e.ctx, nil)
			return err
		},
		"GenerateDataKeyPairWithoutPlaintext": func() error {
			_, err := e.svc.GenerateDataKeyPairWithoutPlaintext(e.ctx, nil)
			return err
		},
		"GetParametersForImport": func() error {
			_, err := e.svc.GetParametersForImport(e.ctx, nil)
			return err
		},
		"ImportKeyMaterial": func() error { _, err := e.svc.ImportKeyMaterial(e.ctx, nil); return err },
		"DeleteImportedKeyMaterial": func() error {
			_, err := e.svc.DeleteImportedKeyMaterial(e.ctx, nil)
			return err
		},
	} {
		t.Run(name+" with no input answers a ValidationException", func(t *testing.T) {
			wantErr(t, call(), "ValidationException", "*")
		})
	}
}

func TestKeyTypeOperationsNoteTheirLastUse(t *testing.T) {
	e := newEnv(t)
	signer := e.keyOf(types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	mac := e.keyOf(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	kem := e.keyOf(types.KeySpecMlKem768, types.KeyUsageTypeEncapsulateDecapsulate)
	sym := e.createKey(nil)
	var sig, tag, ct []byte
	for _, tc := range []struct {
		id   string
		op   types.KeyLastUsageTrackingOperation
		call func() error
	}{
		{signer, types.KeyLastUsageTrackingOperationSign, func() error {
			out, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			if err == nil {
				sig = out.Signature
			}
			return err
		}},
		{signer, types.KeyLastUsageTrackingOperationVerify, func() error {
			_, err := e.svc.Verify(e.ctx, &kms.VerifyInput{KeyId: aws.String(signer), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256, Signature: sig})
			return err
		}},
		{mac, types.KeyLastUsageTrackingOperationGenerateMac, func() error {
			out, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(mac), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
			if err == nil {
				tag = out.Mac
			}
			return err
		}},
		{mac, types.KeyLastUsageTrackingOperationVerifyMac, func() error {
			_, err := e.svc.VerifyMac(e.ctx, &kms.VerifyMacInput{KeyId: aws.String(mac), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256, Mac: tag})
			return err
		}},
		{kem, types.KeyLastUsageTrackingOperationEncapsulate, func() error {
			out, err := e.svc.Encapsulate(e.ctx, &kms.EncapsulateInput{KeyId: aws.String(kem), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem})
			if err == nil {
				ct = out.SharedSecretCiphertextBlob
			}
			return err
		}},
		{kem, types.KeyLastUsageTrackingOperationDecapsulate, func() error {
			_, err := e.svc.Decapsulate(e.ctx, &kms.DecapsulateInput{KeyId: aws.String(kem), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem, SharedSecretCiphertextBlob: ct})
			return err
		}},
		{sym, types.KeyLastUsageTrackingOperationGenerateDataKeyPair, func() error {
			_, err := e.svc.GenerateDataKeyPair(e.ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(sym), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
			return err
		}},
	} {
		t.Run(string(tc.op)+" is the key's last use", func(t *testing.T) {
			ok(t, tc.call())
			if got := e.lastUsage(tc.id).KeyLastUsage; got == nil || got.Operation != tc.op {
				t.Fatalf("got %+v, want operation %s", got, tc.op)
			}
		})
	}
}
