package emulator

// Step 1 of the check order (checkorder.go) of every operation, on its
// own: the members of one request checked as AWS checks them before it
// looks at any key, without reading or changing anything. Each operation
// calls its step first (validateX below), and Validate answers the same
// step for a request that is not served: the judging backend (package
// gate) asks it when it refuses a call, because KMS validates a request
// before it authorizes it. One function per operation, called from both
// places, so the two answers cannot differ.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Validate answers step 1 of the check order for in, a *kms.XInput of any
// operation of kmsgate.Backend (a nil pointer is an empty request): the
// error the operation answers before it looks at any key, or nil when the
// members are valid. Nothing is read from the store or changed. An input
// type that is not an operation's is an error (a server fault).
func (s *Service) Validate(_ context.Context, in any) error { return ValidateInput(in) }

// InputValidator is Validate without a store, for the judging backend in
// proxy mode (no emulator Service there): kmsgate's step 1, so that a
// request the gate refuses never has to leave kmsgate to learn whether it
// was valid. No step-1 rule reads the store, the clock or the caller.
type InputValidator struct{}

// Validate is Service.Validate.
func (InputValidator) Validate(_ context.Context, in any) error { return ValidateInput(in) }

// errNoValidation marks an input type ValidateInput does not know:
// TestEveryOperationHasAValidationStep fails on it.
type errNoValidation struct{ in any }

func (e errNoValidation) Error() string {
	return fmt.Sprintf("emulator: no validation step for %T", e.in)
}

