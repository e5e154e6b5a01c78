package keyspec

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"hash"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

// Encrypt encrypts with an RSA key (RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256,
// MGF1 with the same hash, empty label). SYMMETRIC_DEFAULT is the emulator's
// own ciphertext format and not done here.
func (k *Key) Encrypt(alg types.EncryptionAlgorithmSpec, plaintext []byte, rand io.Reader) ([]byte, error) {
	h, err := k.checkEncryption(alg)
	if err != nil {
		return nil, err
	}
	if err := checkMessageLength("plaintext", plaintext); err != nil {
		return nil, err
	}
	if limit := k.spec.MaxPlaintext(alg); len(plaintext) > limit {
		return nil, kmsgate.NewValidationException("Algorithm %s and key spec %s cannot encrypt data larger than %d bytes.", alg, k.spec.KeySpec, limit)
	}
	return rsa.EncryptOAEP(h, rand, &k.rsa.PublicKey, plaintext, nil)
}

// Decrypt reverses Encrypt; a ciphertext that does not open is
// InvalidCiphertextException with no message, as AWS answers.
func (k *Key) Decrypt(alg types.EncryptionAlgorithmSpec, ciphertext []byte) ([]byte, error) {
	h, err := k.checkEncryption(alg)
	if err != nil {
		return nil, err
	}
	pt, err := rsa.DecryptOAEP(h, nil, k.rsa, ciphertext, nil)
	if err != nil {
		return nil, &types.InvalidCiphertextException{}
	}
	return pt, nil
}

func (k *Key) checkEncryption(alg types.EncryptionAlgorithmSpec) (hash.Hash, error) {
	if alg == "" {
		alg = types.EncryptionAlgorithmSpecSymmetricDefault
	}
	if !slices.Contains(types.EncryptionAlgorithmSpec("").Values(), alg) {
		return nil, errEnum("encryptionAlgorithm", alg, types.EncryptionAlgorithmSpec("").Values())
	}
	if !slices.Contains(k.spec.EncryptionAlgorithms, alg) {
		return nil, errIncompatible(alg, k.spec.KeySpec)
	}
	if k.rsa == nil {
		return nil, errors.New("keyspec: SYMMETRIC_DEFAULT encryption is the emulator's own ciphertext format")
	}
	ch, _ := oaepHash(alg)
	return ch.New(), nil
}

// DeriveSharedSecret runs ECDH between the key and the peer's public key
// (DER SubjectPublicKeyInfo on the same curve) and returns the raw shared
// secret, the x-coordinate, as AWS does.
func (k *Key) DeriveSharedSecret(alg types.KeyAgreementAlgorithmSpec, peerPublicKey []byte) ([]byte, error) {
	if !slices.Contains(types.KeyAgreementAlgorithmSpec("").Values(), alg) {
		return nil, errEnum("keyAgreementAlgorithm", alg, types.KeyAgreementAlgorithmSpec("").Values())
	}
	if !slices.Contains(k.spec.KeyAgreementAlgorithms, alg) || k.ec == nil {
		return nil, errIncompatible(alg, k.spec.KeySpec)
	}
	// A peer key that is not DER, or on another curve: AWS answers a
	// ValidationException with an empty message (recorded; captured). Off
	// the curve is taken to be answered alike (unverified).
	pub, err := x509.ParsePKIXPublicKey(peerPublicKey)
	if err != nil {
		return nil, kmsgate.NewValidationException("")
	}
	peer, ok := pub.(*ecdsa.PublicKey)
	if !ok || peer.Curve != k.ec.Curve {
		return nil, kmsgate.NewValidationException("")
	}
	peerECDH, err := peer.ECDH()
	if err != nil {
		return nil, kmsgate.NewValidationException("")
	}
	priv, err := k.ec.ECDH()
	if err != nil {
		return nil, err
	}
	return priv.ECDH(peerECDH)
}

func (k *Key) checkKEM(alg types.EncapsulationAlgorithmSpec) error {
	if !slices.Contains(types.EncapsulationAlgorithmSpec("").Values(), alg) {
		return errEnum("encapsulationAlgorithm", alg, types.EncapsulationAlgorithmSpec("").Values())
	}
	if !slices.Contains(k.spec.EncapsulationAlgorithms, alg) || k.kemSK == nil {
		return errIncompatible(alg, k.spec.KeySpec)
	}
	return nil
}

