package envelope

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kmsgate/kmsgate"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, dataKeySize) }

// newTestCache is newKeyCache for sizes the test knows are valid.
func newTestCache(t *testing.T, maxEntries int, maxAge time.Duration, now func() time.Time) *keyCache {
	t.Helper()
	c, err := newKeyCache(maxEntries, maxAge, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustAEAD(t *testing.T, key []byte) cipher.AEAD {
	t.Helper()
	a, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCacheEvictsTheLeastRecentlyUsedKeyAndZeroesIt(t *testing.T) {
	clock := kmsgate.NewClock(nil)
	c := newTestCache(t, 2, time.Hour, clock.Now)
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	c.put([]byte("edk1"), "t", k1, mustAEAD(t, k1))
	c.put([]byte("edk2"), "t", k2, mustAEAD(t, k2))
	if a, _ := c.lookup([]byte("edk1"), []byte("t")); a == nil { // edk1 is now the most recent
		t.Fatal("edk1 missing right after put")
	}
	c.put([]byte("edk3"), "t", k3, mustAEAD(t, k3))

	if a, _ := c.lookup([]byte("edk2"), []byte("t")); a != nil {
		t.Error("got edk2 still cached, want it evicted as least recently used")
	}
	if !bytes.Equal(k2, make([]byte, dataKeySize)) {
		t.Errorf("got evicted key bytes %x, want zeroes", k2)
	}
	for _, k := range []string{"edk1", "edk3"} {
		if a, _ := c.lookup([]byte(k), []byte("t")); a == nil {
			t.Errorf("got %s evicted, want it kept", k)
		}
	}
	if !bytes.Equal(k1, testKey(1)) {
		t.Error("got a kept key's bytes changed, want them intact")
	}
	if got := c.entries.Len(); got != 2 {
		t.Errorf("got %d entries, want 2", got)
	}
}

func TestCacheExpiresKeysByAgeAndZeroesThem(t *testing.T) {
	clock := kmsgate.NewClock(nil)
	c := newTestCache(t, 10, time.Minute, clock.Now)
	k := testKey(5)
	c.put([]byte("edk"), "t", k, mustAEAD(t, k))
	clock.Advance(59 * time.Second)
	if a, _ := c.lookup([]byte("edk"), []byte("t")); a == nil {
		t.Fatal("got a miss at 59s, want the key cached for a minute")
	}
	clock.Advance(time.Second)
	if a, _ := c.lookup([]byte("edk"), []byte("t")); a != nil {
		t.Error("got a hit at 60s, want the key expired")
	}
	if !bytes.Equal(k, make([]byte, dataKeySize)) {
		t.Errorf("got expired key bytes %x, want zeroes", k)
	}
	if s := c.snapshot(); s.Entries != 0 || s.Evictions != 1 {
		t.Errorf("got %+v, want 0 entries and 1 eviction", s)
	}
}

func TestCachePurgeZeroesEveryKey(t *testing.T) {
	c := newTestCache(t, 10, time.Hour, time.Now)
	keys := [][]byte{testKey(1), testKey(2), testKey(3)}
	for i, k := range keys {
		c.put([]byte{byte(i)}, "t", k, mustAEAD(t, k))
	}
	c.purge()
	for i, k := range keys {
		if !bytes.Equal(k, make([]byte, dataKeySize)) {
			t.Errorf("key %d: got %x after purge, want zeroes", i, k)
		}
	}
	if s := c.snapshot(); s.Entries != 0 {
		t.Errorf("got %d entries after purge, want 0", s.Entries)
	}
}

func TestCacheRefusesAKeyPresentedUnderAnotherTenant(t *testing.T) {
	c := newTestCache(t, 10, time.Hour, time.Now)
	k := testKey(1)
	c.put([]byte("edk"), "org1", k, mustAEAD(t, k))
	_, err := c.get(context.Background(), []byte("edk"), []byte("org2"), func(context.Context) ([]byte, error) {
		t.Error("load called for a cached key")
		return nil, nil
	})
	if !errors.Is(err, errTenantMismatch) {
		t.Errorf("got %v, want errTenantMismatch", err)
	}
}

// The concurrency tests run in a synctest bubble: synctest.Wait returns once
// every goroutine of the test is blocked (the leader in its load, the others
// waiting for it), so no test polls or sleeps, and a deadline needs no wall
// clock.

func TestCacheConcurrentMissesMakeOneLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const askers = 50
		c := newTestCache(t, 10, time.Hour, time.Now)
		release := make(chan struct{})
		var loads atomic.Int32
		load := func(context.Context) ([]byte, error) {
			loads.Add(1)
			<-release
			return testKey(9), nil
		}
		var wg sync.WaitGroup
		got := make([]cipher.AEAD, askers)
		errs := make([]error, askers)
		for i := range askers {
			wg.Go(func() {
				got[i], errs[i] = c.get(context.Background(), []byte("edk"), []byte("t"), load)
			})
		}
		synctest.Wait()
		if s := c.snapshot(); s.Misses != askers || s.Loads != 1 {
			t.Fatalf("with every asker waiting: got %+v, want %d misses and 1 load", s, askers)
		}
		close(release)
		wg.Wait()
		if n := loads.Load(); n != 1 {
			t.Errorf("got %d loads for %d concurrent misses, want 1", n, askers)
		}
		for i := range askers {
			// Never print an AEAD: its fields hold the expanded key.
			if errs[i] != nil || got[i] == nil || got[i] != got[0] {
				t.Fatalf("asker %d: got nil=%v shared=%v err=%v, want the shared AEAD", i, got[i] == nil, got[i] == got[0], errs[i])
			}
		}
		if s := c.snapshot(); s.Loads != 1 || s.Entries != 1 {
			t.Errorf("got %+v, want 1 load and 1 entry", s)
		}
	})
}

