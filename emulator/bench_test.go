package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func benchEnv(b *testing.B) (*env, string) {
	b.Helper()
	e := newEnvTB(b)
	out, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	return e, aws.ToString(out.KeyMetadata.KeyId)
}

func BenchmarkEncrypt(b *testing.B) {
	e, id := benchEnv(b)
	in := &kms.EncryptInput{KeyId: aws.String(id), Plaintext: make([]byte, 1024), EncryptionContext: map[string]string{"tenant": "a"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.Encrypt(e.ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	e, id := benchEnv(b)
	out, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: make([]byte, 1024)})
	if err != nil {
		b.Fatal(err)
	}
	in := &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.Decrypt(e.ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateDataKeyThroughAlias(b *testing.B) {
	e, id := benchEnv(b)
	if _, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/bench"), TargetKeyId: aws.String(id)}); err != nil {
		b.Fatal(err)
	}
	in := &kms.GenerateDataKeyInput{KeyId: aws.String("alias/bench"), KeySpec: types.DataKeySpecAes256}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.GenerateDataKey(e.ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// CreateKey is a durable write: one bbolt commit with fsync.
func BenchmarkCreateKey(b *testing.B) {
	e, _ := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{}); err != nil {
			b.Fatal(err)
		}
	}
}
