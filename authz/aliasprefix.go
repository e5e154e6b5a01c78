package authz

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// AliasPrefixPolicy is the one-flag policy of --alias-prefix: the seed's
// policy (authz/testdata/seed-policy.json) with prefix put in. Crypto
// operations (GenerateDataKey*, Encrypt, Decrypt) and DescribeKey only on
// keys that carry an alias under prefix; CreateAlias, UpdateAlias and
// DeleteAlias only on aliases under it; CreateKey; nothing else. prefix is
// an alias name prefix such as "alias/jumpwire/"; it must start with
// "alias/" and hold no wildcard or policy variable.
func AliasPrefixPolicy(prefix string) (*iampolicy.Policy, error) {
	if !strings.HasPrefix(prefix, "alias/") || len(prefix) == len("alias/") || strings.ContainsAny(prefix, "*?$") {
		return nil, fmt.Errorf("alias prefix %q must start with \"alias/\", name more than that, and hold no '*', '?' or '$'", prefix)
	}
	pattern, err := json.Marshal(prefix + "*")
	if err != nil {
		return nil, err
	}
	doc := `{"Version": "2012-10-17", "Statement": [
  {"Sid": "UseKeys", "Effect": "Allow",
   "Action": ["kms:GenerateDataKey*", "kms:DescribeKey", "kms:Encrypt", "kms:Decrypt"],
   "Resource": "arn:aws:kms:*:*:key/*",
   "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": [` + string(pattern) + `]}}},
  {"Sid": "ManageAliases", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:` + strings.Trim(string(pattern), `"`) + `"},
  {"Sid": "AliasKeySide", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:key/*"},
  {"Sid": "CreateKeys", "Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*"}]}`
	return iampolicy.Parse("--alias-prefix "+prefix, []byte(doc))
}
