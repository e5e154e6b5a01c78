package keyspec

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	circlsign "github.com/cloudflare/circl/sign"
	circled25519 "github.com/cloudflare/circl/sign/ed25519"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	dcrecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// keyCache generates each spec's material once per test binary: RSA-4096
// generation is slow and every test would otherwise pay for it.
type keyCache struct {
	mu   sync.Mutex
	keys map[types.KeySpec][]byte
}

var testKeys = &keyCache{keys: map[types.KeySpec][]byte{}}

func material(t testing.TB, s types.KeySpec) []byte {
	t.Helper()
	testKeys.mu.Lock()
	defer testKeys.mu.Unlock()
	if m, ok := testKeys.keys[s]; ok {
		return m
	}
	m, err := Generate(s, rand.Reader)
	if err != nil {
		t.Fatalf("Generate(%s): %v", s, err)
	}
	testKeys.keys[s] = m
	return m
}

func load(t testing.TB, s types.KeySpec) *Key {
	t.Helper()
	k, err := Load(s, material(t, s))
	if err != nil {
		t.Fatalf("Load(%s): %v", s, err)
	}
	return k
}

// signCase is one (spec, algorithm, message type) AWS accepts.
type signCase struct {
	spec types.KeySpec
	alg  types.SigningAlgorithmSpec
	mt   types.MessageType
}

func (c signCase) String() string { return fmt.Sprintf("%s with %s over %s", c.spec, c.alg, c.mt) }

// message returns what the caller sends for this case over the text: the
// text itself for RAW, its digest for DIGEST, μ for EXTERNAL_MU.
func (c signCase) message(t testing.TB, k *Key, text []byte) []byte {
	switch c.mt {
	case types.MessageTypeDigest:
		h := signingHash(c.alg)
		hh := h.New()
		hh.Write(text)
		return hh.Sum(nil)
	case types.MessageTypeExternalMu:
		return externalMu(t, k, text)
	}
	return text
}

// externalMu computes ML-DSA's μ = SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M)
// (FIPS 204, pure ML-DSA with an empty context), independently of the
// library that signs.
func externalMu(t testing.TB, k *Key, text []byte) []byte {
	t.Helper()
	pk := k.dsa.PublicKey().Bytes()
	tr := sha3.SumSHAKE256(pk, 64)
	h := sha3.NewSHAKE256()
	h.Write(tr)
	h.Write([]byte{0, 0})
	h.Write(text)
	mu := make([]byte, 64)
	h.Read(mu)
	return mu
}

func signCases() []signCase {
	var out []signCase
	for _, row := range All() {
		for _, alg := range row.SigningAlgorithms {
			for _, mt := range MessageTypes(alg) {
				if row.Supported {
					out = append(out, signCase{row.KeySpec, alg, mt})
				}
			}
		}
	}
	return out
}

func TestSignThenVerifyAcceptsTheSignatureAndRejectsATamperedOne(t *testing.T) {
	text := []byte("kmsgate signs this")
	for _, c := range signCases() {
		t.Run(c.String(), func(t *testing.T) {
			k := load(t, c.spec)
			msg := c.message(t, k, text)
			sig, err := k.Sign(c.alg, c.mt, msg, rand.Reader)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := k.Verify(c.alg, c.mt, msg, sig); err != nil {
				t.Fatalf("Verify: got %v, want nil", err)
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/2] ^= 0x01
			var invalid *types.KMSInvalidSignatureException
			if err := k.Verify(c.alg, c.mt, msg, bad); !errors.As(err, &invalid) {
				t.Fatalf("Verify tampered signature: got %v, want KMSInvalidSignatureException", err)
			}
			other := c.message(t, k, []byte("kmsgate signs that"))
			if err := k.Verify(c.alg, c.mt, other, sig); !errors.As(err, &invalid) {
				t.Fatalf("Verify other message: got %v, want KMSInvalidSignatureException", err)
			}
		})
	}
}

