package proxy

// One method per KMS operation; each forwards its input unchanged. The
// operations that change key facts (aliases, tags, key policy, deletion,
// grants) also invalidate the facts cache after the upstream's answer,
// whatever it was (a call that timed out may still have been applied).

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// CancelKeyDeletion forwards the call.
func (p *Proxy) CancelKeyDeletion(ctx context.Context, in *kms.CancelKeyDeletionInput, _ ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	return forward(ctx, p, "CancelKeyDeletion", in, (*kms.Client).CancelKeyDeletion)
}

// ConnectCustomKeyStore forwards the call.
func (p *Proxy) ConnectCustomKeyStore(ctx context.Context, in *kms.ConnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.ConnectCustomKeyStoreOutput, error) {
	return forward(ctx, p, "ConnectCustomKeyStore", in, (*kms.Client).ConnectCustomKeyStore)
}

// CreateAlias forwards the call and invalidates the facts it changes.
func (p *Proxy) CreateAlias(ctx context.Context, in *kms.CreateAliasInput, _ ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetAlias(region, aws.ToString(in.AliasName))
			p.facts.forgetKey(region, aws.ToString(in.TargetKeyId))
		}
	}()
	return call(ctx, p, region, "CreateAlias", in, (*kms.Client).CreateAlias)
}

// CreateCustomKeyStore forwards the call.
func (p *Proxy) CreateCustomKeyStore(ctx context.Context, in *kms.CreateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.CreateCustomKeyStoreOutput, error) {
	return forward(ctx, p, "CreateCustomKeyStore", in, (*kms.Client).CreateCustomKeyStore)
}

// CreateGrant forwards the call and invalidates the facts it changes.
func (p *Proxy) CreateGrant(ctx context.Context, in *kms.CreateGrantInput, _ ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetGrants(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "CreateGrant", in, (*kms.Client).CreateGrant)
}

// CreateKey forwards the call.
func (p *Proxy) CreateKey(ctx context.Context, in *kms.CreateKeyInput, _ ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	return forward(ctx, p, "CreateKey", in, (*kms.Client).CreateKey)
}

// Decapsulate forwards the call.
func (p *Proxy) Decapsulate(ctx context.Context, in *kms.DecapsulateInput, _ ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	return forward(ctx, p, "Decapsulate", in, (*kms.Client).Decapsulate)
}

// Decrypt forwards the call.
func (p *Proxy) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return forward(ctx, p, "Decrypt", in, (*kms.Client).Decrypt)
}

// DeleteAlias forwards the call and invalidates the facts it changes.
func (p *Proxy) DeleteAlias(ctx context.Context, in *kms.DeleteAliasInput, _ ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetAlias(region, aws.ToString(in.AliasName))
		}
	}()
	return call(ctx, p, region, "DeleteAlias", in, (*kms.Client).DeleteAlias)
}

// DeleteCustomKeyStore forwards the call.
func (p *Proxy) DeleteCustomKeyStore(ctx context.Context, in *kms.DeleteCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	return forward(ctx, p, "DeleteCustomKeyStore", in, (*kms.Client).DeleteCustomKeyStore)
}

// DeleteImportedKeyMaterial forwards the call.
func (p *Proxy) DeleteImportedKeyMaterial(ctx context.Context, in *kms.DeleteImportedKeyMaterialInput, _ ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	return forward(ctx, p, "DeleteImportedKeyMaterial", in, (*kms.Client).DeleteImportedKeyMaterial)
}

// DeriveSharedSecret forwards the call.
func (p *Proxy) DeriveSharedSecret(ctx context.Context, in *kms.DeriveSharedSecretInput, _ ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	return forward(ctx, p, "DeriveSharedSecret", in, (*kms.Client).DeriveSharedSecret)
}

