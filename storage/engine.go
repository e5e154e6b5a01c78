package storage

// Engine is one way of keeping the store: bbolt (one file on one machine,
// the default) or etcd (several kmsgate replicas on one Raft-replicated
// store). DB puts the root key, sealing, the schema version and the
// copying read methods (Tx.Get, Tx.Scan, Tx.Keys) on top of an Engine; the
// emulator only ever sees *DB and *Tx, so everything it does (records,
// indexes, caches) works on either engine.
//
// The contract every engine keeps:
//
//   - Update runs fn in a read-write transaction: every read in it sees
//     one committed state and the transaction's own writes; its writes
//     become visible all at once when fn returns nil, and not at all when
//     fn returns an error (that error is returned as it is). Two Updates
//     never both commit when one read what the other wrote: an engine
//     either runs them one after the other (bbolt) or runs fn again on the
//     newer state (etcd), so fn must have no effect outside the
//     transaction that would be wrong to repeat.
//   - View runs fn in a read-only transaction seeing one committed state,
//     which includes every Update that returned before View was called
//     (from any process sharing the store). fn may run more than once.
//   - An engine that cannot do the transaction (store unreachable, too
//     many conflicts, a fault reading a damaged file) returns an error
//     from Update or View, never panics: a read that failed inside fn
//     makes the transaction fail with that error even if fn returned nil.
//     An error of the store not answering is an *UnavailableError.
//   - Close releases the engine; a second Close is a no-op.
type Engine interface {
	Update(fn func(EngineTx) error) error
	View(fn func(EngineTx) error) error
	Close() error
	// Kind is the engine's name as in --store URLs: "bbolt" or "etcd".
	Kind() string
}

// EngineTx is one transaction of an Engine. Buckets are named by strings
// without '/' and need no creating; keys are any strings; values any
// bytes (an empty value is present, and reads back as a non-nil empty
// slice).
type EngineTx interface {
	// Writable reports whether the transaction can write.
	Writable() bool
	// Snapshot names the committed state a read-only transaction sees:
	// two read-only transactions of the same store with the same snapshot
	// read the same bytes everywhere, whichever process runs them. ok is
	// false in a writable transaction.
	Snapshot() (id uint64, ok bool)
	// Peek returns the value under key, or nil when absent (or when the
	// read failed: the transaction then fails, see Engine). The slice may
	// be the engine's own memory: valid until the transaction ends or the
	// next write to the bucket, never to be modified.
	Peek(bucket, key string) []byte
	// Put stores value under key; value is not kept after Put returns
	// nor changed. Put fails in a read-only transaction.
	Put(bucket, key string, value []byte) error
	// Delete removes key; a missing key is not an error.
	Delete(bucket, key string) error
	// ScanPeek calls fn for each key of bucket starting with prefix, in
	// byte order, from the first key >= from, until fn returns false or an
	// error (returned). Values are as Peek's, valid during the call only.
	// fn must not write to bucket.
	ScanPeek(bucket, prefix, from string, fn func(key string, value []byte) (bool, error)) error
}
