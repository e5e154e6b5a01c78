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
func parseCiphertext(b []byte) (ciphertext, error) {
	if len(b) < 2 || b[0] != ciphertextVersion {
		return ciphertext{}, errBadCiphertext
	}
	n := int(b[1])
	headerLen := 2 + n + materialIDLen + nonceLen
	if n == 0 || len(b) < headerLen+tagLen {
		return ciphertext{}, errBadCiphertext
	}
	keyID := string(b[2 : 2+n])
	if !kmsgate.IsKeyID(keyID) {
		return ciphertext{}, errBadCiphertext
	}
	var mid [2 * materialIDLen]byte
	hex.Encode(mid[:], b[2+n:2+n+materialIDLen])
	return ciphertext{
		keyID:      keyID,
		materialID: string(mid[:]), // one allocation, where EncodeToString makes two
		nonce:      b[2+n+materialIDLen : headerLen],
		header:     b[:headerLen],
		sealed:     b[headerLen:],
	}, nil
}

// headerPrefix is the header of a blob of keyID's material version
// materialID up to its nonce: the same for every blob of that version.
func headerPrefix(keyID, materialID string) ([]byte, error) {
	if len(materialID) != 2*materialIDLen || len(keyID) == 0 || len(keyID) > 255 {
		return nil, errHeader
	}
	dst := make([]byte, 0, headerSize(keyID)-nonceLen)
	dst = append(dst, ciphertextVersion, byte(len(keyID)))
	dst = append(dst, keyID...)
	for i := 0; i < len(materialID); i += 2 {
		hi, ok1 := fromHex(materialID[i])
		lo, ok2 := fromHex(materialID[i+1])
		if !ok1 || !ok2 {
			return nil, errHeader
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, nil
}

var errHeader = errors.New("emulator: cannot build a ciphertext header")

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// encodeContext encodes an encryption context without ambiguity: the pair
// count, then each pair in byte order of its key, key and value each
// prefixed with its length (4 bytes, big-endian).
func encodeContext(ec map[string]string) []byte {
	return appendContext(make([]byte, 0, contextSize(ec)), ec)
}

// contextSize is the length of encodeContext(ec).
func contextSize(ec map[string]string) int {
	size := 4
	for k, v := range ec {
		size += 8 + len(k) + len(v)
	}
	return size
}

// appendContext appends encodeContext(ec) to out.
func appendContext(out []byte, ec map[string]string) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(ec)))
	if len(ec) == 1 { // no order to establish
		for k, v := range ec {
			out = appendLP(out, k)
			out = appendLP(out, v)
		}
		return out
	}
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
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

// aadRegion is the region a blob of keyID binds: a multi-Region key's
// blob binds none (every replica opens it).
func aadRegion(sc scope, keyID string) string {
	if kmsgate.IsMultiRegionKeyID(keyID) {
		return "multi-region"
	}
	return sc.region
}

const aadLabel = "kmsgate-symmetric-v1"

// aadSize is the length of the AAD of a blob of keyID whose header is
// headerLen bytes long.
func aadSize(headerLen int, sc scope, keyID string, ec map[string]string) int {
	return headerLen + 12 + len(aadLabel) + len(sc.account) + len(aadRegion(sc, keyID)) + contextSize(ec)
}

// appendAAD appends the AAD of a blob to dst.
func appendAAD(dst, header []byte, sc scope, keyID string, ec map[string]string) []byte {
	dst = append(dst, header...)
	dst = appendLP(dst, aadLabel)
	dst = appendLP(dst, sc.account)
	dst = appendLP(dst, aadRegion(sc, keyID))
	return appendContext(dst, ec)
}

// sealBlob encrypts plaintext under one material version of keyID, whose
// header up to the nonce is prefix (headerPrefix) and whose cipher is
// aead, with a nonce of nonceLen bytes. The blob is built in buf's spare
// capacity (buf is empty), the AAD after it, when there is room for both
// (sealSpace); else in a new buffer: one allocation either way.
func sealBlob(buf []byte, sc scope, keyID string, prefix []byte, aead cipher.AEAD, nonce, plaintext []byte, ec map[string]string) []byte {
	blobLen := headerSize(keyID) + len(plaintext) + tagLen
	if space := sealSpace(sc, keyID, len(plaintext), ec); cap(buf) < space {
		buf = make([]byte, 0, space)
	}
	header := append(append(buf[:0:blobLen], prefix...), nonce...)
	aad := appendAAD(buf[blobLen:blobLen], header, sc, keyID, ec)
	return aead.Seal(header, nonce, plaintext, aad)
}

// sealSpace is the capacity sealBlob uses for n bytes of plaintext.
func sealSpace(sc scope, keyID string, n int, ec map[string]string) int {
	headerLen := headerSize(keyID)
	return headerLen + n + tagLen + aadSize(headerLen, sc, keyID, ec)
}

// headerSize is the length of the header of a blob of keyID.
func headerSize(keyID string) int { return 2 + len(keyID) + materialIDLen + nonceLen }

// openBlob decrypts a parsed blob with its material's cipher. The
// plaintext and the AAD share one allocation (the AAD after the
// plaintext's capacity).
func openBlob(sc scope, c ciphertext, aead cipher.AEAD, ec map[string]string) ([]byte, error) {
	ptLen := len(c.sealed) - tagLen // parseCiphertext keeps at least a tag
	buf := make([]byte, 0, ptLen+aadSize(len(c.header), sc, c.keyID, ec))
	aad := appendAAD(buf[ptLen:ptLen], c.header, sc, c.keyID, ec)
	return aead.Open(buf[:0:ptLen], c.nonce, c.sealed, aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
