package policygen

import (
	"bytes"
	"encoding/json"
)

// Document is a generated identity-based policy. It marshals in a stable
// order: Version, then the statements in the generator's order, each with
// Sid, Effect, Action, Resource and Condition (operators and keys sorted).
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one Allow statement of a generated policy.
type Statement struct {
	Sid       string    `json:"Sid"`
	Effect    string    `json:"Effect"`
	Action    List      `json:"Action"`
	Resource  List      `json:"Resource"`
	Condition Condition `json:"Condition,omitempty"`
}

// Condition maps an operator ("ForAnyValue:StringLike") to condition keys
// and their values. encoding/json writes map keys sorted, so the output is
// stable.
type Condition map[string]map[string]List

// List is a policy string list: written as a plain string when it holds one
// value, as an array otherwise.
type List []string

// MarshalJSON writes one value as a string, several as an array.
func (l List) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// UnmarshalJSON reads a string or an array of strings.
func (l *List) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = List{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*l = ss
	return nil
}

// JSON returns the document indented with two spaces and a final newline.
func (d *Document) JSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	// A Document holds only strings: encoding cannot fail.
	_ = enc.Encode(d)
	return buf.Bytes()
}

// StatementJSON returns one statement as indented JSON without a final
// newline.
func StatementJSON(s Statement, indent string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(indent, "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}
