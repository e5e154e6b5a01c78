package iampolicy

import (
	"slices"
	"strings"
)

// The condition keys a policy reads, gathered once by Parse: those its
// Condition blocks test and those its policy variables (${aws:username} in
// a Resource or a condition value) name. A caller building a request's
// context can then leave out every key no policy of the request reads,
// which is most of the cost of a decision on a busy path.

// collectReads fills p.reads from p's statements.
func (p *Policy) collectReads() {
	add := func(k string) {
		if !slices.Contains(p.reads, k) {
			p.reads = append(p.reads, k)
		}
	}
	vars := func(t *template) {
		for _, part := range t.parts {
			if part.isVar {
				add(part.key)
			}
		}
	}
	for i := range p.Statements {
		s := &p.Statements[i]
		for j := range s.resources {
			vars(&s.resources[j])
		}
		for j := range s.Conditions {
			c := &s.Conditions[j]
			add(c.keyLower)
			for k := range c.vals {
				vars(&c.vals[k].tmpl)
			}
		}
	}
	p.readsKnown = true
}

// Reads reports whether a statement of p reads the condition key key,
// given in lower case ("kms:encryptioncontext:tenant"). A Policy not made
// by Parse reads every key.
func (p *Policy) Reads(key string) bool {
	return !p.readsKnown || slices.Contains(p.reads, key)
}

// ReadsPrefix reports whether a statement of p reads a condition key that
// starts with prefix, given in lower case ("aws:resourcetag/"). A Policy
// not made by Parse reads every key.
func (p *Policy) ReadsPrefix(prefix string) bool {
	if !p.readsKnown {
		return true
	}
	for _, k := range p.reads {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
