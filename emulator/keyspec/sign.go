package keyspec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"io"
	"slices"

	"filippo.io/mldsa"
	"filippo.io/mldsa/mldsacrypto"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	dcrecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/kmsgate/kmsgate"
)

// MaxMessage is the largest Message Sign, Verify, GenerateMac and
// VerifyMac take, and the largest Plaintext of Encrypt.
const MaxMessage = 4096

// MuSize is the length of an ML-DSA external μ (MessageType EXTERNAL_MU).
const MuSize = 64

func signingHash(alg types.SigningAlgorithmSpec) crypto.Hash {
	switch alg {
	case types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecEcdsaSha256:
		return crypto.SHA256
	case types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecEcdsaSha384:
		return crypto.SHA384
	case types.SigningAlgorithmSpecRsassaPssSha512, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512, types.SigningAlgorithmSpecEcdsaSha512,
		types.SigningAlgorithmSpecEd25519PhSha512:
		return crypto.SHA512
	}
	return 0
}

func isPSS(alg types.SigningAlgorithmSpec) bool {
	switch alg {
	case types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512:
		return true
	}
	return false
}

func errEnum[T ~string](field string, v T, vals []T) error {
	names := make([]string, len(vals))
	for i, x := range vals {
		names[i] = string(x)
	}
	if len(v) > 16<<10 { // a long value is not repeated (as in emulator.valueAt)
		return kmsgate.NewValidationException("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy enum value set: %s", field, enumSet(EnumOrder(field, names)))
	}
	return kmsgate.NewValidationException("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: %s", v, field, enumSet(EnumOrder(field, names)))
}

// recordedEnumOrder is the order AWS lists an enum's values in its
// "Member must satisfy enum value set" texts, where a recording against
// AWS was found; AWS's order is not the API model's. Every other list
// follows the model's order (aws-sdk-go-v2's Values()): a guess, as no
// recording of it was found.
var recordedEnumOrder = map[string][]string{
	// Recorded (LocalStack's AWS-validated snapshots; shared reference).
	"macAlgorithm": {"HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"},
}

// EnumOrder returns the values of the enum member field in AWS's order:
// the recorded one when it holds exactly these values, else names as
// given (the model's order). An SDK update that adds a value falls back to
// the model's order rather than leave the value out.
func EnumOrder(field string, names []string) []string {
	rec, ok := recordedEnumOrder[field]
	if !ok || len(rec) != len(names) {
		return names
	}
	for _, x := range rec {
		if !slices.Contains(names, x) {
			return names
		}
	}
	return rec
}

