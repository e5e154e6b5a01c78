package envelope

import (
	"errors"
	"fmt"
	"net"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Sentinels for errors.Is. No error of this package carries key material:
// not the plaintext data key, not field plaintext.
var (
	// ErrCorrupt: the ciphertext is malformed, truncated, tampered with, or
	// was not made by this scheme.
	ErrCorrupt = errors.New("envelope: ciphertext is corrupted")
	// ErrWrongTenant: the ciphertext belongs to another tenant.
	ErrWrongTenant = errors.New("envelope: ciphertext belongs to another tenant")
	// ErrKMSUnreachable: no answer from KMS (connection refused, DNS, timeout).
	ErrKMSUnreachable = errors.New("envelope: KMS unreachable")
	// ErrClosed: the Envelope was closed.
	ErrClosed = errors.New("envelope: closed")
)

// CorruptError says what is wrong with a ciphertext. It matches ErrCorrupt.
type CorruptError struct {
	Reason string
}

func (e *CorruptError) Error() string { return "envelope: ciphertext is corrupted: " + e.Reason }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// TenantError is a decrypt of another tenant's ciphertext. It matches
// ErrWrongTenant.
type TenantError struct {
	Want, Got string
}

func (e *TenantError) Error() string {
	return fmt.Sprintf("envelope: ciphertext belongs to tenant %q, this envelope serves tenant %q", e.Got, e.Want)
}

// Is makes errors.Is(err, ErrWrongTenant) true.
func (e *TenantError) Is(target error) bool { return target == ErrWrongTenant }

// KMSError is a failed KMS call. Err is the SDK's error, so errors.As finds
// the SDK's exception types (for instance *types.DisabledException) and
// smithy.APIError through it. Code and Message are AWS's, passed through.
type KMSError struct {
	Op      string // the KMS operation, e.g. "GenerateDataKey"
	KeyID   string // the key id, ARN or alias the call named; empty for Decrypt
	Code    string // AWS's error code, e.g. "AccessDeniedException"; empty if KMS did not answer
	Message string // AWS's error message
	Err     error
}

func (e *KMSError) Error() string {
	on := ""
	if e.KeyID != "" {
		on = " on " + e.KeyID
	}
	if e.Code != "" && e.Message == "" {
		return fmt.Sprintf("envelope: KMS %s%s failed: %s", e.Op, on, e.Code)
	}
	if e.Code != "" {
		return fmt.Sprintf("envelope: KMS %s%s failed: %s: %s", e.Op, on, e.Code, e.Message)
	}
	if errors.Is(e, ErrKMSUnreachable) {
		return fmt.Sprintf("envelope: KMS %s%s failed: KMS unreachable: %v", e.Op, on, e.Err)
	}
	return fmt.Sprintf("envelope: KMS %s%s failed: %v", e.Op, on, e.Err)
}

func (e *KMSError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrKMSUnreachable) true when KMS gave no answer,
// and errors.Is(err, ErrCorrupt) true when KMS Decrypt found the encrypted
// data key (or the tenant bound to it) invalid.
func (e *KMSError) Is(target error) bool {
	if target == ErrCorrupt {
		return e.Op == "Decrypt" && e.Code == "InvalidCiphertextException"
	}
	if target != ErrKMSUnreachable || e.Code != "" {
		return false
	}
	var send *smithyhttp.RequestSendError
	var ne net.Error
	return errors.As(e.Err, &send) || errors.As(e.Err, &ne)
}

func kmsError(op, keyID string, err error) error {
	ke := &KMSError{Op: op, KeyID: keyID, Err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		ke.Code, ke.Message = api.ErrorCode(), api.ErrorMessage()
	}
	return ke
}

// errorCode is AWS's error code in err, or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
