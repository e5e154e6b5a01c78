package emulator

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/storage"
)

// Buckets. Record keys are "<account>/<region>/<id>".
const (
	bucketKeys     = "emulator.keys"
	bucketMaterial = "emulator.material" // sealed; key "<account>/<region>/<keyid>/<materialid>"
	bucketAliases  = "emulator.aliases"
)

// keyRecord is one KMS key as stored (JSON). Material bytes are stored apart,
// sealed under the root key.
type keyRecord struct {
	KeyID        string    `json:"keyId"`
	CreationDate time.Time `json:"creationDate"`
	Description  string    `json:"description"`
	State        types.KeyState
	KeySpec      types.KeySpec
	KeyUsage     types.KeyUsageType
	Origin       types.OriginType
	MultiRegion  bool
	// MultiRegionType is PRIMARY or REPLICA for a multi-Region key (empty
	// reads as PRIMARY); see multiregion.go.
	MultiRegionType types.MultiRegionKeyType `json:",omitempty"`
	// KeyManager is AWS for AWS managed keys (empty reads as CUSTOMER); see
	// managed.go.
	KeyManager types.KeyManagerType `json:",omitempty"`

	DeletionDate        *time.Time `json:",omitempty"`
	PendingWindowInDays int32      `json:",omitempty"`

	Policy string
	Tags   []types.Tag

	RotationEnabled      bool
	RotationPeriodInDays int32
	// RotationBase is when the current automatic-rotation period started
	// (rotation enabled, or the last automatic rotation).
	RotationBase      *time.Time `json:",omitempty"`
	OnDemandRotations int

	// Materials are every material version, oldest first; the last is current.
	Materials []materialInfo

	// Import is the imported-material state of an EXTERNAL key (import.go).
	Import *importState `json:",omitempty"`

	// ReadyAt is when a multi-Region replica in state Creating becomes
	// usable (multiregion.go).
	ReadyAt *time.Time `json:",omitempty"`
}

type materialInfo struct {
	ID           string
	CreatedAt    time.Time          // for a rotation, its date
	RotationType types.RotationType `json:",omitempty"` // empty for the first

	// Imported material (EXTERNAL keys) only, per version (import.go).

	// Pending is material imported with ImportType NEW_KEY_MATERIAL that
	// RotateKeyOnDemand has not made current yet (PENDING_ROTATION); it is
	// always the last entry.
	Pending bool `json:",omitempty"`
	// Absent is material deleted or expired (ImportState PENDING_IMPORT):
	// its id stays, its bytes are gone until the same material is imported.
	Absent          bool                      `json:",omitempty"`
	ExpirationModel types.ExpirationModelType `json:",omitempty"`
	ValidTo         time.Time                 `json:",omitzero"`
	Description     string                    `json:",omitempty"`
}

// currentMaterial is the last material version that is not pending
// rotation (zero for an EXTERNAL key that never had material imported).
func (k *keyRecord) currentMaterial() materialInfo {
	for i := len(k.Materials) - 1; i >= 0; i-- {
		if !k.Materials[i].Pending {
			return k.Materials[i]
		}
	}
	return materialInfo{}
}

func (k *keyRecord) hasMaterial(id string) bool {
	for _, m := range k.Materials {
		if m.ID == id {
			return true
		}
	}
	return false
}

func (k *keyRecord) nextRotationDate() *time.Time {
	if !k.RotationEnabled || k.RotationBase == nil {
		return nil
	}
	t := k.RotationBase.Add(days(k.RotationPeriodInDays))
	return &t
}

func days(n int32) time.Duration { return time.Duration(n) * 24 * time.Hour }

// expired reports whether the key's deletion date has passed.
func (k *keyRecord) expired(now time.Time) bool {
	return k.State == types.KeyStatePendingDeletion && k.DeletionDate != nil && !now.Before(*k.DeletionDate)
}

// rotationDue reports whether an automatic rotation is due.
func (k *keyRecord) rotationDue(now time.Time) bool {
	next := k.nextRotationDate()
	return k.State == types.KeyStateEnabled && next != nil && !now.Before(*next)
}

type aliasRecord struct {
	Name            string
	TargetKeyID     string
	CreationDate    time.Time
	LastUpdatedDate time.Time
}

