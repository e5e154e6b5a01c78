package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// The operations below answer UnsupportedOperationException naming the
// operation; a later issue builds them.

// ConnectCustomKeyStore is not supported yet.
func (s *Service) ConnectCustomKeyStore(context.Context, *kms.ConnectCustomKeyStoreInput, ...func(*kms.Options)) (*kms.ConnectCustomKeyStoreOutput, error) {
	return nil, unsupported("ConnectCustomKeyStore")
}

// CreateCustomKeyStore is not supported yet.
func (s *Service) CreateCustomKeyStore(context.Context, *kms.CreateCustomKeyStoreInput, ...func(*kms.Options)) (*kms.CreateCustomKeyStoreOutput, error) {
	return nil, unsupported("CreateCustomKeyStore")
}

// CreateGrant is not supported yet.
func (s *Service) CreateGrant(context.Context, *kms.CreateGrantInput, ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	return nil, unsupported("CreateGrant")
}

// Decapsulate is not supported yet.
func (s *Service) Decapsulate(context.Context, *kms.DecapsulateInput, ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	return nil, unsupported("Decapsulate")
}

// DeleteCustomKeyStore is not supported yet.
func (s *Service) DeleteCustomKeyStore(context.Context, *kms.DeleteCustomKeyStoreInput, ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	return nil, unsupported("DeleteCustomKeyStore")
}

// DeleteImportedKeyMaterial is not supported yet.
func (s *Service) DeleteImportedKeyMaterial(context.Context, *kms.DeleteImportedKeyMaterialInput, ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	return nil, unsupported("DeleteImportedKeyMaterial")
}

// DeriveSharedSecret is not supported yet.
func (s *Service) DeriveSharedSecret(context.Context, *kms.DeriveSharedSecretInput, ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	return nil, unsupported("DeriveSharedSecret")
}

// DescribeCustomKeyStores is not supported yet.
func (s *Service) DescribeCustomKeyStores(context.Context, *kms.DescribeCustomKeyStoresInput, ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	return nil, unsupported("DescribeCustomKeyStores")
}

// DisconnectCustomKeyStore is not supported yet.
func (s *Service) DisconnectCustomKeyStore(context.Context, *kms.DisconnectCustomKeyStoreInput, ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	return nil, unsupported("DisconnectCustomKeyStore")
}

// Encapsulate is not supported yet.
func (s *Service) Encapsulate(context.Context, *kms.EncapsulateInput, ...func(*kms.Options)) (*kms.EncapsulateOutput, error) {
	return nil, unsupported("Encapsulate")
}

// GenerateDataKeyPair is not supported yet.
func (s *Service) GenerateDataKeyPair(context.Context, *kms.GenerateDataKeyPairInput, ...func(*kms.Options)) (*kms.GenerateDataKeyPairOutput, error) {
	return nil, unsupported("GenerateDataKeyPair")
}

// GenerateDataKeyPairWithoutPlaintext is not supported yet.
func (s *Service) GenerateDataKeyPairWithoutPlaintext(context.Context, *kms.GenerateDataKeyPairWithoutPlaintextInput, ...func(*kms.Options)) (*kms.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	return nil, unsupported("GenerateDataKeyPairWithoutPlaintext")
}

// GenerateMac is not supported yet.
func (s *Service) GenerateMac(context.Context, *kms.GenerateMacInput, ...func(*kms.Options)) (*kms.GenerateMacOutput, error) {
	return nil, unsupported("GenerateMac")
}

// GetKeyLastUsage is not supported yet.
func (s *Service) GetKeyLastUsage(context.Context, *kms.GetKeyLastUsageInput, ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return nil, unsupported("GetKeyLastUsage")
}

// GetParametersForImport is not supported yet.
func (s *Service) GetParametersForImport(context.Context, *kms.GetParametersForImportInput, ...func(*kms.Options)) (*kms.GetParametersForImportOutput, error) {
	return nil, unsupported("GetParametersForImport")
}

// GetPublicKey is not supported yet.
func (s *Service) GetPublicKey(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return nil, unsupported("GetPublicKey")
}

// ImportKeyMaterial is not supported yet.
func (s *Service) ImportKeyMaterial(context.Context, *kms.ImportKeyMaterialInput, ...func(*kms.Options)) (*kms.ImportKeyMaterialOutput, error) {
	return nil, unsupported("ImportKeyMaterial")
}

// ListRetirableGrants is not supported yet.
func (s *Service) ListRetirableGrants(context.Context, *kms.ListRetirableGrantsInput, ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	return nil, unsupported("ListRetirableGrants")
}

// ReplicateKey is not supported yet.
func (s *Service) ReplicateKey(context.Context, *kms.ReplicateKeyInput, ...func(*kms.Options)) (*kms.ReplicateKeyOutput, error) {
	return nil, unsupported("ReplicateKey")
}

// RetireGrant is not supported yet.
func (s *Service) RetireGrant(context.Context, *kms.RetireGrantInput, ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	return nil, unsupported("RetireGrant")
}

// RevokeGrant is not supported yet.
func (s *Service) RevokeGrant(context.Context, *kms.RevokeGrantInput, ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	return nil, unsupported("RevokeGrant")
}

// Sign is not supported yet.
func (s *Service) Sign(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error) {
	return nil, unsupported("Sign")
}

// UpdateCustomKeyStore is not supported yet.
func (s *Service) UpdateCustomKeyStore(context.Context, *kms.UpdateCustomKeyStoreInput, ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	return nil, unsupported("UpdateCustomKeyStore")
}

// UpdatePrimaryRegion is not supported yet.
func (s *Service) UpdatePrimaryRegion(context.Context, *kms.UpdatePrimaryRegionInput, ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	return nil, unsupported("UpdatePrimaryRegion")
}

// Verify is not supported yet.
func (s *Service) Verify(context.Context, *kms.VerifyInput, ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	return nil, unsupported("Verify")
}

// VerifyMac is not supported yet.
func (s *Service) VerifyMac(context.Context, *kms.VerifyMacInput, ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	return nil, unsupported("VerifyMac")
}
