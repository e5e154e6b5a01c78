package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

func TestStoreFileIsCreatedOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	storagetest.Open(t, path, storagetest.RootKey())
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("store file mode: got %o, want 600", got)
	}
}

func TestSealedMaterialNeverAppearsInPlaintextInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	db := storagetest.Open(t, path, storagetest.RootKey())
	secret := []byte("THIS-IS-SECRET-KEY-MATERIAL-0123456789")
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.PutSealed("material", "acct/region/key/1", secret)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) {
		t.Fatalf("the store file holds the sealed secret in plaintext")
	}
	db = storagetest.Open(t, path, storagetest.RootKey())
	var got []byte
	if err := db.View(func(tx *storage.Tx) error {
		var ok bool
		got, ok, err = tx.GetSealed("material", "acct/region/key/1")
		if !ok {
			return errors.New("sealed record missing after reopen")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("opened secret: got %q, want %q", got, secret)
	}
}

func TestOpenWithAnotherRootKeyFailsCleanly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	db := storagetest.Open(t, path, storagetest.RootKey())
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{0x01}, storage.RootKeySize)
	_, err := storage.Open(path, storage.Options{RootKey: other})
	if !errors.Is(err, storage.ErrWrongRootKey) {
		t.Fatalf("Open with another root key: got %v, want ErrWrongRootKey", err)
	}
	// The file is unharmed and still opens with the right key.
	db2, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatalf("reopen with the right key: %v", err)
	}
	_ = db2.Close()
}

func TestOpenRejectsBadRootKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"a nil root key is rejected", nil},
		{"a 16-byte root key is rejected", make([]byte, 16)},
		{"a 33-byte root key is rejected", make([]byte, 33)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := storage.Open(filepath.Join(t.TempDir(), "x.db"), storage.Options{RootKey: tc.key})
			if err == nil {
				_ = db.Close()
				t.Fatal("got nil error, want a root key length error")
			}
		})
	}
}

