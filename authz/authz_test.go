package authz

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

type decideCase struct {
	name        string
	req         Request
	want        iampolicy.Decision
	wantAction  string
	wantMessage string // the whole message, or its ending when it starts with "..."
	wantSids    []string
}

func runDecide(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.req.Principal == "" {
				tc.req.Principal = userARN
			}
			if tc.req.Region == "" {
				tc.req.Region = "us-east-1"
			}
			got := Decide(tc.req)
			if got.Decision != tc.want {
				t.Fatalf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
			if got.Reason == "" {
				t.Fatalf("got an empty reason")
			}
			if tc.want == iampolicy.Allow && got.Message != "" {
				t.Fatalf("got message %q for an Allow, want none", got.Message)
			}
			if tc.wantAction != "" && got.Action != tc.wantAction {
				t.Fatalf("got deciding action %q, want %q", got.Action, tc.wantAction)
			}
			if m := tc.wantMessage; m != "" {
				if strings.HasPrefix(m, "...") {
					if !strings.HasSuffix(got.Message, m[3:]) {
						t.Fatalf("got message %q, want it to end %q", got.Message, m[3:])
					}
				} else if got.Message != m {
					t.Fatalf("got message %q, want %q", got.Message, m)
				}
			}
			if tc.wantSids != nil {
				var sids []string
				for _, s := range got.Statements {
					sids = append(sids, s.Sid)
				}
				if strings.Join(sids, ",") != strings.Join(tc.wantSids, ",") {
					t.Fatalf("got deciding statements %v, want %v", sids, tc.wantSids)
				}
			}
		})
	}
}

func keyPolicyFor(t *testing.T, principal, actions string) *iampolicy.Policy {
	return mustParse(t, "key policy", `{"Version":"2012-10-17","Statement":[{"Sid":"KP","Effect":"Allow","Principal":{"AWS":"`+principal+`"},"Action":`+actions+`,"Resource":"*"}]}`)
}

