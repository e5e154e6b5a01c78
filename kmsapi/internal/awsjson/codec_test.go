package awsjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/kmsapi/internal/sdkvalues"
)

// encodeTo encodes v (a pointer to a struct) with a fresh codec.
func encodeTo(t testing.TB, c *codec, v any) string {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	p, err := c.planFor(rv.Type())
	if err != nil {
		t.Fatal(err)
	}
	return string(p.appendValue(nil, rv))
}

// mustPlan is planFor for a type the test knows has a wire form.
func mustPlan(t testing.TB, c *codec, typ reflect.Type) *plan {
	t.Helper()
	p, err := c.planFor(typ)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeInto decodes body into v (a pointer to a struct).
func decodeInto(t testing.TB, c *codec, body string, v any) error {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	p, err := c.planFor(rv.Type())
	if err != nil {
		t.Fatal(err)
	}
	return p.decode([]byte(body), rv)
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestEncodeWritesAWSJSON(t *testing.T) {
	c := &codec{}
	withMetadata := &kms.EncryptOutput{KeyId: aws.String("k"), CiphertextBlob: []byte{0, 1}}
	withMetadata.ResultMetadata.Set("secret", "value")
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil pointers, slices, maps and empty enums are left out", &kms.EncryptOutput{}, `{}`},
		{"blobs are base64, enums strings, and ResultMetadata never written", withMetadata,
			`{"CiphertextBlob":"AAE=","KeyId":"k"}`},
		{"an empty but present string and false are written", &kms.DescribeKeyOutput{KeyMetadata: &types.KeyMetadata{
			Description: aws.String(""), MultiRegion: aws.Bool(false), KeyState: types.KeyStateEnabled}},
			`{"KeyMetadata":{"Description":"","Enabled":false,"KeyState":"Enabled","MultiRegion":false}}`},
		{"whole-second timestamps are integers", &kms.ScheduleKeyDeletionOutput{DeletionDate: aws.Time(time.Unix(1700000000, 0))},
			`{"DeletionDate":1700000000}`},
		{"timestamps keep their milliseconds", &kms.ScheduleKeyDeletionOutput{DeletionDate: aws.Time(time.Unix(1700000000, 120e6))},
			`{"DeletionDate":1700000000.12}`},
		{"timestamps before 1970 are negative", &kms.ScheduleKeyDeletionOutput{DeletionDate: aws.Time(time.Unix(-2, 500e6))},
			`{"DeletionDate":-1.5}`},
		{"empty slices and maps are written empty", &kms.ListGrantsOutput{Grants: []types.GrantListEntry{{
			Operations: []types.GrantOperation{}, Constraints: &types.GrantConstraints{EncryptionContextEquals: map[string]string{}}}}},
			`{"Grants":[{"Constraints":{"EncryptionContextEquals":{}},"Operations":[]}],"Truncated":false}`},
		{"maps are written with sorted keys", &kms.EncryptInput{EncryptionContext: map[string]string{"b": "2", "a": "1"}},
			`{"EncryptionContext":{"a":"1","b":"2"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeTo(t, c, tc.v)
			sameJSON(t, got, tc.want)
			if strings.Contains(got, "ResultMetadata") || strings.Contains(got, "secret") {
				t.Errorf("got %s, want no ResultMetadata", got)
			}
		})
	}

	t.Run("map keys come out sorted byte for byte", func(t *testing.T) {
		got := encodeTo(t, c, &kms.EncryptInput{EncryptionContext: map[string]string{"b": "2", "a": "1", "c": ""}})
		if want := `{"EncryptionContext":{"a":"1","b":"2","c":""}}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestEncodedStringsReadBackAsEncodingJSONReadsThem(t *testing.T) {
	c := &codec{}
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x00\x01\x1f\t\n\r", "é😀\u2028", "bad\xffutf8\xc3", "<html>&"} {
		t.Run(fmt.Sprintf("%q round-trips", s), func(t *testing.T) {
			enc := encodeTo(t, c, &kms.EncryptInput{KeyId: aws.String(s)})
			var viaStd struct{ KeyId string }
			if err := json.Unmarshal([]byte(enc), &viaStd); err != nil {
				t.Fatalf("encoding/json cannot read %s: %v", enc, err)
			}
			want := strings.ToValidUTF8(s, "\uFFFD")
			if viaStd.KeyId != want {
				t.Errorf("got %q back, want %q", viaStd.KeyId, want)
			}
		})
	}
}

func TestDecodeReadsAWSJSON(t *testing.T) {
	c := &codec{}
	t.Run("member names match case-insensitively, exact names first", func(t *testing.T) {
		var in kms.EncryptInput
		if err := decodeInto(t, c, `{"keyid":"a","PLAINTEXT":"AAE=","DryRun":true}`, &in); err != nil {
			t.Fatal(err)
		}
		if aws.ToString(in.KeyId) != "a" || string(in.Plaintext) != "\x00\x01" || !aws.ToBool(in.DryRun) {
			t.Errorf("got %+v, want KeyId a, Plaintext 00 01, DryRun true", in)
		}
	})
	t.Run("timestamps with fractions and exponents are epoch seconds", func(t *testing.T) {
		var out kms.DescribeKeyOutput
		if err := decodeInto(t, c, `{"KeyMetadata":{"CreationDate":1.7000000001234E9,"DeletionDate":1700000000}}`, &out); err != nil {
			t.Fatal(err)
		}
		if got, want := *out.KeyMetadata.CreationDate, time.Unix(1700000000, 123e6).UTC(); !got.Equal(want) {
			t.Errorf("got CreationDate %v, want %v", got, want)
		}
		if got, want := *out.KeyMetadata.DeletionDate, time.Unix(1700000000, 0); !got.Equal(want) {
			t.Errorf("got DeletionDate %v, want %v", got, want)
		}
	})
	t.Run("nested structs, enum arrays and maps decode", func(t *testing.T) {
		var in kms.CreateGrantInput
		body := `{"KeyId":"k","Operations":["Decrypt","Encrypt"],"Constraints":{"EncryptionContextSubset":{"a":"1","n":""}},"GrantTokens":[]}`
		if err := decodeInto(t, c, body, &in); err != nil {
			t.Fatal(err)
		}
		want := kms.CreateGrantInput{
			KeyId:       aws.String("k"),
			Operations:  []types.GrantOperation{"Decrypt", "Encrypt"},
			Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"a": "1", "n": ""}},
			GrantTokens: []string{},
		}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("got %+v, want %+v", in, want)
		}
	})
	t.Run("unknown members of any shape are skipped", func(t *testing.T) {
		var in kms.EncryptInput
		if err := decodeInto(t, c, `{"Foo":{"a":[1,-2.5e3,{"b":null,"c":true}],"d":"\u00e9"},"KeyId":"k","Bar":false}`, &in); err != nil {
			t.Fatal(err)
		}
		if aws.ToString(in.KeyId) != "k" {
			t.Errorf("got KeyId %q, want k", aws.ToString(in.KeyId))
		}
	})
	t.Run("null leaves a member unset", func(t *testing.T) {
		var in kms.EncryptInput
		if err := decodeInto(t, c, `{"KeyId":"b","Plaintext":null,"GrantTokens":null,"EncryptionAlgorithm":null}`, &in); err != nil {
			t.Fatal(err)
		}
		if aws.ToString(in.KeyId) != "b" || in.Plaintext != nil || in.GrantTokens != nil || in.EncryptionAlgorithm != "" {
			t.Errorf("got %+v, want KeyId b and nil Plaintext, GrantTokens, EncryptionAlgorithm", in)
		}
	})
	for _, body := range []string{"", " \n\t", "null"} {
		t.Run(fmt.Sprintf("body %q is the empty input", body), func(t *testing.T) {
			var in kms.EncryptInput
			if err := decodeInto(t, c, body, &in); err != nil || !reflect.DeepEqual(in, kms.EncryptInput{}) {
				t.Errorf("got %+v %v, want the zero input", in, err)
			}
		})
	}
}

