package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kmsgate/kmsgate/storage"
)

// SweepResult counts what one Sweep did.
type SweepResult struct {
	// Deleted is the number of keys purged because their deletion date passed.
	Deleted int
	// Rotated is the number of keys that got at least one automatic rotation.
	Rotated int
	// Expired is the number of keys whose imported material expired.
	Expired int
}

// sweepBatch is how many due keys one write transaction of Sweep handles.
const sweepBatch = 100

// Sweep purges every key (in every account and region) whose deletion date
// has passed and performs every automatic rotation that is due, judged by
// the injected clock. Operations do the same lazily for the keys they
// touch; Sweep makes it happen for keys nobody touches. It finds due keys
// through the due-time index (emulator.idx.due) in a read-only
// transaction, then handles them sweepBatch at a time in short write
// transactions: with nothing due it takes no write lock at all.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	from := ""
	// On etcd a batch is as many keys as fit one Txn (a purge or a
	// rotation reads and writes about sixteen records); a replica whose
	// batch meets another's commit runs it again, and finds the keys the
	// other handled no longer due.
	size := s.db.BatchSize(sweepBatch, 16)
	for ctx.Err() == nil {
		now := s.now()
		limit := dueTimeKey(now)
		var batch []string
		err := s.db.View(func(tx *storage.Tx) error {
			batch = batch[:0] // a transaction may run again (etcd)
			return tx.Scan(bucketDue, "", from, func(k string, _ []byte) (bool, error) {
				if len(k) < dueTimeLen || k[:dueTimeLen] > limit {
					return false, nil
				}
				batch = append(batch, k)
				return len(batch) < size, nil
			})
		})
		if err != nil || len(batch) == 0 {
			if err != nil {
				return SweepResult{}, err
			}
			break
		}
		// Counted per run of the transaction: on etcd one that met another
		// replica's commit runs again, and only the run that committed
		// counts (the other replica counted what it did).
		var done SweepResult
		if err := s.db.Update(func(tx *storage.Tx) error {
			done = SweepResult{}
			for _, dk := range batch {
				if err := s.sweepOne(tx, dk, &done); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return SweepResult{}, err
		}
		res.Deleted, res.Expired, res.Rotated = res.Deleted+done.Deleted, res.Expired+done.Expired, res.Rotated+done.Rotated
		// Go on after the batch: an entry still there was not due after
		// all (or came due again), and waits for the next Sweep.
		from = batch[len(batch)-1] + "\x00"
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, s.FlushKeyUsage()
}

// sweepOne does the maintenance of the key of the due-index entry dk.
func (s *Service) sweepOne(tx *storage.Tx, dk string, res *SweepResult) error {
	if tx.Peek(bucketDue, dk) == nil {
		return nil // handled since the read (a call touched the key)
	}
	parts := strings.SplitN(dk[min(len(dk), dueTimeLen+1):], "/", 3)
	if len(parts) != 3 {
		return tx.Delete(bucketDue, dk)
	}
	t := &txn{s: s, tx: tx, sc: scope{account: parts[0], region: parts[1]}, now: s.now()}
	raw := tx.Peek(bucketKeys, t.keyDBKey(parts[2]))
	if raw == nil { // no such key: a stray entry
		if err := tx.Delete(bucketDue, dk); err != nil {
			return err
		}
		return tx.Delete(bucketDueByKey, t.keyDBKey(parts[2]))
	}
	var k keyRecord
	if err := json.Unmarshal(raw, &k); err != nil {
		return fmt.Errorf("emulator: decode key %s: %w", parts[2], err)
	}
	k.upgradeImport()
	expired, importExpired, rotate := k.expired(t.now), k.importExpired(t.now), k.rotationDue(t.now)
	if _, _, err := t.loadKey(parts[2]); err != nil {
		return err
	}
	switch {
	case expired:
		res.Deleted++
	case importExpired:
		res.Expired++
	case rotate:
		res.Rotated++
	}
	return nil
}
