package seed

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestParseGrantsAndReplicas(t *testing.T) {
	doc := `
keys:
  - id: ` + id1 + `
    grants:
      - name: app-decrypt
        granteePrincipal: arn:aws:iam::111122223333:role/app
        retiringPrincipal: arn:aws:iam::111122223333:role/admin
        operations: [Decrypt, GenerateDataKey]
        constraints:
          encryptionContextEquals: {tenant: "42"}
          encryptionContextSubset: {app: billing}
      - granteeServicePrincipal: s3.amazonaws.com
        operations: [Encrypt]
        constraints: {sourceArn: "arn:aws:s3:us-east-1:111122223333:bucket"}
      - granteePrincipal: arn:aws:iam::111122223333:role/app
        operations: [DescribeKey]
        constraints: {}
  - id: ` + mrk1 + `
    region: us-east-1
    account: "111122223333"
    material: [` + hex1 + `]
    aliases: [alias/global]
    replicas:
      - region: eu-west-1
      - region: ap-southeast-2
        description: Sydney copy
        enabled: false
        tags: {site: syd}
        policy: {Version: "2012-10-17", Statement: []}
        aliases: [alias/global]
        grants:
          - {granteePrincipal: "arn:aws:iam::111122223333:role/syd", operations: [Decrypt]}
aliases:
  - {name: alias/eu, targetKeyId: ` + mrk1 + `, region: eu-west-1, account: "111122223333"}
`
	f, err := Parse("seed.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	t.Run("a named grant keeps its principals, operations in order and both constraints", func(t *testing.T) {
		g := f.Keys[0].Grants[0]
		want := Grant{
			Name:              "app-decrypt",
			GranteePrincipal:  "arn:aws:iam::111122223333:role/app",
			RetiringPrincipal: "arn:aws:iam::111122223333:role/admin",
			Operations:        []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationGenerateDataKey},
			Constraints: &types.GrantConstraints{
				EncryptionContextEquals: map[string]string{"tenant": "42"},
				EncryptionContextSubset: map[string]string{"app": "billing"},
			},
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("got %+v, want %+v", g, want)
		}
	})
	t.Run("a service principal grant has its source ARN", func(t *testing.T) {
		g := f.Keys[0].Grants[1]
		if g.GranteeServicePrincipal != "s3.amazonaws.com" || g.Constraints == nil || aws.ToString(g.Constraints.SourceArn) != "arn:aws:s3:us-east-1:111122223333:bucket" {
			t.Errorf("got %+v, want s3.amazonaws.com with the bucket's source ARN", g)
		}
	})
	t.Run("empty constraints are no constraints", func(t *testing.T) {
		if g := f.Keys[0].Grants[2]; g.Constraints != nil {
			t.Errorf("got constraints %+v, want nil", g.Constraints)
		}
	})
	t.Run("replicas keep their order, defaults and own settings", func(t *testing.T) {
		rs := f.Keys[1].Replicas
		if len(rs) != 2 {
			t.Fatalf("got %d replicas, want 2", len(rs))
		}
		if !reflect.DeepEqual(rs[0], Replica{Region: "eu-west-1", Enabled: true}) {
			t.Errorf("replicas[0]: got %+v, want eu-west-1, enabled, nothing else", rs[0])
		}
		r := rs[1]
		if r.Region != "ap-southeast-2" || r.Description != "Sydney copy" || r.Enabled || len(r.Tags) != 1 || *r.Tags[0].TagKey != "site" ||
			r.Policy != `{"Version":"2012-10-17","Statement":[]}` || !reflect.DeepEqual(r.Aliases, []string{"alias/global"}) ||
			len(r.Grants) != 1 || r.Grants[0].GranteePrincipal != "arn:aws:iam::111122223333:role/syd" {
			t.Errorf("replicas[1]: got %+v", r)
		}
	})
	t.Run("a top-level alias can target a replica by its region", func(t *testing.T) {
		want := Alias{Name: "alias/eu", TargetKeyID: mrk1, Region: "eu-west-1", Account: "111122223333"}
		if f.Aliases[0] != want {
			t.Errorf("got %+v, want %+v", f.Aliases[0], want)
		}
	})
}

