package emulator

// Indexes. Whatever a List, a look-up or the sweep needs that is not the
// primary record-key order has an index bucket, written in the same
// transaction as the record it follows (only through saveKey/purgeKey,
// saveAlias/deleteAlias, saveGrant/deleteGrant: nothing else may write
// those records). Index values are empty unless said; everything an index
// needs is in its key, so that a page seeks one cursor and reads one page.
//
//	emulator.idx.aliasbykey  <account>/<region>/<keyid>/<aliasname>
//	emulator.idx.grantee     <account>/<region>/<keyid>/<kind>:<principal>\x00<grantid>
//	emulator.idx.retiring    <account>/<region>/<kind>:<principal>\x00<keyid>/<grantid>
//	emulator.idx.due         <16 hex: due time>/<account>/<region>/<keyid>
//	emulator.idx.duebykey    <account>/<region>/<keyid> -> its emulator.idx.due key
//	emulator.idx.mrk         <account>/<keyid>/<region> (multi-Region keys)
//
// kind is "p" (an IAM principal ARN) or "s" (a service principal). \x00
// never occurs in a principal (checkPrincipal), so one principal's prefix
// never matches another's entries.

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/storage"
)

const (
	bucketAliasByKey  = "emulator.idx.aliasbykey"
	bucketGrantee     = "emulator.idx.grantee"
	bucketRetiring    = "emulator.idx.retiring"
	bucketDue         = "emulator.idx.due"
	bucketDueByKey    = "emulator.idx.duebykey"
	bucketMultiRegion = "emulator.idx.mrk"

	// bucketMeta holds the emulator's own records about the store.
	bucketMeta = "emulator.meta"
	// indexVersionRecord names the index layout the store's indexes follow.
	indexVersionRecord = "index-version"
	indexVersion       = "1"
)

// dueAt is when k next needs maintenance on access (loadKey): the earliest
// time at which expired, rotationDue or importExpired turns true. ok is
// false when none ever will without another change to k.
// TestDueAtMatchesMaintenance checks it against those three.
func (k *keyRecord) dueAt() (at time.Time, ok bool) {
	consider := func(t *time.Time) {
		if t != nil && (!ok || t.Before(at)) {
			at, ok = *t, true
		}
	}
	if k.State == types.KeyStatePendingDeletion {
		consider(k.DeletionDate)
	}
	if k.State == types.KeyStateEnabled {
		consider(k.nextRotationDate())
	}
	if k.State == types.KeyStateCreating {
		consider(k.ReadyAt) // a new replica becomes usable (multiregion.go)
	}
	if k.Import != nil {
		for i := range k.Materials {
			m := &k.Materials[i]
			if !m.Absent && !m.Pending && m.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && !m.ValidTo.IsZero() {
				consider(&m.ValidTo)
			}
		}
	}
	return at, ok
}

// dueTimeKey encodes t as 16 hex digits that sort as t does (nanoseconds
// since 1970, offset to be unsigned; clamped to what UnixNano holds).
func dueTimeKey(t time.Time) string {
	var n int64
	switch {
	case t.Year() < 1678:
		n = math.MinInt64
	case t.Year() > 2261:
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n)^(1<<63))
	return hex.EncodeToString(b[:])
}

// dueTimeLen is the length of dueTimeKey's result.
const dueTimeLen = 16

// indexKey brings the key indexes of k (due time, multi-Region set) in
// line with k as it is being saved.
func (t *txn) indexKey(k *keyRecord) error {
	dbKey := t.keyDBKey(k.KeyID)
	want := ""
	if at, ok := k.dueAt(); ok {
		want = dueTimeKey(at) + "/" + dbKey
	}
	old := string(t.tx.Peek(bucketDueByKey, dbKey))
	if old != want {
		if old != "" {
			if err := t.tx.Delete(bucketDue, old); err != nil {
				return err
			}
		}
		if want == "" {
			if err := t.tx.Delete(bucketDueByKey, dbKey); err != nil {
				return err
			}
		} else {
			if err := t.tx.Put(bucketDue, want, nil); err != nil {
				return err
			}
			if err := t.tx.Put(bucketDueByKey, dbKey, []byte(want)); err != nil {
				return err
			}
		}
	}
	if k.MultiRegion {
		mk := t.multiRegionDBKey(k.KeyID)
		if t.tx.Peek(bucketMultiRegion, mk) == nil {
			return t.tx.Put(bucketMultiRegion, mk, nil)
		}
	}
	return nil
}

// unindexKey removes k's key indexes (k is being purged).
func (t *txn) unindexKey(k *keyRecord) error {
	dbKey := t.keyDBKey(k.KeyID)
	if old := t.tx.Peek(bucketDueByKey, dbKey); old != nil {
		if err := t.tx.Delete(bucketDue, string(old)); err != nil {
			return err
		}
		if err := t.tx.Delete(bucketDueByKey, dbKey); err != nil {
			return err
		}
	}
	return t.tx.Delete(bucketMultiRegion, t.multiRegionDBKey(k.KeyID))
}

