package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// Imported key material (Origin EXTERNAL).
//
// GetParametersForImport makes an RSA wrapping key pair; the private half is
// stored sealed beside the key's material (one set of parameters per key,
// the latest) and the import token names it: format byte 1, 16 random bytes
// (the token id), then the key id. ImportKeyMaterial unwraps with it, checks
// the material against the key's spec and stores it sealed like generated
// material. The material id is an HMAC of the material (keyed by the
// material itself) over the key id, so a re-import of the same material
// gets the same id, old ciphertexts open again, and different material is
// recognised without keeping a copy of the deleted material.

const (
	importTokenVersion  = 1
	importTokenIDLen    = 16
	importParamsValid   = 24 * time.Hour
	importWrappingKeyID = "import-wrapping-key"
	maxImportBlob       = 6144
)

// importState is the imported-material part of an EXTERNAL key's record.
type importState struct {
	// HasMaterial is true while imported material is in place.
	HasMaterial     bool                      `json:",omitempty"`
	ExpirationModel types.ExpirationModelType `json:",omitempty"`
	ValidTo         *time.Time                `json:",omitempty"`
	Description     string                    `json:",omitempty"`

	// The latest GetParametersForImport answer.
	TokenID           string                `json:",omitempty"` // hex
	WrappingAlgorithm types.AlgorithmSpec   `json:",omitempty"`
	WrappingKeySpec   types.WrappingKeySpec `json:",omitempty"`
	ParametersValidTo *time.Time            `json:",omitempty"`
}

// importExpired reports whether imported material's ValidTo has passed.
func (k *keyRecord) importExpired(now time.Time) bool {
	im := k.Import
	return im != nil && im.HasMaterial && im.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires &&
		im.ValidTo != nil && !now.Before(*im.ValidTo)
}

// dropImportedMaterial deletes the imported material's bytes (the record
// keeps its id) and puts the key in PendingImport. The caller saves k.
func (t *txn) dropImportedMaterial(k *keyRecord) error {
	for _, m := range k.Materials {
		if err := t.tx.Delete(bucketMaterial, t.materialDBKey(k.KeyID, m.ID)); err != nil {
			return err
		}
	}
	k.Import.HasMaterial = false
	k.Import.ExpirationModel = ""
	k.Import.ValidTo = nil
	if k.State != types.KeyStatePendingDeletion {
		k.State = types.KeyStatePendingImport
	}
	return nil
}

// expireImport is the maintenance done when imported material expires
// (loadKey saves the key).
func (t *txn) expireImport(k *keyRecord) error {
	if err := t.dropImportedMaterial(k); err != nil {
		return err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Msg("imported key material expired")
	return nil
}

// purgeImport deletes a key's import parameters when the key is deleted.
func (t *txn) purgeImport(k *keyRecord) error {
	if k.Import == nil {
		return nil
	}
	return t.tx.Delete(bucketMaterial, t.materialDBKey(k.KeyID, importWrappingKeyID))
}

// importedMaterialID derives the material id of imported material from
// the key id (the same in every Region of a multi-Region key).
func importedMaterialID(keyID string, material []byte) string {
	m := hmac.New(sha256.New, material)
	m.Write([]byte("kmsgate-imported-material-v1\x00"))
	m.Write([]byte(keyID))
	return hex.EncodeToString(m.Sum(nil))
}

// copiedMaterials is the material ReplicateKey copies: none for an EXTERNAL
// key, whose replica gets the same material by its own import, as in AWS.
func copiedMaterials(k *keyRecord) []materialInfo {
	if k.Origin == types.OriginTypeExternal {
		return nil
	}
	return k.Materials
}

// awaitImport makes the replica of an EXTERNAL key wait in PendingImport
// for the primary's material (the same material ids, so only the same
// material imports).
func awaitImport(replica, primary *keyRecord) {
	if primary.Origin != types.OriginTypeExternal {
		return
	}
	replica.Materials = append([]materialInfo(nil), primary.Materials...)
	replica.State = types.KeyStatePendingImport
	replica.Import = &importState{}
}

// externalOnly is the rule of the import operations.
func externalOnly(sc scope, k *keyRecord) error {
	if k.Origin != types.OriginTypeExternal || k.Import == nil {
		return &types.UnsupportedOperationException{Message: aws.String(fmt.Sprintf("%s origin is %s which is not valid for this operation.", sc.keyARN(k.KeyID), k.Origin))}
	}
	return notPendingDeletion(sc, k)
}

// checkWrapping is the model's validation of GetParametersForImport's
// members; keyspec.CheckWrapping judges them against the key's spec.
func checkWrapping(alg types.AlgorithmSpec, spec types.WrappingKeySpec) error {
	if alg == "" {
		return validationNull("wrappingAlgorithm")
	}
	if err := validationEnum("wrappingAlgorithm", alg, types.AlgorithmSpec("").Values()); err != nil {
		return err
	}
	if spec == "" {
		return validationNull("wrappingKeySpec")
	}
	return validationEnum("wrappingKeySpec", spec, types.WrappingKeySpec("").Values())
}

// GetParametersForImport hands out an RSA wrapping public key and an import
// token, valid for 24 hours, for an EXTERNAL key.
func (s *Service) GetParametersForImport(ctx context.Context, in *kms.GetParametersForImportInput, _ ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	if in == nil {
		in = &kms.GetParametersForImportInput{}
	}
	if err := checkWrapping(in.WrappingAlgorithm, in.WrappingKeySpec); err != nil {
		return nil, err
	}
	check := func(t *txn) (*keyRecord, error) {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return nil, err
		}
		if err := externalOnly(t.sc, k); err != nil {
			return nil, err
		}
		return k, keyspec.CheckWrapping(k.KeySpec, in.WrappingAlgorithm, in.WrappingKeySpec)
	}
	if err := s.view(ctx, func(t *txn) error {
		_, err := check(t)
		return err
	}); err != nil {
		return nil, err
	}
	// RSA key generation (seconds for 4096 bits) runs outside any transaction.
	priv, pub, err := keyspec.GenerateWrappingKey(in.WrappingKeySpec, s.rand)
	if err != nil {
		return nil, err
	}
	defer clear(priv)
	tokenID, err := s.randomBytes(importTokenIDLen)
	if err != nil {
		return nil, err
	}
	var out *kms.GetParametersForImportOutput
	err = s.update(ctx, func(t *txn) error {
		k, err := check(t)
		if err != nil {
			return err
		}
		if err := t.tx.PutSealed(bucketMaterial, t.materialDBKey(k.KeyID, importWrappingKeyID), priv); err != nil {
			return err
		}
		validTo := t.now.Add(importParamsValid)
		k.Import.TokenID = hex.EncodeToString(tokenID)
		k.Import.WrappingAlgorithm = in.WrappingAlgorithm
		k.Import.WrappingKeySpec = in.WrappingKeySpec
		k.Import.ParametersValidTo = &validTo
		if err := t.saveKey(k); err != nil {
			return err
		}
		token := append([]byte{importTokenVersion}, tokenID...)
		token = append(token, k.KeyID...)
		out = &kms.GetParametersForImportOutput{
			KeyId:             aws.String(t.sc.keyARN(k.KeyID)),
			ImportToken:       token,
			PublicKey:         pub,
			ParametersValidTo: &validTo,
		}
		return nil
	})
	return out, err
}

