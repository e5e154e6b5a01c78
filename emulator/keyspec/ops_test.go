package keyspec

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"hash"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestTheTableMatchesAWSKeySpecReference(t *testing.T) {
	t.Run("every SDK KeySpec has a row", func(t *testing.T) {
		for _, s := range types.KeySpec("").Values() {
			if _, ok := Lookup(s); !ok {
				t.Errorf("Lookup(%s): no row", s)
			}
		}
		if got, want := len(All()), len(types.KeySpec("").Values()); got != want {
			t.Errorf("rows: got %d, want %d", got, want)
		}
	})
	maxCases := []struct {
		spec types.KeySpec
		alg  types.EncryptionAlgorithmSpec
		want int
	}{
		{types.KeySpecRsa2048, types.EncryptionAlgorithmSpecRsaesOaepSha1, 214},
		{types.KeySpecRsa2048, types.EncryptionAlgorithmSpecRsaesOaepSha256, 190},
		{types.KeySpecRsa3072, types.EncryptionAlgorithmSpecRsaesOaepSha1, 342},
		{types.KeySpecRsa3072, types.EncryptionAlgorithmSpecRsaesOaepSha256, 318},
		{types.KeySpecRsa4096, types.EncryptionAlgorithmSpecRsaesOaepSha1, 470},
		{types.KeySpecRsa4096, types.EncryptionAlgorithmSpecRsaesOaepSha256, 446},
		{types.KeySpecEccNistP256, types.EncryptionAlgorithmSpecRsaesOaepSha256, 0},
		{types.KeySpecSymmetricDefault, types.EncryptionAlgorithmSpecSymmetricDefault, 0},
	}
	for _, c := range maxCases {
		t.Run(string(c.spec)+" with "+string(c.alg)+" encrypts at most the AWS limit", func(t *testing.T) {
			row, _ := Lookup(c.spec)
			if got := row.MaxPlaintext(c.alg); got != c.want {
				t.Fatalf("MaxPlaintext: got %d, want %d", got, c.want)
			}
		})
	}
	t.Run("ECC_NIST_P384 reports ECDSA_SHA_384 for signing and ECDH for key agreement", func(t *testing.T) {
		row, _ := Lookup(types.KeySpecEccNistP384)
		sign := row.AlgorithmsFor(types.KeyUsageTypeSignVerify)
		if len(sign.SigningAlgorithms) != 1 || sign.SigningAlgorithms[0] != types.SigningAlgorithmSpecEcdsaSha384 || sign.KeyAgreementAlgorithms != nil {
			t.Fatalf("SIGN_VERIFY: got %+v", sign)
		}
		agree := row.AlgorithmsFor(types.KeyUsageTypeKeyAgreement)
		if len(agree.KeyAgreementAlgorithms) != 1 || agree.SigningAlgorithms != nil {
			t.Fatalf("KEY_AGREEMENT: got %+v", agree)
		}
		if got := row.AlgorithmsFor(types.KeyUsageTypeEncryptDecrypt); got.EncryptionAlgorithms != nil {
			t.Fatalf("ENCRYPT_DECRYPT is not a P-384 usage: got %+v", got)
		}
	})
	t.Run("secp256k1 and Ed25519 do not agree keys", func(t *testing.T) {
		for _, s := range []types.KeySpec{types.KeySpecEccSecgP256k1, types.KeySpecEccNistEdwards25519} {
			row, _ := Lookup(s)
			if row.AllowsUsage(types.KeyUsageTypeKeyAgreement) {
				t.Errorf("%s allows KEY_AGREEMENT", s)
			}
		}
	})
	t.Run("HMAC keys have one MAC algorithm of their own size", func(t *testing.T) {
		for s, alg := range map[types.KeySpec]types.MacAlgorithmSpec{
			types.KeySpecHmac224: types.MacAlgorithmSpecHmacSha224, types.KeySpecHmac256: types.MacAlgorithmSpecHmacSha256,
			types.KeySpecHmac384: types.MacAlgorithmSpecHmacSha384, types.KeySpecHmac512: types.MacAlgorithmSpecHmacSha512,
		} {
			row, _ := Lookup(s)
			got := row.AlgorithmsFor(types.KeyUsageTypeGenerateVerifyMac).MacAlgorithms
			if len(got) != 1 || got[0] != alg {
				t.Errorf("%s: got %v, want [%s]", s, got, alg)
			}
		}
	})
	t.Run("SM2 answers UnsupportedOperationException", func(t *testing.T) {
		_, err := Generate(types.KeySpecSm2, rand.Reader)
		var unsupported *types.UnsupportedOperationException
		if !errors.As(err, &unsupported) {
			t.Fatalf("Generate(SM2): got %v, want UnsupportedOperationException", err)
		}
	})
}

