package kmsgate

import "context"

// Caller says who made one call and where it landed. The wire layer sets it
// from the request (SigV4 credential scope, access key, remote address);
// backends read it to scope keys per account and region.
type Caller struct {
	// Region is the SigV4 credential scope's region, or the server's
	// default region for an unsigned request.
	Region string
	// Account is the AWS account id the call acts in.
	Account string
	// AccessKeyID is the SigV4 access key id, empty when unsigned.
	AccessKeyID string
	// PrincipalARN is the caller's IAM principal when known.
	PrincipalARN string
	// SourceIP is the remote address without port.
	SourceIP string
	// SecureTransport is true when the request came over TLS
	// (aws:SecureTransport).
	SecureTransport bool
	// RequestID is the id answered in x-amzn-RequestId.
	RequestID string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller that WithCaller put in ctx, and whether there was one.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
