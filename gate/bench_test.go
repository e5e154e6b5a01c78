package gate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/storage"
)

// stack is the emulator on a bbolt file in dir, the principals of the
// file at principals, and the access keys kmsapi checks signatures with,
// wired as serve wires them.
func stack(tb testing.TB, dir, principals string) (*emulator.Service, *gate.Principals, func(string) (kmsapi.AccessKey, bool)) {
	tb.Helper()
	db, err := storage.Open(filepath.Join(dir, "kmsgate.db"), storage.Options{RootKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	emu, err := emulator.New(emulator.Config{DB: db, Logger: zerolog.Nop()})
	if err != nil {
		tb.Fatal(err)
	}
	ps, err := gate.NewPrincipals(principals, nil)
	if err != nil {
		tb.Fatal(err)
	}
	keys := func(id string) (kmsapi.AccessKey, bool) {
		k := ps.AccessKey(id)
		if k == nil {
			return kmsapi.AccessKey{}, false
		}
		return kmsapi.AccessKey{Principal: k.Principal.ARN, Account: k.Principal.Account, Secret: k.Secret}, true
	}
	return emu, ps, keys
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGenerateDataKey is the whole handler (routing, identity, body,
// codec, log line at warn level) over the real emulator on a bbolt file
// for one GenerateDataKey on alias/jumpwire/bench, as the seed's engine
// calls it, in four set-ups: nothing checked (the floor of this
// benchmark), --auth verify, --policy-mode enforce with the seed's policy,
// and both. Their differences are the cost of verify and of enforce per
// request. The request is signed once (a SigV4 signature holds for 5
// minutes); the server verifies it on every call.
func BenchmarkGenerateDataKey(b *testing.B) {
	dir := b.TempDir()
	seed, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed.json"), seed, 0o600); err != nil {
		b.Fatal(err)
	}
	principals := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(principals, []byte("principals:\n  - arn: arn:aws:iam::111122223333:user/app\n    accessKeys: [{id: AKIAAPP, secret: app-secret}]\n    policies: [seed.json]\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	emu, ps, keys := stack(b, dir, principals)
	ctx := kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: emulator.DefaultAccount, Region: emulator.DefaultRegion})
	k, err := emu.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := emu.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/bench"), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		b.Fatal(err)
	}
	log := zerolog.New(io.Discard).Level(zerolog.WarnLevel)
	body, _ := json.Marshal(kms.GenerateDataKeyInput{KeyId: aws.String("alias/jumpwire/bench"), KeySpec: "AES_256"})
	signed, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	signed.Header.Set("Content-Type", "application/x-amz-json-1.1")
	signed.Header.Set("X-Amz-Target", "TrentService.GenerateDataKey")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAAPP", SecretAccessKey: "app-secret"}, signed,
		hex.EncodeToString(sum[:]), "kms", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		auth    kmsapi.AuthMode
		enforce bool
	}{{"nothing checked", kmsapi.AuthOff, false}, {"verify", kmsapi.AuthVerify, false}, {"enforce", kmsapi.AuthOff, true}, {"verify and enforce", kmsapi.AuthVerify, true}} {
		b.Run(tc.name, func(b *testing.B) {
			var backend kmsgate.Backend = emu
			if tc.enforce {
				rec, err := gate.NewRecorder(log, "", 0)
				if err != nil {
					b.Fatal(err)
				}
				if backend, err = gate.New(gate.Config{Next: emu, Facts: emu, Mode: gate.Enforce, Principals: ps,
					Account: emulator.DefaultAccount, Region: emulator.DefaultRegion, Recorder: rec}); err != nil {
					b.Fatal(err)
				}
			}
			h := kmsapi.New(kmsapi.Config{Backend: backend, Logger: log, DefaultRegion: "us-east-1", Account: emulator.DefaultAccount, Keys: keys, Auth: tc.auth})
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Host = signed.Host
				for _, name := range []string{"Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization"} {
					req.Header[name] = signed.Header[name]
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("got %d %s, want 200", rec.Code, rec.Body)
				}
			}
			// CPU time (user + system, every thread of the process) per
			// call: unlike ns/op it does not grow when other processes
			// share the machine.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
