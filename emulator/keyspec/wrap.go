package keyspec

import (
	"crypto/aes"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

// GenerateWrappingKey makes the RSA key pair GetParametersForImport hands
// out: the private key as PKCS#8 DER (kept by the emulator) and the public
// key as DER SubjectPublicKeyInfo (the PublicKey field).
func GenerateWrappingKey(spec types.WrappingKeySpec, rand io.Reader) (privateKey, publicKey []byte, err error) {
	var bits int
	switch spec {
	case types.WrappingKeySpecRsa2048:
		bits = 2048
	case types.WrappingKeySpecRsa3072:
		bits = 3072
	case types.WrappingKeySpecRsa4096:
		bits = 4096
	case types.WrappingKeySpecSm2:
		return nil, nil, &types.UnsupportedOperationException{Message: str("WrappingKeySpec SM2 is available only in China Regions.")}
	default:
		return nil, nil, errEnum("wrappingKeySpec", spec, types.WrappingKeySpec("").Values())
	}
	key, err := rsa.GenerateKey(rand, bits)
	if err != nil {
		return nil, nil, err
	}
	if privateKey, err = x509.MarshalPKCS8PrivateKey(key); err != nil {
		return nil, nil, err
	}
	if publicKey, err = x509.MarshalPKIXPublicKey(&key.PublicKey); err != nil {
		return nil, nil, err
	}
	return privateKey, publicKey, nil
}

// CheckWrapping is GetParametersForImport's check of the wrapping
// algorithm and wrapping key spec against the KMS key's spec. AWS documents
// that an RSA private key must be wrapped with an RSA_AES_KEY_WRAP_*
// algorithm (RSAES_OAEP cannot carry it); other size limits show up as
// InvalidCiphertextException at import. The ValidationException text is
// AWS's (captured).
func CheckWrapping(s types.KeySpec, alg types.AlgorithmSpec, spec types.WrappingKeySpec) error {
	if !slices.Contains(types.WrappingKeySpec("").Values(), spec) {
		return errEnum("wrappingKeySpec", spec, types.WrappingKeySpec("").Values())
	}
	if alg != types.AlgorithmSpecRsaesPkcs1V15 {
		if _, _, err := wrappingHash(alg); err != nil {
			return err
		}
	}
	if spec == types.WrappingKeySpecSm2 {
		return &types.UnsupportedOperationException{Message: str("WrappingKeySpec SM2 is available only in China Regions.")}
	}
	row, err := lookupSupported(s)
	if err != nil {
		return err
	}
	// AWS's answer to a combination its table does not allow (captured
	// for RSAES_PKCS1_V1_5, and RSA_AES_KEY_WRAP_SHA_256, into a symmetric
	// key, RSAES_OAEP_SHA_256 into an RSA key): RSAES_PKCS1_V1_5 no longer
	// (since October 2023), RSA_AES_KEY_WRAP only for RSA and ECC private
	// keys, RSAES_OAEP for anything but RSA private keys, and not for
	// ECC_NIST_P521 (API reference, GetParametersForImport) nor
	// ECC_NIST_EDWARDS25519 (captured, radkawar/stackd
	// imports_families.json) under an RSA_2048 wrapping key.
	isRSA := row.Asymmetric && slices.Contains(row.EncryptionAlgorithms, types.EncryptionAlgorithmSpecRsaesOaepSha256)
	isECC := row.Asymmetric && !isRSA
	oaep := alg == types.AlgorithmSpecRsaesOaepSha1 || alg == types.AlgorithmSpecRsaesOaepSha256
	switch {
	case alg == types.AlgorithmSpecRsaesPkcs1V15,
		!oaep && !isRSA && !isECC,
		oaep && isRSA,
		oaep && (s == types.KeySpecEccNistP521 || s == types.KeySpecEccNistEdwards25519) && spec == types.WrappingKeySpecRsa2048:
		return kmsgate.NewValidationException("Wrapping algorithm %s and wrapping key spec %s cannot be used to import a %s key.", alg, spec, s)
	}
	return nil
}

// wrappingHash is the OAEP hash of a wrapping algorithm, and whether the
// algorithm adds an AES key wrap (CKM_RSA_AES_KEY_WRAP) around the material.
func wrappingHash(alg types.AlgorithmSpec) (h func() hash.Hash, aesWrap bool, err error) {
	switch alg {
	case types.AlgorithmSpecRsaesOaepSha1:
		return sha1.New, false, nil
	case types.AlgorithmSpecRsaesOaepSha256:
		return sha256.New, false, nil
	case types.AlgorithmSpecRsaAesKeyWrapSha1:
		return sha1.New, true, nil
	case types.AlgorithmSpecRsaAesKeyWrapSha256:
		return sha256.New, true, nil
	case types.AlgorithmSpecRsaesPkcs1V15:
		return nil, false, &types.UnsupportedOperationException{Message: str("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.")}
	case types.AlgorithmSpecSm2pke:
		return nil, false, &types.UnsupportedOperationException{Message: str("The SM2PKE wrapping algorithm is available only in China Regions.")}
	}
	return nil, false, errEnum("wrappingAlgorithm", alg, types.AlgorithmSpec("").Values())
}

// UnwrapImportedMaterial opens ImportKeyMaterial's EncryptedKeyMaterial with
// the wrapping private key (PKCS#8 DER from GenerateWrappingKey).
//
// RSAES_OAEP_SHA_*: the material is RSA-OAEP encrypted directly.
// RSA_AES_KEY_WRAP_SHA_*: an ephemeral AES key RSA-OAEP encrypted (modulus
// length bytes) followed by the material under AES key wrap with padding
// (RFC 5649). Anything that does not open is InvalidCiphertextException.
func UnwrapImportedMaterial(wrappingPrivateKey []byte, alg types.AlgorithmSpec, wrapped []byte) ([]byte, error) {
	h, aesWrap, err := wrappingHash(alg)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(wrappingPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("keyspec: wrapping key: %w", err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("keyspec: wrapping key is not RSA")
	}
	if !aesWrap {
		pt, err := rsa.DecryptOAEP(h(), nil, priv, wrapped, nil)
		if err != nil {
			return nil, &types.InvalidCiphertextException{}
		}
		return pt, nil
	}
	n := priv.Size()
	if len(wrapped) <= n {
		return nil, &types.InvalidCiphertextException{}
	}
	kek, err := rsa.DecryptOAEP(h(), nil, priv, wrapped[:n], nil)
	if err != nil {
		return nil, &types.InvalidCiphertextException{}
	}
	pt, err := AESKeyUnwrapPad(kek, wrapped[n:])
	if err != nil {
		return nil, &types.InvalidCiphertextException{}
	}
	return pt, nil
}

// WrapForImport is the client side of UnwrapImportedMaterial: it wraps the
// material under the wrapping public key (DER SubjectPublicKeyInfo) as the
// AWS import instructions do with OpenSSL. Tests and tools use it.
func WrapForImport(wrappingPublicKey []byte, alg types.AlgorithmSpec, material []byte, rand io.Reader) ([]byte, error) {
	h, aesWrap, err := wrappingHash(alg)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKIXPublicKey(wrappingPublicKey)
	if err != nil {
		return nil, err
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("keyspec: wrapping public key is not RSA")
	}
	if !aesWrap {
		return rsa.EncryptOAEP(h(), rand, pub, material, nil)
	}
	kek := make([]byte, 32)
	if _, err := io.ReadFull(rand, kek); err != nil {
		return nil, err
	}
	head, err := rsa.EncryptOAEP(h(), rand, pub, kek, nil)
	if err != nil {
		return nil, err
	}
	tail, err := AESKeyWrapPad(kek, material)
	if err != nil {
		return nil, err
	}
	return append(head, tail...), nil
}

// ParseImportedMaterial checks unwrapped import material against the KMS
// key's spec and returns it in this package's material form: 32 bytes for
// SYMMETRIC_DEFAULT; for HMAC keys from the hash length to the block size
// (HMAC_224 and HMAC_256: 28 or 32 to 64 bytes, HMAC_384 and HMAC_512: 48 or
// 64 to 128 bytes); a PKCS#8 DER private key of that spec for asymmetric
// keys. Material that does not fit is IncorrectKeyMaterialException.
func ParseImportedMaterial(s types.KeySpec, material []byte) ([]byte, error) {
	row, err := lookupSupported(s)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &types.IncorrectKeyMaterialException{Message: str(fmt.Sprintf(format, args...))}
	}
	if !row.Asymmetric {
		minLen, maxLen := secretLengths(row)
		if len(material) < minLen || len(material) > maxLen {
			// AWS answers material of the wrong length as a ciphertext it
			// cannot use: InvalidCiphertextException, no message (captured
			// for SYMMETRIC_DEFAULT and HMAC_224/256).
			return nil, &types.InvalidCiphertextException{}
		}
		return slices.Clone(material), nil
	}
	k, err := parseAsymmetric(material)
	if err != nil {
		return nil, bad("Key material for key spec %s must be a DER-encoded PKCS#8 private key.", s)
	}
	if k.spec.KeySpec != s {
		return nil, bad("The imported key material is a %s key, which does not match key spec %s.", k.spec.KeySpec, s)
	}
	return k.marshalPKCS8()
}

// kwpIV is the alternative initial value of RFC 5649, section 3.
const kwpIV = 0xA65959A6

// AESKeyWrapPad wraps plaintext under kek with AES key wrap with padding
// (RFC 5649).
func AESKeyWrapPad(kek, plaintext []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	if len(plaintext) == 0 || uint64(len(plaintext)) > 0xFFFFFFFF {
		return nil, errors.New("keyspec: key wrap plaintext must be 1 to 2^32-1 bytes")
	}
	var aiv [8]byte
	binary.BigEndian.PutUint32(aiv[:4], kwpIV)
	binary.BigEndian.PutUint32(aiv[4:], uint32(len(plaintext)))
	padded := make([]byte, (len(plaintext)+7)/8*8)
	copy(padded, plaintext)
	if len(padded) == 8 {
		out := make([]byte, 16)
		copy(out, aiv[:])
		copy(out[8:], padded)
		block.Encrypt(out, out)
		return out, nil
	}
	// RFC 3394 wrapping process W with the alternative initial value.
	n := len(padded) / 8
	out := make([]byte, 8+len(padded))
	copy(out[8:], padded)
	a := aiv
	var b [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:8*i+8], b[8:])
		}
	}
	copy(out[:8], a[:])
	return out, nil
}

