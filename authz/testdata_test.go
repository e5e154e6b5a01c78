package authz

import (
	"os"
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

const (
	acct    = "111122223333"
	keyARN  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	key2ARN = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
	userARN = "arn:aws:iam::111122223333:user/kmsgate"
)

// seedPolicyDoc returns the reference's seed policy, shared with the CLI tests.
func seedPolicyDoc(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustParse(t testing.TB, name, doc string) *iampolicy.Policy {
	t.Helper()
	p, err := iampolicy.Parse(name, []byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}
