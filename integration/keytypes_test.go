package integration

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	circlsign "github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	dcrecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// spki is a DER SubjectPublicKeyInfo taken apart.
type spki struct {
	Algorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	PublicKey asn1.BitString
}

func parseSPKI(t *testing.T, der []byte) spki {
	t.Helper()
	var s spki
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) != 0 {
		t.Fatalf("PublicKey is not one DER SubjectPublicKeyInfo: %v", err)
	}
	return s
}

// signCase is one signing algorithm with one message type.
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

func hashOf(alg types.SigningAlgorithmSpec) crypto.Hash {
	s := string(alg)
	switch {
	case strings.HasSuffix(s, "SHA_256"):
		return crypto.SHA256
	case strings.HasSuffix(s, "SHA_384"):
		return crypto.SHA384
	}
	return crypto.SHA512
}

func digest(alg types.SigningAlgorithmSpec, text []byte) []byte {
	h := hashOf(alg).New()
	h.Write(text)
	return h.Sum(nil)
}

// mu is ML-DSA's external μ for pure ML-DSA with an empty context
// (FIPS 204): SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64).
func mu(pk, text []byte) []byte {
	h := sha3.NewSHAKE256()
	h.Write(sha3.SumSHAKE256(pk, 64))
	h.Write([]byte{0, 0})
	h.Write(text)
	out := make([]byte, 64)
	h.Read(out)
	return out
}

// verifyWithGo checks a KMS signature over text against GetPublicKey's SPKI
// with Go's crypto, decred's secp256k1 or circl's ML-DSA: never with the
// code that signed.
func verifyWithGo(t *testing.T, c signCase, der, text, sig []byte) {
	t.Helper()
	switch c.spec {
	case types.KeySpecEccSecgP256k1:
		pub, err := secp256k1.ParsePubKey(parseSPKI(t, der).PublicKey.Bytes)
		if err != nil {
			t.Fatalf("secp256k1 public key: %v", err)
		}
		s, err := dcrecdsa.ParseDERSignature(sig)
		if err != nil || !s.Verify(digest(c.alg, text), pub) {
			t.Fatalf("secp256k1 signature does not verify with decred: %v", err)
		}
		return
	case types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87:
		scheme := map[types.KeySpec]circlsign.Scheme{types.KeySpecMlDsa44: mldsa44.Scheme(), types.KeySpecMlDsa65: mldsa65.Scheme(), types.KeySpecMlDsa87: mldsa87.Scheme()}[c.spec]
		pub, err := scheme.UnmarshalBinaryPublicKey(parseSPKI(t, der).PublicKey.Bytes)
		if err != nil {
			t.Fatalf("ML-DSA public key: %v", err)
		}
		if !scheme.Verify(pub, text, sig, nil) {
			t.Fatal("ML-DSA signature does not verify with circl")
		}
		return
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatalf("x509.ParsePKIXPublicKey: %v", err)
	}
	d := digest(c.alg, text)
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(string(c.alg), "RSASSA_PSS") {
			err = rsa.VerifyPSS(pub, hashOf(c.alg), d, sig, &rsa.PSSOptions{SaltLength: len(d)})
		} else {
			err = rsa.VerifyPKCS1v15(pub, hashOf(c.alg), d, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, d, sig) {
			err = fmt.Errorf("ecdsa.VerifyASN1 failed")
		}
	case ed25519.PublicKey:
		if c.alg == types.SigningAlgorithmSpecEd25519PhSha512 {
			// AWS's Ed25519ph: the 64-byte digest is the message, pre-hashed again.
			dd := sha512.Sum512(d)
			err = ed25519.VerifyWithOptions(pub, dd[:], sig, &ed25519.Options{Hash: crypto.SHA512})
		} else if !ed25519.Verify(pub, text, sig) {
			err = fmt.Errorf("ed25519.Verify failed")
		}
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
	if err != nil {
		t.Fatalf("%s signature does not verify with Go's crypto: %v", c.alg, err)
	}
}

// opensslArgs are the `openssl pkeyutl -verify` options for the case, or
// false where OpenSSL 3.0 cannot check it (Ed25519ph, ML-DSA).
func opensslArgs(c signCase) ([]string, bool) {
	switch {
	case c.spec == types.KeySpecEccNistEdwards25519 && c.alg == types.SigningAlgorithmSpecEd25519Sha512:
		return []string{"-rawin"}, true
	case strings.HasPrefix(string(c.spec), "RSA_") || strings.HasPrefix(string(c.spec), "ECC_NIST_P") || c.spec == types.KeySpecEccSecgP256k1:
		args := []string{"-pkeyopt", "digest:" + strings.ToLower(strings.ReplaceAll(hashOf(c.alg).String(), "-", ""))}
		if strings.HasPrefix(string(c.alg), "RSASSA_PSS") {
			args = append(args, "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest")
		}
		return args, true
	}
	return nil, false
}

// opensslVerify checks a signature over text with `openssl pkeyutl
// -verify` against the SPKI as PEM.
func opensslVerify(t *testing.T, c signCase, der, text, sig []byte) {
	t.Helper()
	args, _ := opensslArgs(c)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is needed for this test: %v", err)
	}
	dir := t.TempDir()
	pubFile := filepath.Join(dir, "pub.pem")
	in := filepath.Join(dir, "in.bin")
	sigFile := filepath.Join(dir, "sig.bin")
	data := text
	if args[0] != "-rawin" {
		data = digest(c.alg, text)
	}
	for name, b := range map[string][]byte{pubFile: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), in: data, sigFile: sig} {
		writeFile(t, name, b)
	}
	cmd := exec.Command("openssl", append([]string{"pkeyutl", "-verify", "-pubin", "-inkey", pubFile, "-in", in, "-sigfile", sigFile}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Fatalf("openssl pkeyutl -verify %s: %v\n%s", c.alg, err, out)
	}
}

