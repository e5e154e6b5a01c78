package authz

import (
	"strconv"
	"strings"
	"testing"
)

func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[` + body + `]}`
}

func TestLintFindings(t *testing.T) {
	fixedSeed := strings.Replace(seedPolicyDoc(t), `{"Sid": "AliasKeySide", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:key/*"}`, `{"Sid": "AliasKeySide", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:key/*", "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/jumpwire/*"]}}}`, 1)
	if fixedSeed == seedPolicyDoc(t) {
		t.Fatal("the fixed seed policy was not built")
	}
	cases := []struct {
		name string
		doc  string
		// want lists "severity rule index" of every finding, in order.
		want []string
		// mention must appear in the first finding's message.
		mention string
	}{
		{"the seed's policy has the alias escalation pattern", seedPolicyDoc(t),
			[]string{"error alias-escalation 2"}, `Statement[1] (Sid "ManageAliases") and Statement[2] (Sid "AliasKeySide") let the holder put an alias/jumpwire/ alias on any key`},
		{"the seed's policy with its key side limited to jumpwire keys is clean", fixedSeed, nil, ""},
		{"a key side limited by a resource tag is clean", strings.Replace(seedPolicyDoc(t), `"Resource": "arn:aws:kms:*:*:key/*"}`, `"Resource": "arn:aws:kms:*:*:key/*", "Condition": {"StringEquals": {"aws:ResourceTag/owner": "jumpwire"}}}`, 1), nil, ""},
		{"one statement allowing CreateAlias everywhere also escalates", stmt(`{"Sid":"Use","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"kms:RequestAlias":"alias/app/*"}}},
			{"Sid":"All","Effect":"Allow","Action":"kms:CreateAlias","Resource":"*"}`), []string{"error alias-escalation 1"}, `Statement[1] (Sid "All") let the holder`},
		{"a key policy statement without a principal is an error", stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},{"Sid":"NoP","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`),
			[]string{"error missing-principal 1"}, "Principal"},
		{"an unknown kms action is an error", stmt(`{"Effect":"Allow","Action":["kms:Decrypts","kms:*Alias","kms:Frob*"],"Resource":"*"}`),
			[]string{"error unknown-action 0", "error unknown-action 0"}, "kms:Decrypts"},
		{"Action with NotAction is an error", stmt(`{"Sid":"Both","Effect":"Allow","Action":"kms:Decrypt","NotAction":"kms:Encrypt","Resource":"*"}`),
			[]string{"error action-with-notaction 0"}, "Action and NotAction"},
		{"a malformed document is an error", stmt(`{"Effect":"Allow","Resource":"*"}`), []string{"error malformed 0"}, "Action"},
		{"Allow with NotAction is a warning", stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), []string{"warning allow-with-notaction 0"}, "NotAction"},
		{"Deny with NotAction is fine", stmt(`{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}`), nil, ""},
		{"Allow with NotResource is a warning", stmt(`{"Effect":"Allow","Action":"kms:Decrypt","NotResource":"arn:aws:kms:*:*:key/x"}`), []string{"warning allow-with-notresource 0"}, "NotResource"},
		{"a multi-valued key without a set operator is a warning", stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ResourceAliases":"alias/a"}}}`),
			[]string{"warning multi-valued-key-without-set-operator 0"}, "kms:ResourceAliases"},
		{"ForAllValues in an Allow is a warning", stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}}`),
			[]string{"warning forallvalues-in-allow 0"}, "absent or empty"},
		{"ForAllValues with a Null false check is fine", stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"env"},"Null":{"aws:TagKeys":"false"}}}`), nil, ""},
		{"ForAllValues in a Deny is fine", stmt(`{"Effect":"Deny","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}}`), nil, ""},
		{"a set operator on a single-valued key is a warning", stmt(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:app":"x"}}}`),
			[]string{"warning set-operator-on-single-valued-key 0"}, "single-valued"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := LintDocument("p.json", []byte(tc.doc))
			var got []string
			for _, f := range fs {
				got = append(got, f.Severity+" "+f.Rule+" "+strconv.Itoa(f.Index))
				if f.Policy != "p.json" || f.Message == "" {
					t.Fatalf("got finding %+v, want the policy named and a message", f)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got findings %v, want %v (%v)", got, tc.want, fs)
			}
			if tc.mention != "" && !strings.Contains(fs[0].Message, tc.mention) {
				t.Fatalf("got message %q, want it to mention %q", fs[0].Message, tc.mention)
			}
		})
	}
}
