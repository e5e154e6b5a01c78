package iampolicy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAcceptsEveryFormAWSAccepts(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		// check inspects the parsed policy.
		check func(*Policy) string
	}{
		{"a single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string { return want(len(p.Statements), 1) }},
		{"an array of statements", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`,
			func(p *Policy) string { return want(p.Statements[1].Effect, EffectDeny) }},
		{"no Version", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string { return want(p.Version, "") }},
		{"Version 2008-10-17", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string { return want(p.Version, "2008-10-17") }},
		{"elements in any order and an Id", `{"Statement":{"Resource":["*"],"Action":["s3:A","s3:B"],"Effect":"Allow","Sid":"x"},"Id":"i","Version":"2012-10-17"}`,
			func(p *Policy) string { return want(strings.Join(p.Statements[0].Actions, ","), "s3:A,s3:B") }},
		{"NotAction and NotResource as arrays", `{"Statement":{"Effect":"Deny","NotAction":["s3:A"],"NotResource":["arn:aws:s3:::b"]}}`,
			func(p *Policy) string { return want(p.Statements[0].NotAction && p.Statements[0].NotResource, true) }},
		{"Principal *", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string { return want(p.Statements[0].Principal.AWS[0], "*") }},
		{"Principal AWS with an account id and ARNs", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},"Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string { return want(len(p.Statements[0].Principal.AWS), 2) }},
		{"Principal Service, Federated and CanonicalUser", `{"Statement":{"Effect":"Allow","Principal":{"Service":"a.amazonaws.com","Federated":["cognito-identity.amazonaws.com"],"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"},"Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string {
				return want(p.Statements[0].Principal.Federated[0], "cognito-identity.amazonaws.com")
			}},
		{"NotPrincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/a"},"Action":"s3:*","Resource":"*"}}`,
			func(p *Policy) string {
				return want(p.Statements[0].NotPrincipal.AWS[0], "arn:aws:iam::111122223333:user/a")
			}},
		{"quoted numbers and bools", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"n":"10.5"},"Bool":{"b":"false"},"StringEquals":{"s":["a",1,false]}}}}`,
			func(p *Policy) string {
				return want(strings.Join(p.Statements[0].Conditions[2].Values, ","), "a,1,false")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p", []byte(tc.doc))
			if err != nil {
				t.Fatalf("got error %v, want the document accepted", err)
			}
			if tc.check != nil {
				if msg := tc.check(p); msg != "" {
					t.Fatal(msg)
				}
			}
		})
	}
}

func want[T comparable](got, want T) string {
	if got != want {
		return "got " + fmtAny(got) + ", want " + fmtAny(want)
	}
	return ""
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return `"` + x + `"`
	case interface{ String() string }:
		return x.String()
	}
	return fmt.Sprint(v)
}

