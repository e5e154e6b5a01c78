package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// Principal is one caller kmsgate knows: its ARN, its identity policies,
// its tags (aws:PrincipalTag/...) and whether it may use the admin paths.
type Principal struct {
	ARN      string
	Account  string
	Policies []*iampolicy.Policy
	Tags     map[string]string
	Admin    bool
	// extra is aws:PrincipalTag/<k> for every tag, built once; extraNames
	// spells its keys as the principals file does, for the decision log.
	extra      iampolicy.Context
	extraNames map[string]string
}

// AccessKey is one access key of a principal.
type AccessKey struct {
	ID     string
	Secret string
	// SessionToken, when set, must come with every request signed by this
	// key (X-Amz-Security-Token).
	SessionToken string
	// Expires, when not zero, is when the key's session ends:
	// ExpiredTokenException after it.
	Expires   time.Time
	Principal *Principal
}

// Principals is the parsed --principals file plus the principal of every
// caller it does not name (--identity-policy).
type Principals struct {
	byKey map[string]*AccessKey
	byARN map[string]*Principal
	// defaultPolicies are the identity policies of callers the file does not
	// name.
	defaultPolicies []*iampolicy.Policy
	defaults        map[string]*Principal // by account
}

// principalsFile is the YAML form; unknown fields are refused.
type principalsFile struct {
	Principals []principalEntry `yaml:"principals"`
}

type principalEntry struct {
	ARN            string            `yaml:"arn"`
	AccessKeys     []accessKeyEntry  `yaml:"accessKeys"`
	Policies       []string          `yaml:"policies"`
	InlinePolicies []any             `yaml:"inlinePolicies"`
	Tags           map[string]string `yaml:"tags"`
	Admin          bool              `yaml:"admin"`
}

type accessKeyEntry struct {
	ID           string    `yaml:"id"`
	Secret       string    `yaml:"secret"`
	SessionToken string    `yaml:"sessionToken"`
	Expires      time.Time `yaml:"expires"`
}

// principalsTypeNames turns the Go types in yaml's messages into the
// file's words.
var principalsTypeNames = strings.NewReplacer(
	"[]gate.principalEntry", "the principals list",
	"[]gate.accessKeyEntry", "an accessKeys list",
	"type gate.principalsFile", "the top level",
	"type gate.principalEntry", "a principals entry",
	"type gate.accessKeyEntry", "an accessKeys entry",
	"gate.principalsFile", "the top level",
	"gate.principalEntry", "a principals entry",
	"gate.accessKeyEntry", "an accessKeys entry",
)

// maxYAMLErrors is how many of yaml's errors a message names.
const maxYAMLErrors = 5

// principalsYAMLError is err, the file's YAML decoding error, in one line
// naming the file's parts instead of Go types, with at most maxYAMLErrors
// of its errors.
func principalsYAMLError(path string, err error) error {
	if errors.Is(err, io.EOF) {
		// yaml's answer for a file with no document (empty, or comments
		// only) is a bare "EOF".
		return fmt.Errorf("principals file %s: no YAML document in the file, want one with a principals list", path)
	}
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msgs = te.Errors
	}
	more := ""
	if len(msgs) > maxYAMLErrors {
		more = fmt.Sprintf("; and %d more", len(msgs)-maxYAMLErrors)
		msgs = msgs[:maxYAMLErrors]
	}
	return fmt.Errorf("principals file %s: %s%s", path, principalsTypeNames.Replace(strings.Join(msgs, "; ")), more)
}