// verifyWithGo checks sig with only the SPKI and Go's (or the curve
// library's) own verification, as a client of GetPublicKey would.
func verifyWithGo(t *testing.T, c signCase, spki, text, sig []byte) {
	t.Helper()
	var digest []byte
	if h := signingHash(c.alg); h != 0 {
		hh := h.New()
		hh.Write(text)
		digest = hh.Sum(nil)
	}
	switch c.spec {
	case types.KeySpecEccSecgP256k1:
		var info subjectPublicKeyInfo
		if _, err := asn1.Unmarshal(spki, &info); err != nil {
			t.Fatalf("SPKI: %v", err)
		}
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &curve); err != nil || !curve.Equal(asn1.ObjectIdentifier{1, 3, 132, 0, 10}) {
			t.Fatalf("SPKI curve: got %v, want 1.3.132.0.10", curve)
		}
		pub, err := secp256k1.ParsePubKey(info.PublicKey.Bytes)
		if err != nil {
			t.Fatalf("ParsePubKey: %v", err)
		}
		parsed, err := dcrecdsa.ParseDERSignature(sig)
		if err != nil || !parsed.Verify(digest, pub) {
			t.Fatalf("secp256k1 signature does not verify against the SPKI")
		}
		return
	case types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87:
		// circl is an ML-DSA implementation independent of the signer's.
		scheme := map[types.KeySpec]circlsign.Scheme{types.KeySpecMlDsa44: mldsa44.Scheme(), types.KeySpecMlDsa65: mldsa65.Scheme(), types.KeySpecMlDsa87: mldsa87.Scheme()}[c.spec]
		var info subjectPublicKeyInfo
		if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) != 0 {
			t.Fatalf("SPKI: %v", err)
		}
		// NIST's OIDs: id-ml-dsa-44/65/87 are 2.16.840.1.101.3.4.3.17/18/19.
		wantOID := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, map[types.KeySpec]int{types.KeySpecMlDsa44: 17, types.KeySpecMlDsa65: 18, types.KeySpecMlDsa87: 19}[c.spec]}
		if !info.Algorithm.Algorithm.Equal(wantOID) || len(info.Algorithm.Parameters.FullBytes) != 0 {
			t.Fatalf("SPKI algorithm: got %v, want %v without parameters", info.Algorithm.Algorithm, wantOID)
		}
		pub, err := scheme.UnmarshalBinaryPublicKey(info.PublicKey.Bytes)
		if err != nil {
			t.Fatalf("public key: %v", err)
		}
		if !scheme.Verify(pub, text, sig, nil) {
			t.Fatalf("ML-DSA signature does not verify against the SPKI with circl")
		}
		return
	}
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		t.Fatalf("x509.ParsePKIXPublicKey: %v", err)
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if isPSS(c.alg) {
			err = rsa.VerifyPSS(pub, signingHash(c.alg), digest, sig, &rsa.PSSOptions{SaltLength: signingHash(c.alg).Size()})
		} else {
			err = rsa.VerifyPKCS1v15(pub, signingHash(c.alg), digest, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			err = errors.New("ecdsa.VerifyASN1 failed")
		}
	case ed25519.PublicKey:
		if c.alg == types.SigningAlgorithmSpecEd25519PhSha512 {
			// Ed25519ph (RFC 8032) over the caller's 64-byte digest as
			// the message, checked with circl's independent Ed25519ph.
			d := sha512.Sum512(text)
			if !circled25519.VerifyPh(circled25519.PublicKey(pub), d[:], sig, "") {
				err = errors.New("circl ed25519.VerifyPh failed")
			}
		} else if !ed25519.Verify(pub, text, sig) {
			err = errors.New("ed25519.Verify failed")
		}
	default:
		t.Fatalf("unexpected public key type %T", pub)
	}
	if err != nil {
		t.Fatalf("signature does not verify against the SPKI: %v", err)
	}
}

func TestSignaturesVerifyWithGoCryptoAgainstThePublishedSPKI(t *testing.T) {
	text := []byte("verify me offline")
	for _, c := range signCases() {
		t.Run(c.String(), func(t *testing.T) {
			k := load(t, c.spec)
			sig, err := k.Sign(c.alg, c.mt, c.message(t, k, text), rand.Reader)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			spki, err := PublicKeyDER(c.spec, material(t, c.spec))
			if err != nil {
				t.Fatalf("PublicKeyDER: %v", err)
			}
			verifyWithGo(t, c, spki, text, sig)
		})
	}
}

