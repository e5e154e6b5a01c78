// Package storage owns kmsgate's on-disk state: one bbolt file, opened 0600,
// read and written through closure transactions, with secrets (key material)
// sealed under a 32-byte root key (AES-256-GCM) so that the file never holds
// them in plaintext. Every acknowledged write is synced to disk (bbolt's
// default; NoSync is never set).
package storage

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RootKeySize is the length of the root key in bytes (AES-256).
const RootKeySize = 32

// metaBucket holds the store's own records, such as the root-key check.
const metaBucket = "storage.meta"

// checkRecord is sealed under the root key when a store is created; opening
// it proves a later root key is the same one.
const checkRecord = "rootkey-check"

var checkPlaintext = []byte("kmsgate storage root key check v1")

// ErrWrongRootKey means the root key given to Open is not the one the store
// was created with.
var ErrWrongRootKey = errors.New("storage: the root key does not open this store (wrong root key?)")

// ErrNotBolt answers what only a bbolt store does (Size, Backup) on
// another engine.
var ErrNotBolt = errors.New("storage: not a bbolt store (an etcd store is backed up with etcd's own snapshot: etcdctl snapshot save)")

// errReadOnly is a write in a read-only transaction.
var errReadOnly = errors.New("transaction is read-only")

// ErrSealed means a sealed value could not be opened: it was changed, moved
// to another record, or sealed under another root key.
var ErrSealed = errors.New("storage: sealed value does not open")

// Options configure Open.
type Options struct {
	// RootKey is the 32-byte key that seals secrets. Required.
	RootKey []byte
	// Rand is the nonce source for sealing; crypto/rand when nil.
	Rand io.Reader
	// Timeout bounds the wait for the file lock; 5s when zero. A lock not
	// had in time is an *InUseError.
	Timeout time.Duration
	// Check is how an existing store is checked at Open: CheckQuick (the
	// zero value: only what costs the same at any size; the page walk is
	// DB.CheckPages, run later), CheckFull (every page before Open
	// returns) or CheckOff.
	Check CheckMode
	// SkipCheck is Check: CheckOff (kept for older callers).
	SkipCheck bool
	// CheckTimeout bounds CheckFull's walk (DefaultCheckTimeout when
	// zero): the walk stops there, and the store is served with the rest
	// unchecked (see DB.CheckReport). Negative means no bound.
	CheckTimeout time.Duration
	// ObserveTx, when set, is told each Update's and View's duration
	// (writable for Update, commit and fsync included); the server feeds
	// it to the metrics (metrics.Metrics.StoreTx).
	ObserveTx func(writable bool, d time.Duration)
}

// DB is an open store: an Engine (bbolt or etcd) with the root key.
type DB struct {
	eng Engine
	// bolt is the bbolt file of a bbolt store (nil on etcd): the
	// consistency check, Size and Backup read it directly.
	bolt *bolt.DB
	// etcd is the engine of an etcd store (nil on bbolt). DB calls its
	// engine directly, not through Engine: a closure passed to an
	// interface method escapes to the heap with everything it captures,
	// which cost the emulator's hot path six allocations per call.
	etcd *etcdEngine
	aead cipher.AEAD
	rand io.Reader
	path string
	// schema is the schema version the store holds (SchemaVersion for a
	// new store).
	schema int
	check  CheckReport
	// observe is Options.ObserveTx (nil: transactions are not timed).
	observe func(writable bool, d time.Duration)
	// begun and ended count the Updates of a bbolt store that have begun
	// and ended (WriteCount).
	begun, ended atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating when missing, mode 0600) the bbolt file at path.
