// Package storagetest opens real storage.DB files for tests and checks their
// consistency (bbolt's tx.Check and the store's own page walk) when the test
// ends, and damages store files the way a failing disk does.
package storagetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

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
		if _, err := check.CheckPages(context.Background(), storage.Pace{}); err != nil {
			t.Errorf("page walk of %s: %v", path, err)
		}
	})
	return db
}

// DamageFirstLeaf gives the first leaf page of bucket in the closed store at
// path a page type bbolt does not know: what a flipped bit on a disk does to
// a data page. The checks storage.Open makes in storage.CheckQuick mode
// (meta pages, free list, root key, schema) do not read it; the page walk
// does, and so does any read of the records on it. The bucket must be on
// pages of its own (not inline: a few records of a few KiB).
func DamageFirstLeaf(t testing.TB, path, bucket string) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	err = b.View(func(tx *bolt.Tx) error {
		if bk := tx.Bucket([]byte(bucket)); bk != nil {
			root = uint64(bk.RootPage())
		}
		return nil
	})
	psize := b.Info().PageSize
	b.Close()
	if err != nil || root == 0 {
		t.Fatalf("bucket %s: got root page %d (%v), want the bucket on pages of its own", bucket, root, err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := func(id uint64) []byte { return raw[int(id)*psize : int(id+1)*psize] }
	const branch, flags, count, elements = 0x01, 8, 10, 16
	id := root
	for binary.LittleEndian.Uint16(page(id)[flags:]) == branch {
		if binary.LittleEndian.Uint16(page(id)[count:]) == 0 {
			t.Fatalf("branch page %d is empty", id)
		}
		id = binary.LittleEndian.Uint64(page(id)[elements+8:]) // the first child
	}
	binary.LittleEndian.PutUint16(page(id)[flags:], 0x00)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
