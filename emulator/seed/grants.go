package seed

// Grants and multi-Region replicas of a key entry.

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"go.yaml.in/yaml/v3"

	"github.com/kmsgate/kmsgate/awsfacts"
)

var (
	// AWS's patterns for CreateGrant's principals and grant name.
	principalRE = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	grantNameRE = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)
	sourceARNRE = regexp.MustCompile(`^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$`)
)

const (
	maxPrincipal       = 256
	maxGrantName       = 256
	maxConstraintPairs = 8
	maxConstraintValue = 384
	minSourceARN       = 20
	maxSourceARN       = 512
)

type grantInput struct {
	Name                     string            `yaml:"name"`
	GranteePrincipal         string            `yaml:"granteePrincipal"`
	GranteeServicePrincipal  string            `yaml:"granteeServicePrincipal"`
	RetiringPrincipal        string            `yaml:"retiringPrincipal"`
	RetiringServicePrincipal string            `yaml:"retiringServicePrincipal"`
	Operations               []string          `yaml:"operations"`
	Constraints              *constraintsInput `yaml:"constraints"`
}

type constraintsInput struct {
	EncryptionContextEquals map[string]string `yaml:"encryptionContextEquals"`
	EncryptionContextSubset map[string]string `yaml:"encryptionContextSubset"`
	SourceArn               string            `yaml:"sourceArn"`
}

type replicaInput struct {
	Region      string            `yaml:"region"`
	Description string            `yaml:"description"`
	Enabled     *bool             `yaml:"enabled"`
	Tags        map[string]string `yaml:"tags"`
	Policy      yaml.Node         `yaml:"policy"`
	Aliases     []string          `yaml:"aliases"`
	Grants      []grantInput      `yaml:"grants"`
}

// buildGrants checks a key's (or replica's) grants as CreateGrant checks
// its parameters, except which operations the key's usage allows: the
// emulator judges that when it applies the seed.
func buildGrants(spec types.KeySpec, in []grantInput) ([]Grant, error) {
	var out []Grant
	for i, gi := range in {
		g, err := buildGrant(spec, gi)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", grantEntry(i, gi.Name), err)
		}
		// Two unnamed grants with the same parameters are refused by the
		// emulator when it applies them (see emulator.sameGrant).
		for j, prev := range out {
			if g.Name != "" && prev.Name == g.Name {
				return nil, fmt.Errorf("%s: duplicate grant name: %s has it already", grantEntry(i, g.Name), grantEntry(j, prev.Name))
			}
		}
		out = append(out, g)
	}
	return out, nil
}

func grantEntry(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("grants[%d]", i)
	}
	return fmt.Sprintf("grants[%d] (%s)", i, name)
}