// DescribeCustomKeyStores forwards the call.
func (p *Proxy) DescribeCustomKeyStores(ctx context.Context, in *kms.DescribeCustomKeyStoresInput, _ ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	return forward(ctx, p, "DescribeCustomKeyStores", in, (*kms.Client).DescribeCustomKeyStores)
}

// DescribeKey forwards the call.
func (p *Proxy) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return forward(ctx, p, "DescribeKey", in, (*kms.Client).DescribeKey)
}

// DisableKey forwards the call.
func (p *Proxy) DisableKey(ctx context.Context, in *kms.DisableKeyInput, _ ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	return forward(ctx, p, "DisableKey", in, (*kms.Client).DisableKey)
}

// DisableKeyRotation forwards the call.
func (p *Proxy) DisableKeyRotation(ctx context.Context, in *kms.DisableKeyRotationInput, _ ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	return forward(ctx, p, "DisableKeyRotation", in, (*kms.Client).DisableKeyRotation)
}

// DisconnectCustomKeyStore forwards the call.
func (p *Proxy) DisconnectCustomKeyStore(ctx context.Context, in *kms.DisconnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	return forward(ctx, p, "DisconnectCustomKeyStore", in, (*kms.Client).DisconnectCustomKeyStore)
}

// EnableKey forwards the call.
func (p *Proxy) EnableKey(ctx context.Context, in *kms.EnableKeyInput, _ ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	return forward(ctx, p, "EnableKey", in, (*kms.Client).EnableKey)
}

// EnableKeyRotation forwards the call.
func (p *Proxy) EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	return forward(ctx, p, "EnableKeyRotation", in, (*kms.Client).EnableKeyRotation)
}

// Encapsulate forwards the call.
func (p *Proxy) Encapsulate(ctx context.Context, in *kms.EncapsulateInput, _ ...func(*kms.Options)) (*kms.EncapsulateOutput, error) {
	return forward(ctx, p, "Encapsulate", in, (*kms.Client).Encapsulate)
}

// Encrypt forwards the call.
func (p *Proxy) Encrypt(ctx context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	return forward(ctx, p, "Encrypt", in, (*kms.Client).Encrypt)
}

// GenerateDataKey forwards the call.
func (p *Proxy) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return forward(ctx, p, "GenerateDataKey", in, (*kms.Client).GenerateDataKey)
}

// GenerateDataKeyPair forwards the call.
func (p *Proxy) GenerateDataKeyPair(ctx context.Context, in *kms.GenerateDataKeyPairInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairOutput, error) {
	return forward(ctx, p, "GenerateDataKeyPair", in, (*kms.Client).GenerateDataKeyPair)
}

// GenerateDataKeyPairWithoutPlaintext forwards the call.
func (p *Proxy) GenerateDataKeyPairWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyPairWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	return forward(ctx, p, "GenerateDataKeyPairWithoutPlaintext", in, (*kms.Client).GenerateDataKeyPairWithoutPlaintext)
}

// GenerateDataKeyWithoutPlaintext forwards the call.
func (p *Proxy) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	return forward(ctx, p, "GenerateDataKeyWithoutPlaintext", in, (*kms.Client).GenerateDataKeyWithoutPlaintext)
}

// GenerateMac forwards the call.
func (p *Proxy) GenerateMac(ctx context.Context, in *kms.GenerateMacInput, _ ...func(*kms.Options)) (*kms.GenerateMacOutput, error) {
	return forward(ctx, p, "GenerateMac", in, (*kms.Client).GenerateMac)
}

// GenerateRandom forwards the call.
func (p *Proxy) GenerateRandom(ctx context.Context, in *kms.GenerateRandomInput, _ ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	return forward(ctx, p, "GenerateRandom", in, (*kms.Client).GenerateRandom)
}

// GetKeyLastUsage forwards the call.
func (p *Proxy) GetKeyLastUsage(ctx context.Context, in *kms.GetKeyLastUsageInput, _ ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return forward(ctx, p, "GetKeyLastUsage", in, (*kms.Client).GetKeyLastUsage)
}

