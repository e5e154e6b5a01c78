package gate

// Every kmsgate.Backend method, written out: judge, then pass on.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/authz"
)

func (g *Gate) CancelKeyDeletion(ctx context.Context, in *kms.CancelKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	if in == nil {
		return g.next.CancelKeyDeletion(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "CancelKeyDeletion", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.CancelKeyDeletion(ctx, in, optFns...)
}

func (g *Gate) ConnectCustomKeyStore(ctx context.Context, in *kms.ConnectCustomKeyStoreInput, optFns ...func(*kms.Options)) (*kms.ConnectCustomKeyStoreOutput, error) {
	if err := g.noKey(ctx, "ConnectCustomKeyStore", in, nil); err != nil {
		return nil, err
	}
	return g.next.ConnectCustomKeyStore(ctx, in, optFns...)
}

func (g *Gate) CreateCustomKeyStore(ctx context.Context, in *kms.CreateCustomKeyStoreInput, optFns ...func(*kms.Options)) (*kms.CreateCustomKeyStoreOutput, error) {
	if err := g.noKey(ctx, "CreateCustomKeyStore", in, nil); err != nil {
		return nil, err
	}
	return g.next.CreateCustomKeyStore(ctx, in, optFns...)
}

func (g *Gate) CreateGrant(ctx context.Context, in *kms.CreateGrantInput, optFns ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	if in == nil {
		return g.next.CreateGrant(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "CreateGrant", in, in.KeyId, createGrantFields(in)); err != nil {
		return nil, err
	}
	return g.next.CreateGrant(ctx, in, optFns...)
}

func (g *Gate) Decapsulate(ctx context.Context, in *kms.DecapsulateInput, optFns ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	if in == nil {
		return g.next.Decapsulate(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "Decapsulate", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.Decapsulate(ctx, in, optFns...)
}

func (g *Gate) DeleteCustomKeyStore(ctx context.Context, in *kms.DeleteCustomKeyStoreInput, optFns ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	if err := g.noKey(ctx, "DeleteCustomKeyStore", in, nil); err != nil {
		return nil, err
	}
	return g.next.DeleteCustomKeyStore(ctx, in, optFns...)
}

func (g *Gate) DeleteImportedKeyMaterial(ctx context.Context, in *kms.DeleteImportedKeyMaterialInput, optFns ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	if in == nil {
		return g.next.DeleteImportedKeyMaterial(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "DeleteImportedKeyMaterial", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.DeleteImportedKeyMaterial(ctx, in, optFns...)
}

func (g *Gate) DeriveSharedSecret(ctx context.Context, in *kms.DeriveSharedSecretInput, optFns ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	if in == nil {
		return g.next.DeriveSharedSecret(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "DeriveSharedSecret", in, in.KeyId, &authz.Request{KeyAgreementAlgorithm: string(in.KeyAgreementAlgorithm)}); err != nil {
		return nil, err
	}
	return g.next.DeriveSharedSecret(ctx, in, optFns...)
}

func (g *Gate) DescribeCustomKeyStores(ctx context.Context, in *kms.DescribeCustomKeyStoresInput, optFns ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	if err := g.noKey(ctx, "DescribeCustomKeyStores", in, nil); err != nil {
		return nil, err
	}
	return g.next.DescribeCustomKeyStores(ctx, in, optFns...)
}

func (g *Gate) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if in == nil {
		return g.next.DescribeKey(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "DescribeKey", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.DescribeKey(ctx, in, optFns...)
}

func (g *Gate) DisableKey(ctx context.Context, in *kms.DisableKeyInput, optFns ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	if in == nil {
		return g.next.DisableKey(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "DisableKey", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.DisableKey(ctx, in, optFns...)
}

func (g *Gate) DisableKeyRotation(ctx context.Context, in *kms.DisableKeyRotationInput, optFns ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	if in == nil {
		return g.next.DisableKeyRotation(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "DisableKeyRotation", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.DisableKeyRotation(ctx, in, optFns...)
}

func (g *Gate) DisconnectCustomKeyStore(ctx context.Context, in *kms.DisconnectCustomKeyStoreInput, optFns ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	if err := g.noKey(ctx, "DisconnectCustomKeyStore", in, nil); err != nil {
		return nil, err
	}
	return g.next.DisconnectCustomKeyStore(ctx, in, optFns...)
}

func (g *Gate) EnableKey(ctx context.Context, in *kms.EnableKeyInput, optFns ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	if in == nil {
		return g.next.EnableKey(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "EnableKey", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.EnableKey(ctx, in, optFns...)
}

func (g *Gate) EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, optFns ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	if in == nil {
		return g.next.EnableKeyRotation(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "EnableKeyRotation", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.EnableKeyRotation(ctx, in, optFns...)
}

func (g *Gate) Encapsulate(ctx context.Context, in *kms.EncapsulateInput, optFns ...func(*kms.Options)) (*kms.EncapsulateOutput, error) {
	if in == nil {
		return g.next.Encapsulate(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "Encapsulate", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.Encapsulate(ctx, in, optFns...)
}

func (g *Gate) Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	if in == nil {
		return g.next.Encrypt(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "Encrypt", in, in.KeyId, &authz.Request{
		EncryptionContext: in.EncryptionContext, EncryptionAlgorithm: string(in.EncryptionAlgorithm),
	}); err != nil {
		return nil, err
	}
	return g.next.Encrypt(ctx, in, optFns...)
}

func (g *Gate) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if in == nil {
		return g.next.GenerateDataKey(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GenerateDataKey", in, in.KeyId, &authz.Request{EncryptionContext: in.EncryptionContext}); err != nil {
		return nil, err
	}
	return g.next.GenerateDataKey(ctx, in, optFns...)
}

func (g *Gate) GenerateDataKeyPair(ctx context.Context, in *kms.GenerateDataKeyPairInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyPairOutput, error) {
	if in == nil {
		return g.next.GenerateDataKeyPair(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GenerateDataKeyPair", in, in.KeyId, &authz.Request{
		EncryptionContext: in.EncryptionContext, KeyPairSpec: string(in.KeyPairSpec),
	}); err != nil {
		return nil, err
	}
	return g.next.GenerateDataKeyPair(ctx, in, optFns...)
}

func (g *Gate) GenerateDataKeyPairWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyPairWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	if in == nil {
		return g.next.GenerateDataKeyPairWithoutPlaintext(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GenerateDataKeyPairWithoutPlaintext", in, in.KeyId, &authz.Request{
		EncryptionContext: in.EncryptionContext, KeyPairSpec: string(in.KeyPairSpec),
	}); err != nil {
		return nil, err
	}
	return g.next.GenerateDataKeyPairWithoutPlaintext(ctx, in, optFns...)
}

func (g *Gate) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	if in == nil {
		return g.next.GenerateDataKeyWithoutPlaintext(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GenerateDataKeyWithoutPlaintext", in, in.KeyId, &authz.Request{EncryptionContext: in.EncryptionContext}); err != nil {
		return nil, err
	}
	return g.next.GenerateDataKeyWithoutPlaintext(ctx, in, optFns...)
}

func (g *Gate) GenerateMac(ctx context.Context, in *kms.GenerateMacInput, optFns ...func(*kms.Options)) (*kms.GenerateMacOutput, error) {
	if in == nil {
		return g.next.GenerateMac(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GenerateMac", in, in.KeyId, &authz.Request{MacAlgorithm: string(in.MacAlgorithm)}); err != nil {
		return nil, err
	}
	return g.next.GenerateMac(ctx, in, optFns...)
}

func (g *Gate) GenerateRandom(ctx context.Context, in *kms.GenerateRandomInput, optFns ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	if err := g.noKey(ctx, "GenerateRandom", in, nil); err != nil {
		return nil, err
	}
	return g.next.GenerateRandom(ctx, in, optFns...)
}

func (g *Gate) GetKeyLastUsage(ctx context.Context, in *kms.GetKeyLastUsageInput, optFns ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	if in == nil {
		return g.next.GetKeyLastUsage(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GetKeyLastUsage", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.GetKeyLastUsage(ctx, in, optFns...)
}

func (g *Gate) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if in == nil {
		return g.next.GetKeyPolicy(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GetKeyPolicy", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.GetKeyPolicy(ctx, in, optFns...)
}

func (g *Gate) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, optFns ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	if in == nil {
		return g.next.GetKeyRotationStatus(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GetKeyRotationStatus", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.GetKeyRotationStatus(ctx, in, optFns...)
}

func (g *Gate) GetParametersForImport(ctx context.Context, in *kms.GetParametersForImportInput, optFns ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	if in == nil {
		return g.next.GetParametersForImport(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GetParametersForImport", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.GetParametersForImport(ctx, in, optFns...)
}

func (g *Gate) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	if in == nil {
		return g.next.GetPublicKey(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "GetPublicKey", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.GetPublicKey(ctx, in, optFns...)
}

func (g *Gate) ImportKeyMaterial(ctx context.Context, in *kms.ImportKeyMaterialInput, optFns ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	if in == nil {
		return g.next.ImportKeyMaterial(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ImportKeyMaterial", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ImportKeyMaterial(ctx, in, optFns...)
}

func (g *Gate) ListAliases(ctx context.Context, in *kms.ListAliasesInput, optFns ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	if err := g.noKey(ctx, "ListAliases", in, nil); err != nil {
		return nil, err
	}
	return g.next.ListAliases(ctx, in, optFns...)
}

func (g *Gate) ListGrants(ctx context.Context, in *kms.ListGrantsInput, optFns ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	if in == nil {
		return g.next.ListGrants(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ListGrants", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ListGrants(ctx, in, optFns...)
}

func (g *Gate) ListKeyPolicies(ctx context.Context, in *kms.ListKeyPoliciesInput, optFns ...func(*kms.Options)) (*kms.ListKeyPoliciesOutput, error) {
	if in == nil {
		return g.next.ListKeyPolicies(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ListKeyPolicies", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ListKeyPolicies(ctx, in, optFns...)
}

func (g *Gate) ListKeyRotations(ctx context.Context, in *kms.ListKeyRotationsInput, optFns ...func(*kms.Options)) (*kms.ListKeyRotationsOutput, error) {
	if in == nil {
		return g.next.ListKeyRotations(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ListKeyRotations", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ListKeyRotations(ctx, in, optFns...)
}

func (g *Gate) ListKeys(ctx context.Context, in *kms.ListKeysInput, optFns ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	if err := g.noKey(ctx, "ListKeys", in, nil); err != nil {
		return nil, err
	}
	return g.next.ListKeys(ctx, in, optFns...)
}

func (g *Gate) ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, optFns ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	if in == nil {
		return g.next.ListResourceTags(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ListResourceTags", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ListResourceTags(ctx, in, optFns...)
}

func (g *Gate) PutKeyPolicy(ctx context.Context, in *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	if in == nil {
		return g.next.PutKeyPolicy(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "PutKeyPolicy", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.PutKeyPolicy(ctx, in, optFns...)
}

func (g *Gate) RevokeGrant(ctx context.Context, in *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if in == nil {
		return g.next.RevokeGrant(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "RevokeGrant", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.RevokeGrant(ctx, in, optFns...)
}

func (g *Gate) RotateKeyOnDemand(ctx context.Context, in *kms.RotateKeyOnDemandInput, optFns ...func(*kms.Options)) (*kms.RotateKeyOnDemandOutput, error) {
	if in == nil {
		return g.next.RotateKeyOnDemand(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "RotateKeyOnDemand", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.RotateKeyOnDemand(ctx, in, optFns...)
}

func (g *Gate) ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	if in == nil {
		return g.next.ScheduleKeyDeletion(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "ScheduleKeyDeletion", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.ScheduleKeyDeletion(ctx, in, optFns...)
}

func (g *Gate) Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error) {
	if in == nil {
		return g.next.Sign(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "Sign", in, in.KeyId, &authz.Request{
		SigningAlgorithm: string(in.SigningAlgorithm), MessageType: string(in.MessageType),
	}); err != nil {
		return nil, err
	}
	return g.next.Sign(ctx, in, optFns...)
}

func (g *Gate) TagResource(ctx context.Context, in *kms.TagResourceInput, optFns ...func(*kms.Options)) (*kms.TagResourceOutput, error) {
	if in == nil {
		return g.next.TagResource(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "TagResource", in, in.KeyId, &authz.Request{Tags: tagMap(in.Tags)}); err != nil {
		return nil, err
	}
	return g.next.TagResource(ctx, in, optFns...)
}

func (g *Gate) UntagResource(ctx context.Context, in *kms.UntagResourceInput, optFns ...func(*kms.Options)) (*kms.UntagResourceOutput, error) {
	if in == nil {
		return g.next.UntagResource(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "UntagResource", in, in.KeyId, &authz.Request{TagKeys: in.TagKeys}); err != nil {
		return nil, err
	}
	return g.next.UntagResource(ctx, in, optFns...)
}

func (g *Gate) UpdateCustomKeyStore(ctx context.Context, in *kms.UpdateCustomKeyStoreInput, optFns ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	if err := g.noKey(ctx, "UpdateCustomKeyStore", in, nil); err != nil {
		return nil, err
	}
	return g.next.UpdateCustomKeyStore(ctx, in, optFns...)
}

func (g *Gate) UpdateKeyDescription(ctx context.Context, in *kms.UpdateKeyDescriptionInput, optFns ...func(*kms.Options)) (*kms.UpdateKeyDescriptionOutput, error) {
	if in == nil {
		return g.next.UpdateKeyDescription(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "UpdateKeyDescription", in, in.KeyId, nil); err != nil {
		return nil, err
	}
	return g.next.UpdateKeyDescription(ctx, in, optFns...)
}

func (g *Gate) Verify(ctx context.Context, in *kms.VerifyInput, optFns ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	if in == nil {
		return g.next.Verify(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "Verify", in, in.KeyId, &authz.Request{
		SigningAlgorithm: string(in.SigningAlgorithm), MessageType: string(in.MessageType),
	}); err != nil {
		return nil, err
	}
	return g.next.Verify(ctx, in, optFns...)
}

func (g *Gate) VerifyMac(ctx context.Context, in *kms.VerifyMacInput, optFns ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	if in == nil {
		return g.next.VerifyMac(ctx, in, optFns...)
	}
	if err := g.onKey(ctx, "VerifyMac", in, in.KeyId, &authz.Request{MacAlgorithm: string(in.MacAlgorithm)}); err != nil {
		return nil, err
	}
	return g.next.VerifyMac(ctx, in, optFns...)
}
