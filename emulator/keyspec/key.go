package keyspec

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"filippo.io/mldsa"
	mldsax509 "filippo.io/mldsa/x509"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/kem/mlkem/mlkem1024"
	"github.com/cloudflare/circl/kem/mlkem/mlkem512"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Key is loaded key material of one spec, ready for the operations. Load it
// once and reuse it: parsing an RSA key costs more than signing with it. A
// Key is never changed after Load and is safe for concurrent use.
type Key struct {
	spec   Spec
	secret []byte // SYMMETRIC_DEFAULT and HMAC_*
	rsa    *rsa.PrivateKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	k1     *secp256k1.PrivateKey
	dsa    *mldsa.PrivateKey
	kemSK  kem.PrivateKey
	kemPK  kem.PublicKey
	der    []byte // the material as loaded
}

// Spec returns the key's table row.
func (k *Key) Spec() Spec { return k.spec }

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	oidMLKEM512    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 1}
	oidMLKEM768    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 2}
	oidMLKEM1024   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 3}
	oidMLDSA44     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}
	oidMLDSA65     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}
	oidMLDSA87     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}
)

// pkcs8 is OneAsymmetricKey (RFC 5958) with the optional tail kept raw.
type pkcs8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
	Attributes asn1.RawValue `asn1:"optional,tag:0"`
	PublicKey  asn1.RawValue `asn1:"optional,tag:1"`
}

type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

type subjectPublicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

func kemScheme(s types.KeySpec) kem.Scheme {
	switch s {
	case types.KeySpecMlKem512:
		return mlkem512.Scheme()
	case types.KeySpecMlKem768:
		return mlkem768.Scheme()
	case types.KeySpecMlKem1024:
		return mlkem1024.Scheme()
	}
	return nil
}

func kemOID(s types.KeySpec) asn1.ObjectIdentifier {
	switch s {
	case types.KeySpecMlKem512:
		return oidMLKEM512
	case types.KeySpecMlKem768:
		return oidMLKEM768
	case types.KeySpecMlKem1024:
		return oidMLKEM1024
	}
	return nil
}

func mldsaParams(s types.KeySpec) (mldsa.Parameters, bool) {
	switch s {
	case types.KeySpecMlDsa44:
		return mldsa.MLDSA44(), true
	case types.KeySpecMlDsa65:
		return mldsa.MLDSA65(), true
	case types.KeySpecMlDsa87:
		return mldsa.MLDSA87(), true
	}
	return mldsa.Parameters{}, false
}

func nistCurve(s types.KeySpec) elliptic.Curve {
	switch s {
	case types.KeySpecEccNistP256:
		return elliptic.P256()
	case types.KeySpecEccNistP384:
		return elliptic.P384()
	case types.KeySpecEccNistP521:
		return elliptic.P521()
	}
	return nil
}

// Generate makes new key material of the spec (forms in the package doc).
// The reader is used where the algorithm lets the caller choose the
// randomness (Go's RSA, ECDSA and ML-DSA key generation always use
// crypto/rand).
func Generate(s types.KeySpec, rand io.Reader) ([]byte, error) {
	row, err := lookupSupported(s)
	if err != nil {
		return nil, err
	}
	switch {
	case s == types.KeySpecSymmetricDefault || len(row.MacAlgorithms) > 0:
		b := make([]byte, row.KeyBits/8)
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, err
		}
		return b, nil
	case len(row.EncryptionAlgorithms) > 0 && row.KeyBits >= 2048: // RSA
		key, err := rsa.GenerateKey(rand, row.KeyBits)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(key)
	case nistCurve(s) != nil:
		key, err := ecdsa.GenerateKey(nistCurve(s), rand)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(key)
	case s == types.KeySpecEccSecgP256k1:
		key, err := secp256k1.GeneratePrivateKeyFromRand(rand)
		if err != nil {
			return nil, err
		}
		return marshalSecp256k1PKCS8(key)
	case s == types.KeySpecEccNistEdwards25519:
		_, key, err := ed25519.GenerateKey(rand)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(key)
	case kemScheme(s) != nil:
		seed := make([]byte, kemScheme(s).SeedSize())
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, err
		}
		return marshalMLKEMPKCS8(s, seed)
	default:
		params, _ := mldsaParams(s)
		seed := make([]byte, mldsa.PrivateKeySize)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, err
		}
		key, err := mldsa.NewPrivateKey(params, seed)
		if err != nil {
			return nil, err
		}
		return mldsax509.MarshalPKCS8PrivateKey(key)
	}
}

