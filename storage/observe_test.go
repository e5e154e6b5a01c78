package storage_test

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

func TestObserveTxSeesEveryTransactionWithItsKind(t *testing.T) {
	var mu sync.Mutex
	seen := map[bool]int{}
	var negative bool
	db, err := storage.Open(filepath.Join(t.TempDir(), "kmsgate.db"), storage.Options{
		RootKey: storagetest.RootKey(),
		ObserveTx: func(writable bool, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			seen[writable]++
			negative = negative || d < 0
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mu.Lock()
	opened := seen[true] // Open writes the root-key check in one transaction
	mu.Unlock()
	for range 3 {
		if err := db.Update(func(tx *storage.Tx) error { return tx.Put("b", "k", []byte("v")) }); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := db.View(func(tx *storage.Tx) error { tx.Get("b", "k"); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got := seen[true] - opened; got != 3 {
		t.Errorf("got %d write transactions observed, want 3", got)
	}
	if seen[false] != 2 {
		t.Errorf("got %d read transactions observed, want 2", seen[false])
	}
	if negative {
		t.Error("a transaction was observed with a negative duration")
	}
}

func TestSizeGrowsWithTheData(t *testing.T) {
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey())
	before, err := db.Size()
	if err != nil || before <= 0 {
		t.Fatalf("got size %d (%v) for a fresh store, want > 0", before, err)
	}
	if err := db.Update(func(tx *storage.Tx) error {
		for i := range 200 {
			if err := tx.Put("big", string(rune('a'+i%26))+string(rune(i)), bytes.Repeat([]byte{1}, 4096)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if after < before+200*4096 {
		t.Errorf("got size %d after writing 800 KiB to a store of %d, want at least %d", after, before, before+200*4096)
	}
}
