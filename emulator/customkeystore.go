package emulator

// Custom key stores. kmsgate has none and never connects to a CloudHSM
// cluster or an external key store proxy (it sends no traffic beyond
// loopback), so every operation answers as AWS does for an account without
// custom key stores:
//
//   - DescribeCustomKeyStores without a filter: an empty list; with an id or
//     name: CustomKeyStoreNotFoundException.
//   - Connect-, Disconnect-, Update- and DeleteCustomKeyStore, CreateKey and
//     GenerateRandom with a CustomKeyStoreId: CustomKeyStoreNotFoundException.
//   - CreateCustomKeyStore: for AWS_CLOUDHSM, CloudHsmClusterNotFoundException
//     (no cluster exists here); for EXTERNAL_KEY_STORE,
//     XksProxyUriUnreachableException (public endpoint) or
//     XksProxyVpcEndpointServiceNotFoundException (VPC endpoint service).
//
// Messages are the descriptions AWS documents for each exception, followed
// by what kmsgate does; they are not recorded against AWS.

import (
	"context"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const noCustomKeyStores = " kmsgate emulates no custom key stores (CloudHSM or external)."

func customKeyStoreNotFound() error {
	return &types.CustomKeyStoreNotFoundException{Message: aws.String("The request was rejected because KMS cannot find a custom key store with the specified key store name or ID." + noCustomKeyStores)}
}

// The API model's patterns of the external key store members (botocore's
// kms service-2.json), as AWS quotes them in its validation messages.
const (
	xksKeyIDPattern          = `^[a-zA-Z0-9-_.]+$`
	xksURIEndpointPattern    = `^https://[a-zA-Z0-9.-]+$`
	xksURIPathPattern        = `^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$`
	xksVPCServiceNamePattern = `^com\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$`
)

var (
	reXksKeyID          = regexp.MustCompile(xksKeyIDPattern)
	reXksURIEndpoint    = regexp.MustCompile(xksURIEndpointPattern)
	reXksURIPath        = regexp.MustCompile(xksURIPathPattern)
	reXksVPCServiceName = regexp.MustCompile(xksVPCServiceNamePattern)
)

// optionalMember validates a member that may be left out: its length,
// then its pattern when it has one.
func optionalMember(field string, v *string, lo, hi int, re *regexp.Regexp, pattern string) error {
	if v == nil {
		return nil
	}
	if err := validationLen(field, *v, lo, hi); err != nil {
		return err
	}
	if re != nil && !re.MatchString(*v) {
		return validationPattern(field, *v, pattern)
	}
	return nil
}

// checkXksProxyMembers validates the external key store proxy members of
// CreateCustomKeyStore and UpdateCustomKeyStore (lengths and patterns).
func checkXksProxyMembers(endpoint, path, vpcServiceName *string) error {
	if err := optionalMember("xksProxyUriEndpoint", endpoint, 10, 128, reXksURIEndpoint, xksURIEndpointPattern); err != nil {
		return err
	}
	if err := optionalMember("xksProxyUriPath", path, 10, 128, reXksURIPath, xksURIPathPattern); err != nil {
		return err
	}
	return optionalMember("xksProxyVpcEndpointServiceName", vpcServiceName, 20, 64, reXksVPCServiceName, xksVPCServiceNamePattern)
}

// checkCustomKeyStoreID validates a required CustomKeyStoreId member.
func checkCustomKeyStoreID(v *string) error {
	if v == nil {
		return validationNull("customKeyStoreId")
	}
	return validationLen("customKeyStoreId", *v, 1, 64)
}

// checkCreateKeyStore answers CreateKey's custom key store members: a
// named store does not exist; the custom key store origins need one. Part
// of step 1: kmsgate has no custom key stores, so "not found" is a
// constant answer that reads nothing (before the Origin rules, which would
// otherwise answer that kmsgate does not do AWS_CLOUDHSM keys).
func checkCreateKeyStore(in *kms.CreateKeyInput) error {
	if err := optionalMember("customKeyStoreId", in.CustomKeyStoreId, 1, 64, nil, ""); err != nil {
		return err
	}
	if err := optionalMember("xksKeyId", in.XksKeyId, 1, 128, reXksKeyID, xksKeyIDPattern); err != nil {
		return err
	}
	if in.CustomKeyStoreId != nil {
		return customKeyStoreNotFound()
	}
	if in.XksKeyId != nil {
		// Unverified against AWS: the most plausible text.
		return validationPlain("XksKeyId is valid only when you specify a CustomKeyStoreId of an external key store.")
	}
	if in.Origin == types.OriginTypeAwsCloudhsm || in.Origin == types.OriginTypeExternalKeyStore {
		// Unverified against AWS: the most plausible text.
		return validationPlain("You must specify a CustomKeyStoreId when the Origin is " + string(in.Origin) + ".")
	}
	return nil
}

// CreateCustomKeyStore validates the request and answers that the
// CloudHSM cluster or external key store proxy cannot be found or reached.
func (s *Service) CreateCustomKeyStore(_ context.Context, in *kms.CreateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.CreateCustomKeyStoreOutput, error) {
	if in == nil {
		in = &kms.CreateCustomKeyStoreInput{}
	}
	if err := validateCreateCustomKeyStore(in); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreType == types.CustomKeyStoreTypeExternalKeyStore {
		if in.XksProxyConnectivity == types.XksProxyConnectivityTypeVpcEndpointService {
			return nil, &types.XksProxyVpcEndpointServiceNotFoundException{Message: aws.String("The request was rejected because KMS could not find the specified VPC endpoint service." + noCustomKeyStores)}
		}
		return nil, &types.XksProxyUriUnreachableException{Message: aws.String("KMS was unable to reach the specified XksProxyUriPath." + noCustomKeyStores + " It does not connect to external key store proxies.")}
	}
	return nil, &types.CloudHsmClusterNotFoundException{Message: aws.String("The request was rejected because KMS cannot find the CloudHSM cluster with the specified cluster ID." + noCustomKeyStores)}
}

// ConnectCustomKeyStore answers CustomKeyStoreNotFoundException.
func (s *Service) ConnectCustomKeyStore(_ context.Context, in *kms.ConnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.ConnectCustomKeyStoreOutput, error) {
	if in == nil {
		in = &kms.ConnectCustomKeyStoreInput{}
	}
	if err := validateConnectCustomKeyStore(in); err != nil {
		return nil, err
	}
	return nil, customKeyStoreNotFound()
}

// DisconnectCustomKeyStore answers CustomKeyStoreNotFoundException.
func (s *Service) DisconnectCustomKeyStore(_ context.Context, in *kms.DisconnectCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DisconnectCustomKeyStoreOutput, error) {
	if in == nil {
		in = &kms.DisconnectCustomKeyStoreInput{}
	}
	if err := validateDisconnectCustomKeyStore(in); err != nil {
		return nil, err
	}
	return nil, customKeyStoreNotFound()
}

// DeleteCustomKeyStore answers CustomKeyStoreNotFoundException.
func (s *Service) DeleteCustomKeyStore(_ context.Context, in *kms.DeleteCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.DeleteCustomKeyStoreOutput, error) {
	if in == nil {
		in = &kms.DeleteCustomKeyStoreInput{}
	}
	if err := validateDeleteCustomKeyStore(in); err != nil {
		return nil, err
	}
	return nil, customKeyStoreNotFound()
}

// UpdateCustomKeyStore answers CustomKeyStoreNotFoundException.
func (s *Service) UpdateCustomKeyStore(_ context.Context, in *kms.UpdateCustomKeyStoreInput, _ ...func(*kms.Options)) (*kms.UpdateCustomKeyStoreOutput, error) {
	if in == nil {
		in = &kms.UpdateCustomKeyStoreInput{}
	}
	if err := validateUpdateCustomKeyStore(in); err != nil {
		return nil, err
	}
	return nil, customKeyStoreNotFound()
}

// DescribeCustomKeyStores answers an empty list, or
// CustomKeyStoreNotFoundException when asked for one store.
func (s *Service) DescribeCustomKeyStores(_ context.Context, in *kms.DescribeCustomKeyStoresInput, _ ...func(*kms.Options)) (*kms.DescribeCustomKeyStoresOutput, error) {
	if in == nil {
		in = &kms.DescribeCustomKeyStoresInput{}
	}
	if err := validateDescribeCustomKeyStores(in); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreId != nil || in.CustomKeyStoreName != nil {
		return nil, customKeyStoreNotFound()
	}
	return &kms.DescribeCustomKeyStoresOutput{CustomKeyStores: []types.CustomKeyStoresListEntry{}}, nil
}