// Load parses material of the spec. An error means the material is not a key
// of that spec; it is not a client fault (stored material is trusted).
func Load(s types.KeySpec, material []byte) (*Key, error) {
	row, err := lookupSupported(s)
	if err != nil {
		return nil, err
	}
	k := &Key{spec: row, der: material}
	if s == types.KeySpecSymmetricDefault || len(row.MacAlgorithms) > 0 {
		if err := checkSecretLength(row, len(material)); err != nil {
			return nil, err
		}
		k.secret = material
		return k, nil
	}
	got, err := parseAsymmetric(material)
	if err != nil {
		return nil, err
	}
	if got.spec.KeySpec != s {
		return nil, fmt.Errorf("keyspec: material is a %s key, not %s", got.spec.KeySpec, s)
	}
	got.der = material
	return got, nil
}

// secretLengths are the lengths AWS accepts for imported symmetric and HMAC
// material: SYMMETRIC_DEFAULT exactly 32 bytes; an HMAC key from its hash's
// output size up to its block size.
func secretLengths(row Spec) (minLen, maxLen int) {
	switch row.KeySpec {
	case types.KeySpecSymmetricDefault:
		return 32, 32
	case types.KeySpecHmac224, types.KeySpecHmac256:
		return row.KeyBits / 8, 64
	default:
		return row.KeyBits / 8, 128
	}
}

func checkSecretLength(row Spec, n int) error {
	minLen, maxLen := secretLengths(row)
	if n < minLen || n > maxLen {
		return fmt.Errorf("keyspec: %s key material must be %d to %d bytes, got %d", row.KeySpec, minLen, maxLen, n)
	}
	return nil
}

// parseAsymmetric reads a PKCS#8 private key of any asymmetric spec.
func parseAsymmetric(der []byte) (*Key, error) {
	var p pkcs8
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil {
		return nil, fmt.Errorf("keyspec: not PKCS#8: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("keyspec: trailing data after PKCS#8")
	}
	alg := p.Algo.Algorithm
	switch {
	case alg.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Algo.Parameters.FullBytes, &curve); err == nil && curve.Equal(oidSecp256k1) {
			key, err := parseSecp256k1SEC1(p.PrivateKey)
			if err != nil {
				return nil, err
			}
			return keyFromSecp256k1(key), nil
		}
	case alg.Equal(oidMLKEM512), alg.Equal(oidMLKEM768), alg.Equal(oidMLKEM1024):
		return parseMLKEM(alg, p)
	case alg.Equal(oidMLDSA44), alg.Equal(oidMLDSA65), alg.Equal(oidMLDSA87):
		return parseMLDSA(alg, p)
	}
	key, err := mldsax509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keyspec: %w", err)
	}
	return keyFromCrypto(key)
}

func keyFromSecp256k1(key *secp256k1.PrivateKey) *Key {
	row, _ := Lookup(types.KeySpecEccSecgP256k1)
	return &Key{spec: row, k1: key}
}

// keyFromCrypto wraps a key that Go's x509 (or filippo.io/mldsa/x509) parsed.
func keyFromCrypto(key any) (*Key, error) {
	var s types.KeySpec
	k := &Key{}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		switch key.N.BitLen() {
		case 2048:
			s = types.KeySpecRsa2048
		case 3072:
			s = types.KeySpecRsa3072
		case 4096:
			s = types.KeySpecRsa4096
		default:
			return nil, fmt.Errorf("keyspec: RSA key of %d bits has no KMS key spec", key.N.BitLen())
		}
		k.rsa = key
	case *ecdsa.PrivateKey:
		switch key.Curve {
		case elliptic.P256():
			s = types.KeySpecEccNistP256
		case elliptic.P384():
			s = types.KeySpecEccNistP384
		case elliptic.P521():
			s = types.KeySpecEccNistP521
		default:
			return nil, errors.New("keyspec: unsupported elliptic curve")
		}
		k.ec = key
	case ed25519.PrivateKey:
		s = types.KeySpecEccNistEdwards25519
		k.ed = key
	case *mldsa.PrivateKey:
		switch key.PublicKey().Parameters() {
		case mldsa.MLDSA44():
			s = types.KeySpecMlDsa44
		case mldsa.MLDSA65():
			s = types.KeySpecMlDsa65
		default:
			s = types.KeySpecMlDsa87
		}
		k.dsa = key
	case *ecdh.PrivateKey:
		return nil, errors.New("keyspec: X25519 keys have no KMS key spec")
	default:
		return nil, fmt.Errorf("keyspec: unsupported private key type %T", key)
	}
	k.spec, _ = Lookup(s)
	return k, nil
}

