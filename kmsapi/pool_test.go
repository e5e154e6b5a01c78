package kmsapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"
)

// Request bodies and answers live in pooled buffers: concurrent clients
// with different payloads (of growing sizes, so that buffers are reused at
// every size) must each get exactly their own answer, through the real SDK
// and the real emulator.
func TestConcurrentCallsGetTheirOwnAnswers(t *testing.T) {
	srv := httptest.NewServer(New(Config{Backend: newEmulator(t), Logger: zerolog.Nop(), DefaultRegion: testRegion, Account: testAccount}))
	t.Cleanup(srv.Close)
	client := kms.New(kms.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	ctx := context.Background()
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				pt := bytes.Repeat([]byte(fmt.Sprintf("client %d call %d;", g, i)), 1+(g*40+i)%60)
				ec := map[string]string{"client": fmt.Sprint(g)}
				enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: pt, EncryptionContext: ec})
				if err != nil {
					t.Error(err)
					return
				}
				dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(dec.Plaintext, pt) {
					t.Errorf("client %d call %d: got plaintext %q, want %q", g, i, dec.Plaintext, pt)
					return
				}
			}
		}()
	}
	wg.Wait()
}
