package emulator

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const (
	maxPlaintext  = 4096
	maxCiphertext = 6144
	maxRandom     = 1024
)

// checkEncryptionAlgorithm validates an EncryptionAlgorithm member against
// the enum; whether the key takes it is algorithmFits's check.
func checkEncryptionAlgorithm(field string, alg types.EncryptionAlgorithmSpec) error {
	if err := validationEnum(field, alg, types.EncryptionAlgorithmSpec("").Values()); err != nil {
		return err
	}
	return nil
}

// algorithmFits is the key-level check of an encryption algorithm.
func algorithmFits(k *keyRecord, alg types.EncryptionAlgorithmSpec) error {
	if alg == "" || alg == types.EncryptionAlgorithmSpecSymmetricDefault {
		return nil
	}
	// Unverified against AWS: modelled on its MAC text.
	return &types.InvalidKeyUsageException{Message: aws.String(fmt.Sprintf("Algorithm %s is incompatible with key spec %s.", alg, k.KeySpec))}
}

func isDryRun(b *bool) bool { return aws.ToBool(b) }

// materialIDOf is an output's KeyMaterialId member: only symmetric
// encryption keys have one ("" for the others).
func materialIDOf(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// stringPair is aws.String(a), aws.String(b) in one allocation, for the
// outputs of the hot path that carry two strings.
func stringPair(a, b string) (*string, *string) {
	p := &[2]string{a, b}
	return &p[0], &p[1]
}

// encryptWith seals plaintext under u's current material.
func (t *txn) encryptWith(u *keyUse, plaintext []byte, ec map[string]string) ([]byte, string, error) {
	// The nonce, then the blob: one allocation.
	buf := make([]byte, nonceLen, nonceLen+sealSpace(t.sc, u.k.KeyID, len(plaintext), ec))
	if err := t.s.readRandom(buf); err != nil {
		return nil, "", err
	}
	return t.seal(buf[nonceLen:], u, plaintext, buf, ec)
}

// seal seals plaintext under u's current material with nonce, in buf's
// spare capacity (sealBlob).
func (t *txn) seal(buf []byte, u *keyUse, plaintext, nonce []byte, ec map[string]string) ([]byte, string, error) {
	if err := t.currentCipher(u); err != nil {
		return nil, "", err
	}
	return sealBlob(buf, t.sc, u.k.KeyID, u.prefix, u.aead, nonce, plaintext, ec), u.mid, nil
}

// missingMaterialError is a material version that a key record names and
// the store does not hold.
type missingMaterialError struct{ keyID, mid string }

func (e *missingMaterialError) Error() string {
	return "emulator: material " + e.mid + " of key " + e.keyID + " is missing"
}

// decryptBlob opens a blob in the caller's scope. keyField/keyID is the
// optional KeyId (or SourceKeyId) member. Errors as AWS: IncorrectKey when
// keyID names another key, AccessDenied when the blob's key is not here,
// key-state errors, InvalidCiphertext for anything else.
func (t *txn) decryptBlob(op string, blob []byte, keyField string, keyID *string, ec map[string]string, alg types.EncryptionAlgorithmSpec) (keyUse, []byte, string, error) {
	c, perr := parseCiphertext(blob)
	var u keyUse // when KeyId is given it is the blob's key (resolveUse)
	if keyID != nil {
		var err error
		if u, err = t.resolveUse(keyField, keyID); err != nil {
			return keyUse{}, nil, "", err
		}
		// A blob whose header names another key: IncorrectKeyException,
		// whatever the named key's type, before its state (checkorder.go).
		if perr == nil && u.k.KeyID != c.keyID {
			return keyUse{}, nil, "", incorrectKey()
		}
		if u.k.KeySpec != types.KeySpecSymmetricDefault {
			k, pt, mid, err := t.decryptAsymmetric(u.k, op, blob, ec, alg)
			return keyUse{k: k}, pt, mid, err
		}
	}
	if perr != nil {
		if op == "Decrypt" && keyID == nil {
			return keyUse{}, nil, "", unnamedBlob(blob)
		}
		return keyUse{}, nil, "", invalidCiphertext()
	}
	if u.k == nil {
		var err error
		if u, err = t.blobKey(c.keyID); err != nil {
			return keyUse{}, nil, "", err
		}
	}
	k := u.k
	if err := usable(t.sc, k); err != nil {
		return keyUse{}, nil, "", err
	}
	if err := algorithmFits(k, alg); err != nil {
		return keyUse{}, nil, "", err
	}
	if !k.hasMaterial(c.materialID) {
		return keyUse{}, nil, "", invalidCiphertext()
	}
	aead, err := t.blobCipher(&u, c.materialID)
	_, bad := errors.AsType[*badMaterialError](err)
	if _, missing := errors.AsType[*missingMaterialError](err); bad || missing {
		return keyUse{}, nil, "", invalidCiphertext()
	}
	if err != nil {
		return keyUse{}, nil, "", err
	}
	pt, err := openBlob(t.sc, c, aead, ec)
	if err != nil {
		return keyUse{}, nil, "", invalidCiphertext()
	}
	return u, pt, c.materialID, nil
}

// blobKey is the key whose id a blob's header gives (loadKey: no alias, no
// change of case), from the use cache when it can be;
// AccessDeniedException when it is not here.
func (t *txn) blobKey(id string) (keyUse, error) {
	if u, ok := t.cachedUse(id, true); ok {
		return u, nil
	}
	if t.tx == nil {
		return keyUse{}, errNoStore
	}
	k, ok, err := t.loadKey(id)
	if err != nil {
		return keyUse{}, err
	}
	if !ok {
		return keyUse{}, ciphertextKeyUnknown()
	}
	return keyUse{k: k, from: id, fromBlob: true}, nil
}

// blobCipher is the cipher of material version mid of u's key (u's own
// when mid is current).
func (t *txn) blobCipher(u *keyUse, mid string) (cipher.AEAD, error) {
	if u.k.currentMaterial().ID == mid {
		err := t.currentCipher(u)
		return u.aead, err
	}
	if t.tx == nil {
		return nil, errNoStore
	}
	aead, ok, err := t.symmetricAEAD(u.k, mid)
	if err == nil && !ok {
		err = &missingMaterialError{u.k.KeyID, mid}
	}
	return aead, err
}

// unnamedBlob is Decrypt's answer to a blob that is not a symmetric
// ciphertext, given without a KeyId: one that is not even of the symmetric
// form is taken for an asymmetric ciphertext, which only the KeyId names
// (AWS's answer, captured for an RSA ciphertext without KeyId); any other
// is InvalidCiphertextException.
func unnamedBlob(blob []byte) error {
	if len(blob) == 0 || blob[0] != ciphertextVersion {
		return validationPlain("KeyId must not be null")
	}
	return invalidCiphertext()
}

// Encrypt encrypts up to 4096 bytes under a symmetric key's current material.
func (s *Service) Encrypt(ctx context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	if in == nil {
		in = &kms.EncryptInput{}
	}
	if err := validateEncrypt(in); err != nil {
		return nil, err
	}
	var out *kms.EncryptOutput
	err := s.viewCached(ctx, func(t *txn) error {
		u, err := t.resolveUse("keyId", in.KeyId)
		if err != nil {
			return err
		}
		if err := usable(t.sc, u.k); err != nil {
			return err
		}
		if err := t.checkEncryptKey(u.k, "Encrypt", in.EncryptionAlgorithm, in.EncryptionContext); err != nil {
			return err
		}
		if isDryRun(in.DryRun) {
			return dryRunError()
		}
		blob, _, err := t.encryptFor(&u, in.EncryptionAlgorithm, in.Plaintext, in.EncryptionContext)
		if err != nil {
			return err
		}
		out = &kms.EncryptOutput{
			CiphertextBlob:      blob,
			KeyId:               aws.String(t.arnOf(&u)),
			EncryptionAlgorithm: algOrDefault(in.EncryptionAlgorithm),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationEncrypt)
	return out, nil
}

func checkCiphertextBlob(blob []byte) error {
	return requiredBlob("ciphertextBlob", blob, maxCiphertext)
}

func ignoreCiphertext(in []types.DryRunModifierType) bool {
	return slices.Contains(in, types.DryRunModifierTypeIgnoreCiphertext)
}

func checkDryRunModifiers(in []types.DryRunModifierType) error {
	for i, m := range in {
		if err := validationEnum(fmt.Sprintf("dryRunModifiers.%d.member", i+1), m, types.DryRunModifierType("").Values()); err != nil {
			return err
		}
	}
	return nil
}

// Decrypt opens a blob made by Encrypt, GenerateDataKey* or ReEncrypt; the
// blob names its key and material version, so KeyId is optional.
func (s *Service) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if in == nil {
		in = &kms.DecryptInput{}
	}
	if err := validateDecrypt(in); err != nil {
		return nil, err
	}
	if in.Recipient != nil {
		return nil, unsupported("Recipient (attested enclave) requests")
	}
	var out *kms.DecryptOutput
	err := s.viewCached(ctx, func(t *txn) error {
		if isDryRun(in.DryRun) && ignoreCiphertext(in.DryRunModifiers) {
			// Authorization only: the named key must exist.
			if in.KeyId != nil {
				if _, err := t.resolveUse("keyId", in.KeyId); err != nil {
					return err
				}
			}
			return dryRunError()
		}
		u, pt, mid, err := t.decryptBlob("Decrypt", in.CiphertextBlob, "keyId", in.KeyId, in.EncryptionContext, in.EncryptionAlgorithm)
		if err != nil {
			return err
		}
		if isDryRun(in.DryRun) {
			return dryRunError()
		}
		arn, midp := stringPair(t.arnOf(&u), mid)
		if mid == "" {
			midp = nil // an RSA key: no material id (symmetric keys only)
		}
		out = &kms.DecryptOutput{
			KeyId:               arn,
			Plaintext:           pt,
			EncryptionAlgorithm: algOrDefault(in.EncryptionAlgorithm),
			KeyMaterialId:       midp,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationDecrypt)
	return out, nil
}

// ReEncrypt decrypts a blob and encrypts its plaintext under another (or the
// same) key's current material, without the plaintext leaving kmsgate.
func (s *Service) ReEncrypt(ctx context.Context, in *kms.ReEncryptInput, _ ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	if in == nil {
		in = &kms.ReEncryptInput{}
	}
	if err := validateReEncrypt(in); err != nil {
		return nil, err
	}
	var out *kms.ReEncryptOutput
	err := s.view(ctx, func(t *txn) error {
		if isDryRun(in.DryRun) && ignoreCiphertext(in.DryRunModifiers) {
			if in.SourceKeyId != nil {
				if _, err := t.resolveKey("sourceKeyId", in.SourceKeyId, keyOrAlias); err != nil {
					return err
				}
			}
			if _, err := t.resolveKey("destinationKeyId", in.DestinationKeyId, keyOrAlias); err != nil {
				return err
			}
			return dryRunError()
		}
		src, pt, srcMID, err := t.decryptBlob("ReEncrypt", in.CiphertextBlob, "sourceKeyId", in.SourceKeyId, in.SourceEncryptionContext, in.SourceEncryptionAlgorithm)
		if err != nil {
			return err
		}
		dst, err := t.resolveUse("destinationKeyId", in.DestinationKeyId)
		if err != nil {
			return err
		}
		if err := usable(t.sc, dst.k); err != nil {
			return err
		}
		if err := t.checkEncryptKey(dst.k, "ReEncrypt", in.DestinationEncryptionAlgorithm, in.DestinationEncryptionContext); err != nil {
			return err
		}
		if isDryRun(in.DryRun) {
			return dryRunError()
		}
		blob, dstMID, err := t.encryptFor(&dst, in.DestinationEncryptionAlgorithm, pt, in.DestinationEncryptionContext)
		clear(pt)
		if err != nil {
			return err
		}
		out = &kms.ReEncryptOutput{
			CiphertextBlob:                 blob,
			KeyId:                          aws.String(t.arnOf(&dst)),
			SourceKeyId:                    aws.String(t.arnOf(&src)),
			SourceEncryptionAlgorithm:      algOrDefault(in.SourceEncryptionAlgorithm),
			DestinationEncryptionAlgorithm: algOrDefault(in.DestinationEncryptionAlgorithm),
			SourceKeyMaterialId:            materialIDOf(srcMID),
			DestinationKeyMaterialId:       materialIDOf(dstMID),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.SourceKeyId, types.KeyLastUsageTrackingOperationReEncrypt)
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationReEncrypt)
	return out, nil
}

// dataKeySize validates GenerateDataKey's KeySpec / NumberOfBytes pair.
func dataKeySize(spec types.DataKeySpec, n *int32) (int, error) {
	if err := validationEnum("keySpec", spec, types.DataKeySpec("").Values()); err != nil {
		return 0, err
	}
	if n != nil {
		if err := validationRange("numberOfBytes", *n, 1, maxRandom); err != nil {
			return 0, err
		}
	}
	switch {
	case (spec == "") == (n == nil):
		// Not captured from AWS here; moto and LocalStack answer this text
		// for neither / both (both emulators record AWS's texts).
		return 0, validationPlain("Please specify either number of bytes or key spec.")
	case n != nil:
		return int(*n), nil
	case spec == types.DataKeySpecAes128:
		return 16, nil
	}
	return 32, nil
}

// generateDataKey is GenerateDataKey and GenerateDataKeyWithoutPlaintext.
// Step 1 (validateGenerateDataKey) is the caller's.
func (s *Service) generateDataKey(ctx context.Context, op string, keyID *string, size int, ec map[string]string, dryRun *bool) ([]byte, []byte, string, string, error) {
	var blob, pt []byte
	var arn, mid string
	err := s.viewCached(ctx, func(t *txn) error {
		u, err := t.resolveUse("keyId", keyID)
		if err != nil {
			return err
		}
		if err := usable(t.sc, u.k); err != nil {
			return err
		}
		if err := symmetricOnly(t.sc, u.k, op); err != nil {
			return err
		}
		if isDryRun(dryRun) {
			return dryRunError()
		}
		// The data key, then the nonce, in one read of the random source;
		// then the blob: one allocation.
		buf := make([]byte, size+nonceLen, size+nonceLen+sealSpace(t.sc, u.k.KeyID, size, ec))
		if err := s.readRandom(buf); err != nil {
			return err
		}
		pt = buf[:size:size]
		if blob, mid, err = t.seal(buf[size+nonceLen:], &u, pt, buf[size:], ec); err != nil {
			return err
		}
		arn = t.arnOf(&u)
		return nil
	})
	if err != nil {
		return nil, nil, "", "", err
	}
	return blob, pt, arn, mid, nil
}

// GenerateDataKey returns a random data key in plaintext and encrypted under
// a symmetric key.
func (s *Service) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if in == nil {
		in = &kms.GenerateDataKeyInput{}
	}
	size, err := validateGenerateDataKey(in.KeyId, in.KeySpec, in.NumberOfBytes, in.GrantTokens)
	if err != nil {
		return nil, err
	}
	if in.Recipient != nil {
		return nil, unsupported("Recipient (attested enclave) requests")
	}
	blob, pt, arn, mid, err := s.generateDataKey(ctx, "GenerateDataKey", in.KeyId, size, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, arn, types.KeyLastUsageTrackingOperationGenerateDataKey)
	arnp, midp := stringPair(arn, mid)
	return &kms.GenerateDataKeyOutput{CiphertextBlob: blob, Plaintext: pt, KeyId: arnp, KeyMaterialId: midp}, nil
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the plaintext.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	if in == nil {
		in = &kms.GenerateDataKeyWithoutPlaintextInput{}
	}
	size, err := validateGenerateDataKey(in.KeyId, in.KeySpec, in.NumberOfBytes, in.GrantTokens)
	if err != nil {
		return nil, err
	}
	blob, pt, arn, mid, err := s.generateDataKey(ctx, "GenerateDataKeyWithoutPlaintext", in.KeyId, size, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, arn, types.KeyLastUsageTrackingOperationGenerateDataKeyWithoutPlaintext)
	clear(pt)
	return &kms.GenerateDataKeyWithoutPlaintextOutput{CiphertextBlob: blob, KeyId: aws.String(arn), KeyMaterialId: aws.String(mid)}, nil
}

// GenerateRandom returns 1..1024 random bytes from the configured source.
func (s *Service) GenerateRandom(ctx context.Context, in *kms.GenerateRandomInput, _ ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	if in == nil {
		in = &kms.GenerateRandomInput{}
	}
	if err := validateGenerateRandom(in); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreId != nil {
		return nil, customKeyStoreNotFound()
	}
	if in.Recipient != nil {
		return nil, unsupported("Recipient (attested enclave) requests")
	}
	b, err := s.randomBytes(int(*in.NumberOfBytes))
	if err != nil {
		return nil, err
	}
	return &kms.GenerateRandomOutput{Plaintext: b}, nil
}
