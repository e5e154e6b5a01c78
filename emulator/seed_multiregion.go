package emulator

// Seed replicas: the replicas of a seed multi-Region key are made as
// ReplicateKey makes them (same key id, spec, usage and material versions;
// their own description, policy, tags and state), inside ApplySeed's
// transaction. A replica that exists is left as it is; material the primary
// gains later reaches it through shareMaterial.

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/seed"
)

// applySeedReplica makes the replica r of the multi-Region key keyID (in
// t's region) unless a key with that id is in r's region already, and
// returns the transaction seen from r's region.
func (t *txn) applySeedReplica(keyID string, r *seed.Replica) (*txn, error) {
	rt := t.inRegion(r.Region)
	if err := checkRegion("replicaRegion", &r.Region); err != nil {
		return nil, errors.New(apiMessage(err))
	}
	switch {
	case r.Region == t.sc.region:
		return nil, fmt.Errorf("region %s is the key's own region", r.Region)
	case rt.sc.partition() != t.sc.partition():
		return nil, fmt.Errorf("region %s is not in the partition of region %s", r.Region, t.sc.region)
	case len(r.Description) > maxDescription:
		return nil, fmt.Errorf("description longer than %d characters", maxDescription)
	}
	tags, err := mergeTags(nil, r.Tags)
	if err != nil {
		return nil, errors.New(apiMessage(err))
	}
	if r.Policy != "" {
		if err := checkPolicy(r.Policy); err != nil {
			return nil, errors.New(apiMessage(err))
		}
	}
	k, ok, err := t.loadKey(keyID)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return nil, fmt.Errorf("key %s does not exist in %s", keyID, t.sc.region)
	case !k.MultiRegion:
		return nil, fmt.Errorf("key %s is not a multi-Region key", keyID)
	}
	existing, exists, err := rt.loadKey(keyID)
	if err != nil {
		return nil, err
	}
	if exists {
		if !existing.MultiRegion {
			return nil, fmt.Errorf("a key %s that is not multi-Region exists in %s", keyID, r.Region)
		}
		return rt, nil
	}
	src, st, err := t.multiRegionPrimary(k)
	if err != nil {
		return nil, err
	}
	if err := notPendingDeletion(st.sc, src); err != nil {
		return nil, errors.New(apiMessage(err))
	}
	replica := &keyRecord{
		KeyID:                src.KeyID,
		CreationDate:         t.now,
		Description:          r.Description,
		State:                types.KeyStateEnabled,
		KeySpec:              src.KeySpec,
		KeyUsage:             src.KeyUsage,
		Origin:               src.Origin,
		MultiRegion:          true,
		MultiRegionType:      types.MultiRegionKeyTypeReplica,
		Policy:               r.Policy,
		Tags:                 tags,
		RotationPeriodInDays: src.RotationPeriodInDays,
	}
	if !r.Enabled {
		replica.State = types.KeyStateDisabled
	}
	if replica.Policy == "" {
		replica.Policy = t.sc.defaultPolicy()
	}
	materials := copiedMaterials(src)
	// A seed gives an EXTERNAL key its material in every region: a replica
	// of one whose material is in place gets it imported too.
	imported := src.Origin == types.OriginTypeExternal && src.Import != nil && src.importedInPlace()
	if imported {
		materials = src.Materials
	}
	for _, m := range materials {
		raw, ok, err := st.material(src, m.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("emulator: material %s of key %s is missing", m.ID, src.KeyID)
		}
		err = rt.tx.PutSealed(bucketMaterial, rt.materialDBKey(src.KeyID, m.ID), raw)
		clear(raw)
		if err != nil {
			return nil, err
		}
		replica.Materials = append(replica.Materials, m)
	}
	if imported {
		replica.Import = newImportState()
	} else {
		awaitImport(replica, src)
	}
	if err := rt.saveKey(replica); err != nil {
		return nil, err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", r.Region).Str("key_id", src.KeyID).Msg("seed replica created")
	return rt, nil
}

// multiRegionPrimary is the primary of k's multi-Region set and the
// transaction seen from its region: k itself unless k is a replica (the
// seed file's key was made a replica by UpdatePrimaryRegion).
func (t *txn) multiRegionPrimary(k *keyRecord) (*keyRecord, *txn, error) {
	if !k.isReplica() {
		return k, t, nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range related {
		if !r.key.isReplica() {
			return r.key, t.inRegion(r.region), nil
		}
	}
	return k, t, nil
}