func (t *txn) multiRegionDBKey(keyID string) string {
	return t.sc.account + "/" + keyID + "/" + t.sc.region
}

func (t *txn) aliasByKeyDBKey(keyID, name string) string {
	return t.sc.dbPrefix() + keyID + "/" + name
}

// principalKeys are the index key parts of a grant's principals of one
// role (grantee or retiring): "p:<arn>" and/or "s:<service>".
func principalKeys(principal, service string) []string {
	var out []string
	if principal != "" {
		out = append(out, "p:"+principal)
	}
	if service != "" {
		out = append(out, "s:"+service)
	}
	return out
}

func (t *txn) granteeDBKeys(g *grantRecord) []string {
	var out []string
	for _, p := range principalKeys(g.GranteePrincipal, g.GranteeServicePrincipal) {
		out = append(out, t.sc.dbPrefix()+g.KeyID+"/"+p+"\x00"+g.GrantID)
	}
	return out
}

func (t *txn) retiringDBKeys(g *grantRecord) []string {
	var out []string
	for _, p := range principalKeys(g.RetiringPrincipal, g.RetiringServicePrincipal) {
		out = append(out, t.sc.dbPrefix()+p+"\x00"+g.KeyID+"/"+g.GrantID)
	}
	return out
}

func (t *txn) indexGrant(g *grantRecord) error {
	for _, k := range t.granteeDBKeys(g) {
		if err := t.tx.Put(bucketGrantee, k, nil); err != nil {
			return err
		}
	}
	for _, k := range t.retiringDBKeys(g) {
		if err := t.tx.Put(bucketRetiring, k, nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) unindexGrant(g *grantRecord) error {
	for _, k := range t.granteeDBKeys(g) {
		if err := t.tx.Delete(bucketGrantee, k); err != nil {
			return err
		}
	}
	for _, k := range t.retiringDBKeys(g) {
		if err := t.tx.Delete(bucketRetiring, k); err != nil {
			return err
		}
	}
	return nil
}

// migrateChunk is how many records one migration transaction indexes.
const migrateChunk = 5000

// migrateIndexes builds the indexes of a store written before they
// existed (no index-version record): one pass over keys, aliases and
// grants, chunk records a transaction, then the version record. It
// is idempotent (every index entry is derived from its record), so a
// migration cut short is simply done again at the next start. A store
// that has the record costs one read. Returns how many records it read.
func (s *Service) migrateIndexes(chunk int) (int, error) {
	var have bool
	if err := s.db.View(func(tx *storage.Tx) error {
		have = string(tx.Peek(bucketMeta, indexVersionRecord)) == indexVersion
		return nil
	}); err != nil || have {
		return 0, err
	}
	n := 0
	for _, b := range []string{bucketKeys, bucketAliases, bucketGrants} {
		from := ""
		for {
			var last string
			count := 0
			err := s.db.Update(func(tx *storage.Tx) error {
				return tx.Scan(b, "", from, func(dbKey string, v []byte) (bool, error) {
					if count == chunk {
						return false, nil
					}
					count++
					last = dbKey
					return true, s.migrateRecord(tx, b, dbKey, v)
				})
			})
			if err != nil {
				return n, err
			}
			n += count
			if count < chunk {
				break
			}
			from = last + "\x00"
		}
	}
	return n, s.db.Update(func(tx *storage.Tx) error {
		return tx.Put(bucketMeta, indexVersionRecord, []byte(indexVersion))
	})
}

// migrateRecord writes the index entries of one record of bucket b.
func (s *Service) migrateRecord(tx *storage.Tx, b, dbKey string, v []byte) error {
	parts := strings.SplitN(dbKey, "/", 3)
	if len(parts) != 3 {
		return nil
	}
	t := &txn{s: s, tx: tx, sc: scope{account: parts[0], region: parts[1]}, now: s.now()}
	switch b {
	case bucketKeys:
		var k keyRecord
		if err := json.Unmarshal(v, &k); err != nil {
			return fmt.Errorf("emulator: index key %s: %w", dbKey, err)
		}
		k.upgradeImport()
		return t.indexKey(&k)
	case bucketAliases:
		var a aliasRecord
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("emulator: index alias %s: %w", dbKey, err)
		}
		return tx.Put(bucketAliasByKey, t.aliasByKeyDBKey(a.TargetKeyID, a.Name), nil)
	case bucketGrants:
		var g grantRecord
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("emulator: index grant %s: %w", dbKey, err)
		}
		return t.indexGrant(&g)
	}
	return nil
}
