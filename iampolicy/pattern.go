package iampolicy

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// pattern is text in which some positions may be wildcards: wild[i] is '*'
// or '?' where s[i] is a wildcard, 0 where it is literal. A nil wild means
// the pattern is all literal.
type pattern struct {
	s    string
	wild []uint8
	// star is the index of the pattern's only wildcard when that is a '*'
	// (the common "kms:Get*" and "kms:*Alias"), -1 otherwise.
	star int
	// segs are the six segments of an ARN pattern of a policy
	// (arn:partition:service:region:account:resource), cut once when it
	// is compiled (arnMatch); nil for any other pattern.
	segs *[6]pattern
}

func (p pattern) kind(i int) uint8 {
	if p.wild == nil {
		return 0
	}
	return p.wild[i]
}

func (p pattern) slice(i, j int) pattern {
	q := pattern{s: p.s[i:j], star: -1}
	if p.wild != nil {
		q.wild = p.wild[i:j]
		q.star = starAt(q.wild)
	}
	return q
}

// starAt returns the index of the only wildcard wild marks when that is a
// '*'; -1 otherwise.
func starAt(wild []uint8) int {
	at := -1
	for i, w := range wild {
		switch {
		case w == 0:
		case w != '*' || at >= 0:
			return -1
		default:
			at = i
		}
	}
	return at
}

// equalASCIIFold reports whether a and b are equal, ASCII letters in
// either case when fold (as match compares literal characters).
func equalASCIIFold(a, b string, fold bool) bool {
	if !fold || len(a) != len(b) {
		return a == b
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

func foldByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// match reports whether s matches p in full; '*' matches any run of
// characters, '?' exactly one. fold makes literal ASCII letters
// case-insensitive.
func (p pattern) match(s string, fold bool) bool {
	if p.wild == nil {
		if fold {
			return strings.EqualFold(p.s, s)
		}
		return p.s == s
	}
	if p.star >= 0 { // a prefix, one '*' and a suffix (often none): what the loop below finds, without backtracking
		pre, suf := p.s[:p.star], p.s[p.star+1:]
		return len(s) >= len(pre)+len(suf) && equalASCIIFold(pre, s[:len(pre)], fold) && equalASCIIFold(suf, s[len(s)-len(suf):], fold)
	}
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p.s) {
			switch p.wild[pi] {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			default:
				a, b := p.s[pi], s[si]
				if a == b || (fold && foldByte(a) == foldByte(b)) {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		pi, si = starP+1, starS
	}
	for pi < len(p.s) && p.wild[pi] == '*' {
		pi++
	}
	return pi == len(p.s)
}

// globPattern makes a pattern from literal text in which '*' and '?' are
// wildcards.
func globPattern(s string) pattern {
	if !strings.ContainsAny(s, "*?") {
		return pattern{s: s, star: -1}
	}
	w := make([]uint8, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			w[i] = s[i]
		}
	}
	return pattern{s: s, wild: w, star: starAt(w)}
}

// arnMatch reports whether arn matches p as AWS matches ARNs: when p is an
// ARN pattern, segment by segment (arn:partition:service:region:account:
// resource), a wildcard never crossing ':' in the first five segments and
// matching anything, '/' and ':' included, in the resource; otherwise the
// whole text as one glob.
func arnMatch(p pattern, arn string) bool {
	if p.segs != nil {
		ai := 0
		for i := range 5 {
			ae := strings.IndexByte(arn[ai:], ':')
			if ae < 0 || !p.segs[i].match(arn[ai:ai+ae], false) {
				return false
			}
			ai += ae + 1
		}
		return p.segs[5].match(arn[ai:], false)
	}
	if !strings.HasPrefix(p.s, "arn:") {
		return p.match(arn, false)
	}
	pi, ai := 0, 0
	for seg := 0; seg < 5; seg++ {
		pe := strings.IndexByte(p.s[pi:], ':')
		ae := strings.IndexByte(arn[ai:], ':')
		if pe < 0 {
			// A pattern with fewer segments: match what is left whole.
			return p.slice(pi, len(p.s)).match(arn[ai:], false)
		}
		if ae < 0 {
			return false
		}
		if !p.slice(pi, pi+pe).match(arn[ai:ai+ae], false) {
			return false
		}
		pi += pe + 1
		ai += ae + 1
	}
	return p.slice(pi, len(p.s)).match(arn[ai:], false)
}

// part is a piece of a template: literal text with its wildcard marks, or a
// policy variable.
type part struct {
	text   pattern
	isVar  bool
	key    string
	def    string
	hasDef bool
}

// template is a policy string that may hold policy variables. Without
// variables it is one precompiled pattern.
type template struct {
	raw     string
	pat     pattern
	hasVars bool
	parts   []part
}

// compileTemplate compiles raw. vars turns on policy variables (Version
// 2012-10-17); globs makes '*' and '?' wildcards.
func compileTemplate(raw string, vars, globs bool) template {
	t := template{raw: raw}
	lit := func(s string) pattern {
		if globs {
			return globPattern(s)
		}
		return pattern{s: s, star: -1}
	}
	if !vars || !strings.Contains(raw, "${") {
		t.pat = lit(raw)
		if globs {
			t.pat.segs = arnSegments(t.pat)
		}
		return t
	}
	rest := raw
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: lit(rest[:i])})
		}
		inner := rest[i+2 : i+j]
		rest = rest[i+j+1:]
		switch inner {
		case "*", "?", "$":
			// Escapes: the character itself, never a wildcard.
			t.parts = append(t.parts, part{text: pattern{s: inner, star: -1}})
			continue
		}
		p := part{isVar: true, key: strings.TrimSpace(inner)}
		if k, d, ok := strings.Cut(inner, ","); ok {
			d = strings.TrimSpace(d)
			if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
				p.key, p.def, p.hasDef = strings.TrimSpace(k), d[1:len(d)-1], true
			}
		}
		p.key = strings.ToLower(p.key)
		t.parts = append(t.parts, p)
		t.hasVars = true
	}
	if rest != "" {
		t.parts = append(t.parts, part{text: lit(rest)})
	}
	if !t.hasVars {
		t.pat = joinParts(t.parts)
		t.parts = nil
		if globs {
			t.pat.segs = arnSegments(t.pat)
		}
	}
	return t
}