func TestEverySigningSpecThroughTheSDK(t *testing.T) {
	onEveryBackend(t, everySigningSpecThroughTheSDK)
}

func everySigningSpecThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	keys := map[types.KeySpec]string{}
	text := []byte("signed through aws-sdk-go-v2")
	for _, sc := range signCases() {
		id, ok := keys[sc.spec]
		if !ok {
			md := must(c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: sc.spec, KeyUsage: types.KeyUsageTypeSignVerify}))(t).KeyMetadata
			id = aws.ToString(md.KeyId)
			keys[sc.spec] = id
			row, _ := keyspec.Lookup(sc.spec)
			if !slices.Equal(md.SigningAlgorithms, row.SigningAlgorithms) || md.EncryptionAlgorithms != nil {
				t.Errorf("%s: CreateKey answered SigningAlgorithms %v EncryptionAlgorithms %v, want %v and none", sc.spec, md.SigningAlgorithms, md.EncryptionAlgorithms, row.SigningAlgorithms)
			}
		}
		_, withOpenSSL := opensslArgs(sc)
		name := fmt.Sprintf("%s %s over %s verifies in KMS and with Go", sc.spec, sc.alg, sc.mt)
		if withOpenSSL {
			name = fmt.Sprintf("%s %s over %s verifies in KMS, with Go and with openssl", sc.spec, sc.alg, sc.mt)
		}
		t.Run(name, func(t *testing.T) {
			pk := must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)}))(t)
			if pk.KeySpec != sc.spec || pk.KeyUsage != types.KeyUsageTypeSignVerify || !slices.Contains(pk.SigningAlgorithms, sc.alg) {
				t.Fatalf("GetPublicKey: got %s %s %v", pk.KeySpec, pk.KeyUsage, pk.SigningAlgorithms)
			}
			msg := text
			switch sc.mt {
			case types.MessageTypeDigest:
				msg = digest(sc.alg, text)
			case types.MessageTypeExternalMu:
				msg = mu(parseSPKI(t, pk.PublicKey).PublicKey.Bytes, text)
			}
			out := must(c.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: msg, MessageType: sc.mt, SigningAlgorithm: sc.alg}))(t)
			if aws.ToString(out.KeyId) != keyARN(testRegion, id) || out.SigningAlgorithm != sc.alg {
				t.Errorf("got %s %s, want the key ARN and %s", aws.ToString(out.KeyId), out.SigningAlgorithm, sc.alg)
			}
			v := must(c.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: msg, MessageType: sc.mt, SigningAlgorithm: sc.alg, Signature: out.Signature}))(t)
			if !v.SignatureValid {
				t.Fatal("Verify: got SignatureValid false")
			}
			verifyWithGo(t, sc, pk.PublicKey, text, out.Signature)
			if withOpenSSL {
				opensslVerify(t, sc, pk.PublicKey, text, out.Signature)
			}
			bad := bytes.Clone(out.Signature)
			bad[len(bad)-1] ^= 0x80
			_, err := c.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: msg, MessageType: sc.mt, SigningAlgorithm: sc.alg, Signature: bad})
			wantAPIError(t, err, "KMSInvalidSignatureException", "")
		})
	}
}

