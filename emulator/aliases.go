package emulator

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/awsfacts"
)

// checkAliasName validates an alias name member as AWS does: length and
// pattern first, then the alias/ prefix, then the reserved alias/aws/.
func checkAliasName(field string, name *string) error {
	if name == nil {
		return validationNull(field)
	}
	if err := validationLen(field, *name, 1, 256); err != nil {
		return err
	}
	if !reAlias.MatchString(*name) {
		return validationPattern(field, *name, "^[a-zA-Z0-9:/_-]+$")
	}
	if !strings.HasPrefix(*name, "alias/") {
		return validationPlain(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if *name == "alias/" {
		return validationPlain(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(*name, awsfacts.ManagedAliasPrefix) {
		// Unverified against AWS: the reserved prefix's text.
		return &types.InvalidAliasNameException{Message: aws.String("Alias names that begin with alias/aws/ are reserved.")}
	}
	return nil
}

// aliasTarget resolves an alias's target key (key id or ARN) and checks it
// may be one.
func (t *txn) aliasTarget(op string, targetKeyID *string) (*keyRecord, error) {
	k, err := t.resolveKey("targetKeyId", targetKeyID, keyOnly)
	if err != nil {
		return nil, err
	}
	if err := t.customerManaged(op, k); err != nil {
		return nil, err
	}
	if err := notPendingDeletion(t.sc, k); err != nil {
		return nil, err
	}
	return k, nil
}

// CreateAlias makes a new alias in the caller's account and region.
func (s *Service) CreateAlias(ctx context.Context, in *kms.CreateAliasInput, _ ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	if in == nil {
		in = &kms.CreateAliasInput{}
	}
	if err := validateCreateAlias(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		return t.createAlias(*in.AliasName, in.TargetKeyId)
	})
	if err != nil {
		return nil, err
	}
	return &kms.CreateAliasOutput{}, nil
}

func (t *txn) createAlias(name string, target *string) error {
	existing, err := t.liveAlias(name)
	if err != nil {
		return err
	}
	if existing != nil {
		return &types.AlreadyExistsException{Message: aws.String("An alias with the name " + t.sc.aliasARN(name) + " already exists")}
	}
	k, err := t.aliasTarget("CreateAlias", target)
	if err != nil {
		return err
	}
	return t.saveAlias(&aliasRecord{Name: name, TargetKeyID: k.KeyID, CreationDate: t.now, LastUpdatedDate: t.now})
}

// liveAlias loads an alias, purging it (and answering nil) when its key is gone.
func (t *txn) liveAlias(name string) (*aliasRecord, error) {
	a, err := t.loadAlias(name)
	if err != nil || a == nil {
		return nil, err
	}
	_, ok, err := t.loadKey(a.TargetKeyID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, t.deleteAlias(a)
	}
	return a, nil
}

// UpdateAlias points an existing alias at another key of the same type.
func (s *Service) UpdateAlias(ctx context.Context, in *kms.UpdateAliasInput, _ ...func(*kms.Options)) (*kms.UpdateAliasOutput, error) {
	if in == nil {
		in = &kms.UpdateAliasInput{}
	}
	if err := validateUpdateAlias(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		a, err := t.liveAlias(*in.AliasName)
		if err != nil {
			return err
		}
		if a == nil {
			return aliasNotFound(t.sc, *in.AliasName)
		}
		k, err := t.aliasTarget("UpdateAlias", in.TargetKeyId)
		if err != nil {
			return err
		}
		if err := t.checkAliasRetarget(a, k); err != nil {
			return err
		}
		a.TargetKeyID = k.KeyID
		a.LastUpdatedDate = t.now
		return t.saveAlias(a)
	})
	if err != nil {
		return nil, err
	}
	return &kms.UpdateAliasOutput{}, nil
}

// DeleteAlias removes an alias; its key is untouched.
func (s *Service) DeleteAlias(ctx context.Context, in *kms.DeleteAliasInput, _ ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	if in == nil {
		in = &kms.DeleteAliasInput{}
	}
	if err := validateDeleteAlias(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		a, err := t.liveAlias(*in.AliasName)
		if err != nil {
			return err
		}
		if a == nil {
			return aliasNotFound(t.sc, *in.AliasName)
		}
		return t.deleteAlias(a)
	})
	if err != nil {
		return nil, err
	}
	return &kms.DeleteAliasOutput{}, nil
}

// ListAliases lists the aliases of the caller's account and region in name
// order, or only those of one key (KeyId: key id or key ARN).
func (s *Service) ListAliases(ctx context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	if in == nil {
		in = &kms.ListAliasesInput{}
	}
	p, err := validateListAliases(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListAliasesOutput
	err = s.view(ctx, func(t *txn) error {
		var pg []*aliasRecord
		var next *string
		var more bool
		if in.KeyId != nil {
			k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
			if err != nil {
				return err
			}
			pg, next, more, err = scanPage(t.tx, bucketAliasByKey, t.aliasByKeyDBKey(k.KeyID, ""), p, func(name string, _ []byte) (*aliasRecord, bool, error) {
				a, err := t.loadAlias(name)
				return a, err == nil && a != nil && a.TargetKeyID == k.KeyID, err
			})
			if err != nil {
				return err
			}
		} else {
			live := map[string]bool{} // target key id -> live, for this page
			pg, next, more, err = scanPage(t.tx, bucketAliases, t.sc.dbPrefix(), p, func(_ string, v []byte) (*aliasRecord, bool, error) {
				a, err := t.decodeAlias(v)
				if err != nil {
					return nil, false, err
				}
				ok, seen := live[a.TargetKeyID]
				if !seen {
					if ok, err = t.keyLive(a.TargetKeyID); err != nil {
						return nil, false, err
					}
					live[a.TargetKeyID] = ok
				}
				return a, ok, nil
			})
			if err != nil {
				return err
			}
		}
		out = &kms.ListAliasesOutput{Aliases: make([]types.AliasListEntry, 0, len(pg)), NextMarker: next, Truncated: more}
		for _, a := range pg {
			created, updated := a.CreationDate, a.LastUpdatedDate
			out.Aliases = append(out.Aliases, types.AliasListEntry{
				AliasArn:        aws.String(t.sc.aliasARN(a.Name)),
				AliasName:       aws.String(a.Name),
				TargetKeyId:     aws.String(a.TargetKeyID),
				CreationDate:    &created,
				LastUpdatedDate: &updated,
			})
		}
		return nil
	})
	return out, err
}
