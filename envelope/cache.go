package envelope

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// keyCache holds plaintext data keys by their KMS-encrypted form: a
// golang-lru cache bounded by entry count (least recently used out first),
// whose entries also expire by age on the Envelope's clock, and a
// singleflight group so that a missing key is loaded once however many
// goroutines ask for it at the same time. Every key that leaves the cache, by
// eviction, expiry or purge, has its bytes zeroed by the LRU's eviction
// callback.
//
// golang-lru's expirable LRU is not used: it reads the wall clock (the
// Envelope's Config.Now could not move it) and starts a goroutine per cache
// that never ends. The age is checked on lookup instead.
//
// The AES key schedule inside crypto/aes is a copy the standard library keeps
// and offers no way to wipe; it becomes garbage with the entry's cipher.AEAD.
type keyCache struct {
	maxAge time.Duration // <= 0: no age limit
	now    func() time.Time
	loads  singleflight.Group

	mu      sync.Mutex // guards entries (simplelru is not safe for concurrent use) and stats
	entries *simplelru.LRU[string, *cacheEntry]
	stats   CacheStats
}

type cacheEntry struct {
	tenant string
	key    []byte
	aead   cipher.AEAD
	added  time.Time
}

// CacheStats counts what the decrypt cache did since the Envelope started.
type CacheStats struct {
	Entries   int    // plaintext data keys held now
	Hits      uint64 // lookups answered from the cache
	Misses    uint64 // lookups that had to wait for a load
	Loads     uint64 // KMS Decrypt calls made by the cache (one per concurrent miss group)
	Evictions uint64 // keys dropped (and zeroed) for room, age or purge
}

func newKeyCache(maxEntries int, maxAge time.Duration, now func() time.Time) (*keyCache, error) {
	c := &keyCache{maxAge: maxAge, now: now}
	entries, err := simplelru.NewLRU(maxEntries, func(_ string, e *cacheEntry) {
		clear(e.key) // called with c.mu held
		e.aead = nil
		c.stats.Evictions++
	})
	if err != nil {
		return nil, err
	}
	c.entries = entries
	return c, nil
}

// errTenantMismatch: the cached data key was issued for another tenant than
// the ciphertext's header names. Only a changed header can cause it.
var errTenantMismatch = errors.New("the header's tenant is not the tenant the data key was issued for")

// lookup returns the cached AEAD for edk, or nil, dropping an entry that has
// aged out.
func (c *keyCache) lookup(edk, tenant []byte) (cipher.AEAD, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries.Get(string(edk))
	if !ok {
		return nil, nil
	}
	if c.maxAge > 0 && c.now().Sub(e.added) >= c.maxAge {
		c.entries.Remove(string(edk))
		return nil, nil
	}
	if e.tenant != string(tenant) {
		return nil, errTenantMismatch
	}
	c.stats.Hits++
	return e.aead, nil
}

// get returns the AEAD for edk, loading the plaintext data key with load on a
// miss. Concurrent misses for the same edk share one load. A waiter whose own
// context is still live retries when the load it waited for was cancelled by
// its caller's context.
func (c *keyCache) get(ctx context.Context, edk, tenant []byte, load func(context.Context) ([]byte, error)) (cipher.AEAD, error) {
	for {
		if aead, err := c.lookup(edk, tenant); aead != nil || err != nil {
			return aead, err
		}
		c.mu.Lock()
		c.stats.Misses++
		c.mu.Unlock()
		k := string(edk)
		done := c.loads.DoChan(k, func() (any, error) {
			c.mu.Lock()
			c.stats.Loads++
			c.mu.Unlock()
			key, err := load(ctx)
			if err != nil {
				return nil, err
			}
			aead, err := newAEAD(key)
			if err != nil {
				clear(key)
				return nil, err
			}
			c.put(edk, string(tenant), key, aead)
			return aead, nil
		})
		select {
		case r := <-done:
			if r.Err != nil && isContextErr(r.Err) && ctx.Err() == nil {
				continue // the leader's caller gave up; this one has not
			}
			if r.Err != nil {
				return nil, r.Err
			}
			return r.Val.(cipher.AEAD), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// put adds a data key and its AEAD under edk, replacing (and zeroing) an
// entry there. The cache owns key afterwards. The Envelope puts its current
// encryption key, so that its own ciphertexts open without KMS.
func (c *keyCache) put(edk []byte, tenant string, key []byte, aead cipher.AEAD) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Remove(string(edk)) // Add would replace the value without the callback
	c.entries.Add(string(edk), &cacheEntry{tenant: tenant, key: key, aead: aead, added: c.now()})
}

// purge drops and zeroes every key.
func (c *keyCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Purge()
}

func (c *keyCache) snapshot() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = c.entries.Len()
	return s
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != dataKeySize {
		return nil, errors.New("KMS returned a data key of the wrong size")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
