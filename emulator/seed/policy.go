package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// policyJSON turns the policy field into JSON text: a string must already be
// a JSON object; a YAML mapping is converted with its key order kept. An
// absent or null policy gives "".
func policyJSON(n *yaml.Node) (string, error) {
	switch {
	case n.Kind == 0:
		return "", nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return "", nil
	case n.Kind == yaml.ScalarNode:
		s := strings.TrimSpace(n.Value)
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return "", fmt.Errorf("not a JSON object: %v", err)
		}
		if len(s) > maxPolicy {
			return "", fmt.Errorf("%d bytes, at most %d allowed", len(s), maxPolicy)
		}
		return s, nil
	case n.Kind == yaml.MappingNode || n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind == yaml.MappingNode:
		var b bytes.Buffer
		if err := writeJSON(&b, n, 0); err != nil {
			return "", err
		}
		return b.String(), nil
	default:
		return "", errors.New("must be a JSON string or a YAML mapping")
	}
}

var errPolicyTooLarge = fmt.Errorf("larger than %d bytes", maxPolicy)

// writeJSON writes n as JSON. Depth and output size are bounded so that
// nested anchors cannot blow up.
func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 64 {
		return errors.New("nested more than 64 levels deep")
	}
	if b.Len() > maxPolicy {
		return errPolicyTooLarge
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("bad YAML alias")
		}
		return writeJSON(b, n.Alias, depth+1)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return errors.New("a mapping key is not a plain value")
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k.Value)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			var v bool
			if err := n.Decode(&v); err != nil {
				return err
			}
			b.WriteString(strconv.FormatBool(v))
		case "!!int", "!!float":
			var v float64
			if err := n.Decode(&v); err != nil {
				return err
			}
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return fmt.Errorf("%s is not a JSON number", n.Value)
			}
			enc, err := json.Marshal(v)
			if err != nil {
				return err
			}
			b.Write(enc)
		default: // strings, timestamps (Version: 2012-10-17) and the rest
			writeString(b, n.Value)
		}
	default:
		return errors.New("unsupported YAML node")
	}
	if b.Len() > maxPolicy {
		return errPolicyTooLarge
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always encodes
	b.Write(enc)
}
