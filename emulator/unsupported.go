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

// DeleteCustomKeyStore is not supported yet.
func (s *Service) DeleteCustomKeyStore(context.Context, *kms.DeleteCustomKeyStoreInput, ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	return nil, unsupported("DeleteCustomKeyStore")
}

// DescribeCustomKeyStores is not supported yet.
func (s *Service) DescribeCustomKeyStores(context.Context, *kms.DescribeCustomKeyStoresInput, ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	return nil, unsupported("DescribeCustomKeyStores")
}

// DisconnectCustomKeyStore is not supported yet.
func (s *Service) DisconnectCustomKeyStore(context.Context, *kms.DisconnectCustomKeyStoreInput, ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	return nil, unsupported("DisconnectCustomKeyStore")
}

// GetKeyLastUsage is not supported yet.
func (s *Service) GetKeyLastUsage(context.Context, *kms.GetKeyLastUsageInput, ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return nil, unsupported("GetKeyLastUsage")
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

// UpdateCustomKeyStore is not supported yet.
func (s *Service) UpdateCustomKeyStore(context.Context, *kms.UpdateCustomKeyStoreInput, ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	return nil, unsupported("UpdateCustomKeyStore")
}

// UpdatePrimaryRegion is not supported yet.
func (s *Service) UpdatePrimaryRegion(context.Context, *kms.UpdatePrimaryRegionInput, ...func(*kms.Options)) (*kms.UpdatePrimaryRegionOutput, error) {
	return nil, unsupported("UpdatePrimaryRegion")
}
