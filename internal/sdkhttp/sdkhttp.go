// Package sdkhttp owns Guard, what kmsgate's aws-sdk-go-v2 clients send
// their requests through, so that an answer is never cut off by the SDK's
// own request body.
//
// The race it closes (aws-sdk-go-v2 v1.48 / smithy-go v1.28.9, Go 1.26):
// smithy-go wraps each request body in a closer that also implements
// io.WriterTo, and closes it as soon as http.Client.Do returns, that is
// once the answer's headers have arrived. net/http's writer goroutine may
// not be done with the body by then: after sending Content-Length bytes it
// copies the body once more to make sure nothing is left, and that copy
// goes through WriteTo, which answers io.EOF as an error once the body is
// closed. net/http takes that for a failed request write and closes the
// connection while the caller is still reading the answer: whatever part
// of the answer was not yet in the transport's read buffer (4 KiB) is
// lost, and the SDK reports "deserialization failed, read tcp ...: use of
// closed network connection" for a 200 answer. It takes a server that
// answers before the writer goroutine runs again: a kmsgate on loopback
// with the machine's cores starved, answering an ML-DSA signature (4.4 or
// 6.2 KB of base64) or any other answer larger than the buffer.
//
// Guard hands net/http the body without WriteTo. Read on a closed body
// answers (0, io.EOF), which net/http takes as the end of the body it has
// already sent in full.
package sdkhttp

import (
	"io"
	"net/http"
)

// Doer is what an aws-sdk-go-v2 client sends requests through
// (kms.Options.HTTPClient): an *http.Client, the SDK's BuildableClient.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Guarded is a Doer wrapped by Guard.
type Guarded struct{ next Doer }

// Guard wraps next for an SDK client's Options.HTTPClient. An SDK client
// given a Guarded instead of the SDK's own BuildableClient does not apply
// the SDK's defaults-mode dial and TLS timeouts to it (the legacy default
// mode has none) nor its optional read timeout: callers bound calls with
// their context.
func Guard(next Doer) Guarded { return Guarded{next} }

// Do sends a shallow copy of r whose body hides every method but Read and
// Close. The SDK sets no GetBody, so there is no second body to wrap.
func (g Guarded) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return g.next.Do(r)
	}
	sent := *r
	sent.Body = readCloser{r.Body}
	return g.next.Do(&sent)
}

// readCloser is an io.ReadCloser and nothing more.
type readCloser struct{ io.ReadCloser }
