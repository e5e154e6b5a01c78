package iampolicy

import (
	"os"
	"testing"
)

func seedCorpus(f *testing.F) []string {
	b, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		f.Fatal(err)
	}
	return []string{
		string(b),
		`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::1:role/r"]},"Action":"kms:*","Resource":"*",
		  "Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*","${*}${?}${$}"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},
		  "DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"NumericLessThan":{"n":"5"},"Null":{"x":true},"BinaryEquals":{"b":"AQID"},
		  "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${aws:PrincipalTag/team, 'x'}"}}}]}`,
		`{"Statement":[]}`,
		`[]`,
		`{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:${"}}`,
	}
}

// FuzzParse: Parse never panics, and whatever it accepts evaluates without
// panicking.
func FuzzParse(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse("fuzz", doc)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("got an empty error message")
			}
			return
		}
		ctx := Context{}
		ctx.Set("aws:username", String("alice"))
		ctx.Set("aws:TagKeys", StringSet("a", "b"))
		req := &Request{Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111122223333:key/k", Principal: "arn:aws:iam::111122223333:user/alice", Context: ctx}
		Evaluate(req, Set{Identity: []*Policy{p}, Resource: []*Policy{p}})
	})
}

// FuzzEvaluate: evaluating any accepted policy against any request never
// panics and always gives one of the three decisions with a reason.
func FuzzEvaluate(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add(s, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:key/1", "kms:ResourceAliases", "alias/jumpwire/x", true)
		f.Add(s, "s3:GetObject", "arn:aws:s3:::b/alice/x", "aws:SourceIp", "10.1.2.3", false)
		f.Add(s, "*", "*", "aws:CurrentTime", "2021-01-01", false)
	}
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value string, set bool) {
		p, err := Parse("fuzz", []byte(doc))
		if err != nil {
			return
		}
		ctx := Context{}
		if set {
			ctx.Set(key, StringSet(value, value+"x"))
		} else {
			ctx.Set(key, String(value))
		}
		r := Evaluate(&Request{Action: action, Resource: resource, Principal: value, Context: ctx}, Set{Identity: []*Policy{p}, Resource: []*Policy{p}})
		if r.Decision > ExplicitDeny || r.Reason == "" {
			t.Fatalf("got decision %v with reason %q", r.Decision, r.Reason)
		}
	})
}
