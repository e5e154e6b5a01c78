package emulator

import (
	"bytes"
	"context"
	"crypto/cipher"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/storage"
)

func sampleBlob(t testing.TB, ec map[string]string) []byte {
	t.Helper()
	keyID := "0b7fe8a1-7d3c-4f0e-9b52-111111111111"
	prefix, err := headerPrefix(keyID, strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	return sealBlob(nil, scope{"111122223333", "eu-west-1"}, keyID, prefix, testGCM(t, 7), make([]byte, nonceLen), []byte("plaintext"), ec)
}

// testGCM is the cipher of 32 bytes of b.
func testGCM(t testing.TB, b byte) cipher.AEAD {
	t.Helper()
	aead, err := newGCM(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

func FuzzParseCiphertext(f *testing.F) {
	f.Add(sampleBlob(f, nil))
	f.Add(sampleBlob(f, map[string]string{"a": "bc"}))
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 255})
	f.Add([]byte{1, 36})
	f.Add([]byte{2, 36, 'x'})
	other := testGCM(f, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseCiphertext(b)
		if err != nil {
			return
		}
		if !kmsgate.IsKeyID(c.keyID) || len(c.materialID) != 64 || len(c.nonce) != nonceLen || len(c.sealed) < tagLen {
			t.Fatalf("parsed an inconsistent blob: %+v", c)
		}
		if !bytes.Equal(append(bytes.Clone(c.header), c.sealed...), b) {
			t.Fatalf("header and sealed part do not make up the blob")
		}
		h, err := headerPrefix(c.keyID, c.materialID)
		if err != nil || !bytes.Equal(append(h, c.nonce...), c.header) {
			t.Fatalf("header does not re-encode: %v", err)
		}
		// Opening with any material must fail cleanly or succeed, never panic.
		_, _ = openBlob(scope{"a", "b"}, c, other, nil)
	})
}

func TestSampleBlobOpensOnlyWithItsContextAndScope(t *testing.T) {
	material := testGCM(t, 7)
	blob := sampleBlob(t, map[string]string{"a": "bc"})
	c, err := parseCiphertext(blob)
	if err != nil {
		t.Fatal(err)
	}
	sc := scope{"111122223333", "eu-west-1"}
	if pt, err := openBlob(sc, c, material, map[string]string{"a": "bc"}); err != nil || string(pt) != "plaintext" {
		t.Fatalf("open: got %q, %v", pt, err)
	}
	for _, tc := range []struct {
		name string
		sc   scope
		ec   map[string]string
	}{
		{"another region does not open it", scope{"111122223333", "us-east-1"}, map[string]string{"a": "bc"}},
		{"another account does not open it", scope{"444455556666", "eu-west-1"}, map[string]string{"a": "bc"}},
		{"a shifted context does not open it", sc, map[string]string{"ab": "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := openBlob(tc.sc, c, material, tc.ec); err == nil {
				t.Errorf("opened, want failure")
			}
		})
	}
}

func TestEncodeContextSeparatesKeysAndValues(t *testing.T) {
	pairs := []map[string]string{
		{"a": "bc", "d": "e"},
		{"ab": "c", "de": ""},
		{"a": "bcd", "e": ""},
		{"abcde": ""},
		{},
		{"": ""},
	}
	seen := map[string]int{}
	for i, p := range pairs {
		enc := string(encodeContext(p))
		if j, dup := seen[enc]; dup {
			t.Errorf("contexts %v and %v encode the same", pairs[j], p)
		}
		seen[enc] = i
	}
}

// Key material is sealed: its bytes never appear in the store file.
func TestMaterialIsNotInTheStoreFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsgate.db")
	s, db := newBoltService(t, path)
	ctx := context.Background()
	out, err := s.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	var materials [][]byte
	err = s.view(ctx, func(tx *txn) error {
		k, _, err := tx.loadKey(aws.ToString(out.KeyMetadata.KeyId))
		if err != nil {
			return err
		}
		for _, m := range k.Materials {
			raw, ok, err := tx.material(k, m.ID)
			if err != nil || !ok {
				t.Fatalf("material %s: ok=%v err=%v", m.ID, ok, err)
			}
			materials = append(materials, raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(materials) != 2 {
		t.Fatalf("material versions: got %d, want 2", len(materials))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range materials {
		if len(m) != 32 {
			t.Errorf("material %d: got %d bytes, want 32", i, len(m))
		}
		if bytes.Contains(file, m) {
			t.Errorf("material version %d is in the store file in plaintext", i+1)
		}
	}
	// With another root key the store does not open at all.
	if _, err := storage.Open(path, storage.Options{RootKey: bytes.Repeat([]byte{9}, 32)}); err == nil {
		t.Errorf("store opened under another root key")
	}
}