func TestGeneratedSecretsHaveTheSpecKeyLength(t *testing.T) {
	for s, want := range map[types.KeySpec]int{types.KeySpecSymmetricDefault: 32, types.KeySpecHmac224: 28, types.KeySpecHmac256: 32, types.KeySpecHmac384: 48, types.KeySpecHmac512: 64} {
		m, err := Generate(s, rand.Reader)
		if err != nil || len(m) != want {
			t.Errorf("Generate(%s): got %d bytes, %v; want %d bytes", s, len(m), err, want)
		}
	}
}

func oaep(alg types.EncryptionAlgorithmSpec) hash.Hash {
	if alg == types.EncryptionAlgorithmSpecRsaesOaepSha1 {
		return sha1.New()
	}
	return sha256.New()
}

func TestRSAEncryptDecrypt(t *testing.T) {
	for _, s := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096} {
		k := load(t, s)
		for _, alg := range k.Spec().EncryptionAlgorithms {
			limit := k.Spec().MaxPlaintext(alg)
			t.Run(string(s)+" decrypts what Go encrypted with "+string(alg), func(t *testing.T) {
				pt := bytes.Repeat([]byte{7}, limit)
				ct, err := rsa.EncryptOAEP(oaep(alg), rand.Reader, &k.rsa.PublicKey, pt, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := k.Decrypt(alg, ct)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("Decrypt: got %x, %v; want %x", got, err, pt)
				}
			})
			t.Run(string(s)+" encrypts the limit with "+string(alg)+" and Go decrypts it", func(t *testing.T) {
				pt := bytes.Repeat([]byte{9}, limit)
				ct, err := k.Encrypt(alg, pt, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rsa.DecryptOAEP(oaep(alg), nil, k.rsa, ct, nil)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("DecryptOAEP: got %x, %v; want %x", got, err, pt)
				}
			})
			t.Run(string(s)+" refuses one byte over the limit with "+string(alg), func(t *testing.T) {
				_, err := k.Encrypt(alg, make([]byte, limit+1), rand.Reader)
				code, msg := apiError(t, err)
				want := "Algorithm " + string(alg) + " and key spec " + string(s) + " cannot encrypt data larger than " + strconv.Itoa(limit) + " bytes."
				if code != "ValidationException" || msg != want {
					t.Fatalf("got %s %q, want ValidationException %q", code, msg, want)
				}
			})
		}
	}
	k := load(t, types.KeySpecRsa2048)
	t.Run("a ciphertext from the other OAEP hash is InvalidCiphertextException", func(t *testing.T) {
		ct, err := k.Encrypt(types.EncryptionAlgorithmSpecRsaesOaepSha1, []byte("secret"), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Decrypt(types.EncryptionAlgorithmSpecRsaesOaepSha256, ct)
		var invalid *types.InvalidCiphertextException
		if !errors.As(err, &invalid) {
			t.Fatalf("got %v, want InvalidCiphertextException", err)
		}
	})
	t.Run("SYMMETRIC_DEFAULT is incompatible with an RSA key", func(t *testing.T) {
		_, err := k.Encrypt(types.EncryptionAlgorithmSpecSymmetricDefault, []byte("x"), rand.Reader)
		code, msg := apiError(t, err)
		if code != "InvalidKeyUsageException" || msg != "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048." {
			t.Fatalf("got %s %q", code, msg)
		}
	})
}

