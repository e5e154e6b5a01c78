package emulator

import (
	"bytes"
	"crypto/cipher"
	"fmt"
)

// aeadCacheSize bounds the ready ciphers kept in memory.
const aeadCacheSize = 4096

// aeadCache keeps the AES-256-GCM cipher of each symmetric material version
// in use, so that Encrypt, Decrypt and GenerateDataKey neither unseal the
// material under the root key nor expand the AES key schedule per request.
// An entry answers only for the sealed record it was built from, byte for
// byte (checkedCache, which also skips the read in a snapshot where those
// bytes were already seen): material ids are not content hashes (a seed may
// give any id), so the id alone is never trusted, and a re-imported, deleted
// or re-seeded material needs no invalidation. The ciphers are safe for
// concurrent use; the unsealed bytes are not kept.
type aeadCache = checkedCache[cipher.AEAD]

func newAEADCache() (*aeadCache, error) { return newCheckedCache[cipher.AEAD](aeadCacheSize) }

// symmetricAEAD returns the cipher of material version id of the symmetric
// key k; ok is false when the material record is absent.
func (t *txn) symmetricAEAD(k *keyRecord, id string) (aead cipher.AEAD, ok bool, err error) {
	at := readAtOf(t.tx)
	dbKey := t.materialDBKey(k.KeyID, id)
	if aead, ok := t.s.aeads.fresh(dbKey, at); ok {
		return aead, true, nil
	}
	sealed := t.tx.Peek(bucketMaterial, dbKey) // compared, and copied when kept
	if sealed == nil {
		return nil, false, nil
	}
	if aead, ok := t.s.aeads.get(dbKey, sealed, at); ok {
		return aead, true, nil
	}
	material, err := t.s.db.Unseal(bucketMaterial, dbKey, sealed)
	if err != nil {
		return nil, true, err
	}
	aead, err = newGCM(material)
	clear(material)
	if err != nil {
		return nil, true, &badMaterialError{fmt.Errorf("emulator: material %s of key %s: %w", id, k.KeyID, err)}
	}
	t.s.aeads.put(dbKey, bytes.Clone(sealed), aead, at)
	return aead, true, nil
}

// badMaterialError is material that unseals but is no AES key (a wrong
// length): Decrypt answers it as an invalid ciphertext, as it always has.
type badMaterialError struct{ err error }

func (e *badMaterialError) Error() string { return e.err.Error() }
func (e *badMaterialError) Unwrap() error { return e.err }
