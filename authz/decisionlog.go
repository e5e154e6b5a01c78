package authz

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
