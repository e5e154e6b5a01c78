package storage

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// boltEngine is the bbolt Engine: one file, one writer at a time, every
// commit synced.
type boltEngine struct{ db *bolt.DB }

var (
	_ Engine   = boltEngine{}
	_ EngineTx = (*boltTx)(nil)
)

func (e boltEngine) Kind() string { return "bbolt" }

func (e boltEngine) Close() error { return e.db.Close() }

func (e boltEngine) Update(fn func(EngineTx) error) error {
	return e.db.Update(func(btx *bolt.Tx) error { return fn(&boltTx{tx: btx}) })
}

func (e boltEngine) View(fn func(EngineTx) error) error {
	return e.db.View(func(btx *bolt.Tx) error { return fn(&boltTx{tx: btx}) })
}

type boltTx struct{ tx *bolt.Tx }

func (tx *boltTx) Writable() bool { return tx.tx.Writable() }

// Snapshot is bbolt's transaction id: every commit makes a new one.
func (tx *boltTx) Snapshot() (uint64, bool) {
	if tx.tx.Writable() {
		return 0, false
	}
	return uint64(tx.tx.ID()), true
}

func (tx *boltTx) bucket(name string, create bool) (*bolt.Bucket, error) {
	b := tx.tx.Bucket([]byte(name))
	if b != nil || !create || !tx.tx.Writable() {
		return b, nil
	}
	b, err := tx.tx.CreateBucket([]byte(name))
	if err != nil {
		return nil, fmt.Errorf("storage: create bucket %q: %w", name, err)
	}
	return b, nil
}

func (tx *boltTx) Peek(bucket, key string) []byte {
	b, _ := tx.bucket(bucket, false)
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
}

func (tx *boltTx) Put(bucket, key string, value []byte) error {
	b, err := tx.bucket(bucket, true)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("storage: put %s/%q: %w", bucket, key, errReadOnly)
	}
	if value == nil {
		value = []byte{} // present and empty, in this transaction too
	}
	if err := b.Put([]byte(key), value); err != nil {
		return fmt.Errorf("storage: put %s/%q: %w", bucket, key, err)
	}
	return nil
}

func (tx *boltTx) Delete(bucket, key string) error {
	b, _ := tx.bucket(bucket, false)
	if b == nil {
		return nil
	}
	if err := b.Delete([]byte(key)); err != nil {
		return fmt.Errorf("storage: delete %s/%q: %w", bucket, key, err)
	}
	return nil
}

func (tx *boltTx) ScanPeek(bucket, prefix, from string, fn func(key string, value []byte) (bool, error)) error {
	b, _ := tx.bucket(bucket, false)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek([]byte(max(prefix, from))); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		more, err := fn(string(k), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
