package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/seed"
	"github.com/kmsgate/kmsgate/storage"
)

// ApplySeed applies a parsed seed file in one transaction (all or nothing):
// keys that do not exist yet are created with the given ids, material
// versions, description, state, tags, policy and rotation settings; a key
// that exists keeps its settings and only gains seed material versions it
// lacks. Aliases are created when missing; an alias that exists is left as
// it is. Material ids are derived from the key and version index, so a
// second apply of the same file changes nothing. Errors name the entry.
func (s *Service) ApplySeed(ctx context.Context, f *seed.File) error {
	if f == nil {
		return nil
	}
	return s.db.Update(func(tx *storage.Tx) error {
		now := s.now()
		for i := range f.Keys {
			sk := &f.Keys[i]
			t := &txn{s: s, tx: tx, sc: s.seedScope(sk.Account, sk.Region), now: now}
			if err := t.applySeedKey(sk); err != nil {
				return fmt.Errorf("seed key %d (%s): %w", i+1, sk.ID, err)
			}
			for _, name := range sk.Aliases {
				if err := t.applySeedAlias(name, sk.ID); err != nil {
					return fmt.Errorf("seed key %d (%s) alias %s: %w", i+1, sk.ID, name, err)
				}
			}
		}
		for i, a := range f.Aliases {
			t := &txn{s: s, tx: tx, sc: s.seedScope(a.Account, a.Region), now: now}
			if err := t.applySeedAlias(a.Name, a.TargetKeyID); err != nil {
				return fmt.Errorf("seed alias %d (%s): %w", i+1, a.Name, err)
			}
		}
		return nil
	})
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
	for _, part := range []string{"kmsgate-seed-material-v1", sc.account, sc.region, keyID} {
		_ = binary.Write(h, binary.BigEndian, uint32(len(part)))
		h.Write([]byte(part))
	}
	_ = binary.Write(h, binary.BigEndian, uint32(n))
	return hex.EncodeToString(h.Sum(nil))
}

func (t *txn) applySeedKey(sk *seed.Key) error {
	id := strings.ToLower(sk.ID)
	if !IsKeyID(id) {
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
			k.Policy = defaultPolicy(t.sc.account)
		}
		if k.RotationEnabled {
			now := t.now
			k.RotationBase = &now
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
