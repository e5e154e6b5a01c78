package kmsapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/storage"
)

// BenchmarkServeEncrypt is the whole handler for one Encrypt (routing,
// identity, body, codec, log line to io.Discard) without the network.
func BenchmarkServeEncrypt(b *testing.B) {
	encReq, err := json.Marshal(kms.EncryptInput{KeyId: aws.String("alias/jumpwire/app"), Plaintext: bytes.Repeat([]byte{0x42}, 256), EncryptionContext: map[string]string{"tenant": "acme", "purpose": "field-encryption"}})
	if err != nil {
		b.Fatal(err)
	}
	h := New(Config{Backend: &testBackend{}, Logger: zerolog.Nop(), DefaultRegion: "us-east-1", Account: testAccount})
	b.ReportAllocs()
	b.SetBytes(int64(len(encReq)))
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(encReq))
		req.Header.Set("X-Amz-Target", "TrentService.Encrypt")
		req.Header.Set("Content-Type", contentTypeJSON11)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkServeEmulator is the whole handler over the real emulator on a
// bbolt file, as `kmsgate serve` runs it (log level warn), for the three
// operations loadgen measures. It reports allocations per request, the
// figure that decides how much of the CPU goes to the garbage collector
// under load. -cpu=1,2 shows contention.
func BenchmarkServeEmulator(b *testing.B) {
	h := New(Config{Backend: newEmulator(b), Logger: zerolog.New(io.Discard).Level(zerolog.WarnLevel), DefaultRegion: "us-east-1", Account: testAccount})
	serve := func(op string, body []byte) []byte {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "TrentService."+op)
		req.Header.Set("Content-Type", contentTypeJSON11)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: got %d %s, want 200", op, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	var created struct{ KeyMetadata struct{ KeyId string } }
	if err := json.Unmarshal(serve("CreateKey", []byte(`{}`)), &created); err != nil {
		b.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId
	encBody, _ := json.Marshal(map[string]any{"KeyId": keyID, "Plaintext": bytes.Repeat([]byte{1}, 64)})
	var enc struct{ CiphertextBlob []byte }
	if err := json.Unmarshal(serve("Encrypt", encBody), &enc); err != nil {
		b.Fatal(err)
	}
	decBody, _ := json.Marshal(map[string]any{"KeyId": keyID, "CiphertextBlob": enc.CiphertextBlob})
	gdkBody, _ := json.Marshal(map[string]string{"KeyId": keyID, "KeySpec": "AES_256"})
	for _, c := range []struct {
		op   string
		body []byte
	}{{"GenerateDataKey", gdkBody}, {"Encrypt", encBody}, {"Decrypt", decBody}} {
		b.Run(c.op, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(c.body))
					req.Header.Set("X-Amz-Target", "TrentService."+c.op)
					req.Header.Set("Content-Type", contentTypeJSON11)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("%s: got %d %s, want 200", c.op, rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
}

// newEmulator is the real emulator over a bbolt file in tb's temporary
// directory.
func newEmulator(tb testing.TB) *emulator.Service {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "kmsgate.db"), storage.Options{RootKey: bytes.Repeat([]byte{7}, storage.RootKeySize)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	emu, err := emulator.New(emulator.Config{DB: db})
	if err != nil {
		tb.Fatal(err)
	}
	return emu
}
