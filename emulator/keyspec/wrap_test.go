package keyspec

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 5649, section 6: the two test vectors.
func TestAESKeyWrapPadMatchesRFC5649Vectors(t *testing.T) {
	kek := "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"
	cases := []struct {
		name, key, wrapped string
	}{
		{"a 20-octet key wraps to 32 octets", "c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
		{"a 7-octet key wraps to one block pair", "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := AESKeyWrapPad(unhex(t, kek), unhex(t, c.key))
			if err != nil || hex.EncodeToString(got) != c.wrapped {
				t.Fatalf("wrap: got %x, %v; want %s", got, err, c.wrapped)
			}
			back, err := AESKeyUnwrapPad(unhex(t, kek), unhex(t, c.wrapped))
			if err != nil || hex.EncodeToString(back) != c.key {
				t.Fatalf("unwrap: got %x, %v; want %s", back, err, c.key)
			}
		})
	}
	t.Run("a changed ciphertext fails the integrity check", func(t *testing.T) {
		w := unhex(t, cases[0].wrapped)
		for i := range w {
			bad := bytes.Clone(w)
			bad[i] ^= 0x80
			if _, err := AESKeyUnwrapPad(unhex(t, kek), bad); err == nil {
				t.Fatalf("byte %d changed: unwrap succeeded", i)
			}
		}
	})
	t.Run("lengths from 1 to 70 bytes round-trip", func(t *testing.T) {
		key := make([]byte, 32)
		rand.Read(key)
		for n := 1; n <= 70; n++ {
			pt := make([]byte, n)
			rand.Read(pt)
			w, err := AESKeyWrapPad(key, pt)
			if err != nil {
				t.Fatal(err)
			}
			if want := 8 + (n+7)/8*8; len(w) != max(want, 16) {
				t.Fatalf("n=%d: wrapped length got %d, want %d", n, len(w), max(want, 16))
			}
			back, err := AESKeyUnwrapPad(key, w)
			if err != nil || !bytes.Equal(back, pt) {
				t.Fatalf("n=%d: got %x, %v", n, back, err)
			}
		}
	})
}

