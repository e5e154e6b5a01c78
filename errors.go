package kmsgate

import (
	"fmt"

	"github.com/aws/smithy-go"
)

// KMS answers a few error codes that have no type in
// github.com/aws/aws-sdk-go-v2/service/kms/types (they are common to every AWS
// JSON service). They are built here as *smithy.GenericAPIError, which the
// SDK client itself produces for them, so the wire layer handles every error
// through the smithy.APIError interface.

// NewValidationException is AWS's ValidationException (HTTP 400).
func NewValidationException(format string, args ...any) error {
	return clientError("ValidationException", format, args...)
}

// NewAccessDeniedException is AWS's AccessDeniedException (HTTP 400).
func NewAccessDeniedException(format string, args ...any) error {
	return clientError("AccessDeniedException", format, args...)
}

// NewSerializationException is the answer to a body that does not decode
// into the operation's input (HTTP 400).
func NewSerializationException(format string, args ...any) error {
	return clientError("SerializationException", format, args...)
}

func clientError(code, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}
