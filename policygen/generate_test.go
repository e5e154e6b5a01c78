package policygen

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// wantSeedPolicy is the policy generated from seedFlowLog.
const wantSeedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AccountLevelOperations",
      "Effect": "Allow",
      "Action": "kms:CreateKey",
      "Resource": "*"
    },
    {
      "Sid": "ManageAliasesJumpwireOrg1",
      "Effect": "Allow",
      "Action": "kms:CreateAlias",
      "Resource": "arn:aws:kms:*:*:alias/jumpwire/org1"
    },
    {
      "Sid": "KeysNamedByAliasJumpwireOrg1",
      "Effect": "Allow",
      "Action": [
        "kms:DescribeKey",
        "kms:GenerateDataKey"
      ],
      "Resource": "arn:aws:kms:*:*:key/*",
      "Condition": {
        "StringLike": {
          "kms:RequestAlias": "alias/jumpwire/org1"
        }
      }
    },
    {
      "Sid": "KeysNamedByAliasJumpwireSigner",
      "Effect": "Allow",
      "Action": "kms:Sign",
      "Resource": "arn:aws:kms:*:*:key/*",
      "Condition": {
        "StringLike": {
          "kms:RequestAlias": "alias/jumpwire/signer"
        }
      }
    },
    {
      "Sid": "KeysWithAliasJumpwireOrg1",
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "arn:aws:kms:*:*:key/*",
      "Condition": {
        "ForAnyValue:StringLike": {
          "kms:ResourceAliases": "alias/jumpwire/org1"
        }
      }
    },
    {
      "Sid": "ConstrainedGrantsOnKeysWithAliasJumpwireOrg1",
      "Effect": "Allow",
      "Action": "kms:CreateGrant",
      "Resource": "arn:aws:kms:*:*:key/*",
      "Condition": {
        "ForAllValues:StringEquals": {
          "kms:GrantOperations": "Decrypt"
        },
        "ForAnyValue:StringLike": {
          "kms:ResourceAliases": "alias/jumpwire/org1"
        },
        "Null": {
          "kms:GrantOperations": "false"
        },
        "StringEquals": {
          "kms:EncryptionContext:tenant": "org1"
        }
      }
    },
    {
      "Sid": "KeysWithNoOtherAliasThanJumpwireOrg1",
      "Effect": "Allow",
      "Action": "kms:CreateAlias",
      "Resource": "arn:aws:kms:*:*:key/*",
      "Condition": {
        "ForAllValues:StringLike": {
          "kms:ResourceAliases": "alias/jumpwire/org1"
        }
      }
    }
  ]
}
`

func TestGenerateSeedFlow(t *testing.T) {
	res := Generate(seedFlowLog(), Options{})
	if got := string(res.Document.JSON()); got != wantSeedPolicy {
		t.Errorf("policy:\n%s\nwant:\n%s", got, wantSeedPolicy)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q, want none", res.Warnings)
	}
	// The NotFound call (r0) is not a decision and needs nothing.
	if got, want := len(res.Calls), 7; got != want {
		t.Errorf("got %d calls, want %d", got, want)
	}
	rep, err := Check(res.Document, res.Calls)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("check failed: %+v", rep)
	}
	for _, s := range rep.Statements {
		if s.Needed == 0 {
			t.Errorf("Statement[%d] %s needed by no call", s.Index, s.Sid)
		}
	}
	// The policy lints without error.
	for _, f := range authz.LintDocument("generated", res.Document.JSON()) {
		if f.Severity == authz.SeverityError {
			t.Errorf("lint error: %s", f)
		}
	}
	// No key-scoped action is allowed on "*".
	for _, s := range res.Document.Statement {
		for _, r := range s.Resource {
			if r != "*" {
				continue
			}
			for _, a := range s.Action {
				if a != "kms:CreateKey" {
					t.Errorf("Statement %s allows %s on *", s.Sid, a)
				}
			}
		}
	}
}

// rekey returns the records with every key ARN moved to another store:
// other key ids, account and region, same aliases.
func rekey(recs []authz.LogRecord, oldNew map[string]string) []authz.LogRecord {
	b, _ := json.Marshal(recs)
	s := string(b)
	for o, n := range oldNew {
		s = strings.ReplaceAll(s, o, n)
	}
	var out []authz.LogRecord
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func allowed(t *testing.T, p *iampolicy.Policy, recs []authz.LogRecord) []string {
	t.Helper()
	var denied []string
	for i := range recs {
		r := readRecord(&recs[i])
		if !judged(r.rec.Decision) {
			continue
		}
		c := callOf(&r, Options{})
		if d, ok := Evaluate(&c, []*iampolicy.Policy{p}); !ok {
			denied = append(denied, c.Operation+" "+d.Action+" on "+d.Resource)
		}
	}
	return denied
}

func TestGeneratedPolicyIsPortableAndTight(t *testing.T) {
	res := Generate(seedFlowLog(), Options{})
	p, err := res.Document.Parse("generated")
	if err != nil {
		t.Fatal(err)
	}
	// Another store: other key ids, another account and region.
	moved := rekey(seedFlowLog(), map[string]string{
		"11111111-1111-4111-8111-111111111111": "aaaaaaaa-1111-4111-8111-111111111111",
		"22222222-2222-4222-8222-222222222222": "bbbbbbbb-2222-4222-8222-222222222222",
		"111122223333":                         "444455556666",
		"eu-west-1":                            "us-east-2",
	})
	if d := allowed(t, p, moved); len(d) != 0 {
		t.Errorf("in another store the policy denies %q, want every call allowed", d)
	}
	// Calls that were not recorded are denied.
	other := []authz.LogRecord{
		{Operation: "GenerateDataKey", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:GenerateDataKey", tKey3)},
			KeyAliases: []string{"alias/other"}, ViaAlias: "alias/other"},
		{Operation: "Decrypt", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:Decrypt", tKey3)},
			KeyAliases: []string{"alias/other"}},
		{Operation: "ScheduleKeyDeletion", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:ScheduleKeyDeletion", tKey1)},
			KeyAliases: []string{"alias/jumpwire/org1"}},
		{Operation: "CreateAlias", Principal: tApp, Decision: "Allow",
			Checks:     []authz.LogCheck{chk("kms:CreateAlias", "arn:aws:kms:eu-west-1:111122223333:alias/jumpwire/org1"), chk("kms:CreateAlias", tKey3)},
			KeyAliases: []string{"alias/other"}},
		{Operation: "CreateGrant", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:CreateGrant", tKey1)},
			Context:    map[string]any{"kms:GrantOperations": []any{"Decrypt"}},
			KeyAliases: []string{"alias/jumpwire/org1"}},
		{Operation: "CreateGrant", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:CreateGrant", tKey1)},
			Context:    map[string]any{"kms:GrantOperations": []any{"Decrypt", "Encrypt"}, "kms:EncryptionContext:tenant": "org1"},
			KeyAliases: []string{"alias/jumpwire/org1"}},
	}
	for _, rec := range other {
		if d := allowed(t, p, []authz.LogRecord{rec}); len(d) != 1 {
			t.Errorf("%s on %v (context %v): got allowed, want denied", rec.Operation, rec.Checks, rec.Context)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// want are substrings of the policy; not substrings it must lack.
		want, not []string
	}{
		{"account and region", Options{Account: "444455556666", Region: "us-east-2"},
			[]string{`"arn:aws:kms:us-east-2:444455556666:key/*"`, `"arn:aws:kms:us-east-2:444455556666:alias/jumpwire/org1"`},
			[]string{`:*:*:`}},
		{"exact", Options{Exact: true},
			[]string{`"` + tKey1 + `"`, `"` + tKey2 + `"`, `"` + tAlias1 + `"`},
			[]string{"kms:ResourceAliases", "kms:RequestAlias", "key/*"}},
		{"context conditions", Options{ContextConditions: true},
			[]string{`"ForAnyValue:StringEquals": {
          "kms:EncryptionContextKeys": "tenant"`},
			nil},
		{"no context conditions by default", Options{}, nil, []string{"kms:EncryptionContextKeys"}},
		{"other principal", Options{Principal: tOther}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Generate(seedFlowLog(), tt.opts)
			got := string(res.Document.JSON())
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("policy lacks %s:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("policy has %s:\n%s", n, got)
				}
			}
			rep, err := Check(res.Document, res.Calls)
			if err != nil {
				t.Fatal(err)
			}
			if tt.opts.Principal == tOther {
				if len(res.Document.Statement) != 0 || len(res.Calls) != 0 {
					t.Errorf("got %d statements for a principal with no calls, want 0", len(res.Document.Statement))
				}
				return
			}
			if !rep.OK() {
				t.Errorf("check failed: %+v", rep)
			}
		})
	}
}

func TestContextConditionsNeedTheKey(t *testing.T) {
	res := Generate(seedFlowLog(), Options{ContextConditions: true})
	p, err := res.Document.Parse("generated")
	if err != nil {
		t.Fatal(err)
	}
	noContext := authz.LogRecord{Operation: "GenerateDataKey", Principal: tApp, Decision: "Allow",
		Checks: []authz.LogCheck{chk("kms:GenerateDataKey", tKey1)}, KeyAliases: []string{"alias/jumpwire/org1"}, ViaAlias: "alias/jumpwire/org1"}
	if d := allowed(t, p, []authz.LogRecord{noContext}); len(d) != 1 {
		t.Errorf("GenerateDataKey without encryption context: got allowed, want denied")
	}
	withContext := noContext
	withContext.Context = map[string]any{"kms:EncryptionContext:tenant": "org2", "kms:EncryptionContextKeys": []any{"tenant"}}
	if d := allowed(t, p, []authz.LogRecord{withContext}); len(d) != 0 {
		t.Errorf("GenerateDataKey with a tenant context: got %q, want allowed", d)
	}
}

func TestGenerateCases(t *testing.T) {
	k1Aliased := []string{"alias/jumpwire/org1"}
	tests := []struct {
		name     string
		recs     []authz.LogRecord
		opts     Options
		want     []Statement
		warnings []string
	}{
		{
			name: "CreateKey with tags adds kms:TagResource on *",
			recs: []authz.LogRecord{{Operation: "CreateKey", Principal: tApp, Decision: "ImplicitDeny",
				Checks: []authz.LogCheck{chk("kms:CreateKey", "*"), chk("kms:TagResource", "*")}}},
			want: []Statement{{Sid: "AccountLevelOperations", Effect: "Allow", Action: List{"kms:CreateKey", "kms:TagResource"}, Resource: List{"*"}}},
		},
		{
			name: "CreateKey with tags from a record without checks",
			recs: []authz.LogRecord{{Operation: "CreateKey", Principal: tApp, Decision: "ImplicitDeny", Resources: []string{"*"},
				Context: map[string]any{"aws:TagKeys": []any{"team"}, "aws:RequestTag/team": "payments"}}},
			want: []Statement{{Sid: "CreateKeysWithTags", Effect: "Allow", Action: List{"kms:CreateKey", "kms:TagResource"}, Resource: List{"*"},
				Condition: Condition{"StringEquals": {"aws:RequestTag/team": {"payments"}}}}},
		},
		{
			name: "tags every CreateKey and every not-yet-aliased key had become conditions",
			recs: []authz.LogRecord{
				{Operation: "CreateKey", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:CreateKey", "*"), chk("kms:TagResource", "*")},
					Context: map[string]any{"aws:TagKeys": []any{"owner", "team"}, "aws:RequestTag/owner": "jumpwire", "aws:RequestTag/team": "a"}},
				{Operation: "CreateKey", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:CreateKey", "*"), chk("kms:TagResource", "*")},
					Context: map[string]any{"aws:TagKeys": []any{"owner"}, "aws:RequestTag/owner": "jumpwire-ci"}},
				{Operation: "ListKeys", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:ListKeys", "*")}},
				{Operation: "CreateAlias", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:CreateAlias", tAlias1), chk("kms:CreateAlias", tKey1)},
					Context: map[string]any{"aws:ResourceTag/owner": "jumpwire", "aws:ResourceTag/team": "a"}},
			},
			want: []Statement{
				{Sid: "CreateKeysWithTags", Effect: "Allow", Action: List{"kms:CreateKey", "kms:TagResource"}, Resource: List{"*"},
					Condition: Condition{"StringEquals": {"aws:RequestTag/owner": {"jumpwire", "jumpwire-ci"}}}},
				{Sid: "AccountLevelOperations", Effect: "Allow", Action: List{"kms:ListKeys"}, Resource: List{"*"}},
				{Sid: "ManageAliasesJumpwireOrg1", Effect: "Allow", Action: List{"kms:CreateAlias"}, Resource: List{"arn:aws:kms:*:*:alias/jumpwire/org1"}},
				{Sid: "KeysWithNoOtherAliasThanJumpwireOrg1", Effect: "Allow", Action: List{"kms:CreateAlias"}, Resource: List{"arn:aws:kms:*:*:key/*"},
					Condition: Condition{"ForAllValues:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}},
						"StringEquals": {"aws:ResourceTag/owner": {"jumpwire"}, "aws:ResourceTag/team": {"a"}}}},
			},
		},
		{
			name: "star operations",
			recs: []authz.LogRecord{
				{Operation: "ListKeys", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:ListKeys", "*")}},
				{Operation: "ListAliases", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:ListAliases", "*")}},
				{Operation: "GenerateRandom", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:GenerateRandom", "*")}},
			},
			want: []Statement{{Sid: "AccountLevelOperations", Effect: "Allow", Action: List{"kms:GenerateRandom", "kms:ListAliases", "kms:ListKeys"}, Resource: List{"*"}}},
		},
		{
			name:     "a key without alias is named by ARN with a warning",
			recs:     []authz.LogRecord{{Operation: "Encrypt", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:Encrypt", tKey3)}}},
			want:     []Statement{{Sid: "KeysByArn", Effect: "Allow", Action: List{"kms:Encrypt"}, Resource: List{tKey3}}},
			warnings: []string{"key " + tKey3 + " carries no alias in the logs: named by ARN, which will not match the key in another account or store"},
		},
		{
			name: "several aliases under one prefix become prefix/*",
			recs: []authz.LogRecord{
				{Operation: "Decrypt", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:Decrypt", tKey1)}, KeyAliases: k1Aliased},
				{Operation: "Decrypt", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:Decrypt", tKey2)}, KeyAliases: []string{"alias/jumpwire/org2"}},
			},
			want: []Statement{{Sid: "KeysWithAliasJumpwire", Effect: "Allow", Action: List{"kms:Decrypt"}, Resource: List{"arn:aws:kms:*:*:key/*"},
				Condition: Condition{"ForAnyValue:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/*"}}}}},
		},
		{
			name: "UpdateAlias: the alias, the old key and the new key",
			recs: []authz.LogRecord{{Operation: "UpdateAlias", Principal: tApp, Decision: "ImplicitDeny",
				Checks:     []authz.LogCheck{chk("kms:UpdateAlias", tAlias1), chk("kms:UpdateAlias", tKey1), chk("kms:UpdateAlias", tKey2)},
				KeyAliases: k1Aliased}},
			want: []Statement{
				{Sid: "ManageAliasesJumpwireOrg1", Effect: "Allow", Action: List{"kms:UpdateAlias"}, Resource: List{"arn:aws:kms:*:*:alias/jumpwire/org1"}},
				{Sid: "KeysWithNoOtherAliasThanJumpwireOrg1", Effect: "Allow", Action: List{"kms:UpdateAlias"}, Resource: List{"arn:aws:kms:*:*:key/*"},
					Condition: Condition{"ForAllValues:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}}}},
			},
		},
		{
			name: "a call allowed by a grant needs no statement",
			recs: []authz.LogRecord{
				{Operation: "Decrypt", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:Decrypt", tKey1)}, KeyAliases: k1Aliased,
					Statements: []authz.LogStatement{{Policy: "grant:g1", Index: -1, Sid: "g1", Effect: "Allow"}}},
				{Operation: "DescribeKey", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:DescribeKey", tKey1)}, KeyAliases: k1Aliased},
			},
			want: []Statement{{Sid: "KeysWithAliasJumpwireOrg1", Effect: "Allow", Action: List{"kms:DescribeKey"}, Resource: List{"arn:aws:kms:*:*:key/*"},
				Condition: Condition{"ForAnyValue:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}}}}},
			warnings: []string{"1 recorded call(s) were allowed by grants and need no statement"},
		},
		{
			name: "calls before and after the alias: the looser statement covers both",
			recs: []authz.LogRecord{
				{Operation: "DescribeKey", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:DescribeKey", tKey1)}},
				{Operation: "CreateAlias", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:CreateAlias", tAlias1), chk("kms:CreateAlias", tKey1)}},
				{Operation: "DescribeKey", Principal: tApp, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:DescribeKey", tKey1)}, KeyAliases: k1Aliased},
			},
			want: []Statement{
				{Sid: "ManageAliasesJumpwireOrg1", Effect: "Allow", Action: List{"kms:CreateAlias"}, Resource: List{"arn:aws:kms:*:*:alias/jumpwire/org1"}},
				{Sid: "KeysWithNoOtherAliasThanJumpwireOrg1", Effect: "Allow", Action: List{"kms:CreateAlias", "kms:DescribeKey"}, Resource: List{"arn:aws:kms:*:*:key/*"},
					Condition: Condition{"ForAllValues:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}}}},
			},
		},
		{
			name: "an assumed-role session is taken by its role's ARN",
			recs: []authz.LogRecord{
				{Operation: "ListKeys", Principal: "arn:aws:sts::111122223333:assumed-role/app/s1", Decision: "Allow", Checks: []authz.LogCheck{chk("kms:ListKeys", "*")}},
				{Operation: "GenerateRandom", Principal: tOther, Decision: "Allow", Checks: []authz.LogCheck{chk("kms:GenerateRandom", "*")}},
			},
			opts: Options{Principal: "arn:aws:iam::111122223333:role/app"},
			want: []Statement{{Sid: "AccountLevelOperations", Effect: "Allow", Action: List{"kms:ListKeys"}, Resource: List{"*"}}},
		},
		{
			name: "ReEncrypt from a record without checks",
			recs: []authz.LogRecord{{Operation: "ReEncrypt", Principal: tApp, Decision: "ImplicitDeny", Resources: []string{tKey1, tKey2}, KeyAliases: k1Aliased}},
			want: []Statement{
				{Sid: "KeysWithAliasJumpwireOrg1", Effect: "Allow", Action: List{"kms:ReEncryptFrom"}, Resource: List{"arn:aws:kms:*:*:key/*"},
					Condition: Condition{"ForAnyValue:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}}}},
				{Sid: "KeysByArn", Effect: "Allow", Action: List{"kms:ReEncryptTo"}, Resource: List{tKey2}},
			},
			warnings: []string{"key " + tKey2 + " carries no alias in the logs: named by ARN, which will not match the key in another account or store"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Generate(tt.recs, tt.opts)
			if got := res.Document.Statement; !reflect.DeepEqual(got, tt.want) {
				gb, _ := json.MarshalIndent(got, "", " ")
				wb, _ := json.MarshalIndent(tt.want, "", " ")
				t.Errorf("got statements\n%s\nwant\n%s", gb, wb)
			}
			if !reflect.DeepEqual(res.Warnings, tt.warnings) {
				t.Errorf("got warnings %q, want %q", res.Warnings, tt.warnings)
			}
			rep, err := Check(res.Document, res.Calls)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Errorf("check failed: %+v", rep)
			}
		})
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"alias/jumpwire/org1"}, []string{"alias/jumpwire/org1"}},
		{[]string{"alias/jumpwire/org1", "alias/jumpwire/org2"}, []string{"alias/jumpwire/*"}},
		{[]string{"alias/jumpwire/a/x", "alias/jumpwire/b/y"}, []string{"alias/jumpwire/*"}},
		{[]string{"alias/jumpwire/a/x", "alias/jumpwire/a/y"}, []string{"alias/jumpwire/a/*"}},
		{[]string{"alias/app-a", "alias/app-b"}, []string{"alias/app-a", "alias/app-b"}},
		{[]string{"alias/jumpwire", "alias/jumpwire/org1", "alias/jumpwire/org2"}, []string{"alias/jumpwire", "alias/jumpwire/*"}},
		{[]string{"alias/jumpwire/org1", "alias/other/x"}, []string{"alias/jumpwire/org1", "alias/other/x"}},
		{[]string{"alias/x", "alias/x"}, []string{"alias/x"}},
	}
	for _, tt := range tests {
		if got := Patterns(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Patterns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckFindsDeniedCallsAndUnneededStatements(t *testing.T) {
	res := Generate(seedFlowLog(), Options{})
	// Without the CreateKey statement the CreateKey call is denied.
	short := Document{Version: res.Document.Version, Statement: res.Document.Statement[1:]}
	rep, err := Check(short, res.Calls)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Denied) != 1 || rep.Denied[0].Call.Operation != "CreateKey" {
		t.Fatalf("got denied %+v, want the CreateKey call", rep.Denied)
	}
	wantMsg := "User: " + tApp + " is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"
	if rep.Denied[0].Message != wantMsg {
		t.Errorf("got message %q, want %q", rep.Denied[0].Message, wantMsg)
	}
	// A statement that allows nothing recorded is found.
	extra := Document{Version: res.Document.Version, Statement: append(append([]Statement{}, res.Document.Statement...),
		Statement{Sid: "Extra", Effect: "Allow", Action: List{"kms:ScheduleKeyDeletion"}, Resource: List{"arn:aws:kms:*:*:key/*"}})}
	rep, err = Check(extra, res.Calls)
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Statements[len(rep.Statements)-1]
	if rep.OK() || last.Sid != "Extra" || last.Needed != 0 {
		t.Errorf("got %+v, want Extra needed by no call", last)
	}
}

func TestReadLog(t *testing.T) {
	good := `{"time":"2026-12-01T21:00:00Z","requestId":"r1","operation":"ListKeys","principal":"` + tApp + `","action":"kms:ListKeys","resources":["*"],"decision":"Allow","enforced":false}

{"requestId":"r2","operation":"Decrypt","principal":"` + tApp + `","action":"kms:Decrypt","resources":["` + tKey1 + `"],"decision":"ImplicitDeny","enforced":false,"context":{"kms:EncryptionContext:tenant":"org1"},"keyAliases":["alias/jumpwire/org1"]}
`
	recs, err := ReadLog(strings.NewReader(good), "log")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].RequestID != "r2" || recs[1].KeyAliases[0] != "alias/jumpwire/org1" || recs[1].Context["kms:EncryptionContext:tenant"] != "org1" {
		t.Errorf("got %+v", recs)
	}
	for _, tt := range []struct{ in, want string }{
		{good + "not json\n", "log:4: not a decision-log record"},
		{"{}\n", "log:1: not a decision-log record: no operation and no action"},
		{`{"operation": 3}` + "\n", "log:1: not a decision-log record"},
		{good + strings.Repeat("x", 1<<20+1) + "\n", "log:4: not a decision-log record: the line is longer than 1048576 bytes"},
	} {
		_, err := ReadLog(strings.NewReader(tt.in), "log")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadLog(%q): got %v, want %q", tt.in, err, tt.want)
		}
	}
	// A record line of exactly 1 MiB is read, with its newline or as the
	// last line without one; one byte more is refused.
	lineOf := func(n int) string {
		const head, tail = `{"operation":"ListKeys","action":"kms:ListKeys","padding":"`, `"}`
		return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
	}
	const tooLong = "log:1: not a decision-log record: the line is longer than 1048576 bytes"
	for _, tt := range []struct {
		name, in    string
		wantRecords int
		wantErr     string
	}{
		{"exactly the bound, with its newline", lineOf(1<<20) + "\n", 1, ""},
		{"exactly the bound, last without a newline", lineOf(1 << 20), 1, ""},
		{"one byte more", lineOf(1<<20+1) + "\n", 0, tooLong},
		{"one byte more, last without a newline", lineOf(1<<20 + 1), 0, tooLong},
	} {
		recs, err := ReadLog(strings.NewReader(tt.in), "log")
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tt.wantErr || len(recs) != tt.wantRecords {
			t.Errorf("%s: got %d records, error %q; want %d, %q", tt.name, len(recs), gotErr, tt.wantRecords, tt.wantErr)
		}
	}
}

// With keys created tagged, the key side of CreateAlias needs the tag: the
// alias cannot be put on an untagged key that has no alias yet.
func TestTaggedKeysNarrowTheKeySideOfCreateAlias(t *testing.T) {
	tagged := map[string]any{"aws:ResourceTag/owner": "jumpwire"}
	recs := []authz.LogRecord{
		{Operation: "CreateKey", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:CreateKey", "*"), chk("kms:TagResource", "*")},
			Context: map[string]any{"aws:TagKeys": []any{"owner"}, "aws:RequestTag/owner": "jumpwire"}},
		{Operation: "CreateAlias", Principal: tApp, Decision: "ImplicitDeny", Checks: []authz.LogCheck{chk("kms:CreateAlias", tAlias1), chk("kms:CreateAlias", tKey1)},
			Context: tagged},
	}
	res := Generate(recs, Options{})
	p, err := res.Document.Parse("generated")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		rec    authz.LogRecord
		denied bool
	}{
		{"the recorded CreateAlias", recs[1], false},
		{"CreateAlias onto an untagged key", authz.LogRecord{Operation: "CreateAlias", Principal: tApp, Decision: "Allow",
			Checks: []authz.LogCheck{chk("kms:CreateAlias", tAlias1), chk("kms:CreateAlias", tKey3)}}, true},
		{"CreateKey with another tag value", authz.LogRecord{Operation: "CreateKey", Principal: tApp, Decision: "Allow",
			Checks:  []authz.LogCheck{chk("kms:CreateKey", "*"), chk("kms:TagResource", "*")},
			Context: map[string]any{"aws:TagKeys": []any{"owner"}, "aws:RequestTag/owner": "mallory"}}, true},
		{"CreateKey without tags", authz.LogRecord{Operation: "CreateKey", Principal: tApp, Decision: "Allow",
			Checks: []authz.LogCheck{chk("kms:CreateKey", "*")}}, true},
	} {
		if got := len(allowed(t, p, []authz.LogRecord{tt.rec})) == 1; got != tt.denied {
			t.Errorf("%s: got denied %v, want %v", tt.name, got, tt.denied)
		}
	}
}
