package authz

import (
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// FuzzDecide: any request shape decides without panicking, and a deny
// always carries AWS's message.
func FuzzDecide(f *testing.F) {
	f.Add("GenerateDataKey", userARN, keyARN, "alias/jumpwire/a", "alias/jumpwire/a", "k", "v", "")
	f.Add("ReEncrypt", "arn:aws:sts::111122223333:assumed-role/r/s", "arn:aws:kms:eu-west-1:1:key/x", "", "alias/x", "", "", "10.0.0.1")
	f.Add("UpdateAlias", "", "not-an-arn", "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/b", "alias/jumpwire/b", "a:b", "", "::1")
	f.Add("CreateKey", userARN, "", "", "", "", "", "bogus")
	f.Fuzz(func(t *testing.T, op, principal, keyARN, keyID, alias, ecKey, ecVal, ip string) {
		seed := mustParse(t, "seed.json", seedPolicyDoc(t))
		key := &Key{ARN: keyARN, Aliases: []string{alias}, Tags: map[string]string{ecKey: ecVal}}
		d := Decide(Request{Operation: op, Principal: principal, KeyID: keyID, Key: key, DestinationKey: key, AliasName: alias,
			IdentityPolicies: []*iampolicy.Policy{seed}, EncryptionContext: map[string]string{ecKey: ecVal},
			Tags: map[string]string{ecKey: ecVal}, SourceIP: ip, Grants: []Grant{{ID: "g", GranteePrincipal: principal, Operations: []string{op}}}})
		if !d.Allowed() && d.Message == "" {
			t.Fatalf("got a %v without a message", d.Decision)
		}
		if d.Allowed() && d.Message != "" {
			t.Fatalf("got an Allow with message %q", d.Message)
		}
	})
}
