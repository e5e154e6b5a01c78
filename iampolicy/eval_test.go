package iampolicy

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, name, doc string) *Policy {
	t.Helper()
	p, err := Parse(name, []byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func ctxOf(kv ...any) Context {
	c := Context{}
	for i := 0; i < len(kv); i += 2 {
		c.Set(kv[i].(string), kv[i+1].(Value))
	}
	return c
}

type evalCase struct {
	name     string
	action   string
	resource string
	ctx      Context
	want     Decision
	wantSids []string
}

func runEvalCases(t *testing.T, doc string, cases []evalCase) {
	t.Helper()
	p := mustParse(t, "identity.json", doc)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.resource
			if res == "" {
				res = "*"
			}
			req := &Request{Action: tc.action, Resource: res, Principal: "arn:aws:iam::111122223333:user/alice", Context: tc.ctx}
			got := Evaluate(req, Set{Identity: []*Policy{p}})
			if got.Decision != tc.want {
				t.Fatalf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
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
			if got.Reason == "" {
				t.Fatalf("got an empty reason")
			}
		})
	}
}

// Reference case 1.
func TestReferenceCase1DenyBeatsAllowAndUnlistedIsImplicit(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Read","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
	 {"Sid":"NoReports","Effect":"Deny","Action":"iam:*Report","Resource":"*"}]}`, []evalCase{
		{name: "GetCredentialReport is explicitly denied", action: "iam:GetCredentialReport", want: ExplicitDeny, wantSids: []string{"NoReports"}},
		{name: "GetUser is allowed", action: "iam:GetUser", want: Allow, wantSids: []string{"Read"}},
		{name: "CreatePolicy is implicitly denied", action: "iam:CreatePolicy", want: ImplicitDeny},
	})
}

// Reference case 9.
func TestReferenceCase9IfExists(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
	 "Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}`, []evalCase{
		{name: "an absent key is allowed", action: "ec2:RunInstances", want: Allow},
		{name: "m5.large is implicitly denied", action: "ec2:RunInstances", ctx: ctxOf("ec2:InstanceType", String("m5.large")), want: ImplicitDeny},
		{name: "t2.micro is allowed", action: "ec2:RunInstances", ctx: ctxOf("ec2:InstanceType", String("t2.micro")), want: Allow},
	})
}

// Reference case 10.
func TestReferenceCase10AllowNotAction(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, []evalCase{
		{name: "kms:Decrypt is allowed", action: "kms:Decrypt", resource: "arn:aws:kms:us-east-1:111122223333:key/k", want: Allow},
		{name: "iam:CreateUser is implicitly denied", action: "iam:CreateUser", want: ImplicitDeny},
	})
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:s3:::bucket/*"}]}`, []evalCase{
		{name: "NotAction allows only on the listed resource", action: "kms:Decrypt", resource: "arn:aws:kms:us-east-1:111122223333:key/k", want: ImplicitDeny},
		{name: "NotAction allows other actions on the listed resource", action: "s3:GetObject", resource: "arn:aws:s3:::bucket/a", want: Allow},
	})
}

// Reference case 11.
func TestReferenceCase11ActionsAreCaseInsensitive(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"KMS:generatedatakey*","Resource":"*"}]}`, []evalCase{
		{name: "kms:GenerateDataKeyWithoutPlaintext matches", action: "kms:GenerateDataKeyWithoutPlaintext", want: Allow},
		{name: "kms:GenerateDataKey matches", action: "kms:GenerateDataKey", want: Allow},
		{name: "kms:Decrypt does not match", action: "kms:Decrypt", want: ImplicitDeny},
	})
}

func TestWildcardsInActionsAndResources(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Q","Effect":"Allow","Action":"s3:Get?bject","Resource":"arn:aws:s3:::b/a?c"},
	 {"Sid":"Star","Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:111122223333:key/*"},
	 {"Sid":"Deep","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*/x"}]}`, []evalCase{
		{name: "? matches one character in an action and a resource", action: "s3:GetObject", resource: "arn:aws:s3:::b/abc", want: Allow},
		{name: "? does not match two characters", action: "s3:GetObject", resource: "arn:aws:s3:::b/abbc", want: ImplicitDeny},
		{name: "? does not match zero characters", action: "s3:Getbject", resource: "arn:aws:s3:::b/abc", want: ImplicitDeny},
		{name: "* in the region segment matches any region", action: "kms:Decrypt", resource: "arn:aws:kms:eu-west-1:111122223333:key/1234", want: Allow},
		{name: "* in the region segment does not cross a colon", action: "kms:Decrypt", resource: "arn:aws:kms:eu-west-1:x:111122223333:key/1234", want: ImplicitDeny},
		{name: "a different account is not matched", action: "kms:Decrypt", resource: "arn:aws:kms:eu-west-1:444455556666:key/1234", want: ImplicitDeny},
		{name: "* in the resource part crosses slashes", action: "s3:PutObject", resource: "arn:aws:s3:::b/one/two/x", want: Allow},
		{name: "resources are case-sensitive", action: "s3:PutObject", resource: "arn:aws:s3:::B/one/x", want: ImplicitDeny},
	})
}