func TestSealedValueIsBoundToItsRecord(t *testing.T) {
	db := storagetest.New(t)
	err := db.Update(func(tx *storage.Tx) error {
		if err := tx.PutSealed("material", "a", []byte("secret")); err != nil {
			return err
		}
		// Copy the sealed bytes to another record: they must not open there.
		if err := tx.Put("material", "b", tx.Get("material", "a")); err != nil {
			return err
		}
		if _, _, err := tx.GetSealed("material", "b"); !errors.Is(err, storage.ErrSealed) {
			t.Errorf("moved sealed value: got %v, want ErrSealed", err)
		}
		if err := tx.Put("other", "a", tx.Get("material", "a")); err != nil {
			return err
		}
		if _, _, err := tx.GetSealed("other", "a"); !errors.Is(err, storage.ErrSealed) {
			t.Errorf("sealed value in another bucket: got %v, want ErrSealed", err)
		}
		if _, ok, err := tx.GetSealed("material", "missing"); ok || err != nil {
			t.Errorf("absent sealed value: got ok=%v err=%v, want false, nil", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransactionsCopyBytesAndRollBack(t *testing.T) {
	db := storagetest.New(t)
	var kept []byte
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.Put("b", "k", []byte("value-1"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *storage.Tx) error {
		kept = tx.Get("b", "k")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := db.Update(func(tx *storage.Tx) error {
		if err := tx.Put("b", "k", []byte("value-2")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed Update: got %v, want boom", err)
	}
	if string(kept) != "value-1" {
		t.Errorf("bytes read in an ended transaction: got %q, want value-1", kept)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if got := string(tx.Get("b", "k")); got != "value-1" {
			t.Errorf("after a rolled-back Update: got %q, want value-1", got)
		}
		return nil
	})
}

func TestScanWalksOnePrefixFromAStartKey(t *testing.T) {
	db := storagetest.New(t)
	_ = db.Update(func(tx *storage.Tx) error {
		for _, k := range []string{"a/1", "a/2", "a/3", "b/1", "a0"} {
			if err := tx.Put("s", k, []byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		name, prefix, from string
		want               []string
	}{
		{"a prefix lists only its keys", "a/", "", []string{"a/1", "a/2", "a/3"}},
		{"a start key skips earlier keys", "a/", "a/2", []string{"a/2", "a/3"}},
		{"a start key before the prefix is ignored", "b/", "a/9", []string{"b/1"}},
		{"an unknown prefix lists nothing", "c/", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			_ = db.View(func(tx *storage.Tx) error {
				return tx.Scan("s", tc.prefix, tc.from, func(k string, v []byte) (bool, error) {
					if k != string(v) {
						t.Errorf("value of %s: got %q", k, v)
					}
					got = append(got, k)
					return true, nil
				})
			})
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestConcurrentWritersAllLand(t *testing.T) {
	db := storagetest.New(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := db.Update(func(tx *storage.Tx) error {
				return tx.PutSealed("c", string(rune('a'+i)), []byte{byte(i)})
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	_ = db.View(func(tx *storage.Tx) error {
		keys, _ := tx.Keys("c", "")
		if len(keys) != 20 {
			t.Errorf("records after 20 concurrent writes: got %d, want 20", len(keys))
		}
		return nil
	})
}

func TestLoadOrCreateRootKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db.rootkey")
	first, err := storage.LoadOrCreateRootKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != storage.RootKeySize {
		t.Fatalf("root key length: got %d, want %d", len(first), storage.RootKeySize)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("root key file mode: got %o, want 600", got)
	}
	second, err := storage.LoadOrCreateRootKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("second load made a new key instead of reading the file")
	}
	other, err := storage.LoadOrCreateRootKey(filepath.Join(t.TempDir(), "other.rootkey"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, other) {
		t.Errorf("two new root key files hold the same key")
	}
}

func TestParseRootKeyRejectsBadText(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"non-hex text is rejected", "zz"},
		{"a short key is rejected", "abcd"},
		{"an empty file is rejected", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := storage.ParseRootKey(tc.in); err == nil {
				t.Errorf("ParseRootKey(%q): got nil error", tc.in)
			}
		})
	}
}

// A read-only transaction remembers the buckets it opened; reads across more
// buckets than it remembers, absent buckets and absent keys must all still
// answer from the right bucket, and Peek must see what Get sees.
func TestReadsAcrossManyBucketsAnswerFromTheRightOne(t *testing.T) {
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey())
	buckets := []string{"b1", "b2", "b3", "b4", "b5", "b6"}
	if err := db.Update(func(tx *storage.Tx) error {
		for _, b := range buckets {
			if err := tx.Put(b, "k", []byte("value of "+b)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	order := []string{"missing", "b1", "b2", "missing", "b3", "b4", "b5", "b6", "b2", "b6", "b1"}
	if err := db.View(func(tx *storage.Tx) error {
		for _, b := range order {
			want := []byte("value of " + b)
			if b == "missing" {
				want = nil
			}
			if got := tx.Get(b, "k"); !bytes.Equal(got, want) {
				t.Errorf("Get(%s, k): got %q, want %q", b, got, want)
			}
			if got := tx.Peek(b, "k"); !bytes.Equal(got, want) {
				t.Errorf("Peek(%s, k): got %q, want %q", b, got, want)
			}
			if got := tx.Peek(b, "absent"); got != nil {
				t.Errorf("Peek(%s, absent): got %q, want nil", b, got)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A bucket made by a write after a read-only transaction looked for it (and
// found nothing) is seen by the next transaction.
func TestBucketCreatedAfterAMissIsSeenByTheNextRead(t *testing.T) {
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey())
	if err := db.View(func(tx *storage.Tx) error {
		if got := tx.Get("late", "k"); got != nil {
			t.Errorf("Get before the write: got %q, want nil", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *storage.Tx) error { return tx.Put("late", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *storage.Tx) error {
		if got := tx.Get("late", "k"); string(got) != "v" {
			t.Errorf("Get after the write: got %q, want %q", got, "v")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestScanPeekSeeksAndStops(t *testing.T) {
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey())
	if err := db.Update(func(tx *storage.Tx) error {
		for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
			if err := tx.Put("t", k, []byte("v"+k)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		prefix, from string
		stopAfter    int
		want         []string
	}{
		{"a/", "", 10, []string{"a/1=va/1", "a/2=va/2", "a/3=va/3"}},
		{"a/", "a/2", 10, []string{"a/2=va/2", "a/3=va/3"}},
		{"a/", "a/15", 10, []string{"a/2=va/2", "a/3=va/3"}},
		{"a/", "", 1, []string{"a/1=va/1"}},
		{"b/", "", 10, []string{"b/1=vb/1"}},
		{"c/", "", 10, nil},
	}
	for _, c := range cases {
		var got []string
		if err := db.View(func(tx *storage.Tx) error {
			return tx.ScanPeek("t", c.prefix, c.from, func(k string, v []byte) (bool, error) {
				got = append(got, k+"="+string(v))
				return len(got) < c.stopAfter, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ScanPeek(%q, from %q): got %v, want %v", c.prefix, c.from, got, c.want)
		}
	}
}

// TestWriteCountNamesTheStateWithoutATransaction: on bbolt, WriteCount
// moves with every Update (committed, rolled back or panicked) once it has
// ended, answers ok false while one is under way, and stays put between
// writes.
func TestWriteCountNamesTheStateWithoutATransaction(t *testing.T) {
	db := storagetest.New(t)
	count := func() (uint64, bool) { return db.WriteCount() }
	n0, ok := count()
	if !ok {
		t.Fatal("got ok false with no write under way, want true")
	}
	if err := db.View(func(*storage.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n, ok := count(); n != n0 || !ok {
		t.Fatalf("after a read: got %d %v, want %d true", n, ok, n0)
	}
	errRollBack := errors.New("roll back")
	for i, tc := range []struct {
		name string
		fn   func(*storage.Tx) error
	}{
		{"a committed write", func(tx *storage.Tx) error { return tx.Put("b", "k", []byte("v")) }},
		{"a rolled-back write", func(tx *storage.Tx) error { _ = tx.Put("b", "k", []byte("w")); return errRollBack }},
		{"a write that panicked", func(*storage.Tx) error { panic("boom") }},
	} {
		var during bool
		_ = db.Update(func(tx *storage.Tx) error {
			_, during = count()
			return tc.fn(tx)
		})
		if during {
			t.Errorf("%s: got ok true while it was under way, want false", tc.name)
		}
		if n, ok := count(); n != n0+uint64(i)+1 || !ok {
			t.Errorf("after %s: got %d %v, want %d true", tc.name, n, ok, n0+uint64(i)+1)
		}
	}
}

// TestWriteCountCoversEveryCommitSeen: one writer stores 1, 2, 3, ... in
// as many Updates while readers check, on the real store, what WriteCount
// promises: a View begun after it answered n (ok) sees every write counted
// in n, and a write already seen committed before it was called is counted
// (a write that has committed but whose count has not moved makes ok
// false).
func TestWriteCountCoversEveryCommitSeen(t *testing.T) {
	db := storagetest.New(t)
	base, _ := db.WriteCount()
	read := func() uint64 {
		var v uint64
		if err := db.View(func(tx *storage.Tx) error {
			if b := tx.Peek("b", "k"); len(b) == 8 {
				v = binary.BigEndian.Uint64(b)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		return v
	}
	const writes = 100
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				seen := read()
				n, ok := db.WriteCount()
				if !ok {
					continue
				}
				if n-base < seen {
					t.Errorf("got write count %d after seeing write %d committed, want at least %d", n-base, seen, seen)
					return
				}
				if v := read(); v < n-base {
					t.Errorf("a View after write count %d read write %d, want at least %d", n-base, v, n-base)
					return
				}
			}
		})
	}
	for i := uint64(1); i <= writes; i++ {
		if err := db.Update(func(tx *storage.Tx) error { return tx.Put("b", "k", binary.BigEndian.AppendUint64(nil, i)) }); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
}
