package envelope

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

func TestKMSErrorsSayWhatFailedAndPassAWSMessagesThrough(t *testing.T) {
	denied := "User: arn:aws:iam::111122223333:user/app is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:GenerateDataKey action"
	cases := []struct {
		name     string
		op, key  string
		err      error
		want     string
		corrupt  bool
		typeTest func(error) bool
	}{
		{
			name: "access denied keeps AWS's message",
			op:   "GenerateDataKey", key: "alias/app/org1",
			// What the SDK produces for a code without a type in service/kms/types.
			err:  fmt.Errorf("operation error KMS: GenerateDataKey: %w", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: denied, Fault: smithy.FaultClient}),
			want: "envelope: KMS GenerateDataKey on alias/app/org1 failed: AccessDeniedException: " + denied,
		},
		{
			name: "a typed exception stays reachable with errors.As",
			op:   "GenerateDataKey", key: "alias/app/org1",
			err:      &types.DisabledException{Message: ptr("arn:aws:kms:us-east-1:111122223333:key/k is disabled.")},
			want:     "envelope: KMS GenerateDataKey on alias/app/org1 failed: DisabledException: arn:aws:kms:us-east-1:111122223333:key/k is disabled.",
			typeTest: func(err error) bool { var d *types.DisabledException; return errors.As(err, &d) },
		},
		{
			name: "an invalid data key on Decrypt is a corrupted ciphertext",
			op:   "Decrypt",
			err:  &types.InvalidCiphertextException{},
			want: "envelope: KMS Decrypt failed: InvalidCiphertextException", corrupt: true,
		},
		{
			name: "an invalid ciphertext elsewhere is not",
			op:   "GenerateDataKey", key: "k",
			err:  &types.InvalidCiphertextException{Message: ptr("m")},
			want: "envelope: KMS GenerateDataKey on k failed: InvalidCiphertextException: m",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := kmsError(tc.op, tc.key, tc.err)
			if err.Error() != tc.want {
				t.Errorf("got %q, want %q", err, tc.want)
			}
			if got := errors.Is(err, ErrCorrupt); got != tc.corrupt {
				t.Errorf("errors.Is(err, ErrCorrupt): got %v, want %v", got, tc.corrupt)
			}
			if errors.Is(err, ErrKMSUnreachable) {
				t.Error("an answer from KMS is not ErrKMSUnreachable")
			}
			if tc.typeTest != nil && !tc.typeTest(err) {
				t.Error("got the SDK's exception type lost, want it reachable through errors.As")
			}
		})
	}
}

func ptr(s string) *string { return &s }
