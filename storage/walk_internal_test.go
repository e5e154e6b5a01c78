package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func openFilled(t *testing.T, n int) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	key := bytes.Repeat([]byte{3}, RootKeySize)
	db, err := Open(path, Options{RootKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error {
		for i := range n {
			if err := tx.Put("records", fmt.Sprintf("key-%06d", i), bytes.Repeat([]byte{byte(i)}, 300)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Opened again: an existing store, mapped as CheckQuick maps it.
	if db, err = Open(path, Options{RootKey: key}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// TestWalkDoesNotHoldUpWriters holds a page walk in the middle of the
// store while writes rewrite and delete the records it walks and grow the
// file far past the size bbolt would map it with: the writes finish while
// the walk waits (bbolt remaps a growing file only once every read-only
// transaction has ended; Open maps room for the walk), and the walk then
// finds the snapshot it started in sound, although its pages were freed
// meanwhile.
func TestWalkDoesNotHoldUpWriters(t *testing.T) {
	db, path := openFilled(t, 3000)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	paused, release := make(chan struct{}), make(chan struct{})
	first := true
	pause := func() error {
		if first {
			first = false
			close(paused)
			<-release
		}
		return nil
	}
	type result struct {
		rep CheckReport
		err error
	}
	walked := make(chan result, 1)
	go func() {
		rep, err := db.walkPages(context.Background(), 8, pause)
		walked <- result{rep, err}
	}()
	<-paused
	wrote := make(chan error, 1)
	go func() {
		for round := range 20 {
			if err := db.Update(func(tx *Tx) error {
				for i := range 3000 {
					k := fmt.Sprintf("key-%06d", i)
					if i%3 == 0 {
						if err := tx.Delete("records", k); err != nil {
							return err
						}
						continue
					}
					if err := tx.Put("records", k, bytes.Repeat([]byte{byte(round)}, 300)); err != nil {
						return err
					}
				}
				return tx.Put("grow", fmt.Sprintf("round-%02d", round), bytes.Repeat([]byte{1}, 1<<20))
			}); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute): // failsafe: the writes wait for the walk
		close(release)
		t.Fatal("the writes did not finish while the walk was held, want them not to wait for it")
	}
	if grown, _ := os.Stat(path); grown.Size() < fi.Size()+16<<20 {
		t.Fatalf("got the file grown from %d to %d bytes, want past bbolt's own mapping", fi.Size(), grown.Size())
	}
	close(release)
	res := <-walked
	if res.err != nil {
		t.Fatalf("got %v, want the walk's snapshot sound", res.err)
	}
	if res.rep.Records < 3000 {
		t.Errorf("got %d records walked, want the 3000 of the snapshot", res.rep.Records)
	}
	// A new walk sees the writes, sound too.
	if rep, err := db.CheckPages(context.Background(), Pace{}); err != nil || rep.Records < 2000+20 {
		t.Errorf("got %+v %v after the writes, want a sound store of at least 2020 records", rep, err)
	}
}

func TestWalkStopsWithItsContext(t *testing.T) {
	db, _ := openFilled(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	pauses := 0
	_, err := db.walkPages(ctx, 8, pacer(ctx, Pace{Share: 1}))
	if err != nil {
		t.Fatalf("an uncancelled walk: %v", err)
	}
	_, err = db.walkPages(ctx, 8, func() error {
		pauses++
		cancel()
		return pacer(ctx, Pace{Share: 0.5})()
	})
	if !errors.Is(err, context.Canceled) || pauses != 1 {
		t.Errorf("got %v after %d pauses, want context.Canceled after the first", err, pauses)
	}
	var de *DamagedError
	if errors.As(err, &de) {
		t.Errorf("got %v, want a stopped walk not taken for damage", err)
	}
}

// TestWalkOfASnapshotWhoseMetaPageWasReused: two commits after a read-only
// transaction began write both meta pages over; the walk cannot start in
// that snapshot, says so (not damage), and walkPages starts again in a
// new one.
func TestWalkOfASnapshotWhoseMetaPageWasReused(t *testing.T) {
	db, path := openFilled(t, 300)
	tx, err := db.bolt.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := db.Update(func(tx *Tx) error { return tx.Put("records", fmt.Sprintf("more-%d", i), []byte("x")) }); err != nil {
			t.Fatal(err)
		}
	}
	_, err = newRawCheck(path, tx, time.Time{})
	tx.Rollback()
	if !errors.Is(err, errMetaMoved) {
		t.Fatalf("got %v, want errMetaMoved", err)
	}
	if rep, err := db.walkPages(context.Background(), 0, nil); err != nil || rep.Records < 302 {
		t.Errorf("got %+v %v, want a sound walk of the 302 records in a new snapshot", rep, err)
	}
}
