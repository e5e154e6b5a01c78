package authz

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/iampolicy"
)

// Severity of a lint finding.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding is one lint finding about one statement.
type Finding struct {
	Severity string `json:"severity"`
	Policy   string `json:"policy"`
	// Index is the statement's index, -1 for the whole document.
	Index   int    `json:"index"`
	Sid     string `json:"sid"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	where := "document"
	if f.Index >= 0 {
		where = fmt.Sprintf("Statement[%d]", f.Index)
		if f.Sid != "" {
			where += fmt.Sprintf(" (Sid %q)", f.Sid)
		}
	}
	return fmt.Sprintf("%s: %s: %s: %s: %s", f.Policy, f.Severity, where, f.Rule, f.Message)
}

// LintDocument parses doc and lints it. A document AWS would reject is one
// error finding.
func LintDocument(name string, doc []byte) []Finding {
	p, err := iampolicy.Parse(name, doc)
	if err == nil {
		return Lint(p)
	}
	f := Finding{Severity: SeverityError, Policy: name, Index: -1, Rule: "malformed", Message: err.Error()}
	var pe *iampolicy.ParseError
	if errors.As(err, &pe) {
		f.Index, f.Sid, f.Message = pe.Index, pe.Sid, pe.Element+": "+pe.Msg
		if pe.Element == "NotAction" && strings.Contains(pe.Msg, "both Action and NotAction") {
			f.Rule = "action-with-notaction"
			f.Message = "Action and NotAction together: AWS rejects the policy"
		}
	}
	return []Finding{f}
}

// Lint returns the findings about one parsed policy, by statement.
func Lint(p *iampolicy.Policy) []Finding {
	known := iamActions()
	sort.Strings(known)
	var out []Finding
	// A policy that names a principal anywhere is a resource-based policy
	// (a key policy): each of its statements needs one.
	resourcePolicy := false
	for i := range p.Statements {
		if p.Statements[i].Principal != nil || p.Statements[i].NotPrincipal != nil {
			resourcePolicy = true
		}
	}
	for i := range p.Statements {
		s := &p.Statements[i]
		add := func(sev, rule, format string, args ...any) {
			out = append(out, Finding{Severity: sev, Policy: p.Name, Index: s.Index, Sid: s.Sid, Rule: rule, Message: fmt.Sprintf(format, args...)})
		}
		if resourcePolicy && s.Principal == nil && s.NotPrincipal == nil {
			add(SeverityError, "missing-principal", "other statements name a principal, so this is a key (resource-based) policy, and KMS rejects a statement without Principal")
		}
		for _, a := range s.Actions {
			if !strings.HasPrefix(strings.ToLower(a), "kms:") {
				continue
			}
			hit := false
			for _, k := range known {
				if iampolicy.MatchAction(a, k) {
					hit = true
					break
				}
			}
			if !hit {
				add(SeverityError, "unknown-action", "%s names no KMS action, so it grants or denies nothing", a)
			}
		}
		if s.Effect == iampolicy.EffectAllow && s.NotAction {
			add(SeverityWarning, "allow-with-notaction", "Allow with NotAction allows every action not listed, including ones added to AWS later")
		}
		if s.Effect == iampolicy.EffectAllow && s.NotResource {
			add(SeverityWarning, "allow-with-notresource", "Allow with NotResource allows every resource not listed, including new ones")
		}
		nullFalse := map[string]bool{}
		for _, c := range s.Conditions {
			if c.Base == "Null" && len(c.Values) == 1 && strings.EqualFold(c.Values[0], "false") {
				nullFalse[strings.ToLower(c.Key)] = true
			}
		}
		for _, c := range s.Conditions {
			low := strings.ToLower(c.Key)
			switch {
			case c.Base == "Null":
			case multiValuedKeys[low] && c.Set == iampolicy.SetNone:
				add(SeverityWarning, "multi-valued-key-without-set-operator", "%s is multi-valued: use ForAnyValue: or ForAllValues: with %s", c.Key, c.Operator)
			case isSingleValued(c.Key) && c.Set != iampolicy.SetNone:
				add(SeverityWarning, "set-operator-on-single-valued-key", "%s is single-valued: %s compares it as a set of one; use %s", c.Key, c.Operator, c.Base+ifExists(c))
			}
			if c.Set == iampolicy.ForAllValues && s.Effect == iampolicy.EffectAllow && !nullFalse[low] && !c.Negated {
				add(SeverityWarning, "forallvalues-in-allow", "%s is true when %s is absent or empty, so this Allow also allows requests without it; add Null %s false", c.Operator, c.Key, c.Key)
			}
		}
	}
	out = append(out, aliasEscalation(p)...)
	return out
}

func ifExists(c iampolicy.Condition) string {
	if c.IfExists {
		return "IfExists"
	}
	return ""
}

func ref(s *iampolicy.Statement) string {
	r := fmt.Sprintf("Statement[%d]", s.Index)
	if s.Sid != "" {
		r += fmt.Sprintf(" (Sid %q)", s.Sid)
	}
	return r
}

// arnPrefix returns the region and account fields of a resource pattern.
func arnPrefix(pattern string) (region, account string, ok bool) {
	if pattern == "*" {
		return "*", "*", true
	}
	a, ok := iampolicy.ParseARN(pattern)
	return a.Region, a.Account, ok
}

// allowsOn reports whether an Allow statement without conditions on
// kms:ResourceAliases, kms:RequestAlias or aws:ResourceTag (which limit the
// keys it reaches) lets one of actions act on a
// resource built from each of its Resource entries by builder.
func allowsOn(s *iampolicy.Statement, actions []string, resource func(region, account string) string) bool {
	if s.Effect != iampolicy.EffectAllow || s.NotResource {
		return false
	}
	for _, c := range s.Conditions {
		k := strings.ToLower(c.Key)
		if k == "kms:resourcealiases" || k == "kms:requestalias" || strings.HasPrefix(k, "aws:resourcetag/") {
			return false
		}
	}
	actOK := false
	for _, a := range actions {
		hit := false
		for _, p := range s.Actions {
			if iampolicy.MatchAction(p, a) {
				hit = true
				break
			}
		}
		if hit != s.NotAction {
			actOK = true
			break
		}
	}
	if !actOK {
		return false
	}
	for _, r := range s.Resources {
		region, account, ok := arnPrefix(r)
		if ok && iampolicy.MatchResource(r, resource(region, account)) {
			return true
		}
	}
	return false
}

// aliasEscalation finds the pattern of the seed's policy: a statement opens
// keys by alias (kms:ResourceAliases or kms:RequestAlias like
// alias/prefix/*), while other statements let the holder create or move an
// alias under that prefix onto any key. Together they open every key whose
// key policy delegates to IAM.
func aliasEscalation(p *iampolicy.Policy) []Finding {
	var out []Finding
	aliasActions := []string{"kms:CreateAlias", "kms:UpdateAlias"}
	for gi := range p.Statements {
		g := &p.Statements[gi]
		if g.Effect != iampolicy.EffectAllow {
			continue
		}
		for _, c := range g.Conditions {
			k := strings.ToLower(c.Key)
			if (k != "kms:resourcealiases" && k != "kms:requestalias") || c.Negated ||
				(c.Base != "StringLike" && c.Base != "StringEquals" && c.Base != "StringEqualsIgnoreCase") {
				continue
			}
			for _, v := range c.Values {
				sample := strings.NewReplacer("*", "x", "?", "x").Replace(v)
				if !strings.HasPrefix(sample, "alias/") {
					continue
				}
				var aliasSide, keySide *iampolicy.Statement
				for i := range p.Statements {
					s := &p.Statements[i]
					if aliasSide == nil && allowsOn(s, aliasActions, func(region, account string) string {
						return awsfacts.AliasARN(region, account, sample)
					}) {
						aliasSide = s
					}
					if keySide == nil && allowsOn(s, aliasActions, func(region, account string) string {
						return awsfacts.KeyARN(region, account, "0e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b")
					}) {
						keySide = s
					}
				}
				if aliasSide == nil || keySide == nil {
					continue
				}
				prefix := v
				if i := strings.IndexAny(prefix, "*?"); i >= 0 {
					prefix = prefix[:i]
				}
				pair := ref(aliasSide) + " and " + ref(keySide)
				if aliasSide == keySide {
					pair = ref(aliasSide)
				}
				out = append(out, Finding{Severity: SeverityError, Policy: p.Name, Index: keySide.Index, Sid: keySide.Sid, Rule: "alias-escalation",
					Message: fmt.Sprintf("%s let the holder put an %s alias on any key whose key policy delegates to IAM, which %s then opens through %s",
						pair, prefix, ref(g), c.Key)})
				goto nextStatement
			}
		}
	nextStatement:
	}
	return out
}
