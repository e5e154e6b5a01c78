package keyspec

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

func FuzzParsePrivateKey(f *testing.F) {
	// Keys are generated per fuzz worker, where the coverage-instrumented
	// RSA key generation takes seconds: the RSA seed comes from testdata.
	f.Add(fixedRSA2048(f))
	for _, s := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1,
		types.KeySpecEccNistEdwards25519, types.KeySpecMlDsa44, types.KeySpecMlKem512} {
		m := material(f, s)
		f.Add(m)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: m}))
		f.Add(m[:len(m)/2])
	}
	f.Add(secp256k1SEC1(f, bytes.Repeat([]byte{1}, 32), nil))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, m, err := ParsePrivateKey(data)
		if err != nil {
			return
		}
		// Whatever parses is a loadable key whose encoding is stable.
		if _, err := Load(s, m); err != nil {
			t.Fatalf("ParsePrivateKey gave %s material that Load refuses: %v", s, err)
		}
		s2, m2, err := ParsePrivateKey(m)
		if err != nil || s2 != s || !bytes.Equal(m2, m) {
			t.Fatalf("re-parse: got %s, %v; want %s and the same bytes", s2, err, s)
		}
	})
}

func FuzzParseImportedMaterial(f *testing.F) {
	specs := types.KeySpec("").Values()
	for i, s := range specs {
		switch s {
		case types.KeySpecEccNistP256, types.KeySpecMlDsa44, types.KeySpecMlKem512:
			f.Add(uint8(i), material(f, s))
		case types.KeySpecRsa2048:
			f.Add(uint8(i), fixedRSA2048(f))
		}
	}
	f.Add(uint8(7), make([]byte, 32))
	f.Add(uint8(8), make([]byte, 28))
	f.Fuzz(func(t *testing.T, i uint8, data []byte) {
		s := specs[int(i)%len(specs)]
		m, err := ParseImportedMaterial(s, data)
		if err != nil {
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("ParseImportedMaterial(%s): got %T %v, want an AWS client error", s, err, err)
			}
			return
		}
		if _, err := Load(s, m); err != nil {
			t.Fatalf("imported %s material does not load: %v", s, err)
		}
	})
}

func FuzzUnwrap(f *testing.F) {
	priv := fixedRSA2048(f)
	pub, err := PublicKeyDER(types.KeySpecRsa2048, priv)
	if err != nil {
		f.Fatal(err)
	}
	algs := []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaAesKeyWrapSha1, types.AlgorithmSpecRsaAesKeyWrapSha256}
	for i, alg := range algs {
		w, err := WrapForImport(pub, alg, bytes.Repeat([]byte{byte(i)}, 32), rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), w)
		f.Add(uint8(i), w[:len(w)-8])
	}
	f.Fuzz(func(t *testing.T, i uint8, wrapped []byte) {
		alg := algs[int(i)%len(algs)]
		_, err := UnwrapImportedMaterial(priv, alg, wrapped)
		var invalid *types.InvalidCiphertextException
		if err != nil && !errors.As(err, &invalid) {
			t.Fatalf("%s: got %T %v, want InvalidCiphertextException", alg, err, err)
		}
	})
}

func FuzzAESKeyUnwrapPad(f *testing.F) {
	kek := bytes.Repeat([]byte{0x42}, 32)
	for _, n := range []int{1, 7, 8, 9, 32, 100} {
		w, err := AESKeyWrapPad(kek, bytes.Repeat([]byte{byte(n)}, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := AESKeyUnwrapPad(kek, ct)
		if err != nil {
			return
		}
		// Key wrap is deterministic: what unwraps must wrap back to the
		// same bytes, or the integrity check let something through.
		again, err := AESKeyWrapPad(kek, pt)
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("unwrapped %x but it wraps to %x (%v)", pt, again, err)
		}
	})
}

// fixedRSA2048 is an RSA-2048 PKCS#8 key made once with
// "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER"
// and "openssl pkcs8 -topk8 -nocrypt -inform DER -outform DER" (OpenSSL 3.0
// writes PKCS#1 DER otherwise).
func fixedRSA2048(f *testing.F) []byte {
	f.Helper()
	der, err := os.ReadFile("testdata/rsa2048.pk8")
	if err != nil {
		f.Fatal(err)
	}
	return der
}

// FuzzVerifyExternalMu holds the package's own verification from μ to the
// library's verification of the full message: they must agree on every
// signature, valid or not.
func FuzzVerifyExternalMu(f *testing.F) {
	k := load(f, types.KeySpecMlDsa44)
	text := []byte("fuzzed signature")
	mu := externalMu(f, k, text)
	alg := types.SigningAlgorithmSpecMlDsaShake256
	sig, err := k.Sign(alg, types.MessageTypeRaw, text, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sig)
	bad := bytes.Clone(sig)
	bad[len(bad)-1] = 0xFF
	f.Add(bad)
	f.Fuzz(func(t *testing.T, sig []byte) {
		fromMu := k.Verify(alg, types.MessageTypeExternalMu, mu, sig) == nil
		fromText := k.Verify(alg, types.MessageTypeRaw, text, sig) == nil
		if fromMu != fromText {
			t.Fatalf("verification from mu says %v, from the message %v", fromMu, fromText)
		}
	})
}
