package policygen

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kmsgate/kmsgate/authz"
)

// Group is the calls of one principal that one decision covered for one
// action on one resource.
type Group struct {
	Principal, Action, Resource string
	// Decision is "Allow", "ImplicitDeny" or "ExplicitDeny" (ExplicitDeny
	// when any call of the group was explicitly denied).
	Decision string
	Count    int
	// Operations are the KMS operations of the calls.
	Operations []string
	// Message is AWS's AccessDeniedException text of the first call.
	Message        string
	FirstRequestID string
	// Enforced is true when a call was answered AccessDeniedException
	// (enforce mode) rather than served (dry-run).
	Enforced bool
	// Fix is the smallest policy statement that allows the group's calls
	// (from the generator); empty for an explicit deny, which no Allow
	// overrides.
	Fix []Statement
	// DenyStatements name the explicit Deny statements.
	DenyStatements string
}

// Denied reports whether the group's calls were (or would be) denied.
func (g *Group) Denied() bool { return g.Decision != decAllow }

// Report is what a dry-run's decision log says a policy forgets.
type Report struct {
	// Calls is the number of decisions read (a dry-run logs only the
	// would-deny ones; record mode logs every one).
	Calls int
	// Denied are the would-deny groups; Allowed the others (JUnit lists
	// both).
	Denied, Allowed []Group
}

// deciding returns the action and resource of the check that decided a
// record: the first explicitly denied check, else the first denied one,
// else the record's action on its last resource.
func deciding(r *read) (action, resource string) {
	pick := -1
	for i, c := range r.rec.Checks {
		if c.Decision == decExplicitDeny {
			pick = i
			break
		}
		if c.Decision == decImplicitDeny && pick < 0 && r.rec.Decision != decExplicitDeny {
			pick = i
		}
	}
	if pick >= 0 {
		return r.rec.Checks[pick].Action, r.rec.Checks[pick].Resource
	}
	action = r.rec.Action
	if _, after, ok := strings.Cut(r.rec.Message, " on resource: "); ok {
		res, _, _ := strings.Cut(after, " ")
		return action, res
	}
	for _, c := range r.checks {
		if c.action == action {
			resource = c.resource
		}
	}
	if resource == "" && len(r.checks) > 0 {
		resource = r.checks[len(r.checks)-1].resource
	}
	return action, resource
}

// BuildReport groups the judged calls of records by principal, action and
// resource, and finds for each denied group the statement that would allow
// it. opts.Account and opts.Region fill the suggested statements' ARNs as
// in Generate.
func BuildReport(records []authz.LogRecord, opts Options) *Report {
	all := make([]read, len(records))
	for i := range records {
		all[i] = readRecord(&records[i])
	}
	type gkey struct{ principal, action, resource string }
	groups := map[gkey]*Group{}
	members := map[gkey][]int{}
	var order []gkey
	rep := &Report{}
	for i := range all {
		r := &all[i]
		if !judged(r.rec.Decision) {
			continue
		}
		rep.Calls++
		action, resource := deciding(r)
		k := gkey{r.rec.Principal, action, resource}
		g := groups[k]
		if g == nil {
			g = &Group{Principal: k.principal, Action: action, Resource: resource, Decision: r.rec.Decision,
				Message: r.rec.Message, FirstRequestID: r.rec.RequestID}
			groups[k] = g
			order = append(order, k)
		}
		g.Count++
		if !contains(g.Operations, r.operation()) {
			g.Operations = append(g.Operations, r.operation())
		}
		if r.rec.Decision == decExplicitDeny && g.Decision != decExplicitDeny {
			g.Decision, g.Message = decExplicitDeny, r.rec.Message
		} else if r.rec.Decision == decImplicitDeny && g.Decision == decAllow {
			g.Decision, g.Message = decImplicitDeny, r.rec.Message
		}
		if g.Message == "" {
			g.Message = r.rec.Message
		}
		if r.rec.Enforced {
			g.Enforced = true
		}
		if r.rec.Decision == decExplicitDeny && g.DenyStatements == "" {
			g.DenyStatements = describeStatements(r.rec.Statements)
		}
		members[k] = append(members[k], i)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.principal != b.principal {
			return a.principal < b.principal
		}
		if a.action != b.action {
			return a.action < b.action
		}
		return a.resource < b.resource
	})
	names := learnNames(all)
	for _, k := range order {
		g := groups[k]
		sort.Strings(g.Operations)
		if !g.Denied() {
			rep.Allowed = append(rep.Allowed, *g)
			continue
		}
		if g.Decision == decImplicitDeny {
			g.Fix = fixFor(all, names, members[k], opts)
		}
		rep.Denied = append(rep.Denied, *g)
	}
	return rep
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fixFor generates the statements that allow the denied checks of the
// member records, learning key aliases from every record.
func fixFor(all []read, names keyNames, idx []int, opts Options) []Statement {
	view := make([]read, 0, len(idx))
	for _, i := range idx {
		// Only the checks that were denied need a statement.
		r := all[i]
		if len(r.rec.Checks) == len(r.checks) {
			var keep []rcheck
			for j, c := range r.checks {
				if r.rec.Checks[j].Decision != decAllow {
					keep = append(keep, c)
				}
			}
			if len(keep) > 0 {
				r.checks = keep
			}
		}
		view = append(view, r)
	}
	res := generate(view, names, Options{Account: opts.Account, Region: opts.Region, ContextConditions: opts.ContextConditions},
		func(*read) bool { return true })
	return res.Document.Statement
}