func invalidImportToken() error {
	// Unverified against AWS: the code is AWS's, the text the most plausible.
	return &types.InvalidImportTokenException{Message: aws.String("The import token is invalid or was not issued for this KMS key.")}
}

// checkImportToken matches a token against the key's latest parameters.
func (t *txn) checkImportToken(k *keyRecord, token []byte) error {
	im := k.Import
	n := 1 + importTokenIDLen
	if len(token) <= n || token[0] != importTokenVersion || im.TokenID == "" ||
		hex.EncodeToString(token[1:n]) != im.TokenID || !bytes.Equal(token[n:], []byte(k.KeyID)) {
		return invalidImportToken()
	}
	if im.ParametersValidTo == nil || !t.now.Before(*im.ParametersValidTo) {
		return &types.ExpiredImportTokenException{Message: aws.String("The import token has expired. Call GetParametersForImport for a new one.")}
	}
	return nil
}

// maxValidity is how far ahead ValidTo may be (365 days, AWS's API
// reference).
const maxValidity = 365 * 24 * time.Hour

// checkExpiration validates ExpirationModel / ValidTo and returns the
// model. The default model is KEY_MATERIAL_EXPIRES, as AWS documents, so a
// request without either member needs a ValidTo.
func checkExpiration(model types.ExpirationModelType, validTo *time.Time, now time.Time) (types.ExpirationModelType, error) {
	if err := validationEnum("expirationModel", model, types.ExpirationModelType("").Values()); err != nil {
		return "", err
	}
	if model == "" {
		model = types.ExpirationModelTypeKeyMaterialExpires
	}
	// Unverified against AWS: the texts are the most plausible.
	switch {
	case model == types.ExpirationModelTypeKeyMaterialExpires && validTo == nil:
		return "", validationPlain("A ValidTo date is required when ExpirationModel is KEY_MATERIAL_EXPIRES (the default).")
	case model == types.ExpirationModelTypeKeyMaterialDoesNotExpire && validTo != nil:
		return "", validationPlain("A ValidTo date must not be given when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.")
	case validTo != nil && !validTo.After(now):
		return "", validationPlain("ValidTo must be a date in the future.")
	case validTo != nil && validTo.Sub(now) > maxValidity:
		return "", validationPlain("ValidTo must be at most 365 days from now.")
	}
	return model, nil
}

func incorrectKeyMaterial() error {
	return &types.IncorrectKeyMaterialException{Message: aws.String("The key material in the request is, expired, invalid, or is not the same key material that was previously imported into this KMS key.")}
}

