package emulator

// Multi-Region keys: ReplicateKey, UpdatePrimaryRegion and the
// MultiRegionConfiguration of DescribeKey. A replica is a key record with
// the primary's id in another region of the same account, holding copies of
// the same material versions (same ids, same bytes), so that each opens the
// others' ciphertexts (the ciphertext AAD of an mrk- key binds the account,
// not the region). Rotating the primary, on demand or automatically, shares
// the new material with every replica (shareMaterial, called from
// addMaterialWithID); replicas do not rotate on their own.

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/awsfacts"
)

var reRegion = regexp.MustCompile(`^([a-z]+-){2,3}\d+$`)

const regionPattern = `^([a-z]+-){2,3}\d+$`

// multiRegionType is PRIMARY or REPLICA for a multi-Region key, "" otherwise.
func (k *keyRecord) multiRegionType() types.MultiRegionKeyType {
	switch {
	case !k.MultiRegion:
		return ""
	case k.MultiRegionType == "":
		return types.MultiRegionKeyTypePrimary
	}
	return k.MultiRegionType
}

func (k *keyRecord) isReplica() bool {
	return k.multiRegionType() == types.MultiRegionKeyTypeReplica
}

// inRegion is the same transaction seen from another region of the
// caller's account.
func (t *txn) inRegion(region string) *txn {
	return &txn{s: t.s, tx: t.tx, sc: scope{account: t.sc.account, region: region}, now: t.now}
}

// relatedKey is one key of a multi-Region set.
type relatedKey struct {
	region string
	key    *keyRecord
}

// relatedKeys returns every live key of the caller's account with this
// multi-Region key id, in region order (including the one in scope).
func (t *txn) relatedKeys(id string) ([]relatedKey, error) {
	var out []relatedKey
	prefix := t.sc.account + "/" + id + "/"
	regions, err := t.tx.Keys(bucketMultiRegion, prefix)
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		region := r[len(prefix):]
		raw := t.tx.Peek(bucketKeys, t.sc.account+"/"+region+"/"+id) // decoded at once
		if raw == nil {
			continue
		}
		k, live, err := t.peekKey(raw)
		if err != nil {
			return nil, err
		}
		if live && k.MultiRegion {
			out = append(out, relatedKey{region, k})
		}
	}
	return out, nil
}

// multiRegionConfig is DescribeKey's MultiRegionConfiguration of k.
func (t *txn) multiRegionConfig(k *keyRecord) (*types.MultiRegionConfiguration, error) {
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return nil, err
	}
	cfg := &types.MultiRegionConfiguration{MultiRegionKeyType: k.multiRegionType(), ReplicaKeys: []types.MultiRegionKey{}}
	for _, r := range related {
		sc := scope{account: t.sc.account, region: r.region}
		mk := types.MultiRegionKey{Arn: aws.String(sc.keyARN(r.key.KeyID)), Region: aws.String(r.region)}
		if r.key.isReplica() {
			cfg.ReplicaKeys = append(cfg.ReplicaKeys, mk)
		} else {
			cfg.PrimaryKey = &mk
		}
	}
	return cfg, nil
}

// describe is DescribeKey's metadata of k with its multi-Region set filled in.
func (t *txn) describe(k *keyRecord) (*types.KeyMetadata, error) {
	md := metadata(t.sc, k)
	if k.MultiRegion {
		cfg, err := t.multiRegionConfig(k)
		if err != nil {
			return nil, err
		}
		md.MultiRegionConfiguration = cfg
	}
	return md, nil
}

// shareMaterial copies a new material version of a multi-Region primary to
// each of its replicas. Other keys are left alone.
func (t *txn) shareMaterial(k *keyRecord, id string, raw []byte, m materialInfo) error {
	return t.eachReplicaIn(k, func(rt *txn, r *keyRecord) (bool, error) {
		if r.hasMaterial(id) {
			return false, nil
		}
		if err := rt.tx.PutSealed(bucketMaterial, rt.materialDBKey(k.KeyID, id), raw); err != nil {
			return false, err
		}
		r.Materials = append(r.Materials, m)
		return true, nil
	})
}

// eachReplica calls change on each replica of a multi-Region primary k (on
// none for any other key) and saves the replicas it changed.
func (t *txn) eachReplica(k *keyRecord, change func(*keyRecord) bool) error {
	return t.eachReplicaIn(k, func(_ *txn, r *keyRecord) (bool, error) { return change(r), nil })
}