// txn is one storage transaction seen through one caller's scope.
type txn struct {
	s     *Service
	tx    *storage.Tx
	sc    scope
	now   time.Time
	retry *string // key id whose maintenance a read-only transaction could not do
	// fix is a write a read-only transaction could not do (e.g. creating an
	// AWS managed key on first use); view runs it and retries.
	fix func(*txn) error
	// principal is the caller's principal ARN ("" when unknown).
	principal string
	// dueNowKey caches dueNow.
	dueNowKey string
	// writes is 1 + the store's write count read before this read-only
	// transaction began (storage.DB.WriteCount; 0 for none: etcd, a write
	// under way, a writable transaction): what it reads stays current
	// while the count stays the same.
	writes uint64
}

// errMaintain stops a read-only transaction that met a key needing a write
// (deletion date passed, rotation due); view runs the write and retries.
var errMaintain = errors.New("emulator: key needs maintenance")

// view runs fn read-only in the caller's scope; when fn meets a key that
// needs maintenance, it is done in a write transaction and fn runs again.
func (s *Service) view(ctx context.Context, fn func(*txn) error) error {
	sc, principal := s.scopeOf(ctx), principalOf(ctx)
	for attempt := 0; ; attempt++ {
		var retry *string
		var fix func(*txn) error
		var writes uint64
		if n, counted := s.db.WriteCount(); counted {
			writes = n + 1
		}
		err := s.db.View(func(tx *storage.Tx) error {
			t := &txn{s: s, tx: tx, sc: sc, now: s.now(), principal: principal, writes: writes}
			err := fn(t)
			retry, fix = t.retry, t.fix
			return err
		})
		if (retry == nil && fix == nil) || !errors.Is(err, errMaintain) || attempt >= 3 {
			return err
		}
		if err := s.db.Update(func(tx *storage.Tx) error {
			t := &txn{s: s, tx: tx, sc: sc, now: s.now(), principal: principal}
			if fix != nil {
				return fix(t)
			}
			_, _, err := t.loadKey(*retry)
			return err
		}); err != nil {
			return err
		}
	}
}

// viewCached is view for the hot path: on bbolt, when no write is under
// way, fn first runs with no transaction at all, in a txn with no store
// (tx nil) at the store's write count, where the only reads that answer are
// the use cache's entries made at that count (cachedUse); at the first
// read the store would have to answer, fn returns errNoStore, having
// changed nothing, and runs again in view.
func (s *Service) viewCached(ctx context.Context, fn func(*txn) error) error {
	if n, counted := s.db.WriteCount(); counted {
		t := &txn{s: s, sc: s.scopeOf(ctx), now: s.now(), principal: principalOf(ctx), writes: n + 1}
		if err := fn(t); !errors.Is(err, errNoStore) {
			return err
		}
	}
	return s.view(ctx, fn)
}

// errNoStore is a read that viewCached's txn with no store cannot make.
var errNoStore = errors.New("emulator: read needs a transaction")

// update runs fn in a write transaction in the caller's scope.
func (s *Service) update(ctx context.Context, fn func(*txn) error) error {
	sc, principal := s.scopeOf(ctx), principalOf(ctx)
	return s.db.Update(func(tx *storage.Tx) error {
		return fn(&txn{s: s, tx: tx, sc: sc, now: s.now(), principal: principal})
	})
}

func (t *txn) keyDBKey(id string) string { return t.sc.dbPrefix() + id }

func (t *txn) materialDBKey(keyID, materialID string) string {
	return t.sc.dbPrefix() + keyID + "/" + materialID
}

func (t *txn) aliasDBKey(name string) string { return t.sc.dbPrefix() + name }

