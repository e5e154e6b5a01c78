package emulator

// GetKeyLastUsage. Each successful cryptographic operation notes its key,
// operation, time and request id in memory (a map under a mutex: no write
// to the store on the hot path). Sweep and Close write the notes to the
// store (bucket emulator.lastusage, one record per key), so the answer
// survives restarts; after a crash, uses since the last Sweep (a minute
// by default) are lost and the answer shows the use before them.
//
// TrackingStartDate is the key's creation date (kmsgate tracks every key
// from its creation). CloudTrailEventId is never set: kmsgate writes no
// CloudTrail events.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/storage"
)

const bucketLastUsage = "emulator.lastusage"

// usageNote is the last successful cryptographic use of one key.
type usageNote struct {
	Operation types.KeyLastUsageTrackingOperation
	Timestamp time.Time
	RequestID string `json:",omitempty"`
}

// usageBook holds the notes not yet written, by key ARN (what every
// cryptographic output names). FlushKeyUsage turns an ARN into the key's
// record key. At most limit notes wait in memory: the use that reaches it
// starts a flush in the background (one at a time), so that memory stays
// bounded however many keys are used between sweeps.
type usageBook struct {
	mu    sync.Mutex
	notes map[string]usageNote
	limit int // maxUsageNotes; tests lower it

	flushing atomic.Bool
	flushes  sync.WaitGroup // background flushes; Close waits for them
}

// maxUsageNotes bounds the notes kept in memory between flushes.
const maxUsageNotes = 65536

// noteUse records a successful use of the key whose ARN is keyARN.
func (s *Service) noteUse(ctx context.Context, keyARN string, op types.KeyLastUsageTrackingOperation) {
	n := usageNote{Operation: op, Timestamp: s.now()}
	if c, ok := kmsgate.CallerFrom(ctx); ok {
		n.RequestID = c.RequestID
	}
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	if s.usage.notes == nil {
		s.usage.notes = map[string]usageNote{}
	}
	old, ok := s.usage.notes[keyARN]
	if ok && n.Timestamp.Before(old.Timestamp) {
		return
	}
	s.usage.notes[keyARN] = n
	if !ok && len(s.usage.notes) >= s.usage.limit && s.usage.flushing.CompareAndSwap(false, true) {
		s.usage.flushes.Add(1)
		go func() {
			defer s.usage.flushes.Done()
			defer s.usage.flushing.Store(false)
			if err := s.FlushKeyUsage(); err != nil {
				s.log.Error().Err(err).Msg("writing last-usage notes")
			}
		}()
	}
}

// usageDBKey is the record key "<account>/<region>/<id>" of the key named by
// arn:<partition>:kms:<region>:<account>:key/<id>; ok is false for anything
// else.
func usageDBKey(keyARN string) (string, bool) {
	_, rest, _ := strings.Cut(keyARN, ":kms:")
	region, rest, _ := strings.Cut(rest, ":")
	account, res, _ := strings.Cut(rest, ":")
	id, isKey := strings.CutPrefix(res, "key/")
	if region == "" || account == "" || !isKey || id == "" {
		return "", false
	}
	return account + "/" + region + "/" + id, true
}

// FlushKeyUsage writes the in-memory last-usage notes to the store, in one
// transaction on bbolt (in transactions that fit etcd's --max-txn-ops on
// etcd), skipping keys that no longer exist. Sweep and Close call it.
func (s *Service) FlushKeyUsage() error {
	s.usage.mu.Lock()
	notes := s.usage.notes
	s.usage.notes = nil
	s.usage.mu.Unlock()
	if len(notes) == 0 {
		return nil
	}
	arns := make([]string, 0, len(notes))
	for keyARN := range notes {
		arns = append(arns, keyARN)
	}
	// A note reads two records and writes one.
	batch := s.db.BatchSize(len(arns), 3)
	var err error
	for i := 0; i < len(arns) && err == nil; i += batch {
		err = s.flushUsage(arns[i:min(i+batch, len(arns))], notes)
	}
	if err != nil {
		// Put the notes back (newer ones taken since win) for the next
		// flush; those already written are written again, to no effect.
		s.usage.mu.Lock()
		if s.usage.notes == nil {
			s.usage.notes = map[string]usageNote{}
		}
		for k, n := range notes {
			if _, ok := s.usage.notes[k]; !ok {
				s.usage.notes[k] = n
			}
		}
		s.usage.mu.Unlock()
	}
	return err
}

