package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/awsfacts"
)

const (
	maxTags       = 50
	maxPolicySize = 131072
	// maxPolicyBytes is KMS's key policy document size quota (32 KB, not
	// adjustable), below the API model's length bound.
	maxPolicyBytes = 32768
	// defaultPolicyName is the only key policy name KMS has.
	defaultPolicyName = "default"
)

var rePolicyName = regexp.MustCompile(`^[\w]+$`)

// defaultPolicy is the key policy AWS gives a key of the scope created
// without one.
func (sc scope) defaultPolicy() string { return awsfacts.DefaultKeyPolicy(sc.partition(), sc.account) }

// checkPolicy validates a key policy: its size (the API model's length,
// then KMS's 32 KB quota), and that it is a JSON policy
// document (an object whose Statement is one statement or a non-empty list
// of them, each with Effect Allow or Deny).
func checkPolicy(policy string) error {
	if err := validationBlobLen("policy", utf8.RuneCountInString(policy), 1, maxPolicySize); err != nil {
		return err
	}
	if !allRunesIn(policy, ' ', 0xFF, '\t', '\n', '\r') {
		// The API model's pattern; unverified against AWS: whether the
		// message repeats the policy (kmsgate's does not, as for its length).
		return validation("Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
	}
	if len(policy) > maxPolicyBytes {
		// KMS answers a resource quota exceeded with LimitExceededException
		// (developer guide, "Resource quotas"); the text is unverified
		// against AWS, and so is whether it comes before a malformed
		// document's answer.
		return &types.LimitExceededException{Message: aws.String(fmt.Sprintf("The key policy document is %d bytes, larger than the %d bytes allowed.", len(policy), maxPolicyBytes))}
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(policy))
	if err := dec.Decode(&doc); err != nil || dec.More() {
		// Unverified against AWS: the most plausible text.
		return malformedPolicy("The policy is not a valid JSON document.")
	}
	rawStmt, ok := doc["Statement"]
	if !ok {
		return malformedPolicy("The policy document has no Statement.")
	}
	var stmts []map[string]json.RawMessage
	if t := bytes.TrimSpace(rawStmt); len(t) > 0 && t[0] == '{' {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(rawStmt, &one); err != nil {
			return malformedPolicy("The policy document has a malformed Statement.")
		}
		stmts = append(stmts, one)
	} else if err := json.Unmarshal(rawStmt, &stmts); err != nil || len(stmts) == 0 {
		return malformedPolicy("The policy document has a malformed Statement.")
	}
	for i, st := range stmts {
		var effect string
		if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			return malformedPolicy(fmt.Sprintf("Statement %d of the policy document has no valid Effect (Allow or Deny).", i+1))
		}
	}
	return nil
}

func checkPolicyName(name *string) error {
	if name == nil {
		return nil
	}
	if err := validationLen("policyName", *name, 1, 128); err != nil {
		return err
	}
	if !rePolicyName.MatchString(*name) {
		return validationPattern("policyName", *name, `[\w]+`)
	}
	if *name != defaultPolicyName {
		// Unverified against AWS: KMS keys have only the policy "default".
		return notFound("No such policy exists")
	}
	return nil
}

// checkTagKey validates one tag key (the n-th of the request, 1-based).
func checkTagKey(field string, key *string) error {
	if key == nil {
		return validationNull(field)
	}
	if err := validationLen(field, *key, 1, 128); err != nil {
		return err
	}
	if strings.HasPrefix(strings.ToLower(*key), "aws:") {
		return tagError("Tags beginning with aws: are reserved")
	}
	return nil
}

// mergeTags validates add and returns have with add applied (same key:
// value replaced), keeping first-set order.
func mergeTags(have []types.Tag, add []types.Tag) ([]types.Tag, error) {
	seen := map[string]bool{}
	for i, tag := range add {
		if err := checkTagKey(fmt.Sprintf("tags.%d.member.tagKey", i+1), tag.TagKey); err != nil {
			return nil, err
		}
		if tag.TagValue == nil {
			return nil, validationNull(fmt.Sprintf("tags.%d.member.tagValue", i+1))
		}
		if err := validationLen(fmt.Sprintf("tags.%d.member.tagValue", i+1), *tag.TagValue, 0, 256); err != nil {
			return nil, err
		}
		if seen[*tag.TagKey] {
			return nil, tagError("Duplicate tag keys")
		}
		seen[*tag.TagKey] = true
	}
	out := slices.Clone(have)
	for _, tag := range add {
		i := slices.IndexFunc(out, func(x types.Tag) bool { return aws.ToString(x.TagKey) == *tag.TagKey })
		nt := types.Tag{TagKey: aws.String(*tag.TagKey), TagValue: aws.String(*tag.TagValue)}
		if i >= 0 {
			out[i] = nt
		} else {
			out = append(out, nt)
		}
	}
	if len(out) > maxTags {
		return nil, tagError("Too many tags")
	}
	return out, nil
}