func TestParseRejectsWhatAWSRejects(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		index   int
		sid     string
		element string
	}{
		{"a statement without Effect", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"NoEffect","Action":"s3:*","Resource":"*"}]}`, 1, "NoEffect", "Effect"},
		{"an Effect that is not Allow or Deny", `{"Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, 0, "", "Effect"},
		{"Action together with NotAction", `{"Statement":{"Sid":"Both","Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}}`, 0, "Both", "NotAction"},
		{"neither Action nor NotAction", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, 0, "", "Action"},
		{"Resource together with NotResource", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}}`, 0, "", "NotResource"},
		{"neither Resource nor NotResource", `{"Statement":{"Effect":"Allow","Action":"s3:*"}}`, 0, "", "Resource"},
		{"Principal together with NotPrincipal", `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"}}`, 0, "", "NotPrincipal"},
		{"an unknown operator", `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"Bad","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}]}`, 1, "Bad", "Condition"},
		{"an unknown set prefix", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}}`, 0, "", "Condition"},
		{"Null with IfExists", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, 0, "", "Condition"},
		{"a condition value that is an object", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":{"a":1}}}}}`, 0, "", "Condition"},
		{"a numeric operator with a non-number", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"k":"ten"}}}}`, 0, "", "Condition"},
		{"a bad CIDR", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}}}`, 0, "", "Condition"},
		{"an unknown top-level element", `{"Version":"2012-10-17","Statment":[],"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, -1, "", "Statment"},
		{"an unknown statement element", `{"Statement":{"Effect":"Allow","Actions":"s3:*","Action":"s3:*","Resource":"*"}}`, 0, "", "Actions"},
		{"an unknown Version", `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, -1, "", "Version"},
		{"no Statement", `{"Version":"2012-10-17"}`, -1, "", "Statement"},
		{"an action without a service", `{"Statement":{"Effect":"Allow","Action":"Decrypt","Resource":"*"}}`, 0, "", "Action"},
		{"a resource that is not an ARN", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}`, 0, "", "Resource"},
		{"a string principal other than *", `{"Statement":{"Effect":"Allow","Principal":"alice","Action":"s3:*","Resource":"*"}}`, 0, "", "Principal"},
		{"an unknown principal type", `{"Statement":{"Effect":"Allow","Principal":{"User":"x"},"Action":"s3:*","Resource":"*"}}`, 0, "", "Principal"},
		{"an empty Action array", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, 0, "", "Action"},
		{"duplicate Sids", `{"Statement":[{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, 1, "S", "Sid"},
		{"a statement that is not an object", `{"Statement":["x"]}`, 0, "", ""},
		{"not JSON", `{"Statement":`, -1, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("file.json", []byte(tc.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Index != tc.index || pe.Sid != tc.sid || pe.Element != tc.element {
				t.Fatalf("got statement %d Sid %q element %q, want %d %q %q (%v)", pe.Index, pe.Sid, pe.Element, tc.index, tc.sid, tc.element, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "file.json") || (tc.element != "" && !strings.Contains(msg, tc.element)) || (tc.sid != "" && !strings.Contains(msg, tc.sid)) {
				t.Fatalf("got message %q, want it to name the file, Sid and element", msg)
			}
		})
	}
}

func TestParsedPolicyIsReusable(t *testing.T) {
	p := mustParse(t, "p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)
	for _, user := range []string{"alice", "bob", "alice"} {
		got := Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/" + user + "/x", Context: ctxOf("aws:username", String(user))}, Set{Identity: []*Policy{p}})
		if got.Decision != Allow {
			t.Fatalf("user %s: got %v, want Allow on every reuse", user, got.Decision)
		}
	}
}

func TestParsedPolicyIsSafeForConcurrentEvaluation(t *testing.T) {
	p := mustParse(t, "p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*","Condition":{"StringLike":{"k":"${aws:username}-*"}}}}`)
	users := []string{"alice", "bob", "carol", "dave"}
	errs := make(chan string, len(users))
	for _, u := range users {
		go func() {
			for i := 0; i < 200; i++ {
				ctx := ctxOf("aws:username", String(u), "k", String(u+"-1"))
				if d := Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/" + u + "/x", Context: ctx}, Set{Identity: []*Policy{p}}).Decision; d != Allow {
					errs <- u + ": got " + d.String() + ", want Allow"
					return
				}
			}
			errs <- ""
		}()
	}
	for range users {
		if msg := <-errs; msg != "" {
			t.Fatal(msg)
		}
	}
}

func TestCheckPolicyKind(t *testing.T) {
	identity := mustParse(t, "id.json", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"P","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)
	resource := mustParse(t, "kp.json", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Sid":"NoP","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	cases := []struct {
		name    string
		err     error
		index   int
		element string
	}{
		{"an identity policy naming a principal is rejected", identity.CheckIdentity(), 1, "Principal"},
		{"a resource policy statement without a principal is rejected", resource.CheckResource(), 1, "Principal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var pe *ParseError
			if !errors.As(tc.err, &pe) || pe.Index != tc.index || pe.Element != tc.element {
				t.Fatalf("got %v, want a ParseError on Statement[%d] %s", tc.err, tc.index, tc.element)
			}
		})
	}
	ok := mustParse(t, "ok.json", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	if err := ok.CheckIdentity(); err != nil {
		t.Fatalf("got %v for a plain identity policy, want nil", err)
	}
	if err := ok.CheckResource(); err == nil {
		t.Fatal("got nil for a resource policy without principals, want an error")
	}
}