func TestImportUnwrapsEveryWrappingAlgorithm(t *testing.T) {
	priv, pub, err := GenerateWrappingKey(types.WrappingKeySpecRsa2048, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaMaterial := material(t, types.KeySpecRsa2048)
	for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaAesKeyWrapSha1, types.AlgorithmSpecRsaAesKeyWrapSha256} {
		t.Run(string(alg)+" opens a symmetric key", func(t *testing.T) {
			secret := make([]byte, 32)
			rand.Read(secret)
			wrapped, err := WrapForImport(pub, alg, secret, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnwrapImportedMaterial(priv, alg, wrapped)
			if err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("got %x, %v; want %x", got, err, secret)
			}
			wrapped[len(wrapped)-1] ^= 1
			var invalid *types.InvalidCiphertextException
			if _, err := UnwrapImportedMaterial(priv, alg, wrapped); !errors.As(err, &invalid) {
				t.Fatalf("changed: got %v, want InvalidCiphertextException", err)
			}
		})
	}
	for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaAesKeyWrapSha1, types.AlgorithmSpecRsaAesKeyWrapSha256} {
		t.Run(string(alg)+" opens an RSA private key and the material imports as RSA_2048", func(t *testing.T) {
			wrapped, err := WrapForImport(pub, alg, rsaMaterial, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnwrapImportedMaterial(priv, alg, wrapped)
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseImportedMaterial(types.KeySpecRsa2048, got)
			if err != nil || !bytes.Equal(m, rsaMaterial) {
				t.Fatalf("ParseImportedMaterial: %v", err)
			}
		})
	}
	t.Run("RSAES_PKCS1_V1_5 is no longer offered", func(t *testing.T) {
		_, err := UnwrapImportedMaterial(priv, types.AlgorithmSpecRsaesPkcs1V15, []byte{1})
		var unsupported *types.UnsupportedOperationException
		if !errors.As(err, &unsupported) {
			t.Fatalf("got %v, want UnsupportedOperationException", err)
		}
	})
	t.Run("a wrapping key of another size does not open it", func(t *testing.T) {
		otherPriv, _, err := GenerateWrappingKey(types.WrappingKeySpecRsa3072, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		wrapped, _ := WrapForImport(pub, types.AlgorithmSpecRsaAesKeyWrapSha256, []byte("0123456789abcdef0123456789abcdef"), rand.Reader)
		var invalid *types.InvalidCiphertextException
		if _, err := UnwrapImportedMaterial(otherPriv, types.AlgorithmSpecRsaAesKeyWrapSha256, wrapped); !errors.As(err, &invalid) {
			t.Fatalf("got %v, want InvalidCiphertextException", err)
		}
	})
	t.Run("wrapping keys have the spec's modulus", func(t *testing.T) {
		for spec, bits := range map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 2048, types.WrappingKeySpecRsa4096: 4096} {
			_, pub, err := GenerateWrappingKey(spec, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			key, err := x509.ParsePKIXPublicKey(pub)
			if err != nil || key.(*rsa.PublicKey).N.BitLen() != bits {
				t.Fatalf("%s: got %v, want %d bits", spec, err, bits)
			}
		}
	})
}

func TestParseImportedMaterialChecksTheSpec(t *testing.T) {
	cases := []struct {
		name string
		spec types.KeySpec
		n    int
		ok   bool
	}{
		{"SYMMETRIC_DEFAULT takes 32 bytes", types.KeySpecSymmetricDefault, 32, true},
		{"SYMMETRIC_DEFAULT refuses 16 bytes", types.KeySpecSymmetricDefault, 16, false},
		{"HMAC_224 takes 28 bytes", types.KeySpecHmac224, 28, true},
		{"HMAC_224 refuses 27 bytes", types.KeySpecHmac224, 27, false},
		{"HMAC_224 takes 64 bytes", types.KeySpecHmac224, 64, true},
		{"HMAC_256 refuses 65 bytes", types.KeySpecHmac256, 65, false},
		{"HMAC_384 refuses 47 bytes", types.KeySpecHmac384, 47, false},
		{"HMAC_384 takes 128 bytes", types.KeySpecHmac384, 128, true},
		{"HMAC_512 refuses 63 bytes", types.KeySpecHmac512, 63, false},
		{"HMAC_512 refuses 129 bytes", types.KeySpecHmac512, 129, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseImportedMaterial(c.spec, make([]byte, c.n))
			var invalid *types.InvalidCiphertextException
			if c.ok && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			// AWS answers the wrong length InvalidCiphertextException (captured).
			if !c.ok && !errors.As(err, &invalid) {
				t.Fatalf("got %v, want InvalidCiphertextException", err)
			}
		})
	}
	t.Run("a P-256 key does not import into a P-384 key", func(t *testing.T) {
		_, err := ParseImportedMaterial(types.KeySpecEccNistP384, material(t, types.KeySpecEccNistP256))
		code, msg := apiError(t, err)
		if code != "IncorrectKeyMaterialException" || msg != "The imported key material is a ECC_NIST_P256 key, which does not match key spec ECC_NIST_P384." {
			t.Fatalf("got %s %q", code, msg)
		}
	})
	t.Run("PEM is not DER", func(t *testing.T) {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: material(t, types.KeySpecEccNistP256)})
		var incorrect *types.IncorrectKeyMaterialException
		if _, err := ParseImportedMaterial(types.KeySpecEccNistP256, pemBytes); !errors.As(err, &incorrect) {
			t.Fatalf("got %v, want IncorrectKeyMaterialException", err)
		}
	})
	for _, row := range All() {
		if !row.Asymmetric || !row.Supported {
			continue
		}
		t.Run(string(row.KeySpec)+" imports its own PKCS#8 material unchanged", func(t *testing.T) {
			m := material(t, row.KeySpec)
			got, err := ParseImportedMaterial(row.KeySpec, m)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestParsePrivateKeyReadsEveryEncoding(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	rsaKey := load(t, types.KeySpecRsa3072).rsa
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey)
	k1 := load(t, types.KeySpecEccSecgP256k1).k1
	k1SEC1 := secp256k1SEC1(t, k1.Serialize(), k1.PubKey().SerializeUncompressed())
	cases := []struct {
		name string
		data []byte
		spec types.KeySpec
	}{
		{"SEC 1 DER of P-384", sec1, types.KeySpecEccNistP384},
		{"SEC 1 PEM of P-384", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), types.KeySpecEccNistP384},
		{"PKCS#1 PEM of RSA-3072", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1}), types.KeySpecRsa3072},
		{"SEC 1 DER of secp256k1", k1SEC1, types.KeySpecEccSecgP256k1},
	}
	for _, row := range All() {
		if row.Asymmetric && row.Supported {
			cases = append(cases, struct {
				name string
				data []byte
				spec types.KeySpec
			}{"PKCS#8 PEM of " + string(row.KeySpec), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: material(t, row.KeySpec)}), row.KeySpec})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, m, err := ParsePrivateKey(c.data)
			if err != nil || s != c.spec {
				t.Fatalf("got %s, %v; want %s", s, err, c.spec)
			}
			if _, err := Load(s, m); err != nil {
				t.Fatalf("Load of the parsed material: %v", err)
			}
		})
	}
	t.Run("an RSA key of 1024 bits has no key spec", func(t *testing.T) {
		small, _ := rsa.GenerateKey(rand.Reader, 1024)
		if _, _, err := ParsePrivateKey(x509.MarshalPKCS1PrivateKey(small)); err == nil {
			t.Fatal("got nil error for RSA-1024")
		}
	})
}

