package storage

import (
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

// CheckReport says what the consistency check at Open did.
type CheckReport struct {
	// Ran is false when the store was new or the check was skipped.
	Ran bool
	// Walked is true when the page walk read every page; Complete when
	// bbolt's own check ran after it too. The time bound stops the walk
	// (Walked false), or leaves out bbolt's check when the walk took more
	// than half of the bound (Walked true, Complete false).
	Walked, Complete bool
	// Records is how many keys (of records and buckets) were read.
	Records int
	// Took is how long the check took.
	Took time.Duration
}

// CheckReport is what the consistency check at Open did.
func (db *DB) CheckReport() CheckReport { return db.check }

// consistencyCheck finds damage before the store is served. It runs in two
// steps: first its own walk over the file's pages (read with ReadAt, not
// through the memory map, so that it meets no fault; every offset checked,
// so that it cannot panic; every page id seen once, so that pages referring
// in a loop cannot keep it going), stopped at bound; then, when the walk
// found the page tree sound within half the bound, bbolt's own check (free
// list and page accounting), which runs in a goroutine of bbolt's where a
// fault, a loop or a deep recursion could not be caught: the walk has made
// sure it meets none.
func (db *DB) consistencyCheck(bound time.Duration) (CheckReport, error) {
	start := time.Now()
	rep := CheckReport{Ran: true}
	var deadline time.Time
	if bound > 0 {
		deadline = start.Add(bound)
	}
	var rc *rawCheck
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		rc, err = newRawCheck(db.path, tx, deadline)
		if err != nil {
			return err
		}
		defer rc.f.Close()
		return rc.run()
	})
	if rc != nil {
		rep.Records = rc.records
	}
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
