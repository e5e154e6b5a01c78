package kmsapi

import (
	"context"
	"net/http"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate"
)

// statusError is an API error that carries its HTTP status, as the proxy's
// upstream errors do.
type statusError struct {
	smithy.GenericAPIError
	status int
}

func (e *statusError) HTTPStatusCode() int { return e.status }

// failingBackend answers GenerateRandom with err.
type failingBackend struct {
	testBackend
	err error
}

func (b *failingBackend) GenerateRandom(context.Context, *kms.GenerateRandomInput, ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	return nil, b.err
}

func TestAnErrorCarryingItsStatusIsAnsweredWithIt(t *testing.T) {
	for _, c := range []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"a throttling 400", &statusError{smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, 400}, 400, "ThrottlingException"},
		{"a 503 whose fault is unknown", &statusError{smithy.GenericAPIError{Code: "ServiceUnavailableException", Message: "later"}, 503}, 503, "ServiceUnavailableException"},
		{"a server fault that says 500", &statusError{smithy.GenericAPIError{Code: "KMSInternalException", Message: "x", Fault: smithy.FaultServer}, 500}, 500, "KMSInternalException"},
		{"a status out of range is ignored", &statusError{smithy.GenericAPIError{Code: "NotFoundException", Message: "x", Fault: smithy.FaultClient}, 200}, 400, "NotFoundException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *Config) { cfg.Backend = &failingBackend{err: c.err} })
			a := h.call(t, "GenerateRandom", `{"NumberOfBytes":1}`)
			wantError(t, a, c.wantStatus, c.wantCode)
		})
	}
}

func TestHealthzReportsTheBackendsHealth(t *testing.T) {
	for _, c := range []struct {
		name       string
		healthy    bool
		wantStatus int
		wantWord   string
	}{
		{"healthy", true, http.StatusOK, "ok"},
		{"unhealthy", false, http.StatusServiceUnavailable, "unhealthy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *Config) {
				cfg.Health = func(context.Context) (bool, map[string]any) {
					return c.healthy, map[string]any{"mode": "proxy", "status": "overridden"}
				}
			})
			a := h.do(t, http.MethodGet, "/healthz", nil, "")
			if a.status != c.wantStatus || a.json["status"] != c.wantWord || a.json["mode"] != "proxy" {
				t.Errorf("got %d %s, want %d with status %q and the details", a.status, a.body, c.wantStatus, c.wantWord)
			}
		})
	}
}

// upstreamBackend answers GenerateRandom as an SDK client does: the output
// carries the upstream's request id in its ResultMetadata.
type upstreamBackend struct {
	testBackend
	id string
}

func (b *upstreamBackend) GenerateRandom(context.Context, *kms.GenerateRandomInput, ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	out := &kms.GenerateRandomOutput{Plaintext: []byte{1}}
	awsmiddleware.SetRequestIDMetadata(&out.ResultMetadata, b.id)
	return out, nil
}

type idError struct {
	smithy.GenericAPIError
	id string
}

func (e *idError) ServiceRequestID() string { return e.id }

func TestAnUpstreamsRequestIDIsAnswered(t *testing.T) {
	for _, c := range []struct {
		name    string
		backend kmsgate.Backend
		wantID  string
	}{
		{"an output from upstream", &upstreamBackend{id: "upstream-ok-1"}, "upstream-ok-1"},
		{"an error from upstream", &failingBackend{err: &idError{smithy.GenericAPIError{Code: "NotFoundException", Message: "x"}, "upstream-err-2"}}, "upstream-err-2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *Config) { cfg.Backend = c.backend })
			a := h.call(t, "GenerateRandom", `{"NumberOfBytes":1}`)
			if got := a.header.Get(headerRequestID); got != c.wantID {
				t.Errorf("got x-amzn-RequestId %q, want the upstream's %q", got, c.wantID)
			}
		})
	}
	t.Run("the emulator's answers keep kmsgate's own id", func(t *testing.T) {
		h := newHarness(t, func(cfg *Config) { cfg.NewRequestID = func() string { return "kmsgate-id" } })
		a := h.call(t, "GenerateRandom", `{"NumberOfBytes":1}`)
		if got := a.header.Get(headerRequestID); got != "kmsgate-id" {
			t.Errorf("got %q, want kmsgate-id", got)
		}
	})
}
