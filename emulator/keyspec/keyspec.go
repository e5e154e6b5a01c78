// Package keyspec is the crypto core of the emulator: one table row per AWS
// KMS KeySpec (its key usages, the algorithms DescribeKey reports for each
// usage, its key size) and the operations on key material: generation,
// public keys, Sign / Verify, RSA Encrypt / Decrypt, ECDH DeriveSharedSecret,
// ML-KEM Encapsulate / Decapsulate, HMAC GenerateMac / VerifyMac, data key
// pairs, and the import path (RSA wrapping keys, unwrapping, validating the
// imported material).
//
// It owns no storage, no HTTP and no key metadata: callers pass the spec and
// the material bytes. Client faults are the SDK's *types.XxxException or
// kmsgate.NewValidationException values with AWS's texts, so the emulator can
// pass them through unchanged; any other error means the stored material is
// broken and is a server fault.
//
// Material forms (what Generate returns and Load reads):
//
//   - SYMMETRIC_DEFAULT: 32 raw bytes (AES-256).
//   - HMAC_224/256/384/512: raw key bytes (generated at 28/32/48/64 bytes).
//   - RSA, ECC_NIST_*, ECC_NIST_EDWARDS25519: PKCS#8 DER as Go's x509 writes it.
//   - ECC_SECG_P256K1: PKCS#8 DER, id-ecPublicKey with namedCurve
//     1.3.132.0.10 and a SEC 1 ECPrivateKey inside.
//   - ML_DSA_*: PKCS#8 DER with the 32-byte seed ([0] IMPLICIT, RFC 9881).
//   - ML_KEM_*: PKCS#8 DER with the 64-byte seed d||z ([0] IMPLICIT,
//     RFC 9935).
//
// SM2 is in the table (AWS offers it only in China Regions) but every
// operation on it answers UnsupportedOperationException.
package keyspec

import (
	"crypto"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

// Spec is one KeySpec's row: what AWS allows and reports for it.
type Spec struct {
	KeySpec types.KeySpec
	// Usages lists the KeyUsage values CreateKey accepts for this spec, the
	// default first (only SYMMETRIC_DEFAULT has a default usage in AWS).
	Usages []types.KeyUsageType
	// Algorithms reported by DescribeKey / GetPublicKey, per usage.
	EncryptionAlgorithms    []types.EncryptionAlgorithmSpec
	SigningAlgorithms       []types.SigningAlgorithmSpec
	MacAlgorithms           []types.MacAlgorithmSpec
	KeyAgreementAlgorithms  []types.KeyAgreementAlgorithmSpec
	EncapsulationAlgorithms []types.EncapsulationAlgorithmSpec
	// KeyBits is the key size in bits (RSA modulus, curve size, symmetric or
	// HMAC key length); 0 for the ML-DSA and ML-KEM parameter sets.
	KeyBits int
	// Asymmetric is true for specs with a public key (GetPublicKey works).
	Asymmetric bool
	// Supported is false for specs this emulator cannot do (SM2).
	Supported bool
}

// specs is the constant table, in the order of types.KeySpec.Values().
var specs = []Spec{
	{KeySpec: types.KeySpecSymmetricDefault, Usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt},
		EncryptionAlgorithms: []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault},
		KeyBits:              256, Supported: true},
	rsaSpec(types.KeySpecRsa2048, 2048),
	rsaSpec(types.KeySpecRsa3072, 3072),
	rsaSpec(types.KeySpecRsa4096, 4096),
	nistSpec(types.KeySpecEccNistP256, 256, types.SigningAlgorithmSpecEcdsaSha256),
	nistSpec(types.KeySpecEccNistP384, 384, types.SigningAlgorithmSpecEcdsaSha384),
	nistSpec(types.KeySpecEccNistP521, 521, types.SigningAlgorithmSpecEcdsaSha512),
	{KeySpec: types.KeySpecEccSecgP256k1, Usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify},
		SigningAlgorithms: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEcdsaSha256},
		KeyBits:           256, Asymmetric: true, Supported: true},
	{KeySpec: types.KeySpecEccNistEdwards25519, Usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify},
		SigningAlgorithms: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEd25519PhSha512, types.SigningAlgorithmSpecEd25519Sha512},
		KeyBits:           256, Asymmetric: true, Supported: true},
	hmacSpec(types.KeySpecHmac224, 224, types.MacAlgorithmSpecHmacSha224),
	hmacSpec(types.KeySpecHmac256, 256, types.MacAlgorithmSpecHmacSha256),
	hmacSpec(types.KeySpecHmac384, 384, types.MacAlgorithmSpecHmacSha384),
	hmacSpec(types.KeySpecHmac512, 512, types.MacAlgorithmSpecHmacSha512),
	mldsaSpec(types.KeySpecMlDsa44),
	mldsaSpec(types.KeySpecMlDsa65),
	mldsaSpec(types.KeySpecMlDsa87),
	mlkemSpec(types.KeySpecMlKem512),
	mlkemSpec(types.KeySpecMlKem768),
	mlkemSpec(types.KeySpecMlKem1024),
	{KeySpec: types.KeySpecSm2,
		Usages:                 []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
		EncryptionAlgorithms:   []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSm2pke},
		SigningAlgorithms:      []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecSm2dsa},
		KeyAgreementAlgorithms: []types.KeyAgreementAlgorithmSpec{types.KeyAgreementAlgorithmSpecEcdh},
		KeyBits:                256, Asymmetric: true, Supported: false},
}