func TestDecodedStringsMatchEncodingJSON(t *testing.T) {
	c := &codec{}
	for _, lit := range []string{
		`"plain"`, `"\u00e9\ud83d\ude00\n\t\/\b\f\r\"\\"`, `"é😀"`, `""`,
	} {
		t.Run(fmt.Sprintf("%s decodes as encoding/json decodes it", lit), func(t *testing.T) {
			var want string
			if err := json.Unmarshal([]byte(lit), &want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			var in kms.EncryptInput
			if err := decodeInto(t, c, `{"KeyId":`+lit+`}`, &in); err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(in.KeyId); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestDecodeRejectsBadBodies(t *testing.T) {
	c := &codec{}
	deep := `{"Foo":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`
	tests := []struct {
		name, body, inMessage string
	}{
		{"an unterminated object", `{"KeyId":"a"`, "unexpected end"},
		{"an unterminated string", `{"KeyId":"a`, "unterminated string"},
		{"a missing colon", `{"KeyId" "a"}`, "expected ':'"},
		{"a trailing comma", `{"KeyId":"a",}`, "expected a member name"},
		{"a bare word", `{"KeyId":nope}`, "invalid JSON literal"},
		{"a number for a string", `{"KeyId":1}`, "expected a string for member KeyId"},
		{"a string for a boolean", `{"DryRun":"true"}`, "expected a boolean for member DryRun"},
		{"an object for an array", `{"GrantTokens":{}}`, "expected an array for member GrantTokens"},
		{"a number in a string array", `{"GrantTokens":["a",1]}`, "expected a string for member GrantTokens"},
		{"a number in the encryption context", `{"EncryptionContext":{"a":1}}`, "expected a string for member EncryptionContext"},
		{"base64 that is not base64", `{"Plaintext":"%%%"}`, "invalid base64 in member Plaintext"},
		{"base64 without padding", `{"Plaintext":"AAE"}`, "invalid base64 in member Plaintext"},
		{"trailing data", `{} {}`, "unexpected data after the top-level value"},
		{"an array at the top", `[]`, "expected an object"},
		{"a control character in a string", "{\"KeyId\":\"a\x01\"}", "control character"},
		{"a bad escape", `{"KeyId":"\q"}`, "invalid escape"},
		{"a short \\u escape", `{"KeyId":"\u12"}`, "invalid \\u escape"},
		{"a leading zero", `{"Foo":01}`, "expected ',' or '}'"},
		{"a bare minus", `{"Foo":-}`, "invalid number"},
		{"an exponent without digits", `{"Foo":1e}`, "invalid number"},
		{"deep nesting", deep, "nested too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			var in kms.EncryptInput
			err := decodeInto(t, c, tc.body, &in)
			if err == nil || !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("got %v, want an error containing %q", err, tc.inMessage)
			}
		})
	}
	integerCases := []struct{ body, inMessage string }{
		{`{"NumberOfBytes":4294967296}`, "integer of 32 bits"},
		{`{"NumberOfBytes":1.5}`, "integer of 32 bits"},
		{`{"NumberOfBytes":"1"}`, "expected a number"},
	}
	for _, tc := range integerCases {
		t.Run(tc.body+" is not an int32", func(t *testing.T) {
			var in kms.GenerateRandomInput
			if err := decodeInto(t, c, tc.body, &in); err == nil || !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("got %v, want an error containing %q", err, tc.inMessage)
			}
		})
	}
	t.Run("a timestamp string is rejected", func(t *testing.T) {
		var out kms.ScheduleKeyDeletionOutput
		if err := decodeInto(t, c, `{"DeletionDate":"2026-01-01T00:00:00Z"}`, &out); err == nil {
			t.Errorf("got no error, want one for a string timestamp")
		}
	})
	t.Run("error messages never quote values", func(t *testing.T) {
		var in kms.EncryptInput
		err := decodeInto(t, c, `{"Plaintext":"SECRET-VALUE!"}`, &in)
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("got %v, want an error that does not quote the value", err)
		}
	})
}

func TestEveryInputAndOutputRoundTrips(t *testing.T) {
	c := &codec{}
	backend := reflect.TypeFor[kmsgate.Backend]()
	for i := range backend.NumMethod() {
		m := backend.Method(i).Type // func(ctx, *XxxInput, ...func(*kms.Options)) (*XxxOutput, error)
		for _, typ := range []reflect.Type{m.In(1).Elem(), m.Out(0).Elem()} {
			t.Run(typ.Name()+" survives encode and decode", func(t *testing.T) {
				orig := reflect.New(typ)
				sdkvalues.Fill(orig.Elem(), 1)
				enc := encodeTo(t, c, orig.Interface())
				back := reflect.New(typ)
				if err := decodeInto(t, c, enc, back.Interface()); err != nil {
					t.Fatalf("decoding %s: %v", enc, err)
				}
				if !reflect.DeepEqual(orig.Interface(), back.Interface()) {
					t.Errorf("got %+v back from %s, want %+v", back.Elem(), enc, orig.Elem())
				}
			})
		}
	}
}

// TestDecodeRejectsWhatAWSRejects: the decoder is as strict as AWS. Invalid
// UTF-8 and lone surrogates are never replaced by U+FFFD (two different
// encryption contexts would open the same blob), a member given twice and
// null as a string map's value do not decode, and "" for an enum member is
// AWS's enum ValidationException, reported only when the body decodes.
func TestDecodeRejectsWhatAWSRejects(t *testing.T) {
	c := &codec{}
	const enumText = "1 validation error detected: Value '' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [%s]"
	for _, tc := range []struct {
		name, body string
		into       any
		validation string // "" for a body that does not decode
	}{
		{"a raw invalid byte in a map key", "{\"EncryptionContext\":{\"k\xff\":\"v\"}}", &kms.EncryptInput{}, ""},
		{"a raw invalid byte in a string member", "{\"KeyId\":\"a\xc3\"}", &kms.EncryptInput{}, ""},
		{"a lone high surrogate", `{"EncryptionContext":{"k\ud83d":"v"}}`, &kms.EncryptInput{}, ""},
		{"a lone low surrogate", `{"KeyId":"\udc00"}`, &kms.EncryptInput{}, ""},
		{"a high surrogate followed by a non-surrogate", `{"KeyId":"\ud83d\u0041"}`, &kms.EncryptInput{}, ""},
		{"a member given twice", `{"KeyId":"a","KeyId":"b"}`, &kms.EncryptInput{}, ""},
		{"a member given twice in another case", `{"KeyId":"a","keyid":"a"}`, &kms.EncryptInput{}, ""},
		{"a map key given twice", `{"EncryptionContext":{"k":"a","k":"b"}}`, &kms.EncryptInput{}, ""},
		{"a nested map key given twice", `{"Constraints":{"EncryptionContextEquals":{"k":"a","k":"a"}}}`, &kms.CreateGrantInput{}, ""},
		{"null as an encryption context value", `{"EncryptionContext":{"k":null}}`, &kms.EncryptInput{}, ""},
		{"an empty enum", `{"KeySpec":""}`, &kms.CreateKeyInput{}, fmt.Sprintf(enumText, "RSA_2048, ECC_NIST_P384, ML_KEM_512, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ML_DSA_65, ML_DSA_87, ECC_NIST_P521, ML_DSA_44, ML_KEM_1024, ML_KEM_768, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SM2, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512")},
		{"an empty enum, then a syntax error: the syntax error", `{"KeySpec":"",}`, &kms.CreateKeyInput{}, ""},
		{"an empty KeyUsage", `{"KeyUsage":""}`, &kms.CreateKeyInput{}, "1 validation error detected: Value '' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, SIGN_VERIFY]"},
		{"an empty Origin", `{"Origin":""}`, &kms.CreateKeyInput{}, "1 validation error detected: Value '' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [EXTERNAL, EXTERNAL_KEY_STORE, AWS_CLOUDHSM, AWS_KMS]"},
		{"an empty MacAlgorithm lists AWS's recorded order", `{"MacAlgorithm":""}`, &kms.GenerateMacInput{}, "1 validation error detected: Value '' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeInto(t, c, tc.body, tc.into)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			var ve *ValidationError
			isValidation := errors.As(err, &ve)
			switch {
			case tc.validation == "" && isValidation:
				t.Fatalf("got validation error %q, want a decode error", ve.Message)
			case tc.validation != "" && !isValidation:
				t.Fatalf("got decode error %v, want validation error %q", err, tc.validation)
			case tc.validation != "" && ve.Message != tc.validation:
				t.Fatalf("got %q, want %q", ve.Message, tc.validation)
			}
		})
	}
}

func joinEnum[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
