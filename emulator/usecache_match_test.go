package emulator

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// A use-cache entry answers a read transaction only in the snapshot it was
// made in, and viewCached's run with no store only at the write count it
// was made at. A read transaction whose write count matches the entry's but
// whose snapshot does not (a write committed between reading the count and
// beginning the transaction, or after the entry's own count was read) must
// not mix the entry's state with what it reads itself.
func TestUseEntryAnswersOnlyItsOwnState(t *testing.T) {
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey())
	s, err := New(Config{DB: db, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := s.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.KeyMetadata.KeyId
	if _, err := s.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	sc := s.scopeOf(ctx)
	e, ok := s.uses.entries.Get(useID{sc.account, sc.region, id, false})
	if !ok || e.writes == 0 {
		t.Fatalf("no entry with a write count after Encrypt: %+v, %v", e, ok)
	}
	lookUp := func(tx *storage.Tx, writes uint64) bool {
		_, hit := (&txn{s: s, tx: tx, sc: sc, now: s.now(), writes: writes}).cachedUse(id, false)
		return hit
	}
	inView := func(writes uint64) (hit bool) {
		if err := db.View(func(tx *storage.Tx) error { hit = lookUp(tx, writes); return nil }); err != nil {
			t.Fatal(err)
		}
		return hit
	}
	for _, c := range []struct {
		name string
		hit  func() bool
		want bool
	}{
		{"no store, the entry's write count", func() bool { return lookUp(nil, e.writes) }, true},
		{"no store, another write count", func() bool { return lookUp(nil, e.writes+1) }, false},
		{"read transaction in the entry's snapshot", func() bool { return inView(0) }, true},
		{"writable transaction", func() (hit bool) {
			if err := db.Update(func(tx *storage.Tx) error { hit = lookUp(tx, e.writes); return nil }); err != nil {
				t.Fatal(err)
			}
			return hit
		}, false},
		// After the Update above: another snapshot, under the entry's count.
		{"read transaction in another snapshot, the entry's write count", func() bool { return inView(e.writes) }, false},
	} {
		if got := c.hit(); got != c.want {
			t.Errorf("%s: got hit %v, want %v", c.name, got, c.want)
		}
	}
}