func rsaSpec(s types.KeySpec, bits int) Spec {
	return Spec{KeySpec: s, Usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
		EncryptionAlgorithms: []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256},
		SigningAlgorithms: []types.SigningAlgorithmSpec{
			types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512,
			types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512,
		},
		KeyBits: bits, Asymmetric: true, Supported: true}
}

func nistSpec(s types.KeySpec, bits int, alg types.SigningAlgorithmSpec) Spec {
	return Spec{KeySpec: s, Usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
		SigningAlgorithms:      []types.SigningAlgorithmSpec{alg},
		KeyAgreementAlgorithms: []types.KeyAgreementAlgorithmSpec{types.KeyAgreementAlgorithmSpecEcdh},
		KeyBits:                bits, Asymmetric: true, Supported: true}
}

func hmacSpec(s types.KeySpec, bits int, alg types.MacAlgorithmSpec) Spec {
	return Spec{KeySpec: s, Usages: []types.KeyUsageType{types.KeyUsageTypeGenerateVerifyMac},
		MacAlgorithms: []types.MacAlgorithmSpec{alg}, KeyBits: bits, Supported: true}
}

func mldsaSpec(s types.KeySpec) Spec {
	return Spec{KeySpec: s, Usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify},
		SigningAlgorithms: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecMlDsaShake256},
		Asymmetric:        true, Supported: true}
}

func mlkemSpec(s types.KeySpec) Spec {
	return Spec{KeySpec: s, Usages: []types.KeyUsageType{types.KeyUsageTypeEncapsulateDecapsulate},
		EncapsulationAlgorithms: []types.EncapsulationAlgorithmSpec{types.EncapsulationAlgorithmSpecMlKem},
		Asymmetric:              true, Supported: true}
}

// Lookup returns the table row of a KeySpec.
func Lookup(s types.KeySpec) (Spec, bool) {
	for _, row := range specs {
		if row.KeySpec == s {
			return row, true
		}
	}
	return Spec{}, false
}

// All returns every row of the table (a copy).
func All() []Spec { return slices.Clone(specs) }

// AllowsUsage reports whether CreateKey accepts the usage for this spec.
func (s Spec) AllowsUsage(u types.KeyUsageType) bool { return slices.Contains(s.Usages, u) }

// Algorithms is what DescribeKey reports for a key of this spec and usage:
// only the list of that usage is filled.
type Algorithms struct {
	EncryptionAlgorithms    []types.EncryptionAlgorithmSpec
	SigningAlgorithms       []types.SigningAlgorithmSpec
	MacAlgorithms           []types.MacAlgorithmSpec
	KeyAgreementAlgorithms  []types.KeyAgreementAlgorithmSpec
	EncapsulationAlgorithms []types.EncapsulationAlgorithmSpec
}

// AlgorithmsFor returns the algorithm lists DescribeKey shows for a key of
// this spec created with the usage (empty when the usage is not allowed).
func (s Spec) AlgorithmsFor(u types.KeyUsageType) Algorithms {
	if !s.AllowsUsage(u) {
		return Algorithms{}
	}
	switch u {
	case types.KeyUsageTypeEncryptDecrypt:
		return Algorithms{EncryptionAlgorithms: slices.Clone(s.EncryptionAlgorithms)}
	case types.KeyUsageTypeSignVerify:
		return Algorithms{SigningAlgorithms: slices.Clone(s.SigningAlgorithms)}
	case types.KeyUsageTypeGenerateVerifyMac:
		return Algorithms{MacAlgorithms: slices.Clone(s.MacAlgorithms)}
	case types.KeyUsageTypeKeyAgreement:
		return Algorithms{KeyAgreementAlgorithms: slices.Clone(s.KeyAgreementAlgorithms)}
	case types.KeyUsageTypeEncapsulateDecapsulate:
		return Algorithms{EncapsulationAlgorithms: slices.Clone(s.EncapsulationAlgorithms)}
	}
	return Algorithms{}
}

