// Package storagetest opens real storage.DB files for tests and checks their
// consistency (bbolt's tx.Check) when the test ends.
package storagetest

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/kmsgate/kmsgate/storage"
)

// RootKey is a fixed root key for tests (never for a real store).
func RootKey() []byte { return bytes.Repeat([]byte{0x5a}, storage.RootKeySize) }

// New opens a fresh store in t.TempDir() under RootKey().
func New(t testing.TB) *storage.DB {
	t.Helper()
	return Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), RootKey())
}

// Open opens the store at path under rootKey and registers a cleanup that
// checks the file's consistency and closes it. A test may Close the store
// itself (to reopen it); the check then runs on a fresh open of the file.
func Open(t testing.TB, path string, rootKey []byte) *storage.DB {
	t.Helper()
	db, err := storage.Open(path, storage.Options{RootKey: rootKey})
	if err != nil {
		t.Fatalf("storage.Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		check, err := storage.Open(path, storage.Options{RootKey: rootKey})
		if err != nil {
			t.Errorf("reopen %s for the consistency check: %v", path, err)
			return
		}
		defer check.Close()
		if err := check.Check(); err != nil {
			t.Errorf("bbolt consistency check of %s: %v", path, err)
		}
	})
	return db
}
