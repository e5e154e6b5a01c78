package emulator

import (
	"context"
	"encoding/hex"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const (
	maxDescription       = 8192
	defaultPendingWindow = 30
)

// newKeyID returns a random key id: a version-4 UUID, or mrk- and 32 hex
// characters for a multi-Region key.
func (s *Service) newKeyID(multiRegion bool) (string, error) {
	b, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	if multiRegion {
		return "mrk-" + hex.EncodeToString(b), nil
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// checkKeySpec validates the spec/usage/origin members of CreateKey and
// returns the key's spec, usage and origin (keytypes.go has the rules).
func checkKeySpec(spec types.KeySpec, cmkSpec types.CustomerMasterKeySpec, usage types.KeyUsageType, origin types.OriginType) (types.KeySpec, types.KeyUsageType, types.OriginType, error) {
	if err := validationEnum("keySpec", spec, types.KeySpec("").Values()); err != nil {
		return "", "", "", err
	}
	if err := validationEnum("customerMasterKeySpec", cmkSpec, types.CustomerMasterKeySpec("").Values()); err != nil {
		return "", "", "", err
	}
	if err := validationEnum("keyUsage", usage, types.KeyUsageType("").Values()); err != nil {
		return "", "", "", err
	}
	if err := validationEnum("origin", origin, types.OriginType("").Values()); err != nil {
		return "", "", "", err
	}
	if spec != "" && cmkSpec != "" {
		return "", "", "", validationPlain("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	}
	if spec == "" {
		spec = types.KeySpec(cmkSpec)
	}
	return keyType(spec, usage, origin)
}

// CreateKey creates a key of any KeySpec with fresh material, or (Origin
// EXTERNAL) a key waiting in PendingImport for ImportKeyMaterial.
func (s *Service) CreateKey(ctx context.Context, in *kms.CreateKeyInput, _ ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	if in == nil {
		in = &kms.CreateKeyInput{}
	}
	nk, err := validateCreateKey(in)
	if err != nil {
		return nil, err
	}
	spec, usage, origin, tags := nk.spec, nk.usage, nk.origin, nk.tags
	multi := aws.ToBool(in.MultiRegion)
	var out *kms.CreateKeyOutput
	err = s.update(ctx, func(t *txn) error {
		id, err := s.newKeyID(multi)
		if err != nil {
			return err
		}
		k := &keyRecord{
			KeyID:                id,
			CreationDate:         t.now,
			Description:          aws.ToString(in.Description),
			State:                types.KeyStateEnabled,
			KeySpec:              spec,
			KeyUsage:             usage,
			Origin:               origin,
			MultiRegion:          multi,
			Policy:               aws.ToString(in.Policy),
			Tags:                 tags,
			RotationPeriodInDays: defaultRotationPeriod,
		}
		if k.Policy == "" {
			k.Policy = t.sc.defaultPolicy()
		}
		if err := t.initialMaterial(k); err != nil {
			return err
		}
		if err := t.saveKey(k); err != nil {
			return err
		}
		out = &kms.CreateKeyOutput{KeyMetadata: metadata(t.sc, k)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyMetadata.KeyId)).Str("arn", aws.ToString(out.KeyMetadata.Arn)).Msg("key created")
	return out, nil
}

// metadata is DescribeKey's view of k.
func metadata(sc scope, k *keyRecord) *types.KeyMetadata {
	created := k.CreationDate
	md := &types.KeyMetadata{
		AWSAccountId:          aws.String(sc.account),
		Arn:                   aws.String(sc.keyARN(k.KeyID)),
		CreationDate:          &created,
		CustomerMasterKeySpec: types.CustomerMasterKeySpec(k.KeySpec),
		Description:           aws.String(k.Description),
		Enabled:               k.State == types.KeyStateEnabled,
		KeyId:                 aws.String(k.KeyID),
		KeyManager:            k.keyManager(),
		KeySpec:               k.KeySpec,
		KeyState:              k.State,
		KeyUsage:              k.KeyUsage,
		MultiRegion:           aws.Bool(k.MultiRegion),
		Origin:                k.Origin,
	}
	keyTypeMetadata(md, k)
	// DeletionDate only in PendingDeletion, PendingDeletionWindowInDays only
	// in PendingReplicaDeletion: "While the key state is PendingDeletion,
	// the DeletionDate field appears instead of the PendingWindowInDays
	// field" (developer guide, deleting multi-Region keys; API reference,
	// KeyMetadata).
	if k.State == types.KeyStatePendingDeletion && k.DeletionDate != nil {
		dd := *k.DeletionDate
		md.DeletionDate = &dd
	}
	if k.State == types.KeyStatePendingReplicaDeletion {
		md.PendingDeletionWindowInDays = aws.Int32(k.PendingWindowInDays)
	}
	if k.MultiRegion {
		md.MultiRegionConfiguration = &types.MultiRegionConfiguration{
			MultiRegionKeyType: k.multiRegionType(),
			PrimaryKey:         &types.MultiRegionKey{Arn: aws.String(sc.keyARN(k.KeyID)), Region: aws.String(sc.region)},
			ReplicaKeys:        []types.MultiRegionKey{},
		}
	}
	return md
}

// DescribeKey answers a key's metadata in every key state.
func (s *Service) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if in == nil {
		in = &kms.DescribeKeyInput{}
	}
	if err := validateDescribeKey(in); err != nil {
		return nil, err
	}
	var out *kms.DescribeKeyOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOrAlias)
		if err != nil {
			return err
		}
		md, err := t.describe(k)
		if err != nil {
			return err
		}
		out = &kms.DescribeKeyOutput{KeyMetadata: md}
		return nil
	})
	return out, err
}

// ListKeys lists the keys of the caller's account and region.
func (s *Service) ListKeys(ctx context.Context, in *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	if in == nil {
		in = &kms.ListKeysInput{}
	}
	p, err := validateListKeys(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListKeysOutput
	err = s.view(ctx, func(t *txn) error {
		prefix := t.sc.dbPrefix()
		ids, next, more, err := scanPage(t.tx, bucketKeys, prefix, p, func(id string, v []byte) (string, bool, error) {
			ok, err := t.storedKeyLive(prefix+id, v)
			return id, ok, err
		})
		if err != nil {
			return err
		}
		out = &kms.ListKeysOutput{Keys: make([]types.KeyListEntry, 0, len(ids)), NextMarker: next, Truncated: more}
		for _, id := range ids {
			out.Keys = append(out.Keys, types.KeyListEntry{KeyId: aws.String(id), KeyArn: aws.String(t.sc.keyARN(id))})
		}
		return nil
	})
	return out, err
}

// modifyKey resolves a key (id or ARN) in a write transaction, checks rule,
// runs change and saves the key. op is the operation served, for the
// AccessDeniedException of an AWS managed key.
func (s *Service) modifyKey(ctx context.Context, op string, keyID *string, rule func(scope, *keyRecord) error, change func(*txn, *keyRecord) error) error {
	return s.update(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", keyID, keyOnly)
		if err != nil {
			return err
		}
		if err := t.customerManaged(op, k); err != nil {
			return err
		}
		if rule != nil {
			if err := rule(t.sc, k); err != nil {
				return err
			}
		}
		if err := change(t, k); err != nil {
			return err
		}
		return t.saveKey(k)
	})
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, in *kms.UpdateKeyDescriptionInput, _ ...func(*kms.Options)) (*kms.UpdateKeyDescriptionOutput, error) {
	if in == nil {
		in = &kms.UpdateKeyDescriptionInput{}
	}
	if err := validateUpdateKeyDescription(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "UpdateKeyDescription", in.KeyId, notPendingDeletion, func(_ *txn, k *keyRecord) error {
		k.Description = *in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.UpdateKeyDescriptionOutput{}, nil
}

// EnableKey sets a Disabled (or Enabled) key Enabled.
func (s *Service) EnableKey(ctx context.Context, in *kms.EnableKeyInput, _ ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	if in == nil {
		in = &kms.EnableKeyInput{}
	}
	if err := validateEnableKey(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "EnableKey", in.KeyId, notPendingDeletionOrImport, func(t *txn, k *keyRecord) error {
		k.State = types.KeyStateEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.EnableKeyOutput{}, nil
}

// DisableKey sets an Enabled (or Disabled) key Disabled.
func (s *Service) DisableKey(ctx context.Context, in *kms.DisableKeyInput, _ ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	if in == nil {
		in = &kms.DisableKeyInput{}
	}
	if err := validateDisableKey(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "DisableKey", in.KeyId, notPendingDeletionOrImport, func(t *txn, k *keyRecord) error {
		k.State = types.KeyStateDisabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.DisableKeyOutput{}, nil
}

// ScheduleKeyDeletion puts a key in PendingDeletion; it is deleted (with its
// aliases and material) once DeletionDate passes on the injected clock.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, _ ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	if in == nil {
		in = &kms.ScheduleKeyDeletionInput{}
	}
	window, err := validateScheduleKeyDeletion(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ScheduleKeyDeletionOutput
	err = s.modifyKey(ctx, "ScheduleKeyDeletion", in.KeyId, notPendingDeletion, func(t *txn, k *keyRecord) error {
		dd := t.now.Add(days(window))
		k.State = types.KeyStatePendingDeletion
		k.DeletionDate = &dd
		k.PendingWindowInDays = window
		out = &kms.ScheduleKeyDeletionOutput{
			KeyId:               aws.String(t.sc.keyARN(k.KeyID)),
			DeletionDate:        &dd,
			KeyState:            types.KeyStatePendingDeletion,
			PendingWindowInDays: aws.Int32(window),
		}
		// A multi-Region primary with replicas waits for them.
		return t.waitForReplicas(k, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion into Disabled, as AWS does.
func (s *Service) CancelKeyDeletion(ctx context.Context, in *kms.CancelKeyDeletionInput, _ ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	if in == nil {
		in = &kms.CancelKeyDeletionInput{}
	}
	if err := validateCancelKeyDeletion(in); err != nil {
		return nil, err
	}
	var out *kms.CancelKeyDeletionOutput
	err := s.modifyKey(ctx, "CancelKeyDeletion", in.KeyId, func(sc scope, k *keyRecord) error {
		if k.State != types.KeyStatePendingDeletion && k.State != types.KeyStatePendingReplicaDeletion {
			// Unverified against AWS: the most plausible text.
			return invalidState(sc.keyARN(k.KeyID) + " is not pending deletion.")
		}
		return nil
	}, func(t *txn, k *keyRecord) error {
		k.State = stateAfterCancel(k)
		k.DeletionDate = nil
		k.PendingWindowInDays = 0
		out = &kms.CancelKeyDeletionOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