func TestEncryptionKeyAgreementKEMAndMACKeysThroughTheSDK(t *testing.T) {
	onEveryBackend(t, encryptionKeyAgreementKEMAndMACKeysThroughTheSDK)
}

func encryptionKeyAgreementKEMAndMACKeysThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	create := func(spec types.KeySpec, usage types.KeyUsageType) string {
		t.Helper()
		return aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage}))(t).KeyMetadata.KeyId)
	}
	for _, spec := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096} {
		id := create(spec, types.KeyUsageTypeEncryptDecrypt)
		pk := must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)}))(t)
		for _, alg := range []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256} {
			t.Run(fmt.Sprintf("%s %s: KMS and openssl ciphertexts decrypt in KMS", spec, alg), func(t *testing.T) {
				enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("rsa wire"), EncryptionAlgorithm: alg}))(t)
				dec := must(c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: alg}))(t)
				if string(dec.Plaintext) != "rsa wire" || dec.EncryptionAlgorithm != alg {
					t.Fatalf("got %q with %s", dec.Plaintext, dec.EncryptionAlgorithm)
				}
				md := map[types.EncryptionAlgorithmSpec]string{types.EncryptionAlgorithmSpecRsaesOaepSha1: "sha1", types.EncryptionAlgorithmSpecRsaesOaepSha256: "sha256"}[alg]
				dir := t.TempDir()
				pub, plain, blob := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "plain"), filepath.Join(dir, "blob")
				writeFile(t, pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk.PublicKey}))
				writeFile(t, plain, []byte("from openssl"))
				if out, err := exec.Command("openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-in", plain, "-out", blob,
					"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+md, "-pkeyopt", "rsa_mgf1_md:"+md).CombinedOutput(); err != nil {
					t.Fatalf("openssl pkeyutl -encrypt: %v\n%s", err, out)
				}
				ct, err := os.ReadFile(blob)
				if err != nil {
					t.Fatal(err)
				}
				dec = must(c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: ct, EncryptionAlgorithm: alg}))(t)
				if string(dec.Plaintext) != "from openssl" {
					t.Fatalf("got %q, want \"from openssl\"", dec.Plaintext)
				}
			})
		}
	}
	rsaID := create(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	t.Run("RSA Encrypt over the limit answers AWS's text", func(t *testing.T) {
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(rsaID), Plaintext: make([]byte, 191), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		wantAPIError(t, err, "ValidationException", "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.")
	})
	t.Run("Encrypt with a signing key answers InvalidKeyUsageException", func(t *testing.T) {
		signer := create(types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(signer), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		wantAPIError(t, err, "InvalidKeyUsageException", keyARN(testRegion, signer)+" key usage is SIGN_VERIFY which is not valid for Encrypt.")
	})

	curves := map[types.KeySpec]ecdh.Curve{types.KeySpecEccNistP256: ecdh.P256(), types.KeySpecEccNistP384: ecdh.P384(), types.KeySpecEccNistP521: ecdh.P521()}
	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521} {
		t.Run(string(spec)+" DeriveSharedSecret matches the peer's own ECDH", func(t *testing.T) {
			id := create(spec, types.KeyUsageTypeKeyAgreement)
			peer, err := curves[spec].GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
			out := must(c.DeriveSharedSecret(ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(id), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: peerDER}))(t)
			pub, err := x509.ParsePKIXPublicKey(must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)}))(t).PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			kmsPub, _ := pub.(*ecdsa.PublicKey).ECDH()
			want, _ := peer.ECDH(kmsPub)
			if !bytes.Equal(out.SharedSecret, want) || out.KeyOrigin != types.OriginTypeAwsKms {
				t.Fatalf("got %x (%s), want %x", out.SharedSecret, out.KeyOrigin, want)
			}
		})
	}

	for _, spec := range []types.KeySpec{types.KeySpecMlKem512, types.KeySpecMlKem768, types.KeySpecMlKem1024} {
		t.Run(string(spec)+" Encapsulate/Decapsulate agree, and Decapsulate opens what Go encapsulated", func(t *testing.T) {
			id := create(spec, types.KeyUsageTypeEncapsulateDecapsulate)
			enc := must(c.Encapsulate(ctx, &kms.EncapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem}))(t)
			dec := must(c.Decapsulate(ctx, &kms.DecapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob}))(t)
			if len(enc.SharedSecret) != 32 || !bytes.Equal(enc.SharedSecret, dec.SharedSecret) {
				t.Fatalf("got %x / %x", enc.SharedSecret, dec.SharedSecret)
			}
			ek := parseSPKI(t, must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)}))(t).PublicKey).PublicKey.Bytes
			var secret, ct []byte
			switch spec {
			case types.KeySpecMlKem768:
				k, err := mlkem.NewEncapsulationKey768(ek)
				if err != nil {
					t.Fatal(err)
				}
				secret, ct = k.Encapsulate()
			case types.KeySpecMlKem1024:
				k, err := mlkem.NewEncapsulationKey1024(ek)
				if err != nil {
					t.Fatal(err)
				}
				secret, ct = k.Encapsulate()
			default:
				return // Go's crypto/mlkem has no ML-KEM-512
			}
			got := must(c.Decapsulate(ctx, &kms.DecapsulateInput{KeyId: aws.String(id), EncapsulationAlgorithm: types.EncapsulationAlgorithmSpecMlKem, SharedSecretCiphertextBlob: ct}))(t)
			if !bytes.Equal(got.SharedSecret, secret) {
				t.Fatal("Decapsulate of Go's ciphertext gave another secret")
			}
		})
	}

	for _, spec := range []types.KeySpec{types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512} {
		t.Run(string(spec)+" GenerateMac/VerifyMac and KMSInvalidMacException", func(t *testing.T) {
			id := create(spec, types.KeyUsageTypeGenerateVerifyMac)
			md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
			if len(md.MacAlgorithms) != 1 || md.EncryptionAlgorithms != nil {
				t.Fatalf("got MacAlgorithms %v EncryptionAlgorithms %v", md.MacAlgorithms, md.EncryptionAlgorithms)
			}
			alg := md.MacAlgorithms[0]
			mac := must(c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("wire"), MacAlgorithm: alg}))(t)
			v := must(c.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: []byte("wire"), Mac: mac.Mac, MacAlgorithm: alg}))(t)
			if !v.MacValid {
				t.Fatal("VerifyMac: got false")
			}
			_, err := c.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(id), Message: []byte("Wire"), Mac: mac.Mac, MacAlgorithm: alg})
			wantAPIError(t, err, "KMSInvalidMacException", "")
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// advance moves the server's test clock.
func advance(t *testing.T, in *instance, d time.Duration) {
	t.Helper()
	resp := in.postAdmin(t, "/_kmsgate/clock", fmt.Sprintf(`{"advance":%q}`, d.String()))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got clock status %d, want 200", resp.StatusCode)
	}
}

