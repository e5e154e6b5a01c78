package proxy

import (
	"fmt"
	"io"
	"net/http"

	"github.com/kmsgate/kmsgate/internal/sdkhttp"
)

// maxAnswerBytes bounds an upstream answer's body. KMS's largest answers
// (a page of 1,000 grants with their constraints) are a few MB; an
// upstream that answers without end (a broken endpoint) fails the call
// instead of growing kmsgate's memory.
const maxAnswerBytes = 16 << 20

var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d bytes", maxAnswerBytes)

// boundedAnswers is a Doer whose answers' bodies end in errAnswerTooLarge
// past maxAnswerBytes.
type boundedAnswers struct{ next sdkhttp.Doer }

func (b boundedAnswers) Do(r *http.Request) (*http.Response, error) {
	resp, err := b.next.Do(r)
	if err == nil && resp.Body != nil {
		resp.Body = &boundedBody{ReadCloser: resp.Body, left: maxAnswerBytes}
	}
	return resp, err
}

// boundedBody reads at most left bytes, then errAnswerTooLarge if more
// follow.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errAnswerTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte more tells a longer body from one of exactly left
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - 1, errAnswerTooLarge
	}
	return n, err
}
