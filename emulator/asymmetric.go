package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

const (
	maxSignature = 6144
	maxPublicKey = 8192
)

// GetPublicKey answers an asymmetric key's public key (DER
// SubjectPublicKeyInfo) with its spec, usage and algorithm lists.
func (s *Service) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	if in == nil {
		in = &kms.GetPublicKeyInput{}
	}
	if err := validateGetPublicKey(in); err != nil {
		return nil, err
	}
	var out *kms.GetPublicKeyOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOrAlias)
		if err != nil {
			return err
		}
		// A disabled key still answers its public key (captured); other
		// states as for any use of the key.
		if k.State != types.KeyStateDisabled {
			if err := usable(t.sc, k); err != nil {
				return err
			}
		}
		row, ok := keyspec.Lookup(k.KeySpec)
		if !ok || !row.Asymmetric {
			// AWS's answer for a symmetric key: no message (captured).
			return &types.UnsupportedOperationException{}
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		pub, err := key.PublicKeyDER()
		if err != nil {
			return err
		}
		a := row.AlgorithmsFor(k.KeyUsage)
		out = &kms.GetPublicKeyOutput{
			KeyId:                   aws.String(t.sc.keyARN(k.KeyID)),
			PublicKey:               pub,
			KeySpec:                 k.KeySpec,
			CustomerMasterKeySpec:   types.CustomerMasterKeySpec(k.KeySpec),
			KeyUsage:                k.KeyUsage,
			EncryptionAlgorithms:    a.EncryptionAlgorithms,
			SigningAlgorithms:       a.SigningAlgorithms,
			KeyAgreementAlgorithms:  a.KeyAgreementAlgorithms,
			EncapsulationAlgorithms: a.EncapsulationAlgorithms,
		}
		return nil
	})
	return out, err
}

// checkSigningInput is the model's validation of Sign's and Verify's
// message, algorithm and message type members.
func checkSigningInput(msg []byte, alg types.SigningAlgorithmSpec, mt types.MessageType, grantTokens []string) error {
	if err := requiredBlob("message", msg, keyspec.MaxMessage); err != nil {
		return err
	}
	if err := requiredEnum("signingAlgorithm", alg, types.SigningAlgorithmSpec("").Values()); err != nil {
		return err
	}
	if err := validationEnum("messageType", mt, types.MessageType("").Values()); err != nil {
		return err
	}
	return checkGrantTokens(grantTokens)
}

// dryRunAfter turns the outcome of an operation run under DryRun into
// DryRunOperationException when it would have succeeded; a failure is
// answered as without DryRun, also a verdict such as a bad signature or
// MAC (AWS, captured: KMSInvalidSignatureException and
// KMSInvalidMacException under DryRun, radkawar/stackd mldsa.json,
// hmac.json).
func dryRunAfter(err error) error {
	if err == nil {
		return dryRunError()
	}
	return err
}

// Sign signs a message (RAW, DIGEST, or an ML-DSA EXTERNAL_MU) with a
// SIGN_VERIFY key.
func (s *Service) Sign(ctx context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	if in == nil {
		in = &kms.SignInput{}
	}
	if err := validateSign(in); err != nil {
		return nil, err
	}
	var out *kms.SignOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOrAlias, "Sign", types.KeyUsageTypeSignVerify)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		sig, err := key.Sign(in.SigningAlgorithm, in.MessageType, in.Message, s.rand)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.SignOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID)), Signature: sig, SigningAlgorithm: in.SigningAlgorithm}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationSign)
	return out, nil
}

// Verify checks a signature made by Sign (or offline with the private key);
// a signature that does not verify is KMSInvalidSignatureException.
func (s *Service) Verify(ctx context.Context, in *kms.VerifyInput, _ ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	if in == nil {
		in = &kms.VerifyInput{}
	}
	if err := validateVerify(in); err != nil {
		return nil, err
	}
	var out *kms.VerifyOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOrAlias, "Verify", types.KeyUsageTypeSignVerify)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		err = key.Verify(in.SigningAlgorithm, in.MessageType, in.Message, in.Signature)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.VerifyOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID)), SignatureValid: true, SigningAlgorithm: in.SigningAlgorithm}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationVerify)
	return out, nil
}

// DeriveSharedSecret runs ECDH between a KEY_AGREEMENT key and the peer's
// public key and answers the raw shared secret.
func (s *Service) DeriveSharedSecret(ctx context.Context, in *kms.DeriveSharedSecretInput, _ ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	if in == nil {
		in = &kms.DeriveSharedSecretInput{}
	}
	if err := validateDeriveSharedSecret(in); err != nil {
		return nil, err
	}
	if in.Recipient != nil {
		return nil, unsupported("Recipient (attested enclave) requests")
	}
	var out *kms.DeriveSharedSecretOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOrAlias, "DeriveSharedSecret", types.KeyUsageTypeKeyAgreement)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		secret, err := key.DeriveSharedSecret(in.KeyAgreementAlgorithm, in.PublicKey)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.DeriveSharedSecretOutput{
			KeyId:                 aws.String(t.sc.keyARN(k.KeyID)),
			SharedSecret:          secret,
			KeyAgreementAlgorithm: in.KeyAgreementAlgorithm,
			KeyOrigin:             k.Origin,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationDeriveSharedSecret)
	return out, nil
}

