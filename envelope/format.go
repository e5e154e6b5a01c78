package envelope

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// The ciphertext format, version 1. All integers are big-endian.
//
//	offset      size  field
//	0           1     format version, 0x01
//	1           1     algorithm, 0x01 = AES-256-GCM with a 12-byte nonce and a 16-byte tag
//	2           1     T = tenant length, 1..255
//	3           T     tenant (the value of the "tenant" encryption context of the data key)
//	3+T         2     E = length of the KMS-encrypted data key, 1..65535
//	5+T         E     the KMS-encrypted data key: the CiphertextBlob of GenerateDataKey
//	5+T+E       12    GCM nonce
//	17+T+E      n+16  the sealed field: AES-256-GCM ciphertext followed by its tag
//
// The header (bytes 0 to 5+T+E, that is everything before the nonce) is the
// GCM additional data, so the version, algorithm, tenant and encrypted data key
// cannot be changed without the open failing. The tenant is also bound to the
// data key by KMS: it is the encryption context under which GenerateDataKey
// made the key, and Decrypt must present the same context.
//
// Anyone with kms:Decrypt on the master key can open a field with this
// description alone: parse, call KMS Decrypt on the encrypted data key with
// the encryption context {"tenant": <tenant>}, then AES-256-GCM open the sealed
// field with the nonce and the header as additional data.
//
// The text form is TextPrefix followed by the binary form in unpadded
// URL-safe base64 (RFC 4648 section 5), for text columns.
const (
	// Version1 is the only format version this package writes and reads.
	Version1 byte = 0x01
	// AlgAES256GCM is AES-256-GCM, 12-byte nonce, 16-byte tag.
	AlgAES256GCM byte = 0x01
	// TextPrefix starts the text form of a ciphertext.
	TextPrefix = "kmsgate:"

	// EncryptionContextKey is the encryption context key naming the tenant
	// on GenerateDataKey and Decrypt.
	EncryptionContextKey = "tenant"

	nonceSize    = 12
	tagSize      = 16
	dataKeySize  = 32
	maxTenantLen = 255
	maxEDKLen    = 65535
	fixedHeader  = 3 // version, algorithm, tenant length
)

// Ciphertext is a parsed field ciphertext. Its byte slices point into the
// buffer given to Parse.
type Ciphertext struct {
	Version          byte
	Algorithm        byte
	Tenant           string
	EncryptedDataKey []byte
	Nonce            []byte
	Sealed           []byte // GCM ciphertext followed by the tag
	Header           []byte // the authenticated header: everything before the nonce
}

// parsed is Ciphertext without the tenant string allocation, for the hot path.
type parsed struct {
	tenant []byte
	edk    []byte
	nonce  []byte
	sealed []byte
	header []byte
}

// Parse reads the binary form of a ciphertext. It checks the structure only;
// authenticity is checked when the field is opened. Errors match ErrCorrupt.
func Parse(b []byte) (Ciphertext, error) {
	p, err := parse(b)
	if err != nil {
		return Ciphertext{}, err
	}
	return Ciphertext{
		Version:          b[0],
		Algorithm:        b[1],
		Tenant:           string(p.tenant),
		EncryptedDataKey: p.edk,
		Nonce:            p.nonce,
		Sealed:           p.sealed,
		Header:           p.header,
	}, nil
}

func parse(b []byte) (parsed, error) {
	if len(b) < fixedHeader {
		return parsed{}, corrupt("%d bytes is shorter than the %d-byte header", len(b), fixedHeader)
	}
	if b[0] != Version1 {
		return parsed{}, corrupt("unknown format version %d (this build reads version %d)", b[0], Version1)
	}
	if b[1] != AlgAES256GCM {
		return parsed{}, corrupt("unknown algorithm %d", b[1])
	}
	t := int(b[2])
	if t == 0 {
		return parsed{}, corrupt("empty tenant")
	}
	off := fixedHeader
	if len(b) < off+t+2 {
		return parsed{}, corrupt("truncated in the tenant or the data key length")
	}
	tenant := b[off : off+t]
	off += t
	e := int(binary.BigEndian.Uint16(b[off:]))
	off += 2
	if e == 0 {
		return parsed{}, corrupt("empty encrypted data key")
	}
	if len(b) < off+e+nonceSize+tagSize {
		return parsed{}, corrupt("truncated: %d bytes, need at least %d", len(b), off+e+nonceSize+tagSize)
	}
	edk := b[off : off+e]
	off += e
	return parsed{
		tenant: tenant,
		edk:    edk,
		nonce:  b[off : off+nonceSize],
		sealed: b[off+nonceSize:],
		header: b[:off],
	}, nil
}

// appendHeader appends the header of a ciphertext under the given tenant and
// encrypted data key.
func appendHeader(dst []byte, tenant string, edk []byte) []byte {
	dst = append(dst, Version1, AlgAES256GCM, byte(len(tenant)))
	dst = append(dst, tenant...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(edk)))
	return append(dst, edk...)
}

// EncodeText returns the text form of a binary ciphertext.
func EncodeText(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(TextPrefix) + base64.RawURLEncoding.EncodedLen(len(b)))
	sb.WriteString(TextPrefix)
	enc := base64.NewEncoder(base64.RawURLEncoding, &sb)
	enc.Write(b)
	enc.Close()
	return sb.String()
}

// DecodeText returns the binary form of a text ciphertext. Leading and
// trailing white space is ignored. Errors match ErrCorrupt.
func DecodeText(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, TextPrefix)
	if !ok {
		return nil, corrupt("text ciphertext does not start with %q", TextPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, corrupt("text ciphertext is not unpadded URL-safe base64: %v", err)
	}
	return b, nil
}

func corrupt(format string, args ...any) error {
	return &CorruptError{Reason: fmt.Sprintf(format, args...)}
}