func TestDeriveSharedSecret(t *testing.T) {
	for _, s := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521} {
		t.Run("two "+string(s)+" keys derive the same secret", func(t *testing.T) {
			alice := load(t, s)
			bobMaterial, err := Generate(s, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			bob, err := Load(s, bobMaterial)
			if err != nil {
				t.Fatal(err)
			}
			alicePub, _ := alice.PublicKeyDER()
			bobPub, _ := bob.PublicKeyDER()
			a, err := alice.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, bobPub)
			if err != nil {
				t.Fatal(err)
			}
			b, err := bob.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, alicePub)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("secrets differ: %x vs %x", a, b)
			}
			if want := (alice.spec.KeyBits + 7) / 8; len(a) != want {
				t.Fatalf("secret length: got %d, want %d (the x-coordinate)", len(a), want)
			}
		})
		t.Run(string(s)+" agrees with a peer outside KMS using crypto/ecdh", func(t *testing.T) {
			k := load(t, s)
			curve := map[types.KeySpec]ecdh.Curve{types.KeySpecEccNistP256: ecdh.P256(), types.KeySpecEccNistP384: ecdh.P384(), types.KeySpecEccNistP521: ecdh.P521()}[s]
			peer, err := curve.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			peerDER, err := x509.MarshalPKIXPublicKey(peer.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, peerDER)
			if err != nil {
				t.Fatal(err)
			}
			kmsPub, _ := k.PublicKeyDER()
			parsed, err := x509.ParsePKIXPublicKey(kmsPub)
			if err != nil {
				t.Fatal(err)
			}
			kmsECDH, err := parsed.(*ecdsa.PublicKey).ECDH()
			if err != nil {
				t.Fatal(err)
			}
			want, err := peer.ECDH(kmsECDH)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x (%v)", got, want, err)
			}
		})
	}
	k := load(t, types.KeySpecEccNistP256)
	t.Run("a peer key on another curve is a ValidationException", func(t *testing.T) {
		other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		der, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
		_, err := k.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, der)
		if code, _ := apiError(t, err); code != "ValidationException" {
			t.Fatalf("got %s, want ValidationException", code)
		}
	})
	t.Run("a peer key that is not DER is a ValidationException", func(t *testing.T) {
		_, err := k.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, []byte("not a key"))
		if code, _ := apiError(t, err); code != "ValidationException" {
			t.Fatalf("got %s, want ValidationException", code)
		}
	})
	t.Run("an RSA key does not agree keys", func(t *testing.T) {
		pub, _ := k.PublicKeyDER()
		_, err := load(t, types.KeySpecRsa2048).DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, pub)
		code, msg := apiError(t, err)
		if code != "InvalidKeyUsageException" || msg != "Algorithm ECDH is incompatible with key spec RSA_2048." {
			t.Fatalf("got %s %q", code, msg)
		}
	})
}

