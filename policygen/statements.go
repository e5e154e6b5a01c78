package policygen

import (
	"encoding/json"
	"sort"
	"strings"
	"unicode"
)

// Patterns returns alias patterns covering names: the names themselves, or
// PREFIX/* for each group of two or more names under a common path prefix
// longer than "alias/". A name equal to such a prefix stays exact.
func Patterns(names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	uniq := sortedSet(set)
	if len(uniq) < 2 {
		return uniq
	}
	// Group by the first segment after "alias/": names in different groups
	// share nothing worth a wildcard.
	groups := map[string][]string{}
	var order []string
	for _, n := range uniq {
		seg := strings.TrimPrefix(n, "alias/")
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		if groups[seg] == nil {
			order = append(order, seg)
		}
		groups[seg] = append(groups[seg], n)
	}
	var out []string
	for _, seg := range order {
		g := groups[seg]
		if len(g) == 1 {
			out = append(out, g[0])
			continue
		}
		prefix := commonDir(g)
		if prefix == "" || prefix == "alias/" {
			out = append(out, g...)
			continue
		}
		wild := false
		for _, n := range g {
			if n+"/" == prefix {
				out = append(out, n)
			} else {
				wild = true
			}
		}
		if wild {
			out = append(out, prefix+"*")
		}
	}
	sort.Strings(out)
	return out
}

// commonDir returns the longest common prefix of names that ends in '/'
// (a name counts as the directory name+"/").
func commonDir(names []string) string {
	p := names[0] + "/"
	for _, n := range names[1:] {
		n += "/"
		i := 0
		for i < len(p) && i < len(n) && p[i] == n[i] {
			i++
		}
		p = p[:i]
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// statementSpec is a statement before its Sid is chosen.
type statementSpec struct {
	kind      kind
	resources []string
	cond      Condition
	condKey   string
	actions   []string
	label     []string // patterns for the Sid
}

func (g *generator) arnPrefix() string {
	region, account := g.opts.Region, g.opts.Account
	if region == "" {
		region = "*"
	}
	if account == "" {
		account = "*"
	}
	return "arn:" + g.partition + ":kms:" + region + ":" + account + ":"
}

func (g *generator) specs() []*statementSpec {
	specs := map[string]*statementSpec{}
	for _, e := range g.entries {
		s := statementSpec{kind: e.kind, cond: Condition{}, condKey: e.condKey}
		mergeCondition(s.cond, e.cond)
		keyRes := []string{g.arnPrefix() + "key/*"}
		pats := Patterns(sortedSet(e.names))
		switch e.kind {
		case kindStar:
			s.resources = []string{"*"}
		case kindAlias:
			if g.opts.Exact {
				s.resources = sortedSet(e.arns)
			} else {
				for _, p := range pats {
					s.resources = append(s.resources, g.arnPrefix()+p)
				}
				s.label = pats
			}
		case kindRequestAlias:
			s.resources, s.label = keyRes, pats
			s.cond["StringLike"] = mergeList(s.cond["StringLike"], "kms:RequestAlias", pats)
		case kindAliasesAny:
			s.resources, s.label = keyRes, pats
			s.cond["ForAnyValue:StringLike"] = mergeList(s.cond["ForAnyValue:StringLike"], "kms:ResourceAliases", pats)
		case kindAliasesAll:
			s.resources, s.label = keyRes, pats
			s.cond["ForAllValues:StringLike"] = mergeList(s.cond["ForAllValues:StringLike"], "kms:ResourceAliases", pats)
		case kindARN:
			s.resources = sortedSet(e.arns)
		}
		for k, vs := range e.tags {
			s.cond["StringEquals"] = mergeList(s.cond["StringEquals"], k, sortedSet(vs))
		}
		if len(s.cond) == 0 {
			s.cond = nil
		}
		cj, _ := json.Marshal(s.cond)
		id := string(rune('0'+s.kind)) + "\x00" + strings.Join(s.resources, "\x01") + "\x00" + string(cj)
		if have := specs[id]; have != nil {
			have.actions = append(have.actions, e.action)
			continue
		}
		s.actions = []string{e.action}
		specs[id] = &s
	}
	list := make([]*statementSpec, 0, len(specs))
	for _, s := range specs {
		sort.Strings(s.actions)
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if x, y := strings.Join(a.resources, ","), strings.Join(b.resources, ","); x != y {
			return x < y
		}
		if x, y := strings.Join(a.label, ","), strings.Join(b.label, ","); x != y {
			return x < y
		}
		if a.condKey != b.condKey {
			return a.condKey < b.condKey
		}
		return strings.Join(a.actions, ",") < strings.Join(b.actions, ",")
	})
	return list
}

// buildDocument writes specs as a policy; with named false the Sids are
// placeholders (for trial evaluations).
func buildDocument(specs []*statementSpec, named bool) Document {
	doc := Document{Version: "2012-10-17", Statement: []Statement{}}
	used := map[string]int{}
	for i, s := range specs {
		if len(s.actions) == 0 {
			continue
		}
		sid := "S" + itoa(i+1)
		if named {
			sid = sidFor(s)
			used[sid]++
			if n := used[sid]; n > 1 {
				sid += "N" + itoa(n)
			}
		}
		doc.Statement = append(doc.Statement, Statement{Sid: sid, Effect: "Allow", Action: List(s.actions), Resource: List(s.resources), Condition: s.cond})
	}
	return doc
}

func mergeList(m map[string]List, key string, vals []string) map[string]List {
	if m == nil {
		m = map[string]List{}
	}
	m[key] = append(m[key], vals...)
	return m
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// sidFor says what a statement is for, in the letters and digits a Sid
// allows.
func sidFor(s *statementSpec) string {
	var base string
	switch s.kind {
	case kindStar:
		base = "AccountLevelOperations"
		if len(s.cond) > 0 {
			base = "CreateKeysWithTags"
		}
	case kindAlias:
		base = "ManageAliases"
	case kindRequestAlias:
		base = "KeysNamedByAlias"
	case kindAliasesAny:
		base = "KeysWithAlias"
	case kindAliasesAll:
		base = "KeysWithNoOtherAliasThan"
	case kindARN:
		base = "KeysByArn"
		for _, r := range s.resources {
			if !isKeyARN(r) {
				base = "ResourcesByArn"
			}
		}
	}
	switch {
	case strings.HasPrefix(s.condKey, "grant:"):
		base = "ConstrainedGrantsOn" + base
	case strings.HasPrefix(s.condKey, "ec:"):
		base = "ContextBound" + base
	}
	if len(s.label) > 0 {
		base += camel(s.label[0])
		if len(s.label) > 1 {
			base += "AndOthers"
		}
	}
	if len(base) > 100 {
		base = base[:100]
	}
	return base
}

// camel turns "alias/jumpwire/org-1" into "JumpwireOrg1" and
// "alias/jumpwire/*" into "Jumpwire".
func camel(pattern string) string {
	var b strings.Builder
	up := true
	for _, r := range strings.TrimPrefix(pattern, "alias/") {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