func TestImportRoundTripThroughTheSDK(t *testing.T) { onEveryBackend(t, importRoundTripThroughTheSDK) }

func importRoundTripThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)

	t.Run("symmetric material wrapped by openssl as AWS documents, imported, expiring on the test clock", func(t *testing.T) {
		id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal}))(t).KeyMetadata.KeyId)
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantAPIError(t, err, "KMSInvalidStateException", keyARN(testRegion, id)+" is pending import.")
		p := must(c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id),
			WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa4096}))(t)
		if p.ParametersValidTo == nil || len(p.ImportToken) == 0 || aws.ToString(p.KeyId) != keyARN(testRegion, id) {
			t.Fatalf("got %+v", p)
		}
		material := bytes.Repeat([]byte{0x3c}, 32)
		dir := t.TempDir()
		pub, plain, wrapped := filepath.Join(dir, "WrappingPublicKey.pem"), filepath.Join(dir, "PlaintextKeyMaterial.bin"), filepath.Join(dir, "EncryptedKeyMaterial.bin")
		writeFile(t, pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: p.PublicKey}))
		writeFile(t, plain, material)
		if out, err := exec.Command("openssl", "pkeyutl", "-encrypt", "-in", plain, "-out", wrapped, "-inkey", pub, "-keyform", "PEM", "-pubin",
			"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256").CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
		enc, err := os.ReadFile(wrapped)
		if err != nil {
			t.Fatal(err)
		}
		validTo := in.srv.Clock.Now().Add(2 * time.Hour).Truncate(time.Second)
		imp := must(c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo}))(t)
		md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
		if md.KeyState != types.KeyStateEnabled || md.Origin != types.OriginTypeExternal || md.ValidTo == nil || !md.ValidTo.Equal(validTo) ||
			aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(imp.KeyMaterialId) {
			t.Fatalf("after import: got %s %s %v %s", md.KeyState, md.Origin, md.ValidTo, aws.ToString(md.CurrentKeyMaterialId))
		}
		blob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("imported via openssl")}))(t).CiphertextBlob
		advance(t, in, 3*time.Hour)
		_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
		wantAPIError(t, err, "KMSInvalidStateException", keyARN(testRegion, id)+" is pending import.")
		again, err := keyspec.WrapForImport(p.PublicKey, types.AlgorithmSpecRsaesOaepSha256, material, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		must(c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: again}))(t)
		if got := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))(t).Plaintext; string(got) != "imported via openssl" {
			t.Fatalf("after re-import: got %q", got)
		}
		other := bytes.Repeat([]byte{0x3d}, 32)
		wrongWrapped, _ := keyspec.WrapForImport(p.PublicKey, types.AlgorithmSpecRsaesOaepSha256, other, rand.Reader)
		_, err = c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrongWrapped})
		wantAPIError(t, err, "IncorrectKeyMaterialException", "-")
		must(c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id)}))(t)
		_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
		wantAPIError(t, err, "KMSInvalidStateException", keyARN(testRegion, id)+" is pending import.")
	})

	hmacMaterial := bytes.Repeat([]byte{0x5a}, 48)
	for _, tc := range []struct {
		name     string
		spec     types.KeySpec
		usage    types.KeyUsageType
		alg      types.AlgorithmSpec
		material func(t *testing.T) ([]byte, crypto.PublicKey)
		use      func(t *testing.T, id string, pub crypto.PublicKey)
	}{
		{"HMAC_384 material", types.KeySpecHmac384, types.KeyUsageTypeGenerateVerifyMac, types.AlgorithmSpecRsaesOaepSha1,
			func(*testing.T) ([]byte, crypto.PublicKey) { return hmacMaterial, nil },
			func(t *testing.T, id string, _ crypto.PublicKey) {
				out := must(c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha384}))(t)
				m := hmac.New(sha512.New384, hmacMaterial)
				m.Write([]byte("m"))
				if !bytes.Equal(out.Mac, m.Sum(nil)) {
					t.Fatal("the MAC is not the HMAC under the imported material")
				}
			}},
		{"an RSA_3072 private key", types.KeySpecRsa3072, types.KeyUsageTypeSignVerify, types.AlgorithmSpecRsaAesKeyWrapSha256,
			func(t *testing.T) ([]byte, crypto.PublicKey) {
				k, err := rsa.GenerateKey(rand.Reader, 3072)
				if err != nil {
					t.Fatal(err)
				}
				der, _ := x509.MarshalPKCS8PrivateKey(k)
				return der, &k.PublicKey
			},
			func(t *testing.T, id string, pub crypto.PublicKey) {
				out := must(c.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha384}))(t)
				d := sha512.Sum384([]byte("m"))
				if err := rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA384, d[:], out.Signature, &rsa.PSSOptions{SaltLength: 48}); err != nil {
					t.Fatalf("signature does not verify with the imported key's public half: %v", err)
				}
			}},
		{"an ECC_NIST_P256 private key", types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify, types.AlgorithmSpecRsaAesKeyWrapSha1,
			func(t *testing.T) ([]byte, crypto.PublicKey) {
				k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				der, _ := x509.MarshalPKCS8PrivateKey(k)
				return der, &k.PublicKey
			},
			func(t *testing.T, id string, pub crypto.PublicKey) {
				out := must(c.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}))(t)
				d := sha256.Sum256([]byte("m"))
				if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d[:], out.Signature) {
					t.Fatal("signature does not verify with the imported key's public half")
				}
			}},
	} {
		t.Run(tc.name+" wrapped with "+string(tc.alg)+" imports and works", func(t *testing.T) {
			id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage, Origin: types.OriginTypeExternal}))(t).KeyMetadata.KeyId)
			p := must(c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: tc.alg, WrappingKeySpec: types.WrappingKeySpecRsa2048}))(t)
			material, pub := tc.material(t)
			wrapped, err := keyspec.WrapForImport(p.PublicKey, tc.alg, material, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			must(c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyId: aws.String(id), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped}))(t)
			tc.use(t, id, pub)
		})
	}

	t.Run("import operations on an AWS_KMS key answer UnsupportedOperationException", func(t *testing.T) {
		id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		wantAPIError(t, err, "UnsupportedOperationException", keyARN(testRegion, id)+" origin is AWS_KMS which is not valid for this operation.")
		_, err = c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", keyARN(testRegion, id)+" origin is AWS_KMS which is not valid for this operation.")
	})
}

