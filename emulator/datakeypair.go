package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// dataKeyPair is the shared part of GenerateDataKeyPair and
// GenerateDataKeyPairWithoutPlaintext: a fresh key pair of the spec, the
// private key (PKCS#8 DER) encrypted under a symmetric key as an ordinary
// ciphertext blob that Decrypt opens with the same encryption context.
type dataKeyPair struct {
	private, public, blob []byte
	arn, materialID       string
}

// Step 1 (validateDataKeyPair) is the caller's.
func (s *Service) dataKeyPair(ctx context.Context, op string, keyID *string, spec types.DataKeyPairSpec, ec map[string]string, dryRun *bool) (*dataKeyPair, error) {
	if row, ok := keyspec.Lookup(types.KeySpec(spec)); !ok || !row.Supported {
		// Unverified against AWS: SM2 exists only in China Regions.
		return nil, &types.UnsupportedOperationException{Message: aws.String("KeyPairSpec " + string(spec) + " is not supported in this Region.")}
	}
	// The key is checked before the (slow, for RSA_4096) key generation,
	// which runs outside any transaction.
	check := func(t *txn) (*keyRecord, error) {
		k, err := t.resolveKey("keyId", keyID, keyOrAlias)
		if err != nil {
			return nil, err
		}
		if err := usable(t.sc, k); err != nil {
			return nil, err
		}
		return k, symmetricOnly(t.sc, k, op)
	}
	err := s.view(ctx, func(t *txn) error {
		if _, err := check(t); err != nil {
			return err
		}
		if isDryRun(dryRun) {
			return dryRunError()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	priv, pub, err := keyspec.GenerateDataKeyPair(spec, s.rand)
	if err != nil {
		return nil, err
	}
	out := &dataKeyPair{private: priv, public: pub}
	err = s.view(ctx, func(t *txn) error {
		k, err := check(t)
		if err != nil {
			return err
		}
		u := keyUse{k: k}
		out.blob, out.materialID, err = t.encryptWith(&u, priv, ec)
		out.arn = t.arnOf(&u)
		return err
	})
	if err != nil {
		clear(priv)
		return nil, err
	}
	return out, nil
}

// GenerateDataKeyPair returns a new key pair: the public key (DER
// SubjectPublicKeyInfo), the private key in plaintext (PKCS#8 DER) and
// encrypted under a symmetric key.
func (s *Service) GenerateDataKeyPair(ctx context.Context, in *kms.GenerateDataKeyPairInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairOutput, error) {
	if in == nil {
		in = &kms.GenerateDataKeyPairInput{}
	}
	if err := validateDataKeyPair(in.KeyId, in.KeyPairSpec, in.GrantTokens); err != nil {
		return nil, err
	}
	if in.Recipient != nil {
		return nil, unsupported("Recipient (attested enclave) requests")
	}
	p, err := s.dataKeyPair(ctx, "GenerateDataKeyPair", in.KeyId, in.KeyPairSpec, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, p.arn, types.KeyLastUsageTrackingOperationGenerateDataKeyPair)
	return &kms.GenerateDataKeyPairOutput{
		KeyId:                    aws.String(p.arn),
		KeyMaterialId:            aws.String(p.materialID),
		KeyPairSpec:              in.KeyPairSpec,
		PrivateKeyCiphertextBlob: p.blob,
		PrivateKeyPlaintext:      p.private,
		PublicKey:                p.public,
	}, nil
}

// GenerateDataKeyPairWithoutPlaintext is GenerateDataKeyPair without the
// plaintext private key.
func (s *Service) GenerateDataKeyPairWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyPairWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	if in == nil {
		in = &kms.GenerateDataKeyPairWithoutPlaintextInput{}
	}
	if err := validateDataKeyPair(in.KeyId, in.KeyPairSpec, in.GrantTokens); err != nil {
		return nil, err
	}
	p, err := s.dataKeyPair(ctx, "GenerateDataKeyPairWithoutPlaintext", in.KeyId, in.KeyPairSpec, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, p.arn, types.KeyLastUsageTrackingOperationGenerateDataKeyPairWithoutPlaintext)
	clear(p.private)
	return &kms.GenerateDataKeyPairWithoutPlaintextOutput{
		KeyId:                    aws.String(p.arn),
		KeyMaterialId:            aws.String(p.materialID),
		KeyPairSpec:              in.KeyPairSpec,
		PrivateKeyCiphertextBlob: p.blob,
		PublicKey:                p.public,
	}, nil
}