// ValidateInput is step 1 of the operation whose input in is.
func ValidateInput(in any) error {
	switch in := in.(type) {
	case *kms.CancelKeyDeletionInput:
		return validateCancelKeyDeletion(orEmpty(in))
	case *kms.ConnectCustomKeyStoreInput:
		return validateConnectCustomKeyStore(orEmpty(in))
	case *kms.CreateAliasInput:
		return validateCreateAlias(orEmpty(in))
	case *kms.CreateCustomKeyStoreInput:
		return validateCreateCustomKeyStore(orEmpty(in))
	case *kms.CreateGrantInput:
		return errOf(validateCreateGrant(orEmpty(in)))
	case *kms.CreateKeyInput:
		return errOf(validateCreateKey(orEmpty(in)))
	case *kms.DecapsulateInput:
		return validateDecapsulate(orEmpty(in))
	case *kms.DecryptInput:
		return validateDecrypt(orEmpty(in))
	case *kms.DeleteAliasInput:
		return validateDeleteAlias(orEmpty(in))
	case *kms.DeleteCustomKeyStoreInput:
		return validateDeleteCustomKeyStore(orEmpty(in))
	case *kms.DeleteImportedKeyMaterialInput:
		return validateDeleteImportedKeyMaterial(orEmpty(in))
	case *kms.DeriveSharedSecretInput:
		return validateDeriveSharedSecret(orEmpty(in))
	case *kms.DescribeCustomKeyStoresInput:
		return validateDescribeCustomKeyStores(orEmpty(in))
	case *kms.DescribeKeyInput:
		return validateDescribeKey(orEmpty(in))
	case *kms.DisableKeyInput:
		return validateDisableKey(orEmpty(in))
	case *kms.DisableKeyRotationInput:
		return validateDisableKeyRotation(orEmpty(in))
	case *kms.DisconnectCustomKeyStoreInput:
		return validateDisconnectCustomKeyStore(orEmpty(in))
	case *kms.EnableKeyInput:
		return validateEnableKey(orEmpty(in))
	case *kms.EnableKeyRotationInput:
		return validateEnableKeyRotation(orEmpty(in))
	case *kms.EncapsulateInput:
		return validateEncapsulate(orEmpty(in))
	case *kms.EncryptInput:
		return validateEncrypt(orEmpty(in))
	case *kms.GenerateDataKeyInput:
		in = orEmpty(in)
		return errOf(validateGenerateDataKey(in.KeyId, in.KeySpec, in.NumberOfBytes, in.GrantTokens))
	case *kms.GenerateDataKeyPairInput:
		in = orEmpty(in)
		return validateDataKeyPair(in.KeyId, in.KeyPairSpec, in.GrantTokens)
	case *kms.GenerateDataKeyPairWithoutPlaintextInput:
		in = orEmpty(in)
		return validateDataKeyPair(in.KeyId, in.KeyPairSpec, in.GrantTokens)
	case *kms.GenerateDataKeyWithoutPlaintextInput:
		in = orEmpty(in)
		return errOf(validateGenerateDataKey(in.KeyId, in.KeySpec, in.NumberOfBytes, in.GrantTokens))
	case *kms.GenerateMacInput:
		return validateGenerateMac(orEmpty(in))
	case *kms.GenerateRandomInput:
		return validateGenerateRandom(orEmpty(in))
	case *kms.GetKeyLastUsageInput:
		return validateGetKeyLastUsage(orEmpty(in))
	case *kms.GetKeyPolicyInput:
		return validateGetKeyPolicy(orEmpty(in))
	case *kms.GetKeyRotationStatusInput:
		return validateGetKeyRotationStatus(orEmpty(in))
	case *kms.GetParametersForImportInput:
		return validateGetParametersForImport(orEmpty(in))
	case *kms.GetPublicKeyInput:
		return validateGetPublicKey(orEmpty(in))
	case *kms.ImportKeyMaterialInput:
		return validateImportKeyMaterial(orEmpty(in))
	case *kms.ListAliasesInput:
		return errOf(validateListAliases(orEmpty(in)))
	case *kms.ListGrantsInput:
		return errOf(validateListGrants(orEmpty(in)))
	case *kms.ListKeyPoliciesInput:
		return errOf(validateListKeyPolicies(orEmpty(in)))
	case *kms.ListKeyRotationsInput:
		return errOf(validateListKeyRotations(orEmpty(in)))
	case *kms.ListKeysInput:
		return errOf(validateListKeys(orEmpty(in)))
	case *kms.ListResourceTagsInput:
		return errOf(validateListResourceTags(orEmpty(in)))
	case *kms.ListRetirableGrantsInput:
		return errOf(validateListRetirableGrants(orEmpty(in)))
	case *kms.PutKeyPolicyInput:
		return validatePutKeyPolicy(orEmpty(in))
	case *kms.ReEncryptInput:
		return validateReEncrypt(orEmpty(in))
	case *kms.ReplicateKeyInput:
		return errOf(validateReplicateKey(orEmpty(in)))
	case *kms.RetireGrantInput:
		return validateRetireGrant(orEmpty(in))
	case *kms.RevokeGrantInput:
		return validateRevokeGrant(orEmpty(in))
	case *kms.RotateKeyOnDemandInput:
		return validateRotateKeyOnDemand(orEmpty(in))
	case *kms.ScheduleKeyDeletionInput:
		return errOf(validateScheduleKeyDeletion(orEmpty(in)))
	case *kms.SignInput:
		return validateSign(orEmpty(in))
	case *kms.TagResourceInput:
		return validateTagResource(orEmpty(in))
	case *kms.UntagResourceInput:
		return validateUntagResource(orEmpty(in))
	case *kms.UpdateAliasInput:
		return validateUpdateAlias(orEmpty(in))
	case *kms.UpdateCustomKeyStoreInput:
		return validateUpdateCustomKeyStore(orEmpty(in))
	case *kms.UpdateKeyDescriptionInput:
		return validateUpdateKeyDescription(orEmpty(in))
	case *kms.UpdatePrimaryRegionInput:
		return validateUpdatePrimaryRegion(orEmpty(in))
	case *kms.VerifyInput:
		return validateVerify(orEmpty(in))
	case *kms.VerifyMacInput:
		return validateVerifyMac(orEmpty(in))
	}
	return errNoValidation{in}
}

// errOf is the error of a step that also answers what it made of the
// request.
func errOf[T any](_ T, err error) error { return err }

