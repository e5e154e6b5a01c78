package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/awsfacts"
)

func tag(k, v string) types.Tag { return types.Tag{TagKey: aws.String(k), TagValue: aws.String(v)} }

func (e *env) tags(id string) map[string]string {
	e.t.Helper()
	out, err := e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("ListResourceTags: %v", err)
	}
	m := map[string]string{}
	for _, tg := range out.Tags {
		m[*tg.TagKey] = *tg.TagValue
	}
	return m
}

func TestTagResourceAndUntagResource(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(&kms.CreateKeyInput{Tags: []types.Tag{tag("env", "dev")}})
	if got := e.tags(id); len(got) != 1 || got["env"] != "dev" {
		t.Fatalf("tags from CreateKey: got %v", got)
	}
	_, err := e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{tag("env", "prod"), tag("team", "")}})
	ok(t, err)
	if got := e.tags(id); len(got) != 2 || got["env"] != "prod" || got["team"] != "" {
		t.Errorf("after TagResource: got %v, want env=prod team=", got)
	}
	_, err = e.svc.UntagResource(e.ctx, &kms.UntagResourceInput{KeyId: aws.String(id), TagKeys: []string{"env", "absent"}})
	ok(t, err)
	if got := e.tags(id); len(got) != 1 || got["team"] != "" {
		t.Errorf("after UntagResource: got %v, want only team", got)
	}
	many := make([]types.Tag, 49)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%02d", i), "v")
	}
	_, err = e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: many})
	ok(t, err) // 49 + team = 50
	for _, tc := range []struct {
		name      string
		tags      []types.Tag
		code, msg string
	}{
		{"a 51st tag is too many", []types.Tag{tag("one-more", "v")}, "TagException", "Too many tags"},
		{"an aws: key is reserved", []types.Tag{tag("aws:owner", "v")}, "TagException", "Tags beginning with aws: are reserved"},
		{"an Aws: key in another case is reserved", []types.Tag{tag("Aws:owner", "v")}, "TagException", "Tags beginning with aws: are reserved"},
		{"a repeated key is a duplicate", []types.Tag{tag("d", "1"), tag("d", "2")}, "TagException", "Duplicate tag keys"},
		{"a key over 128 characters is refused", []types.Tag{tag(strings.Repeat("k", 129), "v")}, "ValidationException",
			"1 validation error detected: Value '" + strings.Repeat("k", 129) + "' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"a value over 256 characters is refused", []types.Tag{tag("k", strings.Repeat("v", 257))}, "ValidationException",
			"1 validation error detected: Value '" + strings.Repeat("v", 257) + "' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"an empty key is refused", []types.Tag{tag("", "v")}, "ValidationException",
			"1 validation error detected: Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: tc.tags})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	if got := len(e.tags(id)); got != 50 {
		t.Errorf("tags after refused calls: got %d, want 50", got)
	}
	// Tags are listed in pages of up to 50.
	out, err := e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id), Limit: aws.Int32(20)})
	ok(t, err)
	if len(out.Tags) != 20 || !out.Truncated {
		t.Errorf("first page: got %d tags truncated=%v, want 20 true", len(out.Tags), out.Truncated)
	}
	// A Limit over 50 is accepted (the model allows 1..1000) but pages hold at most 50.
	out, err = e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id), Limit: aws.Int32(1000)})
	ok(t, err)
	if len(out.Tags) != 50 || out.Truncated {
		t.Errorf("Limit 1000: got %d tags truncated=%v, want 50 false", len(out.Tags), out.Truncated)
	}
	_, err = e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id), Limit: aws.Int32(1001)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = e.svc.UntagResource(e.ctx, &kms.UntagResourceInput{KeyId: aws.String(id), TagKeys: []string{"aws:x"}})
	wantErr(t, err, "TagException", "Tags beginning with aws: are reserved")
	_, err = e.svc.TagResource(e.ctx, &kms.TagResourceInput{KeyId: aws.String(id)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
}

func TestKeyPolicies(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	got, err := e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)})
	ok(t, err)
	want := awsfacts.DefaultKeyPolicy("aws", "111122223333") // AWS's text (awsfacts pins it)
	if aws.ToString(got.Policy) != want || aws.ToString(got.PolicyName) != "default" {
		t.Errorf("default policy:\n got %s (%s)\nwant %s", aws.ToString(got.Policy), aws.ToString(got.PolicyName), want)
	}
	custom := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}}`
	_, err = e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String(custom), PolicyName: aws.String("default")})
	ok(t, err)
	got, err = e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
	ok(t, err)
	if aws.ToString(got.Policy) != custom {
		t.Errorf("policy after PutKeyPolicy: got %s", aws.ToString(got.Policy))
	}
	created := e.createKey(&kms.CreateKeyInput{Policy: aws.String(custom)})
	if got, _ := e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(created)}); aws.ToString(got.Policy) != custom {
		t.Errorf("policy given to CreateKey: got %s", aws.ToString(got.Policy))
	}
	for _, tc := range []struct {
		name, policy string
		code         string
	}{
		{"text that is not JSON is malformed", "{", "MalformedPolicyDocumentException"},
		{"a JSON array is malformed", "[]", "MalformedPolicyDocumentException"},
		{"a document without Statement is malformed", `{"Version":"2012-10-17"}`, "MalformedPolicyDocumentException"},
		{"an empty Statement list is malformed", `{"Statement":[]}`, "MalformedPolicyDocumentException"},
		{"a statement without Effect is malformed", `{"Statement":[{"Action":"kms:*"}]}`, "MalformedPolicyDocumentException"},
		{"trailing text after the document is malformed", `{"Statement":{"Effect":"Allow"}} x`, "MalformedPolicyDocumentException"},
		{"an empty policy is a validation error", "", "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String(tc.policy)})
			wantErr(t, err, tc.code, "*")
		})
	}
	_, err = e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("other")})
	wantErr(t, err, "NotFoundException", "No such policy exists")
	lp, err := e.svc.ListKeyPolicies(e.ctx, &kms.ListKeyPoliciesInput{KeyId: aws.String(id)})
	ok(t, err)
	if len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "default" || lp.Truncated {
		t.Errorf("ListKeyPolicies: got %v", lp.PolicyNames)
	}
	_, err = e.svc.ListKeyPolicies(e.ctx, &kms.ListKeyPoliciesInput{KeyId: aws.String("alias/x")})
	wantErr(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
}

// TestDefaultKeyPolicyNamesThePartitionsRoot: a key created without a policy
// in a China or GovCloud region delegates to that partition's account root.
func TestDefaultKeyPolicyNamesThePartitionsRoot(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ region, root string }{
		{"us-east-1", "arn:aws:iam::111122223333:root"},
		{"cn-north-1", "arn:aws-cn:iam::111122223333:root"},
		{"us-gov-west-1", "arn:aws-us-gov:iam::111122223333:root"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			created, err := e.svc.CreateKey(e.in(tc.region), &kms.CreateKeyInput{})
			ok(t, err)
			got, err := e.svc.GetKeyPolicy(e.in(tc.region), &kms.GetKeyPolicyInput{KeyId: created.KeyMetadata.KeyId})
			ok(t, err)
			if want := `"Principal" : {
      "AWS" : "` + tc.root + `"
    }`; !strings.Contains(aws.ToString(got.Policy), want) {
				t.Errorf("got policy %s, want one with %s", aws.ToString(got.Policy), want)
			}
		})
	}
}