// arnSegments cuts an ARN pattern (arn: and at least five ':') into the
// six segments arnMatch matches one by one; nil for another pattern.
func arnSegments(p pattern) *[6]pattern {
	if !strings.HasPrefix(p.s, "arn:") {
		return nil
	}
	var segs [6]pattern
	from := 0
	for i := range 5 {
		n := strings.IndexByte(p.s[from:], ':')
		if n < 0 {
			return nil
		}
		segs[i] = p.slice(from, from+n)
		from += n + 1
	}
	segs[5] = p.slice(from, len(p.s))
	for i := range segs {
		if !slices.ContainsFunc(segs[i].wild, func(w uint8) bool { return w != 0 }) {
			segs[i].wild = nil // literal: compared as a whole
		}
	}
	return &segs
}

func joinParts(parts []part) pattern {
	var b strings.Builder
	var wild []uint8
	for _, p := range parts {
		if p.text.wild != nil && wild == nil {
			wild = make([]uint8, b.Len(), b.Len()+len(p.text.s))
		}
		b.WriteString(p.text.s)
		if wild != nil {
			if p.text.wild != nil {
				wild = append(wild, p.text.wild...)
			} else {
				wild = append(wild, make([]uint8, len(p.text.s))...)
			}
		}
	}
	p := pattern{s: b.String(), wild: wild, star: -1}
	if wild != nil {
		p.star = starAt(wild)
	}
	return p
}

// expand substitutes the template's variables from ctx. ok is false when a
// variable has no value and no default: then the template matches nothing.
func (t *template) expand(ctx Context) (pattern, bool) {
	if !t.hasVars {
		return t.pat, true
	}
	parts := make([]part, len(t.parts))
	for i, p := range t.parts {
		if !p.isVar {
			parts[i] = p
			continue
		}
		v, found := ctx.Get(p.key)
		switch {
		case found && !v.multi && len(v.items) == 1:
			parts[i] = part{text: pattern{s: v.items[0].s, star: -1}}
		case p.hasDef:
			parts[i] = part{text: pattern{s: p.def, star: -1}}
		default:
			return pattern{}, false
		}
	}
	return joinParts(parts), true
}

// MatchAction reports whether action matches an Action element's entry as
// AWS matches them: case-insensitive, with '*' and '?' wildcards.
func MatchAction(pattern, action string) bool {
	return globPattern(pattern).match(action, true)
}

// MatchResource reports whether arn matches a Resource element's entry (no
// policy variables): case-sensitive, wildcards kept within ARN segments.
func MatchResource(pattern, arn string) bool {
	return arnMatch(globPattern(pattern), arn)
}

// ARN is an ARN split into its fields; Resource holds everything after the
// fifth ':'.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits s into its fields without allocating. ok is false when s
// is not arn:partition:service:region:account:resource.
func ParseARN(s string) (ARN, bool) {
	var f [5]string
	rest := s
	for i := range f {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return ARN{}, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if f[0] != "arn" {
		return ARN{}, false
	}
	return ARN{Partition: f[1], Service: f[2], Region: f[3], Account: f[4], Resource: rest}, true
}