func TestMLKEM(t *testing.T) {
	for _, s := range []types.KeySpec{types.KeySpecMlKem512, types.KeySpecMlKem768, types.KeySpecMlKem1024} {
		t.Run(string(s)+" decapsulates what it encapsulated", func(t *testing.T) {
			k := load(t, s)
			ct, ss, err := k.Encapsulate(types.EncapsulationAlgorithmSpecMlKem, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Decapsulate(types.EncapsulationAlgorithmSpecMlKem, ct)
			if err != nil || !bytes.Equal(got, ss) || len(ss) != 32 {
				t.Fatalf("Decapsulate: got %x, %v; want %x (32 bytes)", got, err, ss)
			}
			ct[0] ^= 1
			rejected, err := k.Decapsulate(types.EncapsulationAlgorithmSpecMlKem, ct)
			if err != nil || len(rejected) != 32 || bytes.Equal(rejected, ss) {
				t.Fatalf("altered ciphertext: got %x, %v; want another 32-byte secret (implicit rejection)", rejected, err)
			}
		})
		t.Run(string(s)+" refuses a ciphertext of the wrong length", func(t *testing.T) {
			_, err := load(t, s).Decapsulate(types.EncapsulationAlgorithmSpecMlKem, make([]byte, 100))
			var invalid *types.InvalidCiphertextException
			if !errors.As(err, &invalid) {
				t.Fatalf("got %v, want InvalidCiphertextException", err)
			}
		})
	}
	// Go's crypto/mlkem is an independent implementation of 768 and 1024:
	// it encapsulates to the SPKI we publish and we decapsulate.
	goKEM := map[types.KeySpec]func([]byte) (ct, ss []byte, err error){
		types.KeySpecMlKem768: func(pk []byte) ([]byte, []byte, error) {
			ek, err := mlkem.NewEncapsulationKey768(pk)
			if err != nil {
				return nil, nil, err
			}
			ss, ct := ek.Encapsulate()
			return ct, ss, nil
		},
		types.KeySpecMlKem1024: func(pk []byte) ([]byte, []byte, error) {
			ek, err := mlkem.NewEncapsulationKey1024(pk)
			if err != nil {
				return nil, nil, err
			}
			ss, ct := ek.Encapsulate()
			return ct, ss, nil
		},
	}
	for s, encapsulate := range goKEM {
		t.Run(string(s)+" decapsulates what crypto/mlkem encapsulated to its SPKI", func(t *testing.T) {
			k := load(t, s)
			spki, err := k.PublicKeyDER()
			if err != nil {
				t.Fatal(err)
			}
			var info subjectPublicKeyInfo
			if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) != 0 {
				t.Fatalf("SPKI: %v", err)
			}
			// NIST's id-alg-ml-kem-768/1024: 2.16.840.1.101.3.4.4.2 and .3.
			wantOID := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, map[types.KeySpec]int{types.KeySpecMlKem768: 2, types.KeySpecMlKem1024: 3}[s]}
			if !info.Algorithm.Algorithm.Equal(wantOID) || len(info.Algorithm.Parameters.FullBytes) != 0 {
				t.Fatalf("SPKI algorithm: got %v %x, want %v without parameters", info.Algorithm.Algorithm, info.Algorithm.Parameters.FullBytes, wantOID)
			}
			ct, ss, err := encapsulate(info.PublicKey.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Decapsulate(types.EncapsulationAlgorithmSpecMlKem, ct)
			if err != nil || !bytes.Equal(got, ss) {
				t.Fatalf("got %x, %v; want %x", got, err, ss)
			}
		})
	}
	t.Run("the seed in the material is the crypto/mlkem seed", func(t *testing.T) {
		k := load(t, types.KeySpecMlKem768)
		var p pkcs8
		if _, err := asn1.Unmarshal(material(t, types.KeySpecMlKem768), &p); err != nil {
			t.Fatal(err)
		}
		dk, err := mlkem.NewDecapsulationKey768(p.PrivateKey[2:])
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := k.kemPK.MarshalBinary()
		if !bytes.Equal(dk.EncapsulationKey().Bytes(), pk) {
			t.Fatal("crypto/mlkem derives another public key from the stored seed")
		}
	})
}