func TestParseGrantAndReplicaErrors(t *testing.T) {
	key := func(fields string) string { return "keys:\n  - id: " + id1 + "\n" + fields }
	mrk := func(fields string) string { return "keys:\n  - id: " + mrk1 + "\n    region: us-east-1\n" + fields }
	grant := func(g string) string { return key("    grants:\n      - " + g + "\n") }
	const role = "granteePrincipal: arn:aws:iam::111122223333:role/app"
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"a grant without operations", grant("{" + role + "}"), []string{"keys[0] (id " + id1 + "): grants[0]: operations is missing or empty"}},
		{"a grant with an unknown operation", grant("{" + role + ", operations: [Decrypt, Fly]}"), []string{"grants[0]", `unknown operation "Fly"`, "GenerateDataKey"}},
		{"a grant with an operation twice", grant("{" + role + ", operations: [Decrypt, Decrypt]}"), []string{"operation Decrypt is listed twice"}},
		{"a grant for CreateGrant alone", grant("{" + role + ", operations: [CreateGrant]}"), []string{"must not allow only CreateGrant"}},
		{"a grant without a grantee", grant("{operations: [Decrypt]}"), []string{"granteePrincipal (or granteeServicePrincipal) is missing"}},
		{"a grant with both grantees", grant("{" + role + ", granteeServicePrincipal: s3.amazonaws.com, operations: [Decrypt]}"), []string{"not both"}},
		{"a grant with both retiring principals", grant("{" + role + ", retiringPrincipal: a, retiringServicePrincipal: b, operations: [Decrypt]}"), []string{"retiringPrincipal or retiringServicePrincipal, not both"}},
		{"a grantee with a space", grant("{granteePrincipal: role app, operations: [Decrypt]}"), []string{`granteePrincipal "role app" is not a principal`}},
		{"a grant name with a space", grant("{name: my grant, " + role + ", operations: [Decrypt]}"), []string{"grants[0] (my grant)", `name "my grant" must be`}},
		{"a service grantee without a source ARN", grant("{granteeServicePrincipal: s3.amazonaws.com, operations: [Decrypt]}"), []string{"needs a constraints.sourceArn"}},
		{"a source ARN without an account", grant("{" + role + ", operations: [Decrypt], constraints: {sourceArn: \"arn:aws:s3:::bucket-name-1\"}}"), []string{"sourceArn", "is not an ARN with an account"}},
		{"nine encryption context pairs", grant("{" + role + ", operations: [Decrypt], constraints: {encryptionContextSubset: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}}}"), []string{"encryptionContextSubset has 9 pairs, at most 8"}},
		{"an encryption context value of 385 characters", grant("{" + role + ", operations: [Decrypt], constraints: {encryptionContextEquals: {a: " + strings.Repeat("v", 385) + "}}}"), []string{"longer than 384 characters"}},
		{"an encryption context constraint on an HMAC key", key("    keySpec: HMAC_256\n    grants:\n      - {" + role + ", operations: [GenerateMac], constraints: {encryptionContextEquals: {a: b}}}\n"), []string{"encryptionContextEquals is only for SYMMETRIC_DEFAULT keys, not HMAC_256"}},
		{"two grants with one name", key("    grants:\n      - {name: g, " + role + ", operations: [Decrypt]}\n      - {name: g, " + role + ", operations: [Encrypt]}\n"), []string{"grants[1] (g): duplicate grant name: grants[0] (g) has it already"}},
		{"an unknown grant field", grant("{" + role + ", operations: [Decrypt], operation: [Encrypt]}"), []string{"field operation not found in a grant entry"}},
		{"an unknown constraint field", grant("{" + role + ", operations: [Decrypt], constraints: {encryptionContext: {a: b}}}"), []string{"field encryptionContext not found in grant constraints"}},
		{"replicas of a key that is not multi-Region", key("    replicas: [{region: eu-west-1}]\n"), []string{"keys[0] (id " + id1 + ")", "only multi-Region keys (ids starting mrk-) have replicas"}},
		{"a replica without a region", mrk("    replicas: [{description: x}]\n"), []string{"replicas[0]: region is missing"}},
		{"a replica in the key's own region", mrk("    replicas: [{region: us-east-1}]\n"), []string{"replicas[0] (us-east-1): region us-east-1 is the key's own region"}},
		{"a replica in a bad region", mrk("    replicas: [{region: Mars}]\n"), []string{`region "Mars" is not a region name`}},
		{"a replica in another partition", mrk("    replicas: [{region: cn-north-1}]\n"), []string{"region cn-north-1 is in another partition than the key's us-east-1"}},
		{"two replicas in one region", mrk("    replicas: [{region: eu-west-1}, {region: eu-west-1}]\n"), []string{"replicas[1] (eu-west-1): duplicate region: replicas[0] has it already"}},
		{"a replica with a bad tag", mrk("    replicas: [{region: eu-west-1, tags: {\"aws:x\": y}}]\n"), []string{"replicas[0] (eu-west-1): tags:", "reserved for AWS"}},
		{"a replica with a bad policy", mrk("    replicas: [{region: eu-west-1, policy: \"nope\"}]\n"), []string{"replicas[0] (eu-west-1): policy: not a JSON object"}},
		{"a replica alias twice", mrk("    replicas: [{region: eu-west-1, aliases: [alias/a, alias/a]}]\n"), []string{"replicas[0] (eu-west-1): duplicate alias alias/a"}},
		{"a replica with a bad grant", mrk("    replicas: [{region: eu-west-1, grants: [{operations: [Decrypt]}]}]\n"), []string{"replicas[0] (eu-west-1): grants[0]: granteePrincipal"}},
		{"an unknown replica field", mrk("    replicas: [{regoin: eu-west-1}]\n"), []string{"field regoin not found in a replica entry"}},
		{"a replica where the file has the key already", mrk("    replicas: [{region: eu-west-1}]\n  - id: " + mrk1 + "\n    region: eu-west-1\n"), []string{"keys[1] (id " + mrk1 + ")", "duplicate key id: keys[0] (id " + mrk1 + ") replicas[0] (eu-west-1) has it already"}},
		{"a replica alias that another key has in that region", mrk("    replicas: [{region: eu-west-1, aliases: [alias/a]}]\n  - {id: " + id1 + ", region: eu-west-1, aliases: [alias/a]}\n"), []string{"keys[1] (id " + id1 + ")", "duplicate alias alias/a: keys[0] (id " + mrk1 + ") replicas[0] (eu-west-1) has it already"}},
	}
	for _, c := range cases {
		t.Run(c.name+" is rejected", func(t *testing.T) {
			f, err := Parse("bad.yaml", []byte(c.doc))
			if err == nil {
				t.Fatalf("got %+v, want an error", f)
			}
			var se *Error
			if !errors.As(err, &se) || se.File != "bad.yaml" {
				t.Fatalf("got %T %v, want a *seed.Error naming bad.yaml", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err.Error(), w)
				}
			}
		})
	}
}

