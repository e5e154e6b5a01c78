package kmsapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/kmsapi/internal/awsjson"
)

// internalMessage is all a client learns of a server-side failure.
const internalMessage = "An internal error occurred."

// wireError is an error the wire layer itself answers, with its own HTTP
// status (404 for an unknown path, 413 for a body over the limit).
type wireError struct {
	code    string
	message string
	status  int
}

func (e *wireError) Error() string                 { return e.code + ": " + e.message }
func (e *wireError) ErrorCode() string             { return e.code }
func (e *wireError) ErrorMessage() string          { return e.message }
func (e *wireError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

var _ smithy.APIError = (*wireError)(nil)

func unknownOperation(target string) error {
	msg := "Missing X-Amz-Target header."
	switch {
	case len(target) > maxLogField:
		msg = "X-Amz-Target is not an operation of this service."
	case target != "":
		msg = fmt.Sprintf("X-Amz-Target '%s' is not an operation of this service.", target)
	}
	return &wireError{code: "UnknownOperationException", message: msg, status: http.StatusBadRequest}
}

func tooLarge(limit int64) error {
	return &wireError{
		code:    "RequestEntityTooLargeException",
		message: fmt.Sprintf("Request body of more than %d bytes", limit),
		status:  http.StatusRequestEntityTooLarge,
	}
}

// isServerFaultCode says whether code is answered with HTTP 500 whatever
// fault its error claims.
func isServerFaultCode(code string) bool {
	switch code {
	case "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException":
		return true
	}
	return false
}

// httpStatuser is an API error that carries the HTTP status it must be
// answered with: an upstream's error in proxy mode (a throttling 400 stays
// a 400, a 503 a 503).
type httpStatuser interface{ HTTPStatusCode() int }

// upstreamRequestIDer is an error an upstream KMS answered, with the
// request id it gave the call (the SDK's own response errors have it).
type upstreamRequestIDer interface{ ServiceRequestID() string }

// writeError is the one place an error becomes a wire answer. An API error
// keeps its code and message: its own HTTP status when it carries one (an
// upstream's answer in proxy mode), else 500 for a server fault, 400
// otherwise. Any other error is recorded in st for the log line and
// answered as KMSInternalException without its text.
func (s *server) writeError(w http.ResponseWriter, st *reqState, err error) {
	code, message, status := "KMSInternalException", internalMessage, http.StatusInternalServerError
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		code, message, status = apiErr.ErrorCode(), apiErr.ErrorMessage(), http.StatusBadRequest
		var we *wireError
		var hs httpStatuser
		switch {
		case errors.As(err, &we):
			status = we.status
		case errors.As(err, &hs) && hs.HTTPStatusCode() >= 400 && hs.HTTPStatusCode() <= 599:
			status = hs.HTTPStatusCode()
		case apiErr.ErrorFault() == smithy.FaultServer || isServerFaultCode(code):
			status = http.StatusInternalServerError
		}
	} else if st.internal == nil {
		st.internal = err
	}
	st.errCode = code
	body := append([]byte(`{"__type":`), awsjson.AppendString(nil, code)...)
	if message != "" {
		body = append(body, `,"message":`...)
		body = awsjson.AppendString(body, message)
	}
	body = append(body, '}')
	w.Header()[headerErrorType] = []string{code}
	writeJSON(w, status, s.ctJSON11, body)
}
