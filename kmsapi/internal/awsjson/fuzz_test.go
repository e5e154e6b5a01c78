package awsjson

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// FuzzDecode feeds arbitrary bodies to the request decoder of a few
// operations. It must never panic, and whatever decodes must encode and
// decode again to the same value.
func FuzzDecode(f *testing.F) {
	types := []reflect.Type{
		reflect.TypeFor[kms.EncryptInput](),
		reflect.TypeFor[kms.CreateKeyInput](),
		reflect.TypeFor[kms.ListAliasesInput](),
		reflect.TypeFor[kms.ImportKeyMaterialInput](),
	}
	seeds := []string{
		``,
		`{}`,
		`{"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"},"GrantTokens":["t"],"DryRun":false}`,
		`{"Description":"d","KeySpec":"RSA_2048","KeyUsage":"SIGN_VERIFY","Tags":[{"TagKey":"k","TagValue":"v"}],"MultiRegion":true,"Policy":"{\"x\":1}"}`,
		`{"Limit":10,"Marker":"m","KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}`,
		`{"KeyId":"k","ImportToken":"AAEC","EncryptedKeyMaterial":"AAEC","ValidTo":1.7E9,"ExpirationModel":"KEY_MATERIAL_EXPIRES","ImportType":"NEW_KEY_MATERIAL"}`,
		`{"KeyId":"\ud83d\ude00\u0000","Plaintext":null,"Unknown":[{"a":[1,2,-3.5e-2]},true,null]}`,
		`{"Limit":4294967296}`,
		`{"Plaintext":"%%%"}`,
		`[[[[`,
		`{"KeyId":"a"} trailing`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	c := &codec{}
	plans := make([]*plan, len(types))
	for i, t := range types {
		plans[i] = mustPlan(f, c, t)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		i := int(which) % len(types)
		p := plans[i]
		v := reflect.New(types[i]).Elem()
		if err := p.decode(body, v); err != nil {
			if _, ok := err.(*decodeError); !ok {
				t.Fatalf("got %T %v, want a *decodeError", err, err)
			}
			return
		}
		enc := p.appendValue(nil, v)
		again := reflect.New(types[i]).Elem()
		if err := p.decode(enc, again); err != nil {
			t.Fatalf("re-decoding %s (from %q): %v", enc, body, err)
		}
		if !reflect.DeepEqual(v.Interface(), again.Interface()) {
			t.Fatalf("round trip of %q changed the value: %s", body, enc)
		}
	})
}
