// Package awsjson is kmsapi's codec between the AWS JSON 1.1 protocol and the
// SDK's *kms.XxxInput / *kms.XxxOutput structs, which carry no json tags:
// member names are the Go field names, timestamps are epoch-second numbers,
// []byte is standard base64, enums are strings, nil pointers, slices and maps
// are omitted, and ResultMetadata or unexported fields are never written.
//
// A Plan per Go type is built once by a Codec (reflection happens there); the
// request path only walks plans. A body that does not decode gives an error
// whose message never quotes the body's values (they may be plaintext).
package awsjson

import (
	"reflect"
	"time"
)

// Codec builds and caches one Plan per Go type. The zero value is ready to
// use and safe for concurrent use.
type Codec struct {
	c codec
}

// Plan encodes and decodes one Go type.
type Plan struct {
	p *plan
}

// PlanFor returns the plan of t, building it on first use. It fails for a
// type with no wire form (a map whose key is not a string, a channel, ...).
func (c *Codec) PlanFor(t reflect.Type) (Plan, error) {
	p, err := c.c.planFor(t)
	return Plan{p}, err
}

// Decode fills the struct value v (addressable, of the plan's type) from
// body. An empty body is the empty object; JSON null leaves v as it is.
func (p Plan) Decode(body []byte, v reflect.Value) error { return p.p.decode(body, v) }

// AppendValue appends the JSON form of v (of the plan's type) to buf.
func (p Plan) AppendValue(buf []byte, v reflect.Value) []byte { return p.p.appendValue(buf, v) }

// KeyID returns the struct value v's KeyId member when the plan's type has a
// KeyId *string field, and "" when it has none or it is nil.
func (p Plan) KeyID(v reflect.Value) string { return stringField(v, p.p.keyID) }

// AppendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD as
// encoding/json does.
func AppendString(buf []byte, s string) []byte { return appendString(buf, s) }

// AppendEpoch appends t as epoch seconds, with milliseconds when it has them.
func AppendEpoch(buf []byte, t time.Time) []byte { return appendEpoch(buf, t) }
