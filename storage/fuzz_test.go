package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// FuzzOpenAnyFile opens arbitrary bytes as a store file (seeded with a real
// store and damaged copies of it): Open refuses or opens, and reads of an
// opened store succeed or fail, and so does the page walk a server runs in
// the background, but nothing panics or dies of a fault.
func FuzzOpenAnyFile(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.db")
	fillStore(f, path, 40)
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	for _, off := range []int{8, 4096 + 8, 2*4096 + 10, 3*4096 + 20, len(raw) - 100} {
		if off < len(raw) {
			d := append([]byte(nil), raw...)
			d[off] ^= 0xff
			f.Add(d)
		}
	}
	f.Add(raw[:8192])
	f.Add([]byte("not a store"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "kmsgate.db")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := storage.Open(p, storage.Options{RootKey: storagetest.RootKey()})
		if err != nil {
			return
		}
		defer db.Close()
		_ = readAll(db)
		_, _ = db.CheckPages(context.Background(), storage.Pace{})
	})
}

// FuzzUnseal opens arbitrary bytes as a sealed record (the material
// records): an error, never a panic, and never a plaintext from bytes that
// Seal did not make.
func FuzzUnseal(f *testing.F) {
	db := storagetest.New(f)
	sealed, err := db.Seal("b", "k", []byte("secret"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		pt, err := db.Unseal("b", "k", data)
		if err == nil && string(data) != string(sealed) {
			t.Errorf("got plaintext %q from bytes Seal did not make", pt)
		}
	})
}
