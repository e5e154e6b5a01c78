package emulator

// Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
// RevokeGrant. Grants are stored per key (bucket emulator.grants, record key
// "<account>/<region>/<keyid>/<grantid>") and purged with their key. They are
// recorded, listed and retired as AWS does; they do not grant anything yet:
// enforcement (a grant allowing a call the key policy does not) comes with
// policy enforcement in the authorization layer.

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

const (
	bucketGrants = "emulator.grants"

	maxGrantConstraintPairs = 8
	maxGrantConstraintValue = 384
	grantIDBytes            = 32
	grantSecretBytes        = 16
	grantTokenNonceBytes    = 16
	// grantTokenTag starts every grant token kmsgate makes (before base64).
	grantTokenTag = "kgt1"
)

var (
	rePrincipal  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	reGrantID    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reSourceARN  = regexp.MustCompile(`^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$`)
	principalPat = `^[\w+=,.@:/-]+$`
)

// grantRecord is one grant as stored (JSON).
type grantRecord struct {
	GrantID                  string
	KeyID                    string
	Name                     string `json:",omitempty"`
	GranteePrincipal         string `json:",omitempty"`
	GranteeServicePrincipal  string `json:",omitempty"`
	RetiringPrincipal        string `json:",omitempty"`
	RetiringServicePrincipal string `json:",omitempty"`
	Operations               []types.GrantOperation
	Constraints              *grantConstraints `json:",omitempty"`
	CreationDate             time.Time
	IssuingAccount           string
	// Secret is in every token of this grant: a token names its grant and
	// proves it was issued for it.
	Secret []byte
}

type grantConstraints struct {
	EncryptionContextEquals map[string]string `json:",omitempty"`
	EncryptionContextSubset map[string]string `json:",omitempty"`
	SourceArn               string            `json:",omitempty"`
}

func (c *grantConstraints) toSDK() *types.GrantConstraints {
	if c == nil {
		return nil
	}
	out := &types.GrantConstraints{
		EncryptionContextEquals: maps.Clone(c.EncryptionContextEquals),
		EncryptionContextSubset: maps.Clone(c.EncryptionContextSubset),
	}
	if c.SourceArn != "" {
		out.SourceArn = aws.String(c.SourceArn)
	}
	return out
}

func (t *txn) grantDBKey(keyID, grantID string) string {
	return t.sc.dbPrefix() + keyID + "/" + grantID
}

// saveGrant stores a new grant and its index entries (grants never
// change once made).
func (t *txn) saveGrant(g *grantRecord) error {
	raw, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("emulator: encode grant %s: %w", g.GrantID, err)
	}
	if err := t.tx.Put(bucketGrants, t.grantDBKey(g.KeyID, g.GrantID), raw); err != nil {
		return err
	}
	return t.indexGrant(g)
}

// deleteGrant removes a grant and its index entries.
func (t *txn) deleteGrant(g *grantRecord) error {
	if err := t.unindexGrant(g); err != nil {
		return err
	}
	return t.tx.Delete(bucketGrants, t.grantDBKey(g.KeyID, g.GrantID))
}

func (t *txn) loadGrant(keyID, grantID string) (*grantRecord, error) {
	raw := t.tx.Peek(bucketGrants, t.grantDBKey(keyID, grantID)) // decoded at once
	if raw == nil {
		return nil, nil
	}
	return t.decodeGrant(raw)
}

func (t *txn) decodeGrant(raw []byte) (*grantRecord, error) {
	t.s.decodes.Add(1)
	var g grantRecord
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("emulator: decode grant: %w", err)
	}
	return &g, nil
}

// keyGrants returns a key's grants in grant-id order.
func (t *txn) keyGrants(keyID string) ([]grantRecord, error) {
	var out []grantRecord
	err := t.tx.Scan(bucketGrants, t.grantDBKey(keyID, ""), "", func(_ string, v []byte) (bool, error) {
		g, err := t.decodeGrant(v)
		if err != nil {
			return false, err
		}
		out = append(out, *g)
		return true, nil
	})
	return out, err
}

// purgeGrants deletes every grant of a key (the key is being deleted).
func (t *txn) purgeGrants(keyID string) error {
	grants, err := t.keyGrants(keyID)
	if err != nil {
		return err
	}
	for i := range grants {
		if err := t.deleteGrant(&grants[i]); err != nil {
			return err
		}
	}
	return nil
}