func apiError(t *testing.T, err error) (code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v (%T), want an API error", err, err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestSignRejectsWhatAWSRejects(t *testing.T) {
	cases := []struct {
		name     string
		spec     types.KeySpec
		alg      types.SigningAlgorithmSpec
		mt       types.MessageType
		msg      []byte
		wantCode string
		wantMsg  string
	}{
		{"a SHA-256 digest of 31 bytes is the wrong length", types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeDigest, make([]byte, 31),
			"ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256."},
		{"a SHA-384 digest of 32 bytes is the wrong length", types.KeySpecRsa2048, types.SigningAlgorithmSpecRsassaPssSha384, types.MessageTypeDigest, make([]byte, 32),
			"ValidationException", "Digest is invalid length for algorithm RSASSA_PSS_SHA_384."},
		{"a SHA-512 digest of 48 bytes is the wrong length", types.KeySpecEccNistP521, types.SigningAlgorithmSpecEcdsaSha512, types.MessageTypeDigest, make([]byte, 48),
			"ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_512."},
		{"a RAW message over 4096 bytes is too long", types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw, make([]byte, 4097),
			"ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"an empty message is too short", types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw, nil,
			"ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"P-256 does not sign with ECDSA_SHA_384", types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha384, types.MessageTypeRaw, []byte("m"),
			"InvalidKeyUsageException", "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."},
		{"secp256k1 signs only with ECDSA_SHA_256", types.KeySpecEccSecgP256k1, types.SigningAlgorithmSpecEcdsaSha512, types.MessageTypeRaw, []byte("m"),
			"InvalidKeyUsageException", "Algorithm ECDSA_SHA_512 is incompatible with key spec ECC_SECG_P256K1."},
		{"RSA does not sign with ECDSA", types.KeySpecRsa3072, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw, []byte("m"),
			"InvalidKeyUsageException", "Algorithm ECDSA_SHA_256 is incompatible with key spec RSA_3072."},
		{"ED25519_SHA_512 takes only RAW", types.KeySpecEccNistEdwards25519, types.SigningAlgorithmSpecEd25519Sha512, types.MessageTypeDigest, make([]byte, 64),
			"ValidationException", "Message type DIGEST is incompatible with algorithm ED25519_SHA_512."},
		{"ED25519_PH_SHA_512 takes only DIGEST", types.KeySpecEccNistEdwards25519, types.SigningAlgorithmSpecEd25519PhSha512, types.MessageTypeRaw, []byte("m"),
			"ValidationException", "Message type RAW is incompatible with algorithm ED25519_PH_SHA_512."},
		{"ED25519_PH_SHA_512 wants a 64-byte digest", types.KeySpecEccNistEdwards25519, types.SigningAlgorithmSpecEd25519PhSha512, types.MessageTypeDigest, make([]byte, 32),
			"ValidationException", "Digest is invalid length for algorithm ED25519_PH_SHA_512."},
		{"ML-DSA does not take DIGEST", types.KeySpecMlDsa44, types.SigningAlgorithmSpecMlDsaShake256, types.MessageTypeDigest, make([]byte, 64),
			"ValidationException", "Message type DIGEST is incompatible with key spec ML_DSA_44."},
		{"an external mu must be 64 bytes", types.KeySpecMlDsa65, types.SigningAlgorithmSpecMlDsaShake256, types.MessageTypeExternalMu, make([]byte, 32),
			"ValidationException", "External Mu is invalid length for algorithm ML_DSA_SHAKE_256."},
		{"EXTERNAL_MU is only for ML-DSA", types.KeySpecRsa2048, types.SigningAlgorithmSpecRsassaPssSha256, types.MessageTypeExternalMu, make([]byte, 64),
			"ValidationException", "Message type EXTERNAL_MU is incompatible with key spec RSA_2048."},
		{"an unknown algorithm fails the enum", types.KeySpecRsa2048, "RSASSA_PSS_SHA_1", types.MessageTypeRaw, []byte("m"),
			"ValidationException", "1 validation error detected: Value 'RSASSA_PSS_SHA_1' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ED25519_PH_SHA_512, RSASSA_PKCS1_V1_5_SHA_384, RSASSA_PKCS1_V1_5_SHA_256, RSASSA_PKCS1_V1_5_SHA_512, ML_DSA_SHAKE_256, RSASSA_PSS_SHA_384, ECDSA_SHA_384, RSASSA_PSS_SHA_256, ECDSA_SHA_256, RSASSA_PSS_SHA_512, ECDSA_SHA_512, SM2DSA, ED25519_SHA_512]"},
		{"an HMAC key does not sign", types.KeySpecHmac256, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw, []byte("m"),
			"InvalidKeyUsageException", "Algorithm ECDSA_SHA_256 is incompatible with key spec HMAC_256."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := load(t, c.spec)
			_, err := k.Sign(c.alg, c.mt, c.msg, rand.Reader)
			code, msg := apiError(t, err)
			if code != c.wantCode || msg != c.wantMsg {
				t.Fatalf("Sign: got %s %q, want %s %q", code, msg, c.wantCode, c.wantMsg)
			}
			err = k.Verify(c.alg, c.mt, c.msg, []byte{1})
			code, msg = apiError(t, err)
			if code != c.wantCode || msg != c.wantMsg {
				t.Fatalf("Verify: got %s %q, want %s %q", code, msg, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestVerifyFromExternalMuAgreesWithVerifyOfTheMessage(t *testing.T) {
	for _, spec := range []types.KeySpec{types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87} {
		k := load(t, spec)
		alg := types.SigningAlgorithmSpecMlDsaShake256
		t.Run(string(spec)+" verifies RAW signatures from their mu and rejects every other mu", func(t *testing.T) {
			for i := range 20 {
				text := make([]byte, 1+i*37)
				rand.Read(text)
				sig, err := k.Sign(alg, types.MessageTypeRaw, text, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				mu := externalMu(t, k, text)
				if err := k.Verify(alg, types.MessageTypeExternalMu, mu, sig); err != nil {
					t.Fatalf("message %d: Verify from mu: got %v, want nil", i, err)
				}
				mu[i%len(mu)] ^= 1 << (i % 8)
				var invalid *types.KMSInvalidSignatureException
				if err := k.Verify(alg, types.MessageTypeExternalMu, mu, sig); !errors.As(err, &invalid) {
					t.Fatalf("message %d: Verify from a changed mu: got %v, want KMSInvalidSignatureException", i, err)
				}
			}
		})
		t.Run(string(spec)+" rejects signatures changed anywhere", func(t *testing.T) {
			text := []byte("every byte counts")
			mu := externalMu(t, k, text)
			sig, err := k.Sign(alg, types.MessageTypeExternalMu, mu, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Verify(alg, types.MessageTypeExternalMu, mu, sig); err != nil {
				t.Fatalf("Verify: got %v, want nil", err)
			}
			// Positions spread over c~, z and the hint encoding.
			for pos := 0; pos < len(sig); pos += 97 {
				bad := bytes.Clone(sig)
				bad[pos] ^= 0x10
				if k.Verify(alg, types.MessageTypeExternalMu, mu, bad) == nil {
					// A flipped hint byte can land on an encoding that
					// the library also accepts; both must then agree.
					if k.Verify(alg, types.MessageTypeRaw, text, bad) != nil {
						t.Fatalf("byte %d changed: accepted from mu, rejected from the message", pos)
					}
				}
			}
			if k.Verify(alg, types.MessageTypeExternalMu, mu, sig[:len(sig)-1]) == nil {
				t.Fatal("a short signature verifies")
			}
		})
	}
}

func TestAKeyIsSafeForConcurrentUse(t *testing.T) {
	for _, c := range []signCase{
		{types.KeySpecRsa2048, types.SigningAlgorithmSpecRsassaPssSha256, types.MessageTypeRaw},
		{types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw},
		{types.KeySpecEccSecgP256k1, types.SigningAlgorithmSpecEcdsaSha256, types.MessageTypeRaw},
		{types.KeySpecEccNistEdwards25519, types.SigningAlgorithmSpecEd25519Sha512, types.MessageTypeRaw},
		{types.KeySpecMlDsa44, types.SigningAlgorithmSpecMlDsaShake256, types.MessageTypeRaw},
	} {
		t.Run(c.String()+" signs and verifies from 8 goroutines", func(t *testing.T) {
			k := load(t, c.spec)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for i := range 8 {
				wg.Go(func() {
					msg := []byte(fmt.Sprintf("message %d", i))
					sig, err := k.Sign(c.alg, c.mt, msg, rand.Reader)
					if err == nil {
						err = k.Verify(c.alg, c.mt, msg, sig)
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestMessageTypesAreWhatSignAccepts keeps the MessageTypes table and Sign's
// checks in step: every message type of the table signs, every other one is
// refused.
func TestMessageTypesAreWhatSignAccepts(t *testing.T) {
	for _, row := range All() {
		if !row.Supported || len(row.SigningAlgorithms) == 0 {
			continue
		}
		k := load(t, row.KeySpec)
		for _, alg := range row.SigningAlgorithms {
			for _, mt := range types.MessageType("").Values() {
				// A message of the right length for mt, so that only the
				// message type can be refused.
				msg := []byte("kmsgate signs this")
				switch mt {
				case types.MessageTypeDigest:
					msg = make([]byte, 64)
					if h := signingHash(alg); h != 0 {
						msg = make([]byte, h.Size())
					}
				case types.MessageTypeExternalMu:
					msg = make([]byte, MuSize)
				}
				_, err := k.Sign(alg, mt, msg, rand.Reader)
				if want := slices.Contains(MessageTypes(alg), mt); (err == nil) != want {
					t.Errorf("%s %s %s: got error %v, want accepted=%v", row.KeySpec, alg, mt, err, want)
				}
			}
		}
	}
}
