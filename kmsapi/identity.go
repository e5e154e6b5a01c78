package kmsapi

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/smithy-go"
)

// sigV4Algorithm is the only signing algorithm KMS accepts in headers.
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// credential is what kmsgate reads from a SigV4 Authorization header. The
// signature itself is not checked here.
type credential struct {
	accessKeyID   string
	date          string
	region        string
	service       string
	signedHeaders string
	signature     string
	// presigned is true for the query form (X-Amz-Signature in the URL),
	// whose parsed query is query.
	presigned bool
	query     url.Values
}

func incompleteSignature(format string, args ...any) error {
	return &smithy.GenericAPIError{
		Code:    "IncompleteSignatureException",
		Message: fmt.Sprintf(format, args...),
		Fault:   smithy.FaultClient,
	}
}

// parseAuthorization reads
//
//	AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/kms/aws4_request, SignedHeaders=..., Signature=...
//
// and answers IncompleteSignatureException, with AWS's wording, when it is
// not of that shape.
func parseAuthorization(h string) (credential, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != sigV4Algorithm && strings.HasPrefix(alg, "AWS4-") {
		return credential{}, incompleteSignature("Unsupported AWS 'algorithm': '%s'", alg)
	}
	var cred, signedHeaders, signature string
	var haveCred, haveSigned, haveSig bool
	if alg == sigV4Algorithm {
		for part := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				cred, haveCred = v, true
			case "SignedHeaders":
				signedHeaders, haveSigned = v, v != ""
			case "Signature":
				signature, haveSig = v, v != ""
			}
		}
	}
	if !haveCred || !haveSig || !haveSigned {
		var missing strings.Builder
		for _, m := range []struct {
			name string
			ok   bool
		}{{"Credential", haveCred}, {"Signature", haveSig}, {"SignedHeaders", haveSigned}} {
			if !m.ok {
				fmt.Fprintf(&missing, "Authorization header requires '%s' parameter. ", m.name)
			}
		}
		return credential{}, incompleteSignature("%sAuthorization=%s", missing.String(), h)
	}
	return parseCredential(cred, signedHeaders, signature)
}

// parsePresigned reads the SigV4 query parameters of a presigned request
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-SignedHeaders,
// X-Amz-Signature); ok is false when the query carries no signature. The
// texts of a malformed presigned query are kmsgate's (unverified against
// AWS).
func parsePresigned(q url.Values) (c credential, ok bool, err error) {
	if q.Get("X-Amz-Signature") == "" && q.Get("X-Amz-Algorithm") == "" {
		return credential{}, false, nil
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigV4Algorithm {
		return credential{}, true, incompleteSignature("Unsupported AWS 'algorithm': '%s'", alg)
	}
	for _, name := range []string{"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date"} {
		if q.Get(name) == "" {
			return credential{}, true, incompleteSignature("AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", name)
		}
	}
	c, err = parseCredential(q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"))
	c.presigned, c.query = true, q
	return c, true, err
}

// parseCredential reads AKID/DATE/REGION/SERVICE/aws4_request.
func parseCredential(cred, signedHeaders, signature string) (credential, error) {
	var parts [5]string
	if strings.Count(cred, "/") != len(parts)-1 {
		return credential{}, incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
	}
	rest := cred
	for i := range parts {
		parts[i], rest, _ = strings.Cut(rest, "/")
	}
	c := credential{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3], signedHeaders: signedHeaders, signature: signature}
	switch {
	case c.accessKeyID == "":
		return credential{}, incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
	case !isDate(c.date):
		return credential{}, incompleteSignature("Invalid credential date. Date is not the required format: yyyyMMdd. got '%s'", c.date)
	case !isRegion(c.region):
		return credential{}, incompleteSignature("Credential should be scoped to a valid region, not '%s'. ", c.region)
	case c.service != "kms":
		// AWS answers this one InvalidSignatureException.
		return credential{}, invalidSignature("Credential should be scoped to correct service: 'kms'. ")
	case parts[4] != "aws4_request":
		return credential{}, incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", parts[4])
	}
	return c, nil
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegion accepts region names such as eu-west-1 or us-gov-west-1.
func isRegion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}
