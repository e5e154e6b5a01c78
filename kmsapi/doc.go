// Package kmsapi is kmsgate's wire layer: it serves any kmsgate.Backend over
// the AWS KMS JSON 1.1 protocol.
//
// It owns, and only owns:
//   - routing with gorilla/mux: POST / dispatched on
//     "X-Amz-Target: TrentService.<Op>" through a table of the 56 operations
//     of kmsgate.Backend; GET /healthz; GET /metrics (Prometheus: requests
//     and errors per operation, latency, in-flight, and whatever else the
//     server's metrics.Metrics carries); POST /_kmsgate/clock when a test
//     clock is set;
//     a JSON 404 for anything else;
//   - the codec between JSON and the SDK's *kms.XxxInput / *kms.XxxOutput
//     structs (member names are Go field names, timestamps epoch seconds,
//     blobs standard base64), with a cached plan per type: package
//     kmsapi/internal/awsjson, used through the route table (routes.go);
//   - the one error writer: smithy.APIError code → "__type", message →
//     "message", 400 for client faults, 500 for server faults; any other
//     error or a panic is logged in full and answered KMSInternalException;
//   - identity from the SigV4 Authorization header (access key id and
//     credential-scope region; the signature is not checked), put in the
//     context as kmsgate.Caller;
//   - middleware: x-amzn-RequestId on every answer, a body limit (413), and
//     exactly one zerolog line per request, which never holds plaintext,
//     data keys, blobs or key material.
//
// It knows nothing of the emulator, the proxy or storage.
package kmsapi