func TestDataKeyPairsThroughTheSDK(t *testing.T) { onEveryBackend(t, dataKeyPairsThroughTheSDK) }

func dataKeyPairsThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	ec := map[string]string{"app": "pairs"}
	for _, spec := range []types.DataKeyPairSpec{types.DataKeyPairSpecRsa2048, types.DataKeyPairSpecRsa4096, types.DataKeyPairSpecEccNistP256,
		types.DataKeyPairSpecEccNistP521, types.DataKeyPairSpecEccNistEdwards25519, types.DataKeyPairSpecEccSecgP256k1, types.DataKeyPairSpecMlKem768} {
		t.Run(string(spec)+" pair: plaintext, blob and public key belong together", func(t *testing.T) {
			out := must(c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(id), KeyPairSpec: spec, EncryptionContext: ec}))(t)
			if out.KeyPairSpec != spec || aws.ToString(out.KeyId) != keyARN(testRegion, id) {
				t.Fatalf("got %s %s", out.KeyPairSpec, aws.ToString(out.KeyId))
			}
			dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec}))(t)
			if !bytes.Equal(dec.Plaintext, out.PrivateKeyPlaintext) {
				t.Fatal("the blob does not decrypt to the plaintext private key")
			}
			gotSpec, material, err := keyspec.ParsePrivateKey(out.PrivateKeyPlaintext)
			if err != nil || string(gotSpec) != string(spec) {
				t.Fatalf("private key: got %s, %v", gotSpec, err)
			}
			pub, err := keyspec.PublicKeyDER(gotSpec, material)
			if err != nil || !bytes.Equal(pub, out.PublicKey) {
				t.Fatalf("the private key's public key is not PublicKey (%v)", err)
			}
			if strings.HasPrefix(string(spec), "RSA") || strings.HasPrefix(string(spec), "ECC_NIST") {
				if _, err := x509.ParsePKCS8PrivateKey(out.PrivateKeyPlaintext); err != nil {
					t.Fatalf("Go's x509 does not read the PKCS#8 private key: %v", err)
				}
			}
		})
	}
	t.Run("WithoutPlaintext answers no plaintext, and the blob needs its context", func(t *testing.T) {
		out := must(c.GenerateDataKeyPairWithoutPlaintext(ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(id), KeyPairSpec: types.DataKeyPairSpecEccNistP384, EncryptionContext: ec}))(t)
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob})
		wantAPIError(t, err, "InvalidCiphertextException", "")
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec}))(t)
		priv, err := x509.ParsePKCS8PrivateKey(dec.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := x509.MarshalPKIXPublicKey(priv.(*ecdsa.PrivateKey).Public())
		if !bytes.Equal(pub, out.PublicKey) {
			t.Fatal("the private key does not belong to PublicKey")
		}
	})
}

