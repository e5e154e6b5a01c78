package authz

import (
	"sort"
	"strconv"
	"time"
)

// LogRecord is one line of the decision log (--decision-log, JSON Lines) and
// one entry of GET /_kmsgate/decisions. The format is stable: `kmsgate
// policy generate` and `kmsgate policy report` read it. It never holds
// plaintext, key material or data keys; Context holds condition keys only.
type LogRecord struct {
	// Time is RFC 3339 with nanoseconds, UTC.
	Time      string `json:"time"`
	RequestID string `json:"requestId"`
	// Operation is the KMS operation, e.g. "GenerateDataKey".
	Operation string `json:"operation"`
	Principal string `json:"principal"`
	// Action is the deciding check's action ("kms:GenerateDataKey"); for an
	// allowed call, the last check's.
	Action string `json:"action"`
	// Resources are every resource the call touched, in check order.
	Resources []string `json:"resources"`
	// Decision is "Allow", "ImplicitDeny" or "ExplicitDeny".
	Decision string `json:"decision"`
	// Enforced is true when a deny was answered AccessDeniedException
	// (enforce mode), false in dry-run and record mode.
	Enforced bool `json:"enforced"`
	// Message is AWS's AccessDeniedException text; empty when allowed.
	Message    string         `json:"message,omitempty"`
	Statements []LogStatement `json:"statements,omitempty"`
	Checks     []LogCheck     `json:"checks,omitempty"`
	// Context maps condition keys (as AWS spells them, e.g.
	// "kms:EncryptionContext:tenant") to a string or a list of strings.
	Context map[string]any `json:"context,omitempty"`
	// KeyAliases are the aliases of the key the call acted on.
	KeyAliases []string `json:"keyAliases,omitempty"`
	// ViaAlias is the alias the request named the key by, or "".
	ViaAlias string `json:"viaAlias,omitempty"`
}

// LogStatement names one deciding statement: a policy, the statement's index
// in it, its Sid and effect. A grant is policy "grant:ID", index -1.
type LogStatement struct {
	Policy string `json:"policy"`
	Index  int    `json:"index"`
	Sid    string `json:"sid,omitempty"`
	Effect string `json:"effect"`
}

// LogCheck is one action on one resource that the call needed, with its
// own decision (CreateAlias: the alias and the key; ReEncrypt: source and
// destination; CreateKey with tags: kms:TagResource too).
type LogCheck struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Decision string `json:"decision"`
}