// marshalPKCS8 writes the key in the package's material form.
func (k *Key) marshalPKCS8() ([]byte, error) {
	switch {
	case k.secret != nil:
		return k.secret, nil
	case k.rsa != nil:
		return x509.MarshalPKCS8PrivateKey(k.rsa)
	case k.ec != nil:
		return x509.MarshalPKCS8PrivateKey(k.ec)
	case k.ed != nil:
		return x509.MarshalPKCS8PrivateKey(k.ed)
	case k.k1 != nil:
		return marshalSecp256k1PKCS8(k.k1)
	case k.dsa != nil:
		return mldsax509.MarshalPKCS8PrivateKey(k.dsa)
	case k.kemSK != nil:
		return k.der, nil
	}
	return nil, errors.New("keyspec: empty key")
}

// PublicKeyDER returns the DER SubjectPublicKeyInfo of an asymmetric key, as
// GetPublicKey answers it.
func (k *Key) PublicKeyDER() ([]byte, error) {
	switch {
	case k.rsa != nil:
		return x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	case k.ec != nil:
		return x509.MarshalPKIXPublicKey(&k.ec.PublicKey)
	case k.ed != nil:
		return x509.MarshalPKIXPublicKey(k.ed.Public())
	case k.k1 != nil:
		params, _ := asn1.Marshal(oidSecp256k1)
		return asn1.Marshal(subjectPublicKeyInfo{
			Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
			PublicKey: asn1.BitString{Bytes: k.k1.PubKey().SerializeUncompressed(), BitLength: 65 * 8},
		})
	case k.dsa != nil:
		return mldsax509.MarshalPKIXPublicKey(k.dsa.PublicKey())
	case k.kemPK != nil:
		pk, err := k.kemPK.MarshalBinary()
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(subjectPublicKeyInfo{
			Algorithm: pkix.AlgorithmIdentifier{Algorithm: kemOID(k.spec.KeySpec)},
			PublicKey: asn1.BitString{Bytes: pk, BitLength: len(pk) * 8},
		})
	}
	return nil, &types.UnsupportedOperationException{Message: str(fmt.Sprintf("KeySpec %s has no public key.", k.spec.KeySpec))}
}

// PublicKeyDER loads the material and returns its public key (see
// Key.PublicKeyDER).
func PublicKeyDER(s types.KeySpec, material []byte) ([]byte, error) {
	k, err := Load(s, material)
	if err != nil {
		return nil, err
	}
	return k.PublicKeyDER()
}

func marshalSecp256k1PKCS8(key *secp256k1.PrivateKey) ([]byte, error) {
	priv := key.Serialize()
	pub := key.PubKey().SerializeUncompressed()
	// The curve is named in the PKCS#8 AlgorithmIdentifier, so (as Go's
	// x509 does for the NIST curves) the inner ECPrivateKey omits it.
	inner, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: priv,
		PublicKey: asn1.BitString{Bytes: pub, BitLength: len(pub) * 8}})
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(oidSecp256k1)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(pkcs8{Algo: pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}, PrivateKey: inner})
}

func parseSecp256k1SEC1(der []byte) (*secp256k1.PrivateKey, error) {
	var ec ecPrivateKey
	rest, err := asn1.Unmarshal(der, &ec)
	if err != nil {
		return nil, fmt.Errorf("keyspec: bad secp256k1 private key: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("keyspec: trailing data after secp256k1 private key")
	}
	if ec.Version != 1 {
		return nil, fmt.Errorf("keyspec: unknown EC private key version %d", ec.Version)
	}
	if len(ec.NamedCurveOID) > 0 && !ec.NamedCurveOID.Equal(oidSecp256k1) {
		return nil, errors.New("keyspec: EC private key is not on secp256k1")
	}
	var d secp256k1.ModNScalar
	if len(ec.PrivateKey) > 32 || d.SetByteSlice(ec.PrivateKey) || d.IsZero() {
		return nil, errors.New("keyspec: invalid secp256k1 private scalar")
	}
	key := secp256k1.PrivKeyFromBytes(ec.PrivateKey)
	if len(ec.PublicKey.Bytes) > 0 {
		pub, err := secp256k1.ParsePubKey(ec.PublicKey.Bytes)
		if err != nil || !pub.IsEqual(key.PubKey()) {
			return nil, errors.New("keyspec: secp256k1 public key does not match the private key")
		}
	}
	return key, nil
}

// pqSeed returns the seed of an ML-DSA or ML-KEM PKCS#8 private key. Of the
// three private key encodings (RFC 9881 / RFC 9935) it takes the seed form
// and the "both" form, whose expanded key must be the one the seed derives
// (expanded is the key that circl derives from a seed); an expanded key
// alone has no seed to keep.
func pqSeed(p pkcs8, size int, expanded func(seed []byte) ([]byte, error)) ([]byte, error) {
	if len(p.Algo.Parameters.FullBytes) != 0 {
		return nil, errors.New("keyspec: ML-DSA / ML-KEM private key has parameters")
	}
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(p.PrivateKey, &raw)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("keyspec: malformed ML-DSA / ML-KEM private key")
	}
	switch {
	case raw.Class == asn1.ClassContextSpecific && raw.Tag == 0 && !raw.IsCompound:
		if len(raw.Bytes) != size {
			return nil, fmt.Errorf("keyspec: seed is %d bytes, want %d", len(raw.Bytes), size)
		}
		return raw.Bytes, nil
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagSequence:
		var both struct {
			Seed     []byte
			Expanded []byte
		}
		if rest, err := asn1.Unmarshal(p.PrivateKey, &both); err != nil || len(rest) != 0 || len(both.Seed) != size {
			return nil, errors.New("keyspec: malformed seed-and-expanded private key")
		}
		want, err := expanded(both.Seed)
		if err != nil || !bytes.Equal(want, both.Expanded) {
			return nil, errors.New("keyspec: the expanded private key does not match its seed")
		}
		return both.Seed, nil
	}
	return nil, errors.New("keyspec: an expanded ML-DSA / ML-KEM private key without its seed is not supported")
}