// loadKey returns the key with id in scope, doing due maintenance first: a
// key past its deletion date is purged (found=false), due automatic
// rotations are performed. In a read-only transaction a key needing either
// makes loadKey return errMaintain.
func (t *txn) loadKey(id string) (*keyRecord, bool, error) {
	at := readAtOf(t.tx)
	dbKey := t.keyDBKey(id)
	k, ok := t.s.records.fresh(dbKey, at)
	if !ok {
		raw := t.tx.Peek(bucketKeys, dbKey) // decode copies what it keeps
		if raw == nil {
			return nil, false, nil
		}
		var err error
		if k, err = t.s.records.decode(dbKey, raw, at); err != nil {
			return nil, false, fmt.Errorf("emulator: decode key %s: %w", id, err)
		}
	}
	if !k.maintenanceDue(t.now) {
		return k, true, nil
	}
	if !t.tx.Writable() {
		t.retry = new(id) // a copy: &id would move every call's id to the heap
		return nil, false, errMaintain
	}
	if k.expired(t.now) {
		return nil, false, t.purgeKey(k)
	}
	if k.replicaReady(t.now) {
		t.finishReplica(k)
	}
	if k.importExpired(t.now) {
		if err := t.expireImport(k); err != nil {
			return nil, false, err
		}
	}
	if err := t.rotateDue(k); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// maintenanceDue reports whether time alone has changed k by now: its
// deletion date passed, a rotation is due, imported material expired, or a
// replica finished. loadKey then does that change in a write.
func (k *keyRecord) maintenanceDue(now time.Time) bool {
	return k.expired(now) || k.rotationDue(now) || k.importExpired(now) || k.replicaReady(now)
}

// peekKey reads a key without maintenance: expired keys read as absent,
// due rotations are not done. For listings.
func (t *txn) peekKey(raw []byte) (*keyRecord, bool, error) {
	t.s.decodes.Add(1)
	var k keyRecord
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, false, fmt.Errorf("emulator: decode key: %w", err)
	}
	k.upgradeImport()
	if k.expired(t.now) {
		return nil, false, nil
	}
	return &k, true, nil
}

func (t *txn) saveKey(k *keyRecord) error {
	raw, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("emulator: encode key %s: %w", k.KeyID, err)
	}
	if err := t.tx.Put(bucketKeys, t.keyDBKey(k.KeyID), raw); err != nil {
		return err
	}
	return t.indexKey(k)
}

// purgeKey deletes a key for good: record, every material version, and the
// aliases that point at it.
func (t *txn) purgeKey(k *keyRecord) error {
	for _, m := range k.Materials {
		if err := t.tx.Delete(bucketMaterial, t.materialDBKey(k.KeyID, m.ID)); err != nil {
			return err
		}
	}
	if err := t.purgeImport(k); err != nil {
		return err
	}
	if err := t.purgeKeyData(k); err != nil {
		return err
	}
	if err := t.purgeAliasesOf(k.KeyID); err != nil {
		return err
	}
	if err := t.unindexKey(k); err != nil {
		return err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Msg("key deleted after its waiting period")
	return t.tx.Delete(bucketKeys, t.keyDBKey(k.KeyID))
}

// maxCatchUpRotations bounds the automatic rotations done at once after a
// long jump of the clock.
const maxCatchUpRotations = 10000

// rotateDue performs every automatic rotation whose date has passed, each
// dated at its due time, and saves the key.
func (t *txn) rotateDue(k *keyRecord) error {
	for i := 0; k.rotationDue(t.now) && i < maxCatchUpRotations; i++ {
		at := *k.nextRotationDate()
		if err := t.addMaterial(k, nil, at, types.RotationTypeAutomatic); err != nil {
			return err
		}
		k.RotationBase = &at
		t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Msg("key material rotated automatically")
	}
	return t.saveKey(k)
}

// addMaterial appends a material version to k (generated when raw is nil)
// and stores it sealed. The caller saves k.
func (t *txn) addMaterial(k *keyRecord, raw []byte, at time.Time, rt types.RotationType) error {
	idBytes, err := t.s.randomBytes(32)
	if err != nil {
		return err
	}
	return t.addMaterialWithID(k, hex.EncodeToString(idBytes), raw, at, rt)
}

func (t *txn) addMaterialWithID(k *keyRecord, id string, raw []byte, at time.Time, rt types.RotationType) error {
	if raw == nil {
		var err error
		if raw, err = t.s.randomBytes(32); err != nil {
			return err
		}
	}
	if err := t.tx.PutSealed(bucketMaterial, t.materialDBKey(k.KeyID, id), raw); err != nil {
		return err
	}
	k.Materials = append(k.Materials, materialInfo{ID: id, CreatedAt: at, RotationType: rt})
	// A multi-Region primary shares every material version with its replicas.
	return t.shareMaterial(k, id, raw, k.currentMaterial())
}

// material returns the raw bytes of one material version of k.
func (t *txn) material(k *keyRecord, id string) ([]byte, bool, error) {
	return t.tx.GetSealed(bucketMaterial, t.materialDBKey(k.KeyID, id))
}

func (t *txn) loadAlias(name string) (*aliasRecord, error) {
	raw := t.tx.Peek(bucketAliases, t.aliasDBKey(name)) // decoded at once
	if raw == nil {
		return nil, nil
	}
	// Alias records are looked up on every call that names a key by alias
	// (and once more by the policy gate): decoded records are kept by
	// their exact stored bytes.
	if a, ok := t.s.aliasRecs.get(raw); ok {
		return &a, nil
	}
	a, err := t.decodeAlias(raw)
	if err == nil {
		t.s.aliasRecs.put(raw, *a)
	}
	return a, err
}

func (t *txn) decodeAlias(raw []byte) (*aliasRecord, error) {
	t.s.decodes.Add(1)
	var a aliasRecord
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("emulator: decode alias: %w", err)
	}
	return &a, nil
}

