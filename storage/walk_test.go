package storage_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// rawStore is a bbolt file in memory, with what the damage cases need to
// find their pages (4 KiB pages, as fillStore's files have here).
type rawStore struct {
	b        []byte
	freelist uint64
}

const psize = 4096

func readRaw(t *testing.T, path string) *rawStore {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The meta page bbolt uses: the one with the higher txid.
	meta := func(i int) []byte { return b[i*psize+16:] }
	m := meta(0)
	if binary.LittleEndian.Uint64(meta(1)[48:]) > binary.LittleEndian.Uint64(m[48:]) {
		m = meta(1)
	}
	return &rawStore{b: b, freelist: binary.LittleEndian.Uint64(m[32:])}
}

func (r *rawStore) page(id uint64) []byte { return r.b[id*psize : (id+1)*psize] }

// branchChildren are the page ids a branch page refers to.
func (r *rawStore) branchChildren(t *testing.T, id uint64) []uint64 {
	t.Helper()
	p := r.page(id)
	if flags := binary.LittleEndian.Uint16(p[8:]); flags != 0x01 {
		t.Fatalf("page %d has flags %#x, want a branch page", id, flags)
	}
	var ids []uint64
	for i := range int(binary.LittleEndian.Uint16(p[10:])) {
		ids = append(ids, binary.LittleEndian.Uint64(p[16+i*16+8:]))
	}
	return ids
}

// firstLeafUnder is the first leaf page at or under page id, with the
// branch page above it.
func (r *rawStore) firstLeafUnder(t *testing.T, id uint64) (leaf []byte, parent uint64) {
	t.Helper()
	for binary.LittleEndian.Uint16(r.page(id)[8:]) == 0x01 {
		parent, id = id, r.branchChildren(t, id)[0]
	}
	return r.page(id), parent
}

// bucketRoot is the root page of a bucket, as bbolt reads it.
func bucketRoot(t *testing.T, path, bucket string) uint64 {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var root uint64
	if err := b.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket([]byte(bucket)).RootPage())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestPageWalkFindsEachKindOfDamage damages a store in each way bbolt's own
// check looks for: CheckFull refuses it at Open, and the page walk a server
// runs in the background (CheckQuick's Open, then CheckPages) finds it too,
// naming the same fault.
func TestPageWalkFindsEachKindOfDamage(t *testing.T) {
	dir := t.TempDir()
	pristine := filepath.Join(dir, "pristine.db")
	fillStore(t, pristine, 2000)
	// Rewrite some records so that the free list holds pages.
	db, err := storage.Open(pristine, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *storage.Tx) error {
		for _, k := range []string{"key-000001", "key-000900", "key-001500"} {
			if err := tx.Delete("records", k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	root := bucketRoot(t, pristine, "records")
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, r *rawStore)
		want   string
	}{
		{"a leaf page of no known type", func(t *testing.T, r *rawStore) {
			leaf := r.branchChildren(t, root)[1]
			binary.LittleEndian.PutUint16(r.page(leaf)[8:], 0x00)
		}, "neither branch nor leaf"},
		{"keys out of order on a leaf page", func(t *testing.T, r *rawStore) {
			leaf, _ := r.firstLeafUnder(t, r.branchChildren(t, root)[1])
			// The second key made the same as the first.
			key := func(i int) []byte {
				e := leaf[16+16*i:]
				pos, ksize := binary.LittleEndian.Uint32(e[4:]), binary.LittleEndian.Uint32(e[8:])
				return leaf[16+16*i+int(pos) : 16+16*i+int(pos+ksize)]
			}
			copy(key(1), key(0))
		}, "is not after the key before it"},
		{"a key outside the bounds of its branch page", func(t *testing.T, r *rawStore) {
			leaf, _ := r.firstLeafUnder(t, r.branchChildren(t, root)[1])
			e := leaf[16:]
			pos, ksize := binary.LittleEndian.Uint32(e[4:]), binary.LittleEndian.Uint32(e[8:])
			copy(leaf[16+pos+ksize-6:], "000000")
		}, "is before the key page"},
		{"a page two branch elements refer to", func(t *testing.T, r *rawStore) {
			p := r.page(root)
			first := binary.LittleEndian.Uint64(p[16+8:])
			binary.LittleEndian.PutUint64(p[16+16+8:], first)
		}, "is reached twice"},
		{"a page neither in use nor free", func(t *testing.T, r *rawStore) {
			p := r.page(r.freelist)
			n := binary.LittleEndian.Uint16(p[10:])
			if n == 0 || n == 0xFFFF {
				t.Fatalf("the free list counts %d pages, want a few", n)
			}
			binary.LittleEndian.PutUint16(p[10:], n-1)
		}, "neither in use nor in the free list"},
		{"a page in use and free", func(t *testing.T, r *rawStore) {
			p := r.page(r.freelist)
			n := binary.LittleEndian.Uint16(p[10:])
			binary.LittleEndian.PutUint64(p[16+8*int(n-1):], r.branchChildren(t, root)[2])
		}, "free"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := readRaw(t, pristine)
			tc.damage(t, r)
			for _, mode := range []storage.CheckMode{storage.CheckFull, storage.CheckQuick} {
				path := filepath.Join(t.TempDir(), "kmsgate.db")
				if err := os.WriteFile(path, r.b, 0o600); err != nil {
					t.Fatal(err)
				}
				db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey(), Check: mode})
				if mode == storage.CheckQuick {
					if err != nil {
						t.Fatalf("CheckQuick: got %v at Open, want the store opened (the walk comes later)", err)
					}
					_, err = db.CheckPages(context.Background(), storage.Pace{})
					db.Close()
				} else if err == nil {
					db.Close()
				}
				var de *storage.DamagedError
				if !errors.As(err, &de) || !strings.Contains(de.Cause, tc.want) {
					t.Errorf("%v: got %v, want a *storage.DamagedError saying %q", mode, err, tc.want)
				}
			}
		})
	}
}
