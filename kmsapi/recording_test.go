package kmsapi

// Code below the recordingBackend type is one line per Backend method,
// written out from the interface (56 methods).

import (
	"context"
	"reflect"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/kmsapi/internal/sdkvalues"
)

// recordingBackend keeps the last input of each operation and answers a
// fully populated output (fill), so a test can compare both directions of
// every operation through the real SDK client.
type recordingBackend struct {
	mu     sync.Mutex
	inputs map[string]any
}

var _ kmsgate.Backend = (*recordingBackend)(nil)

func (r *recordingBackend) input(op string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inputs[op]
}

// filledOutput is the output every recordingBackend method answers for Out.
func filledOutput[Out any]() *Out {
	out := new(Out)
	sdkvalues.Fill(reflect.ValueOf(out).Elem(), 3)
	return out
}

func answer[In, Out any](r *recordingBackend, op string, in *In) (*Out, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inputs == nil {
		r.inputs = map[string]any{}
	}
	r.inputs[op] = in
	return filledOutput[Out](), nil
}

func (r *recordingBackend) CancelKeyDeletion(_ context.Context, in *kms.CancelKeyDeletionInput, _ ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	return answer[kms.CancelKeyDeletionInput, kms.CancelKeyDeletionOutput](r, "CancelKeyDeletion", in)
}

func (r *recordingBackend) ConnectCustomKeyStore(_ context.Context, in *kms.ConnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.ConnectCustomKeyStoreOutput, error) {
	return answer[kms.ConnectCustomKeyStoreInput, kms.ConnectCustomKeyStoreOutput](r, "ConnectCustomKeyStore", in)
}

func (r *recordingBackend) CreateAlias(_ context.Context, in *kms.CreateAliasInput, _ ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	return answer[kms.CreateAliasInput, kms.CreateAliasOutput](r, "CreateAlias", in)
}

func (r *recordingBackend) CreateCustomKeyStore(_ context.Context, in *kms.CreateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.CreateCustomKeyStoreOutput, error) {
	return answer[kms.CreateCustomKeyStoreInput, kms.CreateCustomKeyStoreOutput](r, "CreateCustomKeyStore", in)
}

func (r *recordingBackend) CreateGrant(_ context.Context, in *kms.CreateGrantInput, _ ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	return answer[kms.CreateGrantInput, kms.CreateGrantOutput](r, "CreateGrant", in)
}

func (r *recordingBackend) CreateKey(_ context.Context, in *kms.CreateKeyInput, _ ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	return answer[kms.CreateKeyInput, kms.CreateKeyOutput](r, "CreateKey", in)
}

func (r *recordingBackend) Decapsulate(_ context.Context, in *kms.DecapsulateInput, _ ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	return answer[kms.DecapsulateInput, kms.DecapsulateOutput](r, "Decapsulate", in)
}

func (r *recordingBackend) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return answer[kms.DecryptInput, kms.DecryptOutput](r, "Decrypt", in)
}

func (r *recordingBackend) DeleteAlias(_ context.Context, in *kms.DeleteAliasInput, _ ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	return answer[kms.DeleteAliasInput, kms.DeleteAliasOutput](r, "DeleteAlias", in)
}

func (r *recordingBackend) DeleteCustomKeyStore(_ context.Context, in *kms.DeleteCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	return answer[kms.DeleteCustomKeyStoreInput, kms.DeleteCustomKeyStoreOutput](r, "DeleteCustomKeyStore", in)
}

func (r *recordingBackend) DeleteImportedKeyMaterial(_ context.Context, in *kms.DeleteImportedKeyMaterialInput, _ ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	return answer[kms.DeleteImportedKeyMaterialInput, kms.DeleteImportedKeyMaterialOutput](r, "DeleteImportedKeyMaterial", in)
}

func (r *recordingBackend) DeriveSharedSecret(_ context.Context, in *kms.DeriveSharedSecretInput, _ ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	return answer[kms.DeriveSharedSecretInput, kms.DeriveSharedSecretOutput](r, "DeriveSharedSecret", in)
}

func (r *recordingBackend) DescribeCustomKeyStores(_ context.Context, in *kms.DescribeCustomKeyStoresInput, _ ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	return answer[kms.DescribeCustomKeyStoresInput, kms.DescribeCustomKeyStoresOutput](r, "DescribeCustomKeyStores", in)
}

func (r *recordingBackend) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return answer[kms.DescribeKeyInput, kms.DescribeKeyOutput](r, "DescribeKey", in)
}

func (r *recordingBackend) DisableKey(_ context.Context, in *kms.DisableKeyInput, _ ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	return answer[kms.DisableKeyInput, kms.DisableKeyOutput](r, "DisableKey", in)
}

func (r *recordingBackend) DisableKeyRotation(_ context.Context, in *kms.DisableKeyRotationInput, _ ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	return answer[kms.DisableKeyRotationInput, kms.DisableKeyRotationOutput](r, "DisableKeyRotation", in)
}

