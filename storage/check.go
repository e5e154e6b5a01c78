package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DefaultCheckTimeout bounds the consistency check at Open when
// Options.CheckTimeout is zero.
const DefaultCheckTimeout = 10 * time.Second

// SchemaVersion is the version of the store's layout this code reads and
// writes. It is kept in the record schemaRecord of the meta bucket; a store
// of a higher version (written by a newer kmsgate) is refused at Open.
// Bump it when a change makes stores unreadable by older code, and migrate
// older stores (Tx.SetSchemaVersion) when they are opened.
const SchemaVersion = 1

// schemaRecord holds the schema version as decimal text.
const schemaRecord = "schema-version"

// DamagedError means the store file is not a sound bbolt store: truncated,
// overwritten, or with pages that do not hold together.
type DamagedError struct {
	Path  string
	Cause string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("store %s is damaged: %s; restore a backup", e.Path, e.Cause)
}

// InUseError means another process holds the store's file lock.
type InUseError struct{ Path string }

func (e *InUseError) Error() string {
	return fmt.Sprintf("store %s is in use by another kmsgate (or another program); stop it or use another --data", e.Path)
}

// SchemaError means the store's schema version is not one this code reads.
type SchemaError struct {
	Path string
	// Version is the recorded text (a number, or anything else for an
	// unknown version).
	Version string
}

func (e *SchemaError) Error() string {
	if n, err := strconv.Atoi(e.Version); err == nil && n > SchemaVersion {
		return fmt.Sprintf("store %s has schema version %d, newer than this kmsgate reads (%d); run a newer kmsgate", e.Path, n, SchemaVersion)
	}
	return fmt.Sprintf("store %s has an unknown schema version %s; this kmsgate reads version %d", e.Path, cut(strconv.Quote(e.Version), 64), SchemaVersion)
}

// FaultError is a fault (SIGSEGV/SIGBUS in the store's memory map) or a
// panic met while reading the store: the file is damaged, or was changed
// under the running process. The transaction failed; the process lives on.
type FaultError struct {
	Value any
	Stack []byte
}

func (e *FaultError) Error() string {
	return cut(fmt.Sprintf("storage: fault reading the store (damaged file?): %v", e.Value), 300)
}

// recoverFault turns a panic (with SetPanicOnFault, a memory fault too) of
// the transaction it is deferred in into a *FaultError.
func recoverFault(err *error) {
	if p := recover(); p != nil {
		*err = &FaultError{Value: p, Stack: debug.Stack()}
	}
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// openBolt opens the bbolt file with faults and panics (bbolt panics on
// some damaged pages, e.g. "invalid freelist page") turned into errors.
func openBolt(path string, opts *bolt.Options) (db *bolt.DB, err error) {
	if err := precheckFile(path); err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, &DamagedError{Path: path, Cause: cut(fmt.Sprint(p), 200)}
		}
	}()
	db, err = bolt.Open(path, 0o600, opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, &InUseError{Path: path}
	case errors.As(err, new(*os.PathError)), errors.As(err, new(*os.SyscallError)):
		// The file could not be opened, locked or mapped (permissions,
		// memory): nothing says it is damaged.
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	default:
		// What bbolt found wrong in the file: not a bbolt file, bad
		// checksums, a size that does not fit its pages.
		return nil, &DamagedError{Path: path, Cause: cut(err.Error(), 200)}
	}
}

// CheckMode says how much of the store is checked, and when.
type CheckMode int

const (
	// CheckQuick, the default, checks before serving only what costs the
	// same in a store of any size: the meta pages and the free list
	// (before bbolt reads them), the schema version and the root key.
	// The page walk (CheckPages) runs later, while the store is served.
	CheckQuick CheckMode = iota
	// CheckFull walks every page at Open (bounded by
	// Options.CheckTimeout), then runs bbolt's own check: a damaged store
	// is refused before it is served. It takes time in proportion to
	// the store (seconds for 100,000 keys).
	CheckFull
	// CheckOff checks nothing but what keeps bbolt from crashing on the
	// file (the meta pages and the free list).
	CheckOff
)

func (m CheckMode) String() string {
	switch m {
	case CheckQuick:
		return "quick"
	case CheckFull:
		return "full"
	case CheckOff:
		return "off"
	}
	return fmt.Sprintf("CheckMode(%d)", int(m))
}