func TestHMAC(t *testing.T) {
	for _, row := range All() {
		if len(row.MacAlgorithms) == 0 {
			continue
		}
		k := load(t, row.KeySpec)
		alg := row.MacAlgorithms[0]
		t.Run(string(row.KeySpec)+" verifies its own MAC and rejects a changed one", func(t *testing.T) {
			mac, err := k.GenerateMac(alg, []byte("message"))
			if err != nil {
				t.Fatal(err)
			}
			if want := row.KeyBits / 8; len(mac) != want {
				t.Fatalf("MAC length: got %d, want %d", len(mac), want)
			}
			if err := k.VerifyMac(alg, []byte("message"), mac); err != nil {
				t.Fatalf("VerifyMac: %v", err)
			}
			mac[0] ^= 1
			var invalid *types.KMSInvalidMacException
			if err := k.VerifyMac(alg, []byte("message"), mac); !errors.As(err, &invalid) {
				t.Fatalf("VerifyMac changed MAC: got %v, want KMSInvalidMacException", err)
			}
		})
		for _, other := range types.MacAlgorithmSpec("").Values() {
			if other == alg {
				continue
			}
			t.Run(string(row.KeySpec)+" refuses "+string(other), func(t *testing.T) {
				_, err := k.GenerateMac(other, []byte("m"))
				code, msg := apiError(t, err)
				want := "Algorithm " + string(other) + " is incompatible with key spec " + string(row.KeySpec) + "."
				if code != "InvalidKeyUsageException" || msg != want {
					t.Fatalf("got %s %q, want InvalidKeyUsageException %q", code, msg, want)
				}
			})
		}
	}
	t.Run("an unknown MAC algorithm fails the enum as AWS words it", func(t *testing.T) {
		_, err := load(t, types.KeySpecHmac256).GenerateMac("INVALID", []byte("m"))
		_, msg := apiError(t, err)
		want := "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]" // AWS's recorded order
		if msg != want {
			t.Fatalf("got %q, want %q", msg, want)
		}
	})
}

