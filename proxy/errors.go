package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// UpstreamError is an error the upstream answered: its code, message and
// HTTP status reach the caller unchanged (a throttling 400 stays a
// throttling 400, a 503 a 503). It unwraps to the SDK's own error, so
// errors.As finds *types.NotFoundException and the like.
type UpstreamError struct {
	// API is the error the SDK read from the answer.
	API smithy.APIError
	// Status is the answer's HTTP status.
	Status int
	// RequestID is the id the upstream gave the call (x-amzn-RequestId).
	RequestID string
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("upstream answered %d %s: %s", e.Status, e.API.ErrorCode(), e.API.ErrorMessage())
}

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError.
func (e *UpstreamError) ErrorCode() string    { return e.API.ErrorCode() }
func (e *UpstreamError) ErrorMessage() string { return e.API.ErrorMessage() }
func (e *UpstreamError) ErrorFault() smithy.ErrorFault {
	if f := e.API.ErrorFault(); f != smithy.FaultUnknown {
		return f
	}
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// HTTPStatusCode is the status the wire layer answers with.
func (e *UpstreamError) HTTPStatusCode() int { return e.Status }

// ServiceRequestID is the upstream's request id, which the wire layer
// answers as x-amzn-RequestId.
func (e *UpstreamError) ServiceRequestID() string { return e.RequestID }

func (e *UpstreamError) Unwrap() error { return e.API }

var _ smithy.APIError = (*UpstreamError)(nil)

// upstreamError turns the SDK's error for one call into kmsgate's answer:
// an answered error passes through as *UpstreamError; a call that did not
// reach the upstream (refused, timed out, TLS, DNS) is
// DependencyTimeoutException naming the upstream and the cause; a caller
// that went away gets its context's error.
func (p *Proxy) upstreamError(ctx context.Context, region string, timeout time.Duration, err error) error {
	// The SDK wraps a failed send in a ResponseError too, with status 0.
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.Response != nil && resp.HTTPStatusCode() != 0 {
		p.health.answered()
		var api smithy.APIError
		if errors.As(err, &api) {
			return &UpstreamError{API: api, Status: resp.HTTPStatusCode(), RequestID: resp.ServiceRequestID()}
		}
		return fmt.Errorf("upstream %s answered HTTP %d that kmsgate could not read: %w", p.describe(region), resp.HTTPStatusCode(), err)
	}
	if ctx.Err() != nil {
		// The caller gave up (or the server is shutting down): not the
		// upstream's fault.
		return ctx.Err()
	}
	cause, ok := unreachable(err, timeout)
	if !ok {
		// Not a transport failure: e.g. kmsgate's credentials could not be
		// retrieved. A server fault, logged in full by the wire layer.
		return fmt.Errorf("upstream %s: call not sent: %w", p.describe(region), err)
	}
	upstream := p.describe(region)
	p.health.failed(upstream, cause)
	return &types.DependencyTimeoutException{Message: ptr(fmt.Sprintf(
		"kmsgate's upstream KMS (%s) did not answer: %s.", upstream, cause))}
}

// unreachable says why a call did not reach the upstream, in words a
// message can carry (no request content), and whether that is what err is.
func unreachable(err error, timeout time.Duration) (string, bool) {
	var (
		sendErr   *smithyhttp.RequestSendError
		cancelErr *smithy.CanceledError
	)
	if !errors.As(err, &sendErr) && !errors.As(err, &cancelErr) && !errors.Is(err, context.DeadlineExceeded) {
		return "", false
	}
	var (
		dnsErr     *net.DNSError
		verifyErr  *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
		netErr     net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s (--upstream-timeout)", timeout), true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", true
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset", true
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("DNS lookup of %s failed: %s", dnsErr.Name, dnsErr.Err), true
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		var x509Msg string
		switch {
		case errors.As(err, &unknownCA):
			x509Msg = unknownCA.Error()
		case errors.As(err, &hostErr):
			x509Msg = hostErr.Error()
		case errors.As(err, &invalidErr):
			x509Msg = invalidErr.Error()
		default:
			x509Msg = verifyErr.Err.Error()
		}
		return "TLS: the upstream's certificate is not trusted (" + x509Msg + ")", true
	case errors.As(err, &recordErr):
		return "TLS handshake failed: the upstream does not speak TLS", true
	case errors.As(err, &alertErr):
		return "TLS handshake failed: " + alertErr.Error(), true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the upstream closed the connection without an answer", true
	case errors.As(err, &netErr) && netErr.Timeout():
		return "network timeout", true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Op + ": " + opErr.Err.Error(), true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Err != nil {
		if strings.Contains(urlErr.Err.Error(), "server gave HTTP response to HTTPS client") {
			// net/http reports a tls.RecordHeaderError this way.
			return "TLS handshake failed: the upstream does not speak TLS", true
		}
		return "connection failed: " + urlErr.Err.Error(), true
	}
	return "connection failed", true
}

func ptr[T any](v T) *T { return &v }
