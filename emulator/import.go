package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
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
// What belongs to one material version (in place or not, expiration,
// description) is in its materialInfo.
type importState struct {
	// PerVersion marks a record written with per-version import state.
	// Records written before it kept one material's state in the four
	// legacy fields below; upgradeImport moves it to the material.
	PerVersion bool `json:",omitempty"`

	HasMaterial     bool                      `json:",omitempty"` // legacy
	ExpirationModel types.ExpirationModelType `json:",omitempty"` // legacy
	ValidTo         *time.Time                `json:",omitempty"` // legacy
	Description     string                    `json:",omitempty"` // legacy

	// The latest GetParametersForImport answer.
	TokenID           string                `json:",omitempty"` // hex
	WrappingAlgorithm types.AlgorithmSpec   `json:",omitempty"`
	WrappingKeySpec   types.WrappingKeySpec `json:",omitempty"`
	ParametersValidTo *time.Time            `json:",omitempty"`
}

func newImportState() *importState { return &importState{PerVersion: true} }

// upgradeImport moves a legacy record's key-level import state to its
// (single) material version. Called on every decoded record.
func (k *keyRecord) upgradeImport() {
	im := k.Import
	if im == nil || im.PerVersion {
		return
	}
	for i := range k.Materials {
		m := &k.Materials[i]
		m.Absent = !im.HasMaterial
		m.ExpirationModel = im.ExpirationModel
		if im.ValidTo != nil {
			m.ValidTo = *im.ValidTo
		}
		m.Description = im.Description
	}
	im.PerVersion, im.HasMaterial, im.ExpirationModel, im.ValidTo, im.Description = true, false, "", nil, ""
}

// importedInPlace reports whether every material version permanently
// associated with an EXTERNAL key (all but a pending one) is imported: only
// then is the key usable.
func (k *keyRecord) importedInPlace() bool {
	n := 0
	for _, m := range k.Materials {
		if m.Pending {
			continue
		}
		if m.Absent {
			return false
		}
		n++
	}
	return n > 0
}

// importRotates reports whether k takes new imported material and rotates
// into it on demand: symmetric encryption keys with imported material,
// single-Region or multi-Region (API reference, ImportKeyMaterial; a
// replica takes the new material its primary was given, see
// placeImport).
func (k *keyRecord) importRotates() bool {
	return k.Origin == types.OriginTypeExternal && k.KeySpec == types.KeySpecSymmetricDefault
}

// materialExpired reports whether material version m has expired at now.
// Material pending rotation does not expire while it waits: AWS lists it
// IMPORTED past its ValidTo, rotates into it, and the key then waits for it
// (captured).
func (m *materialInfo) materialExpired(now time.Time) bool {
	return !m.Absent && !m.Pending && m.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && !m.ValidTo.IsZero() && !now.Before(m.ValidTo)
}

// importExpired reports whether any imported material version's ValidTo
// has passed.
func (k *keyRecord) importExpired(now time.Time) bool {
	if k.Import == nil {
		return false
	}
	for i := range k.Materials {
		if k.Materials[i].materialExpired(now) {
			return true
		}
	}
	return false
}

// dropMaterial deletes the bytes of material version i of an EXTERNAL key.
// Material pending rotation is forgotten (it is not permanently associated
// with the key), and a multi-Region primary's pending material is
// forgotten by its replicas too; a replica keeps the entry of its primary's
// pending material (Absent) so that it can import it again. Any other
// material becomes Absent and puts the key in PendingImport (AWS, captured;
// API reference, DeleteImportedKeyMaterial). The caller saves k.
func (t *txn) dropMaterial(k *keyRecord, i int) error {
	m := &k.Materials[i]
	if err := t.tx.Delete(bucketMaterial, t.materialDBKey(k.KeyID, m.ID)); err != nil {
		return err
	}
	if m.Pending && k.isReplica() {
		m.Absent = true
		m.ExpirationModel, m.ValidTo = "", time.Time{}
		return nil
	}
	if m.Pending {
		if err := t.forgetPendingInReplicas(k, m.ID); err != nil {
			return err
		}
		k.Materials = append(k.Materials[:i:i], k.Materials[i+1:]...)
		return nil
	}
	m.Absent = true
	m.ExpirationModel, m.ValidTo = "", time.Time{}
	if k.State != types.KeyStatePendingDeletion {
		k.State = types.KeyStatePendingImport
	}
	return nil
}

