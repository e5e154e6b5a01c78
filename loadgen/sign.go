package loadgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 signs loadgen's requests with aws-sdk-go-v2's signer, as a client
// of `kmsgate serve --auth verify` must. A signature holds for 5 minutes
// and loadgen sends a few fixed bodies, so each (operation, body) is signed
// once a minute and its headers reused; the server still verifies every
// request in full.
type SigV4 struct {
	AccessKeyID, Secret, Region string

	signer *v4.Signer
	mu     sync.Mutex
	cache  map[string]sigV4Headers
}

type sigV4Headers struct {
	at         time.Time
	date, auth []string
}

// NewSigV4 returns a signer for one access key and region.
func NewSigV4(id, secret, region string) *SigV4 {
	return &SigV4{AccessKeyID: id, Secret: secret, Region: region, signer: v4.NewSigner(), cache: map[string]sigV4Headers{}}
}

// Sign adds X-Amz-Date and Authorization to req, whose body is body.
func (s *SigV4) Sign(req *http.Request, op string, body []byte) error {
	key := op + "\x00" + string(body)
	now := time.Now()
	s.mu.Lock()
	h, ok := s.cache[key]
	s.mu.Unlock()
	if !ok || now.Sub(h.at) > time.Minute {
		sum := sha256.Sum256(body)
		clone := req.Clone(context.Background())
		clone.Header = req.Header.Clone()
		if err := s.signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret}, clone,
			hex.EncodeToString(sum[:]), "kms", s.Region, now); err != nil {
			return err
		}
		h = sigV4Headers{at: now, date: clone.Header["X-Amz-Date"], auth: clone.Header["Authorization"]}
		s.mu.Lock()
		s.cache[key] = h
		s.mu.Unlock()
	}
	req.Header["X-Amz-Date"] = h.date
	req.Header["Authorization"] = h.auth
	return nil
}

// The principal loadgen --gate signs as.
const (
	GateAccessKeyID = "AKIALOADGEN"
	GateSecret      = "loadgen-secret"
)

// gateSeedPolicy is the seed's policy (authz/testdata/seed-policy.json).
const gateSeedPolicy = `{"Version": "2012-10-17", "Statement": [
  {"Sid": "UseKeys", "Effect": "Allow",
   "Action": ["kms:GenerateDataKey*", "kms:DescribeKey", "kms:Encrypt", "kms:Decrypt"],
   "Resource": "arn:aws:kms:*:*:key/*",
   "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/jumpwire/*"]}}},
  {"Sid": "ManageAliases", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:alias/jumpwire/*"},
  {"Sid": "AliasKeySide", "Effect": "Allow", "Action": "kms:*Alias",
   "Resource": "arn:aws:kms:*:*:key/*"},
  {"Sid": "CreateKeys", "Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*"}]}
`

// WriteGateFiles writes the seed's policy and a principals file naming
// loadgen's access key under dir, and returns the principals file's path.
func WriteGateFiles(dir string) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "seed-policy.json"), []byte(gateSeedPolicy), 0o600); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "principals.yaml")
	body := "principals:\n  - arn: arn:aws:iam::111122223333:user/loadgen\n    accessKeys: [{id: " + GateAccessKeyID + ", secret: " + GateSecret + "}]\n    policies: [seed-policy.json]\n"
	return path, os.WriteFile(path, []byte(body), 0o600)
}
