package emulator

import (
	"bytes"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kmsgate/kmsgate/storage"
)

// checkedCache maps a store key to a value derived from the record stored
// under it, together with the exact bytes it was derived from. A lookup
// answers only when the bytes just read from the store are those bytes, so
// a write through any path invalidates an entry without bookkeeping. An
// entry also remembers the last read-only snapshot (storage.Tx.Snapshot) in
// which the store was seen to hold its bytes: in that snapshot, fresh
// answers without reading the store at all. The entries live in a
// golang-lru cache: at most its size, least recently used out first. Safe
// for concurrent use.
type checkedCache[V any] struct {
	entries *lru.Cache[string, *checkedEntry[V]]
}

type checkedEntry[V any] struct {
	raw []byte // never changed
	v   V
	// seen is 1 + a read-only snapshot in which the store held raw under
	// the entry's key (0: none). Every value stored is a fact checked by a
	// reader, so any value loaded is true, whatever the order of stores.
	seen atomic.Uint64
}

// newCheckedCache makes a cache of at most size entries (size > 0).
func newCheckedCache[V any](size int) (*checkedCache[V], error) {
	entries, err := lru.New[string, *checkedEntry[V]](size)
	if err != nil {
		return nil, err
	}
	return &checkedCache[V]{entries: entries}, nil
}

// readAt is where a transaction reads: a read-only snapshot, or not (a
// writable transaction, whose reads are always compared).
type readAt struct {
	snap uint64
	ro   bool
}

func readAtOf(tx *storage.Tx) readAt {
	if tx == nil { // a txn with no store (viewCached's): nothing read, nothing cached
		return readAt{}
	}
	snap, ro := tx.Snapshot()
	return readAt{snap: snap, ro: ro}
}

// fresh returns the value under key when its bytes were already seen in the
// snapshot at, without a store read.
func (c *checkedCache[V]) fresh(key string, at readAt) (v V, ok bool) {
	if !at.ro {
		return v, false
	}
	if e, _ := c.entries.Get(key); e != nil && e.seen.Load() == at.snap+1 {
		return e.v, true
	}
	return v, false
}

// get returns the value derived from raw, read under key at at. raw may be
// the store's own memory (storage.Tx.Peek): it is only compared.
func (c *checkedCache[V]) get(key string, raw []byte, at readAt) (v V, ok bool) {
	if e, _ := c.entries.Get(key); e != nil && bytes.Equal(e.raw, raw) {
		if at.ro {
			e.seen.Store(at.snap + 1)
		}
		return e.v, true
	}
	return v, false
}

// put remembers v as derived from raw, read under key at at. raw must be
// the caller's own copy, never changed afterwards.
func (c *checkedCache[V]) put(key string, raw []byte, v V, at readAt) {
	e := &checkedEntry[V]{raw: raw, v: v}
	if at.ro {
		e.seen.Store(at.snap + 1)
	}
	c.entries.Add(key, e)
}
