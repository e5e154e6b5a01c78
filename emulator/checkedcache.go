package emulator

import (
	"bytes"
	"sync"
)

// checkedCache maps a store key to a value derived from the record stored
// under it, together with the exact bytes it was derived from. A lookup
// answers only when the bytes just read from the store are those bytes, so
// a write through any path invalidates an entry without bookkeeping. At most
// size entries are kept; a full cache drops an arbitrary one. Safe for
// concurrent use.
type checkedCache[V any] struct {
	mu sync.RWMutex
	m  map[string]checkedEntry[V]
}

type checkedEntry[V any] struct {
	raw []byte
	v   V
}

// get returns the value derived from raw under key. raw may be the store's
// own memory (storage.Tx.Peek): it is only compared.
func (c *checkedCache[V]) get(key string, raw []byte) (v V, ok bool) {
	c.mu.RLock()
	e, found := c.m[key]
	c.mu.RUnlock()
	if found && bytes.Equal(e.raw, raw) {
		return e.v, true
	}
	return v, false
}

// put remembers v as derived from raw under key. raw must be the caller's
// own copy, never changed afterwards.
func (c *checkedCache[V]) put(key string, raw []byte, v V, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]checkedEntry[V])
	}
	if _, present := c.m[key]; !present && len(c.m) >= size {
		for victim := range c.m { // map order: an arbitrary entry goes
			delete(c.m, victim)
			break
		}
	}
	c.m[key] = checkedEntry[V]{raw: raw, v: v}
}