func checkEncapsulationAlgorithm(alg types.EncapsulationAlgorithmSpec) error {
	return requiredEnum("encapsulationAlgorithm", alg, types.EncapsulationAlgorithmSpec("").Values())
}

// Encapsulate makes a shared secret and its ML-KEM ciphertext under an
// ENCAPSULATE_DECAPSULATE key.
func (s *Service) Encapsulate(ctx context.Context, in *kms.EncapsulateInput, _ ...func(*kms.Options)) (*kms.EncapsulateOutput, error) {
	if in == nil {
		in = &kms.EncapsulateInput{}
	}
	if err := validateEncapsulate(in); err != nil {
		return nil, err
	}
	var out *kms.EncapsulateOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOrAlias, "Encapsulate", types.KeyUsageTypeEncapsulateDecapsulate)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		ct, secret, err := key.Encapsulate(in.EncapsulationAlgorithm, s.rand)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.EncapsulateOutput{
			KeyId:                      aws.String(t.sc.keyARN(k.KeyID)),
			EncapsulationAlgorithm:     in.EncapsulationAlgorithm,
			SharedSecret:               secret,
			SharedSecretCiphertextBlob: ct,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationEncapsulate)
	return out, nil
}

// Decapsulate recovers the shared secret of an Encapsulate ciphertext.
func (s *Service) Decapsulate(ctx context.Context, in *kms.DecapsulateInput, _ ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	if in == nil {
		in = &kms.DecapsulateInput{}
	}
	if err := validateDecapsulate(in); err != nil {
		return nil, err
	}
	var out *kms.DecapsulateOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOrAlias, "Decapsulate", types.KeyUsageTypeEncapsulateDecapsulate)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		secret, err := key.Decapsulate(in.EncapsulationAlgorithm, in.SharedSecretCiphertextBlob)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.DecapsulateOutput{
			KeyId:                  aws.String(t.sc.keyARN(k.KeyID)),
			EncapsulationAlgorithm: in.EncapsulationAlgorithm,
			SharedSecret:           secret,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationDecapsulate)
	return out, nil
}

// algOrDefault is the encryption algorithm an operation used.
func algOrDefault(alg types.EncryptionAlgorithmSpec) types.EncryptionAlgorithmSpec {
	if alg == "" {
		return types.EncryptionAlgorithmSpecSymmetricDefault
	}
	return alg
}

// errAsymmetricContext is the answer to an encryption context with an RSA key.
func errAsymmetricContext() error {
	return validationPlain("EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.")
}

// checkEncryptKey is the key-level check of Encrypt and of ReEncrypt's
// destination: usage, algorithm and encryption context for the key's type.
func (t *txn) checkEncryptKey(k *keyRecord, op string, alg types.EncryptionAlgorithmSpec, ec map[string]string) error {
	if k.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
		return wrongUsage(t.sc, k, op)
	}
	if k.KeySpec == types.KeySpecSymmetricDefault {
		return algorithmFits(k, alg)
	}
	row, _ := keyspec.Lookup(k.KeySpec)
	alg = algOrDefault(alg)
	if row.MaxPlaintext(alg) == 0 {
		return incompatibleAlgorithm(alg, k.KeySpec)
	}
	if len(ec) > 0 {
		return errAsymmetricContext()
	}
	return nil
}

// encryptFor encrypts under k after checkEncryptKey: the symmetric blob
// format for SYMMETRIC_DEFAULT keys, RSA-OAEP for RSA keys.
func (t *txn) encryptFor(u *keyUse, alg types.EncryptionAlgorithmSpec, plaintext []byte, ec map[string]string) ([]byte, string, error) {
	if u.k.KeySpec == types.KeySpecSymmetricDefault {
		return t.encryptWith(u, plaintext, ec)
	}
	key, _, err := t.loadCurrent(u.k)
	if err != nil {
		return nil, "", err
	}
	// No material id: outputs show it for symmetric keys only.
	blob, err := key.Encrypt(algOrDefault(alg), plaintext, t.s.rand)
	return blob, "", err
}

// decryptAsymmetric is Decrypt (and ReEncrypt's source side) with a named
// non-symmetric key: RSA-OAEP with the given algorithm.
func (t *txn) decryptAsymmetric(k *keyRecord, op string, blob []byte, ec map[string]string, alg types.EncryptionAlgorithmSpec) (*keyRecord, []byte, string, error) {
	if err := usable(t.sc, k); err != nil {
		return nil, nil, "", err
	}
	if err := t.checkEncryptKey(k, op, alg, ec); err != nil {
		return nil, nil, "", err
	}
	key, _, err := t.loadCurrent(k)
	if err != nil {
		return nil, nil, "", err
	}
	pt, err := key.Decrypt(algOrDefault(alg), blob)
	if err != nil {
		return nil, nil, "", err
	}
	return k, pt, "", nil // no material id for an RSA key
}