// GetKeyPolicy forwards the call.
func (p *Proxy) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	return forward(ctx, p, "GetKeyPolicy", in, (*kms.Client).GetKeyPolicy)
}

// GetKeyRotationStatus forwards the call.
func (p *Proxy) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return forward(ctx, p, "GetKeyRotationStatus", in, (*kms.Client).GetKeyRotationStatus)
}

// GetParametersForImport forwards the call.
func (p *Proxy) GetParametersForImport(ctx context.Context, in *kms.GetParametersForImportInput, _ ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	return forward(ctx, p, "GetParametersForImport", in, (*kms.Client).GetParametersForImport)
}

// GetPublicKey forwards the call.
func (p *Proxy) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return forward(ctx, p, "GetPublicKey", in, (*kms.Client).GetPublicKey)
}

// ImportKeyMaterial forwards the call.
func (p *Proxy) ImportKeyMaterial(ctx context.Context, in *kms.ImportKeyMaterialInput, _ ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	return forward(ctx, p, "ImportKeyMaterial", in, (*kms.Client).ImportKeyMaterial)
}

// ListAliases forwards the call.
func (p *Proxy) ListAliases(ctx context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return forward(ctx, p, "ListAliases", in, (*kms.Client).ListAliases)
}

// ListGrants forwards the call.
func (p *Proxy) ListGrants(ctx context.Context, in *kms.ListGrantsInput, _ ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	return forward(ctx, p, "ListGrants", in, (*kms.Client).ListGrants)
}

// ListKeyPolicies forwards the call.
func (p *Proxy) ListKeyPolicies(ctx context.Context, in *kms.ListKeyPoliciesInput, _ ...func(*kms.Options)) (*kms.ListKeyPoliciesOutput, error) {
	return forward(ctx, p, "ListKeyPolicies", in, (*kms.Client).ListKeyPolicies)
}

// ListKeyRotations forwards the call.
func (p *Proxy) ListKeyRotations(ctx context.Context, in *kms.ListKeyRotationsInput, _ ...func(*kms.Options)) (*kms.ListKeyRotationsOutput, error) {
	return forward(ctx, p, "ListKeyRotations", in, (*kms.Client).ListKeyRotations)
}

// ListKeys forwards the call.
func (p *Proxy) ListKeys(ctx context.Context, in *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	return forward(ctx, p, "ListKeys", in, (*kms.Client).ListKeys)
}

// ListResourceTags forwards the call.
func (p *Proxy) ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	return forward(ctx, p, "ListResourceTags", in, (*kms.Client).ListResourceTags)
}

// ListRetirableGrants forwards the call.
func (p *Proxy) ListRetirableGrants(ctx context.Context, in *kms.ListRetirableGrantsInput, _ ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	return forward(ctx, p, "ListRetirableGrants", in, (*kms.Client).ListRetirableGrants)
}

// PutKeyPolicy forwards the call and invalidates the facts it changes.
func (p *Proxy) PutKeyPolicy(ctx context.Context, in *kms.PutKeyPolicyInput, _ ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetKey(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "PutKeyPolicy", in, (*kms.Client).PutKeyPolicy)
}

// ReEncrypt forwards the call.
func (p *Proxy) ReEncrypt(ctx context.Context, in *kms.ReEncryptInput, _ ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	return forward(ctx, p, "ReEncrypt", in, (*kms.Client).ReEncrypt)
}

// ReplicateKey forwards the call.
func (p *Proxy) ReplicateKey(ctx context.Context, in *kms.ReplicateKeyInput, _ ...func(*kms.Options)) (*kms.ReplicateKeyOutput, error) {
	return forward(ctx, p, "ReplicateKey", in, (*kms.Client).ReplicateKey)
}

