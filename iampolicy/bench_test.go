package iampolicy

import (
	"os"
	"testing"
)

// BenchmarkEvaluateSeedPolicy evaluates the seed's policy (reference, end of
// file) against one GenerateDataKey request on a jumpwire key: the parsed
// policy is reused, as a server would.
func BenchmarkEvaluateSeedPolicy(b *testing.B) {
	doc, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		b.Fatal(err)
	}
	p := mustParse(b, "seed.json", string(doc))
	ctx := Context{}
	ctx.Set("kms:ResourceAliases", StringSet("alias/jumpwire/org1"))
	ctx.Set("aws:PrincipalArn", String("arn:aws:iam::111122223333:user/kmsgate"))
	set := Set{Identity: []*Policy{p}}
	for _, bc := range []struct {
		name   string
		action string
		want   Decision
	}{
		{"allowed GenerateDataKey", "kms:GenerateDataKey", Allow},
		{"implicitly denied ListAliases", "kms:ListAliases", ImplicitDeny},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := &Request{Action: bc.action, Resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
				Principal: "arn:aws:iam::111122223333:user/kmsgate", Context: ctx}
			if got := Evaluate(req, set).Decision; got != bc.want {
				b.Fatalf("got %v, want %v", got, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(req, set)
			}
		})
	}
}

// BenchmarkParseSeedPolicy parses the seed's policy.
func BenchmarkParseSeedPolicy(b *testing.B) {
	doc, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("seed.json", doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseARN is one split of a key ARN and of a user ARN (a
// decision splits both to compare their accounts).
func BenchmarkParseARN(b *testing.B) {
	for b.Loop() {
		for _, s := range []string{"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:iam::111122223333:user/app"} {
			if _, ok := ParseARN(s); !ok {
				b.Fatalf("%s: not an ARN", s)
			}
		}
	}
}
