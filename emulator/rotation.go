package emulator

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const (
	defaultRotationPeriod = 365
	minRotationPeriod     = 90
	maxRotationPeriod     = 2560
	maxOnDemandRotations  = 25
)

// rotationState is the key-state and key-type rule of EnableKeyRotation
// and DisableKeyRotation: the state first, then the key's fit (see
// checkorder.go).
func rotationState(sc scope, k *keyRecord) error {
	if err := usable(sc, k); err != nil {
		return err
	}
	if err := rotatable(k); err != nil {
		return err
	}
	return replicaRotation(sc, k)
}

// onDemandState is RotateKeyOnDemand's rule: rotationState, except that a
// symmetric key with imported material rotates on demand too (into the
// material imported with ImportType NEW_KEY_MATERIAL).
func onDemandState(sc scope, k *keyRecord) error {
	if err := usable(sc, k); err != nil {
		return err
	}
	if !k.importRotates() {
		if err := rotatable(k); err != nil {
			return err
		}
	}
	return replicaRotation(sc, k)
}

// EnableKeyRotation turns on automatic rotation every RotationPeriodInDays
// (90..2560, default 365), counted from now.
func (s *Service) EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	if in == nil {
		in = &kms.EnableKeyRotationInput{}
	}
	period := int32(defaultRotationPeriod)
	if in.RotationPeriodInDays != nil {
		period = *in.RotationPeriodInDays
		if err := validationRange("rotationPeriodInDays", period, minRotationPeriod, maxRotationPeriod); err != nil {
			return nil, err
		}
	}
	err := s.modifyKey(ctx, "EnableKeyRotation", in.KeyId, rotationState, func(t *txn, k *keyRecord) error {
		if !k.RotationEnabled || k.RotationBase == nil {
			now := t.now
			k.RotationBase = &now
		}
		k.RotationEnabled = true
		k.RotationPeriodInDays = period
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.EnableKeyRotationOutput{}, nil
}

// DisableKeyRotation turns automatic rotation off.
func (s *Service) DisableKeyRotation(ctx context.Context, in *kms.DisableKeyRotationInput, _ ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	if in == nil {
		in = &kms.DisableKeyRotationInput{}
	}
	err := s.modifyKey(ctx, "DisableKeyRotation", in.KeyId, rotationState, func(_ *txn, k *keyRecord) error {
		k.RotationEnabled = false
		k.RotationBase = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.DisableKeyRotationOutput{}, nil
}

// GetKeyRotationStatus answers the rotation settings, in every key state.
func (s *Service) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	if in == nil {
		in = &kms.GetKeyRotationStatusInput{}
	}
	var out *kms.GetKeyRotationStatusOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		out = &kms.GetKeyRotationStatusOutput{KeyId: aws.String(k.KeyID)}
		// A multi-Region replica answers its primary's (shared) settings.
		if k, err = t.rotationSource(k); err != nil {
			return err
		}
		out.KeyRotationEnabled = k.RotationEnabled
		if k.RotationEnabled {
			out.RotationPeriodInDays = aws.Int32(k.RotationPeriodInDays)
			out.NextRotationDate = k.nextRotationDate()
		}
		return nil
	})
	return out, err
}

// RotateKeyOnDemand adds a new current material version now (at most 25
// times per key); earlier versions keep decrypting.
func (s *Service) RotateKeyOnDemand(ctx context.Context, in *kms.RotateKeyOnDemandInput, _ ...func(*kms.Options)) (*kms.RotateKeyOnDemandOutput, error) {
	if in == nil {
		in = &kms.RotateKeyOnDemandInput{}
	}
	var out *kms.RotateKeyOnDemandOutput
	err := s.modifyKey(ctx, "RotateKeyOnDemand", in.KeyId, onDemandState, func(t *txn, k *keyRecord) error {
		if k.Origin == types.OriginTypeExternal {
			// Imported material: the pending version becomes current.
			if err := t.rotateToPending(k); err != nil {
				return err
			}
		} else {
			if k.OnDemandRotations >= maxOnDemandRotations {
				return &types.LimitExceededException{Message: aws.String("The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: " + t.sc.keyARN(k.KeyID))}
			}
			if err := t.addMaterial(k, nil, t.now, types.RotationTypeOnDemand); err != nil {
				return err
			}
		}
		k.OnDemandRotations++
		// AWS answers the key ARN (recorded).
		out = &kms.RotateKeyOnDemandOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyId)).Msg("key material rotated on demand")
	return out, nil
}

// ListKeyRotations lists the key's rotations oldest first (with
// IncludeKeyMaterial ALL_KEY_MATERIAL, the first material too), in every
// key state.
func (s *Service) ListKeyRotations(ctx context.Context, in *kms.ListKeyRotationsInput, _ ...func(*kms.Options)) (*kms.ListKeyRotationsOutput, error) {
	if in == nil {
		in = &kms.ListKeyRotationsInput{}
	}
	if err := validationEnum("includeKeyMaterial", in.IncludeKeyMaterial, types.IncludeKeyMaterial("").Values()); err != nil {
		return nil, err
	}
	p, err := parsePage(in.Limit, in.Marker, 1000, 100)
	if err != nil {
		return nil, err
	}
	var out *kms.ListKeyRotationsOutput
	err = s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		type entry struct {
			idx int
			m   materialInfo
		}
		var list []entry
		all := in.IncludeKeyMaterial == types.IncludeKeyMaterialAllKeyMaterial
		for i, m := range k.Materials {
			// The first material and material pending rotation only with
			// ALL_KEY_MATERIAL (API reference).
			if (i == 0 || m.Pending) && !all {
				continue
			}
			list = append(list, entry{i, m})
		}
		pg, next, more := paginate(list, func(e entry) string { return fmt.Sprintf("%08d", e.idx) }, p)
		out = &kms.ListKeyRotationsOutput{Rotations: make([]types.RotationsListEntry, 0, len(pg)), NextMarker: next, Truncated: more}
		cur := k.currentMaterial().ID
		for _, e := range pg {
			r := types.RotationsListEntry{
				KeyId:            aws.String(k.KeyID),
				KeyMaterialId:    aws.String(e.m.ID),
				KeyMaterialState: types.KeyMaterialStateNonCurrent,
			}
			switch {
			case e.m.Pending:
				r.KeyMaterialState = types.KeyMaterialStatePendingRotation
			case e.m.ID == cur:
				r.KeyMaterialState = types.KeyMaterialStateCurrent
			}
			if e.idx > 0 && !e.m.Pending {
				at := e.m.CreatedAt
				r.RotationDate = &at
				r.RotationType = e.m.RotationType
			}
			if k.Import != nil && k.KeySpec == types.KeySpecSymmetricDefault {
				importFields(&r, e.m)
			}
			out.Rotations = append(out.Rotations, r)
		}
		return nil
	})
	return out, err
}

// importFields fills the members a rotation entry has only for symmetric
// encryption keys with imported material (API reference,
// RotationsListEntry).
func importFields(r *types.RotationsListEntry, m materialInfo) {
	r.ImportState = types.ImportStateImported
	if m.Absent {
		r.ImportState = types.ImportStatePendingImport
		return
	}
	r.ExpirationModel = m.ExpirationModel
	if !m.ValidTo.IsZero() {
		v := m.ValidTo
		r.ValidTo = &v
	}
	if m.Description != "" {
		r.KeyMaterialDescription = aws.String(m.Description)
	}
}