// orEmpty is in, or an empty request for a nil one (as every operation
// takes a nil input).
func orEmpty[T any](in *T) *T {
	if in == nil {
		return new(T)
	}
	return in
}

// The steps, in the order of kmsgate.Backend. Each checks its members in
// the order the operation always did, the key identifier members last
// (key resolution validated them first thing).

func validateCancelKeyDeletion(in *kms.CancelKeyDeletionInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateConnectCustomKeyStore(in *kms.ConnectCustomKeyStoreInput) error {
	return checkCustomKeyStoreID(in.CustomKeyStoreId)
}

func validateCreateAlias(in *kms.CreateAliasInput) error {
	if err := checkAliasName("aliasName", in.AliasName); err != nil {
		return err
	}
	return checkKeyIDMember("targetKeyId", in.TargetKeyId)
}

func validateCreateCustomKeyStore(in *kms.CreateCustomKeyStoreInput) error {
	if in.CustomKeyStoreName == nil {
		return validationNull("customKeyStoreName")
	}
	if err := validationLen("customKeyStoreName", *in.CustomKeyStoreName, 1, 256); err != nil {
		return err
	}
	if err := validationEnum("customKeyStoreType", in.CustomKeyStoreType, types.CustomKeyStoreType("").Values()); err != nil {
		return err
	}
	if err := validationEnum("xksProxyConnectivity", in.XksProxyConnectivity, types.XksProxyConnectivityType("").Values()); err != nil {
		return err
	}
	if in.KeyStorePassword != nil {
		if err := validationBlobLen("keyStorePassword", len(*in.KeyStorePassword), 7, 32); err != nil {
			return err
		}
	}
	if err := optionalMember("cloudHsmClusterId", in.CloudHsmClusterId, 19, 24, nil, ""); err != nil {
		return err
	}
	if err := optionalMember("trustAnchorCertificate", in.TrustAnchorCertificate, 1, 5000, nil, ""); err != nil {
		return err
	}
	return checkXksProxyMembers(in.XksProxyUriEndpoint, in.XksProxyUriPath, in.XksProxyVpcEndpointServiceName)
}

// validateCreateGrant also answers the grant's checked constraints.
func validateCreateGrant(in *kms.CreateGrantInput) (*grantConstraints, error) {
	if err := checkGrantOperations(in.Operations); err != nil {
		return nil, err
	}
	if in.GranteePrincipal == nil && in.GranteeServicePrincipal == nil {
		return nil, validationNull("granteePrincipal")
	}
	if in.GranteePrincipal != nil && in.GranteeServicePrincipal != nil {
		// Unverified against AWS: the model says "not both".
		return nil, validationPlain("You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.")
	}
	if in.RetiringPrincipal != nil && in.RetiringServicePrincipal != nil {
		// Unverified against AWS: the model says "not both".
		return nil, validationPlain("You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.")
	}
	for _, p := range []struct {
		field string
		v     *string
	}{
		{"granteePrincipal", in.GranteePrincipal},
		{"granteeServicePrincipal", in.GranteeServicePrincipal},
		{"retiringPrincipal", in.RetiringPrincipal},
		{"retiringServicePrincipal", in.RetiringServicePrincipal},
	} {
		if err := checkPrincipal(p.field, p.v); err != nil {
			return nil, err
		}
	}
	if err := checkGrantName(in.Name); err != nil {
		return nil, err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	cons, err := checkGrantConstraints(in.Constraints)
	if err != nil {
		return nil, err
	}
	if in.GranteeServicePrincipal != nil && (cons == nil || cons.SourceArn == "") {
		// Unverified against AWS: the model requires a SourceArn constraint
		// with a service principal.
		return nil, validationPlain("A SourceArn grant constraint is required when you specify a GranteeServicePrincipal.")
	}
	return cons, checkKeyIDMember("keyId", in.KeyId)
}

// newKey is what CreateKey's step 1 makes of the request.
type newKey struct {
	spec   types.KeySpec
	usage  types.KeyUsageType
	origin types.OriginType
	tags   []types.Tag
}

func validateCreateKey(in *kms.CreateKeyInput) (newKey, error) {
	if err := optionalMember("description", in.Description, 0, maxDescription, nil, ""); err != nil {
		return newKey{}, err
	}
	if in.Policy != nil {
		if err := checkPolicy(*in.Policy); err != nil {
			return newKey{}, err
		}
	}
	if err := checkCreateKeyStore(in); err != nil {
		return newKey{}, err
	}
	spec, usage, origin, err := checkKeySpec(in.KeySpec, in.CustomerMasterKeySpec, in.KeyUsage, in.Origin)
	if err != nil {
		return newKey{}, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return newKey{}, err
	}
	return newKey{spec: spec, usage: usage, origin: origin, tags: tags}, nil
}

func validateDecapsulate(in *kms.DecapsulateInput) error {
	if err := checkEncapsulationAlgorithm(in.EncapsulationAlgorithm); err != nil {
		return err
	}
	if err := requiredBlob("sharedSecretCiphertextBlob", in.SharedSecretCiphertextBlob, maxCiphertext); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDecrypt(in *kms.DecryptInput) error {
	if err := checkCiphertextBlob(in.CiphertextBlob); err != nil {
		return err
	}
	if err := checkEncryptionAlgorithm("encryptionAlgorithm", in.EncryptionAlgorithm); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	if err := checkDryRunModifiers(in.DryRunModifiers); err != nil {
		return err
	}
	return optionalKeyIDMember("keyId", in.KeyId)
}

func validateDeleteAlias(in *kms.DeleteAliasInput) error {
	return checkAliasName("aliasName", in.AliasName)
}

func validateDeleteCustomKeyStore(in *kms.DeleteCustomKeyStoreInput) error {
	return checkCustomKeyStoreID(in.CustomKeyStoreId)
}

func validateDeleteImportedKeyMaterial(in *kms.DeleteImportedKeyMaterialInput) error {
	if in.KeyMaterialId != nil {
		if err := checkMaterialID(*in.KeyMaterialId); err != nil {
			return err
		}
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDeriveSharedSecret(in *kms.DeriveSharedSecretInput) error {
	if err := requiredEnum("keyAgreementAlgorithm", in.KeyAgreementAlgorithm, types.KeyAgreementAlgorithmSpec("").Values()); err != nil {
		return err
	}
	if err := requiredBlob("publicKey", in.PublicKey, maxPublicKey); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDescribeCustomKeyStores(in *kms.DescribeCustomKeyStoresInput) error {
	if err := optionalMember("customKeyStoreId", in.CustomKeyStoreId, 1, 64, nil, ""); err != nil {
		return err
	}
	if err := optionalMember("customKeyStoreName", in.CustomKeyStoreName, 1, 256, nil, ""); err != nil {
		return err
	}
	_, err := parsePage(in.Limit, in.Marker, 1000, 100)
	return err
}

func validateDescribeKey(in *kms.DescribeKeyInput) error {
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDisableKey(in *kms.DisableKeyInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDisableKeyRotation(in *kms.DisableKeyRotationInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateDisconnectCustomKeyStore(in *kms.DisconnectCustomKeyStoreInput) error {
	return checkCustomKeyStoreID(in.CustomKeyStoreId)
}

func validateEnableKey(in *kms.EnableKeyInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateEnableKeyRotation(in *kms.EnableKeyRotationInput) error {
	if in.RotationPeriodInDays != nil {
		if err := validationRange("rotationPeriodInDays", *in.RotationPeriodInDays, minRotationPeriod, maxRotationPeriod); err != nil {
			return err
		}
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateEncapsulate(in *kms.EncapsulateInput) error {
	if err := checkEncapsulationAlgorithm(in.EncapsulationAlgorithm); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateEncrypt(in *kms.EncryptInput) error {
	if err := requiredBlob("plaintext", in.Plaintext, maxPlaintext); err != nil {
		return err
	}
	if err := checkEncryptionAlgorithm("encryptionAlgorithm", in.EncryptionAlgorithm); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

// validateGenerateDataKey is the step of GenerateDataKey and
// GenerateDataKeyWithoutPlaintext; it also answers the data key's size.
func validateGenerateDataKey(keyID *string, spec types.DataKeySpec, n *int32, grantTokens []string) (int, error) {
	size, err := dataKeySize(spec, n)
	if err != nil {
		return 0, err
	}
	if err := checkGrantTokens(grantTokens); err != nil {
		return 0, err
	}
	return size, checkKeyIDMember("keyId", keyID)
}

// validateDataKeyPair is the step of GenerateDataKeyPair and
// GenerateDataKeyPairWithoutPlaintext.
func validateDataKeyPair(keyID *string, spec types.DataKeyPairSpec, grantTokens []string) error {
	if err := requiredEnum("keyPairSpec", spec, types.DataKeyPairSpec("").Values()); err != nil {
		return err
	}
	if err := checkGrantTokens(grantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", keyID)
}

func validateGenerateMac(in *kms.GenerateMacInput) error {
	if err := checkMacInput(in.Message, in.MacAlgorithm, in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateGenerateRandom(in *kms.GenerateRandomInput) error {
	if in.NumberOfBytes == nil {
		return validationPlain("NumberOfBytes is required.")
	}
	if err := validationRange("numberOfBytes", *in.NumberOfBytes, 1, maxRandom); err != nil {
		return err
	}
	return optionalMember("customKeyStoreId", in.CustomKeyStoreId, 1, 64, nil, "")
}

func validateGetKeyLastUsage(in *kms.GetKeyLastUsageInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateGetKeyPolicy(in *kms.GetKeyPolicyInput) error {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateGetKeyRotationStatus(in *kms.GetKeyRotationStatusInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateGetParametersForImport(in *kms.GetParametersForImportInput) error {
	if err := checkWrapping(in.WrappingAlgorithm, in.WrappingKeySpec); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateGetPublicKey(in *kms.GetPublicKeyInput) error {
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateImportKeyMaterial(in *kms.ImportKeyMaterialInput) error {
	if err := requiredBlob("importToken", in.ImportToken, maxImportBlob); err != nil {
		return err
	}
	if err := requiredBlob("encryptedKeyMaterial", in.EncryptedKeyMaterial, maxImportBlob); err != nil {
		return err
	}
	if err := validationEnum("expirationModel", in.ExpirationModel, types.ExpirationModelType("").Values()); err != nil {
		return err
	}
	if err := validationEnum("importType", in.ImportType, types.ImportType("").Values()); err != nil {
		return err
	}
	if err := optionalMember("keyMaterialDescription", in.KeyMaterialDescription, 0, 256, nil, ""); err != nil {
		return err
	}
	if in.KeyMaterialId != nil {
		if err := checkMaterialID(*in.KeyMaterialId); err != nil {
			return err
		}
		if in.ImportType == types.ImportTypeNewKeyMaterial {
			// A rule between members: before the key (checkorder.go).
			return validationPlain("Input parameter keyMaterialId cannot be used with NEW_KEY_MATERIAL importType.")
		}
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateListAliases(in *kms.ListAliasesInput) (page, error) {
	p, err := parsePage(in.Limit, in.Marker, 100, 100)
	if err != nil {
		return page{}, err
	}
	return p, optionalKeyIDMember("keyId", in.KeyId)
}

func validateListGrants(in *kms.ListGrantsInput) (page, error) {
	p, err := parsePage(in.Limit, in.Marker, 100, 50)
	if err != nil {
		return page{}, err
	}
	if err := optionalMember("grantId", in.GrantId, 1, 128, nil, ""); err != nil {
		return page{}, err
	}
	if err := checkPrincipal("granteePrincipal", in.GranteePrincipal); err != nil {
		return page{}, err
	}
	if err := checkPrincipal("granteeServicePrincipal", in.GranteeServicePrincipal); err != nil {
		return page{}, err
	}
	return p, checkKeyIDMember("keyId", in.KeyId)
}

func validateListKeyPolicies(in *kms.ListKeyPoliciesInput) (page, error) {
	p, err := parsePage(in.Limit, in.Marker, 1000, 100)
	if err != nil {
		return page{}, err
	}
	return p, checkKeyIDMember("keyId", in.KeyId)
}

func validateListKeyRotations(in *kms.ListKeyRotationsInput) (page, error) {
	if err := validationEnum("includeKeyMaterial", in.IncludeKeyMaterial, types.IncludeKeyMaterial("").Values()); err != nil {
		return page{}, err
	}
	p, err := parsePage(in.Limit, in.Marker, 1000, 100)
	if err != nil {
		return page{}, err
	}
	return p, checkKeyIDMember("keyId", in.KeyId)
}

func validateListKeys(in *kms.ListKeysInput) (page, error) {
	return parsePage(in.Limit, in.Marker, 1000, 100)
}

func validateListResourceTags(in *kms.ListResourceTagsInput) (page, error) {
	p, err := parsePage(in.Limit, in.Marker, 50, 50)
	if err != nil {
		return page{}, err
	}
	return p, checkKeyIDMember("keyId", in.KeyId)
}

func validateListRetirableGrants(in *kms.ListRetirableGrantsInput) (page, error) {
	if in.RetiringPrincipal == nil && in.RetiringServicePrincipal == nil {
		return page{}, validationNull("retiringPrincipal")
	}
	if err := checkPrincipal("retiringPrincipal", in.RetiringPrincipal); err != nil {
		return page{}, err
	}
	if err := checkPrincipal("retiringServicePrincipal", in.RetiringServicePrincipal); err != nil {
		return page{}, err
	}
	return parsePage(in.Limit, in.Marker, 100, 50)
}

func validatePutKeyPolicy(in *kms.PutKeyPolicyInput) error {
	if in.Policy == nil {
		return validationNull("policy")
	}
	if err := checkPolicyName(in.PolicyName); err != nil {
		return err
	}
	if err := checkPolicy(*in.Policy); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateReEncrypt(in *kms.ReEncryptInput) error {
	if err := checkCiphertextBlob(in.CiphertextBlob); err != nil {
		return err
	}
	if in.DestinationKeyId == nil {
		return validationNull("destinationKeyId")
	}
	if err := checkEncryptionAlgorithm("sourceEncryptionAlgorithm", in.SourceEncryptionAlgorithm); err != nil {
		return err
	}
	if err := checkEncryptionAlgorithm("destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm); err != nil {
		return err
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return err
	}
	if err := checkDryRunModifiers(in.DryRunModifiers); err != nil {
		return err
	}
	if err := optionalKeyIDMember("sourceKeyId", in.SourceKeyId); err != nil {
		return err
	}
	return checkKeyIDMember("destinationKeyId", in.DestinationKeyId)
}

// validateReplicateKey also answers the replica's checked tags.
func validateReplicateKey(in *kms.ReplicateKeyInput) ([]types.Tag, error) {
	if err := checkRegion("replicaRegion", in.ReplicaRegion); err != nil {
		return nil, err
	}
	if err := optionalMember("description", in.Description, 0, maxDescription, nil, ""); err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if err := checkPolicy(*in.Policy); err != nil {
			return nil, err
		}
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	return tags, checkKeyIDMember("keyId", in.KeyId)
}

func validateRetireGrant(in *kms.RetireGrantInput) error {
	if err := optionalMember("grantToken", in.GrantToken, 1, 8192, nil, ""); err != nil {
		return err
	}
	if in.GrantId != nil {
		if err := checkGrantID(in.GrantId); err != nil {
			return err
		}
	}
	if in.GrantToken == nil && (in.KeyId == nil || in.GrantId == nil) {
		// Unverified against AWS: the most plausible text.
		return validationPlain("Either GrantToken, or both KeyId and GrantId, must be specified.")
	}
	return optionalKeyIDMember("keyId", in.KeyId)
}

func validateRevokeGrant(in *kms.RevokeGrantInput) error {
	if err := checkGrantID(in.GrantId); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateRotateKeyOnDemand(in *kms.RotateKeyOnDemandInput) error {
	return checkKeyIDMember("keyId", in.KeyId)
}

// validateScheduleKeyDeletion also answers the waiting period in days.
func validateScheduleKeyDeletion(in *kms.ScheduleKeyDeletionInput) (int32, error) {
	window := int32(defaultPendingWindow)
	if in.PendingWindowInDays != nil {
		window = *in.PendingWindowInDays
		// The API model's range first, then KMS's own (captured) rule.
		if err := validationRange("pendingWindowInDays", window, 1, 365); err != nil {
			return 0, err
		}
		if window < 7 || window > 30 {
			return 0, validationPlain("PendingWindowInDays must be between 7 and 30")
		}
	}
	return window, checkKeyIDMember("keyId", in.KeyId)
}

func validateSign(in *kms.SignInput) error {
	if err := checkSigningInput(in.Message, in.SigningAlgorithm, in.MessageType, in.GrantTokens); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateTagResource(in *kms.TagResourceInput) error {
	if in.Tags == nil {
		return validationNull("tags")
	}
	if _, err := mergeTags(nil, in.Tags); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateUntagResource(in *kms.UntagResourceInput) error {
	if in.TagKeys == nil {
		return validationNull("tagKeys")
	}
	for i := range in.TagKeys {
		if err := checkTagKey(fmt.Sprintf("tagKeys.%d.member", i+1), &in.TagKeys[i]); err != nil {
			return err
		}
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateUpdateAlias(in *kms.UpdateAliasInput) error {
	if err := checkAliasName("aliasName", in.AliasName); err != nil {
		return err
	}
	return checkKeyIDMember("targetKeyId", in.TargetKeyId)
}

func validateUpdateCustomKeyStore(in *kms.UpdateCustomKeyStoreInput) error {
	if err := checkCustomKeyStoreID(in.CustomKeyStoreId); err != nil {
		return err
	}
	if err := optionalMember("newCustomKeyStoreName", in.NewCustomKeyStoreName, 1, 256, nil, ""); err != nil {
		return err
	}
	if in.KeyStorePassword != nil {
		if err := validationBlobLen("keyStorePassword", len(*in.KeyStorePassword), 7, 32); err != nil {
			return err
		}
	}
	if err := optionalMember("cloudHsmClusterId", in.CloudHsmClusterId, 19, 24, nil, ""); err != nil {
		return err
	}
	if err := checkXksProxyMembers(in.XksProxyUriEndpoint, in.XksProxyUriPath, in.XksProxyVpcEndpointServiceName); err != nil {
		return err
	}
	return validationEnum("xksProxyConnectivity", in.XksProxyConnectivity, types.XksProxyConnectivityType("").Values())
}

func validateUpdateKeyDescription(in *kms.UpdateKeyDescriptionInput) error {
	if in.Description == nil {
		return validationNull("description")
	}
	if err := validationLen("description", *in.Description, 0, maxDescription); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateUpdatePrimaryRegion(in *kms.UpdatePrimaryRegionInput) error {
	if err := checkRegion("primaryRegion", in.PrimaryRegion); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateVerify(in *kms.VerifyInput) error {
	if err := checkSigningInput(in.Message, in.SigningAlgorithm, in.MessageType, in.GrantTokens); err != nil {
		return err
	}
	if err := requiredBlob("signature", in.Signature, maxSignature); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}

func validateVerifyMac(in *kms.VerifyMacInput) error {
	if err := checkMacInput(in.Message, in.MacAlgorithm, in.GrantTokens); err != nil {
		return err
	}
	if err := requiredBlob("mac", in.Mac, maxMac); err != nil {
		return err
	}
	return checkKeyIDMember("keyId", in.KeyId)
}