func TestGenerateDataKeyPair(t *testing.T) {
	for _, spec := range types.DataKeyPairSpec("").Values() {
		if spec == types.DataKeyPairSpecSm2 {
			t.Run("SM2 is unsupported", func(t *testing.T) {
				_, _, err := GenerateDataKeyPair(spec, rand.Reader)
				var unsupported *types.UnsupportedOperationException
				if !errors.As(err, &unsupported) {
					t.Fatalf("got %v, want UnsupportedOperationException", err)
				}
			})
			continue
		}
		t.Run(string(spec)+" gives a PKCS#8 private key whose public key is the SPKI", func(t *testing.T) {
			priv, pub, err := GenerateDataKeyPair(spec, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			s, canonical, err := ParsePrivateKey(priv)
			if err != nil || s != types.KeySpec(spec) || !bytes.Equal(canonical, priv) {
				t.Fatalf("ParsePrivateKey: got %s, %v", s, err)
			}
			again, err := PublicKeyDER(s, priv)
			if err != nil || !bytes.Equal(again, pub) {
				t.Fatalf("public key does not match the private key: %v", err)
			}
		})
	}
}

func TestCheckKeyUsage(t *testing.T) {
	cases := []struct {
		name     string
		spec     types.KeySpec
		usage    types.KeyUsageType
		want     types.KeyUsageType
		wantCode string
		wantMsg  string
	}{
		{"no spec and no usage is a symmetric encryption key", "", "", types.KeyUsageTypeEncryptDecrypt, "", ""},
		{"RSA_2048 signs", types.KeySpecRsa2048, types.KeyUsageTypeSignVerify, types.KeyUsageTypeSignVerify, "", ""},
		{"ECC_NIST_P521 agrees keys", types.KeySpecEccNistP521, types.KeyUsageTypeKeyAgreement, types.KeyUsageTypeKeyAgreement, "", ""},
		{"ML_KEM_768 encapsulates", types.KeySpecMlKem768, types.KeyUsageTypeEncapsulateDecapsulate, types.KeyUsageTypeEncapsulateDecapsulate, "", ""},
		{"an asymmetric key needs a usage", types.KeySpecEccNistP256, "", "", "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{"an HMAC key needs a usage", types.KeySpecHmac256, "", "", "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{"ECC keys do not encrypt", types.KeySpecEccNistP256, types.KeyUsageTypeEncryptDecrypt, "", "ValidationException", "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256"},
		{"secp256k1 does not agree keys", types.KeySpecEccSecgP256k1, types.KeyUsageTypeKeyAgreement, "", "ValidationException", "KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_SECG_P256K1"},
		{"an unknown spec fails the enum", "AES_256", types.KeyUsageTypeEncryptDecrypt, "", "ValidationException",
			"1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ML_KEM_512, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ML_DSA_65, ML_DSA_87, ECC_NIST_P521, ML_DSA_44, ML_KEM_1024, ML_KEM_768, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SM2, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]"},
		{"SM2 is unsupported here", types.KeySpecSm2, types.KeyUsageTypeSignVerify, "", "UnsupportedOperationException", "KeySpec SM2 is not supported in this Region"}, // AWS in us-east-1 (recorded),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckKeyUsage(c.spec, c.usage)
			if c.wantCode == "" {
				if err != nil || got != c.want {
					t.Fatalf("got %s, %v; want %s", got, err, c.want)
				}
				return
			}
			code, msg := apiError(t, err)
			if code != c.wantCode || msg != c.wantMsg {
				t.Fatalf("got %s %q, want %s %q", code, msg, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestEveryOperationASpecLacksIsInvalidKeyUsage(t *testing.T) {
	ops := []struct {
		name  string
		usage types.KeyUsageType
		call  func(k *Key) error
	}{
		{"Sign", types.KeyUsageTypeSignVerify, func(k *Key) error {
			_, err := k.Sign(types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw, []byte("m"), rand.Reader)
			return err
		}},
		{"Verify", types.KeyUsageTypeSignVerify, func(k *Key) error {
			return k.Verify(types.SigningAlgorithmSpecRsassaPssSha256, types.MessageTypeRaw, []byte("m"), []byte("s"))
		}},
		{"Encrypt", types.KeyUsageTypeEncryptDecrypt, func(k *Key) error {
			_, err := k.Encrypt(types.EncryptionAlgorithmSpecRsaesOaepSha256, []byte("m"), rand.Reader)
			return err
		}},
		{"Decrypt", types.KeyUsageTypeEncryptDecrypt, func(k *Key) error {
			_, err := k.Decrypt(types.EncryptionAlgorithmSpecRsaesOaepSha1, []byte("c"))
			return err
		}},
		{"DeriveSharedSecret", types.KeyUsageTypeKeyAgreement, func(k *Key) error {
			_, err := k.DeriveSharedSecret(types.KeyAgreementAlgorithmSpecEcdh, []byte("p"))
			return err
		}},
		{"Encapsulate", types.KeyUsageTypeEncapsulateDecapsulate, func(k *Key) error {
			_, _, err := k.Encapsulate(types.EncapsulationAlgorithmSpecMlKem, rand.Reader)
			return err
		}},
		{"Decapsulate", types.KeyUsageTypeEncapsulateDecapsulate, func(k *Key) error {
			_, err := k.Decapsulate(types.EncapsulationAlgorithmSpecMlKem, []byte("c"))
			return err
		}},
		{"GenerateMac", types.KeyUsageTypeGenerateVerifyMac, func(k *Key) error {
			_, err := k.GenerateMac(types.MacAlgorithmSpecHmacSha512, []byte("m"))
			return err
		}},
	}
	for _, row := range All() {
		if !row.Supported {
			continue
		}
		for _, op := range ops {
			if row.AllowsUsage(op.usage) {
				continue
			}
			t.Run(string(row.KeySpec)+" refuses "+op.name, func(t *testing.T) {
				err := op.call(load(t, row.KeySpec))
				var usage *types.InvalidKeyUsageException
				if !errors.As(err, &usage) {
					t.Fatalf("got %v, want InvalidKeyUsageException", err)
				}
			})
		}
		if !row.Asymmetric {
			t.Run(string(row.KeySpec)+" has no public key", func(t *testing.T) {
				_, err := load(t, row.KeySpec).PublicKeyDER()
				var unsupported *types.UnsupportedOperationException
				if !errors.As(err, &unsupported) {
					t.Fatalf("got %v, want UnsupportedOperationException", err)
				}
			})
		}
	}
}
