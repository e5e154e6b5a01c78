package emulator_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator"
)

const noStep = "emulator: no validation step for "

// backendMethods is every method of kmsgate.Backend with its input type.
func backendMethods(t *testing.T) []reflect.Method {
	t.Helper()
	bt := reflect.TypeOf((*kmsgate.Backend)(nil)).Elem()
	ms := make([]reflect.Method, bt.NumMethod())
	for i := range ms {
		ms[i] = bt.Method(i)
	}
	if len(ms) != 56 {
		t.Fatalf("kmsgate.Backend has %d methods, want 56 (update this count with the new operation's validation step)", len(ms))
	}
	return ms
}

// TestEveryOperationHasAValidationStep fails when kmsgate.Backend gains an
// operation whose input Validate does not know: a new operation must get
// its step 1 (validate.go) before the gate can answer its invalid requests
// as KMS does.
func TestEveryOperationHasAValidationStep(t *testing.T) {
	e := newEnv(t)
	for _, m := range backendMethods(t) {
		in := reflect.New(m.Type.In(1).Elem()).Interface() // an empty *kms.XInput
		for name, v := range map[string]interface {
			Validate(context.Context, any) error
		}{"Service": e.svc, "InputValidator": emulator.InputValidator{}} {
			if err := v.Validate(e.ctx, in); err != nil && strings.HasPrefix(err.Error(), noStep) {
				t.Errorf("%s.Validate(%s): got %v, want its step 1", name, m.Name, err)
			}
		}
	}
	// The test's own check: a type that is no operation's input is refused.
	if err := e.svc.Validate(e.ctx, &struct{}{}); err == nil || !strings.HasPrefix(err.Error(), noStep) {
		t.Errorf("Validate(*struct{}): got %v, want %q...", err, noStep)
	}
}

// TestValidateIsTheOperationsFirstStep: for every operation, the empty
// request and an invalid one answer from Validate exactly what the
// operation answers (same step), and Validate reads and changes nothing
// (a valid request's Validate is nil even where the operation would fail
// on a missing key).
func TestValidateIsTheOperationsFirstStep(t *testing.T) {
	e := newEnv(t)
	svc := reflect.ValueOf(e.svc)
	unknown := "11111111-2222-4333-8444-555555555555"
	long := strings.Repeat("k", 2049)
	invalid := map[string]any{
		"CreateAlias":          &kms.CreateAliasInput{AliasName: aws.String("alias/ok"), TargetKeyId: aws.String(long)},
		"UpdateAlias":          &kms.UpdateAliasInput{AliasName: aws.String("nope"), TargetKeyId: aws.String(unknown)},
		"DeleteAlias":          &kms.DeleteAliasInput{AliasName: aws.String("alias/bad!")},
		"TagResource":          &kms.TagResourceInput{KeyId: aws.String(unknown), Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("v")}}},
		"UntagResource":        &kms.UntagResourceInput{KeyId: aws.String(unknown), TagKeys: []string{""}},
		"PutKeyPolicy":         &kms.PutKeyPolicyInput{KeyId: aws.String(unknown), Policy: aws.String("{}"), PolicyName: aws.String("bad name")},
		"ScheduleKeyDeletion":  &kms.ScheduleKeyDeletionInput{KeyId: aws.String(unknown), PendingWindowInDays: aws.Int32(3)},
		"CancelKeyDeletion":    &kms.CancelKeyDeletionInput{KeyId: aws.String(long)},
		"CreateKey":            &kms.CreateKeyInput{KeySpec: "NOPE"},
		"EnableKeyRotation":    &kms.EnableKeyRotationInput{KeyId: aws.String(unknown), RotationPeriodInDays: aws.Int32(10)},
		"ListGrants":           &kms.ListGrantsInput{KeyId: aws.String(unknown), Limit: aws.Int32(0)},
		"UpdateKeyDescription": &kms.UpdateKeyDescriptionInput{KeyId: aws.String(unknown), Description: aws.String(strings.Repeat("d", 8193))},
		"GenerateDataKey":      &kms.GenerateDataKeyInput{KeyId: aws.String(unknown), NumberOfBytes: aws.Int32(2000)},
	}
	valid := map[string]any{
		"CreateAlias":         &kms.CreateAliasInput{AliasName: aws.String("alias/ok"), TargetKeyId: aws.String(unknown)},
		"ScheduleKeyDeletion": &kms.ScheduleKeyDeletionInput{KeyId: aws.String(unknown), PendingWindowInDays: aws.Int32(7)},
		"TagResource":         &kms.TagResourceInput{KeyId: aws.String(unknown), Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("a")}}},
	}
	call := func(name string, in any) error {
		out := svc.MethodByName(name).Call([]reflect.Value{reflect.ValueOf(e.ctx), reflect.ValueOf(in)})
		err, _ := out[1].Interface().(error)
		return err
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode() + ": " + ae.ErrorMessage()
		}
		if err == nil {
			return "<nil>"
		}
		return "not an API error: " + err.Error()
	}
	for _, m := range backendMethods(t) {
		t.Run(m.Name, func(t *testing.T) {
			empty := reflect.New(m.Type.In(1).Elem()).Interface()
			if verr := e.svc.Validate(e.ctx, empty); verr != nil {
				if got, want := code(call(m.Name, empty)), code(verr); got != want {
					t.Errorf("the empty request: the operation answered %s, Validate %s", got, want)
				}
			}
			if in, ok := invalid[m.Name]; ok {
				verr := e.svc.Validate(e.ctx, in)
				if verr == nil {
					t.Fatalf("Validate of the invalid request: got nil, want an error")
				}
				if got, want := code(call(m.Name, in)), code(verr); got != want {
					t.Errorf("the invalid request: the operation answered %s, Validate %s", got, want)
				}
			}
			if in, ok := valid[m.Name]; ok {
				if err := e.svc.Validate(e.ctx, in); err != nil {
					t.Errorf("Validate of a valid request naming no key: got %v, want nil", err)
				}
				var nf *types.NotFoundException
				if err := call(m.Name, in); !errors.As(err, &nf) {
					t.Errorf("the valid request naming no key: got %v, want NotFoundException", err)
				}
			}
		})
	}
}