// ParseCheckMode reads "quick", "full" or "off".
func ParseCheckMode(s string) (CheckMode, error) {
	for _, m := range []CheckMode{CheckQuick, CheckFull, CheckOff} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown store check mode %q (quick, full or off)", s)
}

// CheckReport says what a consistency check did: the one at Open
// (CheckFull), or a page walk of CheckPages.
type CheckReport struct {
	// Ran is false when the store was new, or the check was not asked
	// for at Open (CheckQuick, CheckOff).
	Ran bool
	// Walked is true when the page walk read every page; Complete when
	// bbolt's own check ran after it too. The time bound stops the walk
	// (Walked false), or leaves out bbolt's check when the walk took more
	// than half of the bound (Walked true, Complete false). CheckPages
	// does not run bbolt's check (it reads through the memory map): its
	// report has Walked and Complete alike.
	Walked, Complete bool
	// Pages is how many pages were read; Records how many keys (of
	// records and buckets).
	Pages, Records int
	// Took is how long the check took.
	Took time.Duration
}

// CheckReport is what the consistency check at Open did.
func (db *DB) CheckReport() CheckReport { return db.check }

// consistencyCheck finds damage before the store is served (CheckFull). It
// runs in two steps: first its own walk over the file's pages (rawCheck:
// read with pread, not through the memory map, so that it meets no fault;
// every offset checked, so that it cannot panic; every page id seen once,
// so that pages referring in a loop cannot keep it going), stopped at
// bound; then, when the walk found the store sound within half the bound,
// bbolt's own check, which runs in a goroutine of bbolt's where a fault, a
// loop or a deep recursion could not be caught: the walk has made sure it
// meets none.
func (db *DB) consistencyCheck(bound time.Duration) (CheckReport, error) {
	start := time.Now()
	rep := CheckReport{Ran: true}
	var deadline time.Time
	if bound > 0 {
		deadline = start.Add(bound)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rc, err := newRawCheck(db.path, tx, deadline)
		if err != nil {
			return err
		}
		defer rc.f.Close()
		err = rc.run()
		rep.Pages, rep.Records = rc.pages, rc.records
		return err
	})
	complete := true
	if errors.Is(err, errStopWalk) {
		err, complete = nil, false
	}
	rep.Walked = complete
	if err != nil {
		return rep, &DamagedError{Path: db.path, Cause: cut(err.Error(), 200)}
	}
	if complete && (deadline.IsZero() || time.Since(start) < bound/2) {
		if err := db.Check(); err != nil {
			return rep, &DamagedError{Path: db.path, Cause: cut(err.Error(), 200)}
		}
	} else {
		complete = false
	}
	rep.Complete = complete
	rep.Took = time.Since(start)
	return rep, nil
}

// Pace slows CheckPages down so that a store being served keeps its
// latency: after every Chunk pages the walk sleeps long enough that it works
// at most Share of the time (0 < Share <= 1). The zero Pace walks at full
// speed.
type Pace struct {
	Chunk int
	Share float64
}

// The pace of the walk a server runs in the background (Pace's fields):
// 256 pages (1 MiB) at a time, working a quarter of the time.
const (
	DefaultCheckChunk = 256
	DefaultCheckShare = 0.25
)

// CheckPages walks every page of the store as Open's CheckFull walk does,
// in one read-only snapshot, while the store is served: pages are read with
// pread (the walk adds nothing to the process's resident memory but its
// bounded state, see rawCheck), at pace. It returns a *DamagedError when it
// finds damage, ctx's error when ctx ends first (the walk stops within one
// chunk), or another error when it could not run. bbolt's own check (which
// reads through the memory map) is not run: the walk checks the same
// properties (page accounting, element bounds, key order).
//
// The snapshot is held for the whole walk, so pages freed meanwhile are
// reused only after it: the file grows by what is written meanwhile. Open
// maps the file with room for 1 GiB of growth in CheckQuick mode, so that
// writers do not wait for the walk to remap it.
//
// A store that is not a bbolt file has no pages to walk: CheckPages then
// returns a report with Ran false and no error.
func (db *DB) CheckPages(ctx context.Context, pace Pace) (CheckReport, error) {
	if db.bolt == nil {
		return CheckReport{}, nil
	}
	return db.walkPages(ctx, pace.Chunk, pacer(ctx, pace))
}

