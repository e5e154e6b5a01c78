package envelope_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/envelope"
)

// The README's example: compiled with the tests, not run (it needs a KMS).
func Example() {
	ctx := context.Background()
	// Credentials, region and AWS_ENDPOINT_URL (kmsgate, or unset for AWS)
	// come from the SDK's usual sources.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	env, err := envelope.New(envelope.Config{
		KMS:                    kms.NewFromConfig(cfg),
		KeyName:                "jumpwire", // master key alias/jumpwire/org1, created if missing
		Tenant:                 "org1",
		RotateAfterEncryptions: 1_000_000, // optional: a new data key every million fields
	})
	if err != nil {
		log.Fatal(err)
	}
	defer env.Close() // zeroes the data keys held in memory

	if err := env.Start(ctx); err != nil { // optional: the first Encrypt starts too
		log.Fatal(err) // e.g. "envelope: KMS GenerateDataKey on alias/jumpwire/org1 failed: AccessDeniedException: ..."
	}
	text, err := env.EncryptText(ctx, []byte("4111-1111-1111-1111"))
	if err != nil {
		log.Fatal(err)
	}
	plain, err := env.DecryptText(ctx, text) // KMS Decrypt only for a data key not cached
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(plain))
}
