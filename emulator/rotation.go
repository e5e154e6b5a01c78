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

// rotationState is the rule of EnableKeyRotation and DisableKeyRotation
// (op), as AWS answers (captured against AWS, 2026): the state first
// (pending deletion, disabled; a key pending import gets the origin's
// answer, not the state's), then the origin (imported material:
// "<arn> origin is EXTERNAL which is not valid for this operation."), the
// key type (asymmetric and HMAC keys: UnsupportedOperationException with
// no message for EnableKeyRotation; DisableKeyRotation succeeds and changes
// nothing), then a multi-Region replica ("<arn> is a multi-region replica
// key which is not valid for <op>."). See checkorder.go.
func rotationState(op string) func(scope, *keyRecord) error {
	return func(sc scope, k *keyRecord) error {
		if k.State != types.KeyStatePendingImport {
			if err := usable(sc, k); err != nil {
				return err
			}
		}
		if k.Origin == types.OriginTypeExternal {
			return originNotValid(sc, k)
		}
		if k.KeySpec != types.KeySpecSymmetricDefault {
			if op == "DisableKeyRotation" {
				return nil
			}
			return &types.UnsupportedOperationException{}
		}
		return replicaRotation(sc, k, op)
	}
}

// onDemandState is RotateKeyOnDemand's rule: the state (a key pending
// import is "pending import."), the key type (UnsupportedOperationException
// with no message for asymmetric and HMAC keys), a replica; a symmetric key
// with imported material rotates on demand too (into the material imported
// with ImportType NEW_KEY_MATERIAL).
func onDemandState(sc scope, k *keyRecord) error {
	if err := usable(sc, k); err != nil {
		return err
	}
	if k.KeySpec != types.KeySpecSymmetricDefault {
		return &types.UnsupportedOperationException{}
	}
	return replicaRotation(sc, k, "RotateKeyOnDemand")
}

// originNotValid is AWS's answer to an operation the key's origin does not
// allow (recorded for the import operations on AWS_KMS keys and the
// rotation settings of EXTERNAL keys).
func originNotValid(sc scope, k *keyRecord) error {
	return &types.UnsupportedOperationException{Message: aws.String(fmt.Sprintf("%s origin is %s which is not valid for this operation.", sc.keyARN(k.KeyID), k.Origin))}
}

// EnableKeyRotation turns on automatic rotation every RotationPeriodInDays
// (90..2560, default 365), counted from now.
func (s *Service) EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	if in == nil {
		in = &kms.EnableKeyRotationInput{}
	}
	if err := validateEnableKeyRotation(in); err != nil {
		return nil, err
	}
	period := int32(defaultRotationPeriod)
	if in.RotationPeriodInDays != nil {
		period = *in.RotationPeriodInDays
	}
	err := s.modifyKey(ctx, "EnableKeyRotation", in.KeyId, rotationState("EnableKeyRotation"), func(t *txn, k *keyRecord) error {
		// As AWS (captured): on a key that already rotates, an omitted or
		// unchanged period changes nothing; a new period starts counting
		// from now. Turning rotation on counts from now, 365 days when
		// the period is omitted.
		if k.RotationEnabled && k.RotationBase != nil && (in.RotationPeriodInDays == nil || period == k.RotationPeriodInDays) {
			return nil
		}
		now := t.now
		k.RotationBase = &now
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
	if err := validateDisableKeyRotation(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "DisableKeyRotation", in.KeyId, rotationState("DisableKeyRotation"), func(_ *txn, k *keyRecord) error {
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
	if err := validateGetKeyRotationStatus(in); err != nil {
		return nil, err
	}
	var out *kms.GetKeyRotationStatusOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		// The key ARN (captured against AWS).
		out = &kms.GetKeyRotationStatusOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		if k.State == types.KeyStatePendingDeletion || k.State == types.KeyStatePendingReplicaDeletion {
			// AWS answers rotation off while the key waits for deletion,
			// and the settings back after CancelKeyDeletion (captured).
			return nil
		}
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
	if err := validateRotateKeyOnDemand(in); err != nil {
		return nil, err
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
	p, err := validateListKeyRotations(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListKeyRotationsOutput
	err = s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		if in.IncludeKeyMaterial != "" && k.KeySpec != types.KeySpecSymmetricDefault {
			// AWS's answer (captured for ALL_KEY_MATERIAL on HMAC, RSA and
			// ECC keys; ROTATIONS_ONLY is taken to be refused alike).
			return validationPlain("Input parameter includeKeyMaterial can only be used with symmetric keys.")
		}
		type entry struct {
			idx int
			m   materialInfo
		}
		var list []entry
		all := in.IncludeKeyMaterial == types.IncludeKeyMaterialAllKeyMaterial
		materials := k.Materials
		if k.KeySpec != types.KeySpecSymmetricDefault {
			// Keys that do not rotate list nothing (an HMAC key, captured
			// against AWS: no rotations, not an error).
			materials = nil
		}
		for i, m := range materials {
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
				KeyId:            aws.String(t.sc.keyARN(k.KeyID)), // the ARN (captured against AWS)
				KeyMaterialId:    aws.String(e.m.ID),
				KeyMaterialState: types.KeyMaterialStateNonCurrent,
			}
			switch {
			case e.m.Pending:
				r.KeyMaterialState = types.KeyMaterialStatePendingRotation
				everywhere, err := t.pendingEverywhere(k, e.m.ID)
				if err != nil {
					return err
				}
				if !everywhere && k.MultiRegion {
					// Not yet imported into every key of the set.
					r.KeyMaterialState = types.KeyMaterialStatePendingMultiRegionImportAndRotation
				}
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
//
// Material pending import keeps its description and shows no expiration
// (developer guide's list-key-rotations example; captured).
func importFields(r *types.RotationsListEntry, m materialInfo) {
	if m.Description != "" {
		r.KeyMaterialDescription = aws.String(m.Description)
	}
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
}
