package kmsgatetest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsgatetest"
)

const encryptOnly = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["kms:CreateKey", "kms:CreateAlias", "kms:Encrypt"], "Resource": "*"}]}`

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestPolicyModeWithAnIdentityPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode        gate.Mode
		wantDecrypt string // the error code of a Decrypt the policy does not allow
		decision    string // what kmsgate_policy_decisions_total records for it
	}{
		{gate.Enforce, "AccessDeniedException", "ImplicitDeny"},
		{gate.DryRun, "", "ImplicitDeny"},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			t.Parallel()
			srv := kmsgatetest.New(t, kmsgatetest.WithPolicyMode(tc.mode), kmsgatetest.WithIdentityPolicy(encryptOnly))
			c := srv.Client()
			srv.CreateKey(t, "alias/gated")
			enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/gated"), Plaintext: []byte("x")})
			if err != nil {
				t.Fatalf("Encrypt, allowed by the policy: %v", err)
			}
			_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
			if got := errorCode(err); got != tc.wantDecrypt {
				t.Errorf("Decrypt: got %q, want %q", got, tc.wantDecrypt)
			}
			if got := decisions(t, srv, tc.decision, tc.mode.String()); got < 1 {
				t.Errorf("got %v %s decisions in mode %s in the metrics, want at least 1", got, tc.decision, tc.mode)
			}
		})
	}
}

func decisions(t *testing.T, srv *kmsgatetest.Server, decision, mode string) float64 {
	t.Helper()
	fams, err := srv.Server().Metrics().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range fams {
		if f.GetName() != "kmsgate_policy_decisions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["decision"] == decision && labels["mode"] == mode {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

const principals = `principals:
  - arn: arn:aws:iam::111122223333:user/app
    accessKeys:
      - id: AKIAAPPEXAMPLE
        secret: app-secret
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
`

func TestPrincipalsWithSignatureChecking(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t, kmsgatetest.WithPrincipals(principals), kmsgatetest.WithAuthVerify(),
		kmsgatetest.WithPolicyMode(gate.Enforce))
	app := srv.ClientWith("AKIAAPPEXAMPLE", "app-secret")
	if _, err := app.CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
		t.Errorf("CreateKey as the principal: %v", err)
	}
	for _, tc := range []struct {
		name   string
		client *kms.Client
		want   string
	}{
		{"the dummy credentials of Client", srv.Client(), "UnrecognizedClientException"},
		{"the principal's key with a wrong secret", srv.ClientWith("AKIAAPPEXAMPLE", "wrong"), "InvalidSignatureException"},
	} {
		_, err := tc.client.ListKeys(ctx, &kms.ListKeysInput{})
		if got := errorCode(err); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