// expireImport is the maintenance done when imported material expires
// (loadKey saves the key).
func (t *txn) expireImport(k *keyRecord) error {
	for i := len(k.Materials) - 1; i >= 0; i-- {
		if !k.Materials[i].materialExpired(t.now) {
			continue
		}
		if err := t.dropMaterial(k, i); err != nil {
			return err
		}
		t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Msg("imported key material expired")
	}
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
// material imports), material pending rotation included. The descriptions
// are the primary's (a replica shows them and cannot set them; captured).
func awaitImport(replica, primary *keyRecord) {
	if primary.Origin != types.OriginTypeExternal {
		return
	}
	replica.Materials = nil
	for _, m := range primary.Materials {
		replica.Materials = append(replica.Materials, replicaEntry(m))
	}
	replica.State = types.KeyStatePendingImport
	replica.Import = newImportState()
}

// externalOnly is the rule of the import operations.
// The key state first, then the origin (checkorder.go).
func externalOnly(sc scope, k *keyRecord) error {
	if err := notPendingDeletion(sc, k); err != nil {
		return err
	}
	if k.Origin != types.OriginTypeExternal || k.Import == nil {
		return &types.UnsupportedOperationException{Message: aws.String(fmt.Sprintf("%s origin is %s which is not valid for this operation.", sc.keyARN(k.KeyID), k.Origin))}
	}
	return nil
}

// checkWrapping is the model's validation of GetParametersForImport's
// members; keyspec.CheckWrapping judges them against the key's spec.
func checkWrapping(alg types.AlgorithmSpec, spec types.WrappingKeySpec) error {
	if err := requiredEnum("wrappingAlgorithm", alg, types.AlgorithmSpec("").Values()); err != nil {
		return err
	}
	return requiredEnum("wrappingKeySpec", spec, types.WrappingKeySpec("").Values())
}

// GetParametersForImport hands out an RSA wrapping public key and an import
// token, valid for 24 hours, for an EXTERNAL key.
func (s *Service) GetParametersForImport(ctx context.Context, in *kms.GetParametersForImportInput, _ ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	if in == nil {
		in = &kms.GetParametersForImportInput{}
	}
	if err := validateGetParametersForImport(in); err != nil {
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

// invalidImportToken is AWS's answer to a token of another key or a
// corrupt one: no message (captured).
func invalidImportToken() error {
	return &types.InvalidImportTokenException{}
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
// The member's enum is step 1's (validateImportKeyMaterial).
func checkExpiration(model types.ExpirationModelType, validTo *time.Time, now time.Time) (types.ExpirationModelType, error) {
	if model == "" {
		model = types.ExpirationModelTypeKeyMaterialExpires
	}
	// AWS's texts (recorded and captured).
	switch {
	case model == types.ExpirationModelTypeKeyMaterialExpires && validTo == nil:
		return "", validationPlain("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
	case model == types.ExpirationModelTypeKeyMaterialDoesNotExpire && validTo != nil:
		return "", validationPlain("A validTo date cannot be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
	case validTo != nil && !validTo.After(now):
		return "", validationPlain("ValidTo must be in the future")
	case validTo != nil && validTo.Sub(now) > maxValidity:
		return "", validationPlain("ValidTo must be less than 365 days in the future")
	}
	return model, nil
}

// unexpectedMaterial is AWS's answer to material that is not the one
// expected: the current material's id, or the KeyMaterialId given
// (captured).
func unexpectedMaterial(expected string) error {
	return &types.IncorrectKeyMaterialException{Message: aws.String("Imported key material does not have the expected identifier (" + expected + ").")}
}

// ImportKeyMaterial unwraps material with the key's wrapping key, checks it
// against the key's spec and puts it in place: PendingImport becomes
// Enabled. A key that had material before takes only the same material.
func (s *Service) ImportKeyMaterial(ctx context.Context, in *kms.ImportKeyMaterialInput, _ ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	if in == nil {
		in = &kms.ImportKeyMaterialInput{}
	}
	if err := validateImportKeyMaterial(in); err != nil {
		return nil, err
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
		if err := symmetricOnlyImport(k, in); err != nil {
			return err
		}
		if err := replicaImport(k, in); err != nil {
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
		at, err := t.placeImport(k, in, mid)
		if err != nil {
			clear(material)
			return err
		}
		err = t.tx.PutSealed(bucketMaterial, t.materialDBKey(k.KeyID, mid), material)
		clear(material)
		if err != nil {
			return err
		}
		m := &k.Materials[at]
		m.Absent = false
		m.ExpirationModel, m.ValidTo = model, time.Time{}
		if in.ValidTo != nil {
			m.ValidTo = in.ValidTo.UTC()
		}
		if in.KeyMaterialDescription != nil {
			m.Description = *in.KeyMaterialDescription
		}
		// The key is Enabled once all its material is in place, also when
		// it was Disabled (captured: a re-import enables a disabled key).
		if (k.State == types.KeyStatePendingImport || k.State == types.KeyStateDisabled) && k.importedInPlace() {
			k.State = types.KeyStateEnabled
		}
		if err := t.shareImportedVersion(k, *m); err != nil {
			return err
		}
		if err := t.saveKey(k); err != nil {
			return err
		}
		out = &kms.ImportKeyMaterialOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		if k.KeySpec == types.KeySpecSymmetricDefault {
			// Material ids are shown for symmetric encryption keys only.
			out.KeyMaterialId = aws.String(mid)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyId)).Msg("key material imported")
	return out, nil
}

// placeImport finds (or adds) the material version an import of material
// mid fills and returns its index in k.Materials:
//   - the first import makes the key's first (current) material;
//   - EXISTING_KEY_MATERIAL (the default after the first import) re-imports
//     a version the key already has (a replica: also its primary's
//     material pending rotation);
//   - NEW_KEY_MATERIAL adds a version pending rotation (symmetric keys
//     only, one pending at a time) for RotateKeyOnDemand; a multi-Region
//     primary's replicas then wait for the same material
//     (PENDING_MULTI_REGION_IMPORT_AND_ROTATION).
//
// The texts are AWS's (captured), except where marked.
func (t *txn) placeImport(k *keyRecord, in *kms.ImportKeyMaterialInput, mid string) (int, error) {
	arn := t.sc.keyARN(k.KeyID)
	if in.KeyMaterialId != nil && *in.KeyMaterialId != mid {
		return 0, unexpectedMaterial(*in.KeyMaterialId)
	}
	idx := slices.IndexFunc(k.Materials, func(m materialInfo) bool { return m.ID == mid })
	switch {
	case len(k.Materials) == 0:
		if in.ImportType == types.ImportTypeExistingKeyMaterial {
			// Unverified text: nothing was imported yet, so no material is
			// expected; AWS's "expected identifier" answer without an id.
			return 0, &types.IncorrectKeyMaterialException{Message: aws.String("Key material (id: " + mid + ") has never been imported into KMS key " + arn + ".")}
		}
		k.Materials = append(k.Materials, materialInfo{ID: mid, CreatedAt: t.now})
		return 0, nil
	case in.ImportType != types.ImportTypeNewKeyMaterial:
		if idx < 0 {
			return 0, unexpectedMaterial(k.currentMaterial().ID)
		}
		return idx, nil
	}
	// NEW_KEY_MATERIAL on a key that has material.
	if !k.importRotates() {
		// Unverified text: AWS documents that asymmetric and HMAC keys
		// keep their first material (ImportType is refused above for
		// them, so this is a safety net).
		return 0, &types.UnsupportedOperationException{Message: aws.String(arn + " does not support importing new key material.")}
	}
	if idx >= 0 {
		return 0, &types.IncorrectKeyMaterialException{Message: aws.String("Key material (id: " + mid + ") being imported as NEW_KEY_MATERIAL is already associated with KMS key " + arn + ".")}
	}
	if last := k.Materials[len(k.Materials)-1]; last.Pending {
		return 0, invalidState("New key material (id: " + mid + ") cannot be imported into KMS key " + arn + ", because another key material (id: " + last.ID + ") is pending rotation.")
	}
	k.Materials = append(k.Materials, materialInfo{ID: mid, CreatedAt: t.now, Pending: true})
	return len(k.Materials) - 1, nil
}

// symmetricOnlyImport is AWS's rule for the members that only symmetric
// encryption keys take: an asymmetric or HMAC key has one material, without
// a description (AWS's texts, captured for HMAC, RSA and ECC keys).
func symmetricOnlyImport(k *keyRecord, in *kms.ImportKeyMaterialInput) error {
	if k.KeySpec == types.KeySpecSymmetricDefault {
		return nil
	}
	var member string
	switch {
	case in.ImportType != "":
		member = "importType"
	case in.KeyMaterialId != nil:
		member = "keyMaterialId"
	case in.KeyMaterialDescription != nil:
		member = "keyMaterialDescription"
	default:
		return nil
	}
	return validationPlain("Input parameter " + member + " cannot be used with " + string(k.KeySpec) + " imported keys.")
}

// replicaImport is the rule of ImportKeyMaterial on a multi-Region replica:
// its material is its primary's, imported as EXISTING_KEY_MATERIAL, without
// a description of its own (AWS's texts, captured).
func replicaImport(k *keyRecord, in *kms.ImportKeyMaterialInput) error {
	if !k.isReplica() {
		return nil
	}
	if in.ImportType == types.ImportTypeNewKeyMaterial {
		return validationPlain("Input parameter ImportType NEW_KEY_MATERIAL cannot be used on replica Multi-Region keys")
	}
	if in.KeyMaterialDescription != nil {
		return validationPlain("Key material description can only be specified on primary Multi-Region keys")
	}
	return nil
}

// replicaEntry is the entry a replica keeps for its primary's material
// version m until the same material is imported into it.
func replicaEntry(m materialInfo) materialInfo {
	return materialInfo{ID: m.ID, CreatedAt: m.CreatedAt, RotationType: m.RotationType, Pending: m.Pending, Absent: true, Description: m.Description}
}

// shareImportedVersion tells a multi-Region primary's replicas about
// material version m just imported into the primary: new material pending
// rotation is awaited by each replica, and a description is shared.
func (t *txn) shareImportedVersion(k *keyRecord, m materialInfo) error {
	return t.eachReplica(k, func(r *keyRecord) bool {
		i := slices.IndexFunc(r.Materials, func(x materialInfo) bool { return x.ID == m.ID })
		switch {
		case i >= 0 && r.Materials[i].Description != m.Description:
			r.Materials[i].Description = m.Description
			return true
		case i < 0 && m.Pending:
			r.Materials = append(r.Materials, replicaEntry(m))
			return true
		}
		return false
	})
}

// forgetPendingInReplicas drops a multi-Region primary's material pending
// rotation from its replicas (deleted or expired in the primary: "you'll
// also be deleting the key materials for the replica Region keys", API
// reference, DeleteImportedKeyMaterial).
func (t *txn) forgetPendingInReplicas(k *keyRecord, id string) error {
	return t.eachReplicaIn(k, func(rt *txn, r *keyRecord) (bool, error) {
		i := slices.IndexFunc(r.Materials, func(x materialInfo) bool { return x.ID == id && x.Pending })
		if i < 0 {
			return false, nil
		}
		if err := rt.tx.Delete(bucketMaterial, rt.materialDBKey(r.KeyID, id)); err != nil {
			return false, err
		}
		r.Materials = append(r.Materials[:i:i], r.Materials[i+1:]...)
		return true, nil
	})
}

// pendingEverywhere reports whether k and every other key of its
// multi-Region set have material id imported: until then a material
// pending rotation is PENDING_MULTI_REGION_IMPORT_AND_ROTATION and cannot
// become current.
func (t *txn) pendingEverywhere(k *keyRecord, id string) (bool, error) {
	if i := slices.IndexFunc(k.Materials, func(x materialInfo) bool { return x.ID == id }); i < 0 || k.Materials[i].Absent {
		return false, nil
	}
	if !k.MultiRegion {
		return true, nil
	}
	related, err := t.relatedKeys(k.KeyID)
	if err != nil {
		return false, err
	}
	for _, r := range related {
		if r.region == t.sc.region {
			continue
		}
		i := slices.IndexFunc(r.key.Materials, func(x materialInfo) bool { return x.ID == id })
		if i < 0 || r.key.Materials[i].Absent {
			return false, nil
		}
	}
	return true, nil
}

// rotateToPending is RotateKeyOnDemand on an EXTERNAL key: the material
// pending rotation becomes current, in every key of a multi-Region set,
// once each replica has it (AWS's texts, captured).
func (t *txn) rotateToPending(k *keyRecord) error {
	n := len(k.Materials)
	if n == 0 || !k.Materials[n-1].Pending {
		return invalidState("No available key material pending rotation for the key: " + t.sc.keyARN(k.KeyID) + ".")
	}
	id := k.Materials[n-1].ID
	ready, err := t.pendingEverywhere(k, id)
	if err != nil {
		return err
	}
	if !ready {
		return invalidState("Cannot perform key material rotation: Key material has not been imported for replicas of the Multi-Region key.")
	}
	promote := func(r *keyRecord) bool {
		i := slices.IndexFunc(r.Materials, func(x materialInfo) bool { return x.ID == id && x.Pending })
		if i < 0 {
			return false
		}
		m := &r.Materials[i]
		m.Pending = false
		m.CreatedAt = t.now
		m.RotationType = types.RotationTypeOnDemand
		return true
	}
	promote(k)
	if err := t.eachReplica(k, promote); err != nil {
		return err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Msg("imported key material rotated on demand")
	return nil
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
	if err := validateDeleteImportedKeyMaterial(in); err != nil {
		return nil, err
	}
	var out *kms.DeleteImportedKeyMaterialOutput
	err := s.modifyKey(ctx, "DeleteImportedKeyMaterial", in.KeyId, externalOnly, func(t *txn, k *keyRecord) error {
		target := k.currentMaterial().ID
		if in.KeyMaterialId != nil {
			target = *in.KeyMaterialId
		}
		i := slices.IndexFunc(k.Materials, func(m materialInfo) bool { return m.ID == target })
		if in.KeyMaterialId != nil && i < 0 {
			// AWS's answer (captured).
			return validationPlain(fmt.Sprintf("Key material (id: %s) has never been imported into KMS key %s.", target, t.sc.keyARN(k.KeyID)))
		}
		if i >= 0 {
			if err := t.dropMaterial(k, i); err != nil {
				return err
			}
		}
		out = &kms.DeleteImportedKeyMaterialOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID))}
		if target != "" && k.KeySpec == types.KeySpecSymmetricDefault {
			out.KeyMaterialId = aws.String(target)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("key_id", aws.ToString(out.KeyId)).Msg("imported key material deleted")
	return out, nil
}
