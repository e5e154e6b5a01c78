package storage_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// fillStore writes n records of 300 bytes into a new store at path and
// closes it: a file of several hundred pages.
func fillStore(t testing.TB, path string, n int) {
	t.Helper()
	db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < n; i += 100 {
		if err := db.Update(func(tx *storage.Tx) error {
			for j := i; j < i+100 && j < n; j++ {
				if err := tx.Put("records", fmt.Sprintf("key-%06d", j), bytes.Repeat([]byte{byte(j)}, 300)); err != nil {
					return err
				}
				if err := tx.PutSealed("sealed", fmt.Sprintf("key-%06d", j), []byte("material")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll reads every record of the two buckets fillStore writes.
func readAll(db *storage.DB) error {
	return db.View(func(tx *storage.Tx) error {
		for _, b := range []string{"records", "sealed"} {
			if err := tx.Scan(b, "", "", func(string, []byte) (bool, error) { return true, nil }); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestTruncatedStoreIsRefusedAsDamaged(t *testing.T) {
	for _, size := range []int64{65536, 8192, 4096 + 100} {
		t.Run(fmt.Sprintf("truncated to %d bytes", size), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kmsgate.db")
			fillStore(t, path, 3000)
			if err := os.Truncate(path, size); err != nil {
				t.Fatal(err)
			}
			db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
			if err == nil {
				db.Close()
				t.Fatal("got a store, want it refused as damaged")
			}
			var de *storage.DamagedError
			if !errors.As(err, &de) {
				t.Fatalf("got %T %v, want *storage.DamagedError", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "store "+path+" is damaged: ") || !strings.HasSuffix(msg, "; restore a backup") || strings.Contains(msg, "\n") {
				t.Errorf("got message %q, want one line \"store %s is damaged: ...; restore a backup\"", msg, path)
			}
		})
	}
}

// TestFlippedBytesNeverCrash damages random bytes of a store's pages many
// times over: with CheckFull every Open either refuses the file as damaged
// or gives a store whose reads succeed or fail with an error, never a crash;
// with the default CheckQuick, Open and then the page walk (CheckPages, what
// a server runs in the background) come to the same verdict, and reads of
// the store served meanwhile never crash either.
func TestFlippedBytesNeverCrash(t *testing.T) {
	dir := t.TempDir()
	pristine := filepath.Join(dir, "pristine.db")
	fillStore(t, pristine, 2000)
	raw, err := os.ReadFile(pristine)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i := range 40 {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		damaged := bytes.Clone(raw)
		// Leave the two meta pages (pages 0 and 1) alone: bbolt checks
		// them by checksum; damage beyond them is what goes unseen.
		for range 1 + i%8 {
			page := 2 + r.IntN(len(damaged)/4096-2)
			off := page*4096 + r.IntN(64)
			if i%2 == 1 {
				off = page*4096 + r.IntN(4096)
			}
			damaged[off] ^= byte(1 + r.IntN(255))
		}
		full := filepath.Join(dir, fmt.Sprintf("damaged-%d.db", i))
		quick := filepath.Join(dir, fmt.Sprintf("damaged-%d-quick.db", i))
		for _, p := range []string{full, quick} {
			if err := os.WriteFile(p, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		fullVerdict := openVerdict(t, full, storage.Options{RootKey: storagetest.RootKey(), Check: storage.CheckFull}, false)
		if fullVerdict != "sound" {
			refused++
		}
		if got := openVerdict(t, quick, storage.Options{RootKey: storagetest.RootKey()}, true); got != fullVerdict {
			t.Errorf("variant %d: got %s with CheckQuick and the page walk, want %s as with CheckFull", i, got, fullVerdict)
		}
	}
	if refused == 0 {
		t.Errorf("got none of 40 damaged files refused at open, want the page damage found")
	}
}

// openVerdict opens path with opts and, when walk, runs the page walk:
// "sound", "damaged" (a *storage.DamagedError) or "wrong root key" (the
// root-key check record was hit). Any other error fails the test. The
// store, when it opens, is read whole first: errors are fine, crashes not.
func openVerdict(t *testing.T, path string, opts storage.Options, walk bool) string {
	t.Helper()
	verdict := func(err error) string {
		var de *storage.DamagedError
		switch {
		case err == nil:
			return "sound"
		case errors.As(err, &de):
			return "damaged"
		case errors.Is(err, storage.ErrWrongRootKey):
			return "wrong root key"
		}
		t.Errorf("%s: got %T %v, want a *storage.DamagedError or none", path, err, err)
		return "other"
	}
	db, err := storage.Open(path, opts)
	if err != nil {
		return verdict(err)
	}
	defer db.Close()
	_ = readAll(db) // an error is fine; a crash would end the test binary
	if !walk {
		return "sound"
	}
	_, err = db.CheckPages(context.Background(), storage.Pace{})
	return verdict(err)
}

// TestFaultWhileServingFailsTheReadOnly: the file is cut short under an
// open store (as a damaged disk or a careless operator would): reading the
// lost pages faults in the memory map. The read fails with a *FaultError
// and the process lives on.
func TestFaultWhileServingFailsTheReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	fillStore(t, path, 3000)
	db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := readAll(db); err != nil {
		t.Fatalf("before the damage: %v", err)
	}
	if err := os.Truncate(path, 16384); err != nil {
		t.Fatal(err)
	}
	err = readAll(db)
	var fe *storage.FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *storage.FaultError", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("got a multi-line error %q", err)
	}
	// The store still answers what it can: the meta pages are intact.
	if err := db.View(func(tx *storage.Tx) error { return nil }); err != nil {
		t.Errorf("an empty read after the fault: %v", err)
	}
}

func TestSecondOpenNamesAnotherKmsgate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	db := storagetest.Open(t, path, storagetest.RootKey())
	_ = db
	_, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey(), Timeout: 100 * time.Millisecond})
	want := "store " + path + " is in use by another kmsgate (or another program); stop it or use another --data"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestSchemaVersion(t *testing.T) {
	setVersion := func(t *testing.T, path, v string) {
		t.Helper()
		b, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("storage.meta"))
			if err != nil {
				return err
			}
			if v == "" {
				return bk.Delete([]byte("schema-version"))
			}
			return bk.Put([]byte("schema-version"), []byte(v))
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, stored string
		want         string // error text; "" means it opens
		wantVersion  int
	}{
		{"a new store records the current version", "-", "", storage.SchemaVersion},
		{"a store written before versions were recorded is version 1", "", "", 1},
		{"the current version opens", "1", "", 1},
		{"a newer version is refused with its number", "7", "has schema version 7, newer than this kmsgate reads (1); run a newer kmsgate", 0},
		{"an unknown version is refused with its text", "v2-beta", `has an unknown schema version "v2-beta"; this kmsgate reads version 1`, 0},
		{"version zero is unknown", "0", `has an unknown schema version "0"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kmsgate.db")
			if tc.stored != "-" {
				db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				setVersion(t, path, tc.stored)
			}
			db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
			if tc.want != "" {
				var se *storage.SchemaError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want a *storage.SchemaError containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.SchemaVersion(); got != tc.wantVersion {
				t.Errorf("got schema version %d, want %d", got, tc.wantVersion)
			}
		})
	}
}

func TestConsistencyCheckReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	fillStore(t, path, 1000)
	for _, tc := range []struct {
		name         string
		opts         storage.Options
		ran, complet bool
	}{
		{"CheckQuick (the default) walks nothing at open", storage.Options{}, false, false},
		{"CheckFull checks an existing store whole", storage.Options{Check: storage.CheckFull}, true, true},
		{"CheckOff skips it", storage.Options{Check: storage.CheckOff}, false, false},
		{"SkipCheck is CheckOff", storage.Options{Check: storage.CheckFull, SkipCheck: true}, false, false},
		{"a bound of 1ns stops CheckFull's walk and leaves it incomplete", storage.Options{Check: storage.CheckFull, CheckTimeout: time.Nanosecond}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.RootKey = storagetest.RootKey()
			db, err := storage.Open(path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rep := db.CheckReport()
			if rep.Ran != tc.ran || rep.Complete != tc.complet || (tc.complet && !rep.Walked) {
				t.Errorf("got ran=%v complete=%v, want ran=%v complete=%v", rep.Ran, rep.Complete, tc.ran, tc.complet)
			}
			if tc.complet && rep.Records < 2000 {
				t.Errorf("got %d records read, want every one of the 2000 written", rep.Records)
			}
		})
	}
	t.Run("CheckPages walks every page of a sound store", func(t *testing.T) {
		db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rep, err := db.CheckPages(context.Background(), storage.Pace{Chunk: 16, Share: 0.5})
		if err != nil {
			t.Fatalf("got %v, want a sound store", err)
		}
		if !rep.Ran || !rep.Walked || !rep.Complete || rep.Records < 2000 || rep.Pages < 100 {
			t.Errorf("got %+v, want ran, walked, complete, every one of the 2000 records and over 100 pages", rep)
		}
	})
}

// TestHugeFreeListCountIsRefused damages the free list's page count so
// that bbolt, trusting it, would allocate without bound (a fatal out of
// memory, not a panic) while opening: the file is refused as damaged first.
func TestHugeFreeListCountIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	fillStore(t, path, 300)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patched := 0
	for _, metaOff := range []int{0, 4096} {
		freelist := binary.LittleEndian.Uint64(raw[metaOff+16+32:])
		if freelist == ^uint64(0) || int(freelist+1)*4096 > len(raw) {
			continue
		}
		page := raw[int(freelist)*4096:]
		binary.LittleEndian.PutUint16(page[10:], 0xFFFF)
		binary.LittleEndian.PutUint64(page[16:], 1<<36)
		patched++
	}
	if patched == 0 {
		t.Fatal("found no free list page to damage")
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
	var de *storage.DamagedError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "free list") {
		t.Fatalf("got %v, want the store refused as damaged for its free list", err)
	}
}

// TestFaultWhileWritingReleasesTheStore: a write that faults on a store
// truncated under the server, while its fn reads the store or while bbolt
// commits it, fails with a *FaultError and leaves the store usable: later
// writes answer (another *FaultError here, the file being still short)
// instead of waiting for a writer lock never released, and Close returns.
func TestFaultWhileWritingReleasesTheStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		// truncateInFn cuts the file after fn's Put, so that the fault
		// comes in bbolt's Commit (spill, free list), not in fn.
		truncateInFn bool
	}{
		{"a fault in fn", false},
		{"a fault in the commit", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kmsgate.db")
			fillStore(t, path, 3000)
			db, err := storage.Open(path, storage.Options{RootKey: storagetest.RootKey()})
			if err != nil {
				t.Fatal(err)
			}
			truncate := func() {
				if err := os.Truncate(path, 16384); err != nil {
					t.Error(err)
				}
			}
			if !tc.truncateInFn {
				truncate()
			}
			n0, _ := db.WriteCount()
			var fe *storage.FaultError
			err = db.Update(func(tx *storage.Tx) error {
				err := tx.Put("records", "key-001234", []byte("rewritten"))
				if tc.truncateInFn {
					truncate()
				}
				return err
			})
			if !errors.As(err, &fe) {
				t.Fatalf("the first write: got %v, want a *storage.FaultError", err)
			}
			if inCommit := strings.Contains(string(fe.Stack), "bbolt.(*Tx).Commit"); inCommit != tc.truncateInFn {
				t.Fatalf("the first write's fault: got it in bbolt's Commit %v, want %v:\n%s", inCommit, tc.truncateInFn, fe.Stack)
			}
			// Bounded waits: without the fix these calls never return.
			answered := make(chan error, 1)
			go func() {
				answered <- db.Update(func(tx *storage.Tx) error { return tx.Put("records", "key-000001", []byte("rewritten")) })
			}()
			select {
			case err := <-answered:
				if !errors.As(err, &fe) {
					t.Errorf("the second write: got %v, want a *storage.FaultError", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the second write did not return within 30 s: the writer lock was left held")
			}
			// Both faulted writes have ended: WriteCount counts them and
			// has none under way.
			if n, ok := db.WriteCount(); n != n0+2 || !ok {
				t.Errorf("got WriteCount %d, %v; want %d, true", n, ok, n0+2)
			}
			closed := make(chan error, 1)
			go func() { closed <- db.Close() }()
			select {
			case <-closed:
			case <-time.After(30 * time.Second):
				t.Fatal("Close did not return within 30 s: the writer lock was left held")
			}
		})
	}
}