func (r *recordingBackend) DisconnectCustomKeyStore(_ context.Context, in *kms.DisconnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	return answer[kms.DisconnectCustomKeyStoreInput, kms.DisconnectCustomKeyStoreOutput](r, "DisconnectCustomKeyStore", in)
}

func (r *recordingBackend) EnableKey(_ context.Context, in *kms.EnableKeyInput, _ ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	return answer[kms.EnableKeyInput, kms.EnableKeyOutput](r, "EnableKey", in)
}

func (r *recordingBackend) EnableKeyRotation(_ context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	return answer[kms.EnableKeyRotationInput, kms.EnableKeyRotationOutput](r, "EnableKeyRotation", in)
}

func (r *recordingBackend) Encapsulate(_ context.Context, in *kms.EncapsulateInput, _ ...func(*kms.Options)) (*kms.EncapsulateOutput, error) {
	return answer[kms.EncapsulateInput, kms.EncapsulateOutput](r, "Encapsulate", in)
}

func (r *recordingBackend) Encrypt(_ context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	return answer[kms.EncryptInput, kms.EncryptOutput](r, "Encrypt", in)
}

func (r *recordingBackend) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return answer[kms.GenerateDataKeyInput, kms.GenerateDataKeyOutput](r, "GenerateDataKey", in)
}

func (r *recordingBackend) GenerateDataKeyPair(_ context.Context, in *kms.GenerateDataKeyPairInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairOutput, error) {
	return answer[kms.GenerateDataKeyPairInput, kms.GenerateDataKeyPairOutput](r, "GenerateDataKeyPair", in)
}

func (r *recordingBackend) GenerateDataKeyPairWithoutPlaintext(_ context.Context, in *kms.GenerateDataKeyPairWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	return answer[kms.GenerateDataKeyPairWithoutPlaintextInput, kms.GenerateDataKeyPairWithoutPlaintextOutput](r, "GenerateDataKeyPairWithoutPlaintext", in)
}

func (r *recordingBackend) GenerateDataKeyWithoutPlaintext(_ context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	return answer[kms.GenerateDataKeyWithoutPlaintextInput, kms.GenerateDataKeyWithoutPlaintextOutput](r, "GenerateDataKeyWithoutPlaintext", in)
}

func (r *recordingBackend) GenerateMac(_ context.Context, in *kms.GenerateMacInput, _ ...func(*kms.Options)) (*kms.GenerateMacOutput, error) {
	return answer[kms.GenerateMacInput, kms.GenerateMacOutput](r, "GenerateMac", in)
}

func (r *recordingBackend) GenerateRandom(_ context.Context, in *kms.GenerateRandomInput, _ ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	return answer[kms.GenerateRandomInput, kms.GenerateRandomOutput](r, "GenerateRandom", in)
}

func (r *recordingBackend) GetKeyLastUsage(_ context.Context, in *kms.GetKeyLastUsageInput, _ ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return answer[kms.GetKeyLastUsageInput, kms.GetKeyLastUsageOutput](r, "GetKeyLastUsage", in)
}

func (r *recordingBackend) GetKeyPolicy(_ context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	return answer[kms.GetKeyPolicyInput, kms.GetKeyPolicyOutput](r, "GetKeyPolicy", in)
}

func (r *recordingBackend) GetKeyRotationStatus(_ context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return answer[kms.GetKeyRotationStatusInput, kms.GetKeyRotationStatusOutput](r, "GetKeyRotationStatus", in)
}

func (r *recordingBackend) GetParametersForImport(_ context.Context, in *kms.GetParametersForImportInput, _ ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	return answer[kms.GetParametersForImportInput, kms.GetParametersForImportOutput](r, "GetParametersForImport", in)
}

func (r *recordingBackend) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return answer[kms.GetPublicKeyInput, kms.GetPublicKeyOutput](r, "GetPublicKey", in)
}

func (r *recordingBackend) ImportKeyMaterial(_ context.Context, in *kms.ImportKeyMaterialInput, _ ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	return answer[kms.ImportKeyMaterialInput, kms.ImportKeyMaterialOutput](r, "ImportKeyMaterial", in)
}

func (r *recordingBackend) ListAliases(_ context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return answer[kms.ListAliasesInput, kms.ListAliasesOutput](r, "ListAliases", in)
}

func (r *recordingBackend) ListGrants(_ context.Context, in *kms.ListGrantsInput, _ ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	return answer[kms.ListGrantsInput, kms.ListGrantsOutput](r, "ListGrants", in)
}

func (r *recordingBackend) ListKeyPolicies(_ context.Context, in *kms.ListKeyPoliciesInput, _ ...func(*kms.Options)) (*kms.ListKeyPoliciesOutput, error) {
	return answer[kms.ListKeyPoliciesInput, kms.ListKeyPoliciesOutput](r, "ListKeyPolicies", in)
}

func (r *recordingBackend) ListKeyRotations(_ context.Context, in *kms.ListKeyRotationsInput, _ ...func(*kms.Options)) (*kms.ListKeyRotationsOutput, error) {
	return answer[kms.ListKeyRotationsInput, kms.ListKeyRotationsOutput](r, "ListKeyRotations", in)
}