// It fails with ErrWrongRootKey when the store was made under another root
// key, with an *InUseError when another process holds the file, with a
// *DamagedError when the file is not a sound bbolt store (as far as
// Options.Check looks before Open returns), and with a *SchemaError when the
// store is of a schema version this code does not read. Opening never
// panics and never dies of a fault on a damaged file.
func Open(path string, opts Options) (*DB, error) {
	aead, err := rootAEAD(opts.RootKey)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	existed := false
	bopts := &bolt.Options{Timeout: timeout}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		existed = true
		if opts.Check == CheckQuick && !opts.SkipCheck {
			bopts.InitialMmapSize = walkMmapSize(fi.Size())
		}
	}
	bdb, err := openBolt(path, bopts)
	if err != nil {
		return nil, err
	}
	// bbolt honours the mode only when it creates the file; tighten an
	// existing file too, since it holds sealed material and metadata.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("storage: chmod %s: %w", path, err)
	}
	db := newDB(boltEngine{bdb}, aead, path, opts)
	db.bolt = bdb
	if existed && opts.Check == CheckFull && !opts.SkipCheck {
		bound := opts.CheckTimeout
		if bound == 0 {
			bound = DefaultCheckTimeout
		}
		db.check, err = db.consistencyCheck(bound)
		if err != nil {
			_ = bdb.Close()
			return nil, err
		}
	}
	if err := db.checkRootKey(); err != nil {
		_ = bdb.Close()
		var fe *FaultError
		if errors.As(err, &fe) {
			return nil, &DamagedError{Path: path, Cause: fe.Error()}
		}
		return nil, err
	}
	return db, nil
}

func rootAEAD(rootKey []byte) (cipher.AEAD, error) {
	if len(rootKey) != RootKeySize {
		return nil, fmt.Errorf("storage: root key must be %d bytes, got %d", RootKeySize, len(rootKey))
	}
	block, err := aes.NewCipher(rootKey)
	if err != nil {
		return nil, fmt.Errorf("storage: root key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("storage: root key: %w", err)
	}
	return aead, nil
}

func newDB(eng Engine, aead cipher.AEAD, path string, opts Options) *DB {
	db := &DB{eng: eng, aead: aead, rand: opts.Rand, path: path, observe: opts.ObserveTx}
	if db.rand == nil {
		db.rand = rand.Reader
	}
	return db
}

func (db *DB) checkRootKey() error {
	// A store that has both records is checked in a read-only transaction:
	// a write transaction's commit writes bbolt's free list and syncs
	// (8 to 12 ms with 1M keys, in proportion to the free pages).
	written := false
	if err := db.View(func(tx *Tx) error {
		if tx.Peek(metaBucket, schemaRecord) == nil || tx.Peek(metaBucket, checkRecord) == nil {
			return nil
		}
		written = true
		return db.verifyRootKey(tx) // writes nothing: both records are there
	}); err != nil || written {
		return err
	}
	return db.Update(db.verifyRootKey)
}

// verifyRootKey reads the schema version and opens the check record with
// the root key, writing whichever of the two is missing.
func (db *DB) verifyRootKey(tx *Tx) error {
	schema, err := tx.readSchemaVersion()
	if err != nil {
		return err
	}
	db.schema = schema
	got, ok, err := tx.GetSealed(metaBucket, checkRecord)
	if errors.Is(err, ErrSealed) {
		return ErrWrongRootKey
	}
	if err != nil {
		return err
	}
	if !ok {
		return tx.PutSealed(metaBucket, checkRecord, checkPlaintext)
	}
	if !bytes.Equal(got, checkPlaintext) {
		return ErrWrongRootKey
	}
	return nil
}

// Path is the file the store lives in (bbolt), or its etcd URL without
// credentials.
func (db *DB) Path() string { return db.path }

// Kind is the engine: "bbolt" or "etcd".
func (db *DB) Kind() string { return db.eng.Kind() }

// Close closes the store; a second Close is a no-op.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.eng.Close() })
	return db.closeErr
}