func buildGrant(spec types.KeySpec, in grantInput) (Grant, error) {
	g := Grant{
		Name:                     in.Name,
		GranteePrincipal:         in.GranteePrincipal,
		GranteeServicePrincipal:  in.GranteeServicePrincipal,
		RetiringPrincipal:        in.RetiringPrincipal,
		RetiringServicePrincipal: in.RetiringServicePrincipal,
	}
	if in.Name != "" {
		if len(in.Name) > maxGrantName || !grantNameRE.MatchString(in.Name) {
			return Grant{}, fmt.Errorf("name %q must be 1 to %d letters, digits, :, /, _ and -", in.Name, maxGrantName)
		}
	}
	switch {
	case in.GranteePrincipal == "" && in.GranteeServicePrincipal == "":
		return Grant{}, fmt.Errorf("granteePrincipal (or granteeServicePrincipal) is missing")
	case in.GranteePrincipal != "" && in.GranteeServicePrincipal != "":
		return Grant{}, fmt.Errorf("give granteePrincipal or granteeServicePrincipal, not both")
	case in.RetiringPrincipal != "" && in.RetiringServicePrincipal != "":
		return Grant{}, fmt.Errorf("give retiringPrincipal or retiringServicePrincipal, not both")
	}
	for _, p := range []struct{ field, v string }{
		{"granteePrincipal", in.GranteePrincipal},
		{"granteeServicePrincipal", in.GranteeServicePrincipal},
		{"retiringPrincipal", in.RetiringPrincipal},
		{"retiringServicePrincipal", in.RetiringServicePrincipal},
	} {
		if p.v != "" && (len(p.v) > maxPrincipal || !principalRE.MatchString(p.v)) {
			return Grant{}, fmt.Errorf("%s %q is not a principal: want 1 to %d letters, digits and +=,.@:/-", p.field, p.v, maxPrincipal)
		}
	}

	if len(in.Operations) == 0 {
		return Grant{}, fmt.Errorf("operations is missing or empty")
	}
	valid := types.GrantOperation("").Values()
	for _, op := range in.Operations {
		o := types.GrantOperation(op)
		if !slices.Contains(valid, o) {
			return Grant{}, fmt.Errorf("unknown operation %q (want one of %s)", op, joinEnum(valid))
		}
		if slices.Contains(g.Operations, o) {
			return Grant{}, fmt.Errorf("operation %s is listed twice", op)
		}
		g.Operations = append(g.Operations, o)
	}
	if len(g.Operations) == 1 && g.Operations[0] == types.GrantOperationCreateGrant {
		return Grant{}, fmt.Errorf("a grant must not allow only CreateGrant")
	}

	if c := in.Constraints; c != nil {
		gc := &types.GrantConstraints{EncryptionContextEquals: c.EncryptionContextEquals, EncryptionContextSubset: c.EncryptionContextSubset}
		for _, ec := range []struct {
			field string
			m     map[string]string
		}{{"encryptionContextEquals", c.EncryptionContextEquals}, {"encryptionContextSubset", c.EncryptionContextSubset}} {
			if ec.m == nil {
				continue
			}
			if spec != types.KeySpecSymmetricDefault {
				return Grant{}, fmt.Errorf("constraints: %s is only for SYMMETRIC_DEFAULT keys, not %s", ec.field, spec)
			}
			if len(ec.m) > maxConstraintPairs {
				return Grant{}, fmt.Errorf("constraints: %s has %d pairs, at most %d allowed", ec.field, len(ec.m), maxConstraintPairs)
			}
			for k, v := range ec.m {
				if utf8.RuneCountInString(k) > maxConstraintValue || utf8.RuneCountInString(v) > maxConstraintValue {
					return Grant{}, fmt.Errorf("constraints: %s: key %q or its value is longer than %d characters", ec.field, trimmed(k), maxConstraintValue)
				}
			}
		}
		if c.SourceArn != "" {
			if len(c.SourceArn) < minSourceARN || len(c.SourceArn) > maxSourceARN || !sourceARNRE.MatchString(c.SourceArn) {
				return Grant{}, fmt.Errorf("constraints: sourceArn %q is not an ARN with an account (%d to %d characters)", trimmed(c.SourceArn), minSourceARN, maxSourceARN)
			}
			gc.SourceArn = &c.SourceArn
		}
		if gc.EncryptionContextEquals != nil || gc.EncryptionContextSubset != nil || gc.SourceArn != nil {
			g.Constraints = gc
		}
	}
	if g.GranteeServicePrincipal != "" && (g.Constraints == nil || g.Constraints.SourceArn == nil) {
		return Grant{}, fmt.Errorf("a granteeServicePrincipal needs a constraints.sourceArn")
	}
	return g, nil
}

// trimmed shortens a long value for an error message.
func trimmed(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "..."
}

// buildReplicas checks the replicas of key k (built so far).
func (p *parser) buildReplicas(k *Key, in []replicaInput) error {
	if len(in) > 0 && !k.MultiRegion {
		return fmt.Errorf("replicas: only multi-Region keys (ids starting mrk-) have replicas")
	}
	for i, ri := range in {
		entry := fmt.Sprintf("replicas[%d]", i)
		if ri.Region != "" {
			entry = fmt.Sprintf("replicas[%d] (%s)", i, ri.Region)
		}
		r, err := buildReplica(k, ri)
		if err != nil {
			return fmt.Errorf("%s: %v", entry, err)
		}
		for j, prev := range k.Replicas {
			if prev.Region == r.Region {
				return fmt.Errorf("%s: duplicate region: replicas[%d] has it already", entry, j)
			}
		}
		k.Replicas = append(k.Replicas, r)
	}
	return nil
}

func buildReplica(k *Key, in replicaInput) (Replica, error) {
	switch {
	case in.Region == "":
		return Replica{}, fmt.Errorf("region is missing")
	case in.Region == k.Region:
		return Replica{}, fmt.Errorf("region %s is the key's own region", in.Region)
	}
	if err := checkScope(in.Region, ""); err != nil {
		return Replica{}, err
	}
	if k.Region != "" && awsfacts.Partition(k.Region) != awsfacts.Partition(in.Region) {
		return Replica{}, fmt.Errorf("region %s is in another partition than the key's %s", in.Region, k.Region)
	}
	r := Replica{Region: in.Region, Description: in.Description, Enabled: true}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if utf8.RuneCountInString(in.Description) > maxDescription {
		return Replica{}, fmt.Errorf("description is longer than %d characters", maxDescription)
	}
	var err error
	if r.Tags, err = buildTags(in.Tags); err != nil {
		return Replica{}, err
	}
	if r.Policy, err = policyJSON(&in.Policy); err != nil {
		return Replica{}, fmt.Errorf("policy: %v", err)
	}
	for _, a := range in.Aliases {
		if err := checkAliasName(a); err != nil {
			return Replica{}, fmt.Errorf("aliases: %v", err)
		}
		if slices.Contains(r.Aliases, a) {
			return Replica{}, fmt.Errorf("duplicate alias %s", a)
		}
		r.Aliases = append(r.Aliases, a)
	}
	if r.Grants, err = buildGrants(k.KeySpec, in.Grants); err != nil {
		return Replica{}, err
	}
	return r, nil
}