// RetireGrant forwards the call and invalidates the facts it changes.
func (p *Proxy) RetireGrant(ctx context.Context, in *kms.RetireGrantInput, _ ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetGrants(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "RetireGrant", in, (*kms.Client).RetireGrant)
}

// RevokeGrant forwards the call and invalidates the facts it changes.
func (p *Proxy) RevokeGrant(ctx context.Context, in *kms.RevokeGrantInput, _ ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetGrants(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "RevokeGrant", in, (*kms.Client).RevokeGrant)
}

// RotateKeyOnDemand forwards the call.
func (p *Proxy) RotateKeyOnDemand(ctx context.Context, in *kms.RotateKeyOnDemandInput, _ ...func(*kms.Options)) (*kms.RotateKeyOnDemandOutput, error) {
	return forward(ctx, p, "RotateKeyOnDemand", in, (*kms.Client).RotateKeyOnDemand)
}

// ScheduleKeyDeletion forwards the call and invalidates the facts it changes.
func (p *Proxy) ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, _ ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetKey(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "ScheduleKeyDeletion", in, (*kms.Client).ScheduleKeyDeletion)
}

// Sign forwards the call.
func (p *Proxy) Sign(ctx context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	return forward(ctx, p, "Sign", in, (*kms.Client).Sign)
}

// TagResource forwards the call and invalidates the facts it changes.
func (p *Proxy) TagResource(ctx context.Context, in *kms.TagResourceInput, _ ...func(*kms.Options)) (*kms.TagResourceOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetKey(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "TagResource", in, (*kms.Client).TagResource)
}

// UntagResource forwards the call and invalidates the facts it changes.
func (p *Proxy) UntagResource(ctx context.Context, in *kms.UntagResourceInput, _ ...func(*kms.Options)) (*kms.UntagResourceOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetKey(region, aws.ToString(in.KeyId))
		}
	}()
	return call(ctx, p, region, "UntagResource", in, (*kms.Client).UntagResource)
}

// UpdateAlias forwards the call and invalidates the facts it changes.
func (p *Proxy) UpdateAlias(ctx context.Context, in *kms.UpdateAliasInput, _ ...func(*kms.Options)) (*kms.UpdateAliasOutput, error) {
	region := p.callRegion(ctx)
	defer func() {
		if in != nil {
			p.facts.forgetAlias(region, aws.ToString(in.AliasName))
			p.facts.forgetKey(region, aws.ToString(in.TargetKeyId))
		}
	}()
	return call(ctx, p, region, "UpdateAlias", in, (*kms.Client).UpdateAlias)
}

// UpdateCustomKeyStore forwards the call.
func (p *Proxy) UpdateCustomKeyStore(ctx context.Context, in *kms.UpdateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	return forward(ctx, p, "UpdateCustomKeyStore", in, (*kms.Client).UpdateCustomKeyStore)
}

// UpdateKeyDescription forwards the call.
func (p *Proxy) UpdateKeyDescription(ctx context.Context, in *kms.UpdateKeyDescriptionInput, _ ...func(*kms.Options)) (*kms.UpdateKeyDescriptionOutput, error) {
	return forward(ctx, p, "UpdateKeyDescription", in, (*kms.Client).UpdateKeyDescription)
}

// UpdatePrimaryRegion forwards the call.
func (p *Proxy) UpdatePrimaryRegion(ctx context.Context, in *kms.UpdatePrimaryRegionInput, _ ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	return forward(ctx, p, "UpdatePrimaryRegion", in, (*kms.Client).UpdatePrimaryRegion)
}

// Verify forwards the call.
func (p *Proxy) Verify(ctx context.Context, in *kms.VerifyInput, _ ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	return forward(ctx, p, "Verify", in, (*kms.Client).Verify)
}

// VerifyMac forwards the call.
func (p *Proxy) VerifyMac(ctx context.Context, in *kms.VerifyMacInput, _ ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	return forward(ctx, p, "VerifyMac", in, (*kms.Client).VerifyMac)
}
