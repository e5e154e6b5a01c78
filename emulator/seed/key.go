package seed

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	mrkRE     = regexp.MustCompile(`^mrk-[0-9a-f]{32}$`)
	aliasRE   = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	keyARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):([0-9]{12}):key/(.+)$`)
)

const (
	maxDescription = 8192
	maxPolicy      = 32768
	maxTags        = 50
	maxAliasName   = 256
)

// usages lists the key usages each key spec allows; the first is the default.
var usages = map[types.KeySpec][]types.KeyUsageType{
	types.KeySpecSymmetricDefault:    {types.KeyUsageTypeEncryptDecrypt},
	types.KeySpecRsa2048:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecRsa3072:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecRsa4096:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecEccNistP256:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccNistP384:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccNistP521:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccSecgP256k1:       {types.KeyUsageTypeSignVerify},
	types.KeySpecEccNistEdwards25519: {types.KeyUsageTypeSignVerify},
	types.KeySpecHmac224:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac256:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac384:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac512:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecSm2:                 {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecMlDsa44:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlDsa65:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlDsa87:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlKem512:            {types.KeyUsageTypeEncapsulateDecapsulate},
	types.KeySpecMlKem768:            {types.KeyUsageTypeEncapsulateDecapsulate},
	types.KeySpecMlKem1024:           {types.KeyUsageTypeEncapsulateDecapsulate},
}

// hmacLengths is the allowed material length range, in bytes, per HMAC spec.
var hmacLengths = map[types.KeySpec][2]int{
	types.KeySpecHmac224: {28, 64},
	types.KeySpecHmac256: {32, 64},
	types.KeySpecHmac384: {48, 128},
	types.KeySpecHmac512: {64, 128},
}

func (p *parser) buildKey(in keyInput) (Key, error) {
	id := strings.ToLower(in.ID)
	entry := in.entry
	if in.ID != "" {
		entry = fmt.Sprintf("%s (id %s)", in.entry, in.ID)
	}
	bad := func(format string, args ...any) (Key, error) {
		return Key{}, p.fail(entry, format, args...)
	}
	switch {
	case in.ID == "":
		return bad("id is missing")
	case !uuidRE.MatchString(id) && !mrkRE.MatchString(id):
		return bad("id %q is not a key id: want a UUID or mrk- followed by 32 hex digits", in.ID)
	}
	if err := checkScope(in.Region, in.Account); err != nil {
		return bad("%v", err)
	}
	k := Key{ID: id, Region: in.Region, Account: in.Account, Description: in.Description, Enabled: true}
	if in.Enabled != nil {
		k.Enabled = *in.Enabled
	}
	if utf8.RuneCountInString(in.Description) > maxDescription {
		return bad("description is longer than %d characters", maxDescription)
	}

	if in.KeySpec != "" {
		if !slices.Contains(types.KeySpec("").Values(), types.KeySpec(in.KeySpec)) {
			return bad("unknown keySpec %q (want one of %s)", in.KeySpec, joinEnum(types.KeySpec("").Values()))
		}
		k.KeySpec = types.KeySpec(in.KeySpec)
	}
	if in.KeyUsage != "" && !slices.Contains(types.KeyUsageType("").Values(), types.KeyUsageType(in.KeyUsage)) {
		return bad("unknown keyUsage %q (want one of %s)", in.KeyUsage, joinEnum(types.KeyUsageType("").Values()))
	}
	switch types.OriginType(in.Origin) {
	case "", types.OriginTypeAwsKms:
		k.Origin = types.OriginTypeAwsKms
	case types.OriginTypeExternal:
		k.Origin = types.OriginTypeExternal
	case types.OriginTypeAwsCloudhsm, types.OriginTypeExternalKeyStore:
		return bad("origin %s needs a custom key store, which a seed file cannot create (want AWS_KMS or EXTERNAL)", in.Origin)
	default:
		return bad("unknown origin %q (want AWS_KMS or EXTERNAL)", in.Origin)
	}

	if strings.TrimSpace(in.PrivateKeyPEM) != "" {
		der, spec, err := parsePrivateKeyPEM(in.PrivateKeyPEM)
		if err != nil {
			return bad("privateKeyPem: %v", err)
		}
		if k.KeySpec != "" && k.KeySpec != spec {
			return bad("privateKeyPem holds a %s key but keySpec is %s", spec, k.KeySpec)
		}
		k.KeySpec, k.PrivateKeyDER = spec, der
	}
	if in.family != "" {
		if k.PrivateKeyDER == nil {
			return bad("PrivateKeyPem is missing")
		}
		if !strings.HasPrefix(string(k.KeySpec), strings.ToUpper(in.family)) {
			return bad("an %s entry holds a %s key", in.family, k.KeySpec)
		}
	}
	if k.KeySpec == "" {
		k.KeySpec = types.KeySpecSymmetricDefault
	}
	allowed := usages[k.KeySpec]
	if allowed == nil {
		return bad("keySpec %s is not supported in a seed file", k.KeySpec)
	}
	k.KeyUsage = allowed[0]
	if in.KeyUsage != "" {
		k.KeyUsage = types.KeyUsageType(in.KeyUsage)
		if !slices.Contains(allowed, k.KeyUsage) {
			return bad("keyUsage %s is not allowed for keySpec %s (want %s)", k.KeyUsage, k.KeySpec, joinEnum(allowed))
		}
	}

	if len(in.Material) > 0 {
		if err := p.material(&k, in.Material); err != nil {
			return bad("%v", err)
		}
	}

	k.MultiRegion = strings.HasPrefix(id, "mrk-")
	if in.MultiRegion != nil && *in.MultiRegion != k.MultiRegion {
		if k.MultiRegion {
			return bad("multiRegion is false but the id starts with mrk-, which only multi-Region keys have")
		}
		return bad("multiRegion is true but the id is a UUID: multi-Region key ids start with mrk-")
	}

	tags, err := buildTags(in.Tags)
	if err != nil {
		return bad("%v", err)
	}
	k.Tags = tags

	k.Policy, err = policyJSON(&in.Policy)
	if err != nil {
		return bad("policy: %v", err)
	}

	if r := in.Rotation; r != nil {
		if r.Enabled && (k.KeySpec != types.KeySpecSymmetricDefault || k.Origin != types.OriginTypeAwsKms) {
			return bad("rotation: automatic rotation is only for SYMMETRIC_DEFAULT keys with origin AWS_KMS, not %s / %s", k.KeySpec, k.Origin)
		}
		k.RotationEnabled = r.Enabled
		if r.PeriodInDays != nil {
			if *r.PeriodInDays < 90 || *r.PeriodInDays > 2560 {
				return bad("rotation: periodInDays %d is outside 90-2560", *r.PeriodInDays)
			}
			k.RotationPeriodInDays = *r.PeriodInDays
		} else if r.Enabled {
			k.RotationPeriodInDays = 365
		}
		if r.NextRotation != nil {
			if !r.Enabled {
				return bad("rotation: nextRotation is set but rotation is not enabled")
			}
			k.NextRotation = r.NextRotation.UTC()
		}
	}

	for _, a := range in.Aliases {
		if err := checkAliasName(a); err != nil {
			return bad("aliases: %v", err)
		}
		if slices.Contains(k.Aliases, a) {
			return bad("duplicate alias %s", a)
		}
		k.Aliases = append(k.Aliases, a)
	}
	if k.Grants, err = buildGrants(k.KeySpec, in.Grants); err != nil {
		return bad("%v", err)
	}
	if err := p.buildReplicas(&k, in.Replicas); err != nil {
		return bad("%v", err)
	}
	return k, nil
}

// material decodes and checks the material versions of k.
func (p *parser) material(k *Key, versions []string) error {
	lengths, isHMAC := hmacLengths[k.KeySpec]
	switch {
	case k.KeySpec == types.KeySpecSymmetricDefault:
	case isHMAC:
		if len(versions) > 1 {
			return fmt.Errorf("material: an HMAC key has one material version, got %d", len(versions))
		}
	default:
		return fmt.Errorf("material is only for SYMMETRIC_DEFAULT and HMAC keys, not %s (use privateKeyPem)", k.KeySpec)
	}
	for i, v := range versions {
		b, err := decodeMaterial(v)
		if err != nil {
			return fmt.Errorf("material[%d]: %v", i, err)
		}
		if isHMAC {
			if len(b) < lengths[0] || len(b) > lengths[1] {
				return fmt.Errorf("material[%d]: %s material must be %d to %d bytes, got %d", i, k.KeySpec, lengths[0], lengths[1], len(b))
			}
		} else if len(b) != 32 {
			return fmt.Errorf("material[%d]: SYMMETRIC_DEFAULT material must be 32 bytes, got %d", i, len(b))
		}
		k.Material = append(k.Material, b)
	}
	return nil
}

func decodeMaterial(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "base64:"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s[len("base64:"):]))
		if err != nil {
			return nil, fmt.Errorf("bad base64: %v", err)
		}
		return b, nil
	case strings.HasPrefix(s, "hex:"):
		s = strings.TrimSpace(s[len("hex:"):])
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad hex (want hex:..., base64:... or plain hex): %v", err)
	}
	return b, nil
}

// parsePrivateKeyPEM reads one unencrypted PEM private key and returns it in
// the emulator's material form (PKCS#8 DER) with its key spec. The framing
// is checked here, for clear messages; the key itself is read by
// keyspec.ParsePrivateKey, the one parser of private keys (RSA, NIST and
// secp256k1 curves, Ed25519, ML-DSA, ML-KEM).
func parsePrivateKeyPEM(s string) ([]byte, types.KeySpec, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, "", errors.New("no PEM block found")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, "", errors.New("more than one PEM block, or text after the block")
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		return nil, "", errors.New("encrypted PEM is not supported; give the key unencrypted")
	}
	switch block.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
	default:
		return nil, "", fmt.Errorf("PEM block type %q is not a private key (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", block.Type)
	}
	spec, der, err := keyspec.ParsePrivateKey(block.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("cannot read the %s: %v", block.Type, err)
	}
	return der, spec, nil
}

func buildTags(m map[string]string) ([]types.Tag, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if len(m) > maxTags {
		return nil, fmt.Errorf("tags: %d tags, at most %d allowed", len(m), maxTags)
	}
	tags := make([]types.Tag, 0, len(m))
	for k, v := range m {
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			return nil, fmt.Errorf("tags: key %q must be 1 to 128 characters", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, fmt.Errorf("tags: key %q starts with aws:, which is reserved for AWS", k)
		case utf8.RuneCountInString(v) > 256:
			return nil, fmt.Errorf("tags: value of %q is longer than 256 characters", k)
		}
		tags = append(tags, types.Tag{TagKey: &k, TagValue: &v})
	}
	sort.Slice(tags, func(i, j int) bool { return *tags[i].TagKey < *tags[j].TagKey })
	return tags, nil
}

func checkAliasName(name string) error {
	switch {
	case name == "":
		return errors.New("alias name is missing")
	case !strings.HasPrefix(name, "alias/"):
		return fmt.Errorf("alias %q must start with alias/", name)
	case len(name) > maxAliasName:
		return fmt.Errorf("alias %q is longer than %d characters", name, maxAliasName)
	case !aliasRE.MatchString(name):
		return fmt.Errorf("alias %q has characters other than letters, digits, /, _ and - after alias/", name)
	case strings.HasPrefix(strings.ToLower(name), awsfacts.ManagedAliasPrefix):
		return fmt.Errorf("alias %q is in alias/aws/, which is reserved for AWS managed keys", name)
	}
	return nil
}

func checkScope(region, account string) error {
	if region != "" && !regionRE.MatchString(region) {
		return fmt.Errorf("region %q is not a region name like eu-west-1", region)
	}
	if account != "" && !accountRE.MatchString(account) {
		return fmt.Errorf("account %q is not a 12-digit account id", account)
	}
	return nil
}

// parseTarget reads an alias target: a key id, or a key ARN (whose region
// and account are returned too).
func parseTarget(s string) (string, *scope, error) {
	if s == "" {
		return "", nil, errors.New("targetKeyId is missing")
	}
	id := s
	var sc *scope
	if m := keyARNRE.FindStringSubmatch(s); m != nil {
		id, sc = m[3], &scope{account: m[2], region: m[1]}
		if err := checkScope(sc.region, sc.account); err != nil {
			return "", nil, fmt.Errorf("targetKeyId %q: %v", s, err)
		}
	}
	id = strings.ToLower(id)
	if !uuidRE.MatchString(id) && !mrkRE.MatchString(id) {
		return "", nil, fmt.Errorf("targetKeyId %q is not a key id or key ARN", s)
	}
	return id, sc, nil
}

func joinEnum[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