// checkMessageLength is the API model's 1..4096 constraint on Message.
func checkMessageLength(field string, msg []byte) error {
	if len(msg) > MaxMessage {
		return kmsgate.NewValidationException("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, MaxMessage)
	}
	if len(msg) == 0 {
		return kmsgate.NewValidationException("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", field)
	}
	return nil
}

// prepared is a signing input after the AWS checks: what the primitive
// signs or verifies.
type prepared struct {
	digest []byte // hash-based algorithms and Ed25519ph: the digest to sign
	raw    []byte // Ed25519 and ML-DSA with RAW
	mu     []byte // ML-DSA with EXTERNAL_MU
}

// prepare checks the algorithm and message type against the key spec, as
// Sign and Verify share them, and hashes a RAW message where the algorithm
// starts with a hash.
func (k *Key) prepare(alg types.SigningAlgorithmSpec, mt types.MessageType, msg []byte) (prepared, error) {
	s := k.spec.KeySpec
	if !slices.Contains(types.SigningAlgorithmSpec("").Values(), alg) {
		return prepared{}, errEnum("signingAlgorithm", alg, types.SigningAlgorithmSpec("").Values())
	}
	if mt == "" {
		mt = types.MessageTypeRaw
	}
	if !slices.Contains(types.MessageType("").Values(), mt) {
		return prepared{}, errEnum("messageType", mt, types.MessageType("").Values())
	}
	if err := checkMessageLength("message", msg); err != nil {
		return prepared{}, err
	}
	if !slices.Contains(k.spec.SigningAlgorithms, alg) {
		return prepared{}, errIncompatible(alg, s)
	}
	switch alg {
	case types.SigningAlgorithmSpecMlDsaShake256:
		switch mt {
		case types.MessageTypeRaw:
			return prepared{raw: msg}, nil
		case types.MessageTypeExternalMu:
			if len(msg) != MuSize {
				return prepared{}, kmsgate.NewValidationException("External Mu is invalid length for algorithm %s.", alg)
			}
			return prepared{mu: msg}, nil
		}
		return prepared{}, kmsgate.NewValidationException("Message type %s is incompatible with key spec %s.", mt, s)
	case types.SigningAlgorithmSpecEd25519Sha512:
		if mt != types.MessageTypeRaw {
			return prepared{}, kmsgate.NewValidationException("Message type %s is incompatible with algorithm %s.", mt, alg)
		}
		return prepared{raw: msg}, nil
	case types.SigningAlgorithmSpecEd25519PhSha512:
		// AWS takes only DIGEST here and still applies Ed25519ph's own
		// SHA-512 pre-hash to it: the signature is Ed25519ph over the
		// 64-byte digest as the message.
		if mt != types.MessageTypeDigest {
			return prepared{}, kmsgate.NewValidationException("Message type %s is incompatible with algorithm %s.", mt, alg)
		}
		if len(msg) != sha512.Size {
			return prepared{}, kmsgate.NewValidationException("Digest is invalid length for algorithm %s.", alg)
		}
		d := sha512.Sum512(msg)
		return prepared{digest: d[:]}, nil
	}
	h := signingHash(alg)
	switch mt {
	case types.MessageTypeRaw:
		hh := h.New()
		hh.Write(msg)
		return prepared{digest: hh.Sum(nil)}, nil
	case types.MessageTypeDigest:
		if len(msg) != h.Size() {
			return prepared{}, kmsgate.NewValidationException("Digest is invalid length for algorithm %s.", alg)
		}
		return prepared{digest: msg}, nil
	}
	return prepared{}, kmsgate.NewValidationException("Message type %s is incompatible with key spec %s.", mt, s)
}

// Sign signs the message as AWS's Sign does. messageType "" means RAW.
func (k *Key) Sign(alg types.SigningAlgorithmSpec, mt types.MessageType, msg []byte, rand io.Reader) ([]byte, error) {
	p, err := k.prepare(alg, mt, msg)
	if err != nil {
		return nil, err
	}
	switch {
	case k.rsa != nil:
		if isPSS(alg) {
			return rsa.SignPSS(rand, k.rsa, signingHash(alg), p.digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand, k.rsa, signingHash(alg), p.digest)
	case k.ec != nil:
		return ecdsa.SignASN1(rand, k.ec, p.digest)
	case k.k1 != nil:
		// RFC 6979 deterministic nonce, low-S, DER encoded.
		return dcrecdsa.Sign(k.k1, p.digest).Serialize(), nil
	case k.ed != nil:
		if p.digest != nil {
			return k.ed.Sign(nil, p.digest, &ed25519.Options{Hash: crypto.SHA512})
		}
		return ed25519.Sign(k.ed, p.raw), nil
	case k.dsa != nil:
		// Hedged ML-DSA; the library draws its randomness from crypto/rand.
		if p.mu != nil {
			return k.dsa.Sign(nil, p.mu, mldsacrypto.MLDSAMu)
		}
		return k.dsa.Sign(nil, p.raw, nil)
	}
	return nil, errors.New("keyspec: key cannot sign")
}

// Verify checks a signature as AWS's Verify does: nil when it is valid,
// *types.KMSInvalidSignatureException when it is not, another client error
// for bad input.
func (k *Key) Verify(alg types.SigningAlgorithmSpec, mt types.MessageType, msg, sig []byte) error {
	p, err := k.prepare(alg, mt, msg)
	if err != nil {
		return err
	}
	ok := false
	switch {
	case k.rsa != nil:
		if isPSS(alg) {
			ok = rsa.VerifyPSS(&k.rsa.PublicKey, signingHash(alg), p.digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(&k.rsa.PublicKey, signingHash(alg), p.digest, sig) == nil
		}
	case k.ec != nil:
		ok = ecdsa.VerifyASN1(&k.ec.PublicKey, p.digest, sig)
	case k.k1 != nil:
		if parsed, err := dcrecdsa.ParseDERSignature(sig); err == nil {
			ok = parsed.Verify(p.digest, k.k1.PubKey())
		}
	case k.ed != nil:
		pub := k.ed.Public().(ed25519.PublicKey)
		if p.digest != nil {
			ok = ed25519.VerifyWithOptions(pub, p.digest, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
		} else {
			ok = ed25519.Verify(pub, p.raw, sig)
		}
	case k.dsa != nil:
		if p.mu != nil {
			// filippo.io/mldsa v1.0.0 signs from μ but has no verification
			// from μ: that is verifyExternalMu, here.
			ok = verifyExternalMu(k.spec.KeySpec, k.dsa.PublicKey().Bytes(), p.mu, sig)
		} else {
			ok = mldsa.Verify(k.dsa.PublicKey(), p.raw, sig, nil) == nil
		}
	default:
		return errors.New("keyspec: key cannot verify")
	}
	if !ok {
		return &types.KMSInvalidSignatureException{}
	}
	return nil
}

// Sign loads the material and signs (see Key.Sign).
func Sign(s types.KeySpec, material []byte, alg types.SigningAlgorithmSpec, mt types.MessageType, msg []byte, rand io.Reader) ([]byte, error) {
	k, err := Load(s, material)
	if err != nil {
		return nil, err
	}
	return k.Sign(alg, mt, msg, rand)
}

// Verify loads the material and verifies (see Key.Verify).
func Verify(s types.KeySpec, material []byte, alg types.SigningAlgorithmSpec, mt types.MessageType, msg, sig []byte) error {
	k, err := Load(s, material)
	if err != nil {
		return err
	}
	return k.Verify(alg, mt, msg, sig)
}
