package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/gate"
)

// validFirstCase is one operation's pair of requests for
// TestGateValidatesBeforeItRefusesEveryOperation: an invalid one (the
// refused caller must get exactly the allowed caller's answer) and a valid
// one (the refused caller must get AWS's AccessDeniedException).
type validFirstCase struct {
	op, name string
	invalid  func(*kms.Client) error
	valid    func(*kms.Client) error
	// action and resource of the valid request's denial.
	action, resource string
}

// TestGateValidatesBeforeItRefusesEveryOperation: KMS validates a request
// before it authorizes it. For every operation, an invalid request of a
// caller the policies refuse (the grantee principal: no identity policy)
// answers exactly what an allowed caller (admin: kms:*) gets, code and
// message, and leaves no denial in the decision ring or log; a valid
// request of the same caller is still refused with AWS's text, and that
// denial is recorded. Every operation without a DryRun member has a case
// (the test fails when kmsgate.Backend gains one without), and so do some
// with one (their validation used to come after the denial was recorded).
func TestGateValidatesBeforeItRefusesEveryOperation(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin, refused := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	key, keyARN := aws.ToString(k.KeyId), aws.ToString(k.Arn)
	must(admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/valfirst"), TargetKeyId: k.KeyId}))(t)
	blob := must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")}))(t).CiphertextBlob
	aliasARN := func(name string) string { return "arn:aws:kms:" + testRegion + ":" + testAccount + ":" + name }
	longID := aws.String(strings.Repeat("k", 2049)) // over KeyId's 2048 characters
	grantID := aws.String(strings.Repeat("ab", 32))
	onKey := func(op string) (string, string) { return "kms:" + op, keyARN }
	anyRes := func(op string) (string, string) { return "kms:" + op, "*" }
	c := func(op, name string, invalid, valid func(*kms.Client) error, denial func(string) (string, string)) validFirstCase {
		tc := validFirstCase{op: op, name: name, invalid: invalid, valid: valid}
		if denial != nil {
			tc.action, tc.resource = denial(op)
		}
		return tc
	}
	cases := []validFirstCase{
		c("CancelKeyDeletion", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &key})
			return err
		}, onKey),
		c("ConnectCustomKeyStore", "an empty CustomKeyStoreId", func(cl *kms.Client) error {
			_, err := cl.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		}, anyRes),
		c("CreateAlias", "an alias name outside the pattern", func(cl *kms.Client) error {
			_, err := cl.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/bad!"), TargetKeyId: &key})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/valfirst-new"), TargetKeyId: &key})
			return err
		}, func(op string) (string, string) { return "kms:" + op, aliasARN("alias/valfirst-new") }),
		c("CreateAlias", "a missing target key and a TargetKeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/valfirst-new"), TargetKeyId: longID})
			return err
		}, nil, nil),
		c("CreateCustomKeyStore", "a key store password shorter than 7", func(cl *kms.Client) error {
			_, err := cl.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("store"), KeyStorePassword: aws.String("abc")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("store"),
				CustomKeyStoreType: types.CustomKeyStoreTypeAwsCloudhsm, CloudHsmClusterId: aws.String("cluster-1234567890a")})
			return err
		}, anyRes),
		c("CreateKey", "an unknown KeySpec", func(cl *kms.Client) error {
			_, err := cl.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: "NOPE"})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.CreateKey(ctx, &kms.CreateKeyInput{})
			return err
		}, anyRes),
		c("CreateKey", "a reserved aws: tag (TagException)", func(cl *kms.Client) error {
			_, err := cl.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("aws:team"), TagValue: aws.String("a")}}})
			return err
		}, nil, nil),
		c("DeleteAlias", "an alias name outside the pattern", func(cl *kms.Client) error {
			_, err := cl.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/bad!")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/valfirst")})
			return err
		}, func(op string) (string, string) { return "kms:" + op, aliasARN("alias/valfirst") }),
		c("DeleteCustomKeyStore", "an empty CustomKeyStoreId", func(cl *kms.Client) error {
			_, err := cl.DeleteCustomKeyStore(ctx, &kms.DeleteCustomKeyStoreInput{CustomKeyStoreId: aws.String("")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DeleteCustomKeyStore(ctx, &kms.DeleteCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		}, anyRes),
		c("DeleteImportedKeyMaterial", "a malformed KeyMaterialId", func(cl *kms.Client) error {
			_, err := cl.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &key, KeyMaterialId: aws.String("nope")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &key})
			return err
		}, onKey),
		c("DescribeCustomKeyStores", "a Limit of 0", func(cl *kms.Client) error {
			_, err := cl.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{Limit: aws.Int32(0)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{})
			return err
		}, anyRes),
		c("DescribeKey", "11 grant tokens", func(cl *kms.Client) error {
			_, err := cl.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &key, GrantTokens: make([]string, 11)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &key})
			return err
		}, onKey),
		c("DisableKey", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.DisableKey(ctx, &kms.DisableKeyInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &key})
			return err
		}, onKey),
		c("DisableKeyRotation", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: &key})
			return err
		}, onKey),
		c("DisconnectCustomKeyStore", "an empty CustomKeyStoreId", func(cl *kms.Client) error {
			_, err := cl.DisconnectCustomKeyStore(ctx, &kms.DisconnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.DisconnectCustomKeyStore(ctx, &kms.DisconnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		}, anyRes),
		c("EnableKey", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.EnableKey(ctx, &kms.EnableKeyInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &key})
			return err
		}, onKey),
		c("EnableKeyRotation", "a RotationPeriodInDays below 90", func(cl *kms.Client) error {
			_, err := cl.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: &key, RotationPeriodInDays: aws.Int32(10)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: &key})
			return err
		}, onKey),
		c("GenerateRandom", "a NumberOfBytes over 1024", func(cl *kms.Client) error {
			_, err := cl.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(2000)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(32)})
			return err
		}, anyRes),
		c("GetKeyLastUsage", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: &key})
			return err
		}, onKey),
		c("GetKeyPolicy", "a PolicyName outside the pattern", func(cl *kms.Client) error {
			_, err := cl.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &key, PolicyName: aws.String("bad name")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &key})
			return err
		}, onKey),
		c("GetKeyRotationStatus", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &key})
			return err
		}, onKey),
		c("GetParametersForImport", "an unknown WrappingAlgorithm", func(cl *kms.Client) error {
			_, err := cl.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: &key, WrappingAlgorithm: "NOPE", WrappingKeySpec: types.WrappingKeySpecRsa2048})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: &key, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			return err
		}, onKey),
		c("GetPublicKey", "11 grant tokens", func(cl *kms.Client) error {
			_, err := cl.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &key, GrantTokens: make([]string, 11)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &key})
			return err
		}, onKey),
		c("ImportKeyMaterial", "an unknown ImportType", func(cl *kms.Client) error {
			_, err := cl.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: &key, ImportToken: []byte("t"), EncryptedKeyMaterial: []byte("m"), ImportType: "NOPE"})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: &key, ImportToken: []byte("t"), EncryptedKeyMaterial: []byte("m"),
				ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
			return err
		}, onKey),
		c("ImportKeyMaterial", "an unknown ExpirationModel", func(cl *kms.Client) error {
			_, err := cl.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: &key, ImportToken: []byte("t"), EncryptedKeyMaterial: []byte("m"), ExpirationModel: "NOPE"})
			return err
		}, nil, nil),
		c("ListAliases", "a Limit of 0", func(cl *kms.Client) error {
			_, err := cl.ListAliases(ctx, &kms.ListAliasesInput{Limit: aws.Int32(0)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListAliases(ctx, &kms.ListAliasesInput{})
			return err
		}, anyRes),
		c("ListGrants", "a Limit of 0", func(cl *kms.Client) error {
			_, err := cl.ListGrants(ctx, &kms.ListGrantsInput{KeyId: &key, Limit: aws.Int32(0)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListGrants(ctx, &kms.ListGrantsInput{KeyId: &key})
			return err
		}, onKey),
		c("ListGrants", "a missing key and a Limit of 0", func(cl *kms.Client) error {
			_, err := cl.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String("11111111-2222-4333-8444-555555555555"), Limit: aws.Int32(0)})
			return err
		}, nil, nil),
		c("ListKeyPolicies", "a Limit over 1000", func(cl *kms.Client) error {
			_, err := cl.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: &key, Limit: aws.Int32(1001)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: &key})
			return err
		}, onKey),
		c("ListKeyRotations", "an unknown IncludeKeyMaterial", func(cl *kms.Client) error {
			_, err := cl.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: &key, IncludeKeyMaterial: "NOPE"})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: &key})
			return err
		}, onKey),
		c("ListKeys", "a Limit of 0", func(cl *kms.Client) error {
			_, err := cl.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(0)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListKeys(ctx, &kms.ListKeysInput{})
			return err
		}, anyRes),
		c("ListResourceTags", "a Marker longer than 1024", func(cl *kms.Client) error {
			_, err := cl.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &key, Marker: aws.String(strings.Repeat("m", 1025))})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &key})
			return err
		}, onKey),
		c("ListRetirableGrants", "a RetiringPrincipal outside the pattern", func(cl *kms.Client) error {
			_, err := cl.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String("bad principal!")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(granteeARN)})
			return err
		}, anyRes),
		c("PutKeyPolicy", "a PolicyName outside the pattern", func(cl *kms.Client) error {
			_, err := cl.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &key, Policy: aws.String(`{"Statement":[]}`), PolicyName: aws.String("bad name")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &key, PolicyName: aws.String("default"),
				Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`)})
			return err
		}, onKey),
		c("PutKeyPolicy", "a policy that is not JSON (MalformedPolicyDocumentException)", func(cl *kms.Client) error {
			_, err := cl.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &key, Policy: aws.String("not json")})
			return err
		}, nil, nil),
		c("ReplicateKey", "a ReplicaRegion outside the pattern", func(cl *kms.Client) error {
			_, err := cl.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: &key, ReplicaRegion: aws.String("not a region!")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: &key, ReplicaRegion: aws.String("eu-west-1")})
			return err
		}, onKey),
		c("RotateKeyOnDemand", "a KeyId longer than 2048", func(cl *kms.Client) error {
			_, err := cl.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: longID})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: &key})
			return err
		}, onKey),
		c("ScheduleKeyDeletion", "a PendingWindowInDays below 7", func(cl *kms.Client) error {
			_, err := cl.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &key, PendingWindowInDays: aws.Int32(3)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &key, PendingWindowInDays: aws.Int32(7)})
			return err
		}, onKey),
		c("TagResource", "a tag value longer than 256", func(cl *kms.Client) error {
			_, err := cl.TagResource(ctx, &kms.TagResourceInput{KeyId: &key, Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String(strings.Repeat("v", 257))}}})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.TagResource(ctx, &kms.TagResourceInput{KeyId: &key, Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("a")}}})
			return err
		}, onKey),
		c("TagResource", "a reserved aws: tag key (TagException)", func(cl *kms.Client) error {
			_, err := cl.TagResource(ctx, &kms.TagResourceInput{KeyId: &key, Tags: []types.Tag{{TagKey: aws.String("AWS:team"), TagValue: aws.String("a")}}})
			return err
		}, nil, nil),
		c("UntagResource", "an empty tag key", func(cl *kms.Client) error {
			_, err := cl.UntagResource(ctx, &kms.UntagResourceInput{KeyId: &key, TagKeys: []string{""}})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.UntagResource(ctx, &kms.UntagResourceInput{KeyId: &key, TagKeys: []string{"team"}})
			return err
		}, onKey),
		c("UpdateAlias", "a name without alias/", func(cl *kms.Client) error {
			_, err := cl.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/bad!"), TargetKeyId: &key})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/valfirst"), TargetKeyId: &key})
			return err
		}, func(op string) (string, string) { return "kms:" + op, aliasARN("alias/valfirst") }),
		c("UpdateCustomKeyStore", "an empty CustomKeyStoreId", func(cl *kms.Client) error {
			_, err := cl.UpdateCustomKeyStore(ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: aws.String("")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.UpdateCustomKeyStore(ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		}, anyRes),
		c("UpdateKeyDescription", "a Description longer than 8192", func(cl *kms.Client) error {
			_, err := cl.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: &key, Description: aws.String(strings.Repeat("d", 8193))})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: &key, Description: aws.String("d")})
			return err
		}, onKey),
		c("UpdatePrimaryRegion", "a PrimaryRegion outside the pattern", func(cl *kms.Client) error {
			_, err := cl.UpdatePrimaryRegion(ctx, &kms.UpdatePrimaryRegionInput{KeyId: &key, PrimaryRegion: aws.String("not a region!")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.UpdatePrimaryRegion(ctx, &kms.UpdatePrimaryRegionInput{KeyId: &key, PrimaryRegion: aws.String("eu-west-1")})
			return err
		}, onKey),
		// Operations with a DryRun member: validation used to be answered
		// after the denial was recorded.
		c("GenerateDataKey", "a NumberOfBytes over 1024", func(cl *kms.Client) error {
			_, err := cl.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &key, NumberOfBytes: aws.Int32(2000)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &key, NumberOfBytes: aws.Int32(32)})
			return err
		}, onKey),
		c("Encrypt", "a Plaintext over 4096 bytes", func(cl *kms.Client) error {
			_, err := cl.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/valfirst"), Plaintext: make([]byte, 4097)})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/valfirst"), Plaintext: []byte("x")})
			return err
		}, onKey),
		c("Decrypt", "an unknown EncryptionAlgorithm", func(cl *kms.Client) error {
			_, err := cl.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: "NOPE"})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		}, onKey),
		c("RevokeGrant", "a malformed GrantId", func(cl *kms.Client) error {
			_, err := cl.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &key, GrantId: aws.String("nope")})
			return err
		}, func(cl *kms.Client) error {
			_, err := cl.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &key, GrantId: grantID})
			return err
		}, onKey),
	}

	// Every operation without a DryRun member has a case.
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.op] = true
	}
	bt := reflect.TypeOf((*kmsgate.Backend)(nil)).Elem()
	for i := range bt.NumMethod() {
		m := bt.Method(i)
		if _, dry := m.Type.In(1).Elem().FieldByName("DryRun"); !dry && !covered[m.Name] {
			t.Errorf("kmsgate.Backend's %s has no case here: give it an invalid and a valid request", m.Name)
		}
	}

	ring := func() int { return len(in.decisions(t, "1000")) }
	apiError := func(t *testing.T, who string, err error) smithy.APIError {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: got %v, want an API error", who, err)
		}
		return ae
	}
	for _, tc := range cases {
		t.Run(tc.op+" with "+tc.name, func(t *testing.T) {
			before := ring()
			want := apiError(t, "the allowed caller's invalid request", tc.invalid(admin))
			if want.ErrorCode() == "AccessDeniedException" {
				t.Fatalf("the allowed caller's invalid request: got %s %q, want an input error", want.ErrorCode(), want.ErrorMessage())
			}
			got := apiError(t, "the refused caller's invalid request", tc.invalid(refused))
			if got.ErrorCode() != want.ErrorCode() || got.ErrorMessage() != want.ErrorMessage() {
				t.Fatalf("the refused caller's invalid request: got %s %q, want %s %q (the allowed caller's answer)",
					got.ErrorCode(), got.ErrorMessage(), want.ErrorCode(), want.ErrorMessage())
			}
			if after := ring(); after != before {
				t.Fatalf("got %d decisions after the invalid requests, want %d (no denial recorded for a validation error)", after, before)
			}
			if tc.valid == nil {
				return
			}
			wantAPIError(t, tc.valid(refused), "AccessDeniedException", "User: "+granteeARN+" is not authorized to perform: "+tc.action+
				" on resource: "+tc.resource+" because no identity-based policy allows the "+tc.action+" action")
			recs := in.decisions(t, "1")
			if after := ring(); after != before+1 || len(recs) != 1 || recs[0].Operation != tc.op || recs[0].Principal != granteeARN || !recs[0].Enforced {
				t.Fatalf("got %d decisions (newest %+v), want %d: the enforced denial of %s", after, recs, before+1, tc.op)
			}
		})
	}
}

// TestGateValidatesBeforeItRefusesInProxyMode: in proxy mode the gate
// answers a refused invalid request from kmsgate's own step 1 (the
// emulator's rules, no store needed), with the text the upstream gives an
// allowed caller, and the refused request never goes upstream (not even
// as a DryRun): the upstream, recording every call it gets, sees none.
func TestGateValidatesBeforeItRefusesInProxyMode(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	upstreamPrincipals := filepath.Join(dir, "upstream.yaml")
	if err := os.WriteFile(filepath.Join(dir, "all.json"), []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(upstreamPrincipals, []byte(`principals:
  - arn: arn:aws:iam::`+testAccount+`:user/kmsgate-proxy
    accessKeys:
      - id: `+proxyAccessKeyID+`
        secret: `+proxySecretAccessKey+`
    policies: [all.json]
    admin: true
`), 0o600); err != nil {
		t.Fatal(err)
	}
	upstream := start(t, withGate(gate.Record, upstreamPrincipals, ""))
	px := startProxy(t, upstream.srv.URL(), withGate(gate.Enforce, gateFiles(t), ""))
	through := &instance{srv: px}
	admin, refused := through.clientAs("AKIAADMIN", "admin-secret"), through.clientAs("AKIAGRANTEE", "grantee-secret")
	key := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId
	// Every request the upstream answers, valid or not (its decision
	// ring would not do: record mode keeps no decision for an invalid
	// request, so a forwarded invalid request would leave no trace there).
	upstreamCalls := func() int { return requestsAnswered(t, upstream.srv.URL()) }

	for _, tc := range []struct {
		name           string
		invalid, valid func(*kms.Client) error
	}{
		{"GenerateDataKey (a DryRun operation) with a NumberOfBytes over 1024", func(c *kms.Client) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key, NumberOfBytes: aws.Int32(2000)})
			return err
		}, func(c *kms.Client) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key, NumberOfBytes: aws.Int32(32)})
			return err
		}},
		{"TagResource with a tag value longer than 256", func(c *kms.Client) error {
			_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: key, Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String(strings.Repeat("v", 257))}}})
			return err
		}, func(c *kms.Client) error {
			_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: key, Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("a")}}})
			return err
		}},
		{"ScheduleKeyDeletion with a PendingWindowInDays below 7", func(c *kms.Client) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key, PendingWindowInDays: aws.Int32(3)})
			return err
		}, func(c *kms.Client) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key, PendingWindowInDays: aws.Int32(7)})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want smithy.APIError
			sent := upstreamCalls()
			if err := tc.invalid(admin); !errors.As(err, &want) || want.ErrorCode() != "ValidationException" {
				t.Fatalf("the allowed caller (answered by the upstream): got %v, want ValidationException", err)
			}
			if got := upstreamCalls() - sent; got < 1 {
				// At least the request itself (the proxy may also read the
				// key's facts upstream the first time).
				t.Fatalf("the upstream counted %d calls for the allowed caller's invalid request, want at least 1 (the count must see invalid requests)", got)
			}
			// The refused caller's valid request: denied at the proxy (and
			// the key's facts are in the proxy's cache from here on).
			wantAPIError(t, tc.valid(refused), "AccessDeniedException", "-")
			before := upstreamCalls()
			wantAPIError(t, tc.invalid(refused), want.ErrorCode(), want.ErrorMessage())
			if after := upstreamCalls(); after != before {
				t.Fatalf("the upstream got %d calls for the refused invalid request, want none", after-before)
			}
		})
	}
}

// requestsAnswered is the sum of kmsgate_requests_total on the server at
// url: every KMS request it answered, whatever the answer.
func requestsAnswered(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(page), "\n") {
		if !strings.HasPrefix(line, "kmsgate_requests_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("GET /metrics: %q: %v", line, err)
		}
		n += int(v)
	}
	return n
}

// TestGateRecordsNothingForAnInvalidRequest: in dry-run and record mode an
// invalid request answers its validation error (what the backend answers)
// and leaves no decision in the ring, whether the caller is refused (no
// would-deny: AWS would not have denied it) or allowed (record mode keeps
// allowed decisions, and KMS makes none on an invalid request); a valid
// request is served and recorded as the mode says.
func TestGateRecordsNothingForAnInvalidRequest(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []gate.Mode{gate.DryRun, gate.Record} {
		t.Run(mode.String(), func(t *testing.T) {
			in := start(t, withGate(mode, gateFiles(t), ""))
			admin, refused := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
			key := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId
			description := func(c *kms.Client, d string) error {
				_, err := c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: key, Description: aws.String(d)})
				return err
			}
			gdk := func(c *kms.Client, n int32) error {
				_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key, NumberOfBytes: aws.Int32(n)})
				return err
			}
			tooLong := strings.Repeat("d", 8193)
			zero := "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
			allowedRecorded := 0
			if mode == gate.Record {
				allowedRecorded = 1
			}
			for _, tc := range []struct {
				name     string
				call     func() error
				code     string
				msg      string
				recorded int
			}{
				{"the refused caller's invalid UpdateKeyDescription", func() error { return description(refused, tooLong) }, "ValidationException", "-", 0},
				{"the allowed caller's invalid UpdateKeyDescription", func() error { return description(admin, tooLong) }, "ValidationException", "-", 0},
				{"the refused caller's invalid GenerateDataKey", func() error { return gdk(refused, 0) }, "ValidationException", zero, 0},
				{"the allowed caller's invalid GenerateDataKey", func() error { return gdk(admin, 0) }, "ValidationException", zero, 0},
				{"the refused caller's valid UpdateKeyDescription is served, its would-deny recorded", func() error { return description(refused, "d") }, "", "", 1},
				{"the allowed caller's valid UpdateKeyDescription is served", func() error { return description(admin, "d") }, "", "", allowedRecorded},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := len(in.decisions(t, "1000"))
					err := tc.call()
					if tc.code == "" {
						if err != nil {
							t.Fatalf("got %v, want the call served (%s)", err, mode)
						}
					} else {
						wantAPIError(t, err, tc.code, tc.msg)
					}
					if got := len(in.decisions(t, "1000")) - before; got != tc.recorded {
						t.Fatalf("got %d decisions recorded, want %d", got, tc.recorded)
					}
				})
			}
		})
	}
}

// TestGateLogsPrincipalTagsAsWritten: aws:PrincipalTag/<key> appears in the
// decision log with the tag key as the principals file writes it (AWS's
// request context keeps a tag key's case), while a policy matches the
// condition key whatever its case (condition key names are
// case-insensitive in IAM, the tag key included).
func TestGateLogsPrincipalTagsAsWritten(t *testing.T) {
	ctx := context.Background()
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	dir := t.TempDir()
	principals := filepath.Join(dir, "principals.yaml")
	// The policy spells the tag key in lower case; the principals write it
	// Team (and CostCenter).
	policy := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
      "Condition": {"StringEquals": {"aws:principaltag/team": "payments"}}}]}`
	if err := os.WriteFile(principals, []byte(`principals:
  - arn: `+appARN+`
    accessKeys: [{id: AKIAAPP, secret: app-secret}]
    inlinePolicies: [`+policy+`]
    tags: {Team: payments, CostCenter: "42"}
  - arn: `+granteeARN+`
    accessKeys: [{id: AKIAGRANTEE, secret: grantee-secret}]
    inlinePolicies: [`+policy+`]
    tags: {TEAM: billing}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, withGate(gate.Record, principals, logPath))
	app, other := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	must(app.CreateKey(ctx, &kms.CreateKeyInput{}))(t) // record mode serves it either way
	must(other.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	lines := readJSONL(t, logPath)
	ring := in.decisions(t, "10")
	if len(lines) != 2 || len(ring) != 2 {
		t.Fatalf("got %d log lines and %d ring records, want 2 each", len(lines), len(ring))
	}
	for _, tc := range []struct {
		name     string
		i        int
		decision string
		tags     map[string]any
	}{
		{"the principal whose Team tag matches the lower-case condition key is allowed", 0, "Allow",
			map[string]any{"aws:PrincipalTag/Team": "payments", "aws:PrincipalTag/CostCenter": "42"}},
		{"the principal whose TEAM tag has another value is denied", 1, "ImplicitDeny",
			map[string]any{"aws:PrincipalTag/TEAM": "billing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for where, rec := range map[string]map[string]any{"the decision log": lines[tc.i].Context, "the ring": ring[tc.i].Context} {
				if got := []string{lines[tc.i].Decision, ring[tc.i].Decision}; got[0] != tc.decision || got[1] != tc.decision {
					t.Fatalf("got decisions %v, want %s", got, tc.decision)
				}
				var got map[string]any = map[string]any{}
				for k, v := range rec {
					if strings.HasPrefix(strings.ToLower(k), "aws:principaltag/") {
						got[k] = v
					}
				}
				if !reflect.DeepEqual(got, tc.tags) {
					t.Fatalf("%s: got principal tags %v, want %v (keys as the principals file writes them)", where, got, tc.tags)
				}
			}
		})
	}
}
