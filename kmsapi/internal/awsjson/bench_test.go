package awsjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const benchARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// benchBodies returns an Encrypt request (256-byte plaintext, two context
// pairs) and a Decrypt request whose blob is the Encrypt answer's.
func benchBodies(b *testing.B) (encReq []byte, encOut *kms.EncryptOutput, decReq []byte, decOut *kms.DecryptOutput) {
	b.Helper()
	pt := bytes.Repeat([]byte{0x42}, 256)
	ctx := map[string]string{"tenant": "acme", "purpose": "field-encryption"}
	// Maps, not the SDK structs: encoding/json would write their empty enum
	// members as "", which AWS (and Decode) refuse.
	encReq, err := json.Marshal(map[string]any{"KeyId": "alias/jumpwire/app", "Plaintext": pt, "EncryptionContext": ctx})
	if err != nil {
		b.Fatal(err)
	}
	blob := bytes.Repeat([]byte{0x17}, 256+120)
	encOut = &kms.EncryptOutput{CiphertextBlob: blob, KeyId: aws.String(benchARN), EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault}
	decReq, err = json.Marshal(map[string]any{"CiphertextBlob": blob, "EncryptionContext": ctx})
	if err != nil {
		b.Fatal(err)
	}
	decOut = &kms.DecryptOutput{Plaintext: pt, KeyId: aws.String(benchARN), EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault}
	return encReq, encOut, decReq, decOut
}

// BenchmarkCodec is one request decode plus one response encode, as the
// server does per call, with awsjson's plans and with plain encoding/json on
// the same SDK structs.
func BenchmarkCodec(b *testing.B) {
	encReq, encOut, decReq, decOut := benchBodies(b)
	c := &codec{}
	encIn, encOutP := mustPlan(b, c, reflect.TypeFor[kms.EncryptInput]()), mustPlan(b, c, reflect.TypeFor[kms.EncryptOutput]())
	decIn, decOutP := mustPlan(b, c, reflect.TypeFor[kms.DecryptInput]()), mustPlan(b, c, reflect.TypeFor[kms.DecryptOutput]())

	b.Run("Encrypt/awsjson", benchPlans(encIn, encOutP, encReq, encOut))
	b.Run("Encrypt/encoding_json", benchStd[kms.EncryptInput](encReq, encOut))
	b.Run("Decrypt/awsjson", benchPlans(decIn, decOutP, decReq, decOut))
	b.Run("Decrypt/encoding_json", benchStd[kms.DecryptInput](decReq, decOut))
}

// benchPlans decodes req with in and encodes out with outP, per iteration.
func benchPlans(in, outP *plan, req []byte, out any) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(req)))
		outV := reflect.ValueOf(out).Elem()
		for b.Loop() {
			v := reflect.New(in.typ).Elem()
			if err := in.decode(req, v); err != nil {
				b.Fatal(err)
			}
			_ = outP.appendValue(make([]byte, 0, 512), outV)
		}
	}
}

// benchStd does the same with encoding/json.
func benchStd[In any](req []byte, out any) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(req)))
		for b.Loop() {
			var in In
			if err := json.Unmarshal(req, &in); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(out); err != nil {
				b.Fatal(err)
			}
		}
	}
}