// MaxPlaintext is the largest plaintext RSA Encrypt takes for this spec and
// algorithm (k - 2*hLen - 2 bytes), or 0 when the pair does not encrypt.
func (s Spec) MaxPlaintext(alg types.EncryptionAlgorithmSpec) int {
	if !slices.Contains(s.EncryptionAlgorithms, alg) || s.KeyBits == 0 {
		return 0
	}
	h, ok := oaepHash(alg)
	if !ok {
		return 0
	}
	return s.KeyBits/8 - 2*h.Size() - 2
}

func oaepHash(alg types.EncryptionAlgorithmSpec) (crypto.Hash, bool) {
	switch alg {
	case types.EncryptionAlgorithmSpecRsaesOaepSha1:
		return crypto.SHA1, true
	case types.EncryptionAlgorithmSpecRsaesOaepSha256:
		return crypto.SHA256, true
	}
	return 0, false
}

func str(s string) *string { return &s }

// errIncompatible is AWS's answer to an algorithm the key spec lacks.
func errIncompatible(alg any, s types.KeySpec) error {
	return &types.InvalidKeyUsageException{Message: str(fmt.Sprintf("Algorithm %s is incompatible with key spec %s.", alg, s))}
}

// errUnsupportedSpec is AWS's answer outside China Regions to a key spec
// it offers only there (SM2), as recorded against us-east-1 (floci-io/floci
// issue 3026). kmsgate gives it in every Region: it does no SM2 at all.
func errUnsupportedSpec(s types.KeySpec) error {
	return &types.UnsupportedOperationException{Message: str(fmt.Sprintf("KeySpec %s is not supported in this Region", s))}
}

func errUnknownSpec(s types.KeySpec) error {
	return errEnum("keySpec", s, types.KeySpec("").Values())
}

func enumSet[T ~string](vals []T) string {
	b := []byte{'['}
	for i, v := range vals {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, v...)
	}
	return string(append(b, ']'))
}

// lookupSupported returns the row for s, or the client error AWS-style for
// an unknown or unsupported spec.
func lookupSupported(s types.KeySpec) (Spec, error) {
	row, ok := Lookup(s)
	if !ok {
		return Spec{}, errUnknownSpec(s)
	}
	if !row.Supported {
		return Spec{}, errUnsupportedSpec(s)
	}
	return row, nil
}

// CheckKeyUsage is CreateKey's check of KeySpec against KeyUsage: it returns
// the usage the key gets (ENCRYPT_DECRYPT when SYMMETRIC_DEFAULT has none) or
// AWS's ValidationException. spec "" means SYMMETRIC_DEFAULT, CreateKey's
// default. The text for a usage the spec lacks follows local-kms (no AWS
// recording was found).
func CheckKeyUsage(spec types.KeySpec, usage types.KeyUsageType) (types.KeyUsageType, error) {
	if spec == "" {
		spec = types.KeySpecSymmetricDefault
	}
	row, err := lookupSupported(spec)
	if err != nil {
		return "", err
	}
	if usage == "" {
		if spec != types.KeySpecSymmetricDefault {
			return "", kmsgate.NewValidationException("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
		}
		return types.KeyUsageTypeEncryptDecrypt, nil
	}
	if !slices.Contains(types.KeyUsageType("").Values(), usage) {
		return "", errEnum("keyUsage", usage, types.KeyUsageType("").Values())
	}
	if !row.AllowsUsage(usage) {
		return "", kmsgate.NewValidationException("KeyUsage %s is not compatible with KeySpec %s", usage, spec)
	}
	return usage, nil
}

// MessageTypes are the message types Sign and Verify accept with alg:
// RAW only for ED25519_SHA_512, DIGEST only for ED25519_PH_SHA_512, RAW and
// EXTERNAL_MU for ML-DSA, RAW and DIGEST for every other algorithm.
func MessageTypes(alg types.SigningAlgorithmSpec) []types.MessageType {
	switch alg {
	case types.SigningAlgorithmSpecEd25519Sha512:
		return []types.MessageType{types.MessageTypeRaw}
	case types.SigningAlgorithmSpecEd25519PhSha512:
		return []types.MessageType{types.MessageTypeDigest}
	case types.SigningAlgorithmSpecMlDsaShake256:
		return []types.MessageType{types.MessageTypeRaw, types.MessageTypeExternalMu}
	}
	return []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest}
}
