package seed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Error is a seed file problem: the file, the entry (empty for the file as a
// whole) and what is wrong.
type Error struct {
	File  string
	Entry string
	Msg   string
}

func (e *Error) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("seed file %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("seed file %s: %s: %s", e.File, e.Entry, e.Msg)
}

// Load reads and parses the seed file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse parses and validates one seed file; name is used in errors only.
// The format (kmsgate's or local-kms's) is detected from the top-level
// field names.
func Parse(name string, data []byte) (*File, error) {
	p := &parser{file: name}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return &File{}, nil // an empty file is an empty seed
		}
		return nil, p.yamlErr(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, p.fail("", "holds more than one YAML document")
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	switch {
	case doc.Kind == yaml.ScalarNode && doc.Tag == "!!null":
		return &File{}, nil
	case doc.Kind != yaml.MappingNode:
		return nil, p.fail("", "the top level must be a mapping with keys: and aliases:")
	}
	format := "kmsgate"
	for i := 0; i < len(doc.Content); i += 2 {
		switch doc.Content[i].Value {
		case "Keys", "Aliases":
			format = "local-kms"
		case "Version":
			return nil, p.fail("", "local-kms's Version 2 seed format is not supported; use local-kms's original format or kmsgate's")
		}
	}
	var in fileInput
	if format == "local-kms" {
		var lk localKMSFile
		if err := strictDecode(data, &lk); err != nil {
			return nil, p.yamlErr(err)
		}
		in = lk.toInput()
	} else {
		if err := strictDecode(data, &in); err != nil {
			return nil, p.yamlErr(err)
		}
		for i := range in.Keys {
			in.Keys[i].entry = fmt.Sprintf("keys[%d]", i)
		}
		for i := range in.Aliases {
			in.Aliases[i].entry = fmt.Sprintf("aliases[%d]", i)
		}
	}
	return p.build(in)
}

func strictDecode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// typeNames turns the Go type names in yaml's messages into words.
var typeNames = strings.NewReplacer(
	"seed.fileInput", "the top level",
	"seed.keyInput", "a key entry",
	"seed.aliasInput", "an alias entry",
	"seed.rotationInput", "rotation",
	"seed.grantInput", "a grant entry",
	"seed.constraintsInput", "grant constraints",
	"seed.replicaInput", "a replica entry",
	"seed.localKMSFile", "the top level",
	"seed.localKMSKeys", "Keys",
	"seed.localKMSSymmetric", "Keys.Symmetric",
	"seed.localKMSAsymmetric", "Keys.Asymmetric",
	"seed.localKMSAes", "an Aes entry",
	"seed.localKMSAsymKey", "an Rsa or Ecc entry",
	"seed.localKMSMetadata", "Metadata",
	"seed.localKMSAlias", "an Aliases entry",
)

var yamlPrefix = regexp.MustCompile(`^yaml: (unmarshal errors:\n\s*)?`)

type parser struct {
	file string
}

func (p *parser) fail(entry, format string, args ...any) *Error {
	return &Error{File: p.file, Entry: entry, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) yamlErr(err error) *Error {
	msg := yamlPrefix.ReplaceAllString(err.Error(), "")
	msg = strings.ReplaceAll(msg, "in type seed.", "in seed.")
	msg = strings.Join(strings.Fields(typeNames.Replace(msg)), " ")
	return p.fail("", "invalid YAML: %s", msg)
}

// fileInput is kmsgate's format as written; local-kms's is converted to it.
type fileInput struct {
	Keys    []keyInput   `yaml:"keys"`
	Aliases []aliasInput `yaml:"aliases"`
}

type keyInput struct {
	entry string // how errors name this entry, e.g. keys[2]
	// family is local-kms's group, Rsa or Ecc: the PEM must be there and
	// hold that kind of key.
	family string

	ID            string            `yaml:"id"`
	Region        string            `yaml:"region"`
	Account       string            `yaml:"account"`
	Description   string            `yaml:"description"`
	KeySpec       string            `yaml:"keySpec"`
	KeyUsage      string            `yaml:"keyUsage"`
	Origin        string            `yaml:"origin"`
	Enabled       *bool             `yaml:"enabled"`
	MultiRegion   *bool             `yaml:"multiRegion"`
	Material      []string          `yaml:"material"`
	PrivateKeyPEM string            `yaml:"privateKeyPem"`
	Tags          map[string]string `yaml:"tags"`
	Policy        yaml.Node         `yaml:"policy"`
	Rotation      *rotationInput    `yaml:"rotation"`
	Aliases       []string          `yaml:"aliases"`
	Grants        []grantInput      `yaml:"grants"`
	Replicas      []replicaInput    `yaml:"replicas"`
}

type rotationInput struct {
	Enabled      bool       `yaml:"enabled"`
	PeriodInDays *int32     `yaml:"periodInDays"`
	NextRotation *time.Time `yaml:"nextRotation"`
}

type aliasInput struct {
	entry string

	Name        string `yaml:"name"`
	TargetKeyID string `yaml:"targetKeyId"`
	Region      string `yaml:"region"`
	Account     string `yaml:"account"`
}

// scope is where a key or alias lives: account and region ("" = default).
type scope struct{ account, region string }

func (s scope) String() string {
	a, r := s.account, s.region
	if a == "" {
		a = "the default account"
	}
	if r == "" {
		r = "the default region"
	}
	return a + " / " + r
}

func (p *parser) build(in fileInput) (*File, error) {
	f := &File{}
	type keyRef struct {
		entry string
		sc    scope
	}
	keysByID := map[string][]keyRef{}
	type aliasKey struct {
		sc   scope
		name string
	}
	aliasSeen := map[aliasKey]string{}
	for _, ki := range in.Keys {
		k, err := p.buildKey(ki)
		if err != nil {
			return nil, err
		}
		entry := fmt.Sprintf("%s (id %s)", ki.entry, k.ID)
		sc := scope{k.Account, k.Region}
		for _, prev := range keysByID[k.ID] {
			if prev.sc == sc {
				return nil, p.fail(entry, "duplicate key id: %s has it already", prev.entry)
			}
		}
		keysByID[k.ID] = append(keysByID[k.ID], keyRef{entry, sc})
		for _, a := range k.Aliases {
			ak := aliasKey{sc, a}
			if prev, ok := aliasSeen[ak]; ok {
				return nil, p.fail(entry, "duplicate alias %s: %s has it already", a, prev)
			}
			aliasSeen[ak] = entry
		}
		for j, r := range k.Replicas {
			rentry := fmt.Sprintf("%s replicas[%d] (%s)", entry, j, r.Region)
			rsc := scope{k.Account, r.Region}
			for _, prev := range keysByID[k.ID] {
				if prev.sc == rsc {
					return nil, p.fail(rentry, "key %s is in %s already: %s has it", k.ID, rsc, prev.entry)
				}
			}
			keysByID[k.ID] = append(keysByID[k.ID], keyRef{rentry, rsc})
			for _, a := range r.Aliases {
				ak := aliasKey{rsc, a}
				if prev, ok := aliasSeen[ak]; ok {
					return nil, p.fail(rentry, "duplicate alias %s: %s has it already", a, prev)
				}
				aliasSeen[ak] = rentry
			}
		}
		f.Keys = append(f.Keys, k)
	}
	for _, ai := range in.Aliases {
		entry := fmt.Sprintf("%s (%s)", ai.entry, ai.Name)
		if err := checkAliasName(ai.Name); err != nil {
			return nil, p.fail(entry, "%v", err)
		}
		a := Alias{Name: ai.Name, Region: ai.Region, Account: ai.Account}
		if err := checkScope(ai.Region, ai.Account); err != nil {
			return nil, p.fail(entry, "%v", err)
		}
		target, arnScope, err := parseTarget(ai.TargetKeyID)
		if err != nil {
			return nil, p.fail(entry, "%v", err)
		}
		a.TargetKeyID = target
		if arnScope != nil {
			if (a.Region != "" && a.Region != arnScope.region) || (a.Account != "" && a.Account != arnScope.account) {
				return nil, p.fail(entry, "region/account %s differ from the target ARN's %s", scope{a.Account, a.Region}, *arnScope)
			}
			a.Region, a.Account = arnScope.region, arnScope.account
		}
		if refs := keysByID[target]; len(refs) > 0 {
			sc := scope{a.Account, a.Region}
			var match *keyRef
			for i := range refs {
				if refs[i].sc == sc {
					match = &refs[i]
				}
			}
			switch {
			case match != nil:
			case sc == scope{} && len(refs) == 1:
				a.Account, a.Region = refs[0].sc.account, refs[0].sc.region
			case sc == scope{}:
				return nil, p.fail(entry, "target key %s is in the file in several regions or accounts; give the alias a region and account", target)
			default:
				return nil, p.fail(entry, "target key %s is in %s, not in the alias's %s", target, refs[0].sc, sc)
			}
		}
		ak := aliasKey{scope{a.Account, a.Region}, a.Name}
		if prev, ok := aliasSeen[ak]; ok {
			return nil, p.fail(entry, "duplicate alias %s: %s has it already", a.Name, prev)
		}
		aliasSeen[ak] = entry
		f.Aliases = append(f.Aliases, a)
	}
	return f, nil
}
