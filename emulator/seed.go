package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/storage"
)

// ApplySeed applies a parsed seed file, on bbolt in one transaction (all
// or nothing), on etcd one entry (a key with its aliases, grants and
// replicas, or an alias) per transaction, so that a seed of any size fits
// etcd's --max-txn-ops; an apply cut short there leaves whole entries and
// the next apply completes it. Keys that do not exist yet are created with the given ids, material
// versions, description, state, tags, policy and rotation settings (a
// NextRotation dates the first automatic rotation); a key that exists keeps
// its settings and only gains seed material versions it lacks. Aliases are
// created when missing; an alias that exists is left as it is. Grants and
// the replicas of multi-Region keys are created when missing (see
// seed_grants.go and seed_multiregion.go). Material and grant ids are
// derived from the key and the seed entry, so a second apply of the same
// file changes nothing. Errors name the entry.
func (s *Service) ApplySeed(ctx context.Context, f *seed.File) error {
	if f == nil {
		return nil
	}
	now := s.now()
	var entries []func(tx *storage.Tx) error
	for i := range f.Keys {
		entries = append(entries, func(tx *storage.Tx) error {
			sk := &f.Keys[i]
			entry := fmt.Sprintf("seed key %d (%s)", i+1, sk.ID)
			t := &txn{s: s, tx: tx, sc: s.seedScope(sk.Account, sk.Region), now: now}
			if err := t.applySeedKey(sk); err != nil {
				return fmt.Errorf("%s: %w", entry, err)
			}
			if err := t.applySeedAliasesAndGrants(entry, sk.ID, sk.Aliases, sk.Grants); err != nil {
				return err
			}
			for j := range sk.Replicas {
				r := &sk.Replicas[j]
				rentry := fmt.Sprintf("%s replica %d (%s)", entry, j+1, r.Region)
				rt, err := t.applySeedReplica(sk.ID, r)
				if err != nil {
					return fmt.Errorf("%s: %w", rentry, err)
				}
				if err := rt.applySeedAliasesAndGrants(rentry, sk.ID, r.Aliases, r.Grants); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for i, a := range f.Aliases {
		entries = append(entries, func(tx *storage.Tx) error {
			t := &txn{s: s, tx: tx, sc: s.seedScope(a.Account, a.Region), now: now}
			if err := t.applySeedAlias(a.Name, a.TargetKeyID); err != nil {
				return fmt.Errorf("seed alias %d (%s): %w", i+1, a.Name, err)
			}
			return nil
		})
	}
	// On bbolt every entry goes in one transaction; on etcd each entry
	// has its own (an entry's writes are not known before it runs, and a
	// whole seed would not fit --max-txn-ops).
	perTx := s.db.BatchSize(len(entries), math.MaxInt)
	for batch := range slices.Chunk(entries, max(1, perTx)) {
		if err := s.db.Update(func(tx *storage.Tx) error {
			for _, apply := range batch {
				if err := apply(tx); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) seedScope(account, region string) scope {
	sc := scope{account: account, region: region}
	if sc.account == "" {
		sc.account = s.account
	}
	if sc.region == "" {
		sc.region = s.region
	}
	return sc
}

// seedMaterialID derives the id of a seed key's n-th material version.
func seedMaterialID(sc scope, keyID string, n int) string {
	h := sha256.New()
	writeSeedParts(h, "kmsgate-seed-material-v1", sc.account, sc.region, keyID)
	_ = binary.Write(h, binary.BigEndian, uint32(n))
	return hex.EncodeToString(h.Sum(nil))
}

func (t *txn) applySeedKey(sk *seed.Key) error {
	id := strings.ToLower(sk.ID)
	if !kmsgate.IsKeyID(id) {
		return fmt.Errorf("key id %q is neither a UUID nor mrk- and 32 hex characters", sk.ID)
	}
	st, err := seedKeyType(sk)
	if err != nil {
		return err
	}
	if len(sk.Description) > maxDescription {
		return fmt.Errorf("description longer than %d characters", maxDescription)
	}
	tags, err := mergeTags(nil, sk.Tags)
	if err != nil {
		return err
	}
	if sk.Policy != "" {
		if err := checkPolicy(sk.Policy); err != nil {
			return err
		}
	}
	period := sk.RotationPeriodInDays
	if period == 0 {
		period = defaultRotationPeriod
	}
	if period < minRotationPeriod || period > maxRotationPeriod {
		return fmt.Errorf("rotation period %d days is outside %d..%d", period, minRotationPeriod, maxRotationPeriod)
	}

	k, exists, err := t.loadKey(id)
	if err != nil {
		return err
	}
	if !exists {
		k = &keyRecord{
			KeyID:                id,
			CreationDate:         t.now,
			Description:          sk.Description,
			State:                types.KeyStateEnabled,
			KeySpec:              st.spec,
			KeyUsage:             st.usage,
			Origin:               st.origin,
			MultiRegion:          sk.MultiRegion || strings.HasPrefix(id, "mrk-"),
			Policy:               sk.Policy,
			Tags:                 tags,
			RotationEnabled:      sk.RotationEnabled,
			RotationPeriodInDays: period,
		}
		if !sk.Enabled {
			k.State = types.KeyStateDisabled
		}
		if k.Policy == "" {
			k.Policy = t.sc.defaultPolicy()
		}
		if k.RotationEnabled {
			k.RotationBase = seedRotationBase(t.now, sk.NextRotation, period)
		}
		if st.versions == nil {
			if err := t.initialSeedMaterial(k, st); err != nil {
				return err
			}
		}
	}
	changed := !exists
	for n, raw := range st.versionsFor(exists) {
		mid := seedMaterialID(t.sc, id, n)
		if k.hasMaterial(mid) {
			continue
		}
		rt := types.RotationType("")
		if len(k.Materials) > 0 {
			rt = types.RotationTypeAutomatic
		}
		if err := t.addMaterialWithID(k, mid, raw, t.now, rt); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", id).Bool("created", !exists).Msg("seed key applied")
	return t.saveKey(k)
}

func (t *txn) applySeedAlias(name, target string) error {
	if err := checkAliasName("aliasName", &name); err != nil {
		return err
	}
	existing, err := t.liveAlias(name)
	if err != nil {
		return err
	}
	k, err := t.resolveKey("targetKeyId", &target, keyOnly)
	if err != nil {
		return err
	}
	if existing != nil {
		if existing.TargetKeyID != k.KeyID {
			t.s.log.Warn().Str("alias", name).Str("seed_target", k.KeyID).Str("target", existing.TargetKeyID).Msg("seed alias exists with another target; left as it is")
		}
		return nil
	}
	return t.createAlias(name, &target)
}

// seedRotationBase is the start of a new seed key's first rotation period:
// now, or the date that puts the first automatic rotation on next (a date
// in the past makes the rotation due at once: the key rotates once when it
// is next used, as local-kms does with a NextKeyRotation that has passed).
func seedRotationBase(now, next time.Time, period int32) *time.Time {
	base := now
	if !next.IsZero() {
		if next.Before(now) {
			next = now
		}
		base = next.Add(-days(period))
	}
	return &base
}

func (t *txn) applySeedAliasesAndGrants(entry, keyID string, aliases []string, grants []seed.Grant) error {
	for _, name := range aliases {
		if err := t.applySeedAlias(name, keyID); err != nil {
			return fmt.Errorf("%s alias %s: %w", entry, name, err)
		}
	}
	applied := make([]*grantRecord, len(grants))
	for i := range grants {
		g, err := t.applySeedGrant(keyID, &grants[i])
		if err != nil {
			return fmt.Errorf("%s grant %d%s: %w", entry, i+1, grantLabel(&grants[i]), err)
		}
		// Two unnamed grants with the same parameters would be one grant
		// (their derived ids are the same): the file has a copy.
		for j, prev := range applied[:i] {
			if g.Name == "" && prev.Name == "" && sameGrant(prev, g) {
				return fmt.Errorf("%s grant %d%s: the same grant as grant %d", entry, i+1, grantLabel(&grants[i]), j+1)
			}
		}
		applied[i] = g
	}
	return nil
}
