package keyspec

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// These tests hold the package to an independent implementation: the
// openssl command on the machine (OpenSSL 3.0 here, which has no ML-DSA or
// ML-KEM; those are cross-checked in Go against filippo.io/mldsa's
// verifier and crypto/mlkem instead).

func openssl(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is needed for this test: %v", err)
	}
	cmd := exec.Command("openssl", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &opensslError{err: err, stderr: stderr.String()}
	}
	return out, nil
}

type opensslError struct {
	err    error
	stderr string
}

func (e *opensslError) Error() string { return e.err.Error() + ": " + e.stderr }

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pemFile(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	return writeFile(t, dir, name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// opensslVerifyArgs is the openssl command line that verifies sig over the
// message file with the public key, for the signing algorithms OpenSSL 3.0
// has.
func opensslVerifyArgs(alg types.SigningAlgorithmSpec, pub, msg, sig string) []string {
	if alg == types.SigningAlgorithmSpecEd25519Sha512 {
		return []string{"pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig}
	}
	args := []string{"dgst", "-" + strings.ToLower(strings.ReplaceAll(signingHash(alg).String(), "-", "")), "-verify", pub, "-signature", sig}
	if isPSS(alg) {
		args = append(args, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest")
	}
	return append(args, msg)
}

func TestOpenSSLVerifiesSignaturesAgainstThePublishedSPKI(t *testing.T) {
	text := []byte("openssl checks this signature")
	for _, c := range signCases() {
		if c.alg == types.SigningAlgorithmSpecMlDsaShake256 || c.alg == types.SigningAlgorithmSpecEd25519PhSha512 {
			continue // OpenSSL 3.0 has neither ML-DSA nor Ed25519ph on the command line.
		}
		t.Run(c.String(), func(t *testing.T) {
			k := load(t, c.spec)
			sig, err := k.Sign(c.alg, c.mt, c.message(t, k, text), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			spki, err := k.PublicKeyDER()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pub := pemFile(t, dir, "pub.pem", "PUBLIC KEY", spki)
			msg := writeFile(t, dir, "msg", text)
			if out, err := openssl(t, opensslVerifyArgs(c.alg, pub, msg, writeFile(t, dir, "sig", sig))...); err != nil {
				t.Fatalf("openssl rejects the signature: %v %s", err, out)
			}
			sig[len(sig)/2] ^= 1
			if _, err := openssl(t, opensslVerifyArgs(c.alg, pub, msg, writeFile(t, dir, "bad", sig))...); err == nil {
				t.Fatal("openssl accepts a changed signature: the check is not live")
			}
		})
	}
}

func TestKeysOpenSSLGeneratedParseSignAndPublishTheSameSPKI(t *testing.T) {
	cases := []struct {
		name string
		gen  []string
		spec types.KeySpec
		alg  types.SigningAlgorithmSpec
	}{
		{"an RSA-2048 PKCS#1 key", []string{"genrsa", "-traditional", "2048"}, types.KeySpecRsa2048, types.SigningAlgorithmSpecRsassaPssSha256},
		{"an RSA-3072 PKCS#8 key", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"}, types.KeySpecRsa3072, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384},
		{"a P-256 SEC 1 key", []string{"ecparam", "-name", "prime256v1", "-genkey", "-noout"}, types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256},
		{"a P-521 PKCS#8 key", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, types.KeySpecEccNistP521, types.SigningAlgorithmSpecEcdsaSha512},
		{"a secp256k1 SEC 1 key", []string{"ecparam", "-name", "secp256k1", "-genkey", "-noout"}, types.KeySpecEccSecgP256k1, types.SigningAlgorithmSpecEcdsaSha256},
		{"a secp256k1 PKCS#8 key", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"}, types.KeySpecEccSecgP256k1, types.SigningAlgorithmSpecEcdsaSha256},
		{"an Ed25519 key", []string{"genpkey", "-algorithm", "ED25519"}, types.KeySpecEccNistEdwards25519, types.SigningAlgorithmSpecEd25519Sha512},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPEM, err := openssl(t, c.gen...)
			if err != nil {
				t.Fatal(err)
			}
			keyFile := writeFile(t, dir, "key.pem", keyPEM)
			s, m, err := ParsePrivateKey(keyPEM)
			if err != nil || s != c.spec {
				t.Fatalf("ParsePrivateKey: got %s, %v; want %s", s, err, c.spec)
			}
			spki, err := PublicKeyDER(s, m)
			if err != nil {
				t.Fatal(err)
			}
			want, err := openssl(t, "pkey", "-in", keyFile, "-pubout", "-outform", "DER")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spki, want) {
				t.Fatalf("SPKI differs from openssl's:\n got %x\nwant %x", spki, want)
			}
			text := []byte("signed with an imported key")
			sig, err := Sign(s, m, c.alg, types.MessageTypeRaw, text, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			pub := writeFile(t, dir, "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: want}))
			if out, err := openssl(t, opensslVerifyArgs(c.alg, pub, writeFile(t, dir, "msg", text), writeFile(t, dir, "sig", sig))...); err != nil {
				t.Fatalf("openssl rejects the signature: %v %s", err, out)
			}
		})
	}
}

func TestRSADecryptsWhatOpenSSLEncrypted(t *testing.T) {
	for _, s := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecRsa4096} {
		for alg, md := range map[types.EncryptionAlgorithmSpec]string{types.EncryptionAlgorithmSpecRsaesOaepSha1: "sha1", types.EncryptionAlgorithmSpecRsaesOaepSha256: "sha256"} {
			t.Run(string(s)+" with "+string(alg), func(t *testing.T) {
				k := load(t, s)
				spki, _ := k.PublicKeyDER()
				dir := t.TempDir()
				pt := []byte("encrypted by openssl")
				ct, err := openssl(t, "pkeyutl", "-encrypt", "-pubin", "-inkey", pemFile(t, dir, "pub.pem", "PUBLIC KEY", spki),
					"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+md, "-pkeyopt", "rsa_mgf1_md:"+md, "-in", writeFile(t, dir, "pt", pt))
				if err != nil {
					t.Fatal(err)
				}
				got, err := k.Decrypt(alg, ct)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("got %q, %v; want %q", got, err, pt)
				}
			})
		}
	}
}

func TestECDHMatchesOpenSSLDerive(t *testing.T) {
	for s, curve := range map[types.KeySpec]string{types.KeySpecEccNistP256: "P-256", types.KeySpecEccNistP384: "P-384", types.KeySpecEccNistP521: "P-521"} {
		t.Run(string(s), func(t *testing.T) {
			dir := t.TempDir()
			peerPEM, err := openssl(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:"+curve)
			if err != nil {
				t.Fatal(err)
			}
			peerFile := writeFile(t, dir, "peer.pem", peerPEM)
			peerPub, err := openssl(t, "pkey", "-in", peerFile, "-pubout", "-outform", "DER")
			if err != nil {
				t.Fatal(err)
			}
			k := load(t, s)
			got, err := k.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, peerPub)
			if err != nil {
				t.Fatal(err)
			}
			spki, _ := k.PublicKeyDER()
			want, err := openssl(t, "pkeyutl", "-derive", "-inkey", peerFile, "-peerkey", pemFile(t, dir, "kms.pem", "PUBLIC KEY", spki))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x (%v)", got, want, err)
			}
		})
	}
}

func TestHMACMatchesOpenSSL(t *testing.T) {
	for _, row := range All() {
		if len(row.MacAlgorithms) == 0 {
			continue
		}
		t.Run(string(row.KeySpec), func(t *testing.T) {
			k := load(t, row.KeySpec)
			msg := []byte("mac me")
			got, err := k.GenerateMac(row.MacAlgorithms[0], msg)
			if err != nil {
				t.Fatal(err)
			}
			digest := "-sha" + strings.TrimPrefix(string(row.MacAlgorithms[0]), "HMAC_SHA_")
			out, err := openssl(t, "dgst", digest, "-mac", "HMAC", "-macopt", "hexkey:"+hex.EncodeToString(k.secret), writeFile(t, t.TempDir(), "msg", msg))
			if err != nil {
				t.Fatal(err)
			}
			fields := strings.Fields(string(out))
			if want := fields[len(fields)-1]; hex.EncodeToString(got) != want {
				t.Fatalf("got %x, want %s", got, want)
			}
		})
	}
}

// The import procedure of the AWS developer guide, done with openssl:
// RSAES_OAEP_SHA_256 with pkeyutl, and RSA_AES_KEY_WRAP_SHA_256 with an
// AES key wrapped by pkeyutl and the material by enc -id-aes256-wrap-pad.
func TestImportUnwrapsWhatTheAWSOpenSSLProcedureWrapped(t *testing.T) {
	priv, pub, err := GenerateWrappingKey(types.WrappingKeySpecRsa4096, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pubFile := writeFile(t, dir, "WrappingPublicKey.bin", pub)
	oaep := []string{"pkeyutl", "-encrypt", "-inkey", pubFile, "-keyform", "DER", "-pubin",
		"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"}
	t.Run("RSAES_OAEP_SHA_256 opens a 32-byte symmetric key", func(t *testing.T) {
		secret := make([]byte, 32)
		rand.Read(secret)
		wrapped, err := openssl(t, append(oaep, "-in", writeFile(t, dir, "PlaintextKeyMaterial.bin", secret))...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnwrapImportedMaterial(priv, types.AlgorithmSpecRsaesOaepSha256, wrapped)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("got %x, %v", got, err)
		}
	})
	t.Run("RSA_AES_KEY_WRAP_SHA_256 opens an ECC private key", func(t *testing.T) {
		aesKey := make([]byte, 32)
		rand.Read(aesKey)
		keyMaterial := material(t, types.KeySpecEccNistP384)
		wrappedMaterial, err := openssl(t, "enc", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(aesKey), "-iv", "A65959A6",
			"-in", writeFile(t, dir, "material.der", keyMaterial))
		if err != nil {
			t.Fatal(err)
		}
		wrappedAES, err := openssl(t, append(oaep, "-in", writeFile(t, dir, "aes.bin", aesKey))...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnwrapImportedMaterial(priv, types.AlgorithmSpecRsaAesKeyWrapSha256, append(wrappedAES, wrappedMaterial...))
		if err != nil || !bytes.Equal(got, keyMaterial) {
			t.Fatalf("got %x, %v", got, err)
		}
	})
}