// ImportKeyMaterial unwraps material with the key's wrapping key, checks it
// against the key's spec and puts it in place: PendingImport becomes
// Enabled. A key that had material before takes only the same material.
func (s *Service) ImportKeyMaterial(ctx context.Context, in *kms.ImportKeyMaterialInput, _ ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	if in == nil {
		in = &kms.ImportKeyMaterialInput{}
	}
	if in.ImportToken == nil {
		return nil, validationNull("importToken")
	}
	if err := validationBlobLen("importToken", len(in.ImportToken), 1, maxImportBlob); err != nil {
		return nil, err
	}
	if in.EncryptedKeyMaterial == nil {
		return nil, validationNull("encryptedKeyMaterial")
	}
	if err := validationBlobLen("encryptedKeyMaterial", len(in.EncryptedKeyMaterial), 1, maxImportBlob); err != nil {
		return nil, err
	}
	if err := validationEnum("importType", in.ImportType, types.ImportType("").Values()); err != nil {
		return nil, err
	}
	if in.KeyMaterialDescription != nil {
		if err := validationLen("keyMaterialDescription", *in.KeyMaterialDescription, 0, 256); err != nil {
			return nil, err
		}
	}
	if in.KeyMaterialId != nil {
		if err := checkMaterialID(*in.KeyMaterialId); err != nil {
			return nil, err
		}
	}
	var out *kms.ImportKeyMaterialOutput
	err := s.update(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		if err := externalOnly(t.sc, k); err != nil {
			return err
		}
		model, err := checkExpiration(in.ExpirationModel, in.ValidTo, t.now)
		if err != nil {
			return err
		}
		if err := t.checkImportToken(k, in.ImportToken); err != nil {
			return err
		}
		wrapping, ok, err := t.tx.GetSealed(bucketMaterial, t.materialDBKey(k.KeyID, importWrappingKeyID))
		if err != nil {
			return err
		}
		if !ok {
			return invalidImportToken()
		}
		raw, err := keyspec.UnwrapImportedMaterial(wrapping, k.Import.WrappingAlgorithm, in.EncryptedKeyMaterial)
		clear(wrapping)
		if err != nil {
			return err
		}
		material, err := keyspec.ParseImportedMaterial(k.KeySpec, raw)
		clear(raw)
		if err != nil {
			return err
		}
		mid := importedMaterialID(k.KeyID, material)
		if len(k.Materials) > 0 && k.Materials[0].ID != mid {
			if in.ImportType == types.ImportTypeNewKeyMaterial {
				return &types.UnsupportedOperationException{Message: aws.String("kmsgate does not support more than one imported key material version per key (ImportType NEW_KEY_MATERIAL on a key that has material).")}
			}
			return incorrectKeyMaterial()
		}
		if in.KeyMaterialId != nil && *in.KeyMaterialId != mid {
			return incorrectKeyMaterial()
		}
		if err := t.tx.PutSealed(bucketMaterial, t.materialDBKey(k.KeyID, mid), material); err != nil {
			return err
		}
		if len(k.Materials) == 0 {
			k.Materials = append(k.Materials, materialInfo{ID: mid, CreatedAt: t.now})
		}
		im := k.Import
		im.HasMaterial = true
		im.ExpirationModel = model
		im.ValidTo = nil
		if in.ValidTo != nil {
			v := in.ValidTo.UTC()
			im.ValidTo = &v
		}
		im.Description = aws.ToString(in.KeyMaterialDescription)
		if k.State == types.KeyStatePendingImport {
			k.State = types.KeyStateEnabled
		}
		if err := t.saveKey(k); err != nil {
			return err
		}
		out = &kms.ImportKeyMaterialOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID)), KeyMaterialId: aws.String(mid)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyId)).Msg("key material imported")
	return out, nil
}

func checkMaterialID(id string) error {
	if len(id) != 64 {
		return validationLen("keyMaterialId", id, 64, 64)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return validationPattern("keyMaterialId", id, "^[a-f0-9]+$")
	}
	return nil
}

// DeleteImportedKeyMaterial deletes an EXTERNAL key's material; the key
// goes to PendingImport until the same material is imported again.
func (s *Service) DeleteImportedKeyMaterial(ctx context.Context, in *kms.DeleteImportedKeyMaterialInput, _ ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	if in == nil {
		in = &kms.DeleteImportedKeyMaterialInput{}
	}
	if in.KeyMaterialId != nil {
		if err := checkMaterialID(*in.KeyMaterialId); err != nil {
			return nil, err
		}
	}
	var out *kms.DeleteImportedKeyMaterialOutput
	err := s.modifyKey(ctx, "DeleteImportedKeyMaterial", in.KeyId, externalOnly, func(t *txn, k *keyRecord) error {
		cur := k.currentMaterial().ID
		if in.KeyMaterialId != nil && *in.KeyMaterialId != cur {
			// Unverified against AWS: the text is the most plausible.
			return notFound(fmt.Sprintf("Key material %s does not exist for %s.", *in.KeyMaterialId, t.sc.keyARN(k.KeyID)))
		}
		if err := t.dropImportedMaterial(k); err != nil {
			return err
		}
		out = &kms.DeleteImportedKeyMaterialOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		if cur != "" {
			out.KeyMaterialId = aws.String(cur)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyId)).Msg("imported key material deleted")
	return out, nil
}
