package authz

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

func TestAliasPrefixPolicyIsTheSeedPolicyWithThePrefix(t *testing.T) {
	got, err := AliasPrefixPolicy("alias/jumpwire/")
	if err != nil {
		t.Fatal(err)
	}
	want := mustParse(t, "--alias-prefix alias/jumpwire/", seedPolicyDoc(t))
	if !reflect.DeepEqual(got.Statements, want.Statements) {
		t.Errorf("got statements\n%+v\nwant the seed policy's\n%+v", got.Statements, want.Statements)
	}
}

func TestAliasPrefixPolicyDecides(t *testing.T) {
	p, err := AliasPrefixPolicy("alias/app/")
	if err != nil {
		t.Fatal(err)
	}
	delegating := DefaultKeyPolicy("aws", acct)
	key := func(aliases ...string) *Key { return &Key{ARN: keyARN, Aliases: aliases, Policy: delegating} }
	for _, c := range []struct {
		name string
		r    Request
		want iampolicy.Decision
	}{
		{"Encrypt on a key with an alias under the prefix", Request{Operation: "Encrypt", Key: key("alias/app/orders")}, iampolicy.Allow},
		{"Encrypt on a key with another alias", Request{Operation: "Encrypt", Key: key("alias/other")}, iampolicy.ImplicitDeny},
		{"the prefix is not a bare string prefix of the name", Request{Operation: "Encrypt", Key: key("alias/application")}, iampolicy.ImplicitDeny},
		{"Sign is never allowed", Request{Operation: "Sign", Key: key("alias/app/orders")}, iampolicy.ImplicitDeny},
		{"CreateAlias under the prefix", Request{Operation: "CreateAlias", AliasName: "alias/app/new", Key: key()}, iampolicy.Allow},
		{"CreateAlias outside the prefix", Request{Operation: "CreateAlias", AliasName: "alias/new", Key: key()}, iampolicy.ImplicitDeny},
		{"CreateKey", Request{Operation: "CreateKey"}, iampolicy.Allow},
		{"ListKeys", Request{Operation: "ListKeys"}, iampolicy.ImplicitDeny},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.Principal, c.r.Region, c.r.IdentityPolicies = userARN, "us-east-1", []*iampolicy.Policy{p}
			if got := Decide(c.r); got.Decision != c.want {
				t.Errorf("got %s (%s), want %s", got.Decision, got.Reason, c.want)
			}
		})
	}
}

func TestAliasPrefixPolicyRefusesBadPrefixes(t *testing.T) {
	for _, prefix := range []string{"", "jumpwire/", "alias/", "alias/*", "alias/a?", "alias/${aws:username}/"} {
		if _, err := AliasPrefixPolicy(prefix); err == nil || !strings.Contains(err.Error(), "must start with") {
			t.Errorf("AliasPrefixPolicy(%q): got %v, want an error", prefix, err)
		}
	}
}