// TagResource adds or replaces tags on a key.
func (s *Service) TagResource(ctx context.Context, in *kms.TagResourceInput, _ ...func(*kms.Options)) (*kms.TagResourceOutput, error) {
	if in == nil {
		in = &kms.TagResourceInput{}
	}
	if err := validateTagResource(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "TagResource", in.KeyId, notPendingDeletion, func(_ *txn, k *keyRecord) error {
		tags, err := mergeTags(k.Tags, in.Tags)
		if err != nil {
			return err
		}
		k.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.TagResourceOutput{}, nil
}

// UntagResource removes tags (by key) from a key; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, in *kms.UntagResourceInput, _ ...func(*kms.Options)) (*kms.UntagResourceOutput, error) {
	if in == nil {
		in = &kms.UntagResourceInput{}
	}
	if err := validateUntagResource(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "UntagResource", in.KeyId, notPendingDeletion, func(_ *txn, k *keyRecord) error {
		k.Tags = slices.DeleteFunc(k.Tags, func(tag types.Tag) bool { return slices.Contains(in.TagKeys, aws.ToString(tag.TagKey)) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.UntagResourceOutput{}, nil
}

// ListResourceTags lists a key's tags in tag-key order, in every key state.
func (s *Service) ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	if in == nil {
		in = &kms.ListResourceTagsInput{}
	}
	p, err := validateListResourceTags(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListResourceTagsOutput
	err = s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		tags := slices.Clone(k.Tags)
		slices.SortFunc(tags, func(a, b types.Tag) int { return strings.Compare(*a.TagKey, *b.TagKey) })
		pg, next, more := paginate(tags, func(tag types.Tag) string { return *tag.TagKey }, p)
		out = &kms.ListResourceTagsOutput{Tags: append([]types.Tag{}, pg...), NextMarker: next, Truncated: more}
		return nil
	})
	return out, err
}

// GetKeyPolicy answers the key policy, in every key state.
func (s *Service) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if in == nil {
		in = &kms.GetKeyPolicyInput{}
	}
	if err := validateGetKeyPolicy(in); err != nil {
		return nil, err
	}
	var out *kms.GetKeyPolicyOutput
	err := s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		out = &kms.GetKeyPolicyOutput{Policy: aws.String(k.Policy), PolicyName: aws.String(defaultPolicyName)}
		return nil
	})
	return out, err
}

// PutKeyPolicy replaces the key policy after checking it is a JSON policy
// document.
func (s *Service) PutKeyPolicy(ctx context.Context, in *kms.PutKeyPolicyInput, _ ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	if in == nil {
		in = &kms.PutKeyPolicyInput{}
	}
	if err := validatePutKeyPolicy(in); err != nil {
		return nil, err
	}
	err := s.modifyKey(ctx, "PutKeyPolicy", in.KeyId, notPendingDeletion, func(_ *txn, k *keyRecord) error {
		k.Policy = *in.Policy
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.PutKeyPolicyOutput{}, nil
}

// ListKeyPolicies answers ["default"] for every existing key.
func (s *Service) ListKeyPolicies(ctx context.Context, in *kms.ListKeyPoliciesInput, _ ...func(*kms.Options)) (*kms.ListKeyPoliciesOutput, error) {
	if in == nil {
		in = &kms.ListKeyPoliciesInput{}
	}
	p, err := validateListKeyPolicies(in)
	if err != nil {
		return nil, err
	}
	err = s.view(ctx, func(t *txn) error {
		_, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		return err
	})
	if err != nil {
		return nil, err
	}
	names, next, more := paginate([]string{defaultPolicyName}, func(n string) string { return n }, p)
	return &kms.ListKeyPoliciesOutput{PolicyNames: append([]string{}, names...), NextMarker: next, Truncated: more}, nil
}
