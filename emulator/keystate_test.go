package emulator_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// keyOps calls one operation on key id; blob is a ciphertext of that key.
func keyOps(e *env, id string, blob []byte) map[string]func() error {
	k := aws.String(id)
	return map[string]func() error{
		"Encrypt": func() error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: k, Plaintext: []byte("x")})
			return err
		},
		"Decrypt": func() error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		},
		"ReEncrypt": func() error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: k})
			return err
		},
		"GenerateDataKey": func() error {
			_, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: k, KeySpec: types.DataKeySpecAes256})
			return err
		},
		"GenerateDataKeyWithoutPlaintext": func() error {
			_, err := e.svc.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k, KeySpec: types.DataKeySpecAes128})
			return err
		},
		"EnableKeyRotation": func() error {
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: k})
			return err
		},
		"DisableKeyRotation": func() error {
			_, err := e.svc.DisableKeyRotation(e.ctx, &kms.DisableKeyRotationInput{KeyId: k})
			return err
		},
		"RotateKeyOnDemand": func() error {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: k})
			return err
		},
		"TagResource": func() error {
			_, err := e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: k, Tags: []types.Tag{tag("a", "b")}})
			return err
		},
		"UntagResource": func() error {
			_, err := e.svc.UntagResource(e.ctx, &kms.UntagResourceInput{KeyId: k, TagKeys: []string{"a"}})
			return err
		},
		"PutKeyPolicy": func() error {
			_, err := e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: k, Policy: aws.String(`{"Statement":{"Effect":"Allow"}}`)})
			return err
		},
		"UpdateKeyDescription": func() error {
			_, err := e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: k, Description: aws.String("d")})
			return err
		},
		"CreateAlias": func() error {
			_, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/state-" + id), TargetKeyId: k})
			return err
		},
		"DescribeKey": func() error {
			_, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: k})
			return err
		},
		"GetKeyPolicy": func() error {
			_, err := e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: k})
			return err
		},
		"ListKeyPolicies": func() error {
			_, err := e.svc.ListKeyPolicies(e.ctx, &kms.ListKeyPoliciesInput{KeyId: k})
			return err
		},
		"ListResourceTags": func() error {
			_, err := e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: k})
			return err
		},
		"GetKeyRotationStatus": func() error {
			_, err := e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: k})
			return err
		},
		"ListKeyRotations": func() error {
			_, err := e.svc.ListKeyRotations(e.ctx, &kms.ListKeyRotationsInput{KeyId: k})
			return err
		},
		"ListGrants": func() error {
			_, err := e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: k})
			return err
		},
		"ListAliases": func() error {
			_, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{KeyId: k})
			return err
		},
	}
}

func TestKeyStateRules(t *testing.T) {
	useOps := []string{"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"}
	manageOps := []string{"TagResource", "UntagResource", "PutKeyPolicy", "UpdateKeyDescription", "CreateAlias"}
	readOps := []string{"DescribeKey", "GetKeyPolicy", "ListKeyPolicies", "ListResourceTags", "GetKeyRotationStatus", "ListKeyRotations", "ListGrants", "ListAliases"}
	for _, tc := range []struct {
		state   string
		prepare func(e *env, id string)
		use     string // expected code for useOps; manageOps follow manage
		manage  string
		msg     string
	}{
		{"Disabled", func(e *env, id string) {
			_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
			ok(e.t, err)
		}, "DisabledException", "", " is disabled."},
		{"PendingDeletion", func(e *env, id string) {
			_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
			ok(e.t, err)
		}, "KMSInvalidStateException", "KMSInvalidStateException", " is pending deletion."},
	} {
		e := newEnv(t)
		id := e.createKey(nil)
		blob := e.encrypt(id, "x", nil)
		tc.prepare(e, id)
		ops := keyOps(e, id, blob)
		arn := arnPrefix + "key/" + id
		for _, op := range useOps {
			t.Run(op+" on a "+tc.state+" key answers "+tc.use, func(t *testing.T) {
				wantErr(t, ops[op](), tc.use, arn+tc.msg)
			})
		}
		for _, op := range manageOps {
			if tc.manage == "" {
				t.Run(op+" works on a "+tc.state+" key", func(t *testing.T) { ok(t, ops[op]()) })
				continue
			}
			t.Run(op+" on a "+tc.state+" key answers "+tc.manage, func(t *testing.T) {
				wantErr(t, ops[op](), tc.manage, arn+tc.msg)
			})
		}
		for _, op := range readOps {
			t.Run(op+" works on a "+tc.state+" key", func(t *testing.T) { ok(t, ops[op]()) })
		}
	}
}

func TestCallsWithoutACallerUseTheConfiguredScope(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateKey(context.Background(), &kms.CreateKeyInput{})
	ok(t, err)
	if got := aws.ToString(out.KeyMetadata.Arn); got != arnPrefix+"key/"+aws.ToString(out.KeyMetadata.KeyId) {
		t.Errorf("ARN of a key made without a Caller: got %s, want one in %s", got, arnPrefix)
	}
	e.describe(aws.ToString(out.KeyMetadata.KeyId)) // visible to the eu-west-1 caller
}
