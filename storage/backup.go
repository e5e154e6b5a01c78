package storage

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the store (a bbolt file as of one
// committed transaction) to the writer start returns, streaming it while
// the store keeps serving; start is told the copy's size first. Writes go
// on during the copy: bbolt does not reuse the pages a reader sees.
// An etcd store answers ErrNotBolt: etcd has its own snapshots.
func (db *DB) Backup(start func(size int64) io.Writer) (n int64, err error) {
	if db.bolt == nil {
		return 0, ErrNotBolt
	}
	return backup(db.bolt, start)
}

func backup(b *bolt.DB, start func(size int64) io.Writer) (n int64, err error) {
	err = b.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverFault(&err)
		w := start(tx.Size())
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile copies the store at path, which no process may hold (an
// offline backup), to the writer start returns. It needs no root key: the
// copy holds the sealed records as they are.
func BackupFile(path string, start func(size int64) io.Writer) (int64, error) {
	b, err := openReadOnly(path)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	return backup(b, start)
}

// VerifyFile checks that the file at path is a sound store (a backup just
// written, say): bbolt opens it, and the page walk and bbolt's check find
// nothing wrong.
func VerifyFile(path string) error {
	b, err := openReadOnly(path)
	if err != nil {
		return err
	}
	defer b.Close()
	db := &DB{bolt: b, path: path}
	_, err = db.consistencyCheck(-1)
	return err
}

// openReadOnly opens the file at path read-only; openBolt makes a lock
// not had within the timeout an *InUseError.
func openReadOnly(path string) (*bolt.DB, error) {
	b, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	var ie *InUseError
	if errors.As(err, &ie) {
		return nil, fmt.Errorf("%w (for a backup of a running kmsgate use kmsgate backup --url)", err)
	}
	return b, err
}