func secp256k1SEC1(t testing.TB, priv, pub []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: priv, NamedCurveOID: oidSecp256k1, PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCheckWrapping(t *testing.T) {
	cases := []struct {
		name     string
		spec     types.KeySpec
		alg      types.AlgorithmSpec
		wrapping types.WrappingKeySpec
		wantCode string
	}{
		{"a symmetric key takes RSAES_OAEP_SHA_256", types.KeySpecSymmetricDefault, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, ""},
		{"an ECC key takes RSAES_OAEP_SHA_1", types.KeySpecEccNistP256, types.AlgorithmSpecRsaesOaepSha1, types.WrappingKeySpecRsa4096, ""},
		{"an RSA key takes RSA_AES_KEY_WRAP_SHA_256", types.KeySpecRsa4096, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa3072, ""},
		{"an RSA key refuses RSAES_OAEP_SHA_256", types.KeySpecRsa2048, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa4096, "ValidationException"},
		{"RSAES_PKCS1_V1_5 is gone", types.KeySpecSymmetricDefault, types.AlgorithmSpecRsaesPkcs1V15, types.WrappingKeySpecRsa2048, "ValidationException"},
		{"a symmetric key refuses RSA_AES_KEY_WRAP", types.KeySpecSymmetricDefault, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa2048, "ValidationException"},
		{"an HMAC key refuses RSA_AES_KEY_WRAP", types.KeySpecHmac256, types.AlgorithmSpecRsaAesKeyWrapSha1, types.WrappingKeySpecRsa4096, "ValidationException"},
		{"an ECC key takes RSA_AES_KEY_WRAP", types.KeySpecEccNistP256, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa2048, ""},
		{"P-521 refuses RSAES_OAEP under RSA_2048", types.KeySpecEccNistP521, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, "ValidationException"},
		{"P-521 takes RSAES_OAEP under RSA_3072", types.KeySpecEccNistP521, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa3072, ""},
		{"Ed25519 refuses RSAES_OAEP under RSA_2048 (captured)", types.KeySpecEccNistEdwards25519, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, "ValidationException"},
		{"Ed25519 takes RSAES_OAEP under RSA_3072 (captured)", types.KeySpecEccNistEdwards25519, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa3072, ""},
		{"P-384 takes RSAES_OAEP under RSA_2048 (captured)", types.KeySpecEccNistP384, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, ""},
		{"secp256k1 takes RSAES_OAEP under RSA_2048 (captured)", types.KeySpecEccSecgP256k1, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, ""},
		{"SM2 wrapping keys are China-only", types.KeySpecHmac256, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecSm2, "UnsupportedOperationException"},
		{"an unknown wrapping key spec fails the enum", types.KeySpecHmac256, types.AlgorithmSpecRsaesOaepSha256, "RSA_1024", "ValidationException"},
		{"an unknown algorithm fails the enum", types.KeySpecHmac256, "AES_KEY_WRAP", types.WrappingKeySpecRsa2048, "ValidationException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckWrapping(c.spec, c.alg, c.wrapping)
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			code, msg := apiError(t, err)
			if code != c.wantCode {
				t.Fatalf("got %s, want %s", code, c.wantCode)
			}
			// AWS's text for a combination it does not allow (captured).
			if want := "Wrapping algorithm " + string(c.alg) + " and wrapping key spec " + string(c.wrapping) + " cannot be used to import a " + string(c.spec) + " key."; code == "ValidationException" && c.name != "an unknown wrapping key spec fails the enum" && c.name != "an unknown algorithm fails the enum" && msg != want {
				t.Fatalf("got %q, want %q", msg, want)
			}
		})
	}
	t.Run("P-521 material does not fit RSAES_OAEP_SHA_256 under an RSA_2048 wrapping key", func(t *testing.T) {
		_, pub, err := GenerateWrappingKey(types.WrappingKeySpecRsa2048, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := WrapForImport(pub, types.AlgorithmSpecRsaesOaepSha256, material(t, types.KeySpecEccNistP521), rand.Reader); err == nil {
			t.Fatal("P-521 PKCS#8 wrapped with OAEP under RSA-2048: AWS documents that it cannot be")
		}
	})
}

// RFC 9881 (ML-DSA) and RFC 9935 (ML-KEM) private keys come in three forms;
// OpenSSL 3.5 writes "both" (seed and expanded key) by default.
func TestPostQuantumPrivateKeyForms(t *testing.T) {
	type form struct {
		spec     types.KeySpec
		oid      asn1.ObjectIdentifier
		seed     []byte
		expanded []byte
	}
	dsaSeed := bytes.Repeat([]byte{3}, 32)
	_, dsaSK := mldsa65.Scheme().DeriveKey(dsaSeed)
	dsaExpanded, _ := dsaSK.MarshalBinary()
	kemSeed := bytes.Repeat([]byte{5}, 64)
	_, kemSK := mlkem768.Scheme().DeriveKeyPair(kemSeed)
	kemExpanded, _ := kemSK.MarshalBinary()
	forms := []form{
		{types.KeySpecMlDsa65, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}, dsaSeed, dsaExpanded},
		{types.KeySpecMlKem768, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 2}, kemSeed, kemExpanded},
	}
	wrap := func(t *testing.T, oid asn1.ObjectIdentifier, inner []byte) []byte {
		t.Helper()
		der, err := asn1.Marshal(pkcs8{Algo: pkix.AlgorithmIdentifier{Algorithm: oid}, PrivateKey: inner})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	for _, f := range forms {
		seedOnly := wrap(t, f.oid, append([]byte{0x80, byte(len(f.seed))}, f.seed...))
		both, _ := asn1.Marshal(struct{ Seed, Expanded []byte }{f.seed, f.expanded})
		t.Run(string(f.spec)+" seed and both forms give the same material", func(t *testing.T) {
			s1, m1, err := ParsePrivateKey(seedOnly)
			if err != nil || s1 != f.spec {
				t.Fatalf("seed form: got %s, %v", s1, err)
			}
			s2, m2, err := ParsePrivateKey(wrap(t, f.oid, both))
			if err != nil || s2 != f.spec || !bytes.Equal(m1, m2) {
				t.Fatalf("both form: got %s, %v, same material %v", s2, err, bytes.Equal(m1, m2))
			}
		})
		t.Run(string(f.spec)+" both form with a foreign expanded key is refused", func(t *testing.T) {
			bad := bytes.Clone(f.expanded)
			bad[len(bad)-1] ^= 1
			inner, _ := asn1.Marshal(struct{ Seed, Expanded []byte }{f.seed, bad})
			if _, _, err := ParsePrivateKey(wrap(t, f.oid, inner)); err == nil {
				t.Fatal("got nil error")
			}
		})
		t.Run(string(f.spec)+" expanded form alone is refused", func(t *testing.T) {
			inner, _ := asn1.Marshal(f.expanded)
			if _, _, err := ParsePrivateKey(wrap(t, f.oid, inner)); err == nil {
				t.Fatal("got nil error")
			}
		})
	}
}