func TestReferenceKMSCases(t *testing.T) {
	roleX := "arn:aws:iam::111122223333:role/X"
	roleY := "arn:aws:sts::111122223333:assumed-role/Y/session"
	roleR := "arn:aws:sts::111122223333:assumed-role/R/session"
	allowDecryptOnKeys := mustParse(t, "role-y.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Dec","Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}`)
	s3Only := mustParse(t, "s3.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	denyAll := mustParse(t, "deny.json", `{"Version":"2012-10-17","Statement":[{"Sid":"NoKMS","Effect":"Deny","Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/*"}]}`)
	finance := mustParse(t, "finance.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Fin","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*",
	  "Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance-key"}}}]}`)
	requestAlias := mustParse(t, "request-alias.json", `{"Version":"2012-10-17","Statement":[{"Sid":"RA","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*",
	  "Condition":{"StringEquals":{"kms:RequestAlias":"alias/finance-key"}}}]}`)
	ecKeys := mustParse(t, "ec-keys.json", `{"Version":"2012-10-17","Statement":[{"Sid":"EC","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*",
	  "Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}}]}`)

	financeKey := &Key{ARN: keyARN, Aliases: []string{"alias/finance-key", "alias/other"}}
	bareKey := &Key{ARN: key2ARN}
	runDecide(t, []decideCase{
		{name: "case 2: a key policy naming only role X denies role Y with no resource-based policy allowing",
			req:  Request{Operation: "Decrypt", Principal: roleY, Key: &Key{ARN: keyARN, Policy: keyPolicyFor(t, roleX, `"kms:*"`)}, IdentityPolicies: []*iampolicy.Policy{allowDecryptOnKeys}},
			want: iampolicy.ImplicitDeny, wantMessage: "User: " + roleY + " is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no resource-based policy allows the kms:Decrypt action"},
		{name: "case 3: the default key policy without an identity statement for KMS denies with no identity-based policy allowing",
			req:  Request{Operation: "Decrypt", Key: &Key{ARN: keyARN}, IdentityPolicies: []*iampolicy.Policy{s3Only}},
			want: iampolicy.ImplicitDeny, wantMessage: "User: " + userARN + " is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action"},
		{name: "case 4: a key policy naming role R allows R without any identity policy",
			req:  Request{Operation: "Decrypt", Principal: roleR, Key: &Key{ARN: keyARN, Policy: keyPolicyFor(t, "arn:aws:iam::111122223333:role/R", `"kms:Decrypt"`)}},
			want: iampolicy.Allow, wantSids: []string{"KP"}},
		{name: "case 5: an identity Deny wins over a key policy allowing the role directly",
			req:  Request{Operation: "Decrypt", Principal: roleR, Key: &Key{ARN: keyARN, Policy: keyPolicyFor(t, "arn:aws:iam::111122223333:role/R", `"kms:Decrypt"`)}, IdentityPolicies: []*iampolicy.Policy{denyAll}},
			want: iampolicy.ExplicitDeny, wantSids: []string{"NoKMS"}, wantMessage: "User: " + roleR + " is not authorized to perform: kms:Decrypt on resource: " + keyARN + " with an explicit deny in an identity-based policy"},
		{name: "case 6: kms:ResourceAliases allows a key carrying the alias called by key ARN",
			req:  Request{Operation: "GenerateDataKey", KeyID: keyARN, Key: financeKey, IdentityPolicies: []*iampolicy.Policy{finance}},
			want: iampolicy.Allow, wantSids: []string{"Enable IAM User Permissions", "Fin"}},
		{name: "case 6: kms:ResourceAliases denies a key with no alias",
			req:  Request{Operation: "GenerateDataKey", KeyID: key2ARN, Key: bareKey, IdentityPolicies: []*iampolicy.Policy{finance}},
			want: iampolicy.ImplicitDeny, wantMessage: "...because no identity-based policy allows the kms:GenerateDataKey action"},
		{name: "case 7: kms:RequestAlias allows KeyId alias/finance-key",
			req:  Request{Operation: "GenerateDataKey", KeyID: "alias/finance-key", Key: financeKey, IdentityPolicies: []*iampolicy.Policy{requestAlias}},
			want: iampolicy.Allow},
		{name: "case 7: kms:RequestAlias allows the alias ARN",
			req:  Request{Operation: "GenerateDataKey", KeyID: "arn:aws:kms:us-east-1:111122223333:alias/finance-key", Key: financeKey, IdentityPolicies: []*iampolicy.Policy{requestAlias}},
			want: iampolicy.Allow},
		{name: "case 7: kms:RequestAlias denies the same key's id",
			req:  Request{Operation: "GenerateDataKey", KeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", Key: financeKey, IdentityPolicies: []*iampolicy.Policy{requestAlias}},
			want: iampolicy.ImplicitDeny},
		{name: "case 7: kms:RequestAlias denies the same key's ARN",
			req:  Request{Operation: "GenerateDataKey", KeyID: keyARN, Key: financeKey, IdentityPolicies: []*iampolicy.Policy{requestAlias}},
			want: iampolicy.ImplicitDeny},
		{name: "case 8: kms:EncryptionContextKeys allows a context with AppName",
			req:  Request{Operation: "GenerateDataKey", KeyID: keyARN, Key: bareKey, EncryptionContext: map[string]string{"AppName": "Helper", "Project": "Alpha"}, IdentityPolicies: []*iampolicy.Policy{ecKeys}},
			want: iampolicy.Allow},
		{name: "case 8: kms:EncryptionContextKeys denies a context without AppName",
			req:  Request{Operation: "GenerateDataKey", KeyID: keyARN, Key: bareKey, EncryptionContext: map[string]string{"Project": "Alpha"}, IdentityPolicies: []*iampolicy.Policy{ecKeys}},
			want: iampolicy.ImplicitDeny},
		{name: "case 8: kms:EncryptionContextKeys denies a request without context",
			req:  Request{Operation: "GenerateDataKey", KeyID: keyARN, Key: bareKey, IdentityPolicies: []*iampolicy.Policy{ecKeys}},
			want: iampolicy.ImplicitDeny},
	})
}

// Reference case 12: the seed's policy with the default key policy.
func TestReferenceCase12SeedPolicy(t *testing.T) {
	seed := []*iampolicy.Policy{mustParse(t, "seed.json", seedPolicyDoc(t))}
	jw := &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/org1"}}
	other := &Key{ARN: key2ARN, Aliases: []string{"alias/payments"}}
	runDecide(t, []decideCase{
		{name: "GenerateDataKey with KeyId alias/jumpwire/org1 is allowed",
			req: Request{Operation: "GenerateDataKey", KeyID: "alias/jumpwire/org1", Key: jw, IdentityPolicies: seed}, want: iampolicy.Allow,
			wantSids: []string{"Enable IAM User Permissions", "UseKeys"}},
		{name: "Decrypt without KeyId of a blob of that key is allowed",
			req: Request{Operation: "Decrypt", Key: jw, IdentityPolicies: seed}, want: iampolicy.Allow},
		{name: "GenerateDataKey on a key with no alias/jumpwire/ alias is denied",
			req: Request{Operation: "GenerateDataKey", KeyID: key2ARN, Key: other, IdentityPolicies: seed}, want: iampolicy.ImplicitDeny,
			wantMessage: "User: " + userARN + " is not authorized to perform: kms:GenerateDataKey on resource: " + key2ARN + " because no identity-based policy allows the kms:GenerateDataKey action"},
		{name: "ListAliases is denied",
			req: Request{Operation: "ListAliases", IdentityPolicies: seed}, want: iampolicy.ImplicitDeny,
			wantMessage: "User: " + userARN + " is not authorized to perform: kms:ListAliases on resource: * because no identity-based policy allows the kms:ListAliases action"},
		{name: "CreateAlias alias/other is denied on the alias side",
			req: Request{Operation: "CreateAlias", AliasName: "alias/other", Key: jw, IdentityPolicies: seed}, want: iampolicy.ImplicitDeny,
			wantMessage: "User: " + userARN + " is not authorized to perform: kms:CreateAlias on resource: arn:aws:kms:us-east-1:111122223333:alias/other because no identity-based policy allows the kms:CreateAlias action"},
		{name: "CreateAlias alias/jumpwire/x is allowed",
			req: Request{Operation: "CreateAlias", AliasName: "alias/jumpwire/x", Key: other, IdentityPolicies: seed}, want: iampolicy.Allow},
		{name: "CreateKey is allowed",
			req: Request{Operation: "CreateKey", IdentityPolicies: seed}, want: iampolicy.Allow, wantSids: []string{"CreateKeys"}},
	})
}

func TestKMSDecisionRules(t *testing.T) {
	allowAll := mustParse(t, "all.json", `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	ids := []*iampolicy.Policy{allowAll}
	kpDeny := mustParse(t, "kp", `{"Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
	  {"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`)
	kpEncryptOnly := mustParse(t, "kp", `{"Statement":[{"Sid":"EncOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Encrypt","Resource":"*",
	  "Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"t1"}}}]}`)
	kpTagCond := mustParse(t, "kp", `{"Statement":[{"Sid":"Tag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*",
	  "Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`)
	idTagCond := mustParse(t, "tag.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Tag","Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Env":"prod"}}}]}`)
	idCtx := mustParse(t, "ctx.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Ctx","Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{
	  "StringEquals":{"kms:CallerAccount":"111122223333","kms:KeySpec":"SYMMETRIC_DEFAULT","kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT","aws:PrincipalArn":"arn:aws:iam::111122223333:user/kmsgate","aws:username":"kmsgate"},
	  "Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	idTags := mustParse(t, "tags.json", `{"Version":"2012-10-17","Statement":[{"Sid":"CK","Effect":"Allow","Action":"kms:CreateKey","Resource":"*"},
	  {"Sid":"Tags","Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]},"StringEquals":{"aws:RequestTag/env":"dev"}}}]}`)
	grant := Grant{ID: "g1", KeyARN: keyARN, GranteePrincipal: "arn:aws:iam::111122223333:role/app", Operations: []string{"Decrypt"}, EncryptionContextSubset: map[string]string{"tenant": "t1"}}
	appRole := "arn:aws:iam::111122223333:role/app"
	noOne := mustParse(t, "kp", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"kms:*","Resource":"*"}]}`)
	deny := mustParse(t, "deny.json", `{"Version":"2012-10-17","Statement":[{"Sid":"D","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`)
	eve := "arn:aws:iam::444455556666:user/eve"
	kpEve := mustParse(t, "kp", `{"Statement":[{"Sid":"Eve","Effect":"Allow","Principal":{"AWS":"`+eve+`"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	kpDenyEve := mustParse(t, "kp", `{"Statement":[{"Sid":"Eve","Effect":"Allow","Principal":{"AWS":"`+eve+`"},"Action":"kms:Decrypt","Resource":"*"},{"Sid":"NoEve","Effect":"Deny","Principal":{"AWS":"`+eve+`"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	kpEveAcct := mustParse(t, "kp", `{"Statement":[{"Sid":"EveAcct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	k := func(p *iampolicy.Policy) *Key {
		return &Key{ARN: keyARN, Policy: p, KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", Tags: map[string]string{"env": "prod"}}
	}
	runDecide(t, []decideCase{
		{name: "a key-policy Deny wins and names the resource-based policy",
			req: Request{Operation: "Decrypt", Key: k(kpDeny), IdentityPolicies: ids}, want: iampolicy.ExplicitDeny, wantSids: []string{"NoDecrypt"},
			wantMessage: "...with an explicit deny in a resource-based policy"},
		{name: "delegation covers the delegating statement's actions",
			req: Request{Operation: "Encrypt", Key: k(kpEncryptOnly), EncryptionContext: map[string]string{"tenant": "t1"}, IdentityPolicies: ids}, want: iampolicy.Allow},
		{name: "delegation does not cover other actions",
			req: Request{Operation: "Decrypt", Key: k(kpEncryptOnly), EncryptionContext: map[string]string{"tenant": "t1"}, IdentityPolicies: ids}, want: iampolicy.ImplicitDeny,
			wantMessage: "...because no resource-based policy allows the kms:Decrypt action"},
		{name: "delegation covers only the delegating statement's conditions",
			req: Request{Operation: "Encrypt", Key: k(kpEncryptOnly), EncryptionContext: map[string]string{"tenant": "t2"}, IdentityPolicies: ids}, want: iampolicy.ImplicitDeny},
		{name: "aws:ResourceTag is not visible to the key policy",
			req: Request{Operation: "Encrypt", Key: k(kpTagCond), IdentityPolicies: ids}, want: iampolicy.ImplicitDeny},
		{name: "aws:ResourceTag is visible to identity policies, key case-insensitively",
			req: Request{Operation: "Encrypt", Key: k(nil), IdentityPolicies: []*iampolicy.Policy{idTagCond}}, want: iampolicy.Allow},
		{name: "request-wide and key condition keys are built from the request",
			req: Request{Operation: "Encrypt", Key: k(nil), SourceIP: "127.0.0.1", SecureTransport: true, IdentityPolicies: []*iampolicy.Policy{idCtx}}, want: iampolicy.Allow},
		{name: "a request from outside the CIDR is denied",
			req: Request{Operation: "Encrypt", Key: k(nil), SourceIP: "192.0.2.1", SecureTransport: true, IdentityPolicies: []*iampolicy.Policy{idCtx}}, want: iampolicy.ImplicitDeny},
		{name: "a grant allows its operation to its grantee with matching constraints",
			req: Request{Operation: "Decrypt", Principal: appRole, Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t1", "x": "y"}}, want: iampolicy.Allow, wantSids: []string{"g1"}},
		{name: "a grant to a role allows the role's sessions",
			req: Request{Operation: "Decrypt", Principal: "arn:aws:sts::111122223333:assumed-role/app/s1", Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t1"}}, want: iampolicy.Allow},
		{name: "a grant to a role does not allow another role's sessions",
			req: Request{Operation: "Decrypt", Principal: "arn:aws:sts::111122223333:assumed-role/other/s1", Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t1"}}, want: iampolicy.ImplicitDeny},
		{name: "a grant does not allow when its constraints fail",
			req: Request{Operation: "Decrypt", Principal: appRole, Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t2"}}, want: iampolicy.ImplicitDeny},
		{name: "a grant does not allow other operations",
			req: Request{Operation: "Encrypt", Principal: appRole, Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t1"}}, want: iampolicy.ImplicitDeny},
		{name: "a grant never beats an explicit deny",
			req: Request{Operation: "Decrypt", Principal: appRole, Key: k(noOne), Grants: []Grant{grant}, EncryptionContext: map[string]string{"tenant": "t1"}, IdentityPolicies: []*iampolicy.Policy{deny}}, want: iampolicy.ExplicitDeny},
		{name: "a grant for ReEncryptFrom and ReEncryptTo allows ReEncrypt between its keys",
			req: Request{Operation: "ReEncrypt", Principal: appRole, Key: k(noOne), DestinationKey: &Key{ARN: keyARN, Policy: noOne},
				Grants: []Grant{{ID: "re", KeyARN: keyARN, GranteePrincipal: appRole, Operations: []string{"ReEncryptFrom", "ReEncryptTo"}}}}, want: iampolicy.Allow, wantSids: []string{"re"}},
		{name: "a grant for ReEncryptFrom alone does not allow ReEncryptTo",
			req: Request{Operation: "ReEncrypt", Principal: appRole, Key: k(noOne), DestinationKey: &Key{ARN: keyARN, Policy: noOne},
				Grants: []Grant{{ID: "re", KeyARN: keyARN, GranteePrincipal: appRole, Operations: []string{"ReEncryptFrom"}}}}, want: iampolicy.ImplicitDeny, wantAction: "kms:ReEncryptTo"},
		{name: "ReEncrypt needs ReEncryptTo on the destination key",
			req: Request{Operation: "ReEncrypt", Key: k(nil), DestinationKey: &Key{ARN: key2ARN, Policy: noOne}, IdentityPolicies: ids}, want: iampolicy.ImplicitDeny,
			wantAction: "kms:ReEncryptTo", wantMessage: "User: " + userARN + " is not authorized to perform: kms:ReEncryptTo on resource: " + key2ARN + " because no resource-based policy allows the kms:ReEncryptTo action"},
		{name: "ReEncrypt needs ReEncryptFrom on the source key",
			req: Request{Operation: "ReEncrypt", Key: k(noOne), DestinationKey: &Key{ARN: key2ARN}, IdentityPolicies: ids}, want: iampolicy.ImplicitDeny, wantAction: "kms:ReEncryptFrom"},
		{name: "ReEncrypt with both keys allowed is allowed",
			req: Request{Operation: "ReEncrypt", Key: k(nil), DestinationKey: &Key{ARN: key2ARN}, IdentityPolicies: ids}, want: iampolicy.Allow},
		{name: "UpdateAlias checks the new key too",
			req: Request{Operation: "UpdateAlias", AliasName: "alias/a", Key: k(nil), DestinationKey: &Key{ARN: key2ARN, Policy: noOne}, IdentityPolicies: ids}, want: iampolicy.ImplicitDeny,
			wantMessage: "...on resource: " + key2ARN + " because no resource-based policy allows the kms:UpdateAlias action"},
		{name: "DeleteAlias checks the key",
			req: Request{Operation: "DeleteAlias", AliasName: "alias/a", Key: k(noOne), IdentityPolicies: ids}, want: iampolicy.ImplicitDeny},
		{name: "CreateKey with tags also needs kms:TagResource, allowed for the tag keys the policy names",
			req: Request{Operation: "CreateKey", Tags: map[string]string{"env": "dev"}, IdentityPolicies: []*iampolicy.Policy{idTags}}, want: iampolicy.Allow},
		{name: "CreateKey with other tags is denied on kms:TagResource",
			req: Request{Operation: "CreateKey", Tags: map[string]string{"owner": "x"}, IdentityPolicies: []*iampolicy.Policy{idTags}}, want: iampolicy.ImplicitDeny, wantAction: "kms:TagResource"},
		{name: "cross-account: a key policy naming the caller is not enough without an identity policy",
			req: Request{Operation: "Decrypt", Principal: eve, Key: k(kpEve)}, want: iampolicy.ImplicitDeny,
			wantMessage: "User: " + eve + " is not authorized to perform: kms:Decrypt on this resource because no identity-based policy allows the kms:Decrypt action"},
		{name: "cross-account: a key policy naming the caller and the caller's identity policy allow",
			req: Request{Operation: "Decrypt", Principal: eve, Key: k(kpEve), IdentityPolicies: ids}, want: iampolicy.Allow, wantSids: []string{"Eve", "All"}},
		{name: "cross-account: a key policy naming the caller's account and the identity policy allow",
			req: Request{Operation: "Decrypt", Principal: eve, Key: k(kpEveAcct), IdentityPolicies: ids}, want: iampolicy.Allow, wantSids: []string{"EveAcct", "All"}},
		{name: "cross-account: the default key policy of the key's account denies another account's caller",
			req: Request{Operation: "Decrypt", Principal: eve, Key: k(nil), IdentityPolicies: ids}, want: iampolicy.ImplicitDeny,
			wantMessage: "User: " + eve + " is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"},
		{name: "cross-account: a key policy's explicit deny is not named to another account's caller",
			req: Request{Operation: "Decrypt", Principal: eve, Key: k(kpDenyEve), IdentityPolicies: ids}, want: iampolicy.ExplicitDeny,
			wantMessage: "User: " + eve + " is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"},
		{name: "cross-account: a grant allows its grantee of another account on its own",
			req:  Request{Operation: "Decrypt", Principal: eve, Key: k(noOne), Grants: []Grant{{ID: "x", KeyARN: keyARN, GranteePrincipal: eve, Operations: []string{"Decrypt"}}}},
			want: iampolicy.Allow, wantSids: []string{"x"}},
		{name: "a key operation without a key is denied, never allowed",
			req: Request{Operation: "Decrypt", IdentityPolicies: ids}, want: iampolicy.ImplicitDeny},
		{name: "an unknown operation is denied",
			req: Request{Operation: "Frobnicate", IdentityPolicies: ids}, want: iampolicy.ImplicitDeny},
	})
}

// A nil key policy must decide exactly as the parsed default key policy.
func TestNilKeyPolicyDecidesAsTheDefaultKeyPolicy(t *testing.T) {
	seed := []*iampolicy.Policy{mustParse(t, "seed.json", seedPolicyDoc(t))}
	allowAll := []*iampolicy.Policy{mustParse(t, "all.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}
	reqs := []struct {
		name string
		req  Request
	}{
		{"an allowed GenerateDataKey", Request{Operation: "GenerateDataKey", Principal: userARN, KeyID: "alias/jumpwire/a", IdentityPolicies: seed}},
		{"a Decrypt with no identity Allow", Request{Operation: "Decrypt", Principal: userARN, IdentityPolicies: seed}},
		{"a caller from another account", Request{Operation: "Decrypt", Principal: "arn:aws:iam::444455556666:user/eve", IdentityPolicies: allowAll}},
		{"an assumed-role session", Request{Operation: "Encrypt", Principal: "arn:aws:sts::111122223333:assumed-role/app/s", IdentityPolicies: allowAll}},
	}
	for _, tc := range reqs {
		t.Run(tc.name, func(t *testing.T) {
			withNil, withParsed := tc.req, tc.req
			withNil.Key = &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/a"}}
			withParsed.Key = &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/a"}, Policy: DefaultKeyPolicy("aws", acct)}
			a, b := Decide(withNil), Decide(withParsed)
			if a.Decision != b.Decision || a.Message != b.Message || fmt.Sprint(a.Statements) != fmt.Sprint(b.Statements) {
				t.Fatalf("got %v %q %v with a nil key policy, want %v %q %v as with the parsed default", a.Decision, a.Message, a.Statements, b.Decision, b.Message, b.Statements)
			}
		})
	}
}