// eachReplicaIn is eachReplica whose change also gets the transaction seen
// from the replica's region, and may fail.
func (t *txn) eachReplicaIn(k *keyRecord, change func(*txn, *keyRecord) (bool, error)) error {
	if !k.MultiRegion || k.isReplica() {
		return nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return err
	}
	for _, r := range related {
		if !r.key.isReplica() {
			continue
		}
		rt := t.inRegion(r.region)
		changed, err := change(rt, r.key)
		if err != nil {
			return err
		}
		if changed {
			if err := rt.saveKey(r.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// replicaCreation is how long a new replica stays in state Creating.
const replicaCreation = 2 * time.Second

// replicaReady reports whether a replica in state Creating is due to
// become usable.
func (k *keyRecord) replicaReady(now time.Time) bool {
	return k.State == types.KeyStateCreating && k.ReadyAt != nil && !now.Before(*k.ReadyAt)
}

// finishReplica ends a replica's Creating state: Enabled, or PendingImport
// for a replica of a key with imported material (loadKey saves the key).
func (t *txn) finishReplica(k *keyRecord) {
	k.State = types.KeyStateEnabled
	if k.Import != nil && !k.importedInPlace() {
		k.State = types.KeyStatePendingImport
	}
	k.ReadyAt = nil
}

func notMultiRegionPrimary(sc scope, k *keyRecord) error {
	return &types.UnsupportedOperationException{Message: aws.String(sc.keyARN(k.KeyID) + " is not a multi-region primary key.")}
}

func checkRegion(field string, v *string) error {
	if v == nil {
		return validationNull(field)
	}
	if err := validationLen(field, *v, 1, 32); err != nil {
		return err
	}
	if !reRegion.MatchString(*v) {
		return validationPattern(field, *v, regionPattern)
	}
	return nil
}

// ReplicateKey makes a replica of a multi-Region primary key in another
// region of the same account: same key id, spec, usage and material
// versions; its own description, key policy and tags.
func (s *Service) ReplicateKey(ctx context.Context, in *kms.ReplicateKeyInput, _ ...func(*kms.Options)) (*kms.ReplicateKeyOutput, error) {
	if in == nil {
		in = &kms.ReplicateKeyInput{}
	}
	tags, err := validateReplicateKey(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ReplicateKeyOutput
	err = s.update(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		// The key state first (only an Enabled primary replicates: a
		// disabled one is DisabledException, one pending import "is
		// pending import.", captured), then the key's type (checkorder.go).
		if err := usable(t.sc, k); err != nil {
			return err
		}
		if !k.MultiRegion || k.isReplica() {
			return notMultiRegionPrimary(t.sc, k)
		}
		// AWS's texts (captured).
		if *in.ReplicaRegion == t.sc.region {
			return validationPlain(*in.ReplicaRegion + " cannot have a replica because it contains the primary.")
		}
		if !awsfacts.KnownRegion(*in.ReplicaRegion) {
			return validationPlain("Region " + *in.ReplicaRegion + " is not a valid Region or multi-Region keys are not supported in Region " + *in.ReplicaRegion + ".")
		}
		rt := t.inRegion(*in.ReplicaRegion)
		if rt.sc.partition() != t.sc.partition() {
			return validationPlain("The replica key Region must be in the same AWS partition as the primary key Region.")
		}
		_, exists, err := rt.loadKey(k.KeyID)
		if err != nil {
			return err
		}
		if exists {
			return &types.AlreadyExistsException{Message: aws.String("You can create only one replica of each primary key in each AWS Region.")}
		}
		replica := &keyRecord{
			KeyID:                k.KeyID,
			CreationDate:         t.now,
			Description:          aws.ToString(in.Description),
			State:                types.KeyStateEnabled,
			KeySpec:              k.KeySpec,
			KeyUsage:             k.KeyUsage,
			Origin:               k.Origin,
			MultiRegion:          true,
			MultiRegionType:      types.MultiRegionKeyTypeReplica,
			Policy:               aws.ToString(in.Policy),
			Tags:                 tags,
			RotationPeriodInDays: k.RotationPeriodInDays,
		}
		if replica.Policy == "" {
			replica.Policy = t.sc.defaultPolicy()
		}
		for _, m := range copiedMaterials(k) {
			raw, ok, err := t.material(k, m.ID)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("emulator: material %s of key %s is missing", m.ID, k.KeyID)
			}
			if err := rt.tx.PutSealed(bucketMaterial, rt.materialDBKey(k.KeyID, m.ID), raw); err != nil {
				return err
			}
			clear(raw)
			replica.Materials = append(replica.Materials, m)
		}
		awaitImport(replica, k)
		// AWS answers the replica in state Creating and makes it usable
		// shortly after (recorded); here after replicaCreation on the
		// clock, so advancing the test clock finishes it at once.
		ready := t.now.Add(replicaCreation)
		replica.ReadyAt = &ready
		replica.State = types.KeyStateCreating
		if err := rt.saveKey(replica); err != nil {
			return err
		}
		md, err := rt.describe(replica)
		if err != nil {
			return err
		}
		if k.Import != nil {
			// The replica of a key with imported material is answered
			// with its primary's expiration (captured), before it has any
			// material of its own.
			pm := metadata(t.sc, k)
			md.ExpirationModel, md.ValidTo = pm.ExpirationModel, pm.ValidTo
		}
		out = &kms.ReplicateKeyOutput{ReplicaKeyMetadata: md, ReplicaPolicy: aws.String(replica.Policy)}
		if len(in.Tags) > 0 {
			// No ReplicaTags member when none were given (recorded).
			out.ReplicaTags = append([]types.Tag{}, replica.Tags...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.ReplicaKeyMetadata.KeyId)).Str("replica_region", *in.ReplicaRegion).Msg("multi-Region key replicated")
	return out, nil
}

// UpdatePrimaryRegion makes the replica in PrimaryRegion the primary key and
// the current primary (named by KeyId, in the caller's region) a replica.
// The shared rotation settings move to the new primary.
func (s *Service) UpdatePrimaryRegion(ctx context.Context, in *kms.UpdatePrimaryRegionInput, _ ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	if in == nil {
		in = &kms.UpdatePrimaryRegionInput{}
	}
	if err := validateUpdatePrimaryRegion(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		if err := notPendingDeletion(t.sc, k); err != nil {
			return err
		}
		if !k.MultiRegion || k.isReplica() {
			// AWS's answer here (captured): KMSInvalidStateException and
			// "Multi-Region", unlike ReplicateKey's.
			return invalidState(t.sc.keyARN(k.KeyID) + " is not a multi-Region primary key.")
		}
		if *in.PrimaryRegion == t.sc.region {
			return nil
		}
		rt := t.inRegion(*in.PrimaryRegion)
		r, ok, err := rt.loadKey(k.KeyID)
		if err != nil {
			return err
		}
		if !ok || !r.MultiRegion {
			return validationPlain(k.KeyID + " does not have a replica key in the specified Region.") // captured
		}
		if err := notPendingDeletion(rt.sc, r); err != nil {
			return err
		}
		r.MultiRegionType = types.MultiRegionKeyTypePrimary
		r.RotationEnabled, r.RotationPeriodInDays, r.RotationBase, r.OnDemandRotations = k.RotationEnabled, k.RotationPeriodInDays, k.RotationBase, k.OnDemandRotations
		k.MultiRegionType = types.MultiRegionKeyTypeReplica
		k.RotationEnabled, k.RotationBase = false, nil
		if err := rt.saveKey(r); err != nil {
			return err
		}
		return t.saveKey(k)
	})
	if err != nil {
		return nil, err
	}
	return &kms.UpdatePrimaryRegionOutput{}, nil
}

// replicaRotation is the rule of the rotation operations on a replica:
// rotation is managed on the primary and shared with the replicas. The
// text is AWS's (captured), naming the operation.
func replicaRotation(sc scope, k *keyRecord, op string) error {
	if k.isReplica() {
		return &types.UnsupportedOperationException{Message: aws.String(sc.keyARN(k.KeyID) + " is a multi-region replica key which is not valid for " + op + ".")}
	}
	return nil
}

// rotationSource is the key whose rotation settings apply to k: its
// primary for a multi-Region replica (rotation is a shared property), k
// itself otherwise (and for a replica whose primary is gone).
func (t *txn) rotationSource(k *keyRecord) (*keyRecord, error) {
	if !k.isReplica() {
		return k, nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return nil, err
	}
	for _, r := range related {
		if !r.key.isReplica() {
			return r.key, nil
		}
	}
	return k, nil
}

// waitForReplicas turns a just-scheduled deletion of a multi-Region primary
// that has replicas into PendingReplicaDeletion, as AWS does: no deletion
// date until the last replica is deleted (replicaGone), then the key's
// waiting period starts.
func (t *txn) waitForReplicas(k *keyRecord, out *kms.ScheduleKeyDeletionOutput) error {
	if !k.MultiRegion || k.isReplica() {
		return nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return err
	}
	for _, r := range related {
		if r.key.isReplica() {
			k.State = types.KeyStatePendingReplicaDeletion
			k.DeletionDate = nil
			out.KeyState = k.State
			out.DeletionDate = nil
			return nil
		}
	}
	return nil
}

// replicaGone is called as a key is purged: when it is the last replica of
// a primary in PendingReplicaDeletion, the primary's waiting period starts.
func (t *txn) replicaGone(k *keyRecord) error {
	if !k.isReplica() {
		return nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return err
	}
	var primary *relatedKey
	for i, r := range related {
		switch {
		case r.region == t.sc.region:
		case r.key.isReplica():
			return nil // another replica remains
		default:
			primary = &related[i]
		}
	}
	if primary == nil || primary.key.State != types.KeyStatePendingReplicaDeletion {
		return nil
	}
	p := primary.key
	dd := t.now.Add(days(p.PendingWindowInDays))
	p.State = types.KeyStatePendingDeletion
	p.DeletionDate = &dd
	return t.inRegion(primary.region).saveKey(p)
}