// Update runs fn in a read-write transaction, committed (and synced) when fn
// returns nil, rolled back otherwise (Engine gives the whole contract: on
// etcd fn may run more than once). A fault or panic while reading the
// store (a damaged file) fails the transaction with a *FaultError instead
// of ending the process; an unreachable store is an *UnavailableError.
func (db *DB) Update(fn func(*Tx) error) (err error) {
	if db.observe != nil {
		defer db.observed(true, time.Now())
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverFault(&err)
	if db.bolt != nil {
		// Counted before it can commit, and again once it has ended
		// (committed or not) and before Update returns: WriteCount.
		db.begun.Add(1)
		defer db.ended.Add(1)
		return db.updateBolt(fn)
	}
	return db.etcd.Update(func(etx EngineTx) error { return fn(&Tx{tx: etx, db: db}) })
}

// updateBolt is bbolt's Update but for a fault: bbolt's Update then rolls
// back by reading its free list from the file again, which faults again
// on a damaged or truncated file and leaves the writer lock held, so that
// every later write and Close would wait forever. Here a transaction that
// fn or the commit left open (a fault) is rolled back without reading the
// store; the fault itself goes on to Update's recoverFault. Pages a
// faulted commit had taken from the free list stay out of it (the page
// walk may name them); the store is damaged then anyway. (The hot path
// allocates one Tx per transaction, the boltTx inside it.)
func (db *DB) updateBolt(fn func(*Tx) error) error {
	btx, err := db.bolt.Begin(true)
	if err != nil {
		return err
	}
	defer func() {
		if btx.DB() != nil { // neither committed nor rolled back
			_ = btx.Rollback()
		}
	}()
	if err := fn(newBoltTx(db, btx)); err != nil {
		return err
	}
	return btx.Commit()
}

// View runs fn in a read-only transaction; a fault or panic while reading
// the store fails it with a *FaultError, as in Update.
func (db *DB) View(fn func(*Tx) error) (err error) {
	if db.observe != nil {
		defer db.observed(false, time.Now())
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverFault(&err)
	if db.bolt != nil {
		return db.bolt.View(func(btx *bolt.Tx) error { return fn(newBoltTx(db, btx)) })
	}
	return db.etcd.View(func(etx EngineTx) error { return fn(&Tx{tx: etx, db: db}) })
}

// WriteCount names the committed state of a store this process alone
// writes, without opening a transaction: on bbolt (whose file is locked to
// this process) it is how many Updates have ended, each counted after its
// commit and before Update returns. ok is false on etcd, where other
// replicas write (Tx.Snapshot names the state there), and while an Update
// is under way (begun, not ended: it may have committed without being
// counted yet). So when ok, every write committed before WriteCount was
// called is one of the n counted (or committed before one of them), and a
// View begun after WriteCount answered n reads a state that includes them
// all: what it read is current for anyone who is answered the same n with
// ok later, time aside.
func (db *DB) WriteCount() (n uint64, ok bool) {
	if db.bolt == nil {
		return 0, false
	}
	// begun first: if as many have ended now as had begun then, a write
	// committed before then and not counted yet was outnumbered by one
	// begun after then and counted, which bbolt (one writer at a time)
	// committed after it.
	begun := db.begun.Load()
	n = db.ended.Load()
	return n, n == begun
}

func (db *DB) observed(writable bool, start time.Time) { db.observe(writable, time.Since(start)) }

// Ping checks that the store answers: on etcd a linearizable read (a
// quorum of members must answer, within ctx and the request timeout; an
// *UnavailableError otherwise); a bbolt store, open in this process,
// always does.
func (db *DB) Ping(ctx context.Context) error {
	if db.etcd == nil {
		return nil
	}
	return db.etcd.ping(ctx)
}

// BatchSize is how many independent items (each needing about opsPerItem
// reads and writes) one write transaction should take, at most want: want
// on bbolt, where fewer transactions mean fewer fsyncs; on etcd as many as
// keep a transaction within --max-txn-ops (at least one).
func (db *DB) BatchSize(want, opsPerItem int) int {
	if db.etcd == nil {
		return want
	}
	return max(1, min(want, db.etcd.maxOps/max(1, opsPerItem)))
}

// Size is the size in bytes of the store's data as bbolt counts it (the
// pages in use at the current transaction id), without reading the pages.
// An etcd store has no such size here (ErrNotBolt): etcd reports its own.
func (db *DB) Size() (int64, error) {
	if db.bolt == nil {
		return 0, ErrNotBolt
	}
	var n int64
	err := db.bolt.View(func(btx *bolt.Tx) error {
		n = btx.Size()
		return nil
	})
	return n, err
}

// Tx is one transaction. Every byte slice it returns is a copy that stays
// valid after the transaction ends, except Peek's and ScanPeek's. Buckets
// are named by strings (without '/') and are created on first write.
type Tx struct {
	tx EngineTx
	db *DB
	// bolt is tx's engine transaction on bbolt (tx points at it).
	bolt boltTx
}

func newBoltTx(db *DB, btx *bolt.Tx) *Tx {
	tx := &Tx{db: db, bolt: boltTx{tx: btx}}
	tx.tx = &tx.bolt
	return tx
}

// Writable reports whether the transaction can write.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

// Snapshot names the committed state a read-only transaction sees (bbolt's
// transaction id; etcd's revision): every committed write makes a new one,
// so two read-only transactions of this store with the same snapshot read
// the same bytes everywhere (on etcd: in every replica), and a value
// checked once in a snapshot needs no second read in it. ok is false in a
// writable transaction, whose state is not committed.
func (tx *Tx) Snapshot() (id uint64, ok bool) {
	if tx.bolt.tx != nil {
		return tx.bolt.Snapshot()
	}
	return tx.tx.Snapshot()
}

// Get returns a copy of the value under key in bucket, or nil when absent.
func (tx *Tx) Get(bucket, key string) []byte {
	v := tx.Peek(bucket, key)
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// Peek returns the value under key in bucket without copying it, or nil
// when absent. The slice is the store's own memory: it is valid only until
// the transaction ends (or, in a writable transaction, until the next write
// to the bucket), and must never be modified. It is for reads that only
// compare or decode the value at once; anything kept must be copied. A
// read that fails (etcd unreachable) answers nil and fails the
// transaction: Update and View return the error.
func (tx *Tx) Peek(bucket, key string) []byte {
	if tx.bolt.tx != nil { // direct calls on bbolt: no closure escapes
		return tx.bolt.Peek(bucket, key)
	}
	return tx.tx.Peek(bucket, key)
}

// Put stores value under key in bucket. value must not change until the
// transaction ends.
func (tx *Tx) Put(bucket, key string, value []byte) error {
	if tx.bolt.tx != nil {
		return tx.bolt.Put(bucket, key, value)
	}
	return tx.tx.Put(bucket, key, value)
}

// Delete removes key from bucket; a missing key is not an error.
func (tx *Tx) Delete(bucket, key string) error {
	if tx.bolt.tx != nil {
		return tx.bolt.Delete(bucket, key)
	}
	return tx.tx.Delete(bucket, key)
}

// Scan calls fn for each key in bucket that starts with prefix, in byte
// order, beginning at the first key >= from (from "" means the start of the
// prefix). fn returns false to stop; its error is returned. Values passed
// to fn are copies. fn must not write to bucket.
func (tx *Tx) Scan(bucket, prefix, from string, fn func(key string, value []byte) (bool, error)) error {
	return tx.ScanPeek(bucket, prefix, from, func(k string, v []byte) (bool, error) {
		return fn(k, bytes.Clone(v))
	})
}

// ScanPeek is Scan without copies: the value passed to fn is the store's
// own memory, valid only during that call and never to be modified (as
// Peek's). For pages that decode each value at once or only read keys.
func (tx *Tx) ScanPeek(bucket, prefix, from string, fn func(key string, value []byte) (bool, error)) error {
	if tx.bolt.tx != nil {
		return tx.bolt.ScanPeek(bucket, prefix, from, fn)
	}
	return tx.tx.ScanPeek(bucket, prefix, from, fn)
}

// Keys returns the keys in bucket that start with prefix, in byte order.
func (tx *Tx) Keys(bucket, prefix string) ([]string, error) {
	var keys []string
	err := tx.Scan(bucket, prefix, "", func(k string, _ []byte) (bool, error) {
		keys = append(keys, k)
		return true, nil
	})
	return keys, err
}

// PutSealed seals plaintext under the root key, bound to bucket and key (a
// sealed value copied to another record does not open), and stores it.
func (tx *Tx) PutSealed(bucket, key string, plaintext []byte) error {
	sealed, err := tx.db.Seal(bucket, key, plaintext)
	if err != nil {
		return err
	}
	return tx.Put(bucket, key, sealed)
}

// GetSealed opens the sealed value under key in bucket. ok is false when the
// record is absent; err is ErrSealed when it does not open.
func (tx *Tx) GetSealed(bucket, key string) (plaintext []byte, ok bool, err error) {
	sealed := tx.Peek(bucket, key) // Unseal writes the plaintext elsewhere
	if sealed == nil {
		return nil, false, nil
	}
	pt, err := tx.db.Unseal(bucket, key, sealed)
	if err != nil {
		return nil, true, err
	}
	return pt, true, nil
}

// sealVersion is the first byte of every sealed value.
const sealVersion = 1

// Seal encrypts plaintext under the root key with AES-256-GCM and a random
// nonce, authenticating bucket and key (length-prefixed) as AAD. The result
// is version byte || nonce || ciphertext+tag.
func (db *DB) Seal(bucket, key string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, db.aead.NonceSize())
	if _, err := io.ReadFull(db.rand, nonce); err != nil {
		return nil, fmt.Errorf("storage: nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+db.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, nonce...)
	return db.aead.Seal(out, nonce, plaintext, sealAAD(bucket, key)), nil
}

// Unseal opens what Seal made for the same bucket and key.
func (db *DB) Unseal(bucket, key string, sealed []byte) ([]byte, error) {
	ns := db.aead.NonceSize()
	if len(sealed) < 1+ns+db.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrSealed
	}
	pt, err := db.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], sealAAD(bucket, key))
	if err != nil {
		return nil, ErrSealed
	}
	return pt, nil
}

func sealAAD(bucket, key string) []byte {
	aad := make([]byte, 0, 8+len("kmsgate-seal-v1")+len(bucket)+len(key))
	aad = append(aad, "kmsgate-seal-v1"...)
	aad = binary.BigEndian.AppendUint32(aad, uint32(len(bucket)))
	aad = append(aad, bucket...)
	aad = binary.BigEndian.AppendUint32(aad, uint32(len(key)))
	aad = append(aad, key...)
	return aad
}

// LoadOrCreateRootKey reads the hex root key in the file at path, creating the
// file (mode 0600) with a fresh random key when it does not exist.
func LoadOrCreateRootKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, RootKeySize)
		if _, err := io.ReadFull(rand.Reader, key); err != nil {
			return nil, fmt.Errorf("storage: root key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			// Another process made it between our read and create: use theirs.
			return LoadOrCreateRootKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("storage: create root key file: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			return nil, fmt.Errorf("storage: write root key file: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read root key file: %w", err)
	}
	return ParseRootKey(string(data))
}

// LoadRootKey reads the hex root key in the file at path.
func LoadRootKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("storage: read root key file: %w", err)
	}
	return ParseRootKey(string(data))
}

// CreateRootKey writes a fresh random root key to a new file at path (mode
// 0600, synced); it never writes over an existing file.
func CreateRootKey(path string) ([]byte, error) {
	key := make([]byte, RootKeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("storage: root key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: create root key file: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("storage: write root key file: %w", err)
	}
	return key, nil
}

// ParseRootKey decodes a hex root key (surrounding space ignored), as the
// root key file and the KMSGATE_ROOT_KEY variable hold it.
func ParseRootKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("storage: root key is not hex: %w", err)
	}
	if len(key) != RootKeySize {
		return nil, fmt.Errorf("storage: root key must be %d bytes (%d hex characters), got %d bytes", RootKeySize, 2*RootKeySize, len(key))
	}
	return key, nil
}