// NewPrincipals returns the registry of callers: those of the principals
// file at path ("" for none), and, for every other caller, the principal
// arn:aws:iam::<account>:user/kmsgate with the identity policies of
// defaultPolicyFiles.
func NewPrincipals(path string, defaultPolicyFiles []string) (*Principals, error) {
	ps := &Principals{byKey: map[string]*AccessKey{}, byARN: map[string]*Principal{}, defaults: map[string]*Principal{}}
	for _, f := range defaultPolicyFiles {
		p, err := loadIdentityPolicy(f)
		if err != nil {
			return nil, fmt.Errorf("--identity-policy: %w", err)
		}
		ps.defaultPolicies = append(ps.defaultPolicies, p)
	}
	if path == "" {
		return ps, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("principals file: %w", err)
	}
	var doc principalsFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, principalsYAMLError(path, err)
	}
	dir := filepath.Dir(path)
	for i, e := range doc.Principals {
		where := fmt.Sprintf("principals file %s: principals[%d]", path, i)
		a, ok := iampolicy.ParseARN(e.ARN)
		if !ok || a.Account == "" || (a.Service != "iam" && a.Service != "sts") {
			return nil, fmt.Errorf("%s: arn %q is not an IAM user, role or assumed-role session ARN", where, e.ARN)
		}
		if _, dup := ps.byARN[e.ARN]; dup {
			return nil, fmt.Errorf("%s: principal %s is listed twice", where, e.ARN)
		}
		p := &Principal{ARN: e.ARN, Account: a.Account, Tags: e.Tags, Admin: e.Admin, extra: iampolicy.Context{}}
		if err := p.setTags(); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		for _, f := range e.Policies {
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			pol, err := loadIdentityPolicy(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			p.Policies = append(p.Policies, pol)
		}
		for j, inline := range e.InlinePolicies {
			doc, err := inlineJSON(inline)
			if err != nil {
				return nil, fmt.Errorf("%s: inlinePolicies[%d]: %w", where, j, err)
			}
			pol, err := iampolicy.Parse(fmt.Sprintf("%s inline %d", e.ARN, j), doc)
			if err == nil {
				err = pol.CheckIdentity()
			}
			if err != nil {
				return nil, fmt.Errorf("%s: inlinePolicies[%d]: %w", where, j, err)
			}
			p.Policies = append(p.Policies, pol)
		}
		for j, k := range e.AccessKeys {
			if k.ID == "" {
				return nil, fmt.Errorf("%s: accessKeys[%d]: id is empty", where, j)
			}
			if k.Secret == "" {
				return nil, fmt.Errorf("%s: accessKeys[%d] (%s): secret is empty", where, j, k.ID)
			}
			if _, dup := ps.byKey[k.ID]; dup {
				return nil, fmt.Errorf("%s: access key %s is listed twice", where, k.ID)
			}
			ps.byKey[k.ID] = &AccessKey{ID: k.ID, Secret: k.Secret, SessionToken: k.SessionToken, Expires: k.Expires, Principal: p}
		}
		ps.byARN[e.ARN] = p
	}
	return ps, nil
}

// inlineJSON turns an inline policy (a YAML mapping, or a string holding
// JSON) into JSON.
func inlineJSON(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errors.New("an inline policy must be a policy document (a mapping) or a JSON string")
	}
	return b, nil
}

func loadIdentityPolicy(path string) (*iampolicy.Policy, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := iampolicy.Parse(filepath.Base(path), raw)
	if err == nil {
		err = p.CheckIdentity()
	}
	return p, err
}

// AccessKey returns the access key id's key, or nil.
func (ps *Principals) AccessKey(id string) *AccessKey {
	if ps == nil {
		return nil
	}
	return ps.byKey[id]
}

// Lookup returns the principal with arn, or the default principal of
// account (arn:aws:iam::<account>:user/kmsgate, with the --identity-policy
// policies) when arn is empty or unknown.
func (ps *Principals) Lookup(arn, account string) *Principal {
	if p := ps.byARN[arn]; p != nil {
		return p
	}
	if p := ps.defaults[account]; p != nil {
		return p
	}
	return ps.defaultPrincipal(account)
}

// defaultPrincipal is the default principal of account.
func (ps *Principals) defaultPrincipal(account string) *Principal {
	return &Principal{ARN: DefaultPrincipalARN(account), Account: account, Policies: ps.defaultPolicies}
}

// withDefault makes sure the default principal of account is cached (the
// registry is read-only once serving starts, so this runs before).
func (ps *Principals) withDefault(account string) {
	if _, ok := ps.defaults[account]; !ok {
		ps.defaults[account] = ps.defaultPrincipal(account)
	}
}

// DefaultPrincipalARN is the principal of a caller no principals entry
// names: arn:aws:iam::<account>:user/kmsgate.
func DefaultPrincipalARN(account string) string {
	return "arn:aws:iam::" + account + ":user/kmsgate"
}

// accountOfARN is the account field of an ARN ("" when it is not one).
func accountOfARN(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	a, _ := iampolicy.ParseARN(arn)
	return a.Account
}

// setTags builds p's aws:PrincipalTag/<k> condition keys from p.Tags: in
// lower case for matching (condition key names, the tag key included,
// ignore case in IAM), and as written for the decision log, where AWS's
// request context keeps the tag key's case. Two tag keys that differ only
// in case are refused, as IAM refuses them on one principal.
func (p *Principal) setTags() error {
	if len(p.Tags) == 0 {
		return nil
	}
	keys := make([]string, 0, len(p.Tags))
	for k := range p.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	p.extraNames = make(map[string]string, len(keys))
	for _, k := range keys {
		name := "aws:PrincipalTag/" + k
		lower := strings.ToLower(name)
		if other, dup := p.extraNames[lower]; dup {
			return fmt.Errorf("tags %q and %q differ only in case: IAM tag keys are case-insensitive on a principal", strings.TrimPrefix(other, "aws:PrincipalTag/"), k)
		}
		p.extraNames[lower] = name
		p.extra.Set(name, iampolicy.String(p.Tags[k]))
	}
	return nil
}