// grantToken encodes a new token for g: base64url of the tag, the key id
// (length-prefixed), the grant id, the grant's secret and a random nonce, so
// that each CreateGrant call answers a token of its own and every token of
// a grant retires it.
func (s *Service) grantToken(g *grantRecord) (string, error) {
	nonce, err := s.randomBytes(grantTokenNonceBytes)
	if err != nil {
		return "", err
	}
	gid, err := hex.DecodeString(g.GrantID)
	if err != nil {
		return "", fmt.Errorf("emulator: grant id %q: %w", g.GrantID, err)
	}
	b := make([]byte, 0, len(grantTokenTag)+1+len(g.KeyID)+len(gid)+len(g.Secret)+len(nonce))
	b = append(b, grantTokenTag...)
	b = append(b, byte(len(g.KeyID)))
	b = append(b, g.KeyID...)
	b = append(b, gid...)
	b = append(b, g.Secret...)
	b = append(b, nonce...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// parsedToken is what a grant token names.
type parsedToken struct {
	keyID, grantID string
	secret         []byte
}

// parseGrantToken takes a token apart; ok is false for anything kmsgate did
// not make. It never panics.
func parseGrantToken(tok string) (parsedToken, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < len(grantTokenTag)+1 || string(b[:len(grantTokenTag)]) != grantTokenTag {
		return parsedToken{}, false
	}
	b = b[len(grantTokenTag):]
	n := int(b[0])
	b = b[1:]
	if n == 0 || len(b) != n+grantIDBytes+grantSecretBytes+grantTokenNonceBytes {
		return parsedToken{}, false
	}
	keyID := string(b[:n])
	if !kmsgate.IsKeyID(keyID) {
		return parsedToken{}, false
	}
	return parsedToken{
		keyID:   keyID,
		grantID: hex.EncodeToString(b[n : n+grantIDBytes]),
		secret:  b[n+grantIDBytes : n+grantIDBytes+grantSecretBytes],
	}, true
}

func invalidGrantToken() error {
	// The text of AWS's documentation of the exception; unverified against
	// a recording.
	return &types.InvalidGrantTokenException{Message: aws.String("The request was rejected because the specified grant token is not valid.")}
}

func invalidGrantID() error {
	// The text of AWS's documentation of the exception; unverified against
	// a recording.
	return &types.InvalidGrantIdException{Message: aws.String("The request was rejected because the specified GrantId is not valid.")}
}

func grantNotFound(sc scope, keyID, grantID string) error {
	// Unverified against AWS: the most plausible text.
	return notFound("Grant ID " + grantID + " not found for key " + sc.keyARN(keyID))
}

// checkPrincipal validates an optional principal member (1..256, AWS's
// principal pattern).
func checkPrincipal(field string, v *string) error {
	if v == nil {
		return nil
	}
	if err := validationLen(field, *v, 1, 256); err != nil {
		return err
	}
	if !rePrincipal.MatchString(*v) {
		return validationPattern(field, *v, principalPat)
	}
	if !wellFormedSession(*v) {
		// AWS's answer, captured for an assumed-role ARN with a path
		// (radkawar/stackd grants.json).
		return &types.InvalidArnException{Message: aws.String("ARN is not valid: " + *v)}
	}
	return nil
}

// wellFormedSession reports whether an STS assumed-role ARN names exactly
// a role and a session (assumed-role ARNs carry no role path); any other
// principal passes. AWS also refuses principals that do not exist, which
// kmsgate cannot know.
func wellFormedSession(p string) bool {
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return true
	}
	rest, ok := strings.CutPrefix(parts[5], "assumed-role/")
	if !ok {
		return true
	}
	role, session, ok := strings.Cut(rest, "/")
	return ok && role != "" && session != "" && !strings.Contains(session, "/")
}

func checkGrantName(v *string) error {
	if v == nil {
		return nil
	}
	if err := validationLen("name", *v, 1, 256); err != nil {
		return err
	}
	if !reAlias.MatchString(*v) {
		return validationPattern("name", *v, "^[a-zA-Z0-9:/_-]+$")
	}
	return nil
}

// checkGrantOperations validates the Operations member: present, non-empty,
// every value in the enum, not CreateGrant alone.
func checkGrantOperations(ops []types.GrantOperation) error {
	if ops == nil {
		return validationNull("operations")
	}
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = string(op)
	}
	if len(ops) == 0 {
		// Unverified against AWS: the model's list has no minimum; an empty
		// grant is meaningless, so answer as a length violation.
		return validation("Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	valid := types.GrantOperation("").Values()
	for _, op := range ops {
		if !slices.Contains(valid, op) {
			all := make([]string, len(valid))
			for i, v := range valid {
				all[i] = string(v)
			}
			// AWS's form for an enum inside a list member (the list is echoed).
			all = awsfacts.EnumOrder("operations", all)
			return validation(fmt.Sprintf("Value '[%s]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s]]", strings.Join(names, ", "), strings.Join(all, ", ")))
		}
	}
	if !slices.ContainsFunc(ops, func(op types.GrantOperation) bool { return op != types.GrantOperationCreateGrant }) {
		return validationPlain("Grants must not contain only the CreateGrant operation.")
	}
	return nil
}

func checkConstraintContext(field string, ec map[string]string) error {
	if ec == nil {
		return nil
	}
	if len(ec) > maxGrantConstraintPairs {
		// Unverified against AWS: the documented limit of 8 pairs.
		return validationPlain(fmt.Sprintf("The %s grant constraint can include up to %d encryption context pairs.", field, maxGrantConstraintPairs))
	}
	for k, v := range ec {
		if len([]rune(k)) > maxGrantConstraintValue || len([]rune(v)) > maxGrantConstraintValue {
			// Unverified against AWS: the documented 384-character limit.
			return validationPlain(fmt.Sprintf("The %s grant constraint cannot include keys or values longer than %d characters.", field, maxGrantConstraintValue))
		}
	}
	return nil
}

func checkGrantConstraints(c *types.GrantConstraints) (*grantConstraints, error) {
	if c == nil {
		return nil, nil
	}
	if err := checkConstraintContext("EncryptionContextEquals", c.EncryptionContextEquals); err != nil {
		return nil, err
	}
	if err := checkConstraintContext("EncryptionContextSubset", c.EncryptionContextSubset); err != nil {
		return nil, err
	}
	out := &grantConstraints{
		EncryptionContextEquals: maps.Clone(c.EncryptionContextEquals),
		EncryptionContextSubset: maps.Clone(c.EncryptionContextSubset),
	}
	if c.SourceArn != nil {
		if err := validationLen("constraints.sourceArn", *c.SourceArn, 20, 512); err != nil {
			return nil, err
		}
		if !reSourceARN.MatchString(*c.SourceArn) {
			return nil, validationPattern("constraints.sourceArn", *c.SourceArn, reSourceARN.String())
		}
		out.SourceArn = *c.SourceArn
	}
	if out.EncryptionContextEquals == nil && out.EncryptionContextSubset == nil && out.SourceArn == "" {
		return nil, nil
	}
	return out, nil
}

// grantOperationsFor lists the grant operations a key of this usage (and
// spec) supports, as AWS's grant-operations table gives them.
func grantOperationsFor(k *keyRecord) []types.GrantOperation {
	common := []types.GrantOperation{types.GrantOperationCreateGrant, types.GrantOperationRetireGrant, types.GrantOperationDescribeKey}
	switch k.KeyUsage {
	case types.KeyUsageTypeEncryptDecrypt:
		if k.KeySpec == types.KeySpecSymmetricDefault {
			return append(common, types.GrantOperationDecrypt, types.GrantOperationEncrypt,
				types.GrantOperationGenerateDataKey, types.GrantOperationGenerateDataKeyWithoutPlaintext,
				types.GrantOperationReEncryptFrom, types.GrantOperationReEncryptTo,
				types.GrantOperationGenerateDataKeyPair, types.GrantOperationGenerateDataKeyPairWithoutPlaintext)
		}
		return append(common, types.GrantOperationDecrypt, types.GrantOperationEncrypt,
			types.GrantOperationReEncryptFrom, types.GrantOperationReEncryptTo, types.GrantOperationGetPublicKey)
	case types.KeyUsageTypeSignVerify:
		return append(common, types.GrantOperationSign, types.GrantOperationVerify, types.GrantOperationGetPublicKey)
	case types.KeyUsageTypeGenerateVerifyMac:
		return append(common, types.GrantOperationGenerateMac, types.GrantOperationVerifyMac)
	case types.KeyUsageTypeKeyAgreement:
		return append(common, types.GrantOperationDeriveSharedSecret, types.GrantOperationGetPublicKey)
	case types.KeyUsageTypeEncapsulateDecapsulate:
		return append(common, types.GrantOperationEncapsulate, types.GrantOperationDecapsulate, types.GrantOperationGetPublicKey)
	}
	return common
}

// checkGrantFitsKey checks the operations and constraints against the key.
func checkGrantFitsKey(k *keyRecord, ops []types.GrantOperation, c *grantConstraints) error {
	allowed := grantOperationsFor(k)
	var refused []string
	for _, op := range ops {
		if !slices.Contains(allowed, op) {
			refused = append(refused, string(op))
		}
	}
	if len(refused) > 0 {
		// AWS's text (captured for an HMAC key, which it calls symmetric;
		// "asymmetric" for the others is inferred).
		kind := "symmetric"
		if row, ok := keyspec.Lookup(k.KeySpec); ok && row.Asymmetric {
			kind = "asymmetric"
		}
		valid := make([]string, len(allowed))
		for i, op := range allowed {
			valid[i] = string(op)
		}
		return validationPlain(fmt.Sprintf("Operations [%s] are not supported when creating a grant for a %s KMS key with key usage %s. Valid operations are [%s]",
			strings.Join(refused, ", "), kind, k.KeyUsage, strings.Join(valid, ", ")))
	}
	symmetric := k.KeySpec == types.KeySpecSymmetricDefault
	if c != nil && (c.EncryptionContextEquals != nil || c.EncryptionContextSubset != nil) && !symmetric {
		// AWS's text (captured for HMAC keys).
		return validationPlain("EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key.")
	}
	return nil
}

// sameGrant reports whether a stored grant has exactly the request's
// parameters (Name idempotency).
func sameGrant(g *grantRecord, want *grantRecord) bool {
	if g.GranteePrincipal != want.GranteePrincipal || g.GranteeServicePrincipal != want.GranteeServicePrincipal ||
		g.RetiringPrincipal != want.RetiringPrincipal || g.RetiringServicePrincipal != want.RetiringServicePrincipal {
		return false
	}
	a, b := slices.Clone(g.Operations), slices.Clone(want.Operations)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
		return false
	}
	ca, _ := json.Marshal(g.Constraints)
	cb, _ := json.Marshal(want.Constraints)
	return bytes.Equal(ca, cb)
}

// CreateGrant records a grant on a key and answers its id and a token.
// With a Name, a repeated request with the same parameters answers the
// existing grant's id (and a new token). Grants are not enforced yet.
func (s *Service) CreateGrant(ctx context.Context, in *kms.CreateGrantInput, _ ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	if in == nil {
		in = &kms.CreateGrantInput{}
	}
	cons, err := validateCreateGrant(in)
	if err != nil {
		return nil, err
	}
	var out *kms.CreateGrantOutput
	err = s.update(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		if err := notPendingDeletion(t.sc, k); err != nil {
			return err
		}
		if err := checkGrantFitsKey(k, in.Operations, cons); err != nil {
			return err
		}
		if isDryRun(in.DryRun) {
			return dryRunError()
		}
		want := &grantRecord{
			KeyID:                    k.KeyID,
			Name:                     aws.ToString(in.Name),
			GranteePrincipal:         aws.ToString(in.GranteePrincipal),
			GranteeServicePrincipal:  aws.ToString(in.GranteeServicePrincipal),
			RetiringPrincipal:        aws.ToString(in.RetiringPrincipal),
			RetiringServicePrincipal: aws.ToString(in.RetiringServicePrincipal),
			Operations:               slices.Clone(in.Operations),
			Constraints:              cons,
			CreationDate:             t.now,
			IssuingAccount:           t.sc.accountRoot(),
		}
		if want.Name != "" {
			existing, err := t.keyGrants(k.KeyID)
			if err != nil {
				return err
			}
			for i := range existing {
				if existing[i].Name == want.Name && sameGrant(&existing[i], want) {
					tok, err := s.grantToken(&existing[i])
					if err != nil {
						return err
					}
					out = &kms.CreateGrantOutput{GrantId: aws.String(existing[i].GrantID), GrantToken: aws.String(tok)}
					return nil
				}
			}
		}
		id, err := s.randomBytes(grantIDBytes)
		if err != nil {
			return err
		}
		if want.Secret, err = s.randomBytes(grantSecretBytes); err != nil {
			return err
		}
		want.GrantID = hex.EncodeToString(id)
		if err := t.saveGrant(want); err != nil {
			return err
		}
		tok, err := s.grantToken(want)
		if err != nil {
			return err
		}
		out = &kms.CreateGrantOutput{GrantId: aws.String(want.GrantID), GrantToken: aws.String(tok)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("grant_id", aws.ToString(out.GrantId)).Msg("grant created")
	return out, nil
}

func grantEntry(sc scope, g *grantRecord) types.GrantListEntry {
	// Whole seconds, as AWS lists grants (captured; API reference example).
	created := g.CreationDate.Truncate(time.Second)
	e := types.GrantListEntry{
		GrantId:        aws.String(g.GrantID),
		KeyId:          aws.String(sc.keyARN(g.KeyID)),
		CreationDate:   &created,
		IssuingAccount: aws.String(g.IssuingAccount),
		Operations:     slices.Clone(g.Operations),
		Constraints:    g.Constraints.toSDK(),
		// AWS answers "Name": "" for a grant created without a name (API
		// reference's ListGrants HTTP example; developer guide's recorded
		// list-grants output).
		Name: aws.String(g.Name),
	}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = aws.String(v)
		}
	}
	set(&e.GranteePrincipal, g.GranteePrincipal)
	set(&e.GranteeServicePrincipal, g.GranteeServicePrincipal)
	set(&e.RetiringPrincipal, g.RetiringPrincipal)
	set(&e.RetiringServicePrincipal, g.RetiringServicePrincipal)
	return e
}

// ListGrants lists a key's grants in grant-id order, optionally only one
// grant (GrantId) or one grantee's; in every key state.
func (s *Service) ListGrants(ctx context.Context, in *kms.ListGrantsInput, _ ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	if in == nil {
		in = &kms.ListGrantsInput{}
	}
	p, err := validateListGrants(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListGrantsOutput
	err = s.view(ctx, func(t *txn) error {
		k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
		if err != nil {
			return err
		}
		match := func(g *grantRecord) bool {
			return (in.GrantId == nil || g.GrantID == *in.GrantId) &&
				(in.GranteePrincipal == nil || g.GranteePrincipal == *in.GranteePrincipal) &&
				(in.GranteeServicePrincipal == nil || g.GranteeServicePrincipal == *in.GranteeServicePrincipal)
		}
		var pg []*grantRecord
		var next *string
		var more bool
		switch {
		case in.GrantId != nil: // at most one grant: read it
			g, err := t.loadGrant(k.KeyID, *in.GrantId)
			if err != nil {
				return err
			}
			if g != nil && match(g) && (p.from == "" || g.GrantID >= p.from) {
				pg = append(pg, g)
			}
		case in.GranteePrincipal != nil || in.GranteeServicePrincipal != nil: // through the grantee index
			who := principalKeys(aws.ToString(in.GranteePrincipal), aws.ToString(in.GranteeServicePrincipal))[0]
			pg, next, more, err = scanPage(t.tx, bucketGrantee, t.grantDBKey(k.KeyID, who+"\x00"), p, func(grantID string, _ []byte) (*grantRecord, bool, error) {
				g, err := t.loadGrant(k.KeyID, grantID)
				return g, err == nil && g != nil && match(g), err
			})
		default:
			pg, next, more, err = scanPage(t.tx, bucketGrants, t.grantDBKey(k.KeyID, ""), p, func(_ string, v []byte) (*grantRecord, bool, error) {
				g, err := t.decodeGrant(v)
				return g, err == nil, err
			})
		}
		if err != nil {
			return err
		}
		out = &kms.ListGrantsOutput{Grants: make([]types.GrantListEntry, 0, len(pg)), NextMarker: next, Truncated: more}
		for _, g := range pg {
			out.Grants = append(out.Grants, grantEntry(t.sc, g))
		}
		return nil
	})
	return out, err
}

// ListRetirableGrants lists the grants of every key in the caller's
// account and region whose retiring principal is the one given.
func (s *Service) ListRetirableGrants(ctx context.Context, in *kms.ListRetirableGrantsInput, _ ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	if in == nil {
		in = &kms.ListRetirableGrantsInput{}
	}
	p, err := validateListRetirableGrants(in)
	if err != nil {
		return nil, err
	}
	var out *kms.ListRetirableGrantsOutput
	err = s.view(ctx, func(t *txn) error {
		who := principalKeys(aws.ToString(in.RetiringPrincipal), aws.ToString(in.RetiringServicePrincipal))[0]
		live := map[string]bool{} // key id -> live, for this page
		pg, next, more, err := scanPage(t.tx, bucketRetiring, t.sc.dbPrefix()+who+"\x00", p, func(sk string, _ []byte) (*grantRecord, bool, error) {
			keyID, grantID, ok := strings.Cut(sk, "/")
			if !ok {
				return nil, false, nil
			}
			ok, seen := live[keyID]
			if !seen {
				var err error
				if ok, err = t.keyLive(keyID); err != nil {
					return nil, false, err
				}
				live[keyID] = ok
			}
			if !ok {
				return nil, false, nil
			}
			g, err := t.loadGrant(keyID, grantID)
			if err != nil || g == nil {
				return nil, false, err
			}
			return g, (in.RetiringPrincipal == nil || g.RetiringPrincipal == *in.RetiringPrincipal) &&
				(in.RetiringServicePrincipal == nil || g.RetiringServicePrincipal == *in.RetiringServicePrincipal), nil
		})
		if err != nil {
			return err
		}
		out = &kms.ListRetirableGrantsOutput{Grants: make([]types.GrantListEntry, 0, len(pg)), NextMarker: next, Truncated: more}
		for _, g := range pg {
			out.Grants = append(out.Grants, grantEntry(t.sc, g))
		}
		return nil
	})
	return out, err
}

// checkGrantID validates a GrantId member and its form (64 hex characters).
func checkGrantID(v *string) error {
	if v == nil {
		return validationNull("grantId")
	}
	if err := validationLen("grantId", *v, 1, 128); err != nil {
		return err
	}
	if !reGrantID.MatchString(*v) {
		return invalidGrantID()
	}
	return nil
}

// deleteGrantOf resolves KeyId and deletes its grant grantID.
func (t *txn) deleteGrantOf(keyID, grantID *string, dryRun *bool) error {
	k, err := t.resolveKey("keyId", keyID, keyOnly)
	if err != nil {
		return err
	}
	g, err := t.loadGrant(k.KeyID, *grantID)
	if err != nil {
		return err
	}
	if g == nil {
		return grantNotFound(t.sc, k.KeyID, *grantID)
	}
	if isDryRun(dryRun) {
		return dryRunError()
	}
	return t.deleteGrant(g)
}

// RetireGrant deletes a grant named by a grant token, or by KeyId and
// GrantId. Who may retire it (the retiring principal) is the authorization
// layer's to judge.
func (s *Service) RetireGrant(ctx context.Context, in *kms.RetireGrantInput, _ ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	if in == nil {
		in = &kms.RetireGrantInput{}
	}
	if err := validateRetireGrant(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		if in.GrantToken == nil {
			return t.deleteGrantOf(in.KeyId, in.GrantId, in.DryRun)
		}
		pt, ok := parseGrantToken(*in.GrantToken)
		if !ok {
			return invalidGrantToken()
		}
		if in.KeyId != nil {
			k, err := t.resolveKey("keyId", in.KeyId, keyOnly)
			if err != nil {
				return err
			}
			if k.KeyID != pt.keyID {
				return invalidGrantToken()
			}
		}
		if in.GrantId != nil && *in.GrantId != pt.grantID {
			return invalidGrantToken()
		}
		g, err := t.loadGrant(pt.keyID, pt.grantID)
		if err != nil {
			return err
		}
		if g == nil {
			return grantNotFound(t.sc, pt.keyID, pt.grantID)
		}
		if subtle.ConstantTimeCompare(g.Secret, pt.secret) != 1 {
			return invalidGrantToken()
		}
		if isDryRun(in.DryRun) {
			return dryRunError()
		}
		return t.deleteGrant(g)
	})
	if err != nil {
		return nil, err
	}
	return &kms.RetireGrantOutput{}, nil
}

// RevokeGrant deletes a grant named by KeyId and GrantId.
func (s *Service) RevokeGrant(ctx context.Context, in *kms.RevokeGrantInput, _ ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if in == nil {
		in = &kms.RevokeGrantInput{}
	}
	if err := validateRevokeGrant(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(t *txn) error {
		return t.deleteGrantOf(in.KeyId, in.GrantId, in.DryRun)
	})
	if err != nil {
		return nil, err
	}
	return &kms.RevokeGrantOutput{}, nil
}
