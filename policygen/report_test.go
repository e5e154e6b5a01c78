package policygen

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/authz"
)

const createKeyDenied = "User: " + tApp + " is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"

// dryRunLog is what a dry-run with the seed's policy minus its CreateKey
// statement logs for the seed's flow (run twice): the CreateKey would-deny,
// and a Decrypt on a key under another alias explicitly denied.
func dryRunLog() []authz.LogRecord {
	ck := authz.LogRecord{RequestID: "c1", Operation: "CreateKey", Principal: tApp, Action: "kms:CreateKey", Resources: []string{"*"},
		Decision: "ImplicitDeny", Message: createKeyDenied, Checks: []authz.LogCheck{chk("kms:CreateKey", "*")}}
	ck2 := ck
	ck2.RequestID = "c2"
	allowedGDK := authz.LogRecord{RequestID: "g1", Operation: "GenerateDataKey", Principal: tApp, Action: "kms:GenerateDataKey", Resources: []string{tKey1},
		Decision: "Allow", Checks: []authz.LogCheck{{Action: "kms:GenerateDataKey", Resource: tKey1, Decision: "Allow"}},
		KeyAliases: []string{"alias/jumpwire/org1"}, ViaAlias: "alias/jumpwire/org1"}
	return []authz.LogRecord{ck, allowedGDK, ck2}
}

func TestReportNamesTheForgottenAction(t *testing.T) {
	rep := BuildReport(dryRunLog(), Options{})
	if rep.Calls != 3 {
		t.Errorf("got %d calls, want 3", rep.Calls)
	}
	if len(rep.Denied) != 1 {
		t.Fatalf("got %d denied groups, want 1: %+v", len(rep.Denied), rep.Denied)
	}
	g := rep.Denied[0]
	want := Group{Principal: tApp, Action: "kms:CreateKey", Resource: "*", Decision: "ImplicitDeny", Count: 2, Operations: []string{"CreateKey"},
		Message: createKeyDenied, FirstRequestID: "c1",
		Fix: []Statement{{Sid: "AccountLevelOperations", Effect: "Allow", Action: List{"kms:CreateKey"}, Resource: List{"*"}}}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got group\n%+v\nwant\n%+v", g, want)
	}
	if len(rep.Allowed) != 1 || rep.Allowed[0].Action != "kms:GenerateDataKey" || rep.Allowed[0].Count != 1 {
		t.Errorf("got allowed %+v, want the GenerateDataKey group", rep.Allowed)
	}
}

func TestReportKeyDenialSuggestsAnAliasStatement(t *testing.T) {
	recs := []authz.LogRecord{
		// CreateAlias: the alias side allowed, the key side denied.
		{RequestID: "a1", Operation: "CreateAlias", Principal: tApp, Action: "kms:CreateAlias", Decision: "ImplicitDeny",
			Message: "User: " + tApp + " is not authorized to perform: kms:CreateAlias on resource: " + tKey1 + " because no identity-based policy allows the kms:CreateAlias action",
			Checks:  []authz.LogCheck{{Action: "kms:CreateAlias", Resource: tAlias1, Decision: "Allow"}, {Action: "kms:CreateAlias", Resource: tKey1, Decision: "ImplicitDeny"}}},
		{RequestID: "d1", Operation: "Decrypt", Principal: tApp, Action: "kms:Decrypt", Decision: "ExplicitDeny",
			Message:    "User: " + tApp + " is not authorized to perform: kms:Decrypt on resource: " + tKey3 + " with an explicit deny in a resource-based policy",
			Checks:     []authz.LogCheck{{Action: "kms:Decrypt", Resource: tKey3, Decision: "ExplicitDeny"}},
			Statements: []authz.LogStatement{{Policy: "key policy", Index: 2, Sid: "DenyAll", Effect: "Deny"}}},
	}
	rep := BuildReport(recs, Options{Region: "eu-west-1"})
	if len(rep.Denied) != 2 {
		t.Fatalf("got %d groups, want 2", len(rep.Denied))
	}
	ca := rep.Denied[0]
	if ca.Action != "kms:CreateAlias" || ca.Resource != tKey1 {
		t.Errorf("got %s on %s, want kms:CreateAlias on the key", ca.Action, ca.Resource)
	}
	wantFix := []Statement{{Sid: "KeysWithNoOtherAliasThanJumpwireOrg1", Effect: "Allow", Action: List{"kms:CreateAlias"},
		Resource: List{"arn:aws:kms:eu-west-1:*:key/*"}, Condition: Condition{"ForAllValues:StringLike": {"kms:ResourceAliases": {"alias/jumpwire/org1"}}}}}
	if !reflect.DeepEqual(ca.Fix, wantFix) {
		t.Errorf("got fix %+v, want %+v", ca.Fix, wantFix)
	}
	dd := rep.Denied[1]
	if dd.Decision != "ExplicitDeny" || dd.Fix != nil || dd.DenyStatements != "Deny statement 2 of key policy (Sid DenyAll)" {
		t.Errorf("got %+v, want an explicit deny without fix naming the statement", dd)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"2 would-deny group(s), 2 of 2 logged decision(s)", "explicitly denied by Deny statement 2 of key policy (Sid DenyAll): no Allow statement overrides it"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, text.String())
		}
	}
}

func TestReportFormats(t *testing.T) {
	rep := BuildReport(dryRunLog(), Options{})
	var text, md, ju strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	wantText := `1 would-deny group(s), 2 of 3 logged decision(s)

WOULD DENY kms:CreateKey on * by ` + tApp + `: 2 call(s) (CreateKey), first request c1
  message: ` + createKeyDenied + `
  smallest statement that allows it:
    {
      "Sid": "AccountLevelOperations",
      "Effect": "Allow",
      "Action": "kms:CreateKey",
      "Resource": "*"
    }
`
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"| `" + tApp + "` | `kms:CreateKey` | `*` | ImplicitDeny | 2 | `c1` |",
		"> " + createKeyDenied,
		"```json\n{\n  \"Sid\": \"AccountLevelOperations\",",
	} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("markdown lacks %q:\n%s", w, md.String())
		}
	}
	if err := rep.WriteJUnit(&ju); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal([]byte(ju.String()), &got); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, ju.String())
	}
	if got.Tests != 2 || got.Failures != 1 || len(got.Suites) != 1 || len(got.Suites[0].Cases) != 2 {
		t.Fatalf("got %+v, want 2 tests, 1 failure", got)
	}
	fc := got.Suites[0].Cases[0]
	if fc.Name != "kms:CreateKey on *" || fc.Classname != tApp || fc.Failure == nil || fc.Failure.Message != createKeyDenied || fc.Failure.Type != "ImplicitDeny" {
		t.Errorf("got failed case %+v", fc)
	}
	if pc := got.Suites[0].Cases[1]; pc.Failure != nil || pc.Name != "kms:GenerateDataKey on "+tKey1 {
		t.Errorf("got passing case %+v", pc)
	}
}

func TestReportWithoutDenials(t *testing.T) {
	rep := BuildReport(dryRunLog()[1:2], Options{})
	if len(rep.Denied) != 0 {
		t.Fatalf("got %d denied groups, want 0", len(rep.Denied))
	}
	var text, md strings.Builder
	rep.WriteText(&text)
	rep.WriteMarkdown(&md)
	if got, want := text.String(), "no would-deny decisions among 1 logged decision(s)\n"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if !strings.Contains(md.String(), "No would-deny decisions among 1 logged decision(s).") {
		t.Errorf("markdown %q", md.String())
	}
}
