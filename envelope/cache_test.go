package envelope

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kmsgate/kmsgate"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, dataKeySize) }

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
	c := newKeyCache(2, time.Hour, clock.Now)
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	c.put([]byte("edk1"), "t", k1, mustAEAD(t, k1))
	c.put([]byte("edk2"), "t", k2, mustAEAD(t, k2))
	c.mu.Lock()
	if a, _ := c.lookup([]byte("edk1"), []byte("t")); a == nil { // edk1 is now the most recent
		t.Fatal("edk1 missing right after put")
	}
	c.mu.Unlock()
	c.put([]byte("edk3"), "t", k3, mustAEAD(t, k3))

	c.mu.Lock()
	defer c.mu.Unlock()
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
	if got := len(c.entries); got != 2 {
		t.Errorf("got %d entries, want 2", got)
	}
}

func TestCacheExpiresKeysByAgeAndZeroesThem(t *testing.T) {
	clock := kmsgate.NewClock(nil)
	c := newKeyCache(10, time.Minute, clock.Now)
	k := testKey(5)
	c.put([]byte("edk"), "t", k, mustAEAD(t, k))
	clock.Advance(59 * time.Second)
	c.mu.Lock()
	a, _ := c.lookup([]byte("edk"), []byte("t"))
	c.mu.Unlock()
	if a == nil {
		t.Fatal("got a miss at 59s, want the key cached for a minute")
	}
	clock.Advance(time.Second)
	c.mu.Lock()
	a, _ = c.lookup([]byte("edk"), []byte("t"))
	c.mu.Unlock()
	if a != nil {
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
	c := newKeyCache(10, time.Hour, time.Now)
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
	c := newKeyCache(10, time.Hour, time.Now)
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

func TestCacheConcurrentMissesMakeOneLoad(t *testing.T) {
	const askers = 50
	c := newKeyCache(10, time.Hour, time.Now)
	release := make(chan struct{})
	var mu sync.Mutex
	loads := 0
	load := func(context.Context) ([]byte, error) {
		mu.Lock()
		loads++
		mu.Unlock()
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
	for c.snapshot().Misses < askers {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if loads != 1 {
		t.Errorf("got %d loads for %d concurrent misses, want 1", loads, askers)
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
}

func TestCacheLoadErrorsReachEveryWaiterAndAreNotCached(t *testing.T) {
	c := newKeyCache(10, time.Hour, time.Now)
	boom := errors.New("KMS said no")
	release := make(chan struct{})
	calls := 0
	load := func(context.Context) ([]byte, error) {
		calls++
		<-release
		return nil, boom
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.get(context.Background(), []byte("edk"), []byte("t"), load) })
	}
	for c.snapshot().Misses < uint64(len(errs)) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Errorf("waiter %d: got %v, want the load's error", i, err)
		}
	}
	release = make(chan struct{})
	close(release)
	c.get(context.Background(), []byte("edk"), []byte("t"), load)
	if calls != 2 {
		t.Errorf("got %d loads, want 2: a failed load must not be cached", calls)
	}
}

func TestCacheWaiterRetriesWhenTheLeadersContextIsCancelled(t *testing.T) {
	c := newKeyCache(10, time.Hour, time.Now)
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderIn := make(chan struct{})
	leaderDone := make(chan error)
	go func() {
		_, err := c.get(leaderCtx, []byte("edk"), []byte("t"), func(ctx context.Context) ([]byte, error) {
			close(leaderIn)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		leaderDone <- err
	}()
	<-leaderIn
	waiterDone := make(chan error)
	go func() {
		_, err := c.get(context.Background(), []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
			return testKey(3), nil
		})
		waiterDone <- err
	}()
	for c.snapshot().Misses < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: got %v, want context.Canceled", err)
	}
	if err := <-waiterDone; err != nil {
		t.Errorf("waiter: got %v, want it to load the key itself", err)
	}
}

func TestCacheWaiterGivesUpWithItsOwnContext(t *testing.T) {
	c := newKeyCache(10, time.Hour, time.Now)
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	go c.get(context.Background(), []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
		close(started)
		<-release
		return testKey(1), nil
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := c.get(ctx, []byte("edk"), []byte("t"), func(context.Context) ([]byte, error) {
		t.Error("a waiter must not load while another load runs")
		return nil, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
}
