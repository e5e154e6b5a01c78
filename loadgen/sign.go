package loadgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 signs loadgen's requests with aws-sdk-go-v2's signer, as a client
// of `kmsgate serve --auth verify` must. A signature holds for 5 minutes
// and loadgen sends a few fixed bodies, so each (operation, body) is signed
// once a minute and its headers reused; the server still verifies every
// request in full. The signed headers are read without a lock or an
// allocation (a map replaced, never changed), so that the client's own
// cost under load stays what an unsigned request costs.
type SigV4 struct {
	AccessKeyID, Secret, Region string

	signer *v4.Signer
	mu     sync.Mutex                          // serialises re-signing
	cache  atomic.Pointer[map[string]sigCache] // operation -> body -> headers
}

type sigCache map[string]sigV4Headers

type sigV4Headers struct {
	at         time.Time
	date, auth []string
}

// NewSigV4 returns a signer for one access key and region.
func NewSigV4(id, secret, region string) *SigV4 {
	s := &SigV4{AccessKeyID: id, Secret: secret, Region: region, signer: v4.NewSigner()}
	s.cache.Store(&map[string]sigCache{})
	return s
}

// Sign adds X-Amz-Date and Authorization to req, whose body is body.
func (s *SigV4) Sign(req *http.Request, op string, body []byte) error {
	now := time.Now()
	h, ok := (*s.cache.Load())[op][string(body)]
	if !ok || now.Sub(h.at) > time.Minute {
		var err error
		if h, err = s.sign(req, op, body, now); err != nil {
			return err
		}
	}
	req.Header["X-Amz-Date"] = h.date
	req.Header["Authorization"] = h.auth
	return nil
}

// sign signs req afresh and puts its headers in a new copy of the cache.
func (s *SigV4) sign(req *http.Request, op string, body []byte, now time.Time) (sigV4Headers, error) {
	sum := sha256.Sum256(body)
	clone := req.Clone(context.Background())
	clone.Header = req.Header.Clone()
	if err := s.signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret}, clone,
		hex.EncodeToString(sum[:]), "kms", s.Region, now); err != nil {
		return sigV4Headers{}, err
	}
	h := sigV4Headers{at: now, date: clone.Header["X-Amz-Date"], auth: clone.Header["Authorization"]}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.cache.Load()
	next := maps.Clone(old)
	bodies := maps.Clone(old[op])
	if bodies == nil {
		bodies = sigCache{}
	}
	bodies[string(body)] = h
	next[op] = bodies
	s.cache.Store(&next)
	return h, nil
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