// Encapsulate makes a 32-byte shared secret and its ciphertext under the
// key's ML-KEM public key; the randomness comes from rand.
func (k *Key) Encapsulate(alg types.EncapsulationAlgorithmSpec, rand io.Reader) (ciphertext, sharedSecret []byte, err error) {
	if err := k.checkKEM(alg); err != nil {
		return nil, nil, err
	}
	scheme := k.kemPK.Scheme()
	seed := make([]byte, scheme.EncapsulationSeedSize())
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, nil, err
	}
	return scheme.EncapsulateDeterministically(k.kemPK, seed)
}

// Decapsulate recovers the shared secret. A ciphertext of the wrong length
// is InvalidCiphertextException; any other ciphertext gives 32 bytes
// (ML-KEM's implicit rejection), as AWS documents.
func (k *Key) Decapsulate(alg types.EncapsulationAlgorithmSpec, ciphertext []byte) ([]byte, error) {
	if err := k.checkKEM(alg); err != nil {
		return nil, err
	}
	scheme := k.kemSK.Scheme()
	if len(ciphertext) != scheme.CiphertextSize() {
		return nil, &types.InvalidCiphertextException{}
	}
	return scheme.Decapsulate(k.kemSK, ciphertext)
}

func macHash(alg types.MacAlgorithmSpec) func() hash.Hash {
	switch alg {
	case types.MacAlgorithmSpecHmacSha224:
		return sha256.New224
	case types.MacAlgorithmSpecHmacSha256:
		return sha256.New
	case types.MacAlgorithmSpecHmacSha384:
		return sha512.New384
	case types.MacAlgorithmSpecHmacSha512:
		return sha512.New
	}
	return nil
}

// GenerateMac computes the HMAC (RFC 2104) of the message.
func (k *Key) GenerateMac(alg types.MacAlgorithmSpec, msg []byte) ([]byte, error) {
	if !slices.Contains(types.MacAlgorithmSpec("").Values(), alg) {
		return nil, errEnum("macAlgorithm", alg, types.MacAlgorithmSpec("").Values())
	}
	if err := checkMessageLength("message", msg); err != nil {
		return nil, err
	}
	if !slices.Contains(k.spec.MacAlgorithms, alg) {
		return nil, errIncompatible(alg, k.spec.KeySpec)
	}
	m := hmac.New(macHash(alg), k.secret)
	m.Write(msg)
	return m.Sum(nil), nil
}

// VerifyMac is nil when mac is the message's HMAC, and
// *types.KMSInvalidMacException (no message) when it is not.
func (k *Key) VerifyMac(alg types.MacAlgorithmSpec, msg, mac []byte) error {
	want, err := k.GenerateMac(alg, msg)
	if err != nil {
		return err
	}
	if !hmac.Equal(want, mac) {
		return &types.KMSInvalidMacException{}
	}
	return nil
}

// GenerateDataKeyPair makes a key pair of the DataKeyPairSpec and returns
// the private key in PKCS#8 DER and the public key in DER
// SubjectPublicKeyInfo, as GenerateDataKeyPair answers them.
func GenerateDataKeyPair(spec types.DataKeyPairSpec, rand io.Reader) (privateKey, publicKey []byte, err error) {
	if !slices.Contains(types.DataKeyPairSpec("").Values(), spec) {
		return nil, nil, errEnum("keyPairSpec", spec, types.DataKeyPairSpec("").Values())
	}
	s := types.KeySpec(spec) // every DataKeyPairSpec value is also a KeySpec value
	priv, err := Generate(s, rand)
	if err != nil {
		return nil, nil, err
	}
	k, err := Load(s, priv)
	if err != nil {
		return nil, nil, err
	}
	pub, err := k.PublicKeyDER()
	if err != nil {
		return nil, nil, err
	}
	return priv, pub, nil
}

// Secret returns the raw bytes of a SYMMETRIC_DEFAULT or HMAC key.
func (k *Key) Secret() ([]byte, error) {
	if k.secret == nil {
		return nil, errors.New("keyspec: not a symmetric key")
	}
	return k.secret, nil
}
