package emulator

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/kmsgate/kmsgate/storage"
)

// checkedCache maps a store key to a value derived from the record stored
// under it, together with the exact bytes it was derived from. A lookup
// answers only when the bytes just read from the store are those bytes, so
// a write through any path invalidates an entry without bookkeeping. An
// entry also remembers the last read-only snapshot (storage.Tx.Snapshot) in
// which the store was seen to hold its bytes: in that snapshot, fresh
// answers without reading the store at all. At most size entries are kept;
// a full cache drops an arbitrary one. Safe for concurrent use.
type checkedCache[V any] struct {
	mu sync.RWMutex
	m  map[string]*checkedEntry[V]
}

type checkedEntry[V any] struct {
	raw []byte // never changed
	v   V
	// seen is 1 + a read-only snapshot in which the store held raw under
	// the entry's key (0: none). Every value stored is a fact checked by a
	// reader, so any value loaded is true, whatever the order of stores.
	seen atomic.Uint64
}

// readAt is where a transaction reads: a read-only snapshot, or not (a
// writable transaction, whose reads are always compared).
type readAt struct {
	snap uint64
	ro   bool
}

func readAtOf(tx *storage.Tx) readAt {
	snap, ro := tx.Snapshot()
	return readAt{snap: snap, ro: ro}
}

// fresh returns the value under key when its bytes were already seen in the
// snapshot at, without a store read. key is bytes so that a hit costs no
// allocation (the map lookup converts it without copying).
func (c *checkedCache[V]) fresh(key []byte, at readAt) (v V, ok bool) {
	if !at.ro {
		return v, false
	}
	c.mu.RLock()
	e := c.m[string(key)]
	c.mu.RUnlock()
	if e != nil && e.seen.Load() == at.snap+1 {
		return e.v, true
	}
	return v, false
}

// get returns the value derived from raw, read under key at at. raw may be
// the store's own memory (storage.Tx.Peek): it is only compared.
func (c *checkedCache[V]) get(key string, raw []byte, at readAt) (v V, ok bool) {
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	if e != nil && bytes.Equal(e.raw, raw) {
		if at.ro {
			e.seen.Store(at.snap + 1)
		}
		return e.v, true
	}
	return v, false
}

// put remembers v as derived from raw, read under key at at. raw must be
// the caller's own copy, never changed afterwards.
func (c *checkedCache[V]) put(key string, raw []byte, v V, at readAt, size int) {
	e := &checkedEntry[V]{raw: raw, v: v}
	if at.ro {
		e.seen.Store(at.snap + 1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*checkedEntry[V])
	}
	if _, present := c.m[key]; !present && len(c.m) >= size {
		for victim := range c.m { // map order: an arbitrary entry goes
			delete(c.m, victim)
			break
		}
	}
	c.m[key] = e
}
