package sdkhttp_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/internal/sdkhttp"
	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// TestGuardKeepsAnAnswerTheSDKWouldCutOff plays the race of the package
// comment in a fixed order, with a real kmsgate and a real SDK client: the
// connection holds net/http's writer goroutine right after it sent the
// request body, until the SDK has closed that body (the answer's headers
// are in by then), and the SDK reads the answer only once the writer has
// finished with the body (net/http closed the connection, or closed the
// body itself). An ML-DSA-87 signature is 6.2 KB of base64, more than
// net/http's 4 KiB read buffer holds.
func TestGuardKeepsAnAnswerTheSDKWouldCutOff(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	created, err := srv.Client().CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecMlDsa87, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	key := created.KeyMetadata.KeyId
	for _, tc := range []struct {
		name    string
		guard   bool
		wantErr string // "" for the whole signature
	}{
		// If this one fails, the SDK has stopped losing the answer
		// (smithy-go's WriteTo of a closed body no longer answers
		// io.EOF): sdkhttp.Guard can go.
		{"the SDK alone loses the answer's tail", false, "use of closed network connection"},
		{"through Guard the answer arrives whole", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &stall{release: make(chan struct{}), done: make(chan struct{})}
			transport := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(transport.CloseIdleConnections)
			var dialer net.Dialer
			transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &stallingConn{Conn: c, st: st}, nil
			}
			var next sdkhttp.Doer = &http.Client{Transport: transport}
			if tc.guard {
				next = sdkhttp.Guard(next)
			}
			c := kms.New(kms.Options{
				Region:           srv.Region,
				BaseEndpoint:     aws.String(srv.URL),
				Credentials:      credentials.NewStaticCredentialsProvider(kmsgatetest.AccessKeyID, kmsgatetest.SecretAccessKey, ""),
				RetryMaxAttempts: 1,
				HTTPClient:       observer{next: next, st: st},
			})
			out, err := c.Sign(ctx, &kms.SignInput{KeyId: key, Message: []byte("a message"),
				MessageType: types.MessageTypeRaw, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Sign: got error %v, want the signature", err)
			case tc.wantErr == "" && len(out.Signature) != 4627:
				t.Fatalf("Sign: got a %d-byte signature, want ML-DSA-87's 4627 bytes", len(out.Signature))
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Sign: got error %v, want one with %q", err, tc.wantErr)
			}
		})
	}
}

func TestGuardPassesARequestWithoutBodyAsItIs(t *testing.T) {
	srv := kmsgatetest.New(t)
	for _, tc := range []struct {
		name string
		body io.ReadCloser
	}{
		{"nil", nil},
		{"http.NoBody", http.NoBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Body = tc.body
			var sent recorder
			sent.next = http.DefaultClient
			res, err := sdkhttp.Guard(&sent).Do(req)
			if err != nil {
				t.Fatalf("got error %v, want an answer", err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK || sent.body != tc.body {
				t.Fatalf("got status %d with body %#v sent, want 200 with %#v", res.StatusCode, sent.body, tc.body)
			}
		})
	}
}

// recorder remembers the body of the request it sends on.
type recorder struct {
	next sdkhttp.Doer
	body io.ReadCloser
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.body = req.Body
	return r.next.Do(req)
}

// stall orders one call: release is closed when the request body is first
// closed (by the SDK, after Do returned), done when net/http is finished
// with the body (it closed the connection, or closed the body itself).
type stall struct {
	release, done         chan struct{}
	releaseOnce, doneOnce sync.Once
}

func (s *stall) finished() { s.doneOnce.Do(func() { close(s.done) }) }

// bodyClosed is every Close of the request body. The first lets the
// writer go on and waits until it is done with the body, so that the SDK
// reads the answer only then (the minute is a guard against a hang, never
// reached when the order holds).
func (s *stall) bodyClosed() {
	first := false
	s.releaseOnce.Do(func() { close(s.release); first = true })
	if !first {
		s.finished()
		return
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
	}
}

// stallingConn holds every write of a request body (any write but the
// request line and headers, which net/http sends first for a body it
// does not know to be in memory) until the body was closed once.
type stallingConn struct {
	net.Conn
	st *stall
}

func (c *stallingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if !bytes.HasPrefix(p, []byte("POST ")) {
		<-c.st.release
	}
	return n, err
}

func (c *stallingConn) Close() error {
	c.st.finished()
	return c.Conn.Close()
}

// observer is the SDK client's HTTPClient: it gives the request the body
// observed (the SDK closes the request's Body after Do returns).
type observer struct {
	next sdkhttp.Doer
	st   *stall
}

func (o observer) Do(r *http.Request) (*http.Response, error) {
	r.Body = &observedBody{ReadCloser: r.Body, st: o.st}
	return o.next.Do(r)
}

// observedBody is the SDK's body, WriteTo included, with its closes seen.
type observedBody struct {
	io.ReadCloser
	st *stall
}

func (b *observedBody) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := b.ReadCloser.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, struct{ io.Reader }{b.ReadCloser}) // the SDK's body has changed
}

func (b *observedBody) Close() error {
	err := b.ReadCloser.Close()
	b.st.bodyClosed()
	return err
}