func marshalMLKEMPKCS8(s types.KeySpec, seed []byte) ([]byte, error) {
	priv := append([]byte{0x80, byte(len(seed))}, seed...)
	return asn1.Marshal(pkcs8{Algo: pkix.AlgorithmIdentifier{Algorithm: kemOID(s)}, PrivateKey: priv})
}

func parseMLKEM(alg asn1.ObjectIdentifier, p pkcs8) (*Key, error) {
	var s types.KeySpec
	for _, c := range []types.KeySpec{types.KeySpecMlKem512, types.KeySpecMlKem768, types.KeySpecMlKem1024} {
		if kemOID(c).Equal(alg) {
			s = c
		}
	}
	scheme := kemScheme(s)
	seed, err := pqSeed(p, scheme.SeedSize(), func(seed []byte) ([]byte, error) {
		_, sk := scheme.DeriveKeyPair(seed)
		return sk.MarshalBinary()
	})
	if err != nil {
		return nil, err
	}
	pk, sk := scheme.DeriveKeyPair(seed)
	row, _ := Lookup(s)
	der, err := marshalMLKEMPKCS8(s, seed)
	if err != nil {
		return nil, err
	}
	return &Key{spec: row, kemSK: sk, kemPK: pk, der: der}, nil
}

func parseMLDSA(alg asn1.ObjectIdentifier, p pkcs8) (*Key, error) {
	var s types.KeySpec
	var scheme sign.Scheme
	switch {
	case alg.Equal(oidMLDSA44):
		s, scheme = types.KeySpecMlDsa44, mldsa44.Scheme()
	case alg.Equal(oidMLDSA65):
		s, scheme = types.KeySpecMlDsa65, mldsa65.Scheme()
	default:
		s, scheme = types.KeySpecMlDsa87, mldsa87.Scheme()
	}
	seed, err := pqSeed(p, mldsa.PrivateKeySize, func(seed []byte) ([]byte, error) {
		_, sk := scheme.DeriveKey(seed)
		return sk.MarshalBinary()
	})
	if err != nil {
		return nil, err
	}
	params, _ := mldsaParams(s)
	key, err := mldsa.NewPrivateKey(params, seed)
	if err != nil {
		return nil, err
	}
	return keyFromCrypto(key)
}

// ParsePrivateKey reads a private key in PEM or DER, as PKCS#8, PKCS#1 (RSA)
// or SEC 1 (EC), and returns its key spec and the material in this package's
// form. It is for seed files and other trusted local input; imported
// material goes through ParseImportedMaterial.
func ParsePrivateKey(data []byte) (types.KeySpec, []byte, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		der = block.Bytes
	}
	k, err := parseAnyPrivateKey(der)
	if err != nil {
		return "", nil, err
	}
	material, err := k.marshalPKCS8()
	if err != nil {
		return "", nil, err
	}
	return k.spec.KeySpec, material, nil
}

func parseAnyPrivateKey(der []byte) (*Key, error) {
	k, err8 := parseAsymmetric(der)
	if err8 == nil {
		return k, nil
	}
	if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return keyFromCrypto(key)
	}
	if key, err := x509.ParseECPrivateKey(der); err == nil {
		return keyFromCrypto(key)
	}
	if key, err := parseSecp256k1SEC1(der); err == nil {
		var ec ecPrivateKey
		if _, err := asn1.Unmarshal(der, &ec); err == nil && ec.NamedCurveOID.Equal(oidSecp256k1) {
			return keyFromSecp256k1(key), nil
		}
	}
	return nil, fmt.Errorf("keyspec: not a PKCS#8, PKCS#1 or SEC 1 private key (%v)", err8)
}
