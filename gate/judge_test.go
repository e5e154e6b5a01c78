package gate

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/emulator"
)

// judgeSetup is the gate's set-up of BenchmarkGenerateDataKey's enforce
// case: the seed policy for the caller, alias/jumpwire/bench on a key of
// the real emulator on a bbolt file, enforce mode logging at warn level.
// It returns the gate, the caller's context and the request.
func judgeSetup(b testing.TB) (*Gate, context.Context, *kms.GenerateDataKeyInput) {
	dir := b.TempDir()
	seed, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		b.Fatal(err)
	}
	principals := filepath.Join(dir, "principals.yaml")
	for name, body := range map[string][]byte{"seed.json": seed,
		"principals.yaml": []byte("principals:\n  - arn: arn:aws:iam::111122223333:user/app\n    policies: [seed.json]\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	ps, err := NewPrincipals(principals, nil)
	if err != nil {
		b.Fatal(err)
	}
	emu := newEmulator(b)
	ctx := kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: emulator.DefaultAccount, Region: emulator.DefaultRegion,
		PrincipalARN: "arn:aws:iam::111122223333:user/app", RequestID: "r"})
	k, err := emu.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := emu.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/bench"), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		b.Fatal(err)
	}
	rec, err := NewRecorder(zerolog.New(io.Discard).Level(zerolog.WarnLevel), "", 0) // as BenchmarkGenerateDataKey logs
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(Config{Next: emu, Facts: emu, Mode: Enforce, Principals: ps, Account: emulator.DefaultAccount, Region: emulator.DefaultRegion, Recorder: rec})
	if err != nil {
		b.Fatal(err)
	}
	return g, ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/jumpwire/bench"), KeySpec: "AES_256"}
}

// BenchmarkJudgeGenerateDataKey is the gate's own work on one allowed
// GenerateDataKey in enforce mode (what BenchmarkGenerateDataKey's enforce
// set-up adds to its floor) without the handler and the emulator's
// operation around it: the caller's principal, the key's facts (no write
// since the last look-up), the seed policy's decision and what is noted
// of it.
func BenchmarkJudgeGenerateDataKey(b *testing.B) {
	g, ctx, in := judgeSetup(b)
	b.ReportAllocs()
	for b.Loop() { // as Gate.GenerateDataKey judges
		if err := g.onKey(ctx, "GenerateDataKey", in, in.KeyId, &authz.Request{EncryptionContext: in.EncryptionContext}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJudgingAllocations pins what judging an allowed call costs on top of
// the decision's own 2 allocations (authz TestDecideAllocations, prepared
// key): none. It was 15 in all: the call (kept on the stack since the
// operation's members are passed by value, not set by a closure), the
// facts look-up's read transaction (5) and the decision's 9.
func TestJudgingAllocations(t *testing.T) {
	g, ctx, in := judgeSetup(t)
	var err error
	got := testing.AllocsPerRun(200, func() {
		err = g.onKey(ctx, "GenerateDataKey", in, in.KeyId, &authz.Request{EncryptionContext: in.EncryptionContext})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got > 2 {
		t.Errorf("got %v allocations per judged call, want at most 2", got)
	}
}
