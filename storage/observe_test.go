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
	// Open reads the root-key check (and writes it in a new store).
	openedW, openedR := seen[true], seen[false]
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
	if got := seen[true] - openedW; got != 3 {
		t.Errorf("got %d write transactions observed, want 3", got)
	}
	if got := seen[false] - openedR; got != 2 {
		t.Errorf("got %d read transactions observed, want 2", got)
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

// TestReopenWritesNothing: opening a store that has its root-key check and
// schema version reads them only. A write transaction at every start would
// write bbolt's free list and sync (8 to 12 ms with 1M keys).
func TestReopenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	for i, want := range []int{1, 0, 0} {
		writes := 0
		db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey(), ObserveTx: func(writable bool, _ time.Duration) {
			if writable {
				writes++
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if writes != want {
			t.Errorf("open %d: got %d write transactions, want %d", i+1, writes, want)
		}
	}
}
