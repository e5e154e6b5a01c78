package seed

import (
	"fmt"
	"time"
)

// localKMSFile is local-kms's seed format (its original, unversioned one).
type localKMSFile struct {
	Keys    localKMSKeys    `yaml:"Keys"`
	Aliases []localKMSAlias `yaml:"Aliases"`
}

type localKMSKeys struct {
	Symmetric  localKMSSymmetric  `yaml:"Symmetric"`
	Asymmetric localKMSAsymmetric `yaml:"Asymmetric"`
}

type localKMSSymmetric struct {
	Aes []localKMSAes `yaml:"Aes"`
}

type localKMSAsymmetric struct {
	Rsa []localKMSAsymKey `yaml:"Rsa"`
	Ecc []localKMSAsymKey `yaml:"Ecc"`
}

type localKMSMetadata struct {
	KeyID       string `yaml:"KeyId"`
	Description string `yaml:"Description"`
	Origin      string `yaml:"Origin"`
	KeyUsage    string `yaml:"KeyUsage"`
	KeySpec     string `yaml:"KeySpec"`
}

type localKMSAes struct {
	Metadata        localKMSMetadata `yaml:"Metadata"`
	BackingKeys     []string         `yaml:"BackingKeys"`
	NextKeyRotation *time.Time       `yaml:"NextKeyRotation"`
}

type localKMSAsymKey struct {
	Metadata      localKMSMetadata `yaml:"Metadata"`
	PrivateKeyPem string           `yaml:"PrivateKeyPem"`
}

type localKMSAlias struct {
	AliasName   string `yaml:"AliasName"`
	TargetKeyID string `yaml:"TargetKeyId"`
}

func (m localKMSMetadata) keyInput(entry string) keyInput {
	return keyInput{
		entry:       entry,
		ID:          m.KeyID,
		Description: m.Description,
		Origin:      m.Origin,
		KeyUsage:    m.KeyUsage,
		KeySpec:     m.KeySpec,
	}
}

// toInput maps the file onto kmsgate's format, naming entries by their
// local-kms path.
func (lk *localKMSFile) toInput() fileInput {
	var in fileInput
	for i, a := range lk.Keys.Symmetric.Aes {
		k := a.Metadata.keyInput(fmt.Sprintf("Keys.Symmetric.Aes[%d]", i))
		if k.KeySpec == "" {
			k.KeySpec = "SYMMETRIC_DEFAULT"
		}
		k.Material = a.BackingKeys
		if a.NextKeyRotation != nil {
			k.Rotation = &rotationInput{Enabled: true, NextRotation: a.NextKeyRotation}
		}
		in.Keys = append(in.Keys, k)
	}
	for _, group := range []struct {
		name string
		keys []localKMSAsymKey
	}{{"Rsa", lk.Keys.Asymmetric.Rsa}, {"Ecc", lk.Keys.Asymmetric.Ecc}} {
		for i, a := range group.keys {
			k := a.Metadata.keyInput(fmt.Sprintf("Keys.Asymmetric.%s[%d]", group.name, i))
			k.PrivateKeyPEM = a.PrivateKeyPem
			k.family = group.name
			in.Keys = append(in.Keys, k)
		}
	}
	for i, a := range lk.Aliases {
		in.Aliases = append(in.Aliases, aliasInput{
			entry:       fmt.Sprintf("Aliases[%d]", i),
			Name:        a.AliasName,
			TargetKeyID: a.TargetKeyID,
		})
	}
	return in
}
