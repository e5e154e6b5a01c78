package server

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"
)

func config(t *testing.T) Config {
	return Config{
		Listen:   "127.0.0.1:0",
		DataPath: filepath.Join(t.TempDir(), "kmsgate.db"),
		Region:   "us-east-1",
		Account:  "111122223333",
		Logger:   zerolog.New(io.Discard),
	}
}

func startT(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

func TestStoreAndRootKeyFilesAreOwnerOnly(t *testing.T) {
	cfg := config(t)
	s := startT(t, cfg)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cfg.DataPath, cfg.DataPath + ".rootkey"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %o, want 600", filepath.Base(p), got)
		}
	}
}

func TestEphemeralStoreIsRemovedAtShutdown(t *testing.T) {
	cfg := config(t)
	cfg.Ephemeral, cfg.DataPath = true, ""
	s := startT(t, cfg)
	dir := filepath.Dir(s.dataPath())
	if _, err := os.Stat(s.dataPath()); err != nil {
		t.Fatalf("ephemeral store missing while serving: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("got %v for the ephemeral dir after shutdown, want it gone", err)
	}
}

func TestRootKeyFromTheEnvironmentMustBe32HexBytes(t *testing.T) {
	cfg := config(t)
	cfg.RootKeyHex = "abcd"
	if _, err := Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "64 hex characters") {
		t.Errorf("got %v, want an error about 64 hex characters", err)
	}
}

func TestAnotherRootKeyCannotOpenTheStore(t *testing.T) {
	cfg := config(t)
	cfg.RootKeyHex = strings.Repeat("11", 32)
	s := startT(t, cfg)
	s.Shutdown(context.Background())
	cfg.RootKeyHex = strings.Repeat("22", 32)
	if _, err := Start(context.Background(), cfg); err == nil {
		t.Error("got a server over a store sealed with another root key, want an error")
	}
}

func TestSeedFileAtStartUp(t *testing.T) {
	ctx := context.Background()
	t.Run("a seed file's keys and aliases answer, and a second start changes nothing", func(t *testing.T) {
		cfg := config(t)
		cfg.SeedPath = filepath.Join(t.TempDir(), "seed.yaml")
		os.WriteFile(cfg.SeedPath, []byte(`keys:
  - id: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e
    description: seeded
    material: [hex:5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9]
    aliases: [alias/seeded]
  - id: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
    keySpec: HMAC_256
aliases:
  - name: alias/hmac
    targetKeyId: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
`), 0o600)
		s := startT(t, cfg)
		before, err := s.Emulator().ListAliases(ctx, &kms.ListAliasesInput{})
		if err != nil || len(before.Aliases) != 2 {
			t.Fatalf("got %v aliases (%v), want the seed's", before, err)
		}
		keys, err := s.Emulator().ListKeys(ctx, &kms.ListKeysInput{})
		if err != nil {
			t.Fatal(err)
		}
		s.Shutdown(ctx)
		s = startT(t, cfg)
		after, err := s.Emulator().ListAliases(ctx, &kms.ListAliasesInput{})
		if err != nil {
			t.Fatal(err)
		}
		keys2, _ := s.Emulator().ListKeys(ctx, &kms.ListKeysInput{})
		if len(after.Aliases) != len(before.Aliases) || len(keys2.Keys) != len(keys.Keys) {
			t.Errorf("got %d aliases and %d keys after a second start, want %d and %d", len(after.Aliases), len(keys2.Keys), len(before.Aliases), len(keys.Keys))
		}
		for _, a := range after.Aliases {
			if _, err := s.Emulator().DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(aws.ToString(a.AliasName))}); err != nil && !strings.HasPrefix(aws.ToString(a.AliasName), "alias/aws/") {
				t.Errorf("DescribeKey(%s): %v", aws.ToString(a.AliasName), err)
			}
		}
	})
	t.Run("a bad seed file stops start-up naming the file", func(t *testing.T) {
		cfg := config(t)
		cfg.SeedPath = filepath.Join(t.TempDir(), "bad-seed.yaml")
		os.WriteFile(cfg.SeedPath, []byte("keys:\n  - id: not-a-key-id\n"), 0o600)
		_, err := Start(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "bad-seed.yaml") || !strings.Contains(err.Error(), "not-a-key-id") {
			t.Errorf("got %v, want an error naming the file and the entry", err)
		}
	})
}
