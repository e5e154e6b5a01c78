// Package envelopetest runs a real kmsgate for the envelope tests: the kmsapi
// wire layer over the emulator on a bbolt file, served by httptest on
// 127.0.0.1, and aws-sdk-go-v2 clients pointed at it. Only tests import it;
// the envelope library itself knows no server package.
package envelopetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/storage"
)

// Account and Region of the test server.
const (
	Account = "111122223333"
	Region  = "us-east-1"
)

// Server is a running kmsgate on a bbolt file.
type Server struct {
	Path    string // the bbolt file
	URL     string // http://127.0.0.1:port
	rootKey []byte
	db      *storage.DB
	http    *httptest.Server
	tb      testing.TB
}

// Start opens a fresh store in tb.TempDir() and serves it. It stops when the
// test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return Reopen(tb, filepath.Join(tb.TempDir(), "kmsgate.db"), bytes.Repeat([]byte{0x42}, storage.RootKeySize))
}

// Reopen serves an existing store file (or creates it) under rootKey.
func Reopen(tb testing.TB, path string, rootKey []byte) *Server {
	tb.Helper()
	db, err := storage.Open(path, storage.Options{RootKey: rootKey})
	if err != nil {
		tb.Fatalf("opening the store: %v", err)
	}
	svc, err := emulator.New(emulator.Config{DB: db, Account: Account, Region: Region, Logger: zerolog.Nop()})
	if err != nil {
		db.Close()
		tb.Fatalf("starting the emulator: %v", err)
	}
	h := kmsapi.New(kmsapi.Config{Backend: svc, Logger: zerolog.Nop(), DefaultRegion: Region, Account: Account})
	s := &Server{Path: path, rootKey: rootKey, db: db, http: httptest.NewServer(h), tb: tb}
	s.URL = s.http.URL
	tb.Cleanup(s.Stop)
	return s
}

// Stop closes the listener and the store. Calling it twice is harmless.
func (s *Server) Stop() {
	if s.http == nil {
		return
	}
	s.http.Close()
	if err := s.db.Close(); err != nil {
		s.tb.Errorf("closing the store: %v", err)
	}
	s.http = nil
}

// Restart stops the server and serves the same file again: a new process,
// as far as anyone can tell (new store handle, new emulator, new port).
func (s *Server) Restart() *Server {
	s.tb.Helper()
	s.Stop()
	return Reopen(s.tb, s.Path, s.rootKey)
}

// Client is a real aws-sdk-go-v2 KMS client for the server, with static
// credentials and a single attempt per call (so counts on the server are
// exact).
func (s *Server) Client() *kms.Client {
	return NewClient(s.URL)
}

// NewClient is a KMS client for any loopback URL.
func NewClient(url string) *kms.Client {
	return kms.New(kms.Options{
		Region:           Region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAENVELOPETEST0001", "envelope-test-secret", ""),
		RetryMaxAttempts: 1,
	})
}

// Requests is how many requests of the operation the server has answered
// (successes and errors), from its GET /metrics read with the Prometheus
// text parser.
func (s *Server) Requests(op string) int64 {
	s.tb.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		s.tb.Fatalf("reading metrics: %v", err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		s.tb.Fatalf("decoding metrics: %v", err)
	}
	var n int64
	for _, m := range fams["kmsgate_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" && l.GetValue() == op {
				n += int64(m.GetCounter().GetValue())
			}
		}
	}
	return n
}