func TestNotResource(t *testing.T) {
	runEvalCases(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::safe/*"},
	 {"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, []evalCase{
		{name: "a resource outside NotResource is denied", action: "s3:GetObject", resource: "arn:aws:s3:::other/x", want: ExplicitDeny},
		{name: "a resource inside NotResource is allowed", action: "s3:GetObject", resource: "arn:aws:s3:::safe/x", want: Allow},
	})
}

func condPolicy(op, key, values string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:Do","Resource":"*","Condition":{"` + op + `":{"` + key + `":` + values + `}}}]}`
}

func TestConditionOperators(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		op     string
		key    string
		values string
		ctx    Context
		want   Decision
	}{
		{"StringEquals matches an equal value", "StringEquals", "k", `"abc"`, ctxOf("k", String("abc")), Allow},
		{"StringEquals is case-sensitive", "StringEquals", "k", `"abc"`, ctxOf("k", String("ABC")), ImplicitDeny},
		{"StringEquals ORs its values", "StringEquals", "k", `["x","abc"]`, ctxOf("k", String("abc")), Allow},
		{"StringEquals on an absent key is false", "StringEquals", "k", `"abc"`, nil, ImplicitDeny},
		{"StringNotEquals is a NOR of its values", "StringNotEquals", "k", `["x","abc"]`, ctxOf("k", String("abc")), ImplicitDeny},
		{"StringNotEquals with no value listed is true", "StringNotEquals", "k", `["x","y"]`, ctxOf("k", String("abc")), Allow},
		{"StringNotEquals on an absent key is true", "StringNotEquals", "k", `"abc"`, nil, Allow},
		{"StringEqualsIgnoreCase ignores case", "StringEqualsIgnoreCase", "k", `"abc"`, ctxOf("k", String("ABC")), Allow},
		{"StringNotEqualsIgnoreCase ignores case", "StringNotEqualsIgnoreCase", "k", `"abc"`, ctxOf("k", String("ABC")), ImplicitDeny},
		{"StringLike matches * and ?", "StringLike", "k", `"a*c?"`, ctxOf("k", String("abbbcd")), Allow},
		{"StringLike is case-sensitive", "StringLike", "k", `"a*"`, ctxOf("k", String("Abc")), ImplicitDeny},
		{"StringNotLike is negated", "StringNotLike", "k", `"a*"`, ctxOf("k", String("abc")), ImplicitDeny},
		{"StringEquals treats * literally", "StringEquals", "k", `"a*"`, ctxOf("k", String("abc")), ImplicitDeny},
		{"condition key names are case-insensitive", "StringEquals", "AWS:USERNAME", `"bob"`, ctxOf("aws:username", String("bob")), Allow},
		{"NumericEquals compares numbers", "NumericEquals", "n", `"10"`, ctxOf("n", Number(10.0)), Allow},
		{"NumericEquals takes a JSON number", "NumericEquals", "n", `10`, ctxOf("n", String("10.0")), Allow},
		{"NumericNotEquals is negated", "NumericNotEquals", "n", `10`, ctxOf("n", Number(10)), ImplicitDeny},
		{"NumericLessThan true below", "NumericLessThan", "n", `10`, ctxOf("n", Number(9)), Allow},
		{"NumericLessThan false at", "NumericLessThan", "n", `10`, ctxOf("n", Number(10)), ImplicitDeny},
		{"NumericLessThanEquals true at", "NumericLessThanEquals", "n", `10`, ctxOf("n", Number(10)), Allow},
		{"NumericGreaterThan true above", "NumericGreaterThan", "n", `10`, ctxOf("n", Number(11)), Allow},
		{"NumericGreaterThan false at", "NumericGreaterThan", "n", `10`, ctxOf("n", Number(10)), ImplicitDeny},
		{"NumericGreaterThanEquals true at", "NumericGreaterThanEquals", "n", `10`, ctxOf("n", Number(10)), Allow},
		{"a non-numeric value fails a numeric operator", "NumericEquals", "n", `10`, ctxOf("n", String("ten")), ImplicitDeny},
		{"DateEquals reads ISO 8601 against a typed date", "DateEquals", "aws:CurrentTime", `"2026-06-01T12:00:00Z"`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"DateEquals reads epoch seconds", "DateEquals", "aws:CurrentTime", `1780315200`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"DateNotEquals is negated", "DateNotEquals", "aws:CurrentTime", `1780315200`, ctxOf("aws:CurrentTime", Date(t0)), ImplicitDeny},
		{"DateLessThan true before", "DateLessThan", "aws:CurrentTime", `"2027-01-01"`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"DateLessThan false after", "DateLessThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, ctxOf("aws:CurrentTime", Date(t0)), ImplicitDeny},
		{"DateLessThanEquals true at", "DateLessThanEquals", "aws:CurrentTime", `"2026-06-01T12:00:00Z"`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"DateGreaterThan true after", "DateGreaterThan", "aws:CurrentTime", `"2026-01-01T00:00:00+02:00"`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"DateGreaterThanEquals true at", "DateGreaterThanEquals", "aws:CurrentTime", `"2026-06-01T12:00:00Z"`, ctxOf("aws:CurrentTime", Date(t0)), Allow},
		{"a string date in the request is read as a date", "DateGreaterThan", "d", `"2026-01-01"`, ctxOf("d", String("2026-03-01T00:00:00Z")), Allow},
		{"Bool true matches true", "Bool", "aws:SecureTransport", `true`, ctxOf("aws:SecureTransport", Bool(true)), Allow},
		{"Bool quoted false matches false", "Bool", "aws:SecureTransport", `"false"`, ctxOf("aws:SecureTransport", Bool(false)), Allow},
		{"Bool true does not match false", "Bool", "aws:SecureTransport", `"true"`, ctxOf("aws:SecureTransport", Bool(false)), ImplicitDeny},
		{"BinaryEquals compares base64 bytes", "BinaryEquals", "b", `"AQID"`, ctxOf("b", Binary([]byte{1, 2, 3})), Allow},
		{"BinaryEquals rejects other bytes", "BinaryEquals", "b", `"AQID"`, ctxOf("b", Binary([]byte{1, 2})), ImplicitDeny},
		{"IpAddress matches inside a v4 CIDR", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctxOf("aws:SourceIp", IP(netip.MustParseAddr("203.0.113.7"))), Allow},
		{"IpAddress does not match outside", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctxOf("aws:SourceIp", IP(netip.MustParseAddr("203.0.114.7"))), ImplicitDeny},
		{"IpAddress bare address is a /32", "IpAddress", "aws:SourceIp", `"203.0.113.7"`, ctxOf("aws:SourceIp", String("203.0.113.7")), Allow},
		{"IpAddress matches v6 CIDRs", "IpAddress", "aws:SourceIp", `"2001:db8::/32"`, ctxOf("aws:SourceIp", String("2001:db8:1::5")), Allow},
		{"IpAddress v6 outside", "IpAddress", "aws:SourceIp", `"2001:db8::/32"`, ctxOf("aws:SourceIp", String("2001:db9::5")), ImplicitDeny},
		{"NotIpAddress is negated", "NotIpAddress", "aws:SourceIp", `["10.0.0.0/8","203.0.113.0/24"]`, ctxOf("aws:SourceIp", String("203.0.113.9")), ImplicitDeny},
		{"NotIpAddress is true outside all", "NotIpAddress", "aws:SourceIp", `["10.0.0.0/8","203.0.113.0/24"]`, ctxOf("aws:SourceIp", String("192.0.2.1")), Allow},
		{"ArnLike matches segment by segment", "ArnLike", "aws:SourceArn", `"arn:aws:s3:::bucket-*"`, ctxOf("aws:SourceArn", String("arn:aws:s3:::bucket-a")), Allow},
		{"ArnLike * does not cross a colon", "ArnLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/x"`, ctxOf("aws:PrincipalArn", String("arn:aws:iam::1:2:role/x")), ImplicitDeny},
		{"ArnEquals takes wildcards like ArnLike", "ArnEquals", "aws:PrincipalArn", `"arn:aws:iam::*:role/x"`, ctxOf("aws:PrincipalArn", String("arn:aws:iam::111122223333:role/x")), Allow},
		{"ArnEquals is case-sensitive", "ArnEquals", "aws:PrincipalArn", `"arn:aws:iam::111122223333:role/X"`, ctxOf("aws:PrincipalArn", String("arn:aws:iam::111122223333:role/x")), ImplicitDeny},
		{"ArnNotEquals is negated", "ArnNotEquals", "aws:PrincipalArn", `"arn:aws:iam::111122223333:role/x"`, ctxOf("aws:PrincipalArn", String("arn:aws:iam::111122223333:role/x")), ImplicitDeny},
		{"ArnNotLike on another ARN is true", "ArnNotLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/x"`, ctxOf("aws:PrincipalArn", String("arn:aws:iam::111122223333:role/y")), Allow},
		{"Null true matches an absent key", "Null", "k", `"true"`, nil, Allow},
		{"Null true fails a present key", "Null", "k", `true`, ctxOf("k", String("v")), ImplicitDeny},
		{"Null false matches a present key", "Null", "k", `false`, ctxOf("k", String("v")), Allow},
		{"Null false fails an absent key", "Null", "k", `false`, nil, ImplicitDeny},
		{"Null true matches an empty set", "Null", "k", `true`, ctxOf("k", StringSet()), Allow},
		{"IfExists on an absent key is true", "NumericLessThanIfExists", "n", `5`, nil, Allow},
		{"IfExists on a present key applies the operator", "NumericLessThanIfExists", "n", `5`, ctxOf("n", Number(7)), ImplicitDeny},
		{"ForAnyValue matches when one member matches", "ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, ctxOf("aws:TagKeys", StringSet("z", "b")), Allow},
		{"ForAnyValue fails when none matches", "ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, ctxOf("aws:TagKeys", StringSet("z")), ImplicitDeny},
		{"ForAnyValue on an absent key is false", "ForAnyValue:StringEquals", "aws:TagKeys", `"a"`, nil, ImplicitDeny},
		{"ForAnyValue on an empty set is false", "ForAnyValue:StringEquals", "aws:TagKeys", `"a"`, ctxOf("aws:TagKeys", StringSet()), ImplicitDeny},
		{"ForAnyValue with a negated operator needs one member outside", "ForAnyValue:StringNotEquals", "aws:TagKeys", `["a"]`, ctxOf("aws:TagKeys", StringSet("a", "b")), Allow},
		{"ForAnyValue negated fails when all members are listed", "ForAnyValue:StringNotEquals", "aws:TagKeys", `["a","b"]`, ctxOf("aws:TagKeys", StringSet("a", "b")), ImplicitDeny},
		{"ForAllValues matches when every member matches", "ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, ctxOf("aws:TagKeys", StringSet("a", "b")), Allow},
		{"ForAllValues fails when a member does not match", "ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, ctxOf("aws:TagKeys", StringSet("a", "c")), ImplicitDeny},
		{"ForAllValues on an absent key is true", "ForAllValues:StringEquals", "aws:TagKeys", `"a"`, nil, Allow},
		{"ForAllValues on an empty set is true", "ForAllValues:StringEquals", "aws:TagKeys", `"a"`, ctxOf("aws:TagKeys", StringSet()), Allow},
		{"ForAllValues negated needs every member outside", "ForAllValues:StringNotLike", "aws:TagKeys", `"sys*"`, ctxOf("aws:TagKeys", StringSet("a", "sysx")), ImplicitDeny},
		{"ForAllValues negated true when all are outside", "ForAllValues:StringNotLike", "aws:TagKeys", `"sys*"`, ctxOf("aws:TagKeys", StringSet("a", "b")), Allow},
		{"a set operator treats a single value as a set of one", "ForAnyValue:StringEquals", "k", `"a"`, ctxOf("k", String("a")), Allow},
		{"a plain operator on a set matches when any member matches", "StringEquals", "aws:TagKeys", `"a"`, ctxOf("aws:TagKeys", StringSet("b", "a")), Allow},
		{"operator names are read case-insensitively", "forallvalues:stringequals", "aws:TagKeys", `"a"`, ctxOf("aws:TagKeys", StringSet("a")), Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, "p", condPolicy(tc.op, tc.key, tc.values))
			got := Evaluate(&Request{Action: "svc:Do", Resource: "*", Context: tc.ctx}, Set{Identity: []*Policy{p}})
			if got.Decision != tc.want {
				t.Fatalf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestSeveralConditionsAreANDed(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:Do","Resource":"*","Condition":{
	 "StringEquals":{"a":"1","b":"2"},"Bool":{"c":"true"}}}]}`
	runEvalCases(t, doc, []evalCase{
		{name: "all three keys matching allows", action: "svc:Do", ctx: ctxOf("a", String("1"), "b", String("2"), "c", Bool(true)), want: Allow},
		{name: "one key under the same operator failing denies", action: "svc:Do", ctx: ctxOf("a", String("1"), "b", String("3"), "c", Bool(true)), want: ImplicitDeny},
		{name: "the other operator failing denies", action: "svc:Do", ctx: ctxOf("a", String("1"), "b", String("2"), "c", Bool(false)), want: ImplicitDeny},
	})
}

func TestPolicyVariables(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"},
	 {"Sid":"Team","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::teams/${aws:PrincipalTag/team, 'default'}/*"},
	 {"Sid":"Esc","Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::lit/${*}${?}${$}"},
	 {"Sid":"Cond","Effect":"Allow","Action":"svc:Eq","Resource":"*","Condition":{"StringEquals":{"owner":"${aws:username}"}}},
	 {"Sid":"NotCond","Effect":"Allow","Action":"svc:NotEq","Resource":"*","Condition":{"StringNotEquals":{"owner":"${aws:username}"}}},
	 {"Sid":"LikeCond","Effect":"Allow","Action":"svc:Like","Resource":"*","Condition":{"StringLike":{"owner":"${aws:username}-*"}}}]}`
	runEvalCases(t, doc, []evalCase{
		{name: "a variable in Resource is substituted", action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/f", ctx: ctxOf("aws:username", String("alice")), want: Allow},
		{name: "a substituted resource does not match another user", action: "s3:GetObject", resource: "arn:aws:s3:::home/bob/f", ctx: ctxOf("aws:username", String("alice")), want: ImplicitDeny},
		{name: "a missing variable makes the Resource entry match nothing", action: "s3:GetObject", resource: "arn:aws:s3:::home//f", want: ImplicitDeny},
		{name: "a default applies when the key is absent", action: "s3:PutObject", resource: "arn:aws:s3:::teams/default/f", want: Allow},
		{name: "the key's value wins over the default", action: "s3:PutObject", resource: "arn:aws:s3:::teams/red/f", ctx: ctxOf("aws:PrincipalTag/team", String("red")), want: Allow},
		{name: "the default does not apply when the key is present", action: "s3:PutObject", resource: "arn:aws:s3:::teams/default/f", ctx: ctxOf("aws:PrincipalTag/team", String("red")), want: ImplicitDeny},
		{name: "escapes are literal characters", action: "s3:DeleteObject", resource: "arn:aws:s3:::lit/*?$", want: Allow},
		{name: "an escaped * is not a wildcard", action: "s3:DeleteObject", resource: "arn:aws:s3:::lit/ab$", want: ImplicitDeny},
		{name: "a variable in StringEquals is substituted", action: "svc:Eq", ctx: ctxOf("aws:username", String("alice"), "owner", String("alice")), want: Allow},
		{name: "StringEquals with a missing variable is false", action: "svc:Eq", ctx: ctxOf("owner", String("alice")), want: ImplicitDeny},
		{name: "StringNotEquals with a missing variable is true", action: "svc:NotEq", ctx: ctxOf("owner", String("alice")), want: Allow},
		{name: "StringLike with a missing variable is false", action: "svc:Like", ctx: ctxOf("owner", String("alice-1")), want: ImplicitDeny},
		{name: "StringLike with a variable keeps its own wildcards", action: "svc:Like", ctx: ctxOf("aws:username", String("alice"), "owner", String("alice-1")), want: Allow},
	})
	old := `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`
	runEvalCases(t, old, []evalCase{
		{name: "under 2008-10-17 a variable is literal text", action: "s3:GetObject", resource: "arn:aws:s3:::home/${aws:username}/f", ctx: ctxOf("aws:username", String("alice")), want: Allow},
		{name: "under 2008-10-17 a variable is not substituted", action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/f", ctx: ctxOf("aws:username", String("alice")), want: ImplicitDeny},
	})
}

func TestResourcePolicyPrincipals(t *testing.T) {
	rp := mustParse(t, "resource", `{"Statement":[
	 {"Sid":"User","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"*"},
	 {"Sid":"Role","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/path/app"]},"Action":"s3:PutObject","Resource":"*"},
	 {"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:ListBucket","Resource":"*"},
	 {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"s3:GetBucketAcl","Resource":"*"},
	 {"Sid":"NotAlice","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:DeleteObject","Resource":"*"},
	 {"Sid":"Svc","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"s3:PutObjectAcl","Resource":"*"}]}`)
	cases := []struct {
		name      string
		principal string
		action    string
		want      Decision
	}{
		{"the named user is allowed", "arn:aws:iam::111122223333:user/alice", "s3:GetObject", Allow},
		{"another user is not", "arn:aws:iam::111122223333:user/bob", "s3:GetObject", ImplicitDeny},
		{"a session of the named role is allowed", "arn:aws:sts::111122223333:assumed-role/app/s1", "s3:PutObject", Allow},
		{"a session of another role is not", "arn:aws:sts::111122223333:assumed-role/other/s1", "s3:PutObject", ImplicitDeny},
		{"an account principal alone allows nothing", "arn:aws:iam::111122223333:user/bob", "s3:ListBucket", ImplicitDeny},
		{"* allows anyone", "arn:aws:iam::444455556666:user/eve", "s3:GetBucketAcl", Allow},
		{"NotPrincipal denies everyone else", "arn:aws:iam::111122223333:user/bob", "s3:DeleteObject", ExplicitDeny},
		{"NotPrincipal spares the named user", "arn:aws:iam::111122223333:user/alice", "s3:DeleteObject", ImplicitDeny},
		{"a service principal is matched", "logs.amazonaws.com", "s3:PutObjectAcl", Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(&Request{Action: tc.action, Resource: "arn:aws:s3:::b", Principal: tc.principal}, Set{Resource: []*Policy{rp}})
			if got.Decision != tc.want {
				t.Fatalf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}

func TestParseARN(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want ARN
		ok   bool
	}{
		{"a key ARN", "arn:aws:kms:us-east-1:111122223333:key/k", ARN{"aws", "kms", "us-east-1", "111122223333", "key/k"}, true},
		{"a resource with colons keeps them", "arn:aws:logs:eu-west-1:1:log-group:g:*", ARN{"aws", "logs", "eu-west-1", "1", "log-group:g:*"}, true},
		{"an S3 ARN with empty region and account", "arn:aws:s3:::bucket/k", ARN{"aws", "s3", "", "", "bucket/k"}, true},
		{"too few fields", "arn:aws:iam::1", ARN{}, false},
		{"exactly five colons, empty resource", "arn:aws:iam::1:", ARN{"aws", "iam", "", "1", ""}, true},
		{"every field empty", "arn:::::", ARN{}, true},
		{"arn: alone", "arn:", ARN{}, false},
		{"ARN in upper case is not one", "ARN:aws:kms:r:a:key/k", ARN{}, false},
		{"a prefix of arn", "ar:aws:kms:r:a:key/k", ARN{}, false},
		{"not an ARN", "urn:aws:kms:r:a:key/k", ARN{}, false},
		{"*", "*", ARN{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseARN(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