func (r *recordingBackend) ListKeys(_ context.Context, in *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	return answer[kms.ListKeysInput, kms.ListKeysOutput](r, "ListKeys", in)
}

func (r *recordingBackend) ListResourceTags(_ context.Context, in *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	return answer[kms.ListResourceTagsInput, kms.ListResourceTagsOutput](r, "ListResourceTags", in)
}

func (r *recordingBackend) ListRetirableGrants(_ context.Context, in *kms.ListRetirableGrantsInput, _ ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	return answer[kms.ListRetirableGrantsInput, kms.ListRetirableGrantsOutput](r, "ListRetirableGrants", in)
}

func (r *recordingBackend) PutKeyPolicy(_ context.Context, in *kms.PutKeyPolicyInput, _ ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	return answer[kms.PutKeyPolicyInput, kms.PutKeyPolicyOutput](r, "PutKeyPolicy", in)
}

func (r *recordingBackend) ReEncrypt(_ context.Context, in *kms.ReEncryptInput, _ ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	return answer[kms.ReEncryptInput, kms.ReEncryptOutput](r, "ReEncrypt", in)
}

func (r *recordingBackend) ReplicateKey(_ context.Context, in *kms.ReplicateKeyInput, _ ...func(*kms.Options)) (*kms.ReplicateKeyOutput, error) {
	return answer[kms.ReplicateKeyInput, kms.ReplicateKeyOutput](r, "ReplicateKey", in)
}

func (r *recordingBackend) RetireGrant(_ context.Context, in *kms.RetireGrantInput, _ ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	return answer[kms.RetireGrantInput, kms.RetireGrantOutput](r, "RetireGrant", in)
}

func (r *recordingBackend) RevokeGrant(_ context.Context, in *kms.RevokeGrantInput, _ ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	return answer[kms.RevokeGrantInput, kms.RevokeGrantOutput](r, "RevokeGrant", in)
}

func (r *recordingBackend) RotateKeyOnDemand(_ context.Context, in *kms.RotateKeyOnDemandInput, _ ...func(*kms.Options)) (*kms.RotateKeyOnDemandOutput, error) {
	return answer[kms.RotateKeyOnDemandInput, kms.RotateKeyOnDemandOutput](r, "RotateKeyOnDemand", in)
}

func (r *recordingBackend) ScheduleKeyDeletion(_ context.Context, in *kms.ScheduleKeyDeletionInput, _ ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	return answer[kms.ScheduleKeyDeletionInput, kms.ScheduleKeyDeletionOutput](r, "ScheduleKeyDeletion", in)
}

func (r *recordingBackend) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	return answer[kms.SignInput, kms.SignOutput](r, "Sign", in)
}

func (r *recordingBackend) TagResource(_ context.Context, in *kms.TagResourceInput, _ ...func(*kms.Options)) (*kms.TagResourceOutput, error) {
	return answer[kms.TagResourceInput, kms.TagResourceOutput](r, "TagResource", in)
}

func (r *recordingBackend) UntagResource(_ context.Context, in *kms.UntagResourceInput, _ ...func(*kms.Options)) (*kms.UntagResourceOutput, error) {
	return answer[kms.UntagResourceInput, kms.UntagResourceOutput](r, "UntagResource", in)
}

func (r *recordingBackend) UpdateAlias(_ context.Context, in *kms.UpdateAliasInput, _ ...func(*kms.Options)) (*kms.UpdateAliasOutput, error) {
	return answer[kms.UpdateAliasInput, kms.UpdateAliasOutput](r, "UpdateAlias", in)
}

func (r *recordingBackend) UpdateCustomKeyStore(_ context.Context, in *kms.UpdateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	return answer[kms.UpdateCustomKeyStoreInput, kms.UpdateCustomKeyStoreOutput](r, "UpdateCustomKeyStore", in)
}

func (r *recordingBackend) UpdateKeyDescription(_ context.Context, in *kms.UpdateKeyDescriptionInput, _ ...func(*kms.Options)) (*kms.UpdateKeyDescriptionOutput, error) {
	return answer[kms.UpdateKeyDescriptionInput, kms.UpdateKeyDescriptionOutput](r, "UpdateKeyDescription", in)
}

func (r *recordingBackend) UpdatePrimaryRegion(_ context.Context, in *kms.UpdatePrimaryRegionInput, _ ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	return answer[kms.UpdatePrimaryRegionInput, kms.UpdatePrimaryRegionOutput](r, "UpdatePrimaryRegion", in)
}

func (r *recordingBackend) Verify(_ context.Context, in *kms.VerifyInput, _ ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	return answer[kms.VerifyInput, kms.VerifyOutput](r, "Verify", in)
}

func (r *recordingBackend) VerifyMac(_ context.Context, in *kms.VerifyMacInput, _ ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	return answer[kms.VerifyMacInput, kms.VerifyMacOutput](r, "VerifyMac", in)
}