func TestExampleFileGrantsAndReplicas(t *testing.T) {
	f, err := Load("testdata/kmsgate-example.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Run("the README example's payments key has its grant and first rotation date", func(t *testing.T) {
		k := f.Keys[0]
		if len(k.Grants) != 1 || k.Grants[0].Name != "payments-app" || len(k.Grants[0].Operations) != 3 {
			t.Errorf("got grants %+v, want payments-app with 3 operations", k.Grants)
		}
		if want := "2030-01-01T00:00:00Z"; k.NextRotation.Format("2006-01-02T15:04:05Z07:00") != want {
			t.Errorf("got nextRotation %v, want %s", k.NextRotation, want)
		}
	})
	t.Run("the README example's multi-Region key has two replicas", func(t *testing.T) {
		k := f.Keys[1]
		if len(k.Replicas) != 2 || k.Replicas[0].Region != "eu-west-1" || k.Replicas[1].Region != "ap-southeast-2" {
			t.Fatalf("got replicas %+v, want eu-west-1 and ap-southeast-2", k.Replicas)
		}
		if r := k.Replicas[1]; len(r.Aliases) != 1 || len(r.Grants) != 1 || r.Grants[0].Operations[0] != types.GrantOperationVerifyMac {
			t.Errorf("got replica %+v, want an alias and a VerifyMac grant", r)
		}
	})
}