// WriteText writes the report for a terminal.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	denied := 0
	for _, g := range rep.Denied {
		denied += g.Count
	}
	if len(rep.Denied) == 0 {
		fmt.Fprintf(&b, "no would-deny decisions among %d logged decision(s)\n", rep.Calls)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%d would-deny group(s), %d of %d logged decision(s)\n", len(rep.Denied), denied, rep.Calls)
	for _, g := range rep.Denied {
		fmt.Fprintf(&b, "\n%s %s on %s by %s: %d call(s) (%s), first request %s\n",
			denyWord(&g), g.Action, g.Resource, g.Principal, g.Count, strings.Join(g.Operations, ", "), orNone(g.FirstRequestID))
		if g.Message != "" {
			fmt.Fprintf(&b, "  message: %s\n", g.Message)
		}
		if g.Decision == decExplicitDeny {
			fmt.Fprintf(&b, "  explicitly denied by %s: no Allow statement overrides it\n", g.DenyStatements)
			continue
		}
		fmt.Fprintf(&b, "  smallest statement that allows it:\n")
		for _, s := range g.Fix {
			fmt.Fprintf(&b, "    %s\n", StatementJSON(s, "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func denyWord(g *Group) string {
	if g.Enforced {
		return "DENIED"
	}
	return "WOULD DENY"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// mdCode writes s as Markdown inline code (backticks in s widen the fence).
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", "\\|") + pad + fence
}

// WriteMarkdown writes the report for a CI job summary.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## kmsgate policy report\n\n")
	if len(rep.Denied) == 0 {
		fmt.Fprintf(&b, "No would-deny decisions among %d logged decision(s).\n", rep.Calls)
		_, err := io.WriteString(w, b.String())
		return err
	}
	denied := 0
	for _, g := range rep.Denied {
		denied += g.Count
	}
	fmt.Fprintf(&b, "**%d would-deny group(s)**: %d of %d logged decision(s).\n\n", len(rep.Denied), denied, rep.Calls)
	b.WriteString("| Principal | Action | Resource | Decision | Calls | First request |\n|---|---|---|---|---|---|\n")
	for _, g := range rep.Denied {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s |\n", mdCode(g.Principal), mdCode(g.Action), mdCode(g.Resource), g.Decision, g.Count, mdCode(orNone(g.FirstRequestID)))
	}
	for _, g := range rep.Denied {
		fmt.Fprintf(&b, "\n### %s on %s\n\n", mdCode(g.Action), mdCode(g.Resource))
		if g.Message != "" {
			fmt.Fprintf(&b, "> %s\n\n", strings.ReplaceAll(g.Message, "\n", " "))
		}
		if g.Decision == decExplicitDeny {
			fmt.Fprintf(&b, "Explicitly denied by %s: no Allow statement overrides it.\n", g.DenyStatements)
			continue
		}
		b.WriteString("Smallest statement that allows it:\n\n```json\n")
		for _, s := range g.Fix {
			b.WriteString(StatementJSON(s, "") + "\n")
		}
		b.WriteString("```\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the report as a JUnit XML test report: one test case
// per group (principal, action, resource), failed when denied.
func (rep *Report) WriteJUnit(w io.Writer) error {
	suite := junitSuite{Name: "kmsgate policy report"}
	add := func(g *Group) {
		c := junitCase{Classname: g.Principal, Name: g.Action + " on " + g.Resource}
		summary := fmt.Sprintf("%d call(s) (%s), first request %s", g.Count, strings.Join(g.Operations, ", "), orNone(g.FirstRequestID))
		if g.Denied() {
			body := summary + "\n"
			if g.Decision == decExplicitDeny {
				body += "explicitly denied by " + g.DenyStatements + ": no Allow statement overrides it\n"
			} else {
				body += "smallest statement that allows it:\n"
				for _, s := range g.Fix {
					body += StatementJSON(s, "") + "\n"
				}
			}
			c.Failure = &junitFailure{Message: g.Message, Type: g.Decision, Body: body}
			suite.Failures++
		} else {
			c.SystemOut = summary
		}
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
	}
	for i := range rep.Denied {
		add(&rep.Denied[i])
	}
	for i := range rep.Allowed {
		add(&rep.Allowed[i])
	}
	doc := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
