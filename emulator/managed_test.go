package emulator_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

func TestAWSManagedKeyIsCreatedOnFirstUse(t *testing.T) {
	e := newEnv(t)
	aliases := func() []types.AliasListEntry {
		out, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{})
		ok(t, err)
		return out.Aliases
	}
	if n := len(aliases()); n != 0 {
		t.Fatalf("aliases before first use: got %d, want 0", n)
	}
	enc, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String("alias/aws/s3"), Plaintext: []byte("object key")})
	ok(t, err)
	md := e.describe("alias/aws/s3").KeyMetadata
	t.Run("the key is an AWS managed symmetric key with yearly rotation", func(t *testing.T) {
		if md.KeyManager != types.KeyManagerTypeAws || md.KeySpec != types.KeySpecSymmetricDefault || md.KeyState != types.KeyStateEnabled {
			t.Errorf("got manager %s spec %s state %s, want AWS SYMMETRIC_DEFAULT Enabled", md.KeyManager, md.KeySpec, md.KeyState)
		}
		if aws.ToString(enc.KeyId) != aws.ToString(md.Arn) {
			t.Errorf("Encrypt KeyId: got %s, want %s", aws.ToString(enc.KeyId), aws.ToString(md.Arn))
		}
		rot, err := e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
		ok(t, err)
		if !rot.KeyRotationEnabled || aws.ToInt32(rot.RotationPeriodInDays) != 365 {
			t.Errorf("rotation: got %v every %d days, want on every 365", rot.KeyRotationEnabled, aws.ToInt32(rot.RotationPeriodInDays))
		}
		pol, err := e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId})
		ok(t, err)
		if p := aws.ToString(pol.Policy); !strings.Contains(p, `"kms:ViaService":"s3.`+testRegion+`.amazonaws.com"`) || !strings.Contains(p, `"kms:CallerAccount":"`+testAccount+`"`) {
			t.Errorf("policy: got %s, want the managed-key policy with kms:ViaService and kms:CallerAccount", p)
		}
	})
	t.Run("the next use finds the same key", func(t *testing.T) {
		got, err := e.decrypt(enc.CiphertextBlob, nil)
		ok(t, err)
		if got != "object key" {
			t.Errorf("got %q, want \"object key\"", got)
		}
		if again := e.describe(arnPrefix + "alias/aws/s3").KeyMetadata; aws.ToString(again.KeyId) != aws.ToString(md.KeyId) {
			t.Errorf("second resolution: got key %s, want %s", aws.ToString(again.KeyId), aws.ToString(md.KeyId))
		}
	})
	t.Run("ListAliases lists it once created", func(t *testing.T) {
		list := aliases()
		if len(list) != 1 || aws.ToString(list[0].AliasName) != "alias/aws/s3" || aws.ToString(list[0].TargetKeyId) != aws.ToString(md.KeyId) {
			t.Errorf("got %+v, want alias/aws/s3 -> %s", list, aws.ToString(md.KeyId))
		}
	})
	t.Run("another region has its own managed key", func(t *testing.T) {
		out, err := e.svc.DescribeKey(e.in("us-west-2"), &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
		ok(t, err)
		if aws.ToString(out.KeyMetadata.KeyId) == aws.ToString(md.KeyId) {
			t.Errorf("us-west-2 got the eu-west-1 key")
		}
	})
	t.Run("a name with two segments is not a managed alias", func(t *testing.T) {
		_, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3/extra")})
		wantErr(t, err, "NotFoundException", "Alias "+arnPrefix+"alias/aws/s3/extra is not found.")
	})
	t.Run("key-id-only operations do not create managed keys", func(t *testing.T) {
		_, err := e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String("alias/aws/ebs")})
		wantErr(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
		if n := len(aliases()); n != 1 {
			t.Errorf("aliases: got %d, want 1", n)
		}
	})
}

func TestConcurrentFirstUsesMakeOneManagedKey(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/aws/ebs"), KeySpec: types.DataKeySpecAes256})
			if err != nil {
				t.Errorf("GenerateDataKey: %v", err)
				return
			}
			ids[i] = aws.ToString(out.KeyId)
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("key ids: got %v, want one key", ids)
		}
	}
	keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 1 {
		t.Errorf("keys: got %d, want 1", len(keys.Keys))
	}
}

func TestCustomersCannotManageAWSManagedKeys(t *testing.T) {
	e := newEnv(t)
	id := aws.ToString(e.describe("alias/aws/secretsmanager").KeyMetadata.KeyId)
	arn := arnPrefix + "key/" + id
	denied := func(op string) string {
		return "User: arn:aws:iam::111122223333:root is not authorized to perform: kms:" + op + " on resource: " + arn + " because no resource-based policy allows the kms:" + op + " action"
	}
	calls := map[string]func() error{
		"DisableKey": func() error { _, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: &id}); return err },
		"ScheduleKeyDeletion": func() error {
			_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
			return err
		},
		"RotateKeyOnDemand": func() error {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: &id})
			return err
		},
		"DisableKeyRotation": func() error {
			_, err := e.svc.DisableKeyRotation(e.ctx, &kms.DisableKeyRotationInput{KeyId: &id})
			return err
		},
		"PutKeyPolicy": func() error {
			_, err := e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)})
			return err
		},
		"TagResource": func() error {
			_, err := e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}})
			return err
		},
		"UpdateKeyDescription": func() error {
			_, err := e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String("mine")})
			return err
		},
		"CreateAlias": func() error {
			_, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: &id})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op+" is denied as the managed-key policy denies it", func(t *testing.T) {
			wantErr(t, call(), "AccessDeniedException", denied(op))
		})
	}
	if md := e.describe(id).KeyMetadata; md.KeyState != types.KeyStateEnabled || aws.ToString(md.Description) == "mine" {
		t.Errorf("after the denied calls: got state %s description %q, want the key unchanged", md.KeyState, aws.ToString(md.Description))
	}
	t.Run("customers cannot create aliases under alias/aws/", func(t *testing.T) {
		own := e.createKey(nil)
		_, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: &own})
		wantErr(t, err, "InvalidAliasNameException", "*")
		_, err = e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/aws/secretsmanager")})
		wantErr(t, err, "InvalidAliasNameException", "*")
	})
	t.Run("the caller's principal is named when known", func(t *testing.T) {
		ctx := callerWithPrincipal("arn:aws:iam::111122223333:user/dev")
		_, err := e.svc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &id})
		wantErr(t, err, "AccessDeniedException", strings.Replace(denied("DisableKey"), "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/dev", 1))
	})
}

func callerWithPrincipal(principal string) context.Context {
	return kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion, PrincipalARN: principal})
}
