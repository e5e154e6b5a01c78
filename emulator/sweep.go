package emulator

import (
	"context"
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

// Sweep purges every key (in every account and region) whose deletion date
// has passed and performs every automatic rotation that is due, judged by
// the injected clock. Operations do the same lazily for the keys they
// touch; Sweep makes it happen for keys nobody touches.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	err := s.db.Update(func(tx *storage.Tx) error {
		now := s.now()
		type due struct {
			sc      scope
			id      string
			expired bool // imported material expired (no rotation for such keys)
		}
		var work []due
		err := tx.Scan(bucketKeys, "", "", func(dbKey string, v []byte) (bool, error) {
			parts := strings.SplitN(dbKey, "/", 3)
			if len(parts) != 3 {
				return true, nil
			}
			t := &txn{s: s, tx: tx, sc: scope{account: parts[0], region: parts[1]}, now: now}
			k, ok, err := t.peekKey(v)
			if err != nil {
				return false, err
			}
			if !ok || k.rotationDue(now) || k.importExpired(now) {
				work = append(work, due{t.sc, parts[2], ok && k.importExpired(now)})
			}
			return ctx.Err() == nil, ctx.Err()
		})
		if err != nil {
			return err
		}
		for _, w := range work {
			t := &txn{s: s, tx: tx, sc: w.sc, now: now}
			_, ok, err := t.loadKey(w.id)
			if err != nil {
				return err
			}
			switch {
			case !ok:
				res.Deleted++
			case w.expired:
				res.Expired++
			default:
				res.Rotated++
			}
		}
		return nil
	})
	if err != nil {
		return SweepResult{}, err
	}
	return res, s.FlushKeyUsage()
}
