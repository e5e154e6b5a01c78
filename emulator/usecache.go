package emulator

import (
	"crypto/cipher"

	lru "github.com/hashicorp/golang-lru/v2"
)

// useCacheSize bounds the resolved identifiers kept in memory.
const useCacheSize = 4096

// useCache remembers what Encrypt, Decrypt and GenerateDataKey* resolved a
// key identifier to, as the request gave it (key id, key ARN, alias name or
// alias ARN, in one scope), in one read-only snapshot (storage.Tx.Snapshot)
// and, on bbolt, at one write count (storage.DB.WriteCount): the symmetric
// key, its ARN, and the id and cipher of its current material. In that
// snapshot, or while the store's write count is the same, the identifier
// names the same key with the same record and material (every write makes
// a new snapshot and count), so a request that finds its identifier skips
// the alias and key reads, the record copy, the cipher lookup and the
// ARN's building, and on bbolt the read transaction itself (viewCached); what
// time alone changes (a deletion date passed, a rotation due:
// maintenanceDue) is judged on every hit, and every check of the operation
// is made as on a miss. An entry of an older state is never used: the next
// miss replaces it. Least recently used out first; safe for concurrent use.
type useCache struct {
	entries *lru.Cache[useID, useEntry]
}

// useID is an identifier in a scope. blob marks the key id of a blob's
// header, which names a key as loadKey does (no alias, no change of case).
type useID struct {
	account, region, id string
	blob                bool
}

type useEntry struct {
	snap   uint64 // the snapshot it was resolved in
	writes uint64 // txn.writes of its transaction
	use    keyUse
}

func newUseCache() (useCache, error) {
	entries, err := lru.New[useID, useEntry](useCacheSize)
	return useCache{entries}, err
}

// keyUse is a key resolved for a cryptographic operation. From the cache,
// k is the cache's own record, shared by every request: it is only read,
// never changed. arn, mid and aead are empty until the current material's
// cipher is read (currentCipher, symmetric keys only); a cached keyUse has
// them all (and prefix), so it is always a symmetric key's: code that
// viewCached runs with no store may read the store only through
// resolveUse, blobKey and blobCipher, which answer errNoStore there
// (TestWarmUseAnswersAsCold).
type keyUse struct {
	k      *keyRecord
	arn    string
	mid    string
	aead   cipher.AEAD
	prefix []byte // the header of its blobs up to the nonce (headerPrefix)
	// from is the identifier it was resolved from ("" for none; fromBlob:
	// a blob's key id).
	from     string
	fromBlob bool
}

// cachedUse is the entry of the identifier id (blob: of a blob's key id)
// made in t's snapshot (a read transaction) or at t's write count
// (viewCached's txn with no store, which reads nothing else), when there
// is one and time has not made its key due for maintenance since. A read
// transaction never takes an entry by its write count alone: a write may
// have committed between the count and the transaction's beginning, and
// the entry's state would then be mixed with what the transaction reads.
func (t *txn) cachedUse(id string, blob bool) (keyUse, bool) {
	at := readAtOf(t.tx)
	if t.tx != nil && !at.ro {
		return keyUse{}, false // a writable transaction
	}
	e, ok := t.s.uses.entries.Get(useID{t.sc.account, t.sc.region, id, blob})
	if !ok || e.use.k.maintenanceDue(t.now) {
		return keyUse{}, false
	}
	if (t.tx == nil && t.writes != 0 && e.writes == t.writes) || (t.tx != nil && e.snap == at.snap) {
		return e.use, true
	}
	return keyUse{}, false
}

// resolveUse is resolveKey (key id, key ARN, alias name or alias ARN) for a
// cryptographic operation, answered from the use cache when it can be.
func (t *txn) resolveUse(field string, in *string) (keyUse, error) {
	if in != nil {
		if u, ok := t.cachedUse(*in, false); ok {
			return u, nil
		}
	}
	if t.tx == nil {
		return keyUse{}, errNoStore
	}
	k, err := t.resolveKey(field, in, keyOrAlias)
	if err != nil {
		return keyUse{}, err
	}
	return keyUse{k: k, from: *in}, nil
}

// currentCipher sets u's ARN and the id and cipher of its current material
// (a symmetric key's, after the operation's checks), reading them when u
// is not from the cache; then, in a read-only transaction, the cache keeps
// u for its identifier.
func (t *txn) currentCipher(u *keyUse) error {
	if u.aead != nil {
		return nil
	}
	mid := u.k.currentMaterial().ID
	aead, ok, err := t.symmetricAEAD(u.k, mid)
	if err != nil {
		return err
	}
	if !ok {
		return &missingMaterialError{u.k.KeyID, mid}
	}
	prefix, err := headerPrefix(u.k.KeyID, mid)
	if err != nil {
		return err
	}
	u.arn, u.mid, u.aead, u.prefix = t.sc.keyARN(u.k.KeyID), mid, aead, prefix
	t.keepUse(*u)
	return nil
}

// keepUse puts u, complete and read in t (never from the cache: a cached
// use has its cipher, currentCipher does not come here), in the cache for
// its identifier when t is read-only.
func (t *txn) keepUse(u keyUse) {
	at := readAtOf(t.tx)
	if u.from == "" || !at.ro {
		return
	}
	t.s.uses.entries.Add(useID{t.sc.account, t.sc.region, u.from, u.fromBlob}, useEntry{snap: at.snap, writes: t.writes, use: u})
}

// arnOf is the ARN of u's key.
func (t *txn) arnOf(u *keyUse) string {
	if u.arn != "" {
		return u.arn
	}
	return t.sc.keyARN(u.k.KeyID)
}
