package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

const maxMac = 6144

// checkMacInput is the model's validation of GenerateMac's and VerifyMac's
// message and algorithm members.
func checkMacInput(msg []byte, alg types.MacAlgorithmSpec, grantTokens []string) error {
	if err := requiredBlob("message", msg, keyspec.MaxMessage); err != nil {
		return err
	}
	if err := requiredEnum("macAlgorithm", alg, types.MacAlgorithmSpec("").Values()); err != nil {
		return err
	}
	return checkGrantTokens(grantTokens)
}

// GenerateMac computes the HMAC of a message with a GENERATE_VERIFY_MAC key.
func (s *Service) GenerateMac(ctx context.Context, in *kms.GenerateMacInput, _ ...func(*kms.Options)) (*kms.GenerateMacOutput, error) {
	if in == nil {
		in = &kms.GenerateMacInput{}
	}
	if err := validateGenerateMac(in); err != nil {
		return nil, err
	}
	var out *kms.GenerateMacOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOnly, "GenerateMac", types.KeyUsageTypeGenerateVerifyMac)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		mac, err := key.GenerateMac(in.MacAlgorithm, in.Message)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.GenerateMacOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID)), Mac: mac, MacAlgorithm: in.MacAlgorithm}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationGenerateMac)
	return out, nil
}

// VerifyMac recomputes the HMAC and compares it in constant time; a MAC that
// does not match is KMSInvalidMacException.
func (s *Service) VerifyMac(ctx context.Context, in *kms.VerifyMacInput, _ ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	if in == nil {
		in = &kms.VerifyMacInput{}
	}
	if err := validateVerifyMac(in); err != nil {
		return nil, err
	}
	var out *kms.VerifyMacOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.useKey("keyId", in.KeyId, keyOnly, "VerifyMac", types.KeyUsageTypeGenerateVerifyMac)
		if err != nil {
			return err
		}
		key, _, err := t.loadCurrent(k)
		if err != nil {
			return err
		}
		err = key.VerifyMac(in.MacAlgorithm, in.Message, in.Mac)
		if isDryRun(in.DryRun) {
			return dryRunAfter(err)
		}
		if err != nil {
			return err
		}
		out = &kms.VerifyMacOutput{KeyId: aws.String(t.sc.keyARN(k.KeyID)), MacValid: true, MacAlgorithm: in.MacAlgorithm}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteUse(ctx, *out.KeyId, types.KeyLastUsageTrackingOperationVerifyMac)
	return out, nil
}