// flushUsage writes the notes of arns in one transaction.
func (s *Service) flushUsage(arns []string, notes map[string]usageNote) error {
	return s.db.Update(func(tx *storage.Tx) error {
		for _, keyARN := range arns {
			n := notes[keyARN]
			dbKey, ok := usageDBKey(keyARN)
			if !ok || tx.Get(bucketKeys, dbKey) == nil {
				continue
			}
			if old, ok, err := loadUsage(tx, dbKey); err != nil {
				return err
			} else if ok && old.Timestamp.After(n.Timestamp) {
				continue
			}
			raw, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("emulator: encode last usage: %w", err)
			}
			if err := tx.Put(bucketLastUsage, dbKey, raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close writes what is only in memory (the last-usage notes) to the store.
// Call it before closing the store.
func (s *Service) Close() error {
	s.usage.flushes.Wait()
	return s.FlushKeyUsage()
}

func loadUsage(tx *storage.Tx, dbKey string) (usageNote, bool, error) {
	raw := tx.Get(bucketLastUsage, dbKey)
	if raw == nil {
		return usageNote{}, false, nil
	}
	var n usageNote
	if err := json.Unmarshal(raw, &n); err != nil {
		return usageNote{}, false, fmt.Errorf("emulator: decode last usage %s: %w", dbKey, err)
	}
	return n, true, nil
}

// lastUse is the newest note of a key: in memory, else in the store.
func (t *txn) lastUse(keyID string) (usageNote, bool, error) {
	t.s.usage.mu.Lock()
	n, ok := t.s.usage.notes[t.sc.keyARN(keyID)]
	t.s.usage.mu.Unlock()
	if ok {
		return n, true, nil
	}
	return loadUsage(t.tx, t.keyDBKey(keyID))
}

// purgeKeyData deletes what is stored beside a key that is being deleted:
// its grants and its last-usage record; the deletion of a multi-Region
// replica may start its primary's waiting period (replicaGone).
func (t *txn) purgeKeyData(k *keyRecord) error {
	keyID := k.KeyID
	if err := t.purgeGrants(keyID); err != nil {
		return err
	}
	if err := t.replicaGone(k); err != nil {
		return err
	}
	t.s.usage.mu.Lock()
	delete(t.s.usage.notes, t.sc.keyARN(keyID))
	t.s.usage.mu.Unlock()
	return t.tx.Delete(bucketLastUsage, t.keyDBKey(keyID))
}

// GetKeyLastUsage answers when a key was last used for a successful
// cryptographic operation, which one, and its request id; in every key
// state.
func (s *Service) GetKeyLastUsage(ctx context.Context, in *kms.GetKeyLastUsageInput, _ ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	if in == nil {
		in = &kms.GetKeyLastUsageInput{}
	}
	if err := validateGetKeyLastUsage(in); err != nil {
		return nil, err
	}
	var out *kms.GetKeyLastUsageOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		created := k.CreationDate
		tracking := k.CreationDate
		out = &kms.GetKeyLastUsageOutput{
			KeyId:             aws.String(t.sc.keyARN(k.KeyID)),
			KeyCreationDate:   &created,
			TrackingStartDate: &tracking,
			KeyLastUsage:      &types.KeyLastUsageData{},
		}
		n, ok, err := t.lastUse(k.KeyID)
		if err != nil {
			return err
		}
		if ok && !n.Timestamp.Before(k.CreationDate) {
			ts := n.Timestamp
			out.KeyLastUsage.Operation = n.Operation
			out.KeyLastUsage.Timestamp = &ts
			if n.RequestID != "" {
				out.KeyLastUsage.KmsRequestId = aws.String(n.RequestID)
			}
		}
		return nil
	})
	return out, err
}