func TestKeyTypeRulesThroughTheSDK(t *testing.T) { onEveryBackend(t, keyTypeRulesThroughTheSDK) }

func keyTypeRulesThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	_, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP384})
	wantAPIError(t, err, "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
	signer := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP384, KeyUsage: types.KeyUsageTypeSignVerify}))(t).KeyMetadata.KeyId)
	hmacKey := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}))(t).KeyMetadata.KeyId)
	sym := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	for _, id := range []string{signer, hmacKey} {
		_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", "")
		_, err = c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", "")
		if st := must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)}))(t); st.KeyRotationEnabled {
			t.Errorf("GetKeyRotationStatus: got enabled, want false")
		}
	}
	must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/typed"), TargetKeyId: aws.String(sym)}))(t)
	_, err = c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/typed"), TargetKeyId: aws.String(signer)})
	wantAPIError(t, err, "ValidationException", "-")
	_, err = c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(hmacKey), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha224})
	wantAPIError(t, err, "InvalidKeyUsageException", "Algorithm HMAC_SHA_224 is incompatible with key spec HMAC_256.")
	_, err = c.Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: make([]byte, 31), MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha384})
	wantAPIError(t, err, "ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_384.")
	_, err = c.Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha384, DryRun: aws.Bool(true)})
	wantAPIError(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	_, err = c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(sym)})
	wantAPIError(t, err, "UnsupportedOperationException", "-")
}