func TestCacheLoadErrorsReachEveryWaiterAndAreNotCached(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCache(t, 10, time.Hour, time.Now)
		boom := errors.New("KMS said no")
		release := make(chan struct{})
		var calls atomic.Int32
		load := func(context.Context) ([]byte, error) {
			calls.Add(1)
			<-release
			return nil, boom
		}
		var wg sync.WaitGroup
		errs := make([]error, 5)
		for i := range errs {
			wg.Go(func() { _, errs[i] = c.get(context.Background(), []byte("edk"), []byte("t"), load) })
		}
		synctest.Wait()
		if s := c.snapshot(); s.Misses != uint64(len(errs)) || s.Loads != 1 {
			t.Fatalf("with every asker waiting: got %+v, want %d misses and 1 load", s, len(errs))
		}
		close(release)
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, boom) {
				t.Errorf("waiter %d: got %v, want the load's error", i, err)
			}
		}
		if _, err := c.get(context.Background(), []byte("edk"), []byte("t"), load); !errors.Is(err, boom) {
			t.Errorf("second get: got %v, want the load's error again", err)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("got %d loads, want 2: a failed load must not be cached", n)
		}
	})
}

func TestCacheWaiterRetriesWhenTheLeadersContextIsCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCache(t, 10, time.Hour, time.Now)
		leaderCtx, cancel := context.WithCancel(context.Background())
		leaderDone := make(chan error)
		go func() {
			_, err := c.get(leaderCtx, []byte("edk"), []byte("t"), func(ctx context.Context) ([]byte, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			})
			leaderDone <- err
		}()
		synctest.Wait()
		waiterDone := make(chan error)
		go func() {
			_, err := c.get(context.Background(), []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
				return testKey(3), nil
			})
			waiterDone <- err
		}()
		synctest.Wait()
		if s := c.snapshot(); s.Misses != 2 || s.Loads != 1 {
			t.Fatalf("with the waiter waiting: got %+v, want 2 misses and 1 load", s)
		}
		cancel()
		if err := <-leaderDone; !errors.Is(err, context.Canceled) {
			t.Errorf("leader: got %v, want context.Canceled", err)
		}
		if err := <-waiterDone; err != nil {
			t.Errorf("waiter: got %v, want it to load the key itself", err)
		}
		if s := c.snapshot(); s.Loads != 2 || s.Entries != 1 {
			t.Errorf("got %+v, want 2 loads and the waiter's key cached", s)
		}
	})
}

func TestCacheWaiterGivesUpWithItsOwnContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCache(t, 10, time.Hour, time.Now)
		release := make(chan struct{})
		defer close(release)
		go c.get(context.Background(), []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
			<-release
			return testKey(1), nil
		})
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err := c.get(ctx, []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
			t.Error("a waiter must not load while another load runs")
			return nil, nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want context.DeadlineExceeded", err)
		}
	})
}