// NewLogRecord fills a LogRecord from a request and its decision: every
// field but Time, RequestID and Enforced, which belong to the server.
func NewLogRecord(r *Request, d Decision) LogRecord {
	rec := LogRecord{
		Operation: r.Operation,
		Principal: r.Principal,
		Action:    d.Action,
		Decision:  d.Decision.String(),
		Message:   d.Message,
		Context:   LogContext(r),
		ViaAlias:  aliasName(r.KeyID),
	}
	for _, c := range d.Checks {
		if !containsString(rec.Resources, c.Resource) {
			rec.Resources = append(rec.Resources, c.Resource)
		}
		rec.Checks = append(rec.Checks, LogCheck{Action: c.Action, Resource: c.Resource, Decision: c.Decision.String()})
	}
	for _, s := range d.Statements {
		rec.Statements = append(rec.Statements, LogStatement{Policy: s.Policy, Index: s.Index, Sid: s.Sid, Effect: s.Effect})
	}
	if r.Key != nil {
		rec.KeyAliases = append([]string(nil), r.Key.Aliases...)
	}
	return rec
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// LogContext returns the condition keys of a request as AWS spells them
// (kms:EncryptionContext:<key> keeps the key's case), each a string or a
// list of strings: what the decision log records. For ReEncrypt the source
// side's keys are given (the destination's context under
// kms:EncryptionContext: too would be ambiguous).
func LogContext(r *Request) map[string]any {
	ctx := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			ctx[k] = v
		}
	}
	set("aws:PrincipalArn", principalARN(r.Principal))
	set("aws:PrincipalAccount", accountOf(r.Principal))
	set("aws:SourceIp", r.SourceIP)
	ctx["aws:SecureTransport"] = strconv.FormatBool(r.SecureTransport)
	if !r.Now.IsZero() {
		ctx["aws:CurrentTime"] = r.Now.UTC().Format(time.RFC3339)
	}
	set("kms:ViaService", r.ViaService)
	set("aws:RequestedRegion", r.Region)
	for k, v := range r.Extra {
		if name, ok := r.ExtraNames[k]; ok {
			k = name // the tag key as the principal has it
		}
		if vs := v.Strings(); len(vs) == 1 && !v.IsSet() {
			ctx[k] = vs[0]
		} else {
			ctx[k] = vs
		}
	}
	op := r.Operation
	if k := r.Key; k != nil {
		set("kms:CallerAccount", accountOf(r.Principal))
		set("kms:KeySpec", k.KeySpec)
		set("kms:KeyUsage", k.KeyUsage)
		set("kms:KeyOrigin", k.Origin)
		aliases := append([]string{}, k.Aliases...)
		ctx["kms:ResourceAliases"] = aliases
		for tk, tv := range k.Tags {
			ctx["aws:ResourceTag/"+tk] = tv
		}
	}
	if op == "CreateKey" {
		set("kms:CallerAccount", accountOf(r.Principal))
		set("kms:KeySpec", orDefault(r.KeySpec, "SYMMETRIC_DEFAULT"))
		set("kms:KeyUsage", orDefault(r.KeyUsage, "ENCRYPT_DECRYPT"))
		set("kms:KeyOrigin", orDefault(r.Origin, "AWS_KMS"))
	}
	if a := aliasName(r.KeyID); a != "" && setsRequestAlias(op) {
		ctx["kms:RequestAlias"] = a
	}
	if setsEncryptionContext(op) && len(r.EncryptionContext) > 0 {
		keys := make([]string, 0, len(r.EncryptionContext))
		for k, v := range r.EncryptionContext {
			ctx["kms:EncryptionContext:"+k] = v
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ctx["kms:EncryptionContextKeys"] = keys
	}
	if setsEncryptionAlgorithm(op) {
		ctx["kms:EncryptionAlgorithm"] = orDefault(r.EncryptionAlgorithm, "SYMMETRIC_DEFAULT")
	}
	switch op {
	case "Sign", "Verify":
		set("kms:SigningAlgorithm", r.SigningAlgorithm)
		ctx["kms:MessageType"] = orDefault(r.MessageType, "RAW")
	case "GenerateMac", "VerifyMac":
		set("kms:MacAlgorithm", r.MacAlgorithm)
	case "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext":
		set("kms:DataKeyPairSpec", r.KeyPairSpec)
	case "CreateGrant":
		ctx["kms:GrantOperations"] = append([]string{}, r.GrantOperations...)
		set("kms:GrantConstraintType", r.GrantConstraintType)
	case "DeriveSharedSecret":
		set("kms:KeyAgreementAlgorithm", r.KeyAgreementAlgorithm)
	case "TagResource", "CreateKey":
		if len(r.Tags) > 0 {
			keys := make([]string, 0, len(r.Tags))
			for k, v := range r.Tags {
				ctx["aws:RequestTag/"+k] = v
				keys = append(keys, k)
			}
			sort.Strings(keys)
			ctx["aws:TagKeys"] = keys
		}
	case "UntagResource":
		ctx["aws:TagKeys"] = append([]string{}, r.TagKeys...)
	}
	if isGrantOperation(op) {
		set("kms:GranteePrincipal", r.GranteePrincipal)
		set("kms:RetiringPrincipal", r.RetiringPrincipal)
		ctx["kms:GrantIsForAWSResource"] = strconv.FormatBool(r.GrantIsForAWSResource)
	}
	return ctx
}
