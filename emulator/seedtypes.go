package emulator

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
	"github.com/kmsgate/kmsgate/emulator/seed"
)

// seedType is a seed key's type and material, checked.
type seedType struct {
	spec   types.KeySpec
	usage  types.KeyUsageType
	origin types.OriginType
	// versions are material versions in keyspec's form, oldest first (nil:
	// generate). Only AWS_KMS keys have them.
	versions [][]byte
	// imported is an EXTERNAL key's material (nil: the key waits in
	// PendingImport).
	imported []byte
}

// versionsFor is the material versions to add: a key that exists gains
// versions only when it is a symmetric encryption key (the others have
// exactly one version).
func (st *seedType) versionsFor(exists bool) [][]byte {
	if exists && st.spec != types.KeySpecSymmetricDefault {
		return nil
	}
	return st.versions
}

// seedKeyType checks a seed key's spec, usage, origin, rotation and
// material against each other, as CreateKey and ImportKeyMaterial would.
func seedKeyType(sk *seed.Key) (*seedType, error) {
	spec, usage, origin, err := keyType(sk.KeySpec, sk.KeyUsage, sk.Origin)
	if err != nil {
		return nil, errors.New(apiMessage(err))
	}
	st := &seedType{spec: spec, usage: usage, origin: origin}
	if sk.RotationEnabled && (spec != types.KeySpecSymmetricDefault || origin != types.OriginTypeAwsKms) {
		return nil, fmt.Errorf("rotation cannot be enabled on a %s key with origin %s", spec, origin)
	}
	var material [][]byte
	row, _ := keyspec.Lookup(spec)
	switch {
	case sk.PrivateKeyDER != nil:
		if !row.Asymmetric {
			return nil, fmt.Errorf("a private key was given for a %s key", spec)
		}
		got, m, err := keyspec.ParsePrivateKey(sk.PrivateKeyDER)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		if got != spec {
			return nil, fmt.Errorf("the private key is a %s key, not %s", got, spec)
		}
		material = [][]byte{m}
	case len(sk.Material) > 0:
		if row.Asymmetric {
			return nil, fmt.Errorf("a %s key takes a private key, not raw material", spec)
		}
		for i, raw := range sk.Material {
			m, err := keyspec.ParseImportedMaterial(spec, raw)
			if err != nil {
				return nil, fmt.Errorf("material version %d (%d bytes) does not fit %s: %s", i+1, len(raw), spec, apiMessage(err))
			}
			material = append(material, m)
		}
	}
	if origin == types.OriginTypeExternal {
		if len(material) > 1 {
			return nil, errors.New("a key with origin EXTERNAL takes one material version")
		}
		if len(material) == 1 {
			st.imported = material[0]
		}
		return st, nil
	}
	st.versions = material
	return st, nil
}

// apiMessage is the text of an API error, for seed errors.
func apiMessage(err error) string {
	var ae interface{ ErrorMessage() string }
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// initialSeedMaterial gives a new seed key without material versions its
// first material: generated for AWS_KMS keys, the given material (or none,
// PendingImport) for EXTERNAL keys.
func (t *txn) initialSeedMaterial(k *keyRecord, st *seedType) error {
	if k.Origin != types.OriginTypeExternal {
		raw, err := keyspec.Generate(k.KeySpec, t.s.rand)
		if err != nil {
			return err
		}
		return t.addMaterialWithID(k, seedMaterialID(t.sc, k.KeyID, 0), raw, t.now, "")
	}
	k.Import = newImportState()
	if st.imported == nil {
		k.State = types.KeyStatePendingImport
		return nil
	}
	mid := importedMaterialID(k.KeyID, st.imported)
	if err := t.addMaterialWithID(k, mid, st.imported, t.now, ""); err != nil {
		return err
	}
	k.Materials[len(k.Materials)-1].ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
	return nil
}