func TestAWSCLISignsAndOpenSSLVerifies(t *testing.T) {
	p := startBinary(t, "--data", filepath.Join(t.TempDir(), "cli-sign.db"))
	var created struct {
		KeyMetadata struct{ KeyId, KeySpec, KeyUsage string }
	}
	awsJSON(t, p.url, &created, "kms", "create-key", "--key-spec", "ECC_NIST_P384", "--key-usage", "SIGN_VERIFY")
	id := created.KeyMetadata.KeyId
	if created.KeyMetadata.KeySpec != "ECC_NIST_P384" || created.KeyMetadata.KeyUsage != "SIGN_VERIFY" {
		t.Fatalf("got %+v", created.KeyMetadata)
	}
	dir := t.TempDir()
	msgFile := filepath.Join(dir, "msg.bin")
	text := []byte("signed by the AWS CLI \x00\xff")
	writeFile(t, msgFile, text)
	var signed struct{ Signature, SigningAlgorithm string }
	awsJSON(t, p.url, &signed, "kms", "sign", "--key-id", id, "--message", "fileb://"+msgFile, "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_384")
	sig, err := base64.StdEncoding.DecodeString(signed.Signature)
	if err != nil || signed.SigningAlgorithm != "ECDSA_SHA_384" {
		t.Fatalf("got signature %q (%v) with %s", signed.Signature, err, signed.SigningAlgorithm)
	}
	var pub struct{ PublicKey string }
	awsJSON(t, p.url, &pub, "kms", "get-public-key", "--key-id", id)
	der, err := base64.StdEncoding.DecodeString(pub.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	opensslVerify(t, signCase{types.KeySpecEccNistP384, types.SigningAlgorithmSpecEcdsaSha384, types.MessageTypeRaw}, der, text, sig)
	sigFile := filepath.Join(dir, "sig.bin")
	writeFile(t, sigFile, sig)
	var verified struct{ SignatureValid bool }
	awsJSON(t, p.url, &verified, "kms", "verify", "--key-id", id, "--message", "fileb://"+msgFile, "--signature", "fileb://"+sigFile, "--signing-algorithm", "ECDSA_SHA_384")
	if !verified.SignatureValid {
		t.Fatal("aws kms verify: got SignatureValid false")
	}
	writeFile(t, msgFile, []byte("another message"))
	_, stderr, code := runAWS(t, p.url, "kms", "verify", "--key-id", id, "--message", "fileb://"+msgFile, "--signature", "fileb://"+sigFile, "--signing-algorithm", "ECDSA_SHA_384")
	if code == 0 || !strings.Contains(stderr, "KMSInvalidSignatureException") {
		t.Fatalf("aws kms verify of another message: exit %d, %s", code, stderr)
	}
}
