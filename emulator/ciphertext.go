package emulator

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/kmsgate/kmsgate"
)

// Symmetric ciphertext blob, format version 1:
//
//	offset  size  field
//	0       1     format version (1)
//	1       1     n = length of the key id
//	2       n     key id (ASCII: a UUID, or mrk- and 32 hex)
//	2+n     32    key-material id (the 64 hex characters, decoded)
//	34+n    12    AES-GCM nonce
//	46+n    ...   AES-256-GCM ciphertext and 16-byte tag
//
// The AAD authenticates every header byte (0 .. 46+n), the key's account and
// region, and the encryption context encoded without ambiguity (see
// encodeContext), so a blob opens only with its own key, material version,
// scope and exact context. A multi-Region key's blob binds its account but
// not its region, so that every replica of the key (same id, same material)
// opens it, as AWS's multi-Region keys do.
const (
	ciphertextVersion = 1
	materialIDLen     = 32
	nonceLen          = 12
	tagLen            = 16
)

// errBadCiphertext is any blob that does not parse.
var errBadCiphertext = errors.New("emulator: malformed ciphertext")

type ciphertext struct {
	keyID      string
	materialID string // 64 lowercase hex characters
	nonce      []byte
	header     []byte // every byte before the sealed part
	sealed     []byte
}

// parseCiphertext takes a blob apart without any key. It never panics.
func parseCiphertext(b []byte) (*ciphertext, error) {
	if len(b) < 2 || b[0] != ciphertextVersion {
		return nil, errBadCiphertext
	}
	n := int(b[1])
	headerLen := 2 + n + materialIDLen + nonceLen
	if n == 0 || len(b) < headerLen+tagLen {
		return nil, errBadCiphertext
	}
	keyID := string(b[2 : 2+n])
	if !IsKeyID(keyID) {
		return nil, errBadCiphertext
	}
	return &ciphertext{
		keyID:      keyID,
		materialID: hex.EncodeToString(b[2+n : 2+n+materialIDLen]),
		nonce:      b[2+n+materialIDLen : headerLen],
		header:     b[:headerLen],
		sealed:     b[headerLen:],
	}, nil
}

// newHeader builds the header of a new blob.
func newHeader(keyID, materialID string, nonce []byte) ([]byte, error) {
	mid, err := hex.DecodeString(materialID)
	if err != nil || len(mid) != materialIDLen || len(keyID) == 0 || len(keyID) > 255 || len(nonce) != nonceLen {
		return nil, errors.New("emulator: cannot build a ciphertext header")
	}
	h := make([]byte, 0, 2+len(keyID)+materialIDLen+nonceLen)
	h = append(h, ciphertextVersion, byte(len(keyID)))
	h = append(h, keyID...)
	h = append(h, mid...)
	return append(h, nonce...), nil
}

// encodeContext encodes an encryption context without ambiguity: the pair
// count, then each pair in byte order of its key, key and value each
// prefixed with its length (4 bytes, big-endian).
func encodeContext(ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	size := 4
	for k, v := range ec {
		keys = append(keys, k)
		size += 8 + len(k) + len(v)
	}
	slices.Sort(keys)
	out := make([]byte, 0, size)
	out = binary.BigEndian.AppendUint32(out, uint32(len(keys)))
	for _, k := range keys {
		out = appendLP(out, k)
		out = appendLP(out, ec[k])
	}
	return out
}

func appendLP(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func ciphertextAAD(header []byte, sc scope, keyID string, ec map[string]string) []byte {
	region := sc.region
	if kmsgate.IsMultiRegionKeyID(keyID) {
		region = "multi-region"
	}
	aad := make([]byte, 0, len(header)+64)
	aad = append(aad, header...)
	aad = appendLP(aad, "kmsgate-symmetric-v1")
	aad = appendLP(aad, sc.account)
	aad = appendLP(aad, region)
	return append(aad, encodeContext(ec)...)
}

// sealBlob encrypts plaintext under one material version of keyID.
func sealBlob(sc scope, keyID, materialID string, material, nonce, plaintext []byte, ec map[string]string) ([]byte, error) {
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	header, err := newHeader(keyID, materialID, nonce)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(header), len(header)+len(plaintext)+tagLen)
	copy(out, header)
	return aead.Seal(out, nonce, plaintext, ciphertextAAD(header, sc, keyID, ec)), nil
}

// openBlob decrypts a parsed blob with its material.
func openBlob(sc scope, c *ciphertext, material []byte, ec map[string]string) ([]byte, error) {
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	return aead.Open(nil, c.nonce, c.sealed, ciphertextAAD(c.header, sc, c.keyID, ec))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
