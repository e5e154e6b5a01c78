package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// The operations below answer UnsupportedOperationException naming the
// operation; a later issue builds them.

// Decapsulate is not supported yet.
func (s *Service) Decapsulate(context.Context, *kms.DecapsulateInput, ...func(*kms.Options)) (*kms.DecapsulateOutput, error) {
	return nil, unsupported("Decapsulate")
}

// DeleteImportedKeyMaterial is not supported yet.
func (s *Service) DeleteImportedKeyMaterial(context.Context, *kms.DeleteImportedKeyMaterialInput, ...func(*kms.Options)) (*kms.DeleteImportedKeyMaterialOutput, error) {
	return nil, unsupported("DeleteImportedKeyMaterial")
}

// DeriveSharedSecret is not supported yet.
func (s *Service) DeriveSharedSecret(context.Context, *kms.DeriveSharedSecretInput, ...func(*kms.Options)) (*kms.DeriveSharedSecretOutput, error) {
	return nil, unsupported("DeriveSharedSecret")
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

// Sign is not supported yet.
func (s *Service) Sign(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error) {
	return nil, unsupported("Sign")
}

// Verify is not supported yet.
func (s *Service) Verify(context.Context, *kms.VerifyInput, ...func(*kms.Options)) (*kms.VerifyOutput, error) {
	return nil, unsupported("Verify")
}

// VerifyMac is not supported yet.
func (s *Service) VerifyMac(context.Context, *kms.VerifyMacInput, ...func(*kms.Options)) (*kms.VerifyMacOutput, error) {
	return nil, unsupported("VerifyMac")
}
