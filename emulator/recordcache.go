package emulator

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// recordCacheSize bounds the decoded key records kept in memory.
const recordCacheSize = 4096

// recordCache keeps decoded key records so that the hot path (every
// Encrypt, Decrypt, GenerateDataKey reads its key) does not decode JSON.
// An entry is used only when the stored bytes are exactly the bytes it was
// decoded from (checkedCache). Callers always get their own deep copy.
type recordCache struct {
	c *checkedCache[*keyRecord] // records never handed out: clones only
	// decodes counts records decoded (cache misses).
	decodes atomic.Int64
}

func newRecordCache() (*recordCache, error) {
	c, err := newCheckedCache[*keyRecord](recordCacheSize)
	return &recordCache{c: c}, err
}

// fresh returns a copy of the record under dbKey when its bytes were
// already seen in the snapshot at (no store read).
func (c *recordCache) fresh(dbKey string, at readAt) (*keyRecord, bool) {
	rec, ok := c.c.fresh(dbKey, at)
	if !ok {
		return nil, false
	}
	return rec.clone(), true
}

// decode returns the key record stored as raw under dbKey, read at at. raw
// may be the store's own memory (storage.Tx.Peek): it is only read here,
// and copied when kept.
func (c *recordCache) decode(dbKey string, raw []byte, at readAt) (*keyRecord, error) {
	if rec, ok := c.c.get(dbKey, raw, at); ok {
		return rec.clone(), nil
	}
	c.decodes.Add(1)
	raw = bytes.Clone(raw)
	var k keyRecord
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, err
	}
	k.upgradeImport()
	c.c.put(dbKey, raw, k.clone(), at)
	return &k, nil
}

// clone is a deep copy of k: it shares no pointer, slice or map with k.
// TestKeyRecordCloneSharesNothing fails when a field is added that clone
// does not copy.
func (k *keyRecord) clone() *keyRecord {
	c := *k
	c.DeletionDate = clonePtr(k.DeletionDate)
	c.RotationBase = clonePtr(k.RotationBase)
	c.ReadyAt = clonePtr(k.ReadyAt)
	if k.Tags != nil {
		c.Tags = make([]types.Tag, len(k.Tags))
		for i, t := range k.Tags {
			c.Tags[i] = types.Tag{TagKey: clonePtr(t.TagKey), TagValue: clonePtr(t.TagValue)}
		}
	}
	c.Materials = slices.Clone(k.Materials)
	if k.Import != nil {
		im := *k.Import
		im.ValidTo = clonePtr(k.Import.ValidTo)
		im.ParametersValidTo = clonePtr(k.Import.ParametersValidTo)
		c.Import = &im
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
