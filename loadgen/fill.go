package loadgen

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/storage"
)

// ScaleKeyID is the id of the i-th key Fill makes: a version-4 UUID
// derived from i, so that keys land all over the key order as CreateKey's
// random ids do, and a run can name any of them without listing.
func ScaleKeyID(i int) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	h := sha256.Sum256(append([]byte("kmsgate-scale-key-v1:"), b[:]...))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// ScaleAlias is the alias Fill gives the i-th key.
func ScaleAlias(i int) string { return fmt.Sprintf("alias/scale-%08d", i) }

// FillResult is what Fill did.
type FillResult struct {
	Keys         int           // keys in the seed batches applied
	Took         time.Duration // applying them
	Transactions int           // one a batch
	// SweepNoneDue is one Sweep over the filled store (nothing is due in
	// it): the time to find that out, with no write transaction.
	SweepNoneDue time.Duration
	// SweepWriteLock is the time that Sweep spent in write transactions.
	SweepWriteLock time.Duration
	StoreBytes     int64
}

// Fill makes (or completes) a large store for benchmarks at path, with
// the root key in path+".rootkey" as kmsgate serve --data uses: keys
// ScaleKeyID(0..keys-1), symmetric with generated material, each with the
// alias ScaleAlias(i), in the default account and region. It applies them
// as seed files of batch keys, one transaction each (the seed path kmsgate
// serve --seed takes). Keys that exist are left as they are.
func Fill(ctx context.Context, path string, keys, batch int, progress io.Writer) (FillResult, error) {
	var res FillResult
	rootKey, err := storage.LoadOrCreateRootKey(path + ".rootkey")
	if err != nil {
		return res, err
	}
	var sweeping atomic.Bool
	var writeLock atomic.Int64 // nanoseconds in write transactions while sweeping
	db, err := storage.Open(path, storage.Options{RootKey: rootKey, Check: storage.CheckOff, ObserveTx: func(writable bool, d time.Duration) {
		if writable && sweeping.Load() {
			writeLock.Add(int64(d))
		}
	}})
	if err != nil {
		return res, err
	}
	defer db.Close()
	svc, err := emulator.New(emulator.Config{DB: db, Rand: rand.Reader, Logger: zerolog.Nop()})
	if err != nil {
		return res, err
	}
	start := time.Now()
	for from := 0; from < keys; from += batch {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		f := &seed.File{Keys: make([]seed.Key, 0, batch)}
		for i := from; i < min(from+batch, keys); i++ {
			f.Keys = append(f.Keys, seed.Key{ID: ScaleKeyID(i), Enabled: true, Description: "kmsgate loadgen scale", Aliases: []string{ScaleAlias(i)}})
		}
		if err := svc.ApplySeed(ctx, f); err != nil {
			return res, err
		}
		res.Keys += len(f.Keys)
		res.Transactions++
		if progress != nil {
			fmt.Fprintf(progress, "fill: %d keys (%.0f keys/s)\n", res.Keys, float64(res.Keys)/time.Since(start).Seconds())
		}
	}
	res.Took = time.Since(start)
	sweeping.Store(true)
	t0 := time.Now()
	if _, err := svc.Sweep(ctx); err != nil {
		return res, err
	}
	res.SweepNoneDue = time.Since(t0)
	sweeping.Store(false)
	res.SweepWriteLock = time.Duration(writeLock.Load())
	if err := svc.Close(); err != nil {
		return res, err
	}
	if err := db.Close(); err != nil {
		return res, err
	}
	size, err := fileSize(path)
	res.StoreBytes = size
	return res, err
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