// saveAlias stores a and keeps the aliases-by-key index in line (an
// alias pointed at another key leaves its old key's entry).
func (t *txn) saveAlias(a *aliasRecord) error {
	old, err := t.loadAlias(a.Name)
	if err != nil {
		return err
	}
	if old != nil && old.TargetKeyID != a.TargetKeyID {
		if err := t.tx.Delete(bucketAliasByKey, t.aliasByKeyDBKey(old.TargetKeyID, old.Name)); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("emulator: encode alias %s: %w", a.Name, err)
	}
	if err := t.tx.Put(bucketAliases, t.aliasDBKey(a.Name), raw); err != nil {
		return err
	}
	return t.tx.Put(bucketAliasByKey, t.aliasByKeyDBKey(a.TargetKeyID, a.Name), nil)
}

// deleteAlias removes a and its index entry.
func (t *txn) deleteAlias(a *aliasRecord) error {
	if err := t.tx.Delete(bucketAliasByKey, t.aliasByKeyDBKey(a.TargetKeyID, a.Name)); err != nil {
		return err
	}
	return t.tx.Delete(bucketAliases, t.aliasDBKey(a.Name))
}

// purgeAliasesOf deletes every alias that points at keyID (found through
// the aliases-by-key index).
func (t *txn) purgeAliasesOf(keyID string) error {
	prefix := t.aliasByKeyDBKey(keyID, "")
	names, err := t.tx.Keys(bucketAliasByKey, prefix)
	if err != nil {
		return err
	}
	for _, ik := range names {
		a, err := t.loadAlias(ik[len(prefix):])
		if err != nil {
			return err
		}
		if a != nil && a.TargetKeyID == keyID {
			if err := t.tx.Delete(bucketAliases, t.aliasDBKey(a.Name)); err != nil {
				return err
			}
		}
		if err := t.tx.Delete(bucketAliasByKey, ik); err != nil {
			return err
		}
	}
	return nil
}

// keyLive reports whether the key id of the scope exists and has not
// expired, without maintenance (for listings).
func (t *txn) keyLive(id string) (bool, error) {
	dbKey := t.keyDBKey(id)
	raw := t.tx.Peek(bucketKeys, dbKey) // decoded at once
	if raw == nil {
		return false, nil
	}
	return t.storedKeyLive(dbKey, raw)
}

// storedKeyLive reports whether the key stored as raw under dbKey has not
// expired. The due-time index answers without decoding the record unless
// something is due for the key by now (a key's due time is never after its
// deletion date).
func (t *txn) storedKeyLive(dbKey string, raw []byte) (bool, error) {
	if dk := t.tx.Peek(bucketDueByKey, dbKey); len(dk) < dueTimeLen || string(dk[:dueTimeLen]) > t.dueNow() {
		return true, nil
	}
	_, ok, err := t.peekKey(raw)
	return ok, err
}

// dueNow is dueTimeKey(t.now), computed once a transaction.
func (t *txn) dueNow() string {
	if t.dueNowKey == "" {
		t.dueNowKey = dueTimeKey(t.now)
	}
	return t.dueNowKey
}
