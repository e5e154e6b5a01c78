package envelope

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"sync"
	"time"
)

// keyCache holds plaintext data keys by their KMS-encrypted form. It is
// bounded by entry count (least recently used goes first) and by age, and it
// loads a missing key once however many goroutines ask for it at the same
// time (a small singleflight: the first asker loads, the others wait for its
// result). Every key that leaves the cache, by eviction, expiry or purge, has
// its bytes zeroed.
//
// The AES key schedule inside crypto/aes is a copy the standard library keeps
// and offers no way to wipe; it becomes garbage with the entry's cipher.AEAD.
type keyCache struct {
	maxEntries int
	maxAge     time.Duration // <= 0: no age limit
	now        func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
	head    cacheEntry // sentinel of the LRU ring: head.next is the most recent
	calls   map[string]*loadCall
	stats   CacheStats
}

type cacheEntry struct {
	edk        string
	tenant     string
	key        []byte
	aead       cipher.AEAD
	added      time.Time
	prev, next *cacheEntry
}

type loadCall struct {
	done chan struct{}
	aead cipher.AEAD
	err  error
}

// CacheStats counts what the decrypt cache did since the Envelope started.
type CacheStats struct {
	Entries   int    // plaintext data keys held now
	Hits      uint64 // lookups answered from the cache
	Misses    uint64 // lookups that had to wait for a load
	Loads     uint64 // KMS Decrypt calls made by the cache (one per concurrent miss group)
	Evictions uint64 // keys dropped (and zeroed) for room, age or purge
}

func newKeyCache(maxEntries int, maxAge time.Duration, now func() time.Time) *keyCache {
	c := &keyCache{
		maxEntries: maxEntries,
		maxAge:     maxAge,
		now:        now,
		entries:    make(map[string]*cacheEntry),
		calls:      make(map[string]*loadCall),
	}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

// errTenantMismatch: the cached data key was issued for another tenant than
// the ciphertext's header names. Only a changed header can cause it.
var errTenantMismatch = errors.New("the header's tenant is not the tenant the data key was issued for")

// lookup returns the cached AEAD for edk, or nil. Call with c.mu held.
func (c *keyCache) lookup(edk, tenant []byte) (cipher.AEAD, error) {
	e := c.entries[string(edk)]
	if e == nil {
		return nil, nil
	}
	if c.maxAge > 0 && c.now().Sub(e.added) >= c.maxAge {
		c.remove(e)
		return nil, nil
	}
	if e.tenant != string(tenant) {
		return nil, errTenantMismatch
	}
	if c.head.next != e {
		c.unlink(e)
		c.pushFront(e)
	}
	return e.aead, nil
}

// get returns the AEAD for edk, loading the plaintext data key with load on a
// miss. Concurrent misses for the same edk share one load. A waiter whose own
// context is still live retries when the load it waited for was cancelled by
// its caller's context.
func (c *keyCache) get(ctx context.Context, edk, tenant []byte, load func(context.Context) ([]byte, error)) (cipher.AEAD, error) {
	for {
		c.mu.Lock()
		aead, err := c.lookup(edk, tenant)
		if aead != nil || err != nil {
			if aead != nil {
				c.stats.Hits++
			}
			c.mu.Unlock()
			return aead, err
		}
		c.stats.Misses++
		if call := c.calls[string(edk)]; call != nil {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if call.err != nil && isContextErr(call.err) && ctx.Err() == nil {
				continue
			}
			return call.aead, call.err
		}
		call := &loadCall{done: make(chan struct{})}
		k := string(edk)
		c.calls[k] = call
		c.stats.Loads++
		c.mu.Unlock()

		key, err := load(ctx)
		if err == nil {
			call.aead, err = newAEAD(key)
			if err != nil {
				clear(key)
			}
		}
		call.err = err

		c.mu.Lock()
		delete(c.calls, k)
		if err == nil {
			c.insertLocked(k, string(tenant), key, call.aead)
		}
		c.mu.Unlock()
		close(call.done)
		return call.aead, call.err
	}
}

// put adds a key the Envelope made itself (its current encryption key), so
// that its own ciphertexts open without KMS. The cache owns key afterwards.
func (c *keyCache) put(edk []byte, tenant string, key []byte, aead cipher.AEAD) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[string(edk)]; old != nil {
		c.remove(old)
	}
	c.insertLocked(string(edk), tenant, key, aead)
}

func (c *keyCache) insertLocked(edk, tenant string, key []byte, aead cipher.AEAD) {
	for len(c.entries) >= c.maxEntries && c.head.prev != &c.head {
		c.remove(c.head.prev)
	}
	e := &cacheEntry{edk: edk, tenant: tenant, key: key, aead: aead, added: c.now()}
	c.entries[edk] = e
	c.pushFront(e)
}

// remove drops e and zeroes its key. Call with c.mu held.
func (c *keyCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.entries, e.edk)
	clear(e.key)
	e.aead = nil
	c.stats.Evictions++
}

// purge drops and zeroes every key.
func (c *keyCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.head.next != &c.head {
		c.remove(c.head.next)
	}
}

func (c *keyCache) snapshot() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = len(c.entries)
	return s
}

func (c *keyCache) unlink(e *cacheEntry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (c *keyCache) pushFront(e *cacheEntry) {
	e.prev = &c.head
	e.next = c.head.next
	c.head.next.prev = e
	c.head.next = e
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