// walkPages is CheckPages with the pause between chunks of pages given.
func (db *DB) walkPages(ctx context.Context, chunk int, pause func() error) (CheckReport, error) {
	start := time.Now()
	rep := CheckReport{Ran: true}
	var err error
	// A snapshot whose meta page was written over before the walk read it
	// (two commits in between) is retried in a new one.
	for range 10 {
		if err = ctx.Err(); err != nil {
			return rep, err
		}
		err = db.bolt.View(func(tx *bolt.Tx) (err error) {
			// The walk reads with pread and checks every offset: a panic
			// would be a bug of its own, never to end a serving process.
			defer recoverFault(&err)
			rc, err := newRawCheck(db.path, tx, time.Time{})
			if err != nil {
				return err
			}
			defer rc.f.Close()
			if chunk > 0 {
				rc.chunk = chunk
			}
			rc.pause = pause
			err = rc.run()
			rep.Pages, rep.Records = rc.pages, rc.records
			return err
		})
		if !errors.Is(err, errMetaMoved) {
			break
		}
	}
	rep.Took = time.Since(start)
	switch {
	case err == nil:
		rep.Walked, rep.Complete = true, true
		return rep, nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return rep, err
	case errors.Is(err, errMetaMoved), errors.As(err, new(*os.PathError)), errors.As(err, new(*FaultError)):
		return rep, fmt.Errorf("storage: page walk of %s: %w", db.path, err)
	}
	return rep, &DamagedError{Path: db.path, Cause: cut(err.Error(), 200)}
}

// pacer returns the pause of a walk at pace: it sleeps (1-Share)/Share
// times the time the chunk took, and stops the walk when ctx ends.
func pacer(ctx context.Context, pace Pace) func() error {
	last := time.Now()
	return func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if pace.Share <= 0 || pace.Share >= 1 {
			return nil
		}
		worked := time.Since(last)
		t := time.NewTimer(time.Duration(float64(worked) * (1 - pace.Share) / pace.Share))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		last = time.Now()
		return nil
	}
}

var errStopWalk = errors.New("storage: check stopped at its time bound")

func cutBytes(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// Check runs bbolt's consistency check and returns the problems found (the
// first ten); an etcd store has no file here to check (nil).
func (db *DB) Check() error {
	if db.bolt == nil {
		return nil
	}
	return db.bolt.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// SchemaVersion is the schema version the store holds.
func (db *DB) SchemaVersion() int { return db.schema }

// readSchemaVersion reads the store's schema version, recording
// SchemaVersion in a store that has none (a new store, or one written before
// versions were recorded, whose layout is version 1).
func (tx *Tx) readSchemaVersion() (int, error) {
	raw := tx.Peek(metaBucket, schemaRecord)
	if raw == nil {
		return SchemaVersion, tx.Put(metaBucket, schemaRecord, []byte(strconv.Itoa(SchemaVersion)))
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 1 || n > SchemaVersion {
		return 0, &SchemaError{Path: tx.db.path, Version: string(raw)}
	}
	return n, nil
}

// SetSchemaVersion records the store's schema version, for code that
// migrates an older store.
func (tx *Tx) SetSchemaVersion(n int) error {
	if n < 1 || n > SchemaVersion {
		return fmt.Errorf("storage: schema version %d out of range 1..%d", n, SchemaVersion)
	}
	if err := tx.Put(metaBucket, schemaRecord, []byte(strconv.Itoa(n))); err != nil {
		return err
	}
	tx.db.schema = n
	return nil
}

// walkMmapSize is the size bbolt maps an existing store of size bytes with
// in CheckQuick mode: 1 GiB more than the file (address space, not memory).
// A writer that grows the file past the mapping remaps it, and waits for
// every read-only transaction to end first: CheckPages's snapshot would hold
// writers up until the walk ends. With this room, only a store that grows
// by 1 GiB during one walk waits. 0 (bbolt's own sizing) where addresses
// are 32 bits.
func walkMmapSize(size int64) int {
	if strconv.IntSize < 64 {
		return 0
	}
	return int(size) + 1<<30
}