// AESKeyUnwrapPad reverses AESKeyWrapPad, checking the integrity value, the
// length indicator and the padding (RFC 5649, section 4.2).
func AESKeyUnwrapPad(kek, ciphertext []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < 16 || len(ciphertext)%8 != 0 {
		return nil, errors.New("keyspec: key wrap ciphertext length must be a multiple of 8, at least 16")
	}
	n := len(ciphertext)/8 - 1
	var a [8]byte
	p := make([]byte, 8*n)
	if n == 1 {
		var b [16]byte
		block.Decrypt(b[:], ciphertext)
		copy(a[:], b[:8])
		copy(p, b[8:])
	} else {
		copy(a[:], ciphertext[:8])
		copy(p, ciphertext[8:])
		var b [16]byte
		for j := 5; j >= 0; j-- {
			for i := n; i >= 1; i-- {
				t := uint64(n*j + i)
				binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
				copy(b[8:], p[8*(i-1):8*i])
				block.Decrypt(b[:], b[:])
				copy(a[:], b[:8])
				copy(p[8*(i-1):8*i], b[8:])
			}
		}
	}
	mli := int(binary.BigEndian.Uint32(a[4:]))
	var iv [4]byte
	binary.BigEndian.PutUint32(iv[:], kwpIV)
	ok := subtle.ConstantTimeCompare(a[:4], iv[:]) == 1 && mli > 8*(n-1) && mli <= 8*n
	if !ok {
		return nil, errors.New("keyspec: key unwrap integrity check failed")
	}
	var pad byte
	for _, c := range p[mli:] {
		pad |= c
	}
	if pad != 0 {
		return nil, errors.New("keyspec: key unwrap integrity check failed")
	}
	return p[:mli], nil
}
