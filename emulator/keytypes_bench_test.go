package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// benchSigners is one SIGN_VERIFY key per spec with its first algorithm
// and the message type it signs (Ed25519ph takes only DIGEST).
func benchSigners() []signCase {
	var out []signCase
	for _, row := range keyspec.All() {
		if !row.Supported || !row.AllowsUsage(types.KeyUsageTypeSignVerify) {
			continue
		}
		out = append(out, signCase{row.KeySpec, row.SigningAlgorithms[0], types.MessageTypeRaw})
	}
	return out
}

// BenchmarkSign is Sign through the emulator (key lookup in bbolt, material
// unsealed, parsed-key cache, signature) per spec, over a 256-byte RAW message.
func BenchmarkSign(b *testing.B) {
	for _, c := range benchSigners() {
		b.Run(string(c.spec), func(b *testing.B) {
			e := newEnvTB(b)
			id := e.createKey(&kms.CreateKeyInput{KeySpec: c.spec, KeyUsage: types.KeyUsageTypeSignVerify})
			in := &kms.SignInput{KeyId: aws.String(id), Message: make([]byte, 256), SigningAlgorithm: c.alg, MessageType: c.mt}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.svc.Sign(e.ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify is Verify through the emulator per spec.
func BenchmarkVerify(b *testing.B) {
	for _, c := range benchSigners() {
		b.Run(string(c.spec), func(b *testing.B) {
			e := newEnvTB(b)
			id := e.createKey(&kms.CreateKeyInput{KeySpec: c.spec, KeyUsage: types.KeyUsageTypeSignVerify})
			msg := make([]byte, 256)
			sig, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(id), Message: msg, SigningAlgorithm: c.alg, MessageType: c.mt})
			if err != nil {
				b.Fatal(err)
			}
			in := &kms.VerifyInput{KeyId: aws.String(id), Message: msg, SigningAlgorithm: c.alg, MessageType: c.mt, Signature: sig.Signature}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.svc.Verify(e.ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
