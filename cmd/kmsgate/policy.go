package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func policyUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  kmsgate policy simulate --identity-policy FILE [--identity-policy FILE ...] [--key-policy FILE]
                          [--principal ARN] --action ACTION --resource ARN
                          [--context KEY=VALUE ...] [--context-json JSON] [--json]
  kmsgate policy lint [--json] FILE...
`+policyGenUsage+`
simulate prints Allow, ImplicitDeny or ExplicitDeny on its first line, then the
reason and the deciding statements; it exits 0 for Allow, 1 for a deny and 2
for bad usage or a policy that does not parse. lint exits 1 when it finds an
error-level problem.

`+policyGenHelp)
}

func runPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		policyUsage(stderr)
		return 2
	}
	switch args[0] {
	case "simulate":
		return runPolicySimulate(args[1:], stdout, stderr)
	case "lint":
		return runPolicyLint(args[1:], stdout, stderr)
	case "generate":
		return runPolicyGenerate(args[1:], stdin, stdout, stderr)
	case "report":
		return runPolicyReport(args[1:], stdin, stdout, stderr)
	case "-h", "--help", "help":
		policyUsage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "kmsgate policy: unknown sub-command %q\n", args[0])
	policyUsage(stderr)
	return 2
}

type simulateOutput struct {
	Decision          string                   `json:"decision"`
	Reason            string                   `json:"reason"`
	Message           string                   `json:"message,omitempty"`
	MatchedStatements []iampolicy.StatementRef `json:"matchedStatements"`
}

func runPolicySimulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { policyUsage(fs.Output()) }
	var identityFiles, contextKV listFlag
	fs.Var(&identityFiles, "identity-policy", "identity-based policy `FILE` (repeatable)")
	keyPolicyFile := fs.String("key-policy", "", "key policy `FILE` (default: the account's default key policy for kms: actions on a key ARN)")
	principal := fs.String("principal", "", "caller `ARN` (default arn:aws:iam::<resource account>:user/kmsgate)")
	action := fs.String("action", "", "`ACTION`, e.g. kms:Decrypt")
	resource := fs.String("resource", "", "resource `ARN`, or *")
	fs.Var(&contextKV, "context", "condition key `KEY=VALUE` (repeatable; a key given twice is a set)")
	contextJSON := fs.String("context-json", "", `condition keys as JSON: {"key": "v" | ["v1","v2"]}`)
	asJSON := fs.Bool("json", false, "print the decision as JSON")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kmsgate policy simulate: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if *action == "" || *resource == "" {
		return fail("--action and --resource are required")
	}
	if !strings.Contains(*action, ":") {
		return fail("--action %q is not service:Action", *action)
	}
	var identity []*iampolicy.Policy
	for _, f := range identityFiles {
		p, err := loadPolicy(f)
		if err == nil {
			err = p.CheckIdentity()
		}
		if err != nil {
			return fail("%v", err)
		}
		identity = append(identity, p)
	}
	var keyPolicy *iampolicy.Policy
	if *keyPolicyFile != "" {
		p, err := loadPolicy(*keyPolicyFile)
		if err == nil {
			err = p.CheckResource()
		}
		if err != nil {
			return fail("%v", err)
		}
		keyPolicy = p
	}
	ctx, err := buildContext(contextKV, *contextJSON)
	if err != nil {
		return fail("%v", err)
	}
	if *principal == "" {
		acct := arnAccount(*resource)
		if acct == "" {
			acct = "111122223333"
		}
		*principal = "arn:aws:iam::" + acct + ":user/kmsgate"
	}
	authz.AddCallerKeys(ctx, *principal)

	var out simulateOutput
	if strings.HasPrefix(strings.ToLower(*action), "kms:") {
		q := authz.Question{Action: *action, Resource: *resource, Principal: *principal,
			IdentityPolicies: identity, Context: ctx, KeyPolicy: keyPolicy, NoKey: !isKeyARN(*resource)}
		c := authz.Answer(q)
		out = simulateOutput{Decision: c.Decision.String(), Reason: c.Reason, Message: c.Message, MatchedStatements: c.Statements}
	} else if ra, pa := arnAccount(*resource), arnAccount(*principal); ra != "" && pa != "" && ra != pa {
		out = crossAccountSimulation(&iampolicy.Request{Action: *action, Resource: *resource, Principal: *principal, Context: ctx}, identity, keyPolicy)
	} else {
		set := iampolicy.Set{Identity: identity}
		if keyPolicy != nil {
			set.Resource = []*iampolicy.Policy{keyPolicy}
		}
		r := iampolicy.Evaluate(&iampolicy.Request{Action: *action, Resource: *resource, Principal: *principal, Context: ctx}, set)
		out = simulateOutput{Decision: r.Decision.String(), Reason: r.Reason, MatchedStatements: r.Statements}
	}
	if out.MatchedStatements == nil {
		out.MatchedStatements = []iampolicy.StatementRef{}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	} else {
		fmt.Fprintln(stdout, out.Decision)
		fmt.Fprintln(stdout, "reason:", out.Reason)
		if out.Message != "" {
			fmt.Fprintln(stdout, "message:", out.Message)
		}
		for _, s := range out.MatchedStatements {
			fmt.Fprintf(stdout, "statement: %s policy=%q index=%d sid=%q\n", s.Effect, s.Policy, s.Index, s.Sid)
		}
	}
	if out.Decision == iampolicy.Allow.String() {
		return 0
	}
	return 1
}

func loadPolicy(path string) (*iampolicy.Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return iampolicy.Parse(path, b)
}

func arnAccount(arn string) string {
	a, _ := iampolicy.ParseARN(arn)
	return a.Account
}

func isKeyARN(arn string) bool {
	a, ok := iampolicy.ParseARN(arn)
	return ok && a.Service == "kms" && strings.HasPrefix(a.Resource, "key/")
}

// buildContext reads --context KEY=VALUE pairs (a key given twice becomes a
// set) and --context-json.
func buildContext(kvs []string, js string) (iampolicy.Context, error) {
	ctx := iampolicy.Context{}
	var order []string
	vals := map[string][]string{}
	names := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--context %q is not KEY=VALUE", kv)
		}
		low := strings.ToLower(k)
		if _, seen := vals[low]; !seen {
			order = append(order, low)
			names[low] = k
		}
		vals[low] = append(vals[low], v)
	}
	for _, low := range order {
		if vs := vals[low]; len(vs) == 1 {
			ctx.Set(names[low], iampolicy.String(vs[0]))
		} else {
			ctx.Set(names[low], iampolicy.StringSet(vs...))
		}
	}
	if js == "" {
		return ctx, nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(js)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("--context-json: want a JSON object of keys to values or arrays of values")
	}
	for k, raw := range m {
		if list, ok := raw.([]any); ok {
			var items []iampolicy.Value
			for _, e := range list {
				v, err := jsonValue(e)
				if err != nil {
					return nil, fmt.Errorf("--context-json: %s: %v", k, err)
				}
				items = append(items, v)
			}
			ctx.Set(k, iampolicy.SetOf(items...))
			continue
		}
		v, err := jsonValue(raw)
		if err != nil {
			return nil, fmt.Errorf("--context-json: %s: %v", k, err)
		}
		ctx.Set(k, v)
	}
	return ctx, nil
}

func jsonValue(x any) (iampolicy.Value, error) {
	switch t := x.(type) {
	case string:
		return iampolicy.String(t), nil
	case bool:
		return iampolicy.Bool(t), nil
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return iampolicy.Value{}, err
		}
		return iampolicy.Number(f), nil
	}
	return iampolicy.Value{}, errors.New("values must be strings, numbers, booleans or arrays of these")
}

func runPolicyLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { policyUsage(fs.Output()) }
	asJSON := fs.Bool("json", false, "print the findings as a JSON array")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "kmsgate policy lint: no policy files given")
		return 2
	}
	all := []authz.Finding{}
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "kmsgate policy lint: %v\n", err)
			return 2
		}
		all = append(all, authz.LintDocument(f, b)...)
	}
	code := 0
	for _, f := range all {
		if f.Severity == authz.SeverityError {
			code = 1
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(all)
		return code
	}
	for _, f := range all {
		fmt.Fprintln(stdout, f.String())
	}
	if len(all) == 0 {
		fmt.Fprintf(stdout, "no findings in %d file(s)\n", fs.NArg())
	}
	return code
}

// crossAccountSimulation decides a non-KMS request whose principal is of
// another account than the resource as IAM does: an explicit Deny anywhere
// denies; otherwise an identity policy must allow AND the resource-based
// policy (--key-policy) must allow the caller or the caller's account.
func crossAccountSimulation(req *iampolicy.Request, identity []*iampolicy.Policy, resource *iampolicy.Policy) simulateOutput {
	var ids, rs []iampolicy.Match
	for _, p := range identity {
		ids = p.Matches(req, false, ids)
	}
	if resource != nil {
		rs = resource.Matches(req, true, nil)
	}
	pick := func(ms []iampolicy.Match, e iampolicy.Effect) []iampolicy.StatementRef {
		var out []iampolicy.StatementRef
		for _, m := range ms {
			if m.Effect == e {
				out = append(out, m.Ref)
			}
		}
		return out
	}
	if deny := append(pick(ids, iampolicy.EffectDeny), pick(rs, iampolicy.EffectDeny)...); len(deny) > 0 {
		return simulateOutput{Decision: iampolicy.ExplicitDeny.String(), Reason: "a cross-account request, explicitly denied", MatchedStatements: deny}
	}
	idAllow, resAllow := pick(ids, iampolicy.EffectAllow), pick(rs, iampolicy.EffectAllow)
	switch {
	case len(idAllow) > 0 && len(resAllow) > 0:
		return simulateOutput{Decision: iampolicy.Allow.String(), Reason: "a cross-account request: the identity policy and the resource-based policy both allow", MatchedStatements: append(idAllow, resAllow...)}
	case resource == nil:
		return simulateOutput{Decision: iampolicy.ImplicitDeny.String(), Reason: "a cross-account request needs the resource-based policy to allow too, and none was given (--key-policy FILE)"}
	case len(idAllow) == 0:
		return simulateOutput{Decision: iampolicy.ImplicitDeny.String(), Reason: "a cross-account request: no identity-based policy allows " + req.Action}
	}
	return simulateOutput{Decision: iampolicy.ImplicitDeny.String(), Reason: "a cross-account request: the resource-based policy neither names the caller nor its account for " + req.Action}
}
